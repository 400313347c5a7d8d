#include "core/text.hpp"

#include <gtest/gtest.h>

namespace kefu {
namespace {

TEST(Utf8, AcceptsWellFormedAndRejectsTheRest) {
  struct Case {
    std::string text;
    bool valid;
  };
  const Case cases[] = {
      {"hello", true},
      {"我的钱包 ¿qué? 🙂", true},
      {"\xC3\x28", false},              // bad continuation
      {"\xC0\xAF", false},              // overlong '/'
      {"\xED\xA0\x80", false},          // UTF-16 surrogate
      {"\xF4\x90\x80\x80", false},      // above U+10FFFF
      {"\xE6\x88", false},              // truncated
      {std::string("a\0b", 3), true},   // NUL is valid UTF-8
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(HexEncode(c.text));
    EXPECT_EQ(IsValidUtf8(c.text), c.valid);
  }
}

TEST(Utf8, CountsAndTruncatesByCodePoint) {
  EXPECT_EQ(CountCodePoints("提现失败"), 4u);
  EXPECT_EQ(TruncateCodePoints("提现失败abc", 3), "提现失");
  EXPECT_EQ(TruncateCodePoints("ab", 5), "ab");
}

// A preview never ends in a stub of a number or address that the masked full text completes.
TEST(Utf8, TruncatesBeforeATokenWithDigitsOrAnAddress) {
  EXPECT_EQ(TruncateAtToken("call 13800138000 now", 10), "call ");
  EXPECT_EQ(TruncateAtToken("call 138 0013 8000 now", 12), "call ");
  EXPECT_EQ(TruncateAtToken("mail alice@example.com", 12), "mail ");
  EXPECT_EQ(TruncateAtToken("身份证11010519491231002X", 8), "身份证");
  EXPECT_EQ(TruncateAtToken("withdrawal pending", 8), "withdraw");  // a word may be cut
  EXPECT_EQ(TruncateAtToken("call 13800138000 now", 17), "call 13800138000 ");
  EXPECT_EQ(TruncateAtToken("13800138000", 5), "");
  EXPECT_EQ(TruncateAtToken("short", 80), "short");
}

TEST(Json, EscapesWhatRfc8259Requires) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01中");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001中\"");
  const struct {
    std::string_view in, want;
  } cases[] = {
      {"", "\"\""},
      {"plain text, no escapes 提现", "\"plain text, no escapes 提现\""},
      {"\"", "\"\\\"\""},
      {"tail\t", "\"tail\\t\""},
      {"\rhead", "\"\\rhead\""},
      {std::string_view("nul\0end\x1f\x7f", 9), "\"nul\\u0000end\\u001f\x7f\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    std::string appended = "x";
    AppendJsonString(appended, c.in);
    EXPECT_EQ(appended, "x" + std::string(c.want));
  }
}

TEST(Base64Url, RoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    bytes += static_cast<char>(i * 37);
    auto decoded = Base64UrlDecode(Base64UrlEncode(bytes));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
  }
  EXPECT_FALSE(Base64UrlDecode("ab$d").has_value());
}

}  // namespace
}  // namespace kefu
