// Text primitives shared by the NLU's translation units. Private to src/bot/nlu.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "bot/nlu/nlu.hpp"

namespace kefu::bot::nlu::internal {

// See nlu::Normalise.
std::string NormaliseText(std::string_view text);

// True for Han (CJK ideograph) code points, simplified and traditional.
bool IsHan(char32_t c);

// Calls fn(code_point, byte_offset, byte_length) for each code point of UTF-8 `s`; malformed
// bytes come out as U+FFFD.
void ForEachCodePoint(std::string_view s, const std::function<void(char32_t, size_t, size_t)>& fn);

// DetectLanguage for a text whose Normalise form the caller already has.
Lang DetectLanguageNormalised(std::string_view raw, std::string_view normalised);

// Removes the accents of Latin letters (á → a, ñ → n, ü → u); other characters are kept.
std::string FoldAccents(std::string_view word);

}  // namespace kefu::bot::nlu::internal
