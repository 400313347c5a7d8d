// The security desk's webhook: when a case reaches the security desk (a bot handoff or a desk
// transfer to it, a ticket created on it) kefu calls the operator's backend so that it can freeze
// or look up the account at once. Scheme and body: docs/webhooks.md.
//
// Delivery is an outbox (store.hpp: WebhookDelivery) written in the transaction of the routing
// change. Each attempt is a durable "webhook.delivery" timer firing: the firing counts the attempt
// and arms the next one (exponential back-off, capped) in one transaction, then the request goes
// out asynchronously on the network thread, so a receiver that hangs delays nothing else. A 2xx
// answer is recorded with the pending retry cancelled (nothing is sent after a recorded success);
// a crash between the receiver's answer and that record means one more delivery with the same
// X-Kefu-Delivery id (at least once). After max_attempts the delivery is given up with a
// "webhook.failed" event and a frame to the staff consoles.
//
// Runs on the network thread. Internal to the http module.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string>
#include <unordered_set>

#include "http/api.hpp"

namespace kefu::http {

class Scheduler;

class SecurityWebhook {
 public:
  explicit SecurityWebhook(Context& ctx) : ctx_(ctx) {}

  // Parses [security] webhook_url; Code::invalid for a URL it cannot call. Before serving.
  Status Configure();
  void RegisterTimers(Scheduler& scheduler);

  // Whether the webhook is configured (routing changes then write deliveries).
  bool enabled() const { return !host_.empty(); }

  // The body of a delivery, exactly as signed and sent.
  static std::string Body(const store::WebhookDelivery& d);
  // Delay before the attempt after `attempts` attempts: retry_ms · 2^(attempts-1), at most cap_ms.
  static Millis Backoff(int attempts, Millis retry_ms, Millis cap_ms);

 private:
  boost::asio::awaitable<Status> Attempt(store::Timer timer);
  boost::asio::awaitable<void> Send(store::WebhookDelivery d);
  // One HTTP POST; empty on a 2xx answer, else what went wrong.
  boost::asio::awaitable<std::string> Post(const store::WebhookDelivery& d, const std::string& body);

  Context& ctx_;
  Scheduler* scheduler_ = nullptr;
  std::string host_, port_, target_, host_header_;
  std::unordered_set<domain::Id> inflight_;  // deliveries with an attempt awaiting its answer
};

// GET /api/v1/webhooks/security/deliveries (supervisors, admins): the outbox, newest first.
boost::asio::awaitable<Response> ListSecurityWebhookDeliveries(Request& req, Context& ctx);

}  // namespace kefu::http
