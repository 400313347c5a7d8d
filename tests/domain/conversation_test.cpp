#include "domain/conversation.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace kefu::domain {
namespace {

using S = ConversationState;
using A = ConversationAction;

// The whole legal table of DESIGN.md §2; every pair not listed here must be rejected.
const std::map<std::pair<S, A>, S> kLegal = {
    {{S::bot, A::handoff}, S::queued},
    {{S::bot, A::accept}, S::active},
    {{S::queued, A::accept}, S::active},
    {{S::queued, A::assign}, S::active},
    {{S::active, A::transfer_to_desk}, S::queued},
    {{S::active, A::transfer_to_agent}, S::active},
    {{S::active, A::wait_on_customer}, S::pending},
    {{S::pending, A::resume}, S::active},
    {{S::active, A::resolve}, S::resolved},
    {{S::pending, A::resolve}, S::resolved},
    {{S::active, A::close}, S::closed},
    {{S::pending, A::close}, S::closed},
    {{S::resolved, A::close}, S::closed},
    {{S::resolved, A::reopen}, S::active},
    {{S::closed, A::reopen}, S::active},
};

TEST(ConversationStateMachine, EveryPairIsLegalOrRejectedWithConflict) {
  const S states[] = {S::bot, S::queued, S::active, S::pending, S::resolved, S::closed};
  const A actions[] = {A::handoff, A::accept, A::assign, A::transfer_to_desk, A::transfer_to_agent,
                       A::wait_on_customer, A::resume, A::resolve, A::close, A::reopen};
  int legal = 0;
  for (S from : states) {
    for (A action : actions) {
      SCOPED_TRACE(std::string(StateName(from)) + " --" + std::string(ActionName(action)) + "-->");
      auto result = Transition(from, action);
      auto it = kLegal.find({from, action});
      if (it != kLegal.end()) {
        ++legal;
        ASSERT_TRUE(result.ok()) << result.error().message;
        EXPECT_EQ(*result, it->second);
      } else {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, Code::conflict);
        EXPECT_NE(result.error().message.find(StateName(from)), std::string::npos);
      }
    }
  }
  EXPECT_EQ(legal, static_cast<int>(kLegal.size()));
}

TEST(ConversationStateMachine, EachActionNamesItsEvent) {
  EXPECT_EQ(EventType(A::handoff), "queued");
  EXPECT_EQ(EventType(A::accept), "assigned");
  EXPECT_EQ(EventType(A::assign), "assigned");
  EXPECT_EQ(EventType(A::transfer_to_desk), "transferred");
  EXPECT_EQ(EventType(A::transfer_to_agent), "transferred");
  EXPECT_EQ(EventType(A::close), "closed");
  EXPECT_EQ(EventType(A::reopen), "reopened");
}

TEST(ConversationStateMachine, StateNamesRoundTrip) {
  for (S s : {S::bot, S::queued, S::active, S::pending, S::resolved, S::closed})
    EXPECT_EQ(ParseState(StateName(s)), s);
  EXPECT_FALSE(ParseState("open").has_value());
}

}  // namespace
}  // namespace kefu::domain
