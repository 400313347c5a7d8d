// Bearer tokens for customers: stateless, signed with HMAC-SHA-256 under a subkey of the master
// key, so they survive a restart. Format: "kf1." base64url(payload) "." base64url(mac). The
// payload is "<s|c>:<subject id>:<expires ms>:<version>". Staff no longer get these: they sign in
// to opaque sessions (auth/session.hpp, docs/adr/0010), and the server refuses a signed "s" token.
#pragma once

#include <string>
#include <string_view>

#include "auth/keys.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/conversation.hpp"

namespace kefu::auth {

enum class SubjectType { staff, customer };

struct TokenClaims {
  SubjectType type = SubjectType::customer;
  domain::Id subject = 0;
  Millis expires_at = 0;
  std::int64_t version = 1;
};

inline constexpr Millis kStaffTokenLifetime = 12LL * 3600 * 1000;
inline constexpr Millis kCustomerTokenLifetime = 30LL * 24 * 3600 * 1000;

// Thread-safe after construction (immutable).
class TokenSigner {
 public:
  explicit TokenSigner(const Key& signing_key) : key_(signing_key) {}

  std::string Issue(const TokenClaims& claims) const;

  // The claims of a well-formed, correctly signed, unexpired token; Code::unauthorized
  // otherwise (the message says which, without echoing the token).
  Result<TokenClaims> Verify(std::string_view token, Millis now) const;

 private:
  Key key_;
};

}  // namespace kefu::auth
