// RFC 3339 timestamps (core/time.hpp). Invariant: whatever parses formats back to a string that
// parses to the same instant.
#include <string>

#include "check.hpp"
#include "core/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const auto t = kefu::ParseRfc3339(kefu::fuzz::AsText(data, size));
  if (!t) return 0;
  const std::string formatted = kefu::FormatRfc3339(*t);
  const auto again = kefu::ParseRfc3339(formatted);
  KEFU_FUZZ_CHECK(again && *again == *t, "FormatRfc3339 does not parse back to the same instant");
  return 0;
}
