#include "bot/nlu/internal/features.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

#include "bot/nlu/internal/text.hpp"

namespace kefu::bot::nlu::internal {

extern const std::string_view kLexiconData;
extern const std::string_view kGazetteerData;

namespace {

// Feature kinds (the first byte hashed).
constexpr char kRawWord = 'w';
constexpr char kStem = 's';
constexpr char kBigram = 'b';
constexpr char kConcept = 'c';
constexpr char kCharGram = 'g';
constexpr char kHan1 = '1';
constexpr char kHan2 = '2';
constexpr char kHan3 = '3';

constexpr size_t kMaxPhraseWords = 4;

struct Lexicon {
  struct Term {
    std::string canonical;  // the language's own canonical form ("提现", "withdraw", "retiro")
    std::string key;        // the cross-language concept ("withdraw" for all three)
  };
  // en/es: accent-folded phrase ("cash out") → term; zh: variant → term.
  std::array<std::unordered_map<std::string, Term>, 3> by_lang;
  size_t max_zh_chars = 1;

  static const Lexicon& Get() {
    static const Lexicon* lexicon = [] {
      auto* l = new Lexicon(kLexiconData);
      l->Parse(kGazetteerData);
      return l;
    }();
    return *lexicon;
  }

 private:
  explicit Lexicon(std::string_view data) { Parse(data); }

  void Parse(std::string_view data) {
    size_t pos = 0;
    while (pos < data.size()) {
      size_t end = data.find('\n', pos);
      if (end == std::string_view::npos) end = data.size();
      std::string_view line = data.substr(pos, end - pos);
      pos = end + 1;
      if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
      auto eq = line.find('=');
      if (eq == std::string_view::npos || line.size() < 4) continue;
      auto lang = ParseLang(line.substr(0, 2));
      if (!lang) continue;
      std::string canonical(Trim(line.substr(3, eq - 3)));
      std::string key = canonical;
      if (auto open = canonical.find(" ("); open != std::string::npos && canonical.back() == ')') {
        key = canonical.substr(open + 2, canonical.size() - open - 3);
        canonical.resize(open);
      }
      auto& map = by_lang[static_cast<size_t>(*lang)];
      auto add = [&](std::string_view variant) {
        std::string v(Trim(variant));
        if (v.empty()) return;
        if (*lang != Lang::zh) v = FoldAccents(v);
        map.emplace(v, Term{canonical, key});  // the first canonical a variant appears in wins
        if (*lang == Lang::zh) {
          size_t chars = 0;
          ForEachCodePoint(v, [&](char32_t, size_t, size_t) { ++chars; });
          max_zh_chars = std::max(max_zh_chars, chars);
        }
      };
      add(canonical);
      std::string_view rest = line.substr(eq + 1);
      size_t p = 0;
      while (p <= rest.size()) {
        size_t bar = rest.find('|', p);
        if (bar == std::string_view::npos) bar = rest.size();
        add(rest.substr(p, bar - p));
        p = bar + 1;
      }
    }
  }

  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
      s.remove_suffix(1);
    }
    return s;
  }
};

// Snowball stemmers are not thread-safe: one per thread and language.
class Stemmers {
 public:
  Stemmers()
      : english_(sb_stemmer_new("english", "UTF_8")),
        spanish_(sb_stemmer_new("spanish", "UTF_8")) {}
  ~Stemmers() {
    if (english_ != nullptr) sb_stemmer_delete(english_);
    if (spanish_ != nullptr) sb_stemmer_delete(spanish_);
  }
  Stemmers(const Stemmers&) = delete;
  Stemmers& operator=(const Stemmers&) = delete;

  std::string Stem(std::string_view word, Lang lang) {
    sb_stemmer* stemmer = lang == Lang::es ? spanish_ : english_;
    if (stemmer == nullptr || word.size() < 3) return std::string(word);
    const sb_symbol* out = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                                           static_cast<int>(word.size()));
    if (out == nullptr) return std::string(word);
    return std::string(reinterpret_cast<const char*>(out),
                       static_cast<size_t>(sb_stemmer_length(stemmer)));
  }

 private:
  sb_stemmer* english_;
  sb_stemmer* spanish_;
};

Stemmers& ThreadStemmers() {
  thread_local Stemmers stemmers;
  return stemmers;
}

// Digit runs become "0" so that amounts, dates and counts generalise.
std::string CollapseDigits(std::string_view word) {
  std::string out;
  out.reserve(word.size());
  bool in_digits = false;
  for (char c : word) {
    if (c >= '0' && c <= '9') {
      if (!in_digits) out += '0';
      in_digits = true;
    } else {
      out += c;
      in_digits = false;
    }
  }
  return out;
}

constexpr size_t kCharMin = 3;
constexpr size_t kCharMax = 5;

void AddCharGrams(std::string_view word, std::vector<uint64_t>& out) {
  // Work on code points so that accented letters or Cyrillic never split.
  std::vector<std::string_view> cps;
  static constexpr std::string_view kBoundary = "<";
  static constexpr std::string_view kEnd = ">";
  cps.push_back(kBoundary);
  ForEachCodePoint(
      word, [&](char32_t, size_t start, size_t len) { cps.push_back(word.substr(start, len)); });
  cps.push_back(kEnd);
  std::string gram;
  for (size_t n = kCharMin; n <= kCharMax; ++n) {
    if (cps.size() < n) break;
    for (size_t i = 0; i + n <= cps.size(); ++i) {
      gram.clear();
      for (size_t k = 0; k < n; ++k) gram.append(cps[i + k]);
      out.push_back(HashFeature(kCharGram, gram));
    }
  }
  if (cps.size() == 3) out.push_back(HashFeature(kCharGram, std::string(cps[1]) + "<"));
}

// Latin (or other non-Han) words: raw words, char grams, stems/concepts and their bigrams.
void AddWords(const std::vector<std::string>& words, Lang lang, Features& f) {
  if (words.empty()) return;
  Lang stem_lang = lang == Lang::es ? Lang::es : Lang::en;
  const auto& lex_en = Lexicon::Get().by_lang[static_cast<size_t>(Lang::en)];
  const auto& lex_es = Lexicon::Get().by_lang[static_cast<size_t>(Lang::es)];
  const auto& lex_zh = Lexicon::Get().by_lang[static_cast<size_t>(Lang::zh)];
  const auto& lex = lang == Lang::es ? lex_es : lex_en;
  std::vector<std::string> folded;
  folded.reserve(words.size());
  for (const auto& w : words) {
    folded.push_back(CollapseDigits(FoldAccents(w)));
    f.word.push_back(HashFeature(kRawWord, folded.back()));
    AddCharGrams(folded.back(), f.chars);
  }
  std::vector<std::string> stream;
  stream.reserve(folded.size());
  std::string phrase;
  for (size_t i = 0; i < folded.size();) {
    size_t matched = 0;
    for (size_t len = std::min(kMaxPhraseWords, folded.size() - i); len >= 1; --len) {
      phrase = folded[i];
      for (size_t k = 1; k < len; ++k) (phrase += ' ') += folded[i + k];
      const Lexicon::Term* canonical = nullptr;
      if (auto it = lex.find(phrase); it != lex.end()) {
        canonical = &it->second;
      } else if (lang == Lang::zh) {
        if (auto zt = lex_zh.find(phrase); zt != lex_zh.end()) canonical = &zt->second;
      }
      if (canonical != nullptr) {
        stream.push_back("=" + canonical->canonical);
        f.word.push_back(HashFeature(kConcept, canonical->key));
        matched = len;
        break;
      }
    }
    if (matched == 0) {
      stream.push_back(ThreadStemmers().Stem(folded[i], stem_lang));
      matched = 1;
    }
    i += matched;
  }
  for (size_t i = 0; i < stream.size(); ++i) {
    f.word.push_back(HashFeature(kStem, stream[i]));
    if (i + 1 < stream.size())
      f.word.push_back(HashFeature(kBigram, stream[i] + ' ' + stream[i + 1]));
  }
}

// A run of Han characters: lexicon rewriting, then character n-grams.
void AddHan(std::string_view run, Features& f) {
  const auto& lex = Lexicon::Get().by_lang[static_cast<size_t>(Lang::zh)];
  const size_t max_chars = Lexicon::Get().max_zh_chars;
  std::vector<std::string_view> cps;
  ForEachCodePoint(
      run, [&](char32_t, size_t start, size_t len) { cps.push_back(run.substr(start, len)); });
  std::vector<std::string> rewritten;
  rewritten.reserve(cps.size());
  std::string candidate;
  for (size_t i = 0; i < cps.size();) {
    size_t matched = 0;
    for (size_t len = std::min(max_chars, cps.size() - i); len >= 2; --len) {
      candidate.clear();
      for (size_t k = 0; k < len; ++k) candidate.append(cps[i + k]);
      auto it = lex.find(candidate);
      if (it != lex.end()) {
        const std::string& canonical = it->second.canonical;
        f.word.push_back(HashFeature(kConcept, it->second.key));
        ForEachCodePoint(canonical, [&](char32_t, size_t start, size_t l) {
          rewritten.emplace_back(canonical.substr(start, l));
        });
        matched = len;
        break;
      }
    }
    if (matched == 0) {
      rewritten.emplace_back(cps[i]);
      matched = 1;
    }
    i += matched;
  }
  std::string gram;
  for (size_t i = 0; i < rewritten.size(); ++i) {
    f.chars.push_back(HashFeature(kHan1, rewritten[i]));
    if (i + 1 < rewritten.size()) {
      gram = rewritten[i] + rewritten[i + 1];
      f.word.push_back(HashFeature(kHan2, gram));
      if (i + 2 < rewritten.size()) {
        gram += rewritten[i + 2];
        f.word.push_back(HashFeature(kHan3, gram));
      }
    }
  }
  if (rewritten.size() == 1) f.word.push_back(HashFeature(kHan2, rewritten[0]));
}

}  // namespace

uint64_t HashFeature(char kind, std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  h ^= static_cast<unsigned char>(kind);
  h *= 1099511628211ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h == 0 ? 1 : h;  // 0 marks an empty slot in the model's tables
}

std::string LexiconConcept(Lang lang, std::string_view phrase) {
  const auto& map = Lexicon::Get().by_lang[static_cast<size_t>(lang)];
  auto it = map.find(lang == Lang::zh ? std::string(phrase) : FoldAccents(phrase));
  return it == map.end() ? std::string() : it->second.canonical;
}

Features Extract(std::string_view text, Lang lang) {
  Features f;
  f.word.reserve(32);
  f.chars.reserve(96);
  std::vector<std::string> words;  // non-Han words, in order, flushed at each Han run
  std::string word;
  std::string han;
  auto flush_word = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  auto flush_han = [&] {
    if (!han.empty()) AddHan(han, f);
    han.clear();
  };
  ForEachCodePoint(text, [&](char32_t c, size_t start, size_t len) {
    if (c == U' ') {
      flush_word();
      flush_han();
    } else if (IsHan(c)) {
      flush_word();
      han.append(text.substr(start, len));
    } else {
      flush_han();
      word.append(text.substr(start, len));
    }
  });
  flush_word();
  flush_han();
  AddWords(words, lang, f);
  return f;
}

}  // namespace kefu::bot::nlu::internal
