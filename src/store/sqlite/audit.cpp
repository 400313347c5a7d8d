#include "store/sqlite/audit.hpp"

#include <algorithm>
#include <stdexcept>

namespace kefu::store::sqlite {
namespace {

constexpr const char* kAuditColumns =
    "SELECT seq, at, actor_type, actor_id, action, target, details, prev_hash, hash FROM audit_log ";

AuditEntry ReadAuditRow(const Stmt& s) {
  AuditEntry e;
  e.seq = s.Int(0);
  e.record.at = s.Int(1);
  e.record.actor.type = domain::ParseActorType(s.Text(2)).value_or(domain::ActorType::system);
  e.record.actor.id = s.Int(3);
  e.record.action = s.Text(4);
  e.record.target = s.Text(5);
  e.record.details_json = s.Text(6);
  e.prev_hash = s.Blob(7);
  e.hash = s.Blob(8);
  return e;
}

}  // namespace

Result<AuditEntry> AppendAuditTx(Db& db, const AuditKey& key, const AuditRecord& record) {
  AuditEntry e;
  e.record = record;
  if (e.record.details_json.empty()) e.record.details_json = "{}";
  e.prev_hash = AuditGenesis();
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT seq, hash FROM audit_head WHERE id = 1"));
    KEFU_ASSIGN(row, stmt.Step());
    if (row) {
      e.seq = stmt.Int(0);
      e.prev_hash = stmt.Blob(1);
    }
  }
  ++e.seq;
  e.hash = AuditHash(key, e.prev_hash, e.record);
  {
    KEFU_ASSIGN(stmt, db.Prepare(
                          "INSERT INTO audit_log(seq, at, actor_type, actor_id, action, target, details, "
                          "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    stmt.Bind(1, e.seq).Bind(2, e.record.at).Bind(3, domain::ActorTypeName(e.record.actor.type));
    stmt.Bind(4, e.record.actor.id).Bind(5, e.record.action).Bind(6, e.record.target).Bind(7, e.record.details_json);
    stmt.BindBlob(8, e.prev_hash).BindBlob(9, e.hash);
    KEFU_TRY(stmt.Run());
  }
  {
    const std::string mac = AuditHeadMac(key, e.seq, e.hash);
    KEFU_ASSIGN(stmt, db.Prepare(
                          "INSERT INTO audit_head(id, seq, hash, mac) VALUES (1, ?1, ?2, ?3) "
                          "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac"));
    stmt.Bind(1, e.seq).BindBlob(2, e.hash).BindBlob(3, mac);
    KEFU_TRY(stmt.Run());
  }
  return e;
}

Result<AuditPage> ReadAuditPage(Db& db, const AuditQuery& q) {
  std::int64_t cursor = INT64_MAX;
  if (!q.cursor.empty()) {
    try {
      size_t used = 0;
      cursor = std::stoll(q.cursor, &used);
      if (used != q.cursor.size() || cursor < 1) throw std::invalid_argument("cursor");
    } catch (const std::exception&) {
      return MakeError(Code::invalid, "bad cursor");
    }
  }
  // One statement per shape, every value bound, so the plans stay cached.
  std::string sql = kAuditColumns;
  sql += "WHERE seq < ?1";
  const bool prefix = !q.action.empty() && q.action.back() == '.';
  if (!q.action.empty()) sql += prefix ? " AND substr(action, 1, length(?2)) = ?2" : " AND action = ?2";
  if (q.actor) sql += " AND actor_type = ?3 AND actor_id = ?4";
  if (q.from) sql += " AND at >= ?5";
  if (q.to) sql += " AND at < ?6";
  sql += " ORDER BY seq DESC LIMIT ?7";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  const int limit = std::clamp(q.limit, 1, 500);
  stmt.Bind(1, cursor).Bind(7, limit + 1);
  if (!q.action.empty()) stmt.Bind(2, std::string_view(q.action));
  if (q.actor) stmt.Bind(3, domain::ActorTypeName(q.actor->type)).Bind(4, q.actor->id);
  if (q.from) stmt.Bind(5, q.from);
  if (q.to) stmt.Bind(6, q.to);
  AuditPage page;
  KEFU_ASSIGN(more, ReadPage(stmt, limit, page.entries, ReadAuditRow));
  if (more) page.next_cursor = std::to_string(page.entries.back().seq);
  return page;
}

Result<AuditVerdict> VerifyAuditChain(Db& db, const AuditKey& key) {
  KEFU_TRY(db.Exec("BEGIN"));
  auto verdict = [&]() -> Result<AuditVerdict> {
    // Asked only after a broken link: a full scan once is fine.
    auto find_hash = [&db](std::string_view hash) -> std::optional<std::int64_t> {
      auto stmt = db.Prepare("SELECT seq FROM audit_log WHERE hash = ?1");
      if (!stmt.ok()) return std::nullopt;
      stmt->BindBlob(1, hash);
      auto row = stmt->Step();
      if (!row.ok() || !*row) return std::nullopt;
      return stmt->Int(0);
    };
    AuditVerifier verifier(key, find_hash);
    {
      static const std::string sql = std::string(kAuditColumns) + "ORDER BY seq";
      KEFU_ASSIGN(stmt, db.Prepare(sql));
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        AuditEntry e = ReadAuditRow(stmt);
        // An actor type this binary does not know would read back as "system"; the stored row
        // is not what was hashed, so it must not verify.
        if (domain::ActorTypeName(e.record.actor.type) != stmt.Text(2)) e.hash.clear();
        if (!verifier.Add(e)) break;
      }
    }
    std::optional<AuditHead> head;
    {
      KEFU_ASSIGN(stmt, db.Prepare("SELECT seq, hash, mac FROM audit_head WHERE id = 1"));
      KEFU_ASSIGN(row, stmt.Step());
      if (row) head = AuditHead{stmt.Int(0), stmt.Blob(1), stmt.Blob(2)};
    }
    return verifier.Finish(head);
  }();
  (void)db.Exec("COMMIT");
  return verdict;
}

}  // namespace kefu::store::sqlite
