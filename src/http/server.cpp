#include "http/server.hpp"

#include <openssl/sha.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
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
#include <thread>

#include "auth/keys.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/api.hpp"
#include "http/bot_trainer.hpp"
#include "http/json_io.hpp"
#include "http/staff_auth.hpp"
#include "http/static_files.hpp"
#include "http/scheduler.hpp"
#include "http/sla.hpp"
#include "http/tasks.hpp"
#include "http/privacy_routes.hpp"
#include "http/webhook.hpp"
#include "http/workflow.hpp"

namespace kefu::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;
using asio::ip::tcp;

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
    s.role = found->role;
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
        ctx{config, io, pool, store, signer, hub, metrics, nullptr, {}, nullptr, nullptr, nullptr, {}, nullptr, nullptr, nullptr},
        staff_auth(s, master, c.staff_session_ttl_ms),
        attachment_box(auth::DeriveKey(master, "attach01")),
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
    ctx.attachment_box = &attachment_box;
    ctx.security_webhook = &security_webhook;
    hub.SetWorkflow(&workflow);
    unsigned char r[4];
    auth::RandomBytes(r, sizeof r);
    rid_prefix = HexEncode(std::string_view(reinterpret_cast<char*>(r), sizeof r));
  }

  std::string NextRid() { return rid_prefix + "-" + std::to_string(++rid_counter); }

  awaitable<void> Accept();
  awaitable<void> Session(tcp::socket socket);
  awaitable<bool> Upgrade(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                          bhttp::request<bhttp::string_body>& req, const std::string& rid, const std::string& ip);
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
  auth::SecretBox attachment_box;
  Workflow workflow;
  BotTrainer trainer;
  Scheduler scheduler;
  SlaService sla;
  SecurityWebhook security_webhook;
  StaticFiles static_files;
  std::string rid_prefix;
  std::uint64_t rid_counter = 0;
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
    hub.Sweep(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
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
  h.reserve(256 + rid.size());
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
  if (html) {
    field("Content-Security-Policy",
          "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; "
          "style-src 'self' 'unsafe-inline'; frame-ancestors 'self'");
    field("X-Frame-Options", "SAMEORIGIN");
  }
  if (version == 10 && keep_alive) field("Connection", "keep-alive");
  if (version != 10 && !keep_alive) field("Connection", "close");
  if (!(status < 200 || status == 204 || status == 304)) field("Content-Length", std::to_string(body_size));
  h += "\r\n\r\n";
  return h;
}

namespace {

}  // namespace

awaitable<bool> Server::Impl::Upgrade(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                      bhttp::request<bhttp::string_body>& req, const std::string& rid,
                                      const std::string& ip) {
  auto reject = [&](int status, Code code, std::string msg) -> awaitable<bool> {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), req.version()};
    res.set(bhttp::field::content_type, "application/json");
    res.set("X-Request-Id", rid);
    res.body() = json::Error(code, msg);
    res.prepare_payload();
    res.keep_alive(false);
    boost::system::error_code ec;
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    log::Info("ws.rejected", {{"rid", rid}, {"status", status}, {"ip", ip}});
    co_return false;
  };
  if (req.method() != bhttp::verb::get || !HeaderHasToken(req[bhttp::field::connection], "upgrade") ||
      AsciiLower(req[bhttp::field::upgrade]) != "websocket" || req[bhttp::field::sec_websocket_key].empty())
    co_return co_await reject(400, Code::invalid, "expected a WebSocket upgrade request");
  if (req[bhttp::field::sec_websocket_version] != "13")
    co_return co_await reject(400, Code::invalid, "Sec-WebSocket-Version must be 13");
  if (draining) co_return co_await reject(503, Code::unavailable, "the server is shutting down");
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
  co_await asio::async_write(stream.socket(), asio::buffer(head), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  std::string leftover(static_cast<const char*>(buffer.data().data()), buffer.size());
  tcp::socket socket = stream.release_socket();
  WsLimits limits{static_cast<std::size_t>(config.limits.frame_bytes)};
  auto conn = std::make_shared<WsConnection>(std::move(socket), limits, hub);
  log::Debug("ws.open", {{"rid", rid}, {"subject", who->is_staff() ? "staff" : "customer"}, {"id", who->id}});
  hub.Attach(std::move(conn), std::move(who).value(), std::move(leftover));
  co_return true;
}

awaitable<void> Server::Impl::Session(tcp::socket socket) {
  boost::system::error_code ec;
  std::string ip;
  if (auto ep = socket.remote_endpoint(ec); !ec) ip = ep.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  bool first = true;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(config.limits.header_bytes));
    std::int64_t body_limit = config.limits.body_bytes;
    parser.body_limit(static_cast<std::uint64_t>(body_limit));
    stream.expires_after(std::chrono::milliseconds(first ? config.limits.header_timeout_ms
                                                         : config.limits.idle_timeout_ms));
    first = false;
    co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    // Uploads (a file as the body) may be larger than JSON bodies; nothing else may.
    if (!ec && !parser.is_done() && parser.get().method() == bhttp::verb::post &&
        IsUploadTarget(parser.get().target())) {
      body_limit = config.limits.attachment_bytes;
      parser.body_limit(static_cast<std::uint64_t>(body_limit));
    }
    if (!ec && !parser.is_done())
      co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      int status = 0;
      Code code = Code::invalid;
      std::string msg;
      if (ec == bhttp::error::body_limit) {
        status = 413, code = Code::too_large, msg = "request body larger than " + std::to_string(body_limit) + " bytes";
      } else if (ec == bhttp::error::header_limit) {
        status = 431, code = Code::too_large, msg = "request header too large";
      } else if (std::string_view(ec.category().name()) == "beast.http" &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        status = 400, msg = "malformed HTTP request";
      }
      if (status) {
        bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), 11};
        res.set(bhttp::field::content_type, "application/json");
        res.body() = json::Error(code, msg);
        res.prepare_payload();
        res.keep_alive(false);
        stream.expires_after(std::chrono::seconds(5));
        co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
        metrics.http_requests++;
        metrics.http_errors_4xx++;
      }
      break;
    }
    stream.expires_never();
    auto& req = parser.get();
    const auto started = std::chrono::steady_clock::now();
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

    if (path == "/api/v1/ws") {
      bool upgraded = co_await Upgrade(stream, buffer, req, rid, ip);
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
    r.rid = rid;

    Response out;
    bool html = false;
    const StaticFile* file = nullptr;
    bool path_known = false;
    const Route* route = MatchRoute(r.method, r.path, r.params, path_known);
    if (route && route->handler) {
      ++active_requests;
      try {
        out = co_await route->handler(r, ctx);
      } catch (const std::exception& e) {
        log::Error("http.handler_crashed", {{"rid", rid}, {"error", e.what()}});
        out = Response::Fail(MakeError(Code::internal, "internal error; request id " + rid));
      }
      --active_requests;
    } else if ((req.method() == bhttp::verb::get || req.method() == bhttp::verb::head) &&
               !path.starts_with("/api/") && (file = static_files.Find(path)) != nullptr) {
      html = file->content_type.starts_with("text/html");
    } else if (path_known) {
      out = Response::Fail(MakeError(Code::invalid, "method not allowed"));
      out.status = 405;
    } else {
      out = Response::Fail(MakeError(Code::not_found, "no such route: " + std::string(raw_path)));
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
    head.html = html;
    head.keep_alive = keep;
    head.body_size = body.size();
    std::string head_bytes = head.Serialize();
    metrics.http_requests++;
    if (status >= 500) {
      metrics.http_errors_5xx++;
    } else if (status >= 400) {
      metrics.http_errors_4xx++;
    }
    stream.expires_after(std::chrono::seconds(30));
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_bytes), asio::buffer(body.data(), body.size())};
    co_await asio::async_write(stream, buffers, asio::redirect_error(asio::use_awaitable, ec));
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    // The query string is never logged: it may carry a token.
    log::Info("http.request", {{"rid", rid}, {"method", r.method}, {"path", raw_path}, {"status", status},
                               {"ms", ms}, {"ip", ip}});
    if (ec || !keep) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace kefu::http
