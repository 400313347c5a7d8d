// Tickets in the store: creation from a conversation, the status life cycle, notes, merge,
// canned replies, keyset lists with filters, and an event for every change.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include <unistd.h>

#include "store/store.hpp"
#include "store/tickets.hpp"

namespace kefu::store {
namespace {

using domain::TicketStatus;

class TicketStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu-ticket-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = Store::Open("sqlite:" + (dir_ / "kefu.db").string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
    NewStaff st{"agent@x.io", "小王", domain::Role::agent, domain::Desk::L2, 5, "x", 1000, {}, {}, {}};
    auto staff = Wait<Staff>([&](Callback<Staff> done) { store_->AddStaff(st, std::move(done)); });
    ASSERT_TRUE(staff.ok());
    staff_ = staff->id;
    auto session = Wait<Session>([&](Callback<Session> done) {
      store_->CreateSession([] {
        NewSession ns;
        ns.name = "张三";
        ns.lang = "zh";
        ns.at = 1000;
        return ns;
      }(), std::move(done));
    });
    ASSERT_TRUE(session.ok());
    session_ = *session;
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  TicketStore& T() { return store_->Tickets(); }
  domain::Actor Agent() const { return {domain::ActorType::staff, staff_}; }

  Result<Ticket> Create(NewTicket n) {
    if (n.actor.id == 0) n.actor = Agent();
    if (n.at == 0) n.at = 2000;
    return Wait<Ticket>([&](Callback<Ticket> done) { T().CreateTicket(std::move(n), std::move(done)); });
  }
  Result<Ticket> Status(Id id, TicketStatus s, std::string summary = "", bool require = false, Millis at = 3000) {
    return Wait<Ticket>([&](Callback<Ticket> done) {
      T().SetTicketStatus(TicketStatusChange{id, s, summary, require, Agent(), at, {}, {}, std::nullopt, {}}, std::move(done));
    });
  }
  std::vector<std::string> EventTypes(Id id) {
    auto events = T().ListTicketEvents(id);
    EXPECT_TRUE(events.ok());
    std::vector<std::string> out;
    for (const auto& e : *events) out.push_back(e.type);
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
  Id staff_ = 0;
  Session session_;
};

TEST_F(TicketStoreTest, CreatedFromAConversationTakesItsCustomerAndLinksIt) {
  NewTicket n;
  n.conversation_id = session_.conversation.id;
  n.desk = domain::Desk::security;
  n.category = domain::TicketCategory::asset_loss;
  n.tags = {"usdt", "trc20"};
  n.fields.tx_hash = std::string(64, 'a');
  n.fields.amount = "100.5";
  n.fields.card_last4 = "4242";
  auto t = Create(n);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->customer_id, session_.customer.id);
  EXPECT_EQ(t->customer_name, "张三");
  EXPECT_EQ(t->status, TicketStatus::fresh);
  EXPECT_EQ(t->desk, domain::Desk::security);
  EXPECT_EQ(t->subject, "Conversation " + std::to_string(session_.conversation.id));
  EXPECT_EQ(t->tags, (std::vector<std::string>{"trc20", "usdt"}));
  EXPECT_EQ(t->fields.amount, "100.5");
  EXPECT_EQ(T().FindTicketForConversation(session_.conversation.id)->id, t->id);
  auto events = T().ListTicketEvents(t->id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "ticket.created");
  EXPECT_EQ((*events)[0].conversation_id, session_.conversation.id);
  EXPECT_EQ((*events)[0].actor->id, staff_);
  EXPECT_NE((*events)[0].data_json.find("\"ticket_id\":" + std::to_string(t->id)), std::string::npos);
  // The conversation's own history shows the ticket too.
  auto conv_events = store_->ListEvents(session_.conversation.id);
  EXPECT_EQ(conv_events->back().type, "ticket.created");
  NewTicket unknown;
  unknown.conversation_id = 999;
  EXPECT_EQ(Create(unknown).error().code, Code::not_found);
}

// Creation answers without reading the ticket back: what it answers must be what a read gives.
TEST_F(TicketStoreTest, CreateAnswersWhatAReadGivesBack) {
  NewTicket n;
  n.subject = "提现未到账";
  n.description = "第二次了";
  n.type = domain::TicketType::incident;
  n.category = domain::TicketCategory::withdrawal;
  n.priority = domain::TicketPriority::urgent;
  n.customer_id = session_.customer.id;
  n.desk = domain::Desk::L2;
  n.assignee_id = staff_;
  n.tags = {"usdt", "vip", "usdt", "refund"};
  n.fields.chain = "tron";
  n.fields.token = "USDT";
  n.fields.amount = "12.5";
  n.fields.tx_hash = std::string(64, 'c');
  n.fields.platform = "ios";
  auto made = Create(n);
  ASSERT_TRUE(made.ok()) << made.error().message;
  auto read = T().GetTicket(made->id);
  ASSERT_TRUE(read.ok());
  const Ticket& a = *made;
  const Ticket& b = *read;
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.category, b.category);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.subject, b.subject);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.customer_id, b.customer_id);
  EXPECT_EQ(a.customer_name, "张三");
  EXPECT_EQ(a.customer_name, b.customer_name);
  EXPECT_EQ(a.conversation_id, b.conversation_id);
  EXPECT_EQ(a.desk, b.desk);
  EXPECT_EQ(a.assignee_id, b.assignee_id);
  EXPECT_EQ(a.assignee_name, "小王");
  EXPECT_EQ(a.assignee_name, b.assignee_name);
  EXPECT_EQ(a.tags, (std::vector<std::string>{"refund", "usdt", "vip"}));
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_EQ(a.merged_into, b.merged_into);
  EXPECT_EQ(a.fields.chain, b.fields.chain);
  EXPECT_EQ(a.fields.tx_hash, b.fields.tx_hash);
  EXPECT_EQ(a.fields.token, b.fields.token);
  EXPECT_EQ(a.fields.amount, b.fields.amount);
  EXPECT_EQ(a.fields.platform, b.fields.platform);
  EXPECT_EQ(a.fields.order_id, b.fields.order_id);
  EXPECT_EQ(a.created_at, b.created_at);
  EXPECT_EQ(a.updated_at, b.updated_at);
}

// A ticket the database refuses (here a card_last4 that is not four digits, which the HTTP layer
// would catch first) leaves no row, tag or event behind, and tickets committed in the same group
// commit are unaffected.
TEST_F(TicketStoreTest, ARefusedTicketWritesNothingAndItsBatchStillCommits) {
  std::vector<Result<Ticket>> results(9, MakeError(Code::internal, "not answered"));
  std::atomic<int> answered{0};
  for (int i = 0; i < 9; ++i) {
    NewTicket n;
    n.subject = "批量 " + std::to_string(i);
    n.tags = {"bulk"};
    n.actor = Agent();
    n.at = 5000 + i;
    if (i == 4) n.fields.card_last4 = "12a4";
    T().CreateTicket(std::move(n), [&results, &answered, i](Result<Ticket> r) {
      results[i] = std::move(r);
      answered++;
    });
  }
  while (answered.load() < 9) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int i = 0; i < 9; ++i) {
    SCOPED_TRACE(i);
    if (i == 4) {
      ASSERT_FALSE(results[i].ok());
      EXPECT_EQ(results[i].error().code, Code::conflict);
      continue;
    }
    ASSERT_TRUE(results[i].ok()) << results[i].error().message;
    EXPECT_EQ(T().GetTicket(results[i]->id)->subject, "批量 " + std::to_string(i));
    EXPECT_EQ(EventTypes(results[i]->id), (std::vector<std::string>{"ticket.created"}));
  }
  TicketQuery q;
  q.tag = "bulk";
  q.limit = 50;
  auto page = T().ListTickets(q);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->tickets.size(), 8u);
  for (const auto& t : page->tickets) EXPECT_NE(t.subject, "批量 4");
}

// A tag filter is answered by probing the newest tickets when the tag is common and by fetching
// the tag's tickets when it is rare; both give the same pages, newest first.
TEST_F(TicketStoreTest, TagFilterPagesAlikeForCommonAndRareTags) {
  std::vector<Id> common, rare;  // newest last
  for (int i = 0; i < 12; ++i) {
    NewTicket n;
    n.subject = "标签 " + std::to_string(i);
    if (i % 4 != 3) n.tags.push_back("common");  // 9 of 12
    if (i == 2 || i == 7) n.tags.push_back("rare");
    n.at = 10'000 + i;
    auto t = Create(n);
    ASSERT_TRUE(t.ok()) << t.error().message;
    if (i % 4 != 3) common.push_back(t->id);
    if (i == 2 || i == 7) rare.push_back(t->id);
  }
  for (const auto& [tag, ids] : {std::pair{std::string("common"), common}, std::pair{std::string("rare"), rare}}) {
    SCOPED_TRACE(tag);
    std::vector<Id> got;
    TicketQuery q;
    q.tag = tag;
    q.limit = 2;
    for (int page = 0; page < 10; ++page) {
      auto p = T().ListTickets(q);
      ASSERT_TRUE(p.ok()) << p.error().message;
      for (const auto& t : p->tickets) got.push_back(t.id);
      if (p->next_cursor.empty()) break;
      q.cursor = p->next_cursor;
    }
    EXPECT_EQ(got, std::vector<Id>(ids.rbegin(), ids.rend()));
  }
}

TEST_F(TicketStoreTest, StatusLifeCycleRejectsIllegalMovesAndRecordsEach) {
  NewTicket n;
  n.subject = "提现未到账";
  auto t = Create(n);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Status(t->id, TicketStatus::resolved).error().code, Code::conflict);
  ASSERT_TRUE(Status(t->id, TicketStatus::open).ok());
  ASSERT_TRUE(Status(t->id, TicketStatus::pending).ok());
  ASSERT_TRUE(Status(t->id, TicketStatus::open).ok());
  ASSERT_TRUE(Status(t->id, TicketStatus::resolved).ok());
  // A required summary: refused without one, kept once given.
  EXPECT_EQ(Status(t->id, TicketStatus::closed, "", true).error().code, Code::invalid);
  auto closed = Status(t->id, TicketStatus::closed, "已到账", true);
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  EXPECT_EQ(closed->summary, "已到账");
  EXPECT_EQ(Status(t->id, TicketStatus::pending).error().code, Code::conflict);
  ASSERT_TRUE(Status(t->id, TicketStatus::open).ok());
  EXPECT_EQ(EventTypes(t->id),
            (std::vector<std::string>{"ticket.created", "ticket.opened", "ticket.pending", "ticket.resumed",
                                      "ticket.resolved", "ticket.closed", "ticket.reopened"}));
}

TEST_F(TicketStoreTest, ResolvingArmsItsTimerAndAnAutoCloseClosesOnlyAResolvedTicket) {
  NewTicket n;
  n.subject = "提现未到账";
  auto t = Create(n);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(Status(t->id, TicketStatus::open).ok());
  TicketStatusChange resolve{t->id, TicketStatus::resolved, "", false, Agent(), 4000, {}, {}, std::nullopt, {}};
  resolve.timers.push_back(NewTimer{"ticket.auto_close", t->id, 9000, "{}", true});
  ASSERT_TRUE(Wait<Ticket>([&](Callback<Ticket> done) { T().SetTicketStatus(resolve, std::move(done)); }).ok());
  auto timer = store_->PendingTimer("ticket.auto_close", t->id);
  ASSERT_TRUE(timer.ok());
  EXPECT_EQ(timer->due_at, 9000);
  auto fire = [&](Id timer_id) {
    TimerFiring f;
    f.timer_id = timer_id;
    f.at = 9000;
    f.ticket_auto_close = t->id;
    return Wait<FiredTimer>([&](Callback<FiredTimer> done) { store_->FireTimer(f, std::move(done)); });
  };
  // Reopened meanwhile: the firing is refused and writes nothing (the timer stays pending).
  ASSERT_TRUE(Status(t->id, TicketStatus::open).ok());
  EXPECT_EQ(fire(timer->id).error().code, Code::conflict);
  EXPECT_TRUE(store_->PendingTimer("ticket.auto_close", t->id).ok());
  ASSERT_TRUE(Status(t->id, TicketStatus::resolved).ok());
  ASSERT_TRUE(fire(timer->id).ok());
  EXPECT_EQ(T().GetTicket(t->id)->status, TicketStatus::closed);
  EXPECT_EQ(EventTypes(t->id).back(), "ticket.closed");
  EXPECT_EQ(fire(timer->id).error().code, Code::conflict);  // once
}

// The SLA parts of a ticket's status change and of a next-response round (docs/adr/0020): the
// pause runs in the status change's transaction, each clock change gets a fresh checkpoint timer
// (a checkpoint judging the old clocks can no longer claim its timer), a closed ticket of a
// conversation arms its survey.
TEST_F(TicketStoreTest, PendingPausesTheResolutionClockAndRoundsStartOnce) {
  domain::SlaPolicy p;
  p.name = "rounds";
  p.resolution_ms = 8000;
  p.next_response_ms = 1000;
  auto policy = Wait<domain::SlaPolicy>([&](Callback<domain::SlaPolicy> done) { store_->SaveSlaPolicy(p, std::move(done)); });
  ASSERT_TRUE(policy.ok()) << policy.error().message;
  EXPECT_EQ(store_->ListSlaPolicies()->at(0).next_response_ms, 1000);
  NewTicket n;
  n.conversation_id = session_.conversation.id;
  domain::TicketSla sla;
  sla.policy_id = policy->id;
  sla.policy_name = "rounds";
  sla.calendar = "24x7";
  sla.resolution.due = 10'000;
  sla.resolution.warn_at = 8000;
  n.sla = sla;
  auto t = Create(n);
  ASSERT_TRUE(t.ok()) << t.error().message;
  const Id first_timer = store_->PendingTimer("ticket.sla", t->id)->id;
  // Wall time as the calendar.
  SlaPauseHook hook = [](domain::TicketSla& s, bool pause, Millis at) {
    if (pause) {
      domain::PauseClock(s.resolution, at, [](Millis a, Millis b) { return b - a; });
    } else {
      domain::ResumeClock(s.resolution, at, [](Millis a, Millis d) { return std::optional<Millis>(a + d); });
    }
  };
  auto status = [&](TicketStatus to, Millis at) {
    TicketStatusChange c{t->id, to, "", false, Agent(), at, {}, hook, std::nullopt, {}};
    return Wait<Ticket>([&](Callback<Ticket> done) { T().SetTicketStatus(c, std::move(done)); });
  };
  ASSERT_TRUE(status(TicketStatus::open, 3000).ok());
  EXPECT_EQ(store_->PendingTimer("ticket.sla", t->id)->id, first_timer);  // not pending: untouched
  ASSERT_TRUE(status(TicketStatus::pending, 4000).ok());
  auto paused = store_->GetTicketSla(t->id);
  EXPECT_EQ(std::pair(paused->resolution.paused_at, paused->resolution.left_ms), (std::pair<Millis, Millis>{4000, 6000}));
  EXPECT_EQ(store_->PendingTimer("ticket.sla", t->id).error().code, Code::not_found);  // nothing to check
  ASSERT_TRUE(status(TicketStatus::open, 9000).ok());
  auto resumed = store_->GetTicketSla(t->id);
  EXPECT_FALSE(resumed->resolution.paused());
  EXPECT_EQ(std::pair(resumed->resolution.due, resumed->resolution.warn_at), (std::pair<Millis, Millis>{15'000, 13'000}));
  auto timer = store_->PendingTimer("ticket.sla", t->id);
  ASSERT_TRUE(timer.ok());
  EXPECT_EQ(timer->due_at, 13'000);
  EXPECT_NE(timer->id, first_timer);
  // A round starts once per customer message; its checkpoint comes first.
  auto round = [&](std::int64_t seq, Millis at) {
    NextResponseStart r{t->id, session_.conversation.id, {}, at, seq};
    r.clock.due = at + 1000;
    return Wait<domain::TicketSla>([&](Callback<domain::TicketSla> done) { store_->StartNextResponse(r, std::move(done)); });
  };
  auto started = round(5, 9500);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->next_response_started_seq, 5);
  EXPECT_EQ(store_->PendingTimer("ticket.sla", t->id)->due_at, 10'500);
  EXPECT_EQ(round(5, 9600)->next_response.due, 10'500);  // the same message again: nothing changes
  EXPECT_EQ(store_->GetTicketSla(t->id)->next_response.due, 10'500);
  ASSERT_TRUE(status(TicketStatus::resolved, 9700).ok());
  EXPECT_EQ(round(6, 9800).error().code, Code::conflict);  // resolved: no more rounds
  EXPECT_EQ(store_->PendingTimer("ticket.csat", t->id).error().code, Code::not_found);
  ASSERT_TRUE(status(TicketStatus::closed, 9900).ok());
  EXPECT_EQ(store_->PendingTimer("ticket.csat", t->id)->due_at, 9900);
}

TEST_F(TicketStoreTest, UpdateWritesOnlyChangesAndNamesThem) {
  NewTicket n;
  n.subject = "KYC";
  auto t = Create(n);
  ASSERT_TRUE(t.ok());
  TicketUpdate u;
  u.ticket_id = t->id;
  u.priority = domain::TicketPriority::urgent;
  u.assignee_id = staff_;
  u.tags = std::vector<std::string>{"vip"};
  u.order_id = "A-1";
  u.actor = Agent();
  u.at = 5000;
  auto updated = Wait<Ticket>([&](Callback<Ticket> done) { T().UpdateTicket(u, std::move(done)); });
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->priority, domain::TicketPriority::urgent);
  EXPECT_EQ(updated->assignee_name, "小王");
  EXPECT_EQ(updated->tags, std::vector<std::string>{"vip"});
  EXPECT_EQ(updated->updated_at, 5000);
  auto again = Wait<Ticket>([&](Callback<Ticket> done) { T().UpdateTicket(u, std::move(done)); });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(EventTypes(t->id), (std::vector<std::string>{"ticket.created", "ticket.updated"}));
  u.assignee_id = 12345;
  auto bad = Wait<Ticket>([&](Callback<Ticket> done) { T().UpdateTicket(u, std::move(done)); });
  EXPECT_EQ(bad.error().code, Code::not_found);
}

TEST_F(TicketStoreTest, MergeMovesNotesAndLinksAndClosesTheSource) {
  NewTicket a;
  a.conversation_id = session_.conversation.id;
  auto source = Create(a);
  NewTicket b;
  b.subject = "同一笔转账";
  auto target = Create(b);
  ASSERT_TRUE(source.ok() && target.ok());
  auto note = Wait<TicketNote>([&](Callback<TicketNote> done) {
    T().AddTicketNote(source->id, staff_, "客户已提供截图", 4000, std::move(done));
  });
  ASSERT_TRUE(note.ok());
  EXPECT_EQ(note->staff_name, "小王");
  auto merge = [&](Id s, Id t) {
    return Wait<TicketMerge>([&](Callback<TicketMerge> done) { T().MergeTicket(s, t, Agent(), 6000, std::move(done)); });
  };
  EXPECT_EQ(merge(source->id, source->id).error().code, Code::invalid);
  auto merged = merge(source->id, target->id);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ(merged->source.status, TicketStatus::closed);
  EXPECT_EQ(merged->source.merged_into, target->id);
  EXPECT_TRUE(T().ListTicketNotes(source->id)->empty());
  ASSERT_EQ(T().ListTicketNotes(target->id)->size(), 1u);
  EXPECT_EQ(T().FindTicketForConversation(session_.conversation.id)->id, target->id);
  EXPECT_EQ(EventTypes(source->id).back(), "ticket.merged");
  EXPECT_EQ(EventTypes(target->id).back(), "ticket.merge_received");
  EXPECT_EQ(merge(source->id, target->id).error().code, Code::conflict);  // already closed
  EXPECT_EQ(Status(source->id, TicketStatus::open).error().code, Code::conflict);
}

TEST_F(TicketStoreTest, ListsAreKeysetPagedAndFiltered) {
  for (int i = 0; i < 25; ++i) {
    NewTicket n;
    n.subject = "t" + std::to_string(i);
    n.at = 10'000 + i;
    n.category = i % 2 ? domain::TicketCategory::withdrawal : domain::TicketCategory::kyc;
    n.priority = i % 5 == 0 ? domain::TicketPriority::urgent : domain::TicketPriority::normal;
    if (i % 3 == 0) n.tags = {"vip"};
    if (i % 4 == 0) n.assignee_id = staff_;
    ASSERT_TRUE(Create(n).ok());
  }
  TicketQuery q;
  q.limit = 10;
  std::vector<std::string> subjects;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = T().ListTickets(q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& t : page->tickets) subjects.push_back(t.subject);
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  ASSERT_EQ(subjects.size(), 25u);
  EXPECT_EQ(subjects.front(), "t24");
  EXPECT_EQ(subjects.back(), "t0");
  auto count = [&](TicketQuery f) {
    f.limit = 100;
    return T().ListTickets(f)->tickets.size();
  };
  TicketQuery f;
  f.category = domain::TicketCategory::withdrawal;
  EXPECT_EQ(count(f), 12u);
  f = {};
  f.tag = "vip";
  EXPECT_EQ(count(f), 9u);
  f = {};
  f.priority = domain::TicketPriority::urgent;
  f.assignee_id = staff_;
  EXPECT_EQ(count(f), 2u);  // i = 0 and 20
  f = {};
  f.assignee_id = 0;
  EXPECT_EQ(count(f), 18u);
  f = {};
  f.status = TicketStatus::open;
  EXPECT_EQ(count(f), 0u);
  f = {};
  f.cursor = "garbage";
  EXPECT_EQ(T().ListTickets(f).error().code, Code::invalid);
}

TEST_F(TicketStoreTest, CannedRepliesRoundTrip) {
  CannedReply r;
  r.title = "问候";
  r.body = "{{customer_name}} 您好，我是 {{agent_name}}";
  r.lang = "zh";
  r.created_by = staff_;
  r.created_at = 1234;
  auto created = Wait<CannedReply>([&](Callback<CannedReply> done) { T().CreateCannedReply(r, std::move(done)); });
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(T().GetCannedReply(created->id)->body, r.body);
  EXPECT_EQ(T().ListCannedReplies()->size(), 1u);
  EXPECT_EQ(T().GetCannedReply(99).error().code, Code::not_found);
}

}  // namespace
}  // namespace kefu::store
