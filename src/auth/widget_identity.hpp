// Widget identity: an operator's backend vouches for its signed-in user so that the widget
// conversation belongs to that user on every device, and nobody else.
//
// The operator's backend (never the browser) computes, with the site's secret from
// [widget.sites.NAME]:
//
//   message   = "kefu-widget-v1\n" + site + "\n" + user_id + "\n" + expires_at
//   signature = lowercase hex of HMAC-SHA256(secret, message)
//
// where `expires_at` is a Unix time in whole seconds written in decimal, and hands the page
// {"site","user_id","expires_at","signature"} for POST /api/v1/widget/sessions {"identity":…}.
// Checks, each a distinct error code (all 401 at the HTTP edge; see IdentityError):
//  * shape: site 1–64 of [A-Za-z0-9_-], user_id 1–128 bytes of printable ASCII (no spaces),
//    expires_at a positive integer, signature 64 hex digits        → identity_invalid
//  * the site is configured                                         → identity_unknown_site
//  * the signature matches, compared in constant time               → identity_bad_signature
//  * now − skew < expires_at ≤ now + max_ttl + skew                 → identity_expired /
//                                                                     identity_expiry_too_far
// A signature never verifies for another site: the site name is part of what is signed and each
// site has its own secret.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace kefu::auth {

struct WidgetIdentity {
  std::string site;
  std::string user_id;
  std::int64_t expires_at = 0;  // Unix seconds
  std::string signature;        // 64 lowercase or uppercase hex digits
};

struct IdentityCheck {
  std::string error_code;  // empty: verified; else identity_invalid, identity_unknown_site, …
  std::string message;     // says what is wrong, never echoes the signature
  bool ok() const { return error_code.empty(); }
};

// The exact bytes that are signed.
std::string IdentitySigningString(std::string_view site, std::string_view user_id, std::int64_t expires_at);

// HMAC-SHA256(secret, IdentitySigningString(…)) as lowercase hex: what the operator computes
// (for tests, the demo and the docs' examples).
std::string SignIdentity(std::string_view secret, std::string_view site, std::string_view user_id,
                         std::int64_t expires_at);

// Verifies `id` against the configured sites at `now` (milliseconds). Thread-safe, pure.
IdentityCheck VerifyIdentity(const WidgetIdentity& id, const std::vector<WidgetSite>& sites, Millis now,
                             std::int64_t max_ttl_s, std::int64_t skew_s);

// A fresh anonymous visitor id: 128 random bits, base64url ("v1." + 22 characters).
std::string NewVisitorId();
// True when `text` has the shape NewVisitorId gives.
bool IsVisitorId(std::string_view text);
// What the store keeps of a visitor id (SHA-256, hex), so that a copy of the database does not
// hand out working visitor ids.
std::string VisitorIdDigest(std::string_view visitor_id);

}  // namespace kefu::auth
