// The security webhook's outbox in the SQLite engine (table webhook_outbox, migration 14): the
// statements the store's writes and reads share. Internal to the SQLite engine.
#pragma once

#include <string_view>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

// The kind of the timer that makes a delivery's attempts (ref_id: webhook_outbox.id).
inline constexpr std::string_view kWebhookTimerKind = "webhook.delivery";

// Writes a pending delivery of a case routed to the security desk, with its first attempt's
// timer due at `at`, in the caller's transaction; answers its id.
Result<Id> EnqueueSecurityWebhookTx(Db& db, std::string_view trigger, Id conversation_id, Id ticket_id,
                                    Id customer_id, std::string_view reason, Millis at);
// A timer's effect (TimerFiring::webhook): counts the attempt, or gives the delivery up.
// Code::conflict when the delivery is no longer pending.
Status WebhookAttemptTx(Db& db, const WebhookAttempt& attempt, Millis at);
Result<WebhookDelivery> RecordWebhookResultTx(Db& db, const WebhookResult& result);

Result<WebhookDelivery> GetWebhookDeliveryTx(Db& db, Id id);
Result<std::vector<WebhookDelivery>> ListWebhookDeliveriesTx(Db& db, std::string_view state, Id before_id, int limit);

}  // namespace kefu::store::sqlite
