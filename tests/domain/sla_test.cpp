// SLA rules: the most specific policy wins, checkpoints come in order, a response in time meets
// a clock, a late or missing one breaches it, each step is decided once.
#include <gtest/gtest.h>

#include "domain/sla.hpp"

namespace kefu::domain {
namespace {

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
  s.first_response = {1000, 800, 0, false, 0};
  s.resolution = {5000, 4000, 0, false, 0};
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
  s.resolution = {5000, 0, 0, false, 0};
  EXPECT_EQ(NextCheckpoint(s), 5000);
  EXPECT_TRUE(Advance(s, 4999, 0, 0).empty());
  EXPECT_EQ(StateAt(s.first_response, 0), SlaState::running);
  EXPECT_EQ(Advance(s, 5000, 0, 0).size(), 1u);
}

}  // namespace
}  // namespace kefu::domain
