// Keeps the server's bot in step with the knowledge base: after a change to published content it
// retrains the bot on the blocking pool and swaps the new one into Context::bot.
//
// Debounced: each change (re)starts a quiet period; when it ends, one retrain covers every change
// so far. A steady stream of changes still retrains at most 10 quiet periods after the first.
// Changes that arrive during a retrain cause exactly one more once it is done. If the published
// knowledge base becomes empty the bot is removed (the server answers without one).
//
// Runs on the network thread: KbChanged and Stop must be called there.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>

#include "http/api.hpp"

namespace kefu::http {

class BotTrainer {
 public:
  BotTrainer(Context& ctx, std::chrono::milliseconds quiet);

  // The published knowledge base changed (the store has committed it).
  void KbChanged();

  // Also notices changes made by other processes (`kefu kb import` while the server runs): reads
  // the knowledge base's version every `every` and retrains when it moved. Call once at start.
  void Watch(std::chrono::milliseconds every);

  // No more retrains (server shutdown). One already running finishes but is not swapped in.
  void Stop();

  // Retrains that finished (successfully or not), for tests and metrics.
  std::uint64_t completed() const { return completed_; }

 private:
  void Arm();
  void Start();
  void Finished(Result<std::shared_ptr<const bot::Bot>> bot, std::int64_t version);

  Context& ctx_;
  const std::chrono::milliseconds quiet_;
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer watch_timer_;
  std::int64_t seen_version_ = -1;  // the knowledge-base version the bot covers; -1: not read yet
  bool pending_ = false;   // a change waits for its retrain
  bool running_ = false;   // a retrain is on the pool
  bool stopped_ = false;
  std::chrono::steady_clock::time_point first_change_;  // of the pending changes
  std::uint64_t completed_ = 0;
};

}  // namespace kefu::http
