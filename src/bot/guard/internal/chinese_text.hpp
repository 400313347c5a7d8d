// Tells a run of BIP-39 Chinese list characters that reads as Chinese text from one drawn at
// random, as a mnemonic is. Private to bot/guard.
//
// Why it is needed: the Chinese lists are the 2,048 most frequent characters, so most Chinese
// sentences consist of list characters, and one in 16 runs of 12 passes the checksum by chance.
// Two signals separate them (measured on 600k characters of real zh-CN/zh-TW text against random
// mnemonics; see README.md):
// - frequency: the list is ordered by frequency, and text draws mostly from the top of it, while
//   a mnemonic draws uniformly (mean log2(rank+1) ≈ 9.6 for a mnemonic, ≈ 6.5 for text);
// - words: ICU's dictionary segmentation puts most characters of text into words of two or more
//   characters (median 80%) and almost none of a random run (99.9% of mnemonics have < 34%).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kefu::bot::internal {

// `text` is the UTF-8 of the run (its Han characters only, no separators) and `ranks` the list
// indices of its `n` characters. `word_share` is the share of characters inside dictionary
// words of ≥ 2 characters from which the run counts as text (0.4 for unspaced runs).
// Thread-safe (one ICU break iterator per thread).
bool LooksLikeChineseText(std::string_view text, const uint16_t* ranks, size_t n,
                          double word_share);

// The frequency half of the test alone, cheap (a table look-up a character, no ICU): true when
// the characters are frequent enough that the run reads as text whatever ICU would say.
bool ReadsAsFrequentText(const uint16_t* ranks, size_t n);

// The share of the characters of `text` that ICU's word segmentation puts into words of two or
// more characters; 0 when ICU is unavailable. Exposed for tests and measurements.
double ChineseWordShare(std::string_view text);

}  // namespace kefu::bot::internal
