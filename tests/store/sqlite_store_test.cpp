#include "store/store.hpp"
#include "store/tickets.hpp"

#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include <unistd.h>

namespace kefu::store {
namespace {

using domain::ActorType;
using domain::ConversationAction;
using domain::ConversationState;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu-store-test-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Reopen();
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Reopen() {
    if (store_) store_->Close();
    auto s = Store::Open("sqlite:" + (dir_ / "kefu.db").string());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  Session NewSession(const std::string& name = "访客") {
    store::NewSession s;
    s.name = name;
    s.at = 1000;
    auto r = Wait<Session>([&](Callback<Session> done) { store_->CreateSession(s, std::move(done)); });
    EXPECT_TRUE(r.ok());
    return r.value();
  }
  Staff NewAgent(const std::string& email) {
    NewStaff s;
    s.email = email;
    s.name = email;
    s.desk = domain::Desk::L1;
    s.password_hash = "x";
    s.at = 1000;
    auto r = Wait<Staff>([&](Callback<Staff> done) { store_->AddStaff(s, std::move(done)); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.value();
  }
  Result<AppendedMessage> Send(Id conversation, domain::Actor who, const std::string& client_id,
                               const std::string& text, Millis at = 2000) {
    return Wait<AppendedMessage>([&](Callback<AppendedMessage> done) {
      store_->AppendMessage(NewMessage{conversation, who, client_id, text, at}, std::move(done));
    });
  }
  Result<TransitionResult> Apply(Id conversation, ConversationAction action, Id assign_to = 0) {
    TransitionRequest t;
    t.conversation_id = conversation;
    t.action = action;
    t.actor = {ActorType::staff, assign_to};
    t.assign_to = assign_to;
    t.at = 3000;
    t.reason = action == ConversationAction::transfer_to_desk ? "needs an account look-up" : "";
    t.desk = action == ConversationAction::transfer_to_desk ? std::optional(domain::Desk::L2) : std::nullopt;
    return Wait<TransitionResult>([&](Callback<TransitionResult> done) { store_->ApplyTransition(t, std::move(done)); });
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreTest, MigratesANewDatabaseAndReopensIt) {
  EXPECT_GE(store_->SchemaVersion(), 1);
  Reopen();
  EXPECT_GE(store_->SchemaVersion(), 1);
}

TEST_F(SqliteStoreTest, MessagesGetSequenceNumbersAndSurviveReopen) {
  Session s = NewSession();
  domain::Actor customer{ActorType::customer, s.customer.id};
  for (int i = 1; i <= 3; ++i) {
    auto m = Send(s.conversation.id, customer, "c" + std::to_string(i), "消息 " + std::to_string(i));
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->message.seq, i);
    EXPECT_FALSE(m->duplicate);
  }
  Reopen();
  auto page = store_->ListMessages({s.conversation.id, std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 3u);
  EXPECT_EQ(page->messages[2].text, "消息 3");
  EXPECT_EQ(page->messages[2].sender_name, "访客");
}

TEST_F(SqliteStoreTest, MessagesKeepTheirKind) {
  Session s = NewSession();
  domain::Actor customer{ActorType::customer, s.customer.id};
  NewMessage bot{s.conversation.id, {ActorType::bot, 0}, "", "您好", 2000};
  bot.kind = "bot.greeting";
  auto greeting = Wait<AppendedMessage>([&](Callback<AppendedMessage> done) { store_->AppendMessage(bot, std::move(done)); });
  ASSERT_TRUE(greeting.ok()) << greeting.error().message;
  EXPECT_EQ(greeting->message.kind, "bot.greeting");
  auto own = Send(s.conversation.id, customer, "k", "hello");
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->message.kind, "text");  // the default
  auto again = Send(s.conversation.id, customer, "k", "hello");
  ASSERT_TRUE(again.ok() && again->duplicate);
  EXPECT_EQ(again->message.kind, "text");
  Reopen();
  auto page = store_->ListMessages({s.conversation.id, std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 2u);
  EXPECT_EQ(page->messages[0].kind, "bot.greeting");
  EXPECT_EQ(page->messages[1].kind, "text");
  auto one = store_->GetMessage(greeting->message.id);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->kind, "bot.greeting");
}

// A database from before kinds (schema 6): its messages read as plain "text".
TEST_F(SqliteStoreTest, MigrationSevenGivesOldMessagesTheTextKind) {
  store_->Close();
  store_.reset();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  {
    auto db = sqlite::Db::Open((dir_ / "kefu.db").string(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                         "description TEXT NOT NULL, applied_at INTEGER NOT NULL)")
                    .ok());
    for (const auto& m : sqlite::Migrations()) {
      if (m.version > 6) break;
      ASSERT_TRUE(db->Exec(m.sql).ok()) << m.version;
      ASSERT_TRUE(db->Exec(("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'x', 0)").c_str()).ok());
    }
    ASSERT_TRUE(db->Exec("INSERT INTO customers(id, name, lang, created_at) VALUES (1, '老客', 'zh', 10)").ok());
    ASSERT_TRUE(db->Exec("INSERT INTO conversations(id, customer_id, channel, state, last_seq, created_at, updated_at) "
                         "VALUES (1, 1, 'widget', 'bot', 1, 10, 10)")
                    .ok());
    ASSERT_TRUE(db->Exec("INSERT INTO messages(conversation_id, seq, sender_type, sender_id, text, created_at) "
                         "VALUES (1, 1, 'bot', 0, '您好', 10)")
                    .ok());
  }
  Reopen();
  EXPECT_GE(store_->SchemaVersion(), 7);
  auto page = store_->ListMessages({1, std::nullopt, std::nullopt, 50});
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].kind, "text");
}

// A database from before verify ids (schema 17): every staff member gets one, unique, and it
// finds them; new accounts get one too.
TEST_F(SqliteStoreTest, MigrationEighteenGivesEveryStaffMemberAVerifyId) {
  store_->Close();
  store_.reset();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  {
    auto db = sqlite::Db::Open((dir_ / "kefu.db").string(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                         "description TEXT NOT NULL, applied_at INTEGER NOT NULL)")
                    .ok());
    for (const auto& m : sqlite::Migrations()) {
      if (m.version > 17) break;
      ASSERT_TRUE(db->Exec(m.sql).ok()) << m.version;
      if (m.code) {
        ASSERT_TRUE(m.code(*db).ok()) << m.version;
      }
      ASSERT_TRUE(db->Exec(("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'x', 0)").c_str()).ok());
    }
    for (const char* email : {"a@old.kefu", "b@old.kefu"})
      ASSERT_TRUE(db->Exec(("INSERT INTO staff(email, name, role, desk, password_hash, created_at) VALUES ('" +
                            std::string(email) + "', 'old', 'agent', 'L1', 'x', 10)").c_str())
                      .ok());
  }
  Reopen();
  EXPECT_GE(store_->SchemaVersion(), 18);
  auto staff = store_->ListStaff();
  ASSERT_TRUE(staff.ok());
  ASSERT_EQ(staff->size(), 2u);
  std::set<std::string> ids;
  for (const Staff& m : *staff) {
    EXPECT_EQ(m.verify_id.size(), 11u) << m.verify_id;
    EXPECT_EQ(m.verify_id.rfind("KF-", 0), 0u);
    ids.insert(m.verify_id);
    auto found = store_->FindStaffByVerifyId(m.verify_id);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->id, m.id);
  }
  EXPECT_EQ(ids.size(), 2u);
  Staff fresh = NewAgent("new@old.kefu");
  EXPECT_EQ(fresh.verify_id.size(), 11u);
  EXPECT_FALSE(ids.contains(fresh.verify_id));
  EXPECT_EQ(store_->GetStaff(fresh.id)->verify_id, fresh.verify_id);
  EXPECT_EQ(store_->FindStaffByVerifyId("KF-00000000").error().code, Code::not_found);
}

// A known identity resumes its customer and latest conversation; an unknown one creates them,
// unless the caller only wants to resume.
TEST_F(SqliteStoreTest, IdentitiesResumeTheirCustomer) {
  auto create = [&](const std::string& channel, const std::string& external, bool create_new) {
    store::NewSession s;
    s.name = "甲";
    s.at = 2000;
    s.identity_channel = channel;
    s.identity_external_id = external;
    s.identity_verified = channel != "widget";
    s.create = create_new;
    return Wait<Session>([&](Callback<Session> done) { store_->CreateSession(s, std::move(done)); });
  };
  auto first = create("widget:shop", "user-1", true);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->resumed);
  auto again = create("widget:shop", "user-1", true);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->resumed);
  EXPECT_EQ(again->customer.id, first->customer.id);
  EXPECT_EQ(again->conversation.id, first->conversation.id);
  auto other_site = create("widget:other", "user-1", true);
  ASSERT_TRUE(other_site.ok());
  EXPECT_NE(other_site->customer.id, first->customer.id);
  auto unknown = create("widget", "digest-x", false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Code::not_found);
  auto plain = NewSession();  // no identity: always new
  EXPECT_NE(plain.customer.id, first->customer.id);
}

// A database from before migration 13 (schema 12): its tickets and timers tables' CHECK lists become
// comparisons, the tickets in it stay as they were, and the constraints still refuse bad rows.
TEST_F(SqliteStoreTest, MigrationThirteenRewritesTicketChecksAndKeepsTickets) {
  store_->Close();
  store_.reset();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  {
    auto db = sqlite::Db::Open((dir_ / "kefu.db").string(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                         "description TEXT NOT NULL, applied_at INTEGER NOT NULL)")
                    .ok());
    for (const auto& m : sqlite::Migrations()) {
      if (m.version > 12) break;
      ASSERT_TRUE(db->Exec(m.sql).ok()) << m.version;
      ASSERT_TRUE(db->Exec(("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'x', 0)").c_str()).ok());
    }
    ASSERT_TRUE(db->Exec("INSERT INTO tickets(id, type, category, priority, status, subject, desk, created_at, updated_at) "
                         "VALUES (7, 'complaint', 'kyc', 3, 'pending', '旧工单', 'L2', 10, 20)")
                    .ok());
  }
  Reopen();
  EXPECT_GE(store_->SchemaVersion(), 13);
  auto old = store_->Tickets().GetTicket(7);
  ASSERT_TRUE(old.ok()) << old.error().message;
  EXPECT_EQ(old->subject, "旧工单");
  EXPECT_EQ(old->status, domain::TicketStatus::pending);
  EXPECT_EQ(old->desk, domain::Desk::L2);
  auto db = sqlite::Db::Open((dir_ / "kefu.db").string(), false);
  ASSERT_TRUE(db.ok());
  {
    auto sql = db->Prepare("SELECT sql FROM sqlite_schema WHERE name = 'tickets'");
    ASSERT_TRUE(sql.ok() && sql->Step().ok());
    const std::string text = sql->Text(0);
    EXPECT_EQ(text.find(" IN ("), std::string::npos) << text;
    EXPECT_NE(text.find("status = 'new' OR status = 'open'"), std::string::npos) << text;
    auto timers = db->Prepare("SELECT sql FROM sqlite_schema WHERE name = 'timers'");
    ASSERT_TRUE(timers.ok() && timers->Step().ok());
    EXPECT_NE(timers->Text(0).find("state = 'pending' OR state = 'fired' OR state = 'cancelled'"), std::string::npos)
        << timers->Text(0);
  }
  std::vector<const char*> refused = {
      "INSERT INTO tickets(type, category, priority, status, subject, created_at, updated_at) "
      "VALUES ('nonsense', 'kyc', 1, 'new', 's', 1, 1)",
      "INSERT INTO tickets(type, category, priority, status, subject, created_at, updated_at) "
      "VALUES ('inquiry', 'kyc', 1, 'deleted', 's', 1, 1)",
      "INSERT INTO tickets(type, category, priority, status, subject, desk, created_at, updated_at) "
      "VALUES ('inquiry', 'kyc', 1, 'new', 's', 'L9', 1, 1)",
      "INSERT INTO tickets(type, category, priority, status, subject, created_at, updated_at) "
      "VALUES ('inquiry', 'crypto', 1, 'new', 's', 1, 1)",
  };
  refused.push_back("INSERT INTO timers(kind, ref_id, due_at, state, created_at) VALUES ('k', 1, 1, 'late', 1)");
  for (const char* sql : refused) {
    SCOPED_TRACE(sql);
    EXPECT_FALSE(db->Exec(sql).ok());
  }
  EXPECT_TRUE(db->Exec("INSERT INTO tickets(type, category, priority, status, subject, desk, created_at, updated_at) "
                       "VALUES ('data_request', 'other', 0, 'closed', 's', NULL, 1, 1)")
                  .ok());
}

TEST(Migrations, InListChecksBecomeComparisons) {
  const struct {
    std::string_view in, want;
  } cases[] = {
      {"a TEXT CHECK (a IN ('x','y'))", "a TEXT CHECK (a = 'x' OR a = 'y')"},
      {"a TEXT CHECK (a IN ('x',\n    'y', 'z')), b INT", "a TEXT CHECK (a = 'x' OR a = 'y' OR a = 'z'), b INT"},
      {"p INT CHECK (p BETWEEN 0 AND 3)", "p INT CHECK (p BETWEEN 0 AND 3)"},
      {"c TEXT CHECK (c IS NULL OR (length(c) = 4))", "c TEXT CHECK (c IS NULL OR (length(c) = 4))"},
      {"n INT CHECK (n IN (1, 2))", "n INT CHECK (n IN (1, 2))"},  // not quoted text: left alone
      {"a CHECK (a IN ('x')) b CHECK (b IN ('u','v'))", "a CHECK (a = 'x') b CHECK (b = 'u' OR b = 'v')"},
      {"", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(sqlite::InListChecksAsComparisons(c.in), c.want);
  }
}

TEST_F(SqliteStoreTest, AResentClientIdIsStoredOnce) {
  Session s = NewSession();
  domain::Actor customer{ActorType::customer, s.customer.id};
  auto first = Send(s.conversation.id, customer, "same", "hello");
  auto again = Send(s.conversation.id, customer, "same", "hello");
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->message.id, first->message.id);
  auto page = store_->ListMessages({s.conversation.id, std::nullopt, std::nullopt, 50});
  EXPECT_EQ(page->messages.size(), 1u);
  // Another sender may use the same client_id: it is scoped to the sender.
  Staff agent = NewAgent("a@x.io");
  auto other = Send(s.conversation.id, {ActorType::staff, agent.id}, "same", "hi");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->duplicate);
}

TEST_F(SqliteStoreTest, UnknownConversationIsNotFoundAndDoesNotDisturbTheBatch) {
  Session s = NewSession();
  auto bad = Send(999999, {ActorType::customer, s.customer.id}, "x", "lost?");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Code::not_found);
  EXPECT_TRUE(Send(s.conversation.id, {ActorType::customer, s.customer.id}, "y", "fine").ok());
}

TEST_F(SqliteStoreTest, ConcurrentWritersAreGroupCommittedWithoutLoss) {
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<Session> sessions;
  for (int t = 0; t < kThreads; ++t) sessions.push_back(NewSession());
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Fire many writes before waiting for any: they must share transactions.
      std::atomic<int> done{0};
      for (int i = 0; i < kPerThread; ++i) {
        store_->AppendMessage(
            NewMessage{sessions[t].conversation.id, {ActorType::customer, sessions[t].customer.id},
                       "m" + std::to_string(i), "text", 2000 + i},
            [&](Result<AppendedMessage> r) {
              if (r.ok()) acked++;
              done++;
            });
      }
      while (done < kPerThread) std::this_thread::yield();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(acked, kThreads * kPerThread);
  for (const auto& s : sessions) {
    auto page = store_->ListMessages({s.conversation.id, std::nullopt, std::nullopt, 500});
    ASSERT_EQ(page->messages.size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) EXPECT_EQ(page->messages[i].seq, i + 1);
  }
}

TEST_F(SqliteStoreTest, TransitionsRecordEventsAndRejectIllegalOnes) {
  Session s = NewSession();
  Staff a = NewAgent("a@x.io"), b = NewAgent("b@x.io");
  auto accepted = Apply(s.conversation.id, ConversationAction::accept, a.id);
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(accepted->conversation.state, ConversationState::active);
  EXPECT_EQ(accepted->conversation.assigned_staff_id, a.id);
  // Already taken: a second accept is a conflict.
  auto again = Apply(s.conversation.id, ConversationAction::accept, b.id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Code::conflict);
  auto moved = Apply(s.conversation.id, ConversationAction::transfer_to_desk);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->conversation.state, ConversationState::queued);
  EXPECT_EQ(moved->conversation.assigned_staff_id, 0);
  EXPECT_EQ(moved->conversation.desk, domain::Desk::L2);
  auto events = store_->ListEvents(s.conversation.id);
  ASSERT_TRUE(events.ok());
  std::vector<std::string> types;
  for (const auto& e : *events) types.push_back(e.type);
  EXPECT_EQ(types, (std::vector<std::string>{"created", "assigned", "transferred"}));
  EXPECT_NE(events->back().data_json.find("\"reason\":\"needs an account look-up\""), std::string::npos);
}

TEST_F(SqliteStoreTest, ConversationListPagesByActivityWithoutGapsOrRepeats) {
  std::set<Id> all;
  for (int i = 0; i < 25; ++i) all.insert(NewSession().conversation.id);
  ConversationQuery q;
  q.limit = 7;
  std::set<Id> seen;
  int pages = 0;
  for (;;) {
    auto page = store_->ListConversations(q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& c : page->conversations) EXPECT_TRUE(seen.insert(c.id).second);
    ++pages;
    if (page->next_cursor.empty()) break;
    q.cursor = page->next_cursor;
  }
  EXPECT_EQ(seen, all);
  EXPECT_EQ(pages, 4);
  q = {};
  q.states = {ConversationState::active};
  EXPECT_TRUE(store_->ListConversations(q)->conversations.empty());
  q.cursor = "garbage";
  EXPECT_EQ(store_->ListConversations(q).error().code, Code::invalid);
}

TEST_F(SqliteStoreTest, TheWalIsCheckpointedWhileServingSoItStaysBounded) {
  // Regression: the background checkpointer once never copied a page (its connection had not
  // yet read the file, so it did not know it was in WAL mode) and the WAL grew without bound.
  Session s = NewSession();
  const std::string text(1500, 'x');  // ~12 MB of messages: several checkpoints' worth
  for (int round = 0; round < 40; ++round) {
    std::atomic<int> done{0};
    for (int i = 0; i < 200; ++i)
      store_->AppendMessage(NewMessage{s.conversation.id, {ActorType::customer, s.customer.id},
                                       std::to_string(round) + "-" + std::to_string(i), text, 2000},
                            [&](Result<AppendedMessage>) { done++; });
    while (done < 200) std::this_thread::yield();
  }
  const auto db = dir_ / "kefu.db";
  const auto wal = dir_ / "kefu.db-wal";
  for (int i = 0; i < 500 && std::filesystem::file_size(db) < (1 << 20); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(std::filesystem::file_size(db), 1u << 20) << "nothing was checkpointed into the database; WAL bytes: " << std::filesystem::file_size(wal);
  EXPECT_LT(std::filesystem::file_size(wal), 16u << 20) << "the WAL keeps growing";
}

TEST_F(SqliteStoreTest, DuplicateStaffEmailIsAConflict) {
  NewAgent("dup@x.io");
  NewStaff s;
  s.email = "DUP@x.io";
  s.name = "again";
  s.password_hash = "x";
  auto r = Wait<Staff>([&](Callback<Staff> done) { store_->AddStaff(s, std::move(done)); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::conflict);
}

TEST_F(SqliteStoreTest, StaffSessionsPersistAndAreRevokedOneOrAllButCurrent) {
  Staff a = NewAgent("a@x.io"), b = NewAgent("b@x.io");
  auto create = [&](const std::string& hash, Id staff, Millis expires) {
    StaffSessionRecord r;
    r.token_hash = hash;
    r.staff_id = staff;
    r.created_at = 1000;
    r.expires_at = expires;
    r.last_used_at = 1000;
    r.ip = "127.0.0.1";
    r.user_agent = "test";
    auto done = Wait<StaffSessionRecord>([&](Callback<StaffSessionRecord> cb) { store_->CreateStaffSession(r, std::move(cb)); });
    ASSERT_TRUE(done.ok()) << done.error().message;
  };
  const std::string h1(32, '\1'), h2(32, '\2'), h3(32, '\3'), h4(32, '\4');
  create(h1, a.id, 100'000);
  create(h2, a.id, 100'000);
  create(h3, a.id, 100'000);
  create(h4, b.id, 5'000);  // expires early
  Reopen();  // sessions survive a restart
  auto live = store_->ListStaffSessions(2'000);
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->size(), 4u);
  EXPECT_EQ(store_->ListStaffSessions(6'000)->size(), 3u);  // h4 has expired
  for (const auto& r : *live)
    if (r.token_hash == h1) {
      EXPECT_EQ(r.staff_name, "a@x.io");
      EXPECT_EQ(r.desk, domain::Desk::L1);
      EXPECT_EQ(r.user_agent, "test");
    }
  auto touched = Wait<int>([&](Callback<int> cb) { store_->TouchStaffSession(h1, 9'000, "10.0.0.9", std::move(cb)); });
  EXPECT_EQ(touched.value(), 1);
  auto one = Wait<int>([&](Callback<int> cb) { store_->RevokeStaffSession(h2, std::move(cb)); });
  EXPECT_EQ(one.value(), 1);
  auto others = Wait<int>([&](Callback<int> cb) { store_->RevokeStaffSessions(a.id, h1, std::move(cb)); });
  EXPECT_EQ(others.value(), 1);  // h3; h1 kept
  live = store_->ListStaffSessions(2'000);
  ASSERT_EQ(live->size(), 2u);  // h1 and b's h4
  for (const auto& r : *live)
    if (r.token_hash == h1) {
      EXPECT_EQ(r.last_used_at, 9'000);
      EXPECT_EQ(r.ip, "10.0.0.9");
    }
  // A password change revokes the others in the same transaction.
  create(h2, a.id, 100'000);
  auto changed = Wait<int>([&](Callback<int> cb) { store_->SetStaffPassword(a.id, "new-hash", h2, 3'000, std::move(cb)); });
  EXPECT_EQ(changed.value(), 1);
  EXPECT_EQ(store_->GetStaff(a.id)->password_hash, "new-hash");
  auto all = Wait<int>([&](Callback<int> cb) { store_->RevokeStaffSessions(a.id, "", std::move(cb)); });
  EXPECT_EQ(all.value(), 1);
  auto missing = Wait<int>([&](Callback<int> cb) { store_->SetStaffPassword(999, "h", "", 3'000, std::move(cb)); });
  EXPECT_EQ(missing.error().code, Code::not_found);
}

TEST_F(SqliteStoreTest, TotpEnrolmentAndStepsAreAtomic) {
  Staff a = NewAgent("totp@x.io");
  EXPECT_FALSE(a.totp_enabled());
  auto early = Wait<int>([&](Callback<int> cb) { store_->ConfirmTotp(a.id, 5, std::move(cb)); });
  EXPECT_EQ(early.error().code, Code::conflict);  // nothing pending
  ASSERT_TRUE(Wait<int>([&](Callback<int> cb) { store_->StartTotpEnrolment(a.id, std::string("sealed\0bytes", 12), std::move(cb)); }).ok());
  EXPECT_FALSE(store_->GetStaff(a.id)->totp_enabled());
  EXPECT_EQ(store_->GetStaff(a.id)->totp_pending, std::string("sealed\0bytes", 12));
  ASSERT_TRUE(Wait<int>([&](Callback<int> cb) { store_->ConfirmTotp(a.id, 100, std::move(cb)); }).ok());
  Staff after = store_->GetStaff(a.id).value();
  EXPECT_TRUE(after.totp_enabled());
  EXPECT_EQ(after.totp_secret, std::string("sealed\0bytes", 12));
  EXPECT_TRUE(after.totp_pending.empty());
  EXPECT_EQ(after.totp_last_step, 100);
  auto use = [&](std::int64_t step) {
    return Wait<bool>([&](Callback<bool> cb) { store_->UseTotpStep(a.id, step, std::move(cb)); }).value();
  };
  EXPECT_FALSE(use(100));  // the step used to confirm
  EXPECT_TRUE(use(101));
  EXPECT_FALSE(use(101));  // replay
  EXPECT_FALSE(use(99));
}

TEST_F(SqliteStoreTest, LoginLockoutCountsEveryFailureAndSurvivesRestart) {
  auto bump = [](const LoginLockout& s) { return LoginLockout{s.failures + 1, s.failures + 1 >= 3 ? 50'000 : 0, 1'000}; };
  std::atomic<int> done{0};
  for (int i = 0; i < 10; ++i) store_->UpdateLoginLockout("k1", bump, [&](Result<LoginLockout>) { done++; });
  while (done < 10) std::this_thread::yield();
  Reopen();
  auto s = store_->GetLoginLockout("k1");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->failures, 10);
  EXPECT_EQ(s->locked_until, 50'000);
  EXPECT_EQ(store_->GetLoginLockout("unknown")->failures, 0);
  EXPECT_EQ(Wait<int>([&](Callback<int> cb) { store_->ClearLoginLockout("k1", std::move(cb)); }).value(), 1);
  EXPECT_EQ(store_->GetLoginLockout("k1")->failures, 0);
}

}  // namespace
}  // namespace kefu::store
