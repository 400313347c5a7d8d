// Knowledge-base search without a model, and when answers go out in traditional characters.
#include <gtest/gtest.h>

#include "bot/bot.hpp"

namespace kefu::bot {
namespace {

std::vector<store::KbEntry> Kb() {
  return {
      {"withdraw-zh", "zh", "withdrawal", "提现失败怎么办？", {"提现不到账"}, "检查银行卡状态后重新提交。", 0},
      {"withdraw-en", "en", "withdrawal", "Why did my withdrawal fail?", {"withdrawal not received"}, "Check your card.", 0},
      {"withdraw-es", "es", "withdrawal", "¿Por qué falló mi retiro?", {}, "Revisa tu tarjeta.", 0},
      {"register-zh", "zh", "account", "怎么注册账号？", {"注册"}, "打开 App 点注册。", 0},
      {"register-en", "en", "account", "How do I sign up?", {"register an account"}, "Tap Sign up.", 0},
  };
}

std::vector<std::string> Ids(const std::vector<SearchHit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.id);
  return out;
}

TEST(MatchKbEntries, FindsByWordsOneEntryPerTopicInTheAskersLanguage) {
  const auto kb = Kb();
  struct Case {
    const char* query;
    std::optional<std::string_view> lang;
    std::vector<std::string> want;
  };
  const Case cases[] = {
      {"提现", std::nullopt, {"withdraw-zh"}},
      {"提現失敗", std::nullopt, {"withdraw-zh"}},  // traditional characters are normalised first
      {"withdrawal", std::nullopt, {"withdraw-en"}},
      {"withdrawal", "es", {"withdraw-es"}},        // the topic's entry in the asked language
      {"register account", std::nullopt, {"register-en"}},
      {"retiro", std::nullopt, {"withdraw-es"}},
      {"pizza", std::nullopt, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query);
    EXPECT_EQ(Ids(MatchKbEntries(kb, c.query, c.lang, 5)), c.want);
  }
  auto hits = MatchKbEntries(kb, "提现失败", std::nullopt, 5);
  ASSERT_FALSE(hits.empty());
  EXPECT_DOUBLE_EQ(hits[0].score, 1.0);
  EXPECT_TRUE(MatchKbEntries(kb, "提现", std::nullopt, 0).empty());
  EXPECT_TRUE(MatchKbEntries({}, "提现", std::nullopt, 5).empty());
}

TEST(WantsTraditional, FromTheLocaleOrTheAskersCharacters) {
  EXPECT_TRUE(WantsTraditional("提現失敗怎麼辦", std::nullopt));
  EXPECT_TRUE(WantsTraditional("提現失敗怎麼辦", std::string_view("zh")));
  EXPECT_FALSE(WantsTraditional("提現失敗怎麼辦", std::string_view("zh-CN")));
  EXPECT_FALSE(WantsTraditional("提现失败怎么办", std::nullopt));
  EXPECT_TRUE(WantsTraditional("提现失败怎么办", std::string_view("zh-TW")));
  EXPECT_TRUE(WantsTraditional("withdrawal", std::string_view("zh-Hant")));
  EXPECT_TRUE(WantsTraditional("提现", std::string_view("zh_HK")));
  EXPECT_FALSE(WantsTraditional("how do I withdraw", std::nullopt));
}

}  // namespace
}  // namespace kefu::bot
