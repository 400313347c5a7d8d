#include "store/sqlite/outbox.hpp"

#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

constexpr const char* kColumns =
    "SELECT id, delivery_id, event, trigger, conversation_id, ticket_id, customer_id, desk, reason, created_at, "
    "state, attempts, last_error, last_attempt_at, delivered_at FROM webhook_outbox ";

WebhookDelivery ReadDelivery(const Stmt& s) {
  WebhookDelivery d;
  d.id = s.Int(0);
  d.delivery_id = s.Text(1);
  d.event = s.Text(2);
  d.trigger = s.Text(3);
  d.conversation_id = s.IsNull(4) ? 0 : s.Int(4);
  d.ticket_id = s.IsNull(5) ? 0 : s.Int(5);
  d.customer_id = s.IsNull(6) ? 0 : s.Int(6);
  d.desk = s.Text(7);
  d.reason = s.Plain(8, {"webhook_outbox.reason", d.id, 0});  // staff text: sealed (docs/adr/0013)
  d.created_at = s.Int(9);
  d.state = s.Text(10);
  d.attempts = static_cast<int>(s.Int(11));
  d.last_error = s.Text(12);
  d.last_attempt_at = s.IsNull(13) ? 0 : s.Int(13);
  d.delivered_at = s.IsNull(14) ? 0 : s.Int(14);
  return d;
}

}  // namespace

Result<Id> EnqueueSecurityWebhookTx(Db& db, std::string_view trigger, Id conversation_id, Id ticket_id,
                                    Id customer_id, std::string_view reason, Millis at) {
  {
    // The delivery id is random (not the row id) so that two installations, or a restored
    // backup, never send the receiver the same id for different cases.
    KEFU_ASSIGN(stmt, db.Prepare(
                          "INSERT INTO webhook_outbox(delivery_id, event, trigger, conversation_id, ticket_id, "
                          "customer_id, desk, reason, created_at) VALUES ('dlv_' || lower(hex(randomblob(12))), "
                          "'security.case', ?1, ?2, ?3, ?4, 'security', '', ?5)"));
    stmt.Bind(1, trigger).BindOptional(2, conversation_id).BindOptional(3, ticket_id);
    stmt.BindOptional(4, customer_id).Bind(5, at);
    KEFU_TRY(stmt.Run());
  }
  const Id id = db.LastInsertId();
  if (!reason.empty()) {  // sealed to its row, so written once the row has its id
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE webhook_outbox SET reason = ?2 WHERE id = ?1"));
    stmt.Bind(1, id).BindSealed(2, reason, {"webhook_outbox.reason", id, 0});
    KEFU_TRY(stmt.Run());
  }
  NewTimer timer;
  timer.kind = std::string(kWebhookTimerKind);
  timer.ref_id = id;
  timer.due_at = at;
  KEFU_TRY(ScheduleTimerTx(db, timer, at));
  return id;
}

Status WebhookAttemptTx(Db& db, const WebhookAttempt& attempt, Millis at) {
  KEFU_ASSIGN(stmt, db.Prepare(
                        attempt.give_up
                            ? "UPDATE webhook_outbox SET state = 'failed' WHERE id = ?1 AND state = 'pending' "
                              "RETURNING id"
                            : "UPDATE webhook_outbox SET attempts = attempts + 1, last_attempt_at = ?2 "
                              "WHERE id = ?1 AND state = 'pending' RETURNING id"));
  stmt.Bind(1, attempt.delivery_id);
  if (!attempt.give_up) stmt.Bind(2, at);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::conflict, "webhook delivery " + std::to_string(attempt.delivery_id) + " is not pending");
  return Ok();
}

Result<WebhookDelivery> RecordWebhookResultTx(Db& db, const WebhookResult& r) {
  if (r.delivered) {
    KEFU_ASSIGN(stmt, db.Prepare(
                          "UPDATE webhook_outbox SET state = 'delivered', delivered_at = ?2, last_error = '' "
                          "WHERE id = ?1 AND state = 'pending' RETURNING conversation_id, ticket_id, delivery_id"));
    stmt.Bind(1, r.delivery_id).Bind(2, r.at);
    KEFU_ASSIGN(row, stmt.Step());
    if (row) {
      Event e;
      e.conversation_id = stmt.IsNull(0) ? 0 : stmt.Int(0);
      e.ticket_id = stmt.IsNull(1) ? 0 : stmt.Int(1);
      e.type = "webhook.delivered";
      e.at = r.at;
      e.data_json = "{\"delivery_id\":\"" + stmt.Text(2) + "\"}";  // dlv_ + hex: nothing to escape
      stmt.Reset();
      KEFU_TRY(CancelTimerTx(db, kWebhookTimerKind, r.delivery_id, r.at));
      KEFU_TRY(InsertEventTx(db, e));
    }
  } else {
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE webhook_outbox SET last_error = ?2 WHERE id = ?1 AND state = 'pending'"));
    stmt.Bind(1, r.delivery_id).Bind(2, r.error);
    KEFU_TRY(stmt.Run());
  }
  return GetWebhookDeliveryTx(db, r.delivery_id);
}

Result<WebhookDelivery> GetWebhookDeliveryTx(Db& db, Id id) {
  WebhookDelivery d;
  {
    static const std::string sql = std::string(kColumns) + "WHERE id = ?1";
    KEFU_ASSIGN(stmt, db.Prepare(sql));
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "webhook delivery " + std::to_string(id) + " not found");
    d = ReadDelivery(stmt);
  }
  if (d.customer_id) {
    {
      KEFU_ASSIGN(stmt, db.Prepare("SELECT name, lang FROM customers WHERE id = ?1"));
      stmt.Bind(1, d.customer_id);
      KEFU_ASSIGN(row, stmt.Step());
      if (row) {
        d.customer_name = stmt.Plain(0, crypto::Place{"customers.name", d.customer_id});  // sealed (ADR 0013)
        d.customer_lang = stmt.Text(1);
      }
    }
    KEFU_ASSIGN(stmt, db.Prepare("SELECT channel, external_id, verified, id FROM customer_identities "
                                 "WHERE customer_id = ?1 ORDER BY id"));
    stmt.Bind(1, d.customer_id);
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      d.identities.push_back(CustomerIdentity{
          stmt.Text(0), stmt.Plain(1, crypto::Place{"customer_identities.external_id", stmt.Int(3)}), stmt.Int(2) != 0, 0});
    }
  }
  return d;
}

Result<std::vector<WebhookDelivery>> ListWebhookDeliveriesTx(Db& db, std::string_view state, Id before_id, int limit) {
  static const std::string sql = std::string(kColumns) +
                                 "WHERE (?1 = '' OR state = ?1) AND (?2 = 0 OR id < ?2) ORDER BY id DESC LIMIT ?3";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, state).Bind(2, before_id).Bind(3, limit);
  std::vector<WebhookDelivery> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(ReadDelivery(stmt));
  }
  return out;
}

}  // namespace kefu::store::sqlite
