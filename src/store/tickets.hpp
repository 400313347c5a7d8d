// Tickets (工单) in the store: tickets with wallet and payment fields, internal notes, links to
// conversations, merge, and canned replies (快捷回复). Reached through Store::Tickets(); follows
// the Store's threading and durability contract (store.hpp): writes are group committed and
// call back after a durable commit, reads are synchronous and thread-safe.
//
// Invariants:
//  * Every change to a ticket appends an event (type "ticket.*", the actor, "ticket_id" in its
//    data) to the events table in the same transaction; the event row also carries the ticket id
//    in its own indexed column, and the conversation id when the ticket has one.
//  * Text arrives already passed through the secret guard (http::Hub::GuardText); the store
//    neither checks nor logs it. card_last4 holds at most four digits, never a card number.
//  * Notes are internal: nothing here hands them to a customer; callers decide who reads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/ticket.hpp"
#include "store/store.hpp"

namespace kefu::store {

// Wallet and payment details of a ticket; empty strings when unknown.
struct TicketFields {
  std::string chain;         // "ethereum", "tron", "bitcoin", ... (free text, short)
  std::string tx_hash;       // domain::CheckTxHash
  std::string from_address;  // domain::CheckAddress
  std::string to_address;
  std::string token;         // symbol or contract address
  std::string amount;        // decimal string (domain::CheckAmount): never a float
  std::string order_id;
  std::string card_last4;    // exactly four digits or empty
  std::string app_version;
  std::string platform;      // "ios", "android", "web", ... (free text, short)
};

struct Ticket {
  Id id = 0;
  domain::TicketType type = domain::TicketType::inquiry;
  domain::TicketCategory category = domain::TicketCategory::other;
  domain::TicketPriority priority = domain::TicketPriority::normal;
  domain::TicketStatus status = domain::TicketStatus::fresh;
  std::string subject;
  std::string description;
  Id customer_id = 0;  // 0: none (an internal ticket)
  std::string customer_name;
  Id conversation_id = 0;  // the conversation it came from; 0: none
  std::optional<domain::Desk> desk;
  Id assignee_id = 0;  // 0: nobody
  std::string assignee_name;
  std::vector<std::string> tags;  // sorted, unique
  std::string summary;            // closing summary (小结)
  Id merged_into = 0;             // set once merged (the ticket is then closed)
  TicketFields fields;
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct NewTicket {
  domain::TicketType type = domain::TicketType::inquiry;
  domain::TicketCategory category = domain::TicketCategory::other;
  domain::TicketPriority priority = domain::TicketPriority::normal;
  std::string subject;      // empty with a conversation: taken from it
  std::string description;  // empty with a conversation: its closing summary or last message
  Id customer_id = 0;       // ignored with a conversation (its customer is used)
  Id conversation_id = 0;   // 0: none; Code::not_found when it does not exist
  std::optional<domain::Desk> desk;  // nullopt with a conversation: its desk
  Id assignee_id = 0;
  std::vector<std::string> tags;
  TicketFields fields;
  domain::Actor actor;
  Millis at = 0;
  // The SLA clocks to start (the policy's, computed by the caller; ticket_id is filled in), with
  // a "ticket.sla" timer at their first checkpoint, in the same transaction.
  std::optional<domain::TicketSla> sla;
  // The security webhook is configured: a ticket created on the security desk writes a delivery
  // to the outbox (store.hpp: WebhookDelivery) in the same transaction.
  bool security_webhook = false;
};

// A change of fields: what is set is written, the rest stays. Appends "ticket.updated" with the
// names of the fields that changed (and the new priority, desk and assignee), or nothing when
// nothing changed.
struct TicketUpdate {
  Id ticket_id = 0;
  std::optional<domain::TicketType> type;
  std::optional<domain::TicketCategory> category;
  std::optional<domain::TicketPriority> priority;
  std::optional<std::string> subject;
  std::optional<std::string> description;
  std::optional<std::optional<domain::Desk>> desk;  // set to nullopt: no desk
  std::optional<Id> assignee_id;                     // set to 0: nobody
  std::optional<std::vector<std::string>> tags;      // replaces all tags
  // Each present field replaces the stored one (an empty string clears it).
  std::optional<std::string> chain, tx_hash, from_address, to_address, token, amount, order_id, card_last4,
      app_version, platform;
  domain::Actor actor;
  Millis at = 0;
};

struct TicketStatusChange {
  Id ticket_id = 0;
  domain::TicketStatus status = domain::TicketStatus::open;
  std::string summary;  // kept as the closing summary when not empty
  bool require_summary = false;  // closing without a summary (given now or before): Code::invalid
  domain::Actor actor;
  Millis at = 0;
  std::vector<NewTimer> timers;  // scheduled in the same transaction (e.g. the auto-close on resolve)
  // Entering or leaving pending pauses or resumes the ticket's SLA resolution clock through this
  // hook (SlaService::PauseHook), in the same transaction; unset: the clock is left alone.
  SlaPauseHook sla_pause;
  // Set: the change applies only from this status (Code::conflict otherwise), e.g. the system
  // reopening a pending ticket when its customer replies must not reopen a closed one.
  std::optional<domain::TicketStatus> only_from;
  std::string reason;  // why, when the system changes it (kept in the event)
};

// Closing a ticket that has a conversation arms this timer (due at once, ref: the ticket) in the
// same transaction: the workflow asks the customer for a rating through the conversation.
inline constexpr std::string_view kTicketCsatTimer = "ticket.csat";

struct TicketNote {
  Id id = 0;
  Id ticket_id = 0;
  Id staff_id = 0;
  std::string staff_name;
  std::string text;
  Millis created_at = 0;
};

struct TicketMerge {
  Ticket source;  // now closed, merged_into = target.id
  Ticket target;  // with the source's notes, conversation links and tags
};

struct TicketQuery {
  std::optional<domain::TicketStatus> status;
  std::optional<domain::Desk> desk;
  std::optional<Id> assignee_id;  // 0: unassigned
  std::optional<domain::TicketType> type;
  std::optional<domain::TicketCategory> category;
  std::optional<domain::TicketPriority> priority;
  std::string tag;
  Id customer_id = 0;  // 0: any customer
  int limit = 50;
  std::string cursor;  // the previous page's next_cursor; empty: first page
};

struct TicketPage {
  std::vector<Ticket> tickets;  // most recently updated first
  std::string next_cursor;      // empty: no more
};

// A canned reply (快捷回复). The body may use {{customer_name}}, {{ticket_id}} and
// {{agent_name}}, filled in when rendered.
struct CannedReply {
  Id id = 0;
  std::string title;
  std::string body;
  std::string lang;  // "zh", "en", "es" or empty: any
  std::optional<domain::Desk> desk;  // nullopt: every desk
  Id created_by = 0;
  Millis created_at = 0;
};

class TicketStore {
 public:
  virtual ~TicketStore() = default;

  // ---- writes ----

  // Creates a ticket in status new ("ticket.created"; with a conversation, also linked to it).
  virtual void CreateTicket(NewTicket ticket, Callback<Ticket> done) = 0;
  // Code::not_found for an unknown ticket or assignee; Code::conflict for a closed ticket.
  virtual void UpdateTicket(TicketUpdate update, Callback<Ticket> done) = 0;
  // Moves the status (domain::ActionTo); Code::conflict when the life cycle forbids it.
  virtual void SetTicketStatus(TicketStatusChange change, Callback<Ticket> done) = 0;
  // Adds an internal note by a staff member ("ticket.note_added", the note's id, not its text).
  virtual void AddTicketNote(Id ticket_id, Id staff_id, std::string text, Millis at, Callback<TicketNote> done) = 0;
  // Merges `source` into `target`: the source closes pointing at the target; its notes,
  // conversation links and tags move to the target. Both get a "ticket.merged" event.
  // Code::invalid when they are the same, Code::conflict when either is closed.
  virtual void MergeTicket(Id source, Id target, domain::Actor actor, Millis at, Callback<TicketMerge> done) = 0;
  virtual void CreateCannedReply(CannedReply reply, Callback<CannedReply> done) = 0;

  // ---- reads ----

  virtual Result<Ticket> GetTicket(Id id) = 0;
  // Keyset-paginated: (updated_at, id) descending; every filter is served by an index.
  virtual Result<TicketPage> ListTickets(const TicketQuery& query) = 0;
  // A ticket's notes, oldest first.
  virtual Result<std::vector<TicketNote>> ListTicketNotes(Id ticket_id) = 0;
  // A ticket's events, oldest first (Event::conversation_id is the ticket's conversation, or 0).
  virtual Result<std::vector<Event>> ListTicketEvents(Id ticket_id) = 0;
  // The most recent open (not closed) ticket linked to a conversation; Code::not_found if none.
  virtual Result<Ticket> FindTicketForConversation(Id conversation_id) = 0;
  virtual Result<std::vector<CannedReply>> ListCannedReplies() = 0;
  virtual Result<CannedReply> GetCannedReply(Id id) = 0;
};

}  // namespace kefu::store
