// Business calendars: when a service desk is open, in its own time zone, with holidays and
// China's 调休 workdays; how much open ("business") time lies between two instants, and when a
// given amount of business time has elapsed (SLA deadlines).
//
// Invariants: every instant is UTC Millis (core/time.hpp); hours, weekdays and dates are local to
// the calendar's IANA time zone, read from the OS time-zone database (/usr/share/zoneinfo). A
// Calendar is immutable after Make, cheap to copy (shared state) and safe to use from any number
// of threads. Searches look at most kSearchDays ahead past the last open time found, so a
// calendar that never opens answers std::nullopt instead of looping. Pure computation: no I/O
// besides the time-zone database, which is loaded once per process on first use.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar_spec.hpp"
#include "core/result.hpp"
#include "core/time.hpp"

namespace kefu::calendar {

// The name of the built-in calendar that is always open (UTC).
inline constexpr std::string_view kAlwaysOpenName = "24x7";

// How far searches look past the last open time before giving up.
inline constexpr int kSearchDays = 400;

namespace internal {
struct CalendarState;  // calendar.cpp: the parsed spec and the date/tz zone
}  // namespace internal

enum class Weekday { mon, tue, wed, thu, fri, sat, sun };

// "mon", "tue", … — the key names the configuration uses.
std::string_view WeekdayName(Weekday day);

// A wall-clock reading in a calendar's zone, for telling customers "we open again Monday 09:00
// (UTC+8)".
struct LocalDateTime {
  int year = 1970;
  int month = 1;  // 1–12
  int day = 1;    // 1–31
  Weekday weekday = Weekday::thu;
  int hour = 0;                // 0–23
  int minute = 0;              // 0–59
  int second = 0;              // 0–59
  int utc_offset_minutes = 0;  // +480 in Asia/Shanghai; changes with daylight saving time
};

// "UTC+8", "UTC-4", "UTC+5:30", "UTC" for 0.
std::string FormatUtcOffset(int minutes);

class Calendar {
 public:
  // Validates `spec` and builds the calendar. Errors (Code::invalid) begin with
  // "calendars.<name>" and name what is wrong: an unknown time zone, a malformed interval
  // ("mon: bad interval '9-18' (expected HH:MM-HH:MM)"), overlapping intervals, a bad date, a
  // date that is both a holiday and a workday. A spec named "24x7" is refused (reserved).
  static Result<Calendar> Make(const CalendarSpec& spec);

  // The built-in calendar "24x7": always open, in UTC.
  static Calendar AlwaysOpen();

  const std::string& name() const;
  const std::string& time_zone() const;
  bool always_open() const;

  // Whether the desk is open at `t` (intervals are half-open: open at 09:00, closed at 18:00).
  bool IsOpen(Millis t) const;

  // `t` itself when open; otherwise the next instant it opens. nullopt when it does not open
  // within kSearchDays.
  std::optional<Millis> NextOpening(Millis t) const;

  // When open at `t`, the instant it closes; when closed, the closing of the next open period.
  // Back-to-back intervals (18:00-24:00 then 00:00-09:00 the next day) count as one period.
  // nullopt when it never closes within kSearchDays (e.g. "24x7") or never opens.
  std::optional<Millis> NextClosing(Millis t) const;

  // The instant at which `duration` of open time has elapsed after `start`: the SLA deadline of
  // something that arrived at `start`. `start` itself when duration <= 0. nullopt only when the
  // calendar stops opening (kSearchDays without open time) before the duration is used up.
  std::optional<Millis> AddBusinessTime(Millis start, Millis duration) const;

  // Open time in [a, b): the business time an SLA clock ran. 0 when b <= a.
  Millis BusinessTimeBetween(Millis a, Millis b) const;

  // The wall-clock reading of `t` in the calendar's zone.
  LocalDateTime LocalTime(Millis t) const;

 private:
  explicit Calendar(std::shared_ptr<const internal::CalendarState> impl);
  std::shared_ptr<const internal::CalendarState> impl_;
};

// Builds every configured calendar plus the built-in "24x7", keyed by name. The first invalid
// spec's error is returned.
Result<std::map<std::string, Calendar>> MakeCalendars(const std::vector<CalendarSpec>& specs);

}  // namespace kefu::calendar
