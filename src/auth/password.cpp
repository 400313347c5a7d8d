#include "auth/password.hpp"

#include <sodium.h>

#include <algorithm>
#include <unordered_set>

#include "auth/keys.hpp"
#include "core/text.hpp"

namespace kefu::auth {

extern const char kCommonPasswordsText[];  // generated from data/auth/common_passwords.txt

namespace {
// OWASP's argon2id floor (m = 19 MiB, t = 2, p = 1): a login costs ~30 ms of one core and keeps
// idle memory low, since the 19 MiB is returned right after.
constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19u << 20;

const std::unordered_set<std::string>& CommonPasswords() {
  static const std::unordered_set<std::string> set = [] {
    std::unordered_set<std::string> out;
    std::string_view text = kCommonPasswordsText;
    while (!text.empty()) {
      size_t nl = text.find('\n');
      std::string_view line = Trim(text.substr(0, nl));
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      if (!line.empty() && line[0] != '#') out.insert(AsciiLower(line));
    }
    return out;
  }();
  return set;
}

bool IsDigitOrPunct(char c) {
  return (c >= '0' && c <= '9') || (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
         (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

size_t CountCodePointsLoose(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

}  // namespace

std::string_view PasswordProblemCode(PasswordProblem problem) {
  switch (problem) {
    case PasswordProblem::too_short:
      return "password_too_short";
    case PasswordProblem::too_long:
      return "password_too_long";
    case PasswordProblem::common:
      return "password_common";
    case PasswordProblem::contains_email:
      return "password_contains_email";
  }
  return "password_invalid";
}

std::string PasswordProblemMessage(PasswordProblem problem) {
  switch (problem) {
    case PasswordProblem::too_short:
      return "the password must have at least " + std::to_string(kMinPasswordLength) +
             " characters";
    case PasswordProblem::too_long:
      return "the password must have at most " + std::to_string(kMaxPasswordBytes) + " bytes";
    case PasswordProblem::common:
      return "the password is too common; choose one that is hard to guess";
    case PasswordProblem::contains_email:
      return "the password must not contain the email address's name";
  }
  return "the password is not allowed";
}

std::optional<PasswordProblem> CheckPasswordPolicy(std::string_view password,
                                                   std::string_view email) {
  if (password.size() > kMaxPasswordBytes) return PasswordProblem::too_long;
  if (CountCodePointsLoose(password) < kMinPasswordLength) return PasswordProblem::too_short;
  const std::string lower = AsciiLower(password);
  const auto& common = CommonPasswords();
  if (common.count(lower)) return PasswordProblem::common;
  // "Password2024!" is as weak as "password": strip what people append and prepend.
  std::string_view core = lower;
  while (!core.empty() && IsDigitOrPunct(core.back())) core.remove_suffix(1);
  while (!core.empty() && IsDigitOrPunct(core.front())) core.remove_prefix(1);
  if (core.empty() || common.count(std::string(core))) return PasswordProblem::common;
  // One character repeated, however long, is no password either.
  if (std::all_of(lower.begin(), lower.end(), [&](char c) { return c == lower[0]; }))
    return PasswordProblem::common;
  const std::string local = AsciiLower(email.substr(0, email.find('@')));
  if (local.size() >= 3 && lower.find(local) != std::string::npos)
    return PasswordProblem::contains_email;
  return std::nullopt;
}

Result<std::string> HashPassword(std::string_view password) {
  InitCrypto();
  if (password.empty()) return MakeError(Code::invalid, "the password is empty");
  if (password.size() > kMaxPasswordBytes)
    return MakeError(Code::invalid, PasswordProblemMessage(PasswordProblem::too_long));
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

std::string GeneratePassword(std::string_view email) {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  InitCrypto();
  for (;;) {
    std::string out;
    for (int i = 0; i < 16; ++i) out += kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];
    if (!CheckPasswordPolicy(out, email)) return out;
  }
}

}  // namespace kefu::auth
