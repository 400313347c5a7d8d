// Complaints (投诉): their status life cycle, how they came in, compensation kinds and amounts,
// and the statistics computed from them. Pure rules, no I/O.
//
//   received ──acknowledge──► acknowledged
//      │                           │
//      └────────start_review───────┴──► under_review ──resolve──► resolved ──close──► closed
//                                             ▲                       │                │
//                                             └─────────reopen────────┴────────────────┘
// Any other change (a status set to itself included) is rejected with Code::conflict.
//
// Amounts are decimal strings, never floating point: compensation is money.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"

namespace kefu::domain {

enum class ComplaintStatus { received, acknowledged, under_review, resolved, closed };
enum class ComplaintAction { acknowledge, start_review, resolve, close, reopen };
// Where a complaint came from: the widget's complaint button, or recorded by staff from an
// email or a phone call.
enum class IntakeChannel { widget, email, phone };
enum class CompensationKind { refund, fee_waiver, voucher, goodwill, other };
enum class CompensationState { proposed, approved, rejected };

// Wire names ("under_review", "fee_waiver", …) and their parsers (exact, lower case).
std::string_view ComplaintStatusName(ComplaintStatus s);
std::optional<ComplaintStatus> ParseComplaintStatus(std::string_view name);
std::string_view ComplaintActionName(ComplaintAction a);
std::string_view IntakeChannelName(IntakeChannel c);
std::optional<IntakeChannel> ParseIntakeChannel(std::string_view name);
std::string_view CompensationKindName(CompensationKind k);
std::optional<CompensationKind> ParseCompensationKind(std::string_view name);
std::string_view CompensationStateName(CompensationState s);
std::optional<CompensationState> ParseCompensationState(std::string_view name);

// The event type of an action: "complaint.acknowledged", "complaint.review_started",
// "complaint.resolved", "complaint.closed", "complaint.reopened".
std::string_view ComplaintEventType(ComplaintAction a);

// The status after `action` in status `from`, or Code::conflict naming both.
Result<ComplaintStatus> ComplaintTransition(ComplaintStatus from, ComplaintAction action);
// The action that takes a complaint from `from` to `to` (under_review from resolved or closed is
// a reopen), or Code::conflict naming both.
Result<ComplaintAction> ComplaintActionTo(ComplaintStatus from, ComplaintStatus to);

// ---- money ----

// At most this many digits before and after the decimal point of a compensation amount.
inline constexpr size_t kMaxAmountWholeDigits = 12;
inline constexpr size_t kMaxAmountFractionDigits = 8;

// A compensation amount: a positive decimal string ("12.5", "0.00010000"), no sign, exponent,
// grouping or leading zeros beyond one ("007" is refused), at most 12 digits before the point and
// 8 after. Code::invalid with a message saying which rule was broken (a negative amount is named
// as such).
Status CheckCompensationAmount(std::string_view amount);
// A currency: an ISO 4217 code or a token symbol, 2–10 upper-case ASCII letters or digits
// ("CNY", "USD", "USDT").
Status CheckCurrency(std::string_view currency);

// An exact sum of amounts that passed CheckCompensationAmount: whole units and 10^-8 units.
class DecimalSum {
 public:
  void Add(std::string_view amount);
  // The sum written like its inputs: no trailing zeros after the point, no point for whole sums.
  std::string ToString() const;

 private:
  std::int64_t whole_ = 0;
  std::int64_t fraction_ = 0;  // 0 ≤ fraction_ < 10^8
};

// ---- statistics ----

// What the statistics need to know about one complaint.
struct ComplaintFacts {
  std::string category;
  Millis received_at = 0;
  Millis resolved_at = 0;        // 0: not resolved (or reopened and not resolved again)
  Millis review_overdue_at = 0;  // 0: the review started in time
  // Approved compensations: currency → amounts.
  std::vector<std::pair<std::string, std::string>> approved;
};

// One row of the statistics: a category in a month (of receipt, UTC).
struct ComplaintStatsRow {
  std::string month;  // "2026-11"
  std::string category;
  int received = 0;
  int resolved = 0;
  int reviews_overdue = 0;
  // The median time from receipt to resolution of the resolved ones, in seconds; nullopt when
  // none is resolved. With an even count, the mean of the middle two (rounded down).
  std::optional<std::int64_t> median_resolution_seconds;
  std::map<std::string, std::string> compensation_approved;  // currency → exact total
};

// "YYYY-MM" of `t` in UTC.
std::string MonthOf(Millis t);
// A month "YYYY-MM" (1970-01 … 9999-12) as its first instant in UTC; nullopt when malformed.
std::optional<Millis> ParseMonth(std::string_view month);
// Groups complaints by month of receipt and category, sorted by month then category.
std::vector<ComplaintStatsRow> ComputeComplaintStats(const std::vector<ComplaintFacts>& complaints);

}  // namespace kefu::domain
