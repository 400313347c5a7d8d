// Staff passwords, hashed with argon2id (libsodium's crypto_pwhash_str: the salt and parameters
// travel inside the encoded hash, so parameters can be raised later without a migration).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kefu::auth {

// Minimum length, in characters (code points), enforced on new passwords.
inline constexpr size_t kMinPasswordLength = 12;
inline constexpr size_t kMaxPasswordBytes = 1024;

// Why a new password was refused. The wire names (PasswordProblemCode) are stable error codes
// that clients translate; the English messages are for the command line and logs.
enum class PasswordProblem {
  too_short,       // fewer than kMinPasswordLength characters
  too_long,        // more than kMaxPasswordBytes bytes
  common,          // in the shipped list of common passwords (data/auth/common_passwords.txt),
                   // also with digits or punctuation appended or with capitals
  contains_email,  // contains the local part of the account's email (3+ characters)
};

// "password_too_short", "password_too_long", "password_common", "password_contains_email".
std::string_view PasswordProblemCode(PasswordProblem problem);
// A sentence in English saying what is wrong and what is needed.
std::string PasswordProblemMessage(PasswordProblem problem);

// The password policy for a new password of the account with `email`; nullopt when it passes.
// Cheap (no hashing): check before HashPassword.
std::optional<PasswordProblem> CheckPasswordPolicy(std::string_view password,
                                                   std::string_view email);

// Hashes `password` (only the length limits are checked here: apply CheckPasswordPolicy to
// new passwords first). Slow on purpose (tens of milliseconds): call it off the network threads.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `encoded`. Constant-time in the password. Slow like HashPassword.
bool VerifyPassword(std::string_view encoded, std::string_view password);

// A random human-typeable password (for demo accounts): 16 characters, no look-alikes, that
// passes CheckPasswordPolicy for `email`.
std::string GeneratePassword(std::string_view email = {});

}  // namespace kefu::auth
