#include "domain/ticket.hpp"

#include <array>

namespace kefu::domain {

namespace {

constexpr std::array<std::string_view, 4> kTypeNames = {"inquiry", "incident", "complaint", "data_request"};
constexpr std::array<std::string_view, 9> kCategoryNames = {"account",    "kyc",      "bank_card",
                                                            "top_up",     "transfer", "withdrawal",
                                                            "security",   "asset_loss", "other"};
constexpr std::array<std::string_view, 4> kPriorityNames = {"low", "normal", "high", "urgent"};
constexpr std::array<std::string_view, 5> kStatusNames = {"new", "open", "pending", "resolved", "closed"};

template <typename E, size_t N>
std::optional<E> ParseName(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<E>(i);
  return std::nullopt;
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool AllHex(std::string_view s) {
  for (char c : s)
    if (!IsHex(c)) return false;
  return true;
}

bool IsBase58(char c) {
  static constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  return kAlphabet.find(c) != std::string_view::npos;
}

// bech32 (BIP-173) shape: human-readable part, '1', data in the 32-character alphabet; a single
// case throughout. The checksum is not verified: a typo is the back end's to report.
bool IsBech32(std::string_view s) {
  if (s.size() < 14 || s.size() > 90) return false;
  const size_t sep = s.rfind('1');
  if (sep == std::string_view::npos || sep == 0 || s.size() - sep - 1 < 6) return false;
  bool lower = false, upper = false;
  for (char c : s) {
    if (c >= 'a' && c <= 'z') lower = true;
    if (c >= 'A' && c <= 'Z') upper = true;
  }
  if (lower && upper) return false;
  for (char c : s.substr(0, sep))
    if (c < 33 || c > 126) return false;
  static constexpr std::string_view kData = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  for (char c : s.substr(sep + 1)) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (kData.find(l) == std::string_view::npos) return false;
  }
  return true;
}

Error Invalid(std::string message) { return MakeError(Code::invalid, std::move(message)); }

}  // namespace

std::string_view TicketTypeName(TicketType t) { return kTypeNames[static_cast<size_t>(t)]; }
std::optional<TicketType> ParseTicketType(std::string_view n) { return ParseName<TicketType>(kTypeNames, n); }
std::string_view TicketCategoryName(TicketCategory c) { return kCategoryNames[static_cast<size_t>(c)]; }
std::optional<TicketCategory> ParseTicketCategory(std::string_view n) {
  return ParseName<TicketCategory>(kCategoryNames, n);
}
std::string_view TicketPriorityName(TicketPriority p) { return kPriorityNames[static_cast<size_t>(p)]; }
std::optional<TicketPriority> ParseTicketPriority(std::string_view n) {
  return ParseName<TicketPriority>(kPriorityNames, n);
}
std::string_view TicketStatusName(TicketStatus s) { return kStatusNames[static_cast<size_t>(s)]; }
std::optional<TicketStatus> ParseTicketStatus(std::string_view n) { return ParseName<TicketStatus>(kStatusNames, n); }

std::string_view TicketActionName(TicketAction a) {
  switch (a) {
    case TicketAction::open: return "open";
    case TicketAction::wait_on_customer: return "wait_on_customer";
    case TicketAction::resume: return "resume";
    case TicketAction::resolve: return "resolve";
    case TicketAction::close: return "close";
    case TicketAction::reopen: return "reopen";
    case TicketAction::merge: return "merge";
  }
  return "unknown";
}

std::string_view TicketEventType(TicketAction a) {
  switch (a) {
    case TicketAction::open: return "ticket.opened";
    case TicketAction::wait_on_customer: return "ticket.pending";
    case TicketAction::resume: return "ticket.resumed";
    case TicketAction::resolve: return "ticket.resolved";
    case TicketAction::close: return "ticket.closed";
    case TicketAction::reopen: return "ticket.reopened";
    case TicketAction::merge: return "ticket.merged";
  }
  return "ticket.unknown";
}

Result<TicketStatus> Transition(TicketStatus from, TicketAction action) {
  using S = TicketStatus;
  using A = TicketAction;
  std::optional<S> to;
  switch (action) {
    case A::open: if (from == S::fresh) to = S::open; break;
    case A::wait_on_customer: if (from == S::open) to = S::pending; break;
    case A::resume: if (from == S::pending) to = S::open; break;
    case A::resolve: if (from == S::open || from == S::pending) to = S::resolved; break;
    case A::close: if (from == S::resolved) to = S::closed; break;
    case A::reopen: if (from == S::resolved || from == S::closed) to = S::open; break;
    case A::merge: if (from != S::closed) to = S::closed; break;
  }
  if (!to) {
    return MakeError(Code::conflict, "cannot " + std::string(TicketActionName(action)) + " a ticket that is " +
                                         std::string(TicketStatusName(from)));
  }
  return *to;
}

Result<TicketAction> ActionTo(TicketStatus from, TicketStatus to) {
  // merge is not a status a client asks for: it needs a target ticket.
  for (TicketAction a : {TicketAction::open, TicketAction::wait_on_customer, TicketAction::resume,
                         TicketAction::resolve, TicketAction::close, TicketAction::reopen}) {
    auto r = Transition(from, a);
    if (r.ok() && *r == to) return a;
  }
  return MakeError(Code::conflict, "a ticket that is " + std::string(TicketStatusName(from)) + " cannot become " +
                                       std::string(TicketStatusName(to)));
}

Status CheckTxHash(std::string_view v) {
  std::string_view hex = v;
  if (hex.size() == 66 && (hex.substr(0, 2) == "0x" || hex.substr(0, 2) == "0X")) hex.remove_prefix(2);
  if (hex.size() == 64 && AllHex(hex)) return Ok();
  return Invalid("'tx_hash' must be 0x followed by 64 hex digits, or 64 hex digits");
}

Status CheckAddress(std::string_view field, std::string_view v) {
  if (v.size() == 42 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') && AllHex(v.substr(2))) return Ok();
  if (IsBech32(v)) return Ok();
  if (v.size() >= 25 && v.size() <= 44) {
    bool base58 = true;
    for (char c : v) base58 = base58 && IsBase58(c);
    if (base58) return Ok();
  }
  return Invalid("'" + std::string(field) +
                 "' must be an address: 0x followed by 40 hex digits, base58 (25–44 characters) or bech32");
}

Status CheckAmount(std::string_view v) {
  const Error bad = Invalid("'amount' must be a non-negative decimal number written as a string, e.g. \"12.5\" "
                            "(at most 18 decimal places)");
  if (v.empty() || v.size() > 40) return bad;
  const size_t dot = v.find('.');
  std::string_view whole = v.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
  if (whole.empty() || (dot != std::string_view::npos && (frac.empty() || frac.size() > 18))) return bad;
  for (std::string_view part : {whole, frac})
    for (char c : part)
      if (c < '0' || c > '9') return bad;
  return Ok();
}

Status CheckCardLast4(std::string_view v) {
  if (v.size() == 4) {
    bool digits = true;
    for (char c : v) digits = digits && c >= '0' && c <= '9';
    if (digits) return Ok();
  }
  return Invalid("'card_last4' must be exactly the last 4 digits of the card (never the full number)");
}

}  // namespace kefu::domain
