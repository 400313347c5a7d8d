// The pure part of kefu's RFC 6455 server: parsing client frames (header, lengths, masking,
// fragmentation, control frames, UTF-8 validation of text messages). No I/O and no Asio, so the
// WebSocket connection (websocket.cpp) and the fuzz target (tests/fuzz/ws_frame.cpp) run the very
// same code; see docs/adr/0007-pure-frame-parsers.md.
//
// A template over the handler so that the connection's callbacks inline exactly as they did
// before the split (the chat benchmark runs through here for every frame).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.hpp"

namespace kefu::http::ws {

inline constexpr std::uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8,
                              kPing = 0x9, kPong = 0xA;

// A message being assembled from fragments; lives in the connection between reads.
//   message: the unmasked payload so far; opcode: kText/kBinary while a message is open, else 0.
//
// `Handler` provides (all called synchronously, in frame order):
//   bool Closed() const                       — true once the connection is gone: stop parsing
//   void OnText(std::string_view text)        — a complete, UTF-8-valid text message
//   void OnPing(std::string_view payload)     — answer with a pong
//   void OnTooLarge()                         — a message above `max_message_bytes` (then 1009)
//   void Fail(std::uint16_t code, const char* reason) — a protocol error: close with `code`
//   void OnClose(std::uint16_t code)          — the peer's close frame (code 1000 if it gave none
//                                               or an invalid one); the connection then ends
//
// Returns true when every complete frame of `data` was consumed (`consumed` bytes; the rest is an
// incomplete frame to keep for the next read) and false after Fail, OnTooLarge or OnClose: the
// connection is closing and `data` must not be looked at again.
template <typename Handler>
bool ParseClientFrames(std::string_view data, std::size_t max_message_bytes, std::string& message,
                       std::uint8_t& message_opcode, Handler& handler, std::size_t& consumed) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t pos = 0;
  while (!handler.Closed()) {
    std::size_t avail = data.size() - pos;
    if (avail < 2) break;
    const unsigned char b0 = p[pos], b1 = p[pos + 1];
    const bool fin = b0 & 0x80;
    const std::uint8_t opcode = b0 & 0x0F;
    std::uint64_t len = b1 & 0x7F;
    std::size_t header = 2;
    if ((b0 & 0x70) != 0) {  // RSV bits without a negotiated extension
      handler.Fail(1002, "reserved bits set");
      return false;
    }
    if (!(b1 & 0x80)) {  // clients must mask every frame
      handler.Fail(1002, "unmasked client frame");
      return false;
    }
    if (len == 126) {
      if (avail < 4) break;
      len = (std::uint64_t{p[pos + 2]} << 8) | p[pos + 3];
      header = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | p[pos + 2 + i];
      header = 10;
      // RFC 6455 §5.2: the most significant bit must be 0. Without this check a length near
      // 2^64 wrapped `len + message.size()` below the limit and the unmasking wrote past the
      // message (found by tests/fuzz/ws_frame).
      if (len >> 63) {
        handler.Fail(1002, "bad frame length");
        return false;
      }
    }
    const bool control = opcode & 0x8;
    if (control && (len > 125 || !fin)) {
      handler.Fail(1002, "bad control frame");
      return false;
    }
    if (!control && len + message.size() > max_message_bytes) {
      handler.OnTooLarge();
      return false;
    }
    header += 4;  // the mask
    if (avail < header + len) break;
    const unsigned char* mask = p + pos + header - 4;
    // Data frames unmask into the message being assembled, control frames into a small local.
    std::string control_payload;
    std::string* target = control ? &control_payload : &message;
    const std::size_t base = target->size();
    target->resize(base + len);
    for (std::uint64_t i = 0; i < len; ++i)
      (*target)[base + i] = static_cast<char>(p[pos + header + i] ^ mask[i & 3]);
    pos += header + len;

    switch (opcode) {
      case kText:
      case kBinary:
        if (message_opcode != 0) {
          handler.Fail(1002, "expected a continuation frame");
          return false;
        }
        message_opcode = opcode;
        break;
      case kContinuation:
        if (message_opcode == 0) {
          handler.Fail(1002, "unexpected continuation frame");
          return false;
        }
        break;
      case kClose: {
        std::uint16_t code = 1000;
        if (control_payload.size() >= 2)
          code = static_cast<std::uint16_t>((static_cast<unsigned char>(control_payload[0]) << 8) |
                                            static_cast<unsigned char>(control_payload[1]));
        handler.OnClose(code == 1005 || code == 1006 || code < 1000 ? 1000 : code);
        consumed = pos;
        return false;
      }
      case kPing:
        handler.OnPing(control_payload);
        continue;
      case kPong:
        continue;
      default:
        handler.Fail(1002, "unknown opcode");
        return false;
    }
    if (!fin) continue;
    if (message_opcode == kBinary) {
      message.clear();
      message_opcode = 0;
      handler.Fail(1003, "binary messages are not accepted");
      return false;
    }
    message_opcode = 0;
    std::string text;
    text.swap(message);
    if (!IsValidUtf8(text)) {
      handler.Fail(1007, "invalid UTF-8");
      return false;
    }
    handler.OnText(text);
  }
  consumed = pos;
  return true;
}

}  // namespace kefu::http::ws
