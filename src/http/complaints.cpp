// Complaint REST handlers and the review timer. Input is checked here (enums, sizes, amounts),
// free text passes the secret guard before it reaches the store, and the store decides the life
// cycle and the four-eyes rule (each change an event, decisions audited, in one transaction).
#include "http/complaints.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cstdio>

#include "bot/nlu/nlu.hpp"
#include "bot/phrases.hpp"
#include "calendar/calendar.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/scheduler.hpp"
#include "http/sla.hpp"
#include "store/complaints.hpp"

namespace kefu::http {

using boost::asio::awaitable;
using domain::ComplaintAction;
using domain::ComplaintStatus;
using domain::Id;

namespace {

constexpr Millis kHourMs = 3'600'000;
constexpr size_t kMaxDescriptionChars = 4000;
constexpr size_t kMaxSubjectChars = 200;
constexpr size_t kMaxResolutionChars = 2000;
constexpr size_t kMaxNoteChars = 1000;
constexpr std::string_view kCategories =
    "account, kyc, bank_card, top_up, transfer, withdrawal, security, asset_loss, other";
constexpr std::string_view kStatuses = "received, acknowledged, under_review, resolved, closed";
constexpr std::string_view kKinds = "refund, fee_waiver, voucher, goodwill, other";

// ---- roles ----

bool Handles(const Subject& s) { return s.is_staff() && domain::CanHandleConversations(s.role); }
bool Reads(const Subject& s) { return Handles(s) || (s.is_staff() && s.role == domain::Role::auditor); }
bool Decides(const Subject& s) {
  return s.is_staff() && (s.role == domain::Role::supervisor || s.role == domain::Role::admin);
}
bool ReadsStats(const Subject& s) {
  return s.is_staff() &&
         (s.role == domain::Role::supervisor || s.role == domain::Role::auditor || s.role == domain::Role::admin);
}

// ---- language and time for the customer ----

// The customer's language as notices know it: "zh", "zh-TW", "en" or "es".
std::string NoticeLang(std::string_view lang) {
  if (lang == "en" || lang == "es" || lang == "zh-TW") return std::string(lang);
  if (lang == "zh-Hant" || lang == "zh-HK") return "zh-TW";
  return "zh";
}

std::string SayIn(std::string_view key, std::string_view lang) {
  if (lang == "zh-TW") return bot::nlu::ToTraditional(bot::Say(key, "zh"));
  return std::string(bot::Say(key, lang));
}

std::string FillAll(std::string text, std::string_view slot, std::string_view value) {
  for (size_t at = text.find(slot); at != std::string::npos; at = text.find(slot, at + value.size()))
    text.replace(at, slot.size(), value);
  return text;
}

// A calendar that is always open in `zone`: only its LocalTime is used, to read the wall clock
// there. Code::invalid for an unknown zone.
Result<calendar::Calendar> ZoneClock(std::string_view zone) {
  CalendarSpec spec;
  spec.name = "customer";
  spec.time_zone = std::string(zone);
  for (auto& day : spec.week) day = {"00:00-24:00"};
  return calendar::Calendar::Make(spec);
}

// "2026年11月28日 09:00（UTC+8）", "28 Nov 2026, 09:00 (UTC+8)", "28 nov 2026, 09:00 (UTC+8)".
std::string FormatLocal(Millis t, std::string_view zone, std::string_view lang) {
  auto clock = ZoneClock(zone);
  const calendar::Calendar cal = clock.ok() ? *clock : calendar::Calendar::AlwaysOpen();
  const calendar::LocalDateTime l = cal.LocalTime(t);
  static constexpr const char* kEnMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static constexpr const char* kEsMonths[] = {"ene", "feb", "mar", "abr", "may", "jun",
                                              "jul", "ago", "sep", "oct", "nov", "dic"};
  const auto month = static_cast<size_t>(std::clamp(l.month, 1, 12) - 1);
  char hm[16];
  std::snprintf(hm, sizeof hm, "%02d:%02d", l.hour % 24, l.minute % 60);
  const std::string offset = calendar::FormatUtcOffset(l.utc_offset_minutes);
  const std::string year = std::to_string(l.year), day = std::to_string(l.day);
  if (lang == "en") return day + " " + kEnMonths[month] + " " + year + ", " + hm + " (" + offset + ")";
  if (lang == "es") return day + " " + kEsMonths[month] + " " + year + ", " + hm + " (" + offset + ")";
  return year + "年" + std::to_string(l.month) + "月" + day + "日 " + hm + "（" + offset + "）";
}

// A notice by phrase key, filled from the complaint (runs on the store's writer thread: pure).
std::string RenderNotice(std::string_view key, const store::Complaint& c, const std::string& default_zone) {
  const std::string lang = NoticeLang(c.lang);
  std::string text = SayIn(key, lang);
  text = FillAll(std::move(text), "{number}", std::to_string(c.id));
  text = FillAll(std::move(text), "{due}",
                 FormatLocal(c.review_due_at, c.time_zone.empty() ? default_zone : c.time_zone, lang));
  text = FillAll(std::move(text), "{resolution}", c.resolution);
  return text;
}

std::string_view NoticeKey(ComplaintAction action) {
  switch (action) {
    case ComplaintAction::acknowledge: return "complaint_acknowledged";
    case ComplaintAction::start_review: return "complaint_under_review";
    case ComplaintAction::resolve: return "complaint_resolved";
    case ComplaintAction::close: return "complaint_closed";
    case ComplaintAction::reopen: return "complaint_reopened";
  }
  return "complaint_under_review";
}

// ---- output ----

void AppendTime(std::string& out, std::string_view key, Millis t) {
  out += ",\"";
  out += key;
  out += "\":";
  out += t ? "\"" + FormatRfc3339(t) + "\"" : std::string("null");
}

void AppendText(std::string& out, std::string_view key, std::string_view v, bool null_when_empty = true) {
  out += ",\"";
  out += key;
  out += "\":";
  if (v.empty() && null_when_empty) {
    out += "null";
  } else {
    AppendJsonString(out, v);
  }
}

// A complaint as JSON. Customers see what they complained about and where it stands; staff also
// the desk's working data (ticket, handler, callback, deadlines), with PII in its text masked
// (the ticket's reveal shows it).
void AppendComplaint(std::string& out, const store::Complaint& c, bool for_staff) {
  const json::Pii pii = json::PiiFor(for_staff);
  out += "{\"id\":" + std::to_string(c.id) + ",\"status\":\"";
  out += domain::ComplaintStatusName(c.status);
  out += "\",\"channel\":\"";
  out += domain::IntakeChannelName(c.channel);
  out += "\",\"category\":\"";
  out += domain::TicketCategoryName(c.category);
  out += "\"";
  AppendText(out, "subject", json::PiiText(c.subject, pii), false);
  AppendText(out, "description", json::PiiText(c.description, pii), false);
  out += ",\"conversation_id\":" + (c.conversation_id ? std::to_string(c.conversation_id) : std::string("null"));
  AppendTime(out, "received_at", c.received_at);
  AppendTime(out, "acknowledged_at", c.acknowledged_at);
  AppendTime(out, "review_due_at", c.review_due_at);
  AppendTime(out, "resolved_at", c.resolved_at);
  AppendTime(out, "closed_at", c.closed_at);
  AppendText(out, "resolution", json::PiiText(c.resolution, pii));
  if (for_staff) {
    out += ",\"ticket_id\":" + std::to_string(c.ticket_id) + ",\"priority\":\"";
    out += domain::TicketPriorityName(c.priority);
    out += "\",\"customer\":";
    if (c.customer_id) {
      out += "{\"id\":" + std::to_string(c.customer_id) + ",\"name\":";
      AppendJsonString(out, json::PiiText(c.customer_name, pii));
      out += '}';
    } else {
      out += "null";
    }
    AppendText(out, "lang", c.lang);
    AppendText(out, "time_zone", c.time_zone);
    AppendTime(out, "review_started_at", c.review_started_at);
    out += ",\"review_overdue\":";
    out += c.review_overdue_at ? "true" : "false";
    AppendTime(out, "review_overdue_at", c.review_overdue_at);
    out += ",\"handler\":";
    if (c.handler_id) {
      out += "{\"id\":" + std::to_string(c.handler_id) + ",\"name\":";
      AppendJsonString(out, c.handler_name);
      out += '}';
    } else {
      out += "null";
    }
    out += ",\"callback_task_id\":" + (c.callback_task_id ? std::to_string(c.callback_task_id) : std::string("null"));
    out += ",\"callback\":";
    if (c.callback_at) {
      out += "{\"at\":\"" + FormatRfc3339(c.callback_at) + "\",\"reached\":";
      out += c.callback_reached ? "true" : "false";
      out += ",\"satisfied\":";
      out += c.callback_satisfied ? (*c.callback_satisfied ? "true" : "false") : "null";
      AppendText(out, "note", json::PiiText(c.callback_note, pii));
      out += '}';
    } else {
      out += "null";
    }
  }
  AppendTime(out, "updated_at", c.updated_at);
  out += '}';
}

// Staff only; their free text with PII masked like every staff view.
void AppendCompensation(std::string& out, const store::Compensation& p) {
  out += "{\"id\":" + std::to_string(p.id) + ",\"complaint_id\":" + std::to_string(p.complaint_id) + ",\"kind\":\"";
  out += domain::CompensationKindName(p.kind);
  out += "\",\"amount\":";
  AppendJsonString(out, p.amount);
  out += ",\"currency\":";
  AppendJsonString(out, p.currency);
  out += ",\"reason\":";
  AppendJsonString(out, json::PiiText(p.reason, json::Pii::masked));
  out += ",\"state\":\"";
  out += domain::CompensationStateName(p.state);
  out += "\",\"proposed_by\":{\"id\":" + std::to_string(p.proposed_by) + ",\"name\":";
  AppendJsonString(out, p.proposed_by_name);
  out += "}";
  AppendTime(out, "proposed_at", p.proposed_at);
  out += ",\"decided_by\":";
  if (p.decided_by) {
    out += "{\"id\":" + std::to_string(p.decided_by) + ",\"name\":";
    AppendJsonString(out, p.decided_by_name);
    out += '}';
  } else {
    out += "null";
  }
  AppendTime(out, "decided_at", p.decided_at);
  AppendText(out, "decision_note", json::PiiText(p.decision_note, json::Pii::masked));
  out += '}';
}

std::string ComplaintJson(const store::Complaint& c, bool for_staff) {
  std::string out;
  AppendComplaint(out, c, for_staff);
  return out;
}

std::string WithWarnings(std::string object, const std::vector<std::string>& warnings) {
  if (warnings.empty()) return object;
  object.pop_back();
  object += ",\"warnings\":";
  json::AppendArray(object, warnings, [](std::string& o, const std::string& w) { AppendJsonString(o, w); });
  object += '}';
  return object;
}

// ---- fan-out ----

// A frame for the people who answer for complaints: supervisors, admins, the complaints desk, and
// the complaint's handler.
awaitable<void> TellComplaintTeam(Context& ctx, std::string frame, Id handler_id) {
  auto load = [&ctx] { return ctx.store.ListStaff(); };
  auto staff = co_await Blocking(ctx, std::move(load));
  if (!staff.ok()) {
    log::Warn("complaint.notify_failed", {{"error", staff.error().message}});
    co_return;
  }
  for (const store::Staff& s : *staff) {
    if (s.disabled) continue;
    const bool team = s.role == domain::Role::supervisor || s.role == domain::Role::admin ||
                      s.desk == domain::Desk::complaints || s.id == handler_id;
    if (team) ctx.hub.NotifyStaffMember(s.id, frame);
  }
}

// After a committed change: the messages it wrote go to the conversation's participants, the
// customer's widget hears of the new status, the team's consoles of the change.
awaitable<void> Announce(Context& ctx, const store::ComplaintChange& change, std::string_view staff_frame_type) {
  for (const store::Message& m : change.messages) ctx.hub.Publish(m, nullptr);
  const store::Complaint& c = change.complaint;
  if (c.customer_id) {
    std::string frame = "{\"type\":\"complaint.updated\",\"complaint\":";
    AppendComplaint(frame, c, false);
    frame += '}';
    ctx.hub.SendToCustomer(c.customer_id, frame);
  }
  std::string frame = "{\"type\":\"";
  frame += staff_frame_type;
  frame += "\",\"complaint\":";
  AppendComplaint(frame, c, true);
  frame += '}';
  co_await TellComplaintTeam(ctx, std::move(frame), c.handler_id);
}

// ---- input ----

Result<Id> PathId(const Request& req, size_t index, std::string_view what) {
  auto v = req.params.size() > index ? ParseInt(req.params[index]) : std::nullopt;
  if (!v || *v <= 0 || *v >= (1LL << 53)) return MakeError(Code::not_found, std::string(what) + " not found");
  return *v;
}

Result<std::optional<bool>> OptBool(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool()) return Invalid("'" + std::string(key) + "' must be true or false");
  return std::optional<bool>(it->value().as_bool());
}

// Free text through the secret guard; `required` refuses an empty one.
Result<std::string> GuardedText(const Subject& who, const boost::json::object& body, std::string_view key,
                                size_t max_chars, bool required, std::vector<std::string>& warnings) {
  KEFU_ASSIGN(v, json::OptString(body, key));
  const std::string_view text = v ? Trim(*v) : std::string_view();
  if (text.empty()) {
    if (required) return Invalid("'" + std::string(key) + "' is required");
    return std::string();
  }
  if (!IsValidUtf8(text)) return Invalid("'" + std::string(key) + "' is not valid UTF-8");
  if (CountCodePoints(text) > max_chars)
    return Invalid("'" + std::string(key) + "' must be at most " + std::to_string(max_chars) + " characters");
  KEFU_ASSIGN(g, Hub::GuardText(who, text));
  for (auto& w : g.warnings)
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
  return std::move(g.text);
}

// The complaint, if `who` may see it: staff who read complaints, or the customer it is about.
awaitable<Result<store::Complaint>> VisibleComplaint(Context& ctx, const Subject& who, Id id) {
  auto load = [&ctx, id] { return ctx.store.Complaints().GetComplaint(id); };
  auto c = co_await Blocking(ctx, std::move(load));
  if (c.ok() && !who.is_staff() && c->customer_id != who.id)
    co_return MakeError(Code::not_found, "complaint " + std::to_string(id) + " not found");
  if (c.ok() && who.is_staff() && !Reads(who)) co_return MakeError(Code::forbidden, "your role cannot see complaints");
  co_return c;
}

awaitable<Status> ReviewDue(Context& ctx, store::Timer timer) {
  auto load = [&ctx, id = timer.ref_id] { return ctx.store.Complaints().GetComplaint(id); };
  auto c = co_await Blocking(ctx, std::move(load));
  if (!c.ok() && c.error().code != Code::not_found) co_return std::move(c).error();
  if (!c.ok() || c->review_started_at || c->review_overdue_at) co_return co_await ctx.scheduler->Discard(timer);
  const Millis now = Clock::System().Now();
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = now;
  f.complaint_review_overdue = c->id;
  std::string data = "{\"complaint_id\":" + std::to_string(c->id) + ",\"review_due_at\":\"" +
                     FormatRfc3339(c->review_due_at) + "\",\"status\":\"" +
                     std::string(domain::ComplaintStatusName(c->status)) + "\"}";
  f.events.push_back(store::Event{0, c->conversation_id, c->ticket_id, "complaint.review_overdue", now,
                                  domain::Actor{domain::ActorType::system, 0}, std::move(data)});
  auto fired = co_await ctx.scheduler->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  auto reload = [&ctx, id = c->id] { return ctx.store.Complaints().GetComplaint(id); };
  auto after = co_await Blocking(ctx, std::move(reload));
  const store::Complaint& now_c = after.ok() ? *after : *c;
  std::string frame = "{\"type\":\"complaint.review_overdue\",\"complaint\":";
  AppendComplaint(frame, now_c, true);
  frame += '}';
  co_await TellComplaintTeam(ctx, std::move(frame), now_c.handler_id);
  log::Info("complaint.review_overdue", {{"complaint_id", c->id}, {"ticket_id", c->ticket_id}});
  co_return Ok();
}

}  // namespace

void RegisterComplaintTimers(Context& ctx, Scheduler& scheduler) {
  auto due = [&ctx](store::Timer t) { return ReviewDue(ctx, std::move(t)); };
  scheduler.On(std::string(store::kComplaintReviewTimer), std::move(due));
}

awaitable<Response> CreateComplaintRoute(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (who->is_staff() && !Handles(*who))
    co_return Response::Fail(MakeError(Code::forbidden, "your role cannot record complaints"));
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  std::vector<std::string> warnings;
  auto description = GuardedText(*who, *body, "description", kMaxDescriptionChars, true, warnings);
  if (!description.ok()) co_return Response::Fail(description.error());
  auto subject = GuardedText(*who, *body, "subject", kMaxSubjectChars, false, warnings);
  if (!subject.ok()) co_return Response::Fail(subject.error());
  auto category = json::OptString(*body, "category");
  auto channel = json::OptString(*body, "channel");
  auto zone = json::OptString(*body, "time_zone");
  auto lang = json::OptString(*body, "lang");
  auto customer = json::OptInt(*body, "customer_id");
  for (const Status& st : {category.ok() ? Ok() : Status(category.error()), channel.ok() ? Ok() : Status(channel.error()),
                           zone.ok() ? Ok() : Status(zone.error()), lang.ok() ? Ok() : Status(lang.error()),
                           customer.ok() ? Ok() : Status(customer.error())})
    if (!st.ok()) co_return Response::Fail(st.error());

  store::NewComplaint n;
  n.description = std::move(*description);
  n.subject = std::move(*subject);
  if (*category) {
    auto parsed = domain::ParseTicketCategory(**category);
    if (!parsed) co_return Response::Fail(Invalid("'category' must be one of " + std::string(kCategories)));
    n.category = *parsed;
  } else if (who->is_staff()) {
    co_return Response::Fail(Invalid("'category' is required (one of " + std::string(kCategories) + ")"));
  }
  if (*channel) {
    auto parsed = domain::ParseIntakeChannel(**channel);
    if (!parsed) co_return Response::Fail(Invalid("'channel' must be one of widget, email, phone"));
    n.channel = *parsed;
  } else if (who->is_staff()) {
    co_return Response::Fail(Invalid("'channel' is required: widget, email or phone (how the complaint came in)"));
  }
  if (!who->is_staff() && n.channel != domain::IntakeChannel::widget)
    co_return Response::Fail(Invalid("customers file complaints from the widget ('channel' must be widget)"));
  if (*zone && !(*zone)->empty()) {
    if ((*zone)->size() > 64 || !ZoneClock(**zone).ok())
      co_return Response::Fail(Invalid("'time_zone' must be an IANA time zone such as \"Asia/Shanghai\""));
    n.time_zone = **zone;
  }
  if (*lang && !(*lang)->empty()) {
    const std::string& l = **lang;
    if (l != "zh" && l != "zh-CN" && l != "zh-TW" && l != "en" && l != "es")
      co_return Response::Fail(Invalid("'lang' must be one of zh, zh-CN, zh-TW, en, es"));
    n.lang = NoticeLang(l);
  }
  if (*customer && (**customer <= 0 || **customer >= (1LL << 53)))
    co_return Response::Fail(Invalid("'customer_id' is not a valid id"));

  // The conversation the customer hears from us in: theirs, for a customer; any, for staff.
  if (body->contains("conversation_id") && !body->at("conversation_id").is_null()) {
    auto conv_id = json::RequiredId(*body, "conversation_id");
    if (!conv_id.ok()) co_return Response::Fail(conv_id.error());
    auto load = [&ctx, id = *conv_id] { return ctx.store.GetConversation(id); };
    auto conv = co_await Blocking(ctx, std::move(load));
    if (!conv.ok() || (!who->is_staff() && conv->customer_id != who->id))
      co_return Response::Fail(MakeError(Code::not_found, "conversation " + std::to_string(*conv_id) + " not found"));
    if (*customer && **customer != conv->customer_id)
      co_return Response::Fail(Invalid("'customer_id' is not the customer of that conversation"));
    n.conversation_id = conv->id;
    n.customer_id = conv->customer_id;
    if (n.lang.empty()) n.lang = conv->lang;
  } else if (!who->is_staff()) {
    co_return Response::Fail(Invalid("'conversation_id' is required: the conversation the complaint is about"));
  } else if (*customer) {
    n.customer_id = **customer;
  }
  if (n.customer_id) {
    auto load = [&ctx, id = n.customer_id] { return ctx.store.GetCustomer(id); };
    auto cust = co_await Blocking(ctx, std::move(load));
    if (!cust.ok()) co_return Response::Fail(cust.error());
    if (n.lang.empty()) n.lang = cust->lang;
  }
  n.lang = NoticeLang(n.lang);
  if (!who->is_staff()) {
    // One open complaint per conversation: a second click of the button is not a second complaint.
    store::ComplaintQuery q;
    q.customer_id = who->id;
    q.limit = 100;
    auto list = [&ctx, q] { return ctx.store.Complaints().ListComplaints(q); };
    auto mine = co_await Blocking(ctx, std::move(list));
    if (!mine.ok()) co_return Response::Fail(mine.error());
    for (const store::Complaint& c : *mine) {
      if (c.conversation_id == n.conversation_id && c.status != ComplaintStatus::resolved &&
          c.status != ComplaintStatus::closed)
        co_return Response::Fail(MakeError(Code::conflict, "complaint #" + std::to_string(c.id) +
                                                               " about this conversation is still being handled"));
    }
  }
  if (n.subject.empty()) n.subject = std::string(TruncateAtToken(n.description, 80));
  n.actor = who->actor();
  n.at = Clock::System().Now();
  n.review_due_at = n.at + ctx.config.complaints_review_hours * kHourMs;
  {
    store::NewTicket t;
    t.type = domain::TicketType::complaint;
    t.category = n.category;
    t.desk = domain::Desk::complaints;
    t.conversation_id = n.conversation_id;
    t.at = n.at;
    co_await ctx.sla->Attach(t);
    n.sla = std::move(t.sla);
  }
  const Millis sla_checkpoint = n.sla ? domain::NextCheckpoint(*n.sla) : 0;
  const std::optional<domain::TicketSla> sla = n.sla;
  n.acknowledgement = [zone_default = ctx.config.complaints_time_zone](const store::Complaint& c) {
    return RenderNotice("complaint_received", c, zone_default);
  };
  const Id conversation_id = n.conversation_id;
  const Millis n_at = n.at;
  auto submit = [&ctx, n = std::move(n)](store::Callback<store::ComplaintChange> done) mutable {
    ctx.store.Complaints().CreateComplaint(std::move(n), std::move(done));
  };
  auto created = co_await Write<store::ComplaintChange>(std::move(submit));
  if (!created.ok()) co_return Response::Fail(created.error());
  ctx.scheduler->Poke(created->complaint.review_due_at);
  if (sla_checkpoint) ctx.scheduler->Poke(sla_checkpoint);
  if (sla) ctx.sla->Watch(conversation_id, created->complaint.ticket_id, n_at, *sla);  // next-response rounds
  if (!who->is_staff() && !warnings.empty() && conversation_id)
    ctx.hub.SendSafetyNotice(conversation_id, created->complaint.description);
  co_await Announce(ctx, *created, "complaint.created");
  log::Info("complaint.created", {{"rid", req.rid}, {"complaint_id", created->complaint.id},
                                  {"ticket_id", created->complaint.ticket_id},
                                  {"channel", domain::IntakeChannelName(created->complaint.channel)}});
  Response res = Response::Json(201, WithWarnings(ComplaintJson(created->complaint, who->is_staff()), warnings));
  res.headers.emplace_back("Location", "/api/v1/complaints/" + std::to_string(created->complaint.id));
  co_return res;
}

awaitable<Response> ListComplaintsRoute(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (who->is_staff() && !Reads(*who))
    co_return Response::Fail(MakeError(Code::forbidden, "your role cannot see complaints"));
  store::ComplaintQuery q;
  auto limit = LimitParam(req, 50, 200);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  q.limit = *limit;
  if (auto v = req.Query("status"); v && !v->empty()) {
    q.status = domain::ParseComplaintStatus(*v);
    if (!q.status) co_return Response::Fail(Invalid("'status' must be one of " + std::string(kStatuses)));
  }
  if (auto v = req.Query("category"); v && !v->empty()) {
    q.category = domain::ParseTicketCategory(*v);
    if (!q.category) co_return Response::Fail(Invalid("'category' must be one of " + std::string(kCategories)));
  }
  if (auto v = req.Query("before"); v && !v->empty()) {
    auto before = ParseInt(*v);
    if (!before || *before <= 0) co_return Response::Fail(Invalid("'before' must be a complaint id"));
    q.before_id = *before;
  }
  if (!who->is_staff()) q.customer_id = who->id;
  auto load = [&ctx, q] { return ctx.store.Complaints().ListComplaints(q); };
  auto list = co_await Blocking(ctx, std::move(load));
  if (!list.ok()) co_return Response::Fail(list.error());
  std::string out = "{\"complaints\":";
  const bool for_staff = who->is_staff();
  json::AppendArray(out, *list, [for_staff](std::string& o, const store::Complaint& c) { AppendComplaint(o, c, for_staff); });
  out += ",\"next_before\":";
  out += static_cast<int>(list->size()) == q.limit && !list->empty() ? std::to_string(list->back().id) : "null";
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> GetComplaintRoute(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, 0, "complaint");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto c = co_await VisibleComplaint(ctx, *who, *id);
  if (!c.ok()) co_return Response::Fail(c.error());
  std::string out;
  AppendComplaint(out, *c, who->is_staff());
  if (who->is_staff()) {
    auto load = [&ctx, id = *id]() -> Result<std::pair<std::vector<store::Event>, std::vector<store::Compensation>>> {
      KEFU_ASSIGN(history, ctx.store.Complaints().ComplaintHistory(id));
      KEFU_ASSIGN(compensations, ctx.store.Complaints().ListCompensations(id));
      return std::make_pair(std::move(history), std::move(compensations));
    };
    auto extra = co_await Blocking(ctx, std::move(load));
    if (!extra.ok()) co_return Response::Fail(extra.error());
    out.pop_back();
    out += ",\"history\":";
    json::AppendArray(out, extra->first,
                      [](std::string& o, const store::Event& e) { json::AppendEvent(o, e, json::Pii::masked); });
    out += ",\"compensations\":";
    json::AppendArray(out, extra->second, AppendCompensation);
    out += '}';
  }
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> SetComplaintStatusRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (!Handles(*who)) co_return Response::Fail(MakeError(Code::forbidden, "your role cannot change complaints"));
  auto id = PathId(req, 0, "complaint");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto status = json::OptString(*body, "status");
  if (!status.ok()) co_return Response::Fail(status.error());
  if (!*status) co_return Response::Fail(Invalid("'status' is required (one of " + std::string(kStatuses) + ")"));
  auto to = domain::ParseComplaintStatus(**status);
  if (!to || *to == ComplaintStatus::received)
    co_return Response::Fail(Invalid("'status' must be one of acknowledged, under_review, resolved, closed"));
  std::vector<std::string> warnings;
  auto resolution = GuardedText(*who, *body, "resolution", kMaxResolutionChars, false, warnings);
  if (!resolution.ok()) co_return Response::Fail(resolution.error());
  auto note = GuardedText(*who, *body, "note", kMaxNoteChars, false, warnings);
  if (!note.ok()) co_return Response::Fail(note.error());
  store::ComplaintStatusChange ch;
  ch.complaint_id = *id;
  ch.status = *to;
  ch.resolution = std::move(*resolution);
  ch.note = std::move(*note);
  ch.actor = who->actor();
  ch.at = Clock::System().Now();
  ch.callback_due_at = ch.at + ctx.config.complaints_callback_hours * kHourMs;
  ch.callback_task_note = "回访 Callback: complaint #" + std::to_string(*id);
  ch.notice = [zone_default = ctx.config.complaints_time_zone](const store::Complaint& c, ComplaintAction action) {
    return RenderNotice(NoticeKey(action), c, zone_default);
  };
  const Millis callback_due = ch.callback_due_at;
  auto submit = [&ctx, ch = std::move(ch)](store::Callback<store::ComplaintChange> done) mutable {
    ctx.store.Complaints().ChangeComplaintStatus(std::move(ch), std::move(done));
  };
  auto changed = co_await Write<store::ComplaintChange>(std::move(submit));
  if (!changed.ok()) co_return Response::Fail(changed.error());
  if (changed->complaint.status == ComplaintStatus::resolved && changed->complaint.callback_task_id)
    ctx.scheduler->Poke(callback_due);
  co_await Announce(ctx, *changed, "complaint.updated");
  log::Info("complaint.status", {{"rid", req.rid}, {"complaint_id", *id},
                                 {"status", domain::ComplaintStatusName(changed->complaint.status)}});
  co_return Response::Json(200, WithWarnings(ComplaintJson(changed->complaint, true), warnings));
}

awaitable<Response> RecordComplaintCallbackRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (!Handles(*who)) co_return Response::Fail(MakeError(Code::forbidden, "your role cannot record callbacks"));
  auto id = PathId(req, 0, "complaint");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto reached = OptBool(*body, "reached");
  if (!reached.ok()) co_return Response::Fail(reached.error());
  if (!*reached) co_return Response::Fail(Invalid("'reached' (true or false: did the callback reach the customer?) is required"));
  auto satisfied = OptBool(*body, "satisfied");
  if (!satisfied.ok()) co_return Response::Fail(satisfied.error());
  if (**reached && !*satisfied)
    co_return Response::Fail(Invalid("'satisfied' (true or false) is required when the customer was reached"));
  std::vector<std::string> warnings;
  auto note = GuardedText(*who, *body, "note", kMaxNoteChars, false, warnings);
  if (!note.ok()) co_return Response::Fail(note.error());
  store::CallbackOutcome o;
  o.complaint_id = *id;
  o.reached = **reached;
  o.satisfied = o.reached ? *satisfied : std::nullopt;
  o.note = std::move(*note);
  o.actor = who->actor();
  o.at = Clock::System().Now();
  auto submit = [&ctx, o = std::move(o)](store::Callback<store::ComplaintChange> done) mutable {
    ctx.store.Complaints().RecordCallback(std::move(o), std::move(done));
  };
  auto changed = co_await Write<store::ComplaintChange>(std::move(submit));
  if (!changed.ok()) co_return Response::Fail(changed.error());
  std::string frame = "{\"type\":\"complaint.updated\",\"complaint\":";
  AppendComplaint(frame, changed->complaint, true);
  frame += '}';
  co_await TellComplaintTeam(ctx, std::move(frame), changed->complaint.handler_id);
  co_return Response::Json(200, WithWarnings(ComplaintJson(changed->complaint, true), warnings));
}

awaitable<Response> ListCompensationsRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, 0, "complaint");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto c = co_await VisibleComplaint(ctx, *who, *id);
  if (!c.ok()) co_return Response::Fail(c.error());
  auto load = [&ctx, id = *id] { return ctx.store.Complaints().ListCompensations(id); };
  auto list = co_await Blocking(ctx, std::move(load));
  if (!list.ok()) co_return Response::Fail(list.error());
  std::string out = "{\"compensations\":";
  json::AppendArray(out, *list, AppendCompensation);
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ProposeCompensationRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (!Handles(*who)) co_return Response::Fail(MakeError(Code::forbidden, "your role cannot propose compensation"));
  auto id = PathId(req, 0, "complaint");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  if (auto it = body->find("amount"); it != body->end() && it->value().is_number())
    co_return Response::Fail(Invalid("'amount' must be a decimal string such as \"120.50\", not a JSON number (no rounding)"));
  auto kind = json::OptString(*body, "kind");
  auto amount = json::OptString(*body, "amount");
  auto currency = json::OptString(*body, "currency");
  for (const Status& st : {kind.ok() ? Ok() : Status(kind.error()), amount.ok() ? Ok() : Status(amount.error()),
                           currency.ok() ? Ok() : Status(currency.error())})
    if (!st.ok()) co_return Response::Fail(st.error());
  auto parsed_kind = *kind ? domain::ParseCompensationKind(**kind) : std::nullopt;
  if (!parsed_kind) co_return Response::Fail(Invalid("'kind' must be one of " + std::string(kKinds)));
  const std::string amount_text(Trim(amount->value_or("")));
  if (Status st = domain::CheckCompensationAmount(amount_text); !st.ok()) co_return Response::Fail(st.error());
  const std::string currency_text(Trim(currency->value_or("")));
  if (Status st = domain::CheckCurrency(currency_text); !st.ok()) co_return Response::Fail(st.error());
  std::vector<std::string> warnings;
  auto reason = GuardedText(*who, *body, "reason", kMaxNoteChars, true, warnings);
  if (!reason.ok()) co_return Response::Fail(reason.error());
  store::NewCompensation n;
  n.complaint_id = *id;
  n.kind = *parsed_kind;
  n.amount = amount_text;
  n.currency = currency_text;
  n.reason = std::move(*reason);
  n.actor = who->actor();
  n.at = Clock::System().Now();
  auto submit = [&ctx, n = std::move(n)](store::Callback<store::Compensation> done) mutable {
    ctx.store.Complaints().ProposeCompensation(std::move(n), std::move(done));
  };
  auto created = co_await Write<store::Compensation>(std::move(submit));
  if (!created.ok()) co_return Response::Fail(created.error());
  std::string frame = "{\"type\":\"compensation.proposed\",\"compensation\":";
  AppendCompensation(frame, *created);
  frame += '}';
  co_await TellComplaintTeam(ctx, std::move(frame), 0);
  std::string out;
  AppendCompensation(out, *created);
  Response res = Response::Json(201, WithWarnings(std::move(out), warnings));
  res.headers.emplace_back("Location", "/api/v1/complaints/" + std::to_string(*id) + "/compensations");
  co_return res;
}

namespace {

awaitable<Response> Decide(Request& req, Context& ctx, bool approve) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (!Decides(*who))
    co_return Response::Fail(MakeError(Code::forbidden, "only supervisors and admins approve or reject compensation"));
  auto complaint_id = PathId(req, 0, "complaint");
  if (!complaint_id.ok()) co_return Response::Fail(complaint_id.error());
  auto compensation_id = PathId(req, 1, "compensation");
  if (!compensation_id.ok()) co_return Response::Fail(compensation_id.error());
  auto body = json::ParseObject(req.body, /*empty_ok=*/true);
  if (!body.ok()) co_return Response::Fail(body.error());
  std::vector<std::string> warnings;
  auto note = GuardedText(*who, *body, "note", kMaxNoteChars, !approve, warnings);
  if (!note.ok()) co_return Response::Fail(note.error());
  store::CompensationDecision d;
  d.compensation_id = *compensation_id;
  d.complaint_id = *complaint_id;
  d.approve = approve;
  d.note = std::move(*note);
  d.actor = who->actor();
  d.at = Clock::System().Now();
  auto submit = [&ctx, d = std::move(d)](store::Callback<store::Compensation> done) mutable {
    ctx.store.Complaints().DecideCompensation(std::move(d), std::move(done));
  };
  auto decided = co_await Write<store::Compensation>(std::move(submit));
  if (!decided.ok()) co_return Response::Fail(decided.error());
  std::string frame = "{\"type\":\"compensation.decided\",\"compensation\":";
  AppendCompensation(frame, *decided);
  frame += '}';
  co_await TellComplaintTeam(ctx, std::move(frame), decided->proposed_by);
  log::Info(approve ? "compensation.approved" : "compensation.rejected",
            {{"rid", req.rid}, {"compensation_id", decided->id}, {"staff_id", who->id}});
  std::string out;
  AppendCompensation(out, *decided);
  co_return Response::Json(200, WithWarnings(std::move(out), warnings));
}

std::string CsvField(std::string_view v) {
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

awaitable<Response> ApproveCompensationRoute(Request& req, Context& ctx) { co_return co_await Decide(req, ctx, true); }
awaitable<Response> RejectCompensationRoute(Request& req, Context& ctx) { co_return co_await Decide(req, ctx, false); }

awaitable<Response> ComplaintStatsRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (!ReadsStats(*who))
    co_return Response::Fail(MakeError(Code::forbidden, "complaint statistics are for supervisors, auditors and admins"));
  const Millis now = Clock::System().Now();
  const std::string from_text = req.Query("from").value_or(domain::MonthOf(now).substr(0, 4) + "-01");
  const std::string to_text = req.Query("to").value_or(domain::MonthOf(now));
  auto from = domain::ParseMonth(from_text);
  auto to = domain::ParseMonth(to_text);
  if (!from || !to) co_return Response::Fail(Invalid("'from' and 'to' must be months written YYYY-MM, e.g. 2026-11"));
  if (*from > *to) co_return Response::Fail(Invalid("'from' must not be after 'to'"));
  const std::string format = req.Query("format").value_or("json");
  if (format != "json" && format != "csv") co_return Response::Fail(Invalid("'format' must be json or csv"));
  // The end is exclusive: the first instant of the month after `to`.
  const int to_year = std::stoi(to_text.substr(0, 4)), to_month = std::stoi(to_text.substr(5, 2));
  char next[16];
  std::snprintf(next, sizeof next, "%04d-%02d", to_month == 12 ? to_year + 1 : to_year, to_month % 12 + 1);
  const Millis end = domain::ParseMonth(next).value_or(*to);
  auto load = [&ctx, begin = *from, end] { return ctx.store.Complaints().ComplaintFacts(begin, end); };
  auto facts = co_await Blocking(ctx, std::move(load));
  if (!facts.ok()) co_return Response::Fail(facts.error());
  const std::vector<domain::ComplaintStatsRow> rows = domain::ComputeComplaintStats(*facts);
  store::AuditRecord audit;
  audit.at = now;
  audit.actor = who->actor();
  audit.action = "export";
  audit.target = "complaints:stats";
  audit.details_json = "{\"from\":\"" + from_text + "\",\"to\":\"" + to_text + "\",\"format\":\"" + format + "\"}";
  auto recorded = co_await WriteAudit(ctx, std::move(audit));
  if (!recorded.ok()) co_return Response::Fail(recorded.error());
  if (format == "csv") {
    std::string out = "month,category,received,resolved,reviews_overdue,median_resolution_seconds,compensation_approved\r\n";
    for (const auto& r : rows) {
      std::string money;
      for (const auto& [currency, total] : r.compensation_approved) {
        if (!money.empty()) money += ';';
        money += currency + " " + total;
      }
      out += r.month + "," + CsvField(r.category) + "," + std::to_string(r.received) + "," + std::to_string(r.resolved) +
             "," + std::to_string(r.reviews_overdue) + "," +
             (r.median_resolution_seconds ? std::to_string(*r.median_resolution_seconds) : std::string()) + "," +
             CsvField(money) + "\r\n";
    }
    Response res{200, "text/csv; charset=utf-8", std::move(out), {}};
    res.headers.emplace_back("Content-Disposition",
                             "attachment; filename=\"complaints-" + from_text + "-" + to_text + ".csv\"");
    co_return res;
  }
  std::string out = "{\"from\":\"" + from_text + "\",\"to\":\"" + to_text + "\",\"rows\":";
  json::AppendArray(out, rows, [](std::string& o, const domain::ComplaintStatsRow& r) {
    o += "{\"month\":\"" + r.month + "\",\"category\":";
    AppendJsonString(o, r.category);
    o += ",\"received\":" + std::to_string(r.received) + ",\"resolved\":" + std::to_string(r.resolved) +
         ",\"reviews_overdue\":" + std::to_string(r.reviews_overdue) + ",\"median_resolution_seconds\":" +
         (r.median_resolution_seconds ? std::to_string(*r.median_resolution_seconds) : std::string("null")) +
         ",\"compensation_approved\":{";
    bool first = true;
    for (const auto& [currency, total] : r.compensation_approved) {
      if (!first) o += ',';
      first = false;
      AppendJsonString(o, currency);
      o += ':';
      AppendJsonString(o, total);
    }
    o += "}}";
  });
  out += '}';
  co_return Response::Json(200, std::move(out));
}

}  // namespace kefu::http
