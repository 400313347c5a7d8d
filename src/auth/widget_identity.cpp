#include "auth/widget_identity.hpp"

#include <sodium.h>

#include "core/text.hpp"

namespace kefu::auth {
namespace {

bool SiteNameOk(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool UserIdOk(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s)
    if (c <= ' ' || c > '~') return false;
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

constexpr std::string_view kVisitorPrefix = "v1.";

}  // namespace

std::string IdentitySigningString(std::string_view site, std::string_view user_id, std::int64_t expires_at) {
  std::string s = "kefu-widget-v1\n";
  s += site;
  s += '\n';
  s += user_id;
  s += '\n';
  s += std::to_string(expires_at);
  return s;
}

std::string SignIdentity(std::string_view secret, std::string_view site, std::string_view user_id,
                         std::int64_t expires_at) {
  const std::string msg = IdentitySigningString(site, user_id, expires_at);
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_memzero(&st, sizeof st);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

IdentityCheck VerifyIdentity(const WidgetIdentity& id, const std::vector<WidgetSite>& sites, Millis now,
                             std::int64_t max_ttl_s, std::int64_t skew_s) {
  if (!SiteNameOk(id.site))
    return {"identity_invalid", "'identity.site' must be 1-64 letters, digits, '_' or '-'"};
  if (!UserIdOk(id.user_id))
    return {"identity_invalid", "'identity.user_id' must be 1-128 printable ASCII characters without spaces"};
  if (id.expires_at <= 0) return {"identity_invalid", "'identity.expires_at' must be a Unix time in seconds"};
  if (id.signature.size() != 2 * crypto_auth_hmacsha256_BYTES)
    return {"identity_invalid", "'identity.signature' must be 64 hex digits"};
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  for (size_t i = 0; i < sizeof given; ++i) {
    const int hi = HexValue(id.signature[2 * i]);
    const int lo = HexValue(id.signature[2 * i + 1]);
    if (hi < 0 || lo < 0) return {"identity_invalid", "'identity.signature' must be 64 hex digits"};
    given[i] = static_cast<unsigned char>(hi * 16 + lo);
  }
  const WidgetSite* site = nullptr;
  for (const WidgetSite& s : sites)
    if (s.name == id.site) site = &s;
  if (!site) return {"identity_unknown_site", "this site is not configured to sign identities"};
  const std::string msg = IdentitySigningString(id.site, id.user_id, id.expires_at);
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(site->secret.data()), site->secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_memzero(&st, sizeof st);
  if (sodium_memcmp(mac, given, sizeof mac) != 0)
    return {"identity_bad_signature", "the identity's signature does not match"};
  // Checked after the signature, so that the expiry errors only speak about genuine identities.
  const std::int64_t now_s = now / 1000;
  if (id.expires_at <= now_s - skew_s) return {"identity_expired", "the identity has expired; sign a fresh one"};
  if (id.expires_at > now_s + max_ttl_s + skew_s)
    return {"identity_expiry_too_far",
            "'identity.expires_at' is more than " + std::to_string(max_ttl_s) + " seconds ahead"};
  return {};
}

std::string NewVisitorId() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  return std::string(kVisitorPrefix) + Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

bool IsVisitorId(std::string_view text) {
  if (!text.starts_with(kVisitorPrefix)) return false;
  text.remove_prefix(kVisitorPrefix.size());
  if (text.size() != 22) return false;
  auto raw = Base64UrlDecode(text);
  return raw && raw->size() == 16;
}

std::string VisitorIdDigest(std::string_view visitor_id) {
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(visitor_id.data()), visitor_id.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(h), sizeof h));
}

}  // namespace kefu::auth
