// Anti-impersonation: how a value a customer was given ("agent KF-7Q2M9C4D", "+86 400-800-1234",
// "@DemoWalletSupport") is compared with the operator's official channels, and what a staff
// member's public verify id looks like. Pure rules: the configuration and the store supply the
// lists, GET /api/v1/verify asks these functions.
//
// Normal forms (what two spellings of one channel both become):
//  * phone: digits only (spaces, dashes, dots, brackets dropped). An international prefix ("+" or
//    "00") is kept as "+"; +86 (China, the default country) is dropped, as is a domestic trunk
//    "0", so "+86 10 8888 6666", "0086-10-88886666" and "010-88886666" are all "1088886666",
//    while "+1 (555) 010-2000" is "+15550102000". 5–17 digits, or not a phone number.
//  * email: trimmed and lower-cased; one "@" with text on both sides.
//  * wechat, telegram: trimmed, a leading "@" (and for Telegram "https://t.me/") dropped,
//    lower-cased; letters, digits, '_' and '-' only.
//  * agent: a verify id "KF-" + 8 characters of Crockford's base32 (0-9, A-Z without I, L, O,
//    U), compared without case, spaces or dashes, with O read as 0 and I, L as 1; the "KF-" may
//    be left out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::domain {

enum class VerifyKind { agent, phone, email, wechat, telegram };

// "agent", "phone", "email", "wechat", "telegram".
std::optional<VerifyKind> ParseVerifyKind(std::string_view name);
std::string_view VerifyKindName(VerifyKind kind);

// The normal form of `value` as a `kind` (see above); nullopt when it cannot be one.
std::optional<std::string> NormaliseChannel(VerifyKind kind, std::string_view value);

// True when `value` (as typed by anyone) is, once normalised, one of `official` (as configured).
bool IsOfficial(VerifyKind kind, std::string_view value, const std::vector<std::string>& official);

// A new verify id from 40 random bits ("KF-" + 8 base32 characters). `random` supplies them.
std::string MakeVerifyId(std::uint64_t random);

inline constexpr std::size_t kVerifyIdLength = 11;  // "KF-" + 8

}  // namespace kefu::domain
