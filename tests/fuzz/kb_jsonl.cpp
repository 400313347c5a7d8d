// `kefu kb import`'s parser (bot/knowledge_base.hpp) on any bytes, one JSON object per line.
// Invariants: every accepted entry has what the store needs (id, lang zh/en/es, question,
// answer; valid UTF-8), ids are unique, and bad lines are reported in file order.
#include <sstream>
#include <string>
#include <unordered_set>

#include "bot/knowledge_base.hpp"
#include "check.hpp"
#include "core/text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  std::istringstream in{std::string(kefu::fuzz::AsText(data, size))};
  const kefu::bot::KbParse parse = kefu::bot::ParseKbJsonl(in, 1);
  std::unordered_set<std::string> ids;
  for (const auto& e : parse.entries) {
    KEFU_FUZZ_CHECK(!e.id.empty() && e.id.size() <= 128, "an entry id empty or above 128 bytes");
    KEFU_FUZZ_CHECK(ids.insert(e.id).second, "two entries with one id");
    KEFU_FUZZ_CHECK(e.lang == "zh" || e.lang == "en" || e.lang == "es", "an entry lang outside zh/en/es");
    KEFU_FUZZ_CHECK(!kefu::Trim(e.question).empty() && !kefu::Trim(e.answer).empty(), "an empty question/answer");
    KEFU_FUZZ_CHECK(kefu::IsValidUtf8(e.id) && kefu::IsValidUtf8(e.question) && kefu::IsValidUtf8(e.answer),
                    "an entry with invalid UTF-8");
    for (const auto& v : e.variants) KEFU_FUZZ_CHECK(!kefu::Trim(v).empty(), "an empty variant");
  }
  int last = 0;
  for (const auto& err : parse.errors) {
    KEFU_FUZZ_CHECK(err.line > last && !err.message.empty(), "errors out of order or without a message");
    last = err.line;
  }
  return 0;
}
