// Signatures of kefu's outgoing webhooks (the security desk's call to the operator's backend).
//
// Scheme (docs/webhooks.md): header `X-Kefu-Signature: t=<unix seconds>,v1=<hex>` where <hex> is
// lower-case HMAC-SHA256(secret, "<t>." + body) over the exact body bytes. The receiver
// recomputes it with the shared secret, compares in constant time and refuses a `t` too far from
// its own clock (replays); `X-Kefu-Delivery` is the same on every retry of one delivery.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kefu::auth {

// The lower-case hex HMAC-SHA256 of "<unix_seconds>." + body under `secret` (any length).
std::string WebhookMac(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

// The X-Kefu-Signature header value: "t=<unix_seconds>,v1=<WebhookMac>".
std::string WebhookSignature(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace kefu::auth
