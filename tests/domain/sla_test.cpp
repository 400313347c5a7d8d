// SLA rules: the most specific policy wins, checkpoints come in order, a response in time meets
// a clock, a late or missing one breaches it, each step is decided once.
#include <gtest/gtest.h>

#include "domain/sla.hpp"

namespace kefu::domain {
namespace {

SlaClock Clock(Millis due, Millis warn_at) {
  SlaClock c;
  c.due = due;
  c.warn_at = warn_at;
  return c;
}

SlaPolicy Policy(Id id, std::optional<TicketType> type, std::optional<TicketPriority> priority,
                 std::optional<Desk> desk) {
  SlaPolicy p;
  p.id = id;
  p.name = "p" + std::to_string(id);
  p.type = type;
  p.priority = priority;
  p.desk = desk;
  p.first_response_ms = 60'000;
  return p;
}

TEST(SlaPolicyTest, TheMostSpecificEnabledPolicyMatches) {
  std::vector<SlaPolicy> all = {Policy(1, std::nullopt, std::nullopt, std::nullopt),
                                Policy(2, TicketType::incident, std::nullopt, std::nullopt),
                                Policy(3, TicketType::incident, TicketPriority::urgent, std::nullopt),
                                Policy(4, std::nullopt, TicketPriority::urgent, Desk::security),
                                Policy(5, TicketType::incident, TicketPriority::urgent, Desk::security)};
  all[4].enabled = false;
  auto id = [&](TicketType t, TicketPriority p, std::optional<Desk> d) {
    const SlaPolicy* m = MatchSlaPolicy(all, t, p, d);
    return m ? m->id : 0;
  };
  EXPECT_EQ(id(TicketType::inquiry, TicketPriority::low, std::nullopt), 1);
  EXPECT_EQ(id(TicketType::incident, TicketPriority::low, Desk::L1), 2);
  EXPECT_EQ(id(TicketType::incident, TicketPriority::urgent, Desk::L1), 3);
  // Two policies match with two fields each: the lower id wins; the disabled one never does.
  EXPECT_EQ(id(TicketType::incident, TicketPriority::urgent, Desk::security), 3);
  EXPECT_EQ(id(TicketType::inquiry, TicketPriority::urgent, Desk::security), 4);
  // A desk-specific policy does not match a ticket without a desk.
  EXPECT_EQ(id(TicketType::inquiry, TicketPriority::urgent, std::nullopt), 1);
  EXPECT_EQ(MatchSlaPolicy({}, TicketType::inquiry, TicketPriority::low, std::nullopt), nullptr);
}

TEST(SlaPolicyTest, BadPoliciesAreRefusedWithTheField) {
  SlaPolicy p = Policy(1, std::nullopt, std::nullopt, std::nullopt);
  EXPECT_TRUE(CheckSlaPolicy(p).ok());
  p.first_response_ms = 0;
  EXPECT_NE(CheckSlaPolicy(p).error().message.find("target"), std::string::npos);
  p.resolution_ms = -1;
  EXPECT_NE(CheckSlaPolicy(p).error().message.find("resolution"), std::string::npos);
  p.resolution_ms = 1000;
  p.warn_percent = 100;
  EXPECT_NE(CheckSlaPolicy(p).error().message.find("warn_percent"), std::string::npos);
  p.warn_percent = 80;
  p.name.clear();
  EXPECT_FALSE(CheckSlaPolicy(p).ok());
}

TicketSla Running() {
  TicketSla s;
  s.ticket_id = 7;
  s.first_response = Clock(1000, 800);
  s.resolution = Clock(5000, 4000);
  return s;
}

TEST(SlaClockTest, CheckpointsComeInOrderAndEachIsJudgedOnce) {
  TicketSla s = Running();
  EXPECT_EQ(NextCheckpoint(s), 800);
  auto steps = Advance(s, 800, 0, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::warning);
  EXPECT_EQ(steps[0].target, SlaTarget::first_response);
  EXPECT_EQ(StateAt(s.first_response, 800), SlaState::at_risk);
  EXPECT_EQ(NextCheckpoint(s), 1000);
  EXPECT_TRUE(Advance(s, 900, 0, 0).empty());  // nothing new before the due instant
  steps = Advance(s, 1000, 0, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::breach);
  EXPECT_EQ(StateAt(s.first_response, 1000), SlaState::breached);
  EXPECT_EQ(NextCheckpoint(s), 4000);
  // A breached clock stays breached even if the answer comes later.
  EXPECT_TRUE(Advance(s, 1500, 1200, 0).empty());
  EXPECT_EQ(StateAt(s.first_response, 2000), SlaState::breached);
}

TEST(SlaClockTest, AnAnswerInTimeMeetsTheClock) {
  TicketSla s = Running();
  auto steps = Advance(s, 800, 700, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::met);
  EXPECT_EQ(s.first_response.met_at, 700);
  EXPECT_EQ(StateAt(s.first_response, 99'999), SlaState::met);
  EXPECT_EQ(NextCheckpoint(s), 4000);
  // Resolving meets the resolution clock (and a first response still open).
  TicketSla t = Running();
  steps = Advance(t, 4000, 0, 900);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].target, SlaTarget::first_response);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::met);
  EXPECT_EQ(steps[1].target, SlaTarget::resolution);
  EXPECT_EQ(steps[1].kind, SlaStep::Kind::met);
  EXPECT_EQ(NextCheckpoint(t), 0);
}

TEST(SlaClockTest, ALateCheckpointJudgesEverythingThatCameBy) {
  // The server was down past both due instants: both breach at once, no warnings first.
  TicketSla s = Running();
  auto steps = Advance(s, 10'000, 0, 0);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::breach);
  EXPECT_EQ(steps[1].kind, SlaStep::Kind::breach);
  EXPECT_EQ(NextCheckpoint(s), 0);
}

TEST(SlaClockTest, ClocksWithoutTargetsOrWarningsAreSkipped) {
  TicketSla s;
  s.resolution = Clock(5000, 0);
  EXPECT_EQ(NextCheckpoint(s), 5000);
  EXPECT_TRUE(Advance(s, 4999, 0, 0).empty());
  EXPECT_EQ(StateAt(s.first_response, 0), SlaState::running);
  EXPECT_EQ(Advance(s, 5000, 0, 0).size(), 1u);
}

// Wall time stands in for a calendar: every millisecond is business time, except the "night"
// [10'000, 20'000) in the second calendar below.
Millis Between(Millis a, Millis b) { return b - a; }
std::optional<Millis> Add(Millis start, Millis d) { return start + d; }
Millis BetweenWithNight(Millis a, Millis b) {
  auto open = [](Millis t) { return t < 10'000 ? t : t < 20'000 ? 10'000 : t - 10'000; };
  return open(b) - open(a);
}
std::optional<Millis> AddWithNight(Millis start, Millis d) {
  Millis t = start < 20'000 && start >= 10'000 ? 20'000 : start;
  if (t < 10'000 && t + d >= 10'000) return t + d + 10'000;
  return t + d;
}

TEST(SlaPauseTest, PendingTimeNeverCountsAndAPausedClockHasNoCheckpoint) {
  TicketSla s = Running();
  s.first_response.met_at = 500;
  PauseClock(s.resolution, 3000, Between);
  EXPECT_TRUE(s.resolution.paused());
  EXPECT_EQ(s.resolution.left_ms, 2000);
  EXPECT_EQ(s.resolution.warn_left_ms, 1000);
  EXPECT_EQ(StateAt(s.resolution, 9000), SlaState::paused);  // not breached while paused
  EXPECT_EQ(NextCheckpoint(s), 0);
  EXPECT_TRUE(Advance(s, 9000, 500, 0).empty());  // a checkpoint while paused does nothing
  PauseClock(s.resolution, 4000, Between);          // pausing again changes nothing
  EXPECT_EQ(s.resolution.paused_at, 3000);
  ResumeClock(s.resolution, 10'000, Add);
  EXPECT_FALSE(s.resolution.paused());
  EXPECT_EQ(s.resolution.due, 12'000);
  EXPECT_EQ(s.resolution.warn_at, 11'000);
  EXPECT_EQ(NextCheckpoint(s), 11'000);
  auto steps = Advance(s, 11'000, 500, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::warning);
  steps = Advance(s, 12'000, 500, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::breach);
  EXPECT_EQ(steps[0].due, 12'000);
}

TEST(SlaPauseTest, RemainingTimeIsBusinessTimeOfTheCalendar) {
  // Due at 25'000 with the night [10'000, 20'000) in between: 3'000 of business time left at 8'000.
  SlaClock c = Clock(25'000, 0);
  PauseClock(c, 8'000, BetweenWithNight);
  EXPECT_EQ(c.left_ms, 7'000);
  ResumeClock(c, 9'000, AddWithNight);  // 1'000 before the night: it spans it again
  EXPECT_EQ(c.due, 26'000);
  EXPECT_EQ(c.warn_at, 0);
  // Paused after the warning: the warning is not given again.
  SlaClock w = Clock(5000, 4000);
  w.warned = true;
  PauseClock(w, 4500, Between);
  ResumeClock(w, 6000, Add);
  EXPECT_EQ(w.due, 6500);
  EXPECT_TRUE(w.warned);
  EXPECT_EQ(NextCheckpoint(TicketSla{0, 0, "", "", {}, w, {}, 0}), 6500);
  // A met or breached clock never pauses.
  SlaClock m = Clock(5000, 0);
  m.met_at = 100;
  PauseClock(m, 200, Between);
  EXPECT_FALSE(m.paused());
}

// (StartsNextResponse compares positions in the conversation; here they equal the times.)
TEST(SlaNextResponseTest, ACustomerMessageAfterAStaffReplyStartsARound) {
  TicketSla s = Running();
  // No staff reply yet (the first-response clock covers that) or no target: no round.
  EXPECT_FALSE(StartsNextResponse(s, 60'000, 0, 100));
  EXPECT_FALSE(StartsNextResponse(s, 0, 50, 100));
  EXPECT_TRUE(StartsNextResponse(s, 60'000, 50, 100));
  s.next_response_started_at = 100;
  s.next_response_started_seq = 100;
  s.next_response = Clock(700, 500);
  // More customer messages before staff reply: the same round.
  EXPECT_FALSE(StartsNextResponse(s, 60'000, 50, 150));
  // The staff reply meets the round at its checkpoint (read from the messages then).
  auto steps = Advance(s, 500, 0, 0, 300);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].target, SlaTarget::next_response);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::met);
  // A customer message after that reply starts the next round.
  EXPECT_TRUE(StartsNextResponse(s, 60'000, 300, 400));
}

TEST(SlaNextResponseTest, AnUnansweredRoundWarnsThenBreachesAndResolutionMeetsIt) {
  TicketSla s;
  s.next_response_started_at = 100;
  s.next_response = Clock(700, 500);
  auto steps = Advance(s, 500, 0, 0, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::warning);
  steps = Advance(s, 700, 0, 0, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::breach);
  EXPECT_EQ(steps[0].target, SlaTarget::next_response);
  EXPECT_EQ(SlaTargetName(steps[0].target), "next_response");
  TicketSla r;
  r.next_response_started_at = 100;
  r.next_response = Clock(700, 0);
  steps = Advance(r, 700, 0, 650, 0);
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].kind, SlaStep::Kind::met);
  EXPECT_EQ(r.next_response.met_at, 650);
}

TEST(SlaPolicyTest, NextResponseTargetIsCheckedLikeTheOthers) {
  SlaPolicy p = Policy(1, std::nullopt, std::nullopt, std::nullopt);
  p.first_response_ms = 0;
  p.next_response_ms = 60'000;
  EXPECT_TRUE(CheckSlaPolicy(p).ok());
  p.next_response_ms = -1;
  auto bad = CheckSlaPolicy(p);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("next_response_minutes"), std::string::npos);
}

}  // namespace
}  // namespace kefu::domain
