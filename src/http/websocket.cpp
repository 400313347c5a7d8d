#include "http/websocket.hpp"

#include <boost/asio/write.hpp>

#include <chrono>

#include "core/text.hpp"

namespace kefu::http {
namespace asio = boost::asio;

namespace {

constexpr std::uint8_t kContinuation = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8,
                       kPing = 0x9, kPong = 0xA;

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

bool WsConnection::Consume(std::string_view data, std::size_t& consumed) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t pos = 0;
  while (state_ != State::closed) {
    std::size_t avail = data.size() - pos;
    if (avail < 2) break;
    const unsigned char b0 = p[pos], b1 = p[pos + 1];
    const bool fin = b0 & 0x80;
    const std::uint8_t opcode = b0 & 0x0F;
    std::uint64_t len = b1 & 0x7F;
    std::size_t header = 2;
    if ((b0 & 0x70) != 0) {  // RSV bits without a negotiated extension
      Close(1002, "reserved bits set");
      return false;
    }
    if (!(b1 & 0x80)) {  // clients must mask every frame
      Close(1002, "unmasked client frame");
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
    }
    const bool control = opcode & 0x8;
    if (control && (len > 125 || !fin)) {
      Close(1002, "bad control frame");
      return false;
    }
    if (!control && len + message_.size() > limits_.max_message_bytes) {
      listener_->OnTooLarge(*this);
      Close(1009, "message too large");
      return false;
    }
    header += 4;  // the mask
    if (avail < header + len) break;
    const unsigned char* mask = p + pos + header - 4;
    // Data frames unmask into the message being assembled, control frames into a small local.
    std::string control_payload;
    std::string* target = control ? &control_payload : &message_;
    const std::size_t base = target->size();
    target->resize(base + len);
    for (std::uint64_t i = 0; i < len; ++i)
      (*target)[base + i] = static_cast<char>(p[pos + header + i] ^ mask[i & 3]);
    pos += header + len;

    switch (opcode) {
      case kText:
      case kBinary:
        if (message_opcode_ != 0) {
          Close(1002, "expected a continuation frame");
          return false;
        }
        message_opcode_ = opcode;
        break;
      case kContinuation:
        if (message_opcode_ == 0) {
          Close(1002, "unexpected continuation frame");
          return false;
        }
        break;
      case kClose: {
        if (state_ == State::open) {
          std::uint16_t code = 1000;
          if (control_payload.size() >= 2)
            code = static_cast<std::uint16_t>((static_cast<unsigned char>(control_payload[0]) << 8) |
                                              static_cast<unsigned char>(control_payload[1]));
          Close(code == 1005 || code == 1006 || code < 1000 ? 1000 : code, "");
        }
        Shutdown();
        consumed = pos;
        return false;
      }
      case kPing:
        SendFrame(kPong, control_payload);
        continue;
      case kPong:
        continue;
      default:
        Close(1002, "unknown opcode");
        return false;
    }
    if (!fin) continue;
    if (message_opcode_ == kBinary) {
      message_.clear();
      message_opcode_ = 0;
      Close(1003, "binary messages are not accepted");
      return false;
    }
    message_opcode_ = 0;
    std::string message;
    message.swap(message_);
    if (!IsValidUtf8(message)) {
      Close(1007, "invalid UTF-8");
      return false;
    }
    if (state_ == State::open) listener_->OnText(*this, message);
  }
  consumed = pos;
  return true;
}

void WsConnection::SendText(std::string_view text) {
  if (state_ != State::open) return;
  SendFrame(kText, text);
}

void WsConnection::Ping() {
  if (state_ == State::open) SendFrame(kPing, {});
}

void WsConnection::Close(std::uint16_t code, std::string_view reason) {
  if (state_ != State::open) return;
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload += reason.substr(0, 123);
  SendFrame(kClose, payload);
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
