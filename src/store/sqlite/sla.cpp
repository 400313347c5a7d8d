#include "store/sqlite/sla.hpp"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

using domain::SlaPolicy;
using domain::TicketSla;

constexpr const char* kPolicyColumns =
    "SELECT id, name, ticket_type, priority, desk, first_response_ms, resolution_ms, calendar, warn_percent, "
    "raise_priority, escalate_to, enabled, created_at, updated_at, next_response_ms FROM sla_policies ";

SlaPolicy ReadPolicy(const Stmt& s) {
  SlaPolicy p;
  p.id = s.Int(0);
  p.name = s.Text(1);
  if (!s.IsNull(2)) p.type = domain::ParseTicketType(s.Text(2));
  if (!s.IsNull(3)) p.priority = static_cast<domain::TicketPriority>(s.Int(3));
  if (!s.IsNull(4)) p.desk = domain::ParseDesk(s.Text(4));
  p.first_response_ms = s.Int(5);
  p.resolution_ms = s.Int(6);
  p.calendar = s.Text(7);
  p.warn_percent = static_cast<int>(s.Int(8));
  p.raise_priority = s.Int(9) != 0;
  if (!s.IsNull(10)) p.escalate_to = domain::ParseDesk(s.Text(10));
  p.enabled = s.Int(11) != 0;
  p.created_at = s.Int(12);
  p.updated_at = s.Int(13);
  p.next_response_ms = s.Int(14);
  return p;
}

constexpr const char* kSlaColumns =
    "SELECT ticket_id, policy_id, policy_name, calendar, fr_due, fr_warn_at, fr_met_at, fr_warned, fr_breached_at, "
    "res_due, res_warn_at, res_met_at, res_warned, res_breached_at, nr_started_at, nr_due, nr_warn_at, nr_met_at, "
    "nr_warned, nr_breached_at, res_paused_at, res_left_ms, res_warn_left_ms, nr_started_seq FROM ticket_sla ";

domain::SlaClock ReadClock(const Stmt& s, int first) {
  domain::SlaClock c;
  c.due = s.Int(first);
  c.warn_at = s.Int(first + 1);
  c.met_at = s.Int(first + 2);
  c.warned = s.Int(first + 3) != 0;
  c.breached_at = s.Int(first + 4);
  return c;
}

TicketSla ReadSla(const Stmt& s) {
  TicketSla t;
  t.ticket_id = s.Int(0);
  t.policy_id = s.Int(1);
  t.policy_name = s.Text(2);
  t.calendar = s.Text(3);
  t.first_response = ReadClock(s, 4);
  t.resolution = ReadClock(s, 9);
  t.next_response_started_at = s.Int(14);
  t.next_response = ReadClock(s, 15);
  t.resolution.paused_at = s.Int(20);
  t.resolution.left_ms = s.Int(21);
  t.resolution.warn_left_ms = s.Int(22);
  t.next_response_started_seq = s.Int(23);
  return t;
}

// The first breach of any clock; 0 when none.
Millis FirstBreach(const TicketSla& t) {
  Millis first = 0;
  for (Millis b : {t.first_response.breached_at, t.resolution.breached_at, t.next_response.breached_at})
    if (b && (!first || b < first)) first = b;
  return first;
}

// `fresh`: the pending checkpoint is replaced by a new timer row (not moved), so a checkpoint
// already judging the old clocks loses its claim (Code::conflict) instead of writing them back.
Status ScheduleCheckpoint(Db& db, const TicketSla& sla, Millis now, bool fresh = false) {
  const Millis next = domain::NextCheckpoint(sla);
  if (!next || fresh) KEFU_TRY(CancelTimerTx(db, kSlaTimer, sla.ticket_id, now));
  if (!next) return Ok();
  KEFU_TRY(ScheduleTimerTx(db, NewTimer{std::string(kSlaTimer), sla.ticket_id, next, "{}", true}, now));
  return Ok();
}

std::optional<std::pair<Millis, Id>> ParseCursor(std::string_view cursor) {
  const size_t dot = cursor.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  Millis at = 0;
  Id id = 0;
  auto a = std::from_chars(cursor.data(), cursor.data() + dot, at);
  auto b = std::from_chars(cursor.data() + dot + 1, cursor.data() + cursor.size(), id);
  if (a.ec != std::errc() || a.ptr != cursor.data() + dot || b.ec != std::errc() ||
      b.ptr != cursor.data() + cursor.size())
    return std::nullopt;
  return std::pair{at, id};
}

}  // namespace

Result<SlaPolicy> SaveSlaPolicyTx(Db& db, const SlaPolicy& p, Millis now) {
  KEFU_TRY(domain::CheckSlaPolicy(p));
  const bool create = p.id == 0;
  KEFU_ASSIGN(stmt, db.Prepare(create ? "INSERT INTO sla_policies(name, ticket_type, priority, desk, first_response_ms, "
                                        "resolution_ms, calendar, warn_percent, raise_priority, escalate_to, enabled, "
                                        "created_at, updated_at, next_response_ms) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?14)"
                                      : "UPDATE sla_policies SET name = ?1, ticket_type = ?2, priority = ?3, desk = ?4, "
                                        "first_response_ms = ?5, resolution_ms = ?6, calendar = ?7, warn_percent = ?8, "
                                        "raise_priority = ?9, escalate_to = ?10, enabled = ?11, updated_at = ?12, "
                                        "next_response_ms = ?14 WHERE id = ?13 RETURNING id"));
  stmt.Bind(1, p.name);
  if (p.type) {
    stmt.Bind(2, domain::TicketTypeName(*p.type));
  } else {
    stmt.BindNull(2);
  }
  if (p.priority) {
    stmt.Bind(3, static_cast<int>(*p.priority));
  } else {
    stmt.BindNull(3);
  }
  if (p.desk) {
    stmt.Bind(4, domain::DeskName(*p.desk));
  } else {
    stmt.BindNull(4);
  }
  stmt.Bind(5, p.first_response_ms).Bind(6, p.resolution_ms).Bind(7, p.calendar).Bind(8, p.warn_percent);
  stmt.Bind(9, p.raise_priority ? 1 : 0);
  if (p.escalate_to) {
    stmt.Bind(10, domain::DeskName(*p.escalate_to));
  } else {
    stmt.BindNull(10);
  }
  stmt.Bind(11, p.enabled ? 1 : 0).Bind(12, now).Bind(14, p.next_response_ms);
  Id id = p.id;
  if (create) {
    KEFU_TRY(stmt.Run());
    id = db.LastInsertId();
  } else {
    stmt.Bind(13, p.id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "SLA policy " + std::to_string(p.id) + " not found");
  }
  static const std::string sql = std::string(kPolicyColumns) + "WHERE id = ?1";
  KEFU_ASSIGN(read, db.Prepare(sql));
  read.Bind(1, id);
  KEFU_ASSIGN(found, read.Step());
  if (!found) return MakeError(Code::internal, "SLA policy vanished");
  return ReadPolicy(read);
}

Result<std::vector<SlaPolicy>> ListSlaPoliciesTx(Db& db) {
  static const std::string sql = std::string(kPolicyColumns) + "ORDER BY id";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  std::vector<SlaPolicy> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(ReadPolicy(stmt));
  }
  return out;
}

namespace {

Status WriteSla(Db& db, const TicketSla& t, bool insert) {
  KEFU_ASSIGN(stmt, db.Prepare(insert ? "INSERT INTO ticket_sla(ticket_id, policy_id, policy_name, calendar, fr_due, "
                                        "fr_warn_at, fr_met_at, fr_warned, fr_breached_at, res_due, res_warn_at, "
                                        "res_met_at, res_warned, res_breached_at, breached_at, nr_started_at, nr_due, "
                                        "nr_warn_at, nr_met_at, nr_warned, nr_breached_at, res_paused_at, res_left_ms, "
                                        "res_warn_left_ms, nr_started_seq) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                                        "?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25)"
                                      : "UPDATE ticket_sla SET policy_id = ?2, policy_name = ?3, calendar = ?4, "
                                        "fr_due = ?5, fr_warn_at = ?6, fr_met_at = ?7, fr_warned = ?8, "
                                        "fr_breached_at = ?9, res_due = ?10, res_warn_at = ?11, res_met_at = ?12, "
                                        "res_warned = ?13, res_breached_at = ?14, breached_at = ?15, "
                                        "nr_started_at = ?16, nr_due = ?17, nr_warn_at = ?18, nr_met_at = ?19, "
                                        "nr_warned = ?20, nr_breached_at = ?21, res_paused_at = ?22, res_left_ms = ?23, "
                                        "res_warn_left_ms = ?24, nr_started_seq = ?25 WHERE ticket_id = ?1"));
  stmt.Bind(1, t.ticket_id).Bind(2, t.policy_id).Bind(3, t.policy_name).Bind(4, t.calendar);
  stmt.Bind(5, t.first_response.due).Bind(6, t.first_response.warn_at).Bind(7, t.first_response.met_at);
  stmt.Bind(8, t.first_response.warned ? 1 : 0).Bind(9, t.first_response.breached_at);
  stmt.Bind(10, t.resolution.due).Bind(11, t.resolution.warn_at).Bind(12, t.resolution.met_at);
  stmt.Bind(13, t.resolution.warned ? 1 : 0).Bind(14, t.resolution.breached_at);
  stmt.BindOptional(15, FirstBreach(t));
  stmt.Bind(16, t.next_response_started_at).Bind(17, t.next_response.due).Bind(18, t.next_response.warn_at);
  stmt.Bind(19, t.next_response.met_at).Bind(20, t.next_response.warned ? 1 : 0);
  stmt.Bind(21, t.next_response.breached_at).Bind(22, t.resolution.paused_at).Bind(23, t.resolution.left_ms);
  stmt.Bind(24, t.resolution.warn_left_ms).Bind(25, t.next_response_started_seq);
  return stmt.Run();
}

}  // namespace

Status StartTicketSlaTx(Db& db, const TicketSla& sla, Millis now) {
  KEFU_TRY(WriteSla(db, sla, /*insert=*/true));
  return ScheduleCheckpoint(db, sla, now);
}

Status ApplySlaFiringTx(Db& db, const SlaFiring& f) {
  KEFU_TRY(WriteSla(db, f.sla, /*insert=*/false));
  if (f.raise_priority || f.escalate_to) {
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE tickets SET priority = CASE WHEN ?2 THEN MIN(priority + 1, 3) ELSE priority END, "
                                 "desk = COALESCE(?3, desk), assignee_id = CASE WHEN ?3 IS NOT NULL AND "
                                 "?3 IS NOT desk THEN NULL ELSE assignee_id END, updated_at = ?4 WHERE id = ?1"));
    stmt.Bind(1, f.sla.ticket_id).Bind(2, f.raise_priority ? 1 : 0);
    if (f.escalate_to) {
      stmt.Bind(3, domain::DeskName(*f.escalate_to));
    } else {
      stmt.BindNull(3);
    }
    stmt.Bind(4, f.at);
    KEFU_TRY(stmt.Run());
  }
  return ScheduleCheckpoint(db, f.sla, f.at);
}

Status CheckSlaNowTx(Db& db, Id ticket_id, Millis at) {
  auto sla = GetTicketSlaTx(db, ticket_id);
  if (!sla.ok()) return sla.error().code == Code::not_found ? Ok() : Status(std::move(sla).error());
  if (!domain::NextCheckpoint(*sla)) return Ok();  // every clock decided already
  KEFU_TRY(CancelTimerTx(db, kSlaTimer, ticket_id, at));
  KEFU_TRY(ScheduleTimerTx(db, NewTimer{std::string(kSlaTimer), ticket_id, at, "{}", true}, at));
  return Ok();
}

Result<std::optional<TicketSla>> PauseResolutionTx(Db& db, Id ticket_id, bool pause, Millis at,
                                                   const SlaPauseHook& hook) {
  auto sla = GetTicketSlaTx(db, ticket_id);
  if (!sla.ok()) {
    if (sla.error().code == Code::not_found) return std::optional<TicketSla>();
    return std::move(sla).error();
  }
  const bool was_paused = sla->resolution.paused();
  hook(*sla, pause, at);
  if (sla->resolution.paused() == was_paused) return std::optional<TicketSla>();
  KEFU_TRY(WriteSla(db, *sla, /*insert=*/false));
  KEFU_TRY(ScheduleCheckpoint(db, *sla, at, /*fresh=*/true));
  return std::optional<TicketSla>(std::move(*sla));
}

Result<TicketSla> StartNextResponseTx(Db& db, const NextResponseStart& start) {
  KEFU_ASSIGN(sla, GetTicketSlaTx(db, start.ticket_id));
  if (start.started_seq <= sla.next_response_started_seq) return sla;  // started already
  // The round before, still to be judged, was answered by the first staff reply since it began
  // (that reply is what made this message start a round).
  domain::SlaClock& prev = sla.next_response;
  if (prev.active()) {
    KEFU_ASSIGN(reply, db.Prepare("SELECT MIN(created_at) FROM messages WHERE conversation_id = ?1 AND "
                                  "sender_type = 'staff' AND kind <> 'whisper' AND seq > ?2"));
    reply.Bind(1, start.conversation_id).Bind(2, sla.next_response_started_seq);
    KEFU_ASSIGN(row, reply.Step());
    const Millis answered = row && !reply.IsNull(0) ? reply.Int(0) : 0;
    if (answered && answered <= prev.due) {
      prev.met_at = answered;
      KEFU_ASSIGN(id, InsertEventTx(db, Event{0, start.conversation_id, start.ticket_id, "ticket.sla_met",
                                              start.started_at, domain::Actor{domain::ActorType::system, 0},
                                              "{\"target\":\"next_response\",\"policy_id\":" +
                                                  std::to_string(sla.policy_id) + "}"}));
      (void)id;
    }
  }
  {
    KEFU_ASSIGN(status, db.Prepare("SELECT status FROM tickets WHERE id = ?1"));
    status.Bind(1, start.ticket_id);
    KEFU_ASSIGN(row, status.Step());
    if (!row || status.Text(0) == "resolved" || status.Text(0) == "closed")
      return MakeError(Code::conflict, "ticket " + std::to_string(start.ticket_id) + " is no longer open");
  }
  sla.next_response = start.clock;
  sla.next_response_started_at = start.started_at;
  sla.next_response_started_seq = start.started_seq;
  KEFU_TRY(WriteSla(db, sla, /*insert=*/false));
  KEFU_TRY(ScheduleCheckpoint(db, sla, start.started_at, /*fresh=*/true));
  return sla;
}

Result<std::vector<NextResponseWatch>> ListNextResponseWatchesTx(Db& db) {
  KEFU_ASSIGN(stmt, db.Prepare(
                        "SELECT t.conversation_id, t.id, t.created_at, s.nr_started_seq, p.next_response_ms, "
                        "(SELECT MAX(m.seq) FROM messages m WHERE m.conversation_id = t.conversation_id "
                        "AND m.sender_type = 'staff' AND m.kind <> 'whisper' AND m.created_at >= t.created_at), "
                        "s.policy_id "
                        "FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id JOIN sla_policies p ON p.id = s.policy_id "
                        "WHERE p.next_response_ms > 0 AND t.conversation_id IS NOT NULL "
                        "AND t.status IN ('new', 'open', 'pending') AND t.merged_into IS NULL ORDER BY t.id"));
  std::vector<NextResponseWatch> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    NextResponseWatch w;
    w.conversation_id = stmt.Int(0);
    w.ticket_id = stmt.Int(1);
    w.ticket_created_at = stmt.Int(2);
    w.round_started_seq = stmt.Int(3);
    w.next_response_ms = stmt.Int(4);
    w.staff_replied_seq = stmt.IsNull(5) ? 0 : stmt.Int(5);
    w.policy_id = stmt.Int(6);
    out.push_back(w);
  }
  for (NextResponseWatch& w : out) {
    if (!w.staff_replied_seq || w.round_started_seq > w.staff_replied_seq) continue;
    KEFU_ASSIGN(said, db.Prepare("SELECT seq, created_at FROM messages WHERE conversation_id = ?1 AND "
                                 "sender_type = 'customer' AND seq > ?2 ORDER BY seq LIMIT 1"));
    said.Bind(1, w.conversation_id).Bind(2, w.staff_replied_seq);
    KEFU_ASSIGN(found, said.Step());
    if (found) {
      w.unanswered_seq = said.Int(0);
      w.unanswered_at = said.Int(1);
    }
  }
  return out;
}

Result<TicketSla> GetTicketSlaTx(Db& db, Id ticket_id) {
  static const std::string sql = std::string(kSlaColumns) + "WHERE ticket_id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, ticket_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "ticket " + std::to_string(ticket_id) + " has no SLA");
  return ReadSla(stmt);
}

Result<SlaBreachPage> ListSlaBreachesTx(Db& db, int limit, std::string_view cursor) {
  Millis at = INT64_MAX;
  Id id = INT64_MAX;
  if (!cursor.empty()) {
    auto parsed = ParseCursor(cursor);
    if (!parsed) return MakeError(Code::invalid, "bad cursor");
    std::tie(at, id) = *parsed;
  }
  static const std::string sql = std::string(kSlaColumns) +
                                 "WHERE breached_at IS NOT NULL AND (breached_at, ticket_id) < (?1, ?2) "
                                 "ORDER BY breached_at DESC, ticket_id DESC LIMIT ?3";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, at).Bind(2, id).Bind(3, limit + 1);
  SlaBreachPage page;
  KEFU_ASSIGN(more, ReadPage(stmt, limit, page.breaches, ReadSla));
  if (more && !page.breaches.empty()) {
    const TicketSla& last = page.breaches.back();
    page.next_cursor = std::to_string(FirstBreach(last)) + "." + std::to_string(last.ticket_id);
  }
  return page;
}

}  // namespace kefu::store::sqlite
