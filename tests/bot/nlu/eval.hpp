// The NLU evaluation, shared by the gtest (nlu_eval_test.cpp, thresholds enforced in `make test`)
// and the CLI (`kefu_nlu_eval`, `make eval`, writes bench/results/nlu.json): one code path.
//
// Datasets (read-only, from ../shared/data beside the repository):
//  * BANKING77: train.csv imported as a knowledge base (one entry per intent, its sentences the
//    variants), every test.csv sentence classified; accuracy = top-1 answered and right.
//  * CLINC150 (data_full.json): `train` imported (never `oos_train`), `test` classified for
//    in-scope accuracy (a rejected in-scope query counts as wrong), `oos_test` for out-of-scope
//    recall (rejected = right). The model's own threshold decides rejection.
//  * The demo knowledge base (data/demo/kb.jsonl): every 4th variant of each entry held out,
//    the rest imported; held-out variants asked as written and, for zh, in traditional
//    characters; plus hand-written out-of-scope questions (tests/bot/nlu/data/demo_oos.txt).
//  * The wallet FAQ set (tests/data/bot/wallet_eval.tsv) against the whole demo KB.
// Dev mode (tuning): BANKING77 holds out every 10th train sentence of each intent instead of
// using test.csv; CLINC150 evaluates on `val` and `oos_val` instead of `test`/`oos_test`.
#pragma once

#include <string>
#include <vector>

#include "bot/nlu/nlu.hpp"

namespace kefu::bot::nlu::eval {

struct DatasetResult {
  std::string name;
  size_t classes = 0;
  size_t train_sentences = 0;
  size_t in_scope_queries = 0;
  double accuracy = 0;       // in-scope: answered with the right entry
  double accuracy_top1 = 0;  // in-scope: right entry ranked first, ignoring the threshold
  size_t oos_queries = 0;
  double oos_recall = 0;  // out-of-scope queries rejected
  double threshold = 0;
  double train_seconds = 0;
  double predict_us_mean = 0;  // per query, one thread
  size_t model_bytes = 0;      // serialized size
  size_t memory_bytes = 0;
  bool linear_classifier = false;
  std::vector<std::pair<std::string, double>> extra;  // more metrics (name, value)
};

struct EvalOptions {
  std::string data_dir;  // …/shared/data
  std::string repo_dir;  // the repository root (for data/demo/kb.jsonl and test data)
  bool dev = false;
  int folds = 1;  // dev mode, BANKING77: cross-validation folds (1: one 10% fold)
  TrainOptions train;
};

DatasetResult RunBanking77(const EvalOptions& options);
DatasetResult RunClinc150(const EvalOptions& options);
DatasetResult RunDemoKb(const EvalOptions& options);

// The wallet FAQ evaluation set (tests/data/bot/wallet_eval.tsv, issue 4 item 6) against the
// whole demo knowledge base: top-1 (the answered entry's topic is the expected one) over rows
// with an expected topic, out-of-scope rejection over rows expecting none that the bot keeps.
// Routing is the handoff policy's and is scored elsewhere.
DatasetResult RunWalletFaq(const EvalOptions& options);

// The results as the JSON object written to bench/results/nlu.json.
std::string ResultsJson(const std::vector<DatasetResult>& results, const EvalOptions& options);

}  // namespace kefu::bot::nlu::eval
