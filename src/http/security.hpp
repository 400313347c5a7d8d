// The server's defences that need no socket: token-bucket rate limits, the client address behind
// trusted proxies, and the cross-origin rules (CORS for the widget's public routes, refusal of
// cross-site state changes). Pure functions and plain classes, tested without a server.
// Not thread-safe: the server uses them on its network thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

namespace kefu::http {

// Token buckets, one per key: `burst` requests at once, then `per_second`. Keys are 64-bit
// hashes (of a client address or a bearer token), so no token is kept in memory in clear.
class RateLimiter {
 public:
  RateLimiter(std::int64_t burst, std::int64_t per_second) : burst_(static_cast<double>(burst)), rate_(static_cast<double>(per_second)) {}

  // Off when per_second is 0: Take always succeeds.
  bool enabled() const { return rate_ > 0; }

  // Takes one request for `key` at `now_ms`. False when the bucket is empty; `retry_after_ms`
  // then says when the next request would be allowed.
  bool Take(std::string_view key, std::int64_t now_ms, std::int64_t& retry_after_ms);

  // Forgets buckets that have refilled completely (they behave like new ones).
  void Prune(std::int64_t now_ms);

  std::size_t size() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens;
    std::int64_t at_ms;
  };
  double burst_;
  double rate_;
  std::unordered_map<std::uint64_t, Bucket> buckets_;
};

// Addresses and networks ("10.0.0.0/8", "::1", "192.168.1.7") whose X-Forwarded-For is believed.
class TrustedNetworks {
 public:
  // Code::invalid naming the bad entry.
  static Result<TrustedNetworks> Parse(const std::vector<std::string>& entries);
  bool Contains(std::string_view address) const;

 private:
  struct Net {
    unsigned char bytes[16];
    int family_len;  // 4 or 16
    int prefix;
  };
  std::vector<Net> nets_;
};

// The address per-client limits apply to: the TCP peer, or, when the peer is a trusted proxy
// and sent X-Forwarded-For, the rightmost address in it that is not itself trusted. Empty when
// the request is not limited by address: a loopback peer without X-Forwarded-For.
std::string ClientAddress(std::string_view peer, std::string_view forwarded_for, const TrustedNetworks& trusted);

// True when `origin` ("https://host:port") names the same host and port as the request's Host.
// The scheme is not compared: behind a TLS-terminating proxy the server cannot know it.
bool SameOrigin(std::string_view origin, std::string_view host);

// True when `origin` is one of the configured allowed origins (compared lower-cased).
bool OriginAllowed(std::string_view origin, const std::vector<std::string>& allowed);

// The routes another site may call from a browser (CORS): the widget's and the public ones. The
// staff console's API is same-origin only. `route_path` is the route's template.
bool CorsRoute(std::string_view route_path);

// What to do with a request that may come from another site.
enum class CrossOrigin {
  same,      // same origin, or not from a browser page (no Origin, no cross-site Sec-Fetch-Site)
  allowed,   // from an allowed origin to a CORS route: answer with CORS headers
  readonly,  // from another site, but a read: answered, without CORS headers (the browser hides it)
  refused,   // a cross-site state change: 403
};
CrossOrigin ClassifyOrigin(std::string_view method, std::string_view origin, std::string_view sec_fetch_site,
                           std::string_view host, std::string_view route_path,
                           const std::vector<std::string>& allowed);

// A Host header that is safe to repeat in a response header (letters, digits, . - : [ ]).
bool HostHeaderOk(std::string_view host);

}  // namespace kefu::http
