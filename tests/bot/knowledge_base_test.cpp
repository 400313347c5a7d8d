#include "bot/knowledge_base.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace kefu::bot {
namespace {

TEST(KbJsonl, KeepsGoodLinesAndReportsBadOnesByNumber) {
  std::istringstream in(
      "\xEF\xBB\xBF{\"id\":\"register-zh\",\"lang\":\"zh-CN\",\"category\":\"account\",\"question\":\"怎么注册\","
      "\"variants\":[\"咋注册\",\"\"],\"answer\":\"打开 App…\"}\n"
      "\n"
      "{broken\n"
      "[1,2]\n"
      "{\"id\":\"x\",\"lang\":\"fr\",\"question\":\"q\",\"answer\":\"a\"}\n"
      "{\"id\":\"y\",\"lang\":\"en\",\"question\":\"q\"}\n"
      "{\"id\":\"z\",\"lang\":\"es\",\"question\":\"q\",\"answer\":\"a\",\"variants\":\"no\"}\n"
      "{\"id\":\"register-zh\",\"lang\":\"zh-TW\",\"question\":\"如何註冊\",\"answer\":\"新答案\"}\n");
  KbParse p = ParseKbJsonl(in, 42);
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].lang, "zh");
  EXPECT_EQ(p.entries[0].question, "如何註冊");  // the later line with the same id wins
  EXPECT_EQ(p.entries[0].updated_at, 42);
  std::vector<int> lines;
  for (const auto& e : p.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<int>{3, 4, 5, 6, 7}));
  EXPECT_NE(p.errors[2].message.find("'lang'"), std::string::npos);
  EXPECT_NE(p.errors[3].message.find("'answer' is required"), std::string::npos);
}

TEST(KbJsonl, ExportReadsBackTheSame) {
  std::vector<store::KbEntry> entries = {
      {"withdrawal-es", "es", "withdrawal", "¿Por qué falló mi retiro?", {"no me llega el retiro", "retiro \"fallido\""},
       "Revisa…\nLínea 2", 0}};
  std::ostringstream out;
  WriteKbJsonl(entries, out);
  std::istringstream in(out.str());
  KbParse p = ParseKbJsonl(in, 0);
  ASSERT_TRUE(p.errors.empty());
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].variants, entries[0].variants);
  EXPECT_EQ(p.entries[0].answer, entries[0].answer);
}

}  // namespace
}  // namespace kefu::bot
