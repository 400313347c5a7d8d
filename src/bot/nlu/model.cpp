// Model: training from a knowledge base, calibration, out-of-scope threshold, prediction,
// serialization.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "bot/nlu/internal/core.hpp"
#include "bot/nlu/internal/features.hpp"
#include "bot/nlu/internal/serial.hpp"
#include "bot/nlu/internal/text.hpp"
#include "bot/nlu/nlu.hpp"

namespace kefu::bot::nlu {

using internal::Core;
using internal::Features;
using internal::Scores;

namespace {

constexpr std::string_view kMagic = "KEFUNLU\x02";
constexpr size_t kMetaDims = 9;
constexpr double kDefaultThreshold = 0.5;
// The calibrator's ridge: negligible with thousands of held-out questions, a sensible prior
// with a few dozen (small knowledge bases).
constexpr double kRidge = 1.0;

double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// Logistic regression on a handful of meta-features by Newton's method (IRLS) with a small ridge.
std::vector<double> FitCalibrator(const std::vector<std::vector<double>>& x,
                                  const std::vector<int>& y) {
  const size_t d = kMetaDims;
  std::vector<double> w(d, 0.0);
  for (int iter = 0; iter < 25; ++iter) {
    std::vector<double> grad(d, 0.0);
    std::vector<double> hess(d * d, 0.0);
    for (size_t i = 0; i < x.size(); ++i) {
      double z = 0;
      for (size_t k = 0; k < d; ++k) z += w[k] * x[i][k];
      double p = Sigmoid(z);
      double r = p - y[i];
      double s = std::max(p * (1 - p), 1e-6);
      for (size_t a = 0; a < d; ++a) {
        grad[a] += r * x[i][a];
        for (size_t b = 0; b < d; ++b) hess[a * d + b] += s * x[i][a] * x[i][b];
      }
    }
    for (size_t a = 0; a < d; ++a) {
      grad[a] += kRidge * w[a];
      hess[a * d + a] += kRidge;
    }
    // Solve hess · step = grad (Gaussian elimination with partial pivoting).
    std::vector<double> m = hess;
    std::vector<double> step = grad;
    bool singular = false;
    for (size_t col = 0; col < d && !singular; ++col) {
      size_t pivot = col;
      for (size_t r = col + 1; r < d; ++r) {
        if (std::fabs(m[r * d + col]) > std::fabs(m[pivot * d + col])) pivot = r;
      }
      if (std::fabs(m[pivot * d + col]) < 1e-12) {
        singular = true;
        break;
      }
      if (pivot != col) {
        for (size_t k = 0; k < d; ++k) std::swap(m[col * d + k], m[pivot * d + k]);
        std::swap(step[col], step[pivot]);
      }
      for (size_t r = 0; r < d; ++r) {
        if (r == col) continue;
        double f = m[r * d + col] / m[col * d + col];
        for (size_t k = col; k < d; ++k) m[r * d + k] -= f * m[col * d + k];
        step[r] -= f * step[col];
      }
    }
    if (singular) break;
    double change = 0;
    for (size_t a = 0; a < d; ++a) {
      double delta = step[a] / m[a * d + a];
      w[a] -= delta;
      change = std::max(change, std::fabs(delta));
    }
    if (change < 1e-6) break;
  }
  return w;
}

struct HeldOut {
  double confidence;
  bool in_scope;
  bool correct;
};

// The threshold that rejects at most `max_loss` of the held-out questions answered correctly:
// the `max_loss` quantile of their confidences. Everything less confident than the answers the
// model gets right is out of scope, which is where held-out classes (pseudo out-of-scope) land
// once the calibrator has learnt to tell them apart.
double PickThreshold(const std::vector<HeldOut>& rows, double max_loss,
                     double pseudo_oos_rejection) {
  std::vector<double> correct, oos;
  for (const auto& r : rows) {
    if (r.in_scope && r.correct) correct.push_back(r.confidence);
    if (!r.in_scope) oos.push_back(r.confidence);
  }
  if (correct.size() < 20) return kDefaultThreshold;
  std::sort(correct.begin(), correct.end());
  auto at = static_cast<size_t>(max_loss * static_cast<double>(correct.size()));
  at = std::min(at, correct.size() - 1);
  // Just below the quantile's confidence, so that the quantile itself is still answered.
  double t = std::max(0.0, correct[at] - 1e-9);
  if (oos.size() >= 20 && pseudo_oos_rejection < 1.0) {
    std::sort(oos.begin(), oos.end());
    auto q = static_cast<size_t>(pseudo_oos_rejection * static_cast<double>(oos.size()));
    t = std::min(t, oos[std::min(q, oos.size() - 1)]);
  }
  return t;
}

Core::Options CoreOptions(const TrainOptions& o) {
  Core::Options c;
  c.epochs = o.epochs;
  c.learning_rate = o.learning_rate;
  c.l2 = o.l2;
  c.hinge_margin = o.hinge_margin;
  c.max_features = o.max_features;
  c.max_dense_weights = o.max_dense_weights;
  c.min_lr_features = o.min_lr_features;
  c.retrieval_weight = o.retrieval_weight;
  c.char_weight = o.char_weight;
  c.bm25_max_postings = o.bm25_max_postings;
  c.seed = o.seed;
  return c;
}

}  // namespace

// Classes are topics: the entries of one topic (TopicOf) in different languages train one
// class together, so a topic's Chinese, English and Spanish sentences all teach it (they share
// cross-language lexicon concepts and Latin tokens like "USDT" or "KYC"), and the answer is then
// the topic's entry in the asker's language. Two entries with the same topic and language keep
// classes of their own.
struct Model::Impl {
  std::vector<std::string> ids;  // per entry
  std::vector<Lang> langs;       // per entry
  std::vector<uint32_t> entry_class;
  std::vector<std::array<int32_t, 3>> class_entries;  // per class: entry per Lang, or -1
  std::unordered_map<std::string_view, uint32_t> entry_of_id;
  std::array<bool, 3> has_lang{false, false, false};
  Core core;
  std::vector<double> calibrator;  // kMetaDims weights; empty: confidence = p1
  double threshold = kDefaultThreshold;
  double train_seconds = 0;

  void GroupTopics() {
    entry_class.assign(ids.size(), 0);
    class_entries.clear();
    std::unordered_map<std::string, uint32_t> by_topic;
    for (size_t e = 0; e < ids.size(); ++e) {
      const auto l = static_cast<size_t>(langs[e]);
      auto [it, fresh] =
          by_topic.try_emplace(TopicOf(ids[e]), static_cast<uint32_t>(class_entries.size()));
      if (fresh || class_entries[it->second][l] >= 0) {
        if (!fresh) {
          // The topic already has an entry in this language: this entry is a class of its own.
          it = by_topic
                   .insert_or_assign("\x01" + ids[e], static_cast<uint32_t>(class_entries.size()))
                   .first;
        }
        class_entries.push_back({-1, -1, -1});
      }
      class_entries[it->second][l] = static_cast<int32_t>(e);
      entry_class[e] = it->second;
    }
    Index();
  }

  void Index() {
    entry_of_id.clear();
    has_lang = {false, false, false};
    for (size_t e = 0; e < ids.size(); ++e) {
      entry_of_id.emplace(ids[e], static_cast<uint32_t>(e));
      has_lang[static_cast<size_t>(langs[e])] = true;
    }
  }

  // The entry that answers class `c` for an asker of `lang`: the class's entry in that language,
  // else in English, Chinese, Spanish, in that order.
  uint32_t EntryFor(uint32_t c, Lang lang) const {
    const auto& slots = class_entries[c];
    if (slots[static_cast<size_t>(lang)] >= 0)
      return static_cast<uint32_t>(slots[static_cast<size_t>(lang)]);
    for (Lang l : {Lang::en, Lang::zh, Lang::es}) {
      if (slots[static_cast<size_t>(l)] >= 0)
        return static_cast<uint32_t>(slots[static_cast<size_t>(l)]);
    }
    return 0;  // unreachable: every class has an entry
  }

  double Confidence(const Scores& s) const {
    if (s.empty) return 0.0;
    if (calibrator.size() != kMetaDims) return s.p1;
    std::vector<double> x = internal::MetaFeatures(s);
    double z = 0;
    for (size_t k = 0; k < kMetaDims; ++k) z += calibrator[k] * x[k];
    return Sigmoid(z);
  }

  // The language whose stemmer and lexicon apply: the text's, unless the knowledge base has no
  // entry in it and has one in the other Latin-script language.
  Lang FeatureLang(Lang lang) const {
    if (has_lang[static_cast<size_t>(lang)] || lang == Lang::zh) return lang;
    Lang other = lang == Lang::en ? Lang::es : Lang::en;
    return has_lang[static_cast<size_t>(other)] ? other : lang;
  }
};

Model::Model() : impl_(std::make_unique<Impl>()) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

Result<Model> Model::Train(const std::vector<store::KbEntry>& entries,
                           const TrainOptions& options) {
  auto started = std::chrono::steady_clock::now();
  if (entries.empty()) return MakeError(Code::invalid, "the knowledge base is empty");
  Model model;
  Impl& m = *model.impl_;
  std::unordered_set<std::string> seen_ids;
  std::vector<Features> features;
  std::vector<uint32_t> labels;
  std::vector<bool> is_question;
  // Train in id order: the seeded hold-out that picks the out-of-scope threshold then depends on
  // the knowledge base, not on the order a file or the store happened to list it.
  std::vector<const store::KbEntry*> ordered;
  ordered.reserve(entries.size());
  for (const auto& e : entries) ordered.push_back(&e);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const store::KbEntry* a, const store::KbEntry* b) { return a->id < b->id; });
  for (size_t c = 0; c < ordered.size(); ++c) {
    const auto& e = *ordered[c];
    if (e.id.empty())
      return MakeError(Code::invalid, "an entry has no id (question: '" + e.question.substr(0, 40) + "')");
    if (e.question.empty()) return MakeError(Code::invalid, "entry '" + e.id + "' has no question");
    if (!seen_ids.insert(e.id).second)
      return MakeError(Code::invalid, "duplicate id '" + e.id + "'");
    Lang lang = ParseLang(e.lang).value_or(DetectLanguage(e.question));
    m.ids.push_back(e.id);
    m.langs.push_back(lang);
    std::unordered_set<std::string> texts;
    auto add = [&](const std::string& text, bool question) {
      std::string norm = Normalise(text);
      if (norm.empty() || !texts.insert(norm).second) return;
      features.push_back(internal::Extract(norm, lang));
      labels.push_back(static_cast<uint32_t>(c));  // the entry for now; its class below
      is_question.push_back(question);
    };
    add(e.question, true);
    for (const auto& v : e.variants) add(v, false);
  }
  m.GroupTopics();
  for (auto& label : labels) label = m.entry_class[label];
  const size_t classes = m.class_entries.size();
  const Core::Options core_options = CoreOptions(options);

  // ---- calibration on a held-out split of the knowledge base itself ----
  std::mt19937_64 rng(options.seed * 7919 + 17);
  std::vector<uint32_t> class_order(classes);
  std::iota(class_order.begin(), class_order.end(), 0u);
  std::shuffle(class_order.begin(), class_order.end(), rng);
  const size_t oos_classes =
      classes >= 5 ? static_cast<size_t>(
                         std::lround(static_cast<double>(classes) * options.holdout_fraction))
                   : 0;
  std::vector<bool> class_is_oos(classes, false);
  for (size_t i = 0; i < oos_classes; ++i) class_is_oos[class_order[i]] = true;
  std::vector<std::vector<size_t>> by_class(classes);
  for (size_t i = 0; i < labels.size(); ++i) by_class[labels[i]].push_back(i);
  std::vector<const Features*> aux_train;
  std::vector<uint32_t> aux_labels;
  std::vector<size_t> held_in, held_oos;
  std::vector<uint32_t> aux_class_of(classes, 0);  // original class → aux class
  uint32_t aux_classes = 0;
  for (size_t c = 0; c < classes; ++c) {
    if (!class_is_oos[c]) aux_class_of[c] = aux_classes++;
  }
  for (size_t c = 0; c < classes; ++c) {
    auto& idx = by_class[c];
    if (class_is_oos[c]) {
      held_oos.insert(held_oos.end(), idx.begin(), idx.end());
      continue;
    }
    std::shuffle(idx.begin(), idx.end(), rng);
    size_t hold =
        idx.size() >= 3
            ? std::max<size_t>(1, static_cast<size_t>(std::lround(static_cast<double>(idx.size()) *
                                                                  options.holdout_fraction)))
            : 0;
    size_t held = 0;
    for (size_t i : idx) {
      if (held < hold && !is_question[i]) {
        held_in.push_back(i);
        ++held;
      } else {
        aux_train.push_back(&features[i]);
        aux_labels.push_back(aux_class_of[c]);
      }
    }
  }
  if (!held_in.empty() && aux_classes >= 2) {
    Core aux = Core::Train(aux_train, aux_labels, aux_classes, core_options);
    Scores s;
    std::vector<std::vector<double>> meta;
    std::vector<int> correct;
    std::vector<bool> in_scope;
    auto ask = [&](size_t i, bool inside) {
      aux.Score(features[i], 2, s);
      meta.push_back(internal::MetaFeatures(s));
      bool ok = inside && !s.empty && s.order[0] == aux_class_of[labels[i]];
      correct.push_back(ok ? 1 : 0);
      in_scope.push_back(inside);
    };
    for (size_t i : held_in) ask(i, true);
    for (size_t i : held_oos) ask(i, false);
    m.calibrator = FitCalibrator(meta, correct);
    std::vector<HeldOut> rows;
    for (size_t r = 0; r < meta.size(); ++r) {
      double z = 0;
      for (size_t k = 0; k < kMetaDims; ++k) z += m.calibrator[k] * meta[r][k];
      rows.push_back({Sigmoid(z), in_scope[r], correct[r] == 1});
    }
    m.threshold = PickThreshold(rows, options.max_answer_loss, options.pseudo_oos_rejection);
  }
  if (options.threshold) m.threshold = *options.threshold;

  // ---- the model itself, on everything ----
  std::vector<const Features*> all;
  all.reserve(features.size());
  for (const auto& f : features) all.push_back(&f);
  m.core = Core::Train(all, labels, classes, core_options);
  m.train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return model;
}

Prediction Model::Predict(std::string_view text, std::optional<Lang> lang, size_t top_k) const {
  const Impl& m = *impl_;
  Prediction p;
  std::string norm = Normalise(text);
  p.lang = lang ? *lang : internal::DetectLanguageNormalised(text, norm);
  if (m.ids.empty()) return p;
  Features f = internal::Extract(norm, m.FeatureLang(p.lang));
  thread_local Scores s;
  m.core.Score(f, std::max<size_t>(top_k, 2), s);
  if (s.empty) return p;
  p.confidence = m.Confidence(s);
  for (size_t i = 0; i < s.order.size() && i < top_k; ++i) {
    p.top.emplace_back(m.ids[m.EntryFor(s.order[i], p.lang)], s.top_p[i]);
  }
  if (p.confidence >= m.threshold) p.faq_id = p.top[0].first;
  return p;
}

std::optional<std::string> Model::InLanguage(std::string_view faq_id, Lang lang) const {
  const Impl& m = *impl_;
  auto it = m.entry_of_id.find(faq_id);
  if (it == m.entry_of_id.end()) return std::nullopt;
  int32_t e = m.class_entries[m.entry_class[it->second]][static_cast<size_t>(lang)];
  if (e < 0) return std::nullopt;
  return m.ids[static_cast<size_t>(e)];
}

double Model::threshold() const { return impl_->threshold; }

ModelStats Model::Stats() const {
  const Impl& m = *impl_;
  ModelStats s;
  s.entries = m.ids.size();
  s.classes = m.class_entries.size();
  s.sentences = m.core.sentences();
  s.features = m.core.features();
  s.linear_classifier = m.core.has_linear();
  s.threshold = m.threshold;
  s.train_seconds = m.train_seconds;
  s.memory_bytes = m.core.MemoryBytes() + m.class_entries.size() * 12 + m.entry_class.size() * 4 +
                   m.entry_of_id.size() * 40;
  for (const auto& id : m.ids) s.memory_bytes += sizeof(std::string) + id.capacity() + 1;
  return s;
}

std::string Model::Serialize() const {
  const Impl& m = *impl_;
  std::string out(kMagic);
  internal::PutU64(out, m.ids.size());
  for (size_t c = 0; c < m.ids.size(); ++c) {
    internal::PutString(out, m.ids[c]);
    internal::PutU64(out, static_cast<uint64_t>(m.langs[c]));
  }
  internal::PutVec(out, m.entry_class);
  internal::PutVec(out, m.calibrator);
  internal::PutF64(out, m.threshold);
  internal::PutF64(out, m.train_seconds);
  m.core.Write(out);
  return out;
}

Result<Model> Model::Deserialize(std::string_view bytes) {
  auto bad = [] { return MakeError(Code::invalid, "not a kefu NLU model (or a corrupt one)"); };
  if (bytes.substr(0, kMagic.size()) != kMagic) return bad();
  size_t pos = kMagic.size();
  Model model;
  Impl& m = *model.impl_;
  uint64_t n = 0;
  if (!internal::GetU64(bytes, pos, n) || n > bytes.size()) return bad();
  for (uint64_t c = 0; c < n; ++c) {
    std::string id;
    uint64_t lang = 0;
    if (!internal::GetString(bytes, pos, id) || !internal::GetU64(bytes, pos, lang) || lang > 2) {
      return bad();
    }
    m.ids.push_back(std::move(id));
    m.langs.push_back(static_cast<Lang>(lang));
  }
  if (!internal::GetVec(bytes, pos, m.entry_class) || m.entry_class.size() != n ||
      !internal::GetVec(bytes, pos, m.calibrator) || !internal::GetF64(bytes, pos, m.threshold) ||
      !internal::GetF64(bytes, pos, m.train_seconds) || !m.core.Read(bytes, pos) ||
      pos != bytes.size()) {
    return bad();
  }
  if (!m.calibrator.empty() && m.calibrator.size() != kMetaDims) return bad();
  m.class_entries.assign(m.core.classes(), {-1, -1, -1});
  for (size_t e = 0; e < n; ++e) {
    if (m.entry_class[e] >= m.class_entries.size()) return bad();
    auto& slot = m.class_entries[m.entry_class[e]][static_cast<size_t>(m.langs[e])];
    if (slot >= 0) return bad();
    slot = static_cast<int32_t>(e);
  }
  for (const auto& slots : m.class_entries) {
    if (slots[0] < 0 && slots[1] < 0 && slots[2] < 0) return bad();
  }
  m.Index();
  return model;
}

}  // namespace kefu::bot::nlu
