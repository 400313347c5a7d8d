#include "domain/verify.hpp"

#include <gtest/gtest.h>

#include <set>

namespace kefu::domain {
namespace {

TEST(VerifyTest, NormalForms) {
  struct Case {
    VerifyKind kind;
    const char* in;
    const char* out;  // nullptr: not valid
  } cases[] = {
      {VerifyKind::phone, "+86 400-800-1234", "4008001234"},
      {VerifyKind::phone, "0086 400 800 1234", "4008001234"},
      {VerifyKind::phone, "400.800.1234", "4008001234"},
      {VerifyKind::phone, "+86 10 8888 6666", "1088886666"},
      {VerifyKind::phone, "010-88886666", "1088886666"},
      {VerifyKind::phone, "+86 010 8888 6666", "1088886666"},
      {VerifyKind::phone, "+86 138 0013 8000", "13800138000"},
      {VerifyKind::phone, "+1 (555) 010-2000", "+15550102000"},
      {VerifyKind::phone, "001 555 010 2000", "+15550102000"},
      {VerifyKind::phone, "555-010-2000", "5550102000"},
      {VerifyKind::phone, "call me", nullptr},
      {VerifyKind::phone, "12", nullptr},
      {VerifyKind::phone, "1+2345678", nullptr},
      {VerifyKind::email, " Support@DemoWallet.Example ", "support@demowallet.example"},
      {VerifyKind::email, "a@b@c", nullptr},
      {VerifyKind::email, "@b", nullptr},
      {VerifyKind::email, "a b@c", nullptr},
      {VerifyKind::wechat, "@DemoWalletCS", "demowalletcs"},
      {VerifyKind::wechat, "wx id", nullptr},
      {VerifyKind::telegram, "https://t.me/DemoWalletSupport", "demowalletsupport"},
      {VerifyKind::telegram, "T.ME/DemoWalletSupport", "demowalletsupport"},
      {VerifyKind::telegram, "@demo_wallet", "demo_wallet"},
      {VerifyKind::telegram, "@", nullptr},
      {VerifyKind::agent, "KF-7Q2M9C4D", "KF-7Q2M9C4D"},
      {VerifyKind::agent, "kf 7q2m 9c4d", "KF-7Q2M9C4D"},
      {VerifyKind::agent, "KF-7Q2M9COD", "KF-7Q2M9C0D"},  // O read as 0
      {VerifyKind::agent, "KF-1L1I0000", "KF-11110000"},
      {VerifyKind::agent, "KF-7Q2M9C4", nullptr},
      {VerifyKind::agent, "KF-7Q2M9C4U", nullptr},  // U is not in the alphabet
      {VerifyKind::agent, "7q2m9c4d", "KF-7Q2M9C4D"},
      {VerifyKind::agent, "KX-7Q2M9C4D", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.in);
    auto got = NormaliseChannel(c.kind, c.in);
    if (c.out) {
      ASSERT_TRUE(got.has_value());
      EXPECT_EQ(*got, c.out);
    } else {
      EXPECT_FALSE(got.has_value()) << *got;
    }
  }
}

TEST(VerifyTest, OfficialListsCompareNormalForms) {
  const std::vector<std::string> phones = {"+86 400-800-1234", "not a phone"};
  EXPECT_TRUE(IsOfficial(VerifyKind::phone, "4008001234", phones));
  EXPECT_TRUE(IsOfficial(VerifyKind::phone, "(+86) 400 800 1234", phones));
  EXPECT_FALSE(IsOfficial(VerifyKind::phone, "4008001235", phones));
  EXPECT_FALSE(IsOfficial(VerifyKind::phone, "not a phone", phones));  // never by raw text
  EXPECT_FALSE(IsOfficial(VerifyKind::email, "x@y", {}));
}

TEST(VerifyTest, KindsRoundTrip) {
  for (auto k : {VerifyKind::agent, VerifyKind::phone, VerifyKind::email, VerifyKind::wechat, VerifyKind::telegram})
    EXPECT_EQ(ParseVerifyKind(VerifyKindName(k)), k);
  EXPECT_FALSE(ParseVerifyKind("fax").has_value());
}

TEST(VerifyTest, VerifyIdsUseTheWholeAlphabet) {
  std::set<std::string> seen;
  for (std::uint64_t r = 0; r < 4096; ++r) {
    std::string id = MakeVerifyId(r * 0x9E3779B97F4A7C15ULL);
    ASSERT_EQ(id.size(), kVerifyIdLength);
    EXPECT_EQ(NormaliseChannel(VerifyKind::agent, id), id);
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 4096u);
}

}  // namespace
}  // namespace kefu::domain
