#include "http/bot_trainer.hpp"

#include <boost/asio/post.hpp>

#include "core/log.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

BotTrainer::BotTrainer(Context& ctx, std::chrono::milliseconds quiet)
    : ctx_(ctx), quiet_(quiet), timer_(ctx.io), watch_timer_(ctx.io) {}

void BotTrainer::Watch(std::chrono::milliseconds every) {
  if (stopped_) return;
  // A tiny read on the pool; the answer comes back to the network thread.
  asio::post(ctx_.pool, [this, every] {
    auto version = ctx_.store.KbVersion();
    asio::post(ctx_.io, [this, every, version = std::move(version)] {
      if (stopped_) return;
      if (version.ok() && *version != seen_version_) {
        if (seen_version_ >= 0 && !running_ && !pending_) {
          // Another process (kefu kb import) changed the knowledge base.
          log::Info("bot.kb_changed_elsewhere", {{"kb_version", *version}});
          KbChanged();
        }
        if (seen_version_ < 0) seen_version_ = *version;
      }
      watch_timer_.expires_after(every);
      watch_timer_.async_wait([this, every](const boost::system::error_code& ec) {
        if (!ec) Watch(every);
      });
    });
  });
}

void BotTrainer::KbChanged() {
  if (stopped_) return;
  if (!pending_) {
    pending_ = true;
    first_change_ = Clock::now();
  }
  if (!running_) Arm();  // else Finished() arms once the running retrain is done
}

void BotTrainer::Stop() {
  stopped_ = true;
  timer_.cancel();
  watch_timer_.cancel();
}

void BotTrainer::Arm() {
  // Restarting the timer cancels the previous wait: only the last change's wait fires.
  timer_.expires_at(std::min(Clock::now() + quiet_, first_change_ + 10 * quiet_));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_ || running_ || !pending_) return;
    Start();
  });
}

void BotTrainer::Start() {
  pending_ = false;
  running_ = true;
  // Training is CPU-bound (up to seconds for a large knowledge base): the blocking pool, never
  // the network thread. The result comes back to the network thread.
  asio::post(ctx_.pool, [this] {
    Result<std::shared_ptr<const bot::Bot>> bot = MakeError(Code::internal, "retrain did not run");
    // The version read before loading is one the new bot covers (it may cover later ones too).
    auto read = ctx_.store.KbVersion();
    const std::int64_t version = read.ok() ? *read : -1;
    try {
      bot = bot::Bot::Load(ctx_.store);
    } catch (const std::exception& e) {
      bot = MakeError(Code::internal, std::string("retrain crashed: ") + e.what());
    }
    asio::post(ctx_.io, [this, version, bot = std::move(bot)]() mutable { Finished(std::move(bot), version); });
  });
}

void BotTrainer::Finished(Result<std::shared_ptr<const bot::Bot>> bot, std::int64_t version) {
  running_ = false;
  if (version > seen_version_) seen_version_ = version;
  ++completed_;
  ctx_.metrics.bot_retrains++;
  if (stopped_) return;
  if (bot.ok()) {
    ctx_.bot.Set(std::move(bot).value());
    log::Info("bot.swapped", {});
  } else if (bot.error().code == Code::not_found) {
    // Nothing is published any more: no bot rather than one answering from withdrawn articles.
    ctx_.bot.Set(nullptr);
    log::Info("bot.unavailable", {{"reason", bot.error().message}});
  } else {
    ctx_.metrics.bot_retrain_failures++;
    log::Warn("bot.retrain_failed", {{"error", bot.error().message}});
  }
  if (pending_) Arm();
}

}  // namespace kefu::http
