#include "bot/guard/internal/bip39.hpp"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bot/guard/internal/text.hpp"
#include "bot/guard/internal/wordlist_data.hpp"

namespace kefu::bot::internal {
namespace {

constexpr size_t kWords = 2048;
constexpr size_t kSlots = 16384;  // 2 lists × (2048 words + abbreviations) at ≤ 50% load

[[noreturn]] void Corrupt(const char* what) {
  std::fprintf(stderr, "kefu: compiled-in BIP-39 list is malformed: %s\n", what);
  std::abort();
}

// Splits a compiled-in list into its 2,048 words.
std::vector<std::string_view> SplitList(std::string_view data, const char* name) {
  std::vector<std::string_view> words;
  words.reserve(kWords);
  size_t start = 0;
  while (start < data.size()) {
    const size_t nl = data.find('\n', start);
    if (nl == std::string_view::npos) Corrupt(name);
    words.push_back(data.substr(start, nl - start));
    start = nl + 1;
  }
  if (words.size() != kWords) Corrupt(name);
  return words;
}

// Folds a word to lower-case ASCII (accents dropped); empty when it cannot be folded.
std::string FoldWord(std::string_view word) {
  std::string out;
  for (size_t i = 0; i < word.size();) {
    const CodePoint c = DecodeAt(word, i);
    i += c.len;
    const int f = c.valid ? FoldLatin(c.cp) : -1;
    if (f < 0) return {};
    if (f > 0) out.push_back(static_cast<char>(f));
  }
  return out;
}

uint64_t PackKey(std::string_view folded) {
  uint64_t key = 0;
  for (size_t i = 0; i < folded.size(); ++i) {
    key |= static_cast<uint64_t>(static_cast<unsigned char>(folded[i])) << (8 * i);
  }
  return key;
}

size_t HashKey(uint64_t key) {
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> 40) & (kSlots - 1);
}

// Words that ordinary sentences are full of and that happen to be list words (or 4-letter
// abbreviations of one). A run of list words holding many of them is a sentence, not a
// mnemonic. Kept short on purpose: a random mnemonic draws each of them with probability
// 1/2048, so every extra word here raises the (tiny) chance of dismissing a real one.
constexpr std::string_view kEnglishCommon[] = {
    "you",    "that",    "this",   "can",   "have",   "what", "when",    "where",  "will",
    "they",   "them",    "then",   "there", "than",   "into", "just",    "also",   "only",
    "about",  "very",    "please", "more",  "any",    "all",  "some",    "now",    "one",
    "must",   "need",    "want",   "like",  "know",   "make", "still",   "same",   "other",
    "such",   "since",   "until",  "upon",  "either", "else", "because", "before", "again",
    "always", "already", "never",  "okay",  "hello",  "thank"};
constexpr std::string_view kSpanishCommon[] = {
    "para",  "como",  "esta", "este",  "ante",  "nada",  "algo", "hace", "una",   "uno",
    "sobre", "todo",  "otro", "mucho", "poco",  "favor", "bien", "cada", "mismo", "mejor",
    "bueno", "claro", "pues", "hacer", "estar", "dar",   "ver",  "dia"};

}  // namespace

Bip39Lists::Bip39Lists() : slots_(kSlots), han_(kHanLast - kHanFirst + 1) {
  const std::vector<std::string_view> lists[2] = {SplitList(kBip39English, "english"),
                                                  SplitList(kBip39Spanish, "spanish")};
  for (int lang = 0; lang < 2; ++lang) {
    for (size_t i = 0; i < kWords; ++i) {
      const std::string folded = FoldWord(lists[lang][i]);
      if (folded.size() < 3 || folded.size() > 8) Corrupt("latin word length");
      auto add = [&](std::string_view key_text) {
        Slot* slot = FindSlot(PackKey(key_text));
        if (slot->key == 0) slot->key = PackKey(key_text);
        int16_t& index = lang == 0 ? slot->hit.english : slot->hit.spanish;
        if (index >= 0) Corrupt("latin words not unique in their first four letters");
        index = static_cast<int16_t>(i);
      };
      add(folded);
      if (folded.size() > 4) add(std::string_view(folded).substr(0, 4));
    }
  }
  for (std::string_view w : kEnglishCommon) {
    Slot* slot = FindSlot(PackKey(w));
    if (slot->key != 0 && slot->hit.english >= 0) slot->hit.english_common = true;
  }
  for (std::string_view w : kSpanishCommon) {
    Slot* slot = FindSlot(PackKey(w));
    if (slot->key != 0 && slot->hit.spanish >= 0) slot->hit.spanish_common = true;
  }

  const std::string_view han_lists[2] = {kBip39ChineseSimplified, kBip39ChineseTraditional};
  for (int lang = 0; lang < 2; ++lang) {
    const std::vector<std::string_view> words = SplitList(han_lists[lang], "chinese");
    for (size_t i = 0; i < kWords; ++i) {
      const CodePoint c = DecodeAt(words[i], 0);
      if (!c.valid || c.len != words[i].size() || c.cp < kHanFirst || c.cp > kHanLast) {
        Corrupt("chinese word is not one basic-block ideograph");
      }
      HanHit& hit = han_[c.cp - kHanFirst];
      int16_t& index = lang == 0 ? hit.simplified : hit.traditional;
      if (index >= 0) Corrupt("chinese characters not unique");
      index = static_cast<int16_t>(i);
    }
  }
}

Bip39Lists::Slot* Bip39Lists::FindSlot(uint64_t key) {
  return const_cast<Slot*>(static_cast<const Bip39Lists*>(this)->FindSlot(key));
}

const Bip39Lists::Slot* Bip39Lists::FindSlot(uint64_t key) const {
  for (size_t h = HashKey(key);; h = (h + 1) & (kSlots - 1)) {
    const Slot& slot = slots_[h];
    if (slot.key == key || slot.key == 0) return &slot;
  }
}

LatinHit Bip39Lists::LookupLatin(std::string_view folded) const {
  if (folded.size() < 3 || folded.size() > 8) return {};
  const uint64_t key = PackKey(folded);
  const Slot* slot = FindSlot(key);
  return slot->key == key ? slot->hit : LatinHit{};
}

bool Bip39ChecksumValid(const uint16_t* indices, size_t n) {
  if (!IsMnemonicLength(n)) return false;
  // 11 bits a word: n*11 bits = entropy (n*11*32/33 bits) followed by the checksum (n/3 bits).
  unsigned char bits[33] = {};
  size_t bit = 0;
  for (size_t w = 0; w < n; ++w) {
    for (int b = 10; b >= 0; --b, ++bit) {
      if ((indices[w] >> b) & 1) bits[bit / 8] |= static_cast<unsigned char>(0x80 >> (bit % 8));
    }
  }
  const size_t checksum_bits = n / 3;
  const size_t entropy_bytes = (n * 11 - checksum_bits) / 8;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, bits, entropy_bytes);
  // The checksum (≤ 8 bits) starts at a byte boundary: entropy is a whole number of bytes.
  const unsigned mask = 0xFFu << (8 - checksum_bits);
  return (bits[entropy_bytes] & mask) == (digest[0] & mask);
}

}  // namespace kefu::bot::internal
