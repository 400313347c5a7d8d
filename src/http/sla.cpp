#include "http/sla.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "core/log.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/scheduler.hpp"
#include "http/webhook.hpp"
#include "http/workflow.hpp"

namespace kefu::http {

using boost::asio::awaitable;
using domain::Id;
using domain::SlaStep;
using domain::SlaTarget;

namespace {

constexpr std::string_view kSlaTimer = "ticket.sla";

// One clock of a policy, started at `start`: due after `target` of business time, warned after
// `warn_percent` of it. Not running when the target is 0 or the calendar never opens.
domain::SlaClock StartClock(const calendar::Calendar& cal, Millis start, Millis target, int warn_percent) {
  domain::SlaClock c;
  if (target <= 0) return c;
  auto due = cal.AddBusinessTime(start, target);
  if (!due) return c;
  c.due = *due;
  if (warn_percent > 0) {
    auto warn = cal.AddBusinessTime(start, target * warn_percent / 100);
    if (warn && *warn < c.due) c.warn_at = *warn;
  }
  return c;
}

std::string StepEventType(SlaStep::Kind kind) {
  switch (kind) {
    case SlaStep::Kind::met: return "ticket.sla_met";
    case SlaStep::Kind::warning: return "ticket.sla_warning";
    case SlaStep::Kind::breach: return "ticket.sla_breached";
  }
  return "ticket.sla";
}

}  // namespace

Status SlaService::Load() {
  KEFU_ASSIGN(policies, ctx_.store.ListSlaPolicies());
  policies_ = std::move(policies);
  KEFU_ASSIGN(watches, ctx_.store.ListNextResponseWatches());
  for (const store::NextResponseWatch& w : watches) {
    Watched& watched = watched_[w.conversation_id] =
        Watched{w.ticket_id, w.policy_id, w.ticket_created_at, w.round_started_seq, w.staff_replied_seq};
    // A round whose start was lost (acknowledged, then the server stopped before writing it)
    // starts now, dated from the customer's message.
    if (w.unanswered_seq) StartRoundFor(w.conversation_id, watched, w.unanswered_seq, w.unanswered_at);
  }
  KEFU_ASSIGN(pending, ctx_.store.ListPendingTicketConversations());
  for (const auto& [conversation_id, ticket_id] : pending) pending_[conversation_id] = ticket_id;
  for (const auto& p : policies_) {
    if (!ctx_.calendars.contains(p.calendar))
      log::Warn("sla.unknown_calendar", {{"policy_id", p.id}, {"calendar", p.calendar}, {"using", "24x7"}});
  }
  return Ok();
}

void SlaService::RegisterTimers(Scheduler& scheduler) {
  scheduler_ = &scheduler;
  auto checkpoint = [this](store::Timer t) { return Checkpoint(std::move(t)); };
  scheduler.On(std::string(kSlaTimer), std::move(checkpoint));
  auto auto_close = [this](store::Timer t) { return AutoClose(std::move(t)); };
  scheduler.On(std::string(kAutoCloseTimer), std::move(auto_close));
}

awaitable<Status> SlaService::AutoClose(store::Timer timer) {
  constexpr Millis kHour = 3'600'000;
  const Millis silence_ms = Millis{ctx_.config.ticket_auto_close_hours} * kHour;
  const Millis notice_ms = Millis{ctx_.config.ticket_auto_close_notice_hours} * kHour;
  struct Loaded {
    store::Ticket ticket;
    std::optional<store::Conversation> conversation;
    Millis customer_wrote_at = 0;  // the customer's last message in the ticket's conversation
  };
  auto load = [this, id = timer.ref_id]() -> Result<Loaded> {
    Loaded out;
    KEFU_ASSIGN(ticket, ctx_.store.Tickets().GetTicket(id));
    out.ticket = std::move(ticket);
    if (out.ticket.conversation_id) {
      KEFU_ASSIGN(conv, ctx_.store.GetConversation(out.ticket.conversation_id));
      if (conv.last_seq > 0) {
        KEFU_ASSIGN(page, ctx_.store.ListMessages(store::MessageQuery{conv.id, conv.last_seq + 1, std::nullopt, 50}));
        for (auto it = page.messages.rbegin(); it != page.messages.rend(); ++it) {
          if (it->sender.type == domain::ActorType::customer) {
            out.customer_wrote_at = it->created_at;
            break;
          }
        }
      }
      out.conversation = std::move(conv);
    }
    return out;
  };
  auto loaded = co_await Blocking(ctx_, std::move(load));
  if (!loaded.ok() || loaded->ticket.status != domain::TicketStatus::resolved || silence_ms <= 0)
    co_return co_await scheduler_->Discard(timer);
  const bool closing = timer.data_json.find("\"close\"") != std::string::npos;
  // When the silence this step checks began: the resolution (notice step) or the notice.
  const Millis silent_since = timer.due_at - (closing ? notice_ms : silence_ms);
  const Millis now = Clock::System().Now();
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  const store::Ticket& t = loaded->ticket;
  if (loaded->customer_wrote_at > silent_since) {
    // The customer wrote: the silence starts over from their message.
    f.next.push_back(store::NewTimer{std::string(kAutoCloseTimer), t.id,
                                     std::max(loaded->customer_wrote_at + silence_ms, now + 1), "{\"step\":\"notice\"}",
                                     true});
    auto fired = co_await scheduler_->Fire(std::move(f));
    co_return fired.ok() ? Ok() : Scheduler::Unfired(std::move(fired).error());
  }
  const std::string lang = loaded->conversation && !loaded->conversation->lang.empty() ? loaded->conversation->lang : "zh";
  auto say = [&](std::string_view key) {
    std::string text = Workflow::Phrase(key, lang);
    if (const size_t at = text.find("{ticket}"); at != std::string::npos) text.replace(at, 8, std::to_string(t.id));
    if (const size_t at = text.find("{hours}"); at != std::string::npos)
      text.replace(at, 7, std::to_string(ctx_.config.ticket_auto_close_notice_hours));
    return text;
  };
  if (!closing) {
    if (loaded->conversation)
      f.messages.push_back(store::NewMessage{loaded->conversation->id, {domain::ActorType::bot, 0}, "",
                                             say("ticket_auto_close_notice"), now, "ticket.auto_close_notice"});
    f.events.push_back(store::Event{0, 0, t.id, "ticket.auto_close_notice", now, std::nullopt,
                                    "{\"closes_at\":\"" + FormatRfc3339(now + notice_ms) + "\"}"});
    f.next.push_back(store::NewTimer{std::string(kAutoCloseTimer), t.id, now + notice_ms, "{\"step\":\"close\"}", true});
  } else {
    if (loaded->conversation)
      f.messages.push_back(store::NewMessage{loaded->conversation->id, {domain::ActorType::bot, 0}, "",
                                             say("ticket_auto_closed"), now, "ticket.auto_closed"});
    f.ticket_auto_close = t.id;
  }
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  for (const store::Message& m : fired->messages) ctx_.hub.Publish(m, nullptr);
  if (closing) scheduler_->Poke(now);  // the survey timer the close armed
  log::Info(closing ? "ticket.auto_closed" : "ticket.auto_close_notice", {{"ticket_id", t.id}});
  co_return Ok();
}

const calendar::Calendar& SlaService::CalendarFor(const std::string& name) const {
  auto it = ctx_.calendars.find(name);
  return it != ctx_.calendars.end() ? it->second : ctx_.calendars.at(std::string(calendar::kAlwaysOpenName));
}

awaitable<void> SlaService::Attach(store::NewTicket& t) {
  if (policies_.empty()) co_return;
  std::optional<domain::Desk> desk = t.desk;
  if (!desk && t.conversation_id) {
    auto load = [this, id = t.conversation_id] { return ctx_.store.GetConversation(id); };
    auto conv = co_await Blocking(ctx_, std::move(load));
    if (conv.ok()) desk = conv->desk;
  }
  const domain::SlaPolicy* p = domain::MatchSlaPolicy(policies_, t.type, t.priority, desk);
  if (!p) co_return;
  const calendar::Calendar& cal = CalendarFor(p->calendar);
  domain::TicketSla sla;
  sla.policy_id = p->id;
  sla.policy_name = p->name;
  sla.calendar = cal.name();
  sla.first_response = StartClock(cal, t.at, p->first_response_ms, p->warn_percent);
  sla.resolution = StartClock(cal, t.at, p->resolution_ms, p->warn_percent);
  if (domain::NextCheckpoint(sla)) t.sla = std::move(sla);
}

const domain::SlaPolicy* SlaService::Policy(Id id) const {
  for (const auto& p : policies_)
    if (p.id == id) return &p;
  return nullptr;
}

void SlaService::Watch(Id conversation_id, Id ticket_id, Millis created_at, const domain::TicketSla& sla) {
  const domain::SlaPolicy* p = Policy(sla.policy_id);
  if (!conversation_id || !p || p->next_response_ms <= 0) return;
  watched_[conversation_id] = Watched{ticket_id, p->id, created_at, sla.next_response_started_seq, 0};
}

void SlaService::OnMessage(const store::Message& m) {
  if (!pending_.empty() && m.sender.type == domain::ActorType::customer) {
    if (auto p = pending_.find(m.conversation_id); p != pending_.end()) {
      const Id ticket_id = p->second;
      pending_.erase(p);  // one reopen, however many messages follow
      auto reopen = [this, conversation_id = m.conversation_id, ticket_id]() -> awaitable<void> {
        co_await Reopen(conversation_id, ticket_id);
      };
      boost::asio::co_spawn(ctx_.io, std::move(reopen), boost::asio::detached);
    }
  }
  if (watched_.empty()) return;
  auto it = watched_.find(m.conversation_id);
  if (it == watched_.end()) return;
  Watched& w = it->second;
  if (m.sender.type == domain::ActorType::staff) {
    if (!domain::IsStaffOnlyKind(m.kind) && m.created_at >= w.ticket_created_at)
      w.staff_replied_seq = std::max(w.staff_replied_seq, m.seq);
    return;
  }
  if (m.sender.type != domain::ActorType::customer) return;
  StartRoundFor(m.conversation_id, w, m.seq, m.created_at);
}

void SlaService::StartRoundFor(Id conversation_id, Watched& w, std::int64_t seq, Millis at) {
  const domain::SlaPolicy* p = Policy(w.policy_id);
  if (!p) return;
  domain::TicketSla current;
  current.next_response_started_seq = w.round_started_seq;
  if (!domain::StartsNextResponse(current, p->next_response_ms, w.staff_replied_seq, seq)) return;
  w.round_started_seq = seq;  // later messages of this round start nothing
  const calendar::Calendar& cal = CalendarFor(p->calendar);
  store::NextResponseStart start;
  start.ticket_id = w.ticket_id;
  start.conversation_id = conversation_id;
  start.clock = StartClock(cal, at, p->next_response_ms, p->warn_percent);
  start.started_at = at;
  start.started_seq = seq;
  if (!start.clock.due) return;
  auto round = [this, conversation_id, start = std::move(start)]() mutable -> awaitable<void> {
    co_await StartRound(conversation_id, std::move(start));
  };
  boost::asio::co_spawn(ctx_.io, std::move(round), boost::asio::detached);
}

awaitable<void> SlaService::StartRound(Id conversation_id, store::NextResponseStart start) {
  const Id ticket_id = start.ticket_id;
  auto submit = [this, start = std::move(start)](store::Callback<domain::TicketSla> done) mutable {
    ctx_.store.StartNextResponse(std::move(start), std::move(done));
  };
  auto started = co_await Write<domain::TicketSla>(std::move(submit));
  if (!started.ok()) {
    // The ticket was resolved, closed or merged meanwhile (conflict): no more rounds for it.
    auto it = watched_.find(conversation_id);
    if (started.error().code == Code::conflict && it != watched_.end() && it->second.ticket_id == ticket_id)
      watched_.erase(it);
    if (started.error().code != Code::conflict)
      log::Warn("sla.next_response_failed", {{"ticket_id", ticket_id}, {"error", started.error().message}});
    co_return;
  }
  if (const Millis next = domain::NextCheckpoint(*started); next && scheduler_) scheduler_->Poke(next);
  log::Info("sla.next_response_started", {{"ticket_id", ticket_id}, {"conversation_id", conversation_id}});
}

awaitable<void> SlaService::Reopen(Id conversation_id, Id ticket_id) {
  store::TicketStatusChange c;
  c.ticket_id = ticket_id;
  c.status = domain::TicketStatus::open;
  c.only_from = domain::TicketStatus::pending;
  c.reason = "customer_replied";
  c.actor = domain::Actor{domain::ActorType::system, 0};
  c.at = Clock::System().Now();
  c.sla_pause = PauseHook();
  auto submit = [this, c = std::move(c)](store::Callback<store::Ticket> done) mutable {
    ctx_.store.Tickets().SetTicketStatus(std::move(c), std::move(done));
  };
  auto ticket = co_await Write<store::Ticket>(std::move(submit));
  if (!ticket.ok()) {
    // Changed meanwhile (conflict: no longer pending): nothing to do.
    if (ticket.error().code != Code::conflict)
      log::Warn("ticket.reopen_failed", {{"ticket_id", ticket_id}, {"error", ticket.error().message}});
    co_return;
  }
  log::Info("ticket.reopened", {{"ticket_id", ticket_id}, {"conversation_id", conversation_id}, {"reason", "customer_replied"}});
  co_await TicketChanged(*ticket);
}

awaitable<void> SlaService::TicketChanged(const store::Ticket& t) {
  using domain::TicketStatus;
  // A paused or resumed clock got a fresh checkpoint; a closed ticket a survey timer due now;
  // pending, resolved and closed bring the SLA checkpoint forward to now (CheckSlaNowTx): fire
  // what is due before answering, so the caller reads the clocks as they now stand.
  if (scheduler_) {
    if (t.status == domain::TicketStatus::pending || t.status == domain::TicketStatus::resolved ||
        t.status == domain::TicketStatus::closed) {
      co_await scheduler_->Settle();
    } else {
      scheduler_->Poke(t.updated_at);
    }
  }
  if (!t.conversation_id) co_return;
  if (t.status == TicketStatus::pending) {
    pending_[t.conversation_id] = t.id;
  } else if (auto p = pending_.find(t.conversation_id); p != pending_.end() && p->second == t.id) {
    pending_.erase(p);
  }
  if (t.status == TicketStatus::resolved || t.status == TicketStatus::closed) {
    auto it = watched_.find(t.conversation_id);
    if (it != watched_.end() && it->second.ticket_id == t.id) watched_.erase(it);
    co_return;
  }
  if (watched_.contains(t.conversation_id) || policies_.empty()) co_return;
  // Reopened: watch again (the clocks and the last staff reply, read off the network thread).
  auto load = [this] { return ctx_.store.ListNextResponseWatches(); };
  auto watches = co_await Blocking(ctx_, std::move(load));
  if (!watches.ok()) co_return;
  for (const store::NextResponseWatch& w : *watches) {
    if (w.ticket_id != t.id || watched_.contains(w.conversation_id)) continue;
    watched_[w.conversation_id] =
        Watched{w.ticket_id, w.policy_id, w.ticket_created_at, w.round_started_seq, w.staff_replied_seq};
  }
}

store::SlaPauseHook SlaService::PauseHook() const {
  return [this](domain::TicketSla& sla, bool pause, Millis at) {
    const calendar::Calendar& cal = CalendarFor(sla.calendar);
    if (pause) {
      domain::PauseClock(sla.resolution, at, [&cal](Millis a, Millis b) { return cal.BusinessTimeBetween(a, b); });
    } else {
      domain::ResumeClock(sla.resolution, at, [&cal](Millis s, Millis d) { return cal.AddBusinessTime(s, d); });
    }
  };
}

awaitable<Result<store::Ticket>> SlaService::CreateTicket(store::NewTicket ticket) {
  co_await Attach(ticket);
  const std::optional<domain::TicketSla> sla = ticket.sla;
  Millis checkpoint = ticket.sla ? domain::NextCheckpoint(*ticket.sla) : 0;
  // A ticket on the security desk calls the operator's backend (the store decides, knowing the
  // desk a conversation's ticket inherits); its first attempt is due at once.
  if (ctx_.security_webhook && ctx_.security_webhook->enabled()) {
    ticket.security_webhook = true;
    if (!ticket.desk || *ticket.desk == domain::Desk::security) checkpoint = checkpoint ? std::min(checkpoint, ticket.at) : ticket.at;
  }
  auto submit = [this, ticket = std::move(ticket)](store::Callback<store::Ticket> done) mutable {
    ctx_.store.Tickets().CreateTicket(std::move(ticket), std::move(done));
  };
  auto created = co_await Write<store::Ticket>(std::move(submit));
  if (created.ok() && checkpoint && scheduler_) scheduler_->Poke(checkpoint);
  if (created.ok() && sla) Watch(created->conversation_id, created->id, created->created_at, *sla);
  co_return created;
}

awaitable<Result<domain::SlaPolicy>> SlaService::Save(domain::SlaPolicy policy) {
  if (!ctx_.calendars.contains(policy.calendar))
    co_return MakeError(Code::invalid, "'calendar' must be \"24x7\" or a calendar of the configuration ([calendars." +
                                           policy.calendar + "] is not defined)");
  auto submit = [this, policy = std::move(policy)](store::Callback<domain::SlaPolicy> done) mutable {
    ctx_.store.SaveSlaPolicy(std::move(policy), std::move(done));
  };
  auto saved = co_await Write<domain::SlaPolicy>(std::move(submit));
  if (!saved.ok()) co_return saved;
  auto it = std::find_if(policies_.begin(), policies_.end(), [&](const auto& p) { return p.id == saved->id; });
  if (it != policies_.end()) {
    *it = *saved;
  } else {
    policies_.push_back(*saved);
  }
  co_return saved;
}

awaitable<Status> SlaService::Checkpoint(store::Timer timer) {
  struct Facts {
    store::Ticket ticket;
    domain::TicketSla sla;
    Millis first_response_at = 0;
    Millis resolved_at = 0;
    Millis next_response_at = 0;  // the first staff reply since the current round began
  };
  auto load = [this, id = timer.ref_id]() -> Result<Facts> {
    Facts f;
    KEFU_ASSIGN(ticket, ctx_.store.Tickets().GetTicket(id));
    KEFU_ASSIGN(sla, ctx_.store.GetTicketSla(id));
    KEFU_ASSIGN(events, ctx_.store.Tickets().ListTicketEvents(id));
    f.ticket = std::move(ticket);
    f.sla = std::move(sla);
    auto first = [](Millis& slot, Millis at) {
      if (!slot || at < slot) slot = at;
    };
    for (const store::Event& e : events) {
      const bool by_staff = e.actor && e.actor->type == domain::ActorType::staff;
      if (e.type == "ticket.resolved" || e.type == "ticket.closed" || e.type == "ticket.merged") first(f.resolved_at, e.at);
      if (by_staff && (e.type == "ticket.pending" || e.type == "ticket.resolved")) first(f.first_response_at, e.at);
    }
    if (f.ticket.conversation_id) {
      KEFU_ASSIGN(conv, ctx_.store.GetConversation(f.ticket.conversation_id));
      KEFU_ASSIGN(page, ctx_.store.ListMessages(
                            store::MessageQuery{conv.id, conv.last_seq + 1, std::nullopt, 200}));
      for (const store::Message& m : page.messages) {
        if (m.sender.type == domain::ActorType::staff && !domain::IsStaffOnlyKind(m.kind) &&
            m.created_at >= f.ticket.created_at) {
          first(f.first_response_at, m.created_at);
          if (f.sla.next_response_started_seq && m.seq > f.sla.next_response_started_seq)
            first(f.next_response_at, m.created_at);
        }
      }
    }
    return f;
  };
  auto facts = co_await Blocking(ctx_, std::move(load));
  if (!facts.ok()) {
    if (facts.error().code == Code::not_found) co_return co_await scheduler_->Discard(timer);
    co_return std::move(facts).error();
  }
  const Millis now = Clock::System().Now();
  domain::TicketSla sla = facts->sla;
  const std::vector<SlaStep> steps =
      domain::Advance(sla, now, facts->first_response_at, facts->resolved_at, facts->next_response_at);
  const domain::SlaPolicy* policy = Policy(sla.policy_id);
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  store::SlaFiring change;
  change.at = now;
  const store::Ticket& t = facts->ticket;
  const domain::Actor system{domain::ActorType::system, 0};
  bool breached = false;
  for (const SlaStep& step : steps) {
    std::string data = "{\"target\":\"" + std::string(domain::SlaTargetName(step.target)) + "\",\"due\":\"" +
                       FormatRfc3339(step.due) + "\",\"policy_id\":" + std::to_string(sla.policy_id);
    if (step.kind == SlaStep::Kind::breach && !breached && policy) {
      breached = true;
      change.raise_priority = policy->raise_priority && t.priority != domain::TicketPriority::urgent;
      if (policy->escalate_to && t.desk != policy->escalate_to) change.escalate_to = policy->escalate_to;
      if (change.raise_priority) data += ",\"raised_priority\":true";
      if (change.escalate_to) data += ",\"escalated_to\":\"" + std::string(domain::DeskName(*change.escalate_to)) + "\"";
    }
    data += '}';
    f.events.push_back(store::Event{0, t.conversation_id, t.id, StepEventType(step.kind), now, system, std::move(data)});
  }
  change.sla = sla;
  f.sla = std::move(change);
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  for (const SlaStep& step : steps) {
    if (step.kind == SlaStep::Kind::met) continue;
    std::string frame = step.kind == SlaStep::Kind::breach ? "{\"type\":\"sla.breached\"" : "{\"type\":\"sla.warning\"";
    frame += ",\"ticket_id\":" + std::to_string(t.id) + ",\"target\":\"" +
             std::string(domain::SlaTargetName(step.target)) + "\",\"due\":\"" + FormatRfc3339(step.due) +
             "\",\"subject\":";
    AppendJsonString(frame, json::PiiText(t.subject, json::Pii::masked));  // to staff consoles
    frame += '}';
    ctx_.hub.NotifyStaff(frame, t.desk, t.assignee_id);
    log::Info(step.kind == SlaStep::Kind::breach ? "sla.breached" : "sla.warning",
              {{"ticket_id", t.id}, {"target", domain::SlaTargetName(step.target)}});
  }
  if (const Millis next = domain::NextCheckpoint(sla)) scheduler_->Poke(next);
  co_return Ok();
}

}  // namespace kefu::http
