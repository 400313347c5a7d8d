// The service workflow on the server: presence, queues and assignment, handoff from the bot,
// accept, transfer, close and CSAT. It persists each step through the store (every change an
// event), keeps routing::Router's picture in step, and tells the parties over the hub:
// queue.position to waiting customers whenever their place changes, conversation.assigned,
// conversation.transferred, csat.request / csat.recorded.
//
// Runs on the network thread; every public coroutine must be awaited there.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "http/api.hpp"
#include "routing/router.hpp"

namespace kefu::http {

class Scheduler;

// How long the workflow's timers wait (config [workflow]); 0 switches the first two off.
struct WorkflowTiming {
  Millis csat_reminder_ms = 3'600'000;  // after close, one reminder if the survey is unanswered
  Millis idle_notice_ms = 600'000;      // the customer silent this long after the agent's last word: a notice
  Millis idle_close_ms = 300'000;       // and after the notice this long: closed
  Millis queue_timeout_ms = 600'000;    // waiting this long after the handoff: offered to leave a message

  static WorkflowTiming From(const ServerConfig& c) {
    constexpr Millis kMinute = 60'000;
    return {c.csat_reminder_minutes * kMinute, c.idle_notice_minutes * kMinute, c.idle_close_minutes * kMinute,
            c.queue_timeout_minutes * kMinute};
  }
};

class Workflow {
 public:
  explicit Workflow(Context& ctx, WorkflowTiming timing = {}) : ctx_(ctx), timing_(timing) {}

  // Handles the workflow's durable timers (survey reminder, idle conversations). Before serving.
  void RegisterTimers(Scheduler& scheduler);

  // Rebuilds the router from the store: staff presence, queued conversations, agent loads,
  // recent handling times. Called once before serving.
  Status Load();

  boost::asio::awaitable<Result<store::Staff>> SetStatus(const Subject& staff, routing::Presence presence);
  boost::asio::awaitable<Result<store::Conversation>> Accept(const Subject& staff, domain::Id conversation_id);
  // bot → queued for `desk`; assigns at once when an agent of the desk is free.
  boost::asio::awaitable<Result<store::Conversation>> Handoff(domain::Id conversation_id, domain::Actor actor,
                                                             domain::Desk desk, std::string reason,
                                                             int priority, std::string category);
  // To a desk (queued there, assigned at once when someone is free) or to an agent.
  boost::asio::awaitable<Result<store::Conversation>> Transfer(const Subject& staff, domain::Id conversation_id,
                                                              std::optional<domain::Desk> desk, domain::Id agent_id,
                                                              std::string reason, std::string note);
  boost::asio::awaitable<Result<store::Conversation>> Close(const Subject& staff, domain::Id conversation_id,
                                                           std::string summary);
  boost::asio::awaitable<Result<store::Csat>> SubmitCsat(const Subject& customer, domain::Id conversation_id,
                                                        int score, std::string comment);

  // A customer wrote while the bot holds the conversation: the bot answers, asks to rephrase, or
  // hands over to the desk its policy picks, telling the customer why.
  boost::asio::awaitable<void> BotTurn(domain::Id conversation_id, Subject customer, std::string text);

  // The customer said whether a bot answer helped ("did this help?"). Recorded as a
  // "bot.feedback" event; a "no" while the bot holds the conversation counts as a miss (the next
  // one hands over) and the bot offers to rephrase or reach a person.
  boost::asio::awaitable<Status> BotFeedback(const Subject& customer, domain::Id conversation_id,
                                             domain::Id message_id, bool helpful);

  // The customer leaves a message (nobody online, or outside business hours): it is stored in the
  // conversation (deduplicated by client_id like any message) and becomes a ticket — one per
  // conversation — which the bot confirms with its number; a conversation still with the bot
  // joins the queue. Code::conflict once an agent has the conversation.
  struct LeftMessage {
    store::Message message;
    domain::Id ticket_id = 0;
    bool created = false;  // false: it joined the conversation's open ticket
  };
  boost::asio::awaitable<Result<LeftMessage>> LeaveMessage(const Subject& customer, domain::Id conversation_id,
                                                           std::string text, std::string client_id);

  // A workflow notice in the customer's language (traditional characters for "zh-TW").
  static std::string Phrase(std::string_view key, std::string_view lang);

  // Whether new conversations of `channel` start with the bot ([bot] channels).
  bool BotAnswers(std::string_view channel) const;

  // resolved|closed → active when the customer writes again; back to the agent who had it.
  boost::asio::awaitable<Result<store::Conversation>> Reopen(domain::Id conversation_id, domain::Actor actor);

  // An admin changed a staff member (desk, capacity, languages, skills, role, account state):
  // routing follows at once.
  void StaffChanged(const store::Staff& staff);

  // A customer connected: tell them again where their waiting conversations stand.
  void CustomerConnected(domain::Id customer_id);
  // A customer's last connection closed: each of their waiting conversations gets a
  // "queue.abandon" timer; if they are still away and still waiting when it fires, the
  // conversation gets an "abandoned" event (it stays queued: they may come back).
  void CustomerDisconnected(domain::Id customer_id);

  // A snapshot of the queues for GET /api/v1/queues.
  std::string QueuesJson() const;

  // Hands waiting conversations to free agents, then tells every waiting customer whose place
  // changed where they stand. Runs after every change and once at start.
  boost::asio::awaitable<void> AssignWaiting();

 private:
  void NotifyPositions();
  // One bot turn; true when it handed the conversation over.
  boost::asio::awaitable<bool> OneBotTurn(domain::Id conversation_id, const Subject& customer, std::string text);
  boost::asio::awaitable<store::Conversation> Current(store::Conversation fallback);
  void Forget(domain::Id conversation_id);
  // What follows a committed close: the agent's load, handling time, the survey, the consoles.
  boost::asio::awaitable<void> AfterClosed(const store::Conversation& before, const store::Conversation& after,
                                           Millis at);
  boost::asio::awaitable<Status> CsatReminder(store::Timer timer);
  // "ticket.csat" (armed by closing a ticket that has a conversation): the survey through the
  // conversation, unless it has an answer or a survey open (its own close asked, or a ticket did).
  boost::asio::awaitable<Status> TicketCsat(store::Timer timer);
  // Whether the conversation's survey is open: it ended (its close asked) or a ticket asked.
  boost::asio::awaitable<bool> SurveyOpen(const store::Conversation& conversation);
  boost::asio::awaitable<Status> IdleCheck(store::Timer timer);
  boost::asio::awaitable<Status> AbandonCheck(store::Timer timer);
  // Still waiting after the handoff: the bot offers, once, to leave a message (bot.queue_timeout).
  boost::asio::awaitable<Status> QueueTimeout(store::Timer timer);
  // Outside the bot calendar's hours with nobody of `desk` online, tells a queued customer when
  // people are back (message kind "bot.outside_hours").
  void TellIfClosed(const store::Conversation& conversation, domain::Desk desk);
  // The bot's memory of a conversation it holds, from its stored messages (after a restart, or
  // once the in-memory cache was cleared).
  boost::asio::awaitable<bot::policy::Memory> RecallBotMemory(domain::Id conversation_id);
  static store::NewTimer IdleTimer(domain::Id conversation_id, Millis due, std::string_view step);

  static constexpr size_t kMaxRemembered = 100'000;  // bot memories / rated answers cached
  static constexpr std::string_view kCsatReminder = "csat.reminder";
  static constexpr std::string_view kIdleTimer = "conversation.idle";
  static constexpr std::string_view kAbandonTimer = "queue.abandon";
  // Armed by the bot's handoff (once), cancelled by assignment in the same transaction.
  static constexpr std::string_view kQueueTimeout = "queue.timeout";
  static constexpr Millis kAbandonAfterMs = 120'000;  // away this long while waiting: abandoned
  static constexpr std::string_view kIdleNotice = "notice";
  static constexpr std::string_view kIdleClose = "close";
  boost::asio::awaitable<Result<store::TransitionResult>> Apply(store::TransitionRequest request);

  Context& ctx_;
  const WorkflowTiming timing_;
  Scheduler* scheduler_ = nullptr;
  routing::Router router_;
  struct Told {
    int position = 0, eta = 0, online = -1;
    bool operator==(const Told&) const = default;
  };
  std::unordered_map<domain::Id, Told> told_;  // what each waiting customer was last told
  std::unordered_map<domain::Id, domain::Id> customers_;     // waiting conversation → its customer
  std::unordered_map<domain::Id, bot::policy::Memory> bot_memory_;  // conversations the bot holds
  std::unordered_set<domain::Id> feedback_given_;                    // bot messages already rated
  std::unordered_map<domain::Id, std::deque<std::string>> bot_pending_;  // messages awaiting the bot
};

}  // namespace kefu::http
