#include "http/security.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "core/text.hpp"

namespace kefu::http {

bool RateLimiter::Take(std::string_view key, std::int64_t now_ms, std::int64_t& retry_after_ms) {
  if (!enabled()) return true;
  const std::uint64_t h = std::hash<std::string_view>{}(key);
  auto [it, fresh] = buckets_.try_emplace(h, Bucket{burst_, now_ms});
  Bucket& b = it->second;
  if (!fresh && now_ms > b.at_ms) {
    b.tokens = std::min(burst_, b.tokens + static_cast<double>(now_ms - b.at_ms) * rate_ / 1000.0);
    b.at_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  retry_after_ms = static_cast<std::int64_t>(std::ceil((1.0 - b.tokens) * 1000.0 / rate_));
  return false;
}

void RateLimiter::Prune(std::int64_t now_ms) {
  if (!enabled()) return;
  std::erase_if(buckets_, [&](const auto& kv) {
    const Bucket& b = kv.second;
    return b.tokens + static_cast<double>(now_ms - b.at_ms) * rate_ / 1000.0 >= burst_;
  });
}

namespace {

// Parses a literal IPv4 or IPv6 address into 16 bytes (IPv4 in the first 4); IPv4-mapped IPv6
// addresses count as IPv4. Returns 4, 16, or 0 when `s` is not an address.
int ParseAddress(std::string_view s, unsigned char out[16]) {
  std::string text(Trim(s));
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.starts_with("::ffff:") && text.find('.') != std::string::npos) text = text.substr(7);
  std::memset(out, 0, 16);
  if (inet_pton(AF_INET, text.c_str(), out) == 1) return 4;
  if (inet_pton(AF_INET6, text.c_str(), out) == 1) return 16;
  return 0;
}

bool IsLoopback(std::string_view address) {
  unsigned char b[16];
  int len = ParseAddress(address, b);
  if (len == 4) return b[0] == 127;
  if (len == 16) {
    static const unsigned char kOne[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return std::memcmp(b, kOne, 16) == 0;
  }
  return false;
}

// The host[:port] of an origin ("https://a.example:8443" → "a.example:8443"), lower-cased.
std::string Authority(std::string_view origin) {
  size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return {};
  return AsciiLower(origin.substr(scheme + 3));
}

// "a.example:80" and "a.example" name the same place for http; so do ":443" and none for https.
std::string WithoutDefaultPort(std::string authority, std::string_view scheme) {
  auto strip = [&](std::string_view port) {
    if (authority.ends_with(port)) authority.resize(authority.size() - port.size());
  };
  if (scheme == "http") strip(":80");
  if (scheme == "https") strip(":443");
  return authority;
}

}  // namespace

Result<TrustedNetworks> TrustedNetworks::Parse(const std::vector<std::string>& entries) {
  TrustedNetworks out;
  for (const auto& entry : entries) {
    std::string_view e = Trim(entry);
    size_t slash = e.find('/');
    Net net{};
    net.family_len = ParseAddress(e.substr(0, slash), net.bytes);
    bool ok = net.family_len != 0;
    net.prefix = net.family_len * 8;
    if (ok && slash != std::string_view::npos) {
      std::string_view p = e.substr(slash + 1);
      ok = !p.empty() && p.size() <= 3 && std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (ok) net.prefix = std::stoi(std::string(p));
      ok = ok && net.prefix <= net.family_len * 8;
    }
    if (!ok)
      return MakeError(Code::invalid, "proxy.trusted: '" + entry + "' is not an address or network such as 10.0.0.0/8");
    out.nets_.push_back(net);
  }
  return out;
}

bool TrustedNetworks::Contains(std::string_view address) const {
  unsigned char b[16];
  int len = ParseAddress(address, b);
  if (len == 0) return false;
  for (const Net& n : nets_) {
    if (n.family_len != len) continue;
    int full = n.prefix / 8, rest = n.prefix % 8;
    if (std::memcmp(b, n.bytes, static_cast<size_t>(full)) != 0) continue;
    if (rest != 0) {
      const unsigned mask = (0xFFu << (8 - rest)) & 0xFFu;
      if ((b[full] & mask) != (n.bytes[full] & mask)) continue;
    }
    return true;
  }
  return false;
}

std::string ClientAddress(std::string_view peer, std::string_view forwarded_for, const TrustedNetworks& trusted) {
  forwarded_for = Trim(forwarded_for);
  if (forwarded_for.empty() || !trusted.Contains(peer)) return IsLoopback(peer) && forwarded_for.empty() ? "" : std::string(peer);
  // Rightmost first: each proxy appends the address it got the request from, so entries to the
  // left of the first untrusted one may be invented by the client.
  std::string_view leftmost;
  while (!forwarded_for.empty()) {
    size_t comma = forwarded_for.rfind(',');
    std::string_view entry = Trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1));
    if (!entry.empty()) {
      if (!trusted.Contains(entry)) return std::string(entry.substr(0, 64));
      leftmost = entry;
    }
    if (comma == std::string_view::npos) break;
    forwarded_for = forwarded_for.substr(0, comma);
  }
  // Every hop is trusted: the first one is the client.
  if (leftmost.empty() || IsLoopback(leftmost)) return {};
  return std::string(leftmost);
}

bool SameOrigin(std::string_view origin, std::string_view host) {
  std::string authority = Authority(origin);
  if (authority.empty() || host.empty()) return false;
  std::string_view scheme = origin.substr(0, origin.find("://"));
  std::string h = AsciiLower(Trim(host));
  return WithoutDefaultPort(authority, AsciiLower(scheme)) == WithoutDefaultPort(h, AsciiLower(scheme));
}

bool OriginAllowed(std::string_view origin, const std::vector<std::string>& allowed) {
  if (allowed.empty() || origin.empty()) return false;
  std::string o = AsciiLower(Trim(origin));
  return std::find(allowed.begin(), allowed.end(), o) != allowed.end();
}

bool CorsRoute(std::string_view route_path) {
  static constexpr std::string_view kRoutes[] = {
      "/api/v1/widget/sessions",
      "/api/v1/bot/answer",
      "/api/v1/kb/search",
      "/api/v1/kb/suggestions",
      "/api/v1/conversations/{id}",
      "/api/v1/conversations/{id}/messages",
      "/api/v1/conversations/{id}/feedback",
      "/api/v1/conversations/{id}/leave-message",
      "/api/v1/conversations/{id}/attachments",
      "/api/v1/attachments/{id}",
  };
  return std::find(std::begin(kRoutes), std::end(kRoutes), route_path) != std::end(kRoutes);
}

CrossOrigin ClassifyOrigin(std::string_view method, std::string_view origin, std::string_view sec_fetch_site,
                           std::string_view host, std::string_view route_path,
                           const std::vector<std::string>& allowed) {
  origin = Trim(origin);
  const std::string fetch_site = AsciiLower(Trim(sec_fetch_site));
  // Browsers set Sec-Fetch-Site themselves (a page cannot), so "same-origin" is believed even
  // when a proxy rewrote Host.
  if (fetch_site == "same-origin") return CrossOrigin::same;
  if (origin.empty() && fetch_site != "cross-site" && fetch_site != "same-site") return CrossOrigin::same;
  if (!origin.empty() && origin != "null" && SameOrigin(origin, host)) return CrossOrigin::same;
  if (!route_path.empty() && CorsRoute(route_path) && OriginAllowed(origin, allowed)) return CrossOrigin::allowed;
  const bool read = method == "GET" || method == "HEAD" || method == "OPTIONS";
  return read ? CrossOrigin::readonly : CrossOrigin::refused;
}

bool HostHeaderOk(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':' || c == '[' || c == ']';
  });
}

}  // namespace kefu::http
