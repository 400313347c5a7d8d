#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

constexpr const char* kTimerColumns = "SELECT id, kind, ref_id, due_at, data, created_at FROM timers ";

Timer ReadTimer(const Stmt& s) {
  Timer t;
  t.id = s.Int(0);
  t.kind = s.Text(1);
  t.ref_id = s.Int(2);
  t.due_at = s.Int(3);
  t.data_json = s.Text(4);
  t.created_at = s.Int(5);
  return t;
}

}  // namespace

Result<Timer> PendingTimerTx(Db& db, std::string_view kind, Id ref_id) {
  static const std::string sql = std::string(kTimerColumns) + "WHERE kind = ?1 AND ref_id = ?2 AND state = 'pending'";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, kind).Bind(2, ref_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row)
    return MakeError(Code::not_found, "no pending " + std::string(kind) + " timer for " + std::to_string(ref_id));
  return ReadTimer(stmt);
}

Result<Timer> ScheduleTimerTx(Db& db, const NewTimer& timer, Millis now) {
  if (timer.kind.empty()) return MakeError(Code::invalid, "a timer needs a kind");
  const std::string_view data = timer.data_json.empty() ? std::string_view("{}") : std::string_view(timer.data_json);
  {
    KEFU_ASSIGN(stmt, db.Prepare(
                          timer.replace
                              ? "INSERT INTO timers(kind, ref_id, due_at, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                                "ON CONFLICT(kind, ref_id) WHERE state = 'pending' "
                                "DO UPDATE SET due_at = excluded.due_at, data = excluded.data"
                              : "INSERT INTO timers(kind, ref_id, due_at, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                                "ON CONFLICT(kind, ref_id) WHERE state = 'pending' DO NOTHING"));
    stmt.Bind(1, timer.kind).Bind(2, timer.ref_id).Bind(3, timer.due_at).Bind(4, data).Bind(5, now);
    KEFU_TRY(stmt.Run());
  }
  return PendingTimerTx(db, timer.kind, timer.ref_id);
}

Status ClaimTimerTx(Db& db, Id timer_id, Millis at) {
  KEFU_ASSIGN(stmt, db.Prepare(
                        "UPDATE timers SET state = 'fired', done_at = ?2 WHERE id = ?1 AND state = 'pending' "
                        "RETURNING id"));
  stmt.Bind(1, timer_id).Bind(2, at);
  KEFU_ASSIGN(row, stmt.Step());
  if (row) return {};
  KEFU_ASSIGN(check, db.Prepare("SELECT state FROM timers WHERE id = ?1"));
  check.Bind(1, timer_id);
  KEFU_ASSIGN(exists, check.Step());
  if (!exists) return MakeError(Code::not_found, "timer " + std::to_string(timer_id) + " not found");
  return MakeError(Code::conflict, "timer " + std::to_string(timer_id) + " is " + check.Text(0));
}

Result<int> CancelTimerTx(Db& db, std::string_view kind, Id ref_id, Millis at) {
  KEFU_ASSIGN(stmt, db.Prepare(
                        "UPDATE timers SET state = 'cancelled', done_at = ?3 "
                        "WHERE kind = ?1 AND ref_id = ?2 AND state = 'pending' RETURNING id"));
  stmt.Bind(1, kind).Bind(2, ref_id).Bind(3, at);
  int n = 0;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    ++n;
  }
  return n;
}

Result<Id> InsertEventTx(Db& db, const Event& e) {
  const std::string_view data = e.data_json.empty() ? std::string_view("{}") : std::string_view(e.data_json);
  // A message's event holds only ids (and is written per chat message): it stays clear. Every
  // other event's data may copy what people wrote (reasons, summaries, comments): sealed, bound
  // to the event's id, which the single writer can name before inserting.
  const bool seal = db.cipher() && e.type != "message";
  Id id = 0;
  if (seal) {
    KEFU_ASSIGN(next, db.Prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM events"));
    KEFU_ASSIGN(row, next.Step());
    if (row) id = next.Int(0);
  }
  KEFU_ASSIGN(stmt, db.Prepare(
                        "INSERT INTO events(id, conversation_id, ticket_id, type, at, actor_type, actor_id, data) "
                        "VALUES (?8, ?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  stmt.BindOptional(1, e.conversation_id).BindOptional(2, e.ticket_id).Bind(3, e.type).Bind(4, e.at);
  if (e.actor) {
    stmt.Bind(5, domain::ActorTypeName(e.actor->type)).Bind(6, e.actor->id);
  } else {
    stmt.BindNull(5).BindNull(6);
  }
  if (seal) {
    stmt.BindSealed(7, data, crypto::Place{"events.data", id});
  } else {
    stmt.Bind(7, data);
  }
  stmt.BindOptional(8, id);
  KEFU_TRY(stmt.Run());
  return db.LastInsertId();
}

Result<std::vector<Timer>> DueTimersTx(Db& db, Millis now, int limit) {
  static const std::string sql =
      std::string(kTimerColumns) + "WHERE state = 'pending' AND due_at <= ?1 ORDER BY due_at, id LIMIT ?2";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, now).Bind(2, limit);
  std::vector<Timer> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(ReadTimer(stmt));
  }
  return out;
}

Result<std::optional<Millis>> NextTimerDueTx(Db& db) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT due_at FROM timers WHERE state = 'pending' ORDER BY due_at LIMIT 1"));
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return std::optional<Millis>();
  return std::optional<Millis>(stmt.Int(0));
}

}  // namespace kefu::store::sqlite
