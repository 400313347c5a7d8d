// Time in kefu: instants are UTC milliseconds since the Unix epoch, everywhere (store, events,
// wire). Conversion to a user's zone happens only at the edge that shows it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kefu {

using Millis = std::int64_t;  // UTC milliseconds since 1970-01-01T00:00:00Z

// A source of the current time; tests inject a controllable one.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis Now() const = 0;
  // The process-wide wall clock.
  static const Clock& System();
};

// A clock that only moves when told to. Not thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start) : now_(start) {}
  Millis Now() const override { return now_; }
  void Advance(Millis by) { now_ += by; }
  void Set(Millis to) { now_ = to; }

 private:
  Millis now_;
};

// Formats as RFC 3339 UTC with milliseconds: "2026-11-26T19:51:55.123Z".
std::string FormatRfc3339(Millis t);

// Parses RFC 3339 ("…Z" or "…+08:00", fraction optional). nullopt when malformed.
std::optional<Millis> ParseRfc3339(std::string_view s);

}  // namespace kefu
