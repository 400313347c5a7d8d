#include "http/sla_routes.hpp"
#include "http/ticket_routes.hpp"

#include <boost/json.hpp>

#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/sla.hpp"

namespace kefu::http {

using boost::asio::awaitable;
using domain::Id;

namespace {

constexpr std::int64_t kMinuteMs = 60'000;

void AppendPolicy(std::string& out, const domain::SlaPolicy& p) {
  out += "{\"id\":" + std::to_string(p.id) + ",\"name\":";
  AppendJsonString(out, p.name);
  out += ",\"ticket_type\":";
  out += p.type ? "\"" + std::string(domain::TicketTypeName(*p.type)) + "\"" : "null";
  out += ",\"priority\":";
  out += p.priority ? "\"" + std::string(domain::TicketPriorityName(*p.priority)) + "\"" : "null";
  out += ",\"desk\":";
  out += p.desk ? "\"" + std::string(domain::DeskName(*p.desk)) + "\"" : "null";
  out += ",\"first_response_minutes\":" + std::to_string(p.first_response_ms / kMinuteMs);
  out += ",\"next_response_minutes\":" + std::to_string(p.next_response_ms / kMinuteMs);
  out += ",\"resolution_minutes\":" + std::to_string(p.resolution_ms / kMinuteMs);
  out += ",\"calendar\":";
  AppendJsonString(out, p.calendar);
  out += ",\"warn_percent\":" + std::to_string(p.warn_percent);
  out += ",\"raise_priority\":";
  out += p.raise_priority ? "true" : "false";
  out += ",\"escalate_to\":";
  out += p.escalate_to ? "\"" + std::string(domain::DeskName(*p.escalate_to)) + "\"" : "null";
  out += ",\"enabled\":";
  out += p.enabled ? "true" : "false";
  out += ",\"created_at\":\"" + FormatRfc3339(p.created_at) + "\",\"updated_at\":\"" + FormatRfc3339(p.updated_at) +
         "\"}";
}

void AppendClock(std::string& out, const domain::SlaClock& c, Millis now) {
  if (!c.due) {
    out += "null";
    return;
  }
  out += "{\"due\":\"" + FormatRfc3339(c.due) + "\",\"state\":\"" + std::string(domain::SlaStateName(domain::StateAt(c, now))) +
         "\"";
  if (c.warn_at) out += ",\"warn_at\":\"" + FormatRfc3339(c.warn_at) + "\"";
  if (c.met_at) out += ",\"met_at\":\"" + FormatRfc3339(c.met_at) + "\"";
  if (c.breached_at) out += ",\"breached_at\":\"" + FormatRfc3339(c.breached_at) + "\"";
  if (c.paused()) {
    // While paused, `due` is where it stood when the ticket went pending; it moves on resume.
    out += ",\"paused_at\":\"" + FormatRfc3339(c.paused_at) +
           "\",\"remaining_seconds\":" + std::to_string(c.left_ms / 1000);
  }
  out += '}';
}

void AppendTicketSla(std::string& out, const domain::TicketSla& s, Millis now) {
  out += "{\"ticket_id\":" + std::to_string(s.ticket_id) + ",\"policy\":{\"id\":" + std::to_string(s.policy_id) +
         ",\"name\":";
  AppendJsonString(out, s.policy_name);
  out += "},\"calendar\":";
  AppendJsonString(out, s.calendar);
  out += ",\"first_response\":";
  AppendClock(out, s.first_response, now);
  out += ",\"next_response\":";
  AppendClock(out, s.next_response, now);
  if (s.next_response.due) {
    out.pop_back();
    out += ",\"started_at\":\"" + FormatRfc3339(s.next_response_started_at) + "\"}";
  }
  out += ",\"resolution\":";
  AppendClock(out, s.resolution, now);
  out += ",\"paused\":";
  out += s.resolution.paused() ? "true" : "false";
  // Which clocks were judged breached (the breach list's "which clock").
  out += ",\"breached\":[";
  bool any = false;
  for (auto [name, clock] : {std::pair{"first_response", &s.first_response}, {"next_response", &s.next_response},
                             {"resolution", &s.resolution}}) {
    if (!clock->breached_at) continue;
    if (any) out += ',';
    out += "\"" + std::string(name) + "\"";
    any = true;
  }
  out += "]}";
}

// A policy from a request body (every field; a replace is a whole policy too).
Result<domain::SlaPolicy> ReadPolicy(const boost::json::object& body) {
  domain::SlaPolicy p;
  KEFU_ASSIGN(name, json::OptString(body, "name"));
  p.name = name.value_or("");
  auto optional_enum = [&](std::string_view key, auto parse, auto& slot, std::string_view expected) -> Status {
    auto it = body.find(key);
    if (it == body.end() || it->value().is_null()) return Ok();
    if (!it->value().is_string()) return Invalid("'" + std::string(key) + "' must be " + std::string(expected));
    auto v = parse(std::string_view(it->value().get_string()));
    if (!v) return Invalid("'" + std::string(key) + "' must be " + std::string(expected));
    slot = *v;
    return Ok();
  };
  KEFU_TRY(optional_enum("ticket_type", domain::ParseTicketType, p.type,
                         "inquiry, incident, complaint, data_request or null"));
  KEFU_TRY(optional_enum("priority", domain::ParseTicketPriority, p.priority, "low, normal, high, urgent or null"));
  KEFU_TRY(optional_enum("desk", domain::ParseDesk, p.desk, "L1, L2, L3, security, complaints or null"));
  KEFU_TRY(optional_enum("escalate_to", domain::ParseDesk, p.escalate_to, "L1, L2, L3, security, complaints or null"));
  for (auto [key, slot] : {std::pair{"first_response_minutes", &p.first_response_ms},
                           {"next_response_minutes", &p.next_response_ms}, {"resolution_minutes", &p.resolution_ms}}) {
    KEFU_ASSIGN(minutes, json::OptInt(body, key));
    *slot = minutes.value_or(0) * kMinuteMs;
  }
  KEFU_ASSIGN(calendar, json::OptString(body, "calendar"));
  p.calendar = calendar.value_or("24x7");
  KEFU_ASSIGN(warn, json::OptInt(body, "warn_percent"));
  if (warn) {
    if (*warn < 0 || *warn > 99) return Invalid("'warn_percent' must be 0 to 99");
    p.warn_percent = static_cast<int>(*warn);
  }
  for (auto [key, slot] : {std::pair{"raise_priority", &p.raise_priority}, {"enabled", &p.enabled}}) {
    auto it = body.find(key);
    if (it == body.end()) continue;
    if (!it->value().is_bool()) return Invalid("'" + std::string(key) + "' must be true or false");
    *slot = it->value().get_bool();
  }
  KEFU_TRY(domain::CheckSlaPolicy(p));
  return p;
}

awaitable<Response> SavePolicy(Request& req, Context& ctx, Id id) {
  auto who = co_await StaffCaller(req, ctx);  // supervisors and admins (the access gate)
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto policy = ReadPolicy(*body);
  if (!policy.ok()) co_return Response::Fail(policy.error());
  policy->id = id;
  auto saved = co_await ctx.sla->Save(std::move(*policy));
  if (!saved.ok()) co_return Response::Fail(saved.error());
  std::string out;
  AppendPolicy(out, *saved);
  Response res = Response::Json(id ? 200 : 201, std::move(out));
  if (!id) res.headers.emplace_back("Location", "/api/v1/sla-policies/" + std::to_string(saved->id));
  co_return res;
}

}  // namespace

awaitable<Response> ListSlaPolicies(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  std::string out = "{\"policies\":";
  json::AppendArray(out, ctx.sla->policies(), AppendPolicy);
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> CreateSlaPolicy(Request& req, Context& ctx) { co_return co_await SavePolicy(req, ctx, 0); }

awaitable<Response> ReplaceSlaPolicy(Request& req, Context& ctx) {
  auto id = PathId(req, "SLA policy");
  if (!id.ok()) co_return Response::Fail(id.error());
  co_return co_await SavePolicy(req, ctx, *id);
}

awaitable<Response> GetTicketSla(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "ticket");
  if (!id.ok()) co_return Response::Fail(id.error());
  if (auto scope = co_await TicketInScope(ctx, *who, *id); !scope.ok()) co_return Response::Fail(scope.error());
  auto load = [&ctx, id = *id] { return ctx.store.GetTicketSla(id); };
  auto sla = co_await Blocking(ctx, std::move(load));
  if (!sla.ok()) co_return Response::Fail(sla.error());
  std::string out;
  AppendTicketSla(out, *sla, Clock::System().Now());
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ListSlaBreaches(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto limit = LimitParam(req, 50, 200);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  std::string cursor = req.Query("cursor").value_or("");
  struct Row {
    domain::TicketSla sla;
    store::Ticket ticket;
  };
  auto load = [&ctx, limit = *limit, cursor = std::move(cursor)]() -> Result<std::pair<std::vector<Row>, std::string>> {
    KEFU_ASSIGN(page, ctx.store.ListSlaBreaches(limit, cursor));
    std::vector<Row> rows;
    for (auto& s : page.breaches) {
      auto t = ctx.store.Tickets().GetTicket(s.ticket_id);
      if (t.ok()) rows.push_back(Row{std::move(s), std::move(t).value()});
    }
    return std::pair{std::move(rows), std::move(page.next_cursor)};
  };
  auto page = co_await Blocking(ctx, std::move(load));
  if (!page.ok()) co_return Response::Fail(page.error());
  // Desk scope (docs/adr/0019): an agent's page holds their desk's, their own and undesked tickets.
  std::erase_if(page->first, [&w = *who](const Row& r) {
    return !domain::MaySeeCase(w.role, w.desk, w.id, r.ticket.desk, r.ticket.assignee_id);
  });
  const Millis now = Clock::System().Now();
  std::string out = "{\"breaches\":";
  json::AppendArray(out, page->first, [now](std::string& o, const Row& r) {
    o += "{\"ticket\":{\"id\":" + std::to_string(r.ticket.id) + ",\"subject\":";
    AppendJsonString(o, json::PiiText(r.ticket.subject, json::Pii::masked));
    o += ",\"status\":\"" + std::string(domain::TicketStatusName(r.ticket.status)) + "\",\"priority\":\"" +
         std::string(domain::TicketPriorityName(r.ticket.priority)) + "\",\"desk\":";
    o += r.ticket.desk ? "\"" + std::string(domain::DeskName(*r.ticket.desk)) + "\"" : "null";
    o += "},\"sla\":";
    AppendTicketSla(o, r.sla, now);
    o += '}';
  });
  json::AppendNextCursorAndClose(out, page->second);
  co_return Response::Json(200, std::move(out));
}

}  // namespace kefu::http
