// The audit log: who did what to what, append-only and hash-chained under a secret key.
//
// Every entry carries the hash of the one before it and its own hash,
//   hash = HMAC-SHA-256(audit key, "kefu.audit.v1" ‖ prev_hash ‖ at ‖ actor ‖ action ‖ target ‖ details),
// so that altering, removing or reordering an entry breaks the chain where it happened. The
// key is a subkey of the installation's master key (the key file beside the database, never in
// the database): someone who can write the database but not read the key file cannot recompute
// the chain. The chain's head (last seq and hash) is kept with its own MAC and updated in the
// same transaction as each append, so that removing entries from the end is detected too —
// unless an attacker replays a head from an older copy of the database. docs/adr/0008.
//
// Engine-neutral: the hashing and the verifier live here; engines store the rows and call them.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "domain/conversation.hpp"

namespace kefu::store {

using AuditKey = std::array<unsigned char, 32>;

inline constexpr size_t kAuditHashBytes = 32;

// What happened, as a caller records it. Actions in use (dotted, lower case):
//   staff.sign_in, staff.sign_in_failed, staff.create, staff.role_change, pii.reveal, export,
//   conversation.transfer, kb.create, kb.update, kb.publish, kb.unpublish, kb.rollback,
//   kb.import, delete, config.change.
struct AuditRecord {
  Millis at = 0;
  domain::Actor actor;   // who: staff (id), customer (id), system (the CLI, id 0), bot
  std::string action;
  std::string target;    // what it was done to, "kind:id" (e.g. "conversation:42", "kb:register"); may be empty
  std::string details_json = "{}";  // a JSON object with the action's own fields; never secrets or message text
};

// A stored entry.
struct AuditEntry {
  std::int64_t seq = 0;   // 1, 2, 3, … in the order written
  AuditRecord record;
  std::string prev_hash;  // kAuditHashBytes raw bytes: the hash of entry seq - 1 (zeros for the first)
  std::string hash;       // kAuditHashBytes raw bytes
};

// The chain's head as stored beside the entries: the last entry's seq and hash, with a MAC.
struct AuditHead {
  std::int64_t seq = 0;
  std::string hash;
  std::string mac;
};

struct AuditQuery {
  std::string action;  // exact ("kb.publish"), or a prefix ending in '.' ("kb."); empty: any
  std::optional<domain::Actor> actor;  // type and id; nullopt: anyone
  Millis from = 0;     // at >= from; 0: no lower bound
  Millis to = 0;       // at < to; 0: no upper bound
  std::string cursor;  // the previous page's next_cursor; empty: the newest entries
  int limit = 50;
};

struct AuditPage {
  std::vector<AuditEntry> entries;  // newest first
  std::string next_cursor;          // empty: no more
};

// What `kefu audit verify` finds.
struct AuditVerdict {
  enum class Problem { none, altered, removed, reordered, truncated };
  Problem problem = Problem::none;
  std::int64_t count = 0;  // entries that verified, in order, before any problem
  std::int64_t seq = 0;    // the first entry that was altered, removed or reordered (0: none)
  std::string message;     // what was found, in words
  std::string head_hash;   // when ok: the last entry's hash (raw), to record outside the database

  bool ok() const { return problem == Problem::none; }
};

std::string_view AuditProblemName(AuditVerdict::Problem p);

// The hash of an entry whose predecessor's hash is `prev_hash`.
std::string AuditHash(const AuditKey& key, std::string_view prev_hash, const AuditRecord& record);
// The MAC that seals a head.
std::string AuditHeadMac(const AuditKey& key, std::int64_t seq, std::string_view hash);
// The prev_hash of the first entry.
std::string AuditGenesis();

// Walks a chain in stored (seq) order and stops at the first problem. Not thread-safe.
class AuditVerifier {
 public:
  // `find_hash` answers which stored entry (its seq) has a given hash; it is asked only once a
  // link is broken, to tell a reordered entry (its predecessor is elsewhere) from a removed one.
  AuditVerifier(const AuditKey& key, std::function<std::optional<std::int64_t>(std::string_view hash)> find_hash);

  // Feeds the next entry; false once a problem was found (feed no more).
  bool Add(const AuditEntry& entry);
  // Checks the head against what was fed and returns the verdict.
  AuditVerdict Finish(const std::optional<AuditHead>& head);

 private:
  AuditKey key_;
  std::function<std::optional<std::int64_t>(std::string_view)> find_hash_;
  std::string prev_;
  std::int64_t expected_seq_ = 1;
  AuditVerdict verdict_;
};

}  // namespace kefu::store
