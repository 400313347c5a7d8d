// Follow-up tasks in the SQLite engine (table tasks, migration 10). Internal to the engine.
#pragma once

#include <string_view>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

inline constexpr std::string_view kTaskTimer = "task.due";

Result<Task> CreateTaskTx(Db& db, const NewTask& task);
Result<Task> CompleteTaskTx(Db& db, Id task_id, const domain::Actor& actor, Millis at);
// Marks an open task as fallen due (its timer fired).
Status TaskFiredTx(Db& db, Id task_id, Millis at);
Result<Task> GetTaskTx(Db& db, Id task_id);
Result<std::vector<Task>> ListTasksTx(Db& db, Id owner_id, std::string_view state, int limit);

}  // namespace kefu::store::sqlite
