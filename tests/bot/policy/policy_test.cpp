#include "bot/policy/policy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bot/policy/internal/scan.hpp"
#include "test_normalise.hpp"

namespace kefu::bot::policy {
namespace {

using internal::FoldForMatching;
using testing::TestNormalise;

std::string SourcePath(std::string_view relative) {
  return std::string(KEFU_SOURCE_DIR) + "/" + std::string(relative);
}

// A tab-separated file: '#' lines and blank lines are skipped, the first other line is the
// header, every row must have as many fields as the header.
struct Tsv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> line_numbers;

  size_t Column(std::string_view name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << "no column " << name;
    return static_cast<size_t>(it - header.begin());
  }
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    fields.push_back(
        line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

Tsv ReadTsv(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  Tsv tsv;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields = SplitTabs(line);
    if (tsv.header.empty()) {
      tsv.header = std::move(fields);
      continue;
    }
    EXPECT_EQ(fields.size(), tsv.header.size()) << path << ":" << number;
    fields.resize(tsv.header.size());
    tsv.rows.push_back(std::move(fields));
    tsv.line_numbers.push_back(number);
  }
  return tsv;
}

bool IsKeywordReason(std::string_view reason) {
  return reason == reasons::kSecurityRisk || reason == reasons::kComplaint ||
         reason == reasons::kAnger || reason == reasons::kExplicitHuman ||
         reason == reasons::kNeedsAccountLookup || reason == reasons::kTechnicalIssue;
}

// Invariants every decision keeps, whatever the input.
void ExpectConsistent(const Decision& d) {
  const auto& all = reasons::All();
  EXPECT_NE(std::find(all.begin(), all.end(), d.reason), all.end()) << d.reason;
  EXPECT_EQ(d.handoff, d.route != Route::bot);
  EXPECT_EQ(d.handoff, d.priority > kPriorityNone);
  if (d.route == Route::security) {
    EXPECT_EQ(d.priority, kPrioritySecurity);
  }
  if (d.route != Route::security) {
    EXPECT_LT(d.priority, kPrioritySecurity);
  }
  const bool upset = d.route == Route::security || d.route == Route::complaints ||
                     d.reason == reasons::kAnger || d.reason == reasons::kOutOfScopeRepeated ||
                     d.reason == reasons::kLowConfidenceRepeated;
  if (upset) {
    EXPECT_TRUE(d.apologise);
  }
  if (!d.handoff) {
    EXPECT_FALSE(d.apologise);
  }
  if (IsKeywordReason(d.reason)) {
    EXPECT_FALSE(d.evidence.empty());
  }
  if (!d.handoff) {
    EXPECT_TRUE(d.evidence.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// tests/data/bot/policy.tsv: one runner for every case.

TEST(PolicyTable, EveryCaseDecidesAsWritten) {
  const Tsv tsv = ReadTsv(SourcePath("tests/data/bot/policy.tsv"));
  const size_t text = tsv.Column("text"), lang = tsv.Column("lang"), faq = tsv.Column("faq_id"),
               confidence = tsv.Column("confidence"), category = tsv.Column("category"),
               handoff = tsv.Column("handoff"), route = tsv.Column("route"),
               reason = tsv.Column("reason"), conv = tsv.Column("conv"), note = tsv.Column("note");
  // The table is written for a suggestion band below 0.5 (see the file's header).
  Options options;
  options.answer_threshold = 0.5;
  std::map<std::string, Memory> conversations;
  std::map<std::string, int> per_language;
  std::set<std::string> reasons_seen;
  std::set<std::string> routes_seen;
  for (size_t i = 0; i < tsv.rows.size(); ++i) {
    const std::vector<std::string>& row = tsv.rows[i];
    SCOPED_TRACE("policy.tsv:" + std::to_string(tsv.line_numbers[i]) + ": " + row[text]);
    Turn turn;
    turn.text = row[text];
    turn.lang = row[lang];
    turn.faq_id = row[faq] == "-" ? std::string_view() : std::string_view(row[faq]);
    turn.confidence = std::stod(row[confidence]);
    turn.category = row[category] == "-" ? std::string_view() : std::string_view(row[category]);
    Memory fresh;
    Memory& memory = row[conv] == "-" ? fresh : conversations[row[conv]];

    const Decision d = Decide(turn, memory, options);
    EXPECT_EQ(d.handoff ? "yes" : "no", row[handoff]);
    EXPECT_EQ(RouteName(d.route), row[route]);
    EXPECT_EQ(d.reason, row[reason]) << "evidence: " << d.evidence;
    ExpectConsistent(d);

    // Traditional input: the text column must be what normalisation makes of the original.
    if (row[note].rfind("tw: ", 0) == 0) {
      EXPECT_EQ(TestNormalise(row[note].substr(4)), FoldForMatching(row[text]));
    }
    ++per_language[row[lang]];
    reasons_seen.insert(row[reason]);
    routes_seen.insert(row[route]);
  }
  EXPECT_GE(per_language["zh"], 40);
  EXPECT_GE(per_language["en"], 40);
  EXPECT_GE(per_language["es"], 40);
  for (std::string_view r : reasons::All()) EXPECT_TRUE(reasons_seen.contains(std::string(r))) << r;
  for (std::string_view r : {"bot", "L1", "L2", "L3", "security", "complaints"}) {
    EXPECT_TRUE(routes_seen.contains(std::string(r))) << r;
  }
}

// ---------------------------------------------------------------------------------------------
// The API around Decide.

TEST(PolicyApi, RouteNamesAreTheWireNames) {
  const std::pair<Route, std::string_view> names[] = {{Route::bot, "bot"},
                                                      {Route::L1, "L1"},
                                                      {Route::L2, "L2"},
                                                      {Route::L3, "L3"},
                                                      {Route::security, "security"},
                                                      {Route::complaints, "complaints"}};
  for (const auto& [route, name] : names) {
    EXPECT_EQ(RouteName(route), name);
    EXPECT_EQ(ParseRoute(name), route);
  }
  EXPECT_EQ(ParseRoute("l1"), std::nullopt);
  EXPECT_EQ(ParseRoute(""), std::nullopt);
}

TEST(PolicyApi, ReasonCodesAreDistinctSnakeCase) {
  const auto all = reasons::All();
  EXPECT_EQ(all.size(), 11u);
  const std::set<std::string_view> unique(all.begin(), all.end());
  EXPECT_EQ(unique.size(), all.size());
  for (std::string_view r : all) {
    EXPECT_TRUE(std::all_of(r.begin(), r.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || c == '_';
    })) << r;
  }
}

Decision DecideText(std::string_view text, std::string_view faq = {}, double confidence = 0,
                    std::string_view category = {}) {
  Memory memory;
  Options options;
  options.answer_threshold = 0.5;
  return Decide(Turn{text, "zh", faq, confidence, category}, memory, options);
}

TEST(PolicyApi, EvidenceNamesTheCueOrTheCategory) {
  EXPECT_EQ(DecideText("我的账号被盗了").evidence, "被盗");
  EXPECT_EQ(DecideText("i want to talk to someone").evidence, "talk to someone");
  EXPECT_EQ(DecideText("alguien entró a mi cuenta").evidence, "alguien entró");
  EXPECT_EQ(DecideText("这个号好像被别人用了", "account-hacked-zh", 0.9, "security").evidence,
            "category:security");
  EXPECT_EQ(DecideText("怎么注册", "register-zh", 0.9, "account").evidence, "");
}

TEST(PolicyApi, PriorityIsTheHighestRuleThatFired) {
  // Angry and stolen: security, with the apology.
  const Decision both = DecideText("垃圾平台 我的币被盗了");
  EXPECT_EQ(both.route, Route::security);
  EXPECT_EQ(both.priority, kPrioritySecurity);
  EXPECT_TRUE(both.apologise);
  EXPECT_EQ(DecideText("我要投诉").priority, kPriorityComplaint);
  EXPECT_EQ(DecideText("你们这破app").priority, kPriorityAnger);
  EXPECT_EQ(DecideText("app闪退").priority, kPriorityTier);
  EXPECT_EQ(DecideText("转人工").priority, kPriorityExplicitHuman);
  // An explicit request that names an L2 problem ranks as the tier.
  EXPECT_EQ(DecideText("转人工 提现失败 钱扣了").priority, kPriorityTier);
  EXPECT_GT(kPrioritySecurity, kPriorityComplaint);
  EXPECT_GT(kPriorityComplaint, kPriorityAnger);
  EXPECT_GT(kPriorityAnger, kPriorityTier);
  EXPECT_GT(kPriorityTier, kPriorityExplicitHuman);
  EXPECT_GT(kPriorityExplicitHuman, kPriorityRepeatedMiss);
}

TEST(PolicyApi, CategoryIsComparedIgnoringAsciiCase) {
  EXPECT_EQ(DecideText("有点问题", "x", 0.9, "Security").route, Route::security);
  EXPECT_EQ(DecideText("有点问题", "x", 0.9, "COMPLAINT").route, Route::complaints);
  // A low-confidence match on a security entry is a suggestion, not a route.
  EXPECT_EQ(DecideText("有点问题", "x", 0.3, "security").reason, reasons::kLowConfidence);
}

TEST(PolicyMemory, ByDefaultEveryMatchIsAnsweredAndOnlyRejectionsMiss) {
  Memory memory;
  EXPECT_EQ(Decide(Turn{"那个", "zh", "register-zh", 0.03, "account"}, memory).reason,
            reasons::kAnswered);
  EXPECT_EQ(Decide(Turn{"那个", "zh", {}, 0.0, {}}, memory).reason, reasons::kOutOfScope);
}

TEST(PolicyMemory, TwoMissesInARowHandOverAndResetTheCount) {
  Memory memory;
  const Turn oos{"天气", "zh", {}, 0, {}};
  EXPECT_FALSE(Decide(oos, memory).handoff);
  EXPECT_EQ(memory.consecutive_misses, 1);
  const Decision second = Decide(oos, memory);
  EXPECT_TRUE(second.handoff);
  EXPECT_EQ(second.route, Route::L1);
  EXPECT_TRUE(second.apologise);
  EXPECT_EQ(memory.consecutive_misses, 0);
}

TEST(PolicyMemory, AnswersAndKeywordHandoffsResetTheCount) {
  Memory memory;
  Decide(Turn{"天气", "zh", {}, 0, {}}, memory);
  Decide(Turn{"怎么注册", "zh", "register-zh", 0.9, "account"}, memory);
  EXPECT_EQ(memory.consecutive_misses, 0);
  Decide(Turn{"天气", "zh", {}, 0, {}}, memory);
  Decide(Turn{"app闪退", "zh", {}, 0, {}}, memory);
  EXPECT_EQ(memory.consecutive_misses, 0);
}

TEST(PolicyMemory, OptionsTuneTheThresholdAndTheCount) {
  Options options;
  options.misses_before_handoff = 3;
  options.answer_threshold = 0.8;
  Memory memory;
  const Turn weak{"那个", "zh", "register-zh", 0.7, "account"};
  EXPECT_EQ(Decide(weak, memory, options).reason, reasons::kLowConfidence);
  EXPECT_EQ(Decide(weak, memory, options).reason, reasons::kLowConfidence);
  EXPECT_EQ(Decide(weak, memory, options).reason, reasons::kLowConfidenceRepeated);
  options.answer_threshold = 0.6;
  EXPECT_EQ(Decide(weak, memory, options).reason, reasons::kAnswered);
}

TEST(PolicyRobustness, OddInputNeverBreaksTheContract) {
  const std::string cases[] = {
      "",     " ",   "\xff\xfe\xfd", "\xe8\xa2", "被\xff盗", std::string(5000, 'a'), "🙂🙂🙂",
      "｜｜", "n t", "'''",          "error",    "错误码",   "人工人工人工",
  };
  for (const std::string& text : cases) {
    SCOPED_TRACE(text.substr(0, 40));
    Memory memory;
    ExpectConsistent(Decide(Turn{text, "zh", {}, 0, {}}, memory));
  }
  // Raw (un-normalised) text still routes: full-width, upper case, punctuation.
  EXPECT_EQ(DecideText("ＭＹ ＡＣＣＯＵＮＴ WAS HACKED!!!").route, Route::security);
  EXPECT_EQ(DecideText("Me HACKEARON la cuenta, ¡ayuda!").route, Route::security);
}

// ---------------------------------------------------------------------------------------------
// The matcher on its own.

TEST(PolicyFold, FoldsCaseWidthAccentsApostrophesAndClauses) {
  EXPECT_EQ(FoldForMatching("Didn't"), "didnt");
  EXPECT_EQ(FoldForMatching("didn t work"), "didnt work");
  EXPECT_EQ(FoldForMatching("in t"), "int");  // the rejoin is purely lexical, like the NLU's
  EXPECT_EQ(FoldForMatching("a t b"), "a t b");
  EXPECT_EQ(FoldForMatching("ＫＹＣ过不去"), "kyc过不去");
  EXPECT_EQ(FoldForMatching("Reclamación  Ñandú"), "reclamacion nandu");
  EXPECT_EQ(FoldForMatching("不是被盗，只是忘记密码。"), "不是被盗|只是忘记密码");
  EXPECT_EQ(FoldForMatching("no, me hackearon"), "no|me hackearon");
  EXPECT_EQ(FoldForMatching("  error: 500  "), "error 500");
  EXPECT_EQ(FoldForMatching("“hola”   ¿qué?"), "hola que");
  for (std::string_view s : {"Didn't", "不是被盗，只是", "no , , me", "ＡＢＣ  ｄｅｆ"}) {
    EXPECT_EQ(FoldForMatching(FoldForMatching(s)), FoldForMatching(s)) << s;
  }
}

TEST(PolicyFold, ClausePunctuationStopsNegation) {
  // Without the comma the Spanish is a denial; with it, a confirmation.
  EXPECT_EQ(DecideText("no me hackearon").route, Route::bot);
  EXPECT_EQ(DecideText("no, me hackearon").route, Route::security);
  EXPECT_EQ(DecideText("不是被盗").route, Route::bot);
  EXPECT_EQ(DecideText("不是，被盗了").route, Route::security);
}

TEST(PolicyScan, LatinCuesMatchWholeWordsChineseCuesSubstrings) {
  EXPECT_FALSE(
      internal::Scan("agentes de cambio").human);  // "agente" is short-only, "agent" ≠ "agentes"
  EXPECT_TRUE(internal::Scan("被hack了").security);              // Latin cue inside Chinese text
  EXPECT_TRUE(internal::Scan("hackearon mi wallet").security);   // prefix cue
  EXPECT_FALSE(internal::Scan("issue with my card").complaint);  // "sue" is a whole word only
  EXPECT_TRUE(internal::Scan("i will sue you").complaint);
  EXPECT_FALSE(internal::Scan("你是人工智能吗").human);  // exception
}

TEST(PolicyScan, ErrorCodesNeedALeadWordAndACodeShapedToken) {
  EXPECT_TRUE(internal::Scan("error 500").error_code);
  EXPECT_TRUE(internal::Scan("500 error").error_code);
  EXPECT_TRUE(internal::Scan("error500").error_code);
  EXPECT_TRUE(internal::Scan("错误码：E1023").error_code);
  EXPECT_TRUE(internal::Scan("提示错误码是1002").error_code);
  EXPECT_FALSE(internal::Scan("errors everywhere 2024").error_code);
  EXPECT_FALSE(internal::Scan("密码错误3次").error_code);
  EXPECT_FALSE(internal::Scan("验证码 123456").error_code);
  EXPECT_FALSE(internal::Scan("error 123456").error_code);  // one-time-code shaped
}

// ---------------------------------------------------------------------------------------------
// tests/data/bot/wallet_eval.tsv: shape, independence from the knowledge base, and the routing
// columns run through the policy.

struct KnowledgeBase {
  std::map<std::string, std::string> category_of_topic;  // topic → category
  std::set<std::string> sentences;                       // questions and variants, compacted
};

// What two sentences must not share: normalised, with every separator removed.
std::string Compact(std::string_view text) {
  std::string folded = TestNormalise(text);
  folded.erase(
      std::remove_if(folded.begin(), folded.end(), [](char c) { return c == ' ' || c == '|'; }),
      folded.end());
  return folded;
}

const KnowledgeBase& DemoKnowledgeBase() {
  static const KnowledgeBase kb = [] {
    KnowledgeBase k;
    std::ifstream in(SourcePath("data/demo/kb.jsonl"));
    EXPECT_TRUE(in);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      const boost::json::value parsed = boost::json::parse(line);
      const boost::json::object& o = parsed.as_object();
      const std::string id(o.at("id").as_string());
      const std::string topic = id.substr(0, id.rfind('-'));
      k.category_of_topic[topic] = std::string(o.at("category").as_string());
      k.sentences.insert(Compact(o.at("question").as_string()));
      for (const auto& v : o.at("variants").as_array()) k.sentences.insert(Compact(v.as_string()));
    }
    return k;
  }();
  return kb;
}

struct EvalRow {
  int line = 0;
  std::string lang, text, faq, route, handoff, note;
};

std::vector<EvalRow> ReadWalletEval() {
  const Tsv tsv = ReadTsv(SourcePath("tests/data/bot/wallet_eval.tsv"));
  EXPECT_EQ(tsv.header, (std::vector<std::string>{"lang", "text", "expected_faq", "expected_route",
                                                  "expected_handoff", "note"}));
  std::vector<EvalRow> rows;
  for (size_t i = 0; i < tsv.rows.size(); ++i) {
    const auto& r = tsv.rows[i];
    rows.push_back({tsv.line_numbers[i], r[0], r[1], r[2], r[3], r[4], r[5]});
  }
  return rows;
}

std::string Trace(const EvalRow& row) {
  return "wallet_eval.tsv:" + std::to_string(row.line) + ": " + row.text;
}

TEST(WalletEval, ShapeAndCounts) {
  const KnowledgeBase& kb = DemoKnowledgeBase();
  ASSERT_EQ(kb.category_of_topic.size(), 51u);
  std::map<std::string, int> per_language;
  int out_of_scope = 0;
  int handoffs = 0;
  std::set<std::string> texts;
  for (const EvalRow& row : ReadWalletEval()) {
    SCOPED_TRACE(Trace(row));
    EXPECT_TRUE(row.lang == "zh-CN" || row.lang == "zh-TW" || row.lang == "en" || row.lang == "es");
    EXPECT_FALSE(row.text.empty());
    EXPECT_TRUE(row.faq == "-" || kb.category_of_topic.contains(row.faq)) << row.faq;
    EXPECT_TRUE(ParseRoute(row.route).has_value()) << row.route;
    EXPECT_TRUE(row.handoff == "yes" || row.handoff == "no");
    EXPECT_EQ(row.handoff == "yes", row.route != "bot");
    EXPECT_TRUE(texts.insert(Compact(row.text)).second) << "duplicate query";
    ++per_language[row.lang];
    if (row.faq == "-" && row.route == "bot") ++out_of_scope;
    if (row.handoff == "yes") ++handoffs;
    if (row.lang == "zh-TW") {
      EXPECT_TRUE(testing::HasTraditional(row.text)) << "not traditional";
    }
  }
  EXPECT_GE(per_language["zh-CN"], 70);
  EXPECT_GE(per_language["zh-TW"], 30);
  EXPECT_GE(per_language["en"], 50);
  EXPECT_GE(per_language["es"], 50);
  EXPECT_GE(out_of_scope, 30);
  EXPECT_GE(handoffs, 30);
}

TEST(WalletEval, NoQueryCopiesAKnowledgeBaseSentence) {
  const KnowledgeBase& kb = DemoKnowledgeBase();
  ASSERT_GT(kb.sentences.size(), 1500u);
  for (const EvalRow& row : ReadWalletEval()) {
    SCOPED_TRACE(Trace(row));
    EXPECT_FALSE(kb.sentences.contains(Compact(row.text)));
  }
}

// Security, complaints and explicit requests (and anger) are decided by keywords alone: the
// policy must route them right even when the NLU found nothing. Must be 100%.
TEST(WalletEval, KeywordRoutesAreExactWithoutAnyFaqMatch) {
  int checked = 0;
  for (const EvalRow& row : ReadWalletEval()) {
    const bool keyword_route = row.route == "security" || row.route == "complaints" ||
                               (row.route == "L1" && row.handoff == "yes");
    if (!keyword_route) continue;
    SCOPED_TRACE(Trace(row));
    const std::string text = TestNormalise(row.text);
    Memory memory;
    const Decision d = Decide(Turn{text, row.lang.substr(0, 2), {}, 0, {}}, memory);
    EXPECT_EQ(RouteName(d.route), row.route) << d.reason << " / " << d.evidence;
    EXPECT_TRUE(d.handoff);
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// With a perfect NLU (the expected entry, confidently), every row routes as labelled.
TEST(WalletEval, EveryRouteWithPerfectUnderstanding) {
  const KnowledgeBase& kb = DemoKnowledgeBase();
  for (const EvalRow& row : ReadWalletEval()) {
    SCOPED_TRACE(Trace(row));
    const std::string text = TestNormalise(row.text);
    const std::string lang = row.lang.substr(0, 2);
    const std::string faq_id = row.faq == "-" ? std::string() : row.faq + "-" + lang;
    const std::string category = row.faq == "-" ? std::string() : kb.category_of_topic.at(row.faq);
    Memory memory;
    const Decision d =
        Decide(Turn{text, lang, faq_id, row.faq == "-" ? 0.0 : 0.9, category}, memory);
    EXPECT_EQ(RouteName(d.route), row.route) << d.reason << " / " << d.evidence;
    EXPECT_EQ(d.handoff ? "yes" : "no", row.handoff);
  }
}

}  // namespace
}  // namespace kefu::bot::policy
