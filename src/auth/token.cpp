#include "auth/token.hpp"

#include <sodium.h>

#include <charconv>

#include "core/text.hpp"

namespace kefu::auth {
namespace {

constexpr std::string_view kPrefix = "kf1.";

std::string Mac(const Key& key, std::string_view payload) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(mac, reinterpret_cast<const unsigned char*>(payload.data()),
                         payload.size(), key.data());
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

bool ParseInt(std::string_view s, std::int64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string TokenSigner::Issue(const TokenClaims& c) const {
  std::string payload;
  payload += c.type == SubjectType::staff ? 's' : 'c';
  payload += ':' + std::to_string(c.subject) + ':' + std::to_string(c.expires_at) + ':' +
             std::to_string(c.version);
  std::string token(kPrefix);
  token += Base64UrlEncode(payload);
  token += '.';
  token += Base64UrlEncode(Mac(key_, payload));
  return token;
}

Result<TokenClaims> TokenSigner::Verify(std::string_view token, Millis now) const {
  auto bad = [] { return MakeError(Code::unauthorized, "invalid token"); };
  if (token.size() > 512 || token.substr(0, kPrefix.size()) != kPrefix) return bad();
  token.remove_prefix(kPrefix.size());
  size_t dot = token.find('.');
  if (dot == std::string_view::npos) return bad();
  auto payload = Base64UrlDecode(token.substr(0, dot));
  auto mac = Base64UrlDecode(token.substr(dot + 1));
  if (!payload || !mac || mac->size() != crypto_auth_hmacsha256_BYTES) return bad();
  if (crypto_auth_hmacsha256_verify(reinterpret_cast<const unsigned char*>(mac->data()),
                                    reinterpret_cast<const unsigned char*>(payload->data()),
                                    payload->size(), key_.data()) != 0)
    return bad();
  // The signature holds, so the payload is ours; parse it strictly all the same.
  std::string_view p = *payload;
  TokenClaims c;
  if (p.size() < 2 || (p[0] != 's' && p[0] != 'c') || p[1] != ':') return bad();
  c.type = p[0] == 's' ? SubjectType::staff : SubjectType::customer;
  p.remove_prefix(2);
  std::int64_t parts[3];
  for (int i = 0; i < 3; ++i) {
    size_t colon = p.find(':');
    if ((i < 2) != (colon != std::string_view::npos)) return bad();
    if (!ParseInt(p.substr(0, colon), parts[i])) return bad();
    p.remove_prefix(i < 2 ? colon + 1 : p.size());
  }
  c.subject = parts[0];
  c.expires_at = parts[1];
  c.version = parts[2];
  if (c.expires_at <= now) return MakeError(Code::unauthorized, "token expired");
  return c;
}

}  // namespace kefu::auth
