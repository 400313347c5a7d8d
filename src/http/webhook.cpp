#include "http/webhook.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <chrono>

#include "auth/webhook_signature.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/scheduler.hpp"

namespace kefu::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::awaitable;

namespace {
constexpr std::string_view kTimerKind = "webhook.delivery";  // store/sqlite/outbox.hpp
constexpr size_t kMaxAnswerBytes = 64 << 10;
}  // namespace

Status SecurityWebhook::Configure() {
  const std::string& url = ctx_.config.security_webhook_url;
  if (url.empty()) return Ok();
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0)
    return MakeError(Code::invalid, "security.webhook_url: only http:// is supported, got '" + url + "'");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  target_ = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos)
    return MakeError(Code::invalid, "security.webhook_url: expected http://host[:port]/path, got '" + url + "'");
  host_header_ = std::string(authority);
  if (authority.front() == '[') {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return MakeError(Code::invalid, "security.webhook_url: unclosed '[' in '" + url + "'");
    host_ = std::string(authority.substr(1, close - 1));
    port_ = close + 1 < authority.size() && authority[close + 1] == ':' ? std::string(authority.substr(close + 2)) : "80";
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host_ = std::string(authority.substr(0, colon));
    port_ = std::string(authority.substr(colon + 1));
  } else {
    host_ = std::string(authority);
    port_ = "80";
  }
  const auto port = ParseInt(port_);
  if (host_.empty() || !port || *port < 1 || *port > 65535) {
    host_.clear();
    return MakeError(Code::invalid, "security.webhook_url: bad host or port in '" + url + "'");
  }
  log::Info("webhook.configured", {{"host", host_}, {"port", port_}, {"target", target_}});
  return Ok();
}

void SecurityWebhook::RegisterTimers(Scheduler& scheduler) {
  scheduler_ = &scheduler;
  // Registered even when the URL was removed from the configuration: pending deliveries then
  // wait (and are retried once it is back) rather than being dropped.
  Scheduler::Handler attempt = [this](store::Timer timer) { return Attempt(std::move(timer)); };
  scheduler.On(std::string(kTimerKind), std::move(attempt));
}

Millis SecurityWebhook::Backoff(int attempts, Millis retry_ms, Millis cap_ms) {
  Millis delay = retry_ms;
  for (int i = 1; i < attempts && delay < cap_ms; ++i) delay *= 2;
  return std::min(delay, cap_ms);
}

std::string SecurityWebhook::Body(const store::WebhookDelivery& d) {
  std::string out = "{\"type\":";
  AppendJsonString(out, d.event);
  out += ",\"delivery_id\":";
  AppendJsonString(out, d.delivery_id);
  out += ",\"occurred_at\":\"" + FormatRfc3339(d.created_at) + "\",\"trigger\":";
  AppendJsonString(out, d.trigger);
  out += ",\"desk\":";
  AppendJsonString(out, d.desk);
  out += ",\"reason\":";
  AppendJsonString(out, d.reason);
  out += ",\"conversation_id\":" + (d.conversation_id ? std::to_string(d.conversation_id) : std::string("null"));
  out += ",\"ticket_id\":" + (d.ticket_id ? std::to_string(d.ticket_id) : std::string("null"));
  out += ",\"customer\":";
  if (d.customer_id) {
    out += "{\"id\":" + std::to_string(d.customer_id) + ",\"name\":";
    AppendJsonString(out, d.customer_name);
    out += ",\"lang\":";
    AppendJsonString(out, d.customer_lang);
    out += ",\"identities\":";
    json::AppendArray(out, d.identities, [](std::string& o, const store::CustomerIdentity& i) {
      o += "{\"channel\":";
      AppendJsonString(o, i.channel);
      o += ",\"id\":";
      AppendJsonString(o, i.external_id);
      o += i.verified ? ",\"verified\":true}" : ",\"verified\":false}";
    });
    out += '}';
  } else {
    out += "null";
  }
  out += '}';
  return out;
}

awaitable<Status> SecurityWebhook::Attempt(store::Timer timer) {
  const domain::Id id = timer.ref_id;
  auto load = [this, id] { return ctx_.store.GetWebhookDelivery(id); };
  auto delivery = co_await Blocking(ctx_, std::move(load));
  if (!delivery.ok()) {
    if (delivery.error().code != Code::not_found) co_return std::move(delivery).error();
    co_return co_await scheduler_->Discard(timer);
  }
  if (delivery->state != "pending") co_return co_await scheduler_->Discard(timer);
  const Millis now = Clock::System().Now();
  const Millis timeout = ctx_.config.security_webhook_timeout_ms;
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  if (!enabled() || inflight_.contains(id)) {
    // No URL (any more), or the last attempt still awaits its answer: look again later without
    // counting an attempt.
    f.next.push_back(store::NewTimer{std::string(kTimerKind), id, now + std::max(timeout, Millis{1000}), "{}", true});
    auto fired = co_await scheduler_->Fire(std::move(f));
    co_return fired.ok() ? Ok() : Scheduler::Unfired(std::move(fired).error());
  }
  if (delivery->attempts >= ctx_.config.security_webhook_max_attempts) {
    f.webhook = store::WebhookAttempt{id, /*give_up=*/true};
    store::Event e;
    e.conversation_id = delivery->conversation_id;
    e.ticket_id = delivery->ticket_id;
    e.type = "webhook.failed";
    e.at = now;
    e.data_json = "{\"delivery_id\":";
    AppendJsonString(e.data_json, delivery->delivery_id);
    e.data_json += ",\"attempts\":" + std::to_string(delivery->attempts) + ",\"error\":";
    AppendJsonString(e.data_json, delivery->last_error);
    e.data_json += '}';
    f.events.push_back(e);
    auto fired = co_await scheduler_->Fire(std::move(f));
    if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
    std::string frame = "{\"type\":\"webhook.failed\",\"delivery_id\":";
    AppendJsonString(frame, delivery->delivery_id);
    frame += ",\"conversation_id\":" + std::to_string(delivery->conversation_id) +
             ",\"ticket_id\":" + std::to_string(delivery->ticket_id) +
             ",\"attempts\":" + std::to_string(delivery->attempts) + ",\"error\":";
    AppendJsonString(frame, delivery->last_error);
    frame += '}';
    ctx_.hub.NotifyStaff(frame, domain::Desk::security, 0);  // the security desk and supervisors
    log::Error("webhook.failed", {{"delivery_id", delivery->delivery_id}, {"attempts", delivery->attempts},
                                  {"error", delivery->last_error}});
    co_return Ok();
  }
  // Count the attempt and arm the next one before sending: a crash from here on retries.
  const int attempt = delivery->attempts + 1;
  const Millis retry_at =
      now + std::max(Backoff(attempt, ctx_.config.security_webhook_retry_ms, ctx_.config.security_webhook_retry_cap_ms),
                     timeout);
  f.webhook = store::WebhookAttempt{id, false};
  f.next.push_back(store::NewTimer{std::string(kTimerKind), id, retry_at, "{}", true});
  auto fired = co_await scheduler_->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  delivery->attempts = attempt;
  inflight_.insert(id);
  auto send = Send(std::move(delivery).value());
  asio::co_spawn(ctx_.io, std::move(send), asio::detached);
  co_return Ok();
}

awaitable<void> SecurityWebhook::Send(store::WebhookDelivery d) {
  std::string error;
  try {
    const std::string body = Body(d);
    error = co_await Post(d, body);
  } catch (const std::exception& e) {
    error = std::string("internal: ") + e.what();
  }
  inflight_.erase(d.id);
  store::WebhookResult r{d.id, error.empty(), error, Clock::System().Now()};
  if (error.empty()) {
    log::Info("webhook.delivered", {{"delivery_id", d.delivery_id}, {"attempt", d.attempts}});
  } else {
    log::Warn("webhook.attempt_failed", {{"delivery_id", d.delivery_id}, {"attempt", d.attempts}, {"error", error}});
  }
  auto submit = [this, r = std::move(r)](store::Callback<store::WebhookDelivery> done) mutable {
    ctx_.store.RecordWebhookResult(std::move(r), std::move(done));
  };
  auto recorded = co_await Write<store::WebhookDelivery>(std::move(submit));
  if (!recorded.ok())
    log::Error("webhook.record_failed", {{"delivery_id", d.delivery_id}, {"error", recorded.error().message}});
}

awaitable<std::string> SecurityWebhook::Post(const store::WebhookDelivery& d, const std::string& body) {
  boost::system::error_code ec;
  auto ex = co_await asio::this_coro::executor;
  asio::ip::tcp::resolver resolver(ex);
  auto endpoints = co_await resolver.async_resolve(host_, port_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return "resolve: " + ec.message();
  beast::tcp_stream stream(ex);
  // One deadline for the whole attempt: connect, send, and the answer.
  stream.expires_after(std::chrono::milliseconds(ctx_.config.security_webhook_timeout_ms));
  co_await stream.async_connect(endpoints, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec == beast::error::timeout ? std::string("timeout") : "connect: " + ec.message();
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, target_, 11};
  req.set(bhttp::field::host, host_header_);
  req.set(bhttp::field::user_agent, "kefu-webhook/1");
  req.set(bhttp::field::content_type, "application/json");
  // The signature's time is the real wall clock (receivers check it against theirs), never the
  // test clock.
  const auto unix_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  req.set("X-Kefu-Signature", auth::WebhookSignature(ctx_.config.security_webhook_secret, unix_seconds, body));
  req.set("X-Kefu-Delivery", d.delivery_id);
  req.set("X-Kefu-Event", d.event);
  req.set("X-Kefu-Attempt", std::to_string(d.attempts));
  req.body() = body;
  req.prepare_payload();
  co_await bhttp::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec == beast::error::timeout ? std::string("timeout") : "send: " + ec.message();
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return ec == beast::error::timeout ? std::string("timeout") : "answer: " + ec.message();
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  const unsigned status = parser.get().result_int();
  if (status < 200 || status > 299) co_return "status " + std::to_string(status);
  co_return std::string();
}

awaitable<Response> ListSecurityWebhookDeliveries(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (who->role != domain::Role::supervisor && who->role != domain::Role::admin)
    co_return Response::Fail(MakeError(Code::forbidden, "only supervisors and admins see webhook deliveries"));
  auto limit = LimitParam(req, 50, 200);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  std::string state = req.Query("state").value_or("");
  if (!state.empty() && state != "pending" && state != "delivered" && state != "failed")
    co_return Response::Fail(Invalid("'state' must be pending, delivered or failed"));
  std::int64_t before = 0;
  if (auto cursor = req.Query("cursor"); cursor && !cursor->empty()) {
    auto parsed = ParseInt(*cursor);
    if (!parsed || *parsed <= 0) co_return Response::Fail(Invalid("bad 'cursor'"));
    before = *parsed;
  }
  // One more than asked: whether another page follows.
  auto load = [&ctx, state, before, n = *limit + 1] { return ctx.store.ListWebhookDeliveries(state, before, n); };
  auto rows = co_await Blocking(ctx, std::move(load));
  if (!rows.ok()) co_return Response::Fail(rows.error());
  std::string next;
  if (static_cast<int>(rows->size()) > *limit) {
    rows->resize(static_cast<size_t>(*limit));
    next = std::to_string(rows->back().id);
  }
  std::string out = "{\"deliveries\":";
  json::AppendArray(out, *rows, [](std::string& o, const store::WebhookDelivery& d) {
    o += "{\"id\":" + std::to_string(d.id) + ",\"delivery_id\":";
    AppendJsonString(o, d.delivery_id);
    o += ",\"event\":";
    AppendJsonString(o, d.event);
    o += ",\"trigger\":";
    AppendJsonString(o, d.trigger);
    o += ",\"conversation_id\":" + (d.conversation_id ? std::to_string(d.conversation_id) : std::string("null"));
    o += ",\"ticket_id\":" + (d.ticket_id ? std::to_string(d.ticket_id) : std::string("null"));
    o += ",\"customer_id\":" + (d.customer_id ? std::to_string(d.customer_id) : std::string("null"));
    o += ",\"reason\":";
    AppendJsonString(o, json::PiiText(d.reason, json::Pii::masked));  // staff read PII masked
    o += ",\"state\":\"" + d.state + "\",\"attempts\":" + std::to_string(d.attempts) + ",\"last_error\":";
    AppendJsonString(o, d.last_error);
    o += ",\"created_at\":\"" + FormatRfc3339(d.created_at) + "\",\"last_attempt_at\":";
    o += d.last_attempt_at ? "\"" + FormatRfc3339(d.last_attempt_at) + "\"" : std::string("null");
    o += ",\"delivered_at\":";
    o += d.delivered_at ? "\"" + FormatRfc3339(d.delivered_at) + "\"" : std::string("null");
    o += '}';
  });
  json::AppendNextCursorAndClose(out, next);
  co_return Response::Json(200, std::move(out));
}

}  // namespace kefu::http
