// The audit log in the SQLite engine (audit_log, audit_head; see migrations.cpp). Internal to the
// SQLite engine; follows the contracts of store/audit.hpp and the matching Store methods.
#pragma once

#include "store/audit.hpp"
#include "store/sqlite/db.hpp"

namespace kefu::store::sqlite {

// Appends one entry inside the writer's transaction: reads the head, writes the entry and the
// new head. Whatever else the transaction writes commits (or rolls back) with it.
Result<AuditEntry> AppendAuditTx(Db& db, const AuditKey& key, const AuditRecord& record);

// Newest first, filtered, keyset-paginated by seq.
Result<AuditPage> ReadAuditPage(Db& db, const AuditQuery& query);

// Walks the whole chain in one read transaction.
Result<AuditVerdict> VerifyAuditChain(Db& db, const AuditKey& key);

}  // namespace kefu::store::sqlite
