#include "bot/nlu/nlu.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "bot/nlu/internal/features.hpp"

namespace kefu::bot::nlu {
namespace {

// Found by tests/fuzz/normalise: OpenCC trusts UTF-8 lead bytes and read past a sequence cut off
// at the end of the text. Invalid UTF-8 is not given to OpenCC any more; it comes back as it was.
TEST(NormaliseFuzzRegression, TruncatedUtf8IsNotConverted) {
  const std::string cut = "\xc3\x89v5\xc7St\xca\xca\xca\xcara\xc3\x9f\xe9\x8c\xa2" "eVVV\xca";  // 錢 then a cut lead byte
  EXPECT_FALSE(IsTraditional(cut));
  EXPECT_EQ(ToTraditional(cut), cut);
  EXPECT_TRUE(IsTraditional("我的錢包"));  // valid text is still converted
}

// Found by tests/fuzz/normalise: an apostrophe dropped before a combining mark joined the mark to
// the letter before it, so the output was not NFKC and normalising it again changed it.
TEST(NormaliseFuzzRegression, ApostropheBeforeACombiningMarkSeparates) {
  for (const char* text : {"thci\xc3\xb3n'\xcc\x81:nu{`!!!", "n'\xcc\x81x", "didn't"}) {
    const std::string once = Normalise(text);
    EXPECT_EQ(Normalise(once), once) << text;
  }
  EXPECT_EQ(Normalise("didn't"), "didnt");
}

// Found by tests/fuzz/normalise: OpenCC's t2s maps 薴 to 苧 and 苧 to 苎, so one conversion was
// not a fixed point and normalising the output again changed it.
TEST(NormaliseFuzzRegression, TraditionalToSimplifiedReachesAFixedPoint) {
  for (const char* text : {"withdrawal-failed我的提现失薴了", "薴", "苧麻"}) {
    const std::string once = Normalise(text);
    EXPECT_EQ(Normalise(once), once) << text;
  }
}

TEST(Normalise, FoldsWidthCaseScriptPunctuationAndEmoji) {
  struct Case {
    const char* in;
    const char* want;
  } cases[] = {
      {"ＡＢＣ１２３", "abc123"},
      {"Hello,   World!!", "hello world"},
      {"提現失敗了怎麼辦？", "提现失败了怎么办"},
      {"提现😭😭失败", "提现 失败"},
      {"I didn't get it", "i didnt get it"},
      {"  多  空格\t\n ", "多 空格"},
      {"ＫＹＣ認證", "kyc认证"},
      {"¿Cómo RETIRO mi dinero?", "cómo retiro mi dinero"},
      {"Straße", "strasse"},
      {"0x1F…#$%", "0x1f"},
      {"", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(Normalise(c.in), c.want);
  }
}

TEST(Normalise, ToleratesInvalidUtf8) {
  std::string bad = "ok\xff\xfe then";
  EXPECT_EQ(Normalise(bad), "ok then");
}

TEST(DetectLanguage, ShortCustomerMessages) {
  struct Case {
    const char* text;
    Lang want;
  } cases[] = {
      {"怎么提现", Lang::zh},
      {"提現一直失敗", Lang::zh},
      {"USDT提现失败", Lang::zh},
      {"我的kyc没过", Lang::zh},
      {"how do i withdraw", Lang::en},
      {"withdrawal failed", Lang::en},
      {"hi", Lang::en},
      {"my card was declined", Lang::en},
      {"cant log in", Lang::en},
      {"cómo retiro mi dinero", Lang::es},
      {"no me llega el código", Lang::es},
      {"hola", Lang::es},
      {"mi tarjeta", Lang::es},
      {"retiro fallido", Lang::es},
      {"¿por qué?", Lang::es},
      {"quiero hablar con un agente", Lang::es},
      {"contraseña olvidada", Lang::es},
      {"forgot my password", Lang::en},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(DetectLanguage(c.text), c.want);
  }
}

TEST(Ids, TopicAndLanguageCodes) {
  EXPECT_EQ(TopicOf("withdrawal-failed-en"), "withdrawal-failed");
  EXPECT_EQ(TopicOf("withdrawal-failed-zh"), "withdrawal-failed");
  EXPECT_EQ(TopicOf("withdrawal-failed-zh-TW"), "withdrawal-failed");
  EXPECT_EQ(TopicOf("register_es"), "register");
  EXPECT_EQ(TopicOf("register"), "register");
  EXPECT_EQ(TopicOf("en"), "en");
  EXPECT_EQ(TopicOf("golden"), "golden");
  EXPECT_EQ(ParseLang("zh-TW"), Lang::zh);
  EXPECT_EQ(ParseLang("ES-mx"), Lang::es);
  EXPECT_EQ(ParseLang("fr"), std::nullopt);
  EXPECT_EQ(LangCode(Lang::es), "es");
}

TEST(Script, TellsTraditionalAndConvertsSimplifiedToIt) {
  EXPECT_TRUE(IsTraditional("提現一直不到賬怎麼辦"));
  EXPECT_TRUE(IsTraditional("我的帳號被鎖了 help"));
  EXPECT_FALSE(IsTraditional("提现一直不到账怎么办"));
  EXPECT_FALSE(IsTraditional("注册 App"));  // characters shared by both scripts
  EXPECT_FALSE(IsTraditional("how do I withdraw"));
  EXPECT_FALSE(IsTraditional(""));
  // Taiwan's everyday variants (為, 裡), Latin text and punctuation untouched.
  EXPECT_EQ(ToTraditional("为什么提现失败？请在「我的 → 账单」里确认 App 版本 2.0。"),
            "為什麼提現失敗？請在「我的 → 賬單」裡確認 App 版本 2.0。");
  EXPECT_EQ(ToTraditional("no Chinese here"), "no Chinese here");
  EXPECT_EQ(ToTraditional(""), "");
  // Each thread has its own converter.
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) right += ToTraditional("银行卡绑定失败") == "銀行卡綁定失敗";
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(right.load(), 200);
}

TEST(Lexicon, MapsVariantsToCanonicalTerms) {
  struct Case {
    Lang lang;
    const char* phrase;
    const char* want;
  } cases[] = {
      {Lang::zh, "提币", "提现"},        {Lang::zh, "取现", "提现"},
      {Lang::zh, "入金", "充值"},        {Lang::zh, "身份认证", "实名"},
      {Lang::zh, "添加银行卡", "绑卡"},  {Lang::zh, "汇款", "转账"},
      {Lang::zh, "登陆", "登录"},        {Lang::zh, "入账", "到账"},
      {Lang::zh, "口令", "密码"},        {Lang::en, "cash out", "withdraw"},
      {Lang::en, "top up", "topup"},     {Lang::en, "add money", "topup"},
      {Lang::es, "retirar", "retiro"},   {Lang::es, "depósito", "recarga"},
      {Lang::en, "arabic", "@language"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.phrase);
    EXPECT_EQ(internal::LexiconConcept(c.lang, c.phrase), c.want);
  }
}

TEST(Features, TyposShareMostCharacterGrams) {
  auto a = internal::Extract(Normalise("withdrawal failed"), Lang::en);
  auto b = internal::Extract(Normalise("withdrawl faild"), Lang::en);
  size_t shared = 0;
  for (uint64_t h : b.chars) shared += std::count(a.chars.begin(), a.chars.end(), h) > 0;
  EXPECT_GT(static_cast<double>(shared) / static_cast<double>(b.chars.size()), 0.4);
}

store::KbEntry Entry(std::string id, std::string lang, std::string question,
                     std::vector<std::string> variants) {
  store::KbEntry e;
  e.id = std::move(id);
  e.lang = std::move(lang);
  e.question = std::move(question);
  e.variants = std::move(variants);
  e.answer = "…";
  return e;
}

std::vector<store::KbEntry> SmallKb() {
  return {
      Entry("withdrawal-failed-zh", "zh", "提现失败怎么办",
            {"提现不成功", "为什么提现失败", "提现一直失败", "钱提不出来", "提现被拒绝了"}),
      Entry("withdrawal-failed-en", "en", "My withdrawal failed",
            {"withdrawal failed", "why did my withdrawal fail", "cannot withdraw money",
             "withdraw not working", "my cash out was rejected"}),
      Entry("withdrawal-failed-es", "es", "Mi retiro falló",
            {"no puedo retirar", "el retiro fue rechazado", "por qué falló mi retiro"}),
      Entry("kyc-how-zh", "zh", "怎么实名认证",
            {"实名认证怎么做", "如何完成身份认证", "实名要什么资料"}),
      Entry("kyc-how-en", "en", "How do I verify my identity?",
            {"how to do kyc", "identity verification steps", "what documents for verification"}),
      Entry("topup-zh", "zh", "怎么充值", {"充值方法", "如何充钱", "怎样往账户里充值", "充值步骤"}),
      Entry("topup-en", "en", "How do I top up?",
            {"how to add money", "top up my account", "deposit money"}),
      Entry("password-reset-zh", "zh", "忘记登录密码怎么办",
            {"密码忘了", "重置密码", "找回登录密码"}),
      Entry("password-reset-en", "en", "I forgot my password",
            {"reset password", "forgot login password", "recover my password"}),
      Entry("card-bind-zh", "zh", "怎么绑定银行卡", {"绑卡", "添加银行卡", "如何绑卡"}),
  };
}

const Model& SmallModel() {
  static const Model* model = [] {
    auto m = Model::Train(SmallKb());
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return new Model(std::move(m).value());
  }();
  return *model;
}

TEST(Model, AnswersSynonymsTypesAndTraditionalCharacters) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"提币失败", "withdrawal-failed-zh"},
      {"取現失敗", "withdrawal-failed-zh"},
      {"提现不了", "withdrawal-failed-zh"},
      {"withdrawl failed", "withdrawal-failed-en"},
      {"cash out failed", "withdrawal-failed-en"},
      {"身份认证怎么弄", "kyc-how-zh"},
      {"入金怎么操作", "topup-zh"},
      {"how to topup", "topup-en"},
      {"密碼忘記了", "password-reset-zh"},
      {"添加银行卡", "card-bind-zh"},
      {"no puedo retirar mi dinero", "withdrawal-failed-es"},
  };
  const Model& model = SmallModel();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    Prediction p = model.Predict(c.text);
    EXPECT_EQ(p.faq_id, c.want);
    EXPECT_GT(p.confidence, 0.0);
    EXPECT_LE(p.confidence, 1.0);
    ASSERT_FALSE(p.top.empty());
  }
}

TEST(Model, RejectsOutOfScopeWithAFixedThreshold) {
  // A 10-entry knowledge base is too small to hold classes out, so the threshold is the
  // default; nonsense and unrelated text must still be rejected.
  const Model& model = SmallModel();
  for (const char* text : {"", "😀😀", "!!!", "qwzx vbnm", "明天北京天气怎么样", "tell me a joke"}) {
    Prediction p = model.Predict(text);
    SCOPED_TRACE(std::string(text) + " → " + p.faq_id + " " + std::to_string(p.confidence) +
                 " threshold " + std::to_string(model.threshold()));
    EXPECT_TRUE(p.faq_id.empty());
  }
}

TEST(Model, AnswersInTheAskersLanguageWhenTheTopicHasIt) {
  const Model& model = SmallModel();
  // English words, Chinese asked for: the topic is recognised, its zh entry is answered.
  Prediction p = model.Predict("my withdrawal failed", Lang::zh);
  EXPECT_EQ(p.faq_id, "withdrawal-failed-zh");
  EXPECT_EQ(p.top[0].first, "withdrawal-failed-zh");
  // A topic without an entry in the asker's language answers in English first.
  EXPECT_EQ(model.Predict("how do i verify my identity", Lang::es).faq_id, "kyc-how-en");
  EXPECT_EQ(model.InLanguage("withdrawal-failed-en", Lang::es), "withdrawal-failed-es");
  EXPECT_EQ(model.InLanguage("kyc-how-en", Lang::es), std::nullopt);
  EXPECT_EQ(model.InLanguage("card-bind-zh", Lang::zh), "card-bind-zh");
  EXPECT_EQ(model.InLanguage("nope", Lang::zh), std::nullopt);
}

TEST(Model, RejectsBadKnowledgeBases) {
  EXPECT_EQ(Model::Train({}).error().code, Code::invalid);
  auto kb = SmallKb();
  kb.push_back(kb.front());
  auto dup = Model::Train(kb);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("duplicate"), std::string::npos);
  EXPECT_FALSE(Model::Train({Entry("", "en", "q", {})}).ok());
  EXPECT_FALSE(Model::Train({Entry("x", "en", "", {})}).ok());
}

TEST(Model, SerializesAndRejectsCorruptInput) {
  const Model& model = SmallModel();
  std::string bytes = model.Serialize();
  auto copy = Model::Deserialize(bytes);
  ASSERT_TRUE(copy.ok());
  for (const char* text : {"提币失败", "how to topup", "tell me a joke", "reset password"}) {
    SCOPED_TRACE(text);
    Prediction a = model.Predict(text), b = copy->Predict(text);
    EXPECT_EQ(a.faq_id, b.faq_id);
    EXPECT_DOUBLE_EQ(a.confidence, b.confidence);
  }
  EXPECT_EQ(copy->Stats().classes, model.Stats().classes);
  EXPECT_EQ(model.Stats().entries, 10u);
  EXPECT_EQ(model.Stats().classes, 5u);  // five topics
  EXPECT_DOUBLE_EQ(copy->threshold(), model.threshold());
  EXPECT_FALSE(Model::Deserialize("").ok());
  EXPECT_FALSE(Model::Deserialize("not a model").ok());
  for (size_t cut : {size_t{8}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    SCOPED_TRACE(cut);
    EXPECT_FALSE(Model::Deserialize(bytes.substr(0, cut)).ok());
  }
  std::string flipped = bytes;
  flipped[flipped.size() / 3] = static_cast<char>(flipped[flipped.size() / 3] ^ 0x5A);
  auto maybe = Model::Deserialize(flipped);  // may load (a flipped weight) but must never crash
  if (maybe.ok()) (void)maybe->Predict("提币失败");
}

TEST(Model, SurvivesArbitraryInput) {
  const Model& model = SmallModel();
  std::mt19937 rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    Prediction p = model.Predict(bytes);
    EXPECT_GE(p.confidence, 0.0);
    EXPECT_LE(p.confidence, 1.0);
  }
  std::string long_text;
  while (long_text.size() < 12000) long_text += "提现失败了怎么办 my withdrawal failed again ";
  auto start = std::chrono::steady_clock::now();
  Prediction p = model.Predict(long_text);
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
  EXPECT_FALSE(p.top.empty());
  EXPECT_LT(ms.count(), 200.0);
}

TEST(Model, PredictIsThreadSafe) {
  const Model& model = SmallModel();
  std::vector<std::string> texts = {"提币失败",         "how to topup",   "密碼忘記了",
                                    "no puedo retirar", "tell me a joke", "添加银行卡"};
  std::vector<std::string> want;
  for (const auto& t : texts) want.push_back(model.Predict(t).faq_id);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          if (model.Predict(texts[i]).faq_id != want[i]) ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace kefu::bot::nlu
