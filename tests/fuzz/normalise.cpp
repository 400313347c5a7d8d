// The bot's normaliser (NFKC, case, width, traditional → simplified) and language detection
// (bot/nlu/nlu.hpp), on any bytes. Invariants: the output is valid UTF-8, single-spaced and
// trimmed, and normalising it again changes nothing.
#include <string>

#include "bot/nlu/nlu.hpp"
#include "check.hpp"
#include "core/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  namespace nlu = kefu::bot::nlu;
  const std::string_view text = kefu::fuzz::AsText(data, size);
  const std::string norm = nlu::Normalise(text);
  KEFU_FUZZ_CHECK(kefu::IsValidUtf8(norm), "Normalise produced invalid UTF-8");
  KEFU_FUZZ_CHECK(norm.empty() || (norm.front() != ' ' && norm.back() != ' '), "Normalise left edge spaces");
  KEFU_FUZZ_CHECK(norm.find("  ") == std::string::npos, "Normalise left a double space");
  KEFU_FUZZ_CHECK(nlu::Normalise(norm) == norm, "Normalise is not idempotent");
  (void)nlu::DetectLanguage(text);
  (void)nlu::DetectLanguage(norm);
  (void)nlu::IsTraditional(text);
  if (kefu::IsValidUtf8(text))
    KEFU_FUZZ_CHECK(kefu::IsValidUtf8(nlu::ToTraditional(text)), "ToTraditional produced invalid UTF-8");
  if (auto lang = nlu::ParseLang(text)) (void)nlu::LangCode(*lang);
  return 0;
}
