// Attachment bytes (media/media.hpp). Invariants: stripping never reads out of bounds (ASan),
// what it returns is of the same type, no longer than the input, and stripping it again changes
// nothing (no metadata survives a pass).
#include <string>

#include "check.hpp"
#include "media/media.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view bytes = kefu::fuzz::AsText(data, size);
  const auto type = kefu::media::Sniff(bytes);
  if (!type) return 0;
  const auto stripped = kefu::media::StripMetadata(*type, bytes);
  if (!stripped.ok()) return 0;
  KEFU_FUZZ_CHECK(stripped->size() <= bytes.size() + 1, "stripping made the file longer");
  KEFU_FUZZ_CHECK(kefu::media::Sniff(*stripped) == type, "stripping changed the type");
  const auto again = kefu::media::StripMetadata(*type, *stripped);
  KEFU_FUZZ_CHECK(again.ok() && *again == *stripped, "stripping is not idempotent");
  return 0;
}
