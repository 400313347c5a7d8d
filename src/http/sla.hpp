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
// Runs on the network thread.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>
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
  // Creates (id 0) or replaces a policy; Code::invalid for an unknown calendar.
  boost::asio::awaitable<Result<domain::SlaPolicy>> Save(domain::SlaPolicy policy);

 private:
  boost::asio::awaitable<Status> Checkpoint(store::Timer timer);
  // "ticket.auto_close": a resolved ticket whose customer stayed silent gets a notice in its
  // conversation ("notice" step), and, still silent after the notice period, is closed ("close").
  // A customer message meanwhile starts the silence over.
  boost::asio::awaitable<Status> AutoClose(store::Timer timer);
  const calendar::Calendar& CalendarFor(const std::string& name) const;

  Context& ctx_;
  std::vector<domain::SlaPolicy> policies_;
  Scheduler* scheduler_ = nullptr;
};

}  // namespace kefu::http
