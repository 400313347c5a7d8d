// SLA policies and tickets' SLA clocks in the SQLite engine (tables sla_policies, ticket_sla;
// migration 9). Internal to the SQLite engine.
#pragma once

#include <string_view>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

inline constexpr std::string_view kSlaTimer = "ticket.sla";

Result<domain::SlaPolicy> SaveSlaPolicyTx(Db& db, const domain::SlaPolicy& policy, Millis now);
Result<std::vector<domain::SlaPolicy>> ListSlaPoliciesTx(Db& db);

// Starts a ticket's clocks and schedules their first checkpoint.
Status StartTicketSlaTx(Db& db, const domain::TicketSla& sla, Millis now);
// Writes a checkpoint's decisions, escalates on a breach and schedules the next checkpoint.
Status ApplySlaFiringTx(Db& db, const SlaFiring& firing);

Result<domain::TicketSla> GetTicketSlaTx(Db& db, Id ticket_id);

// A status change entering (pause) or leaving pending: the hook pauses or resumes the ticket's
// resolution clock; written with a fresh checkpoint timer when it changed. nullopt: no SLA, or
// nothing changed.
// A status change that may decide a clock (pending or resolved by staff answers the first
// response; resolved or closed meets the resolution): the ticket's checkpoint is brought forward to
// `at`, so GET …/sla and the ticket.sla_met event follow at once rather than at the next warning.
Status CheckSlaNowTx(Db& db, Id ticket_id, Millis at);
Result<std::optional<domain::TicketSla>> PauseResolutionTx(Db& db, Id ticket_id, bool pause, Millis at,
                                                           const SlaPauseHook& hook);
// Starts a next-response round (nothing changes if this one or a later one started already;
// Code::conflict when the ticket is no longer open).
Result<domain::TicketSla> StartNextResponseTx(Db& db, const NextResponseStart& start);
Result<std::vector<NextResponseWatch>> ListNextResponseWatchesTx(Db& db);
Result<SlaBreachPage> ListSlaBreachesTx(Db& db, int limit, std::string_view cursor);

}  // namespace kefu::store::sqlite
