#include "auth/secret_box.hpp"

#include <sodium.h>

namespace kefu::auth {
namespace {
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

std::string SecretBox::Seal(std::string_view plain, std::string_view associated) const {
  InitCrypto();
  std::string out(kNonce + plain.size() + kTag, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(p, kNonce);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(p + kNonce, &len, Bytes(plain), plain.size(),
                                             Bytes(associated), associated.size(), nullptr, p,
                                             key_.data());
  out.resize(kNonce + len);
  return out;
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view associated) const {
  InitCrypto();
  if (sealed.size() < kNonce + kTag) return MakeError(Code::internal, "sealed secret is damaged");
  std::string out(sealed.size() - kNonce - kTag, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(out.data()), &len, nullptr, Bytes(sealed) + kNonce,
          sealed.size() - kNonce, Bytes(associated), associated.size(), Bytes(sealed),
          key_.data()) != 0)
    return MakeError(Code::internal, "sealed secret does not open (altered, or another key)");
  out.resize(len);
  return out;
}

}  // namespace kefu::auth
