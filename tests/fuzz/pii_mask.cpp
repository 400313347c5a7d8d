// The PII masker (domain/pii_mask.hpp) on any bytes, as every staff view runs it on customer
// text. Invariants: it never fails or loops on hostile input; text without digits or '@' (or
// their full-width forms) comes back unchanged; masking is idempotent (what staff read does not
// change when masked again, so a masked text sent back by a client is recognised).
#include <string>

#include "check.hpp"
#include "domain/pii_mask.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  namespace d = kefu::domain;
  const std::string_view text = kefu::fuzz::AsText(data, size);
  const std::string masked = d::MaskText(text);
  bool digits_or_at = false;  // or a full-width form, which is folded to them (0xEF 0xBC.., 0xE3 0x80 0x80)
  for (char c : text) {
    const auto b = static_cast<unsigned char>(c);
    if ((c >= '0' && c <= '9') || c == '@' || b == 0xEF || b == 0xE3) digits_or_at = true;
  }
  if (!digits_or_at) KEFU_FUZZ_CHECK(masked == text, "text without digits or '@' was changed");
  KEFU_FUZZ_CHECK(d::MaskText(masked) == masked, "masking twice changed the text again");
  return 0;
}
