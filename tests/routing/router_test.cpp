#include "routing/router.hpp"

#include <gtest/gtest.h>

namespace kefu::routing {
namespace {

using domain::Desk;

Agent MakeAgent(Id id, Desk desk, int max_chats = 2, Presence p = Presence::online) {
  Agent a;
  a.id = id;
  a.desk = desk;
  a.max_chats = max_chats;
  a.presence = p;
  return a;
}

Waiting MakeWaiting(Id id, Desk desk, Millis at, int priority = 0, std::string category = "") {
  Waiting w;
  w.conversation_id = id;
  w.desk = desk;
  w.queued_at = at;
  w.priority = priority;
  w.category = std::move(category);
  return w;
}

TEST(Router, QueueOrderIsSecurityThenPriorityThenWaitingTime) {
  Router r;
  r.Enqueue(MakeWaiting(1, Desk::L1, 100));
  r.Enqueue(MakeWaiting(2, Desk::L1, 50));
  r.Enqueue(MakeWaiting(3, Desk::L1, 200, 5));
  r.Enqueue(MakeWaiting(4, Desk::L1, 300, 0, "security"));
  EXPECT_EQ(r.Queue(Desk::L1), (std::vector<Id>{4, 3, 2, 1}));
  EXPECT_EQ(r.Position(2), 3);
  EXPECT_FALSE(r.Position(99).has_value());
}

TEST(Router, NobodyOnlineKeepsEveryoneQueued) {
  Router r;
  r.UpsertAgent(MakeAgent(10, Desk::L1, 2, Presence::away));
  r.Enqueue(MakeWaiting(1, Desk::L1, 100));
  EXPECT_TRUE(r.Assign(1000).empty());
  EXPECT_EQ(r.Position(1), 1);
}

TEST(Router, AssignsWithinCapacityToTheRightDeskAndMostIdleAgent) {
  Router r;
  r.UpsertAgent(MakeAgent(10, Desk::L1, 1));
  Agent busy = MakeAgent(11, Desk::L1, 1);
  busy.last_assigned_at = 500;
  r.UpsertAgent(busy);
  r.UpsertAgent(MakeAgent(20, Desk::L2, 5));
  for (Id id = 1; id <= 3; ++id) r.Enqueue(MakeWaiting(id, Desk::L1, 100 * id));
  r.Enqueue(MakeWaiting(4, Desk::L2, 50));
  auto got = r.Assign(1000);
  ASSERT_EQ(got.size(), 3u);
  // L1: the two agents each take one; the longest-idle agent (10, never assigned) goes first.
  EXPECT_EQ(got[0].conversation_id, 1);
  EXPECT_EQ(got[0].agent_id, 10);
  EXPECT_EQ(got[1].conversation_id, 2);
  EXPECT_EQ(got[1].agent_id, 11);
  EXPECT_EQ(got[2].conversation_id, 4);
  EXPECT_EQ(got[2].agent_id, 20);
  EXPECT_EQ(r.Queue(Desk::L1), (std::vector<Id>{3}));
  EXPECT_EQ(r.Position(3), 1);
  // Capacity frees up when a conversation ends.
  r.AddActive(10, -1);
  auto next = r.Assign(2000);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].conversation_id, 3);
  EXPECT_EQ(next[0].agent_id, 10);
}

TEST(Router, PrefersSkillThenLanguage) {
  Router r;
  Agent generalist = MakeAgent(1, Desk::L2, 5);
  Agent kyc = MakeAgent(2, Desk::L2, 5);
  kyc.skills = {"kyc"};
  kyc.last_assigned_at = 999;  // less idle, but skilled
  Agent spanish = MakeAgent(3, Desk::L2, 5);
  spanish.languages = {"es"};
  r.UpsertAgent(generalist);
  r.UpsertAgent(kyc);
  r.UpsertAgent(spanish);
  Waiting w = MakeWaiting(7, Desk::L2, 10, 0, "kyc");
  r.Enqueue(w);
  EXPECT_EQ(r.Assign(1000).at(0).agent_id, 2);
  Waiting es = MakeWaiting(8, Desk::L2, 10, 0, "withdrawal");
  es.lang = "en";
  r.Enqueue(es);
  // Agent 3 speaks only Spanish: an English speaker goes to someone who can answer.
  EXPECT_NE(r.Assign(1000).at(0).agent_id, 3);
}

TEST(Router, EtaGrowsWithPositionAndShrinksWithAgents) {
  Router r;
  r.RecordHandlingTime(Desk::L1, 120'000);
  r.Enqueue(MakeWaiting(1, Desk::L1, 1));
  r.Enqueue(MakeWaiting(2, Desk::L1, 2));
  EXPECT_EQ(r.EtaSeconds(1), 120);
  EXPECT_EQ(r.EtaSeconds(2), 240);
  r.UpsertAgent(MakeAgent(10, Desk::L1, 0));  // online but full
  r.UpsertAgent(MakeAgent(11, Desk::L1, 0));
  EXPECT_EQ(r.EtaSeconds(2), 120);
}

}  // namespace
}  // namespace kefu::routing
