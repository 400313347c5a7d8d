// Byte- and code-point-level helpers shared by the guard's detectors. Private to bot/guard.
// Everything here accepts arbitrary bytes: invalid UTF-8 decodes as a one-byte "invalid" unit,
// and nothing reads outside the given view.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kefu::bot::internal {

struct CodePoint {
  char32_t cp = 0;  // U+FFFD for an invalid byte
  uint8_t len = 1;  // bytes consumed, 1..4
  bool valid = true;
};

// Decodes the code point starting at byte `i` (< s.size()). Rejects overlongs, surrogates and
// values above U+10FFFF like a validating decoder; each offending byte decodes on its own.
inline CodePoint DecodeAt(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return {b0, 1, true};
  const size_t left = s.size() - i;
  auto cont = [&](size_t k) {
    return k < left && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  auto byte = [&](size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  if (b0 >= 0xC2 && b0 <= 0xDF && cont(1)) {
    return {(static_cast<char32_t>(b0 & 0x1F) << 6) | byte(1), 2, true};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF && cont(1) && cont(2)) {
    const char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (byte(1) << 6) | byte(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) return {cp, 3, true};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp =
        (static_cast<char32_t>(b0 & 0x07) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) return {cp, 4, true};
  }
  return {0xFFFD, 1, false};
}

// Start of the code point that ends just before byte `i` (> 0), for walking backwards; an invalid
// trailing byte counts as one unit.
inline size_t PrevStart(std::string_view s, size_t i) {
  size_t j = i - 1;
  const size_t floor = i >= 4 ? i - 4 : 0;
  while (j > floor && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
  const CodePoint c = DecodeAt(s, j);
  return (c.valid && j + c.len == i) ? j : i - 1;
}

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsAsciiAlnum(char c) { return IsAsciiDigit(c) || IsAsciiAlpha(c); }
inline bool IsHexDigit(char c) {
  return IsAsciiDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
inline char AsciiLowerChar(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c;
}

// CJK unified ideographs (basic block and extensions, compatibility ideographs).
inline bool IsHan(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F);
}

// Unicode white space that may separate words (ASCII, NBSP, ideographic space, the U+2000 block).
inline bool IsSpace(char32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
         cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F ||
         cp == 0x205F;
}

// Folds a Latin letter to the ASCII letter BIP-39 matching uses: ASCII lower case, Latin-1
// accented letters to their base letter (á→a, ñ→n, ü→u). Returns 0 for a combining mark (U+0300
// to U+036F: skipped, so NFD/NFKD input folds like NFC), -1 for anything that is not a letter
// kefu folds, and the folded letter otherwise.
int FoldLatin(char32_t cp);

// True for code points that belong to a Latin word token: ASCII letters, Latin-1 and Latin
// Extended letters, combining marks.
inline bool IsLatinWordChar(char32_t cp) {
  if (cp < 0x80) return IsAsciiAlpha(static_cast<char>(cp));
  return (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0x300 && cp <= 0x36F);
}

// ASCII-lower-cased copy: same length, non-ASCII bytes unchanged, so offsets carry over.
inline std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLowerChar(c);
  return out;
}

// True when `s` at byte `i` starts with `what` and, when `what` starts/ends with an ASCII letter
// or digit, the neighbouring bytes are not ASCII letters or digits (a whole-word match).
inline bool WordAt(std::string_view s, size_t i, std::string_view what) {
  if (s.substr(i, what.size()) != what) return false;
  if (IsAsciiAlnum(what.front()) && i > 0 && IsAsciiAlnum(s[i - 1])) return false;
  const size_t e = i + what.size();
  if (IsAsciiAlnum(what.back()) && e < s.size() && IsAsciiAlnum(s[e])) return false;
  return true;
}

// True when `hay` contains `needle` as a whole word (see WordAt).
inline bool ContainsWord(std::string_view hay, std::string_view needle) {
  for (size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1)) {
    if (WordAt(hay, p, needle)) return true;
  }
  return false;
}

// A fixed set of stems (byte strings) looked for anywhere in a text in one pass, for the cheap
// "could this text possibly match" checks that run on every message and for keyword lists.
// ASCII stems are indexed by their first byte, the others by their first code point. With
// Match::whole_word, a stem that starts (ends) with an ASCII letter or digit matches only where
// the byte before (after) it is not one. Immutable after construction; callers pass
// ASCII-lower-cased text.
class StemSet {
 public:
  enum class Match { anywhere, whole_word };
  StemSet(std::initializer_list<std::string_view> stems, Match match = Match::anywhere)
      : StemSet(std::vector<std::string_view>(stems), match) {}
  // The views must outlive the set (string literals, static tables).
  explicit StemSet(const std::vector<std::string_view>& stems, Match match = Match::anywhere);

  // True when `s` contains one of the stems.
  bool AnyIn(std::string_view s) const {
    return ForEach(s, [](size_t, std::string_view) { return true; });
  }

  // Calls fn(position, stem) for each occurrence in text order until fn returns true; returns
  // whether one did.
  template <typename Fn>
  bool ForEach(std::string_view s, Fn fn) const;

 private:
  bool Fits(std::string_view s, size_t i, std::string_view stem) const;

  Match match_;
  std::vector<std::string_view> ascii_[128];
  std::vector<std::pair<char32_t, std::string_view>> other_;  // sorted by code point
  uint64_t other_bits_[1024] = {};  // first code points of other_, by cp & 0xFFFF: a quick "no"
};

inline bool StemSet::Fits(std::string_view s, size_t i, std::string_view stem) const {
  if (s.size() - i < stem.size()) return false;
  // Stems are short: compare by hand, second byte first (the first is known to match).
  for (size_t k = 1; k < stem.size(); ++k) {
    if (s[i + k] != stem[k]) return false;
  }
  if (match_ == Match::anywhere) return true;
  if (IsAsciiAlnum(stem.front()) && i > 0 && IsAsciiAlnum(s[i - 1])) return false;
  const size_t e = i + stem.size();
  return !(IsAsciiAlnum(stem.back()) && e < s.size() && IsAsciiAlnum(s[e]));
}

template <typename Fn>
bool StemSet::ForEach(std::string_view s, Fn fn) const {
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      for (std::string_view stem : ascii_[b]) {
        if (Fits(s, i, stem) && fn(i, stem)) return true;
      }
      ++i;
      continue;
    }
    size_t len = 1;
    char32_t cp = 0;
    if (b >= 0xE0 && b < 0xF0 && i + 2 < n) {  // most CJK: decode inline
      cp = (static_cast<char32_t>(b & 0x0F) << 12) |
           (static_cast<char32_t>(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
           static_cast<char32_t>(static_cast<unsigned char>(s[i + 2]) & 0x3F);
      len = 3;
    } else if (b >= 0xC0) {
      const CodePoint c = DecodeAt(s, i);
      cp = c.cp;
      len = c.len;
    }
    if (cp != 0 && ((other_bits_[(cp & 0xFFFF) >> 6] >> (cp & 63)) & 1)) {
      auto it = std::lower_bound(other_.begin(), other_.end(), cp,
                                 [](const auto& entry, char32_t c) { return entry.first < c; });
      for (; it != other_.end() && it->first == cp; ++it) {
        if (Fits(s, i, it->second) && fn(i, it->second)) return true;
      }
    }
    i += len;
  }
  return false;
}

// The sentence around bytes [begin, end) of `s`: back to the previous sentence end (。！？!? or
// a '.' followed by white space, or a line break) and forward to the next, limited to
// `max_before` / `max_after` bytes and cut to code-point boundaries. When the span starts its own
// line or sentence (only spaces and ":：" between it and the boundary), the preceding sentence is
// included too, so a label on the line above ("TxID:\n<hash>") still counts as context.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};
Span SentenceAround(std::string_view s, size_t begin, size_t end, size_t max_before,
                    size_t max_after);

}  // namespace kefu::bot::internal
