// Tickets (工单): what a ticket is about, how urgent it is, and its status life cycle. Pure
// rules, no I/O: the store persists what these functions decide, and every decided change
// becomes one event with a timestamp and an actor.
//
//   new ──open──► open ──wait_on_customer──► pending
//                  ▲  ◄────────resume─────────┘ │
//                  │ open|pending ──resolve──► resolved ──close──► closed
//                  └──────reopen── resolved|closed
//   merge: any status but closed ──► closed (pointing at the ticket it was merged into)
// Any other change is rejected with Code::conflict (a status set to itself included).
//
// Wallet and payment fields are checked for shape here (a hash looks like a hash); whether the
// transaction exists is for the operator's back end to say.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kefu::domain {

enum class TicketType { inquiry, incident, complaint, data_request };
enum class TicketCategory { account, kyc, bank_card, top_up, transfer, withdrawal, security, asset_loss, other };
enum class TicketPriority { low, normal, high, urgent };
// `new` is a keyword, hence `fresh`; its wire name is "new".
enum class TicketStatus { fresh, open, pending, resolved, closed };

// What someone does to a ticket's status. Each action names the event it produces.
enum class TicketAction {
  open,              // new → open                       ("ticket.opened")
  wait_on_customer,  // open → pending                   ("ticket.pending")
  resume,            // pending → open                   ("ticket.resumed")
  resolve,           // open|pending → resolved          ("ticket.resolved")
  close,             // resolved → closed                ("ticket.closed")
  reopen,            // resolved|closed → open           ("ticket.reopened")
  merge,             // any but closed → closed          ("ticket.merged")
};

// Wire names ("inquiry", "bank_card", "urgent", "new", …) and their parsers (exact, lower case).
std::string_view TicketTypeName(TicketType t);
std::optional<TicketType> ParseTicketType(std::string_view name);
std::string_view TicketCategoryName(TicketCategory c);
std::optional<TicketCategory> ParseTicketCategory(std::string_view name);
std::string_view TicketPriorityName(TicketPriority p);
std::optional<TicketPriority> ParseTicketPriority(std::string_view name);
std::string_view TicketStatusName(TicketStatus s);
std::optional<TicketStatus> ParseTicketStatus(std::string_view name);
std::string_view TicketActionName(TicketAction a);
// The event type recorded for an action ("ticket.opened", "ticket.resolved", ...).
std::string_view TicketEventType(TicketAction a);

// The status after `action` in status `from`, or Code::conflict naming both.
Result<TicketStatus> Transition(TicketStatus from, TicketAction action);
// The action that takes a ticket from `from` to `to` (what a client asking for a status means),
// or Code::conflict naming both when no single action does.
Result<TicketAction> ActionTo(TicketStatus from, TicketStatus to);

// ---- field shapes (wallet and payment details) ----

// A transaction hash: 0x + 64 hex digits (EVM, Tron with prefix) or 64 hex digits (Bitcoin,
// Tron). Code::invalid with a message naming the field otherwise.
Status CheckTxHash(std::string_view v);
// An address: 0x + 40 hex digits (EVM), base58 of 25–44 characters (Bitcoin legacy, Tron,
// Solana), or bech32 (hrp "1" then 6–87 characters of the bech32 alphabet, one case).
Status CheckAddress(std::string_view field, std::string_view v);
// A non-negative decimal amount as a string: digits, optionally "." and up to 18 more digits,
// at most 40 characters; no sign, exponent or grouping ("0.5", "1200", "0.000000000000000001").
Status CheckAmount(std::string_view v);
// Exactly four digits: the last four of a bank card, never more of the number.
Status CheckCardLast4(std::string_view v);

}  // namespace kefu::domain
