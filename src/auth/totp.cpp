#include "auth/totp.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "auth/keys.hpp"

namespace kefu::auth {
namespace {

constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int Base32Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

std::string UriEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~' || c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kBase32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kBase32[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> Base32Decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ' || c == '-' || c == '=') continue;
    int v = Base32Value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string HotpCode(std::string_view secret, std::uint64_t counter, int digits,
                     TotpAlgorithm algorithm) {
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  const EVP_MD* md = algorithm == TotpAlgorithm::sha1     ? EVP_sha1()
                     : algorithm == TotpAlgorithm::sha256 ? EVP_sha256()
                                                          : EVP_sha512();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(md, secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &mac_len);
  // Dynamic truncation (RFC 4226 §5.3).
  const unsigned offset = mac[mac_len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::int64_t TotpStep(Millis now) { return now / kTotpStepMs; }

std::string TotpCode(std::string_view secret, Millis now, int digits, TotpAlgorithm algorithm) {
  return HotpCode(secret, static_cast<std::uint64_t>(TotpStep(now)), digits, algorithm);
}

std::optional<std::int64_t> VerifyTotp(std::string_view secret, std::string_view code, Millis now,
                                       std::int64_t last_used_step) {
  if (code.size() != static_cast<size_t>(kTotpDigits)) return std::nullopt;
  for (char c : code)
    if (c < '0' || c > '9') return std::nullopt;
  const std::int64_t current = TotpStep(now);
  std::optional<std::int64_t> match;
  // Every step in the window is computed and compared, so timing does not tell which matched.
  for (std::int64_t step = current - kTotpWindow; step <= current + kTotpWindow; ++step) {
    if (step < 0) continue;
    const std::string expected = HotpCode(secret, static_cast<std::uint64_t>(step));
    if (sodium_memcmp(expected.data(), code.data(), expected.size()) == 0 && step > last_used_step)
      match = step;
  }
  return match;
}

std::string NewTotpSecret() {
  std::string secret(20, '\0');
  RandomBytes(secret.data(), secret.size());
  return secret;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret) {
  std::string uri = "otpauth://totp/" + UriEscape(issuer) + ":" + UriEscape(account);
  uri += "?secret=" + Base32Encode(secret) + "&issuer=" + UriEscape(issuer);
  uri += "&algorithm=SHA1&digits=6&period=30";
  return uri;
}

}  // namespace kefu::auth
