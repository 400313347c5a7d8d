// Durable timers in the store: scheduling (with and without replacing), due order, exactly-once
// firing with the effect in the same transaction, cancelling, and surviving a reopen.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "store/store.hpp"

namespace kefu::store {
namespace {

using domain::ActorType;
using domain::ConversationAction;

class TimerStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu-timer-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    Open();
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    auto s = Store::Open("sqlite:" + (dir_ / "kefu.db").string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  void Reopen() {
    store_->Close();
    store_.reset();
    Open();
  }
  Result<Timer> Schedule(std::string kind, Id ref, Millis due, bool replace = true, std::string data = "{}") {
    return Wait<Timer>([&](Callback<Timer> done) {
      store_->ScheduleTimer(NewTimer{std::move(kind), ref, due, std::move(data), replace}, std::move(done));
    });
  }
  Result<FiredTimer> Fire(TimerFiring f) {
    return Wait<FiredTimer>([&](Callback<FiredTimer> done) { store_->FireTimer(std::move(f), std::move(done)); });
  }
  Session NewConversation() {
    auto r = Wait<Session>([&](Callback<Session> done) {
      store_->CreateSession([] {
        NewSession ns;
        ns.name = "客户 A";
        ns.lang = "zh";
        ns.at = 1000;
        return ns;
      }(), std::move(done));
    });
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : Session{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(TimerStoreTest, DueTimersComeEarliestFirstAndOnlyWhenDue) {
  ASSERT_TRUE(Schedule("b", 1, 3000).ok());
  ASSERT_TRUE(Schedule("a", 1, 2000).ok());
  ASSERT_TRUE(Schedule("c", 1, 9000).ok());
  auto next = store_->NextTimerDue();
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(**next, 2000);
  auto due = store_->DueTimers(3000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].kind, "a");
  EXPECT_EQ((*due)[1].kind, "b");
  EXPECT_TRUE(store_->DueTimers(1999, 10)->empty());
}

TEST_F(TimerStoreTest, OnePendingTimerPerKindAndRef) {
  auto first = Schedule("csat.reminder", 7, 5000, true, R"({"n":1})");
  ASSERT_TRUE(first.ok());
  auto moved = Schedule("csat.reminder", 7, 8000, /*replace=*/true, R"({"n":2})");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->id, first->id);
  EXPECT_EQ(moved->due_at, 8000);
  EXPECT_EQ(moved->data_json, R"({"n":2})");
  auto kept = Schedule("csat.reminder", 7, 1000, /*replace=*/false);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->due_at, 8000);
  // Another ref or kind is another timer.
  EXPECT_NE(Schedule("csat.reminder", 8, 1000)->id, first->id);
}

TEST_F(TimerStoreTest, FiresExactlyOnceWithItsEffect) {
  Session s = NewConversation();
  auto t = Schedule("conversation.idle", s.conversation.id, 2000);
  ASSERT_TRUE(t.ok());
  TimerFiring f;
  f.timer_id = t->id;
  f.at = 2000;
  f.messages.push_back(NewMessage{s.conversation.id, {ActorType::bot, 0}, "", "还在吗？Still there?", 2000, "notice"});
  f.events.push_back(Event{0, s.conversation.id, 0, "reminded", 2000, std::nullopt, "{}"});
  f.next.push_back(NewTimer{"conversation.idle", s.conversation.id, 5000, "{\"step\":2}", true});
  auto fired = Fire(f);
  ASSERT_TRUE(fired.ok()) << fired.error().message;
  ASSERT_EQ(fired->messages.size(), 1u);
  EXPECT_EQ(fired->messages[0].kind, "notice");

  auto again = Fire(f);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Code::conflict);
  auto messages = store_->ListMessages(MessageQuery{s.conversation.id, std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(messages.ok());
  EXPECT_EQ(messages->messages.size(), 1u);  // the effect happened once

  // The re-armed step is pending under the same kind and ref.
  auto next = store_->PendingTimer("conversation.idle", s.conversation.id);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->due_at, 5000);
  EXPECT_NE(next->id, t->id);
}

TEST_F(TimerStoreTest, AFailedEffectLeavesTheTimerPending) {
  Session s = NewConversation();
  auto t = Schedule("conversation.idle", s.conversation.id, 2000);
  ASSERT_TRUE(t.ok());
  TimerFiring f;
  f.timer_id = t->id;
  f.at = 2000;
  f.messages.push_back(NewMessage{s.conversation.id, {ActorType::bot, 0}, "", "notice", 2000, "notice"});
  TransitionRequest bad;  // resolved is not reachable from the bot state
  bad.conversation_id = s.conversation.id;
  bad.action = ConversationAction::resolve;
  bad.at = 2000;
  f.transition = bad;
  auto fired = Fire(f);
  ASSERT_FALSE(fired.ok());
  EXPECT_EQ(fired.error().code, Code::conflict);
  // Nothing of the effect was written and the timer can still fire.
  EXPECT_TRUE(store_->ListMessages(MessageQuery{s.conversation.id, std::nullopt, std::nullopt, 50})->messages.empty());
  EXPECT_TRUE(store_->PendingTimer("conversation.idle", s.conversation.id).ok());
  f.transition.reset();
  EXPECT_TRUE(Fire(f).ok());
}

TEST_F(TimerStoreTest, CancelledTimersNeitherFireNorCount) {
  auto t = Schedule("followup", 3, 2000);
  ASSERT_TRUE(t.ok());
  auto n = Wait<int>([&](Callback<int> done) { store_->CancelTimer("followup", 3, std::move(done)); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  EXPECT_TRUE(store_->DueTimers(10'000, 10)->empty());
  EXPECT_FALSE(store_->NextTimerDue()->has_value());
  TimerFiring f;
  f.timer_id = t->id;
  f.at = 3000;
  EXPECT_EQ(Fire(f).error().code, Code::conflict);
  EXPECT_EQ(*Wait<int>([&](Callback<int> done) { store_->CancelTimer("followup", 3, std::move(done)); }), 0);
}

TEST_F(TimerStoreTest, PendingTimersSurviveAReopenAndFiredOnesStayFired) {
  auto a = Schedule("a", 1, 2000);
  auto b = Schedule("b", 1, 3000);
  ASSERT_TRUE(a.ok() && b.ok());
  TimerFiring f;
  f.timer_id = a->id;
  f.at = 2500;
  ASSERT_TRUE(Fire(f).ok());
  Reopen();
  auto due = store_->DueTimers(10'000, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].id, b->id);
}

TEST_F(TimerStoreTest, ATransitionSchedulesItsTimersAtomically) {
  Session s = NewConversation();
  auto agent = Wait<Staff>([&](Callback<Staff> done) {
    store_->AddStaff(NewStaff{"a@x.io", "小A", domain::Role::agent, domain::Desk::L1, 5, "x", 1000, {}, {}, {}},
                     std::move(done));
  });
  ASSERT_TRUE(agent.ok());
  TransitionRequest accept;
  accept.conversation_id = s.conversation.id;
  accept.action = ConversationAction::accept;
  accept.assign_to = agent->id;
  accept.at = 3000;
  ASSERT_TRUE(Wait<TransitionResult>([&](Callback<TransitionResult> done) {
                store_->ApplyTransition(accept, std::move(done));
              }).ok());
  TransitionRequest close;
  close.conversation_id = s.conversation.id;
  close.action = ConversationAction::close;
  close.at = 4000;
  close.timers.push_back(NewTimer{"csat.reminder", s.conversation.id, 4000 + 3'600'000, "{}", true});
  auto r = Wait<TransitionResult>([&](Callback<TransitionResult> done) { store_->ApplyTransition(close, std::move(done)); });
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto t = store_->PendingTimer("csat.reminder", s.conversation.id);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->due_at, 4000 + 3'600'000);
  // A refused transition schedules nothing.
  TransitionRequest again = close;
  again.conversation_id = s.conversation.id;
  again.action = ConversationAction::resolve;  // closed → resolved is refused
  again.timers = {NewTimer{"other", s.conversation.id, 1, "{}", true}};
  EXPECT_FALSE(Wait<TransitionResult>([&](Callback<TransitionResult> done) {
                 store_->ApplyTransition(again, std::move(done));
               }).ok());
  EXPECT_FALSE(store_->PendingTimer("other", s.conversation.id).ok());
}

// Regression: the conversation kept no language, so notices written by the server (survey
// reminder, idle notice, closed hours) and language routing fell back to Chinese for everyone.
TEST_F(TimerStoreTest, AConversationKeepsItsCustomersLanguage) {
  auto r = Wait<Session>([&](Callback<Session> done) {
    store_->CreateSession([] {
        NewSession ns;
        ns.name = "Ana";
        ns.lang = "es";
        ns.at = 1000;
        return ns;
      }(), std::move(done));
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->conversation.lang, "es");
  auto read = store_->GetConversation(r->conversation.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->lang, "es");
}

TEST_F(TimerStoreTest, ATransitionCancelsTheTimersItNamesInItsTransaction) {
  Session a = NewConversation();
  ASSERT_TRUE(Schedule("queue.timeout", a.conversation.id, 9000).ok());
  ASSERT_TRUE(Schedule("queue.abandon", a.conversation.id, 9000).ok());
  TransitionRequest t;
  t.conversation_id = a.conversation.id;
  t.action = ConversationAction::handoff;  // any applied change
  t.desk = domain::Desk::L1;
  t.actor = domain::Actor{ActorType::system, 0};
  t.at = 2000;
  t.cancel_timers = {"queue.timeout"};
  ASSERT_TRUE(Wait<TransitionResult>([&](Callback<TransitionResult> done) { store_->ApplyTransition(t, std::move(done)); }).ok());
  EXPECT_EQ(store_->PendingTimer("queue.timeout", a.conversation.id).error().code, Code::not_found);
  EXPECT_TRUE(store_->PendingTimer("queue.abandon", a.conversation.id).ok());  // not named: kept
}

// ---- the security webhook's outbox (written with the routing change, attempts as firings) ----

class WebhookOutboxTest : public TimerStoreTest {
 protected:
  Result<TransitionResult> Route(Id conversation_id, ConversationAction action, domain::Desk desk, bool webhook,
                                 Millis at) {
    TransitionRequest t;
    t.conversation_id = conversation_id;
    t.action = action;
    t.actor = domain::Actor{ActorType::customer, 1};
    t.desk = desk;
    t.reason = "stolen phone";
    t.at = at;
    t.security_webhook = webhook;
    return Wait<TransitionResult>([&](Callback<TransitionResult> done) { store_->ApplyTransition(t, std::move(done)); });
  }
  Result<WebhookDelivery> Record(Id id, bool delivered, Millis at) {
    return Wait<WebhookDelivery>([&](Callback<WebhookDelivery> done) {
      store_->RecordWebhookResult(WebhookResult{id, delivered, delivered ? "" : "status 500", at}, std::move(done));
    });
  }
};

TEST_F(WebhookOutboxTest, ARoutingToTheSecurityDeskWritesOneDeliveryWithItsTimer) {
  Session a = NewConversation();
  ASSERT_TRUE(Route(a.conversation.id, ConversationAction::handoff, domain::Desk::security, true, 2000).ok());
  auto list = store_->ListWebhookDeliveries("", 0, 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  const WebhookDelivery& d = (*list)[0];
  EXPECT_EQ(d.trigger, "handoff");
  EXPECT_EQ(d.conversation_id, a.conversation.id);
  EXPECT_EQ(d.customer_id, a.customer.id);
  EXPECT_EQ(d.reason, "stolen phone");
  EXPECT_EQ(d.state, "pending");
  EXPECT_EQ(d.delivery_id.size(), 4u + 24u);
  auto timer = store_->PendingTimer("webhook.delivery", d.id);
  ASSERT_TRUE(timer.ok());
  EXPECT_EQ(timer->due_at, 2000);
  auto full = store_->GetWebhookDelivery(d.id);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->customer_name, "客户 A");

  // Another desk, or the flag off, writes nothing.
  Session b = NewConversation();
  ASSERT_TRUE(Route(b.conversation.id, ConversationAction::handoff, domain::Desk::L2, true, 3000).ok());
  Session c = NewConversation();
  ASSERT_TRUE(Route(c.conversation.id, ConversationAction::handoff, domain::Desk::security, false, 3000).ok());
  EXPECT_EQ(store_->ListWebhookDeliveries("", 0, 10)->size(), 1u);
}

TEST_F(WebhookOutboxTest, AFailedTransitionWritesNoDelivery) {
  Session a = NewConversation();
  ASSERT_TRUE(Route(a.conversation.id, ConversationAction::handoff, domain::Desk::security, true, 2000).ok());
  // A second handoff is refused by the state machine (queued already): nothing more is written.
  auto again = Route(a.conversation.id, ConversationAction::handoff, domain::Desk::security, true, 3000);
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(store_->ListWebhookDeliveries("", 0, 10)->size(), 1u);
}

TEST_F(WebhookOutboxTest, AttemptsCountWithTheFiringAndASuccessCancelsTheRetry) {
  Session a = NewConversation();
  ASSERT_TRUE(Route(a.conversation.id, ConversationAction::handoff, domain::Desk::security, true, 2000).ok());
  const Id id = (*store_->ListWebhookDeliveries("", 0, 1))[0].id;
  auto timer = store_->PendingTimer("webhook.delivery", id);
  ASSERT_TRUE(timer.ok());
  TimerFiring f;
  f.timer_id = timer->id;
  f.at = 2000;
  f.webhook = WebhookAttempt{id, false};
  f.next.push_back(NewTimer{"webhook.delivery", id, 62'000, "{}", true});
  ASSERT_TRUE(Fire(f).ok());
  auto failed = Record(id, false, 2100);
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed->attempts, 1);
  EXPECT_EQ(failed->last_error, "status 500");
  EXPECT_EQ(failed->last_attempt_at, 2000);
  EXPECT_TRUE(store_->PendingTimer("webhook.delivery", id).ok());

  Reopen();  // survives a restart
  auto ok = Record(id, true, 2200);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->state, "delivered");
  EXPECT_EQ(ok->delivered_at, 2200);
  EXPECT_EQ(store_->PendingTimer("webhook.delivery", id).error().code, Code::not_found);
  // A late answer of an older attempt changes nothing; counting another attempt is refused.
  EXPECT_EQ(Record(id, false, 2300)->state, "delivered");
  auto retry = Schedule("webhook.delivery", id, 70'000);
  ASSERT_TRUE(retry.ok());
  TimerFiring late;
  late.timer_id = retry->id;
  late.at = 70'000;
  late.webhook = WebhookAttempt{id, false};
  auto fired = Fire(late);
  ASSERT_FALSE(fired.ok());
  EXPECT_EQ(fired.error().code, Code::conflict);
  EXPECT_EQ(store_->GetWebhookDelivery(id)->attempts, 1);
  auto events = store_->ListEvents(a.conversation.id);
  ASSERT_TRUE(events.ok());
  int delivered = 0;
  for (const Event& e : *events) delivered += e.type == "webhook.delivered";
  EXPECT_EQ(delivered, 1);
}

}  // namespace
}  // namespace kefu::store
