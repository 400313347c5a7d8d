// Ticket and canned-reply REST handlers. Input is checked here (shapes of wallet fields, sizes,
// enums), free text passes the secret guard before it reaches the store, and the store decides
// the life cycle (each change an event in the same transaction).
#include "http/ticket_routes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>

#include "bot/guard/guard.hpp"
#include "bot/phrases.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/object_call.hpp"
#include "http/scheduler.hpp"
#include "http/sla.hpp"
#include "store/tickets.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;
using domain::Id;

namespace {

constexpr size_t kMaxSubjectChars = 200;
constexpr size_t kMaxDescriptionChars = 10000;
constexpr size_t kMaxNoteChars = 10000;
constexpr size_t kMaxSummaryChars = 2000;
constexpr size_t kMaxTags = 20;
constexpr size_t kMaxTagChars = 40;
constexpr size_t kMaxTitleChars = 100;
constexpr size_t kMaxCannedChars = 4000;


// Who changes tickets: the roles that handle conversations (the access gate checks the role).
awaitable<Result<Subject>> TicketWriter(Request& req, Context& ctx) { return StaffCaller(req, ctx); }

// ---- input ----

// Free text after the secret guard: secrets redacted (warnings say which), a staff member's
// request for a secret refused.
struct GuardedText {
  std::string text;
  std::vector<std::string> warnings;
};

Result<GuardedText> Guard(const Subject& who, std::string_view field, std::string_view text, size_t max_chars,
                          std::vector<std::string>& warnings) {
  if (!IsValidUtf8(text)) return Invalid("'" + std::string(field) + "' is not valid UTF-8");
  if (CountCodePoints(text) > max_chars)
    return Invalid("'" + std::string(field) + "' must be at most " + std::to_string(max_chars) + " characters");
  KEFU_ASSIGN(g, Hub::GuardText(who, text));
  for (auto& w : g.warnings)
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
  return GuardedText{std::move(g.text), {}};
}

// A short identifier-like field (chain, token, order id, versions): printable ASCII without
// spaces. An order id that looks like a card number is refused rather than stored.
Status CheckShort(std::string_view field, std::string_view v, size_t max) {
  if (v.size() > max) return Invalid("'" + std::string(field) + "' must be at most " + std::to_string(max) + " characters");
  for (char c : v)
    if (c <= ' ' || c > '~')
      return Invalid("'" + std::string(field) + "' must be printable ASCII without spaces");
  if (!v.empty() && !bot::SecretGuard::Default().Scan(v).warnings.empty())
    return Invalid("'" + std::string(field) + "' looks like a secret (a card number or a key); it was not stored");
  return Ok();
}

// The wallet and payment fields present in `body`, checked; absent fields stay nullopt.
struct FieldInput {
  std::optional<std::string> chain, tx_hash, from_address, to_address, token, amount, order_id, card_last4,
      app_version, platform;
};

Result<FieldInput> ReadFields(const boost::json::object& body) {
  FieldInput in;
  struct Spec {
    const char* name;
    std::optional<std::string> FieldInput::*member;
  };
  static const Spec kSpecs[] = {
      {"chain", &FieldInput::chain},           {"tx_hash", &FieldInput::tx_hash},
      {"from_address", &FieldInput::from_address}, {"to_address", &FieldInput::to_address},
      {"token", &FieldInput::token},           {"amount", &FieldInput::amount},
      {"order_id", &FieldInput::order_id},     {"card_last4", &FieldInput::card_last4},
      {"app_version", &FieldInput::app_version}, {"platform", &FieldInput::platform},
  };
  for (const Spec& s : kSpecs) {
    auto it = body.find(s.name);
    if (it != body.end() && it->value().is_number() && std::string_view(s.name) == "amount")
      return Invalid("'amount' must be a decimal string such as \"12.5\", not a JSON number (no rounding)");
    KEFU_ASSIGN(v, json::OptString(body, s.name));
    if (!v) continue;
    std::string value(Trim(*v));
    const std::string_view name = s.name;
    if (!value.empty()) {
      if (name == "tx_hash") {
        KEFU_TRY(domain::CheckTxHash(value));
      } else if (name == "from_address" || name == "to_address") {
        KEFU_TRY(domain::CheckAddress(name, value));
      } else if (name == "amount") {
        KEFU_TRY(domain::CheckAmount(value));
      } else if (name == "card_last4") {
        KEFU_TRY(domain::CheckCardLast4(value));
      } else if (name == "token") {
        KEFU_TRY(CheckShort(name, value, 64));
      } else if (name == "order_id") {
        KEFU_TRY(CheckShort(name, value, 64));
      } else {
        KEFU_TRY(CheckShort(name, value, 32));
      }
    }
    in.*s.member = std::move(value);
  }
  return in;
}

// Tags: up to 20, each 1–40 characters without control characters or commas; sorted, unique.
Result<std::optional<std::vector<std::string>>> ReadTags(const boost::json::object& body) {
  auto it = body.find("tags");
  if (it == body.end() || it->value().is_null()) return std::optional<std::vector<std::string>>();
  if (!it->value().is_array()) return Invalid("'tags' must be an array of strings");
  const auto& arr = it->value().as_array();
  if (arr.size() > kMaxTags) return Invalid("'tags' may hold at most " + std::to_string(kMaxTags) + " tags");
  std::vector<std::string> tags;
  for (const auto& v : arr) {
    if (!v.is_string()) return Invalid("'tags' must be an array of strings");
    std::string tag(Trim(std::string_view(v.as_string())));
    if (tag.empty() || CountCodePoints(tag) > kMaxTagChars)
      return Invalid("each tag must be 1–" + std::to_string(kMaxTagChars) + " characters");
    for (unsigned char c : tag)
      if (c < 0x20 || c == ',' || c == 0x7f) return Invalid("tags must not contain commas or control characters");
    tags.push_back(std::move(tag));
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return std::optional<std::vector<std::string>>(std::move(tags));
}

template <typename T, typename Parse>
Result<std::optional<T>> ReadEnum(const boost::json::object& body, std::string_view key, Parse parse,
                                  std::string_view allowed) {
  KEFU_ASSIGN(v, json::OptString(body, key));
  if (!v) return std::optional<T>();
  auto parsed = parse(*v);
  if (!parsed) return Invalid("'" + std::string(key) + "' must be one of " + std::string(allowed));
  return std::optional<T>(*parsed);
}

constexpr std::string_view kTypes = "inquiry, incident, complaint, data_request";
constexpr std::string_view kCategories =
    "account, kyc, bank_card, top_up, transfer, withdrawal, security, asset_loss, other";
constexpr std::string_view kPriorities = "low, normal, high, urgent";
constexpr std::string_view kDesks = "L1, L2, L3, security, complaints";

// ---- output ----

void AppendOptString(std::string& out, std::string_view key, std::string_view v) {
  out += ",\"";
  out += key;
  out += "\":";
  if (v.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, v);
  }
}

}  // namespace

// A ticket as JSON. Customers see what their ticket is about and where it stands, not the
// desk's working data (assignee, tags, closing summary); internal notes never go in here.
// Staff see its free text with PII masked unless `pii` says shown (a reveal, an export).
void AppendTicket(std::string& out, const store::Ticket& t, bool for_staff, json::Pii pii) {
  out += "{\"id\":" + std::to_string(t.id) + ",\"type\":\"";
  out += domain::TicketTypeName(t.type);
  out += "\",\"category\":\"";
  out += domain::TicketCategoryName(t.category);
  out += "\",\"priority\":\"";
  out += domain::TicketPriorityName(t.priority);
  out += "\",\"status\":\"";
  out += domain::TicketStatusName(t.status);
  out += "\",\"subject\":";
  AppendJsonString(out, json::PiiText(t.subject, pii));
  out += ",\"description\":";
  AppendJsonString(out, json::PiiText(t.description, pii));
  out += ",\"customer\":";
  if (t.customer_id) {
    out += "{\"id\":" + std::to_string(t.customer_id) + ",\"name\":";
    AppendJsonString(out, json::PiiText(t.customer_name, pii));
    out += '}';
  } else {
    out += "null";
  }
  out += ",\"conversation_id\":" + (t.conversation_id ? std::to_string(t.conversation_id) : std::string("null"));
  out += ",\"merged_into\":" + (t.merged_into ? std::to_string(t.merged_into) : std::string("null"));
  if (for_staff) {
    AppendOptString(out, "desk", t.desk ? domain::DeskName(*t.desk) : std::string_view());
    out += ",\"assignee\":";
    if (t.assignee_id) {
      out += "{\"id\":" + std::to_string(t.assignee_id) + ",\"name\":";
      AppendJsonString(out, t.assignee_name);
      out += '}';
    } else {
      out += "null";
    }
    out += ",\"tags\":";
    json::AppendArray(out, t.tags, [](std::string& o, const std::string& s) { AppendJsonString(o, s); });
    AppendOptString(out, "summary", json::PiiText(t.summary, pii));
  }
  const store::TicketFields& f = t.fields;
  AppendOptString(out, "chain", f.chain);
  AppendOptString(out, "tx_hash", f.tx_hash);
  AppendOptString(out, "from_address", f.from_address);
  AppendOptString(out, "to_address", f.to_address);
  AppendOptString(out, "token", f.token);
  AppendOptString(out, "amount", f.amount);
  AppendOptString(out, "order_id", f.order_id);
  AppendOptString(out, "card_last4", f.card_last4);
  AppendOptString(out, "app_version", f.app_version);
  AppendOptString(out, "platform", f.platform);
  out += ",\"created_at\":\"" + FormatRfc3339(t.created_at) + "\",\"updated_at\":\"" + FormatRfc3339(t.updated_at) +
         "\"}";
}

void AppendNote(std::string& out, const store::TicketNote& n, json::Pii pii) {
  out += "{\"id\":" + std::to_string(n.id) + ",\"ticket_id\":" + std::to_string(n.ticket_id) +
         ",\"author\":{\"id\":" + std::to_string(n.staff_id) + ",\"name\":";
  AppendJsonString(out, n.staff_name);
  out += "},\"text\":";
  AppendJsonString(out, json::PiiText(n.text, pii));
  out += ",\"created_at\":\"" + FormatRfc3339(n.created_at) + "\"}";
}

namespace {

// Adds "warnings" (what the secret guard redacted) to a JSON object.
std::string WithWarnings(std::string object, const std::vector<std::string>& warnings) {
  if (warnings.empty()) return object;
  object.pop_back();
  object += ",\"warnings\":";
  json::AppendArray(object, warnings, [](std::string& o, const std::string& w) { AppendJsonString(o, w); });
  object += '}';
  return object;
}

std::string TicketJson(const store::Ticket& t, bool for_staff, const std::vector<std::string>& warnings = {}) {
  std::string out;
  out.reserve(640 + t.subject.size() + t.description.size());
  AppendTicket(out, t, for_staff, json::PiiFor(for_staff));
  return WithWarnings(std::move(out), warnings);
}

void ApplyFields(const FieldInput& in, store::TicketFields& f) {
  auto put = [](const std::optional<std::string>& v, std::string& to) {
    if (v) to = *v;
  };
  put(in.chain, f.chain);
  put(in.tx_hash, f.tx_hash);
  put(in.from_address, f.from_address);
  put(in.to_address, f.to_address);
  put(in.token, f.token);
  put(in.amount, f.amount);
  put(in.order_id, f.order_id);
  put(in.card_last4, f.card_last4);
  put(in.app_version, f.app_version);
  put(in.platform, f.platform);
}

// Reads a new ticket from a request body (the conversation, if any, comes from the caller).
Result<store::NewTicket> ReadNewTicket(const boost::json::object& body, const Subject& who,
                                       std::vector<std::string>& warnings) {
  store::NewTicket n;
  KEFU_ASSIGN(type, ReadEnum<domain::TicketType>(body, "type", domain::ParseTicketType, kTypes));
  KEFU_ASSIGN(category, ReadEnum<domain::TicketCategory>(body, "category", domain::ParseTicketCategory, kCategories));
  KEFU_ASSIGN(priority, ReadEnum<domain::TicketPriority>(body, "priority", domain::ParseTicketPriority, kPriorities));
  KEFU_ASSIGN(desk, ReadEnum<domain::Desk>(body, "desk", domain::ParseDesk, kDesks));
  KEFU_ASSIGN(subject, json::OptString(body, "subject"));
  KEFU_ASSIGN(description, json::OptString(body, "description"));
  KEFU_ASSIGN(customer, json::OptInt(body, "customer_id"));
  KEFU_ASSIGN(assignee, json::OptInt(body, "assignee_id"));
  KEFU_ASSIGN(tags, ReadTags(body));
  KEFU_ASSIGN(fields, ReadFields(body));
  n.type = type.value_or(domain::TicketType::inquiry);
  n.category = category.value_or(domain::TicketCategory::other);
  n.priority = priority.value_or(domain::TicketPriority::normal);
  n.desk = desk;
  if (subject) {
    KEFU_ASSIGN(g, Guard(who, "subject", Trim(*subject), kMaxSubjectChars, warnings));
    n.subject = std::move(g.text);
  }
  if (description) {
    KEFU_ASSIGN(g, Guard(who, "description", Trim(*description), kMaxDescriptionChars, warnings));
    n.description = std::move(g.text);
  }
  if (customer && (*customer <= 0 || *customer >= (1LL << 53))) return Invalid("'customer_id' is not a valid id");
  if (assignee && (*assignee <= 0 || *assignee >= (1LL << 53))) return Invalid("'assignee_id' is not a valid id");
  n.customer_id = customer.value_or(0);
  n.assignee_id = assignee.value_or(0);
  if (tags) n.tags = std::move(*tags);
  ApplyFields(fields, n.fields);
  n.actor = who.actor();
  n.at = Clock::System().Now();
  return n;
}

awaitable<Response> Create(Request& req, Context& ctx, Id path_conversation_id) {
  auto who = co_await TicketWriter(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body, /*empty_ok=*/path_conversation_id != 0);
  if (!body.ok()) co_return Response::Fail(body.error());
  std::vector<std::string> warnings;
  auto n = ReadNewTicket(*body, *who, warnings);
  if (!n.ok()) co_return Response::Fail(n.error());
  if (path_conversation_id) {
    n->conversation_id = path_conversation_id;
  } else if (body->contains("conversation_id") && !body->at("conversation_id").is_null()) {
    auto conv = json::RequiredId(*body, "conversation_id");
    if (!conv.ok()) co_return Response::Fail(conv.error());
    n->conversation_id = *conv;
  }
  if (!n->conversation_id && n->subject.empty())
    co_return Response::Fail(Invalid("'subject' is required (or give 'conversation_id' to take it from there)"));
  auto ticket = co_await ctx.sla->CreateTicket(std::move(*n));
  if (!ticket.ok()) co_return Response::Fail(ticket.error());
  log::Info("ticket.created", {{"rid", req.rid}, {"ticket_id", ticket->id}, {"staff_id", who->id}});
  Response res = Response::Json(201, TicketJson(*ticket, true, warnings));
  res.headers.emplace_back("Location", "/api/v1/tickets/" + std::to_string(ticket->id));
  co_return res;
}

}  // namespace

// Desk scope on a ticket (docs/adr/0019).
Status TicketScope(const Subject& who, const store::Ticket& t) {
  if (!who.is_staff()) {
    if (t.customer_id != who.id) return MakeError(Code::not_found, "ticket " + std::to_string(t.id) + " not found");
    return Ok();
  }
  if (!domain::MaySeeCase(who.role, who.desk, who.id, t.desk, t.assignee_id))
    return MakeError(Code::forbidden, "ticket " + std::to_string(t.id) + " belongs to the " +
                                          std::string(t.desk ? domain::DeskName(*t.desk) : "") + " desk");
  return Ok();
}

// The ticket, if `who` may see it: TicketScope, or an agent who handled it before (an event of
// theirs in its history), unless it is with the security desk.
awaitable<Result<store::Ticket>> ScopedTicket(Context& ctx, const Subject& who, Id id) {
  struct Found {
    Result<store::Ticket> ticket;
    bool handled = false;
  };
  auto get = [&ctx, &who, id]() -> Found {
    Found f{ctx.store.Tickets().GetTicket(id)};
    if (!f.ticket.ok() || !who.is_staff() || who.role != domain::Role::agent ||
        f.ticket->desk == domain::Desk::security || TicketScope(who, *f.ticket).ok())
      return f;
    auto events = ctx.store.Tickets().ListTicketEvents(id);
    if (events.ok())
      f.handled = std::any_of(events->begin(), events->end(), [&who](const store::Event& e) {
        return e.actor && e.actor->type == domain::ActorType::staff && e.actor->id == who.id;
      });
    return f;
  };
  auto found = co_await Blocking(ctx, std::move(get));
  if (!found.ticket.ok() || found.handled) co_return std::move(found.ticket);
  if (auto scope = TicketScope(who, *found.ticket); !scope.ok()) co_return std::move(scope).error();
  co_return std::move(found.ticket);
}

awaitable<Result<store::Ticket>> VisibleTicket(Context& ctx, const Subject& who, Id id) {
  co_return co_await ScopedTicket(ctx, who, id);
}

awaitable<Status> TicketInScope(Context& ctx, const Subject& who, Id id) {
  auto ticket = co_await ScopedTicket(ctx, who, id);
  if (!ticket.ok()) co_return std::move(ticket).error();
  co_return Ok();
}

namespace {

// {{name}} variables a canned reply may use.
constexpr std::string_view kVariables[] = {"customer_name", "ticket_id", "agent_name"};

Status CheckVariables(std::string_view body) {
  for (size_t at = body.find("{{"); at != std::string_view::npos; at = body.find("{{", at + 2)) {
    const size_t end = body.find("}}", at + 2);
    if (end == std::string_view::npos) return Invalid("'body' has an unclosed '{{'");
    std::string_view name = Trim(body.substr(at + 2, end - at - 2));
    if (std::find(std::begin(kVariables), std::end(kVariables), name) == std::end(kVariables))
      return Invalid("unknown variable {{" + std::string(TruncateCodePoints(name, 40)) +
                     "}}; use {{customer_name}}, {{ticket_id}} or {{agent_name}}");
  }
  return Ok();
}

std::string Fill(std::string_view body, const std::vector<std::pair<std::string_view, std::string>>& values) {
  std::string out;
  size_t pos = 0;
  for (size_t at = body.find("{{"); at != std::string_view::npos; at = body.find("{{", pos)) {
    const size_t end = body.find("}}", at + 2);
    if (end == std::string_view::npos) break;
    out.append(body.substr(pos, at - pos));
    std::string_view name = Trim(body.substr(at + 2, end - at - 2));
    auto it = std::find_if(values.begin(), values.end(), [&](const auto& kv) { return kv.first == name; });
    if (it != values.end()) {
      out += it->second;
    } else {
      out.append(body.substr(at, end + 2 - at));
    }
    pos = end + 2;
  }
  out.append(body.substr(pos));
  return out;
}

void AppendCanned(std::string& out, const store::CannedReply& r) {
  out += "{\"id\":" + std::to_string(r.id) + ",\"title\":";
  AppendJsonString(out, r.title);
  out += ",\"body\":";
  AppendJsonString(out, r.body);
  AppendOptString(out, "lang", r.lang);
  AppendOptString(out, "desk", r.desk ? domain::DeskName(*r.desk) : std::string_view());
  out += ",\"created_at\":\"" + FormatRfc3339(r.created_at) + "\"}";
}

}  // namespace

awaitable<Response> CreateTicket(Request& req, Context& ctx) { co_return co_await Create(req, ctx, 0); }

awaitable<Response> CreateTicketFromConversation(Request& req, Context& ctx) {
  auto id = PathId(req, "conversation");
  if (!id.ok()) co_return Response::Fail(id.error());
  {
    auto who = co_await StaffCaller(req, ctx);
    if (!who.ok()) co_return Response::Fail(who.error());
    auto conv = co_await VisibleConversation(ctx, *who, *id);  // desk scope
    if (!conv.ok()) co_return Response::Fail(conv.error());
  }
  co_return co_await Create(req, ctx, *id);
}

awaitable<Response> ListTickets(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  store::TicketQuery q;
  auto limit = LimitParam(req, 50, 100);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  q.limit = *limit;
  q.cursor = req.Query("cursor").value_or("");
  auto bad = [](std::string_view key, std::string_view allowed) {
    return Response::Fail(Invalid("'" + std::string(key) + "' must be one of " + std::string(allowed)));
  };
  if (auto v = req.Query("status"); v && !v->empty()) {
    q.status = domain::ParseTicketStatus(*v);
    if (!q.status) co_return bad("status", "new, open, pending, resolved, closed");
  }
  if (auto v = req.Query("desk"); v && !v->empty()) {
    q.desk = domain::ParseDesk(*v);
    if (!q.desk) co_return bad("desk", kDesks);
  }
  if (auto v = req.Query("type"); v && !v->empty()) {
    q.type = domain::ParseTicketType(*v);
    if (!q.type) co_return bad("type", kTypes);
  }
  if (auto v = req.Query("category"); v && !v->empty()) {
    q.category = domain::ParseTicketCategory(*v);
    if (!q.category) co_return bad("category", kCategories);
  }
  if (auto v = req.Query("priority"); v && !v->empty()) {
    q.priority = domain::ParseTicketPriority(*v);
    if (!q.priority) co_return bad("priority", kPriorities);
  }
  if (auto v = req.Query("assignee"); v && !v->empty()) {
    if (*v == "me") {
      q.assignee_id = who->id;
    } else if (*v == "none") {
      q.assignee_id = 0;
    } else {
      auto id = ParseInt(*v);
      if (!id || *id <= 0) co_return Response::Fail(Invalid("'assignee' must be a staff id, 'me' or 'none'"));
      q.assignee_id = *id;
    }
  }
  if (auto v = req.Query("tag"); v && !v->empty()) q.tag = *v;
  if (auto v = req.Query("customer_id"); v && !v->empty()) {
    auto id = ParseInt(*v);
    if (!id || *id <= 0) co_return Response::Fail(Invalid("'customer_id' must be a customer id"));
    q.customer_id = *id;
  }
  // A customer sees their own tickets only, whatever they ask for.
  if (!who->is_staff()) q.customer_id = who->id;
  auto list = [&ctx, q] { return ctx.store.Tickets().ListTickets(q); };
  auto page = co_await Blocking(ctx, std::move(list));
  if (!page.ok()) co_return Response::Fail(page.error());
  if (who->is_staff())  // desk scope (docs/adr/0019): an agent's page holds only what they may see
    std::erase_if(page->tickets, [&w = *who](const store::Ticket& t) { return !TicketScope(w, t).ok(); });
  const bool staff = who->is_staff();
  std::string out = "{\"tickets\":";
  json::AppendArray(out, page->tickets, [staff](std::string& o, const store::Ticket& t) { AppendTicket(o, t, staff, json::PiiFor(staff)); });
  json::AppendNextCursorAndClose(out, page->next_cursor);
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> GetTicket(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "ticket");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto ticket = co_await VisibleTicket(ctx, *who, *id);
  if (!ticket.ok()) co_return Response::Fail(ticket.error());
  std::string out = TicketJson(*ticket, who->is_staff());
  if (who->is_staff()) {
    auto notes_fn = [&ctx, id = *id] { return ctx.store.Tickets().ListTicketNotes(id); };
    auto notes = co_await Blocking(ctx, std::move(notes_fn));
    if (!notes.ok()) co_return Response::Fail(notes.error());
    out.pop_back();
    out += ",\"notes\":";
    json::AppendArray(out, *notes, [](std::string& o, const store::TicketNote& n) { AppendNote(o, n, json::Pii::masked); });
    out += '}';
  }
  co_return Response::Json(200, std::move(out));
}

namespace {

// Whether `edited` carries the marks of a mask ("138****8000", "a***@x.com", "•••• 7894") that
// `stored` — which holds PII staff read masked — does not have itself.
bool CarriesMask(std::string_view edited, std::string_view stored) {
  if (json::PiiText(stored, json::Pii::masked) == stored) return false;
  for (std::string_view mark : {std::string_view("**"), std::string_view("\xE2\x80\xA2\xE2\x80\xA2")})
    if (edited.find(mark) != std::string_view::npos && stored.find(mark) == std::string_view::npos) return true;
  return false;
}

}  // namespace

awaitable<Response> UpdateTicket(Request& req, Context& ctx) {
  auto who = co_await TicketWriter(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "ticket");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto current = co_await ScopedTicket(ctx, *who, *id);
  if (!current.ok()) co_return Response::Fail(current.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  static constexpr std::string_view kFixed[] = {"id", "status", "customer_id", "conversation_id", "summary",
                                                "merged_into"};
  for (std::string_view key : kFixed)
    if (body->contains(key))
      co_return Response::Fail(Invalid("'" + std::string(key) + "' cannot be changed here" +
                                       (key == "status" || key == "summary" ? "; use POST /api/v1/tickets/{id}/status"
                                                                            : std::string())));
  std::vector<std::string> warnings;
  auto read = [&]() -> Result<store::TicketUpdate> {
    store::TicketUpdate u;
    u.ticket_id = *id;
    KEFU_ASSIGN(type, ReadEnum<domain::TicketType>(*body, "type", domain::ParseTicketType, kTypes));
    KEFU_ASSIGN(category, ReadEnum<domain::TicketCategory>(*body, "category", domain::ParseTicketCategory, kCategories));
    KEFU_ASSIGN(priority, ReadEnum<domain::TicketPriority>(*body, "priority", domain::ParseTicketPriority, kPriorities));
    KEFU_ASSIGN(subject, json::OptString(*body, "subject"));
    KEFU_ASSIGN(description, json::OptString(*body, "description"));
    KEFU_ASSIGN(tags, ReadTags(*body));
    KEFU_ASSIGN(fields, ReadFields(*body));
    u.type = type;
    u.category = category;
    u.priority = priority;
    // Staff read free text masked; a client that sends back what it read (GET, edit another
    // field, PUT it all) must not overwrite the customer's words with the mask.
    if (subject && *subject != current->subject && *subject == json::PiiText(current->subject, json::Pii::masked))
      subject.reset();
    if (description && *description != current->description &&
        *description == json::PiiText(current->description, json::Pii::masked))
      description.reset();
    // An edit of the masked text itself would save the asterisks over the customer's words.
    for (auto [field, edited, stored] : {std::tuple{"subject", &subject, &current->subject},
                                         std::tuple{"description", &description, &current->description}}) {
      if (*edited && CarriesMask(**edited, *stored))
        return Invalid(std::string("'") + field +
                       "' holds masked personal data: reveal the ticket (POST /api/v1/tickets/{id}/reveal) and edit "
                       "the full text");
    }
    if (subject) {
      KEFU_ASSIGN(g, Guard(*who, "subject", Trim(*subject), kMaxSubjectChars, warnings));
      if (g.text.empty()) return Invalid("'subject' must not be empty");
      u.subject = std::move(g.text);
    }
    if (description) {
      KEFU_ASSIGN(g, Guard(*who, "description", Trim(*description), kMaxDescriptionChars, warnings));
      u.description = std::move(g.text);
    }
    if (auto it = body->find("desk"); it != body->end()) {
      if (it->value().is_null()) {
        u.desk = std::optional<domain::Desk>();
      } else {
        KEFU_ASSIGN(desk, ReadEnum<domain::Desk>(*body, "desk", domain::ParseDesk, kDesks));
        u.desk = desk;
      }
    }
    if (auto it = body->find("assignee_id"); it != body->end()) {
      if (it->value().is_null()) {
        u.assignee_id = 0;
      } else {
        KEFU_ASSIGN(a, json::RequiredId(*body, "assignee_id"));
        u.assignee_id = a;
      }
    }
    u.tags = std::move(tags);
    u.chain = fields.chain;
    u.tx_hash = fields.tx_hash;
    u.from_address = fields.from_address;
    u.to_address = fields.to_address;
    u.token = fields.token;
    u.amount = fields.amount;
    u.order_id = fields.order_id;
    u.card_last4 = fields.card_last4;
    u.app_version = fields.app_version;
    u.platform = fields.platform;
    u.actor = who->actor();
    u.at = Clock::System().Now();
    return u;
  };
  auto update = read();
  if (!update.ok()) co_return Response::Fail(update.error());
  auto submit = [&ctx, u = std::move(*update)](store::Callback<store::Ticket> done) mutable {
    ctx.store.Tickets().UpdateTicket(std::move(u), std::move(done));
  };
  auto ticket = co_await Write<store::Ticket>(std::move(submit));
  if (!ticket.ok()) co_return Response::Fail(ticket.error());
  co_return Response::Json(200, TicketJson(*ticket, true, warnings));
}

awaitable<Response> SetTicketStatus(Request& req, Context& ctx) {
  auto who = co_await TicketWriter(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "ticket");
  if (!id.ok()) co_return Response::Fail(id.error());
  if (auto scope = co_await TicketInScope(ctx, *who, *id); !scope.ok()) co_return Response::Fail(scope.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto status_name = json::OptString(*body, "status");
  auto summary = json::OptString(*body, "summary");
  if (!status_name.ok()) co_return Response::Fail(status_name.error());
  if (!summary.ok()) co_return Response::Fail(summary.error());
  auto status = domain::ParseTicketStatus(status_name->value_or(""));
  if (!status) co_return Response::Fail(Invalid("'status' must be one of new, open, pending, resolved, closed"));
  store::TicketStatusChange c;
  c.ticket_id = *id;
  c.status = *status;
  std::vector<std::string> warnings;
  if (*summary) {
    auto g = Guard(*who, "summary", Trim(**summary), kMaxSummaryChars, warnings);
    if (!g.ok()) co_return Response::Fail(g.error());
    c.summary = std::move(g->text);
  }
  c.require_summary = ctx.config.tickets_require_summary;
  c.actor = who->actor();
  c.at = Clock::System().Now();
  // Resolved: closes by itself after the customer's silence, with a notice first (sla.hpp).
  Millis auto_close_at = 0;
  if (c.status == domain::TicketStatus::resolved && ctx.config.ticket_auto_close_hours > 0) {
    auto_close_at = c.at + Millis{ctx.config.ticket_auto_close_hours} * 3'600'000;
    c.timers.push_back(store::NewTimer{std::string(SlaService::kAutoCloseTimer), c.ticket_id, auto_close_at,
                                       "{\"step\":\"notice\"}", true});
  }
  if (ctx.sla) c.sla_pause = ctx.sla->PauseHook();  // pending pauses the resolution clock
  auto submit = [&ctx, c = std::move(c)](store::Callback<store::Ticket> done) mutable {
    ctx.store.Tickets().SetTicketStatus(std::move(c), std::move(done));
  };
  auto ticket = co_await Write<store::Ticket>(std::move(submit));
  if (!ticket.ok()) co_return Response::Fail(ticket.error());
  if (auto_close_at && ctx.scheduler) ctx.scheduler->Poke(auto_close_at);
  if (ctx.sla) co_await ctx.sla->TicketChanged(*ticket);
  log::Info("ticket.status", {{"rid", req.rid}, {"ticket_id", ticket->id},
                              {"status", domain::TicketStatusName(ticket->status)}, {"staff_id", who->id}});
  co_return Response::Json(200, TicketJson(*ticket, true, warnings));
}

awaitable<Response> AddTicketNote(Request& req, Context& ctx) {
  auto who = co_await TicketWriter(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "ticket");
  if (!id.ok()) co_return Response::Fail(id.error());
  if (auto scope = co_await TicketInScope(ctx, *who, *id); !scope.ok()) co_return Response::Fail(scope.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto text = json::OptString(*body, "text");
  if (!text.ok()) co_return Response::Fail(text.error());
  if (!*text || Trim(**text).empty()) co_return Response::Fail(Invalid("'text' is required"));
  std::vector<std::string> warnings;
  auto g = Guard(*who, "text", Trim(**text), kMaxNoteChars, warnings);
  if (!g.ok()) co_return Response::Fail(g.error());
  auto submit = [&ctx, id = *id, staff = who->id, text = std::move(g->text),
                 at = Clock::System().Now()](store::Callback<store::TicketNote> done) mutable {
    ctx.store.Tickets().AddTicketNote(id, staff, std::move(text), at, std::move(done));
  };
  auto note = co_await Write<store::TicketNote>(std::move(submit));
  if (!note.ok()) co_return Response::Fail(note.error());
  std::string out;
  AppendNote(out, *note, json::Pii::masked);
  co_return Response::Json(201, WithWarnings(std::move(out), warnings));
}

awaitable<Response> ListTicketEvents(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "ticket");
  if (!id.ok()) co_return Response::Fail(id.error());
  if (auto scope = co_await TicketInScope(ctx, *who, *id); !scope.ok()) co_return Response::Fail(scope.error());
  struct Found {
    Result<store::Ticket> ticket;
    Result<std::vector<store::Event>> events;
  };
  auto list = [&ctx, id = *id]() -> Found {
    auto ticket = ctx.store.Tickets().GetTicket(id);
    if (!ticket.ok()) return {ticket, ticket.error()};
    return {ticket, ctx.store.Tickets().ListTicketEvents(id)};
  };
  auto found = co_await Blocking(ctx, std::move(list));
  if (!found.ticket.ok()) co_return Response::Fail(found.ticket.error());
  if (!found.events.ok()) co_return Response::Fail(found.events.error());
  std::string out = "{\"events\":";
  json::AppendArray(out, *found.events,
                    [](std::string& o, const store::Event& e) { json::AppendEvent(o, e, json::Pii::masked); });
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> MergeTicket(Request& req, Context& ctx) {
  auto who = co_await TicketWriter(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "ticket");
  if (!id.ok()) co_return Response::Fail(id.error());
  if (auto scope = co_await TicketInScope(ctx, *who, *id); !scope.ok()) co_return Response::Fail(scope.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto into = json::RequiredId(*body, "into");
  if (!into.ok()) co_return Response::Fail(into.error());
  auto submit = [&ctx, source = *id, target = *into, actor = who->actor(),
                 at = Clock::System().Now()](store::Callback<store::TicketMerge> done) {
    ctx.store.Tickets().MergeTicket(source, target, actor, at, std::move(done));
  };
  auto merged = co_await Write<store::TicketMerge>(std::move(submit));
  if (!merged.ok()) co_return Response::Fail(merged.error());
  log::Info("ticket.merged", {{"rid", req.rid}, {"ticket_id", *id}, {"into", *into}, {"staff_id", who->id}});
  std::string out = "{\"ticket\":";
  AppendTicket(out, merged->source, true, json::Pii::masked);
  out += ",\"into\":";
  AppendTicket(out, merged->target, true, json::Pii::masked);
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ListCannedReplies(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto list = [&ctx] { return ctx.store.Tickets().ListCannedReplies(); };
  auto replies = co_await Blocking(ctx, std::move(list));
  if (!replies.ok()) co_return Response::Fail(replies.error());
  std::string out = "{\"canned_replies\":";
  json::AppendArray(out, *replies, AppendCanned);
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> CreateCannedReply(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto title = json::OptString(*body, "title");
  auto text = json::OptString(*body, "body");
  auto lang = json::OptString(*body, "lang");
  if (!title.ok()) co_return Response::Fail(title.error());
  if (!text.ok()) co_return Response::Fail(text.error());
  if (!lang.ok()) co_return Response::Fail(lang.error());
  auto desk = ReadEnum<domain::Desk>(*body, "desk", domain::ParseDesk, kDesks);
  if (!desk.ok()) co_return Response::Fail(desk.error());
  if (!*title || Trim(**title).empty() || !*text || Trim(**text).empty())
    co_return Response::Fail(Invalid("'title' and 'body' are required"));
  std::string lang_code = lang->value_or("");
  if (lang_code == "zh-CN" || lang_code == "zh-TW") lang_code = "zh";
  if (!lang_code.empty() && lang_code != "zh" && lang_code != "en" && lang_code != "es")
    co_return Response::Fail(Invalid("'lang' must be zh, zh-CN, zh-TW, en or es"));
  std::vector<std::string> warnings;
  // A canned reply is sent by staff: the guard refuses one that asks for a secret.
  auto t = Guard(*who, "title", Trim(**title), kMaxTitleChars, warnings);
  if (!t.ok()) co_return Response::Fail(t.error());
  auto b = Guard(*who, "body", Trim(**text), kMaxCannedChars, warnings);
  if (!b.ok()) co_return Response::Fail(b.error());
  if (auto st = CheckVariables(b->text); !st.ok()) co_return Response::Fail(st.error());
  store::CannedReply r;
  r.title = std::move(t->text);
  r.body = std::move(b->text);
  r.lang = lang_code;
  r.desk = *desk;
  r.created_by = who->id;
  r.created_at = Clock::System().Now();
  auto submit = [&ctx, r = std::move(r)](store::Callback<store::CannedReply> done) mutable {
    ctx.store.Tickets().CreateCannedReply(std::move(r), std::move(done));
  };
  auto created = co_await Write<store::CannedReply>(std::move(submit));
  if (!created.ok()) co_return Response::Fail(created.error());
  std::string out;
  AppendCanned(out, *created);
  co_return Response::Json(201, WithWarnings(std::move(out), warnings));
}

awaitable<Response> RenderCannedReply(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx, "canned reply");
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  const bool by_ticket = body.contains("ticket_id") && !body.at("ticket_id").is_null();
  const bool by_conversation = body.contains("conversation_id") && !body.at("conversation_id").is_null();
  if (by_ticket == by_conversation)
    co_return Response::Fail(Invalid("give exactly one of 'ticket_id' and 'conversation_id'"));
  auto target = json::RequiredId(body, by_ticket ? "ticket_id" : "conversation_id");
  if (!target.ok()) co_return Response::Fail(target.error());
  // Rendered only for a case the caller may see (desk scope): a template of {{customer_name}}
  // must not read names across desks.
  if (by_ticket) {
    auto visible = co_await VisibleTicket(ctx, who, *target);
    if (!visible.ok()) co_return Response::Fail(visible.error());
  } else {
    auto visible = co_await VisibleConversation(ctx, who, *target);
    if (!visible.ok()) co_return Response::Fail(visible.error());
  }
  struct Rendered {
    Result<std::string> text;
  };
  auto render = [&ctx, id = id, target = *target, by_ticket, agent = who.name]() -> Rendered {
    auto reply = ctx.store.Tickets().GetCannedReply(id);
    if (!reply.ok()) return {reply.error()};
    std::string customer, ticket_id, lang;
    if (by_ticket) {
      auto t = ctx.store.Tickets().GetTicket(target);
      if (!t.ok()) return {t.error()};
      customer = t->customer_name;
      ticket_id = std::to_string(t->id);
      if (t->customer_id)
        if (auto cu = ctx.store.GetCustomer(t->customer_id); cu.ok()) lang = cu->lang;
    } else {
      auto c = ctx.store.GetConversation(target);
      if (!c.ok()) return {c.error()};
      customer = c->customer_name;
      lang = c->lang;
      if (auto t = ctx.store.Tickets().FindTicketForConversation(target); t.ok()) ticket_id = std::to_string(t->id);
    }
    // A rendered reply is an outbound template: it carries the safety line in the customer's
    // language (docs/adr/0018).
    return {bot::WithSafetyLine(
        Fill(reply->body, {{"customer_name", json::PiiText(customer, json::Pii::masked)}, {"ticket_id", ticket_id},
                           {"agent_name", agent}}),
        lang)};
  };
  auto rendered = co_await Blocking(ctx, std::move(render));
  if (!rendered.text.ok()) co_return Response::Fail(rendered.text.error());
  std::string out = "{\"canned_reply_id\":" + std::to_string(id) + ",\"text\":";
  AppendJsonString(out, *rendered.text);
  out += '}';
  co_return Response::Json(200, std::move(out));
}

}  // namespace kefu::http
