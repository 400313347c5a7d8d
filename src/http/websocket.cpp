#include "http/websocket.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <chrono>

#include "http/ws_frame.hpp"

namespace kefu::http {
namespace asio = boost::asio;

namespace {

std::int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

// Reads land here, never in the connection: idle connections keep no read buffer.
thread_local char t_scratch[64 << 10];

thread_local int t_cork_depth = 0;
thread_local std::vector<std::shared_ptr<WsConnection>> t_corked;

}  // namespace

WsCork::WsCork() { ++t_cork_depth; }

WsCork::~WsCork() {
  if (--t_cork_depth > 0) return;
  // Flushing may run handlers that cork again; take the list first.
  std::vector<std::shared_ptr<WsConnection>> corked;
  corked.swap(t_corked);
  for (auto& conn : corked) {
    conn->flush_queued_ = false;
    if (!conn->writing_ && conn->state_ != WsConnection::State::closed) conn->Flush();
  }
}

WsConnection::WsConnection(asio::ip::tcp::socket socket, WsLimits limits, WsListener& listener)
    : socket_(std::move(socket)), limits_(limits), listener_(&listener) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) remote_ip_ = ep.address().to_string();
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  last_heard_ms_ = NowMs();
}

WsConnection::~WsConnection() = default;

void WsConnection::Start(std::string leftover) {
  if (!leftover.empty()) {
    std::size_t consumed = 0;
    if (!Consume(leftover, consumed) || state_ == State::closed) return;
    partial_.assign(leftover, consumed);
  }
  WaitReadable();
}

void WsConnection::WaitReadable() {
  if (state_ == State::closed || reading_) return;
  reading_ = true;
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->reading_ = false;
                       if (ec) {
                         self->Shutdown();
                         return;
                       }
                       self->OnReadable();
                     });
}

void WsConnection::OnReadable() {
  WsCork cork;  // answers to every frame of this read leave together
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = socket_.read_some(asio::buffer(t_scratch), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec || n == 0) {
      Shutdown();
      return;
    }
    last_heard_ms_ = NowMs();
    std::size_t consumed = 0;
    if (partial_.empty()) {
      if (!Consume(std::string_view(t_scratch, n), consumed) || state_ == State::closed) return;
      if (consumed < n) partial_.assign(t_scratch + consumed, n - consumed);
    } else {
      partial_.append(t_scratch, n);
      if (!Consume(partial_, consumed) || state_ == State::closed) return;
      partial_.erase(0, consumed);
      if (partial_.empty()) std::string().swap(partial_);
    }
    if (n < sizeof t_scratch) break;  // drained; don't pay for a read that returns EAGAIN
  }
  WaitReadable();
}

// The frame parser's callbacks (ws_frame.hpp), inlined into Consume.
struct WsConnection::FrameEvents {
  WsConnection& c;
  bool Closed() const { return c.state_ == State::closed; }
  void OnText(std::string_view text) {
    if (c.state_ == State::open) c.listener_->OnText(c, text);
  }
  void OnPing(std::string_view payload) { c.SendFrame(ws::kPong, payload); }
  void OnTooLarge() {
    c.listener_->OnTooLarge(c);
    c.Close(1009, "message too large");
  }
  void Fail(std::uint16_t code, const char* reason) { c.Close(code, reason); }
  void OnClose(std::uint16_t code) {
    if (c.state_ == State::open) c.Close(code, "");
    c.Shutdown();
  }
};

bool WsConnection::Consume(std::string_view data, std::size_t& consumed) {
  FrameEvents events{*this};
  return ws::ParseClientFrames(data, limits_.max_message_bytes, message_, message_opcode_, events, consumed);
}

void WsConnection::SendText(std::string_view text) {
  if (state_ != State::open) return;
  SendFrame(ws::kText, text);
}

void WsConnection::Ping() {
  if (state_ == State::open) SendFrame(ws::kPing, {});
}

void WsConnection::Close(std::uint16_t code, std::string_view reason) {
  if (state_ != State::open) return;
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload += reason.substr(0, 123);
  SendFrame(ws::kClose, payload);
  close_sent_ = true;
  state_ = State::closing;
  if (pending_.size() == pending_offset_) {
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }
  WaitReadable();  // wait for the peer's close or EOF
}

void WsConnection::SendFrame(std::uint8_t opcode, std::string_view payload) {
  if (state_ == State::closed) return;
  const bool idle = pending_.size() == pending_offset_;
  if (idle) {
    pending_.clear();
    pending_offset_ = 0;
  }
  pending_ += static_cast<char>(0x80 | opcode);
  const std::size_t len = payload.size();
  if (len < 126) {
    pending_ += static_cast<char>(len);
  } else if (len < 65536) {
    pending_ += static_cast<char>(126);
    pending_ += static_cast<char>(len >> 8);
    pending_ += static_cast<char>(len & 0xFF);
  } else {
    pending_ += static_cast<char>(127);
    for (int i = 7; i >= 0; --i) pending_ += static_cast<char>((static_cast<std::uint64_t>(len) >> (8 * i)) & 0xFF);
  }
  pending_.append(payload);
  if (pending_.size() - pending_offset_ > listener_->MaxQueuedBytes()) {
    // A slow or stalled reader must not make the server hold its messages without bound. Not
    // shut down here: the hub may be iterating over its connections right now.
    state_ = State::closing;
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Shutdown(); });
    return;
  }
  if (writing_) return;
  if (t_cork_depth > 0) {
    if (!flush_queued_) {
      flush_queued_ = true;
      t_corked.push_back(shared_from_this());
    }
    return;
  }
  Flush();
}

void WsConnection::Flush() {
  while (pending_offset_ < pending_.size()) {
    boost::system::error_code ec;
    std::size_t n = socket_.write_some(
        asio::buffer(pending_.data() + pending_offset_, pending_.size() - pending_offset_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      writing_ = true;
      socket_.async_wait(asio::ip::tcp::socket::wait_write,
                         [self = shared_from_this()](const boost::system::error_code& wec) {
                           self->writing_ = false;
                           if (wec) {
                             self->Shutdown();
                             return;
                           }
                           self->Flush();
                         });
      return;
    }
    if (ec) {
      Shutdown();
      return;
    }
    pending_offset_ += n;
  }
  // Everything is out: give the memory back, idle connections must stay small.
  std::string().swap(pending_);
  pending_offset_ = 0;
  if (state_ == State::closing && close_sent_) {
    boost::system::error_code ec;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }
}

void WsConnection::Shutdown() {
  if (state_ == State::closed) return;
  state_ = State::closed;
  boost::system::error_code ec;
  socket_.close(ec);
  std::string().swap(partial_);
  std::string().swap(message_);
  std::string().swap(pending_);
  pending_offset_ = 0;
  listener_->OnClosed(*this);
}

}  // namespace kefu::http
