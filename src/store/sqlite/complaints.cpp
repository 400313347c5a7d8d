#include "store/sqlite/complaints.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "store/sqlite/audit.hpp"
#include "store/sqlite/tasks.hpp"
#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

using domain::ComplaintAction;
using domain::ComplaintStatus;
using domain::TicketStatus;

constexpr const char* kComplaintColumns =
    "SELECT c.id, c.ticket_id, c.channel, c.status, t.category, t.priority, t.subject, t.description, "
    "COALESCE(t.customer_id, 0), COALESCE(cu.name, ''), COALESCE(t.conversation_id, 0), c.lang, c.time_zone, "
    "c.received_at, COALESCE(c.acknowledged_at, 0), c.review_due_at, COALESCE(c.review_started_at, 0), "
    "COALESCE(c.review_overdue_at, 0), COALESCE(c.resolved_at, 0), COALESCE(c.closed_at, 0), "
    "c.resolution, COALESCE(c.handler_id, 0), COALESCE(s.name, ''), COALESCE(c.callback_task_id, 0), "
    "COALESCE(c.callback_at, 0), COALESCE(c.callback_reached, 0), c.callback_satisfied, "
    "c.callback_note, c.updated_at "
    "FROM complaints c JOIN tickets t ON t.id = c.ticket_id LEFT JOIN customers cu ON cu.id = t.customer_id "
    "LEFT JOIN staff s ON s.id = c.handler_id ";

Complaint ReadComplaintRow(const Stmt& s) {
  Complaint c;
  c.id = s.Int(0);
  c.ticket_id = s.Int(1);
  c.channel = domain::ParseIntakeChannel(s.Text(2)).value_or(domain::IntakeChannel::widget);
  c.status = domain::ParseComplaintStatus(s.Text(3)).value_or(ComplaintStatus::closed);
  c.category = domain::ParseTicketCategory(s.Text(4)).value_or(domain::TicketCategory::other);
  c.priority = static_cast<domain::TicketPriority>(std::clamp<std::int64_t>(s.Int(5), 0, 3));
  // The ticket's text and the customer's name are sealed at rest (docs/adr/0013).
  c.subject = s.Plain(6, crypto::Place{"tickets.subject", c.ticket_id});
  c.description = s.Plain(7, crypto::Place{"tickets.description", c.ticket_id});
  c.customer_id = s.Int(8);
  c.customer_name = s.Plain(9, crypto::Place{"customers.name", c.customer_id});
  c.conversation_id = s.Int(10);
  c.lang = s.Text(11);
  c.time_zone = s.Text(12);
  c.received_at = s.Int(13);
  c.acknowledged_at = s.Int(14);
  c.review_due_at = s.Int(15);
  c.review_started_at = s.Int(16);
  c.review_overdue_at = s.Int(17);
  c.resolved_at = s.Int(18);
  c.closed_at = s.Int(19);
  c.resolution = s.Plain(20, {"complaints.resolution", c.id, 0});  // sealed (docs/adr/0013)
  c.handler_id = s.Int(21);
  c.handler_name = s.Text(22);
  c.callback_task_id = s.Int(23);
  c.callback_at = s.Int(24);
  c.callback_reached = s.Int(25) != 0;
  if (!s.IsNull(26)) c.callback_satisfied = s.Int(26) != 0;
  c.callback_note = s.Plain(27, {"complaints.callback_note", c.id, 0});
  c.updated_at = s.Int(28);
  return c;
}

Result<Complaint> ReadComplaint(Db& db, Id id) {
  static const std::string sql = std::string(kComplaintColumns) + "WHERE c.id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "complaint " + std::to_string(id) + " not found");
  return ReadComplaintRow(stmt);
}

// Writes the record's own columns (not the ticket's).
Status WriteComplaint(Db& db, const Complaint& c) {
  KEFU_ASSIGN(stmt, db.Prepare(
                        "UPDATE complaints SET status = ?2, acknowledged_at = ?3, review_started_at = ?4, "
                        "review_overdue_at = ?5, resolved_at = ?6, closed_at = ?7, resolution = ?8, handler_id = ?9, "
                        "callback_task_id = ?10, callback_at = ?11, callback_reached = ?12, callback_satisfied = ?13, "
                        "callback_note = ?14, updated_at = ?15 WHERE id = ?1"));
  stmt.Bind(1, c.id).Bind(2, domain::ComplaintStatusName(c.status)).BindOptional(3, c.acknowledged_at);
  stmt.BindOptional(4, c.review_started_at).BindOptional(5, c.review_overdue_at).BindOptional(6, c.resolved_at);
  stmt.BindOptional(7, c.closed_at).BindOptional(9, c.handler_id);
  // The resolution and the callback's note are about the customer: sealed (docs/adr/0013).
  if (c.resolution.empty()) {
    stmt.BindNull(8);
  } else {
    stmt.BindSealed(8, c.resolution, {"complaints.resolution", c.id, 0});
  }
  stmt.BindOptional(10, c.callback_task_id).BindOptional(11, c.callback_at);
  if (c.callback_at) {
    stmt.Bind(12, c.callback_reached ? 1 : 0);
  } else {
    stmt.BindNull(12);
  }
  if (c.callback_satisfied) {
    stmt.Bind(13, *c.callback_satisfied ? 1 : 0);
  } else {
    stmt.BindNull(13);
  }
  if (c.callback_note.empty()) {
    stmt.BindNull(14);
  } else {
    stmt.BindSealed(14, c.callback_note, {"complaints.callback_note", c.id, 0});
  }
  stmt.Bind(15, c.updated_at);
  return stmt.Run();
}

void AddString(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  AppendJsonString(out, value);
}

// A "complaint.*" event; `fields` are JSON members after "complaint_id", each starting with ','.
Result<Event> ComplaintEvent(Db& db, const Complaint& c, std::string_view type, const domain::Actor& actor, Millis at,
                             std::string_view fields) {
  Event e;
  e.conversation_id = c.conversation_id;
  e.ticket_id = c.ticket_id;
  e.type = std::string(type);
  e.at = at;
  e.actor = actor;
  e.data_json = "{\"complaint_id\":" + std::to_string(c.id);
  e.data_json += fields;
  e.data_json += '}';
  KEFU_ASSIGN(id, InsertEventTx(db, e));
  e.id = id;
  return e;
}

// Writes a notice into the complaint's conversation, if it has one and the text is not empty.
Status Notify(Db& db, const Complaint& c, const ComplaintNotice& notice, std::string_view kind, Millis at,
              std::vector<Message>& out) {
  if (!c.conversation_id || !notice) return Ok();
  std::string text = notice(c);
  if (text.empty()) return Ok();
  NewMessage m;
  m.conversation_id = c.conversation_id;
  m.sender = {domain::ActorType::bot, 0};  // clients label it like the bot's notices
  m.text = std::move(text);
  m.at = at;
  m.kind = std::string(kind);
  KEFU_ASSIGN(appended, AppendMessageInTx(db, m));
  out.push_back(std::move(appended.message));
  return Ok();
}

// Moves the ticket toward `to` where its life cycle allows; a ticket someone moved elsewhere
// (merged, closed by hand) is left alone.
Status FollowTicket(Db& db, Id ticket_id, TicketStatus to, const domain::Actor& actor, Millis at,
                    const std::string& summary) {
  KEFU_ASSIGN(t, GetTicketTx(db, ticket_id));
  if (t.merged_into || t.status == to) return Ok();
  std::vector<TicketStatus> path;
  if (to == TicketStatus::resolved && t.status == TicketStatus::fresh) path.push_back(TicketStatus::open);
  path.push_back(to);
  for (TicketStatus step : path) {
    KEFU_ASSIGN(current, GetTicketTx(db, ticket_id));
    if (!domain::ActionTo(current.status, step).ok()) return Ok();
    TicketStatusChange change;
    change.ticket_id = ticket_id;
    change.status = step;
    change.summary = step == TicketStatus::closed ? summary : std::string();
    change.actor = actor;
    change.at = at;
    KEFU_TRY(SetTicketStatusTx(db, change));
  }
  return Ok();
}

Result<ComplaintChange> CreateTx(Db& db, const NewComplaint& n) {
  NewTicket t;
  t.type = domain::TicketType::complaint;
  t.category = n.category;
  t.priority = domain::TicketPriority::normal;
  t.subject = n.subject;
  t.description = n.description;
  t.customer_id = n.customer_id;
  t.conversation_id = n.conversation_id;
  t.desk = domain::Desk::complaints;
  t.tags = {"complaint"};
  t.actor = n.actor;
  t.at = n.at;
  t.sla = n.sla;
  KEFU_ASSIGN(ticket, CreateTicketTx(db, t));
  {
    KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO complaints(ticket_id, channel, status, lang, time_zone, received_at, "
                                 "review_due_at, updated_at) VALUES (?1, ?2, 'received', ?3, ?4, ?5, ?6, ?5)"));
    stmt.Bind(1, ticket.id).Bind(2, domain::IntakeChannelName(n.channel)).Bind(3, n.lang).Bind(4, n.time_zone);
    stmt.Bind(5, n.at).Bind(6, n.review_due_at);
    KEFU_TRY(stmt.Run());
  }
  const Id id = db.LastInsertId();
  KEFU_TRY(ScheduleTimerTx(db, NewTimer{std::string(kComplaintReviewTimer), id, n.review_due_at, "{}", true}, n.at));
  ComplaintChange out;
  KEFU_ASSIGN(c, ReadComplaint(db, id));
  std::string data;
  AddString(data, "channel", domain::IntakeChannelName(c.channel));
  AddString(data, "category", domain::TicketCategoryName(c.category));
  AddString(data, "review_due_at", FormatRfc3339(c.review_due_at));
  KEFU_ASSIGN(created, ComplaintEvent(db, c, "complaint.received", n.actor, n.at, data));
  out.event = std::move(created);
  KEFU_TRY(Notify(db, c, n.acknowledgement, "complaint.acknowledgement", n.at, out.messages));
  if (!out.messages.empty()) {
    c.status = ComplaintStatus::acknowledged;
    c.acknowledged_at = n.at;
    KEFU_TRY(WriteComplaint(db, c));
    std::string ack = ",\"from\":\"received\",\"to\":\"acknowledged\",\"message_id\":" +
                      std::to_string(out.messages.back().id);
    KEFU_TRY(ComplaintEvent(db, c, "complaint.acknowledged", {domain::ActorType::system, 0}, n.at, ack));
  }
  out.complaint = std::move(c);
  return out;
}

Result<ComplaintChange> StatusTx(Db& db, const ComplaintStatusChange& ch) {
  KEFU_ASSIGN(c, ReadComplaint(db, ch.complaint_id));
  KEFU_ASSIGN(action, domain::ComplaintActionTo(c.status, ch.status));
  if (action == ComplaintAction::resolve && Trim(ch.resolution).empty())
    return MakeError(Code::invalid, "'resolution' is required to resolve a complaint (what was found and done)");
  const ComplaintStatus from = c.status;
  c.status = ch.status;
  c.updated_at = std::max(c.updated_at, ch.at);
  std::string data;
  AddString(data, "from", domain::ComplaintStatusName(from));
  AddString(data, "to", domain::ComplaintStatusName(ch.status));
  if (!ch.note.empty()) AddString(data, "note", ch.note);
  switch (action) {
    case ComplaintAction::acknowledge:
      c.acknowledged_at = ch.at;
      break;
    case ComplaintAction::start_review:
      c.review_started_at = ch.at;
      if (!c.handler_id && ch.actor.type == domain::ActorType::staff) c.handler_id = ch.actor.id;
      KEFU_TRY(CancelTimerTx(db, kComplaintReviewTimer, c.id, ch.at));
      KEFU_TRY(FollowTicket(db, c.ticket_id, TicketStatus::open, ch.actor, ch.at, {}));
      if (c.review_overdue_at) data += ",\"late\":true";
      break;
    case ComplaintAction::reopen:
      c.resolved_at = 0;
      c.closed_at = 0;
      KEFU_TRY(FollowTicket(db, c.ticket_id, TicketStatus::open, ch.actor, ch.at, {}));
      break;
    case ComplaintAction::resolve: {
      c.resolved_at = ch.at;
      c.resolution = std::string(Trim(ch.resolution));
      if (!c.handler_id && ch.actor.type == domain::ActorType::staff) c.handler_id = ch.actor.id;
      // The resolution's text stays in the record: events carry no free text but a note, which
      // a data-subject erasure may strip (migration 15's rule for events).
      KEFU_TRY(FollowTicket(db, c.ticket_id, TicketStatus::resolved, ch.actor, ch.at, {}));
      if (ch.callback_due_at && c.handler_id) {
        NewTask task;
        task.owner_id = c.handler_id;
        task.conversation_id = c.conversation_id;
        task.ticket_id = c.ticket_id;
        task.note = ch.callback_task_note.empty() ? "Callback (回访): complaint #" + std::to_string(c.id)
                                                  : ch.callback_task_note;
        task.due_at = ch.callback_due_at;
        task.created_by = ch.actor.type == domain::ActorType::staff ? ch.actor.id : 0;
        task.at = ch.at;
        KEFU_ASSIGN(created, CreateTaskTx(db, task));
        c.callback_task_id = created.id;
        data += ",\"callback_task_id\":" + std::to_string(created.id);
      }
      break;
    }
    case ComplaintAction::close:
      c.closed_at = ch.at;
      KEFU_TRY(FollowTicket(db, c.ticket_id, TicketStatus::closed, ch.actor, ch.at, c.resolution));
      break;
  }
  KEFU_TRY(WriteComplaint(db, c));
  ComplaintChange out;
  KEFU_ASSIGN(c2, ReadComplaint(db, c.id));
  out.complaint = std::move(c2);
  if (ch.notice) {
    const ComplaintNotice notice = [&ch, action](const Complaint& now) { return ch.notice(now, action); };
    KEFU_TRY(Notify(db, out.complaint, notice, "complaint.notice", ch.at, out.messages));
  }
  if (!out.messages.empty()) data += ",\"message_id\":" + std::to_string(out.messages.back().id);
  KEFU_ASSIGN(e, ComplaintEvent(db, out.complaint, domain::ComplaintEventType(action), ch.actor, ch.at, data));
  out.event = std::move(e);
  return out;
}

Result<ComplaintChange> CallbackTx(Db& db, const CallbackOutcome& o) {
  KEFU_ASSIGN(c, ReadComplaint(db, o.complaint_id));
  if (c.status != ComplaintStatus::resolved && c.status != ComplaintStatus::closed)
    return MakeError(Code::conflict, "the callback comes after resolution; complaint " + std::to_string(c.id) +
                                         " is " + std::string(domain::ComplaintStatusName(c.status)));
  if (c.callback_at)
    return MakeError(Code::conflict, "the callback of complaint " + std::to_string(c.id) + " was recorded at " +
                                         FormatRfc3339(c.callback_at));
  c.callback_at = o.at;
  c.callback_reached = o.reached;
  c.callback_satisfied = o.reached ? o.satisfied : std::nullopt;
  c.callback_note = o.note;
  c.updated_at = std::max(c.updated_at, o.at);
  KEFU_TRY(WriteComplaint(db, c));
  if (c.callback_task_id) {
    KEFU_ASSIGN(task, GetTaskTx(db, c.callback_task_id));
    if (task.state == "open") KEFU_TRY(CompleteTaskTx(db, task.id, o.actor, o.at));
  }
  std::string data = std::string(",\"reached\":") + (o.reached ? "true" : "false") + ",\"satisfied\":";
  data += c.callback_satisfied ? (*c.callback_satisfied ? "true" : "false") : "null";
  ComplaintChange out;
  KEFU_ASSIGN(e, ComplaintEvent(db, c, "complaint.callback", o.actor, o.at, data));
  out.event = std::move(e);
  KEFU_ASSIGN(c2, ReadComplaint(db, c.id));
  out.complaint = std::move(c2);
  return out;
}

constexpr const char* kCompensationColumns =
    "SELECT p.id, p.complaint_id, p.kind, p.amount, p.currency, p.reason, p.state, p.proposed_by, "
    "COALESCE(a.name, ''), p.proposed_at, COALESCE(p.decided_by, 0), COALESCE(d.name, ''), COALESCE(p.decided_at, 0), "
    "COALESCE(p.decision_note, '') FROM compensations p LEFT JOIN staff a ON a.id = p.proposed_by "
    "LEFT JOIN staff d ON d.id = p.decided_by ";

Compensation ReadCompensationRow(const Stmt& s) {
  Compensation p;
  p.id = s.Int(0);
  p.complaint_id = s.Int(1);
  p.kind = domain::ParseCompensationKind(s.Text(2)).value_or(domain::CompensationKind::other);
  p.amount = s.Text(3);
  p.currency = s.Text(4);
  p.reason = s.Plain(5, {"compensations.reason", p.id, 0});  // staff text: sealed (docs/adr/0013)
  p.state = domain::ParseCompensationState(s.Text(6)).value_or(domain::CompensationState::rejected);
  p.proposed_by = s.Int(7);
  p.proposed_by_name = s.Text(8);
  p.proposed_at = s.Int(9);
  p.decided_by = s.Int(10);
  p.decided_by_name = s.Text(11);
  p.decided_at = s.Int(12);
  p.decision_note = s.Plain(13, {"compensations.decision_note", p.id, 0});
  return p;
}

Result<Compensation> ReadCompensation(Db& db, Id id) {
  static const std::string sql = std::string(kCompensationColumns) + "WHERE p.id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "compensation " + std::to_string(id) + " not found");
  return ReadCompensationRow(stmt);
}

std::string CompensationDetails(const Compensation& p) {
  std::string d = "{\"complaint_id\":" + std::to_string(p.complaint_id) + ",\"compensation_id\":" + std::to_string(p.id);
  AddString(d, "kind", domain::CompensationKindName(p.kind));
  AddString(d, "amount", p.amount);
  AddString(d, "currency", p.currency);
  if (p.proposed_by) d += ",\"proposed_by\":" + std::to_string(p.proposed_by);
  d += '}';
  return d;
}

Result<Compensation> ProposeTx(Db& db, const AuditKey& key, const NewCompensation& n) {
  KEFU_TRY(domain::CheckCompensationAmount(n.amount));
  KEFU_TRY(domain::CheckCurrency(n.currency));
  KEFU_ASSIGN(c, ReadComplaint(db, n.complaint_id));
  if (c.status == ComplaintStatus::closed)
    return MakeError(Code::conflict, "complaint " + std::to_string(c.id) + " is closed; reopen it to propose compensation");
  {
    KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO compensations(complaint_id, kind, amount, currency, reason, state, "
                                 "proposed_by, proposed_at) VALUES (?1, ?2, ?3, ?4, '', 'proposed', ?5, ?6)"));
    stmt.Bind(1, n.complaint_id).Bind(2, domain::CompensationKindName(n.kind)).Bind(3, n.amount);
    stmt.Bind(4, n.currency).Bind(5, n.actor.id).Bind(6, n.at);
    KEFU_TRY(stmt.Run());
  }
  const Id id = db.LastInsertId();
  {  // sealed to its row, so written once the row has its id
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE compensations SET reason = ?2 WHERE id = ?1"));
    stmt.Bind(1, id).BindSealed(2, n.reason, {"compensations.reason", id, 0});
    KEFU_TRY(stmt.Run());
  }
  KEFU_ASSIGN(p, ReadCompensation(db, id));
  const std::string details = CompensationDetails(p);
  std::string fields = details.substr(details.find(','));
  fields.pop_back();
  KEFU_TRY(ComplaintEvent(db, c, "complaint.compensation_proposed", n.actor, n.at, fields));
  KEFU_TRY(AppendAuditTx(db, key, AuditRecord{n.at, n.actor, "compensation.propose",
                                              "compensation:" + std::to_string(p.id), details}));
  return p;
}

Result<Compensation> DecideTx(Db& db, const AuditKey& key, const CompensationDecision& d) {
  KEFU_ASSIGN(p, ReadCompensation(db, d.compensation_id));
  if (d.complaint_id && p.complaint_id != d.complaint_id)
    return MakeError(Code::not_found, "compensation " + std::to_string(d.compensation_id) + " not found on complaint " +
                                          std::to_string(d.complaint_id));
  if (p.state != domain::CompensationState::proposed)
    return MakeError(Code::conflict, "compensation " + std::to_string(p.id) + " was already " +
                                         std::string(domain::CompensationStateName(p.state)) + " by " +
                                         (p.decided_by_name.empty() ? "staff " + std::to_string(p.decided_by)
                                                                    : p.decided_by_name));
  if (d.actor.type == domain::ActorType::staff && d.actor.id == p.proposed_by)
    return MakeError(Code::forbidden, "four eyes: compensation you proposed must be decided by another supervisor");
  KEFU_ASSIGN(c, ReadComplaint(db, p.complaint_id));
  {
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE compensations SET state = ?2, decided_by = ?3, decided_at = ?4, "
                                 "decision_note = ?5 WHERE id = ?1 AND state = 'proposed'"));
    stmt.Bind(1, p.id).Bind(2, d.approve ? "approved" : "rejected").Bind(3, d.actor.id).Bind(4, d.at);
    if (d.note.empty()) {
      stmt.BindNull(5);
    } else {
      stmt.BindSealed(5, d.note, {"compensations.decision_note", p.id, 0});
    }
    KEFU_TRY(stmt.Run());
  }
  KEFU_ASSIGN(after, ReadCompensation(db, p.id));
  // The audit log (clear, hash-chained) records the decision; the note, staff's words, goes
  // only into the sealed event and the sealed record.
  const std::string details = CompensationDetails(after);
  std::string event_details = details;
  if (!d.note.empty()) {
    event_details.pop_back();
    AddString(event_details, "note", d.note);
    event_details += '}';
  }
  std::string fields = event_details.substr(event_details.find(','));
  fields.pop_back();
  KEFU_TRY(ComplaintEvent(db, c, d.approve ? "complaint.compensation_approved" : "complaint.compensation_rejected",
                          d.actor, d.at, fields));
  KEFU_TRY(AppendAuditTx(db, key, AuditRecord{d.at, d.actor, d.approve ? "compensation.approve" : "compensation.reject",
                                              "compensation:" + std::to_string(p.id), details}));
  return after;
}

class SqliteComplaintStore final : public ComplaintStore {
 public:
  SqliteComplaintStore(EngineHooks hooks, const AuditKey& key) : hooks_(std::move(hooks)), key_(key) {}

  void CreateComplaint(NewComplaint n, Callback<ComplaintChange> done) override {
    Submit<ComplaintChange>([n = std::move(n)](Db& db) { return CreateTx(db, n); }, std::move(done));
  }
  void ChangeComplaintStatus(ComplaintStatusChange ch, Callback<ComplaintChange> done) override {
    Submit<ComplaintChange>([ch = std::move(ch)](Db& db) { return StatusTx(db, ch); }, std::move(done));
  }
  void RecordCallback(CallbackOutcome o, Callback<ComplaintChange> done) override {
    Submit<ComplaintChange>([o = std::move(o)](Db& db) { return CallbackTx(db, o); }, std::move(done));
  }
  void ProposeCompensation(NewCompensation n, Callback<Compensation> done) override {
    Submit<Compensation>([n = std::move(n), key = key_](Db& db) { return ProposeTx(db, key, n); }, std::move(done));
  }
  void DecideCompensation(CompensationDecision d, Callback<Compensation> done) override {
    Submit<Compensation>([d = std::move(d), key = key_](Db& db) { return DecideTx(db, key, d); }, std::move(done));
  }

  Result<Complaint> GetComplaint(Id id) override {
    return Read<Complaint>([id](Db& db) { return ReadComplaint(db, id); });
  }

  Result<std::vector<Complaint>> ListComplaints(const ComplaintQuery& q) override {
    std::string sql = kComplaintColumns;
    sql += "WHERE c.id < ?1";
    if (q.status) sql += " AND c.status = ?2";
    if (q.category) sql += " AND t.category = ?3";
    if (q.customer_id) sql += " AND t.customer_id = ?4";
    sql += " ORDER BY c.id DESC LIMIT ?5";
    return Read<std::vector<Complaint>>([&](Db& db) -> Result<std::vector<Complaint>> {
      KEFU_ASSIGN(stmt, db.Prepare(sql));
      stmt.Bind(1, q.before_id ? q.before_id : INT64_MAX).Bind(5, std::clamp(q.limit, 1, 500));
      if (q.status) stmt.Bind(2, domain::ComplaintStatusName(*q.status));
      if (q.category) stmt.Bind(3, domain::TicketCategoryName(*q.category));
      if (q.customer_id) stmt.Bind(4, q.customer_id);
      std::vector<Complaint> out;
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        out.push_back(ReadComplaintRow(stmt));
      }
      return out;
    });
  }

  Result<std::vector<Event>> ComplaintHistory(Id complaint_id) override {
    return Read<std::vector<Event>>([complaint_id](Db& db) -> Result<std::vector<Event>> {
      KEFU_ASSIGN(c, ReadComplaint(db, complaint_id));
      KEFU_ASSIGN(stmt, db.Prepare("SELECT id, COALESCE(conversation_id, 0), type, at, actor_type, actor_id, data "
                                   "FROM events WHERE ticket_id = ?1 AND type LIKE 'complaint.%' ORDER BY id"));
      stmt.Bind(1, c.ticket_id);
      std::vector<Event> out;
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        Event e;
        e.id = stmt.Int(0);
        e.conversation_id = stmt.Int(1);
        e.ticket_id = c.ticket_id;
        e.type = stmt.Text(2);
        e.at = stmt.Int(3);
        if (!stmt.IsNull(4))
          e.actor = domain::Actor{domain::ParseActorType(stmt.Text(4)).value_or(domain::ActorType::system), stmt.Int(5)};
        e.data_json = stmt.Plain(6, crypto::Place{"events.data", e.id});
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Result<std::vector<Compensation>> ListCompensations(Id complaint_id) override {
    return Read<std::vector<Compensation>>([complaint_id](Db& db) -> Result<std::vector<Compensation>> {
      static const std::string sql = std::string(kCompensationColumns) + "WHERE p.complaint_id = ?1 ORDER BY p.id";
      KEFU_ASSIGN(stmt, db.Prepare(sql));
      stmt.Bind(1, complaint_id);
      std::vector<Compensation> out;
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        out.push_back(ReadCompensationRow(stmt));
      }
      return out;
    });
  }

  Result<std::vector<domain::ComplaintFacts>> ComplaintFacts(Millis from, Millis to) override {
    return Read<std::vector<domain::ComplaintFacts>>([from, to](Db& db) -> Result<std::vector<domain::ComplaintFacts>> {
      std::vector<domain::ComplaintFacts> out;
      std::vector<Id> ids;
      {
        KEFU_ASSIGN(stmt, db.Prepare("SELECT c.id, t.category, c.received_at, COALESCE(c.resolved_at, 0), "
                                     "COALESCE(c.review_overdue_at, 0) FROM complaints c JOIN tickets t ON t.id = c.ticket_id "
                                     "WHERE c.received_at >= ?1 AND c.received_at < ?2 ORDER BY c.id"));
        stmt.Bind(1, from).Bind(2, to);
        for (;;) {
          KEFU_ASSIGN(row, stmt.Step());
          if (!row) break;
          ids.push_back(stmt.Int(0));
          out.push_back(domain::ComplaintFacts{stmt.Text(1), stmt.Int(2), stmt.Int(3), stmt.Int(4), {}});
        }
      }
      KEFU_ASSIGN(stmt, db.Prepare("SELECT currency, amount FROM compensations WHERE complaint_id = ?1 "
                                   "AND state = 'approved' ORDER BY id"));
      for (size_t i = 0; i < ids.size(); ++i) {
        stmt.Bind(1, ids[i]);
        for (;;) {
          KEFU_ASSIGN(row, stmt.Step());
          if (!row) break;
          out[i].approved.emplace_back(stmt.Text(0), stmt.Text(1));
        }
        stmt.Reset();
      }
      return out;
    });
  }

 private:
  template <typename T, typename Body>
  void Submit(Body body, Callback<T> done) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    auto run = [body = std::move(body), slot](Db& db) -> Status {
      slot->emplace(body(db));
      if (!slot->value().ok()) return slot->value().error();
      return Ok();
    };
    auto finish = [slot, done = std::move(done)](const Error* commit_error) {
      if (commit_error) {
        done(*commit_error);
      } else {
        done(std::move(slot->value()));
      }
    };
    hooks_.submit(std::move(run), std::move(finish), /*atomic=*/false);
  }

  template <typename T, typename Body>
  Result<T> Read(Body body) {
    std::optional<Result<T>> out;
    hooks_.read([&](Db& db) { out.emplace(body(db)); });
    return std::move(*out);
  }

  EngineHooks hooks_;
  AuditKey key_;
};

}  // namespace

std::unique_ptr<ComplaintStore> NewSqliteComplaintStore(EngineHooks hooks, const AuditKey& audit_key) {
  return std::make_unique<SqliteComplaintStore>(std::move(hooks), audit_key);
}

Status ComplaintReviewOverdueTx(Db& db, Id complaint_id, Millis at) {
  KEFU_ASSIGN(c, ReadComplaint(db, complaint_id));
  if (c.review_started_at || c.review_overdue_at) return Ok();
  c.review_overdue_at = at;
  c.updated_at = std::max(c.updated_at, at);
  KEFU_TRY(WriteComplaint(db, c));
  if (c.priority < domain::TicketPriority::high) {
    TicketUpdate u;
    u.ticket_id = c.ticket_id;
    u.priority = domain::TicketPriority::high;
    u.actor = {domain::ActorType::system, 0};
    u.at = at;
    auto updated = UpdateTicketTx(db, u);
    // A closed ticket refuses changes: the complaint is marked overdue all the same.
    if (!updated.ok() && updated.error().code != Code::conflict) return std::move(updated).error();
  }
  return Ok();
}

}  // namespace kefu::store::sqlite
