// Staff sign-in state the server holds: the in-memory session table (loaded from the store at
// start and written through on every change), the sealing key for TOTP secrets, the lockout
// key and policy. See docs/adr/0010. Internal to the http module; free of Beast.
//
// Audit hook point: every sign-in, failure, lockout and revocation passes through the
// functions named in src/http/README.md ("Sign-in events"); the audit log records them there.
#pragma once

#include <string>
#include <string_view>

#include "auth/keys.hpp"
#include "auth/lockout.hpp"
#include "auth/secret_box.hpp"
#include "auth/session.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "store/store.hpp"

namespace kefu::http {

class StaffAuth {
 public:
  // Derives the TOTP sealing key ("totp0001") and the lockout key ("lockout1") from `master`.
  StaffAuth(store::Store& store, const auth::Key& master, Millis session_lifetime);

  // Fills the session table with the store's live sessions. Call once before serving.
  Status Load(Millis now);

  auth::SessionTable& sessions() { return sessions_; }
  const auth::SecretBox& totp_box() const { return totp_box_; }
  const auth::LockoutPolicy& lockout() const { return lockout_; }
  Millis session_lifetime() const { return session_lifetime_; }

  // The lockout key of an email as typed.
  std::string LockoutKey(std::string_view email) const {
    return auth::LockoutKey(lockout_key_, email);
  }
  // What a sealed TOTP secret of `staff_id` is bound to (associated data).
  static std::string TotpAssociated(domain::Id staff_id) {
    return "staff-totp:" + std::to_string(staff_id);
  }

 private:
  store::Store& store_;
  auth::SessionTable sessions_;
  auth::SecretBox totp_box_;
  auth::Key lockout_key_;
  auth::LockoutPolicy lockout_;
  Millis session_lifetime_;
};

// The in-memory form of a stored session.
auth::StaffSession ToSession(const store::StaffSessionRecord& r);

}  // namespace kefu::http
