// SLAs on tickets at run time: the policies (cached from the store, changed over REST), the
// business calendars from the configuration, starting a new ticket's clocks, and judging each
// checkpoint when its durable timer ("ticket.sla") fires — met, warning, or breach with its
// escalation (priority up, another desk, a notice to supervisors' consoles).
//
// What counts: the first response is the first reply a customer can see — a staff message in
// the ticket's conversation after the ticket was created, or the ticket moved to pending or
// resolved by staff; the resolution is the ticket resolved or closed. Both are read from the
// stored messages and events when a checkpoint fires, so replying costs no extra write.
//
// Next response (docs/adr/0020): after staff replied in the ticket's conversation, the
// customer's next message starts a round (one write: the round's clock and a fresh checkpoint);
// the next staff reply (not a whisper, not the bot) meets it, read at the checkpoint like the
// first response. Which conversations have an open ticket with a next-response target is kept
// in memory (loaded before serving), so other chat messages cost a hash lookup.
//
// Pending pauses the resolution clock (PauseHook, run in the status change's transaction):
// the business time left is kept and given back when the ticket leaves pending — at the latest
// when the customer writes in the ticket's conversation, which reopens it (system, "customer
// replied"), so a ticket cannot sit paused after the customer has answered.
//
// Runs on the network thread.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>
#include <unordered_map>
#include <vector>

#include "calendar/calendar.hpp"
#include "domain/sla.hpp"
#include "http/api.hpp"
#include "store/tickets.hpp"

namespace kefu::http {

class Scheduler;

class SlaService {
 public:
  // The timer of a resolved ticket's auto-close ([workflow] ticket_auto_close_hours), armed by
  // whatever resolves a ticket, in the same transaction (TicketStatusChange::timers).
  static constexpr std::string_view kAutoCloseTimer = "ticket.auto_close";

  explicit SlaService(Context& ctx) : ctx_(ctx) {}

  // Loads the policies (the calendars are Context::calendars). Before serving.
  Status Load();
  void RegisterTimers(Scheduler& scheduler);

  // Creates a ticket with the SLA clocks of the policy that matches it (none when none does; a
  // ticket from a conversation without a desk of its own is matched with the conversation's),
  // in one store write, and wakes the scheduler for its first checkpoint.
  boost::asio::awaitable<Result<store::Ticket>> CreateTicket(store::NewTicket ticket);

  // Sets `ticket.sla` when a policy matches the ticket about to be created (for writes that
  // create a ticket as part of something larger, such as a complaint; wake the scheduler for
  // domain::NextCheckpoint after the commit).
  boost::asio::awaitable<void> Attach(store::NewTicket& ticket);

  const std::vector<domain::SlaPolicy>& policies() const { return policies_; }

  // Every message stored in a conversation (Hub::Delivered): a staff reply is noted, a customer
  // message after one starts a next-response round. Costs a hash lookup unless the conversation
  // has an open ticket with a next-response target.
  void OnMessage(const store::Message& message);
  // A ticket's status changed (the status route): a resolved or closed ticket stops its rounds; a
  // reopened one starts watching again; a closed one with a conversation gets its survey soon.
  boost::asio::awaitable<void> TicketChanged(const store::Ticket& ticket);
  // For TicketStatusChange::sla_pause: pauses/resumes the resolution clock on the ticket's calendar.
  store::SlaPauseHook PauseHook() const;
  // A ticket of a conversation was created with these clocks (done by CreateTicket; writes that
  // create tickets otherwise, such as a complaint's intake, call it after their commit).
  void Watch(domain::Id conversation_id, domain::Id ticket_id, Millis created_at, const domain::TicketSla& sla);
  // Creates (id 0) or replaces a policy; Code::invalid for an unknown calendar.
  boost::asio::awaitable<Result<domain::SlaPolicy>> Save(domain::SlaPolicy policy);

 private:
  boost::asio::awaitable<Status> Checkpoint(store::Timer timer);
  // "ticket.auto_close": a resolved ticket whose customer stayed silent gets a notice in its
  // conversation ("notice" step), and, still silent after the notice period, is closed ("close").
  // A customer message meanwhile starts the silence over.
  boost::asio::awaitable<Status> AutoClose(store::Timer timer);
  const calendar::Calendar& CalendarFor(const std::string& name) const;
  const domain::SlaPolicy* Policy(domain::Id id) const;
  boost::asio::awaitable<void> StartRound(domain::Id conversation_id, store::NextResponseStart start);
  // The customer answered a ticket that waits on them: back to open, its clock resumed.
  boost::asio::awaitable<void> Reopen(domain::Id conversation_id, domain::Id ticket_id);

  // Conversations with an open ticket under a next-response target.
  struct Watched {
    domain::Id ticket_id = 0;
    domain::Id policy_id = 0;
    Millis ticket_created_at = 0;
    std::int64_t round_started_seq = 0;  // the current round's customer message; 0: none yet
    std::int64_t staff_replied_seq = 0;  // the last staff reply since the ticket was created
  };
  std::unordered_map<domain::Id, Watched> watched_;
  // Starts the next-response round of the customer message `seq` (sent at `at`) when it starts
  // one: one write, off the caller's path.
  void StartRoundFor(domain::Id conversation_id, Watched& w, std::int64_t seq, Millis at);
  // Conversations whose ticket is pending (waiting on the customer) → that ticket.
  std::unordered_map<domain::Id, domain::Id> pending_;

  Context& ctx_;
  std::vector<domain::SlaPolicy> policies_;
  Scheduler* scheduler_ = nullptr;
};

}  // namespace kefu::http
