// Complaints in the SQLite engine (complaints, compensations; migration 19). Internal to the
// engine: SqliteStore owns one and hands it out as Store::Complaints().
#pragma once

#include <memory>

#include "store/complaints.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/tickets.hpp"

namespace kefu::store::sqlite {

// `audit_key` chains the audit entries of compensation decisions.
std::unique_ptr<ComplaintStore> NewSqliteComplaintStore(EngineHooks hooks, const AuditKey& audit_key);

// The "complaint.review" timer's effect inside FireTimer: the review is overdue. Marks the
// complaint and raises its ticket's priority to at least high. Nothing when the review started
// meanwhile (the timer is cancelled then, so this is a second line of defence).
Status ComplaintReviewOverdueTx(Db& db, Id complaint_id, Millis at);

// Appends a message and its event inside the caller's transaction (sqlite_store.cpp).
Result<AppendedMessage> AppendMessageInTx(Db& db, const NewMessage& message);

}  // namespace kefu::store::sqlite
