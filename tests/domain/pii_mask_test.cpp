#include "domain/pii_mask.hpp"

#include <gtest/gtest.h>

namespace kefu::domain {
namespace {

TEST(PiiMask, SingleValues) {
  EXPECT_EQ(MaskEmail("alice@example.com"), "a***@example.com");
  EXPECT_EQ(MaskPhone("13800138000"), "138****8000");
  EXPECT_EQ(MaskPhone("+86 138 0013 8000"), "+86138****8000");
  EXPECT_EQ(MaskPhone("12345"), "***45");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "1101**********002X");
  EXPECT_EQ(MaskIdNumber("110101900307457"), "1101*******7457");
  EXPECT_EQ(MaskCardLast4("1234"), "•••• 1234");
  EXPECT_EQ(MaskCardLast4("6222 0212 3456 7890"), "•••• 7890");
}

struct Case {
  const char* text;
  const char* want;
};

void ExpectMasked(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(MaskText(c.text), c.want);
  }
}

TEST(PiiMask, PhonesAndAddressesInsideText) {
  ExpectMasked({
      {"我的邮箱是 alice@example.com，手机 13800138000", "我的邮箱是 a***@example.com，手机 138****8000"},
      {"手机13800138000谢谢", "手机138****8000谢谢"},
      {"QQ邮箱 12345678@qq.com 收不到验证码", "QQ邮箱 1***@qq.com 收不到验证码"},
      {"call +86 138-0013-8000 please", "call +86138****8000 please"},
      {"llámame al +34 612 345 678", "llámame al +346****5678"},
      {"mi móvil es 612 345 678.", "mi móvil es 612**5678."},
      {"office 010-12345678", "office 010****5678"},
      {"reach me at (mail) bob.smith+kefu@mail.example.co.uk.", "reach me at (mail) b***@mail.example.co.uk."},
      {"13800138000 打了 3 次", "138****8000 打了 3 次"},
      {"打了 10 13800138000", "打了 10 138****8000"},
  });
}

TEST(PiiMask, IdentityAndCardNumbersInsideText) {
  ExpectMasked({
      {"身份证 11010519491231002X 已上传", "身份证 1101**********002X 已上传"},
      {"身份证号11010519491231002x", "身份证号1101**********002x"},
      {"卡号 6222 0212 3456 7894 绑不上", "卡号 •••• 7894 绑不上"},
      // Mistyped (the Luhn check fails) but written like a card: still masked like one.
      {"卡号 6222 0212 3456 7890", "卡号 •••• 7890"},
      // A long number whose start is not a phone: its tail is not taken for one either.
      {"ref 9999 0212 3456 789", "ref 9999 0212 3456 789"},
      {"card 4111111111111111 declined", "card •••• 1111 declined"},
  });
}

// Found by review: an ID or card number beside another number, and stars or bullets a customer
// typed, must not switch masking off.
TEST(PiiMask, NumbersBesideOtherNumbersAndMarkup) {
  ExpectMasked({
      {"身份证110105199003071239 18岁", "身份证1101**********1239 18岁"},
      {"年龄 30 11010519491231002X", "年龄 30 1101**********002X"},
      {"转了 500 6222021234567894", "转了 500 •••• 7894"},
      {"卡号-6222021234567894", "卡号-•••• 7894"},
      {"**13800138000**", "**138****8000**"},
      {"13800138000* 是我的", "138****8000* 是我的"},
      {"IMEI 356938035643809", "IMEI 356938035643809"},
      // Dotted, slashed and bracketed shapes.
      {"手机 138.0013.8000", "手机 138****8000"},
      {"call 415.555.2671 or (415) 555-2671", "call 415***2671 or 415***2671"},
      {"座机 (010) 1234-5678", "座机 010****5678"},
      {"server 192.168.100.100", "server 192.168.100.100"},
      {"v1.380.0138.0001", "v1.380.0138.0001"},
      {"日期 2026.11.27 和 2026/11/27", "日期 2026.11.27 和 2026/11/27"},
      {"(1) 选项", "(1) 选项"},
      // Typed in full width by a Chinese input method.
      {"手机１３８００１３８０００", "手机138****8000"},
      {"身份证１１０１０５１９４９１２３１００２Ｘ", "身份证1101**********002X"},
      {"邮箱ａ@qq.com", "邮箱ａ@qq.com"},
      {"全角 １２３ 不是号码", "全角 １２３ 不是号码"},
      {"批次 310107261127001", "批次 310107261127001"},
  });
}

// What agents need to read stays as written: amounts, order numbers, transaction data, versions.
TEST(PiiMask, WorkingDataStaysReadable) {
  ExpectMasked({
      {"amount 12.5 USDT, 3 times", "amount 12.5 USDT, 3 times"},
      {"version 2.3.1 on iOS 17", "version 2.3.1 on iOS 17"},
      {"no pii here", "no pii here"},
      {"订单号 202611270001234567 提现失败", "订单号 202611270001234567 提现失败"},
      {"order 2026112700123 failed", "order 2026112700123 failed"},
      {"充值 1000000 元", "充值 1000000 元"},
      {"tx 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060",
       "tx 0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"},
      {"TRC20 TJ8aS4bT3xQa9wk4xBq8Lh1ZZ6Pq4F9N2r", "TRC20 TJ8aS4bT3xQa9wk4xBq8Lh1ZZ6Pq4F9N2r"},
      {"balance 13800138000.50", "balance 13800138000.50"},
      {"at 2026-11-27 10:30", "at 2026-11-27 10:30"},
      {"", ""},
  });
}

// What staff read, masked again, stays the same: a client that sends back what it read is
// recognised (found by the pii_mask fuzz target: a card-like prefix of a longer number).
TEST(PiiMask, MaskingIsIdempotent) {
  for (const char* text : {"卡号 6226112202622 0212 3453 7894 绑不上", "13800138000 1234 5678", "138****8000 1234 5678",
                           "•••• 7894 1234 5678 9012", "身份证 11010519491231002X 0212 3456", "+86 138 0013 8000 99",
                           "678@qq.111co008630@qq.com", "卡号 6226112202622 6226112202622' 0212",
                           "026-11127 1720026-1110:30", "+#86 138-0013-2@-5.30", "all +86 38-0026-80103103 x",
                           "1 84 6784678 631924 84 84 6784678';6324", "**,229271210801 634 16210800 634 2 x", "手机１３８００１３８０００ 和 13900139000",
                           "138.0013.8000 (010) 1234-5678 415/555/2671", "1 (010) 1234-5678.5",
                           "%@Q.mi%%@Q.mi móvil", "卡号 622 6222 02 94%@Q.mi 948.1027", "a@b.co.@x.com",
                           "+86 13800013-80%@Q.mi 0", "+1@qq.com", "a***@13800138000.com",
                           " 6324 84 84 6784678.6324 84 84 6784678.", "7@Q.mi-6324 84 84 6784 84 6 64 x",
                           "%--@Q.mim..64823 84 84 6784678.#"}) {
    SCOPED_TRACE(text);
    const std::string once = MaskText(text);
    EXPECT_EQ(MaskText(once), once);
  }
  EXPECT_EQ(MaskText("卡号 6226112202622 0212 3453 7894 绑不上"), "卡号 6226112202622 0212 3453 7894 绑不上");
}

TEST(PiiMask, HostileInputNeverBreaksText) {
  std::string long_digits(10000, '7');
  EXPECT_EQ(MaskText(long_digits), long_digits);
  EXPECT_EQ(MaskText("@@@.."), "@@@..");
  EXPECT_EQ(MaskText("a@b."), "a@b.");
  EXPECT_EQ(MaskText("x@-5.30 and 12@3.45"), "x@-5.30 and 12@3.45");
  EXPECT_EQ(MaskText("+"), "+");
  EXPECT_EQ(MaskText("- - 1 - -"), "- - 1 - -");
}

}  // namespace
}  // namespace kefu::domain
