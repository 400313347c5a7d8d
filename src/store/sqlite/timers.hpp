// Durable timers in the SQLite engine (table timers, migration 8): the statements that the
// store's writes and reads share. Internal to the SQLite engine.
#pragma once

#include <optional>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

// Schedules `timer` (created at `now`), honouring NewTimer::replace; answers the pending timer
// of its kind and ref after the write.
Result<Timer> ScheduleTimerTx(Db& db, const NewTimer& timer, Millis now);
// Marks a pending timer fired at `at`; Code::conflict when it is not pending (fired, cancelled)
// and Code::not_found when it does not exist.
Status ClaimTimerTx(Db& db, Id timer_id, Millis at);
// Cancels the pending timer of a kind and ref; answers 0 or 1.
Result<int> CancelTimerTx(Db& db, std::string_view kind, Id ref_id, Millis at);
// Appends an event with its conversation and ticket (either may be 0).
Result<Id> InsertEventTx(Db& db, const Event& event);

Result<std::vector<Timer>> DueTimersTx(Db& db, Millis now, int limit);
Result<std::optional<Millis>> NextTimerDueTx(Db& db);
Result<Timer> PendingTimerTx(Db& db, std::string_view kind, Id ref_id);

}  // namespace kefu::store::sqlite
