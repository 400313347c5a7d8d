#include "auth/lockout.hpp"

#include <sodium.h>

#include <algorithm>

#include "core/text.hpp"

namespace kefu::auth {

Millis LockRemaining(const LockoutState& state, Millis now) {
  return state.locked_until > now ? state.locked_until - now : 0;
}

Millis LockDuration(int failures, const LockoutPolicy& policy) {
  if (failures < policy.threshold) return 0;
  Millis lock = policy.base;
  for (int i = policy.threshold; i < failures && lock < policy.cap; ++i) lock *= 2;
  return std::min(lock, policy.cap);
}

LockoutState AfterFailure(const LockoutState& state, Millis now, const LockoutPolicy& policy) {
  LockoutState next = state;
  if (LockRemaining(state, now) == 0 && state.last_failure_at != 0 &&
      now - state.last_failure_at >= policy.forget_after)
    next.failures = 0;
  next.failures += 1;
  next.last_failure_at = now;
  // An attempt while locked is refused before any password check and never gets here; a
  // failure counted anyway (two racing attempts) does not extend a lock in force.
  if (Millis lock = LockDuration(next.failures, policy); lock > 0)
    next.locked_until = std::max(state.locked_until, now + lock);
  return next;
}

long long RetryAfterSeconds(Millis remaining) {
  return std::max<long long>(1, (remaining + 999) / 1000);
}

std::string LockoutKey(const Key& key, std::string_view email) {
  InitCrypto();
  const std::string normal = AsciiLower(Trim(email));
  unsigned char out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(normal.data()),
                     normal.size(), key.data(), key.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

}  // namespace kefu::auth
