#include "bot/guard/internal/mnemonic.hpp"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>

#include "bot/guard/internal/chinese_text.hpp"
#include "bot/guard/internal/text.hpp"

namespace kefu::bot::internal {
namespace {

constexpr size_t kMinRun = 12;
// Words a run may hold beyond a checksum-valid window on each side ("my seed: <12 words> ok").
constexpr size_t kSlack = 3;
// Unspaced Chinese: share of characters in dictionary words from which a run reads as text.
constexpr double kUnspacedWordShare = 0.4;
// Spaced Chinese without a valid checksum: people do not space every character of a sentence,
// so only runs that segment clearly into words are let through.
constexpr double kSpacedWordShare = 0.5;

struct Token {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool han = false;
  bool joined = false;     // only separators (or nothing) since the previous token
  bool adjacent = false;   // nothing at all since the previous token
  bool space_gap = false;  // white space only (at least one) since the previous token
  LatinHit latin;
  HanHit hanhit;
};

// Characters that may stand between the words of a written-down mnemonic: punctuation used to
// list things and numbering. Digits are handled by the caller (numbering has ≤ 2 digits).
bool IsListSeparator(char32_t cp) {
  switch (cp) {
    case ',':
    case ';':
    case ':':
    case '.':
    case '-':
    case '/':
    case '|':
    case '(':
    case ')':
    case '[':
    case ']':
    case '"':
    case '\'':
    case '#':
    case '*':
    case '_':
    case '`':
    case 0x00B7:
    case 0x2022:
    case 0x2013:
    case 0x2014:
    case 0x2018:
    case 0x2019:
    case 0x201C:
    case 0x201D:
    case 0xFF0C:
    case 0x3001:
    case 0xFF1B:
    case 0xFF1A:
    case 0xFF08:
    case 0xFF09:
    case 0x3010:
    case 0x3011:
    case 0x300C:
    case 0x300D:
    case 0xFF0E:
    case 0x30FB:
      return true;
    default:
      return (cp >= 0x2460 && cp <= 0x2473);  // ①..⑳
  }
}

bool IsDigitLike(char32_t cp) { return (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19); }

// Splits `text` into tokens, written to `tokens` (room for text.size() of them: every token
// takes at least one byte). Returns how many.
size_t Tokenize(const Bip39Lists& lists, std::string_view text, bool latin, bool han,
                Token* tokens) {
  size_t count = 0;
  bool first = true;
  bool gap_ok = true;
  bool any_gap = false;
  bool space_only = true;
  int digits = 0;
  auto push = [&](Token t) {
    t.joined = !first && gap_ok;
    t.adjacent = !first && !any_gap;
    t.space_gap = any_gap && space_only;
    tokens[count++] = t;
    first = false;
    gap_ok = true;
    any_gap = false;
    space_only = true;
    digits = 0;
  };
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    // Fast path for the common 3-byte Han characters (U+4E00..U+9FFF).
    if (b0 >= 0xE4 && b0 <= 0xE9 && i + 2 < n &&
        (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) & 0xC0) == 0x80) {
      Token t;
      t.han = true;
      t.begin = static_cast<uint32_t>(i);
      t.end = static_cast<uint32_t>(i + 3);
      if (han) {
        const char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) |
                            (static_cast<char32_t>(text[i + 1] & 0x3F) << 6) |
                            static_cast<char32_t>(text[i + 2] & 0x3F);
        t.hanhit = lists.LookupHan(cp);
      }
      push(t);
      i += 3;
      continue;
    }
    // Fast path for ASCII words (the common Latin case); accented words take the general one.
    if (IsAsciiAlpha(static_cast<char>(b0))) {
      size_t e = i + 1;
      while (e < n && IsAsciiAlpha(text[e])) ++e;
      const bool ascii_word = e >= n || static_cast<unsigned char>(text[e]) < 0x80;
      if (ascii_word) {
        Token t;
        t.begin = static_cast<uint32_t>(i);
        t.end = static_cast<uint32_t>(e);
        if (latin && e - i >= 3 && e - i <= 8) {
          char folded[8];
          for (size_t k = i; k < e; ++k) folded[k - i] = AsciiLowerChar(text[k]);
          t.latin = lists.LookupLatin(std::string_view(folded, e - i));
        }
        push(t);
        i = e;
        continue;
      }
    }
    const CodePoint c = DecodeAt(text, i);
    if (c.valid && IsLatinWordChar(c.cp)) {
      Token t;
      t.begin = static_cast<uint32_t>(i);
      char folded[9];
      size_t len = 0;
      bool foldable = true;
      while (i < n) {
        const CodePoint d = DecodeAt(text, i);
        if (!d.valid || !IsLatinWordChar(d.cp)) break;
        const int f = FoldLatin(d.cp);
        if (f < 0 || (f > 0 && len == sizeof folded)) {
          foldable = false;
        } else if (f > 0) {
          folded[len++] = static_cast<char>(f);
        }
        i += d.len;
      }
      t.end = static_cast<uint32_t>(i);
      if (latin && foldable) t.latin = lists.LookupLatin(std::string_view(folded, len));
      push(t);
      continue;
    }
    if (c.valid && IsHan(c.cp)) {
      Token t;
      t.han = true;
      t.begin = static_cast<uint32_t>(i);
      t.end = static_cast<uint32_t>(i + c.len);
      if (han) t.hanhit = lists.LookupHan(c.cp);
      push(t);
      i += c.len;
      continue;
    }
    any_gap = true;
    if (IsDigitLike(c.cp)) {
      if (++digits > 2) gap_ok = false;
      space_only = false;
    } else {
      digits = 0;
      if (!c.valid) {
        gap_ok = false;
        space_only = false;
      } else if (!IsSpace(c.cp)) {
        space_only = false;
        if (!IsListSeparator(c.cp)) gap_ok = false;
      }
    }
    i += c.len;
  }
  return count;
}

class Detector {
 public:
  Detector(std::string_view text, std::span<const Token> tokens, std::vector<GuardFinding>& out)
      : text_(text), tokens_(tokens), out_(out) {}

  void LatinRuns(Bip39Language lang) {
    auto index = [&](const Token& t) -> int {
      if (t.han) return -1;
      return lang == Bip39Language::english ? t.latin.english : t.latin.spanish;
    };
    auto common = [&](const Token& t) {
      return lang == Bip39Language::english ? t.latin.english_common : t.latin.spanish_common;
    };
    ForEachRun([&](const Token& t) { return index(t) >= 0; },
               [&](size_t a, size_t b) {
                 idx_.clear();
                 for (size_t k = a; k < b; ++k)
                   idx_.push_back(static_cast<uint16_t>(index(tokens_[k])));
                 size_t win_off = 0, win_n = 0;
                 const bool certain = FindChecksumWindow(&win_off, &win_n);
                 auto count_common = [&](size_t from, size_t to) {
                   size_t c = 0;
                   for (size_t k = from; k < to; ++k) c += common(tokens_[k]) ? 1 : 0;
                   return c;
                 };
                 // A sentence made of list words gives itself away by its glue words; a mnemonic
                 // holds them rarely (each is 1 of 2,048 draws).
                 if (certain) {
                   const size_t c = count_common(a + win_off, a + win_off + win_n);
                   if (c >= std::max<size_t>(5, (win_n + 3) / 4)) return;
                 } else {
                   const size_t len = b - a;
                   if (count_common(a, b) >= std::max<size_t>(3, (len + 4) / 5)) return;
                 }
                 // The whole run goes, not just the checksum window: the words beside it may belong
                 // to the phrase (a mistyped 24-word phrase can hold a 21-word window that passes).
                 Add(tokens_[a].begin, tokens_[b - 1].end, certain);
               });
  }

  void HanRuns(Bip39Language lang) {
    lang_ = lang;
    ForEachRun([&](const Token& t) { return HanIndex(t) >= 0; },
               [&](size_t a, size_t b) { HanChain(a, b); });
  }

 private:
  int HanIndex(const Token& t) const {
    if (!t.han) return -1;
    return lang_ == Bip39Language::chinese_simplified ? t.hanhit.simplified : t.hanhit.traditional;
  }

  // Calls run(a, b) for each maximal range of tokens that all satisfy `member` and are joined by
  // separators only, when it holds at least kMinRun tokens.
  template <typename Member, typename Run>
  void ForEachRun(Member member, Run run) {
    const size_t n = tokens_.size();
    for (size_t i = 0; i < n;) {
      if (!member(tokens_[i])) {
        ++i;
        continue;
      }
      size_t j = i + 1;
      while (j < n && tokens_[j].joined && member(tokens_[j])) ++j;
      if (j - i >= kMinRun) run(i, j);
      i = j;
    }
  }

  // Looks in idx_ for a window of a mnemonic length with a valid checksum that leaves at most
  // kSlack words of the run on either side.
  bool FindChecksumWindow(size_t* off, size_t* len) const {
    const size_t run = idx_.size();
    for (auto it = kMnemonicLengths.rbegin(); it != kMnemonicLengths.rend(); ++it) {
      const size_t n = *it;
      if (n > run || run - n > 2 * kSlack) continue;
      for (size_t o = 0; o + n <= run; ++o) {
        if (o > kSlack || run - n - o > kSlack) continue;
        if (Bip39ChecksumValid(idx_.data() + o, n)) {
          *off = o;
          *len = n;
          return true;
        }
      }
    }
    return false;
  }

  // A chain of Han list characters joined by separators or nothing: split into segments of
  // adjacent characters and judge spaced, unspaced and grouped writing separately.
  void HanChain(size_t a, size_t b) {
    segs_.clear();
    for (size_t k = a; k < b; ++k) {
      if (k == a || !tokens_[k].adjacent)
        segs_.push_back({k, k + 1});
      else
        segs_.back().second = k + 1;
    }
    // Spaced: consecutive one-character segments.
    for (size_t s = 0; s < segs_.size();) {
      if (SegLen(s) != 1) {
        ++s;
        continue;
      }
      size_t t = s + 1;
      while (t < segs_.size() && SegLen(t) == 1) ++t;
      if (t - s >= kMinRun) SpacedRun(segs_[s].first, segs_[t - 1].second);
      s = t;
    }
    // Unspaced: each long segment on its own.
    for (size_t s = 0; s < segs_.size(); ++s) {
      if (SegLen(s) >= kMinRun) UnspacedSegment(segs_[s].first, segs_[s].second);
    }
    // Grouped: equal groups of 2-4 characters separated by white space ("的一是 在不了 ..."),
    // the last group possibly shorter.
    for (size_t s = 0; s < segs_.size(); ++s) {
      const size_t g = SegLen(s);
      if (g < 2 || g > 4) continue;
      size_t ends[8];  // segments after which the total is a mnemonic length
      size_t n_ends = 0;
      size_t total = g;
      for (size_t t = s + 1; t < segs_.size() && n_ends < 8; ++t) {
        const size_t len = SegLen(t);
        if (!tokens_[segs_[t].first].space_gap || len > g) break;
        total += len;
        if (total > kMnemonicLengths.back()) break;
        if (IsMnemonicLength(total)) ends[n_ends++] = t;
        if (len < g) break;
      }
      // Longest first, so a 24-word phrase is not cut after a 12-word prefix that passes by chance.
      while (n_ends > 0) {
        const size_t t = ends[--n_ends];
        if (CertainHanWindow(segs_[s].first, segs_[t].second, kUnspacedWordShare)) {
          s = t;
          break;
        }
      }
    }
  }

  size_t SegLen(size_t s) const { return segs_[s].second - segs_[s].first; }

  void FillHan(size_t a, size_t b) {
    idx_.clear();
    chars_.clear();
    for (size_t k = a; k < b; ++k) {
      idx_.push_back(static_cast<uint16_t>(HanIndex(tokens_[k])));
      chars_.append(text_.substr(tokens_[k].begin, tokens_[k].end - tokens_[k].begin));
    }
  }

  // Tokens [a, b) of a mnemonic length: a certain finding when the checksum holds and the
  // characters do not read as Chinese text.
  bool CertainHanWindow(size_t a, size_t b, double word_share) {
    FillHan(a, b);
    // Frequent characters mean text: the cheapest test first (half of all Chinese runs end here).
    if (ReadsAsFrequentText(idx_.data(), idx_.size())) return false;
    if (!Bip39ChecksumValid(idx_.data(), idx_.size())) return false;
    if (LooksLikeChineseText(chars_, idx_.data(), idx_.size(), word_share)) return false;
    Add(tokens_[a].begin, tokens_[b - 1].end, true);
    return true;
  }

  void SpacedRun(size_t a, size_t b) {
    FillHan(a, b);
    size_t off = 0, n = 0;
    if (FindChecksumWindow(&off, &n)) {
      Add(tokens_[a].begin, tokens_[b - 1].end, true);
      return;
    }
    if (ChineseWordShare(chars_) >= kSpacedWordShare) return;
    Add(tokens_[a].begin, tokens_[b - 1].end, false);
  }

  // Unspaced characters: the whole segment when it is a mnemonic length, or the part after a
  // cue ("助记词是…") or before one ("…是我的助记词").
  void UnspacedSegment(size_t a, size_t b) {
    const size_t len = b - a;
    if (IsMnemonicLength(len) && CertainHanWindow(a, b, kUnspacedWordShare)) return;
    if (!CueStems().AnyIn(Bytes(a, b))) return;
    for (auto it = kMnemonicLengths.rbegin(); it != kMnemonicLengths.rend(); ++it) {
      const size_t n = *it;
      if (n >= len) continue;
      for (size_t trailer = 0; trailer <= 4 && n + trailer < len; ++trailer) {
        const size_t off = len - n - trailer;
        const std::string_view left = Bytes(a, a + off);
        if (EndsWithCue(left) && CertainHanWindow(a + off, a + off + n, kUnspacedWordShare)) return;
      }
      if (StartsWithCue(Bytes(a + n, b)) && CertainHanWindow(a, a + n, kUnspacedWordShare)) return;
    }
  }

  std::string_view Bytes(size_t a, size_t b) const {
    return text_.substr(tokens_[a].begin, tokens_[b - 1].end - tokens_[a].begin);
  }

  static bool EndsWithCue(std::string_view s) {
    for (std::string_view suffix : kCueJoins) {
      if (s.ends_with(suffix) && EndsWithCueWord(s.substr(0, s.size() - suffix.size())))
        return true;
    }
    return EndsWithCueWord(s);
  }
  static bool EndsWithCueWord(std::string_view s) {
    return std::any_of(std::begin(kCues), std::end(kCues),
                       [&](std::string_view c) { return s.ends_with(c); });
  }
  static bool StartsWithCue(std::string_view s) {
    for (std::string_view join : kCueJoins) {
      if (s.starts_with(join)) {
        s.remove_prefix(join.size());
        break;
      }
    }
    for (std::string_view mine : {std::string_view("我的"), std::string_view("我")}) {
      if (s.starts_with(mine)) {
        s.remove_prefix(mine.size());
        break;
      }
    }
    return std::any_of(std::begin(kCues), std::end(kCues),
                       [&](std::string_view c) { return s.starts_with(c); });
  }

  void Add(size_t begin, size_t end, bool certain) {
    out_.push_back(GuardFinding{SecretKind::seed_phrase, begin, end, certain});
  }

  static const StemSet& CueStems() {
    // The cue words themselves (kCues): most long runs hold none, and then no window is tried.
    static const StemSet stems = {"助记", "助記", "种子",   "種子",   "词组", "詞組",
                                  "密语", "密語", "短语",   "短語",   "单词", "單詞",
                                  "钱包", "錢包", "恢复词", "恢復詞", "备份", "備份"};
    return stems;
  }
  static constexpr std::string_view kCues[] = {
      "助记词", "助记", "助記詞", "助記", "种子", "種子", "词组",   "詞組",   "密语", "密語",
      "短语",   "短語", "单词",   "單詞", "钱包", "錢包", "恢复词", "恢復詞", "备份", "備份"};
  static constexpr std::string_view kCueJoins[] = {"就是", "如下", "是", "为", "為"};

  std::string_view text_;
  std::span<const Token> tokens_;
  std::vector<GuardFinding>& out_;
  Bip39Language lang_ = Bip39Language::chinese_simplified;
  // Scratch reused across calls on this thread (no allocation per message once grown).
  static thread_local std::vector<uint16_t> idx_;
  static thread_local std::string chars_;
  static thread_local std::vector<std::pair<size_t, size_t>> segs_;
};

thread_local std::vector<uint16_t> Detector::idx_;
thread_local std::string Detector::chars_;
thread_local std::vector<std::pair<size_t, size_t>> Detector::segs_;

}  // namespace

void FindMnemonics(const Bip39Lists& lists, std::string_view text, bool latin, bool han,
                   std::vector<GuardFinding>& out) {
  if ((!latin && !han) || text.size() > UINT32_MAX) return;
  // Per-thread scratch, grown on demand and never value-initialised again.
  thread_local std::vector<Token> scratch;
  if (scratch.size() < text.size()) scratch.resize(text.size());
  const size_t count = Tokenize(lists, text, latin, han, scratch.data());
  if (count >= kMinRun) {
    Detector detector(text, std::span<const Token>(scratch.data(), count), out);
    if (latin) {
      detector.LatinRuns(Bip39Language::english);
      detector.LatinRuns(Bip39Language::spanish);
    }
    if (han) {
      detector.HanRuns(Bip39Language::chinese_simplified);
      detector.HanRuns(Bip39Language::chinese_traditional);
    }
  }
  if (scratch.size() > 4096) std::vector<Token>().swap(scratch);  // long messages are rare
}

}  // namespace kefu::bot::internal
