#include "domain/ticket.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace kefu::domain {
namespace {

using S = TicketStatus;
using A = TicketAction;

const S kStatuses[] = {S::fresh, S::open, S::pending, S::resolved, S::closed};
const A kActions[] = {A::open, A::wait_on_customer, A::resume, A::resolve, A::close, A::reopen, A::merge};

// The whole legal table (src/domain/ticket.hpp); every pair not listed here must be rejected.
const std::map<std::pair<S, A>, S> kLegal = {
    {{S::fresh, A::open}, S::open},
    {{S::open, A::wait_on_customer}, S::pending},
    {{S::pending, A::resume}, S::open},
    {{S::open, A::resolve}, S::resolved},
    {{S::pending, A::resolve}, S::resolved},
    {{S::resolved, A::close}, S::closed},
    {{S::resolved, A::reopen}, S::open},
    {{S::closed, A::reopen}, S::open},
    {{S::fresh, A::merge}, S::closed},
    {{S::open, A::merge}, S::closed},
    {{S::pending, A::merge}, S::closed},
    {{S::resolved, A::merge}, S::closed},
};

TEST(TicketStateMachine, EveryActionInEveryStatusIsLegalOrRejectedWithConflict) {
  int legal = 0;
  for (S from : kStatuses) {
    for (A action : kActions) {
      SCOPED_TRACE(std::string(TicketStatusName(from)) + " --" + std::string(TicketActionName(action)) + "-->");
      auto result = Transition(from, action);
      auto it = kLegal.find({from, action});
      if (it != kLegal.end()) {
        ++legal;
        ASSERT_TRUE(result.ok()) << result.error().message;
        EXPECT_EQ(*result, it->second);
      } else {
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, Code::conflict);
        EXPECT_NE(result.error().message.find(TicketStatusName(from)), std::string::npos);
      }
    }
  }
  EXPECT_EQ(legal, static_cast<int>(kLegal.size()));
}

// What a client asking for a status gets, for every (from, to) pair: the legal pairs are exactly
// those of the table above without merge (which needs a target ticket, not a status).
TEST(TicketStateMachine, EveryStatusPairMapsToOneActionOrConflict) {
  const std::map<std::pair<S, S>, A> kByStatus = {
      {{S::fresh, S::open}, A::open},          {{S::open, S::pending}, A::wait_on_customer},
      {{S::pending, S::open}, A::resume},      {{S::open, S::resolved}, A::resolve},
      {{S::pending, S::resolved}, A::resolve}, {{S::resolved, S::closed}, A::close},
      {{S::resolved, S::open}, A::reopen},     {{S::closed, S::open}, A::reopen},
  };
  for (S from : kStatuses) {
    for (S to : kStatuses) {
      SCOPED_TRACE(std::string(TicketStatusName(from)) + " -> " + std::string(TicketStatusName(to)));
      auto action = ActionTo(from, to);
      auto it = kByStatus.find({from, to});
      if (it != kByStatus.end()) {
        ASSERT_TRUE(action.ok()) << action.error().message;
        EXPECT_EQ(*action, it->second);
      } else {
        ASSERT_FALSE(action.ok());
        EXPECT_EQ(action.error().code, Code::conflict);
      }
    }
  }
}

TEST(TicketStateMachine, EachActionNamesItsEvent) {
  EXPECT_EQ(TicketEventType(A::open), "ticket.opened");
  EXPECT_EQ(TicketEventType(A::resolve), "ticket.resolved");
  EXPECT_EQ(TicketEventType(A::close), "ticket.closed");
  EXPECT_EQ(TicketEventType(A::reopen), "ticket.reopened");
  EXPECT_EQ(TicketEventType(A::merge), "ticket.merged");
}

TEST(TicketNames, RoundTrip) {
  for (S s : kStatuses) EXPECT_EQ(ParseTicketStatus(TicketStatusName(s)), s);
  EXPECT_EQ(TicketStatusName(S::fresh), "new");
  for (auto t : {TicketType::inquiry, TicketType::incident, TicketType::complaint, TicketType::data_request})
    EXPECT_EQ(ParseTicketType(TicketTypeName(t)), t);
  for (int i = 0; i <= static_cast<int>(TicketCategory::other); ++i) {
    auto c = static_cast<TicketCategory>(i);
    EXPECT_EQ(ParseTicketCategory(TicketCategoryName(c)), c);
  }
  for (auto p : {TicketPriority::low, TicketPriority::normal, TicketPriority::high, TicketPriority::urgent})
    EXPECT_EQ(ParseTicketPriority(TicketPriorityName(p)), p);
  EXPECT_FALSE(ParseTicketStatus("New").has_value());
  EXPECT_FALSE(ParseTicketCategory("KYC").has_value());
}

struct FieldCase {
  const char* what;
  std::string_view value;
  bool ok;
};

TEST(TicketFields, TxHash) {
  const std::string h64(64, 'a');
  const FieldCase cases[] = {
      {"0x + 64 hex", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", true},
      {"64 hex", h64, true},
      {"63 hex", std::string_view(h64).substr(1), false},
      {"0x + 63 hex", "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", false},
      {"non-hex", "0xgfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", false},
      {"empty", "", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(CheckTxHash(c.value).ok(), c.ok);
  }
}

TEST(TicketFields, Addresses) {
  const FieldCase cases[] = {
      {"evm", "0x52908400098527886E0F7030069857D2E4169EE7", true},
      {"evm short", "0x52908400098527886E0F7030069857D2E4169EE", false},
      {"tron base58", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7", true},
      {"btc legacy", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", true},
      {"btc bech32", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", true},
      {"bech32 mixed case", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwF5mdq", false},
      {"base58 with 0", "0BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2x", false},
      {"spaces", "TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU 7", false},
      {"too short", "abc", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto st = CheckAddress("to_address", c.value);
    EXPECT_EQ(st.ok(), c.ok);
    if (!st.ok()) {
      EXPECT_NE(st.error().message.find("to_address"), std::string::npos);
    }
  }
}

TEST(TicketFields, AmountsAndCards) {
  const FieldCase amounts[] = {{"int", "1200", true},        {"decimal", "0.5", true},
                               {"18 places", "0.000000000000000001", true},
                               {"19 places", "0.0000000000000000001", false},
                               {"negative", "-1", false},     {"exponent", "1e5", false},
                               {"trailing dot", "1.", false}, {"leading dot", ".5", false},
                               {"grouping", "1,000", false},  {"empty", "", false}};
  for (const auto& c : amounts) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(CheckAmount(c.value).ok(), c.ok);
  }
  const FieldCase cards[] = {{"4 digits", "4242", true},
                             {"3 digits", "424", false},
                             {"full pan", "4242424242424242", false},
                             {"letters", "42a2", false}};
  for (const auto& c : cards) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(CheckCardLast4(c.value).ok(), c.ok);
  }
}

}  // namespace
}  // namespace kefu::domain
