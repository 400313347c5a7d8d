// RFC 6455 client frames through the parser the WebSocket connection runs (http/ws_frame.hpp).
// Input: byte 0 picks how the rest is cut into reads; the rest is the byte stream of a client.
// Invariants: the parser never reads out of bounds (ASan), delivers only complete, UTF-8-valid
// text messages within the size limit, and says the same whatever the read boundaries are.
#include <cstdint>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/text.hpp"
#include "http/ws_frame.hpp"

namespace {

constexpr std::size_t kMaxMessage = 1024;  // small, so the 1009 path is reachable

struct Recorder {
  std::vector<std::string> events;
  bool closed = false;
  bool Closed() const { return closed; }
  void OnText(std::string_view text) {
    KEFU_FUZZ_CHECK(kefu::IsValidUtf8(text), "a delivered message is not valid UTF-8");
    KEFU_FUZZ_CHECK(text.size() <= kMaxMessage, "a delivered message is above the limit");
    events.push_back("text:" + std::string(text));
  }
  void OnPing(std::string_view payload) {
    KEFU_FUZZ_CHECK(payload.size() <= 125, "a ping payload above 125 bytes");
    events.push_back("ping:" + std::string(payload));
  }
  void OnTooLarge() { events.emplace_back("too_large"); }
  void Fail(std::uint16_t code, const char* reason) {
    events.push_back("fail:" + std::to_string(code) + ":" + reason);
  }
  void OnClose(std::uint16_t code) {
    KEFU_FUZZ_CHECK(code >= 1000, "a close code below 1000");
    events.push_back("close:" + std::to_string(code));
    closed = true;
  }
};

// Feeds `stream` in reads of the given sizes, keeping an incomplete frame between reads exactly
// as WsConnection::OnReadable does.
std::vector<std::string> Run(std::string_view stream, unsigned cut) {
  Recorder r;
  std::string partial, message;
  std::uint8_t opcode = 0;
  std::size_t at = 0;
  unsigned step = 0;
  while (at < stream.size()) {
    const std::size_t n = cut == 0 ? stream.size() : 1 + (cut * 7 + step++ * 13) % (cut + 3);
    const std::string_view read = stream.substr(at, n);
    at += read.size();
    partial.append(read);
    std::size_t consumed = 0;
    if (!kefu::http::ws::ParseClientFrames(partial, kMaxMessage, message, opcode, r, consumed)) {
      r.events.emplace_back("end");
      return r.events;
    }
    KEFU_FUZZ_CHECK(consumed <= partial.size(), "consumed more than it was given");
    partial.erase(0, consumed);
    KEFU_FUZZ_CHECK(message.size() <= kMaxMessage, "an assembled message above the limit");
  }
  r.events.push_back("pending:" + std::to_string(partial.size() + message.size()));
  return r.events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view stream = kefu::fuzz::AsText(data + 1, size - 1);
  const auto whole = Run(stream, 0);
  const auto cut = Run(stream, data[0]);
  KEFU_FUZZ_CHECK(whole == cut, "the read boundaries changed what the parser reported");
  return 0;
}
