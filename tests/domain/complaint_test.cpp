// Complaint rules: the status life cycle, compensation amounts and currencies, exact sums, and
// the statistics by month and category.
#include <gtest/gtest.h>

#include "domain/complaint.hpp"

namespace kefu::domain {
namespace {

using S = ComplaintStatus;
using A = ComplaintAction;

TEST(ComplaintLifeCycle, AllowsExactlyTheDrawnTransitions) {
  struct Case {
    S from;
    A action;
    std::optional<S> to;
  };
  const Case cases[] = {
      {S::received, A::acknowledge, S::acknowledged},   {S::received, A::start_review, S::under_review},
      {S::acknowledged, A::start_review, S::under_review}, {S::under_review, A::resolve, S::resolved},
      {S::resolved, A::close, S::closed},               {S::resolved, A::reopen, S::under_review},
      {S::closed, A::reopen, S::under_review},          {S::acknowledged, A::acknowledge, std::nullopt},
      {S::received, A::resolve, std::nullopt},          {S::under_review, A::close, std::nullopt},
      {S::closed, A::resolve, std::nullopt},            {S::under_review, A::reopen, std::nullopt},
      {S::closed, A::close, std::nullopt},              {S::resolved, A::start_review, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(ComplaintStatusName(c.from)) + " " + std::string(ComplaintActionName(c.action)));
    auto r = ComplaintTransition(c.from, c.action);
    if (c.to) {
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_EQ(*r, *c.to);
    } else {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, Code::conflict);
    }
  }
}

TEST(ComplaintLifeCycle, ATargetStatusNamesItsAction) {
  EXPECT_EQ(*ComplaintActionTo(S::closed, S::under_review), A::reopen);
  EXPECT_EQ(*ComplaintActionTo(S::acknowledged, S::under_review), A::start_review);
  EXPECT_EQ(ComplaintActionTo(S::under_review, S::under_review).error().code, Code::conflict);
  EXPECT_EQ(ComplaintActionTo(S::received, S::closed).error().code, Code::conflict);
  EXPECT_EQ(ComplaintEventType(A::start_review), "complaint.review_started");
}

TEST(CompensationAmount, AcceptsSaneDecimalsOnly) {
  for (const char* ok : {"1", "12.5", "0.01", "0.00000001", "999999999999.99999999", "120.50"})
    EXPECT_TRUE(CheckCompensationAmount(ok).ok()) << ok;
  const std::pair<const char*, const char*> bad[] = {
      {"-5", "negative"}, {"-0.1", "negative"}, {"0", "more than zero"}, {"0.000", "more than zero"},
      {"", "positive decimal"}, {"1e3", "positive decimal"}, {"1,000", "positive decimal"},
      {"12.", "positive decimal"}, {".5", "positive decimal"}, {"0.123456789", "positive decimal"},
      {"1000000000000", "positive decimal"}, {"007", "leading zeros"}, {"+5", "positive decimal"},
      {"5 ", "positive decimal"}};
  for (const auto& [amount, says] : bad) {
    auto st = CheckCompensationAmount(amount);
    ASSERT_FALSE(st.ok()) << amount;
    EXPECT_EQ(st.error().code, Code::invalid);
    EXPECT_NE(st.error().message.find(says), std::string::npos) << amount << ": " << st.error().message;
  }
}

TEST(CompensationAmount, CurrenciesAreCodesOrSymbols) {
  for (const char* ok : {"CNY", "USD", "USDT", "EUR", "BTC"}) EXPECT_TRUE(CheckCurrency(ok).ok()) << ok;
  for (const char* bad : {"", "usd", "U", "US DOLLAR", "VERYLONGCODE1", "€"}) EXPECT_FALSE(CheckCurrency(bad).ok()) << bad;
}

TEST(DecimalSum, AddsExactlyWithoutFloatingPoint) {
  DecimalSum sum;
  for (int i = 0; i < 10; ++i) sum.Add("0.1");
  EXPECT_EQ(sum.ToString(), "1");
  sum.Add("0.00000001");
  sum.Add("999999999999.99999999");
  EXPECT_EQ(sum.ToString(), "1000000000001");
  DecimalSum half;
  half.Add("12.50");
  EXPECT_EQ(half.ToString(), "12.5");
}

TEST(ComplaintStats, GroupsByMonthOfReceiptAndCategory) {
  constexpr Millis kNov = 1'793'491'200'000;  // 2026-11-01T00:00:00Z
  constexpr Millis kDec = 1'796'083'200'000;  // 2026-12-01T00:00:00Z
  constexpr Millis kHour = 3'600'000;
  EXPECT_EQ(MonthOf(kNov), "2026-11");
  EXPECT_EQ(MonthOf(kDec - 1), "2026-11");
  EXPECT_EQ(MonthOf(kDec), "2026-12");
  EXPECT_EQ(*ParseMonth("2026-11"), kNov);
  EXPECT_EQ(*ParseMonth("2026-12"), kDec);
  for (const char* bad : {"2026-13", "2026-00", "26-11", "2026/11", "1969-12", "2026-1x"})
    EXPECT_FALSE(ParseMonth(bad)) << bad;

  std::vector<ComplaintFacts> facts = {
      {"withdrawal", kNov + kHour, kNov + 3 * kHour, 0, {{"CNY", "100"}, {"USDT", "5.5"}}},
      {"withdrawal", kNov + 2 * kHour, kNov + 12 * kHour, kNov + 26 * kHour, {{"CNY", "0.5"}}},
      {"withdrawal", kNov + 3 * kHour, 0, kNov + 27 * kHour, {}},
      {"kyc", kNov + kHour, 0, 0, {}},
      {"withdrawal", kDec + kHour, kDec + 5 * kHour, 0, {}},
  };
  const auto rows = ComputeComplaintStats(facts);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ((std::pair{rows[0].month, rows[0].category}), (std::pair<std::string, std::string>{"2026-11", "kyc"}));
  EXPECT_EQ(rows[0].received, 1);
  EXPECT_FALSE(rows[0].median_resolution_seconds);
  const ComplaintStatsRow& w = rows[1];
  EXPECT_EQ((std::tuple{w.month, w.category, w.received, w.resolved, w.reviews_overdue}),
            (std::tuple<std::string, std::string, int, int, int>{"2026-11", "withdrawal", 3, 2, 2}));
  EXPECT_EQ(*w.median_resolution_seconds, (2 * 3600 + 10 * 3600) / 2);  // even count: mean of the middle two
  EXPECT_EQ(w.compensation_approved.at("CNY"), "100.5");
  EXPECT_EQ(w.compensation_approved.at("USDT"), "5.5");
  EXPECT_EQ(rows[2].month, "2026-12");
  EXPECT_EQ(*rows[2].median_resolution_seconds, 4 * 3600);
}

}  // namespace
}  // namespace kefu::domain
