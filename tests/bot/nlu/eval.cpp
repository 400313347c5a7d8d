#include "eval.hpp"

#include <opencc/opencc.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "core/text.hpp"

namespace kefu::bot::nlu::eval {

namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 4180 CSV with a header line; returns the rows after it.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      if (!(row.size() == 1 && row[0].empty())) rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  if (!rows.empty()) rows.erase(rows.begin());
  return rows;
}

using Labelled = std::vector<std::pair<std::string, std::string>>;  // (text, label)

// One entry per label, in first-seen order; the first sentence is the question.
std::vector<store::KbEntry> ToKb(const Labelled& train, const std::string& lang) {
  std::vector<store::KbEntry> kb;
  std::map<std::string, size_t> index;
  for (const auto& [text, label] : train) {
    auto [it, fresh] = index.try_emplace(label, kb.size());
    if (fresh) {
      store::KbEntry e;
      e.id = label;
      e.lang = lang;
      e.category = "eval";
      e.question = text;
      e.answer = label;
      kb.push_back(std::move(e));
    } else {
      kb[it->second].variants.push_back(text);
    }
  }
  return kb;
}

struct Asked {
  size_t right = 0, top1 = 0, total = 0;
  size_t rejected = 0, oos_total = 0;
  double seconds = 0;
  std::vector<double> in_conf_correct;  // confidence of in-scope queries whose top-1 is right
  std::vector<double> oos_conf;
};

// Reference only, never used to pick anything: the in-scope accuracy a threshold would give if it
// were set (with hindsight) to reject `recall` of the out-of-scope queries.
double AccuracyAtOosRecall(const Asked& a, double recall) {
  if (a.oos_conf.empty() || a.total == 0) return 0;
  std::vector<double> oos = a.oos_conf;
  std::sort(oos.begin(), oos.end());
  double t =
      oos[std::min(oos.size() - 1, static_cast<size_t>(recall * static_cast<double>(oos.size())))];
  size_t kept = 0;
  for (double c : a.in_conf_correct) kept += c >= t;
  return static_cast<double>(kept) / static_cast<double>(a.total);
}

void AskInScope(const Model& model, const Labelled& queries, Asked& a,
                std::optional<Lang> lang = {}) {
  auto t0 = Clock::now();
  for (const auto& [text, label] : queries) {
    Prediction p = model.Predict(text, lang, 1);
    ++a.total;
    a.right += p.faq_id == label;
    a.top1 += !p.top.empty() && p.top[0].first == label;
    if (!p.top.empty() && p.top[0].first == label)
      a.in_conf_correct.push_back(p.confidence);
    else if (std::getenv("KEFU_NLU_SHOW_ERRORS")) {
      std::fprintf(stderr, "miss: %s | want %s | got %s\n", text.c_str(), label.c_str(),
                   p.top.empty() ? "-" : p.top[0].first.c_str());
    }
  }
  a.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
}

void AskOutOfScope(const Model& model, const std::vector<std::string>& queries, Asked& a) {
  auto t0 = Clock::now();
  for (const auto& text : queries) {
    Prediction p = model.Predict(text, std::nullopt, 1);
    ++a.oos_total;
    a.rejected += p.faq_id.empty();
    a.oos_conf.push_back(p.confidence);
  }
  a.seconds += std::chrono::duration<double>(Clock::now() - t0).count();
}

// Reference only: out-of-scope recall if the threshold rejected `loss` of the correct answers.
double OosRecallAtLoss(const Asked& a, double loss) {
  if (a.oos_conf.empty() || a.in_conf_correct.empty()) return 0;
  std::vector<double> in = a.in_conf_correct;
  std::sort(in.begin(), in.end());
  double t =
      in[std::min(in.size() - 1, static_cast<size_t>(loss * static_cast<double>(in.size())))];
  size_t rejected = 0;
  for (double c : a.oos_conf) rejected += c < t;
  return static_cast<double>(rejected) / static_cast<double>(a.oos_conf.size());
}

DatasetResult Summarise(std::string name, const std::vector<store::KbEntry>& kb, const Model& model,
                        const Asked& a) {
  DatasetResult r;
  r.name = std::move(name);
  r.classes = kb.size();  // entries
  for (const auto& e : kb) r.train_sentences += 1 + e.variants.size();
  r.in_scope_queries = a.total;
  r.accuracy = a.total ? static_cast<double>(a.right) / static_cast<double>(a.total) : 0;
  r.accuracy_top1 = a.total ? static_cast<double>(a.top1) / static_cast<double>(a.total) : 0;
  r.oos_queries = a.oos_total;
  r.oos_recall =
      a.oos_total ? static_cast<double>(a.rejected) / static_cast<double>(a.oos_total) : 0;
  ModelStats stats = model.Stats();
  r.threshold = stats.threshold;
  r.train_seconds = stats.train_seconds;
  r.memory_bytes = stats.memory_bytes;
  r.linear_classifier = stats.linear_classifier;
  r.model_bytes = model.Serialize().size();
  size_t n = a.total + a.oos_total;
  r.predict_us_mean = n ? a.seconds * 1e6 / static_cast<double>(n) : 0;
  if (a.oos_total > 0) {
    r.extra.emplace_back("reference_accuracy_at_oos_recall_0.5", AccuracyAtOosRecall(a, 0.5));
    r.extra.emplace_back("reference_accuracy_at_oos_recall_0.6", AccuracyAtOosRecall(a, 0.6));
    if (std::getenv("KEFU_NLU_CURVE")) {
      for (double loss : {0.005, 0.01, 0.02, 0.03, 0.05}) {
        r.extra.emplace_back("reference_oos_recall_at_loss_" + std::to_string(loss),
                             OosRecallAtLoss(a, loss));
      }
    }
  }
  return r;
}

Model MustTrain(const std::vector<store::KbEntry>& kb, const TrainOptions& options) {
  auto model = Model::Train(kb, options);
  if (!model.ok()) throw std::runtime_error("training failed: " + model.error().message);
  return std::move(model).value();
}

class S2t {
 public:
  S2t() : handle_(opencc_open("/usr/share/opencc/s2tw.json")) {}
  ~S2t() {
    if (handle_ != reinterpret_cast<opencc_t>(-1)) opencc_close(handle_);
  }
  S2t(const S2t&) = delete;
  S2t& operator=(const S2t&) = delete;
  std::string operator()(const std::string& s) const {
    if (handle_ == reinterpret_cast<opencc_t>(-1)) return s;
    char* out = opencc_convert_utf8(handle_, s.data(), s.size());
    std::string r(out);
    opencc_convert_utf8_free(out);
    return r;
  }

 private:
  opencc_t handle_;
};

}  // namespace

DatasetResult RunBanking77(const EvalOptions& options) {
  auto train_rows = ParseCsv(ReadFile(options.data_dir + "/banking77/train.csv"));
  if (options.dev) {
    // Cross-validation on the train split: fold f holds out every sentence whose index within
    // its intent is f modulo `folds`.
    Asked a;
    std::vector<store::KbEntry> kb;
    std::optional<Model> model;
    for (int fold = 0; fold < options.folds; ++fold) {
      Labelled train, test;
      std::map<std::string, int> seen;
      for (auto& row : train_rows) {
        if (row.size() != 2) continue;
        (seen[row[1]]++ % (options.folds < 2 ? 10 : options.folds) == fold ? test : train)
            .emplace_back(row[0], row[1]);
      }
      kb = ToKb(train, "en");
      model = MustTrain(kb, options.train);
      AskInScope(*model, test, a);
    }
    return Summarise("banking77-dev", kb, *model, a);
  }
  Labelled train, test;
  for (auto& row : train_rows) {
    if (row.size() == 2) train.emplace_back(row[0], row[1]);
  }
  for (auto& row : ParseCsv(ReadFile(options.data_dir + "/banking77/test.csv"))) {
    if (row.size() == 2) test.emplace_back(row[0], row[1]);
  }
  auto kb = ToKb(train, "en");
  Model model = MustTrain(kb, options.train);
  Asked a;
  AskInScope(model, test, a);
  return Summarise("banking77", kb, model, a);
}

DatasetResult RunClinc150(const EvalOptions& options) {
  auto doc =
      boost::json::parse(ReadFile(options.data_dir + "/clinc150/data_full.json")).as_object();
  auto pairs = [&](const char* key) {
    Labelled out;
    for (const auto& item : doc.at(key).as_array()) {
      const auto& pair = item.as_array();
      out.emplace_back(std::string(pair.at(0).as_string()), std::string(pair.at(1).as_string()));
    }
    return out;
  };
  auto kb = ToKb(pairs("train"), "en");
  Model model = MustTrain(kb, options.train);
  Asked a;
  AskInScope(model, pairs(options.dev ? "val" : "test"), a);
  std::vector<std::string> oos;
  for (auto& [text, label] : pairs(options.dev ? "oos_val" : "oos_test")) oos.push_back(text);
  AskOutOfScope(model, oos, a);
  return Summarise(options.dev ? "clinc150-dev" : "clinc150", kb, model, a);
}

DatasetResult RunDemoKb(const EvalOptions& options) {
  std::vector<store::KbEntry> kb;
  Labelled held;  // (text, id)
  std::istringstream lines(ReadFile(options.repo_dir + "/data/demo/kb.jsonl"));
  std::string line;
  std::map<std::string, std::string> lang_of;
  while (std::getline(lines, line)) {
    if (Trim(line).empty()) continue;
    auto o = boost::json::parse(line).as_object();
    store::KbEntry e;
    e.id = std::string(o.at("id").as_string());
    e.lang = std::string(o.at("lang").as_string());
    e.question = std::string(o.at("question").as_string());
    e.answer = std::string(o.at("answer").as_string());
    size_t i = 0;
    for (const auto& v : o.at("variants").as_array()) {
      std::string text(v.as_string());
      if (++i % 4 == 0) {
        held.emplace_back(text, e.id);
      } else {
        e.variants.push_back(text);
      }
    }
    lang_of[e.id] = e.lang;
    kb.push_back(std::move(e));
  }
  Model model = MustTrain(kb, options.train);
  Asked a;
  AskInScope(model, held, a);
  // Traditional characters: the zh held-out variants converted with OpenCC s2tw.
  S2t s2t;
  Labelled traditional;
  for (const auto& [text, id] : held) {
    if (lang_of[id] == "zh") traditional.emplace_back(s2t(text), id);
  }
  Asked t;
  AskInScope(model, traditional, t);
  // Out of scope: hand-written, one per line, three languages.
  std::vector<std::string> oos;
  std::istringstream oos_lines(ReadFile(options.repo_dir + "/tests/bot/nlu/data/demo_oos.txt"));
  while (std::getline(oos_lines, line)) {
    if (!Trim(line).empty() && line[0] != '#') oos.push_back(line);
  }
  AskOutOfScope(model, oos, a);
  DatasetResult r = Summarise("demo-kb", kb, model, a);
  r.extra.emplace_back("zh_traditional_accuracy",
                       t.total ? static_cast<double>(t.right) / static_cast<double>(t.total) : 0);
  r.extra.emplace_back("zh_traditional_queries", static_cast<double>(t.total));
  return r;
}

DatasetResult RunWalletFaq(const EvalOptions& options) {
  std::vector<store::KbEntry> kb;
  std::istringstream lines(ReadFile(options.repo_dir + "/data/demo/kb.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    if (Trim(line).empty()) continue;
    auto o = boost::json::parse(line).as_object();
    store::KbEntry e;
    e.id = std::string(o.at("id").as_string());
    e.lang = std::string(o.at("lang").as_string());
    e.question = std::string(o.at("question").as_string());
    e.answer = std::string(o.at("answer").as_string());
    for (const auto& v : o.at("variants").as_array()) e.variants.emplace_back(v.as_string());
    kb.push_back(std::move(e));
  }
  Model model = MustTrain(kb, options.train);
  // lang, text, expected_faq (topic or -), expected_route, expected_handoff, note
  std::istringstream rows(ReadFile(options.repo_dir + "/tests/data/bot/wallet_eval.tsv"));
  std::getline(rows, line);  // header
  Asked a;
  std::map<std::string, std::pair<size_t, size_t>> by_lang;  // right, total (in scope)
  auto t0 = Clock::now();
  while (std::getline(rows, line)) {
    std::vector<std::string> col;
    std::istringstream fields(line);
    std::string field;
    while (std::getline(fields, field, '\t')) col.push_back(field);
    if (col.size() < 5) continue;
    Prediction p = model.Predict(col[1], std::nullopt, 1);  // language detected, as a user would
    std::string topic = p.faq_id.empty() ? "-" : TopicOf(p.faq_id);
    if (col[2] != "-") {
      ++a.total;
      bool right = topic == col[2];
      a.right += right;
      a.top1 += !p.top.empty() && TopicOf(p.top[0].first) == col[2];
      if (right) a.in_conf_correct.push_back(p.confidence);
      by_lang[col[0]].first += right;
      ++by_lang[col[0]].second;
      if (!right && std::getenv("KEFU_NLU_SHOW_ERRORS")) {
        std::fprintf(stderr, "miss: %s | want %s | got %s\n", col[1].c_str(), col[2].c_str(),
                     topic.c_str());
      }
    } else if (col[3] == "bot") {
      ++a.oos_total;
      a.rejected += p.faq_id.empty();
      a.oos_conf.push_back(p.confidence);
      if (!p.faq_id.empty() && std::getenv("KEFU_NLU_SHOW_ERRORS")) {
        std::fprintf(stderr, "answered out of scope: %s | got %s %.3f\n", col[1].c_str(),
                     p.faq_id.c_str(), p.confidence);
      }
    }
  }
  a.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  DatasetResult r = Summarise("wallet-faq", kb, model, a);
  for (const auto& [lang, counts] : by_lang) {
    r.extra.emplace_back("accuracy_" + lang,
                         static_cast<double>(counts.first) /
                             static_cast<double>(std::max<size_t>(1, counts.second)));
  }
  return r;
}

std::string ResultsJson(const std::vector<DatasetResult>& results, const EvalOptions& options) {
  std::ostringstream o;
  o.precision(6);
  o << "{\n  \"benchmark\": \"nlu\",\n  \"mode\": \"" << (options.dev ? "dev" : "test") << "\",\n";
  o << "  \"options\": {\"epochs\": " << options.train.epochs
    << ", \"learning_rate\": " << options.train.learning_rate << ", \"l2\": " << options.train.l2
    << ", \"retrieval_weight\": " << options.train.retrieval_weight
    << ", \"char_weight\": " << options.train.char_weight
    << ", \"hinge_margin\": " << options.train.hinge_margin
    << ", \"max_answer_loss\": " << options.train.max_answer_loss
    << ", \"pseudo_oos_rejection\": " << options.train.pseudo_oos_rejection
    << ", \"holdout_fraction\": " << options.train.holdout_fraction << "},\n";
  o << "  \"datasets\": [\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    o << "    {\"name\": \"" << r.name << "\", \"entries\": " << r.classes
      << ", \"train_sentences\": " << r.train_sentences
      << ", \"in_scope_queries\": " << r.in_scope_queries << ", \"accuracy\": " << r.accuracy
      << ", \"accuracy_top1_no_threshold\": " << r.accuracy_top1
      << ", \"oos_queries\": " << r.oos_queries << ", \"oos_recall\": " << r.oos_recall
      << ", \"threshold\": " << r.threshold << ", \"train_seconds\": " << r.train_seconds
      << ", \"predict_us_mean\": " << r.predict_us_mean << ", \"model_bytes\": " << r.model_bytes
      << ", \"memory_bytes\": " << r.memory_bytes
      << ", \"linear_classifier\": " << (r.linear_classifier ? "true" : "false");
    for (const auto& [k, v] : r.extra) o << ", \"" << k << "\": " << v;
    o << "}" << (i + 1 < results.size() ? "," : "") << "\n";
  }
  o << "  ]\n}\n";
  return o.str();
}

}  // namespace kefu::bot::nlu::eval
