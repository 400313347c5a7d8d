// The evaluation thresholds of issue 4, enforced in `make test`. Same code path as `make eval`
// (eval.cpp); takes a few seconds per dataset.
#include <gtest/gtest.h>

#include "eval.hpp"

namespace kefu::bot::nlu::eval {
namespace {

EvalOptions Options() {
  EvalOptions o;
  o.repo_dir = KEFU_SOURCE_DIR;
  o.data_dir = o.repo_dir + "/../shared/data";
  if (const char* d = std::getenv("KEFU_SHARED_DATA")) o.data_dir = d;
  return o;
}

TEST(NluEval, Banking77Accuracy) {
  DatasetResult r = RunBanking77(Options());
  RecordProperty("accuracy", std::to_string(r.accuracy));
  EXPECT_EQ(r.classes, 77u);
  EXPECT_EQ(r.in_scope_queries, 3080u);
  EXPECT_GE(r.accuracy, 0.90);
}

TEST(NluEval, Clinc150InScopeAccuracyAndOutOfScopeRecall) {
  DatasetResult r = RunClinc150(Options());
  RecordProperty("accuracy", std::to_string(r.accuracy));
  RecordProperty("oos_recall", std::to_string(r.oos_recall));
  EXPECT_EQ(r.classes, 150u);
  EXPECT_EQ(r.in_scope_queries, 4500u);
  EXPECT_EQ(r.oos_queries, 1000u);
  EXPECT_GE(r.accuracy, 0.92);
  EXPECT_GE(r.oos_recall, 0.50);
}

TEST(NluEval, DemoKnowledgeBaseHeldOutVariants) {
  // Regression guards, below the figures of bench/results/nlu.json.
  DatasetResult r = RunDemoKb(Options());
  EXPECT_EQ(r.classes, 153u);
  EXPECT_GE(r.accuracy, 0.55);
  EXPECT_GE(r.oos_recall, 0.70);
}

TEST(NluEval, WalletFaqSetTopOneAndOutOfScopeRejection) {
  // Issue 4 item 6: top-1 >= 90% and out-of-scope rejection >= 90% on the wallet FAQ set
  // (routing recall is the handoff policy's, tested in tests/bot/policy).
  DatasetResult r = RunWalletFaq(Options());
  RecordProperty("accuracy", std::to_string(r.accuracy));
  RecordProperty("oos_recall", std::to_string(r.oos_recall));
  EXPECT_GE(r.in_scope_queries, 247u);
  EXPECT_GE(r.accuracy, 0.90);
  EXPECT_GE(r.oos_recall, 0.90);
}

}  // namespace
}  // namespace kefu::bot::nlu::eval
