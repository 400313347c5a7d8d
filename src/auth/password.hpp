// Staff passwords, hashed with argon2id (libsodium's crypto_pwhash_str: the salt and parameters
// travel inside the encoded hash, so parameters can be raised later without a migration).
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kefu::auth {

// Minimum length enforced on new passwords.
inline constexpr size_t kMinPasswordLength = 8;

// Hashes `password`. Slow on purpose (tens of milliseconds): call it off the network threads.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `encoded`. Constant-time in the password. Slow like HashPassword.
bool VerifyPassword(std::string_view encoded, std::string_view password);

// A random human-typeable password (for demo accounts): 16 characters, no look-alikes.
std::string GeneratePassword();

}  // namespace kefu::auth
