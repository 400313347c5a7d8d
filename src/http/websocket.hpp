// A lean RFC 6455 server-side WebSocket connection on a plain Asio TCP socket.
//
// Why not Beast's websocket::stream: it costs ≈6–7 KiB per idle connection; kefu's budget is
// 4 KiB (see docs/adr/0002-lean-websocket.md). While idle this object holds only the socket, a
// few counters and empty buffers: reads wait for readiness first and then read into a
// per-thread scratch buffer, so no per-connection read buffer exists between frames.
//
// Not thread-safe: every call happens on the connection's executor (the single network thread).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::http {

struct WsLimits {
  std::size_t max_message_bytes = 64 << 10;
};

class WsConnection;

// Receives what happens on connections; called on the network thread. One listener (the hub)
// serves every connection, so a connection stores a pointer, not callbacks.
class WsListener {
 public:
  virtual ~WsListener() = default;
  // A complete, UTF-8-valid text message.
  virtual void OnText(WsConnection& conn, std::string_view text) = 0;
  // A message above the size limit arrived; the connection closes with 1009 right after.
  virtual void OnTooLarge(WsConnection& conn) = 0;
  // The connection is gone; runs once, nothing can be sent any more.
  virtual void OnClosed(WsConnection& conn) = 0;
  // Outgoing bytes a connection may hold that its peer has not taken; a peer that falls further
  // behind (it stopped reading) is disconnected. Asked here, not stored per connection.
  virtual std::size_t MaxQueuedBytes() const = 0;
};

// While a WsCork is alive on the network thread, frames are queued instead of written, and each
// connection with queued frames is flushed once when the outermost cork ends. A burst of frames
// to one peer (acks of one group commit, messages for an agent with many chats) then costs one
// send(2) instead of one each: on loopback the sender pays for the receiver's TCP work too.
class WsCork {
 public:
  WsCork();
  ~WsCork();
  WsCork(const WsCork&) = delete;
  WsCork& operator=(const WsCork&) = delete;
};

class WsConnection : public std::enable_shared_from_this<WsConnection> {
 public:
  WsConnection(boost::asio::ip::tcp::socket socket, WsLimits limits, WsListener& listener);
  ~WsConnection();

  // Starts reading. `leftover` holds bytes already read after the HTTP upgrade request.
  void Start(std::string leftover);

  // Queues a text message. Sent at once when the socket accepts it; otherwise kept in order.
  void SendText(std::string_view text);

  // Starts the closing handshake with `code` and `reason`; no more messages are delivered.
  void Close(std::uint16_t code, std::string_view reason);

  // Sends a ping; the peer's pong (or any frame) refreshes last_heard_ms().
  void Ping();

  // Closes the socket at once, without a closing handshake.
  void Abort() { Shutdown(); }

  bool open() const { return state_ == State::open; }
  std::int64_t last_heard_ms() const { return last_heard_ms_; }
  std::size_t queued_bytes() const { return pending_.size() - pending_offset_; }
  // The client address per-address limits count this connection under: the TCP peer's at
  // first; the server replaces it with the address behind a trusted proxy, or with "" when the
  // connection is not limited by address (loopback).
  const std::string& remote_ip() const { return remote_ip_; }
  void set_remote_ip(std::string ip) { remote_ip_ = std::move(ip); }

  // Application data attached by the hub (who this is, rate-limit bucket).
  std::uint64_t subject_key = 0;
  std::string subject_name;
  double tokens = 0;
  std::int64_t tokens_at_ms = 0;

 private:
  friend class WsCork;
  struct FrameEvents;  // the frame parser's callbacks (ws_frame.hpp)
  enum class State : std::uint8_t { open, closing, closed };

  void WaitReadable();
  void OnReadable();
  // Consumes complete frames from `data` (ws::ParseClientFrames); returns bytes consumed, or
  // false on a fatal error.
  bool Consume(std::string_view data, std::size_t& consumed);
  void SendFrame(std::uint8_t opcode, std::string_view payload);
  void Flush();
  void Shutdown();

  boost::asio::ip::tcp::socket socket_;
  WsLimits limits_;
  WsListener* listener_;
  std::string partial_;        // bytes of an incomplete frame (empty while idle)
  std::string message_;        // a fragmented message being assembled
  std::string pending_;        // outgoing bytes not yet accepted by the socket
  std::size_t pending_offset_ = 0;
  std::string remote_ip_;
  std::int64_t last_heard_ms_ = 0;
  std::uint8_t message_opcode_ = 0;
  State state_ = State::open;
  bool writing_ = false;
  bool reading_ = false;
  bool close_sent_ = false;
  bool flush_queued_ = false;  // in the current cork's list
};

}  // namespace kefu::http
