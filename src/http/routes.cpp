// REST handlers. Each one validates its input, checks who may do it, calls the store off the
// network thread, and answers with the shapes in docs/protocol.md.
#include <boost/asio/redirect_error.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>

#include "auth/password.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/api.hpp"
#include "http/auth_routes.hpp"
#include "http/json_io.hpp"
#include "http/audit_routes.hpp"
#include "http/kb_routes.hpp"
#include "http/object_call.hpp"
#include "http/ticket_routes.hpp"
#include "http/server.hpp"
#include "http/sla_routes.hpp"
#include "http/webhook.hpp"
#include "http/tasks.hpp"
#include "http/attachments.hpp"
#include "http/pii_routes.hpp"
#include "http/privacy_routes.hpp"
#include "http/complaints.hpp"
#include "http/trust_routes.hpp"
#include "http/scheduler.hpp"
#include "http/workflow.hpp"
#include "bot/knowledge_base.hpp"
#include "bot/phrases.hpp"
#include "bot/policy/policy.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;
using domain::Id;

std::optional<std::int64_t> ParseInt(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

namespace {

constexpr std::size_t kMaxNameChars = 64;

std::string ConversationJson(const store::Conversation& c, json::Pii pii) {
  std::string out;
  json::AppendConversation(out, c, pii);
  return out;
}

// ---- handlers ----

awaitable<Response> Healthz(Request&, Context&) { co_return Response::Json(200, R"({"status":"ok"})"); }

awaitable<Response> MetricsPage(Request&, Context& ctx) {
  co_return Response{200, "text/plain; version=0.0.4; charset=utf-8", ctx.metrics.Render(), {}};
}

awaitable<Response> StaffMe(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto staff_fn = [&ctx, id = who->id] { return ctx.store.GetStaff(id); };
  auto staff = co_await Blocking(ctx, std::move(staff_fn));
  if (!staff.ok()) co_return Response::Fail(staff.error());
  std::string out;
  json::AppendStaff(out, *staff);
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ListConversations(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  store::ConversationQuery q;
  auto limit = LimitParam(req, 50, 100);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  q.limit = *limit;
  q.cursor = req.Query("cursor").value_or("");
  if (auto states = req.Query("state")) {
    std::string_view rest = *states;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view name = Trim(rest.substr(0, comma));
      if (!name.empty()) {
        auto st = domain::ParseState(name);
        if (!st) co_return Response::Fail(MakeError(Code::invalid, "unknown state '" + std::string(name) + "'"));
        q.states.push_back(*st);
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (auto mine = req.Query("mine"); mine && (*mine == "1" || *mine == "true")) q.assigned_staff_id = who->id;
  auto page_fn = [&ctx, q] { return ctx.store.ListConversations(q); };
  auto page = co_await Blocking(ctx, std::move(page_fn));
  if (!page.ok()) co_return Response::Fail(page.error());
  // Desk scope (docs/adr/0019): an agent's page holds their desk's, their own and undesked ones.
  std::erase_if(page->conversations, [&w = *who](const store::Conversation& c) {
    return !domain::MaySeeCase(w.role, w.desk, w.id, c.desk, c.assigned_staff_id);
  });
  std::string out = "{\"conversations\":";
  json::AppendArray(out, page->conversations,
                    [](std::string& o, const store::Conversation& c) { json::AppendConversation(o, c, json::Pii::masked); });
  json::AppendNextCursorAndClose(out, page->next_cursor);
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> GetConversation(Request& req, Context& ctx) {
  auto call = co_await CallerConversation(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  co_return Response::Json(200, ConversationJson(call->conversation, json::PiiFor(call->who.is_staff())));
}

awaitable<Response> ListMessages(Request& req, Context& ctx) {
  auto call = co_await CallerConversation(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const store::Conversation& conv = call->conversation;
  const Id id = conv.id;
  store::MessageQuery q;
  q.conversation_id = id;
  auto limit = LimitParam(req, 50, 200);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  q.limit = *limit;
  for (const char* name : {"before_seq", "after_seq"}) {
    if (auto s = req.Query(name)) {
      auto v = ParseInt(*s);
      if (!v || *v < 0)
        co_return Response::Fail(MakeError(Code::invalid, "'" + std::string(name) + "' must be a non-negative integer"));
      (std::string_view(name) == "before_seq" ? q.before_seq : q.after_seq) = *v;
    }
  }
  if (q.before_seq && q.after_seq)
    co_return Response::Fail(MakeError(Code::invalid, "give 'before_seq' or 'after_seq', not both"));
  auto page_fn = [&ctx, q] { return ctx.store.ListMessages(q); };
  auto page = co_await Blocking(ctx, std::move(page_fn));
  if (!page.ok()) co_return Response::Fail(page.error());
  if (!who.is_staff())  // staff-only messages (whispers) never reach the customer
    std::erase_if(page->messages, [](const store::Message& m) { return domain::IsStaffOnlyKind(m.kind); });
  std::string out = "{\"messages\":";
  json::AppendArray(out, page->messages, [pii = json::PiiFor(who.is_staff())](std::string& o, const store::Message& m) {
    json::AppendMessage(o, m, pii);
  });
  out += ",\"has_more\":";
  out += page->has_more ? "true" : "false";
  out += '}';
  co_return Response::Json(200, std::move(out));
}

// A message's `text` from a request body: required, not blank, at most limits.text_chars code
// points (Code::too_large beyond). Returned as given (the guard and the store see it unchanged).
Result<std::string> ReadMessageText(const boost::json::object& body, const Context& ctx) {
  KEFU_ASSIGN(text, json::OptString(body, "text"));
  if (!text || Trim(*text).empty()) return Invalid("'text' is required");
  if (CountCodePoints(*text) > static_cast<size_t>(ctx.config.limits.text_chars))
    return MakeError(Code::too_large, "text longer than " + std::to_string(ctx.config.limits.text_chars) + " characters");
  return std::move(*text);
}

// A message's optional `client_id` (the sender's idempotency key, at most 128 bytes); "" when absent.
Result<std::string> ReadClientId(const boost::json::object& body) {
  KEFU_ASSIGN(client_id, json::OptString(body, "client_id"));
  if (client_id && client_id->size() > 128) return Invalid("'client_id' must be at most 128 bytes");
  return client_id.value_or("");
}

awaitable<Response> PostMessage(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  auto text = ReadMessageText(body, ctx);
  if (!text.ok()) co_return Response::Fail(text.error());
  auto client_id = ReadClientId(body);
  if (!client_id.ok()) co_return Response::Fail(client_id.error());
  auto conv = co_await VisibleConversation(ctx, who, id);
  if (!conv.ok()) co_return Response::Fail(conv.error());
  if (!Hub::MayParticipate(who, *conv))
    co_return Response::Fail(MakeError(Code::forbidden, "accept the conversation before replying"));
  auto guarded = Hub::GuardText(who, *text);
  if (!guarded.ok()) co_return Response::Fail(guarded.error());
  store::NewMessage msg;
  msg.conversation_id = id;
  msg.sender = who.actor();
  msg.client_id = std::move(*client_id);
  msg.text = std::move(guarded->text);
  msg.at = Clock::System().Now();
  auto append = [&ctx, msg = std::move(msg)](store::Callback<store::AppendedMessage> done) mutable {
    ctx.store.AppendMessage(std::move(msg), std::move(done));
  };
  auto stored = co_await Write<store::AppendedMessage>(std::move(append));
  if (!stored.ok()) co_return Response::Fail(stored.error());
  stored->message.sender_name = who.name;
  stored->message.sender_verify_id = who.verify_id;
  if (!stored->duplicate) {
    ctx.hub.ConversationChanged(*conv);  // refreshes cached rights before the fan-out
    ctx.hub.Delivered(who, stored->message, guarded->warnings, nullptr);
  }
  std::string out;
  json::AppendMessage(out, stored->message, json::PiiFor(who.is_staff()));
  if (!guarded->warnings.empty()) {
    out.pop_back();
    out += ",\"warnings\":";
    json::AppendArray(out, guarded->warnings, [](std::string& o, const std::string& w) { AppendJsonString(o, w); });
    out += '}';
  }
  co_return Response::Json(stored->duplicate ? 200 : 201, std::move(out));
}

awaitable<Response> Accept(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  // Desk scope: an agent takes their desk's conversations (and undesked ones), not another's.
  auto conv = co_await VisibleConversation(ctx, *who, *id);
  if (!conv.ok()) co_return Response::Fail(conv.error());
  auto result = co_await ctx.workflow->Accept(*who, *id);
  if (!result.ok()) co_return Response::Fail(result.error());
  log::Info("conversation.accepted", {{"rid", req.rid}, {"conversation_id", *id}, {"staff_id", who->id}});
  co_return Response::Json(200, ConversationJson(*result, json::PiiFor(who->is_staff())));
}

awaitable<Response> SetMyStatus(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto status = json::OptString(*body, "status");
  if (!status.ok()) co_return Response::Fail(status.error());
  auto presence = routing::ParsePresence(status->value_or(""));
  if (!presence)
    co_return Response::Fail(MakeError(Code::invalid, "'status' must be online, busy, away or offline"));
  auto updated = co_await ctx.workflow->SetStatus(*who, *presence);
  if (!updated.ok()) co_return Response::Fail(updated.error());
  std::string out;
  json::AppendStaff(out, *updated);
  co_return Response::Json(200, std::move(out));
}

// A handoff asked for over REST (the widget's "talk to a person" button, or staff) ranks in the
// queue like the same request typed to the bot: on the bot policy's scale, never below it.
int HandoffPriority(domain::Desk desk) {
  switch (desk) {
    case domain::Desk::security: return bot::policy::kPrioritySecurity;
    case domain::Desk::complaints: return bot::policy::kPriorityComplaint;
    case domain::Desk::L2:
    case domain::Desk::L3: return bot::policy::kPriorityTier;
    default: return bot::policy::kPriorityExplicitHuman;
  }
}

awaitable<Response> Handoff(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx, {}, /*empty_ok=*/true);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  auto desk_name = json::OptString(body, "desk");
  auto reason = json::OptString(body, "reason");
  if (!desk_name.ok()) co_return Response::Fail(desk_name.error());
  if (!reason.ok()) co_return Response::Fail(reason.error());
  auto desk = domain::ParseDesk(desk_name->value_or("L1"));
  if (!desk) co_return Response::Fail(MakeError(Code::invalid, "'desk' must be L1, L2, L3, security or complaints"));
  if (reason->has_value() && CountCodePoints(**reason) > 500)
    co_return Response::Fail(MakeError(Code::invalid, "'reason' must be at most 500 characters"));
  auto conv = co_await VisibleConversation(ctx, who, id);
  if (!conv.ok()) co_return Response::Fail(conv.error());
  auto result = co_await ctx.workflow->Handoff(id, who.actor(), *desk,
                                               reason->value_or(who.is_staff() ? "staff_request" : "customer_request"),
                                               HandoffPriority(*desk), "");
  if (!result.ok()) co_return Response::Fail(result.error());
  co_return Response::Json(200, ConversationJson(*result, json::PiiFor(who.is_staff())));
}

awaitable<Response> Transfer(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  auto desk_name = json::OptString(body, "desk");
  auto agent = json::OptInt(body, "agent_id");
  auto reason = json::OptString(body, "reason");
  auto note = json::OptString(body, "note");
  auto follow_up = json::OptInt(body, "follow_up_minutes");
  if (!follow_up.ok()) co_return Response::Fail(follow_up.error());
  if (*follow_up && (**follow_up < 1 || **follow_up > 30 * 24 * 60))
    co_return Response::Fail(Invalid("'follow_up_minutes' must be between 1 and 43200 (30 days)"));
  if (!desk_name.ok()) co_return Response::Fail(desk_name.error());
  if (!agent.ok()) co_return Response::Fail(agent.error());
  if (!reason.ok()) co_return Response::Fail(reason.error());
  if (!note.ok()) co_return Response::Fail(note.error());
  std::optional<domain::Desk> desk;
  if (*desk_name) {
    desk = domain::ParseDesk(**desk_name);
    if (!desk) co_return Response::Fail(MakeError(Code::invalid, "'desk' must be L1, L2, L3, security or complaints"));
  }
  auto result = co_await ctx.workflow->Transfer(who, id, desk, agent->value_or(0), reason->value_or(""),
                                                note->value_or(""));
  if (!result.ok()) co_return Response::Fail(result.error());
  if (*follow_up) {
    // The transferring agent checks the outcome later: a task of their own, due then.
    store::NewTask task;
    task.owner_id = who.id;
    task.conversation_id = id;
    task.note = reason->value_or("");
    task.at = Clock::System().Now();
    task.due_at = task.at + **follow_up * 60'000;
    task.created_by = who.id;
    auto created = co_await CreateTask(ctx, std::move(task));
    if (!created.ok()) log::Warn("transfer.follow_up_failed", {{"conversation_id", id}, {"error", created.error().message}});
  }
  co_return Response::Json(200, ConversationJson(*result, json::PiiFor(who.is_staff())));
}

awaitable<Response> CloseConversation(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx, {}, /*empty_ok=*/true);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  auto summary = json::OptString(body, "summary");
  if (!summary.ok()) co_return Response::Fail(summary.error());
  auto result = co_await ctx.workflow->Close(who, id, summary->value_or(""));
  if (!result.ok()) co_return Response::Fail(result.error());
  co_return Response::Json(200, ConversationJson(*result, json::PiiFor(who.is_staff())));
}

awaitable<Response> BotAnswerRoute(Request& req, Context& ctx) {
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto text = json::OptString(*body, "text");
  auto lang = json::OptString(*body, "lang");
  if (!text.ok()) co_return Response::Fail(text.error());
  if (!lang.ok()) co_return Response::Fail(lang.error());
  if (!*text) co_return Response::Fail(MakeError(Code::invalid, "'text' is required"));
  if (!IsValidUtf8(**text) || CountCodePoints(**text) > static_cast<size_t>(ctx.config.limits.text_chars))
    co_return Response::Fail(MakeError(Code::too_large, "text longer than " +
                                                            std::to_string(ctx.config.limits.text_chars) + " characters"));
  if (*lang && !bot::NormaliseKbLang(**lang))
    co_return Response::Fail(MakeError(Code::invalid, "'lang' must be zh, zh-CN, zh-TW, en or es"));
  auto bot = ctx.bot.Get();
  if (!bot) co_return Response::Fail(MakeError(Code::unavailable, "the bot has no knowledge base yet"));
  auto ask = [bot = std::move(bot), text = std::move(**text), lang = std::move(*lang)] {
    bot::policy::Memory memory;
    return bot->Ask(text, lang ? std::optional<std::string_view>(*lang) : std::nullopt, memory).ToJson();
  };
  co_return Response::Json(200, co_await Blocking(ctx, std::move(ask)));
}

awaitable<Response> BotFeedbackRoute(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (who->is_staff()) co_return Response::Fail(MakeError(Code::forbidden, "customers rate the bot's answers"));
  auto id = PathId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto message_id = json::RequiredId(*body, "message_id");
  if (!message_id.ok()) co_return Response::Fail(message_id.error());
  auto helpful = body->find("helpful");
  if (helpful == body->end() || !helpful->value().is_bool())
    co_return Response::Fail(MakeError(Code::invalid, "'helpful' must be true or false"));
  auto st = co_await ctx.workflow->BotFeedback(*who, *id, *message_id, helpful->value().as_bool());
  if (!st.ok()) co_return Response::Fail(st.error());
  co_return Response::Json(200, R"({"recorded":true})");
}

awaitable<Response> ListQueues(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  co_return Response::Json(200, ctx.workflow->QueuesJson());
}

awaitable<Response> ListEvents(Request& req, Context& ctx) {
  auto call = co_await CallerConversation(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  auto events_fn = [&ctx, id = call->conversation.id] { return ctx.store.ListEvents(id); };
  auto events = co_await Blocking(ctx, std::move(events_fn));
  if (!events.ok()) co_return Response::Fail(events.error());
  std::string out = "{\"events\":";
  json::AppendArray(out, *events, [](std::string& o, const store::Event& e) { json::AppendEvent(o, e, json::Pii::masked); });
  out += '}';
  co_return Response::Json(200, std::move(out));
}

}  // namespace

// The conversation, if `who` may see it (desk scope, docs/adr/0019). Customers get not_found
// for others' conversations so that ids cannot be probed; staff outside their scope get
// forbidden. An agent who handled a conversation before (an event of theirs in its history)
// still sees it, unless it is now with the security desk.
awaitable<Result<store::Conversation>> VisibleConversation(Context& ctx, const Subject& who, Id id) {
  struct Found {
    Result<store::Conversation> conv;
    bool handled = false;
  };
  auto conv_fn = [&ctx, &who, id]() -> Found {
    Found f{ctx.store.GetConversation(id)};
    if (!f.conv.ok() || !who.is_staff() ||
        domain::MaySeeCase(who.role, who.desk, who.id, f.conv->desk, f.conv->assigned_staff_id) ||
        who.role != domain::Role::agent || f.conv->desk == domain::Desk::security)
      return f;
    auto events = ctx.store.ListEvents(id);
    if (events.ok())
      f.handled = std::any_of(events->begin(), events->end(), [&who](const store::Event& e) {
        return e.actor && e.actor->type == domain::ActorType::staff && e.actor->id == who.id;
      });
    return f;
  };
  auto found = co_await Blocking(ctx, std::move(conv_fn));
  auto& conv = found.conv;
  if (!conv.ok()) co_return conv;
  if (!who.is_staff() && conv->customer_id != who.id)
    co_return MakeError(Code::not_found, "conversation " + std::to_string(id) + " not found");
  if (who.is_staff() && !found.handled &&
      !domain::MaySeeCase(who.role, who.desk, who.id, conv->desk, conv->assigned_staff_id))
    co_return MakeError(Code::forbidden, "conversation " + std::to_string(id) + " is with the " +
                                             std::string(conv->desk ? domain::DeskName(*conv->desk) : "") + " desk");
  co_return std::move(conv);
}

awaitable<Result<ObjectCall>> ReadObjectCall(Request& req, Context& ctx, std::string_view what, bool empty_ok) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return std::move(who).error();
  auto id = PathId(req, what);
  if (!id.ok()) co_return std::move(id).error();
  auto body = json::ParseObject(req.body, empty_ok);
  if (!body.ok()) co_return std::move(body).error();
  co_return ObjectCall{std::move(*who), *id, std::move(*body)};
}

awaitable<Result<ConversationCall>> CallerConversation(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return std::move(who).error();
  auto id = PathId(req);
  if (!id.ok()) co_return std::move(id).error();
  auto conv = co_await VisibleConversation(ctx, *who, *id);
  if (!conv.ok()) co_return std::move(conv).error();
  co_return ConversationCall{std::move(*who), std::move(*conv)};
}

Result<int> LimitParam(const Request& req, int def, int max) {
  auto s = req.Query("limit");
  if (!s) return def;
  auto v = ParseInt(*s);
  if (!v || *v < 1 || *v > max)
    return MakeError(Code::invalid, "'limit' must be between 1 and " + std::to_string(max));
  return static_cast<int>(*v);
}

Result<Id> PathId(const Request& req, std::string_view what, size_t index) {
  auto v = index < req.params.size() ? ParseInt(req.params[index]) : std::nullopt;
  if (!v || *v <= 0 || *v >= (1LL << 53))
    return MakeError(Code::not_found, what.empty() ? std::string("not found") : std::string(what) + " not found");
  return *v;
}

std::string_view ScopeName(Scope s) {
  switch (s) {
    case Scope::any: return "any";
    case Scope::self: return "self";
    case Scope::conversation: return "conversation";
    case Scope::ticket: return "ticket";
  }
  return "any";
}

std::string Access::Describe() const {
  if (public_) return "public";
  std::string out;
  auto add = [&out](std::string_view name) {
    if (!out.empty()) out += ", ";
    out += name;
  };
  if (customer_) add("customer");
  for (domain::Role r : {domain::Role::agent, domain::Role::supervisor, domain::Role::admin, domain::Role::auditor,
                         domain::Role::kb_editor})
    if (Allows(r)) add(domain::RoleName(r));
  return out;
}

awaitable<Result<std::optional<Subject>>> CheckAccess(const Access& access, Request& req, Context& ctx) {
  if (access.is_public()) co_return std::optional<Subject>();
  std::string_view token = BearerToken(req.authorization);
  if (token.empty()) co_return MakeError(Code::unauthorized, "a bearer token is required");
  auto who = co_await Authenticate(ctx, token, req.remote_ip);
  if (!who.ok()) co_return std::move(who).error();
  if (!who->is_staff() && !access.customers()) co_return MakeError(Code::forbidden, "staff only");
  if (who->is_staff() && !access.Allows(who->role))
    co_return MakeError(Code::forbidden,
                        access.roles() == 0 ? std::string("customers only")
                                            : "your role (" + std::string(domain::RoleName(who->role)) +
                                                  ") may not do this; allowed: " + access.Describe());
  req.caller = *who;
  co_return std::optional<Subject>(std::move(who).value());
}

awaitable<Result<Subject>> Caller(Request& req, Context& ctx) {
  if (req.caller) co_return *req.caller;  // the access gate checked the token already
  std::string_view token = BearerToken(req.authorization);
  if (token.empty()) co_return MakeError(Code::unauthorized, "a bearer token is required");
  auto who = co_await Authenticate(ctx, token, req.remote_ip);
  if (who.ok()) req.caller = *who;
  co_return who;
}

awaitable<Result<Subject>> StaffCaller(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (who.ok() && !who->is_staff()) co_return MakeError(Code::forbidden, "staff only");
  co_return who;
}

// A message for staff only (kind "whisper"): a supervisor coaching the agent, or the agent
// answering; never sent to, listed for or previewed to the customer.
awaitable<Response> Whisper(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  auto text = ReadMessageText(body, ctx);
  if (!text.ok()) co_return Response::Fail(text.error());
  auto conv = co_await VisibleConversation(ctx, who, id);
  if (!conv.ok()) co_return Response::Fail(conv.error());
  if (!Hub::MayParticipate(who, *conv))
    co_return Response::Fail(MakeError(Code::forbidden, "only the assigned agent, supervisors and admins whisper"));
  auto guarded = Hub::GuardText(who, *text);
  if (!guarded.ok()) co_return Response::Fail(guarded.error());
  store::NewMessage msg;
  msg.conversation_id = id;
  msg.sender = who.actor();
  msg.text = std::move(guarded->text);
  msg.kind = "whisper";
  msg.at = Clock::System().Now();
  auto append = [&ctx, msg = std::move(msg)](store::Callback<store::AppendedMessage> done) mutable {
    ctx.store.AppendMessage(std::move(msg), std::move(done));
  };
  auto stored = co_await Write<store::AppendedMessage>(std::move(append));
  if (!stored.ok()) co_return Response::Fail(stored.error());
  stored->message.sender_name = who.name;
  stored->message.sender_verify_id = who.verify_id;
  ctx.hub.ConversationChanged(*conv);  // the hub knows the participants before the fan-out
  ctx.hub.Publish(stored->message, nullptr);
  std::string out;
  json::AppendMessage(out, stored->message, json::PiiFor(who.is_staff()));
  co_return Response::Json(201, std::move(out));
}

// A supervisor or admin starts ({"on":true}, the default) or stops watching a conversation live.
awaitable<Response> MonitorConversation(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx, {}, /*empty_ok=*/true);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  bool on = true;
  if (auto it = body.find("on"); it != body.end()) {
    if (!it->value().is_bool()) co_return Response::Fail(Invalid("'on' must be true or false"));
    on = it->value().get_bool();
  }
  auto conv = co_await VisibleConversation(ctx, who, id);
  if (!conv.ok()) co_return Response::Fail(conv.error());
  ctx.hub.ConversationChanged(*conv);
  ctx.hub.Monitor(id, who.id, on);
  co_return Response::Json(200, std::string("{\"monitoring\":") + (on ? "true" : "false") + "}");
}

awaitable<Response> LeaveMessageRoute(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  auto text = ReadMessageText(body, ctx);
  if (!text.ok()) co_return Response::Fail(text.error());
  auto client_id = ReadClientId(body);
  if (!client_id.ok()) co_return Response::Fail(client_id.error());
  auto left = co_await ctx.workflow->LeaveMessage(who, id, std::string(Trim(*text)), std::move(*client_id));
  if (!left.ok()) co_return Response::Fail(left.error());
  std::string out = "{\"ticket_id\":" + std::to_string(left->ticket_id) + ",\"message\":";
  json::AppendMessage(out, left->message, json::Pii::shown);  // the customer's own words
  out += '}';
  co_return Response::Json(left->created ? 201 : 200, std::move(out));
}

// Moves the server's test clock (serve --test-clock) forward and fires every timer that fell
// due, answering once they have. 404 unless the server runs on a test clock; only forward, so
// that "fired once" stays meaningful.
awaitable<Response> MoveTestClock(Request& req, Context& ctx) {
  if (!ctx.test_clock) co_return Response::Fail(MakeError(Code::not_found, "no such route"));
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto advance = json::OptInt(*body, "advance_ms");
  if (!advance.ok()) co_return Response::Fail(advance.error());
  auto at = json::OptString(*body, "now");
  if (!at.ok()) co_return Response::Fail(at.error());
  const Millis before = ctx.test_clock->Now();
  Millis to = before;
  if (*advance && !*at) {
    if (**advance < 0) co_return Response::Fail(Invalid("'advance_ms' must not be negative"));
    to = before + **advance;
  } else if (*at && !*advance) {
    auto parsed = ParseRfc3339(**at);
    if (!parsed) co_return Response::Fail(Invalid("'now' must be an RFC 3339 time"));
    if (*parsed < before) co_return Response::Fail(Invalid("the test clock only moves forward"));
    to = *parsed;
  } else {
    co_return Response::Fail(Invalid("give exactly one of 'advance_ms' and 'now'"));
  }
  ctx.test_clock->Set(to);
  const int fired = co_await ctx.scheduler->Settle();
  co_return Response::Json(200, "{\"now\":\"" + FormatRfc3339(to) + "\",\"fired\":" + std::to_string(fired) + "}");
}

const std::vector<Route>& RouteTable() {
  // Who may call what (docs/adr/0019; x-kefu-access in docs/openapi.yaml says the same).
  constexpr Access kPublic = Access::Public();
  constexpr Access kSelf = Access::Staff(kAllStaff, Scope::self);
  constexpr Access kParticipant = Access::CustomerOr(kHandlers, Scope::conversation);
  constexpr Access kHandler = Access::Staff(kHandlers, Scope::conversation);
  constexpr Access kTicket = Access::Staff(kHandlers, Scope::ticket);
  constexpr Access kKbRead = Access::Staff(kKbEditor | kAdmin | kSupervisor);
  constexpr Access kKbWrite = Access::Staff(kKbEditor | kAdmin);
  static const std::vector<Route> routes = {
      {"GET", "/", kPublic, nullptr},          // widget demo page (static)
      {"GET", "/console", kPublic, nullptr},   // agent console (static)
      {"GET", "/api/v1/ws", Access::CustomerOr(kAllStaff, Scope::conversation), nullptr},  // WebSocket upgrade, answered by the server core
      {"GET", "/healthz", kPublic, Healthz},
      {"GET", "/metrics", kPublic, MetricsPage},
      {"POST", "/api/v1/auth/login", kPublic, Login},
      {"POST", "/api/v1/auth/logout", kSelf, Logout},
      {"POST", "/api/v1/auth/logout-all", kSelf, LogoutAll},
      {"GET", "/api/v1/auth/sessions", kSelf, ListMySessions},
      {"POST", "/api/v1/auth/password", kSelf, ChangePassword},
      {"POST", "/api/v1/auth/totp/enroll", kSelf, StartTotpEnrolment},
      {"POST", "/api/v1/auth/totp/confirm", kSelf, ConfirmTotpEnrolment},
      {"POST", "/api/v1/staff/{id}/sessions/revoke", Access::Staff(kAdmin), RevokeStaffSessions},
      {"GET", "/api/v1/staff/me", kSelf, StaffMe},
      {"POST", "/api/v1/widget/sessions", kPublic, CreateWidgetSession},
      {"GET", "/api/v1/conversations", Access::Staff(kHandlers, Scope::conversation), ListConversations},
      {"GET", "/api/v1/conversations/{id}", kParticipant, GetConversation},
      {"GET", "/api/v1/conversations/{id}/messages", kParticipant, ListMessages},
      {"POST", "/api/v1/conversations/{id}/messages", kParticipant, PostMessage},
      {"POST", "/api/v1/conversations/{id}/accept", kHandler, Accept},
      {"POST", "/api/v1/conversations/{id}/handoff", kParticipant, Handoff},
      {"POST", "/api/v1/conversations/{id}/transfer", kHandler, Transfer},
      {"POST", "/api/v1/conversations/{id}/close", kHandler, CloseConversation},
      {"POST", "/api/v1/staff/me/status", Access::Staff(kHandlers, Scope::self), SetMyStatus},
      {"GET", "/api/v1/queues", Access::Staff(kHandlers), ListQueues},
      {"POST", "/api/v1/bot/answer", kPublic, BotAnswerRoute},
      {"GET", "/api/v1/conversations/{id}/events", kHandler, ListEvents},
      {"POST", "/api/v1/conversations/{id}/ticket", kHandler, CreateTicketFromConversation},
      {"GET", "/api/v1/tickets", Access::CustomerOr(kHandlers, Scope::ticket), ListTickets},
      {"POST", "/api/v1/tickets", Access::Staff(kHandlers), CreateTicket},
      {"GET", "/api/v1/tickets/{id}", Access::CustomerOr(kHandlers, Scope::ticket), GetTicket},
      {"PATCH", "/api/v1/tickets/{id}", kTicket, UpdateTicket},
      {"POST", "/api/v1/tickets/{id}/status", kTicket, SetTicketStatus},
      {"POST", "/api/v1/tickets/{id}/notes", kTicket, AddTicketNote},
      {"GET", "/api/v1/tickets/{id}/events", kTicket, ListTicketEvents},
      {"POST", "/api/v1/tickets/{id}/merge", kTicket, MergeTicket},
      {"GET", "/api/v1/canned-replies", Access::Staff(kHandlers | kKbEditor), ListCannedReplies},
      {"POST", "/api/v1/canned-replies", Access::Staff(kSupervisor | kAdmin | kKbEditor), CreateCannedReply},
      {"POST", "/api/v1/canned-replies/{id}/render", Access::Staff(kHandlers | kKbEditor), RenderCannedReply},
      {"GET", "/api/v1/kb/articles", kKbRead, ListKbArticles},
      {"POST", "/api/v1/kb/articles", kKbWrite, CreateKbArticle},
      {"GET", "/api/v1/kb/articles/{id}", kKbRead, GetKbArticle},
      {"PUT", "/api/v1/kb/articles/{id}", kKbWrite, UpdateKbArticle},
      {"GET", "/api/v1/kb/articles/{id}/versions", kKbRead, ListKbArticleVersions},
      {"POST", "/api/v1/kb/articles/{id}/publish", kKbWrite, PublishKbArticle},
      {"POST", "/api/v1/kb/articles/{id}/unpublish", kKbWrite, UnpublishKbArticle},
      {"GET", "/api/v1/kb/search", kPublic, SearchKb},
      {"GET", "/api/v1/kb/suggestions", kPublic, KbSuggestions},
      {"POST", "/api/v1/conversations/{id}/feedback", Access::Customer(Scope::conversation), BotFeedbackRoute},
      {"POST", "/api/v1/conversations/{id}/leave-message", Access::Customer(Scope::conversation), LeaveMessageRoute},
      {"POST", "/api/v1/conversations/{id}/whisper", kHandler, Whisper},
      {"GET", "/api/v1/conversations/{id}/customer", kHandler, GetConversationCustomer},
      {"POST", "/api/v1/conversations/{id}/reveal", Access::Staff(kSupervisor | kAdmin, Scope::conversation), RevealConversation},
      {"POST", "/api/v1/tickets/{id}/reveal", Access::Staff(kSupervisor | kAdmin, Scope::ticket), RevealTicket},
      {"GET", "/api/v1/staff", Access::Staff(kSupervisor | kAdmin), ListStaffRoute},
      {"PATCH", "/api/v1/staff/{id}", Access::Staff(kAdmin), UpdateStaffRoute},
      {"GET", "/api/v1/staff/{id}/status-history", Access::Staff(kSupervisor | kAdmin), StaffStatusHistoryRoute},
      {"POST", "/api/v1/conversations/{id}/monitor", Access::Staff(kSupervisor | kAdmin, Scope::conversation), MonitorConversation},
      {"POST", "/api/v1/test/clock", kPublic, MoveTestClock},
      {"GET", "/api/v1/sla-policies", Access::Staff(kHandlers), ListSlaPolicies},
      {"POST", "/api/v1/sla-policies", Access::Staff(kSupervisor | kAdmin), CreateSlaPolicy},
      {"PUT", "/api/v1/sla-policies/{id}", Access::Staff(kSupervisor | kAdmin), ReplaceSlaPolicy},
      {"GET", "/api/v1/tickets/{id}/sla", kTicket, GetTicketSla},
      {"GET", "/api/v1/sla/breaches", Access::Staff(kHandlers), ListSlaBreaches},
      {"GET", "/api/v1/tasks", Access::Staff(kHandlers, Scope::self), ListTasksRoute},
      {"POST", "/api/v1/tasks", Access::Staff(kHandlers, Scope::self), CreateTaskRoute},
      {"POST", "/api/v1/tasks/{id}/done", Access::Staff(kHandlers, Scope::self), CompleteTaskRoute},
      {"GET", "/api/v1/audit", Access::Staff(kAuditor | kAdmin), ListAudit},
      {"POST", "/api/v1/conversations/{id}/attachments", kParticipant, UploadConversationAttachment},
      {"POST", "/api/v1/tickets/{id}/attachments", Access::CustomerOr(kHandlers, Scope::ticket), UploadTicketAttachment},
      {"GET", "/api/v1/tickets/{id}/attachments", Access::CustomerOr(kHandlers, Scope::ticket), ListTicketAttachments},
      // An attachment belongs to a conversation or a ticket; whoever may see that may download it.
      {"GET", "/api/v1/attachments/{id}", kParticipant, DownloadAttachment},
      {"POST", "/api/v1/customers/{id}/data-requests", Access::Staff(kAdmin), CreateDataRequestRoute},
      {"GET", "/api/v1/data-requests", Access::Staff(kAdmin | kAuditor), ListDataRequestsRoute},
      {"GET", "/api/v1/data-requests/{id}/export", Access::Staff(kAdmin), ExportDataRequestRoute},
      {"POST", "/api/v1/data-requests/{id}/erase", Access::Staff(kAdmin), EraseDataRequestRoute},
      {"POST", "/api/v1/customers/{id}/legal-hold", Access::Staff(kAdmin), PlaceLegalHoldRoute},
      {"POST", "/api/v1/customers/{id}/legal-hold/release", Access::Staff(kAdmin), ReleaseLegalHoldRoute},
      {"GET", "/api/v1/webhooks/security/deliveries", Access::Staff(kSupervisor | kAdmin), ListSecurityWebhookDeliveries},
      // complaints (投诉): the fixed paths before "{id}"; object checks (a customer's own) in complaints.cpp
      {"GET", "/api/v1/complaints/stats", Access::Staff(kSupervisor | kAuditor | kAdmin), ComplaintStatsRoute},
      {"GET", "/api/v1/complaints", Access::CustomerOr(kHandlers | kAuditor, Scope::any), ListComplaintsRoute},
      {"POST", "/api/v1/complaints", Access::CustomerOr(kHandlers, Scope::any), CreateComplaintRoute},
      {"GET", "/api/v1/complaints/{id}", Access::CustomerOr(kHandlers | kAuditor, Scope::any), GetComplaintRoute},
      {"POST", "/api/v1/complaints/{id}/status", Access::Staff(kHandlers), SetComplaintStatusRoute},
      {"POST", "/api/v1/complaints/{id}/callback", Access::Staff(kHandlers), RecordComplaintCallbackRoute},
      {"GET", "/api/v1/complaints/{id}/compensations", Access::Staff(kHandlers | kAuditor), ListCompensationsRoute},
      {"POST", "/api/v1/complaints/{id}/compensations", Access::Staff(kHandlers), ProposeCompensationRoute},
      {"POST", "/api/v1/complaints/{id}/compensations/{compensation_id}/approve", Access::Staff(kSupervisor | kAdmin),
       ApproveCompensationRoute},
      {"POST", "/api/v1/complaints/{id}/compensations/{compensation_id}/reject", Access::Staff(kSupervisor | kAdmin),
       RejectCompensationRoute},
      // widget identity and anti-impersonation (trust_routes.cpp)
      {"GET", "/api/v1/verify", kPublic, VerifyChannel},
      {"GET", "/verify", kPublic, VerifyPage},
  };
  return routes;
}

const Route* MatchRoute(std::string_view method, std::string_view path, std::vector<std::string>& params,
                        bool& path_known) {
  path_known = false;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const Route& r : RouteTable()) {
    std::string_view pattern = r.path;
    std::string_view rest = path;
    std::vector<std::string> found;
    bool match = true;
    while (match) {
      if (pattern.empty() || rest.empty()) {
        match = pattern.empty() && rest.empty();
        break;
      }
      size_t brace = pattern.find('{');
      if (brace == std::string_view::npos) {
        match = pattern == rest;
        rest = {};
        pattern = {};
        continue;
      }
      if (rest.substr(0, brace) != pattern.substr(0, brace)) {
        match = false;
        break;
      }
      rest.remove_prefix(brace);
      size_t close = pattern.find('}', brace);
      pattern.remove_prefix(close + 1);
      size_t slash = rest.find('/');
      std::string_view value = rest.substr(0, slash);
      if (value.empty()) {
        match = false;
        break;
      }
      found.emplace_back(value);
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    if (!match) continue;
    path_known = true;
    if (method == r.method || (method == "HEAD" && std::string_view(r.method) == "GET")) {
      params = std::move(found);
      return &r;
    }
  }
  return nullptr;
}

std::vector<RouteInfo> Routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : RouteTable())
    out.push_back({r.method, r.path, r.access.Describe(), std::string(ScopeName(r.access.scope()))});
  return out;
}

}  // namespace kefu::http
