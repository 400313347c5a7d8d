// Process counters exposed at GET /metrics in the Prometheus text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace kefu::http {

struct Metrics {
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> http_errors_4xx{0};
  std::atomic<std::uint64_t> http_errors_5xx{0};
  std::atomic<std::uint64_t> ws_connections_opened{0};
  std::atomic<std::int64_t> ws_connections_open{0};
  std::atomic<std::uint64_t> ws_frames_received{0};
  std::atomic<std::uint64_t> ws_errors_sent{0};
  std::atomic<std::uint64_t> messages_persisted{0};
  std::atomic<std::uint64_t> messages_duplicate{0};
  std::atomic<std::uint64_t> store_write_failures{0};
  std::atomic<std::uint64_t> bot_retrains{0};         // after knowledge-base changes, finished
  std::atomic<std::uint64_t> bot_retrain_failures{0};

  std::string Render() const;
};

}  // namespace kefu::http
