// Time in kefu: instants are UTC milliseconds since the Unix epoch, everywhere (store, events,
// wire). Conversion to a user's zone happens only at the edge that shows it.
#pragma once

#include <atomic>
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
  // The process-wide clock: the wall clock, unless a test clock was installed at start.
  static const Clock& System();
  // Makes System() answer from `clock` from now on (the server's --test-clock). Call once at
  // start, before other threads read the time; `clock` must outlive the process's use of it.
  static void Install(const Clock& clock);
};

// A clock that stands still until told to move; thread-safe. The server's test clock: tests
// move time forward over HTTP instead of sleeping (every timer then fires as if time had passed).
class SettableClock final : public Clock {
 public:
  explicit SettableClock(Millis start) : now_(start) {}
  Millis Now() const override { return now_.load(std::memory_order_acquire); }
  void Set(Millis to) { now_.store(to, std::memory_order_release); }

 private:
  std::atomic<Millis> now_;
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
