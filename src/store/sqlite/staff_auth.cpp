#include "store/sqlite/staff_auth.hpp"

namespace kefu::store::sqlite {
namespace {

Result<int> Changes(Db& db) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT changes()"));
  KEFU_ASSIGN(row, stmt.Step());
  return row ? static_cast<int>(stmt.Int(0)) : 0;
}

Result<int> UpdateStaffRow(Db& db, std::string_view sql, Id staff_id,
                           const std::function<void(Stmt&)>& bind) {
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, staff_id);
  bind(stmt);
  KEFU_TRY(stmt.Run());
  KEFU_ASSIGN(n, Changes(db));
  if (n == 0) return MakeError(Code::not_found, "staff " + std::to_string(staff_id) + " not found");
  return n;
}

}  // namespace

Result<StaffSessionRecord> CreateStaffSessionTx(Db& db, const StaffSessionRecord& s) {
  {
    KEFU_ASSIGN(stmt,
                db.Prepare("DELETE FROM staff_sessions WHERE staff_id = ?1 AND expires_at <= ?2"));
    stmt.Bind(1, s.staff_id).Bind(2, s.created_at);
    KEFU_TRY(stmt.Run());
  }
  KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO staff_sessions(token_hash, staff_id, created_at, "
                               "expires_at, last_used_at, ip, "
                               "user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  stmt.BindBlob(1, s.token_hash).Bind(2, s.staff_id).Bind(3, s.created_at).Bind(4, s.expires_at);
  stmt.Bind(5, s.last_used_at).Bind(6, s.ip).Bind(7, s.user_agent);
  KEFU_TRY(stmt.Run());
  return s;
}

Result<int> RevokeStaffSessionTx(Db& db, const std::string& token_hash) {
  KEFU_ASSIGN(stmt, db.Prepare("DELETE FROM staff_sessions WHERE token_hash = ?1"));
  stmt.BindBlob(1, token_hash);
  KEFU_TRY(stmt.Run());
  return Changes(db);
}

Result<int> RevokeStaffSessionsTx(Db& db, Id staff_id, const std::string& keep_hash) {
  KEFU_ASSIGN(
      stmt, db.Prepare("DELETE FROM staff_sessions WHERE staff_id = ?1 AND token_hash IS NOT ?2"));
  stmt.Bind(1, staff_id);
  if (keep_hash.empty()) {
    stmt.BindNull(2);
  } else {
    stmt.BindBlob(2, keep_hash);
  }
  KEFU_TRY(stmt.Run());
  return Changes(db);
}

Result<int> TouchStaffSessionTx(Db& db, const std::string& token_hash, Millis at,
                                const std::string& ip) {
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE staff_sessions SET last_used_at = MAX(last_used_at, ?2), ip "
                               "= ?3 WHERE token_hash = ?1"));
  stmt.BindBlob(1, token_hash).Bind(2, at).Bind(3, ip);
  KEFU_TRY(stmt.Run());
  return Changes(db);
}

Result<int> SetStaffPasswordTx(Db& db, Id staff_id, const std::string& password_hash,
                               const std::string& keep_hash, Millis at) {
  KEFU_TRY(UpdateStaffRow(
      db, "UPDATE staff SET password_hash = ?2, password_changed_at = ?3 WHERE id = ?1", staff_id,
      [&](Stmt& s) { s.Bind(2, password_hash).Bind(3, at); }));
  return RevokeStaffSessionsTx(db, staff_id, keep_hash);
}

Result<int> StartTotpEnrolmentTx(Db& db, Id staff_id, const std::string& sealed) {
  return UpdateStaffRow(db, "UPDATE staff SET totp_pending = ?2 WHERE id = ?1", staff_id,
                        [&](Stmt& s) { s.BindBlob(2, sealed); });
}

Result<int> ConfirmTotpTx(Db& db, Id staff_id, std::int64_t step) {
  KEFU_ASSIGN(
      stmt,
      db.Prepare(
          "UPDATE staff SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?2 "
          "WHERE id = ?1 AND totp_pending IS NOT NULL"));
  stmt.Bind(1, staff_id).Bind(2, step);
  KEFU_TRY(stmt.Run());
  KEFU_ASSIGN(n, Changes(db));
  if (n == 0) return MakeError(Code::conflict, "no two-factor enrolment is pending");
  return n;
}

Result<bool> UseTotpStepTx(Db& db, Id staff_id, std::int64_t step) {
  KEFU_ASSIGN(
      stmt,
      db.Prepare("UPDATE staff SET totp_last_step = ?2 WHERE id = ?1 AND totp_last_step < ?2"));
  stmt.Bind(1, staff_id).Bind(2, step);
  KEFU_TRY(stmt.Run());
  KEFU_ASSIGN(n, Changes(db));
  return n > 0;
}

Result<LoginLockout> UpdateLoginLockoutTx(
    Db& db, const std::string& key,
    const std::function<LoginLockout(const LoginLockout&)>& change) {
  KEFU_ASSIGN(before, ReadLoginLockout(db, key));
  LoginLockout after = change(before);
  KEFU_ASSIGN(
      stmt,
      db.Prepare(
          "INSERT INTO login_lockouts(key, failures, locked_until, last_failure_at) VALUES (?1, "
          "?2, ?3, ?4) "
          "ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, "
          "locked_until = excluded.locked_until, last_failure_at = excluded.last_failure_at"));
  stmt.Bind(1, key)
      .Bind(2, after.failures)
      .Bind(3, after.locked_until)
      .Bind(4, after.last_failure_at);
  KEFU_TRY(stmt.Run());
  return after;
}

Result<int> ClearLoginLockoutTx(Db& db, const std::string& key) {
  KEFU_ASSIGN(stmt, db.Prepare("DELETE FROM login_lockouts WHERE key = ?1"));
  stmt.Bind(1, key);
  KEFU_TRY(stmt.Run());
  return Changes(db);
}

Result<std::vector<StaffSessionRecord>> ReadStaffSessions(Db& db, Millis now) {
  KEFU_ASSIGN(
      stmt,
      db.Prepare("SELECT ss.token_hash, ss.staff_id, ss.created_at, ss.expires_at, "
                 "ss.last_used_at, ss.ip, "
                 "ss.user_agent, s.name, s.role, s.desk, COALESCE(s.verify_id, '') FROM staff_sessions ss "
                 "JOIN staff s ON s.id = ss.staff_id WHERE ss.expires_at > ?1 AND s.disabled = 0"));
  stmt.Bind(1, now);
  std::vector<StaffSessionRecord> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    StaffSessionRecord r;
    r.token_hash = stmt.Blob(0);
    r.staff_id = stmt.Int(1);
    r.created_at = stmt.Int(2);
    r.expires_at = stmt.Int(3);
    r.last_used_at = stmt.Int(4);
    r.ip = stmt.Text(5);
    r.user_agent = stmt.Text(6);
    r.staff_name = stmt.Text(7);
    r.role = domain::ParseRole(stmt.Text(8)).value_or(domain::Role::agent);
    if (!stmt.IsNull(9)) r.desk = domain::ParseDesk(stmt.Text(9));
    r.staff_verify_id = stmt.Text(10);
    out.push_back(std::move(r));
  }
  return out;
}

Result<LoginLockout> ReadLoginLockout(Db& db, std::string_view key) {
  KEFU_ASSIGN(
      stmt,
      db.Prepare(
          "SELECT failures, locked_until, last_failure_at FROM login_lockouts WHERE key = ?1"));
  stmt.Bind(1, key);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return LoginLockout{};
  return LoginLockout{static_cast<int>(stmt.Int(0)), stmt.Int(1), stmt.Int(2)};
}

}  // namespace kefu::store::sqlite
