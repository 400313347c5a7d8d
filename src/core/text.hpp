// Text helpers shared by every module: UTF-8 validation and counting, JSON string escaping,
// base64url. No allocation beyond the output strings.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kefu {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Number of Unicode code points in well-formed UTF-8 `s`.
size_t CountCodePoints(std::string_view s);

// The longest prefix of `s` with at most `max_code_points` code points (never splits one).
std::string_view TruncateCodePoints(std::string_view s, size_t max_code_points);

// The same, but never cutting through a token that holds a digit or '@' (a phone number, an
// e-mail address, an ID, "138 0013 8000"): the cut moves back to the token's start, so a
// preview never shows a stub of a number that the masked full text would complete.
std::string_view TruncateAtToken(std::string_view s, size_t max_code_points);

// Appends `s` as a quoted JSON string, escaping what RFC 8259 requires.
void AppendJsonString(std::string& out, std::string_view s);

std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

std::string HexEncode(std::string_view bytes);

// ASCII lower-casing (emails, codes); leaves other bytes alone.
std::string AsciiLower(std::string_view s);

// Trims ASCII whitespace at both ends.
std::string_view Trim(std::string_view s);

}  // namespace kefu
