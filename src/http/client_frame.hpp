// A WebSocket client frame (docs/protocol.md) read into a typed request: every check of its JSON
// shape happens here, before the hub touches any state. Pure (Boost.JSON only, no Asio), so the
// fuzz target tests/fuzz/client_frame.cpp runs exactly what the hub runs.
#pragma once

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "domain/conversation.hpp"

namespace kefu::http {

struct ClientFrame {
  enum class Type { message_send, sync, typing, csat_submit };
  Type type = Type::message_send;
  domain::Id conversation_id = 0;
  std::string client_id;       // message.send (optional, at most 128 bytes)
  std::string_view text;       // message.send: points into the parser's JSON value
  std::int64_t after_seq = 0;  // sync
  bool typing = true;          // typing
  std::int64_t score = 0;      // csat.submit: present and an integer (the range is checked later)
  std::string comment;         // csat.submit
};

// Why a frame was refused: the error frame's code ("invalid", "too_large", "unknown_type"), its
// message, and the client_id to echo (set only where the protocol echoes it: message.send).
struct ClientFrameError {
  std::string_view code;
  std::string message;
  std::string client_id;
};

// Parses frames into a stack arena: frames are small, so the common case allocates nothing.
// One parser per frame; a ClientFrame's `text` stays valid while its parser lives.
class ClientFrameParser {
 public:
  ClientFrameParser() : mr_(arena_, sizeof arena_) {}
  ClientFrameParser(const ClientFrameParser&) = delete;
  ClientFrameParser& operator=(const ClientFrameParser&) = delete;

  // Reads `text` into `out`; false with `error` set when the frame is malformed. `max_text_chars`
  // bounds message.send's text in code points.
  bool Parse(std::string_view text, std::size_t max_text_chars, ClientFrame& out, ClientFrameError& error);

 private:
  unsigned char arena_[4096];
  boost::json::monotonic_resource mr_;
  boost::json::value value_;
};

}  // namespace kefu::http
