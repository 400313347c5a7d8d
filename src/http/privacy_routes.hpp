// REST handlers of data-subject requests (PIPL, GDPR; issue 6 item 8): recording a customer's
// request for their data or its erasure with its legal due date (admins are reminded before it),
// exporting everything held about the customer as JSON, erasing it except what a legal hold or
// the anti-money-laundering retention keeps, and placing or releasing legal holds. Admins only
// (auditors may list requests); every step is audited. Internal to the http module.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

class Scheduler;

// The "dsr.due" timer: a request still open near its due date is announced to staff consoles.
void RegisterPrivacyTimers(Context& ctx, Scheduler& scheduler);

boost::asio::awaitable<Response> CreateDataRequestRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListDataRequestsRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ExportDataRequestRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> EraseDataRequestRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> PlaceLegalHoldRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ReleaseLegalHoldRoute(Request& req, Context& ctx);

}  // namespace kefu::http
