// A business calendar as written in the configuration: plain strings, not yet validated. core keeps
// it (config.hpp fills it from TOML) and the calendar module turns it into a calendar::Calendar,
// which is where every value is checked; core never depends on calendar.
#pragma once

#include <array>
#include <string>
#include <vector>

namespace kefu {

// A date worked although it would otherwise be closed (China's 调休: a weekend date worked in
// exchange for a longer public holiday).
struct ExtraWorkday {
  std::string date;                // local date, "YYYY-MM-DD"
  std::vector<std::string> hours;  // intervals as in CalendarSpec::week; empty: Monday's hours
};

struct CalendarSpec {
  // The calendar's name; errors begin with "calendars.<name>" so they point at the config key.
  std::string name;
  // IANA time zone ("Asia/Shanghai"); every hour and date below is local to it.
  std::string time_zone;
  // Opening hours per weekday, [0] = Monday … [6] = Sunday, each "HH:MM-HH:MM". An end of "24:00"
  // is midnight; an end at or before the start runs into the next day ("22:00-06:00"). An
  // interval belongs to the day it starts on. No intervals: closed that day.
  std::array<std::vector<std::string>, 7> week;
  // Local dates closed all day ("YYYY-MM-DD"). A holiday drops the intervals that start on it;
  // an overnight interval from the day before still runs to its end.
  std::vector<std::string> holidays;
  // Local dates worked with the given hours instead of the weekday's.
  std::vector<ExtraWorkday> workdays;
};

}  // namespace kefu
