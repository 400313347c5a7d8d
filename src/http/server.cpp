#include "http/server.hpp"

#include <openssl/sha.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <type_traits>

#include "auth/keys.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/api.hpp"
#include "http/bot_trainer.hpp"
#include "http/json_io.hpp"
#include "http/security.hpp"
#include "http/staff_auth.hpp"
#include "http/static_files.hpp"
#include "http/scheduler.hpp"
#include "http/sla.hpp"
#include "http/tasks.hpp"
#include "http/privacy_routes.hpp"
#include "http/webhook.hpp"
#include "http/complaints.hpp"
#include "http/workflow.hpp"

namespace kefu::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using asio::ip::tcp;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;
template <class Stream>
constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

// ---------- small shared pieces declared in api.hpp ----------

int HttpStatus(Code code) {
  switch (code) {
    case Code::invalid: return 400;
    case Code::unauthorized: return 401;
    case Code::forbidden: return 403;
    case Code::not_found: return 404;
    case Code::conflict: return 409;
    case Code::too_large: return 413;
    case Code::unsupported: return 415;
    case Code::rate_limited: return 429;
    case Code::unavailable: return 503;
    case Code::internal: return 500;
  }
  return 500;
}

Response Response::Fail(const Error& e) { return Json(HttpStatus(e.code), json::Error(e.code, e.message)); }

namespace {

int FromHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && FromHex(s[i + 1]) >= 0 && FromHex(s[i + 2]) >= 0) {
      out += static_cast<char>(FromHex(s[i + 1]) * 16 + FromHex(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

namespace {

// Whether a request target is an attachment upload (…/attachments, any query).
bool IsUploadTarget(std::string_view target) {
  target = target.substr(0, target.find('?'));
  constexpr std::string_view kSuffix = "/attachments";
  return target.size() > kSuffix.size() && target.substr(target.size() - kSuffix.size()) == kSuffix;
}

}  // namespace

std::optional<std::string> Request::Query(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq), true) == name)
      return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string_view BearerToken(std::string_view authorization) {
  authorization = Trim(authorization);
  if (authorization.size() > 7 && AsciiLower(authorization.substr(0, 7)) == "bearer ")
    return Trim(authorization.substr(7));
  return {};
}

awaitable<Result<Subject>> Authenticate(Context& ctx, std::string_view token, std::string_view ip) {
  const Millis now = Clock::System().Now();
  Subject s;
  if (auth::IsSessionToken(token)) {
    // Staff: the in-memory session table answers (docs/adr/0010); no database read.
    auto found = ctx.staff_auth->sessions().Check(token, now);
    if (!found) co_return MakeError(Code::unauthorized, "invalid or expired session");
    s.type = auth::SubjectType::staff;
    s.id = found->staff_id;
    s.name = std::move(found->name);
    s.verify_id = std::move(found->verify_id);
    s.role = found->role;
    s.desk = found->desk;
    if (found->needs_touch) {
      auto ignore = [](Result<int>) {};  // last use is best effort; the session stays valid
      ctx.store.TouchStaffSession(std::move(found->token_hash), now, ip.empty() ? std::move(found->ip) : std::string(ip),
                                  std::move(ignore));
    }
    co_return s;
  }
  auto claims = ctx.signer.Verify(token, now);
  if (!claims.ok()) co_return std::move(claims).error();
  s.type = claims->type;
  s.id = claims->subject;
  // Signed staff tokens are no longer issued; one from before is refused.
  if (claims->type == auth::SubjectType::staff) co_return MakeError(Code::unauthorized, "invalid token");
  {
    auto customer_fn = [&ctx, id = s.id] { return ctx.store.GetCustomer(id); };
    auto customer = co_await Blocking(ctx, std::move(customer_fn));
    if (!customer.ok()) co_return MakeError(Code::unauthorized, "invalid token");
    s.name = customer->name;
  }
  co_return s;
}

// ---------- the server ----------

struct Server::Impl {
  Impl(const ServerConfig& c, store::Store& s, const auth::TokenSigner& sg, const auth::Key& master)
      : config(c),
        store(s),
        signer(sg),
        pool(2),
        acceptor(io),
        signals(io, SIGTERM, SIGINT),
        sweep_timer(io),
        drain_timer(io),
        hub(io, pool, s, c.limits, metrics),
        ctx{config, io, pool, store, signer, hub, metrics, nullptr, {}, nullptr, nullptr, nullptr, {}, nullptr, nullptr},
        staff_auth(s, master, c.staff_session_ttl_ms),
        workflow(ctx, WorkflowTiming::From(c)),
        trainer(ctx, std::chrono::milliseconds(c.bot_retrain_delay_ms)),
        scheduler(ctx),
        sla(ctx),
        security_webhook(ctx) {
    ctx.workflow = &workflow;
    ctx.trainer = &trainer;
    ctx.scheduler = &scheduler;
    ctx.sla = &sla;
    ctx.staff_auth = &staff_auth;
    ctx.security_webhook = &security_webhook;
    hub.SetWorkflow(&workflow);
    hub.SetSla(&sla);
    unsigned char r[4];
    auth::RandomBytes(r, sizeof r);
    rid_prefix = HexEncode(std::string_view(reinterpret_cast<char*>(r), sizeof r));
  }

  std::string NextRid() { return rid_prefix + "-" + std::to_string(++rid_counter); }

  awaitable<void> Accept();
  awaitable<void> Session(tcp::socket socket);
  // One connection's requests, on a plain or TLS stream. `tls` owns the TLS stream (it outlives
  // this coroutine when the connection becomes a WebSocket); null for plain connections.
  template <class Stream>
  awaitable<void> Serve(Stream& stream, const std::string& peer, std::shared_ptr<TlsStream> tls);
  template <class Stream>
  awaitable<bool> Upgrade(Stream& stream, beast::flat_buffer& buffer, bhttp::request<bhttp::string_body>& req,
                          const std::string& rid, const std::string& ip, const std::string& client,
                          std::shared_ptr<TlsStream> tls);
  // Writes a JSON error answer (and the security headers) outside the route handlers.
  template <class Stream>
  awaitable<void> WriteError(Stream& stream, unsigned version, const Error& e, int status, std::string_view rid,
                             bool keep_alive, const std::vector<std::pair<std::string, std::string>>* headers = nullptr);
  // The Content-Security-Policy of an HTML page: the console may not be framed at all, the
  // widget page only by the configured origins.
  std::string PageCsp(bool console, std::string_view host) const;
  void BeginDrain(const char* why);
  void DrainStep(std::chrono::steady_clock::time_point deadline);
  void ScheduleSweep();

  const ServerConfig& config;
  store::Store& store;
  const auth::TokenSigner& signer;
  asio::io_context io{1};
  asio::thread_pool pool;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer sweep_timer;
  asio::steady_timer drain_timer;
  Metrics metrics;
  Hub hub;
  Context ctx;
  StaffAuth staff_auth;
  Workflow workflow;
  BotTrainer trainer;
  Scheduler scheduler;
  SlaService sla;
  SecurityWebhook security_webhook;
  StaticFiles static_files;
  std::string rid_prefix;
  std::uint64_t rid_counter = 0;
  std::optional<asio::ssl::context> ssl;  // set by Listen when TLS is configured
  TrustedNetworks trusted;
  RateLimiter ip_limiter{config.limits.ip_burst, config.limits.ip_per_second};
  RateLimiter token_limiter{config.limits.token_burst, config.limits.token_per_second};
  int active_requests = 0;
  bool draining = false;
  std::atomic<bool> stop_requested{false};
};

Server::Server(const ServerConfig& config, store::Store& store, const auth::TokenSigner& signer,
               const auth::Key& master_key)
    : impl_(std::make_unique<Impl>(config, store, signer, master_key)) {}

Server::~Server() {
  if (impl_) impl_->pool.join();
}

void Server::SetBot(std::shared_ptr<const bot::Bot> bot) { impl_->ctx.bot.Set(std::move(bot)); }

void Server::SetTestClock(SettableClock* clock) { impl_->ctx.test_clock = clock; }

Status Server::Listen() {
  // Staff sessions come from the store once; from here on the table is written through.
  KEFU_TRY(impl_->staff_auth.Load(Clock::System().Now()));
  KEFU_ASSIGN(trusted, TrustedNetworks::Parse(impl_->config.trusted_proxies));
  impl_->trusted = std::move(trusted);
  KEFU_TRY(LoadTls());
  KEFU_ASSIGN(hp, ParseHostPort(impl_->config.listen));
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(hp.host == "localhost" ? "127.0.0.1" : hp.host, ec);
  if (ec) return MakeError(Code::invalid, "listen address '" + impl_->config.listen + "': bad host");
  tcp::endpoint ep(addr, hp.port);
  auto& a = impl_->acceptor;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return MakeError(Code::unavailable, "cannot listen on " + impl_->config.listen + ": " + ec.message());
  impl_->static_files.Load(impl_->config.web_root);
  KEFU_ASSIGN(calendars, calendar::MakeCalendars(impl_->config.calendars));
  impl_->ctx.calendars = std::move(calendars);
  KEFU_TRY(impl_->workflow.Load());
  KEFU_TRY(impl_->sla.Load());
  impl_->workflow.RegisterTimers(impl_->scheduler);
  impl_->sla.RegisterTimers(impl_->scheduler);
  RegisterTaskTimers(impl_->ctx, impl_->scheduler);
  RegisterPrivacyTimers(impl_->ctx, impl_->scheduler);
  KEFU_TRY(impl_->security_webhook.Configure());
  impl_->security_webhook.RegisterTimers(impl_->scheduler);
  RegisterComplaintTimers(impl_->ctx, impl_->scheduler);
  return Ok();
}

namespace {

// The reason OpenSSL gave for the last failure, for start-up errors.
std::string SslReason(const boost::system::error_code& ec) {
  const char* reason = ERR_reason_error_string(ERR_peek_last_error());
  std::string out = reason ? reason : ec.message();
  ERR_clear_error();
  return out;
}

}  // namespace

Status Server::LoadTls() {
  const ServerConfig& c = impl_->config;
  if (c.tls_cert_file.empty() && c.tls_key_file.empty()) return Ok();
  if (c.tls_cert_file.empty() || c.tls_key_file.empty())
    return MakeError(Code::invalid, "--tls-cert and --tls-key go together: give both or neither");
  asio::ssl::context ctx(asio::ssl::context::tls_server);
  // TLS 1.2 and newer only; idle connections give their record buffers back.
  ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                  asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                  asio::ssl::context::single_dh_use);
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(c.tls_cert_file, ec);
  if (ec) return MakeError(Code::invalid, "--tls-cert " + c.tls_cert_file + ": cannot load a PEM certificate (" + SslReason(ec) + ")");
  ctx.use_private_key_file(c.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    std::string reason = SslReason(ec);
    if (reason.find("mismatch") != std::string::npos)
      return MakeError(Code::invalid, "--tls-key " + c.tls_key_file + " does not belong to the certificate in --tls-cert " + c.tls_cert_file);
    return MakeError(Code::invalid, "--tls-key " + c.tls_key_file + ": cannot load a PEM private key (" + reason + ")");
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    ERR_clear_error();
    return MakeError(Code::invalid, "--tls-key " + c.tls_key_file + " does not belong to the certificate in --tls-cert " + c.tls_cert_file);
  }
  impl_->ssl.emplace(std::move(ctx));
  return Ok();
}

std::string Server::local_address() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return {};
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

Status Server::Run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](const boost::system::error_code& ec, int sig) {
    if (!ec) s.BeginDrain(sig == SIGTERM ? "SIGTERM" : "SIGINT");
  });
  asio::co_spawn(s.io, s.Accept(), asio::detached);
  asio::co_spawn(s.io, s.workflow.AssignWaiting(), asio::detached);
  s.scheduler.Start();
  s.trainer.Watch(std::chrono::seconds(2));
  s.ScheduleSweep();
  if (s.stop_requested) asio::post(s.io, [&s] { s.BeginDrain("stop"); });
  s.io.run();
  s.pool.join();
  return Ok();
}

void Server::Stop() {
  impl_->stop_requested = true;
  asio::post(impl_->io, [s = impl_.get()] { s->BeginDrain("stop"); });
}

void Server::Impl::ScheduleSweep() {
  sweep_timer.expires_after(std::chrono::milliseconds(std::max<std::int64_t>(config.limits.ping_interval_ms / 3, 50)));
  sweep_timer.async_wait([this](const boost::system::error_code& ec) {
    if (ec || draining) return;
    using namespace std::chrono;
    const auto now = duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
    hub.Sweep(now);
    ip_limiter.Prune(now);
    token_limiter.Prune(now);
    ScheduleSweep();
  });
}

void Server::Impl::BeginDrain(const char* why) {
  if (draining) return;
  draining = true;
  log::Info("server.draining", {{"reason", why}, {"connections", hub.connection_count()}});
  boost::system::error_code ec;
  acceptor.close(ec);
  signals.cancel(ec);
  sweep_timer.cancel();
  trainer.Stop();
  scheduler.Stop();
  DrainStep(std::chrono::steady_clock::now() + std::chrono::seconds(10));
}

void Server::Impl::DrainStep(std::chrono::steady_clock::time_point deadline) {
  // Wait until every submitted write is answered, so no committed message goes un-acked.
  if ((hub.inflight() > 0 || active_requests > 0) && std::chrono::steady_clock::now() < deadline) {
    drain_timer.expires_after(std::chrono::milliseconds(5));
    drain_timer.async_wait([this, deadline](const boost::system::error_code&) { DrainStep(deadline); });
    return;
  }
  hub.CloseAll();
  // Give close frames a moment to leave, then stop the loop.
  drain_timer.expires_after(std::chrono::milliseconds(100));
  drain_timer.async_wait([this](const boost::system::error_code&) {
    log::Info("server.stopped", {});
    io.stop();
  });
}

awaitable<void> Server::Impl::Accept() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (draining || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors and the like: back off instead of spinning.
      log::Warn("http.accept_failed", {{"error", ec.message()}});
      asio::steady_timer t(io);
      t.expires_after(std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    asio::co_spawn(io, Session(std::move(socket)), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        log::Error("http.session_crashed", {{"error", ex.what()}});
      }
    });
  }
}

namespace {

std::string WebSocketAccept(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < sizeof digest; i += 3) {
    std::uint32_t v = digest[i] << 16;
    if (i + 1 < sizeof digest) v |= digest[i + 1] << 8;
    if (i + 2 < sizeof digest) v |= digest[i + 2];
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < sizeof digest ? kB64[(v >> 6) & 63] : '=';
    out += i + 2 < sizeof digest ? kB64[v & 63] : '=';
  }
  return out;
}

bool HeaderHasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (AsciiLower(Trim(value.substr(0, comma))) == token) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace


std::string ResponseHead::Serialize() const {
  std::string h;
  h.reserve(320 + rid.size() + csp.size());
  h += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  h += std::to_string(status);
  h += ' ';
  const std::string_view reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
  h.append(reason.data(), reason.size());
  auto field = [&h](std::string_view name, std::string_view value) {
    h += "\r\n";
    h += name;
    h += ": ";
    h += value;
  };
  auto given = [this](std::string_view name) {
    if (headers)
      for (const auto& [k, v] : *headers)
        if (AsciiLower(k) == AsciiLower(name)) return true;
    return false;
  };
  if (!given("Content-Type")) field("Content-Type", content_type);
  if (!given("Cache-Control")) field("Cache-Control", cache_control);
  if (headers)
    for (const auto& [k, v] : *headers) field(k, v);
  field("X-Request-Id", rid);
  field("X-Content-Type-Options", "nosniff");
  field("Referrer-Policy", "no-referrer");
  // A handler's own policy (an attachment download's sandbox) replaces the default one.
  if (!given("Content-Security-Policy"))
    field("Content-Security-Policy", csp.empty() ? std::string_view("default-src 'none'; frame-ancestors 'none'") : csp);
  if (!frame_options.empty()) field("X-Frame-Options", frame_options);
  if (hsts) field("Strict-Transport-Security", "max-age=31536000");
  if (version == 10 && keep_alive) field("Connection", "keep-alive");
  if (version != 10 && !keep_alive) field("Connection", "close");
  if (!(status < 200 || status == 204 || status == 304)) field("Content-Length", std::to_string(body_size));
  h += "\r\n\r\n";
  return h;
}

std::string Server::Impl::PageCsp(bool console, std::string_view host) const {
  std::string csp =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
      "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; connect-src 'self'";
  // The WebSocket to this very host ('self' covers ws: and wss: only in newer browsers).
  if (HostHeaderOk(host)) {
    csp += " wss://";
    csp += host;
    if (!ssl) {
      csp += " ws://";
      csp += host;
    }
  }
  csp += "; frame-ancestors ";
  if (console) {
    csp += "'none'";
  } else {
    csp += "'self'";
    for (const auto& o : config.allowed_origins) {
      csp += ' ';
      csp += o;
    }
  }
  return csp;
}

template <class Stream>
awaitable<void> Server::Impl::WriteError(Stream& stream, unsigned version, const Error& e, int status,
                                         std::string_view rid, bool keep_alive,
                                         const std::vector<std::pair<std::string, std::string>>* headers) {
  const std::string body = json::Error(e.code, e.message);
  ResponseHead head;
  head.version = version;
  head.status = status;
  head.content_type = "application/json";
  head.cache_control = "no-store";
  head.headers = headers;
  head.rid = rid;
  head.hsts = kTls<Stream>;
  head.keep_alive = keep_alive;
  head.body_size = body.size();
  const std::string bytes = head.Serialize();
  metrics.http_requests++;
  if (status >= 500) {
    metrics.http_errors_5xx++;
  } else {
    metrics.http_errors_4xx++;
  }
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(bytes), asio::buffer(body)};
  boost::system::error_code ec;
  co_await asio::async_write(stream, buffers, asio::redirect_error(asio::use_awaitable, ec));
}

namespace {

// TLS WebSockets (docs/adr/0015): the lean frame layer reads and writes a plain socket, so a TLS
// connection that upgrades gets one end of a socket pair and these two loops move the bytes
// between the other end and the TLS stream. Plain connections never pay for it.
struct TlsBridge {
  std::shared_ptr<TlsStream> tls;
  asio::local::stream_protocol::socket inner;
};

void CloseTcp(TlsBridge& b) {
  boost::system::error_code ec;
  beast::get_lowest_layer(*b.tls).socket().close(ec);
}

// The client's bytes, decrypted, to the frame layer.
awaitable<void> PumpIn(std::shared_ptr<TlsBridge> b) {
  std::array<char, 4096> buf;
  boost::system::error_code ec;
  for (;;) {
    std::size_t n = co_await b->tls->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(b->inner, asio::buffer(buf.data(), n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  b->inner.close(ec);  // the frame layer sees the end of the connection
  CloseTcp(*b);
}

// The frame layer's bytes, encrypted, to the client.
awaitable<void> PumpOut(std::shared_ptr<TlsBridge> b) {
  std::array<char, 4096> buf;
  boost::system::error_code ec;
  for (;;) {
    std::size_t n = co_await b->inner.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    co_await asio::async_write(*b->tls, asio::buffer(buf.data(), n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
  }
  // The frame layer closed (after its close frame): give the client a moment to answer it.
  auto& tcp_socket = beast::get_lowest_layer(*b->tls).socket();
  tcp_socket.shutdown(tcp::socket::shutdown_send, ec);
  asio::steady_timer grace(tcp_socket.get_executor());
  grace.expires_after(std::chrono::seconds(2));
  co_await grace.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  CloseTcp(*b);
}

// The deadline of a request being read. Beast's tcp_stream closes the socket when its timer
// fires, which leaves no way to answer 408; this cancels the pending read instead. The
// generation makes a late-running handler of an earlier arming harmless.
struct Watchdog {
  explicit Watchdog(const asio::any_io_executor& ex) : timer(ex) {}
  asio::steady_timer timer;
  std::uint64_t generation = 0;
  bool fired = false;

  void Arm(tcp::socket& socket, std::chrono::steady_clock::time_point when, const std::shared_ptr<Watchdog>& self) {
    fired = false;
    const std::uint64_t gen = ++generation;
    timer.expires_at(when);
    timer.async_wait([self, &socket, gen](const boost::system::error_code& ec) {
      if (ec || self->generation != gen) return;
      self->fired = true;
      boost::system::error_code ignored;
      socket.cancel(ignored);
    });
  }
  void Disarm() {
    ++generation;
    timer.cancel();
  }
};

}  // namespace

template <class Stream>
awaitable<bool> Server::Impl::Upgrade(Stream& stream, beast::flat_buffer& buffer,
                                      bhttp::request<bhttp::string_body>& req, const std::string& rid,
                                      const std::string& ip, const std::string& client,
                                      std::shared_ptr<TlsStream> tls) {
  auto reject = [&](int status, Code code, std::string msg) -> awaitable<bool> {
    co_await WriteError(stream, req.version(), MakeError(code, std::move(msg)), status, rid, false);
    log::Info("ws.rejected", {{"rid", rid}, {"status", status}, {"ip", ip}});
    co_return false;
  };
  if (req.method() != bhttp::verb::get || !HeaderHasToken(req[bhttp::field::connection], "upgrade") ||
      AsciiLower(req[bhttp::field::upgrade]) != "websocket" || req[bhttp::field::sec_websocket_key].empty())
    co_return co_await reject(400, Code::invalid, "expected a WebSocket upgrade request");
  if (req[bhttp::field::sec_websocket_version] != "13")
    co_return co_await reject(400, Code::invalid, "Sec-WebSocket-Version must be 13");
  if (draining) co_return co_await reject(503, Code::unavailable, "the server is shutting down");
  // A page of another site must not open a WebSocket with a token it got hold of (cross-site
  // WebSocket hijacking needs ambient credentials, which kefu does not use; this is defence in
  // depth): only this origin and the allowed ones.
  if (std::string_view origin = Trim(req[bhttp::field::origin]);
      !origin.empty() && AsciiLower(Trim(req["Sec-Fetch-Site"])) != "same-origin" &&
      !SameOrigin(origin, req[bhttp::field::host]) && !OriginAllowed(origin, config.allowed_origins))
    co_return co_await reject(403, Code::forbidden, "WebSocket connections from this origin are not allowed");
  if (!client.empty() && config.limits.ip_ws_connections > 0 &&
      hub.ConnectionsFrom(client) >= config.limits.ip_ws_connections)
    co_return co_await reject(429, Code::rate_limited,
                              "too many WebSocket connections from this address (" +
                                  std::to_string(config.limits.ip_ws_connections) + ")");
  Request parsed;
  std::string_view target = req.target();
  if (size_t q = target.find('?'); q != std::string_view::npos) parsed.query = std::string(target.substr(q + 1));
  std::string token = parsed.Query("token").value_or("");
  if (token.empty()) token = std::string(BearerToken(req[bhttp::field::authorization]));
  if (token.empty()) co_return co_await reject(401, Code::unauthorized, "a token is required");
  auto who = co_await Authenticate(ctx, token, ip);
  if (!who.ok()) co_return co_await reject(401, Code::unauthorized, who.error().message);

  std::string head =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      WebSocketAccept(Trim(req[bhttp::field::sec_websocket_key])) + "\r\n\r\n";
  boost::system::error_code ec;
  beast::get_lowest_layer(stream).expires_never();
  co_await asio::async_write(stream, asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  std::string leftover(static_cast<const char*>(buffer.data().data()), buffer.size());
  tcp::socket socket(io);
  if constexpr (kTls<Stream>) {
    asio::local::stream_protocol::socket outer(io), inner(io);
    asio::local::connect_pair(outer, inner, ec);
    if (!ec) socket.assign(tcp::v4(), outer.release(ec), ec);
    if (ec) {
      log::Warn("ws.tls_bridge_failed", {{"rid", rid}, {"error", ec.message()}});
      co_return false;
    }
    auto bridge = std::make_shared<TlsBridge>(TlsBridge{std::move(tls), std::move(inner)});
    asio::co_spawn(io, PumpIn(bridge), asio::detached);
    asio::co_spawn(io, PumpOut(std::move(bridge)), asio::detached);
  } else {
    (void)tls;
    socket = stream.release_socket();
  }
  WsLimits limits{static_cast<std::size_t>(config.limits.frame_bytes)};
  auto conn = std::make_shared<WsConnection>(std::move(socket), limits, hub);
  conn->set_remote_ip(client);
  log::Debug("ws.open", {{"rid", rid}, {"subject", who->is_staff() ? "staff" : "customer"}, {"id", who->id}});
  hub.Attach(std::move(conn), std::move(who).value(), std::move(leftover));
  co_return true;
}

awaitable<void> Server::Impl::Session(tcp::socket socket) {
  boost::system::error_code ec;
  std::string ip;
  if (auto ep = socket.remote_endpoint(ec); !ec) ip = ep.address().to_string();
  if (!ssl) {
    beast::tcp_stream stream(std::move(socket));
    co_await Serve(stream, ip, nullptr);
    co_return;
  }
  auto tls = std::make_shared<TlsStream>(beast::tcp_stream(std::move(socket)), *ssl);
  beast::get_lowest_layer(*tls).expires_after(std::chrono::milliseconds(config.limits.header_timeout_ms));
  co_await tls->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    // A plain-HTTP client on the TLS port gets a plain answer saying so, then the door closes.
    if (ec.category() == asio::error::get_ssl_category() && ERR_GET_REASON(ec.value()) == SSL_R_HTTP_REQUEST) {
      static constexpr std::string_view kPlain =
          "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 77\r\n\r\n"
          R"({"error":{"code":"invalid","message":"this port speaks HTTPS; use https://"}})";
      static_assert(kPlain.size() - kPlain.find("\r\n\r\n") - 4 == 77);
      auto& raw = beast::get_lowest_layer(*tls);
      raw.expires_after(std::chrono::seconds(5));
      co_await asio::async_write(raw, asio::buffer(kPlain.data(), kPlain.size()), asio::redirect_error(asio::use_awaitable, ec));
      metrics.http_requests++;
      metrics.http_errors_4xx++;
    }
    log::Debug("tls.handshake_failed", {{"ip", ip}, {"error", ec.message()}});
    boost::system::error_code ignored;
    beast::get_lowest_layer(*tls).socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return;
  }
  co_await Serve(*tls, ip, tls);
}

template <class Stream>
awaitable<void> Server::Impl::Serve(Stream& stream, const std::string& ip, std::shared_ptr<TlsStream> tls) {
  using Clock = std::chrono::steady_clock;
  boost::system::error_code ec;
  auto& tcp_stream = beast::get_lowest_layer(stream);
  beast::flat_buffer buffer;
  std::shared_ptr<Watchdog> watchdog;  // made at the first request
  bool first = true;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.limits.header_bytes));
    std::int64_t body_limit = config.limits.body_bytes;
    parser.body_limit(static_cast<std::uint64_t>(body_limit));
    // Between requests a keep-alive connection may idle; once a request's first byte is in, its
    // head must follow within header_timeout_ms and the whole request within request_timeout_ms
    // (a client dribbling bytes is cut off, whatever its pace).
    if (buffer.size() == 0) {
      tcp_stream.expires_after(std::chrono::milliseconds(first ? config.limits.header_timeout_ms
                                                               : config.limits.idle_timeout_ms));
      const std::size_t n = co_await stream.async_read_some(buffer.prepare(2048), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;  // closed or idle too long: nothing to answer
      buffer.commit(n);
    }
    first = false;
    const auto started = Clock::now();
    const auto request_deadline = started + std::chrono::milliseconds(config.limits.request_timeout_ms);
    tcp_stream.expires_never();
    if (!watchdog) watchdog = std::make_shared<Watchdog>(tcp_stream.get_executor());
    watchdog->Arm(tcp_stream.socket(),
                  std::min(started + std::chrono::milliseconds(config.limits.header_timeout_ms), request_deadline),
                  watchdog);
    co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    bool too_many = false;
    if (!ec) {
      too_many = std::distance(parser.get().begin(), parser.get().end()) > config.limits.header_count;
      // Uploads (a file as the body) may be larger than JSON bodies; nothing else may.
      if (!parser.is_done() && parser.get().method() == bhttp::verb::post && IsUploadTarget(parser.get().target())) {
        body_limit = config.limits.attachment_bytes;
        parser.body_limit(static_cast<std::uint64_t>(body_limit));
      }
      if (!too_many && !parser.is_done()) {
        // A big body may take longer, but at no less than 32 KiB/s on average.
        const auto length = parser.content_length().value_or(0);
        watchdog->Arm(tcp_stream.socket(), request_deadline + std::chrono::milliseconds(length / 32), watchdog);
        co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    const bool timed_out = watchdog->fired;
    watchdog->Disarm();
    if (ec || too_many) {
      int status = 0;
      Code code = Code::invalid;
      std::string msg;
      if (too_many) {
        status = 431, code = Code::too_large,
        msg = "more than " + std::to_string(config.limits.header_count) + " header fields";
      } else if (timed_out) {
        status = 408, msg = parser.is_header_done()
                                ? "request not received within " + std::to_string(config.limits.request_timeout_ms) + " ms"
                                : "request head not received within " + std::to_string(config.limits.header_timeout_ms) + " ms";
      } else if (ec == bhttp::error::body_limit) {
        status = 413, code = Code::too_large, msg = "request body larger than " + std::to_string(body_limit) + " bytes";
      } else if (ec == bhttp::error::header_limit) {
        status = 431, code = Code::too_large, msg = "request header too large";
      } else if (std::string_view(ec.category().name()) == "beast.http" &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        status = 400, msg = "malformed HTTP request";
      }
      if (status) {
        log::Info("http.refused", {{"status", status}, {"ip", ip}, {"reason", msg}});
        co_await WriteError(stream, 11, MakeError(code, msg), status, NextRid(), false);
      }
      break;
    }
    tcp_stream.expires_never();
    auto& req = parser.get();
    std::string rid;
    if (auto given = req["X-Request-Id"]; !given.empty() && given.size() <= 64 &&
                                          std::all_of(given.begin(), given.end(), [](char c) {
                                            return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
                                          })) {
      rid = std::string(given);
    } else {
      rid = NextRid();
    }
    std::string_view target = req.target();
    std::string_view raw_path = target.substr(0, target.find('?'));
    std::string path = PercentDecode(raw_path, false);
    const bool upgrade = path == "/api/v1/ws";

    // Rate limits: per client address (REST and WebSocket handshakes), per bearer token (REST).
    const std::string client = ClientAddress(ip, req["X-Forwarded-For"], trusted);
    if (path != "/healthz") {
      using namespace std::chrono;
      const std::int64_t now_ms = duration_cast<milliseconds>(Clock::now().time_since_epoch()).count();
      std::int64_t retry_ms = 0;
      std::string_view token = upgrade ? std::string_view() : BearerToken(req[bhttp::field::authorization]);
      const char* which = nullptr;
      if (!client.empty() && !ip_limiter.Take(client, now_ms, retry_ms)) {
        which = "too many requests from this address";
      } else if (!token.empty() && !token_limiter.Take(token, now_ms, retry_ms)) {
        which = "too many requests with this token";
      }
      if (which) {
        const std::vector<std::pair<std::string, std::string>> retry{
            {"Retry-After", std::to_string(std::max<std::int64_t>(1, (retry_ms + 999) / 1000))}};
        log::Info("http.rate_limited", {{"rid", rid}, {"ip", ip}, {"client", client}, {"path", raw_path},
                                        {"by", token.empty() || client.empty() ? "address" : "token"}});
        const bool keep = req.keep_alive() && !draining;
        co_await WriteError(stream, req.version(), MakeError(Code::rate_limited, std::string(which) + "; retry later"),
                            429, rid, keep, &retry);
        if (!keep) break;
        continue;
      }
    }

    if (upgrade) {
      bool upgraded = co_await Upgrade(stream, buffer, req, rid, ip, client, tls);
      metrics.http_requests++;
      if (upgraded) co_return;
      break;
    }

    Request r;
    r.method = std::string(req.method_string());
    r.path = path;
    if (size_t q = target.find('?'); q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
    r.body = std::move(req.body());
    r.authorization = std::string(req[bhttp::field::authorization]);
    r.remote_ip = ip;
    r.user_agent = std::string(req[bhttp::field::user_agent]);
    r.accept_language = std::string(req[bhttp::field::accept_language]).substr(0, 256);
    r.forwarded_for = std::string(req["X-Forwarded-For"]).substr(0, 512);
    r.rid = rid;

    Response out;
    std::string csp;
    std::string_view frame_options;
    const StaticFile* file = nullptr;
    bool path_known = false;
    const std::string_view origin = Trim(req[bhttp::field::origin]);
    const std::string_view host = req[bhttp::field::host];
    const bool preflight = req.method() == bhttp::verb::options && !origin.empty() &&
                           !req[bhttp::field::access_control_request_method].empty();
    const Route* route = nullptr;
    CrossOrigin cross = CrossOrigin::same;
    if (preflight) {
      // CORS preflight: only the widget's public routes, only for the configured origins.
      std::string wanted(Trim(req[bhttp::field::access_control_request_method]));
      route = MatchRoute(wanted, r.path, r.params, path_known);
      if (route && CorsRoute(route->path) && OriginAllowed(origin, config.allowed_origins)) {
        out.status = 204;
        out.headers = {{"Access-Control-Allow-Origin", std::string(origin)},
                       {"Access-Control-Allow-Methods", wanted},
                       {"Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id"},
                       {"Access-Control-Max-Age", "600"},
                       {"Vary", "Origin"}};
      } else {
        out = Response::Fail(MakeError(Code::forbidden, "cross-origin requests to this route are not allowed from this origin"));
      }
      route = nullptr;
    } else {
      route = MatchRoute(r.method, r.path, r.params, path_known);
      cross = ClassifyOrigin(r.method, origin, req["Sec-Fetch-Site"], host, route ? route->path : "",
                             config.allowed_origins);
    }
    if (preflight) {
      // answered above
    } else if (cross == CrossOrigin::refused) {
      // CSRF: kefu authenticates with bearer tokens, never cookies, so a cross-site form or fetch
      // carries no credentials; refusing cross-site state changes outright keeps it that way
      // even if a cookie is ever added (docs/adr/0014).
      log::Info("http.cross_site_refused", {{"rid", rid}, {"path", raw_path}, {"ip", ip}});
      out = Response::Fail(MakeError(Code::forbidden, "cross-site request refused"));
    } else if (route && route->handler) {
      ++active_requests;
      try {
        // The access gate (docs/adr/0019): one place for 401 and a role's 403.
        auto gate = co_await CheckAccess(route->access, r, ctx);
        if (!gate.ok())
          out = Response::Fail(gate.error());
        else
          out = co_await route->handler(r, ctx);
      } catch (const std::exception& e) {
        log::Error("http.handler_crashed", {{"rid", rid}, {"error", e.what()}});
        out = Response::Fail(MakeError(Code::internal, "internal error; request id " + rid));
      }
      --active_requests;
    } else if ((req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) &&
               !path.starts_with("/api/") && (file = static_files.Find(path)) != nullptr) {
      if (file->content_type.starts_with("text/html")) {
        const bool console = path.starts_with("/console");
        csp = PageCsp(console, host);
        frame_options = console ? "DENY" : config.allowed_origins.empty() ? "SAMEORIGIN" : "";
      }
    } else if (path_known) {
      out = Response::Fail(MakeError(Code::invalid, "method not allowed"));
      out.status = 405;
    } else {
      out = Response::Fail(MakeError(Code::not_found, "no such route: " + std::string(raw_path)));
    }
    if (cross == CrossOrigin::allowed) {
      out.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
      out.headers.emplace_back("Access-Control-Expose-Headers", "Retry-After, X-Request-Id");
      out.headers.emplace_back("Vary", "Origin");
    }

    // The response head is written by hand (the same fields, in the same order, as Beast's
    // serializer wrote): Beast's message fields and serializer cost more than the rest of a
    // small JSON request's handling.
    const bool keep = req.keep_alive() && !draining;
    const int status = file ? 200 : out.status;
    std::string_view body;
    if (file) {
      if (req.method() != bhttp::verb::head) body = file->body;
    } else {
      body = out.body;
    }
    ResponseHead head;
    head.version = req.version();
    head.status = status;
    head.content_type = file ? std::string_view(file->content_type) : std::string_view(out.content_type);
    head.cache_control = file ? (file->immutable ? "public, max-age=31536000, immutable" : "no-cache") : "no-store";
    if (!file) head.headers = &out.headers;
    head.rid = rid;
    head.csp = csp;
    head.frame_options = frame_options;
    head.hsts = kTls<Stream>;
    head.keep_alive = keep;
    head.body_size = body.size();
    std::string head_bytes = head.Serialize();
    metrics.http_requests++;
    if (status >= 500) {
      metrics.http_errors_5xx++;
    } else if (status >= 400) {
      metrics.http_errors_4xx++;
    }
    tcp_stream.expires_after(std::chrono::seconds(30));
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_bytes), asio::buffer(body.data(), body.size())};
    co_await asio::async_write(stream, buffers, asio::redirect_error(asio::use_awaitable, ec));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    // The query string is never logged: it may carry a token.
    log::Info("http.request", {{"rid", rid}, {"method", r.method}, {"path", raw_path}, {"status", status},
                               {"ms", ms}, {"ip", ip}});
    if (ec || !keep) break;
  }
  tcp_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace kefu::http
