// Tests of the secret guard. Table-driven where the cases are data (scan_cases.tsv,
// asks_cases.tsv, ordinary_text.txt, the demo knowledge base); generated where they must be many
// (BIP-39 mnemonics from random entropy in all four lists, five lengths and many formats).
#include "bot/guard/guard.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bot/guard/internal/chinese_text.hpp"

namespace kefu::bot {
namespace {

// --- helpers ---------------------------------------------------------------------------

std::string SourcePath(std::string_view relative) {
  return std::string(KEFU_SOURCE_DIR) + "/" + std::string(relative);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out.push_back(c == 'n' ? '\n' : c == 't' ? '\t' : c);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> cols;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    cols.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) break;
    start = tab + 1;
  }
  return cols;
}

// A data file as (line number, columns) for its non-comment, non-empty lines.
std::vector<std::pair<int, std::vector<std::string>>> Table(std::string_view relative) {
  std::vector<std::pair<int, std::vector<std::string>>> rows;
  int n = 0;
  for (const std::string& line : Lines(ReadFile(SourcePath(relative)))) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    rows.emplace_back(n, SplitTabs(line));
  }
  return rows;
}

std::string Codes(const std::vector<SecretKind>& kinds) {
  if (kinds.empty()) return "-";
  std::string out;
  for (SecretKind k : kinds) {
    if (!out.empty()) out += ",";
    out += WarningCode(k);
  }
  return out;
}

std::string Show(const GuardResult& r) {
  std::string s = "warnings=" + Codes(r.warnings) + " redacted=[" + r.redacted_text + "] findings:";
  for (const GuardFinding& f : r.findings) {
    s += " " + std::string(WarningCode(f.kind)) + "@" + std::to_string(f.begin) + "-" +
         std::to_string(f.end) + (f.certain ? "!" : "?");
  }
  return s;
}

// The invariants every result must keep, whatever the input.
void CheckInvariants(std::string_view text, const GuardResult& r) {
  std::string rebuilt;
  size_t pos = 0;
  std::vector<SecretKind> order;
  for (const GuardFinding& f : r.findings) {
    ASSERT_LE(pos, f.begin) << "findings overlap or are unsorted";
    ASSERT_LT(f.begin, f.end);
    ASSERT_LE(f.end, text.size());
    rebuilt.append(text.substr(pos, f.begin - pos));
    rebuilt.append("[redacted:").append(WarningCode(f.kind)).append("]");
    pos = f.end;
    if (std::find(order.begin(), order.end(), f.kind) == order.end()) order.push_back(f.kind);
  }
  rebuilt.append(text.substr(pos));
  EXPECT_EQ(rebuilt, r.redacted_text) << "redaction changed bytes outside the findings";
  EXPECT_EQ(Codes(order), Codes(r.warnings));
  EXPECT_EQ(r.clean(), r.findings.empty());
}

const SecretGuard& Guard() { return SecretGuard::Default(); }

// --- BIP-39 generation (independent of the guard: reads the lists from data/bip39) -------------

struct Lists {
  std::array<std::vector<std::string>, 4> words;  // english, spanish, zh simplified, zh traditional
  static const Lists& Get() {
    static const Lists lists = [] {
      Lists l;
      const char* names[] = {"english", "spanish", "chinese_simplified", "chinese_traditional"};
      for (int i = 0; i < 4; ++i) {
        l.words[i] = Lines(ReadFile(SourcePath("data/bip39/" + std::string(names[i]) + ".txt")));
        EXPECT_EQ(l.words[i].size(), 2048u) << names[i];
      }
      return l;
    }();
    return lists;
  }
};
enum List { kEnglish = 0, kSpanish = 1, kSimplified = 2, kTraditional = 3 };
constexpr size_t kLengths[] = {12, 15, 18, 21, 24};

// Word indices of a valid mnemonic for `words` words from random entropy.
std::vector<int> RandomMnemonic(std::mt19937_64& rng, size_t words) {
  const size_t entropy_bytes = words * 11 * 32 / 33 / 8;
  unsigned char buf[33] = {};
  for (size_t i = 0; i < entropy_bytes; ++i) buf[i] = static_cast<unsigned char>(rng());
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, buf, entropy_bytes);
  buf[entropy_bytes] = digest[0];
  std::vector<int> out;
  for (size_t w = 0; w < words; ++w) {
    int v = 0;
    for (size_t b = 0; b < 11; ++b) {
      const size_t bit = w * 11 + b;
      v = (v << 1) | ((buf[bit / 8] >> (7 - bit % 8)) & 1);
    }
    out.push_back(v);
  }
  return out;
}

bool ChecksumValid(const std::vector<int>& idx) {
  const size_t n = idx.size();
  unsigned char bits[33] = {};
  for (size_t w = 0; w < n; ++w) {
    for (size_t b = 0; b < 11; ++b) {
      const size_t bit = w * 11 + b;
      if ((idx[w] >> (10 - b)) & 1) bits[bit / 8] |= static_cast<unsigned char>(0x80 >> (bit % 8));
    }
  }
  const size_t cs = n / 3, entropy_bytes = (n * 11 - cs) / 8;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, bits, entropy_bytes);
  const unsigned mask = 0xFFu << (8 - cs);
  return (bits[entropy_bytes] & mask) == (digest[0] & mask);
}

// Spanish helpers: the list is NFKD; people type NFC or no accents at all.
std::string SpanishNfc(const std::string& nfkd) {
  std::string out;
  for (size_t i = 0; i < nfkd.size(); ++i) {
    const unsigned char next1 = i + 1 < nfkd.size() ? static_cast<unsigned char>(nfkd[i + 1]) : 0;
    const unsigned char next2 = i + 2 < nfkd.size() ? static_cast<unsigned char>(nfkd[i + 2]) : 0;
    if (next1 == 0xCC && (next2 == 0x81 || next2 == 0x83 || next2 == 0x88)) {
      // base + U+0301 (acute) / U+0303 (tilde) / U+0308 (diaeresis) → Latin-1 precomposed.
      static const std::string_view acute = "aeiou", acute_out[] = {"á", "é", "í", "ó", "ú"};
      const char base = nfkd[i];
      std::string composed;
      if (next2 == 0x81 && acute.find(base) != std::string_view::npos) {
        composed = acute_out[acute.find(base)];
      } else if (next2 == 0x83 && base == 'n') {
        composed = "ñ";
      } else if (next2 == 0x88 && base == 'u') {
        composed = "ü";
      }
      if (!composed.empty()) {
        out += composed;
        i += 2;
        continue;
      }
    }
    out.push_back(nfkd[i]);
  }
  return out;
}
std::string StripMarks(const std::string& nfkd) {
  std::string out;
  for (size_t i = 0; i < nfkd.size(); ++i) {
    if (static_cast<unsigned char>(nfkd[i]) == 0xCC && i + 1 < nfkd.size()) {
      ++i;  // U+0300..U+033F
      continue;
    }
    out.push_back(nfkd[i]);
  }
  return out;
}
std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  return s;
}

// One way of writing a mnemonic down. `body` runs from the first word's first byte to the last
// word's last byte, so the expected redaction is prefix + placeholder + suffix.
struct Written {
  std::string name;
  std::string prefix, body, suffix;
  bool exact;  // must always be found certain; otherwise counted against the miss budget
};

std::vector<Written> WriteDown(int list, const std::vector<int>& idx) {
  const auto& words = Lists::Get().words[list];
  std::vector<std::string> w;
  for (int i : idx) w.push_back(words[i]);
  auto join = [&](const std::vector<std::string>& parts, std::string_view sep) {
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) s += sep;
      s += parts[i];
    }
    return s;
  };
  auto numbered = [&](const std::vector<std::string>& parts, std::string_view style) {
    std::string s;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i) s += std::to_string(i + 1) + std::string(style);
      s += parts[i];
      if (i + 1 < parts.size()) s += " ";
    }
    return s;
  };
  auto map = [&](auto f) {
    std::vector<std::string> out;
    for (const std::string& s : w) out.push_back(f(s));
    return out;
  };
  std::vector<Written> out;
  if (list == kEnglish || list == kSpanish) {
    const std::string lead = list == kEnglish ? "my seed phrase is: " : "mi frase semilla es: ";
    const std::string tail =
        list == kEnglish ? ". Is my wallet safe?" : ". ¿Está segura mi billetera?";
    const std::vector<std::string> base =
        list == kEnglish ? w : map([](const std::string& s) { return SpanishNfc(s); });
    out.push_back({"spaces", "", join(base, " "), "", true});
    out.push_back({"in a sentence", lead, join(base, " "), tail, true});
    out.push_back({"commas", "", join(base, ", "), "", true});
    out.push_back({"newlines", "words:\n", join(base, "\n"), "\nthanks", true});
    out.push_back({"numbered", "1. ", numbered(base, ". "), "", true});
    out.push_back({"numbered)", "1) ", numbered(base, ") "), "", true});
    out.push_back({"upper case", "",
                   join(map([&](const std::string& s) {
                          return Upper(list == kEnglish ? s : StripMarks(s));
                        }),
                        " "),
                   "", true});
    out.push_back({"abbreviated", "",
                   join(map([](const std::string& s) { return StripMarks(s).substr(0, 4); }), " "),
                   "", true});
    if (list == kSpanish) {
      out.push_back({"nfkd", "", join(w, " "), "", true});
      out.push_back({"no accents", "",
                     join(map([](const std::string& s) { return StripMarks(s); }), " "), "", true});
    }
  } else {
    const std::string cue = list == kSimplified ? "我的助记词是" : "我的助記詞是";
    out.push_back({"spaces", "", join(w, " "), "", true});
    out.push_back({"commas", "", join(w, "，"), "", true});
    out.push_back({"numbered", "1.", numbered(w, "."), "", true});
    out.push_back({"unspaced", "", join(w, ""), "", false});
    out.push_back({"unspaced after a colon", "助记词：", join(w, ""), "，帮我看看", false});
    out.push_back({"unspaced after a cue", cue, join(w, ""), "", false});
    std::string grouped;
    for (size_t i = 0; i < w.size(); ++i) grouped += (i && i % 4 == 0 ? " " : "") + w[i];
    out.push_back({"groups of four", "", grouped, "", false});
  }
  return out;
}

// --- API ------------------------------------------------------------------------------------

TEST(SecretGuardApi, WarningCodesAreTheEnumeratorNames) {
  EXPECT_EQ(WarningCode(SecretKind::seed_phrase), "seed_phrase");
  EXPECT_EQ(WarningCode(SecretKind::private_key), "private_key");
  EXPECT_EQ(WarningCode(SecretKind::card_number), "card_number");
  EXPECT_EQ(WarningCode(SecretKind::cvv), "cvv");
  EXPECT_EQ(WarningCode(SecretKind::password), "password");
  EXPECT_EQ(WarningCode(SecretKind::otp), "otp");
}

TEST(SecretGuardApi, DefaultIsOneSharedInstance) {
  EXPECT_EQ(&SecretGuard::Default(), &SecretGuard::Default());
}

TEST(SecretGuardApi, CleanTextComesBackUnchanged) {
  for (std::string_view text : {std::string_view(""), std::string_view("hello"),
                                std::string_view("你好，请问提现多久到账？")}) {
    const GuardResult r = Guard().Scan(text);
    EXPECT_TRUE(r.clean());
    EXPECT_EQ(r.redacted_text, text);
    EXPECT_TRUE(r.warnings.empty());
  }
}

TEST(SecretGuardApi, SafetyMessagesByLanguage) {
  EXPECT_NE(SafetyMessage("zh").find("助记词"), std::string_view::npos);
  EXPECT_EQ(SafetyMessage("zh-CN"), SafetyMessage("zh"));
  EXPECT_NE(SafetyMessage("zh-TW").find("助記詞"), std::string_view::npos);
  EXPECT_NE(SafetyMessage("en").find("never ask for your seed phrase"), std::string_view::npos);
  EXPECT_NE(SafetyMessage("es").find("nunca te pedirán tu frase semilla"), std::string_view::npos);
  EXPECT_EQ(SafetyMessage("es-MX"), SafetyMessage("es"));
  EXPECT_EQ(SafetyMessage("fr"), SafetyMessage("en"));
  EXPECT_EQ(SafetyMessage(""), SafetyMessage("en"));
  // The message is outbound text itself: it must pass the outbound check and hold no secret.
  for (std::string_view lang : {"zh", "zh-TW", "en", "es"}) {
    SCOPED_TRACE(lang);
    EXPECT_FALSE(Guard().AsksForSecret(SafetyMessage(lang)).has_value());
    EXPECT_TRUE(Guard().Scan(SafetyMessage(lang)).clean());
  }
}

// --- Scan: the table ---------------------------------------------------------------------------

// Found by tests/fuzz/guard: a quoted code running to the end of the text made the closing-quote
// check read the byte after the text, so the answer depended on memory that is not the message.
TEST(SecretGuardScan, QuotedCodeAtTheEndReadsNothingBeyondTheText) {
  const std::string buffer = "card 4111 1111 1111 1111 cvv\"104\"";
  const std::string_view cut(buffer.data(), buffer.size() - 1);  // the closing quote is not in it
  const GuardResult r = Guard().Scan(cut);
  const GuardResult copy = Guard().Scan(std::string(cut));
  EXPECT_EQ(r.redacted_text, copy.redacted_text) << Show(r);
  EXPECT_EQ(Codes(r.warnings), Codes(copy.warnings));
  EXPECT_EQ(r.redacted_text.find("4111"), std::string::npos) << Show(r);
}

TEST(SecretGuardScan, Cases) {
  const auto rows = Table("tests/bot/guard/scan_cases.tsv");
  ASSERT_GT(rows.size(), 100u);
  for (const auto& [line, cols] : rows) {
    SCOPED_TRACE("scan_cases.tsv:" + std::to_string(line));
    ASSERT_EQ(cols.size(), 3u) << "expected 3 tab-separated columns";
    const std::string input = Unescape(cols[1]);
    const std::string expected = cols[2] == "=" ? input : Unescape(cols[2]);
    const GuardResult r = Guard().Scan(input);
    EXPECT_EQ(Codes(r.warnings), cols[0]) << Show(r);
    EXPECT_EQ(r.redacted_text, expected) << Show(r);
    CheckInvariants(input, r);
  }
}

TEST(SecretGuardScan, OrdinaryTextIsUntouched) {
  int n = 0;
  for (const std::string& line : Lines(ReadFile(SourcePath("tests/bot/guard/ordinary_text.txt")))) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    SCOPED_TRACE("ordinary_text.txt:" + std::to_string(n) + ": " + line);
    const GuardResult r = Guard().Scan(line);
    EXPECT_TRUE(r.clean()) << Show(r);
  }
  // The whole file as one message too: runs must not form across lines.
  const GuardResult all = Guard().Scan(ReadFile(SourcePath("tests/bot/guard/ordinary_text.txt")));
  EXPECT_TRUE(all.clean()) << Show(all);
}

TEST(SecretGuardScan, VerifiedMatchesAreCertain) {
  struct Case {
    std::string_view text;
    bool certain;
  };
  const Case cases[] = {
      {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
       "about",
       true},
      {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
       "abandon",
       false},
      {"5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ", true},
      {"4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", false},
      {"4111 1111 1111 1111", true},
      {"验证码 123456", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const GuardResult r = Guard().Scan(c.text);
    ASSERT_EQ(r.findings.size(), 1u) << Show(r);
    EXPECT_EQ(r.findings[0].certain, c.certain);
  }
}

TEST(SecretGuardScan, RedactedTextHoldsNoSecretAndRescansClean) {
  for (const auto& [line, cols] : Table("tests/bot/guard/scan_cases.tsv")) {
    SCOPED_TRACE("scan_cases.tsv:" + std::to_string(line));
    const GuardResult once = Guard().Scan(Unescape(cols[1]));
    const GuardResult twice = Guard().Scan(once.redacted_text);
    EXPECT_TRUE(twice.clean()) << Show(twice);
  }
}

// Arbitrary bytes, broken UTF-8 included, never crash and keep the invariants.
TEST(SecretGuardScan, AnyBytesKeepTheInvariants) {
  const std::vector<std::string> pieces = {
      "abandon ",
      "about",
      "的",
      "一",
      "是",
      "助记词",
      "密码",
      "是",
      "验证码 ",
      "code: ",
      "123456",
      "4111",
      " ",
      "1111",
      "-",
      "0x",
      "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
      "\xe7\x9a",
      "\xff",
      "\xc3",
      "\xcc\x81",
      "\xf0\x9f\x98\x80",
      "\n",
      "，",
      "password is ",
      "hunter2",
      "5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ",
      "cvv ",
      "12/27 ",
      "tx ",
      "ábaco ",
      std::string("\0", 1),
      "zoo ",
      "wrong",
      "1. ",
      "\xe4\xb8",
      "：",
      "es ",
      "contraseña "};
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text;
    const int n = static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      if (rng() % 8 == 0) {
        text.push_back(static_cast<char>(rng()));
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    const GuardResult r = Guard().Scan(text);
    CheckInvariants(text, r);
    (void)Guard().AsksForSecret(text);
    if (HasFatalFailure() || HasFailure()) {
      ADD_FAILURE() << "input #" << iter;
      return;
    }
  }
}

// --- mnemonics, generated ----------------------------------------------------------------------

TEST(SecretGuardMnemonic, GeneratedMnemonicsInEveryListLengthAndFormat) {
  std::mt19937_64 rng(20261126);
  const char* names[] = {"english", "spanish", "chinese_simplified", "chinese_traditional"};
  int checked = 0, budgeted = 0, missed = 0;
  for (int list = 0; list < 4; ++list) {
    for (size_t len : kLengths) {
      for (int sample = 0; sample < 12; ++sample) {
        const std::vector<int> idx = RandomMnemonic(rng, len);
        ASSERT_TRUE(ChecksumValid(idx));
        for (const Written& w : WriteDown(list, idx)) {
          SCOPED_TRACE(std::string(names[list]) + " " + std::to_string(len) + " words, " + w.name);
          const std::string text = w.prefix + w.body + w.suffix;
          const GuardResult r = Guard().Scan(text);
          CheckInvariants(text, r);
          const std::string expected = w.prefix + "[redacted:seed_phrase]" + w.suffix;
          const bool found =
              r.findings.size() == 1 && r.findings[0].certain && r.redacted_text == expected;
          ++checked;
          if (w.exact) {
            EXPECT_TRUE(found) << text << "\n" << Show(r);
          } else {
            ++budgeted;
            if (!found) {
              ++missed;
              // A miss must be a miss, never a wrong redaction.
              EXPECT_TRUE(r.clean()) << text << "\n" << Show(r);
            }
          }
        }
      }
    }
  }
  std::printf("[ info ] %d written mnemonics; unspaced/grouped Chinese: %d, missed %d\n", checked,
              budgeted, missed);
  EXPECT_LE(missed * 200, budgeted) << "more than 0.5% of unspaced Chinese mnemonics missed";
}

TEST(SecretGuardMnemonic, UnspacedChineseMissRate) {
  std::mt19937_64 rng(7);
  int total = 0, missed = 0;
  for (int list : {kSimplified, kTraditional}) {
    for (size_t len : kLengths) {
      for (int sample = 0; sample < 400; ++sample) {
        std::string text;
        for (int i : RandomMnemonic(rng, len)) text += Lists::Get().words[list][i];
        const GuardResult r = Guard().Scan(text);
        ++total;
        if (r.findings.size() != 1 || !r.findings[0].certain ||
            r.redacted_text != "[redacted:seed_phrase]") {
          ++missed;
        }
      }
    }
  }
  std::printf("[ info ] unspaced Chinese mnemonics: %d of %d missed (%.3f%%)\n", missed, total,
              100.0 * missed / total);
  EXPECT_LE(missed * 500, total) << "more than 0.2% missed";
}

TEST(SecretGuardMnemonic, RunsFailingTheChecksumAreFlaggedNotCertain) {
  std::mt19937_64 rng(99);
  int total = 0, missed = 0;
  for (int list : {kEnglish, kSpanish, kSimplified, kTraditional}) {
    for (size_t len : kLengths) {
      for (int sample = 0; sample < 20; ++sample) {
        std::vector<int> idx = RandomMnemonic(rng, len);
        do {
          idx.back() = (idx.back() + 1) % 2048;
        } while (ChecksumValid(idx));
        std::string text;
        for (size_t i = 0; i < idx.size(); ++i) {
          text += (i ? " " : "") + Lists::Get().words[list][idx[i]];
        }
        SCOPED_TRACE(text);
        const GuardResult r = Guard().Scan(text);
        CheckInvariants(text, r);
        ++total;
        // A window of a shorter length inside the run may pass the checksum by chance (then it
        // is certain); the run must be redacted either way.
        if (r.findings.empty()) {
          ++missed;
          continue;
        }
        EXPECT_EQ(r.findings.size(), 1u) << Show(r);
        EXPECT_EQ(r.findings[0].kind, SecretKind::seed_phrase);
        if (!r.findings[0].certain) {
          EXPECT_EQ(r.redacted_text, "[redacted:seed_phrase]");
        }
      }
    }
  }
  std::printf("[ info ] runs failing the checksum: %d of %d not flagged\n", missed, total);
  // Runs made mostly of the words sentences are built from are let through on purpose.
  EXPECT_LE(missed * 100, total);
}

TEST(SecretGuardMnemonic, UnspacedChineseThatFailsTheChecksumIsLeftAlone) {
  // Without spaces, only checksum-valid runs count: ordinary Chinese is made of list characters.
  std::mt19937_64 rng(5);
  std::vector<int> idx = RandomMnemonic(rng, 12);
  idx.back() = (idx.back() + 1) % 2048;
  while (ChecksumValid(idx)) idx.back() = (idx.back() + 1) % 2048;
  std::string text;
  for (int i : idx) text += Lists::Get().words[kSimplified][i];
  EXPECT_TRUE(Guard().Scan(text).clean()) << text;
}

// The Chinese false-positive budget: every Chinese text we have must produce no finding, and the
// checksum-valid runs in it that reach the sentence test must be told apart as text.
TEST(SecretGuardMnemonic, ChineseTextHasNoFalsePositives) {
  std::vector<std::string> texts;
  for (const std::string& line : Lines(ReadFile(SourcePath("data/demo/kb.jsonl")))) {
    const boost::json::object o = boost::json::parse(line).as_object();
    if (o.at("lang").as_string() != "zh") continue;
    texts.emplace_back(o.at("question").as_string());
    texts.emplace_back(o.at("answer").as_string());
    for (const auto& v : o.at("variants").as_array()) texts.emplace_back(v.as_string());
  }
  for (const std::string& line : Lines(ReadFile(SourcePath("tests/bot/guard/ordinary_text.txt")))) {
    if (!line.empty() && line[0] != '#') texts.push_back(line);
  }
  size_t chars = 0;
  for (const std::string& t : texts) {
    SCOPED_TRACE(t);
    chars += t.size() / 3;
    const GuardResult r = Guard().Scan(t);
    EXPECT_TRUE(r.clean()) << Show(r);
  }
  // Every 12..24-character window of these texts, scanned on its own, as if a customer had sent
  // exactly that: a checksum-valid one must still read as text.
  size_t windows = 0, flagged = 0;
  for (const std::string& t : texts) {
    std::vector<size_t> starts;  // byte offsets of the Han characters of t, in runs
    for (size_t i = 0; i + 3 <= t.size(); ++i) {
      const auto b = static_cast<unsigned char>(t[i]);
      if (b >= 0xE4 && b <= 0xE9) starts.push_back(i), i += 2;
    }
    for (size_t a = 0; a < starts.size(); ++a) {
      for (size_t len : kLengths) {
        if (a + len > starts.size()) break;
        const size_t b = starts[a + len - 1] + 3;
        if (b - starts[a] != len * 3) break;  // not contiguous Han characters
        const std::string window = t.substr(starts[a], b - starts[a]);
        ++windows;
        if (!Guard().Scan(window).clean()) {
          ++flagged;
          ADD_FAILURE() << "flagged as a mnemonic: " << window;
        }
      }
    }
  }
  std::printf(
      "[ info ] Chinese text: %zu messages, ~%zu characters, %zu windows scanned alone, "
      "%zu flagged\n",
      texts.size(), chars, windows, flagged);
}

TEST(SecretGuardMnemonic, ChineseWordShareSeparatesTextFromRandomRuns) {
  EXPECT_GE(internal::ChineseWordShare("我想问一下为什么我的提现一直没有到账"), 0.6);
  EXPECT_LE(internal::ChineseWordShare("袁晚猜绍粗艰刺纵吏杯泊舒"), 0.34);
}

// --- the demo knowledge base -----------------------------------------------------------------

TEST(SecretGuardKnowledgeBase, EveryQuestionVariantAndAnswerIsUntouchedAndNoAnswerIsBlocked) {
  int line_no = 0, answers = 0, texts = 0;
  for (const std::string& line : Lines(ReadFile(SourcePath("data/demo/kb.jsonl")))) {
    ++line_no;
    const boost::json::object o = boost::json::parse(line).as_object();
    const std::string id(o.at("id").as_string());
    SCOPED_TRACE("kb.jsonl:" + std::to_string(line_no) + " " + id);
    std::vector<std::string> all = {std::string(o.at("question").as_string()),
                                    std::string(o.at("answer").as_string())};
    for (const auto& v : o.at("variants").as_array()) all.emplace_back(v.as_string());
    for (const std::string& t : all) {
      const GuardResult r = Guard().Scan(t);
      EXPECT_TRUE(r.clean()) << t << "\n" << Show(r);
      ++texts;
    }
    const std::string answer(o.at("answer").as_string());
    const auto asks = Guard().AsksForSecret(answer);
    EXPECT_FALSE(asks.has_value())
        << answer << "\nblocked as asking for " << (asks ? WarningCode(*asks) : "");
    ++answers;
  }
  EXPECT_EQ(answers, 153);
  std::printf("[ info ] knowledge base: %d texts scanned, %d answers checked outbound\n", texts,
              answers);
}

// --- outbound ------------------------------------------------------------------------------------

TEST(SecretGuardAsks, Cases) {
  const auto rows = Table("tests/bot/guard/asks_cases.tsv");
  ASSERT_GT(rows.size(), 40u);
  for (const auto& [line, cols] : rows) {
    SCOPED_TRACE("asks_cases.tsv:" + std::to_string(line) + ": " + cols.back());
    ASSERT_EQ(cols.size(), 2u);
    const auto got = Guard().AsksForSecret(Unescape(cols[1]));
    EXPECT_EQ(got ? std::string(WarningCode(*got)) : "-", cols[0]);
  }
}

// --- threads -------------------------------------------------------------------------------------

TEST(SecretGuardThreads, ConcurrentScansAgreeWithSerialOnes) {
  std::vector<std::string> inputs;
  for (const auto& [line, cols] : Table("tests/bot/guard/scan_cases.tsv")) {
    inputs.push_back(Unescape(cols[1]));
  }
  std::mt19937_64 rng(3);
  for (int i = 0; i < 20; ++i) {
    std::string zh;
    for (int k : RandomMnemonic(rng, 12)) zh += Lists::Get().words[kSimplified][k];
    inputs.push_back(zh);
  }
  std::vector<std::string> serial;
  for (const std::string& in : inputs) serial.push_back(Show(Guard().Scan(in)));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < inputs.size(); ++i) {
          const size_t k = (i + static_cast<size_t>(t) * 7) % inputs.size();
          if (Show(Guard().Scan(inputs[k])) != serial[k]) ++mismatches;
        }
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace kefu::bot
