#include "domain/pii_mask.hpp"

#include <gtest/gtest.h>

namespace kefu::domain {
namespace {

TEST(PiiMask, SingleValues) {
  EXPECT_EQ(MaskEmail("alice@example.com"), "a***@example.com");
  EXPECT_EQ(MaskPhone("13800138000"), "138****8000");
  EXPECT_EQ(MaskPhone("+86 138 0013 8000"), "+86138****8000");
  EXPECT_EQ(MaskPhone("12345"), "***45");
  EXPECT_EQ(MaskIdNumber("11010119900307457X"), "1101**********457X");
  EXPECT_EQ(MaskIdNumber("110101900307457"), "1101*******7457");
  EXPECT_EQ(MaskCardLast4("1234"), "•••• 1234");
}

TEST(PiiMask, InsideText) {
  struct Case {
    const char* text;
    const char* want;
  } cases[] = {
      {"我的邮箱是 alice@example.com，手机 13800138000", "我的邮箱是 a***@example.com，手机 138****8000"},
      {"call +86 138-0013-8000 please", "call +86138****8000 please"},
      {"身份证 11010119900307457X 已上传", "身份证 1101**********457X 已上传"},
      {"amount 12.5 USDT, 3 times", "amount 12.5 USDT, 3 times"},
      {"version 2.3.1 on iOS 17", "version 2.3.1 on iOS 17"},
      {"no pii here", "no pii here"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(MaskText(c.text), c.want);
  }
}

}  // namespace
}  // namespace kefu::domain
