#include "bot/nlu/internal/core.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <unordered_map>

#include "bot/nlu/internal/serial.hpp"

namespace kefu::bot::nlu::internal {

namespace {

constexpr float kK1 = 1.2f;
constexpr float kB = 0.75f;

struct FeatureCount {
  uint32_t id;
  uint32_t tf;
};

// Unique known ids of `hashes` with their term frequencies, sorted by id.
void CountIds(const std::vector<uint64_t>& hashes, const FeatureIndex& index,
              std::vector<FeatureCount>& out) {
  out.clear();
  for (uint64_t h : hashes) {
    int64_t id = index.Find(h);
    if (id >= 0) out.push_back({static_cast<uint32_t>(id), 1});
  }
  std::sort(out.begin(), out.end(), [](auto a, auto b) { return a.id < b.id; });
  size_t w = 0;
  for (size_t r = 0; r < out.size(); ++r) {
    if (w > 0 && out[w - 1].id == out[r].id) {
      ++out[w - 1].tf;
    } else {
      out[w++] = out[r];
    }
  }
  out.resize(w);
}

// Per-thread scratch space for scoring, so that Score allocates nothing in steady state.
struct Scratch {
  std::vector<float> sentence_score;
  std::vector<uint32_t> touched;
  std::vector<uint32_t> candidates;
  std::vector<float> lr_logits;
  std::vector<FeatureCount> counts;
  std::vector<FeatureCount> char_counts;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

void FeatureIndex::Build(const std::vector<uint64_t>& keys) {
  ordered_ = keys;
  size_ = keys.size();
  size_t capacity = 16;
  while (capacity < keys.size() * 2) capacity <<= 1;
  keys_.assign(capacity, 0);
  values_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (size_t i = 0; i < keys.size(); ++i) {
    uint64_t slot = keys[i] & mask_;
    while (keys_[slot] != 0) slot = (slot + 1) & mask_;
    keys_[slot] = keys[i];
    values_[slot] = static_cast<uint32_t>(i);
  }
}

std::vector<double> MetaFeatures(const Scores& s) {
  double margin = s.p1 - s.p2;
  double top_bm25 = s.order.empty() ? 0.0 : s.bm25[s.order[0]];
  return {1.0,
          s.p1,
          margin,
          std::min(top_bm25, 1.5),
          std::min(s.bm25_max, 1.5),
          s.lr_p1,
          std::log(s.p1 + 1e-6),
          s.known_words,
          s.known_chars};
}

SparseVec Core::Vectorize(const Features& f, uint8_t mask) const {
  auto& counts = ThreadScratch().counts;
  SparseVec v;
  double norm[2] = {0, 0};
  for (int group = 0; group < 2; ++group) {
    if ((mask & (1 << group)) == 0) continue;
    const auto& hashes = group == 0 ? f.word : f.chars;
    CountIds(hashes, index_, counts);
    size_t known = 0;
    for (auto [id, tf] : counts) {
      float value = (1.0f + std::log(static_cast<float>(tf))) * idf_[id];
      v.ids.push_back(id);
      v.values.push_back(value);
      norm[group] += static_cast<double>(value) * value;
      known += tf;
    }
    // Unknown features keep their share of the norm (as the rarest known ones would), so a text
    // that is mostly unknown gets a short vector and low scores, not a confident answer built
    // from its one familiar word.
    norm[group] += static_cast<double>(hashes.size() - known) * max_idf_ * max_idf_;
  }
  const double cw = mask == 3 ? char_weight_ : 1.0;
  double scale[2] = {norm[0] > 0 ? 1.0 / std::sqrt(norm[0]) : 0.0,
                     norm[1] > 0 ? cw / std::sqrt(norm[1]) : 0.0};
  double total = (norm[0] > 0 ? 1.0 : 0.0) + (norm[1] > 0 ? cw * cw : 0.0);
  double unit = total > 0 ? 1.0 / std::sqrt(total) : 0.0;
  for (size_t i = 0; i < v.ids.size(); ++i) {
    v.values[i] = static_cast<float>(v.values[i] * scale[is_char_[v.ids[i]]] * unit);
  }
  return v;
}

Core Core::Train(const std::vector<const Features*>& sentences, const std::vector<uint32_t>& labels,
                 size_t num_classes, const Options& options) {
  Core core;
  core.num_classes_ = num_classes;
  core.char_weight_ = static_cast<float>(options.char_weight);
  core.retrieval_weight_ = static_cast<float>(options.retrieval_weight);
  core.bm25_chars_ = options.bm25_chars;
  const size_t n = sentences.size();

  // ---- dictionary: document frequency per hash, most frequent first, capped ----
  std::unordered_map<uint64_t, std::pair<uint32_t, uint8_t>> df;  // hash → (df, is_char)
  df.reserve(n * 32);
  std::vector<uint64_t> seen;
  for (const Features* f : sentences) {
    for (int group = 0; group < 2; ++group) {
      seen = group == 0 ? f->word : f->chars;
      std::sort(seen.begin(), seen.end());
      seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
      for (uint64_t h : seen) {
        auto& entry = df[h];
        ++entry.first;
        entry.second = static_cast<uint8_t>(group);
      }
    }
  }
  std::vector<std::pair<uint64_t, std::pair<uint32_t, uint8_t>>> ranked(df.begin(), df.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second.first != b.second.first ? a.second.first > b.second.first : a.first < b.first;
  });
  if (ranked.size() > options.max_features) ranked.resize(options.max_features);
  std::vector<uint64_t> keys;
  keys.reserve(ranked.size());
  core.idf_.reserve(ranked.size());
  core.is_char_.reserve(ranked.size());
  core.bm25_idf_.reserve(ranked.size());
  const double nd = static_cast<double>(n);
  for (const auto& [hash, info] : ranked) {
    keys.push_back(hash);
    double d = info.first;
    core.idf_.push_back(static_cast<float>(std::log((nd + 1) / (d + 1)) + 1.0));
    core.is_char_.push_back(info.second);
    core.bm25_idf_.push_back(((info.second == 0 || options.bm25_chars) &&
                              d <= static_cast<double>(options.bm25_max_postings))
                                 ? static_cast<float>(std::log(1.0 + (nd - d + 0.5) / (d + 0.5)))
                                 : 0.0f);
  }
  core.index_.Build(keys);
  core.max_idf_ = static_cast<float>(std::log((nd + 1) / 2) + 1.0);
  const size_t dims = keys.size();

  // ---- BM25 postings over the word group ----
  {
    std::vector<std::vector<FeatureCount>> doc_counts(n);
    double total_len = 0;
    std::vector<uint32_t> lengths(n, 0);
    std::vector<uint32_t> counts_per_feature(dims + 1, 0);
    for (size_t i = 0; i < n; ++i) {
      if (options.bm25_chars) {
        std::vector<uint64_t> both = sentences[i]->word;
        both.insert(both.end(), sentences[i]->chars.begin(), sentences[i]->chars.end());
        CountIds(both, core.index_, doc_counts[i]);
      } else {
        CountIds(sentences[i]->word, core.index_, doc_counts[i]);
      }
      for (auto [id, tf] : doc_counts[i]) {
        lengths[i] += tf;
        if (core.bm25_idf_[id] > 0) ++counts_per_feature[id];
      }
      total_len += lengths[i];
    }
    core.avg_len_ = n > 0 ? static_cast<float>(std::max(1.0, total_len / nd)) : 1.0f;
    core.post_offset_.assign(dims + 1, 0);
    for (size_t d = 0; d < dims; ++d)
      core.post_offset_[d + 1] = core.post_offset_[d] + counts_per_feature[d];
    core.post_sentence_.resize(core.post_offset_[dims]);
    core.post_weight_.resize(core.post_offset_[dims]);
    std::vector<uint32_t> fill(core.post_offset_.begin(), core.post_offset_.end() - 1);
    for (size_t i = 0; i < n; ++i) {
      float norm_len = kK1 * (1 - kB + kB * static_cast<float>(lengths[i]) / core.avg_len_);
      for (auto [id, tf] : doc_counts[i]) {
        if (core.bm25_idf_[id] <= 0) continue;
        float t = static_cast<float>(tf);
        uint32_t at = fill[id]++;
        core.post_sentence_[at] = static_cast<uint32_t>(i);
        core.post_weight_[at] = core.bm25_idf_[id] * t * (kK1 + 1) / (t + norm_len);
      }
    }
    core.sentence_class_ = labels;
  }

  // ---- linear classifier: multiclass hinge (or softmax) loss by SGD, dense while it fits ----
  size_t lr_dims = std::min(dims, options.max_dense_weights / std::max<size_t>(num_classes, 1));
  if (num_classes < 2 || lr_dims < std::min(options.min_lr_features, dims) || options.epochs <= 0) {
    return core;
  }
  core.lr_features_ = lr_dims;
  {
    const uint8_t head_mask = 3;  // one head over both groups (separate heads did not help)
    Head head;
    head.mask = head_mask;
    std::vector<SparseVec> vecs(n);
    for (size_t i = 0; i < n; ++i) {
      SparseVec v = core.Vectorize(*sentences[i], head_mask);
      SparseVec kept;
      for (size_t k = 0; k < v.ids.size(); ++k) {
        if (v.ids[k] < lr_dims) {
          kept.ids.push_back(v.ids[k]);
          kept.values.push_back(v.values[k]);
        }
      }
      vecs[i] = std::move(kept);
    }
    const size_t classes = num_classes;
    std::vector<float> w(lr_dims * classes, 0.0f);
    std::vector<float> bias(classes, 0.0f);
    std::vector<float> z(classes);
    double scale = 1.0;  // true weights = scale · w (lazy L2 decay)
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::mt19937_64 rng(options.seed);
    const double total_steps = static_cast<double>(options.epochs) * static_cast<double>(n);
    double step = 0;
    for (int epoch = 0; epoch < options.epochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t i : order) {
        const SparseVec& x = vecs[i];
        const double lr = options.learning_rate * std::max(0.02, 1.0 - step / total_steps);
        step += 1;
        std::copy(bias.begin(), bias.end(), z.begin());
        const float fs = static_cast<float>(scale);
        for (size_t k = 0; k < x.ids.size(); ++k) {
          const float a = x.values[k] * fs;
          const float* row = &w[static_cast<size_t>(x.ids[k]) * classes];
          for (size_t c = 0; c < classes; ++c) z[c] += a * row[c];
        }
        scale *= (1.0 - lr * options.l2);
        if (scale < 1e-4) {
          for (float& v : w) v *= static_cast<float>(scale);
          scale = 1.0;
        }
        const float step_over_scale = static_cast<float>(lr / scale);
        const float lr_bias = static_cast<float>(lr * 0.1);
        const uint32_t y = labels[i];
        if (options.hinge_margin > 0) {
          // Crammer–Singer hinge: the gold class must beat the best rival by a margin; only
          // those two classes move, so the update touches two weights per feature.
          uint32_t rival = y == 0 ? 1 : 0;
          for (uint32_t c = 0; c < classes; ++c) {
            if (c != y && z[c] > z[rival]) rival = c;
          }
          if (z[rival] + static_cast<float>(options.hinge_margin) <= z[y]) continue;
          for (size_t k = 0; k < x.ids.size(); ++k) {
            const float a = x.values[k] * step_over_scale;
            float* row = &w[static_cast<size_t>(x.ids[k]) * classes];
            row[rival] -= a;
            row[y] += a;
          }
          bias[rival] -= lr_bias;
          bias[y] += lr_bias;
          continue;
        }
        float zmax = *std::max_element(z.begin(), z.end());
        float sum = 0;
        for (size_t c = 0; c < classes; ++c) {
          z[c] = std::exp(z[c] - zmax);
          sum += z[c];
        }
        const float inv = 1.0f / sum;
        for (size_t c = 0; c < classes; ++c) z[c] *= inv;  // z is now p
        z[y] -= 1.0f;                                      // gradient of the loss wrt logits
        for (size_t k = 0; k < x.ids.size(); ++k) {
          const float a = x.values[k] * step_over_scale;
          float* row = &w[static_cast<size_t>(x.ids[k]) * classes];
          for (size_t c = 0; c < classes; ++c) row[c] -= a * z[c];
        }
        for (size_t c = 0; c < classes; ++c) bias[c] -= lr_bias * z[c];
      }
    }
    // Quantise each feature's row to int8 with its own scale.
    head.weights.resize(lr_dims * classes);
    head.row_scale.resize(lr_dims);
    for (size_t d = 0; d < lr_dims; ++d) {
      float* row = &w[d * classes];
      float max_abs = 0;
      for (size_t c = 0; c < classes; ++c) max_abs = std::max(max_abs, std::fabs(row[c]));
      max_abs *= static_cast<float>(scale);
      float q = max_abs > 0 ? 127.0f / max_abs : 0.0f;
      head.row_scale[d] = max_abs > 0 ? max_abs / 127.0f : 0.0f;
      for (size_t c = 0; c < classes; ++c) {
        head.weights[d * classes + c] =
            static_cast<int8_t>(std::lround(row[c] * static_cast<float>(scale) * q));
      }
    }
    head.bias = std::move(bias);
    core.heads_.push_back(std::move(head));
  }
  return core;
}

void Core::Score(const Features& f, size_t top, Scores& out) const {
  const size_t classes = num_classes_;
  out.logits.assign(classes, 0.0f);
  out.bm25.assign(classes, 0.0f);
  out.order.clear();
  out.top_p.clear();
  out.p1 = out.p2 = out.lr_p1 = out.bm25_max = 0;
  out.empty = true;
  Scratch& scratch = ThreadScratch();

  // BM25: best sentence per class, relative to the query's score against itself.
  auto& counts = scratch.counts;
  CountIds(f.word, index_, counts);
  size_t known_words = 0;
  for (auto [id, tf] : counts) known_words += tf;
  out.known_words =
      f.word.empty() ? 0.0 : static_cast<double>(known_words) / static_cast<double>(f.word.size());
  if (bm25_chars_) {
    auto& char_counts = scratch.char_counts;
    CountIds(f.chars, index_, char_counts);
    size_t known_chars = 0;
    for (auto [id, tf] : char_counts) known_chars += tf;
    out.known_chars = f.chars.empty()
                          ? 0.0
                          : static_cast<double>(known_chars) / static_cast<double>(f.chars.size());
    counts.insert(counts.end(), char_counts.begin(), char_counts.end());
  } else {
    size_t known_chars = 0;
    for (uint64_t h : f.chars) known_chars += index_.Find(h) >= 0;
    out.known_chars = f.chars.empty()
                          ? 0.0
                          : static_cast<double>(known_chars) / static_cast<double>(f.chars.size());
  }
  if (!counts.empty()) out.empty = false;
  if (scratch.sentence_score.size() < sentence_class_.size()) {
    scratch.sentence_score.assign(sentence_class_.size(), 0.0f);
  }
  uint32_t query_len = 0;
  for (auto [id, tf] : counts) query_len += tf;
  const float q_norm = kK1 * (1 - kB + kB * static_cast<float>(query_len) / avg_len_);
  float self = 0;
  for (auto [id, tf] : counts) {
    float idf = bm25_idf_[id];
    if (idf <= 0) continue;
    float t = static_cast<float>(tf);
    self += idf * t * (kK1 + 1) / (t + q_norm);
    // Branch-free accumulation: the touched sentences are found by one scan below, which is
    // cheaper than remembering them here (an unpredictable branch per posting).
    const uint32_t* sentence = post_sentence_.data();
    const float* weight = post_weight_.data();
    float* acc = scratch.sentence_score.data();
    for (uint32_t p = post_offset_[id]; p < post_offset_[id + 1]; ++p)
      acc[sentence[p]] += weight[p];
  }
  const float inv_self = self > 0 ? 1.0f / self : 0.0f;
  auto& candidates = scratch.candidates;  // classes BM25 touched
  candidates.clear();
  {
    float* acc = scratch.sentence_score.data();
    const size_t n = sentence_class_.size();
    for (size_t s = 0; s < n; ++s) {
      if (acc[s] == 0.0f) continue;
      float sim = acc[s] * inv_self;
      acc[s] = 0.0f;
      float& best = out.bm25[sentence_class_[s]];
      if (best == 0.0f) candidates.push_back(sentence_class_[s]);
      best = std::max(best, sim);
    }
  }

  // Linear classifiers: every class is a candidate.
  const bool linear = lr_features_ > 0;
  if (linear) {
    const float inv_heads = 1.0f / static_cast<float>(heads_.size());
    float* logits = out.logits.data();
    for (const Head& head : heads_) {
      SparseVec x = Vectorize(f, head.mask);
      if (!x.ids.empty()) out.empty = false;
      for (size_t c = 0; c < classes; ++c) logits[c] += inv_heads * head.bias[c];
      for (size_t k = 0; k < x.ids.size(); ++k) {
        if (x.ids[k] >= lr_features_) continue;
        const float a = inv_heads * x.values[k] * head.row_scale[x.ids[k]];
        const int8_t* row = &head.weights[static_cast<size_t>(x.ids[k]) * classes];
        for (size_t c = 0; c < classes; ++c) logits[c] += a * static_cast<float>(row[c]);
      }
    }
    scratch.lr_logits.assign(out.logits.begin(), out.logits.end());
    candidates.resize(classes);
    std::iota(candidates.begin(), candidates.end(), 0u);
  }
  if (candidates.empty()) {
    out.empty = true;
    return;
  }
  for (uint32_t c : candidates) {
    out.bm25_max = std::max<double>(out.bm25_max, out.bm25[c]);
    out.logits[c] += retrieval_weight_ * out.bm25[c];
  }

  // Rank the candidates; normalise over all classes (those BM25 did not touch have logit 0 when
  // there is no linear classifier).
  top = std::min(std::max<size_t>(top, 2), candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + static_cast<long>(top),
                    candidates.end(),
                    [&](uint32_t a, uint32_t b) { return out.logits[a] > out.logits[b]; });
  out.order.assign(candidates.begin(), candidates.begin() + static_cast<long>(top));
  const double zmax = std::max(out.logits[out.order[0]], linear ? out.logits[out.order[0]] : 0.0f);
  double sum = 0;
  for (uint32_t c : candidates) sum += std::exp(static_cast<double>(out.logits[c]) - zmax);
  if (!linear) sum += static_cast<double>(classes - candidates.size()) * std::exp(-zmax);
  for (uint32_t c : out.order)
    out.top_p.push_back(std::exp(static_cast<double>(out.logits[c]) - zmax) / sum);
  out.p1 = out.top_p[0];
  out.p2 = out.top_p.size() > 1 ? out.top_p[1] : 0.0;
  if (linear) {
    const auto& lr = scratch.lr_logits;
    const float lmax = *std::max_element(lr.begin(), lr.end());
    double lsum = 0;
    for (float l : lr) lsum += std::exp(static_cast<double>(l - lmax));
    out.lr_p1 = std::exp(static_cast<double>(lr[out.order[0]] - lmax)) / lsum;
  } else {
    out.lr_p1 = out.p1;
  }
}

size_t Core::MemoryBytes() const {
  return index_.MemoryBytes() + idf_.capacity() * 4 + is_char_.capacity() + HeadBytes() +
         post_offset_.capacity() * 4 + post_sentence_.capacity() * 4 + post_weight_.capacity() * 4 +
         bm25_idf_.capacity() * 4 + sentence_class_.capacity() * 4;
}

size_t Core::HeadBytes() const {
  size_t bytes = 0;
  for (const Head& head : heads_) {
    bytes += head.weights.capacity() + head.row_scale.capacity() * 4 + head.bias.capacity() * 4;
  }
  return bytes;
}

bool Core::ReadHeads(std::string_view in, size_t& pos) {
  uint64_t count = 0;
  if (!GetU64(in, pos, count) || count > 8) return false;
  heads_.resize(count);
  for (Head& head : heads_) {
    uint64_t mask = 0;
    if (!GetU64(in, pos, mask) || !GetVec(in, pos, head.weights) ||
        !GetVec(in, pos, head.row_scale) || !GetVec(in, pos, head.bias)) {
      return false;
    }
    head.mask = static_cast<uint8_t>(mask);
  }
  return true;
}

void Core::Write(std::string& out) const {
  PutU64(out, num_classes_);
  PutF32(out, char_weight_);
  PutF32(out, retrieval_weight_);
  PutVec(out, index_.keys_in_order());
  PutVec(out, idf_);
  PutVec(out, is_char_);
  PutU64(out, lr_features_);
  PutU64(out, heads_.size());
  for (const Head& head : heads_) {
    PutU64(out, head.mask);
    PutVec(out, head.weights);
    PutVec(out, head.row_scale);
    PutVec(out, head.bias);
  }
  PutVec(out, post_offset_);
  PutVec(out, post_sentence_);
  PutVec(out, post_weight_);
  PutVec(out, bm25_idf_);
  PutVec(out, sentence_class_);
  PutF32(out, avg_len_);
  PutU64(out, bm25_chars_ ? 1 : 0);
}

bool Core::Read(std::string_view in, size_t& pos) {
  uint64_t classes = 0, lr = 0, bm25_chars = 0;
  std::vector<uint64_t> keys;
  if (!GetU64(in, pos, classes) || !GetF32(in, pos, char_weight_) ||
      !GetF32(in, pos, retrieval_weight_) || !GetVec(in, pos, keys) || !GetVec(in, pos, idf_) ||
      !GetVec(in, pos, is_char_) || !GetU64(in, pos, lr) || !ReadHeads(in, pos) ||
      !GetVec(in, pos, post_offset_) || !GetVec(in, pos, post_sentence_) ||
      !GetVec(in, pos, post_weight_) || !GetVec(in, pos, bm25_idf_) ||
      !GetVec(in, pos, sentence_class_) || !GetF32(in, pos, avg_len_) ||
      !GetU64(in, pos, bm25_chars)) {
    return false;
  }
  num_classes_ = classes;
  lr_features_ = lr;
  bm25_chars_ = bm25_chars != 0;
  const size_t dims = keys.size();
  // Check every invariant Score relies on, so that a corrupt model cannot read out of bounds.
  if (idf_.size() != dims || is_char_.size() != dims || bm25_idf_.size() != dims ||
      post_offset_.size() != dims + 1 || lr > dims || (lr > 0) != !heads_.empty() ||
      post_sentence_.size() != post_weight_.size() || post_offset_.front() != 0 ||
      post_offset_.back() != post_sentence_.size() || avg_len_ <= 0) {
    return false;
  }
  for (const Head& head : heads_) {
    if (head.weights.size() != lr * classes || head.row_scale.size() != lr ||
        head.bias.size() != classes || head.mask < 1 || head.mask > 3) {
      return false;
    }
  }
  for (size_t d = 0; d < dims; ++d) {
    if (post_offset_[d] > post_offset_[d + 1] || is_char_[d] > 1) return false;
  }
  for (uint32_t s : post_sentence_) {
    if (s >= sentence_class_.size()) return false;
  }
  for (uint32_t c : sentence_class_) {
    if (c >= classes) return false;
  }
  for (uint64_t k : keys) {
    if (k == 0) return false;
  }
  index_.Build(keys);
  max_idf_ = idf_.empty() ? 1.0f : *std::max_element(idf_.begin(), idf_.end());
  return true;
}

}  // namespace kefu::bot::nlu::internal
