// REST handler of the audit log (GET /api/v1/audit): auditors and admins read it, newest first,
// filtered by action, actor and time. Internal to the http module; routes.cpp puts it in the
// route table. Writing is not a route: entries are recorded by the changes themselves.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

boost::asio::awaitable<Response> ListAudit(Request& req, Context& ctx);

}  // namespace kefu::http
