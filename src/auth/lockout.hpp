// Lockout with back-off after failed sign-ins, per account (keyed by the email as typed, so an
// unknown email locks exactly like a known one and answers do not reveal which emails exist).
//
// After `threshold` failures in a row the account is locked for `base`; every further failure
// (made once the lock has passed) doubles it, up to `cap`. A success resets the count. Failures
// older than `forget_after` with no lock in force are forgotten. Pure functions of the state and
// the time: the store keeps the state (so a restart does not reset it) and applies a change
// atomically on its writer.
#pragma once

#include <string>
#include <string_view>

#include "auth/keys.hpp"
#include "core/time.hpp"

namespace kefu::auth {

struct LockoutPolicy {
  int threshold = 5;
  Millis base = 60'000;              // the first lock: 1 minute
  Millis cap = 3'600'000;            // never longer than 1 hour
  Millis forget_after = 86'400'000;  // a day without failures starts the count afresh
};

struct LockoutState {
  int failures = 0;         // failed attempts in a row
  Millis locked_until = 0;  // 0 or in the past: not locked
  Millis last_failure_at = 0;
};

// How long the account stays locked from `now`; 0 when it is not locked.
Millis LockRemaining(const LockoutState& state, Millis now);

// The state after one more failure at `now`.
LockoutState AfterFailure(const LockoutState& state, Millis now, const LockoutPolicy& policy = {});

// The lock, in ms, that the `failures`-th failure in a row imposes (0 below the threshold).
Millis LockDuration(int failures, const LockoutPolicy& policy = {});

// Seconds for a Retry-After header: `remaining` rounded up, at least 1.
long long RetryAfterSeconds(Millis remaining);

// The key the lockout state is stored under: a keyed hash (hex) of the lower-cased, trimmed
// email, so that the table does not keep every email an attacker typed in clear.
std::string LockoutKey(const Key& key, std::string_view email);

}  // namespace kefu::auth
