// REST request bodies through the readers every handler uses (http/json_io.hpp): ParseObject,
// then each field read as a string, an integer and an id.
#include <cstdint>
#include <string>

#include "check.hpp"
#include "http/json_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  if (size < 1) return 0;
  const bool empty_ok = data[0] & 1;
  auto parsed = kefu::http::json::ParseObject(kefu::fuzz::AsText(data + 1, size - 1), empty_ok);
  if (!parsed.ok()) {
    KEFU_FUZZ_CHECK(parsed.error().code == kefu::Code::invalid, "a bad body that is not Code::invalid");
    KEFU_FUZZ_CHECK(!parsed.error().message.empty(), "a bad body without a message");
    return 0;
  }
  for (const auto& kv : *parsed) {
    const std::string_view key = kv.key();
    (void)kefu::http::json::OptString(*parsed, key);
    (void)kefu::http::json::OptInt(*parsed, key);
    auto id = kefu::http::json::RequiredId(*parsed, key);
    if (id.ok())
      KEFU_FUZZ_CHECK(*id > 0 && *id < (std::int64_t{1} << 53), "an accepted id outside 1..2^53");
  }
  return 0;
}
