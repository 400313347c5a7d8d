#include "store/sqlite/kb.hpp"

#include <algorithm>
#include <optional>

#include "core/text.hpp"
#include "store/sqlite/audit.hpp"

namespace kefu::store::sqlite {
namespace {

constexpr const char* kArticleColumns =
    "SELECT k.id, k.lang, k.category, k.question, k.answer, k.updated_at, k.version, "
    "COALESCE(k.published_version, 0), COALESCE(v.author_staff_id, 0), COALESCE(s.name, ''), "
    "k.created_at, json_array_length(k.variants) "
    "FROM kb_entries k LEFT JOIN kb_versions v ON v.article_id = k.id AND v.version = k.version "
    "LEFT JOIN staff s ON s.id = v.author_staff_id ";

KbArticle ReadArticleRow(const Stmt& s) {
  KbArticle a;
  a.entry.id = s.Text(0);
  a.entry.lang = s.Text(1);
  a.entry.category = s.Text(2);
  a.entry.question = s.Text(3);
  a.entry.answer = s.Text(4);
  a.entry.updated_at = s.Int(5);
  a.version = s.Int(6);
  a.published_version = s.Int(7);
  a.author_staff_id = s.Int(8);
  a.author_name = s.Text(9);
  a.created_at = s.Int(10);
  a.variant_count = static_cast<int>(s.Int(11));
  return a;
}

std::string VariantsJson(const std::vector<std::string>& variants) {
  std::string out = "[";
  for (size_t i = 0; i < variants.size(); ++i) {
    if (i) out += ',';
    AppendJsonString(out, variants[i]);
  }
  out += ']';
  return out;
}

// The latest version of an article as stored, for comparing an edit or an import against it.
struct Current {
  std::string lang, category, question, variants, answer;
  std::int64_t version = 0;
  std::int64_t published_version = 0;

  bool SameContent(const KbEntry& e, const std::string& variants_json) const {
    return lang == e.lang && category == e.category && question == e.question && answer == e.answer &&
           variants == variants_json;
  }
};

Result<std::optional<Current>> LoadCurrent(Db& db, const std::string& id) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT lang, category, question, variants, answer, version, "
                               "COALESCE(published_version, 0) FROM kb_entries WHERE id = ?1"));
  stmt.Bind(1, id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return std::optional<Current>();
  return std::optional<Current>(
      Current{stmt.Text(0), stmt.Text(1), stmt.Text(2), stmt.Text(3), stmt.Text(4), stmt.Int(5), stmt.Int(6)});
}

Status InsertVersion(Db& db, const KbEntry& e, const std::string& variants_json, std::int64_t version,
                     Id author, Millis at) {
  KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO kb_versions(article_id, version, lang, category, question, "
                               "variants, answer, author_staff_id, created_at) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  stmt.Bind(1, e.id).Bind(2, version).Bind(3, e.lang).Bind(4, e.category).Bind(5, e.question);
  stmt.Bind(6, variants_json).Bind(7, e.answer).BindOptional(8, author).Bind(9, at);
  return stmt.Run();
}

// Writes the latest version's content into kb_entries (the row must exist).
Status SetLatest(Db& db, const KbEntry& e, const std::string& variants_json, std::int64_t version, Millis at) {
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE kb_entries SET lang = ?2, category = ?3, question = ?4, variants = ?5, "
                               "answer = ?6, version = ?7, updated_at = ?8 WHERE id = ?1"));
  stmt.Bind(1, e.id).Bind(2, e.lang).Bind(3, e.category).Bind(4, e.question).Bind(5, variants_json);
  stmt.Bind(6, e.answer).Bind(7, version).Bind(8, at);
  return stmt.Run();
}

Status SetPublished(Db& db, const std::string& id, std::int64_t version) {
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE kb_entries SET published_version = ?2 WHERE id = ?1"));
  stmt.Bind(1, id).BindOptional(2, version);
  return stmt.Run();
}

Status BumpKbVersion(Db& db) {
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE kb_state SET version = version + 1 WHERE id = 1"));
  return stmt.Run();
}

// Appends a knowledge-base event: no conversation; the actor is the staff member, or the system
// for `kefu kb import`.
Status InsertKbEvent(Db& db, std::string_view type, Millis at, Id staff_id, const std::string& article_id,
                     std::int64_t version, std::int64_t from_version, bool imported) {
  std::string data = "{\"article_id\":";
  AppendJsonString(data, article_id);
  data += ",\"version\":" + std::to_string(version);
  if (from_version) data += ",\"from_version\":" + std::to_string(from_version);
  if (imported) data += ",\"source\":\"import\"";
  data += '}';
  KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO events(conversation_id, type, at, actor_type, actor_id, data) "
                               "VALUES (NULL, ?1, ?2, ?3, ?4, ?5)"));
  stmt.Bind(1, type).Bind(2, at);
  if (staff_id) {
    stmt.Bind(3, "staff").Bind(4, staff_id);
  } else {
    stmt.Bind(3, "system").Bind(4, std::int64_t{0});
  }
  stmt.Bind(5, data);
  return stmt.Run();
}

// Records a change made through the REST API (actor: the staff member) in the audit log.
Status AuditKb(Db& db, const AuditKey& key, std::string_view action, Millis at, Id staff_id, const std::string& id,
               std::int64_t version, std::int64_t from_version) {
  AuditRecord r{at, domain::Actor{domain::ActorType::staff, staff_id}, std::string(action), "kb:" + id, ""};
  r.details_json = "{\"version\":" + std::to_string(version);
  if (from_version) r.details_json += ",\"from_version\":" + std::to_string(from_version);
  r.details_json += '}';
  KEFU_ASSIGN(entry, AppendAuditTx(db, key, r));
  (void)entry;
  return Ok();
}

Result<std::vector<std::string>> ReadVariants(Db& db, std::string_view id) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT j.value FROM kb_entries k, json_each(k.variants) j "
                               "WHERE k.id = ?1 ORDER BY j.key"));
  stmt.Bind(1, id);
  std::vector<std::string> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.Text(0));
  }
  return out;
}

Result<KbArticleChange> Changed(Db& db, const std::string& id, bool changed, bool bot_changed) {
  KEFU_ASSIGN(article, ReadKbArticle(db, id));
  return KbArticleChange{std::move(article), changed, bot_changed};
}

std::string NotFound(const std::string& id) { return "knowledge-base article '" + id + "' not found"; }

}  // namespace

Result<int> UpsertKbEntriesTx(Db& db, const AuditKey& key, const std::vector<KbEntry>& entries) {
  bool changed = false;
  int created = 0, updated = 0;
  for (const KbEntry& e : entries) {
    const std::string variants = VariantsJson(e.variants);
    KEFU_ASSIGN(current, LoadCurrent(db, e.id));
    if (!current) {
      KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO kb_entries(id, lang, category, question, variants, answer, "
                                   "created_at, updated_at, version, published_version) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1, 1)"));
      stmt.Bind(1, e.id).Bind(2, e.lang).Bind(3, e.category).Bind(4, e.question);
      stmt.Bind(5, variants).Bind(6, e.answer).Bind(7, e.updated_at);
      KEFU_TRY(stmt.Run());
      KEFU_TRY(InsertVersion(db, e, variants, 1, 0, e.updated_at));
      KEFU_TRY(InsertKbEvent(db, "kb.created", e.updated_at, 0, e.id, 1, 0, true));
      KEFU_TRY(InsertKbEvent(db, "kb.published", e.updated_at, 0, e.id, 1, 0, true));
      changed = true;
      ++created;
      continue;
    }
    std::int64_t version = current->version;
    if (!current->SameContent(e, variants)) {
      ++version;
      KEFU_TRY(InsertVersion(db, e, variants, version, 0, e.updated_at));
      KEFU_TRY(SetLatest(db, e, variants, version, e.updated_at));
      KEFU_TRY(InsertKbEvent(db, "kb.updated", e.updated_at, 0, e.id, version, current->version, true));
      ++updated;
    }
    if (current->published_version != version) {
      KEFU_TRY(SetPublished(db, e.id, version));
      KEFU_TRY(InsertKbEvent(db, "kb.published", e.updated_at, 0, e.id, version, current->published_version, true));
      changed = true;
    }
  }
  if (changed) KEFU_TRY(BumpKbVersion(db));
  // One entry for the whole import (an import may hold thousands of entries).
  if (!entries.empty()) {
    AuditRecord r{entries.front().updated_at, domain::Actor{}, "kb.import", "kb", ""};
    r.details_json = "{\"entries\":" + std::to_string(entries.size()) + ",\"created\":" + std::to_string(created) +
                     ",\"updated\":" + std::to_string(updated) + ",\"unchanged\":" +
                     std::to_string(static_cast<int>(entries.size()) - created - updated) + "}";
    KEFU_ASSIGN(entry, AppendAuditTx(db, key, r));
    (void)entry;
  }
  return static_cast<int>(entries.size());
}

Result<KbArticleChange> CreateKbArticleTx(Db& db, const AuditKey& key, const KbArticleWrite& w) {
  const KbEntry& e = w.entry;
  const std::string variants = VariantsJson(e.variants);
  {
    KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO kb_entries(id, lang, category, question, variants, answer, "
                                 "created_at, updated_at, version, published_version) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 1, NULL)"));
    stmt.Bind(1, e.id).Bind(2, e.lang).Bind(3, e.category).Bind(4, e.question);
    stmt.Bind(5, variants).Bind(6, e.answer).Bind(7, w.at);
    auto st = stmt.Run();
    if (!st.ok()) {
      if (st.error().code == Code::conflict)
        return MakeError(Code::conflict, "knowledge-base article '" + e.id + "' already exists");
      return std::move(st).error();
    }
  }
  KEFU_TRY(InsertVersion(db, e, variants, 1, w.staff_id, w.at));
  KEFU_TRY(InsertKbEvent(db, "kb.created", w.at, w.staff_id, e.id, 1, 0, false));
  KEFU_TRY(AuditKb(db, key, "kb.create", w.at, w.staff_id, e.id, 1, 0));
  return Changed(db, e.id, true, false);
}

Result<KbArticleChange> UpdateKbArticleTx(Db& db, const AuditKey& key, const KbArticleWrite& w) {
  const KbEntry& e = w.entry;
  const std::string variants = VariantsJson(e.variants);
  KEFU_ASSIGN(current, LoadCurrent(db, e.id));
  if (!current) return MakeError(Code::not_found, NotFound(e.id));
  if (w.base_version && w.base_version != current->version)
    return MakeError(Code::conflict, "article '" + e.id + "' is at version " + std::to_string(current->version) +
                                         ", not " + std::to_string(w.base_version) +
                                         "; reload it and edit again");
  if (current->SameContent(e, variants)) return Changed(db, e.id, false, false);
  const std::int64_t version = current->version + 1;
  KEFU_TRY(InsertVersion(db, e, variants, version, w.staff_id, w.at));
  KEFU_TRY(SetLatest(db, e, variants, version, w.at));
  KEFU_TRY(InsertKbEvent(db, "kb.updated", w.at, w.staff_id, e.id, version, current->version, false));
  KEFU_TRY(AuditKb(db, key, "kb.update", w.at, w.staff_id, e.id, version, current->version));
  return Changed(db, e.id, true, false);
}

Result<KbArticleChange> PublishKbArticleTx(Db& db, const AuditKey& key, const std::string& id, std::int64_t version,
                                           Id staff_id, Millis at) {
  KEFU_ASSIGN(current, LoadCurrent(db, id));
  if (!current) return MakeError(Code::not_found, NotFound(id));
  const std::int64_t target = version ? version : current->version;
  if (target < 1 || target > current->version)
    return MakeError(Code::not_found, "article '" + id + "' has no version " + std::to_string(target));
  if (current->published_version == target) return Changed(db, id, false, false);
  KEFU_TRY(SetPublished(db, id, target));
  KEFU_TRY(InsertKbEvent(db, "kb.published", at, staff_id, id, target, current->published_version, false));
  // Publishing an older version than the latest takes the bot's answer back: a rollback.
  KEFU_TRY(AuditKb(db, key, target < current->version ? "kb.rollback" : "kb.publish", at, staff_id, id, target,
                   current->published_version));
  KEFU_TRY(BumpKbVersion(db));
  return Changed(db, id, true, true);
}

Result<KbArticleChange> UnpublishKbArticleTx(Db& db, const AuditKey& key, const std::string& id, Id staff_id,
                                             Millis at) {
  KEFU_ASSIGN(current, LoadCurrent(db, id));
  if (!current) return MakeError(Code::not_found, NotFound(id));
  if (current->published_version == 0) return Changed(db, id, false, false);
  KEFU_TRY(SetPublished(db, id, 0));
  KEFU_TRY(InsertKbEvent(db, "kb.unpublished", at, staff_id, id, current->published_version, 0, false));
  KEFU_TRY(AuditKb(db, key, "kb.unpublish", at, staff_id, id, current->published_version, 0));
  KEFU_TRY(BumpKbVersion(db));
  return Changed(db, id, true, true);
}

Result<std::vector<KbEntry>> ReadPublishedKbEntries(Db& db) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT k.id, v.lang, v.category, v.question, j.value, v.answer, v.created_at "
                               "FROM kb_entries k JOIN kb_versions v "
                               "ON v.article_id = k.id AND v.version = k.published_version "
                               "LEFT JOIN json_each(v.variants) j ORDER BY k.id, j.key"));
  std::vector<KbEntry> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    std::string id = stmt.Text(0);
    if (out.empty() || out.back().id != id)
      out.push_back(KbEntry{std::move(id), stmt.Text(1), stmt.Text(2), stmt.Text(3), {}, stmt.Text(5), stmt.Int(6)});
    if (!stmt.IsNull(4)) out.back().variants.push_back(stmt.Text(4));
  }
  return out;
}

Result<std::vector<KbEntry>> ReadPublishedKbEntries(Db& db, const std::vector<std::string>& ids) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT v.lang, v.category, v.question, v.answer, v.created_at "
                               "FROM kb_entries k JOIN kb_versions v "
                               "ON v.article_id = k.id AND v.version = k.published_version WHERE k.id = ?1"));
  std::vector<KbEntry> out;
  for (const std::string& id : ids) {
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (row) out.push_back(KbEntry{id, stmt.Text(0), stmt.Text(1), stmt.Text(2), {}, stmt.Text(3), stmt.Int(4)});
    stmt.Reset();
  }
  return out;
}

Result<KbArticle> ReadKbArticle(Db& db, std::string_view id) {
  KbArticle article;
  {
    static const std::string sql = std::string(kArticleColumns) + "WHERE k.id = ?1";
    KEFU_ASSIGN(stmt, db.Prepare(sql));
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, NotFound(std::string(id)));
    article = ReadArticleRow(stmt);
  }
  KEFU_ASSIGN(variants, ReadVariants(db, id));
  article.entry.variants = std::move(variants);
  return article;
}

Result<KbArticlePage> ReadKbArticlePage(Db& db, const KbArticleQuery& q) {
  // One statement per filter shape, so that each one's plan stays cached.
  std::string sql = kArticleColumns;
  sql += "WHERE k.id > ?1";
  if (!q.lang.empty()) sql += " AND k.lang = ?2";
  if (!q.category.empty()) sql += " AND k.category = ?3";
  if (q.published) sql += *q.published ? " AND k.published_version IS NOT NULL" : " AND k.published_version IS NULL";
  sql += " ORDER BY k.id LIMIT ?4";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  const int limit = std::clamp(q.limit, 1, 500);
  stmt.Bind(1, q.cursor).Bind(4, limit + 1);
  if (!q.lang.empty()) stmt.Bind(2, q.lang);
  if (!q.category.empty()) stmt.Bind(3, q.category);
  KbArticlePage page;
  KEFU_ASSIGN(more, ReadPage(stmt, limit, page.articles, ReadArticleRow));
  if (more) page.next_cursor = page.articles.back().entry.id;
  return page;
}

Result<KbVersionPage> ReadKbVersionPage(Db& db, std::string_view id, std::int64_t before_version, int limit) {
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT 1 FROM kb_entries WHERE id = ?1"));
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, NotFound(std::string(id)));
  }
  limit = std::clamp(limit, 1, 500);
  KEFU_ASSIGN(stmt, db.Prepare(
                        "SELECT v.version, v.lang, v.category, v.question, j.value, v.answer, v.created_at, "
                        "COALESCE(v.author_staff_id, 0), COALESCE(s.name, '') FROM ("
                        " SELECT * FROM kb_versions WHERE article_id = ?1 AND version < ?2"
                        " ORDER BY version DESC LIMIT ?3) v "
                        "LEFT JOIN staff s ON s.id = v.author_staff_id "
                        "LEFT JOIN json_each(v.variants) j ORDER BY v.version DESC, j.key"));
  stmt.Bind(1, id).Bind(2, before_version > 0 ? before_version : INT64_MAX).Bind(3, limit + 1);
  KbVersionPage page;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    const std::int64_t version = stmt.Int(0);
    if (page.versions.empty() || page.versions.back().version != version) {
      if (static_cast<int>(page.versions.size()) == limit) {
        page.has_more = true;
        break;
      }
      KbArticleVersion v;
      v.version = version;
      v.entry = KbEntry{std::string(id), stmt.Text(1), stmt.Text(2), stmt.Text(3), {}, stmt.Text(5), stmt.Int(6)};
      v.author_staff_id = stmt.Int(7);
      v.author_name = stmt.Text(8);
      page.versions.push_back(std::move(v));
    }
    if (!stmt.IsNull(4)) page.versions.back().entry.variants.push_back(stmt.Text(4));
  }
  return page;
}

}  // namespace kefu::store::sqlite
