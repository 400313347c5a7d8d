#include "auth/webhook_signature.hpp"

#include <gtest/gtest.h>

namespace kefu::auth {
namespace {

// Fixed vectors, computed independently (Python: hmac.new(secret, f"{t}.".encode() + body,
// hashlib.sha256).hexdigest()), as a receiver would verify them.
TEST(WebhookSignature, MatchesFixedVectors) {
  struct Case {
    std::string_view secret;
    std::int64_t t;
    std::string_view body;
    std::string_view mac;
  };
  const Case cases[] = {
      {"whsec_test_0123456789abcdef", 1764201600, R"({"type":"security.case"})",
       "67cb3c0e119389b4c9feba080b991bb379d3c06bfa22d7a3a4f4c1478c5258d1"},
      {"key", 0, "", "85841b4efc3cd7776c3c8f9b7cca9e281c550e5d19889d78e9e669c6337f000d"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.secret);
    EXPECT_EQ(WebhookMac(c.secret, c.t, c.body), c.mac);
    EXPECT_EQ(WebhookSignature(c.secret, c.t, c.body), "t=" + std::to_string(c.t) + ",v1=" + std::string(c.mac));
  }
}

TEST(WebhookSignature, ChangesWithEveryInput) {
  const std::string base = WebhookMac("secret-secret-secret", 100, "{}");
  EXPECT_NE(WebhookMac("secret-secret-secreT", 100, "{}"), base);
  EXPECT_NE(WebhookMac("secret-secret-secret", 101, "{}"), base);
  EXPECT_NE(WebhookMac("secret-secret-secret", 100, "{ }"), base);
  // The timestamp and the body are separated: "1" + "0.{}" is not "10" + ".{}".
  EXPECT_NE(WebhookMac("secret-secret-secret", 1, "0.{}"), WebhookMac("secret-secret-secret", 10, "{}"));
}

}  // namespace
}  // namespace kefu::auth
