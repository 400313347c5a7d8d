// The knowledge base in the store: import publishes, REST edits are versions, publishing moves a
// pointer, every change is an event, and the bot's view (ListKbEntries) is published content only.
#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/store.hpp"

namespace kefu::store {
namespace {

class KbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu-kb-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (store_) store_->Close();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string Path() const { return (dir_ / "kefu.db").string(); }
  void Open() {
    auto s = Store::Open("sqlite:" + Path());
    ASSERT_TRUE(s.ok()) << s.error().message;
    store_ = std::move(s).value();
  }
  Id AddEditor() {
    NewStaff s{"kb@x.io", "编辑 Editor", domain::Role::kb_editor, std::nullopt, 5, "x", 1000, {}, {}, {}};
    auto r = Wait<Staff>([&](Callback<Staff> done) { store_->AddStaff(s, std::move(done)); });
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->id : 0;
  }
  Result<int> Import(std::vector<KbEntry> entries) {
    return Wait<int>([&](Callback<int> done) { store_->UpsertKbEntries(std::move(entries), std::move(done)); });
  }
  Result<KbArticleChange> Create(KbEntry e, Id staff, Millis at = 2000) {
    return Wait<KbArticleChange>([&](Callback<KbArticleChange> done) {
      store_->CreateKbArticle(KbArticleWrite{std::move(e), staff, at, 0}, std::move(done));
    });
  }
  Result<KbArticleChange> Update(KbEntry e, Id staff, std::int64_t base, Millis at = 3000) {
    return Wait<KbArticleChange>([&](Callback<KbArticleChange> done) {
      store_->UpdateKbArticle(KbArticleWrite{std::move(e), staff, at, base}, std::move(done));
    });
  }
  Result<KbArticleChange> Publish(const std::string& id, Id staff, std::int64_t version = 0) {
    return Wait<KbArticleChange>([&](Callback<KbArticleChange> done) {
      store_->PublishKbArticle(id, version, staff, 4000, std::move(done));
    });
  }
  Result<KbArticleChange> Unpublish(const std::string& id, Id staff) {
    return Wait<KbArticleChange>(
        [&](Callback<KbArticleChange> done) { store_->UnpublishKbArticle(id, staff, 5000, std::move(done)); });
  }
  std::vector<std::string> BotView() {
    auto entries = store_->ListKbEntries();
    EXPECT_TRUE(entries.ok());
    std::vector<std::string> out;
    for (const auto& e : *entries) out.push_back(e.id + ":" + e.answer);
    return out;
  }
  std::int64_t KbVersion() { return store_->KbVersion().value(); }
  // The knowledge-base events, in order, as "type article_id version actor_type actor_id".
  std::vector<std::string> KbEvents() {
    auto db = sqlite::Db::Open(Path(), false);
    EXPECT_TRUE(db.ok());
    auto stmt = db->Prepare(
        "SELECT type, json_extract(data, '$.article_id'), json_extract(data, '$.version'), actor_type, actor_id "
        "FROM events WHERE type LIKE 'kb.%' AND conversation_id IS NULL ORDER BY id");
    EXPECT_TRUE(stmt.ok());
    std::vector<std::string> out;
    while (stmt->Step().value()) {
      out.push_back(stmt->Text(0) + " " + stmt->Text(1) + " " + std::to_string(stmt->Int(2)) + " " + stmt->Text(3) +
                    " " + std::to_string(stmt->Int(4)));
    }
    return out;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

KbEntry Entry(std::string id, std::string answer, std::string lang = "zh", std::string category = "account") {
  return KbEntry{std::move(id), std::move(lang), std::move(category), "问题 " + answer, {"说法一", "说法二"},
                 std::move(answer), 1000};
}

TEST_F(KbStoreTest, ImportPublishesAndOnlyRealChangesMakeVersions) {
  Open();
  ASSERT_TRUE(Import({Entry("a-zh", "甲"), Entry("b-en", "bee", "en")}).ok());
  EXPECT_EQ(BotView(), (std::vector<std::string>{"a-zh:甲", "b-en:bee"}));
  EXPECT_EQ(KbVersion(), 1);
  // The same file again changes nothing: no version, no event, the bot's model stays fresh.
  ASSERT_TRUE(Import({Entry("a-zh", "甲"), Entry("b-en", "bee", "en")}).ok());
  EXPECT_EQ(KbVersion(), 1);
  ASSERT_TRUE(Import({Entry("a-zh", "乙")}).ok());
  EXPECT_EQ(KbVersion(), 2);
  auto a = store_->GetKbArticle("a-zh");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((std::pair{a->version, a->published_version}), (std::pair<std::int64_t, std::int64_t>{2, 2}));
  EXPECT_EQ(a->author_staff_id, 0);
  EXPECT_EQ(a->entry.variants, (std::vector<std::string>{"说法一", "说法二"}));
  EXPECT_EQ(BotView(), (std::vector<std::string>{"a-zh:乙", "b-en:bee"}));
  EXPECT_EQ(KbEvents(), (std::vector<std::string>{
                            "kb.created a-zh 1 system 0", "kb.published a-zh 1 system 0",
                            "kb.created b-en 1 system 0", "kb.published b-en 1 system 0",
                            "kb.updated a-zh 2 system 0", "kb.published a-zh 2 system 0"}));
}

TEST_F(KbStoreTest, DraftsEditsPublishingAndRollback) {
  Open();
  const Id editor = AddEditor();
  auto created = Create(Entry("nft-zh", "v1"), editor);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->article.version, 1);
  EXPECT_FALSE(created->article.published());
  EXPECT_FALSE(created->bot_changed);
  EXPECT_EQ(created->article.author_name, "编辑 Editor");
  EXPECT_TRUE(BotView().empty()) << "a draft is not the bot's";
  EXPECT_EQ(KbVersion(), 0) << "a draft does not make the model stale";

  auto again = Create(Entry("nft-zh", "other"), editor);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Code::conflict);

  auto published = Publish("nft-zh", editor);
  ASSERT_TRUE(published.ok());
  EXPECT_TRUE(published->bot_changed);
  EXPECT_EQ(BotView(), (std::vector<std::string>{"nft-zh:v1"}));
  EXPECT_EQ(KbVersion(), 1);
  auto same = Publish("nft-zh", editor);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->changed);

  // An edit is a new version; the bot keeps the published one until it is published.
  auto edited = Update(Entry("nft-zh", "v2"), editor, 1);
  ASSERT_TRUE(edited.ok());
  EXPECT_EQ((std::pair{edited->article.version, edited->article.published_version}),
            (std::pair<std::int64_t, std::int64_t>{2, 1}));
  EXPECT_FALSE(edited->bot_changed);
  EXPECT_EQ(BotView(), (std::vector<std::string>{"nft-zh:v1"}));
  auto stale = Update(Entry("nft-zh", "v2b"), editor, 1);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, Code::conflict);
  auto unchanged = Update(Entry("nft-zh", "v2"), editor, 2);
  ASSERT_TRUE(unchanged.ok());
  EXPECT_FALSE(unchanged->changed);
  EXPECT_EQ(unchanged->article.version, 2);

  ASSERT_TRUE(Publish("nft-zh", editor).ok());
  EXPECT_EQ(BotView(), (std::vector<std::string>{"nft-zh:v2"}));
  ASSERT_TRUE(Publish("nft-zh", editor, 1).ok());  // roll back
  EXPECT_EQ(BotView(), (std::vector<std::string>{"nft-zh:v1"}));
  auto missing = Publish("nft-zh", editor, 9);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Code::not_found);

  auto down = Unpublish("nft-zh", editor);
  ASSERT_TRUE(down.ok());
  EXPECT_TRUE(down->bot_changed);
  EXPECT_FALSE(down->article.published());
  EXPECT_TRUE(BotView().empty());
  EXPECT_FALSE(Unpublish("nft-zh", editor)->changed);
  EXPECT_EQ(KbVersion(), 4);  // publish v1, publish v2, roll back, unpublish

  for (const char* id : {"nope"}) {
    EXPECT_EQ(Update(Entry(id, "x"), editor, 0).error().code, Code::not_found);
    EXPECT_EQ(Publish(id, editor).error().code, Code::not_found);
    EXPECT_EQ(Unpublish(id, editor).error().code, Code::not_found);
    EXPECT_EQ(store_->GetKbArticle(id).error().code, Code::not_found);
    EXPECT_EQ(store_->ListKbArticleVersions(id, 0, 10).error().code, Code::not_found);
  }

  auto versions = store_->ListKbArticleVersions("nft-zh", 0, 1);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->versions.size(), 1u);
  EXPECT_EQ(versions->versions[0].version, 2);
  EXPECT_EQ(versions->versions[0].entry.answer, "v2");
  EXPECT_EQ(versions->versions[0].entry.variants.size(), 2u);
  EXPECT_EQ(versions->versions[0].author_staff_id, editor);
  EXPECT_TRUE(versions->has_more);
  auto older = store_->ListKbArticleVersions("nft-zh", 2, 10);
  ASSERT_TRUE(older.ok());
  ASSERT_EQ(older->versions.size(), 1u);
  EXPECT_EQ(older->versions[0].entry.answer, "v1");
  EXPECT_FALSE(older->has_more);

  const std::string by = " nft-zh ";
  const std::string actor = " staff " + std::to_string(editor);
  EXPECT_EQ(KbEvents(), (std::vector<std::string>{
                            "kb.created" + by + "1" + actor, "kb.published" + by + "1" + actor,
                            "kb.updated" + by + "2" + actor, "kb.published" + by + "2" + actor,
                            "kb.published" + by + "1" + actor, "kb.unpublished" + by + "1" + actor}));
}

TEST_F(KbStoreTest, ListsByLanguageCategoryAndStatusInPages) {
  Open();
  const Id editor = AddEditor();
  ASSERT_TRUE(Import({Entry("a-zh", "1"), Entry("b-en", "2", "en"), Entry("c-zh", "3", "zh", "card")}).ok());
  ASSERT_TRUE(Create(Entry("d-zh", "4"), editor).ok());
  ASSERT_TRUE(Create(Entry("e-es", "5", "es"), editor).ok());
  auto ids = [&](KbArticleQuery q) {
    std::vector<std::string> out;
    for (;;) {
      auto page = store_->ListKbArticles(q);
      EXPECT_TRUE(page.ok());
      for (const auto& a : page->articles) {
        out.push_back(a.entry.id);
        EXPECT_EQ(a.variant_count, 2);
        EXPECT_TRUE(a.entry.variants.empty());
      }
      if (page->next_cursor.empty()) return out;
      q.cursor = page->next_cursor;
    }
  };
  EXPECT_EQ(ids({"", "", std::nullopt, "", 2}), (std::vector<std::string>{"a-zh", "b-en", "c-zh", "d-zh", "e-es"}));
  EXPECT_EQ(ids({"zh", "", std::nullopt, "", 1}), (std::vector<std::string>{"a-zh", "c-zh", "d-zh"}));
  EXPECT_EQ(ids({"zh", "account", std::nullopt, "", 50}), (std::vector<std::string>{"a-zh", "d-zh"}));
  EXPECT_EQ(ids({"", "", false, "", 50}), (std::vector<std::string>{"d-zh", "e-es"}));
  EXPECT_EQ(ids({"", "", true, "", 50}), (std::vector<std::string>{"a-zh", "b-en", "c-zh"}));
  auto some = store_->GetPublishedKbEntries({"c-zh", "d-zh", "zz", "a-zh"});
  ASSERT_TRUE(some.ok());
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0].id, "c-zh");
  EXPECT_EQ((*some)[1].id, "a-zh");
}

// A database from before versions existed (schema 4): its entries were live, so after the
// migration each is published at version 1 and the bot still answers from all of them.
TEST_F(KbStoreTest, MigrationFiveKeepsImportedEntriesPublished) {
  {
    auto db = sqlite::Db::Open(Path(), false);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, "
                         "description TEXT NOT NULL, applied_at INTEGER NOT NULL)")
                    .ok());
    for (const auto& m : sqlite::Migrations()) {
      if (m.version > 4) break;
      ASSERT_TRUE(db->Exec(m.sql).ok()) << m.version;
      ASSERT_TRUE(db->Exec(("INSERT INTO schema_migrations VALUES (" + std::to_string(m.version) + ", 'x', 0)").c_str()).ok());
    }
    ASSERT_TRUE(db->Exec("INSERT INTO kb_entries(id, lang, category, question, variants, answer, created_at, updated_at) "
                         "VALUES ('old-zh', 'zh', 'account', '旧问题', '[\"旧说法\"]', '旧答案', 10, 20)")
                    .ok());
  }
  Open();
  EXPECT_GE(store_->SchemaVersion(), 5);
  auto a = store_->GetKbArticle("old-zh");
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ((std::pair{a->version, a->published_version}), (std::pair<std::int64_t, std::int64_t>{1, 1}));
  EXPECT_EQ(a->entry.variants, (std::vector<std::string>{"旧说法"}));
  EXPECT_EQ(BotView(), (std::vector<std::string>{"old-zh:旧答案"}));
  auto versions = store_->ListKbArticleVersions("old-zh", 0, 10);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->versions.size(), 1u);
  EXPECT_EQ(versions->versions[0].entry.updated_at, 20);
}

}  // namespace
}  // namespace kefu::store
