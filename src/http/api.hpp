// What REST handlers see: a parsed request, a response to fill, and the server's parts.
// Handlers are coroutines on the network thread; they must not block (use Blocking/Write).
// Internal to the http module; free of Beast so handlers compile fast.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "auth/token.hpp"
#include "bot/bot.hpp"
#include "calendar/calendar.hpp"
#include "core/config.hpp"
#include "core/result.hpp"
#include "http/hub.hpp"
#include "http/metrics.hpp"
#include "store/store.hpp"

namespace kefu::store {
struct Ticket;  // store/tickets.hpp
}

namespace kefu::http {

struct Request {
  std::string method;
  std::string path;   // decoded path, without the query
  std::string query;  // raw query string, without '?'
  std::string body;
  std::string authorization;
  std::string remote_ip;
  std::string user_agent;  // as sent (stored with a new staff session)
  std::string accept_language;  // as sent (the public /verify page picks its language by it)
  std::string forwarded_for;    // X-Forwarded-For as sent (bounded); trust it only from a proxy
  std::string rid;  // request id, echoed as X-Request-Id and in logs
  std::vector<std::string> params;  // values of {placeholders} in route order
  // Who is calling, set by the server's access gate before a non-public route's handler runs
  // (Caller and StaffCaller answer it without checking the token again).
  std::optional<Subject> caller;

  // The decoded value of query parameter `name`, if present.
  std::optional<std::string> Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, std::string body) { return {status, "application/json", std::move(body), {}}; }
  static Response Fail(const Error& e);
};

// The head of an HTTP response as the server writes it: status line, Content-Type and
// Cache-Control (unless `headers` has its own), `headers`, X-Request-Id, the security headers
// (nosniff, Referrer-Policy, Content-Security-Policy — `csp`, or for anything but a page
// "default-src 'none'; frame-ancestors 'none'" —, X-Frame-Options when given, HSTS over TLS),
// Connection when keep-alive differs from the version's default, Content-Length (not for 1xx,
// 204 and 304), and the blank line.
struct ResponseHead {
  unsigned version = 11;  // 10 or 11
  int status = 200;
  std::string_view content_type;
  std::string_view cache_control;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // may be null
  std::string_view rid;
  std::string_view csp;            // a page's policy; empty: the one for API answers
  std::string_view frame_options;  // X-Frame-Options; empty: not sent
  bool hsts = false;               // served over TLS: Strict-Transport-Security
  bool keep_alive = true;
  size_t body_size = 0;

  std::string Serialize() const;
};

// Exactly one mapping from error codes to HTTP statuses (and one for WebSocket close codes).
int HttpStatus(Code code);

// The server's current bot. A knowledge-base change retrains it in the background and swaps
// the new one in whole; whoever holds the old one (an answer in progress) keeps it until done.
// Thread-safe.
class BotSlot {
 public:
  // The bot now; null when there is no (published) knowledge base.
  std::shared_ptr<const bot::Bot> Get() const {
    std::lock_guard lock(m_);
    return bot_;
  }
  void Set(std::shared_ptr<const bot::Bot> bot) {
    std::lock_guard lock(m_);
    bot_.swap(bot);  // the old bot, if this was its last owner, is freed after unlocking
  }

 private:
  mutable std::mutex m_;
  std::shared_ptr<const bot::Bot> bot_;
};

struct Context {
  const ServerConfig& config;
  boost::asio::io_context& io;
  boost::asio::thread_pool& pool;
  store::Store& store;
  const auth::TokenSigner& signer;
  Hub& hub;
  Metrics& metrics;
  class Workflow* workflow = nullptr;  // set once the server has built it
  BotSlot bot;
  class BotTrainer* trainer = nullptr;  // set once the server has built it
  class Scheduler* scheduler = nullptr;  // set once the server has built it
  class SlaService* sla = nullptr;       // set once the server has built it
  // The business calendars of the configuration, "24x7" included (built at Listen).
  std::map<std::string, calendar::Calendar> calendars;
  // The server's test clock (serve --test-clock), installed as Clock::System(); null in
  // production. POST /api/v1/test/clock moves it.
  SettableClock* test_clock = nullptr;
  class StaffAuth* staff_auth = nullptr;  // staff sessions, TOTP sealing, lockout (staff_auth.hpp)
  class SecurityWebhook* security_webhook = nullptr;  // the security desk's webhook (webhook.hpp)
};

// GCC 12 miscompiles lambda temporaries inside a co_await expression (they get relocated
// bitwise, corrupting captured strings): always pass a *named* lambda, moved, to Blocking and
// Write — `auto fn = [..]{..}; co_await Blocking(ctx, std::move(fn));`. See docs/adr/0001.

// Runs `fn` on the blocking pool and resumes the caller on its own executor with the result.
template <typename Fn>
boost::asio::awaitable<std::invoke_result_t<Fn>> Blocking(Context& ctx, Fn fn) {
  using R = std::invoke_result_t<Fn>;
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(R)>(
      [&ctx, fn = std::move(fn)](auto handler) mutable {
        boost::asio::post(ctx.pool, [fn = std::move(fn), handler = std::move(handler)]() mutable {
          R r = fn();
          auto ex = boost::asio::get_associated_executor(handler);
          boost::asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
            std::move(handler)(std::move(r));
          });
        });
      },
      boost::asio::use_awaitable);
}

// Submits a store write and resumes the caller once it is committed (or failed).
template <typename T, typename Submit>
boost::asio::awaitable<Result<T>> Write(Submit submit) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Result<T>)>(
      [submit = std::move(submit)](auto handler) mutable {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        submit([shared](Result<T> r) {
          auto ex = boost::asio::get_associated_executor(*shared);
          boost::asio::post(ex, [shared, r = std::move(r)]() mutable { std::move (*shared)(std::move(r)); });
        });
      },
      boost::asio::use_awaitable);
}

// Appends an entry to the audit log (audit_routes.cpp); resumes once it is committed.
boost::asio::awaitable<Status> WriteAudit(Context& ctx, store::AuditRecord record);

// The authenticated caller of a request: Code::unauthorized without a valid bearer token.
boost::asio::awaitable<Result<Subject>> Caller(Request& req, Context& ctx);
// The same, for staff-only routes: Code::forbidden ("staff only") for a customer token.
boost::asio::awaitable<Result<Subject>> StaffCaller(Request& req, Context& ctx);
// The ticket, if `who` may see it (desk scope, docs/adr/0019): customers their own (not_found
// otherwise); staff as TicketScope (ticket_routes.hpp) says (Code::forbidden otherwise).
boost::asio::awaitable<Result<store::Ticket>> VisibleTicket(Context& ctx, const Subject& who, domain::Id id);
// The `limit` query parameter: `def` when absent, Code::invalid outside 1..max.
Result<int> LimitParam(const Request& req, int def, int max);
// A whole decimal integer (no sign tricks, no trailing bytes), or nullopt.
std::optional<std::int64_t> ParseInt(std::string_view s);
inline Error Invalid(std::string message) { return MakeError(Code::invalid, std::move(message)); }

// Who is calling: a staff session token is checked in the in-memory session table (no database
// read; revoked and expired sessions are refused), a customer token by its signature. `ip` is
// recorded as the session's last address when its last use is written back.
boost::asio::awaitable<Result<Subject>> Authenticate(Context& ctx, std::string_view token, std::string_view ip = {});

// The bearer token of a request ("Authorization: Bearer T"), empty when absent.
std::string_view BearerToken(std::string_view authorization);

using Handler = boost::asio::awaitable<Response> (*)(Request&, Context&);

// Staff roles as bits of an access rule.
inline constexpr unsigned RoleBit(domain::Role r) { return 1u << static_cast<unsigned>(r); }
inline constexpr unsigned kAgent = RoleBit(domain::Role::agent);
inline constexpr unsigned kSupervisor = RoleBit(domain::Role::supervisor);
inline constexpr unsigned kAdmin = RoleBit(domain::Role::admin);
inline constexpr unsigned kAuditor = RoleBit(domain::Role::auditor);
inline constexpr unsigned kKbEditor = RoleBit(domain::Role::kb_editor);
inline constexpr unsigned kAllStaff = kAgent | kSupervisor | kAdmin | kAuditor | kKbEditor;
// The roles that take and answer conversations and work tickets.
inline constexpr unsigned kHandlers = kAgent | kSupervisor | kAdmin;

// Which objects a caller inside the rule may reach; the handler checks it (the gate cannot: it
// needs the object). docs/adr/0019.
enum class Scope : std::uint8_t {
  any,           // no object, or every object of the route
  self,          // the caller's own account, sessions and tasks
  conversation,  // customers: their own conversation; agents: their desk's (CanSeeConversation)
  ticket,        // customers: their own tickets; agents: their desk's (CanSeeTicket)
};

// Who may call a route: checked once, by the server, before the handler (docs/adr/0019).
// Public routes need no token (one sent is not checked); every other route answers 401 without
// a valid token and 403 to a caller outside the rule. Built only by the named constructors, so
// a route without a rule — `{"GET", "/x", Handler}` — does not compile.
class Access {
 public:
  static constexpr Access Public() { return Access(true, false, 0, Scope::any); }
  static constexpr Access Staff(unsigned roles, Scope scope = Scope::any) { return Access(false, false, roles, scope); }
  static constexpr Access Customer(Scope scope) { return Access(false, true, 0, scope); }
  // Customers (on their own objects) and staff of `roles`.
  static constexpr Access CustomerOr(unsigned roles, Scope scope) { return Access(false, true, roles, scope); }

  constexpr bool is_public() const { return public_; }
  constexpr bool customers() const { return customer_; }
  constexpr unsigned roles() const { return roles_; }
  constexpr Scope scope() const { return scope_; }
  constexpr bool Allows(domain::Role r) const { return (roles_ & RoleBit(r)) != 0; }

  // As in docs/openapi.yaml's x-kefu-access: "public", or the callers joined by ", " in the
  // order customer, agent, supervisor, admin, auditor, kb_editor.
  std::string Describe() const;

 private:
  constexpr Access(bool is_public, bool customer, unsigned roles, Scope scope)
      : public_(is_public), customer_(customer), roles_(roles), scope_(scope) {}
  bool public_;
  bool customer_;
  unsigned roles_;
  Scope scope_;
};

std::string_view ScopeName(Scope s);

struct Route {
  const char* method;
  const char* path;  // with {placeholders}
  Access access;     // who may call it; see Access
  Handler handler;   // null for routes the server core answers itself (WebSocket upgrade)
};

// The access gate: the caller of `req` if `access` lets them in (also stored in req.caller),
// Code::unauthorized without or with a bad token, Code::forbidden for a caller outside the rule.
// Public routes answer nullopt without looking at the token.
boost::asio::awaitable<Result<std::optional<Subject>>> CheckAccess(const Access& access, Request& req, Context& ctx);

// The conversation, if `who` may see it (desk scope, docs/adr/0019): customers their own
// (Code::not_found otherwise, so ids cannot be probed); staff as domain::MaySeeCase says, or an
// agent who handled it before unless it is with the security desk (Code::forbidden otherwise).
boost::asio::awaitable<Result<store::Conversation>> VisibleConversation(Context& ctx, const Subject& who,
                                                                         domain::Id id);

// The start of every handler on one conversation: the caller and the conversation the path's
// {id} names, when the caller may see it (VisibleConversation's errors otherwise).
struct ConversationCall {
  Subject who;
  store::Conversation conversation;
};
boost::asio::awaitable<Result<ConversationCall>> CallerConversation(Request& req, Context& ctx);

// A path id (the `index`th placeholder): a positive integer below 2^53, otherwise
// Code::not_found, "<what> not found" ("not found" when `what` is empty).
Result<domain::Id> PathId(const Request& req, std::string_view what = {}, size_t index = 0);

// The route table (routes.cpp).
const std::vector<Route>& RouteTable();

// Finds the route for a method and path; fills `params`. `path_known` tells a 405 from a 404.
const Route* MatchRoute(std::string_view method, std::string_view path, std::vector<std::string>& params,
                        bool& path_known);

}  // namespace kefu::http
