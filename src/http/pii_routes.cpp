#include "http/pii_routes.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "domain/pii_mask.hpp"
#include "http/json_io.hpp"
#include "http/ticket_routes.hpp"

namespace kefu::http {

using boost::asio::awaitable;
using domain::Id;

namespace {

constexpr size_t kMinReasonChars = 2;  // "核实" is a reason; "" and "x" are not
constexpr size_t kMaxReasonChars = 500;
constexpr int kMaxRevealMessages = 200;

// An identity as staff see it: an address or number masked by its kind; an operator's user id,
// a WeChat openid or a Telegram chat id is shown (it names an account, not a person's contact)
// unless it holds something that looks like one.
std::string MaskIdentity(std::string_view channel, std::string_view external_id) {
  if (channel == "email") return domain::MaskEmail(external_id);
  if (channel == "phone") return domain::MaskPhone(external_id);
  return domain::MaskText(external_id);
}

void AppendCustomer(std::string& out, const store::Customer& customer,
                    const std::vector<store::CustomerIdentity>& identities, json::Pii pii) {
  out += "{\"id\":" + std::to_string(customer.id) + ",\"name\":";
  AppendJsonString(out, json::PiiText(customer.name, pii));
  out += ",\"lang\":";
  AppendJsonString(out, customer.lang);
  out += ",\"created_at\":\"" + FormatRfc3339(customer.created_at) + "\",\"identities\":";
  json::AppendArray(out, identities, [pii](std::string& o, const store::CustomerIdentity& i) {
    o += "{\"channel\":";
    AppendJsonString(o, i.channel);
    o += ",\"external_id\":";
    AppendJsonString(o, pii == json::Pii::masked ? MaskIdentity(i.channel, i.external_id) : i.external_id);
    o += ",\"verified\":";
    o += i.verified ? "true" : "false";
    o += ",\"created_at\":\"" + FormatRfc3339(i.created_at) + "\"}";
  });
  out += ",\"pii\":\"";
  out += pii == json::Pii::masked ? "masked" : "shown";
  out += "\"}";
}

// The customer of a conversation with their identities, as `pii` says.
Result<std::string> CustomerJson(Context& ctx, Id customer_id, json::Pii pii) {
  KEFU_ASSIGN(customer, ctx.store.GetCustomer(customer_id));
  KEFU_ASSIGN(identities, ctx.store.ListCustomerIdentities(customer_id));
  std::string out;
  AppendCustomer(out, customer, identities, pii);
  return out;
}

// The reveal's required reason: said in words, within kMaxReasonChars.
Result<std::string> ReadReason(const boost::json::object& body) {
  KEFU_ASSIGN(reason, json::OptString(body, "reason"));
  const std::string_view trimmed = reason ? Trim(*reason) : std::string_view();
  if (CountCodePoints(trimmed) < kMinReasonChars)
    return MakeError(Code::invalid, "'reason' is required: say why you need to see this customer's data");
  if (CountCodePoints(trimmed) > kMaxReasonChars)
    return MakeError(Code::invalid, "'reason' must be at most " + std::to_string(kMaxReasonChars) + " characters");
  return std::string(trimmed);
}

// A reveal request: who asks, for which {id}, its body and its required reason.
struct RevealRequest {
  Subject who;
  Id id = 0;
  boost::json::object body;
  std::string reason;
};

awaitable<Result<RevealRequest>> ReadReveal(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return std::move(who).error();
  auto id = PathId(req);
  if (!id.ok()) co_return std::move(id).error();
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return std::move(body).error();
  auto reason = ReadReason(*body);
  if (!reason.ok()) co_return std::move(reason).error();
  co_return RevealRequest{std::move(*who), *id, std::move(*body), std::move(*reason)};
}

// Writes the pii.reveal audit entry; the reveal is answered only once it is written.
awaitable<Status> AuditReveal(Context& ctx, const Subject& who, std::string target, std::string_view reason,
                              std::string details) {
  std::string json = "{\"reason\":";
  AppendJsonString(json, reason);
  json += details;
  json += '}';
  store::AuditRecord record{Clock::System().Now(), who.actor(), "pii.reveal", std::move(target), std::move(json)};
  co_return co_await WriteAudit(ctx, std::move(record));
}

}  // namespace

awaitable<Response> GetConversationCustomer(Request& req, Context& ctx) {
  auto call = co_await CallerConversation(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  auto load = [&ctx, customer = call->conversation.customer_id] { return CustomerJson(ctx, customer, json::Pii::masked); };
  auto out = co_await Blocking(ctx, std::move(load));
  if (!out.ok()) co_return Response::Fail(out.error());
  co_return Response::Json(200, std::move(*out));
}

awaitable<Response> RevealConversation(Request& req, Context& ctx) {
  auto in = co_await ReadReveal(req, ctx);
  if (!in.ok()) co_return Response::Fail(in.error());
  auto& [who, id, body, reason] = *in;
  store::MessageQuery q;
  q.conversation_id = id;
  q.limit = kMaxRevealMessages;
  for (const char* name : {"before_seq", "after_seq", "limit"}) {
    auto v = json::OptInt(body, name);
    if (!v.ok()) co_return Response::Fail(v.error());
    if (!*v) continue;
    if (**v < 0 || (std::string_view(name) == "limit" && (**v < 1 || **v > kMaxRevealMessages)))
      co_return Response::Fail(Invalid("'" + std::string(name) + "' is out of range"));
    if (std::string_view(name) == "before_seq") q.before_seq = **v;
    if (std::string_view(name) == "after_seq") q.after_seq = **v;
    if (std::string_view(name) == "limit") q.limit = static_cast<int>(**v);
  }
  if (q.before_seq && q.after_seq) co_return Response::Fail(Invalid("give 'before_seq' or 'after_seq', not both"));
  auto conv = co_await VisibleConversation(ctx, who, id);
  if (!conv.ok()) co_return Response::Fail(conv.error());
  auto load = [&ctx, q, customer = conv->customer_id]() -> Result<std::pair<std::string, store::MessagePage>> {
    KEFU_ASSIGN(customer_json, CustomerJson(ctx, customer, json::Pii::shown));
    KEFU_ASSIGN(page, ctx.store.ListMessages(q));
    return std::pair{std::move(customer_json), std::move(page)};
  };
  auto loaded = co_await Blocking(ctx, std::move(load));
  if (!loaded.ok()) co_return Response::Fail(loaded.error());
  const auto& messages = loaded->second.messages;
  std::string details = ",\"conversation_id\":" + std::to_string(id) +
                        ",\"customer_id\":" + std::to_string(conv->customer_id) +
                        ",\"messages\":" + std::to_string(messages.size());
  if (!messages.empty())
    details += ",\"from_seq\":" + std::to_string(messages.front().seq) + ",\"to_seq\":" + std::to_string(messages.back().seq);
  auto audited = co_await AuditReveal(ctx, who, "customer:" + std::to_string(conv->customer_id), reason,
                                      std::move(details));
  if (!audited.ok()) co_return Response::Fail(audited.error());
  log::Info("pii.reveal", {{"rid", req.rid}, {"staff_id", who.id}, {"conversation_id", id}});
  std::string out = "{\"customer\":" + loaded->first + ",\"messages\":";
  json::AppendArray(out, messages, [](std::string& o, const store::Message& m) { json::AppendMessage(o, m, json::Pii::shown); });
  out += ",\"has_more\":";
  out += loaded->second.has_more ? "true" : "false";
  out += '}';
  Response res = Response::Json(200, std::move(out));
  res.headers.emplace_back("Cache-Control", "private, no-store");
  co_return res;
}

awaitable<Response> RevealTicket(Request& req, Context& ctx) {
  auto in = co_await ReadReveal(req, ctx);
  if (!in.ok()) co_return Response::Fail(in.error());
  auto& [who, id, body, reason] = *in;
  auto ticket = co_await VisibleTicket(ctx, who, id);
  if (!ticket.ok()) co_return Response::Fail(ticket.error());
  auto load = [&ctx, id = id] { return ctx.store.Tickets().ListTicketNotes(id); };
  auto notes = co_await Blocking(ctx, std::move(load));
  if (!notes.ok()) co_return Response::Fail(notes.error());
  std::string details = ",\"ticket_id\":" + std::to_string(id) + ",\"customer_id\":" + std::to_string(ticket->customer_id);
  auto audited = co_await AuditReveal(ctx, who, "ticket:" + std::to_string(id), reason, std::move(details));
  if (!audited.ok()) co_return Response::Fail(audited.error());
  log::Info("pii.reveal", {{"rid", req.rid}, {"staff_id", who.id}, {"ticket_id", id}});
  std::string out = "{\"ticket\":";
  AppendTicket(out, *ticket, /*for_staff=*/true, json::Pii::shown);
  out += ",\"notes\":";
  json::AppendArray(out, *notes, [](std::string& o, const store::TicketNote& n) { AppendNote(o, n, json::Pii::shown); });
  out += '}';
  Response res = Response::Json(200, std::move(out));
  res.headers.emplace_back("Cache-Control", "private, no-store");
  co_return res;
}

}  // namespace kefu::http
