// The scoring core of a Model: feature dictionary, linear classifier and BM25 index. A Model
// holds one Core plus its calibration; training builds a second, smaller Core on part of the
// knowledge base to calibrate confidence and pick the out-of-scope threshold. Private.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bot/nlu/internal/features.hpp"
#include "bot/nlu/nlu.hpp"

namespace kefu::bot::nlu::internal {

// uint64 feature hash → dense feature id; open addressing, immutable after Build.
class FeatureIndex {
 public:
  void Build(const std::vector<uint64_t>& keys);  // id = position in `keys`
  // The id of `key`, or -1.
  int64_t Find(uint64_t key) const {
    if (keys_.empty()) return -1;
    for (uint64_t slot = key & mask_;; slot = (slot + 1) & mask_) {
      if (keys_[slot] == key) return values_[slot];
      if (keys_[slot] == 0) return -1;
    }
  }
  size_t size() const { return size_; }
  size_t MemoryBytes() const { return keys_.capacity() * 8 + values_.capacity() * 4; }
  const std::vector<uint64_t>& keys_in_order() const { return ordered_; }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
  std::vector<uint64_t> ordered_;
  uint64_t mask_ = 0;
  size_t size_ = 0;
};

struct SparseVec {
  std::vector<uint32_t> ids;
  std::vector<float> values;
};

// Everything one query's scoring produces, per class and for the best ones.
struct Scores {
  std::vector<float> logits;    // ensemble logits, per class
  std::vector<float> bm25;      // BM25 similarity to the class's nearest sentence, 0..~1.5
  std::vector<uint32_t> order;  // classes by descending logit (at least the top few)
  std::vector<double> top_p;    // ensemble softmax probability of each class in `order`
  double p1 = 0, p2 = 0;        // ensemble softmax probabilities of order[0], order[1]
  double lr_p1 = 0;             // the linear classifier's own probability of order[0]
  double bm25_max = 0;          // the best BM25 similarity over all classes
  double known_words = 0;       // fraction of the text's word-group features in the dictionary
  double known_chars = 0;       // same for the char group
  bool empty = true;            // the text had no known feature
};

// Meta-features for calibration, from Scores.
std::vector<double> MetaFeatures(const Scores& s);

class Core {
 public:
  struct Options {
    int epochs = 12;
    double learning_rate = 0.2;
    double l2 = 2e-6;
    double hinge_margin = 1.0;  // > 0: multiclass hinge loss; 0: softmax (logistic) loss
    size_t max_features = 1u << 18;
    size_t max_dense_weights = 24u << 20;
    size_t min_lr_features = 4096;
    double retrieval_weight = 1.0;
    double char_weight = 1.0;
    bool bm25_chars = true;
    size_t bm25_max_postings = 1000;
    uint64_t seed = 1;
  };

  // Trains on sentences[i] (features) labelled labels[i] ∈ [0, num_classes).
  static Core Train(const std::vector<const Features*>& sentences,
                    const std::vector<uint32_t>& labels, size_t num_classes,
                    const Options& options);

  // Scores `f`; `top` bounds how many classes `order` must rank.
  void Score(const Features& f, size_t top, Scores& out) const;

  size_t classes() const { return num_classes_; }
  bool has_linear() const { return lr_features_ > 0; }
  size_t features() const { return index_.size(); }
  size_t sentences() const { return sentence_class_.size(); }
  size_t MemoryBytes() const;

  void Write(std::string& out) const;
  // Reads what Write wrote at `pos`, advancing it; false on malformed input.
  bool Read(std::string_view in, size_t& pos);

 private:
  SparseVec Vectorize(const Features& f, uint8_t mask = 3) const;
  size_t HeadBytes() const;
  bool ReadHeads(std::string_view in, size_t& pos);

  size_t num_classes_ = 0;
  float char_weight_ = 1.0f;
  float retrieval_weight_ = 6.0f;
  FeatureIndex index_;
  std::vector<float> idf_;        // per feature
  float max_idf_ = 1.0f;          // the idf an unknown feature is given in norms
  std::vector<uint8_t> is_char_;  // per feature: 1 = char group
  // Linear classifiers ("heads"), each over features [0, lr_features_) of the groups in its
  // mask (1 word, 2 char, 3 both), int8 weights row-major per feature; their logits are averaged.
  struct Head {
    uint8_t mask = 3;
    std::vector<int8_t> weights;
    std::vector<float> row_scale;
    std::vector<float> bias;
  };
  size_t lr_features_ = 0;
  std::vector<Head> heads_;
  // BM25 over word-group features: postings per feature id (CSR).
  std::vector<uint32_t> post_offset_;
  std::vector<uint32_t> post_sentence_;
  std::vector<float> post_weight_;
  std::vector<float> bm25_idf_;
  std::vector<uint32_t> sentence_class_;
  float avg_len_ = 1.0f;
  bool bm25_chars_ = false;
};

}  // namespace kefu::bot::nlu::internal
