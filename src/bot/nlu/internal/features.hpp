// Turning normalised text into hashed features. Private to src/bot/nlu.
//
// Two groups, weighted and normalised separately by the model:
//  * word group: en/es raw words (accent-folded), Snowball stems with lexicon concepts
//    substituted, stem bigrams, lexicon concepts; zh character bigrams and trigrams of the
//    lexicon-rewritten text and lexicon concepts. BM25 retrieval uses this group only.
//  * char group: character 3–5-grams inside each en/es word (with word-boundary marks, so
//    typos still share most grams), zh character unigrams.
// A feature is a 64-bit hash of its kind and text; equal features hash equally in every process
// (the hash is fixed, not seeded), so serialized models stay valid.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bot/nlu/nlu.hpp"

namespace kefu::bot::nlu::internal {

struct Features {
  std::vector<uint64_t> word;  // may repeat: repetition is term frequency
  std::vector<uint64_t> chars;
};

// Extracts the features of already-normalised text (Normalise) in `lang`. Thread-safe.
Features Extract(std::string_view normalised, Lang lang);

// 64-bit FNV-1a followed by a murmur finaliser; `kind` separates feature families.
uint64_t HashFeature(char kind, std::string_view text);

// The lexicon's concepts for tests and tools: the canonical form `phrase` maps to in `lang`
// (en/es phrases accent-folded, zh simplified), or empty.
std::string LexiconConcept(Lang lang, std::string_view phrase);

}  // namespace kefu::bot::nlu::internal
