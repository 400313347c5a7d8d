// Staff sign-in building blocks: TOTP (RFC 6238 / RFC 4226 vectors), the password policy, the
// lockout back-off schedule (with a controllable clock), the session table and sealed secrets.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "auth/lockout.hpp"
#include "auth/password.hpp"
#include "auth/secret_box.hpp"
#include "auth/session.hpp"
#include "auth/totp.hpp"

namespace kefu::auth {
namespace {

constexpr std::string_view kSeed20 = "12345678901234567890";
constexpr std::string_view kSeed32 = "12345678901234567890123456789012";
constexpr std::string_view kSeed64 =
    "1234567890123456789012345678901234567890123456789012345678901234";

TEST(Totp, Rfc6238AppendixBVectors) {
  struct Row {
    long long seconds;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Row rows[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const Row& r : rows) {
    SCOPED_TRACE(r.seconds);
    const Millis t = r.seconds * 1000;
    EXPECT_EQ(TotpCode(kSeed20, t, 8, TotpAlgorithm::sha1), r.sha1);
    EXPECT_EQ(TotpCode(kSeed32, t, 8, TotpAlgorithm::sha256), r.sha256);
    EXPECT_EQ(TotpCode(kSeed64, t, 8, TotpAlgorithm::sha512), r.sha512);
  }
}

TEST(Totp, Rfc4226AppendixDHotpValues) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314",
                            "254676", "287922", "162583", "399871", "520489"};
  for (std::uint64_t c = 0; c < 10; ++c) {
    SCOPED_TRACE(c);
    EXPECT_EQ(HotpCode(kSeed20, c), expected[c]);
  }
}

TEST(Totp, AcceptsOneStepEitherSideAndRefusesReplays) {
  const Millis now = 1'111'111'111'000;
  const std::int64_t step = TotpStep(now);
  const std::string current = TotpCode(kSeed20, now);
  EXPECT_EQ(VerifyTotp(kSeed20, current, now, 0), step);
  // A phone 30 s behind or ahead still signs in.
  EXPECT_EQ(VerifyTotp(kSeed20, TotpCode(kSeed20, now - kTotpStepMs), now, 0), step - 1);
  EXPECT_EQ(VerifyTotp(kSeed20, TotpCode(kSeed20, now + kTotpStepMs), now, 0), step + 1);
  // Two steps off is too far.
  EXPECT_FALSE(VerifyTotp(kSeed20, TotpCode(kSeed20, now - 2 * kTotpStepMs), now, 0));
  EXPECT_FALSE(VerifyTotp(kSeed20, TotpCode(kSeed20, now + 2 * kTotpStepMs), now, 0));
  // The same step again, or an older one, is a replay.
  EXPECT_FALSE(VerifyTotp(kSeed20, current, now, step));
  EXPECT_FALSE(VerifyTotp(kSeed20, TotpCode(kSeed20, now - kTotpStepMs), now, step));
  // Malformed codes never match.
  for (const char* bad : {"", "12345", "1234567", "12345a", " 123456", "１２３４５６"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(VerifyTotp(kSeed20, bad, now, 0));
  }
}

TEST(Totp, Base32RoundTripsAndRejectsGarbage) {
  EXPECT_EQ(Base32Encode("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
  EXPECT_EQ(Base32Encode("f"), "MY");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(Base32Decode("mzxw 6ytb-oi======"), "foobar");
  EXPECT_FALSE(Base32Decode("MZXW6YTB0I"));  // '0' is not base32
  const std::string secret = NewTotpSecret();
  EXPECT_EQ(secret.size(), 20u);
  EXPECT_EQ(Base32Decode(Base32Encode(secret)), secret);
}

TEST(Totp, OtpauthUriCarriesIssuerAccountAndParameters) {
  const std::string uri = OtpauthUri("kefu", "li@example.org", "12345678901234567890");
  EXPECT_EQ(uri,
            "otpauth://totp/kefu:li@example.org?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=kefu"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(PasswordPolicy, RefusesShortCommonAndEmailDerivedPasswords) {
  struct Case {
    const char* password;
    const char* email;
    std::optional<PasswordProblem> problem;
  };
  const std::string too_long(1025, 'x');
  const Case cases[] = {
      {"correct-horse-1", "li@example.org", std::nullopt},
      {"一二三四五六七八九十百千", "li@example.org", std::nullopt},   // 12 characters, 36 bytes
      {"short-pass1", "li@example.org", PasswordProblem::too_short},  // 11 characters
      {"一二三四五六七八九十百", "li@example.org", PasswordProblem::too_short},
      {"password1234", "li@example.org", PasswordProblem::common},
      {"Password2024!", "li@example.org", PasswordProblem::common},  // common word + suffix
      {"!!QWERTYUIOP!!", "li@example.org", PasswordProblem::common},
      {"123456789012", "li@example.org", PasswordProblem::common},
      {"aaaaaaaaaaaaaaaa", "li@example.org", PasswordProblem::common},
      {"woaini1314520", "li@example.org", PasswordProblem::common},
      {"wangming-secure-9", "WangMing@example.org", PasswordProblem::contains_email},
      {"my-li-password-x", "li@example.org", std::nullopt},  // a 2-letter name is not checked
      {too_long.c_str(), "li@example.org", PasswordProblem::too_long},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.password);
    EXPECT_EQ(CheckPasswordPolicy(c.password, c.email), c.problem);
  }
  EXPECT_EQ(PasswordProblemCode(PasswordProblem::too_short), "password_too_short");
  EXPECT_EQ(PasswordProblemCode(PasswordProblem::common), "password_common");
  EXPECT_EQ(PasswordProblemCode(PasswordProblem::contains_email), "password_contains_email");
  EXPECT_NE(PasswordProblemMessage(PasswordProblem::too_short).find("12"), std::string::npos);
}

TEST(PasswordPolicy, GeneratedPasswordsPass) {
  for (const char* email : {"admin@demo.kefu", "security@demo.kefu", "kb@demo.kefu"}) {
    for (int i = 0; i < 20; ++i) {
      const std::string pw = GeneratePassword(email);
      EXPECT_EQ(pw.size(), 16u);
      EXPECT_FALSE(CheckPasswordPolicy(pw, email)) << pw;
    }
  }
}

TEST(Lockout, BacksOffFromOneMinuteDoublingToTheCap) {
  ManualClock clock(1'000'000);
  LockoutPolicy policy;  // 5 failures → 1 min, doubling, capped at 1 h
  LockoutState s;
  for (int i = 1; i <= 4; ++i) {
    s = AfterFailure(s, clock.Now(), policy);
    EXPECT_EQ(LockRemaining(s, clock.Now()), 0) << i;
    clock.Advance(1000);
  }
  s = AfterFailure(s, clock.Now(), policy);
  EXPECT_EQ(s.failures, 5);
  EXPECT_EQ(LockRemaining(s, clock.Now()), 60'000);
  EXPECT_EQ(RetryAfterSeconds(LockRemaining(s, clock.Now())), 60);
  clock.Advance(59'500);
  EXPECT_EQ(RetryAfterSeconds(LockRemaining(s, clock.Now())), 1);  // rounded up
  // Each failure after a lock has passed doubles it: 2, 4, 8, 16, 32 min, then 1 h for good.
  const Millis expected[] = {120'000, 240'000, 480'000, 960'000, 1'920'000, 3'600'000, 3'600'000};
  for (Millis want : expected) {
    clock.Advance(LockRemaining(s, clock.Now()) + 1);
    ASSERT_EQ(LockRemaining(s, clock.Now()), 0);
    s = AfterFailure(s, clock.Now(), policy);
    EXPECT_EQ(LockRemaining(s, clock.Now()), want);
  }
  EXPECT_EQ(LockDuration(4, policy), 0);
  EXPECT_EQ(LockDuration(5, policy), 60'000);
  EXPECT_EQ(LockDuration(1000, policy), 3'600'000);
}

TEST(Lockout, OldFailuresAreForgottenAfterADay) {
  ManualClock clock(5'000'000);
  LockoutState s;
  for (int i = 0; i < 4; ++i) s = AfterFailure(s, clock.Now());
  clock.Advance(86'400'000);
  s = AfterFailure(s, clock.Now());
  EXPECT_EQ(s.failures, 1);
  EXPECT_EQ(LockRemaining(s, clock.Now()), 0);
}

TEST(Lockout, KeysAreKeyedHashesOfTheNormalisedEmail) {
  Key k1;
  k1.fill(1);
  Key k2;
  k2.fill(2);
  EXPECT_EQ(LockoutKey(k1, "Li@Example.org "), LockoutKey(k1, "li@example.org"));
  EXPECT_NE(LockoutKey(k1, "li@example.org"), LockoutKey(k2, "li@example.org"));
  EXPECT_NE(LockoutKey(k1, "li@example.org"), LockoutKey(k1, "wang@example.org"));
  EXPECT_EQ(LockoutKey(k1, "li@example.org").find("example"), std::string::npos);
}

StaffSession MakeSession(const std::string& token, domain::Id staff, Millis created,
                         Millis expires) {
  StaffSession s;
  s.token_hash = HashSessionToken(token);
  s.staff_id = staff;
  s.name = "staff " + std::to_string(staff);
  s.role = domain::Role::agent;
  s.desk = domain::Desk::L1;
  s.created_at = created;
  s.expires_at = expires;
  s.last_used_at = created;
  return s;
}

TEST(SessionTable, ChecksTokensByHashAndRefusesUnknownExpiredAndRevoked) {
  const std::string a = NewSessionToken(), b = NewSessionToken(), c = NewSessionToken();
  EXPECT_TRUE(IsSessionToken(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(HashSessionToken(a).size(), 32u);
  // SHA-256("abc"), FIPS 180-2.
  EXPECT_EQ(HashSessionToken("abc").substr(0, 4), std::string("\xba\x78\x16\xbf"));
  SessionTable table;
  table.Load(
      {MakeSession(a, 1, 0, 10'000), MakeSession(b, 1, 0, 20'000), MakeSession(c, 2, 0, 20'000)});
  auto found = table.Check(a, 5'000);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->staff_id, 1);
  EXPECT_EQ(found->name, "staff 1");
  EXPECT_EQ(found->desk, domain::Desk::L1);
  EXPECT_EQ(found->role, domain::Role::agent);
  EXPECT_EQ(found->expires_at, 10'000);
  EXPECT_FALSE(table.Check(NewSessionToken(), 5'000));  // unknown
  EXPECT_FALSE(table.Check("kf1.not-a-session", 5'000));
  EXPECT_FALSE(table.Check(a, 10'000));  // expired at 10'000 exactly
  EXPECT_EQ(table.size(), 2u);           // and dropped
  // Revoke everything of staff 1 but keep staff 2.
  EXPECT_EQ(table.RemoveStaff(1), 1);
  EXPECT_FALSE(table.Check(b, 5'000));
  EXPECT_TRUE(table.Check(c, 5'000));
  EXPECT_TRUE(table.Remove(HashSessionToken(c)));
  EXPECT_FALSE(table.Check(c, 5'000));
  EXPECT_FALSE(table.Remove(HashSessionToken(c)));
}

TEST(SessionTable, RemoveStaffKeepsTheCurrentSessionAndTouchesAtMostOncePerInterval) {
  const std::string a = NewSessionToken(), b = NewSessionToken();
  SessionTable table;
  table.Insert(MakeSession(a, 7, 0, 1'000'000));
  table.Insert(MakeSession(b, 7, 1, 1'000'000));
  EXPECT_EQ(table.ListStaff(7, 10).size(), 2u);
  EXPECT_EQ(table.RemoveStaff(7, HashSessionToken(a)), 1);
  EXPECT_TRUE(table.Check(a, 10));
  EXPECT_FALSE(table.Check(b, 10));
  auto first = table.Check(a, kSessionTouchInterval);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->needs_touch);
  EXPECT_EQ(first->token_hash, HashSessionToken(a));
  auto soon = table.Check(a, kSessionTouchInterval + 1'000);
  ASSERT_TRUE(soon);
  EXPECT_FALSE(soon->needs_touch);
  EXPECT_TRUE(soon->token_hash.empty());
  EXPECT_EQ(table.ListStaff(7, 10).at(0).last_used_at, kSessionTouchInterval + 1'000);
  EXPECT_EQ(table.Sweep(2'000'000), 1);
  EXPECT_EQ(table.size(), 0u);
}

TEST(SessionTable, IsSafeToUseFromSeveralThreads) {
  SessionTable table;
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i) {
    tokens.push_back(NewSessionToken());
    table.Insert(MakeSession(tokens.back(), i % 4, 0, 1'000'000));
  }
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round)
        for (const auto& tok : tokens)
          if (table.Check(tok, 1000 + round)) hits++;
      if (t == 0) table.RemoveStaff(3);
    });
  for (auto& th : threads) th.join();
  EXPECT_GT(hits.load(), 0);
  EXPECT_EQ(table.size(), 48u);
}

TEST(SecretBox, SealsOpensAndRefusesTamperingOrAnotherOwner) {
  Key k;
  k.fill(9);
  SecretBox box(k);
  const std::string sealed = box.Seal("12345678901234567890", "staff-totp:1");
  EXPECT_EQ(sealed.find("12345678901234567890"), std::string::npos);
  EXPECT_NE(box.Seal("12345678901234567890", "staff-totp:1"), sealed);  // fresh nonce
  EXPECT_EQ(box.Open(sealed, "staff-totp:1").value(), "12345678901234567890");
  EXPECT_FALSE(box.Open(sealed, "staff-totp:2").ok());
  std::string flipped = sealed;
  flipped[30] ^= 1;
  EXPECT_FALSE(box.Open(flipped, "staff-totp:1").ok());
  Key other;
  other.fill(8);
  EXPECT_FALSE(SecretBox(other).Open(sealed, "staff-totp:1").ok());
  EXPECT_FALSE(box.Open("short", "staff-totp:1").ok());
}

}  // namespace
}  // namespace kefu::auth
