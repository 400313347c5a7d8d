// Tickets in the SQLite engine (tickets, ticket_tags, ticket_links, ticket_notes,
// canned_replies; migration 6). Internal to the SQLite engine: SqliteStore owns one and hands
// it out as Store::Tickets().
#pragma once

#include <functional>
#include <memory>

#include "store/sqlite/db.hpp"
#include "store/tickets.hpp"

namespace kefu::store::sqlite {

// How the ticket store reaches the engine's writer and readers.
struct EngineHooks {
  // Queues `run` for the writer's next batch transaction; `finish` runs after the commit with
  // the error, if any; `atomic` as the writer's Job::atomic (no savepoint of its own).
  std::function<void(std::function<Status(Db&)> run, std::function<void(const Error*)> finish, bool atomic)> submit;
  // Runs `fn` with a read connection borrowed for the call.
  std::function<void(const std::function<void(Db&)>& fn)> read;
};

std::unique_ptr<TicketStore> NewSqliteTicketStore(EngineHooks hooks);

// Closes a resolved ticket in the caller's transaction (TimerFiring::ticket_auto_close): status
// closed, a "ticket.closed" event by the system. Code::conflict when it is no longer resolved.
Status AutoCloseTicketTx(Db& db, Id ticket_id, Millis at);
// The ticket writes and reads inside another write's transaction (complaints build on tickets).
// CreateTicketTx reports a failure after its first write as Code::internal (see tickets.cpp): run
// it in a job with a savepoint unless nothing else can fail after it.
Result<Ticket> CreateTicketTx(Db& db, const NewTicket& ticket);
Result<Ticket> UpdateTicketTx(Db& db, const TicketUpdate& update);
Result<Ticket> SetTicketStatusTx(Db& db, const TicketStatusChange& change);
Result<Ticket> GetTicketTx(Db& db, Id ticket_id);

}  // namespace kefu::store::sqlite
