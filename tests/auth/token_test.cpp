#include "auth/token.hpp"

#include <gtest/gtest.h>

#include "auth/password.hpp"

namespace kefu::auth {
namespace {

Key TestKey(unsigned char fill) {
  Key k;
  k.fill(fill);
  return k;
}

TEST(Token, RoundTripsClaims) {
  TokenSigner signer(TestKey(1));
  TokenClaims c{SubjectType::staff, 42, 10'000, 3};
  auto back = signer.Verify(signer.Issue(c), 5'000);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->type, SubjectType::staff);
  EXPECT_EQ(back->subject, 42);
  EXPECT_EQ(back->version, 3);
}

TEST(Token, RejectsExpiredForgedAndMangledTokens) {
  TokenSigner signer(TestKey(1));
  TokenSigner other(TestKey(2));
  const std::string good = signer.Issue({SubjectType::customer, 7, 10'000, 1});
  std::string flipped = good;
  flipped[6] = flipped[6] == 'A' ? 'B' : 'A';
  const std::string cases[] = {"", "kf1.", "kf1.abc", "Bearer x", good + "x", flipped,
                               other.Issue({SubjectType::customer, 7, 10'000, 1})};
  for (const auto& t : cases) {
    SCOPED_TRACE(t);
    auto r = signer.Verify(t, 5'000);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::unauthorized);
  }
  auto expired = signer.Verify(good, 10'000);
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().message, "token expired");
}

TEST(Password, Argon2idHashesVerifyAndRejectEmptyOnes) {
  auto hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$"));
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_FALSE(HashPassword("").ok());  // length rules live in CheckPasswordPolicy
}

}  // namespace
}  // namespace kefu::auth
