// The conversation life cycle. Pure rules, no I/O: the store persists what these functions
// decide, and every decided transition becomes one event with a UTC timestamp and an actor.
//
//   bot ──handoff──► queued ──assign/accept──► active ⇄ pending
//    └────accept──────────────────────────────►  │  ▲      │
//                 queued ◄──transfer to desk─────┘  │      │
//                           active ──transfer to agent──► active
//   active|pending ──resolve──► resolved;  active|pending|resolved ──close──► closed
//   resolved|closed ──reopen (customer writes again)──► active
// Any other (state, action) pair is rejected with Code::conflict.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"

namespace kefu::domain {

using Id = std::int64_t;  // database ids; always below 2^53 so they survive JSON doubles

enum class ConversationState { bot, queued, active, pending, resolved, closed };

// What someone does to a conversation. Each action names the event it produces.
enum class ConversationAction {
  handoff,            // bot → queued: the bot or the customer asks for a human
  accept,             // bot|queued → active: a staff member takes it explicitly
  assign,             // queued → active: routing hands it to a free agent
  transfer_to_desk,   // active → queued
  transfer_to_agent,  // active → active
  wait_on_customer,   // active → pending
  resume,             // pending → active
  resolve,            // active|pending → resolved
  close,              // active|pending|resolved → closed
  reopen,             // resolved|closed → active
};

std::string_view StateName(ConversationState s);
std::optional<ConversationState> ParseState(std::string_view name);
std::string_view ActionName(ConversationAction a);

// The event type recorded for an action ("queued", "assigned", "transferred", ...).
std::string_view EventType(ConversationAction a);

// Messages staff write for each other in a conversation (a supervisor's whisper): never sent
// to, listed for, or previewed to the customer.
inline bool IsStaffOnlyKind(std::string_view kind) { return kind == "whisper"; }

// The state after `action` in state `from`, or Code::conflict naming both.
Result<ConversationState> Transition(ConversationState from, ConversationAction action);

// True when conversations in this state are still open (not resolved or closed).
bool IsOpen(ConversationState s);

// Who did something: a customer, a staff member, the bot or the system itself.
enum class ActorType { customer, staff, bot, system };
std::string_view ActorTypeName(ActorType t);
std::optional<ActorType> ParseActorType(std::string_view name);

struct Actor {
  ActorType type = ActorType::system;
  Id id = 0;  // 0 for bot and system
};

}  // namespace kefu::domain
