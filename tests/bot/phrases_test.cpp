#include "bot/phrases.hpp"

#include <gtest/gtest.h>

namespace kefu::bot {
namespace {

// Every notice a customer can receive from the workflow or the bot.
constexpr const char* kNoticeKeys[] = {"rephrase", "security_risk", "complaint", "anger", "explicit_human_request",
                                       "out_of_scope_repeated", "needs_account_lookup", "technical_issue",
                                       "csat_reminder", "idle_notice", "idle_closed", "outside_hours",
                                       "message_left", "handoff", "greeting"};

TEST(SafetyLineTest, EveryNoticeCarriesItOnceInTheCustomersLanguage) {
  for (const char* lang : {"zh", "zh-TW", "en", "es"}) {
    for (const char* key : kNoticeKeys) {
      SCOPED_TRACE(std::string(lang) + " " + key);
      const std::string text = Notice(key, lang);
      const std::string_view line = SafetyLine(lang);
      if (std::string_view(key) == "greeting" && std::string_view(lang) != "zh-TW") {
        // The greeting says it in its own words already: not repeated.
        EXPECT_EQ(text, Say(key, lang));
        continue;
      }
      const size_t at = text.find(line);
      if (std::string_view(lang) == "zh-TW" && std::string_view(key) == "greeting") continue;
      ASSERT_NE(at, std::string::npos) << text;
      EXPECT_EQ(text.find(line, at + 1), std::string::npos);
    }
  }
}

TEST(SafetyLineTest, IsIdempotentAndPicksTheLanguage) {
  const std::string once = WithSafetyLine("Hello", "en");
  EXPECT_EQ(once, "Hello\n\nWe will never ask for your seed phrase, private key, password or verification codes.");
  EXPECT_EQ(WithSafetyLine(once, "en"), once);
  EXPECT_EQ(WithSafetyLine(once, "zh"), once);  // already said, whatever the language asked
  EXPECT_NE(WithSafetyLine("你好", "zh").find("我们绝不会向您索要助记词、私钥、密码或验证码"), std::string::npos);
  EXPECT_NE(WithSafetyLine("你好", "zh-CN").find("我们绝不会"), std::string::npos);
  EXPECT_NE(WithSafetyLine("你好", "zh-TW").find("我們絕不會向您索取助記詞、私鑰、密碼或驗證碼"), std::string::npos);
  EXPECT_NE(WithSafetyLine("Hola", "es").find("Nunca te pediremos"), std::string::npos);
  EXPECT_NE(WithSafetyLine("x", "fr").find("我们绝不会"), std::string::npos);  // default zh
  EXPECT_EQ(WithSafetyLine("", "en"), std::string(SafetyLine("en")));
}

}  // namespace
}  // namespace kefu::bot
