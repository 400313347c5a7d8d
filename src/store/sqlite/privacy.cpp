#include "store/sqlite/privacy.hpp"

#include <algorithm>

#include "core/text.hpp"
#include "store/sqlite/audit.hpp"
#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

constexpr const char* kRequestColumns =
    "SELECT id, customer_id, kind, status, note, received_at, due_at, completed_at, result, created_by "
    "FROM data_requests ";

DataRequest ReadRequest(const Stmt& s) {
  DataRequest r;
  r.id = s.Int(0);
  r.customer_id = s.Int(1);
  r.kind = s.Text(2);
  r.status = s.Text(3);
  r.note = s.Text(4);
  r.received_at = s.Int(5);
  r.due_at = s.Int(6);
  r.completed_at = s.Int(7);
  r.result_json = s.Text(8);
  r.created_by = s.Int(9);
  return r;
}

// Runs a statement with one id bound to ?1 and answers how many rows it changed.
Result<int> RunForId(Db& db, const char* sql, Id id) {
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, id);
  KEFU_TRY(stmt.Run());
  KEFU_ASSIGN(count, db.Prepare("SELECT changes()"));
  KEFU_ASSIGN(row, count.Step());
  return row ? static_cast<int>(count.Int(0)) : 0;
}

// The only change events allow (migration 15's trigger): these keys removed, nothing else.
constexpr const char* kEventFreeTextRemoved =
    "json_remove(data, '$.comment', '$.note', '$.reason', '$.summary', '$.text')";

// Removes those keys from the data of the events `ids_sql` (with ?1 bound to `id`) selects.
// Sealed data (docs/adr/0013) cannot be edited in SQL: it is opened, cleaned and sealed again.
Status EraseEventFreeText(Db& db, const std::string& ids_sql, Id id) {
  std::vector<std::pair<Id, std::string>> rewrite;
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT id, data FROM events WHERE id IN (" + ids_sql + ")"));
    stmt.Bind(1, id);
    KEFU_ASSIGN(clean, db.Prepare(std::string("SELECT ") + kEventFreeTextRemoved + " FROM (SELECT ?1 AS data)"));
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      const Id event_id = stmt.Int(0);
      const std::string plain = stmt.Plain(1, crypto::Place{"events.data", event_id});
      if (plain == "[encrypted]" || plain.empty()) continue;  // does not open: nothing to clean
      clean.Bind(1, plain);
      KEFU_ASSIGN(cleaned_row, clean.Step());
      std::string cleaned = cleaned_row ? clean.Text(0) : plain;
      clean.Reset();
      if (cleaned != plain) rewrite.emplace_back(event_id, std::move(cleaned));
    }
  }
  KEFU_ASSIGN(update, db.Prepare("UPDATE events SET data = ?2 WHERE id = ?1"));
  for (const auto& [event_id, data] : rewrite) {
    update.Bind(1, event_id);
    if (db.cipher()) {
      update.BindSealed(2, data, crypto::Place{"events.data", event_id});
    } else {
      update.Bind(2, data);
    }
    KEFU_TRY(update.Run());
    update.Reset();
  }
  return Ok();
}

Status Audit(Db& db, const AuditKey& key, const domain::Actor& actor, Millis at, std::string action, Id customer_id,
             std::string details) {
  AuditRecord record;
  record.at = at;
  record.actor = actor;
  record.action = std::move(action);
  record.target = "customer:" + std::to_string(customer_id);
  record.details_json = std::move(details);
  KEFU_TRY(AppendAuditTx(db, key, record));
  return Ok();
}

Result<DataRequest> CompleteTx(Db& db, Id id, Millis at, const std::string& result) {
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE data_requests SET status = 'completed', completed_at = ?2, result = ?3 "
                               "WHERE id = ?1 AND status = 'open'"));
  stmt.Bind(1, id).Bind(2, at).Bind(3, result);
  KEFU_TRY(stmt.Run());
  KEFU_TRY(CancelTimerTx(db, kDataRequestTimer, id, at));
  return GetDataRequestTx(db, id);
}

}  // namespace

Result<std::vector<CustomerIdentity>> ListCustomerIdentitiesTx(Db& db, Id customer_id) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT channel, external_id, verified, created_at, id FROM customer_identities "
                               "WHERE customer_id = ?1 ORDER BY id"));
  stmt.Bind(1, customer_id);
  std::vector<CustomerIdentity> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    // Sealed (docs/adr/0013); without a cipher (unit tests) the bytes as stored.
    std::string external_id = db.cipher() ? stmt.Plain(1, crypto::Place{"customer_identities.external_id", stmt.Int(4)})
                                          : stmt.Blob(1);
    out.push_back({stmt.Text(0), std::move(external_id), stmt.Int(2) != 0, stmt.Int(3)});
  }
  return out;
}

Result<std::vector<Id>> ListCustomerConversationIdsTx(Db& db, Id customer_id) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT id FROM conversations WHERE customer_id = ?1 ORDER BY id"));
  stmt.Bind(1, customer_id);
  std::vector<Id> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.Int(0));
  }
  return out;
}

Result<DataRequest> CreateDataRequestTx(Db& db, const AuditKey& key, const NewDataRequest& r) {
  if (r.kind != "export" && r.kind != "erasure") return MakeError(Code::invalid, "'kind' must be export or erasure");
  {
    KEFU_ASSIGN(check, db.Prepare("SELECT 1 FROM customers WHERE id = ?1"));
    check.Bind(1, r.customer_id);
    KEFU_ASSIGN(row, check.Step());
    if (!row) return MakeError(Code::not_found, "customer " + std::to_string(r.customer_id) + " not found");
  }
  KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO data_requests(customer_id, kind, status, note, received_at, due_at, "
                               "created_by) VALUES (?1, ?2, 'open', ?3, ?4, ?5, ?6)"));
  stmt.Bind(1, r.customer_id).Bind(2, r.kind).Bind(3, r.note).Bind(4, r.received_at).Bind(5, r.due_at);
  stmt.Bind(6, r.actor.id);
  KEFU_TRY(stmt.Run());
  const Id id = db.LastInsertId();
  if (r.warn_at) KEFU_TRY(ScheduleTimerTx(db, NewTimer{std::string(kDataRequestTimer), id, r.warn_at}, r.received_at));
  KEFU_TRY(Audit(db, key, r.actor, r.received_at, "dsr.received", r.customer_id,
                 "{\"request_id\":" + std::to_string(id) + ",\"kind\":\"" + r.kind + "\",\"due_at\":\"" +
                     FormatRfc3339(r.due_at) + "\"}"));
  return GetDataRequestTx(db, id);
}

Result<DataRequest> GetDataRequestTx(Db& db, Id id) {
  static const std::string sql = std::string(kRequestColumns) + "WHERE id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "data request " + std::to_string(id) + " not found");
  return ReadRequest(stmt);
}

Result<std::vector<DataRequest>> ListDataRequestsTx(Db& db, std::string_view status, int limit) {
  static const std::string any = std::string(kRequestColumns) +
                                 "ORDER BY status = 'completed', CASE WHEN status = 'open' THEN due_at END, "
                                 "completed_at DESC, id DESC LIMIT ?2";
  static const std::string one = std::string(kRequestColumns) +
                                 "WHERE status = ?1 ORDER BY CASE WHEN status = 'open' THEN due_at END, "
                                 "completed_at DESC, id DESC LIMIT ?2";
  KEFU_ASSIGN(stmt, db.Prepare(status.empty() ? any : one));
  if (!status.empty()) stmt.Bind(1, status);
  stmt.Bind(2, limit);
  std::vector<DataRequest> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(ReadRequest(stmt));
  }
  return out;
}

Result<DataRequest> CompleteExportTx(Db& db, const AuditKey& key, Id id, const domain::Actor& actor, Millis at) {
  KEFU_ASSIGN(request, GetDataRequestTx(db, id));
  if (request.kind != "export" || request.status != "open")
    return MakeError(Code::conflict, "data request " + std::to_string(id) + " is not an open export request");
  KEFU_TRY(Audit(db, key, actor, at, "dsr.export", request.customer_id,
                 "{\"request_id\":" + std::to_string(id) + "}"));
  return CompleteTx(db, id, at, "{\"exported\":true}");
}

Result<ErasureResult> EraseCustomerTx(Db& db, const AuditKey& key, const ErasureRequest& req) {
  KEFU_ASSIGN(request, GetDataRequestTx(db, req.request_id));
  if (request.kind != "erasure" || request.status != "open")
    return MakeError(Code::conflict, "data request " + std::to_string(req.request_id) + " is not an open erasure request");
  const Id customer = request.customer_id;
  KEFU_ASSIGN(hold, GetLegalHoldTx(db, customer));
  if (hold) return MakeError(Code::conflict, "a legal hold is on this customer's records: " + hold->reason);

  // Records the anti-money-laundering rules keep: tickets about money movements (by category or
  // because they carry a transaction, order or amount) younger than the retention period, and
  // the conversations they were made from or linked to.
  KEFU_TRY(db.Exec("CREATE TEMP TABLE IF NOT EXISTS held_tickets(id INTEGER PRIMARY KEY, created_at INTEGER)"));
  KEFU_TRY(db.Exec("CREATE TEMP TABLE IF NOT EXISTS held_conversations(id INTEGER PRIMARY KEY)"));
  KEFU_TRY(db.Exec("DELETE FROM held_tickets"));
  KEFU_TRY(db.Exec("DELETE FROM held_conversations"));
  {
    KEFU_ASSIGN(stmt, db.Prepare(
                          "INSERT INTO held_tickets(id, created_at) SELECT id, created_at FROM tickets "
                          "WHERE customer_id = ?1 AND created_at >= ?2 AND (category = 'top_up' OR "
                          "category = 'transfer' OR category = 'withdrawal' OR category = 'asset_loss' OR "
                          "tx_hash IS NOT NULL OR order_id IS NOT NULL OR amount IS NOT NULL)"));
    stmt.Bind(1, customer).Bind(2, req.aml_cutoff);
    KEFU_TRY(stmt.Run());
  }
  KEFU_TRY(db.Exec("INSERT OR IGNORE INTO held_conversations(id) SELECT t.conversation_id FROM tickets t "
                   "JOIN held_tickets h ON h.id = t.id WHERE t.conversation_id IS NOT NULL"));
  KEFU_TRY(db.Exec("INSERT OR IGNORE INTO held_conversations(id) SELECT l.conversation_id FROM ticket_links l "
                   "JOIN held_tickets h ON h.id = l.ticket_id"));

  ErasureResult out;
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT COUNT(*), COALESCE(MAX(created_at), 0) FROM held_tickets"));
    KEFU_ASSIGN(row, stmt.Step());
    out.tickets_kept = row ? static_cast<int>(stmt.Int(0)) : 0;
    if (out.tickets_kept) out.kept_until = stmt.Int(1) + (req.at - req.aml_cutoff);
  }
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT COUNT(*) FROM held_conversations h JOIN conversations c ON c.id = h.id "
                                 "WHERE c.customer_id = ?1"));
    stmt.Bind(1, customer);
    KEFU_ASSIGN(row, stmt.Step());
    out.conversations_kept = row ? static_cast<int>(stmt.Int(0)) : 0;
  }
  // Deleted content is overwritten in the database file, not only unlinked.
  KEFU_TRY(db.Exec("PRAGMA secure_delete = ON"));

  // Conversations not kept: every message's text, the previews and summaries, survey comments,
  // attachments, and the free text events copied.
  constexpr const char* kErasable =
      "SELECT id FROM conversations WHERE customer_id = ?1 AND id NOT IN (SELECT id FROM held_conversations)";
  KEFU_ASSIGN(convs, RunForId(db, (std::string("UPDATE conversations SET last_message_preview = NULL, summary = NULL "
                                               "WHERE id IN (") + kErasable + ")").c_str(),
                              customer));
  out.conversations_erased = convs;
  KEFU_ASSIGN(msgs, RunForId(db, (std::string("UPDATE messages SET text = '', client_id = NULL "
                                              "WHERE conversation_id IN (") + kErasable + ") AND text <> ''").c_str(),
                             customer));
  out.messages_erased = msgs;
  KEFU_TRY(RunForId(db, (std::string("UPDATE csat SET comment = '' WHERE conversation_id IN (") + kErasable + ")").c_str(),
                    customer));
  KEFU_ASSIGN(conv_files, RunForId(db, (std::string("DELETE FROM attachments WHERE conversation_id IN (") + kErasable +
                                        ")").c_str(),
                                   customer));
  KEFU_TRY(EraseEventFreeText(db, std::string("SELECT id FROM events WHERE conversation_id IN (") + kErasable +
                                       ") AND (type = 'transferred' OR type = 'closed' OR type = 'csat' OR "
                                       "type = 'resolved')",
                              customer));
  // The security webhook's outbox copied a handoff's or transfer's reason (free text).
  KEFU_TRY(RunForId(db, (std::string("UPDATE webhook_outbox SET reason = '' WHERE conversation_id IN (") + kErasable +
                         ") AND reason <> ''").c_str(),
                    customer));

  // Tickets not kept: what the customer wrote and what staff noted about them.
  constexpr const char* kErasableTickets =
      "SELECT id FROM tickets WHERE customer_id = ?1 AND id NOT IN (SELECT id FROM held_tickets)";
  KEFU_ASSIGN(tickets, RunForId(db, (std::string("UPDATE tickets SET subject = '', description = '', summary = NULL, "
                                                 "chain = NULL, tx_hash = NULL, from_address = NULL, to_address = NULL, "
                                                 "token = NULL, amount = NULL, order_id = NULL, card_last4 = NULL, "
                                                 "app_version = NULL, platform = NULL WHERE id IN (") +
                                     kErasableTickets + ")").c_str(),
                                customer));
  out.tickets_erased = tickets;
  KEFU_TRY(RunForId(db, (std::string("UPDATE ticket_notes SET text = '' WHERE ticket_id IN (") + kErasableTickets +
                         ")").c_str(),
                    customer));
  KEFU_ASSIGN(ticket_files, RunForId(db, (std::string("DELETE FROM attachments WHERE ticket_id IN (") +
                                          kErasableTickets + ")").c_str(),
                                     customer));
  KEFU_TRY(EraseEventFreeText(db, std::string("SELECT id FROM events WHERE ticket_id IN (") + kErasableTickets + ")",
                              customer));
  out.attachments_deleted = conv_files + ticket_files;

  // Who they are: gone unless records are kept that need it (AML: the records identify the
  // customer they are about).
  out.identity_kept = out.tickets_kept > 0;
  if (!out.identity_kept) {
    KEFU_TRY(RunForId(db, "UPDATE customers SET name = '' WHERE id = ?1", customer));
    KEFU_ASSIGN(ids, RunForId(db, "DELETE FROM customer_identities WHERE customer_id = ?1", customer));
    out.identities_deleted = ids;
  }
  KEFU_TRY(db.Exec("PRAGMA secure_delete = OFF"));

  std::string result = "{\"conversations_erased\":" + std::to_string(out.conversations_erased) +
                       ",\"messages_erased\":" + std::to_string(out.messages_erased) +
                       ",\"tickets_erased\":" + std::to_string(out.tickets_erased) +
                       ",\"attachments_deleted\":" + std::to_string(out.attachments_deleted) +
                       ",\"identities_deleted\":" + std::to_string(out.identities_deleted) +
                       ",\"conversations_kept\":" + std::to_string(out.conversations_kept) +
                       ",\"tickets_kept\":" + std::to_string(out.tickets_kept) +
                       ",\"identity_kept\":" + (out.identity_kept ? "true" : "false");
  if (out.kept_until) result += ",\"kept_until\":\"" + FormatRfc3339(out.kept_until) + "\",\"kept_for\":\"aml_retention\"";
  result += '}';
  KEFU_TRY(Audit(db, key, req.actor, req.at, "dsr.erasure", customer,
                 "{\"request_id\":" + std::to_string(req.request_id) + ",\"result\":" + result + "}"));
  KEFU_ASSIGN(done, CompleteTx(db, req.request_id, req.at, result));
  out.request = std::move(done);
  return out;
}

Result<std::optional<LegalHold>> GetLegalHoldTx(Db& db, Id customer_id) {
  KEFU_ASSIGN(stmt, db.Prepare("SELECT reason, placed_by, placed_at FROM legal_holds WHERE customer_id = ?1"));
  stmt.Bind(1, customer_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return std::optional<LegalHold>();
  return std::optional<LegalHold>(LegalHold{customer_id, stmt.Text(0), stmt.Int(1), stmt.Int(2)});
}

Result<std::optional<LegalHold>> SetLegalHoldTx(Db& db, const AuditKey& key, Id customer_id, const std::string& reason,
                                                const domain::Actor& actor, Millis at) {
  {
    KEFU_ASSIGN(check, db.Prepare("SELECT 1 FROM customers WHERE id = ?1"));
    check.Bind(1, customer_id);
    KEFU_ASSIGN(row, check.Step());
    if (!row) return MakeError(Code::not_found, "customer " + std::to_string(customer_id) + " not found");
  }
  KEFU_ASSIGN(before, GetLegalHoldTx(db, customer_id));
  if (reason.empty()) {
    if (!before) return MakeError(Code::conflict, "no legal hold is on this customer");
    KEFU_TRY(RunForId(db, "DELETE FROM legal_holds WHERE customer_id = ?1", customer_id));
    KEFU_TRY(Audit(db, key, actor, at, "legal_hold.release", customer_id, "{}"));
    return std::optional<LegalHold>();
  }
  KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO legal_holds(customer_id, reason, placed_by, placed_at) VALUES (?1, ?2, ?3, ?4) "
                               "ON CONFLICT(customer_id) DO UPDATE SET reason = excluded.reason, "
                               "placed_by = excluded.placed_by, placed_at = excluded.placed_at"));
  stmt.Bind(1, customer_id).Bind(2, reason).Bind(3, actor.id).Bind(4, at);
  KEFU_TRY(stmt.Run());
  std::string details = "{\"reason\":";
  AppendJsonString(details, reason);
  details += '}';
  KEFU_TRY(Audit(db, key, actor, at, "legal_hold.place", customer_id, std::move(details)));
  return std::optional<LegalHold>(LegalHold{customer_id, reason, actor.id, at});
}

}  // namespace kefu::store::sqlite
