// The secret guard (bot/guard/guard.hpp): Scan and AsksForSecret on any bytes. Invariants:
//  * findings are sorted, inside the text, non-empty and do not overlap;
//  * the redacted text is the input with each finding replaced by "[redacted:<code>]" and
//    nothing else changed, so text without findings comes back unchanged;
//  * no detected secret survives redaction (copies the guard did not flag, such as an
//    unannounced "1234" beside "code: 1234", may stay);
//  * valid UTF-8 in, valid UTF-8 out.
#include <string>

#include "bot/guard/guard.hpp"
#include "check.hpp"
#include "core/text.hpp"

namespace {

std::size_t Count(std::string_view hay, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = hay.find(needle); at != std::string_view::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string_view text = kefu::fuzz::AsText(data, size);
  const auto& guard = kefu::bot::SecretGuard::Default();
  const kefu::bot::GuardResult r = guard.Scan(text);

  std::string expected;
  std::size_t at = 0;
  for (const auto& f : r.findings) {
    KEFU_FUZZ_CHECK(f.begin >= at && f.begin < f.end && f.end <= text.size(), "findings out of order or bounds");
    expected.append(text.substr(at, f.begin - at));
    expected += "[redacted:";
    expected += kefu::bot::WarningCode(f.kind);
    expected += ']';
    at = f.end;
  }
  expected.append(text.substr(at));
  KEFU_FUZZ_CHECK(r.redacted_text == expected, "redaction changed more than the findings");
  KEFU_FUZZ_CHECK(r.clean() == r.warnings.empty(), "warnings disagree with findings");
  if (r.clean()) KEFU_FUZZ_CHECK(r.redacted_text == text, "a clean text came back changed");
  if (kefu::IsValidUtf8(text)) KEFU_FUZZ_CHECK(kefu::IsValidUtf8(r.redacted_text), "redaction broke UTF-8");

  // No detected secret survives: the redacted text, its markers cut out (a marker may spell a
  // secret, e.g. the password "password"), holds each secret fewer times than the input did, by
  // the number of findings of it.
  std::string visible;
  for (std::size_t p = 0; p < r.redacted_text.size();) {
    const std::size_t m = r.redacted_text.find("[redacted:", p);
    const std::size_t close = m == std::string::npos ? m : r.redacted_text.find(']', m);
    if (close == std::string::npos) {
      visible.append(r.redacted_text, p);
      break;
    }
    visible.append(r.redacted_text, p, m - p).append("\xff\xfe");
    p = close + 1;
  }
  for (const auto& f : r.findings) {
    const std::string_view secret = text.substr(f.begin, f.end - f.begin);
    std::size_t same = 0;
    for (const auto& g : r.findings) same += text.substr(g.begin, g.end - g.begin) == secret;
    KEFU_FUZZ_CHECK(Count(visible, secret) + same <= Count(text, secret), "a detected secret survived redaction");
  }
  (void)guard.AsksForSecret(text);
  return 0;
}
