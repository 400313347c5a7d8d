#include "bot/guard/internal/text.hpp"

#include <algorithm>
#include <cstring>

namespace kefu::bot::internal {
namespace {

// A sentence ends at 。！？!?, at a '.' or ';' followed by white space (not inside "3.5" or
// "etherscan.io"), or at a line break.
bool EndsSentenceAt(std::string_view s, size_t i, CodePoint c) {
  if (c.cp == '\n' || c.cp == 0x3002 || c.cp == 0xFF01 || c.cp == 0xFF1F || c.cp == '!' ||
      c.cp == '?') {
    return true;
  }
  if (c.cp == '.' || c.cp == ';') {
    return i + 1 >= s.size() || s[i + 1] == ' ' || s[i + 1] == '\n' || s[i + 1] == '\t';
  }
  return false;
}

bool IsLabelFiller(char32_t cp) {
  return IsSpace(cp) || cp == ':' || cp == 0xFF1A || cp == '-' || cp == '=' || cp == '"' ||
         cp == '\'' || cp == '(' || cp == '[' || cp == 0x300C;
}

// Start of the sentence containing byte `pos`, no further back than `limit`.
size_t SentenceStart(std::string_view s, size_t pos, size_t limit) {
  size_t i = pos;
  while (i > limit) {
    const size_t p = PrevStart(s, i);
    if (EndsSentenceAt(s, p, DecodeAt(s, p))) return i;
    i = p;
  }
  return i;
}

}  // namespace

int FoldLatin(char32_t cp) {
  if (cp < 0x80) {
    const char c = static_cast<char>(cp);
    return IsAsciiAlpha(c) ? AsciiLowerChar(c) : -1;
  }
  if (cp >= 0x300 && cp <= 0x36F) return 0;
  if (cp < 0xC0 || cp > 0xFF || cp == 0xD7 || cp == 0xF7) return -1;
  // U+00C0..U+00FF folded to base letters; 0 marks letters with no ASCII base (Æ, Ð, Þ, ß...).
  static constexpr char kLatin1[64] = {
      'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',   // C0
      0,   'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   0,     // D0
      'a', 'a', 'a', 'a', 'a', 'a', 0,   'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',   // E0
      0,   'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 0,   'y'};  // F0
  const char f = kLatin1[cp - 0xC0];
  return f ? f : -1;
}

StemSet::StemSet(const std::vector<std::string_view>& stems, Match match) : match_(match) {
  for (std::string_view stem : stems) {
    const auto b = static_cast<unsigned char>(stem.front());
    if (b < 0x80) {
      ascii_[b].push_back(stem);
    } else {
      const char32_t cp = DecodeAt(stem, 0).cp;
      other_.emplace_back(cp, stem);
      other_bits_[(cp & 0xFFFF) >> 6] |= uint64_t{1} << (cp & 63);
    }
  }
  std::stable_sort(other_.begin(), other_.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
}

Span SentenceAround(std::string_view s, size_t begin, size_t end, size_t max_before,
                    size_t max_after) {
  const size_t limit = begin > max_before ? begin - max_before : 0;
  size_t start = SentenceStart(s, begin, limit);
  // Only label filler between the sentence start and the span: the span opens its sentence or
  // line, so the label before the break belongs to it.
  bool opens = true;
  for (size_t i = start; i < begin;) {
    const CodePoint c = DecodeAt(s, i);
    if (!IsLabelFiller(c.cp)) {
      opens = false;
      break;
    }
    i += c.len;
  }
  if (opens && start > limit) {
    size_t p = PrevStart(s, start);  // the boundary character itself
    start = SentenceStart(s, p, limit);
  }
  while (start > limit && start < s.size() &&
         (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
    ++start;  // never start inside a code point
  }
  size_t stop = end;
  const size_t hard = end + max_after < s.size() ? end + max_after : s.size();
  while (stop < hard) {
    const CodePoint c = DecodeAt(s, stop);
    if (EndsSentenceAt(s, stop, c)) break;
    stop += c.len;
  }
  if (stop > s.size()) stop = s.size();
  return {start, stop};
}

}  // namespace kefu::bot::internal
