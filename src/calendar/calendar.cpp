#include "calendar/calendar.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <utility>

namespace kefu::calendar {

namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr int kDayMinutes = 24 * 60;

// Minutes after local midnight of the day the range starts on; end may exceed kDayMinutes for an
// overnight range.
struct MinuteRange {
  int begin = 0;
  int end = 0;
};

struct Span {
  Millis begin = 0;
  Millis end = 0;
};

std::string Clock(int m) {
  std::string s;
  s += static_cast<char>('0' + m / 600);
  s += static_cast<char>('0' + m / 60 % 10);
  s += ':';
  s += static_cast<char>('0' + m % 60 / 10);
  s += static_cast<char>('0' + m % 10);
  return s;
}

std::string RangeText(MinuteRange r) {
  return Clock(r.begin) + "-" + Clock(r.end > kDayMinutes ? r.end - kDayMinutes : r.end);
}

bool TwoDigits(std::string_view s, int& out) {
  if (s.size() != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9') return false;
  out = (s[0] - '0') * 10 + (s[1] - '0');
  return true;
}

// "HH:MM" → minutes after midnight; 24:00 allowed (the caller decides where).
std::optional<int> ParseClock(std::string_view s) {
  int h = 0;
  int m = 0;
  if (s.size() != 5 || s[2] != ':' || !TwoDigits(s.substr(0, 2), h) || !TwoDigits(s.substr(3), m))
    return std::nullopt;
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

Result<MinuteRange> ParseRange(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return MakeError(Code::invalid,
                     "bad interval '" + std::string(text) + "' (" + std::string(why) + ")");
  };
  if (text.size() != 11 || text[5] != '-') return bad("expected HH:MM-HH:MM");
  auto begin = ParseClock(text.substr(0, 5));
  auto end = ParseClock(text.substr(6));
  if (!begin || !end) return bad("expected HH:MM-HH:MM with hours 00-24 and minutes 00-59");
  if (*begin == kDayMinutes) return bad("cannot start at 24:00");
  if (*begin == *end) return bad("empty; write 00:00-24:00 for the whole day");
  MinuteRange r{*begin, *end};
  if (r.end < r.begin) r.end += kDayMinutes;  // overnight: ends the next day
  return r;
}

// Parses and sorts one day's intervals; overlapping ones are an error.
Result<std::vector<MinuteRange>> ParseDay(const std::vector<std::string>& texts) {
  std::vector<MinuteRange> out;
  for (const auto& t : texts) {
    KEFU_ASSIGN(r, ParseRange(t));
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](MinuteRange a, MinuteRange b) { return a.begin < b.begin; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].begin < out[i - 1].end)
      return MakeError(Code::invalid, "intervals " + RangeText(out[i - 1]) + " and " +
                                          RangeText(out[i]) + " overlap");
  }
  return out;
}

std::optional<date::local_days> ParseDate(std::string_view s) {
  int y = 0;
  int m = 0;
  int d = 0;
  int hi = 0;
  int lo = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !TwoDigits(s.substr(0, 2), hi) ||
      !TwoDigits(s.substr(2, 2), lo) || !TwoDigits(s.substr(5, 2), m) ||
      !TwoDigits(s.substr(8, 2), d))
    return std::nullopt;
  y = hi * 100 + lo;
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return date::local_days{ymd};
}

int DayNumber(date::local_days d) { return d.time_since_epoch().count(); }

int WeekdayIndex(date::local_days d) {
  return static_cast<int>(date::weekday{d}.iso_encoding()) - 1;  // Monday = 0
}

}  // namespace

namespace internal {

struct CalendarState {
  std::string name;
  std::string zone_name;
  const date::time_zone* zone = nullptr;  // null: always open, UTC
  std::array<std::vector<MinuteRange>, 7> week;
  std::vector<int> holidays;                                       // sorted day numbers
  std::vector<std::pair<int, std::vector<MinuteRange>>> workdays;  // sorted by day number
  bool any_hours = false;                                          // false: never opens

  const std::vector<MinuteRange>& Ranges(date::local_days day) const {
    static const std::vector<MinuteRange> kClosed;
    int n = DayNumber(day);
    if (!workdays.empty()) {
      auto it = std::lower_bound(workdays.begin(), workdays.end(), n,
                                 [](const auto& w, int key) { return w.first < key; });
      if (it != workdays.end() && it->first == n) return it->second;
    }
    if (std::binary_search(holidays.begin(), holidays.end(), n)) return kClosed;
    return week[WeekdayIndex(day)];
  }

  // A local wall-clock time to UTC. In a spring-forward gap the time does not exist: it maps to
  // the instant of the change (a 02:30 opening opens at 03:00 new time). In a fall-back overlap
  // the earlier of the two instants is taken, consistently for starts and ends.
  Millis ToUtc(date::local_days day, int minute_of_day) const {
    auto local = date::local_seconds{day} + minutes{minute_of_day};
    auto info = zone->get_info(local);
    date::sys_seconds sys;
    if (info.result == date::local_info::nonexistent) {
      sys = info.first.end;
    } else {
      sys = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
    }
    return std::chrono::duration_cast<milliseconds>(sys.time_since_epoch()).count();
  }

  date::local_days LocalDay(Millis t) const {
    auto local = zone->to_local(date::sys_time<milliseconds>{milliseconds{t}});
    return date::floor<date::days>(local);
  }
};

}  // namespace internal

using Impl = internal::CalendarState;

namespace {

// Walks a calendar's open spans in time order, day by day from `first_day`. The spans it yields
// are disjoint (a workday's hours that overlap the previous night's interval are clipped) but
// may touch. It stops after `last_day`, or, when unbounded, after kSearchDays without any open
// span.
class SpanWalker {
 public:
  SpanWalker(const Impl& c, date::local_days first_day,
             date::local_days last_day = date::local_days::max())
      : c_(c),
        day_(first_day),
        last_(last_day),
        last_found_(first_day),
        list_(&c.Ranges(first_day)) {}

  std::optional<Span> Next() {
    for (;;) {
      while (i_ >= list_->size()) {
        if (day_ >= last_) return std::nullopt;
        if (last_ == date::local_days::max() && day_ - last_found_ > date::days{kSearchDays})
          return std::nullopt;
        day_ += date::days{1};
        list_ = &c_.Ranges(day_);
        i_ = 0;
      }
      MinuteRange r = (*list_)[i_++];
      Span s{c_.ToUtc(day_, r.begin), c_.ToUtc(day_, r.end)};
      s.begin = std::max(s.begin, floor_);
      if (s.end <= s.begin) continue;
      floor_ = s.end;
      last_found_ = day_;
      return s;
    }
  }

 private:
  const Impl& c_;
  date::local_days day_;
  date::local_days last_;
  date::local_days last_found_;
  const std::vector<MinuteRange>* list_;
  size_t i_ = 0;
  Millis floor_ = std::numeric_limits<Millis>::min();
};

}  // namespace

Calendar::Calendar(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Calendar Calendar::AlwaysOpen() {
  static const std::shared_ptr<const Impl> impl = [] {
    auto i = std::make_shared<Impl>();
    i->name = std::string(kAlwaysOpenName);
    i->zone_name = "UTC";
    i->any_hours = true;
    return i;
  }();
  return Calendar(impl);
}

Result<Calendar> Calendar::Make(const CalendarSpec& spec) {
  const std::string where = "calendars." + spec.name;
  auto fail = [&](const std::string& what) { return MakeError(Code::invalid, where + "." + what); };
  if (spec.name == kAlwaysOpenName)
    return MakeError(Code::invalid,
                     where + ": the name \"24x7\" is built in (always open) and reserved");

  auto impl = std::make_shared<Impl>();
  impl->name = spec.name;
  impl->zone_name = spec.time_zone;
  if (spec.time_zone.empty())
    return fail("time_zone: missing (an IANA zone such as \"Asia/Shanghai\")");
  try {
    (void)date::get_tzdb();  // reads /usr/share/zoneinfo once per process
  } catch (const std::exception& e) {
    return fail("time_zone: the OS time-zone database (tzdata) cannot be read: " +
                std::string(e.what()));
  }
  try {
    impl->zone = date::locate_zone(spec.time_zone);
  } catch (const std::exception&) {
    return fail("time_zone: unknown time zone '" + spec.time_zone +
                "' (expected an IANA name such as \"Asia/Shanghai\" or \"Europe/Madrid\")");
  }

  for (int d = 0; d < 7; ++d) {
    auto day = ParseDay(spec.week[d]);
    if (!day.ok())
      return fail(std::string(WeekdayName(static_cast<Weekday>(d))) + ": " + day.error().message);
    impl->week[d] = std::move(day).value();
    if (!impl->week[d].empty()) impl->any_hours = true;
  }
  // An overnight interval must not run into the next day's first one.
  for (int d = 0; d < 7; ++d) {
    const auto& today = impl->week[d];
    const auto& tomorrow = impl->week[(d + 1) % 7];
    if (today.empty() || tomorrow.empty() || today.back().end <= kDayMinutes) continue;
    if (today.back().end - kDayMinutes > tomorrow.front().begin) {
      return fail(std::string(WeekdayName(static_cast<Weekday>(d))) + ": overnight interval " +
                  RangeText(today.back()) + " overlaps " +
                  std::string(WeekdayName(static_cast<Weekday>((d + 1) % 7))) + " " +
                  RangeText(tomorrow.front()));
    }
  }

  for (const auto& h : spec.holidays) {
    auto day = ParseDate(h);
    if (!day) return fail("holidays: bad date '" + h + "' (expected YYYY-MM-DD)");
    impl->holidays.push_back(DayNumber(*day));
  }
  std::sort(impl->holidays.begin(), impl->holidays.end());
  impl->holidays.erase(std::unique(impl->holidays.begin(), impl->holidays.end()),
                       impl->holidays.end());

  for (const auto& w : spec.workdays) {
    auto day = ParseDate(w.date);
    if (!day) return fail("workdays: bad date '" + w.date + "' (expected YYYY-MM-DD)");
    int n = DayNumber(*day);
    if (std::binary_search(impl->holidays.begin(), impl->holidays.end(), n))
      return fail("workdays: " + w.date + " is also listed in holidays");
    std::vector<MinuteRange> hours;
    if (w.hours.empty()) {
      hours = impl->week[0];
      if (hours.empty())
        return fail("workdays: " + w.date + " has no hours and Monday is closed; give its hours");
    } else {
      auto parsed = ParseDay(w.hours);
      if (!parsed.ok()) return fail("workdays: " + w.date + ": " + parsed.error().message);
      hours = std::move(parsed).value();
    }
    impl->any_hours = true;
    impl->workdays.emplace_back(n, std::move(hours));
  }
  std::sort(impl->workdays.begin(), impl->workdays.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < impl->workdays.size(); ++i) {
    if (impl->workdays[i].first == impl->workdays[i - 1].first)
      return fail(
          "workdays: " + date::format("%F", date::local_days{date::days{impl->workdays[i].first}}) +
          " is listed twice");
  }
  return Calendar(std::move(impl));
}

const std::string& Calendar::name() const { return impl_->name; }
const std::string& Calendar::time_zone() const { return impl_->zone_name; }
bool Calendar::always_open() const { return impl_->zone == nullptr; }

bool Calendar::IsOpen(Millis t) const {
  const Impl& c = *impl_;
  if (!c.zone) return true;
  // Only the day before (an overnight interval) and the day itself can cover t.
  date::local_days day = c.LocalDay(t);
  SpanWalker walk(c, day - date::days{1}, day);
  while (auto s = walk.Next()) {
    if (s->begin > t) break;
    if (t < s->end) return true;
  }
  return false;
}

std::optional<Millis> Calendar::NextOpening(Millis t) const {
  const Impl& c = *impl_;
  if (!c.zone) return t;
  if (!c.any_hours) return std::nullopt;
  SpanWalker walk(c, c.LocalDay(t) - date::days{1});
  while (auto s = walk.Next()) {
    if (s->end > t) return std::max(s->begin, t);
  }
  return std::nullopt;
}

std::optional<Millis> Calendar::NextClosing(Millis t) const {
  const Impl& c = *impl_;
  if (!c.zone || !c.any_hours) return std::nullopt;
  date::local_days day = c.LocalDay(t);
  date::local_days horizon = day + date::days{kSearchDays};
  SpanWalker walk(c, day - date::days{1}, horizon);
  std::optional<Span> current;
  while (auto s = walk.Next()) {
    if (!current) {
      if (s->end > t) current = s;
      continue;
    }
    if (s->begin > current->end) return current->end;
    current->end = s->end;  // touching: the desk stays open
  }
  // The walk reached the horizon: a period still open there never closes as far as we look.
  if (current && current->end < c.ToUtc(horizon, 0)) return current->end;
  return std::nullopt;
}

std::optional<Millis> Calendar::AddBusinessTime(Millis start, Millis duration) const {
  const Impl& c = *impl_;
  if (duration <= 0) return start;
  if (!c.zone) return start + duration;
  if (!c.any_hours) return std::nullopt;
  Millis left = duration;
  SpanWalker walk(c, c.LocalDay(start) - date::days{1});
  while (auto s = walk.Next()) {
    if (s->end <= start) continue;
    Millis from = std::max(s->begin, start);
    if (s->end - from >= left) return from + left;
    left -= s->end - from;
  }
  return std::nullopt;
}

Millis Calendar::BusinessTimeBetween(Millis a, Millis b) const {
  const Impl& c = *impl_;
  if (b <= a) return 0;
  if (!c.zone) return b - a;
  if (!c.any_hours) return 0;
  Millis total = 0;
  SpanWalker walk(c, c.LocalDay(a) - date::days{1}, c.LocalDay(b));
  while (auto s = walk.Next()) {
    if (s->begin >= b) break;
    Millis from = std::max(s->begin, a);
    Millis to = std::min(s->end, b);
    if (to > from) total += to - from;
  }
  return total;
}

LocalDateTime Calendar::LocalTime(Millis t) const {
  const Impl& c = *impl_;
  date::sys_time<milliseconds> sys{milliseconds{t}};
  std::chrono::seconds offset{0};
  if (c.zone) offset = c.zone->get_info(date::floor<std::chrono::seconds>(sys)).offset;
  auto local = date::floor<std::chrono::seconds>(sys) + offset;
  auto day = date::floor<date::days>(local);
  date::year_month_day ymd{day};
  date::hh_mm_ss<std::chrono::seconds> hms{local - day};
  LocalDateTime out;
  out.year = static_cast<int>(ymd.year());
  out.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
  out.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
  out.weekday = static_cast<Weekday>(date::weekday{day}.iso_encoding() - 1);
  out.hour = static_cast<int>(hms.hours().count());
  out.minute = static_cast<int>(hms.minutes().count());
  out.second = static_cast<int>(hms.seconds().count());
  out.utc_offset_minutes = static_cast<int>(offset.count() / 60);
  return out;
}

std::string_view WeekdayName(Weekday day) {
  switch (day) {
    case Weekday::mon:
      return "mon";
    case Weekday::tue:
      return "tue";
    case Weekday::wed:
      return "wed";
    case Weekday::thu:
      return "thu";
    case Weekday::fri:
      return "fri";
    case Weekday::sat:
      return "sat";
    case Weekday::sun:
      return "sun";
  }
  return "mon";
}

std::string FormatUtcOffset(int minutes_east) {
  if (minutes_east == 0) return "UTC";
  std::string out = minutes_east > 0 ? "UTC+" : "UTC-";
  int m = minutes_east > 0 ? minutes_east : -minutes_east;
  out += std::to_string(m / 60);
  if (m % 60 != 0) {
    out += ':';
    if (m % 60 < 10) out += '0';
    out += std::to_string(m % 60);
  }
  return out;
}

Result<std::map<std::string, Calendar>> MakeCalendars(const std::vector<CalendarSpec>& specs) {
  std::map<std::string, Calendar> out;
  out.emplace(std::string(kAlwaysOpenName), Calendar::AlwaysOpen());
  for (const auto& spec : specs) {
    KEFU_ASSIGN(cal, Calendar::Make(spec));
    if (!out.emplace(spec.name, std::move(cal)).second)
      return MakeError(Code::invalid, "calendars." + spec.name + ": defined twice");
  }
  return out;
}

}  // namespace kefu::calendar
