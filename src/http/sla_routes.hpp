// REST handlers of SLAs: policies (/api/v1/sla-policies…: every staff member reads, supervisors
// and admins write), a ticket's clocks (GET /api/v1/tickets/{id}/sla) and the breach list
// (GET /api/v1/sla/breaches). Internal to the http module; routes.cpp puts them in the table.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

boost::asio::awaitable<Response> ListSlaPolicies(Request& req, Context& ctx);
boost::asio::awaitable<Response> CreateSlaPolicy(Request& req, Context& ctx);
boost::asio::awaitable<Response> ReplaceSlaPolicy(Request& req, Context& ctx);
boost::asio::awaitable<Response> GetTicketSla(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListSlaBreaches(Request& req, Context& ctx);

}  // namespace kefu::http
