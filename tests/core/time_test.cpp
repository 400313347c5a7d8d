#include "core/time.hpp"

#include <gtest/gtest.h>

namespace kefu {
namespace {

TEST(Rfc3339, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1795722715123), "2026-11-26T19:51:55.123Z");
  EXPECT_EQ(FormatRfc3339(951782400000), "2000-02-29T00:00:00.000Z");  // leap day
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(253402300799999), "9999-12-31T23:59:59.999Z");  // the last 4-digit year
  EXPECT_EQ(FormatRfc3339(253402300800000), "10000-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(-62135596800000), "0001-01-01T00:00:00.000Z");
  for (Millis t : {Millis{0}, Millis{1795722715123}, Millis{-1}, Millis{86399999}, Millis{4102444800007}}) {
    SCOPED_TRACE(t);
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(t)), t);
  }
}

// Found by tests/fuzz/rfc3339: a leap second or an offset at either end of the four-digit years
// parsed to an instant that FormatRfc3339 writes as "10000-…" or "-001-…", which no longer parses.
TEST(Rfc3339, ParsesOnlyInstantsItCanFormatBack) {
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:60z").has_value());
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59-00:01").has_value());
  EXPECT_FALSE(ParseRfc3339("0000-01-01T00:00:00+00:01").has_value());
  for (const char* edge : {"9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z"}) {
    auto t = ParseRfc3339(edge);
    ASSERT_TRUE(t.has_value()) << edge;
    EXPECT_EQ(FormatRfc3339(*t), edge);
  }
}

TEST(Rfc3339, ParsesZonesAndRejectsGarbage) {
  EXPECT_EQ(ParseRfc3339("2026-11-26T19:51:55.123Z"), 1795722715123);
  EXPECT_EQ(ParseRfc3339("2026-11-27T03:51:55.123+08:00"), 1795722715123);
  EXPECT_EQ(ParseRfc3339("2026-11-26T19:51:55Z"), 1795722715000);
  for (const char* bad : {"", "2026-11-26", "2026-13-01T00:00:00Z", "2026-11-26T19:51:55", "2026-11-26T19:51:55Zx"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ParseRfc3339(bad).has_value());
  }
}

}  // namespace
}  // namespace kefu
