// Rate limits, the client address behind proxies and the cross-origin rules, without a server.
#include <gtest/gtest.h>

#include "core/config.hpp"
#include "http/security.hpp"

namespace kefu::http {
namespace {

TEST(RateLimiter, BurstThenSteadyRateAndRetryAfter) {
  RateLimiter limiter(3, 2);  // 3 at once, then 2 per second
  std::int64_t retry = 0;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a", 1000, retry)) << i;
  EXPECT_FALSE(limiter.Take("a", 1000, retry));
  EXPECT_EQ(retry, 500);                             // one token back in half a second
  EXPECT_TRUE(limiter.Take("b", 1000, retry));       // other keys have their own bucket
  EXPECT_TRUE(limiter.Take("a", 1500, retry));
  EXPECT_FALSE(limiter.Take("a", 1500, retry));
  limiter.Prune(1500);
  EXPECT_EQ(limiter.size(), 1u);  // b has refilled (2 + 0.5 s × 2) and is forgotten; a has not
  limiter.Prune(5000);
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiter, ZeroPerSecondIsOff) {
  RateLimiter limiter(1, 0);
  std::int64_t retry = 0;
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.Take("a", 0, retry));
}

TEST(ClientAddress, TrustedProxiesAndLoopback) {
  auto trusted = TrustedNetworks::Parse({"127.0.0.0/8", "::1", "10.1.0.0/16"});
  ASSERT_TRUE(trusted.ok());
  struct Case {
    const char* name;
    const char* peer;
    const char* xff;
    const char* want;
  } cases[] = {
      {"loopback without XFF is not limited", "127.0.0.1", "", ""},
      {"v6 loopback without XFF", "::1", "", ""},
      {"a direct client", "203.0.113.9", "", "203.0.113.9"},
      {"XFF from an untrusted peer is ignored", "203.0.113.9", "198.51.100.1", "203.0.113.9"},
      {"loopback proxy", "127.0.0.1", "198.51.100.1", "198.51.100.1"},
      {"rightmost untrusted wins over invented entries", "127.0.0.1", "1.2.3.4, 198.51.100.1, 10.1.2.3",
       "198.51.100.1"},
      {"every hop trusted: the first", "10.1.0.5", "10.1.9.9", "10.1.9.9"},
      {"every hop loopback", "127.0.0.1", "127.0.0.1", ""},
      {"outside the /16", "127.0.0.1", "10.2.0.1", "10.2.0.1"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ClientAddress(c.peer, c.xff, *trusted), c.want);
  }
  EXPECT_FALSE(TrustedNetworks::Parse({"10.0.0.0/33"}).ok());
  EXPECT_FALSE(TrustedNetworks::Parse({"example.com"}).ok());
}

TEST(CrossOrigin, SameOriginCorsAndCsrf) {
  const std::vector<std::string> allowed = {"https://wallet.example"};
  struct Case {
    const char* name;
    const char* method;
    const char* origin;
    const char* fetch_site;
    const char* route;
    CrossOrigin want;
  } cases[] = {
      {"no Origin: not a browser page", "POST", "", "", "/api/v1/tickets", CrossOrigin::same},
      {"same origin", "POST", "http://kefu.example:8080", "", "/api/v1/tickets", CrossOrigin::same},
      {"browser says same-origin", "POST", "https://other", "same-origin", "/api/v1/tickets", CrossOrigin::same},
      {"allowed origin, widget route", "POST", "https://wallet.example", "cross-site", "/api/v1/widget/sessions",
       CrossOrigin::allowed},
      {"allowed origin, console route", "POST", "https://wallet.example", "cross-site", "/api/v1/tickets",
       CrossOrigin::refused},
      {"other origin, widget route", "POST", "https://evil.example", "cross-site", "/api/v1/widget/sessions",
       CrossOrigin::refused},
      {"other origin, a read", "GET", "https://evil.example", "cross-site", "/api/v1/tickets", CrossOrigin::readonly},
      {"cross-site without Origin", "POST", "", "cross-site", "/api/v1/auth/login", CrossOrigin::refused},
      {"opaque origin", "POST", "null", "", "/api/v1/auth/login", CrossOrigin::refused},
      {"same host, other port", "POST", "http://kefu.example:9090", "", "/api/v1/tickets", CrossOrigin::refused},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ClassifyOrigin(c.method, c.origin, c.fetch_site, "kefu.example:8080", c.route, allowed), c.want);
  }
  EXPECT_TRUE(SameOrigin("https://kefu.example", "kefu.example:443"));
  EXPECT_TRUE(SameOrigin("http://KEFU.example", "kefu.example"));
}

TEST(Config, AllowedOriginsAreCheckedAndNormalised) {
  auto ok = ParseConfig("[http]\nallowed_origins = [\"HTTPS://Wallet.Example/\"]\n", "t.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->allowed_origins, std::vector<std::string>{"https://wallet.example"});
  for (const char* bad : {"\"*\"", "\"wallet.example\"", "\"https://wallet.example/app\""}) {
    SCOPED_TRACE(bad);
    auto r = ParseConfig(std::string("[http]\nallowed_origins = [") + bad + "]\n", "t.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("http.allowed_origins"), std::string::npos);
  }
  auto limits = ParseConfig("[limits]\nheader_count = 20\nrequest_timeout_ms = 500\ntoken_per_second = 0\n", "t.toml");
  ASSERT_TRUE(limits.ok()) << limits.error().message;
  EXPECT_EQ(limits->limits.header_count, 20);
  EXPECT_EQ(limits->limits.request_timeout_ms, 500);
  EXPECT_EQ(limits->limits.token_per_second, 0);
}

}  // namespace
}  // namespace kefu::http
