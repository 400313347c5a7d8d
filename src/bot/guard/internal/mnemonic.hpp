// BIP-39 mnemonic detection. Private to bot/guard.
#pragma once

#include <string_view>
#include <vector>

#include "bot/guard/guard.hpp"
#include "bot/guard/internal/bip39.hpp"

namespace kefu::bot::internal {

// Appends a seed_phrase finding for every mnemonic-like run in `text`:
// - English/Spanish: runs of ≥ 12 list words (whole or 4-letter abbreviations, any case, accents
//   optional) separated only by white space, commas, numbering and the like. Certain when a
//   window of 12/15/18/21/24 words covering all but ≤ 3 words of the run has a valid checksum.
//   A run that reads as a sentence (many of the common words sentences are made of) is skipped.
// - Chinese, characters separated by white space, commas or numbering: like the above; an
//   uncertain run is skipped when it segments into dictionary words like text.
// - Chinese written without separators (or in equal groups of 2-4): only certain matches count,
//   and only when the run is exactly a mnemonic length (or follows a cue such as 助记词是), passes
//   the checksum and does not read as Chinese text (chinese_text.hpp).
// `latin` / `han` say whether the pre-filter saw enough Latin words / Han characters to bother.
void FindMnemonics(const Bip39Lists& lists, std::string_view text, bool latin, bool han,
                   std::vector<GuardFinding>& out);

}  // namespace kefu::bot::internal
