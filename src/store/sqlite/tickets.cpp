#include "store/sqlite/tickets.hpp"

#include <algorithm>
#include <stdexcept>

#include "core/text.hpp"
#include "store/sqlite/outbox.hpp"
#include "store/sqlite/sla.hpp"
#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

using domain::TicketAction;
using domain::TicketStatus;

constexpr const char* kTicketColumns =
    "SELECT t.id, t.type, t.category, t.priority, t.status, t.subject, t.description, "
    "COALESCE(t.customer_id, 0), COALESCE(cu.name, ''), COALESCE(t.conversation_id, 0), t.desk, "
    "COALESCE(t.assignee_id, 0), COALESCE(s.name, ''), COALESCE(t.summary, ''), COALESCE(t.merged_into, 0), "
    "COALESCE(t.chain, ''), COALESCE(t.tx_hash, ''), COALESCE(t.from_address, ''), COALESCE(t.to_address, ''), "
    "COALESCE(t.token, ''), COALESCE(t.amount, ''), COALESCE(t.order_id, ''), COALESCE(t.card_last4, ''), "
    "COALESCE(t.app_version, ''), COALESCE(t.platform, ''), t.created_at, t.updated_at, "
    "(SELECT group_concat(tag, char(10)) FROM (SELECT tag FROM ticket_tags g WHERE g.ticket_id = t.id ORDER BY tag)) "
    "FROM tickets t LEFT JOIN customers cu ON cu.id = t.customer_id LEFT JOIN staff s ON s.id = t.assignee_id ";

Ticket ReadTicketRow(const Stmt& s) {
  Ticket t;
  t.id = s.Int(0);
  t.type = domain::ParseTicketType(s.Text(1)).value_or(domain::TicketType::inquiry);
  t.category = domain::ParseTicketCategory(s.Text(2)).value_or(domain::TicketCategory::other);
  t.priority = static_cast<domain::TicketPriority>(std::clamp<std::int64_t>(s.Int(3), 0, 3));
  t.status = domain::ParseTicketStatus(s.Text(4)).value_or(TicketStatus::closed);
  t.subject = s.Plain(5, crypto::Place{"tickets.subject", t.id});
  t.description = s.Plain(6, crypto::Place{"tickets.description", t.id});
  t.customer_id = s.Int(7);
  t.customer_name = s.Plain(8, crypto::Place{"customers.name", t.customer_id});
  t.conversation_id = s.Int(9);
  if (!s.IsNull(10)) t.desk = domain::ParseDesk(s.Text(10));
  t.assignee_id = s.Int(11);
  t.assignee_name = s.Text(12);
  t.summary = s.Plain(13, crypto::Place{"tickets.summary", t.id});
  t.merged_into = s.Int(14);
  TicketFields& f = t.fields;
  f.chain = s.Text(15);
  f.tx_hash = s.Text(16);
  f.from_address = s.Text(17);
  f.to_address = s.Text(18);
  f.token = s.Text(19);
  f.amount = s.Text(20);
  f.order_id = s.Text(21);
  f.card_last4 = s.Text(22);
  f.app_version = s.Text(23);
  f.platform = s.Text(24);
  t.created_at = s.Int(25);
  t.updated_at = s.Int(26);
  if (!s.IsNull(27)) {
    std::string tags = s.Text(27);
    size_t start = 0;
    while (start <= tags.size()) {
      size_t nl = tags.find('\n', start);
      if (nl == std::string::npos) nl = tags.size();
      if (nl > start) t.tags.push_back(tags.substr(start, nl - start));
      start = nl + 1;
    }
  }
  return t;
}

Result<Ticket> ReadTicket(Db& db, Id id) {
  static const std::string sql = std::string(kTicketColumns) + "WHERE t.id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "ticket " + std::to_string(id) + " not found");
  return ReadTicketRow(stmt);
}

// `fields` are the event's own JSON members after "ticket_id" (each starting with ',').
Status InsertTicketEvent(Db& db, const Ticket& t, std::string_view type, Millis at, const domain::Actor& actor,
                         std::string_view fields) {
  Event e;
  e.conversation_id = t.conversation_id;
  e.ticket_id = t.id;
  e.type = std::string(type);
  e.at = at;
  e.actor = actor;
  e.data_json = "{\"ticket_id\":" + std::to_string(t.id);
  e.data_json += fields;
  e.data_json += '}';
  KEFU_TRY(InsertEventTx(db, e));
  return Ok();
}

// Binds a ticket's free-text columns sealed (docs/adr/0013).
void BindTicketText(Stmt& stmt, int subject, int description, int summary, const Ticket& t) {
  stmt.BindSealed(subject, t.subject, crypto::Place{"tickets.subject", t.id});
  stmt.BindSealed(description, t.description, crypto::Place{"tickets.description", t.id});
  if (summary) {
    if (t.summary.empty()) {
      stmt.BindNull(summary);
    } else {
      stmt.BindSealed(summary, t.summary, crypto::Place{"tickets.summary", t.id});
    }
  }
}

void AddField(std::string& out, std::string_view key, std::string_view value) {
  out += ",\"";
  out += key;
  out += "\":";
  AppendJsonString(out, value);
}

Status CheckStaff(Db& db, Id staff_id) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT 1 FROM staff WHERE id = ?1 AND disabled = 0"));
  stmt.Bind(1, staff_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "staff " + std::to_string(staff_id) + " not found");
  return Ok();
}

Status WriteTags(Db& db, Id ticket_id, const std::vector<std::string>& tags) {
  {
    KEFU_ASSIGN(stmt, db.Prepare("DELETE FROM ticket_tags WHERE ticket_id = ?1"));
    stmt.Bind(1, ticket_id);
    KEFU_TRY(stmt.Run());
  }
  KEFU_ASSIGN(stmt, db.Prepare("INSERT OR IGNORE INTO ticket_tags(ticket_id, tag) VALUES (?1, ?2)"));
  for (const std::string& tag : tags) {
    stmt.Bind(1, ticket_id).Bind(2, tag);
    KEFU_TRY(stmt.Run());
    stmt.Reset();
  }
  return Ok();
}

// Writes every column of `t` but the immutable ones (id, customer, conversation, created_at).
Status WriteTicket(Db& db, const Ticket& t) {
  KEFU_ASSIGN(stmt, db.Prepare(
                        "UPDATE tickets SET type = ?2, category = ?3, priority = ?4, status = ?5, subject = ?6, "
                        "description = ?7, desk = ?8, assignee_id = ?9, summary = ?10, merged_into = ?11, "
                        "chain = ?12, tx_hash = ?13, from_address = ?14, to_address = ?15, token = ?16, "
                        "amount = ?17, order_id = ?18, card_last4 = ?19, app_version = ?20, platform = ?21, "
                        "updated_at = ?22 WHERE id = ?1"));
  const TicketFields& f = t.fields;
  stmt.Bind(1, t.id).Bind(2, domain::TicketTypeName(t.type)).Bind(3, domain::TicketCategoryName(t.category));
  stmt.Bind(4, static_cast<int>(t.priority)).Bind(5, domain::TicketStatusName(t.status));
  BindTicketText(stmt, 6, 7, 10, t);
  if (t.desk) {
    stmt.Bind(8, domain::DeskName(*t.desk));
  } else {
    stmt.BindNull(8);
  }
  stmt.BindOptional(9, t.assignee_id).BindOptional(11, t.merged_into);
  int i = 12;
  for (const std::string* v : {&f.chain, &f.tx_hash, &f.from_address, &f.to_address, &f.token, &f.amount,
                               &f.order_id, &f.card_last4, &f.app_version, &f.platform})
    stmt.BindOptional(i++, std::string_view(*v));
  stmt.Bind(22, t.updated_at);
  return stmt.Run();
}

Status Touch(Db& db, Id ticket_id, Millis at) {
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE tickets SET updated_at = MAX(updated_at, ?2) WHERE id = ?1"));
  stmt.Bind(1, ticket_id).Bind(2, at);
  return stmt.Run();
}

// The name of an enabled staff member, Code::not_found otherwise.
Result<std::string> EnabledStaffName(Db& db, Id staff_id) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT name FROM staff WHERE id = ?1 AND disabled = 0"));
  stmt.Bind(1, staff_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "staff " + std::to_string(staff_id) + " not found");
  return stmt.Text(0);
}

// Runs as an atomic writer job (no savepoint of its own, which would copy every page the ticket
// touches — a dozen index pages — into a statement journal): everything that can refuse the
// ticket is checked before its first write, and a failure after that is reported as internal so
// that the writer fails the whole batch instead of committing half a ticket.
Result<Ticket> CreateTx(Db& db, const NewTicket& n) {
  Ticket t;
  t.type = n.type;
  t.category = n.category;
  t.priority = n.priority;
  t.status = TicketStatus::fresh;
  t.subject = n.subject;
  t.description = n.description;
  t.customer_id = n.customer_id;
  t.conversation_id = n.conversation_id;
  t.desk = n.desk;
  t.assignee_id = n.assignee_id;
  t.fields = n.fields;
  t.tags = n.tags;
  std::sort(t.tags.begin(), t.tags.end());  // as a read gives them back
  t.tags.erase(std::unique(t.tags.begin(), t.tags.end()), t.tags.end());
  t.created_at = t.updated_at = n.at;
  if (n.conversation_id) {
    // The conversation's customer and desk, and what it was about, as the ticket's starting point.
    KEFU_ASSIGN(stmt, db.Prepare("SELECT c.customer_id, c.desk, COALESCE(c.summary, ''), "
                                 "COALESCE(c.last_message_preview, ''), cu.name FROM conversations c "
                                 "JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?1"));
    stmt.Bind(1, n.conversation_id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "conversation " + std::to_string(n.conversation_id) + " not found");
    t.customer_id = stmt.Int(0);
    if (!t.desk && !stmt.IsNull(1)) t.desk = domain::ParseDesk(stmt.Text(1));
    const std::string summary = stmt.Plain(2, crypto::Place{"conversations.summary", n.conversation_id});
    std::string preview = stmt.Plain(3, crypto::Place{"conversations.last_message_preview", n.conversation_id});
    t.customer_name = stmt.Plain(4, crypto::Place{"customers.name", t.customer_id});
    {
      // What the customer last said, rather than the last message (often the bot's or the
      // agent's answer).
      KEFU_ASSIGN(said, db.Prepare("SELECT seq, text FROM messages WHERE conversation_id = ?1 AND "
                                   "sender_type = 'customer' AND kind = 'text' ORDER BY seq DESC LIMIT 1"));
      said.Bind(1, n.conversation_id);
      KEFU_ASSIGN(found, said.Step());
      if (found) preview = said.Plain(1, crypto::Place{"messages.text", n.conversation_id, said.Int(0)});
    }
    if (t.description.empty()) t.description = !summary.empty() ? summary : preview;
    if (t.subject.empty()) {
      t.subject = !summary.empty()   ? std::string(TruncateAtToken(summary, 80))
                  : !preview.empty() ? std::string(TruncateAtToken(preview, 80))
                                     : "Conversation " + std::to_string(n.conversation_id);
    }
  } else if (t.customer_id) {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT name FROM customers WHERE id = ?1"));
    stmt.Bind(1, t.customer_id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "customer " + std::to_string(t.customer_id) + " not found");
    t.customer_name = stmt.Plain(0, crypto::Place{"customers.name", t.customer_id});
  }
  if (t.subject.empty()) return MakeError(Code::invalid, "'subject' is required");
  if (t.assignee_id) {
    KEFU_ASSIGN(name, EnabledStaffName(db, t.assignee_id));
    t.assignee_name = std::move(name);
  }
  {
    // One INSERT with every column: each of the tickets indexes is written once. A refused row
    // (a CHECK constraint) writes nothing: SQLite undoes the failed statement itself.
    // The ticket's id is named before the insert (one writer): its sealed text is bound to it.
    {
      KEFU_ASSIGN(next, db.Prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets"));
      KEFU_ASSIGN(row, next.Step());
      if (row) t.id = next.Int(0);
    }
    KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO tickets(id, type, category, priority, status, subject, description, "
                                 "customer_id, conversation_id, desk, assignee_id, chain, tx_hash, from_address, "
                                 "to_address, token, amount, order_id, card_last4, app_version, platform, "
                                 "created_at, updated_at) VALUES (?21, ?1, ?2, ?3, 'new', ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                                 "?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20)"));
    const TicketFields& f = t.fields;
    stmt.Bind(1, domain::TicketTypeName(t.type)).Bind(2, domain::TicketCategoryName(t.category));
    stmt.Bind(3, static_cast<int>(t.priority)).Bind(21, t.id);
    BindTicketText(stmt, 4, 5, 0, t);
    stmt.BindOptional(6, t.customer_id).BindOptional(7, t.conversation_id);
    if (t.desk) {
      stmt.Bind(8, domain::DeskName(*t.desk));
    } else {
      stmt.BindNull(8);
    }
    stmt.BindOptional(9, t.assignee_id);
    int i = 10;
    for (const std::string* v : {&f.chain, &f.tx_hash, &f.from_address, &f.to_address, &f.token, &f.amount,
                                 &f.order_id, &f.card_last4, &f.app_version, &f.platform})
      stmt.BindOptional(i++, std::string_view(*v));
    stmt.Bind(20, n.at);
    KEFU_TRY(stmt.Run());
  }
  t.id = db.LastInsertId();
  auto rest = [&]() -> Status {
    if (!t.tags.empty()) {
      KEFU_ASSIGN(stmt, db.Prepare("INSERT OR IGNORE INTO ticket_tags(ticket_id, tag) VALUES (?1, ?2)"));
      for (const std::string& tag : t.tags) {
        stmt.Bind(1, t.id).Bind(2, tag);
        KEFU_TRY(stmt.Run());
        stmt.Reset();
      }
    }
    if (t.conversation_id) {
      KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO ticket_links(ticket_id, conversation_id) VALUES (?1, ?2)"));
      stmt.Bind(1, t.id).Bind(2, t.conversation_id);
      KEFU_TRY(stmt.Run());
    }
    std::string data;
    data.reserve(160);
    AddField(data, "ticket_type", domain::TicketTypeName(t.type));  // "type" is the event's own
    AddField(data, "category", domain::TicketCategoryName(t.category));
    AddField(data, "priority", domain::TicketPriorityName(t.priority));
    if (t.desk) AddField(data, "desk", domain::DeskName(*t.desk));
    if (t.assignee_id) data += ",\"assignee_id\":" + std::to_string(t.assignee_id);
    if (t.customer_id) data += ",\"customer_id\":" + std::to_string(t.customer_id);
    KEFU_TRY(InsertTicketEvent(db, t, "ticket.created", n.at, n.actor, data));
    if (n.sla) {
      domain::TicketSla sla = *n.sla;
      sla.ticket_id = t.id;
      KEFU_TRY(StartTicketSlaTx(db, sla, n.at));
    }
    if (n.security_webhook && t.desk == domain::Desk::security) {
      KEFU_TRY(EnqueueSecurityWebhookTx(db, "ticket", t.conversation_id, t.id, t.customer_id,
                                        domain::TicketCategoryName(t.category), n.at));
    }
    return Ok();
  };
  if (Status st = rest(); !st.ok())
    return MakeError(Code::internal, "ticket " + std::to_string(t.id) + " half-written: " + st.error().message);
  return t;
}

Result<Ticket> UpdateTx(Db& db, const TicketUpdate& u) {
  KEFU_ASSIGN(t, ReadTicket(db, u.ticket_id));
  if (t.status == TicketStatus::closed)
    return MakeError(Code::conflict, "ticket " + std::to_string(t.id) + " is closed; reopen it to change it");
  std::vector<std::string_view> changed;
  std::string data;
  auto set = [&changed](std::string_view name, auto& field, const auto& value) {
    if (field == value) return false;
    field = value;
    changed.push_back(name);
    return true;
  };
  if (u.type) set("type", t.type, *u.type);
  if (u.category) set("category", t.category, *u.category);
  if (u.priority && set("priority", t.priority, *u.priority))
    AddField(data, "priority", domain::TicketPriorityName(t.priority));
  if (u.subject) set("subject", t.subject, *u.subject);
  if (u.description) set("description", t.description, *u.description);
  if (u.desk && set("desk", t.desk, *u.desk)) {
    if (t.desk) {
      AddField(data, "desk", domain::DeskName(*t.desk));
    } else {
      data += ",\"desk\":null";
    }
  }
  if (u.assignee_id && *u.assignee_id != t.assignee_id) {
    if (*u.assignee_id) KEFU_TRY(CheckStaff(db, *u.assignee_id));
    if (t.assignee_id) data += ",\"from_assignee_id\":" + std::to_string(t.assignee_id);
    set("assignee", t.assignee_id, *u.assignee_id);
    data += ",\"assignee_id\":" + (t.assignee_id ? std::to_string(t.assignee_id) : std::string("null"));
  }
  bool tags_changed = false;
  if (u.tags && set("tags", t.tags, *u.tags)) tags_changed = true;
  TicketFields& f = t.fields;
  const std::pair<const std::optional<std::string>*, std::pair<std::string_view, std::string*>> kFields[] = {
      {&u.chain, {"chain", &f.chain}},           {&u.tx_hash, {"tx_hash", &f.tx_hash}},
      {&u.from_address, {"from_address", &f.from_address}}, {&u.to_address, {"to_address", &f.to_address}},
      {&u.token, {"token", &f.token}},           {&u.amount, {"amount", &f.amount}},
      {&u.order_id, {"order_id", &f.order_id}},  {&u.card_last4, {"card_last4", &f.card_last4}},
      {&u.app_version, {"app_version", &f.app_version}}, {&u.platform, {"platform", &f.platform}},
  };
  for (const auto& [value, target] : kFields)
    if (*value) set(target.first, *target.second, **value);
  if (changed.empty()) return t;
  t.updated_at = std::max(t.updated_at, u.at);
  KEFU_TRY(WriteTicket(db, t));
  if (tags_changed) KEFU_TRY(WriteTags(db, t.id, t.tags));
  std::string fields = ",\"fields\":[";
  for (size_t i = 0; i < changed.size(); ++i) {
    if (i) fields += ',';
    AppendJsonString(fields, changed[i]);
  }
  fields += ']';
  KEFU_TRY(InsertTicketEvent(db, t, "ticket.updated", u.at, u.actor, fields + data));
  return ReadTicket(db, t.id);
}

Result<Ticket> StatusTx(Db& db, const TicketStatusChange& c) {
  KEFU_ASSIGN(t, ReadTicket(db, c.ticket_id));
  if (t.merged_into && c.status != TicketStatus::closed)
    return MakeError(Code::conflict, "ticket " + std::to_string(t.id) + " was merged into ticket " +
                                         std::to_string(t.merged_into) + "; work on that one");
  if (c.only_from && t.status != *c.only_from)
    return MakeError(Code::conflict, "ticket " + std::to_string(t.id) + " is " +
                                         std::string(domain::TicketStatusName(t.status)) + " now");
  KEFU_ASSIGN(action, domain::ActionTo(t.status, c.status));
  if (action == TicketAction::close && c.require_summary && c.summary.empty() && t.summary.empty())
    return MakeError(Code::invalid, "a closing summary ('summary', 小结) is required to close a ticket");
  std::string data;
  AddField(data, "from", domain::TicketStatusName(t.status));
  AddField(data, "to", domain::TicketStatusName(c.status));
  if (!c.reason.empty()) AddField(data, "reason", c.reason);
  if (!c.summary.empty()) {
    t.summary = c.summary;
    AddField(data, "summary", c.summary);
  }
  const TicketStatus from = t.status;
  t.status = c.status;
  t.updated_at = std::max(t.updated_at, c.at);
  KEFU_TRY(WriteTicket(db, t));
  KEFU_TRY(InsertTicketEvent(db, t, domain::TicketEventType(action), c.at, c.actor, data));
  for (const NewTimer& timer : c.timers) KEFU_TRY(ScheduleTimerTx(db, timer, c.at));
  const bool to_pending = c.status == TicketStatus::pending;
  if (c.sla_pause && to_pending != (from == TicketStatus::pending)) {
    KEFU_ASSIGN(paused, PauseResolutionTx(db, t.id, to_pending, c.at, c.sla_pause));
    (void)paused;
  }
  if (c.status == TicketStatus::pending || c.status == TicketStatus::resolved || c.status == TicketStatus::closed)
    KEFU_TRY(CheckSlaNowTx(db, t.id, c.at));
  if (c.status == TicketStatus::closed && t.conversation_id && !t.merged_into)
    KEFU_TRY(ScheduleTimerTx(db, NewTimer{std::string(kTicketCsatTimer), t.id, c.at, "{}", false}, c.at));
  return t;
}

Result<TicketNote> NoteTx(Db& db, Id ticket_id, Id staff_id, const std::string& text, Millis at) {
  KEFU_ASSIGN(t, ReadTicket(db, ticket_id));
  TicketNote note{0, ticket_id, staff_id, "", text, at};
  {
    // The note's id is named before the insert: the sealed text is bound to it (not to the
    // ticket: a merge moves notes).
    KEFU_ASSIGN(next, db.Prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM ticket_notes"));
    KEFU_ASSIGN(row, next.Step());
    if (row) note.id = next.Int(0);
  }
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT name FROM staff WHERE id = ?1"));
    stmt.Bind(1, staff_id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "staff " + std::to_string(staff_id) + " not found");
    note.staff_name = stmt.Text(0);
  }
  {
    KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO ticket_notes(id, ticket_id, staff_id, text, created_at) "
                                 "VALUES (?5, ?1, ?2, ?3, ?4)"));
    stmt.Bind(1, ticket_id).Bind(2, staff_id).Bind(4, at).Bind(5, note.id);
    stmt.BindSealed(3, text, crypto::Place{"ticket_notes.text", note.id});
    KEFU_TRY(stmt.Run());
  }
  note.id = db.LastInsertId();
  KEFU_TRY(Touch(db, ticket_id, at));
  // The note's id, not its text: the event stream feeds analytics and must not copy notes.
  KEFU_TRY(InsertTicketEvent(db, t, "ticket.note_added", at, domain::Actor{domain::ActorType::staff, staff_id},
                             ",\"note_id\":" + std::to_string(note.id)));
  return note;
}

Result<int> Changes(Db& db) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT changes()"));
  KEFU_ASSIGN(row, stmt.Step());
  return row ? static_cast<int>(stmt.Int(0)) : 0;
}

Result<TicketMerge> MergeTx(Db& db, Id source_id, Id target_id, const domain::Actor& actor, Millis at) {
  if (source_id == target_id) return MakeError(Code::invalid, "a ticket cannot be merged into itself");
  KEFU_ASSIGN(source, ReadTicket(db, source_id));
  KEFU_ASSIGN(target, ReadTicket(db, target_id));
  KEFU_ASSIGN(after, domain::Transition(source.status, TicketAction::merge));
  if (target.status == TicketStatus::closed)
    return MakeError(Code::conflict, "ticket " + std::to_string(target_id) + " is closed; reopen it before merging into it");
  int notes = 0;
  {
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE ticket_notes SET ticket_id = ?2 WHERE ticket_id = ?1"));
    stmt.Bind(1, source_id).Bind(2, target_id);
    KEFU_TRY(stmt.Run());
    KEFU_ASSIGN(n, Changes(db));
    notes = n;
  }
  for (const char* sql : {"INSERT OR IGNORE INTO ticket_links(ticket_id, conversation_id) "
                          "SELECT ?2, conversation_id FROM ticket_links WHERE ticket_id = ?1",
                          "DELETE FROM ticket_links WHERE ticket_id = ?1",
                          "INSERT OR IGNORE INTO ticket_tags(ticket_id, tag) "
                          "SELECT ?2, tag FROM ticket_tags WHERE ticket_id = ?1"}) {
    KEFU_ASSIGN(stmt, db.Prepare(sql));
    stmt.Bind(1, source_id);
    if (std::string_view(sql).find("?2") != std::string_view::npos) stmt.Bind(2, target_id);
    KEFU_TRY(stmt.Run());
  }
  std::string data;
  AddField(data, "from", domain::TicketStatusName(source.status));
  AddField(data, "to", domain::TicketStatusName(after));
  data += ",\"into\":" + std::to_string(target_id) + ",\"notes_moved\":" + std::to_string(notes);
  source.status = after;
  source.merged_into = target_id;
  source.updated_at = std::max(source.updated_at, at);
  KEFU_TRY(WriteTicket(db, source));
  KEFU_TRY(InsertTicketEvent(db, source, "ticket.merged", at, actor, data));
  KEFU_TRY(Touch(db, target_id, at));
  KEFU_TRY(InsertTicketEvent(db, target, "ticket.merge_received", at, actor,
                             ",\"from_ticket_id\":" + std::to_string(source_id) +
                                 ",\"notes_moved\":" + std::to_string(notes)));
  KEFU_ASSIGN(s, ReadTicket(db, source_id));
  KEFU_ASSIGN(t, ReadTicket(db, target_id));
  return TicketMerge{std::move(s), std::move(t)};
}

constexpr const char* kCannedColumns = "SELECT id, title, body, lang, desk, COALESCE(created_by, 0), created_at "
                                       "FROM canned_replies ";

CannedReply ReadCanned(const Stmt& s) {
  CannedReply r;
  r.id = s.Int(0);
  r.title = s.Text(1);
  r.body = s.Text(2);
  r.lang = s.Text(3);
  if (!s.IsNull(4)) r.desk = domain::ParseDesk(s.Text(4));
  r.created_by = s.Int(5);
  r.created_at = s.Int(6);
  return r;
}

class SqliteTicketStore final : public TicketStore {
 public:
  explicit SqliteTicketStore(EngineHooks hooks) : hooks_(std::move(hooks)) {}

  void CreateTicket(NewTicket n, Callback<Ticket> done) override {
    Submit<Ticket>([n = std::move(n)](Db& db) { return CreateTx(db, n); }, std::move(done), /*atomic=*/true);
  }
  void UpdateTicket(TicketUpdate u, Callback<Ticket> done) override {
    Submit<Ticket>([u = std::move(u)](Db& db) { return UpdateTx(db, u); }, std::move(done));
  }
  void SetTicketStatus(TicketStatusChange c, Callback<Ticket> done) override {
    Submit<Ticket>([c = std::move(c)](Db& db) { return StatusTx(db, c); }, std::move(done));
  }
  void AddTicketNote(Id ticket_id, Id staff_id, std::string text, Millis at, Callback<TicketNote> done) override {
    Submit<TicketNote>([=, text = std::move(text)](Db& db) { return NoteTx(db, ticket_id, staff_id, text, at); },
                       std::move(done));
  }
  void MergeTicket(Id source, Id target, domain::Actor actor, Millis at, Callback<TicketMerge> done) override {
    Submit<TicketMerge>([=](Db& db) { return MergeTx(db, source, target, actor, at); }, std::move(done));
  }
  void CreateCannedReply(CannedReply r, Callback<CannedReply> done) override {
    Submit<CannedReply>(
        [r = std::move(r)](Db& db) -> Result<CannedReply> {
          KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO canned_replies(title, body, lang, desk, created_by, created_at) "
                                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
          stmt.Bind(1, r.title).Bind(2, r.body).Bind(3, r.lang);
          if (r.desk) {
            stmt.Bind(4, domain::DeskName(*r.desk));
          } else {
            stmt.BindNull(4);
          }
          stmt.BindOptional(5, r.created_by).Bind(6, r.created_at);
          KEFU_TRY(stmt.Run());
          CannedReply out = r;
          out.id = db.LastInsertId();
          return out;
        },
        std::move(done));
  }

  Result<Ticket> GetTicket(Id id) override {
    return Read<Ticket>([id](Db& db) { return ReadTicket(db, id); });
  }

  Result<TicketPage> ListTickets(const TicketQuery& q) override {
    std::int64_t cursor_at = INT64_MAX, cursor_id = INT64_MAX;
    if (!q.cursor.empty()) {
      const auto dot = q.cursor.find('.');
      try {
        if (dot == std::string::npos) throw std::invalid_argument("cursor");
        size_t used = 0;
        cursor_at = std::stoll(q.cursor.substr(0, dot), &used);
        if (used != dot) throw std::invalid_argument("cursor");
        cursor_id = std::stoll(q.cursor.substr(dot + 1), &used);
        if (used != q.cursor.size() - dot - 1) throw std::invalid_argument("cursor");
      } catch (const std::exception&) {
        return MakeError(Code::invalid, "bad cursor");
      }
    }
    // One statement per filter shape, so that each shape's plan stays cached.
    std::string sql = kTicketColumns;
    sql += "WHERE (t.updated_at, t.id) < (?1, ?2)";
    if (q.status) sql += " AND t.status = ?3";
    if (q.desk) sql += " AND t.desk = ?4";
    if (q.assignee_id) sql += *q.assignee_id ? " AND t.assignee_id = ?5" : " AND t.assignee_id IS NULL";
    if (q.type) sql += " AND t.type = ?6";
    if (q.category) sql += " AND t.category = ?7";
    if (q.priority) sql += " AND t.priority = ?8";
    if (q.customer_id) sql += " AND t.customer_id = ?9";
    const int limit = std::clamp(q.limit, 1, 500);
    return Read<TicketPage>([&](Db& db) -> Result<TicketPage> {
      if (!q.tag.empty()) {
        // Two ways to filter by tag, each fast where the other is slow: fetch the tag's tickets
        // and sort them (cost grows with how many have the tag), or walk the newest tickets and
        // probe each for the tag (cost grows with how rare it is: about total ÷ tagged × limit
        // probes). Pick by the tag's share of all tickets.
        KEFU_ASSIGN(tagged_stmt, db.Prepare("SELECT COUNT(*) FROM ticket_tags WHERE tag = ?1"));
        tagged_stmt.Bind(1, q.tag);
        KEFU_ASSIGN(tagged_row, tagged_stmt.Step());
        const std::int64_t tagged = tagged_row ? tagged_stmt.Int(0) : 0;
        KEFU_ASSIGN(total_stmt, db.Prepare("SELECT COALESCE(MAX(id), 0) FROM tickets"));
        KEFU_ASSIGN(total_row, total_stmt.Step());
        const std::int64_t total = total_row ? total_stmt.Int(0) : 0;
        if (tagged * tagged >= total * (limit + 1)) {
          sql += " AND EXISTS (SELECT 1 FROM ticket_tags g2 WHERE g2.ticket_id = t.id AND g2.tag = ?10)";
        } else {
          sql += " AND t.id IN (SELECT ticket_id FROM ticket_tags WHERE tag = ?10)";
        }
      }
      sql += " ORDER BY t.updated_at DESC, t.id DESC LIMIT ?11";
      KEFU_ASSIGN(stmt, db.Prepare(sql));
      stmt.Bind(1, cursor_at).Bind(2, cursor_id).Bind(11, limit + 1);
      if (q.status) stmt.Bind(3, domain::TicketStatusName(*q.status));
      if (q.desk) stmt.Bind(4, domain::DeskName(*q.desk));
      if (q.assignee_id && *q.assignee_id) stmt.Bind(5, *q.assignee_id);
      if (q.type) stmt.Bind(6, domain::TicketTypeName(*q.type));
      if (q.category) stmt.Bind(7, domain::TicketCategoryName(*q.category));
      if (q.priority) stmt.Bind(8, static_cast<int>(*q.priority));
      if (q.customer_id) stmt.Bind(9, q.customer_id);
      if (!q.tag.empty()) stmt.Bind(10, q.tag);
      TicketPage page;
      KEFU_ASSIGN(more, ReadPage(stmt, limit, page.tickets, ReadTicketRow));
      if (more) {
        const Ticket& last = page.tickets.back();
        page.next_cursor = std::to_string(last.updated_at) + "." + std::to_string(last.id);
      }
      return page;
    });
  }

  Result<std::vector<TicketNote>> ListTicketNotes(Id ticket_id) override {
    return Read<std::vector<TicketNote>>([ticket_id](Db& db) -> Result<std::vector<TicketNote>> {
      KEFU_ASSIGN(stmt, db.Prepare("SELECT n.id, n.ticket_id, n.staff_id, COALESCE(s.name, ''), n.text, n.created_at "
                                   "FROM ticket_notes n LEFT JOIN staff s ON s.id = n.staff_id "
                                   "WHERE n.ticket_id = ?1 ORDER BY n.id"));
      stmt.Bind(1, ticket_id);
      std::vector<TicketNote> out;
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        const Id id = stmt.Int(0);
        out.push_back(TicketNote{id, stmt.Int(1), stmt.Int(2), stmt.Text(3),
                                 stmt.Plain(4, crypto::Place{"ticket_notes.text", id}), stmt.Int(5)});
      }
      return out;
    });
  }

  Result<std::vector<Event>> ListTicketEvents(Id ticket_id) override {
    return Read<std::vector<Event>>([ticket_id](Db& db) -> Result<std::vector<Event>> {
      KEFU_ASSIGN(stmt, db.Prepare("SELECT id, COALESCE(conversation_id, 0), type, at, actor_type, actor_id, data "
                                   "FROM events WHERE ticket_id = ?1 ORDER BY id"));
      stmt.Bind(1, ticket_id);
      std::vector<Event> out;
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        Event e;
        e.id = stmt.Int(0);
        e.conversation_id = stmt.Int(1);
        e.type = stmt.Text(2);
        e.at = stmt.Int(3);
        if (!stmt.IsNull(4))
          e.actor = domain::Actor{domain::ParseActorType(stmt.Text(4)).value_or(domain::ActorType::system),
                                  stmt.Int(5)};
        e.data_json = stmt.Plain(6, crypto::Place{"events.data", e.id});
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Result<Ticket> FindTicketForConversation(Id conversation_id) override {
    return Read<Ticket>([conversation_id](Db& db) -> Result<Ticket> {
      KEFU_ASSIGN(stmt, db.Prepare("SELECT l.ticket_id FROM ticket_links l JOIN tickets t ON t.id = l.ticket_id "
                                   "WHERE l.conversation_id = ?1 AND t.status != 'closed' "
                                   "ORDER BY l.ticket_id DESC LIMIT 1"));
      stmt.Bind(1, conversation_id);
      KEFU_ASSIGN(row, stmt.Step());
      if (!row)
        return MakeError(Code::not_found, "conversation " + std::to_string(conversation_id) + " has no open ticket");
      const Id id = stmt.Int(0);
      stmt.Reset();
      return ReadTicket(db, id);
    });
  }

  Result<std::vector<CannedReply>> ListCannedReplies() override {
    return Read<std::vector<CannedReply>>([](Db& db) -> Result<std::vector<CannedReply>> {
      static const std::string sql = std::string(kCannedColumns) + "ORDER BY id";
      KEFU_ASSIGN(stmt, db.Prepare(sql));
      std::vector<CannedReply> out;
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        out.push_back(ReadCanned(stmt));
      }
      return out;
    });
  }

  Result<CannedReply> GetCannedReply(Id id) override {
    return Read<CannedReply>([id](Db& db) -> Result<CannedReply> {
      static const std::string sql = std::string(kCannedColumns) + "WHERE id = ?1";
      KEFU_ASSIGN(stmt, db.Prepare(sql));
      stmt.Bind(1, id);
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) return MakeError(Code::not_found, "canned reply " + std::to_string(id) + " not found");
      return ReadCanned(stmt);
    });
  }

 private:
  template <typename T, typename Body>
  void Submit(Body body, Callback<T> done, bool atomic = false) {
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
    hooks_.submit(std::move(run), std::move(finish), atomic);
  }

  template <typename T, typename Body>
  Result<T> Read(Body body) {
    std::optional<Result<T>> out;
    hooks_.read([&](Db& db) { out.emplace(body(db)); });
    return std::move(*out);
  }

  EngineHooks hooks_;
};

}  // namespace

std::unique_ptr<TicketStore> NewSqliteTicketStore(EngineHooks hooks) {
  return std::make_unique<SqliteTicketStore>(std::move(hooks));
}

Status AutoCloseTicketTx(Db& db, Id ticket_id, Millis at) {
  KEFU_ASSIGN(t, ReadTicket(db, ticket_id));
  if (t.status != TicketStatus::resolved)
    return MakeError(Code::conflict, "ticket " + std::to_string(ticket_id) + " is no longer resolved");
  TicketStatusChange c;
  c.ticket_id = ticket_id;
  c.status = TicketStatus::closed;
  c.actor = domain::Actor{domain::ActorType::system, 0};
  c.at = at;
  KEFU_ASSIGN(closed, StatusTx(db, c));
  (void)closed;
  return Ok();
}
Result<Ticket> CreateTicketTx(Db& db, const NewTicket& ticket) { return CreateTx(db, ticket); }
Result<Ticket> UpdateTicketTx(Db& db, const TicketUpdate& update) { return UpdateTx(db, update); }
Result<Ticket> SetTicketStatusTx(Db& db, const TicketStatusChange& change) { return StatusTx(db, change); }
Result<Ticket> GetTicketTx(Db& db, Id ticket_id) { return ReadTicket(db, ticket_id); }

}  // namespace kefu::store::sqlite
