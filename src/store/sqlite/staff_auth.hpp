// Staff sign-in state in the SQLite engine: sessions (staff_sessions), TOTP columns of staff and
// the lockout table (login_lockouts). Internal to the SQLite engine.
//
// The *Tx functions run inside the writer's batch transaction; the Read* ones on any connection.
// They follow the contracts of the matching Store methods.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

Result<StaffSessionRecord> CreateStaffSessionTx(Db& db, const StaffSessionRecord& session);
Result<int> RevokeStaffSessionTx(Db& db, const std::string& token_hash);
Result<int> RevokeStaffSessionsTx(Db& db, Id staff_id, const std::string& keep_hash);
Result<int> TouchStaffSessionTx(Db& db, const std::string& token_hash, Millis at,
                                const std::string& ip);
Result<int> SetStaffPasswordTx(Db& db, Id staff_id, const std::string& password_hash,
                               const std::string& keep_hash, Millis at);
Result<int> StartTotpEnrolmentTx(Db& db, Id staff_id, const std::string& sealed);
Result<int> ConfirmTotpTx(Db& db, Id staff_id, std::int64_t step);
Result<bool> UseTotpStepTx(Db& db, Id staff_id, std::int64_t step);
Result<LoginLockout> UpdateLoginLockoutTx(
    Db& db, const std::string& key, const std::function<LoginLockout(const LoginLockout&)>& change);
Result<int> ClearLoginLockoutTx(Db& db, const std::string& key);

Result<std::vector<StaffSessionRecord>> ReadStaffSessions(Db& db, Millis now);
Result<LoginLockout> ReadLoginLockout(Db& db, std::string_view key);

}  // namespace kefu::store::sqlite
