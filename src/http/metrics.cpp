#include "http/metrics.hpp"

namespace kefu::http {

std::string Metrics::Render() const {
  std::string out;
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += " counter\n";
    out += name;
    out += ' ' + std::to_string(v) + '\n';
  };
  counter("kefu_http_requests_total", "HTTP requests answered.", http_requests);
  counter("kefu_http_client_errors_total", "HTTP requests answered with 4xx.", http_errors_4xx);
  counter("kefu_http_server_errors_total", "HTTP requests answered with 5xx.", http_errors_5xx);
  counter("kefu_ws_connections_opened_total", "WebSocket connections accepted.", ws_connections_opened);
  counter("kefu_ws_frames_received_total", "WebSocket messages received.", ws_frames_received);
  counter("kefu_ws_errors_sent_total", "WebSocket error frames sent.", ws_errors_sent);
  counter("kefu_messages_persisted_total", "Chat messages committed to the store.", messages_persisted);
  counter("kefu_messages_duplicate_total", "Resent messages answered from the store (same client_id).",
          messages_duplicate);
  counter("kefu_store_write_failures_total", "Store writes that failed.", store_write_failures);
  counter("kefu_bot_retrains_total", "Bot retrains after knowledge-base changes (finished).", bot_retrains);
  counter("kefu_bot_retrain_failures_total", "Bot retrains that failed (the previous bot kept answering).",
          bot_retrain_failures);
  out += "# HELP kefu_ws_connections WebSocket connections open now.\n# TYPE kefu_ws_connections gauge\n";
  out += "kefu_ws_connections " + std::to_string(ws_connections_open.load()) + "\n";
  return out;
}

}  // namespace kefu::http
