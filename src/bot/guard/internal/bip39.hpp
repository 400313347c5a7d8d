// BIP-39 word lists prepared for matching, and the mnemonic checksum. Private to bot/guard.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace kefu::bot::internal {

// The lists kefu ships (DESIGN.md §4): English, Spanish, Chinese simplified and traditional.
enum class Bip39Language : uint8_t { english, spanish, chinese_simplified, chinese_traditional };

// Lengths of a BIP-39 mnemonic in words.
inline constexpr std::array<size_t, 5> kMnemonicLengths = {12, 15, 18, 21, 24};
inline bool IsMnemonicLength(size_t n) {
  return n == 12 || n == 15 || n == 18 || n == 21 || n == 24;
}

// Index of a Latin word in the English and Spanish lists (-1 when absent) and whether it is a
// word ordinary sentences are full of ("you", "have", "para"...), which is how a run of list words
// that is a sentence is told from a mnemonic.
struct LatinHit {
  int16_t english = -1;
  int16_t spanish = -1;
  bool english_common = false;
  bool spanish_common = false;
};

// Index of a Han character in the Chinese lists (-1 when absent). The lists are ordered by
// frequency, so the index doubles as a frequency rank.
struct HanHit {
  int16_t simplified = -1;
  int16_t traditional = -1;
};

// The four lists, immutable after construction; lookups are a hash probe or an array read.
class Bip39Lists {
 public:
  // Builds the lookup tables from the compiled-in lists (wordlist_data.hpp). Aborts on malformed
  // data, which the build has already ruled out (gen_wordlists.cmake checks every file).
  Bip39Lists();

  // `folded` is a Latin token folded to lower-case ASCII letters (see FoldLatin). Matches a whole
  // word, or the 4-letter abbreviation of a longer word (BIP-39 words are unique in their first
  // four letters, in Spanish once accents are dropped). Tokens longer than 8 letters never match.
  LatinHit LookupLatin(std::string_view folded) const;

  HanHit LookupHan(char32_t cp) const {
    if (cp < kHanFirst || cp > kHanLast) return {};
    return han_[cp - kHanFirst];
  }

 private:
  static constexpr char32_t kHanFirst = 0x4E00;
  static constexpr char32_t kHanLast = 0x9FFF;
  struct Slot {
    uint64_t key = 0;  // up to 8 ASCII letters, little-endian; 0 = empty
    LatinHit hit;
  };
  Slot* FindSlot(uint64_t key);
  const Slot* FindSlot(uint64_t key) const;

  std::vector<Slot> slots_;  // open addressing, size a power of two
  std::vector<HanHit> han_;  // indexed by code point - kHanFirst
};

// True when the words with list indices `indices` (each 0..2047; `n` a mnemonic length) carry a
// valid BIP-39 checksum: the last n/3 bits equal the first bits of SHA-256 of the entropy.
bool Bip39ChecksumValid(const uint16_t* indices, size_t n);

}  // namespace kefu::bot::internal
