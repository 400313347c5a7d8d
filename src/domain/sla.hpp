// Service-level agreements on tickets: which policy applies, and what happens at each
// checkpoint of its clocks. Pure rules, no I/O and no calendars: the caller turns a policy's
// business-time targets into instants with the policy's calendar (calendar::Calendar) and
// persists what Advance decides; a durable timer wakes it at NextCheckpoint.
//
// A ticket under a policy has up to three clocks: first response, next response and resolution.
// The next-response clock runs in rounds: after staff have replied, the customer's next message
// starts a round, met by the next staff reply (docs/adr/0020). The resolution clock pauses while
// the ticket waits on the customer (pending) and resumes with the business time it had left.
// Each clock has a due
// instant and a warning instant (warn_percent of the way there, in business time); it is met
// when the response or resolution happened before it was judged breached, and breached once its
// due instant passed unmet. Breach escalates per policy: a higher priority, another desk, a
// notice to supervisors.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "domain/conversation.hpp"
#include "domain/staff.hpp"
#include "domain/ticket.hpp"

namespace kefu::domain {

struct SlaPolicy {
  Id id = 0;
  std::string name;
  // What it applies to; nullopt matches any. The most specific enabled match wins (MatchSlaPolicy).
  std::optional<TicketType> type;
  std::optional<TicketPriority> priority;
  std::optional<Desk> desk;
  // Targets in business time of `calendar`; 0: no such clock.
  Millis first_response_ms = 0;
  Millis next_response_ms = 0;  // each round: a customer message after a staff reply → the next staff reply
  Millis resolution_ms = 0;
  std::string calendar = "24x7";
  int warn_percent = 80;  // warn when this share of a target has elapsed; 0: never warn
  // On breach.
  bool raise_priority = true;
  std::optional<Desk> escalate_to;
  bool enabled = true;
  Millis created_at = 0;
  Millis updated_at = 0;
};

// Checks a policy's fields; Code::invalid naming the first bad one.
Status CheckSlaPolicy(const SlaPolicy& policy);

// The enabled policy that matches a ticket with the most of type, priority and desk given
// (ties: the lowest id); null when none matches.
const SlaPolicy* MatchSlaPolicy(const std::vector<SlaPolicy>& policies, TicketType type, TicketPriority priority,
                                const std::optional<Desk>& desk);

enum class SlaTarget { first_response, resolution, next_response };
std::string_view SlaTargetName(SlaTarget t);

struct SlaClock {
  Millis due = 0;      // 0: this clock is not running
  Millis warn_at = 0;  // 0: no warning
  Millis met_at = 0;   // when the response/resolution happened in time; 0: not (yet)
  bool warned = false;
  Millis breached_at = 0;  // when it was judged breached; 0: not breached
  // Paused (the resolution clock while the ticket is pending): since when, and the business time
  // that was left to the due and to the warning instants. A paused clock has no checkpoint.
  Millis paused_at = 0;
  Millis left_ms = 0;
  Millis warn_left_ms = 0;
  bool active() const { return due != 0 && met_at == 0 && breached_at == 0; }
  bool paused() const { return paused_at != 0; }
};

// Business time between two instants, and an instant after business time (calendar::Calendar's
// BusinessTimeBetween and AddBusinessTime; nullopt: the calendar never opens).
using BusinessBetween = std::function<Millis(Millis from, Millis to)>;
using BusinessAdd = std::function<std::optional<Millis>(Millis start, Millis duration)>;

// Stops a running clock at `now`, keeping the business time left; no-op unless active and running.
void PauseClock(SlaClock& clock, Millis now, const BusinessBetween& between);
// Restarts a paused clock at `now` with the business time it had left: time paused never counts.
void ResumeClock(SlaClock& clock, Millis now, const BusinessAdd& add);

struct TicketSla {
  Id ticket_id = 0;
  Id policy_id = 0;
  std::string policy_name;
  std::string calendar;
  SlaClock first_response;
  SlaClock resolution;
  // The current (or last) next-response round, started by a customer message (its time and its
  // seq in the conversation: replies are ordered by seq, times may tie).
  SlaClock next_response;
  Millis next_response_started_at = 0;
  std::int64_t next_response_started_seq = 0;
};

enum class SlaState { running, at_risk, met, breached, paused };
std::string_view SlaStateName(SlaState s);
// A clock's state at `now` (a warning instant passed: at_risk; the due instant passed unmet:
// breached even before the checkpoint ran; paused while paused).
SlaState StateAt(const SlaClock& clock, Millis now);

// The earliest warning or due instant still to be judged; 0 when nothing is left.
Millis NextCheckpoint(const TicketSla& sla);

struct SlaStep {
  SlaTarget target = SlaTarget::first_response;
  enum class Kind { met, warning, breach } kind = Kind::met;
  Millis due = 0;
};

// Judges every checkpoint that has come by `now`, given when the first response, the staff reply
// of the current next-response round and the resolution happened (0: not yet), and updates `sla`.
// Paused clocks are skipped. Answers what happened, in order.
std::vector<SlaStep> Advance(TicketSla& sla, Millis now, Millis first_response_at, Millis resolved_at,
                             Millis next_response_at = 0);

// Whether the customer message with `seq` starts a next-response round: the policy has a target
// and the last staff reply since the ticket exists (`staff_replied_seq`, 0: none yet) came after
// the message that started the current round (or no round started yet).
bool StartsNextResponse(const TicketSla& sla, Millis next_response_ms, std::int64_t staff_replied_seq,
                        std::int64_t seq);

}  // namespace kefu::domain
