#include "http/audit_routes.hpp"

#include "http/json_io.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

// "staff:3", "customer:12", "system", "bot".
std::optional<domain::Actor> ParseActor(std::string_view s) {
  const auto colon = s.find(':');
  auto type = domain::ParseActorType(s.substr(0, colon));
  if (!type) return std::nullopt;
  domain::Actor actor{*type, 0};
  if (colon != std::string_view::npos) {
    auto id = ParseInt(s.substr(colon + 1));
    if (!id || *id < 0) return std::nullopt;
    actor.id = *id;
  }
  return actor;
}

Result<Millis> TimeParam(const Request& req, std::string_view name) {
  auto v = req.Query(name);
  if (!v || v->empty()) return Millis{0};
  auto t = ParseRfc3339(*v);
  if (!t) return Invalid("'" + std::string(name) + "' must be an RFC 3339 time, e.g. 2026-11-26T08:00:00Z");
  return *t;
}

Result<store::AuditQuery> ParseQuery(const Request& req) {
  store::AuditQuery q;
  KEFU_ASSIGN(limit, LimitParam(req, 50, 200));
  q.limit = limit;
  q.cursor = req.Query("cursor").value_or("");
  q.action = req.Query("action").value_or("");
  if (q.action.size() > 64) return Invalid("'action' is too long");
  if (auto a = req.Query("actor"); a && !a->empty()) {
    q.actor = ParseActor(*a);
    if (!q.actor) return Invalid("'actor' must be a type and an id, e.g. staff:3 (types: staff, customer, bot, system)");
  }
  KEFU_ASSIGN(from, TimeParam(req, "from"));
  KEFU_ASSIGN(to, TimeParam(req, "to"));
  q.from = from;
  q.to = to;
  return q;
}

}  // namespace

awaitable<Status> WriteAudit(Context& ctx, store::AuditRecord record) {
  auto append = [&ctx, record = std::move(record)](store::Callback<store::AuditEntry> done) mutable {
    ctx.store.AppendAudit(std::move(record), std::move(done));
  };
  auto written = co_await Write<store::AuditEntry>(std::move(append));
  if (!written.ok()) co_return std::move(written).error();
  co_return Ok();
}

awaitable<Response> ListAudit(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto query = ParseQuery(req);
  if (!query.ok()) co_return Response::Fail(query.error());
  auto list_fn = [&ctx, q = std::move(query).value()] { return ctx.store.ListAudit(q); };
  auto page = co_await Blocking(ctx, std::move(list_fn));
  if (!page.ok()) co_return Response::Fail(page.error());
  std::string out = "{\"entries\":";
  json::AppendArray(out, page->entries, json::AppendAuditEntry);
  json::AppendNextCursorAndClose(out, page->next_cursor);
  co_return Response::Json(200, std::move(out));
}

}  // namespace kefu::http
