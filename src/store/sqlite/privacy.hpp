// Data-subject requests, legal holds and erasure in the SQLite engine (data_requests,
// legal_holds, migration 15). Internal to the engine.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/audit.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

// The timer that reminds admins of a request still open near its due date (ref: the request).
inline constexpr std::string_view kDataRequestTimer = "dsr.due";

Result<std::vector<CustomerIdentity>> ListCustomerIdentitiesTx(Db& db, Id customer_id);
Result<std::vector<Id>> ListCustomerConversationIdsTx(Db& db, Id customer_id);
Result<DataRequest> CreateDataRequestTx(Db& db, const AuditKey& key, const NewDataRequest& request);
Result<DataRequest> GetDataRequestTx(Db& db, Id id);
Result<std::vector<DataRequest>> ListDataRequestsTx(Db& db, std::string_view status, int limit);
Result<DataRequest> CompleteExportTx(Db& db, const AuditKey& key, Id id, const domain::Actor& actor, Millis at);
Result<ErasureResult> EraseCustomerTx(Db& db, const AuditKey& key, const ErasureRequest& request);
Result<std::optional<LegalHold>> GetLegalHoldTx(Db& db, Id customer_id);
Result<std::optional<LegalHold>> SetLegalHoldTx(Db& db, const AuditKey& key, Id customer_id, const std::string& reason,
                                                const domain::Actor& actor, Millis at);

}  // namespace kefu::store::sqlite
