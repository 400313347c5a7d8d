#include "http/scheduler.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>

#include <algorithm>
#include <chrono>
#include <limits>

#include "core/log.hpp"

namespace kefu::http {

namespace asio = boost::asio;
using asio::awaitable;

namespace {
constexpr int kBatch = 200;
// The loop looks again at least this often even when nothing is due sooner, so that a wall
// clock that jumps (NTP) cannot delay a timer by more than this.
constexpr Millis kMaxSleepMs = 60'000;
constexpr Millis kBackoffMs = 1'000;
constexpr Millis kAwake = std::numeric_limits<Millis>::max();  // wake_at_ while running: every Poke counts
}  // namespace

Scheduler::Scheduler(Context& ctx) : ctx_(ctx), wake_(ctx.io), idle_(ctx.io) {}

void Scheduler::On(std::string kind, Handler handler) { handlers_[std::move(kind)] = std::move(handler); }

void Scheduler::Start() { asio::co_spawn(ctx_.io, Loop(), asio::detached); }

void Scheduler::Stop() {
  stopped_ = true;
  wake_.cancel();
}

void Scheduler::Poke(Millis due_at) {
  if (due_at > wake_at_) return;  // the loop wakes by then anyway (or the test clock moves)
  poked_ = true;
  wake_.cancel();
}

awaitable<Status> Scheduler::Discard(const store::Timer& timer) {
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = Clock::System().Now();
  auto fired = co_await Fire(std::move(f));
  co_return fired.ok() ? Ok() : Unfired(std::move(fired).error());
}

Status Scheduler::Unfired(Error error) {
  return error.code == Code::conflict ? Ok() : Status(std::move(error));
}

awaitable<Result<store::FiredTimer>> Scheduler::Fire(store::TimerFiring firing) {
  auto submit = [this, firing = std::move(firing)](store::Callback<store::FiredTimer> done) mutable {
    ctx_.store.FireTimer(std::move(firing), std::move(done));
  };
  co_return co_await Write<store::FiredTimer>(std::move(submit));
}

awaitable<int> Scheduler::RunDue() {
  int fired = 0;
  for (;;) {
    const Millis now = Clock::System().Now();
    auto load = [this, now] { return ctx_.store.DueTimers(now, kBatch); };
    auto due = co_await Blocking(ctx_, std::move(load));
    if (!due.ok()) {
      log::Error("timers.load_failed", {{"error", due.error().message}});
      failing_ = true;
      co_return fired;
    }
    for (store::Timer& timer : *due) {
      auto it = handlers_.find(timer.kind);
      if (it == handlers_.end()) {
        // A kind this version does not know (written by a newer one?): fire it empty rather
        // than spin on it, and say so.
        log::Warn("timers.unknown_kind", {{"kind", timer.kind}, {"timer_id", timer.id}});
        if (auto st = co_await Discard(timer); !st.ok()) {
          failing_ = true;
          co_return fired;
        }
      } else {
        const Status st = co_await it->second(std::move(timer));
        if (!st.ok()) {
          // Left pending; the loop backs off rather than spin on a failing write.
          log::Error("timers.fire_failed", {{"kind", it->first}, {"error", st.error().message}});
          failing_ = true;
          co_return fired;
        }
      }
      ++fired;
    }
    if (static_cast<int>(due->size()) < kBatch) co_return fired;
  }
}

awaitable<int> Scheduler::Settle() {
  // Waiters only wait: the run in progress armed idle_ and cancels it when done, waking them all
  // (re-arming here would cancel the other waiters' waits and make them spin).
  while (running_) {
    boost::system::error_code ec;
    co_await idle_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  running_ = true;
  idle_.expires_at(asio::steady_timer::time_point::max());
  int total = 0;
  for (;;) {
    poked_ = false;
    const int n = co_await RunDue();
    total += n;
    if (n == 0 && !poked_) break;
  }
  running_ = false;
  idle_.cancel();
  co_return total;
}

awaitable<void> Scheduler::Loop() {
  while (!stopped_) {
    failing_ = false;
    co_await Settle();
    if (stopped_) break;
    Millis sleep = kMaxSleepMs;
    if (ctx_.test_clock) {
      sleep = -1;  // only Poke (a scheduled timer, a moved test clock) wakes the loop
    } else {
      auto next_fn = [this] { return ctx_.store.NextTimerDue(); };
      auto next = co_await Blocking(ctx_, std::move(next_fn));
      if (next.ok() && next->has_value()) sleep = std::clamp<Millis>(**next - Clock::System().Now(), 0, kMaxSleepMs);
    }
    if (failing_) sleep = std::max<Millis>(sleep, kBackoffMs);
    if (poked_ && !failing_) continue;
    const Millis now = Clock::System().Now();
    wake_at_ = sleep < 0 ? now : now + sleep;
    wake_.expires_at(sleep < 0 ? asio::steady_timer::time_point::max()
                               : asio::steady_timer::clock_type::now() + std::chrono::milliseconds(sleep));
    boost::system::error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    wake_at_ = kAwake;
  }
}

}  // namespace kefu::http
