// The bot's language understanding: normalisation, language detection, and an intent model
// trained from a knowledge base (retrieval + linear classifiers, ensembled, calibrated, with an
// out-of-scope threshold the model picks from its own knowledge base).
//
// Invariants:
//  * Everything here is pure computation: no I/O, no logging, no global mutable state visible to
//    callers. Normalise, DetectLanguage and every const member of Model are thread-safe (each
//    thread keeps its own ICU/OpenCC/Snowball handles, created on first use).
//  * A Model is immutable once built; re-importing a knowledge base means training a new Model
//    and swapping it in (e.g. behind a std::shared_ptr<const Model>).
//  * Heavy dependencies (ICU, OpenCC, libstemmer) stay in the .cpp files; this header only needs
//    the standard library, core/result.hpp and the store's KbEntry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "store/store.hpp"

namespace kefu::bot::nlu {

// The languages the bot understands. Chinese covers simplified and traditional (traditional is
// converted to simplified by Normalise).
enum class Lang { zh, en, es };

// "zh", "en" or "es".
std::string_view LangCode(Lang lang);

// Parses "zh", "zh-CN", "zh-TW", "zh-Hans", "zh-Hant", "en", "en-US", "es", "es-MX", … (any
// case); nullopt for anything else.
std::optional<Lang> ParseLang(std::string_view code);

// Canonical form of a user's text, used for every feature the model sees: NFKC with case folding
// (full-width forms become half-width), traditional Chinese converted to simplified (OpenCC t2s),
// apostrophes inside words dropped ("didn't" → "didnt"), every other punctuation mark, symbol,
// emoji and control character replaced by a space, whitespace collapsed to single spaces and
// trimmed. Accents are kept (language detection uses them; features fold them). Invalid UTF-8 is
// tolerated (bad bytes become U+FFFD and then spaces). Thread-safe.
std::string Normalise(std::string_view text);

// True when `text` is Chinese written in traditional characters: OpenCC's t2s conversion changes
// it. False for text without Han characters. Thread-safe.
bool IsTraditional(std::string_view text);

// `text` with simplified Chinese converted to traditional characters; everything else is kept.
// For answering askers who write in traditional characters (zh-TW, zh-HK). OpenCC's s2tw: s2t's
// character mapping with the variants in everyday use in Taiwan and Hong Kong (為, 裡, 著 rather
// than OpenCC's 爲, 裏, 着); no vocabulary changes. Returns the text unchanged when OpenCC's data
// is missing. Thread-safe.
std::string ToTraditional(std::string_view text);

// Detects the language of `text` (raw or normalised). Han characters decide zh (traditional and
// simplified alike) unless Latin words clearly dominate; otherwise en vs es from accents and
// Spanish-only letters (ñ ¿ ¡ á é í ó ú), function words, and word endings. Built for short
// customer messages; with no evidence at all it answers en. Thread-safe.
Lang DetectLanguage(std::string_view text);

// The topic of a knowledge-base id: the id without a trailing "-zh", "-en", "-es" (also "_zh",
// ".zh", and the region forms "-zh-cn", "-zh-tw"), compared case-insensitively; ids without such a
// suffix are their own topic. Entries that share a topic answer the same question in different
// languages: "withdrawal-failed-en" and "withdrawal-failed-zh" → "withdrawal-failed".
std::string TopicOf(std::string_view faq_id);

// Knobs for Model::Train. The defaults were tuned on training data only (cross-validation on
// BANKING77's train split, CLINC150's `val` split, held-out variants of the demo knowledge base);
// callers normally leave them alone.
struct TrainOptions {
  // Linear classifier over word + character n-gram features (TF-IDF, L2-normalised), trained by
  // SGD with a multiclass hinge loss (Crammer–Singer; `hinge_margin` 0 switches to softmax
  // logistic loss), linearly decaying learning rate and L2 decay. It is dense over
  // (features × classes) and is trained only while classes × features fits in
  // `max_dense_weights` (the feature dictionary is cut to the most frequent features to fit,
  // down to `min_lr_features`); weights are stored as int8 with a scale per feature. Beyond that
  // the model answers from BM25 retrieval alone, which keeps a 10,000-entry knowledge base fast
  // and small.
  int epochs = 12;
  double learning_rate = 0.2;
  double l2 = 2e-6;
  double hinge_margin = 1.0;
  size_t max_features = 1u << 18;        // feature dictionary cap (most frequent kept)
  size_t max_dense_weights = 24u << 20;  // classes × features cap for the linear classifier
  size_t min_lr_features = 4096;
  // Ensemble: score(c) = linear(c) + retrieval_weight · bm25(c), where bm25(c) is the BM25
  // score of c's best-matching question or variant divided by the text's score against itself.
  double retrieval_weight = 1.0;
  // BM25 skips features found in more than this many sentences (they weigh little and cost
  // most: this is what keeps a 10,000-entry knowledge base under budget).
  size_t bm25_max_postings = 1000;
  // Weight of the character n-gram block against the word block in the feature vector.
  double char_weight = 1.0;
  // Out-of-scope calibration, from the knowledge base alone: a second model is trained with
  // `holdout_fraction` of the classes held out entirely (their sentences play out-of-scope
  // questions, "pseudo out-of-scope") and `holdout_fraction` of the other classes' variants held
  // out (in-scope questions). A logistic calibrator learns from its predictions when an answer is
  // right; that is the confidence. The threshold is the lower of
  //  * the confidence below which `max_answer_loss` of the correctly answered held-out
  //    questions fall, and
  //  * the confidence below which `pseudo_oos_rejection` of the pseudo out-of-scope questions
  //    fall (they are unseen questions from the same domain, the hardest to reject; real
  //    out-of-scope questions are mostly further away).
  double holdout_fraction = 0.2;
  double max_answer_loss = 0.005;
  double pseudo_oos_rejection = 0.12;
  // Fixed rejection threshold on calibrated confidence, overriding the one the model picks.
  std::optional<double> threshold;
  uint64_t seed = 1;
};

// What the model says about one text.
struct Prediction {
  std::string faq_id;       // the answering entry; empty when out of scope
  double confidence = 0.0;  // calibrated probability that `top[0]` answers the text, 0..1
  Lang lang = Lang::en;     // the language of the text (detected, or the caller's override)
  // The best candidates, best first, as (faq_id in the text's language where the topic has one,
  // ensemble probability). Filled even when the text is out of scope, so a caller can offer
  // "did you mean …" suggestions.
  std::vector<std::pair<std::string, double>> top;
};

// Size and shape of a trained model, for logs, /metrics and benchmarks.
struct ModelStats {
  size_t entries = 0;
  size_t classes = 0;  // topics: entries of one topic in several languages are one class
  size_t sentences = 0;
  size_t features = 0;
  bool linear_classifier = false;  // false: retrieval only (knowledge base too large)
  double threshold = 0.0;          // the rejection threshold in use
  size_t memory_bytes = 0;  // heap held by the model (approximate, excludes per-thread caches)
  double train_seconds = 0.0;
};

// An intent model over one knowledge base. Each topic (TopicOf of the entry ids) is one class:
// the questions and variants of all its entries, in every language, are its training sentences,
// and the entry answered is the topic's entry in the asker's language (else English, Chinese,
// Spanish). Two entries with the same topic and language are classes of their own. Cheap to
// move, immutable after Train/Deserialize; Predict is const and thread-safe.
class Model {
 public:
  Model();
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  // Trains on `entries` (at least one, each with a non-empty id and question; ids unique).
  // Picks its own rejection threshold from the knowledge base (see TrainOptions). Errors:
  // Code::invalid for an empty knowledge base, an entry without id or question, or a duplicate id.
  // CPU-bound: a few seconds for 10^4 sentences; run it off the network threads.
  static Result<Model> Train(const std::vector<store::KbEntry>& entries,
                             const TrainOptions& options = {});

  // Classifies `text`. `lang` overrides language detection and picks the answer's language.
  // `faq_id` is the best topic's entry in that language when the topic has one (else see
  // above); it is empty when the calibrated confidence is below the threshold (out of scope) or
  // the text has no known feature. `top_k` bounds `top`.
  Prediction Predict(std::string_view text, std::optional<Lang> lang = {}, size_t top_k = 5) const;

  // The entry of `faq_id`'s topic in `lang`, if the knowledge base has one (faq_id itself when
  // it already is in `lang`).
  std::optional<std::string> InLanguage(std::string_view faq_id, Lang lang) const;

  // The rejection threshold on calibrated confidence.
  double threshold() const;

  ModelStats Stats() const;

  // A compact binary form (a few MB for thousands of entries), versioned; Deserialize rejects
  // anything else with Code::invalid.
  std::string Serialize() const;
  static Result<Model> Deserialize(std::string_view bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kefu::bot::nlu
