#include "http/workflow.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "bot/phrases.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/scheduler.hpp"
#include "http/sla.hpp"
#include "http/webhook.hpp"
#include "store/tickets.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;
using domain::ConversationAction;
using domain::ConversationState;
using domain::Id;

namespace {

constexpr size_t kMaxReasonChars = 500;
constexpr size_t kMaxCommentChars = 1000;

bool MayManage(const Subject& s, const store::Conversation& c) {
  return s.is_staff() && (c.assigned_staff_id == s.id || s.role == domain::Role::supervisor ||
                          s.role == domain::Role::admin);
}

// Without a knowledge base there is no bot to decide; an explicit request for a human still
// queues the conversation for L1. Latin-script phrases match as
// whole words ("agent" but not "agency", "persona" but not "personal").
bool AsksForHuman(std::string_view text) {
  static constexpr std::string_view kChinese[] = {"转人工", "轉人工", "人工客服", "人工服务", "人工服務",
                                                  "找人工", "真人", "找客服"};
  static constexpr std::string_view kWords[] = {"human", "real person", "agent", "representative",
                                                "persona", "agente", "humano", "asesor", "operator"};
  for (std::string_view p : kChinese)
    if (text.find(p) != std::string_view::npos) return true;
  const std::string lower = AsciiLower(text);
  auto is_letter = [](char ch) { return (ch >= 'a' && ch <= 'z') || (static_cast<unsigned char>(ch) >= 0x80); };
  for (std::string_view w : kWords) {
    for (size_t at = lower.find(w); at != std::string::npos; at = lower.find(w, at + 1)) {
      const bool starts = at == 0 || !is_letter(lower[at - 1]);
      const bool ends = at + w.size() == lower.size() || !is_letter(lower[at + w.size()]);
      if (starts && ends) return true;
    }
  }
  return false;
}


routing::Waiting WaitingFor(const store::Conversation& c) {
  routing::Waiting w;
  w.conversation_id = c.id;
  w.desk = c.desk.value_or(domain::Desk::L1);
  w.priority = c.priority;
  w.queued_at = c.queued_at ? c.queued_at : c.updated_at;
  w.lang = c.lang == "zh-TW" ? "zh" : c.lang;  // agents' languages are zh, en, es
  w.category = c.category;
  return w;
}

}  // namespace

Status Workflow::Load() {
  KEFU_ASSIGN(staff, ctx_.store.ListStaff());
  for (const auto& s : staff) {
    if (!s.desk || s.disabled || !domain::CanHandleConversations(s.role)) continue;
    routing::Agent a;
    a.id = s.id;
    a.desk = *s.desk;
    a.max_chats = s.max_chats;
    a.presence = routing::ParsePresence(s.status).value_or(routing::Presence::offline);
    a.languages = s.languages;
    a.skills = s.skills;
    router_.UpsertAgent(a);
  }
  KEFU_ASSIGN(counts, ctx_.store.ActiveCounts());
  for (auto [staff_id, n] : counts) router_.AddActive(staff_id, n);
  KEFU_ASSIGN(queued, ctx_.store.ListInState(ConversationState::queued));
  for (const auto& c : queued) {
    router_.Enqueue(WaitingFor(c));
    customers_[c.id] = c.customer_id;
  }
  KEFU_ASSIGN(times, ctx_.store.RecentHandlingTimes(50));
  for (auto [desk, ms] : times) router_.RecordHandlingTime(desk, ms);
  log::Info("workflow.loaded", {{"agents", static_cast<std::int64_t>(staff.size())},
                                {"queued", static_cast<std::int64_t>(queued.size())}});
  return Ok();
}

awaitable<Result<store::TransitionResult>> Workflow::Apply(store::TransitionRequest request) {
  // The timers a state change starts, in the same transaction: an agent now has it (watch for
  // the customer going quiet), or it closed (remind about the survey once).
  switch (request.action) {
    case ConversationAction::accept:
    case ConversationAction::assign:
    case ConversationAction::transfer_to_agent:
    case ConversationAction::resume:
    case ConversationAction::reopen:
      if (timing_.idle_notice_ms > 0)
        request.timers.push_back(IdleTimer(request.conversation_id, request.at + timing_.idle_notice_ms, kIdleNotice));
      // Somebody has it now: no "still waiting" offer.
      if (request.action != ConversationAction::resume && request.action != ConversationAction::reopen)
        request.cancel_timers.emplace_back(kQueueTimeout);
      break;
    case ConversationAction::handoff:
      if (timing_.queue_timeout_ms > 0)
        request.timers.push_back(store::NewTimer{std::string(kQueueTimeout), request.conversation_id,
                                                 request.at + timing_.queue_timeout_ms, "{}", /*replace=*/false});
      break;
    case ConversationAction::close:
      if (timing_.csat_reminder_ms > 0)
        request.timers.push_back(store::NewTimer{std::string(kCsatReminder), request.conversation_id,
                                                 request.at + timing_.csat_reminder_ms, "{}", /*replace=*/false});
      break;
    default:
      break;
  }
  Millis earliest = std::numeric_limits<Millis>::max();
  for (const auto& t : request.timers) earliest = std::min(earliest, t.due_at);
  // The store writes a delivery to the operator's backend if this routes the case to the
  // security desk (its first attempt is due at once).
  if (ctx_.security_webhook && ctx_.security_webhook->enabled() && request.desk == domain::Desk::security &&
      (request.action == ConversationAction::handoff || request.action == ConversationAction::transfer_to_desk)) {
    request.security_webhook = true;
    earliest = std::min(earliest, request.at);
  }
  auto submit = [this, request = std::move(request)](store::Callback<store::TransitionResult> done) {
    ctx_.store.ApplyTransition(request, std::move(done));
  };
  auto result = co_await Write<store::TransitionResult>(std::move(submit));
  if (result.ok() && scheduler_ && earliest != std::numeric_limits<Millis>::max()) scheduler_->Poke(earliest);
  co_return result;
}

// ---------- timers: the survey reminder and idle conversations ----------

store::NewTimer Workflow::IdleTimer(Id conversation_id, Millis due, std::string_view step) {
  std::string data = "{\"step\":\"";
  data += step;
  data += "\"}";
  return store::NewTimer{std::string(kIdleTimer), conversation_id, due, std::move(data), /*replace=*/true};
}

void Workflow::RegisterTimers(Scheduler& scheduler) {
  scheduler_ = &scheduler;
  auto reminder = [this](store::Timer t) { return CsatReminder(std::move(t)); };
  auto ticket_csat = [this](store::Timer t) { return TicketCsat(std::move(t)); };
  scheduler.On(std::string(store::kTicketCsatTimer), std::move(ticket_csat));
  auto idle = [this](store::Timer t) { return IdleCheck(std::move(t)); };
  scheduler.On(std::string(kCsatReminder), std::move(reminder));
  scheduler.On(std::string(kIdleTimer), std::move(idle));
  auto abandon = [this](store::Timer t) { return AbandonCheck(std::move(t)); };
  scheduler.On(std::string(kAbandonTimer), std::move(abandon));
  auto queue_timeout = [this](store::Timer t) { return QueueTimeout(std::move(t)); };
  scheduler.On(std::string(kQueueTimeout), std::move(queue_timeout));
}

awaitable<Status> Workflow::QueueTimeout(store::Timer timer) {
  auto load = [this, id = timer.ref_id]() -> Result<std::pair<store::Conversation, bool>> {
    KEFU_ASSIGN(conv, ctx_.store.GetConversation(id));
    // A message left already became a ticket: nothing to offer.
    const bool left = ctx_.store.Tickets().FindTicketForConversation(id).ok();
    return std::pair{std::move(conv), left};
  };
  auto loaded = co_await Blocking(ctx_, std::move(load));
  if (!loaded.ok() || loaded->first.state != ConversationState::queued || loaded->second)
    co_return co_await scheduler_->Discard(timer);
  const store::Conversation& conv = loaded->first;
  const Millis now = Clock::System().Now();
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  f.messages.push_back(store::NewMessage{conv.id, {domain::ActorType::bot, 0}, "",
                                         Phrase("queue_timeout", conv.lang.empty() ? "zh" : conv.lang), now,
                                         "bot.queue_timeout"});
  std::string data = "{\"waited_ms\":" + std::to_string(conv.queued_at ? now - conv.queued_at : 0);
  if (conv.desk) data += ",\"desk\":\"" + std::string(domain::DeskName(*conv.desk)) + "\"";
  data += '}';
  f.events.push_back(store::Event{0, conv.id, 0, "queue.timeout", now, std::nullopt, std::move(data)});
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  for (const store::Message& m : fired->messages) ctx_.hub.Publish(m, nullptr);
  log::Info("workflow.queue_timeout", {{"conversation_id", conv.id}});
  co_return Ok();
}

awaitable<bool> Workflow::SurveyOpen(const store::Conversation& conv) {
  if (conv.state == ConversationState::closed || conv.state == ConversationState::resolved) co_return true;
  auto load = [this, id = conv.id] { return ctx_.store.ListEvents(id); };
  auto events = co_await Blocking(ctx_, std::move(load));
  if (!events.ok()) co_return false;
  for (const store::Event& e : *events)
    if (e.type == "csat.requested") co_return true;
  co_return false;
}

awaitable<Status> Workflow::TicketCsat(store::Timer timer) {
  struct Loaded {
    store::Ticket ticket;
    store::Conversation conversation;
    bool answered = false;  // the conversation has its one answer
    bool asked = false;     // a ticket of it asked already
  };
  auto load = [this, id = timer.ref_id]() -> Result<Loaded> {
    Loaded out;
    KEFU_ASSIGN(ticket, ctx_.store.Tickets().GetTicket(id));
    KEFU_ASSIGN(conv, ctx_.store.GetConversation(ticket.conversation_id));
    KEFU_ASSIGN(events, ctx_.store.ListEvents(conv.id));
    for (const store::Event& e : events) {
      out.answered = out.answered || e.type == "csat";
      out.asked = out.asked || e.type == "csat.requested";
    }
    out.ticket = std::move(ticket);
    out.conversation = std::move(conv);
    return out;
  };
  auto loaded = co_await Blocking(ctx_, std::move(load));
  // Reopened meanwhile, answered, or asked already (a closed conversation was asked by its close):
  // one survey per conversation.
  if (!loaded.ok() || loaded->ticket.status != domain::TicketStatus::closed || loaded->answered || loaded->asked ||
      loaded->conversation.state == ConversationState::closed ||
      loaded->conversation.state == ConversationState::resolved)
    co_return co_await scheduler_->Discard(timer);
  const store::Conversation& conv = loaded->conversation;
  const Id ticket_id = loaded->ticket.id;
  const Millis now = Clock::System().Now();
  std::string text = Phrase("ticket_csat_request", conv.lang.empty() ? "zh" : conv.lang);
  if (const size_t at = text.find("{ticket}"); at != std::string::npos) text.replace(at, 8, std::to_string(ticket_id));
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  f.messages.push_back(store::NewMessage{conv.id, {domain::ActorType::bot, 0}, "", std::move(text), now, "csat.request"});
  f.events.push_back(store::Event{0, conv.id, ticket_id, "csat.requested", now, std::nullopt,
                                  "{\"ticket_id\":" + std::to_string(ticket_id) + "}"});
  if (timing_.csat_reminder_ms > 0)
    f.next.push_back(store::NewTimer{std::string(kCsatReminder), conv.id, now + timing_.csat_reminder_ms, "{}",
                                     /*replace=*/false});
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  for (const store::Message& m : fired->messages) ctx_.hub.Publish(m, nullptr);
  ctx_.hub.SendToCustomer(conv.customer_id, "{\"type\":\"csat.request\",\"conversation_id\":" +
                                                std::to_string(conv.id) + ",\"ticket_id\":" +
                                                std::to_string(ticket_id) + "}");
  log::Info("csat.requested", {{"conversation_id", conv.id}, {"ticket_id", ticket_id}});
  co_return Ok();
}

awaitable<Status> Workflow::CsatReminder(store::Timer timer) {
  // Answering the survey cancels this timer in the same transaction, so firing means unanswered.
  auto load = [this, id = timer.ref_id] { return ctx_.store.GetConversation(id); };
  auto conv = co_await Blocking(ctx_, std::move(load));
  if (!conv.ok() || !co_await SurveyOpen(*conv)) co_return co_await scheduler_->Discard(timer);
  const Millis now = Clock::System().Now();
  const std::string lang = conv->lang.empty() ? "zh" : conv->lang;
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  f.messages.push_back(store::NewMessage{conv->id, {domain::ActorType::bot, 0}, "",
                                         Phrase("csat_reminder", lang), now, "csat.reminder"});
  f.events.push_back(store::Event{0, conv->id, 0, "csat.reminded", now, std::nullopt, "{}"});
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  for (const store::Message& m : fired->messages) ctx_.hub.Publish(m, nullptr);
  ctx_.hub.SendToCustomer(conv->customer_id, "{\"type\":\"csat.request\",\"conversation_id\":" +
                                                 std::to_string(conv->id) + ",\"reminder\":true}");
  co_return Ok();
}

awaitable<Status> Workflow::IdleCheck(store::Timer timer) {
  auto load = [this, id = timer.ref_id]() -> Result<std::pair<store::Conversation, std::optional<store::Message>>> {
    KEFU_ASSIGN(conv, ctx_.store.GetConversation(id));
    std::optional<store::Message> last;
    if (conv.last_seq > 0) {
      // The last message the customer could see (whispers are between staff).
      KEFU_ASSIGN(page, ctx_.store.ListMessages(store::MessageQuery{id, conv.last_seq + 1, std::nullopt, 20}));
      for (auto it = page.messages.rbegin(); it != page.messages.rend() && !last; ++it)
        if (!domain::IsStaffOnlyKind(it->kind)) last = std::move(*it);
    }
    return std::pair{std::move(conv), std::move(last)};
  };
  auto loaded = co_await Blocking(ctx_, std::move(load));
  if (!loaded.ok()) co_return co_await scheduler_->Discard(timer);
  auto& [conv, last] = *loaded;
  // Only a conversation with an agent goes idle; it is watched again at its next assignment.
  if (timing_.idle_notice_ms <= 0 ||
      (conv.state != ConversationState::active && conv.state != ConversationState::pending))
    co_return co_await scheduler_->Discard(timer);
  const Millis now = Clock::System().Now();
  const bool closing_step = timer.data_json.find(kIdleClose) != std::string::npos;
  // The customer is only "quiet" when the agent who has the conversation now had the last word.
  // After an assignment or a transfer it is the new agent's turn, whatever was said before.
  const bool agent_spoke_last = last && last->sender.type == domain::ActorType::staff &&
                                last->sender.id == conv.assigned_staff_id && last->created_at >= conv.assigned_at;
  const Millis quiet_since = last ? last->created_at : conv.assigned_at;
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  const std::string lang = conv.lang.empty() ? "zh" : conv.lang;
  const domain::Actor system{domain::ActorType::system, 0};
  if (closing_step && last && last->kind == "conversation.idle_notice") {
    // Nobody wrote since the notice: close, say so, and ask for a rating.
    f.messages.push_back(store::NewMessage{conv.id, {domain::ActorType::bot, 0}, "",
                                           Phrase("idle_closed", lang), now, "conversation.idle_closed"});
    store::TransitionRequest t;
    t.conversation_id = conv.id;
    t.action = ConversationAction::close;
    t.actor = system;
    t.at = now;
    t.reason = "idle";
    if (timing_.csat_reminder_ms > 0)
      t.timers.push_back(store::NewTimer{std::string(kCsatReminder), conv.id, now + timing_.csat_reminder_ms, "{}",
                                         /*replace=*/false});
    f.transition = std::move(t);
  } else if (!closing_step && agent_spoke_last && quiet_since + timing_.idle_notice_ms <= now) {
    // The agent (or bot) had the last word long enough ago: ask whether the customer is there.
    f.messages.push_back(store::NewMessage{conv.id, {domain::ActorType::bot, 0}, "",
                                           Phrase("idle_notice", lang), now, "conversation.idle_notice"});
    f.events.push_back(store::Event{0, conv.id, 0, "idle.notice", now, system, "{}"});
    f.next.push_back(IdleTimer(conv.id, now + timing_.idle_close_ms, kIdleClose));
  } else {
    // Someone spoke since: watch again from the last message (or, when the customer is waiting
    // for the agent, from now — that is the agent's SLA, not the customer's silence).
    const Millis from = agent_spoke_last ? std::max(quiet_since, now - timing_.idle_notice_ms) : now;
    f.next.push_back(IdleTimer(conv.id, std::max(from + timing_.idle_notice_ms, now + 1), kIdleNotice));
  }
  const Millis next_due = f.next.empty() ? 0 : f.next.front().due_at;
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  for (const store::Message& m : fired->messages) ctx_.hub.Publish(m, nullptr);
  if (fired->transition) co_await AfterClosed(conv, fired->transition->conversation, now);
  if (next_due) scheduler_->Poke(next_due);
  co_return Ok();
}

awaitable<Result<store::Staff>> Workflow::SetStatus(const Subject& staff, routing::Presence presence) {
  auto submit = [this, id = staff.id, presence](store::Callback<store::Staff> done) {
    ctx_.store.SetStaffStatus(id, std::string(routing::PresenceName(presence)), Clock::System().Now(),
                              std::move(done));
  };
  auto updated = co_await Write<store::Staff>(std::move(submit));
  if (!updated.ok()) co_return updated;
  if (const routing::Agent* known = router_.FindAgent(staff.id)) {
    routing::Agent a = *known;
    a.presence = presence;
    router_.UpsertAgent(a);
  } else if (updated->desk && domain::CanHandleConversations(updated->role)) {
    routing::Agent a;
    a.id = updated->id;
    a.desk = *updated->desk;
    a.max_chats = updated->max_chats;
    a.presence = presence;
    a.languages = updated->languages;
    a.skills = updated->skills;
    router_.UpsertAgent(a);
  }
  log::Info("staff.status", {{"staff_id", staff.id}, {"status", routing::PresenceName(presence)}});
  // Going online pulls waiting conversations of the agent's desk up to --max-chats.
  co_await AssignWaiting();
  co_return updated;
}

awaitable<Result<store::Conversation>> Workflow::Accept(const Subject& staff, Id conversation_id) {
  store::TransitionRequest t;
  t.conversation_id = conversation_id;
  t.action = ConversationAction::accept;
  t.actor = staff.actor();
  t.assign_to = staff.id;
  t.at = Clock::System().Now();
  auto result = co_await Apply(std::move(t));
  if (!result.ok()) {
    if (result.error().code == Code::conflict)
      co_return MakeError(Code::conflict, "the conversation is already taken or not waiting");
    co_return std::move(result).error();
  }
  Forget(conversation_id);
  router_.AddActive(staff.id, 1);
  ctx_.hub.ConversationChanged(result->conversation);
  NotifyPositions();
  co_return std::move(result->conversation);
}

awaitable<Result<store::Conversation>> Workflow::Handoff(Id conversation_id, domain::Actor actor, domain::Desk desk,
                                                        std::string reason, int priority, std::string category) {
  store::TransitionRequest t;
  t.conversation_id = conversation_id;
  t.action = ConversationAction::handoff;
  t.actor = actor;
  t.desk = desk;
  t.reason = std::move(reason);
  t.priority = priority;
  t.category = std::move(category);
  t.at = Clock::System().Now();
  auto result = co_await Apply(std::move(t));
  if (!result.ok()) co_return std::move(result).error();
  const store::Conversation& c = result->conversation;
  router_.Enqueue(WaitingFor(c));
  customers_[c.id] = c.customer_id;
  ctx_.hub.ConversationChanged(c);
  co_await AssignWaiting();
  auto now = co_await Current(std::move(result->conversation));
  if (now.state == ConversationState::queued) TellIfClosed(now, desk);
  co_return now;
}

std::string Workflow::Phrase(std::string_view key, std::string_view lang) {
  // Customers who read traditional characters get them ("zh-TW"); the rest their language. Every
  // notice carries the safety line (docs/adr/0018).
  return bot::Notice(key, lang);
}

namespace {

// "11月30日（周一）09:00（UTC+8）", "on Mon 30 Nov at 09:00 (UTC+8)", "el lun 30 nov a las 09:00 (UTC+8)".
std::string FormatOpening(const calendar::LocalDateTime& t, std::string_view lang) {
  static constexpr const char* kZhDays[] = {"一", "二", "三", "四", "五", "六", "日"};
  static constexpr const char* kEnDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kEsDays[] = {"lun", "mar", "mié", "jue", "vie", "sáb", "dom"};
  static constexpr const char* kEnMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr const char* kEsMonths[] = {"ene", "feb", "mar", "abr", "may", "jun",
                                              "jul", "ago", "sep", "oct", "nov", "dic"};
  const auto day = static_cast<size_t>(t.weekday);
  const auto month = static_cast<size_t>(std::clamp(t.month, 1, 12) - 1);
  char hm[8];
  std::snprintf(hm, sizeof hm, "%02d:%02d", t.hour, t.minute);
  const std::string zone = calendar::FormatUtcOffset(t.utc_offset_minutes);
  if (lang == "en")
    return std::string("on ") + kEnDays[day] + " " + std::to_string(t.day) + " " + kEnMonths[month] + " at " + hm +
           " (" + zone + ")";
  if (lang == "es")
    return std::string("el ") + kEsDays[day] + " " + std::to_string(t.day) + " " + kEsMonths[month] + " a las " + hm +
           " (" + zone + ")";
  return std::to_string(t.month) + "月" + std::to_string(t.day) + "日（周" + kZhDays[day] + "）" + hm + "（" + zone + "）";
}

std::string Fill(std::string text, std::string_view slot, std::string_view value) {
  if (const size_t at = text.find(slot); at != std::string::npos) text.replace(at, slot.size(), value);
  return text;
}

}  // namespace

void Workflow::TellIfClosed(const store::Conversation& c, domain::Desk desk) {
  auto cal = ctx_.calendars.find(ctx_.config.bot_calendar);
  if (cal == ctx_.calendars.end() || router_.OnlineAgents(desk) > 0) return;
  const Millis now = Clock::System().Now();
  if (cal->second.IsOpen(now)) return;  // open but nobody online: the widget offers to leave a message
  auto opens = cal->second.NextOpening(now);
  if (!opens) return;
  const std::string lang = c.lang.empty() ? "zh" : c.lang;
  std::string text = Fill(Phrase("outside_hours", lang), "{opens}",
                          FormatOpening(cal->second.LocalTime(*opens), lang == "zh-TW" ? "zh" : lang));
  if (lang == "zh-TW") text = bot::nlu::ToTraditional(text);
  ctx_.hub.PostBotMessage(c.id, std::move(text), "bot.outside_hours");
}

bool Workflow::BotAnswers(std::string_view channel) const {
  const auto& channels = ctx_.config.bot_channels;
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

awaitable<Result<Workflow::LeftMessage>> Workflow::LeaveMessage(const Subject& customer, Id conversation_id,
                                                                std::string text, std::string client_id) {
  auto load = [this, conversation_id] { return ctx_.store.GetConversation(conversation_id); };
  auto conv = co_await Blocking(ctx_, std::move(load));
  if (!conv.ok() || customer.is_staff() || conv->customer_id != customer.id)
    co_return MakeError(Code::not_found, "conversation " + std::to_string(conversation_id) + " not found");
  if (conv->state != ConversationState::bot && conv->state != ConversationState::queued)
    co_return MakeError(Code::conflict, "an agent is already with you: write in the conversation");
  auto guarded = Hub::GuardText(customer, text);
  if (!guarded.ok()) co_return std::move(guarded).error();
  // Still with the bot: the message is for people, so the conversation joins the queue first
  // (and the bot does not take the message for a question).
  if (conv->state == ConversationState::bot) {
    auto queued = co_await Handoff(conversation_id, customer.actor(), conv->desk.value_or(domain::Desk::L1),
                                   "message_left", conv->priority, conv->category);
    if (!queued.ok() && queued.error().code != Code::conflict) co_return std::move(queued).error();
  }
  const Millis now = Clock::System().Now();
  store::NewMessage msg;
  msg.conversation_id = conversation_id;
  msg.sender = customer.actor();
  msg.client_id = std::move(client_id);
  msg.text = guarded->text;
  msg.at = now;
  auto append = [this, msg = std::move(msg)](store::Callback<store::AppendedMessage> done) mutable {
    ctx_.store.AppendMessage(std::move(msg), std::move(done));
  };
  auto stored = co_await Write<store::AppendedMessage>(std::move(append));
  if (!stored.ok()) co_return std::move(stored).error();
  stored->message.sender_name = customer.name;
  if (!stored->duplicate) ctx_.hub.Delivered(customer, stored->message, guarded->warnings, nullptr);
  // One ticket per conversation's left messages: a second message joins the first one's ticket.
  auto existing_fn = [this, conversation_id] { return ctx_.store.Tickets().FindTicketForConversation(conversation_id); };
  auto existing = co_await Blocking(ctx_, std::move(existing_fn));
  LeftMessage out{stored->message, 0, false};
  if (existing.ok()) {
    out.ticket_id = existing->id;
  } else {
    store::NewTicket t;
    t.type = domain::TicketType::inquiry;
    t.category = domain::ParseTicketCategory(conv->category).value_or(domain::TicketCategory::other);
    t.priority = conv->priority > 0 ? domain::TicketPriority::high : domain::TicketPriority::normal;
    t.subject = std::string(TruncateAtToken(guarded->text, 80));
    t.description = guarded->text;
    t.conversation_id = conversation_id;
    t.desk = conv->desk.value_or(domain::Desk::L1);
    t.actor = customer.actor();
    t.at = now;
    auto ticket = co_await ctx_.sla->CreateTicket(std::move(t));
    if (!ticket.ok()) co_return std::move(ticket).error();
    out.ticket_id = ticket->id;
    out.created = true;
    const std::string lang = conv->lang.empty() ? "zh" : conv->lang;
    ctx_.hub.PostBotMessage(conversation_id, Fill(Phrase("message_left", lang), "{ticket}", std::to_string(ticket->id)),
                            "bot.message_left");
    log::Info("workflow.message_left", {{"conversation_id", conversation_id}, {"ticket_id", ticket->id}});
  }
  co_return out;
}

awaitable<Result<store::Conversation>> Workflow::Transfer(const Subject& staff, Id conversation_id,
                                                         std::optional<domain::Desk> desk, Id agent_id,
                                                         std::string reason, std::string note) {
  if (Trim(reason).empty()) co_return MakeError(Code::invalid, "'reason' is required for a transfer");
  if (CountCodePoints(reason) > kMaxReasonChars || CountCodePoints(note) > kMaxReasonChars)
    co_return MakeError(Code::invalid, "'reason' and 'note' must be at most 500 characters");
  if (desk.has_value() == (agent_id != 0))
    co_return MakeError(Code::invalid, "give either 'desk' or 'agent_id'");
  auto load = [this, conversation_id] { return ctx_.store.GetConversation(conversation_id); };
  auto before = co_await Blocking(ctx_, std::move(load));
  if (!before.ok()) co_return std::move(before).error();
  if (!MayManage(staff, *before))
    co_return MakeError(Code::forbidden, "only the assigned agent or a supervisor can transfer it");
  store::TransitionRequest t;
  t.conversation_id = conversation_id;
  t.action = desk ? ConversationAction::transfer_to_desk : ConversationAction::transfer_to_agent;
  t.actor = staff.actor();
  t.desk = desk;
  t.assign_to = agent_id;
  t.reason = reason;
  t.note = std::move(note);
  t.at = Clock::System().Now();
  if (agent_id) {
    const routing::Agent* target = router_.FindAgent(agent_id);
    if (!target) co_return MakeError(Code::not_found, "agent " + std::to_string(agent_id) + " cannot take conversations");
  }
  // Audited with the transfer itself (same transaction); the reason is the staff's own words to
  // the customer, the note stays in the event only.
  std::string details = desk ? "{\"desk\":\"" + std::string(domain::DeskName(*desk)) + "\""
                             : "{\"agent_id\":" + std::to_string(agent_id);
  if (before->assigned_staff_id) details += ",\"from_agent_id\":" + std::to_string(before->assigned_staff_id);
  details += ",\"reason\":";
  AppendJsonString(details, reason);
  details += '}';
  t.audit = store::AuditRecord{t.at, staff.actor(), "conversation.transfer", "", std::move(details)};
  auto result = co_await Apply(std::move(t));
  if (!result.ok()) co_return std::move(result).error();
  const store::Conversation& c = result->conversation;
  if (before->assigned_staff_id) router_.AddActive(before->assigned_staff_id, -1);
  std::string frame = "{\"type\":\"conversation.transferred\",\"conversation_id\":" + std::to_string(c.id) +
                      ",\"reason\":";
  AppendJsonString(frame, reason);
  if (desk) {
    frame += ",\"desk\":\"" + std::string(domain::DeskName(*desk)) + "\"";
  } else {
    frame += ",\"agent\":{\"id\":" + std::to_string(c.assigned_staff_id) + ",\"name\":";
    AppendJsonString(frame, c.assigned_staff_name);
    frame += '}';
  }
  frame += '}';
  ctx_.hub.SendToCustomer(c.customer_id, frame);
  if (desk) {
    router_.Enqueue(WaitingFor(c));
    customers_[c.id] = c.customer_id;
  } else {
    router_.AddActive(agent_id, 1);
  }
  ctx_.hub.ConversationChanged(c);
  log::Info("conversation.transferred", {{"conversation_id", c.id}, {"staff_id", staff.id},
                                         {"to", desk ? domain::DeskName(*desk) : std::string_view("agent")}});
  co_await AssignWaiting();
  co_return co_await Current(std::move(result->conversation));
}

awaitable<Result<store::Conversation>> Workflow::Close(const Subject& staff, Id conversation_id, std::string summary) {
  if (CountCodePoints(summary) > 2000) co_return MakeError(Code::invalid, "'summary' must be at most 2000 characters");
  auto load = [this, conversation_id] { return ctx_.store.GetConversation(conversation_id); };
  auto before = co_await Blocking(ctx_, std::move(load));
  if (!before.ok()) co_return std::move(before).error();
  if (!MayManage(staff, *before))
    co_return MakeError(Code::forbidden, "only the assigned agent or a supervisor can close it");
  store::TransitionRequest t;
  t.conversation_id = conversation_id;
  t.action = ConversationAction::close;
  t.actor = staff.actor();
  t.summary = std::move(summary);
  t.at = Clock::System().Now();
  const Millis at = t.at;
  auto result = co_await Apply(std::move(t));
  if (!result.ok()) co_return std::move(result).error();
  co_await AfterClosed(*before, result->conversation, at);
  co_return std::move(result->conversation);
}

awaitable<void> Workflow::AfterClosed(const store::Conversation& before, const store::Conversation& after, Millis at) {
  if (before.state == ConversationState::active || before.state == ConversationState::pending) {
    if (before.assigned_staff_id) router_.AddActive(before.assigned_staff_id, -1);
    if (before.assigned_at && before.desk) router_.RecordHandlingTime(*before.desk, at - before.assigned_at);
  }
  ctx_.hub.SendToCustomer(after.customer_id,
                          "{\"type\":\"csat.request\",\"conversation_id\":" + std::to_string(after.id) + "}");
  ctx_.hub.ConversationChanged(after);
  co_await AssignWaiting();
}

awaitable<Result<store::Csat>> Workflow::SubmitCsat(const Subject& customer, Id conversation_id, int score,
                                                   std::string comment) {
  if (score < 1 || score > 5) co_return MakeError(Code::invalid, "'score' must be 1 to 5");
  if (CountCodePoints(comment) > kMaxCommentChars)
    co_return MakeError(Code::invalid, "'comment' must be at most 1000 characters");
  auto load = [this, conversation_id] { return ctx_.store.GetConversation(conversation_id); };
  auto conv = co_await Blocking(ctx_, std::move(load));
  if (!conv.ok() || conv->customer_id != customer.id || customer.is_staff())
    co_return MakeError(Code::forbidden, "you cannot rate this conversation");
  if (!co_await SurveyOpen(*conv))
    co_return MakeError(Code::invalid, "a conversation can be rated once it has ended or its ticket was closed");
  // A comment is the customer's words like a message: a seed phrase or key in it is redacted
  // before anything is stored.
  auto guarded = Hub::GuardText(customer, comment);
  if (!guarded.ok()) co_return std::move(guarded).error();
  store::Csat csat;
  csat.conversation_id = conversation_id;
  csat.score = score;
  csat.comment = std::move(guarded->text);
  csat.staff_id = conv->assigned_staff_id;
  csat.desk = conv->desk;
  csat.at = Clock::System().Now();
  auto submit = [this, csat = std::move(csat)](store::Callback<store::Csat> done) {
    ctx_.store.RecordCsat(csat, std::move(done));
  };
  co_return co_await Write<store::Csat>(std::move(submit));
}

awaitable<void> Workflow::BotTurn(Id conversation_id, Subject customer, std::string text) {
  // One turn at a time per conversation: the policy's memory (two misses in a row) must see each
  // message after the previous answer, however fast the customer types. Later messages wait in
  // the queue and the running turn takes them in order.
  auto& pending = bot_pending_[conversation_id];
  pending.push_back(std::move(text));
  if (pending.size() > 1) co_return;
  for (;;) {
    auto it = bot_pending_.find(conversation_id);
    if (it == bot_pending_.end() || it->second.empty()) break;
    std::string next = std::move(it->second.front());
    const bool handed_over = co_await OneBotTurn(conversation_id, customer, std::move(next));
    it = bot_pending_.find(conversation_id);  // the map may have changed while we waited
    if (it == bot_pending_.end()) break;
    it->second.pop_front();
    if (handed_over) it->second.clear();  // people take it from here
  }
  bot_pending_.erase(conversation_id);
}

awaitable<bool> Workflow::OneBotTurn(Id conversation_id, const Subject& customer, std::string text) {
  const domain::Actor bot_actor{domain::ActorType::bot, 0};
  auto bot = ctx_.bot.Get();
  if (bot && ctx_.config.bot_channels.size() < std::size(kChannelNames)) {
    // Some channels start with people, not the bot ([bot] channels).
    auto load = [this, conversation_id] { return ctx_.store.GetConversation(conversation_id); };
    auto conv = co_await Blocking(ctx_, std::move(load));
    if (conv.ok() && !BotAnswers(conv->channel)) {
      auto r = co_await Handoff(conversation_id, customer.actor(), domain::Desk::L1, "channel_without_bot", 0, "");
      if (!r.ok()) log::Warn("workflow.handoff_failed", {{"conversation_id", conversation_id}, {"error", r.error().message}});
      co_return true;
    }
  }
  if (!bot) {
    if (!AsksForHuman(text)) co_return false;
    auto r = co_await Handoff(conversation_id, customer.actor(), domain::Desk::L1, "explicit_human_request", 0, "");
    if (!r.ok()) log::Warn("workflow.handoff_failed", {{"conversation_id", conversation_id}, {"error", r.error().message}});
    co_return true;
  }
  // The text was already guarded before it was stored; a message that was only secrets got the
  // safety notice and asks nothing more.
  std::string rest = text;
  for (size_t at; (at = rest.find("[redacted:")) != std::string::npos;) {
    const size_t end = rest.find(']', at);
    rest.erase(at, end == std::string::npos ? std::string::npos : end - at + 1);
  }
  if (Trim(rest).empty()) co_return false;
  bot::policy::Memory memory;
  if (auto it = bot_memory_.find(conversation_id); it != bot_memory_.end()) {
    memory = it->second;
  } else {
    memory = co_await RecallBotMemory(conversation_id);
  }
  auto ask = [bot = std::move(bot), text = std::move(text), memory]() mutable {
    bot::BotAnswer a = bot->Ask(text, std::nullopt, memory);
    return std::pair{std::move(a), memory};
  };
  auto [answer, after] = co_await Blocking(ctx_, std::move(ask));
  // The memory is a cache of what the stored bot messages say (RecallBotMemory), so bounding it
  // loses nothing: conversations the bot still holds after a clear are recalled from history.
  if (bot_memory_.size() >= kMaxRemembered) bot_memory_.clear();
  bot_memory_[conversation_id] = after;
  // The bot's own phrases follow the answer's script (traditional for askers who write it).
  const bool traditional = answer.traditional;
  auto phrase = [traditional, lang = answer.lang](std::string_view said) {
    return traditional ? bot::WithSafetyLine(bot::nlu::ToTraditional(said), "zh-TW") : bot::WithSafetyLine(said, lang);
  };
  if (!answer.handoff) {
    if (answer.answer.empty()) {
      ctx_.hub.PostBotMessage(conversation_id, phrase(bot::Rephrase(answer.lang)), "bot.rephrase");
    } else {
      ctx_.hub.PostBotMessage(conversation_id, answer.answer, "bot.answer");
    }
    co_return false;
  }
  bot_memory_.erase(conversation_id);
  ctx_.hub.PostBotMessage(conversation_id, phrase(bot::HandoffNotice(answer.reason, answer.lang)), "bot.handoff");
  const domain::Desk desk = domain::ParseDesk(answer.route).value_or(domain::Desk::L1);
  auto r = co_await Handoff(conversation_id, bot_actor, desk, answer.reason, answer.priority, "");
  if (!r.ok()) log::Warn("workflow.handoff_failed", {{"conversation_id", conversation_id}, {"error", r.error().message}});
  co_return true;
}

awaitable<bot::policy::Memory> Workflow::RecallBotMemory(Id conversation_id) {
  // Misses in a row are the bot's "please rephrase" messages (a 👎 counts as one too: its
  // follow-up) since its last answer or handoff; other bot messages and the customer's own do
  // not break the run.
  auto load = [this, conversation_id]() -> Result<int> {
    KEFU_ASSIGN(conv, ctx_.store.GetConversation(conversation_id));
    KEFU_ASSIGN(page, ctx_.store.ListMessages(store::MessageQuery{conversation_id, conv.last_seq + 1, std::nullopt, 50}));
    int misses = 0;
    for (auto it = page.messages.rbegin(); it != page.messages.rend(); ++it) {
      if (it->sender.type != domain::ActorType::bot) continue;
      if (it->kind == "bot.rephrase" || it->kind == "bot.feedback_followup") {
        ++misses;
      } else if (it->kind == "bot.answer" || it->kind == "bot.handoff") {
        break;
      }
    }
    return misses;
  };
  auto misses = co_await Blocking(ctx_, std::move(load));
  bot::policy::Memory memory;
  if (misses.ok()) memory.consecutive_misses = *misses;
  co_return memory;
}

awaitable<Status> Workflow::BotFeedback(const Subject& customer, Id conversation_id, Id message_id, bool helpful) {
  auto load = [this, conversation_id] { return ctx_.store.GetConversation(conversation_id); };
  auto conv = co_await Blocking(ctx_, std::move(load));
  if (!conv.ok() || customer.is_staff() || conv->customer_id != customer.id)
    co_return MakeError(Code::not_found, "conversation " + std::to_string(conversation_id) + " not found");
  auto load_message = [this, message_id] { return ctx_.store.GetMessage(message_id); };
  auto message = co_await Blocking(ctx_, std::move(load_message));
  if (!message.ok() || message->conversation_id != conversation_id ||
      message->sender.type != domain::ActorType::bot)
    co_return MakeError(Code::invalid, "'message_id' must be one of the bot's messages in this conversation");
  // One vote per answer: a repeated "no" must not stack misses or prompts. The set catches votes
  // racing each other; the stored events catch votes from before a restart.
  if (feedback_given_.size() >= kMaxRemembered) feedback_given_.clear();
  if (!feedback_given_.insert(message_id).second)
    co_return MakeError(Code::conflict, "this answer has already been rated");
  auto load_events = [this, conversation_id] { return ctx_.store.ListEvents(conversation_id); };
  auto events = co_await Blocking(ctx_, std::move(load_events));
  if (!events.ok()) {
    feedback_given_.erase(message_id);
    co_return std::move(events).error();
  }
  // Written below as {"message_id":N,"helpful":…}.
  const std::string voted = "{\"message_id\":" + std::to_string(message_id) + ",";
  for (const store::Event& past : *events) {
    if (past.type == "bot.feedback" && past.data_json.starts_with(voted))
      co_return MakeError(Code::conflict, "this answer has already been rated");
  }
  store::Event e;
  e.conversation_id = conversation_id;
  e.type = "bot.feedback";
  e.at = Clock::System().Now();
  e.actor = customer.actor();
  e.data_json = "{\"message_id\":" + std::to_string(message_id) + ",\"helpful\":" + (helpful ? "true" : "false") + "}";
  auto record = [this, e = std::move(e)](store::Callback<Id> done) { ctx_.store.RecordEvent(e, std::move(done)); };
  auto recorded = co_await Write<Id>(std::move(record));
  if (!recorded.ok()) {
    feedback_given_.erase(message_id);
    co_return std::move(recorded).error();
  }
  if (!helpful && conv->state == ConversationState::bot) {
    bot_memory_[conversation_id].consecutive_misses++;
    const std::string lang = conv->lang.empty() ? "zh" : conv->lang;
    ctx_.hub.PostBotMessage(conversation_id, bot::WithSafetyLine(bot::Rephrase(lang == "zh-TW" ? "zh" : lang), lang),
                            "bot.feedback_followup");
  }
  co_return Ok();
}

awaitable<store::Conversation> Workflow::Current(store::Conversation fallback) {
  // An assignment may have followed the change at once; answer with what stands now.
  auto load = [this, id = fallback.id] { return ctx_.store.GetConversation(id); };
  auto now = co_await Blocking(ctx_, std::move(load));
  co_return now.ok() ? std::move(now).value() : std::move(fallback);
}

awaitable<void> Workflow::AssignWaiting() {
  const Millis now = Clock::System().Now();
  for (const routing::Assignment& a : router_.Assign(now)) {
    store::TransitionRequest t;
    t.conversation_id = a.conversation_id;
    t.action = ConversationAction::assign;
    t.actor = {domain::ActorType::system, 0};
    t.assign_to = a.agent_id;
    t.at = now;
    auto result = co_await Apply(std::move(t));
    if (!result.ok()) {
      // Taken by an explicit accept meanwhile, or gone: the agent's slot is free again.
      router_.AddActive(a.agent_id, -1);
      log::Info("workflow.assign_skipped", {{"conversation_id", a.conversation_id}, {"error", result.error().message}});
      continue;
    }
    Forget(a.conversation_id);
    ctx_.hub.ConversationChanged(result->conversation);
  }
  NotifyPositions();
}

void Workflow::Forget(Id conversation_id) {
  router_.Remove(conversation_id);
  told_.erase(conversation_id);
  customers_.erase(conversation_id);
}

void Workflow::NotifyPositions() {
  for (domain::Desk desk : {domain::Desk::L1, domain::Desk::L2, domain::Desk::L3, domain::Desk::security,
                            domain::Desk::complaints}) {
    const int online = router_.OnlineAgents(desk);
    for (Id id : router_.Queue(desk)) {
      const int position = router_.Position(id).value_or(0);
      const int eta = router_.EtaSeconds(id).value_or(0);
      auto& told = told_[id];
      if (told == Told{position, eta, online}) continue;
      told = {position, eta, online};
      auto customer = customers_.find(id);
      if (customer == customers_.end()) continue;
      ctx_.hub.SendToCustomer(customer->second,
                              "{\"type\":\"queue.position\",\"conversation_id\":" + std::to_string(id) +
                                  ",\"position\":" + std::to_string(position) + ",\"eta_seconds\":" +
                                  std::to_string(eta) + ",\"desk\":\"" + std::string(domain::DeskName(desk)) +
                                  "\",\"agents_online\":" + std::to_string(online) + "}");
    }
  }
}

void Workflow::StaffChanged(const store::Staff& s) {
  if (!s.desk || s.disabled || !domain::CanHandleConversations(s.role)) {
    router_.RemoveAgent(s.id);
    return;
  }
  routing::Agent a;
  if (const routing::Agent* known = router_.FindAgent(s.id)) a = *known;
  a.id = s.id;
  a.desk = *s.desk;
  a.max_chats = s.max_chats;
  a.languages = s.languages;
  a.skills = s.skills;
  if (!router_.FindAgent(s.id)) a.presence = routing::ParsePresence(s.status).value_or(routing::Presence::offline);
  router_.UpsertAgent(a);
}

void Workflow::CustomerDisconnected(Id customer_id) {
  const Millis due = Clock::System().Now() + kAbandonAfterMs;
  for (const auto& [conversation_id, customer] : customers_) {
    if (customer != customer_id) continue;
    // Replaces an earlier watch: the customer left again, count from now.
    ctx_.store.ScheduleTimer(store::NewTimer{std::string(kAbandonTimer), conversation_id, due, "{}", true},
                             [this, due](Result<store::Timer> r) {
                               if (!r.ok()) return;
                               ctx_.hub.PostFromWorker([this, due] {
                                 if (scheduler_) scheduler_->Poke(due);
                               });
                             });
  }
}

awaitable<Status> Workflow::AbandonCheck(store::Timer timer) {
  auto load = [this, id = timer.ref_id] { return ctx_.store.GetConversation(id); };
  auto conv = co_await Blocking(ctx_, std::move(load));
  // Came back, or no longer waiting: nothing to record.
  if (!conv.ok() || conv->state != ConversationState::queued || ctx_.hub.CustomerConnected(conv->customer_id))
    co_return co_await scheduler_->Discard(timer);
  const Millis now = Clock::System().Now();
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  std::string data = "{\"waited_ms\":" + std::to_string(conv->queued_at ? now - conv->queued_at : 0);
  if (conv->desk) data += ",\"desk\":\"" + std::string(domain::DeskName(*conv->desk)) + "\"";
  data += '}';
  f.events.push_back(store::Event{0, conv->id, 0, "abandoned", now, domain::Actor{domain::ActorType::customer,
                                                                                 conv->customer_id}, std::move(data)});
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  log::Info("workflow.abandoned", {{"conversation_id", conv->id}});
  co_return Ok();
}

void Workflow::CustomerConnected(Id customer_id) {
  // A reconnecting customer must not wait for the next change to learn where they stand.
  for (const auto& [conversation_id, customer] : customers_)
    if (customer == customer_id) told_.erase(conversation_id);
  NotifyPositions();
}

awaitable<Result<store::Conversation>> Workflow::Reopen(Id conversation_id, domain::Actor actor) {
  store::TransitionRequest t;
  t.conversation_id = conversation_id;
  t.action = ConversationAction::reopen;
  t.actor = actor;
  t.at = Clock::System().Now();
  auto result = co_await Apply(std::move(t));
  if (!result.ok()) co_return std::move(result).error();
  const store::Conversation& c = result->conversation;
  if (c.assigned_staff_id) router_.AddActive(c.assigned_staff_id, 1);
  ctx_.hub.ConversationChanged(c);
  co_return std::move(result->conversation);
}

std::string Workflow::QueuesJson() const {
  std::string out = "{\"queues\":[";
  bool first = true;
  for (domain::Desk desk : {domain::Desk::L1, domain::Desk::L2, domain::Desk::L3, domain::Desk::security,
                            domain::Desk::complaints}) {
    if (!first) out += ',';
    first = false;
    auto waiting = router_.Queue(desk);
    out += "{\"desk\":\"" + std::string(domain::DeskName(desk)) + "\",\"waiting\":" + std::to_string(waiting.size()) +
           ",\"agents_online\":" + std::to_string(router_.OnlineAgents(desk)) +
           ",\"agents_free\":" + std::to_string(router_.FreeAgents(desk)) + ",\"conversations\":[";
    for (size_t i = 0; i < waiting.size(); ++i) {
      if (i) out += ',';
      out += "{\"conversation_id\":" + std::to_string(waiting[i]) + ",\"position\":" + std::to_string(i + 1) +
             ",\"eta_seconds\":" + std::to_string(router_.EtaSeconds(waiting[i]).value_or(0)) + "}";
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace kefu::http
