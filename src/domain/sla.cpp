#include "domain/sla.hpp"

#include <algorithm>

namespace kefu::domain {

namespace {
constexpr Millis kMaxTargetMs = 366LL * 24 * 3600 * 1000;  // a year of business time
}  // namespace

Status CheckSlaPolicy(const SlaPolicy& p) {
  if (p.name.empty() || p.name.size() > 200) return MakeError(Code::invalid, "'name' must be 1 to 200 bytes");
  if (p.first_response_ms < 0 || p.first_response_ms > kMaxTargetMs)
    return MakeError(Code::invalid, "'first_response_minutes' must be between 0 and a year");
  if (p.resolution_ms < 0 || p.resolution_ms > kMaxTargetMs)
    return MakeError(Code::invalid, "'resolution_minutes' must be between 0 and a year");
  if (p.next_response_ms < 0 || p.next_response_ms > kMaxTargetMs)
    return MakeError(Code::invalid, "'next_response_minutes' must be between 0 and a year");
  if (p.first_response_ms == 0 && p.resolution_ms == 0 && p.next_response_ms == 0)
    return MakeError(Code::invalid, "a policy needs a first-response, next-response or resolution target");
  if (p.warn_percent < 0 || p.warn_percent > 99) return MakeError(Code::invalid, "'warn_percent' must be 0 to 99");
  if (p.calendar.empty()) return MakeError(Code::invalid, "'calendar' must name a calendar");
  return Ok();
}

const SlaPolicy* MatchSlaPolicy(const std::vector<SlaPolicy>& policies, TicketType type, TicketPriority priority,
                                const std::optional<Desk>& desk) {
  const SlaPolicy* best = nullptr;
  int best_score = -1;
  for (const SlaPolicy& p : policies) {
    if (!p.enabled) continue;
    if (p.type && *p.type != type) continue;
    if (p.priority && *p.priority != priority) continue;
    if (p.desk && (!desk || *p.desk != *desk)) continue;
    const int score = (p.type ? 1 : 0) + (p.priority ? 1 : 0) + (p.desk ? 1 : 0);
    if (score > best_score || (score == best_score && p.id < best->id)) {
      best = &p;
      best_score = score;
    }
  }
  return best;
}

std::string_view SlaTargetName(SlaTarget t) {
  switch (t) {
    case SlaTarget::first_response: return "first_response";
    case SlaTarget::resolution: return "resolution";
    case SlaTarget::next_response: return "next_response";
  }
  return "resolution";
}

std::string_view SlaStateName(SlaState s) {
  switch (s) {
    case SlaState::running: return "running";
    case SlaState::at_risk: return "at_risk";
    case SlaState::met: return "met";
    case SlaState::breached: return "breached";
    case SlaState::paused: return "paused";
  }
  return "running";
}

SlaState StateAt(const SlaClock& c, Millis now) {
  if (c.met_at) return SlaState::met;
  if (c.breached_at) return SlaState::breached;
  if (c.paused_at) return SlaState::paused;
  if (c.due && now >= c.due) return SlaState::breached;
  if (c.warned || (c.warn_at && now >= c.warn_at)) return SlaState::at_risk;
  return SlaState::running;
}

Millis NextCheckpoint(const TicketSla& sla) {
  Millis next = 0;
  auto consider = [&next](Millis t) {
    if (t && (!next || t < next)) next = t;
  };
  for (const SlaClock* c : {&sla.first_response, &sla.resolution, &sla.next_response}) {
    if (!c->active() || c->paused()) continue;
    if (c->warn_at && !c->warned) consider(c->warn_at);
    consider(c->due);
  }
  return next;
}

std::vector<SlaStep> Advance(TicketSla& sla, Millis now, Millis first_response_at, Millis resolved_at,
                             Millis next_response_at) {
  std::vector<SlaStep> steps;
  // A resolution answers the customer too: it meets a first or next response still open.
  if (!first_response_at && resolved_at) first_response_at = resolved_at;
  if (resolved_at && resolved_at >= sla.next_response_started_at && (!next_response_at || resolved_at < next_response_at))
    next_response_at = resolved_at;
  const std::pair<SlaTarget, Millis> clocks[] = {{SlaTarget::first_response, first_response_at},
                                                 {SlaTarget::next_response, next_response_at},
                                                 {SlaTarget::resolution, resolved_at}};
  for (const auto& [target, happened] : clocks) {
    SlaClock& c = target == SlaTarget::first_response ? sla.first_response
                  : target == SlaTarget::resolution   ? sla.resolution
                                                      : sla.next_response;
    if (!c.active() || c.paused()) continue;
    if (happened && happened <= c.due) {
      c.met_at = happened;
      steps.push_back({target, SlaStep::Kind::met, c.due});
      continue;
    }
    if (now >= c.due) {
      c.breached_at = now;
      steps.push_back({target, SlaStep::Kind::breach, c.due});
      continue;
    }
    if (c.warn_at && !c.warned && now >= c.warn_at) {
      c.warned = true;
      steps.push_back({target, SlaStep::Kind::warning, c.due});
    }
  }
  return steps;
}

void PauseClock(SlaClock& c, Millis now, const BusinessBetween& between) {
  if (!c.active() || c.paused()) return;
  c.paused_at = now;
  c.left_ms = now < c.due ? between(now, c.due) : 0;
  c.warn_left_ms = c.warn_at && !c.warned && now < c.warn_at ? between(now, c.warn_at) : 0;
}

void ResumeClock(SlaClock& c, Millis now, const BusinessAdd& add) {
  if (!c.paused()) return;
  const auto due = add(now, c.left_ms);
  c.due = due ? std::max(*due, now) : now;
  if (c.warn_at && !c.warned) {
    const auto warn = add(now, c.warn_left_ms);
    c.warn_at = warn && *warn < c.due ? std::max(*warn, now) : 0;
  }
  c.paused_at = 0;
  c.left_ms = 0;
  c.warn_left_ms = 0;
}

bool StartsNextResponse(const TicketSla& sla, Millis next_response_ms, std::int64_t staff_replied_seq,
                        std::int64_t seq) {
  if (next_response_ms <= 0 || !staff_replied_seq || staff_replied_seq > seq) return false;
  return staff_replied_seq > sla.next_response_started_seq;
}

}  // namespace kefu::domain
