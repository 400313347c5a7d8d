// WebSocket client text frames (message.send, sync, typing, csat.submit, …) through the reader
// the hub runs (http/client_frame.hpp). Invariants: what it accepts is what the hub may act on.
#include <cstdint>
#include <string>

#include "check.hpp"
#include "core/text.hpp"
#include "http/client_frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text = kefu::fuzz::AsText(data, size);
  kefu::http::ClientFrameParser parser;
  kefu::http::ClientFrame f;
  kefu::http::ClientFrameError error;
  if (!parser.Parse(text, 200, f, error)) {
    KEFU_FUZZ_CHECK(!error.code.empty() && !error.message.empty(), "a refusal without code or message");
    KEFU_FUZZ_CHECK(error.client_id.size() <= 128, "an echoed client_id above 128 bytes");
    return 0;
  }
  KEFU_FUZZ_CHECK(f.conversation_id > 0 && f.conversation_id < (std::int64_t{1} << 53),
                  "an accepted conversation_id outside 1..2^53");
  using Type = kefu::http::ClientFrame::Type;
  switch (f.type) {
    case Type::message_send:
      KEFU_FUZZ_CHECK(!kefu::Trim(f.text).empty(), "an accepted empty text");
      KEFU_FUZZ_CHECK(kefu::CountCodePoints(f.text) <= 200, "an accepted text above the limit");
      KEFU_FUZZ_CHECK(f.client_id.size() <= 128, "an accepted client_id above 128 bytes");
      // Frames arrive UTF-8-validated; then so is what the hub stores.
      if (kefu::IsValidUtf8(text)) KEFU_FUZZ_CHECK(kefu::IsValidUtf8(f.text), "text is not valid UTF-8");
      break;
    case Type::sync:
      KEFU_FUZZ_CHECK(f.after_seq >= 0, "an accepted negative after_seq");
      break;
    case Type::typing:
    case Type::csat_submit:
      break;
  }
  return 0;
}
