// Complaints (投诉) in the store: a complaint is a ticket of type complaint on the complaints desk
// plus a complaint record (how it came in, its own status, the review deadline, the
// acknowledgement, the resolution and the callback's outcome) and its compensation records.
// Reached through Store::Complaints(); follows the Store's threading and durability contract
// (store.hpp).
//
// Invariants:
//  * Every change appends an event (type "complaint.*", with "complaint_id" in its data and the
//    complaint's ticket id in the indexed column) in the same transaction: the status history is
//    the complaint's events.
//  * Creating a complaint writes the ticket, the record, the "complaint.review" timer (due at
//    review_due_at) and — when it has a conversation and an acknowledgement text — the
//    acknowledgement message, in one transaction. Starting the review cancels the timer in the
//    transaction that starts it.
//  * Compensation decisions are four-eyes: the proposer never decides (Code::forbidden), a
//    decided compensation is never decided again (Code::conflict); proposals and decisions are
//    recorded in the audit log in their own transaction.
//  * Text arrives already passed through the secret guard.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/complaint.hpp"
#include "store/tickets.hpp"

namespace kefu::store {

inline constexpr std::string_view kComplaintReviewTimer = "complaint.review";

struct Complaint {
  Id id = 0;
  Id ticket_id = 0;
  domain::IntakeChannel channel = domain::IntakeChannel::widget;
  domain::ComplaintStatus status = domain::ComplaintStatus::received;
  domain::TicketCategory category = domain::TicketCategory::other;
  domain::TicketPriority priority = domain::TicketPriority::normal;  // the ticket's
  std::string subject;      // the ticket's
  std::string description;  // the ticket's
  Id customer_id = 0;       // 0: not known
  std::string customer_name;
  Id conversation_id = 0;   // where the customer hears from us; 0: none
  std::string lang;         // the customer's language for notices ("zh", "zh-TW", "en", "es")
  std::string time_zone;    // the customer's IANA zone for times in notices
  Millis received_at = 0;
  Millis acknowledged_at = 0;  // 0: not yet
  Millis review_due_at = 0;
  Millis review_started_at = 0;
  Millis review_overdue_at = 0;  // when the review deadline passed unreviewed; 0: never
  Millis resolved_at = 0;        // the latest resolution; 0: not resolved (cleared on reopen)
  Millis closed_at = 0;
  std::string resolution;
  Id handler_id = 0;  // the agent handling it (who started the review); 0: nobody yet
  std::string handler_name;
  Id callback_task_id = 0;  // the 回访 task created at resolution; 0: none
  Millis callback_at = 0;   // when the callback's outcome was recorded; 0: not yet
  bool callback_reached = false;
  std::optional<bool> callback_satisfied;  // nullopt: not asked (not reached)
  std::string callback_note;
  Millis updated_at = 0;
};

struct Compensation {
  Id id = 0;
  Id complaint_id = 0;
  domain::CompensationKind kind = domain::CompensationKind::goodwill;
  std::string amount;    // decimal string (domain::CheckCompensationAmount)
  std::string currency;  // domain::CheckCurrency
  std::string reason;
  domain::CompensationState state = domain::CompensationState::proposed;
  Id proposed_by = 0;
  std::string proposed_by_name;
  Millis proposed_at = 0;
  Id decided_by = 0;  // 0: not decided
  std::string decided_by_name;
  Millis decided_at = 0;
  std::string decision_note;
};

// A message the store writes into the complaint's conversation, rendered when the complaint is
// known (its number and deadline are in the text). Returns "" to write none.
using ComplaintNotice = std::function<std::string(const Complaint&)>;

struct NewComplaint {
  domain::IntakeChannel channel = domain::IntakeChannel::widget;
  domain::TicketCategory category = domain::TicketCategory::other;
  std::string subject;
  std::string description;
  Id customer_id = 0;      // ignored with a conversation (its customer is used)
  Id conversation_id = 0;  // 0: none
  std::string lang;
  std::string time_zone;
  Millis review_due_at = 0;
  domain::Actor actor;
  Millis at = 0;
  // The ticket's SLA clocks (computed by the caller), as NewTicket::sla.
  std::optional<domain::TicketSla> sla;
  // The acknowledgement (kind "complaint.acknowledgement"); written only with a conversation,
  // and then the complaint is acknowledged at once.
  ComplaintNotice acknowledgement;
};

struct ComplaintStatusChange {
  Id complaint_id = 0;
  domain::ComplaintStatus status = domain::ComplaintStatus::under_review;
  std::string resolution;  // required to resolve
  std::string note;        // kept in the event (e.g. how a manual acknowledgement was given)
  domain::Actor actor;
  Millis at = 0;
  // Resolving creates the callback (回访) task for the handler (or the actor when nobody handles
  // it), due at this time.
  Millis callback_due_at = 0;
  std::string callback_task_note;
  // The notice to the customer about the change (kind "complaint.notice"), given the complaint
  // after it and the action that was applied (a move to under_review may be a reopen).
  std::function<std::string(const Complaint&, domain::ComplaintAction)> notice;
};

struct CallbackOutcome {
  Id complaint_id = 0;
  bool reached = false;
  std::optional<bool> satisfied;
  std::string note;
  domain::Actor actor;
  Millis at = 0;
};

struct NewCompensation {
  Id complaint_id = 0;
  domain::CompensationKind kind = domain::CompensationKind::goodwill;
  std::string amount;
  std::string currency;
  std::string reason;
  domain::Actor actor;
  Millis at = 0;
};

struct CompensationDecision {
  Id compensation_id = 0;
  Id complaint_id = 0;  // must be the compensation's (Code::not_found otherwise)
  bool approve = false;
  std::string note;
  domain::Actor actor;
  Millis at = 0;
};

// What a write did, with the messages it wrote (for the caller to fan out).
struct ComplaintChange {
  Complaint complaint;
  std::vector<Message> messages;
  Event event;  // the change's own event
};

struct ComplaintQuery {
  std::optional<domain::ComplaintStatus> status;
  std::optional<domain::TicketCategory> category;
  Id customer_id = 0;  // 0: any
  int limit = 50;
  Id before_id = 0;    // keyset: complaints with a smaller id; 0: from the newest
};

class ComplaintStore {
 public:
  virtual ~ComplaintStore() = default;

  // ---- writes ----

  // Code::not_found for an unknown customer or conversation.
  virtual void CreateComplaint(NewComplaint complaint, Callback<ComplaintChange> done) = 0;
  // Moves the status (domain::ComplaintActionTo); Code::conflict when the life cycle forbids it,
  // Code::invalid when resolving without a resolution. The ticket follows where its own life
  // cycle allows (under_review → open, resolved → resolved, closed → closed).
  virtual void ChangeComplaintStatus(ComplaintStatusChange change, Callback<ComplaintChange> done) = 0;
  // Records the callback's outcome once (Code::conflict the second time, or before resolution)
  // and completes the callback task if it is still open.
  virtual void RecordCallback(CallbackOutcome outcome, Callback<ComplaintChange> done) = 0;
  // The review deadline passed unreviewed (the "complaint.review" timer's effect, inside
  // Store::FireTimer): marks it and raises the ticket's priority to at least high.
  // (See TimerFiring::complaint_review_overdue.)

  // Code::conflict on a closed complaint.
  virtual void ProposeCompensation(NewCompensation compensation, Callback<Compensation> done) = 0;
  // Code::forbidden when the decider proposed it; Code::conflict when already decided.
  virtual void DecideCompensation(CompensationDecision decision, Callback<Compensation> done) = 0;

  // ---- reads ----

  virtual Result<Complaint> GetComplaint(Id id) = 0;
  // Newest first.
  virtual Result<std::vector<Complaint>> ListComplaints(const ComplaintQuery& query) = 0;
  // The complaint's "complaint.*" events, oldest first: its status history.
  virtual Result<std::vector<Event>> ComplaintHistory(Id complaint_id) = 0;
  virtual Result<std::vector<Compensation>> ListCompensations(Id complaint_id) = 0;
  // Complaints received in [from, to): the facts the statistics are computed from.
  virtual Result<std::vector<domain::ComplaintFacts>> ComplaintFacts(Millis from, Millis to) = 0;
};

}  // namespace kefu::store
