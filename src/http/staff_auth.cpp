#include "http/staff_auth.hpp"

namespace kefu::http {

StaffAuth::StaffAuth(store::Store& store, const auth::Key& master, Millis session_lifetime)
    : store_(store),
      totp_box_(auth::DeriveKey(master, "totp0001")),
      lockout_key_(auth::DeriveKey(master, "lockout1")),
      session_lifetime_(session_lifetime) {}

Status StaffAuth::Load(Millis now) {
  KEFU_ASSIGN(rows, store_.ListStaffSessions(now));
  std::vector<auth::StaffSession> sessions;
  sessions.reserve(rows.size());
  for (const auto& r : rows) sessions.push_back(ToSession(r));
  sessions_.Load(std::move(sessions));
  return Ok();
}

auth::StaffSession ToSession(const store::StaffSessionRecord& r) {
  auth::StaffSession s;
  s.token_hash = r.token_hash;
  s.staff_id = r.staff_id;
  s.name = r.staff_name;
  s.verify_id = r.staff_verify_id;
  s.role = r.role;
  s.desk = r.desk;
  s.created_at = r.created_at;
  s.expires_at = r.expires_at;
  s.last_used_at = r.last_used_at;
  s.ip = r.ip;
  s.user_agent = r.user_agent;
  return s;
}

}  // namespace kefu::http
