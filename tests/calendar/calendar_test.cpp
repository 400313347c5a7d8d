#include "calendar/calendar.hpp"

#include <gtest/gtest.h>

#include <random>

#include "core/config.hpp"

namespace kefu::calendar {
namespace {

constexpr Millis kMinute = 60'000;
constexpr Millis kHour = 60 * kMinute;
constexpr Millis kDay = 24 * kHour;

// An instant written with its offset, e.g. At("2026-11-26T09:00:00+08:00").
Millis At(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(0);
}

CalendarSpec Spec(std::string zone, std::vector<std::string> weekdays,
                  std::vector<std::string> weekends = {}) {
  CalendarSpec s;
  s.name = "test";
  s.time_zone = std::move(zone);
  for (int d = 0; d < 5; ++d) s.week[d] = weekdays;
  s.week[5] = weekends;
  s.week[6] = weekends;
  return s;
}

Calendar MustMake(const CalendarSpec& spec) {
  auto c = Calendar::Make(spec);
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
  return c.ok() ? *c : Calendar::AlwaysOpen();
}

// The 客服 desk of docs/config.example.toml: Mon–Fri 09:00–21:00, Sat–Sun 10:00–18:00 in
// Shanghai, the 2026 National Day holiday (Oct 1–7) and its 调休 workdays (Sun Sep 20, Sat Oct 10).
Calendar ShanghaiDesk() {
  CalendarSpec s = Spec("Asia/Shanghai", {"09:00-21:00"}, {"10:00-18:00"});
  s.holidays = {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04",
                "2026-10-05", "2026-10-06", "2026-10-07"};
  s.workdays = {{"2026-09-20", {}}, {"2026-10-10", {"09:00-12:00", "13:00-18:00"}}};
  return MustMake(s);
}

TEST(Calendar, ShanghaiOpeningHoursAreHalfOpen) {
  Calendar c = ShanghaiDesk();
  struct Case {
    const char* at;
    bool open;
  };
  for (Case k : {Case{"2026-11-26T08:59:59+08:00", false}, Case{"2026-11-26T09:00:00+08:00", true},
                 Case{"2026-11-26T20:59:59+08:00", true}, Case{"2026-11-26T21:00:00+08:00", false},
                 Case{"2026-11-28T09:30:00+08:00", false}, Case{"2026-11-28T10:00:00+08:00", true},
                 Case{"2026-11-29T17:59:00+08:00", true}, Case{"2026-11-29T18:00:00+08:00", false},
                 // Thursday 01:00 UTC is 09:00 in Shanghai.
                 Case{"2026-11-26T01:00:00Z", true}, Case{"2026-11-25T23:59:00Z", false}}) {
    SCOPED_TRACE(k.at);
    EXPECT_EQ(c.IsOpen(At(k.at)), k.open);
  }
}

TEST(Calendar, NextOpeningAndClosing) {
  Calendar c = ShanghaiDesk();
  // Open: NextOpening is now, NextClosing the end of today's hours.
  Millis noon = At("2026-11-26T12:00:00+08:00");
  EXPECT_EQ(c.NextOpening(noon), noon);
  EXPECT_EQ(c.NextClosing(noon), At("2026-11-26T21:00:00+08:00"));
  // Friday night → Saturday's weekend hours.
  Millis friday_night = At("2026-11-27T22:00:00+08:00");
  EXPECT_EQ(c.NextOpening(friday_night), At("2026-11-28T10:00:00+08:00"));
  EXPECT_EQ(c.NextClosing(friday_night), At("2026-11-28T18:00:00+08:00"));
  // Exactly at closing time it is closed, and opens again the next morning.
  EXPECT_EQ(c.NextOpening(At("2026-11-26T21:00:00+08:00")), At("2026-11-27T09:00:00+08:00"));
}

TEST(Calendar, HolidaysAndTiaoxiuWorkdays) {
  Calendar c = ShanghaiDesk();
  // Closed the whole National Day week, open again on Thursday Oct 8 at weekday hours.
  EXPECT_FALSE(c.IsOpen(At("2026-10-01T12:00:00+08:00")));
  EXPECT_FALSE(c.IsOpen(At("2026-10-04T12:00:00+08:00")));  // a Sunday, normally open
  EXPECT_EQ(c.NextOpening(At("2026-09-30T21:30:00+08:00")), At("2026-10-08T09:00:00+08:00"));
  // Sunday Sep 20 is worked with Monday's hours (09:00-21:00 instead of 10:00-18:00).
  EXPECT_TRUE(c.IsOpen(At("2026-09-20T09:30:00+08:00")));
  EXPECT_TRUE(c.IsOpen(At("2026-09-20T20:00:00+08:00")));
  // Saturday Oct 10 is worked with its own hours, lunch break included.
  EXPECT_TRUE(c.IsOpen(At("2026-10-10T09:00:00+08:00")));
  EXPECT_FALSE(c.IsOpen(At("2026-10-10T12:30:00+08:00")));
  EXPECT_EQ(c.NextOpening(At("2026-10-10T12:30:00+08:00")), At("2026-10-10T13:00:00+08:00"));
  EXPECT_EQ(c.NextClosing(At("2026-10-10T09:00:00+08:00")), At("2026-10-10T12:00:00+08:00"));
  // Business time over the holiday week: Wed Sep 30 18:00 → Thu Oct 8 10:00 is 3 h + 1 h.
  EXPECT_EQ(c.BusinessTimeBetween(At("2026-09-30T18:00:00+08:00"), At("2026-10-08T10:00:00+08:00")),
            4 * kHour);
  // An SLA of 8 business hours started Wed Sep 30 at 17:00 ends Thu Oct 8 at 13:00.
  EXPECT_EQ(c.AddBusinessTime(At("2026-09-30T17:00:00+08:00"), 8 * kHour),
            At("2026-10-08T13:00:00+08:00"));
}

TEST(Calendar, OvernightIntervalsRunIntoTheNextDay) {
  CalendarSpec s = Spec("Asia/Shanghai", {});
  s.week[4] = {"22:00-06:00"};  // Friday night
  s.week[5] = {"10:00-12:00"};  // Saturday morning
  s.week[6] = {"18:00-24:00"};  // Sunday evening, touching Monday's night shift
  s.week[0] = {"00:00-02:00"};
  s.holidays = {"2026-11-28"};  // Saturday: drops its own hours, not Friday's night
  Calendar c = MustMake(s);
  EXPECT_TRUE(c.IsOpen(At("2026-11-27T23:00:00+08:00")));
  EXPECT_TRUE(c.IsOpen(At("2026-11-28T05:59:00+08:00")));
  EXPECT_FALSE(c.IsOpen(At("2026-11-28T06:00:00+08:00")));
  EXPECT_FALSE(c.IsOpen(At("2026-11-28T11:00:00+08:00")));
  EXPECT_EQ(c.NextClosing(At("2026-11-27T23:00:00+08:00")), At("2026-11-28T06:00:00+08:00"));
  EXPECT_EQ(c.NextOpening(At("2026-11-28T06:00:00+08:00")), At("2026-11-29T18:00:00+08:00"));
  // Sunday 18:00-24:00 and Monday 00:00-02:00 are one open period.
  EXPECT_EQ(c.NextClosing(At("2026-11-29T19:00:00+08:00")), At("2026-11-30T02:00:00+08:00"));
  EXPECT_EQ(c.BusinessTimeBetween(At("2026-11-27T00:00:00+08:00"), At("2026-12-01T00:00:00+08:00")),
            8 * kHour + 6 * kHour + 2 * kHour);
  EXPECT_EQ(c.AddBusinessTime(At("2026-11-28T05:00:00+08:00"), 2 * kHour),
            At("2026-11-29T19:00:00+08:00"));
}

TEST(Calendar, NewYorkDaylightSavingTransitions) {
  // Night desk every Sunday 00:00-06:00; 2026 DST starts Sun Mar 8 (02:00 → 03:00) and ends
  // Sun Nov 1 (02:00 → 01:00).
  CalendarSpec s = Spec("America/New_York", {});
  s.week[6] = {"00:00-06:00"};
  Calendar c = MustMake(s);
  EXPECT_EQ(c.BusinessTimeBetween(At("2026-03-07T00:00:00Z"), At("2026-03-09T00:00:00Z")),
            5 * kHour);
  EXPECT_EQ(c.BusinessTimeBetween(At("2026-10-31T00:00:00Z"), At("2026-11-03T00:00:00Z")),
            7 * kHour);
  EXPECT_EQ(c.NextOpening(At("2026-03-07T12:00:00Z")), At("2026-03-08T00:00:00-05:00"));
  EXPECT_EQ(c.NextClosing(At("2026-03-08T00:00:00-05:00")), At("2026-03-08T06:00:00-04:00"));
  EXPECT_EQ(c.NextClosing(At("2026-11-01T00:00:00-04:00")), At("2026-11-01T06:00:00-05:00"));
  // During the repeated hour the desk stays open; both 01:30s are inside.
  EXPECT_TRUE(c.IsOpen(At("2026-11-01T01:30:00-04:00")));
  EXPECT_TRUE(c.IsOpen(At("2026-11-01T01:30:00-05:00")));

  // An opening inside the spring-forward gap (02:30 does not exist) opens at the change.
  CalendarSpec gap = Spec("America/New_York", {});
  gap.week[6] = {"02:30-05:00"};
  Calendar g = MustMake(gap);
  EXPECT_EQ(g.NextOpening(At("2026-03-08T00:00:00-05:00")), At("2026-03-08T03:00:00-04:00"));
  EXPECT_EQ(g.BusinessTimeBetween(At("2026-03-08T00:00:00Z"), At("2026-03-09T00:00:00Z")),
            2 * kHour);

  LocalDateTime before = c.LocalTime(At("2026-03-08T06:59:00Z"));
  LocalDateTime after = c.LocalTime(At("2026-03-08T07:00:00Z"));
  EXPECT_EQ(before.utc_offset_minutes, -300);
  EXPECT_EQ(before.hour, 1);
  EXPECT_EQ(after.utc_offset_minutes, -240);
  EXPECT_EQ(after.hour, 3);
  EXPECT_EQ(FormatUtcOffset(after.utc_offset_minutes), "UTC-4");
}

TEST(Calendar, MadridDaylightSavingAcrossAWeekend) {
  // 2026: CET → CEST on Sun Mar 29, back on Sun Oct 25. Office hours keep their local times.
  Calendar c = MustMake(Spec("Europe/Madrid", {"09:00-18:00"}));
  EXPECT_EQ(c.NextOpening(At("2026-03-27T18:00:00+01:00")), At("2026-03-30T07:00:00Z"));
  // 2 business hours from Friday 17:00 CET: 1 h on Friday, 1 h on Monday → 10:00 CEST.
  EXPECT_EQ(c.AddBusinessTime(At("2026-03-27T16:00:00Z"), 2 * kHour), At("2026-03-30T08:00:00Z"));
  EXPECT_EQ(c.BusinessTimeBetween(At("2026-03-27T16:00:00Z"), At("2026-03-30T08:00:00Z")),
            2 * kHour);
  // Autumn: Monday Oct 26 09:00 is back to CET (08:00 UTC).
  EXPECT_EQ(c.NextOpening(At("2026-10-23T18:00:00+02:00")), At("2026-10-26T08:00:00Z"));
  EXPECT_EQ(c.LocalTime(At("2026-10-26T08:00:00Z")).hour, 9);
  EXPECT_EQ(FormatUtcOffset(c.LocalTime(At("2026-10-26T08:00:00Z")).utc_offset_minutes), "UTC+1");
}

TEST(Calendar, LongDurationsSpanWeeks) {
  Calendar c = MustMake(Spec("Asia/Shanghai", {"09:00-18:00"}));  // 9 h a weekday
  Millis monday = At("2026-11-02T09:00:00+08:00");
  EXPECT_EQ(c.AddBusinessTime(monday, 40 * kHour), At("2026-11-06T13:00:00+08:00"));
  // 200 h = 22 working days + 2 h: four weeks, then Monday and Tuesday, then Wednesday 11:00.
  EXPECT_EQ(c.AddBusinessTime(monday, 200 * kHour), At("2026-12-02T11:00:00+08:00"));
  // A year of business time ends about 2.4 years later and round-trips.
  Millis year = 365 * kDay;
  auto end = c.AddBusinessTime(monday, year);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(c.BusinessTimeBetween(monday, *end), year);
}

// Cross-checks the interval arithmetic against a brute-force minute-by-minute walk.
TEST(Calendar, AgreesWithAMinuteByMinuteWalk) {
  CalendarSpec s = Spec("America/New_York", {"08:30-12:00", "13:00-17:45"}, {"22:00-02:30"});
  s.holidays = {"2026-03-10"};
  s.workdays = {{"2026-03-14", {"01:00-03:00"}}};
  Calendar c = MustMake(s);
  Millis from = At("2026-03-05T00:00:00Z");
  Millis to = At("2026-03-20T00:00:00Z");
  std::vector<bool> open;
  for (Millis t = from; t < to; t += kMinute) open.push_back(c.IsOpen(t));
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> pick(0, open.size() - 1);
  for (int i = 0; i < 300; ++i) {
    size_t a = pick(rng);
    size_t b = pick(rng);
    if (a > b) std::swap(a, b);
    Millis expected = 0;
    for (size_t m = a; m < b; ++m) expected += open[m] ? kMinute : 0;
    SCOPED_TRACE(FormatRfc3339(from + static_cast<Millis>(a) * kMinute));
    EXPECT_EQ(c.BusinessTimeBetween(from + static_cast<Millis>(a) * kMinute,
                                    from + static_cast<Millis>(b) * kMinute),
              expected);
    if (expected > 0) {
      auto deadline = c.AddBusinessTime(from + static_cast<Millis>(a) * kMinute, expected);
      ASSERT_TRUE(deadline.has_value());
      EXPECT_EQ(c.BusinessTimeBetween(from + static_cast<Millis>(a) * kMinute, *deadline),
                expected);
      EXPECT_LE(*deadline, from + static_cast<Millis>(b) * kMinute);
    }
    size_t next = a;
    while (next < open.size() && !open[next]) ++next;
    if (next + 1 < open.size() && next < b) {
      EXPECT_EQ(c.NextOpening(from + static_cast<Millis>(a) * kMinute),
                from + static_cast<Millis>(next) * kMinute);
    }
  }
}

TEST(Calendar, AlwaysOpenAndNeverOpen) {
  Calendar always = Calendar::AlwaysOpen();
  Millis t = At("2026-11-26T03:04:05Z");
  EXPECT_EQ(always.name(), "24x7");
  EXPECT_TRUE(always.always_open());
  EXPECT_TRUE(always.IsOpen(t));
  EXPECT_EQ(always.NextOpening(t), t);
  EXPECT_EQ(always.NextClosing(t), std::nullopt);
  EXPECT_EQ(always.AddBusinessTime(t, 90 * kDay), t + 90 * kDay);
  EXPECT_EQ(always.BusinessTimeBetween(t, t + kHour), kHour);
  EXPECT_EQ(always.LocalTime(t).hour, 3);
  EXPECT_EQ(always.LocalTime(t).weekday, Weekday::thu);

  // Open round the clock by its hours: never closes as far as it looks.
  Calendar round = MustMake(Spec("Asia/Shanghai", {"00:00-24:00"}, {"00:00-24:00"}));
  EXPECT_EQ(round.NextClosing(t), std::nullopt);

  Calendar never = MustMake(Spec("Asia/Shanghai", {}));
  EXPECT_FALSE(never.IsOpen(t));
  EXPECT_EQ(never.NextOpening(t), std::nullopt);
  EXPECT_EQ(never.NextClosing(t), std::nullopt);
  EXPECT_EQ(never.AddBusinessTime(t, kHour), std::nullopt);
  EXPECT_EQ(never.BusinessTimeBetween(t, t + 30 * kDay), 0);

  // Only one extra workday, far ahead: found within the search horizon, and nothing after it.
  CalendarSpec once = Spec("Asia/Shanghai", {});
  once.workdays = {{"2027-06-01", {"09:00-10:00"}}};
  Calendar o = MustMake(once);
  EXPECT_EQ(o.NextOpening(t), At("2027-06-01T09:00:00+08:00"));
  EXPECT_EQ(o.NextClosing(t), At("2027-06-01T10:00:00+08:00"));
  EXPECT_EQ(o.AddBusinessTime(t, 2 * kHour), std::nullopt);
  EXPECT_EQ(o.NextOpening(At("2027-06-01T10:00:00+08:00")), std::nullopt);
}

TEST(Calendar, LocalTimeForTellingCustomers) {
  Calendar c = ShanghaiDesk();
  auto next = c.NextOpening(At("2026-11-27T22:00:00+08:00"));
  ASSERT_TRUE(next.has_value());
  LocalDateTime l = c.LocalTime(*next);
  EXPECT_EQ(l.year, 2026);
  EXPECT_EQ(l.month, 11);
  EXPECT_EQ(l.day, 28);
  EXPECT_EQ(l.weekday, Weekday::sat);
  EXPECT_EQ(WeekdayName(l.weekday), "sat");
  EXPECT_EQ(l.hour, 10);
  EXPECT_EQ(l.minute, 0);
  EXPECT_EQ(FormatUtcOffset(l.utc_offset_minutes), "UTC+8");
  EXPECT_EQ(FormatUtcOffset(330), "UTC+5:30");
  EXPECT_EQ(FormatUtcOffset(-570), "UTC-9:30");
  EXPECT_EQ(FormatUtcOffset(0), "UTC");
}

TEST(Calendar, MakeRejectsBadSpecsNamingTheProblem) {
  struct Case {
    const char* what;
    CalendarSpec spec;
    const char* message;
  };
  auto with = [](auto change) {
    CalendarSpec s = Spec("Asia/Shanghai", {"09:00-18:00"});
    s.name = "cs";
    change(s);
    return s;
  };
  std::vector<Case> cases = {
      {"unknown zone", with([](CalendarSpec& s) { s.time_zone = "Asia/Peking"; }),
       "calendars.cs.time_zone: unknown time zone 'Asia/Peking'"},
      {"missing zone", with([](CalendarSpec& s) { s.time_zone.clear(); }),
       "calendars.cs.time_zone: missing"},
      {"bad interval", with([](CalendarSpec& s) { s.week[1] = {"9-18"}; }),
       "calendars.cs.tue: bad interval '9-18' (expected HH:MM-HH:MM)"},
      {"bad minutes", with([](CalendarSpec& s) { s.week[2] = {"09:60-18:00"}; }),
       "calendars.cs.wed: bad interval '09:60-18:00'"},
      {"start 24:00", with([](CalendarSpec& s) { s.week[2] = {"24:00-06:00"}; }),
       "calendars.cs.wed: bad interval '24:00-06:00' (cannot start at 24:00)"},
      {"empty", with([](CalendarSpec& s) { s.week[3] = {"09:00-09:00"}; }),
       "calendars.cs.thu: bad interval '09:00-09:00' (empty"},
      {"overlap", with([](CalendarSpec& s) {
         s.week[0] = {"13:00-18:00", "09:00-13:30"};
       }),
       "calendars.cs.mon: intervals 09:00-13:30 and 13:00-18:00 overlap"},
      {"overnight overlap", with([](CalendarSpec& s) {
         s.week[4] = {"20:00-10:00"};
         s.week[5] = {"09:00-12:00"};
       }),
       "calendars.cs.fri: overnight interval 20:00-10:00 overlaps sat 09:00-12:00"},
      {"bad holiday", with([](CalendarSpec& s) { s.holidays = {"2026-02-30"}; }),
       "calendars.cs.holidays: bad date '2026-02-30' (expected YYYY-MM-DD)"},
      {"bad workday", with([](CalendarSpec& s) {
         s.workdays = {{"2026/10/10", {}}};
       }),
       "calendars.cs.workdays: bad date '2026/10/10'"},
      {"workday hours", with([](CalendarSpec& s) {
         s.workdays = {{"2026-10-10", {"08:00-07:00", "06:00-09:00"}}};
       }),
       "calendars.cs.workdays: 2026-10-10: intervals 06:00-09:00 and 08:00-07:00 overlap"},
      {"both", with([](CalendarSpec& s) {
         s.holidays = {"2026-10-10"};
         s.workdays = {{"2026-10-10", {}}};
       }),
       "calendars.cs.workdays: 2026-10-10 is also listed in holidays"},
      {"twice", with([](CalendarSpec& s) {
         s.workdays = {{"2026-10-10", {}}, {"2026-10-10", {}}};
       }),
       "calendars.cs.workdays: 2026-10-10 is listed twice"},
      {"monday closed", with([](CalendarSpec& s) {
         s.week[0].clear();
         s.workdays = {{"2026-10-10", {}}};
       }),
       "calendars.cs.workdays: 2026-10-10 has no hours and Monday is closed"},
      {"reserved", with([](CalendarSpec& s) { s.name = "24x7"; }),
       "calendars.24x7: the name \"24x7\" is built in"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.what);
    auto c = Calendar::Make(k.spec);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Code::invalid);
    EXPECT_EQ(c.error().message.rfind(k.message, 0), 0u) << c.error().message;
  }
}

TEST(Calendar, ExampleConfigurationBuilds) {
  auto config = LoadConfig(KEFU_SOURCE_DIR "/docs/config.example.toml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  auto calendars = MakeCalendars(config->calendars);
  ASSERT_TRUE(calendars.ok()) << calendars.error().message;
  ASSERT_TRUE(calendars->count(config->bot_calendar));
  const Calendar& desk = calendars->at(config->bot_calendar);
  EXPECT_EQ(desk.time_zone(), "Asia/Shanghai");
  EXPECT_TRUE(calendars->at("24x7").always_open());
  // Spring Festival 2026: closed Feb 15–23, worked Saturday Feb 14 at weekday hours.
  EXPECT_FALSE(desk.IsOpen(At("2026-02-17T12:00:00+08:00")));
  EXPECT_TRUE(desk.IsOpen(At("2026-02-14T20:00:00+08:00")));
  EXPECT_EQ(desk.NextOpening(At("2026-02-14T21:00:00+08:00")), At("2026-02-24T09:00:00+08:00"));
}

}  // namespace
}  // namespace kefu::calendar
