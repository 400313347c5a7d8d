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
    "raise_priority, escalate_to, enabled, created_at, updated_at FROM sla_policies ";

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
  return p;
}

constexpr const char* kSlaColumns =
    "SELECT ticket_id, policy_id, policy_name, calendar, fr_due, fr_warn_at, fr_met_at, fr_warned, fr_breached_at, "
    "res_due, res_warn_at, res_met_at, res_warned, res_breached_at FROM ticket_sla ";

TicketSla ReadSla(const Stmt& s) {
  TicketSla t;
  t.ticket_id = s.Int(0);
  t.policy_id = s.Int(1);
  t.policy_name = s.Text(2);
  t.calendar = s.Text(3);
  t.first_response = {s.Int(4), s.Int(5), s.Int(6), s.Int(7) != 0, s.Int(8)};
  t.resolution = {s.Int(9), s.Int(10), s.Int(11), s.Int(12) != 0, s.Int(13)};
  return t;
}

// The first breach of either clock; 0 when none.
Millis FirstBreach(const TicketSla& t) {
  const Millis a = t.first_response.breached_at, b = t.resolution.breached_at;
  if (a && b) return std::min(a, b);
  return a ? a : b;
}

Status ScheduleCheckpoint(Db& db, const TicketSla& sla, Millis now) {
  const Millis next = domain::NextCheckpoint(sla);
  if (!next) {
    KEFU_TRY(CancelTimerTx(db, kSlaTimer, sla.ticket_id, now));
    return Ok();
  }
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
                                        "created_at, updated_at) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)"
                                      : "UPDATE sla_policies SET name = ?1, ticket_type = ?2, priority = ?3, desk = ?4, "
                                        "first_response_ms = ?5, resolution_ms = ?6, calendar = ?7, warn_percent = ?8, "
                                        "raise_priority = ?9, escalate_to = ?10, enabled = ?11, updated_at = ?12 "
                                        "WHERE id = ?13 RETURNING id"));
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
  stmt.Bind(11, p.enabled ? 1 : 0).Bind(12, now);
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
                                        "res_met_at, res_warned, res_breached_at, breached_at) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                                      : "UPDATE ticket_sla SET policy_id = ?2, policy_name = ?3, calendar = ?4, "
                                        "fr_due = ?5, fr_warn_at = ?6, fr_met_at = ?7, fr_warned = ?8, "
                                        "fr_breached_at = ?9, res_due = ?10, res_warn_at = ?11, res_met_at = ?12, "
                                        "res_warned = ?13, res_breached_at = ?14, breached_at = ?15 "
                                        "WHERE ticket_id = ?1"));
  stmt.Bind(1, t.ticket_id).Bind(2, t.policy_id).Bind(3, t.policy_name).Bind(4, t.calendar);
  stmt.Bind(5, t.first_response.due).Bind(6, t.first_response.warn_at).Bind(7, t.first_response.met_at);
  stmt.Bind(8, t.first_response.warned ? 1 : 0).Bind(9, t.first_response.breached_at);
  stmt.Bind(10, t.resolution.due).Bind(11, t.resolution.warn_at).Bind(12, t.resolution.met_at);
  stmt.Bind(13, t.resolution.warned ? 1 : 0).Bind(14, t.resolution.breached_at);
  stmt.BindOptional(15, FirstBreach(t));
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
