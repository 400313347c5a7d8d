// kefu_nlu_eval: the NLU evaluation (see eval.hpp). `make eval` runs it; tuning uses --dev.
//
//   kefu_nlu_eval [--dev] [--only banking77|clinc150|demo|wallet] [--out FILE]
//                 [--epochs N] [--lr X] [--l2 X] [--rw X] [--cw X] [--loss X] [--pq X] [--hinge X]
//                 [--hold X] [--folds N]
//
// Prints one line per dataset and writes the JSON (default: bench/results/nlu.json, not in --dev
// mode). Exit status 1 when a threshold of issue 4 fails (test mode only).
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "eval.hpp"

int main(int argc, char** argv) {
  using namespace kefu::bot::nlu::eval;
  EvalOptions options;
  options.repo_dir = KEFU_SOURCE_DIR;
  options.data_dir = options.repo_dir + "/../shared/data";
  if (const char* d = std::getenv("KEFU_SHARED_DATA")) options.data_dir = d;
  std::string only, out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dev")
      options.dev = true;
    else if (a == "--only")
      only = next();
    else if (a == "--out")
      out = next();
    else if (a == "--epochs")
      options.train.epochs = std::stoi(next());
    else if (a == "--lr")
      options.train.learning_rate = std::stod(next());
    else if (a == "--l2")
      options.train.l2 = std::stod(next());
    else if (a == "--rw")
      options.train.retrieval_weight = std::stod(next());
    else if (a == "--cw")
      options.train.char_weight = std::stod(next());
    else if (a == "--loss")
      options.train.max_answer_loss = std::stod(next());
    else if (a == "--folds")
      options.folds = std::stoi(next());
    else if (a == "--hinge")
      options.train.hinge_margin = std::stod(next());
    else if (a == "--pq")
      options.train.pseudo_oos_rejection = std::stod(next());
    else if (a == "--hold")
      options.train.holdout_fraction = std::stod(next());
    else {
      std::cerr
          << "usage: kefu_nlu_eval [--dev] [--only banking77|clinc150|demo|wallet] [--out FILE] "
             "[--epochs N] [--lr X] [--l2 X] [--rw X] [--cw X] [--loss X] [--pq X] [--hinge "
             "X] [--hold X] [--folds N]\n";
      return 2;
    }
  }
  if (out.empty() && !options.dev) out = options.repo_dir + "/bench/results/nlu.json";
  std::vector<DatasetResult> results;
  try {
    if (only.empty() || only == "banking77") results.push_back(RunBanking77(options));
    if (only.empty() || only == "clinc150") results.push_back(RunClinc150(options));
    if (only.empty() || only == "demo") results.push_back(RunDemoKb(options));
    if (only.empty() || only == "wallet") results.push_back(RunWalletFaq(options));
  } catch (const std::exception& e) {
    std::cerr << "kefu_nlu_eval: " << e.what() << "\n";
    return 2;
  }
  bool ok = true;
  for (const auto& r : results) {
    std::printf(
        "%-14s entries %4zu  acc %.4f (top1 %.4f) on %zu  oos recall %.4f on %zu  "
        "threshold %.3f  train %.1fs  %.0fus/query  model %.1f MB\n",
        r.name.c_str(), r.classes, r.accuracy, r.accuracy_top1, r.in_scope_queries, r.oos_recall,
        r.oos_queries, r.threshold, r.train_seconds, r.predict_us_mean,
        static_cast<double>(r.model_bytes) / 1e6);
    for (const auto& [k, v] : r.extra) std::printf("%-14s %s %.4f\n", "", k.c_str(), v);
    if (r.name == "banking77" && r.accuracy < 0.90) ok = false;
    if (r.name == "clinc150" && (r.accuracy < 0.92 || r.oos_recall < 0.50)) ok = false;
    if (r.name == "wallet-faq" && (r.accuracy < 0.90 || r.oos_recall < 0.90)) ok = false;
  }
  if (!out.empty()) {
    std::ofstream f(out);
    f << ResultsJson(results, options);
    std::printf("wrote %s\n", out.c_str());
  }
  return ok ? 0 : 1;
}
