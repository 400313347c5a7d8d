// Normalisation, language detection and ids: the text-level half of the NLU.
#include <opencc/opencc.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bot/nlu/internal/text.hpp"
#include "core/text.hpp"
#include "bot/nlu/nlu.hpp"

namespace kefu::bot::nlu {

std::string_view LangCode(Lang lang) {
  switch (lang) {
    case Lang::zh:
      return "zh";
    case Lang::en:
      return "en";
    case Lang::es:
      return "es";
  }
  return "en";
}

std::optional<Lang> ParseLang(std::string_view code) {
  std::string c;
  for (char ch : code) c += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  auto base = c.substr(0, c.find_first_of("-_"));
  if (base == "zh") return Lang::zh;
  if (base == "en") return Lang::en;
  if (base == "es") return Lang::es;
  return std::nullopt;
}

std::string TopicOf(std::string_view faq_id) {
  std::string lower;
  for (char ch : faq_id) lower += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  static constexpr std::array<std::string_view, 6> kSuffixes = {"zh-cn", "zh-tw", "zh",
                                                                "en",    "es",    "zh-hans"};
  for (std::string_view suffix : kSuffixes) {
    if (lower.size() <= suffix.size() + 1) continue;
    size_t at = lower.size() - suffix.size();
    char sep = lower[at - 1];
    if ((sep == '-' || sep == '_' || sep == '.') && std::string_view(lower).substr(at) == suffix) {
      return std::string(faq_id.substr(0, at - 1));
    }
  }
  return std::string(faq_id);
}

namespace internal {

namespace {

// OpenCC handles are not documented as thread-safe, so each thread opens its own (once; the
// dictionaries are memory-mapped by OpenCC, so this is cheap after the first). Without the
// config (OpenCC's data not installed) text passes through unchanged.
class OpenccConverter {
 public:
  // `config`: a file name in OpenCC's data directory, e.g. "t2s.json".
  explicit OpenccConverter(std::string_view config) {
    const std::string name(config);
    for (const std::string& path : {"/usr/share/opencc/" + name, name, "/usr/local/share/opencc/" + name}) {
      handle_ = opencc_open(path.c_str());
      if (handle_ != reinterpret_cast<opencc_t>(-1)) return;
    }
    handle_ = nullptr;
  }
  ~OpenccConverter() {
    if (handle_ != nullptr) opencc_close(handle_);
  }
  OpenccConverter(const OpenccConverter&) = delete;
  OpenccConverter& operator=(const OpenccConverter&) = delete;

  std::string Convert(std::string_view text) const {
    // OpenCC trusts UTF-8 lead bytes: a truncated sequence at the end makes it read past the
    // buffer (found by tests/fuzz/normalise). Invalid UTF-8 is left as it is.
    if (handle_ == nullptr || text.empty() || !IsValidUtf8(text)) return std::string(text);
    char* out = opencc_convert_utf8(handle_, text.data(), text.size());
    if (out == nullptr) return std::string(text);
    std::string result(out);
    opencc_convert_utf8_free(out);
    return result;
  }

 private:
  opencc_t handle_ = nullptr;
};

const OpenccConverter& T2s() {
  thread_local OpenccConverter converter("t2s.json");
  return converter;
}

const OpenccConverter& S2t() {
  thread_local OpenccConverter converter("s2tw.json");
  return converter;
}

bool HasHan(std::string_view text) {
  const auto n = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < n;) {
    UChar32 c = 0;
    U8_NEXT(text.data(), i, n, c);
    if (c >= 0x3400 && IsHan(static_cast<char32_t>(c))) return true;
  }
  return false;
}

bool IsApostrophe(UChar32 c) { return c == 0x27 || c == 0x2019 || c == 0x2018 || c == 0x60; }

bool IsWordChar(UChar32 c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
  int8_t type = u_charType(c);
  switch (type) {
    case U_UPPERCASE_LETTER:
    case U_LOWERCASE_LETTER:
    case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER:
    case U_OTHER_LETTER:
    case U_NON_SPACING_MARK:
    case U_COMBINING_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return !u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC);
    default:
      return false;
  }
}

}  // namespace

bool IsHan(char32_t c32) {
  auto c = static_cast<UChar32>(c32);
  if (c >= 0x4E00 && c <= 0x9FFF) return true;
  if (c < 0x3400) return false;
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(c, &status) == USCRIPT_HAN;
}

std::string NormaliseText(std::string_view text) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  icu::UnicodeString folded;
  icu::UnicodeString input = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  if (U_SUCCESS(status)) {
    folded = nfkc_cf->normalize(input, status);
  }
  if (U_FAILURE(status)) folded = input.foldCase();

  std::string out;
  out.reserve(text.size());
  bool has_han = false;
  bool pending_space = false;
  const int32_t n = folded.length();
  UChar32 prev = 0;
  for (int32_t i = 0; i < n;) {
    UChar32 c = folded.char32At(i);
    i += U16_LENGTH(c);
    if (IsApostrophe(c)) {
      // Inside a word ("didn't", "l'argent") the apostrophe disappears; elsewhere it separates.
      UChar32 next = i < n ? folded.char32At(i) : 0;
      // Not before a combining mark: it would then join the letter before the apostrophe, and
      // the result would no longer be NFKC (found by tests/fuzz/normalise: "n'\u0301").
      if (IsWordChar(prev) && IsWordChar(next) && !IsHan(prev) && (U_GET_GC_MASK(next) & U_GC_M_MASK) == 0)
        continue;
      pending_space = true;
      prev = 0;
      continue;
    }
    if (!IsWordChar(c)) {
      pending_space = true;
      prev = 0;
      continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    if (IsHan(c)) has_han = true;
    char buf[4];
    int32_t len = 0;
    U8_APPEND_UNSAFE(buf, len, c);
    out.append(buf, static_cast<size_t>(len));
    prev = c;
  }
  if (has_han) {
    // OpenCC's t2s is not idempotent for a few characters (薴 → 苧 → 苎): convert to a fixed
    // point (in practice at most one more pass) so that normalising twice changes nothing.
    for (int pass = 0; pass < 3; ++pass) {
      std::string next = T2s().Convert(out);
      if (next == out) break;
      out = std::move(next);
    }
  }
  return out;
}

void ForEachCodePoint(std::string_view s, const std::function<void(char32_t, size_t, size_t)>& fn) {
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    UChar32 c = 0;
    int32_t idx = static_cast<int32_t>(i);
    U8_NEXT(s.data(), idx, static_cast<int32_t>(s.size()), c);
    i = static_cast<size_t>(idx);
    if (c < 0) c = 0xFFFD;
    fn(static_cast<char32_t>(c), start, i - start);
  }
}

std::string FoldAccents(std::string_view word) {
  // Only Latin-1/Latin Extended-A letters matter for en/es; a table beats a full NFD pass.
  std::string out;
  out.reserve(word.size());
  ForEachCodePoint(word, [&](char32_t c, size_t start, size_t len) {
    switch (c) {
      case U'á':
      case U'à':
      case U'â':
      case U'ä':
      case U'ã':
        out += 'a';
        return;
      case U'é':
      case U'è':
      case U'ê':
      case U'ë':
        out += 'e';
        return;
      case U'í':
      case U'ì':
      case U'î':
      case U'ï':
        out += 'i';
        return;
      case U'ó':
      case U'ò':
      case U'ô':
      case U'ö':
      case U'õ':
        out += 'o';
        return;
      case U'ú':
      case U'ù':
      case U'û':
      case U'ü':
        out += 'u';
        return;
      case U'ç':
        out += 'c';
        return;
      case U'ñ':
        out += 'n';
        return;
      default:
        out.append(word.substr(start, len));
    }
  });
  return out;
}

}  // namespace internal

std::string Normalise(std::string_view text) { return internal::NormaliseText(text); }

bool IsTraditional(std::string_view text) {
  if (!internal::HasHan(text)) return false;
  return internal::T2s().Convert(text) != text;
}

std::string ToTraditional(std::string_view text) {
  if (!internal::HasHan(text)) return std::string(text);
  return internal::S2t().Convert(text);
}

}  // namespace kefu::bot::nlu
