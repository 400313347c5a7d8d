// Who a widget visitor is, and whether a channel is really the operator's (issue 6 items 6–7).
//
//  * POST /api/v1/widget/sessions — a customer session: anonymous (an unguessable visitor id to
//    resume with), or vouched for by the operator's backend with a signed identity
//    (auth/widget_identity.hpp) that maps to one customer on every device. A bad identity is
//    refused with 401 and a specific code; it never falls back to an anonymous session.
//  * GET /api/v1/verify — public: is this agent id, phone number, email address, WeChat or
//    Telegram account official? Rate limited per client address; never reveals staff emails.
//  * GET /verify — the same as a server-rendered page in zh-CN, en or es, without scripts.
// Internal to the http module; routes.cpp puts them in the route table.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

boost::asio::awaitable<Response> CreateWidgetSession(Request& req, Context& ctx);
boost::asio::awaitable<Response> VerifyChannel(Request& req, Context& ctx);
boost::asio::awaitable<Response> VerifyPage(Request& req, Context& ctx);

// Lookups allowed per client address: a burst, then one every this many milliseconds.
inline constexpr int kVerifyBurst = 30;
inline constexpr int kVerifyRefillMs = 2000;

}  // namespace kefu::http
