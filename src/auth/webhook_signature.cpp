#include "auth/webhook_signature.hpp"

#include <sodium.h>

#include "core/text.hpp"

namespace kefu::auth {

std::string WebhookMac(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  const std::string prefix = std::to_string(unix_seconds) + ".";
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(prefix.data()), prefix.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&state, mac);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac));
}

std::string WebhookSignature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + WebhookMac(secret, unix_seconds, body);
}

}  // namespace kefu::auth
