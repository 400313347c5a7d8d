// The audit log: a keyed hash chain that names the first entry altered, removed or reordered,
// written in the same transaction as the change it records.
#include "store/audit.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "store/backup.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store {
namespace {

using P = AuditVerdict::Problem;

AuditKey TestKey(unsigned char fill) {
  AuditKey k;
  k.fill(fill);
  return k;
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu-audit-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    Close();
    std::filesystem::remove_all(dir_);
  }
  std::string Path() const { return (dir_ / "kefu.db").string(); }
  void Open() {
    StoreOptions options;
    options.audit_key = key_;
    auto s = Store::Open("sqlite:" + Path(), options);
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  void Close() {
    if (store_) store_->Close();
    store_.reset();
  }
  AuditEntry Append(const std::string& action, Millis at, Id staff = 7, std::string target = "") {
    AuditRecord r{at, domain::Actor{domain::ActorType::staff, staff}, action, std::move(target),
                  "{\"n\":" + std::to_string(at) + "}"};
    auto e = Wait<AuditEntry>([&](Callback<AuditEntry> done) { store_->AppendAudit(r, std::move(done)); });
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
    return e.ok() ? *e : AuditEntry{};
  }
  void AppendFive() {
    for (int i = 1; i <= 5; ++i) Append("staff.sign_in", 1000 * i);
  }
  // What someone with write access to the database file can do: SQL, with the triggers gone.
  void Tamper(const char* sql) {
    Close();
    auto db = sqlite::Db::Open(Path(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
                         "DROP TRIGGER IF EXISTS audit_head_no_delete;")
                    .ok());
    auto st = db->Exec(sql);
    ASSERT_TRUE(st.ok()) << st.error().message;
    Open();
  }
  AuditVerdict Verify(const AuditKey& key) {
    auto v = store_->VerifyAudit(key);
    EXPECT_TRUE(v.ok());
    return v.ok() ? *v : AuditVerdict{};
  }
  AuditVerdict Verify() { return Verify(key_); }

  std::filesystem::path dir_;
  AuditKey key_ = TestKey(0x5a);
  std::unique_ptr<Store> store_;
};

TEST_F(AuditTest, AnEmptyLogVerifies) {
  auto v = Verify();
  EXPECT_TRUE(v.ok()) << v.message;
  EXPECT_EQ(v.count, 0);
}

TEST_F(AuditTest, ACleanChainVerifiesAndLinksEachEntryToTheOneBefore) {
  AuditEntry first = Append("staff.sign_in", 1000);
  AuditEntry second = Append("pii.reveal", 2000, 8, "customer:3");
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(first.prev_hash, AuditGenesis());
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.hash, AuditHash(key_, first.hash, second.record));
  auto v = Verify();
  EXPECT_TRUE(v.ok()) << v.message;
  EXPECT_EQ(v.count, 2);
  EXPECT_EQ(v.head_hash, second.hash);
  // A reopened store continues the same chain.
  Close();
  Open();
  EXPECT_EQ(Append("export", 3000).prev_hash, second.hash);
  EXPECT_EQ(Verify().count, 3);
}

TEST_F(AuditTest, AnAlteredEntryIsNamed) {
  AppendFive();
  Tamper("UPDATE audit_log SET details = '{\"n\":1}' WHERE seq = 3");
  auto v = Verify();
  EXPECT_EQ(v.problem, P::altered);
  EXPECT_EQ(v.seq, 3);
  EXPECT_EQ(v.count, 2);
  EXPECT_NE(v.message.find("entry 3 was altered"), std::string::npos) << v.message;
}

TEST_F(AuditTest, AnAlteredActorOrTimeIsNamedToo) {
  AppendFive();
  Tamper("UPDATE audit_log SET actor_id = 1 WHERE seq = 2");
  EXPECT_EQ(Verify().problem, P::altered);
  EXPECT_EQ(Verify().seq, 2);
  Tamper("UPDATE audit_log SET actor_id = 7, at = at + 1 WHERE seq = 2");
  EXPECT_EQ(Verify().seq, 2);
}

TEST_F(AuditTest, ARemovedEntryIsNamed) {
  AppendFive();
  Tamper("DELETE FROM audit_log WHERE seq = 3");
  auto v = Verify();
  EXPECT_EQ(v.problem, P::removed);
  EXPECT_EQ(v.seq, 3);
  EXPECT_NE(v.message.find("entry 3 was removed"), std::string::npos) << v.message;
}

TEST_F(AuditTest, ARemovedEntryIsNamedEvenWhenTheRestAreRenumbered) {
  AppendFive();
  Tamper("DELETE FROM audit_log WHERE seq = 2; UPDATE audit_log SET seq = seq - 1 WHERE seq > 2;"
         "UPDATE audit_head SET seq = 4");
  auto v = Verify();
  EXPECT_EQ(v.problem, P::removed);
  EXPECT_EQ(v.seq, 2);
}

TEST_F(AuditTest, TheFirstEntryRemovedIsNamed) {
  AppendFive();
  Tamper("DELETE FROM audit_log WHERE seq = 1");
  auto v = Verify();
  EXPECT_EQ(v.problem, P::removed);
  EXPECT_EQ(v.seq, 1);
}

TEST_F(AuditTest, ReorderedEntriesAreNamed) {
  AppendFive();
  Tamper("UPDATE audit_log SET seq = -3 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 4;"
         "UPDATE audit_log SET seq = 4 WHERE seq = -3");
  auto v = Verify();
  EXPECT_EQ(v.problem, P::reordered);
  EXPECT_EQ(v.seq, 3);
  EXPECT_NE(v.message.find("entry 3 is out of order"), std::string::npos) << v.message;
}

TEST_F(AuditTest, RemovingTheTailIsDetectedByTheHead) {
  AppendFive();
  Tamper("DELETE FROM audit_log WHERE seq >= 4");
  auto v = Verify();
  EXPECT_EQ(v.problem, P::truncated);
  EXPECT_EQ(v.seq, 4);
  // Pointing the head at the new last entry needs the key for its MAC.
  Tamper("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)");
  EXPECT_EQ(Verify().problem, P::altered);
  // And removing the head too leaves a log without one, which is reported.
  Tamper("DELETE FROM audit_head");
  EXPECT_EQ(Verify().problem, P::truncated);
}

TEST_F(AuditTest, AForgedEntryOrAnotherKeyDoesNotVerify) {
  AppendFive();
  auto v = Verify(TestKey(0x01));
  EXPECT_EQ(v.problem, P::altered);
  EXPECT_EQ(v.seq, 1);
  Tamper("INSERT INTO audit_log(seq, at, actor_type, actor_id, action, target, details, prev_hash, hash) "
         "SELECT 6, 6000, 'staff', 7, 'export', '', '{}', hash, zeroblob(32) FROM audit_log WHERE seq = 5");
  EXPECT_EQ(Verify().problem, P::altered);
  EXPECT_EQ(Verify().seq, 6);
}

TEST_F(AuditTest, TheLogRefusesUpdatesAndDeletesThroughSql) {
  AppendFive();
  Close();
  auto db = sqlite::Db::Open(Path(), false);
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE(db->Exec("DELETE FROM audit_log WHERE seq = 1").ok());
  EXPECT_FALSE(db->Exec("UPDATE audit_log SET action = 'x' WHERE seq = 1").ok());
  Open();
  EXPECT_TRUE(Verify().ok());
}

TEST_F(AuditTest, ListingFiltersAndPagesNewestFirst) {
  for (int i = 1; i <= 7; ++i) Append(i % 2 ? "kb.publish" : "staff.sign_in", 1000 * i, i <= 4 ? 1 : 2);
  AuditQuery q;
  q.limit = 3;
  auto page = store_->ListAudit(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 3u);
  EXPECT_EQ(page->entries[0].seq, 7);
  q.cursor = page->next_cursor;
  auto next = store_->ListAudit(q);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->entries[0].seq, 4);

  AuditQuery by_action;
  by_action.action = "kb.";
  auto kb = store_->ListAudit(by_action);
  ASSERT_TRUE(kb.ok());
  EXPECT_EQ(kb->entries.size(), 4u);
  by_action.action = "kb";  // no trailing dot: exact
  EXPECT_EQ(store_->ListAudit(by_action)->entries.size(), 0u);

  AuditQuery by_actor;
  by_actor.actor = domain::Actor{domain::ActorType::staff, 2};
  EXPECT_EQ(store_->ListAudit(by_actor)->entries.size(), 3u);

  AuditQuery by_time;
  by_time.from = 2000;
  by_time.to = 4000;
  auto window = store_->ListAudit(by_time);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->entries.size(), 2u);
  EXPECT_EQ(window->entries[0].seq, 3);

  AuditQuery bad;
  bad.cursor = "x";
  EXPECT_FALSE(store_->ListAudit(bad).ok());
}

TEST_F(AuditTest, ChangesRecordThemselvesInTheSameTransaction) {
  NewStaff s;
  s.email = "Lee@Example.com";
  s.name = "Lee";
  s.role = domain::Role::kb_editor;
  s.password_hash = "x";
  s.at = 500;
  s.created_by = domain::Actor{domain::ActorType::staff, 1};
  auto staff = Wait<Staff>([&](Callback<Staff> done) { store_->AddStaff(s, std::move(done)); });
  ASSERT_TRUE(staff.ok());
  // A write that fails records nothing: the same email again is a conflict.
  auto again = Wait<Staff>([&](Callback<Staff> done) { store_->AddStaff(s, std::move(done)); });
  EXPECT_FALSE(again.ok());

  KbArticleWrite w;
  w.entry = KbEntry{"fee", "en", "fees", "What does it cost?", {}, "Nothing.", 0};
  w.staff_id = staff->id;
  w.at = 600;
  ASSERT_TRUE(Wait<KbArticleChange>([&](Callback<KbArticleChange> d) { store_->CreateKbArticle(w, std::move(d)); }).ok());
  w.entry.answer = "Almost nothing.";
  w.at = 700;
  ASSERT_TRUE(Wait<KbArticleChange>([&](Callback<KbArticleChange> d) { store_->UpdateKbArticle(w, std::move(d)); }).ok());
  ASSERT_TRUE(Wait<KbArticleChange>([&](Callback<KbArticleChange> d) {
                store_->PublishKbArticle("fee", 0, staff->id, 800, std::move(d));
              }).ok());
  ASSERT_TRUE(Wait<KbArticleChange>([&](Callback<KbArticleChange> d) {
                store_->PublishKbArticle("fee", 1, staff->id, 900, std::move(d));
              }).ok());
  ASSERT_TRUE(Wait<KbArticleChange>([&](Callback<KbArticleChange> d) {
                store_->UnpublishKbArticle("fee", staff->id, 1000, std::move(d));
              }).ok());
  ASSERT_TRUE(Wait<int>([&](Callback<int> d) {
                store_->UpsertKbEntries({KbEntry{"reg", "en", "account", "How do I register?", {}, "Tap Sign up.", 1100}},
                                        std::move(d));
              }).ok());

  // A transition carrying an audit record writes it only when the transition is applied.
  NewSession ns;
  ns.at = 1200;
  auto session = Wait<Session>([&](Callback<Session> d) { store_->CreateSession(ns, std::move(d)); });
  ASSERT_TRUE(session.ok());
  TransitionRequest refused;
  refused.conversation_id = session->conversation.id;
  refused.action = domain::ConversationAction::close;  // bot → closed is not allowed
  refused.at = 1300;
  refused.audit = AuditRecord{1300, domain::Actor{domain::ActorType::staff, staff->id}, "conversation.close", "", "{}"};
  EXPECT_FALSE(Wait<TransitionResult>([&](Callback<TransitionResult> d) { store_->ApplyTransition(refused, std::move(d)); }).ok());
  TransitionRequest handoff;
  handoff.conversation_id = session->conversation.id;
  handoff.action = domain::ConversationAction::handoff;
  handoff.desk = domain::Desk::L2;
  handoff.reason = "needs a look-up";
  handoff.at = 1400;
  handoff.audit = AuditRecord{1400, domain::Actor{domain::ActorType::staff, staff->id}, "conversation.transfer", "",
                              "{\"desk\":\"L2\"}"};
  ASSERT_TRUE(Wait<TransitionResult>([&](Callback<TransitionResult> d) { store_->ApplyTransition(handoff, std::move(d)); }).ok());

  AuditQuery q;
  q.limit = 100;
  auto page = store_->ListAudit(q);
  ASSERT_TRUE(page.ok());
  std::vector<std::string> actions;
  for (auto it = page->entries.rbegin(); it != page->entries.rend(); ++it) actions.push_back(it->record.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"staff.create", "kb.create", "kb.update", "kb.publish", "kb.rollback",
                                                "kb.unpublish", "kb.import", "conversation.transfer"}));
  const AuditEntry& created = page->entries.back();
  EXPECT_EQ(created.record.target, "staff:" + std::to_string(staff->id));
  EXPECT_EQ(created.record.actor.id, 1);
  EXPECT_NE(created.record.details_json.find("\"role\":\"kb_editor\""), std::string::npos);
  EXPECT_EQ(page->entries.front().record.target, "conversation:" + std::to_string(session->conversation.id));
  EXPECT_TRUE(Verify().ok()) << Verify().message;
}

// ---- backups ----

TEST_F(AuditTest, ABackupIsACompleteSelfContainedCopyAndRestoresAtomically) {
  AppendFive();
  const std::string out = (dir_ / "b" / "backup.db").string();
  auto info = Backup("sqlite:" + Path(), out);  // the store is open and may be writing
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->audit_seq, 5);
  EXPECT_GT(info->bytes, 0);
  EXPECT_FALSE(std::filesystem::exists(out + "-wal"));

  const std::string restored = (dir_ / "r" / "kefu.db").string();
  auto r = Restore(out, restored, false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->schema_version, store_->SchemaVersion());
  auto again = Restore(out, restored, false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Code::conflict);

  StoreOptions options;
  options.audit_key = key_;
  auto copy = Store::Open("sqlite:" + restored, options);
  ASSERT_TRUE(copy.ok());
  auto v = (*copy)->VerifyAudit(key_);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok());
  EXPECT_EQ(v->count, 5);
  (*copy)->Close();
}

TEST_F(AuditTest, BackupOfNothingAndRestoreOfGarbageFailClearlyAndTouchNothing) {
  auto none = Backup("sqlite:" + (dir_ / "missing.db").string(), (dir_ / "out.db").string());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, Code::not_found);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "out.db"));

  AppendFive();
  const std::string garbage = (dir_ / "garbage.db").string();
  {
    std::FILE* f = std::fopen(garbage.c_str(), "wb");
    for (int i = 0; i < 4096; ++i) std::fputc((i * 7919) & 0xff, f);
    std::fclose(f);
  }
  Close();
  const auto before = std::filesystem::file_size(Path());
  auto r = Restore(garbage, Path(), true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Code::invalid);
  EXPECT_EQ(std::filesystem::file_size(Path()), before);
  for (const auto& f : std::filesystem::directory_iterator(dir_))
    EXPECT_EQ(f.path().filename().string().find(".restore-"), std::string::npos) << f.path();
  Open();
  EXPECT_EQ(Verify().count, 5);
}

}  // namespace
}  // namespace kefu::store
