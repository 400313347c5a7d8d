// Fires the store's durable timers when they fall due (store::Timer): SLA checkpoints, CSAT
// reminders, auto-close of idle conversations, follow-ups. Each kind has one handler, which
// decides the timer's effect and writes it with Store::FireTimer — the effect and "fired" commit
// together, so a timer fires exactly once even across crashes and restarts (a timer that fell due
// while the server was down fires at start).
//
// Time comes from Clock::System(). With the server's test clock the scheduler never sleeps on
// its own: tests move the clock (POST /api/v1/test/clock) and Settle() fires what fell due.
//
// Runs on the network thread; On() before Start(), everything else there too.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <limits>
#include <string>
#include <unordered_map>

#include "http/api.hpp"

namespace kefu::http {

class Scheduler {
 public:
  // Writes the timer's effect with Fire (Code::conflict there means it was fired or cancelled
  // meanwhile: not an error, answer Ok). A handler that finds nothing to do still fires the
  // timer, empty (Discard). An error leaves the timer pending; the scheduler retries later.
  using Handler = std::function<boost::asio::awaitable<Status>(store::Timer)>;

  explicit Scheduler(Context& ctx);

  void On(std::string kind, Handler handler);
  void Start();
  void Stop();

  // A timer due at `due_at` was scheduled: look again if that is sooner than the loop's wake-up.
  void Poke(Millis due_at);

  // Fires everything due now, including timers that firing made due, and returns once done
  // (waiting for a run already in progress first). Answers how many fired.
  boost::asio::awaitable<int> Settle();

  // Writes a firing (the timer's effect); resumes after the commit.
  boost::asio::awaitable<Result<store::FiredTimer>> Fire(store::TimerFiring firing);
  // What a handler answers when Fire failed: Ok for Code::conflict (fired or cancelled meanwhile,
  // nothing left to do), the error otherwise (the timer stays pending and is retried).
  static Status Unfired(Error error);
  // Fires `timer` with an empty effect, for handlers with nothing to do (conflict counts as done).
  boost::asio::awaitable<Status> Discard(const store::Timer& timer);

 private:
  boost::asio::awaitable<void> Loop();
  boost::asio::awaitable<int> RunDue();

  Context& ctx_;
  std::unordered_map<std::string, Handler> handlers_;
  boost::asio::steady_timer wake_;  // the loop sleeps on it; Poke cancels it
  boost::asio::steady_timer idle_;  // Settle waits on it while a run is in progress
  // When the sleeping loop wakes by itself (on the test clock: the time it fell asleep at);
  // the maximum while it is awake.
  Millis wake_at_ = std::numeric_limits<Millis>::max();
  bool running_ = false;
  bool poked_ = false;
  bool stopped_ = false;
  bool failing_ = false;  // the last run hit an error other than a conflict: back off
};

}  // namespace kefu::http
