#include "http/privacy_routes.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "http/attachments.hpp"
#include "http/json_io.hpp"
#include "http/scheduler.hpp"
#include "http/ticket_routes.hpp"
#include "store/tickets.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;
using domain::Id;

namespace {

constexpr Millis kDay = 24LL * 3600 * 1000;
constexpr size_t kMaxNoteChars = 1000;

// The caller: admins (auditors also list requests), as the routes' access rules say; the gate
// checked the role (docs/adr/0019).
awaitable<Result<Subject>> Admin(Request& req, Context& ctx, bool /*auditor_too*/ = false) {
  return StaffCaller(req, ctx);
}

// Staff views only: the note (how the request came in) often holds the requester's contact
// details, so it reads masked like every staff view.
void AppendRequest(std::string& out, const store::DataRequest& r, Millis now) {
  out += "{\"id\":" + std::to_string(r.id) + ",\"customer_id\":" + std::to_string(r.customer_id) + ",\"kind\":\"" +
         r.kind + "\",\"status\":\"" + r.status + "\",\"note\":";
  AppendJsonString(out, json::PiiText(r.note, json::Pii::masked));
  out += ",\"received_at\":\"" + FormatRfc3339(r.received_at) + "\",\"due_at\":\"" + FormatRfc3339(r.due_at) + "\"";
  out += ",\"overdue\":";
  out += r.status == "open" && now > r.due_at ? "true" : "false";
  out += ",\"completed_at\":";
  out += r.completed_at ? "\"" + FormatRfc3339(r.completed_at) + "\"" : std::string("null");
  out += ",\"result\":" + r.result_json + "}";
}

void AppendHold(std::string& out, const std::optional<store::LegalHold>& hold) {
  if (!hold) {
    out += "null";
    return;
  }
  out += "{\"reason\":";
  AppendJsonString(out, hold->reason);
  out += ",\"placed_by\":" + std::to_string(hold->placed_by) + ",\"placed_at\":\"" +
         FormatRfc3339(hold->placed_at) + "\"}";
}

// Everything kefu holds about a customer, as one JSON document (GDPR Art. 15/20, PIPL Art. 45):
// who they are, every conversation with its messages and events, every ticket with its fields,
// notes, events and files (names; the files themselves are fetched by id).
Result<std::string> ExportCustomer(Context& ctx, Id customer_id) {
  KEFU_ASSIGN(customer, ctx.store.GetCustomer(customer_id));
  KEFU_ASSIGN(identities, ctx.store.ListCustomerIdentities(customer_id));
  KEFU_ASSIGN(conversations, ctx.store.ListCustomerConversations(customer_id));
  KEFU_ASSIGN(hold, ctx.store.GetLegalHold(customer_id));
  std::string out = "{\"format\":\"kefu.customer-export.v1\",\"exported_at\":\"" +
                    FormatRfc3339(Clock::System().Now()) + "\",\"customer\":{\"id\":" + std::to_string(customer.id) +
                    ",\"name\":";
  AppendJsonString(out, customer.name);
  out += ",\"lang\":";
  AppendJsonString(out, customer.lang);
  out += ",\"created_at\":\"" + FormatRfc3339(customer.created_at) + "\",\"identities\":[";
  for (const auto& i : identities) {
    if (out.back() != '[') out += ',';
    out += "{\"channel\":";
    AppendJsonString(out, i.channel);
    out += ",\"external_id\":";
    AppendJsonString(out, i.external_id);
    out += ",\"verified\":";
    out += i.verified ? "true" : "false";
    out += ",\"created_at\":\"" + FormatRfc3339(i.created_at) + "\"}";
  }
  out += "]},\"legal_hold\":";
  AppendHold(out, hold);
  out += ",\"conversations\":[";
  for (const auto& c : conversations) {
    if (out.back() != '[') out += ',';
    out += "{\"conversation\":";
    json::AppendConversation(out, c, json::Pii::shown);  // the subject's own data
    out += ",\"messages\":[";
    std::int64_t after = 0;
    for (;;) {
      KEFU_ASSIGN(page, ctx.store.ListMessages(store::MessageQuery{c.id, std::nullopt, after, 500}));
      for (const auto& m : page.messages) {
        if (domain::IsStaffOnlyKind(m.kind)) continue;  // whispers are staff's, not the customer's data
        if (out.back() != '[') out += ',';
        json::AppendMessage(out, m, json::Pii::shown);
        after = m.seq;
      }
      if (!page.has_more || page.messages.empty()) break;
      after = page.messages.back().seq;
    }
    out += "],\"events\":";
    KEFU_ASSIGN(events, ctx.store.ListEvents(c.id));
    json::AppendArray(out, events, [](std::string& o, const store::Event& e) { json::AppendEvent(o, e, json::Pii::shown); });
    out += '}';
  }
  out += "],\"tickets\":[";
  store::TicketQuery q;
  q.customer_id = customer_id;
  q.limit = 100;
  for (;;) {
    KEFU_ASSIGN(page, ctx.store.Tickets().ListTickets(q));
    for (const auto& t : page.tickets) {
      if (out.back() != '[') out += ',';
      out += "{\"ticket\":";
      AppendTicket(out, t, /*for_staff=*/true, json::Pii::shown);
      out += ",\"notes\":[";
      KEFU_ASSIGN(notes, ctx.store.Tickets().ListTicketNotes(t.id));
      for (const auto& n : notes) {
        if (out.back() != '[') out += ',';
        out += "{\"text\":";
        AppendJsonString(out, n.text);
        out += ",\"by\":";
        AppendJsonString(out, n.staff_name);
        out += ",\"created_at\":\"" + FormatRfc3339(n.created_at) + "\"}";
      }
      out += "],\"events\":";
      KEFU_ASSIGN(events, ctx.store.Tickets().ListTicketEvents(t.id));
      json::AppendArray(out, events, [](std::string& o, const store::Event& e) { json::AppendEvent(o, e, json::Pii::shown); });
      out += ",\"attachments\":[";
      KEFU_ASSIGN(files, ctx.store.ListTicketAttachments(t.id));
      for (const auto& f : files) {
        if (out.back() != '[') out += ',';
        auto name = AttachmentName(ctx, f);
        out += "{\"id\":";
        AppendJsonString(out, f.public_id);
        out += ",\"name\":";
        AppendJsonString(out, name);
        out += ",\"content_type\":";
        AppendJsonString(out, f.content_type);
        out += ",\"size\":" + std::to_string(f.size) + "}";
      }
      out += "]}";
    }
    if (page.next_cursor.empty()) break;
    q.cursor = page.next_cursor;
  }
  out += "]}";
  return out;
}

awaitable<Status> RequestDueSoon(Context& ctx, store::Timer timer) {
  auto load = [&ctx, id = timer.ref_id] { return ctx.store.GetDataRequest(id); };
  auto request = co_await Blocking(ctx, std::move(load));
  if (!request.ok() || request->status != "open") co_return co_await ctx.scheduler->Discard(timer);
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = Clock::System().Now();
  auto fired = co_await ctx.scheduler->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  std::string frame = "{\"type\":\"dsr.due_soon\",\"request\":";
  AppendRequest(frame, *request, f.at);
  frame += '}';
  ctx.hub.NotifyRole(frame, domain::Role::admin);
  log::Warn("dsr.due_soon", {{"request_id", request->id}, {"due_at", FormatRfc3339(request->due_at)}});
  co_return Ok();
}

}  // namespace

void RegisterPrivacyTimers(Context& ctx, Scheduler& scheduler) {
  auto due = [&ctx](store::Timer t) { return RequestDueSoon(ctx, std::move(t)); };
  scheduler.On("dsr.due", std::move(due));
}

awaitable<Response> CreateDataRequestRoute(Request& req, Context& ctx) {
  auto who = co_await Admin(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto customer = PathId(req);
  if (!customer.ok()) co_return Response::Fail(customer.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto kind = json::OptString(*body, "kind");
  auto note = json::OptString(*body, "note");
  if (!kind.ok()) co_return Response::Fail(kind.error());
  if (!note.ok()) co_return Response::Fail(note.error());
  if (!*kind || (**kind != "export" && **kind != "erasure"))
    co_return Response::Fail(Invalid("'kind' must be export or erasure"));
  if (*note && (!IsValidUtf8(**note) || CountCodePoints(**note) > kMaxNoteChars))
    co_return Response::Fail(Invalid("'note' must be at most 1000 characters"));
  store::NewDataRequest r;
  r.customer_id = *customer;
  r.kind = **kind;
  r.note = note->value_or("");
  r.received_at = Clock::System().Now();
  r.due_at = r.received_at + ctx.config.dsr_due_days * kDay;
  r.warn_at = ctx.config.dsr_warn_days > 0 ? std::max(r.received_at + 1, r.due_at - ctx.config.dsr_warn_days * kDay) : 0;
  r.actor = who->actor();
  const Millis warn_at = r.warn_at;
  auto create = [&ctx, r = std::move(r)](store::Callback<store::DataRequest> done) mutable {
    ctx.store.CreateDataRequest(std::move(r), std::move(done));
  };
  auto created = co_await Write<store::DataRequest>(std::move(create));
  if (!created.ok()) co_return Response::Fail(created.error());
  if (warn_at) ctx.scheduler->Poke(warn_at);
  std::string out;
  AppendRequest(out, *created, created->received_at);
  co_return Response::Json(201, std::move(out));
}

awaitable<Response> ListDataRequestsRoute(Request& req, Context& ctx) {
  auto who = co_await Admin(req, ctx, /*auditor_too=*/true);
  if (!who.ok()) co_return Response::Fail(who.error());
  const std::string status = req.Query("status").value_or("");
  if (!status.empty() && status != "open" && status != "completed")
    co_return Response::Fail(Invalid("'status' must be open or completed"));
  auto limit = LimitParam(req, 100, 500);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  auto list_fn = [&ctx, status, limit = *limit] { return ctx.store.ListDataRequests(status, limit); };
  auto list = co_await Blocking(ctx, std::move(list_fn));
  if (!list.ok()) co_return Response::Fail(list.error());
  const Millis now = Clock::System().Now();
  std::string out = "{\"requests\":";
  json::AppendArray(out, *list, [now](std::string& o, const store::DataRequest& r) { AppendRequest(o, r, now); });
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ExportDataRequestRoute(Request& req, Context& ctx) {
  auto who = co_await Admin(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto get = [&ctx, id = *id] { return ctx.store.GetDataRequest(id); };
  auto request = co_await Blocking(ctx, std::move(get));
  if (!request.ok()) co_return Response::Fail(request.error());
  if (request->kind != "export")
    co_return Response::Fail(MakeError(Code::conflict, "this is not an export request"));
  auto export_fn = [&ctx, customer = request->customer_id] { return ExportCustomer(ctx, customer); };
  auto document = co_await Blocking(ctx, std::move(export_fn));
  if (!document.ok()) co_return Response::Fail(document.error());
  // Handed over: the request is completed and audited (an export fetched again is audited
  // again, as "export").
  if (request->status == "open") {
    auto complete = [&ctx, id = *id, actor = who->actor()](store::Callback<store::DataRequest> done) {
      ctx.store.CompleteExport(id, actor, Clock::System().Now(), std::move(done));
    };
    auto completed = co_await Write<store::DataRequest>(std::move(complete));
    if (!completed.ok()) co_return Response::Fail(completed.error());
  } else {
    store::AuditRecord record{Clock::System().Now(), who->actor(), "export",
                              "customer:" + std::to_string(request->customer_id),
                              "{\"request_id\":" + std::to_string(*id) + "}"};
    auto written = co_await WriteAudit(ctx, std::move(record));
    if (!written.ok()) co_return Response::Fail(written.error());
  }
  log::Info("dsr.export", {{"rid", req.rid}, {"request_id", *id}, {"bytes", static_cast<std::int64_t>(document->size())}});
  Response res = Response::Json(200, std::move(*document));
  res.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"customer-" + std::to_string(request->customer_id) + ".json\"");
  res.headers.emplace_back("Cache-Control", "private, no-store");
  co_return res;
}

awaitable<Response> EraseDataRequestRoute(Request& req, Context& ctx) {
  auto who = co_await Admin(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  store::ErasureRequest e;
  e.request_id = *id;
  e.actor = who->actor();
  e.at = Clock::System().Now();
  e.aml_cutoff = e.at - static_cast<Millis>(ctx.config.aml_retention_days) * kDay;
  auto erase = [&ctx, e](store::Callback<store::ErasureResult> done) { ctx.store.EraseCustomer(e, std::move(done)); };
  auto result = co_await Write<store::ErasureResult>(std::move(erase));
  if (!result.ok()) co_return Response::Fail(result.error());
  log::Info("dsr.erasure", {{"rid", req.rid}, {"request_id", *id}, {"messages", result->messages_erased}});
  std::string out;
  AppendRequest(out, result->request, e.at);
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> PlaceLegalHoldRoute(Request& req, Context& ctx) {
  auto who = co_await Admin(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto customer = PathId(req);
  if (!customer.ok()) co_return Response::Fail(customer.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto reason = json::OptString(*body, "reason");
  if (!reason.ok()) co_return Response::Fail(reason.error());
  if (!*reason || Trim(**reason).empty() || !IsValidUtf8(**reason) || CountCodePoints(**reason) > kMaxNoteChars)
    co_return Response::Fail(Invalid("'reason' is required (at most 1000 characters)"));
  auto place = [&ctx, c = *customer, r = std::string(Trim(**reason)), actor = who->actor()](
                   store::Callback<std::optional<store::LegalHold>> done) {
    ctx.store.SetLegalHold(c, r, actor, Clock::System().Now(), std::move(done));
  };
  auto hold = co_await Write<std::optional<store::LegalHold>>(std::move(place));
  if (!hold.ok()) co_return Response::Fail(hold.error());
  std::string out;
  AppendHold(out, *hold);
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ReleaseLegalHoldRoute(Request& req, Context& ctx) {
  auto who = co_await Admin(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto customer = PathId(req);
  if (!customer.ok()) co_return Response::Fail(customer.error());
  auto release = [&ctx, c = *customer, actor = who->actor()](store::Callback<std::optional<store::LegalHold>> done) {
    ctx.store.SetLegalHold(c, "", actor, Clock::System().Now(), std::move(done));
  };
  auto hold = co_await Write<std::optional<store::LegalHold>>(std::move(release));
  if (!hold.ok()) co_return Response::Fail(hold.error());
  co_return Response::Json(200, "{\"released\":true}");
}

}  // namespace kefu::http
