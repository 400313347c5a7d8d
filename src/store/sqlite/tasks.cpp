#include "store/sqlite/tasks.hpp"

#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

constexpr const char* kTaskColumns =
    "SELECT id, owner_id, conversation_id, ticket_id, note, due_at, state, created_by, created_at, fired_at, done_at "
    "FROM tasks ";

Task ReadTask(const Stmt& s) {
  Task t;
  t.id = s.Int(0);
  t.owner_id = s.Int(1);
  t.conversation_id = s.Int(2);
  t.ticket_id = s.Int(3);
  t.note = s.Plain(4, crypto::Place{"tasks.note", t.id});
  t.due_at = s.Int(5);
  t.state = s.Text(6);
  t.created_by = s.Int(7);
  t.created_at = s.Int(8);
  t.fired_at = s.Int(9);
  t.done_at = s.Int(10);
  return t;
}

Status MustExist(Db& db, const char* sql, Id id, const char* what) {
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, std::string(what) + " " + std::to_string(id) + " not found");
  return Ok();
}

Result<Id> TaskEvent(Db& db, const Task& t, std::string_view type, const domain::Actor& actor, Millis at) {
  Event e;
  e.conversation_id = t.conversation_id;
  e.ticket_id = t.ticket_id;
  e.type = std::string(type);
  e.at = at;
  e.actor = actor;
  e.data_json = "{\"task_id\":" + std::to_string(t.id) + ",\"owner_id\":" + std::to_string(t.owner_id) + "}";
  return InsertEventTx(db, e);
}

}  // namespace

Result<Task> GetTaskTx(Db& db, Id task_id) {
  static const std::string sql = std::string(kTaskColumns) + "WHERE id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, task_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "task " + std::to_string(task_id) + " not found");
  return ReadTask(stmt);
}

Result<Task> CreateTaskTx(Db& db, const NewTask& n) {
  KEFU_TRY(MustExist(db, "SELECT 1 FROM staff WHERE id = ?1 AND disabled = 0", n.owner_id, "staff"));
  if (n.conversation_id)
    KEFU_TRY(MustExist(db, "SELECT 1 FROM conversations WHERE id = ?1", n.conversation_id, "conversation"));
  if (n.ticket_id) KEFU_TRY(MustExist(db, "SELECT 1 FROM tickets WHERE id = ?1", n.ticket_id, "ticket"));
  Id next_id = 0;  // named before the insert: the sealed note is bound to it
  {
    KEFU_ASSIGN(next, db.Prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM tasks"));
    KEFU_ASSIGN(row, next.Step());
    if (row) next_id = next.Int(0);
  }
  {
    KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO tasks(id, owner_id, conversation_id, ticket_id, note, due_at, state, "
                                 "created_by, created_at) VALUES (?8, ?1, ?2, ?3, ?4, ?5, 'open', ?6, ?7)"));
    stmt.Bind(1, n.owner_id).BindOptional(2, n.conversation_id).BindOptional(3, n.ticket_id).Bind(8, next_id);
    stmt.BindSealed(4, n.note, crypto::Place{"tasks.note", next_id});
    stmt.Bind(5, n.due_at).BindOptional(6, n.created_by).Bind(7, n.at);
    KEFU_TRY(stmt.Run());
  }
  const Id id = db.LastInsertId();
  KEFU_TRY(ScheduleTimerTx(db, NewTimer{std::string(kTaskTimer), id, n.due_at, "{}", true}, n.at));
  KEFU_ASSIGN(task, GetTaskTx(db, id));
  KEFU_TRY(TaskEvent(db, task, "task.created", {domain::ActorType::staff, n.created_by}, n.at));
  return task;
}

Result<Task> CompleteTaskTx(Db& db, Id task_id, const domain::Actor& actor, Millis at) {
  KEFU_ASSIGN(task, GetTaskTx(db, task_id));
  if (task.state != "open") return MakeError(Code::conflict, "task " + std::to_string(task_id) + " is " + task.state);
  {
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE tasks SET state = 'done', done_at = ?2 WHERE id = ?1"));
    stmt.Bind(1, task_id).Bind(2, at);
    KEFU_TRY(stmt.Run());
  }
  KEFU_TRY(CancelTimerTx(db, kTaskTimer, task_id, at));
  task.state = "done";
  task.done_at = at;
  KEFU_TRY(TaskEvent(db, task, "task.done", actor, at));
  return task;
}

Status TaskFiredTx(Db& db, Id task_id, Millis at) {
  KEFU_ASSIGN(task, GetTaskTx(db, task_id));
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE tasks SET fired_at = ?2 WHERE id = ?1"));
  stmt.Bind(1, task_id).Bind(2, at);
  KEFU_TRY(stmt.Run());
  KEFU_TRY(TaskEvent(db, task, "task.due", {domain::ActorType::system, 0}, at));
  return Ok();
}

Result<std::vector<Task>> ListTasksTx(Db& db, Id owner_id, std::string_view state, int limit) {
  static const std::string sql =
      std::string(kTaskColumns) + "WHERE owner_id = ?1 AND state = ?2 ORDER BY due_at, id LIMIT ?3";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, owner_id).Bind(2, state).Bind(3, limit);
  std::vector<Task> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(ReadTask(stmt));
  }
  return out;
}

}  // namespace kefu::store::sqlite
