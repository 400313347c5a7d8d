#include "bot/policy/internal/scan.hpp"

#include <algorithm>
#include <array>
#include <span>
#include <vector>

#include "bot/policy/internal/cue_tables.hpp"

namespace kefu::bot::policy::internal {
namespace {

constexpr char kClause = '|';

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Decodes the code point at s[i] and advances i. Malformed input never throws: a bad byte is
// returned as U+FFFD and skipped on its own.
char32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + static_cast<size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<size_t>(len);
  return cp;
}

size_t PrevCodePointStart(std::string_view s, size_t i) {
  if (i == 0) return 0;
  --i;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}

// U+00C0..U+00FF → ASCII letter, 0 where the character is not a letter (× ÷).
constexpr std::array<char, 64> kLatin1Fold = {
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // C0
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 't', 's',  // D0
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',  // E0
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 't', 'y',  // F0
};

bool IsClausePunct(char32_t cp) {
  switch (cp) {
    case ',':
    case '.':
    case '!':
    case '?':
    case ';':
    case '\n':
    case '\r':
    case kClause:
    case 0x3002:
    case 0xFF61:
    case 0x2026:
    case 0x203C:
    case 0x2047:
    case 0x2048:
    case 0x2049:
      return true;
    default:
      return false;
  }
}

// Punctuation, symbols, spaces, emoji: everything that separates words without being one.
bool IsSeparator(char32_t cp) {
  if (cp < 0x80) return !IsWordByte(static_cast<char>(cp));
  return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
         (cp >= 0x2190 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
         (cp >= 0xFE10 && cp <= 0xFE6F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
         (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFFFD || cp == 0xFEFF;
}

bool IsZeroWidth(char32_t cp) {
  return cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0x2060 || cp == 0xFEFF ||
         (cp >= 0xFE00 && cp <= 0xFE0F);
}

bool IsApostrophe(char32_t cp) { return cp == '\'' || cp == 0x2019 || cp == 0x2018; }

// Compiled form of a table phrase.
struct Phrase {
  std::string text;           // folded
  std::string_view original;  // as written in the table
  bool latin = false;         // ASCII only: whole-word matching
  bool prefix = false;        // trailing '*': the last word may continue
  bool short_only = false;
  double words = 0;  // WordCount of `text`
};

Phrase Compile(std::string_view phrase, bool short_only) {
  Phrase p;
  p.original = phrase;
  p.short_only = short_only;
  if (!phrase.empty() && phrase.back() == '*') {
    p.prefix = true;
    phrase.remove_suffix(1);
  }
  p.text = FoldForMatching(phrase);
  p.words = WordCount(p.text);
  p.latin = std::all_of(p.text.begin(), p.text.end(),
                        [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  return p;
}

std::vector<Phrase> CompileAll(std::span<const Cue> cues) {
  std::vector<Phrase> out;
  out.reserve(cues.size());
  for (const Cue& c : cues) out.push_back(Compile(c.phrase, c.short_only));
  return out;
}

std::vector<Phrase> CompileAll(std::span<const std::string_view> phrases) {
  std::vector<Phrase> out;
  out.reserve(phrases.size());
  for (std::string_view s : phrases) out.push_back(Compile(s, false));
  return out;
}

struct CompiledTable {
  std::vector<Phrase> cues;
  std::vector<Phrase> weak;
  std::vector<Phrase> suppressors;
  std::vector<std::string> exceptions;  // folded, matched as plain substrings
  bool hypothetical_blocks = false;
};

CompiledTable CompileTable(const CueTable& t) {
  CompiledTable c;
  c.cues = CompileAll(t.cues);
  c.weak = CompileAll(t.weak);
  c.suppressors = CompileAll(t.suppressors);
  for (std::string_view e : t.exceptions) c.exceptions.push_back(FoldForMatching(e));
  c.hypothetical_blocks = t.hypothetical_blocks;
  return c;
}

struct Compiled {
  CompiledTable security, complaint, anger, human, availability, technical, stuck, chain,
      account_domain, failure, money, persistence;
  std::vector<Phrase> error_leads;
  std::vector<Phrase> hypothetical;
  std::vector<std::string> latin_negators, latin_fillers, zh_negators, zh_fillers, zh_non_negators;
};

std::vector<std::string> FoldAll(std::span<const std::string_view> words) {
  std::vector<std::string> out;
  for (std::string_view w : words) out.push_back(FoldForMatching(w));
  return out;
}

const Compiled& Tables() {
  static const Compiled compiled = [] {
    Compiled c;
    c.security = CompileTable(SecurityTable());
    c.complaint = CompileTable(ComplaintTable());
    c.anger = CompileTable(AngerTable());
    c.human = CompileTable(HumanTable());
    c.availability = CompileTable(AvailabilityTable());
    c.technical = CompileTable(TechnicalTable());
    c.stuck = CompileTable(StuckTable());
    c.chain = CompileTable(ChainContextTable());
    c.account_domain = CompileTable(AccountDomainTable());
    c.failure = CompileTable(FailureTable());
    c.money = CompileTable(MoneyTable());
    c.persistence = CompileTable(PersistenceTable());
    c.error_leads = CompileAll(ErrorCodeLeads());
    c.hypothetical = CompileAll(HypotheticalCues());
    c.latin_negators = FoldAll(LatinNegators());
    c.latin_fillers = FoldAll(LatinFillers());
    c.zh_negators = FoldAll(ChineseNegators());
    c.zh_fillers = FoldAll(ChineseFillers());
    c.zh_non_negators = FoldAll(ChineseNonNegators());
    return c;
  }();
  return compiled;
}

bool Contains(const std::vector<std::string>& set, std::string_view word) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

// Calls f(pos) for every occurrence of p in text, in order, until f returns false.
template <typename F>
void ForEachOccurrence(std::string_view text, const Phrase& p, F&& f) {
  if (p.text.empty()) return;
  size_t from = 0;
  while (true) {
    const size_t pos = text.find(p.text, from);
    if (pos == std::string_view::npos) return;
    from = pos + 1;
    if (p.latin) {
      const size_t end = pos + p.text.size();
      if (pos > 0 && IsWordByte(text[pos - 1])) continue;
      if (!p.prefix && end < text.size() && IsWordByte(text[end])) continue;
    }
    if (!f(pos)) return;
  }
}

bool Occurs(std::string_view text, const Phrase& p) {
  bool found = false;
  ForEachOccurrence(text, p, [&](size_t) {
    found = true;
    return false;
  });
  return found;
}

// True when an exception phrase covers [pos, pos + len).
bool Excepted(std::string_view text, size_t pos, size_t len,
              const std::vector<std::string>& exceptions) {
  for (const std::string& e : exceptions) {
    if (e.size() < len) continue;
    const size_t from = pos + len >= e.size() ? pos + len - e.size() : 0;
    const size_t q = text.find(e, from);
    if (q != std::string_view::npos && q <= pos) return true;
  }
  return false;
}

// "是不是", "有没有", "会不会": a question, not a negation. `neg_pos` is where the negator
// starts; the character before it repeats the character after the negation mark.
bool IsAnotAQuestion(std::string_view text, size_t neg_pos) {
  if (neg_pos == 0) return false;
  const size_t before = PrevCodePointStart(text, neg_pos);
  size_t i = neg_pos;
  NextCodePoint(text, i);  // skip 不 / 没
  if (i >= text.size()) return false;
  size_t j = i;
  NextCodePoint(text, j);
  return text.substr(before, neg_pos - before) == text.substr(i, j - i);
}

// True when a negator governs the occurrence at `pos`: it precedes it in the same clause with
// at most three filler words (Latin) or two filler characters (Chinese) in between. A space
// right after a Chinese character is taken as a clause break (normalisation turns "，" into one).
bool Negated(std::string_view text, size_t pos) {
  const Compiled& t = Tables();
  size_t i = pos;
  int latin_skipped = 0;
  int zh_skipped = 0;
  while (i > 0) {
    const char c = text[i - 1];
    if (c == kClause) return false;
    if (c == ' ') {
      if (i < 2 || !IsWordByte(text[i - 2])) return false;
      --i;
      continue;
    }
    if (IsWordByte(c)) {
      size_t start = i;
      while (start > 0 && IsWordByte(text[start - 1])) --start;
      const std::string_view word = text.substr(start, i - start);
      if (Contains(t.latin_negators, word)) return true;
      if (latin_skipped >= 3 || !Contains(t.latin_fillers, word)) return false;
      ++latin_skipped;
      i = start;
      continue;
    }
    const std::string_view head = text.substr(0, i);
    const auto ends_with = [&](const std::string& w) {
      return head.size() >= w.size() && head.substr(head.size() - w.size()) == w;
    };
    if (std::none_of(t.zh_non_negators.begin(), t.zh_non_negators.end(), ends_with)) {
      for (const std::string& neg : t.zh_negators) {
        if (ends_with(neg)) return !IsAnotAQuestion(text, i - neg.size());
      }
    }
    const size_t start = PrevCodePointStart(text, i);
    if (zh_skipped >= 2 || !Contains(t.zh_fillers, text.substr(start, i - start))) return false;
    ++zh_skipped;
    i = start;
  }
  return false;
}

// True when a prevention or hypothetical cue ("防止", "万一", "how to avoid", "what if")
// appears within the eight words / Chinese characters before `pos`, in the same clause.
bool Hypothetical(std::string_view text, size_t pos) {
  size_t start = pos;
  int units = 0;
  while (start > 0 && units < 8) {
    const char c = text[start - 1];
    if (c == kClause) break;
    if (c == ' ') {
      --start;
      continue;
    }
    if (IsWordByte(c)) {
      while (start > 0 && IsWordByte(text[start - 1])) --start;
    } else {
      start = PrevCodePointStart(text, start);
    }
    ++units;
  }
  const std::string_view window = text.substr(start, pos - start);
  return std::any_of(Tables().hypothetical.begin(), Tables().hypothetical.end(),
                     [&](const Phrase& p) { return Occurs(window, p); });
}

struct Occurrence {
  size_t pos = 0;
  size_t len = 0;
  std::string_view cue;
  bool voided = false;  // negated or hypothetical
};

// Every occurrence of the phrases in `text` that no exception covers, each marked voided when
// a negation or (if the table says so) a hypothetical governs it.
std::vector<Occurrence> Occurrences(std::string_view text, double words,
                                    const std::vector<Phrase>& phrases,
                                    const CompiledTable& table) {
  std::vector<Occurrence> found;
  for (const Phrase& p : phrases) {
    if (p.short_only && words > p.words + 1.0) continue;
    ForEachOccurrence(text, p, [&](size_t pos) {
      if (!Excepted(text, pos, p.text.size(), table.exceptions)) {
        const bool voided =
            Negated(text, pos) || (table.hypothetical_blocks && Hypothetical(text, pos));
        found.push_back({pos, p.text.size(), p.original, voided});
      }
      return true;
    });
  }
  return found;
}

// The first occurrence, in table order, that is neither voided itself nor part of a voided
// longer one: in "不用转人工" the negation of "转人工" also voids the "人工" inside it.
Hit Pick(const std::vector<Occurrence>& occurrences) {
  Hit hit;
  for (const Occurrence& o : occurrences) {
    if (o.voided) {
      hit.negated = true;
      continue;
    }
    const bool inside_voided =
        std::any_of(occurrences.begin(), occurrences.end(), [&](const Occurrence& v) {
          return v.voided && v.pos <= o.pos && o.pos + o.len <= v.pos + v.len;
        });
    if (inside_voided) {
      hit.negated = true;
      continue;
    }
    if (!hit.found) {
      hit.found = true;
      hit.cue = o.cue;
    }
  }
  return hit;
}

Hit Find(std::string_view text, double words, const CompiledTable& table) {
  Hit hit = Pick(Occurrences(text, words, table.cues, table));
  if (hit.found || table.weak.empty()) return hit;
  for (const Phrase& s : table.suppressors) {
    if (Occurs(text, s)) return hit;
  }
  const Hit weak = Pick(Occurrences(text, words, table.weak, table));
  if (weak.found) return weak;
  hit.negated = hit.negated || weak.negated;
  return hit;
}

// An error-code token: letters, digits, '-' and '_', at least three long, with a digit, and not
// shaped like a one-time code (exactly six digits), which customers quote for other reasons.
bool IsErrorCodeToken(std::string_view token) {
  if (token.size() < 3) return false;
  const bool has_digit = std::any_of(token.begin(), token.end(), IsDigit);
  const bool all_digits = std::all_of(token.begin(), token.end(), IsDigit);
  return has_digit && !(all_digits && token.size() == 6);
}

size_t TokenEnd(std::string_view text, size_t i) {
  while (i < text.size() && (IsWordByte(text[i]) || text[i] == '-' || text[i] == '_')) ++i;
  return i;
}

Hit FindErrorCode(std::string_view text) {
  Hit hit;
  for (const Phrase& lead : Tables().error_leads) {
    size_t from = 0;
    while (true) {
      const size_t pos = text.find(lead.text, from);
      if (pos == std::string_view::npos) break;
      from = pos + 1;
      size_t i = pos + lead.text.size();
      if (lead.latin) {
        // "error500" and "error 500" both count; "errors" does not.
        if (pos > 0 && IsWordByte(text[pos - 1])) continue;
        if (i < text.size() && IsAsciiLetter(text[i])) continue;
        // "500 error": the code comes first.
        if (pos >= 2 && text[pos - 1] == ' ') {
          size_t b = pos - 1;
          while (b > 0 && (IsWordByte(text[b - 1]) || text[b - 1] == '-')) --b;
          if (IsErrorCodeToken(text.substr(b, pos - 1 - b))) {
            hit.found = true;
            hit.cue = lead.original;
            return hit;
          }
        }
      }
      while (i < text.size() && text[i] == ' ') ++i;
      for (std::string_view joiner : {std::string_view("是"), std::string_view("为")}) {
        if (text.substr(i, joiner.size()) == joiner) i += joiner.size();
      }
      while (i < text.size() && text[i] == ' ') ++i;
      const size_t end = TokenEnd(text, i);
      if (IsErrorCodeToken(text.substr(i, end - i))) {
        hit.found = true;
        hit.cue = lead.original;
        return hit;
      }
    }
  }
  return hit;
}

}  // namespace

std::string FoldForMatching(std::string_view text) {
  // Pass 1: map every code point to a word character, a separator (' ') or a clause mark.
  std::string raw;
  raw.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    char32_t cp = NextCodePoint(text, i);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (cp == 0x3000) cp = ' ';
    if (IsZeroWidth(cp)) continue;
    if (IsApostrophe(cp)) {
      // Dropped inside a word ("didn't"), a separator elsewhere (quotes).
      size_t j = i;
      const bool next_letter =
          j < text.size() && NextCodePoint(text, j) < 0x80 && IsAsciiLetter(text[i]);
      if (!raw.empty() && IsAsciiLetter(raw.back()) && next_letter) continue;
      raw.push_back(' ');
      continue;
    }
    if (IsClausePunct(cp)) {
      raw.push_back(kClause);
      continue;
    }
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      if (c >= 'A' && c <= 'Z') {
        raw.push_back(static_cast<char>(c - 'A' + 'a'));
      } else if (IsWordByte(c)) {
        raw.push_back(c);
      } else {
        raw.push_back(' ');
      }
      continue;
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
      const char folded = kLatin1Fold[cp - 0xC0];
      raw.push_back(folded != 0 ? folded : ' ');
      continue;
    }
    if (IsSeparator(cp)) {
      raw.push_back(' ');
      continue;
    }
    raw.append(text.substr(start, i - start));
  }

  // Pass 2: collapse separator runs, trim, and rejoin contractions split by normalisation
  // ("didn t" → "didnt": a lone word "t" after a word ending in n).
  std::string out;
  out.reserve(raw.size());
  char pending = 0;  // 0, ' ' or kClause
  for (size_t k = 0; k < raw.size(); ++k) {
    const char c = raw[k];
    if (c == ' ' || c == kClause) {
      if (pending != kClause) pending = c;
      continue;
    }
    if (pending != 0 && !out.empty()) {
      const bool lone_t = c == 't' && (k + 1 == raw.size() || !IsWordByte(raw[k + 1]));
      if (!(pending == ' ' && lone_t && out.back() == 'n')) out.push_back(pending);
    }
    pending = 0;
    out.push_back(c);
  }
  return out;
}

double WordCount(std::string_view folded) {
  double words = 0;
  size_t i = 0;
  while (i < folded.size()) {
    const char c = folded[i];
    if (IsWordByte(c)) {
      while (i < folded.size() && IsWordByte(folded[i])) ++i;
      words += 1.0;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      NextCodePoint(folded, i);
      words += 0.5;
      continue;
    }
    ++i;
  }
  return words;
}

Signals Scan(std::string_view text) {
  const std::string folded = FoldForMatching(text);
  const double words = WordCount(folded);
  const Compiled& t = Tables();
  Signals s;
  s.security = Find(folded, words, t.security);
  s.complaint = Find(folded, words, t.complaint);
  s.anger = Find(folded, words, t.anger);
  s.human = Find(folded, words, t.human);
  s.availability = Find(folded, words, t.availability);
  if (s.human && s.availability) {
    s.human.found = false;
    s.human.negated = true;
  }
  s.technical = Find(folded, words, t.technical);
  s.stuck = Find(folded, words, t.stuck);
  s.chain = Find(folded, words, t.chain);
  s.account_domain = Find(folded, words, t.account_domain);
  s.failure = Find(folded, words, t.failure);
  s.money = Find(folded, words, t.money);
  s.persistence = Find(folded, words, t.persistence);
  s.error_code = FindErrorCode(folded);
  return s;
}

}  // namespace kefu::bot::policy::internal
