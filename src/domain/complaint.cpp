#include "domain/complaint.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

namespace kefu::domain {
namespace {

constexpr std::array<std::string_view, 5> kStatusNames = {"received", "acknowledged", "under_review", "resolved",
                                                          "closed"};
constexpr std::array<std::string_view, 5> kActionNames = {"acknowledge", "start_review", "resolve", "close",
                                                          "reopen"};
constexpr std::array<std::string_view, 5> kEventTypes = {"complaint.acknowledged", "complaint.review_started",
                                                         "complaint.resolved", "complaint.closed",
                                                         "complaint.reopened"};
constexpr std::array<std::string_view, 3> kChannelNames = {"widget", "email", "phone"};
constexpr std::array<std::string_view, 5> kKindNames = {"refund", "fee_waiver", "voucher", "goodwill", "other"};
constexpr std::array<std::string_view, 3> kStateNames = {"proposed", "approved", "rejected"};

template <typename E, size_t N>
std::optional<E> ParseName(const std::array<std::string_view, N>& names, std::string_view name) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<E>(i);
  return std::nullopt;
}

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, E e) {
  const auto i = static_cast<size_t>(e);
  return i < N ? names[i] : std::string_view("unknown");
}

constexpr std::int64_t kFractionUnit = 100'000'000;  // 10^8

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Days since 1970-01-01 of a civil date, and back (Howard Hinnant's algorithms).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t& y, unsigned& m) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

}  // namespace

std::string_view ComplaintStatusName(ComplaintStatus s) { return NameOf(kStatusNames, s); }
std::optional<ComplaintStatus> ParseComplaintStatus(std::string_view n) {
  return ParseName<ComplaintStatus>(kStatusNames, n);
}
std::string_view ComplaintActionName(ComplaintAction a) { return NameOf(kActionNames, a); }
std::string_view ComplaintEventType(ComplaintAction a) { return NameOf(kEventTypes, a); }
std::string_view IntakeChannelName(IntakeChannel c) { return NameOf(kChannelNames, c); }
std::optional<IntakeChannel> ParseIntakeChannel(std::string_view n) { return ParseName<IntakeChannel>(kChannelNames, n); }
std::string_view CompensationKindName(CompensationKind k) { return NameOf(kKindNames, k); }
std::optional<CompensationKind> ParseCompensationKind(std::string_view n) {
  return ParseName<CompensationKind>(kKindNames, n);
}
std::string_view CompensationStateName(CompensationState s) { return NameOf(kStateNames, s); }
std::optional<CompensationState> ParseCompensationState(std::string_view n) {
  return ParseName<CompensationState>(kStateNames, n);
}

Result<ComplaintStatus> ComplaintTransition(ComplaintStatus from, ComplaintAction action) {
  using S = ComplaintStatus;
  using A = ComplaintAction;
  std::optional<S> to;
  switch (action) {
    case A::acknowledge:
      if (from == S::received) to = S::acknowledged;
      break;
    case A::start_review:
      if (from == S::received || from == S::acknowledged) to = S::under_review;
      break;
    case A::resolve:
      if (from == S::under_review) to = S::resolved;
      break;
    case A::close:
      if (from == S::resolved) to = S::closed;
      break;
    case A::reopen:
      if (from == S::resolved || from == S::closed) to = S::under_review;
      break;
  }
  if (!to)
    return MakeError(Code::conflict, "a complaint that is " + std::string(ComplaintStatusName(from)) + " cannot " +
                                         std::string(ComplaintActionName(action)));
  return *to;
}

Result<ComplaintAction> ComplaintActionTo(ComplaintStatus from, ComplaintStatus to) {
  for (size_t i = 0; i < kActionNames.size(); ++i) {
    const auto a = static_cast<ComplaintAction>(i);
    auto r = ComplaintTransition(from, a);
    if (r.ok() && *r == to) return a;
  }
  return MakeError(Code::conflict, "a complaint cannot go from " + std::string(ComplaintStatusName(from)) + " to " +
                                       std::string(ComplaintStatusName(to)));
}

Status CheckCompensationAmount(std::string_view v) {
  const std::string shape = "'amount' must be a positive decimal number written as a string, e.g. \"120.50\", with at most " +
                            std::to_string(kMaxAmountWholeDigits) + " digits before the point and " +
                            std::to_string(kMaxAmountFractionDigits) + " after";
  if (!v.empty() && v.front() == '-') return MakeError(Code::invalid, "'amount' must not be negative");
  if (v.empty()) return MakeError(Code::invalid, shape);
  const size_t dot = v.find('.');
  const std::string_view whole = v.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : v.substr(dot + 1);
  if (whole.empty() || whole.size() > kMaxAmountWholeDigits || !AllDigits(whole) || !AllDigits(fraction) ||
      (dot != std::string_view::npos && (fraction.empty() || fraction.size() > kMaxAmountFractionDigits)))
    return MakeError(Code::invalid, shape);
  if (whole.size() > 1 && whole.front() == '0')
    return MakeError(Code::invalid, "'amount' must not have leading zeros");
  const bool zero = std::all_of(v.begin(), v.end(), [](char c) { return c == '0' || c == '.'; });
  if (zero) return MakeError(Code::invalid, "'amount' must be more than zero");
  return Ok();
}

Status CheckCurrency(std::string_view c) {
  const bool shape = c.size() >= 2 && c.size() <= 10 &&
                     std::all_of(c.begin(), c.end(), [](char ch) { return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'); });
  if (!shape)
    return MakeError(Code::invalid, "'currency' must be 2–10 upper-case letters or digits, e.g. \"CNY\" or \"USDT\"");
  return Ok();
}

void DecimalSum::Add(std::string_view amount) {
  const size_t dot = amount.find('.');
  const std::string_view whole = amount.substr(0, dot);
  std::string fraction(dot == std::string_view::npos ? std::string_view() : amount.substr(dot + 1));
  fraction.resize(kMaxAmountFractionDigits, '0');
  std::int64_t w = 0, f = 0;
  for (char c : whole) w = w * 10 + (c - '0');
  for (char c : fraction) f = f * 10 + (c - '0');
  whole_ += w;
  fraction_ += f;
  whole_ += fraction_ / kFractionUnit;
  fraction_ %= kFractionUnit;
}

std::string DecimalSum::ToString() const {
  std::string out = std::to_string(whole_);
  if (fraction_ == 0) return out;
  std::string f = std::to_string(fraction_);
  f.insert(0, kMaxAmountFractionDigits - f.size(), '0');
  while (!f.empty() && f.back() == '0') f.pop_back();
  return out + "." + f;
}

std::string MonthOf(Millis t) {
  std::int64_t days = t / 86'400'000;
  if (t < 0 && t % 86'400'000) --days;
  std::int64_t y = 0;
  unsigned m = 1;
  CivilFromDays(days, y, m);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u", static_cast<long long>(y), m % 13);
  return buf;
}

std::optional<Millis> ParseMonth(std::string_view s) {
  if (s.size() != 7 || s[4] != '-' || !AllDigits(s.substr(0, 4)) || !AllDigits(s.substr(5))) return std::nullopt;
  const int y = std::stoi(std::string(s.substr(0, 4)));
  const int m = std::stoi(std::string(s.substr(5)));
  if (y < 1970 || m < 1 || m > 12) return std::nullopt;
  return DaysFromCivil(y, static_cast<unsigned>(m), 1) * 86'400'000;
}

std::vector<ComplaintStatsRow> ComputeComplaintStats(const std::vector<ComplaintFacts>& complaints) {
  struct Acc {
    ComplaintStatsRow row;
    std::vector<std::int64_t> durations;
    std::map<std::string, DecimalSum> sums;
  };
  std::map<std::pair<std::string, std::string>, Acc> groups;
  for (const ComplaintFacts& c : complaints) {
    std::string month = MonthOf(c.received_at);
    Acc& acc = groups[{month, c.category}];
    acc.row.month = std::move(month);
    acc.row.category = c.category;
    ++acc.row.received;
    if (c.resolved_at) {
      ++acc.row.resolved;
      acc.durations.push_back(std::max<std::int64_t>(0, (c.resolved_at - c.received_at) / 1000));
    }
    if (c.review_overdue_at) ++acc.row.reviews_overdue;
    for (const auto& [currency, amount] : c.approved) acc.sums[currency].Add(amount);
  }
  std::vector<ComplaintStatsRow> out;
  out.reserve(groups.size());
  for (auto& [key, acc] : groups) {
    if (!acc.durations.empty()) {
      std::sort(acc.durations.begin(), acc.durations.end());
      const size_t n = acc.durations.size();
      acc.row.median_resolution_seconds =
          n % 2 ? acc.durations[n / 2] : (acc.durations[n / 2 - 1] + acc.durations[n / 2]) / 2;
    }
    for (const auto& [currency, sum] : acc.sums) acc.row.compensation_approved[currency] = sum.ToString();
    out.push_back(std::move(acc.row));
  }
  return out;
}

}  // namespace kefu::domain
