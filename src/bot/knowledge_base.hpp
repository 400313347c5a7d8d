// The knowledge-base file format of `kefu kb import` / `kefu kb export` (DESIGN.md §2): one JSON
// object per line, {"id","lang","category","question","variants":[…],"answer"}.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "store/store.hpp"

namespace kefu::bot {

struct KbLineError {
  int line = 0;  // 1-based
  std::string message;
};

struct KbParse {
  std::vector<store::KbEntry> entries;  // good lines; a later line with the same id wins
  std::vector<KbLineError> errors;      // bad lines, in file order
};

// Parses a JSONL stream. Bad lines are reported with their line number and skipped; blank lines
// are ignored. Every entry gets `now` as its update time.
KbParse ParseKbJsonl(std::istream& in, Millis now);

// Writes entries in the same format, one per line.
void WriteKbJsonl(const std::vector<store::KbEntry>& entries, std::ostream& out);

// "zh", "zh-CN", "zh-TW", "zh-Hans", "zh-Hant" → "zh"; "en"/"es" (any case, with region) kept.
std::optional<std::string> NormaliseKbLang(std::string_view lang);

}  // namespace kefu::bot
