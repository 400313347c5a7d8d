#include "auth/password.hpp"

#include <sodium.h>

#include "auth/keys.hpp"

namespace kefu::auth {
namespace {
// OWASP's argon2id floor (m = 19 MiB, t = 2, p = 1): a login costs ~30 ms of one core and keeps
// idle memory low, since the 19 MiB is returned right after.
constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19u << 20;
}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  InitCrypto();
  if (password.size() < kMinPasswordLength)
    return MakeError(Code::invalid, "password must have at least " +
                                        std::to_string(kMinPasswordLength) + " characters");
  if (password.size() > 1024) return MakeError(Code::invalid, "password is too long");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return MakeError(Code::internal, "out of memory while hashing a password");
  return std::string(out);
}

bool VerifyPassword(std::string_view encoded, std::string_view password) {
  InitCrypto();
  std::string enc(encoded);  // must be NUL-terminated
  return crypto_pwhash_str_verify(enc.c_str(), password.data(), password.size()) == 0;
}

std::string GeneratePassword() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string out;
  for (int i = 0; i < 16; ++i)
    out += kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];
  return out;
}

}  // namespace kefu::auth
