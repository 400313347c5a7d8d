// Opaque staff session tokens and the in-memory table that checks them (docs/adr/0010).
//
// A token is "kfs1_" + base64url(32 random bytes). Only its SHA-256 is kept — in the store and
// in this table — so a copy of the database holds no usable token. The table is loaded from the
// store at start and written through on every change (the store first, then the table), so a
// token check never reads the database.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"
#include "domain/conversation.hpp"
#include "domain/staff.hpp"

namespace kefu::auth {

inline constexpr Millis kStaffSessionLifetime = 12LL * 3600 * 1000;
// Last use is written back to the store at most this often per session.
inline constexpr Millis kSessionTouchInterval = 60'000;

// A new random session token.
std::string NewSessionToken();
// True when `token` has the shape of a session token (it may still be unknown or revoked).
bool IsSessionToken(std::string_view token);
// The SHA-256 of a token (32 raw bytes): what is stored and looked up.
std::string HashSessionToken(std::string_view token);

struct StaffSession {
  std::string token_hash;  // 32 raw bytes
  domain::Id staff_id = 0;
  std::string name;
  std::string verify_id;  // the staff member's public verify id (domain/verify.hpp)
  domain::Role role = domain::Role::agent;
  std::optional<domain::Desk> desk;
  Millis created_at = 0;
  Millis expires_at = 0;
  Millis last_used_at = 0;
  std::string ip;
  std::string user_agent;
};

// What a successful check answers: who it is (kept small: this runs on every staff request).
struct SessionCheck {
  domain::Id staff_id = 0;
  std::string name;
  std::string verify_id;
  domain::Role role = domain::Role::agent;
  std::optional<domain::Desk> desk;
  Millis expires_at = 0;
  // Last use should be written back (see kSessionTouchInterval); then `token_hash` and `ip`
  // (the address stored so far) are filled, otherwise they are empty.
  bool needs_touch = false;
  std::string token_hash;
  std::string ip;
};

// Thread-safe: every member takes one mutex for a hash lookup or a short scan, so the network
// thread, the blocking pool and store callbacks may all use it.
class SessionTable {
 public:
  // Replaces the whole table (at start, with the store's unexpired sessions).
  void Load(std::vector<StaffSession> sessions);

  void Insert(StaffSession session);

  // The live session of `token`; nullopt when unknown, revoked or expired (an expired one is
  // dropped). Records `now` as its last use in memory.
  std::optional<SessionCheck> Check(std::string_view token, Millis now);

  // Removes one session by its token hash; false when it was not there.
  bool Remove(std::string_view token_hash);
  // Removes every session of `staff_id` except `keep_hash` (empty: none kept); answers how many.
  int RemoveStaff(domain::Id staff_id, std::string_view keep_hash = {});
  // Drops expired sessions; answers how many.
  int Sweep(Millis now);

  // Copies of the live sessions of `staff_id` (for listing), newest first.
  std::vector<StaffSession> ListStaff(domain::Id staff_id, Millis now) const;
  size_t size() const;

 private:
  mutable std::mutex m_;
  struct Entry {
    StaffSession session;
    Millis persisted_last_used = 0;
  };
  std::unordered_map<std::string, Entry> by_hash_;
};

}  // namespace kefu::auth
