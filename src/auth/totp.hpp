// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) for staff two-factor sign-in.
//
// kefu issues 6-digit HMAC-SHA1 codes with a 30-second step, the parameters every authenticator
// app understands; SHA-256 and SHA-512 are supported for the RFC's test vectors and for later use.
// A code is accepted in the current step and one step either side (clock drift), and a step that
// was used once is never accepted again (the caller persists the last used step).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.hpp"

namespace kefu::auth {

enum class TotpAlgorithm { sha1, sha256, sha512 };

inline constexpr Millis kTotpStepMs = 30'000;
inline constexpr int kTotpDigits = 6;
inline constexpr int kTotpWindow = 1;  // steps accepted either side of now

// RFC 4648 base32 without padding (what otpauth:// URIs carry).
std::string Base32Encode(std::string_view bytes);
// Decodes base32, case-insensitive, ignoring spaces, hyphens and '=' padding; nullopt on any
// other character or leftover bits that are not zero.
std::optional<std::string> Base32Decode(std::string_view text);

// HOTP (RFC 4226) value of `counter` with `digits` digits (6..8), zero-padded.
std::string HotpCode(std::string_view secret, std::uint64_t counter, int digits = kTotpDigits,
                     TotpAlgorithm algorithm = TotpAlgorithm::sha1);

// The TOTP step (T) that contains `now`.
std::int64_t TotpStep(Millis now);

// The TOTP code for `now`.
std::string TotpCode(std::string_view secret, Millis now, int digits = kTotpDigits,
                     TotpAlgorithm algorithm = TotpAlgorithm::sha1);

// Checks `code` against the steps around `now` (±kTotpWindow). Answers the matching step, or
// nullopt when none matches or the matching step is not newer than `last_used_step` (a replay).
// Constant-time per comparison; a code that is not exactly `kTotpDigits` digits never matches.
std::optional<std::int64_t> VerifyTotp(std::string_view secret, std::string_view code, Millis now,
                                       std::int64_t last_used_step);

// A new random secret: 20 bytes (160 bits, RFC 4226's recommendation for SHA-1).
std::string NewTotpSecret();

// The otpauth:// URI that authenticator apps import (usually from a QR code):
// otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
std::string OtpauthUri(std::string_view issuer, std::string_view account, std::string_view secret);

}  // namespace kefu::auth
