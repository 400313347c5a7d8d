// How staff see customer PII by default (issue 6 item 4, DESIGN.md §4): masked. Pure functions,
// no I/O; the http module applies them to what it shows staff whose role does not see PII in
// full, and a reveal (with a reason, audited as pii.reveal) shows the value unmasked.
//
// Not wired to routes yet: the http module still shows staff PII in full; the reveal route and
// its pii.reveal audit entry are to follow (issue 6 item 4).
#pragma once

#include <string>
#include <string_view>

namespace kefu::domain {

// "alice@example.com" → "a***@example.com".
std::string MaskEmail(std::string_view email);
// Keeps the first three and last four digits ("+86 138 0013 8000" → "+86138****8000"); shorter
// numbers keep only their last two digits.
std::string MaskPhone(std::string_view phone);
// A resident identity number (18 characters, or 15 digits) keeps its first four and last four.
std::string MaskIdNumber(std::string_view id_number);
// A card is shown by its last four digits only: "•••• 1234".
std::string MaskCardLast4(std::string_view last4);
// Masks e-mail addresses, phone numbers and identity numbers inside free text (a message),
// leaving everything else as written.
std::string MaskText(std::string_view text);

}  // namespace kefu::domain
