// How staff see customer PII (issue 6 item 4, DESIGN.md §4): masked. Pure functions, no I/O;
// the http module (json_io.hpp: Pii) applies them to everything staff read — messages, previews,
// names, identities, tickets, notes, complaints — and a supervisor's or admin's reveal (with a
// reason, audited as pii.reveal) shows the value as written. Customers read their own data
// unmasked.
//
// MaskText must not hide what agents work with: order numbers, amounts, dates, transaction
// hashes and addresses stay as written. It masks e-mail addresses, phone numbers as people write
// them (a '+' country code, a Chinese mobile, a fixed line with its area code, or digits in
// phone-like groups), resident identity numbers whose birth date and check character hold, and
// card numbers that pass the Luhn check or are written in groups of four.
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
