// The start of a REST write on one object, shared by the handlers: who calls, the path's {id}
// and the JSON body. Internal to the http module.
#pragma once

#include <boost/json/object.hpp>

#include "http/api.hpp"

namespace kefu::http {

struct ObjectCall {
  Subject who;
  domain::Id id = 0;
  boost::json::object body;
};

// Fails with the first problem: no caller (401), a bad {id} ("<what> not found"), a body that is
// not a JSON object (400; an empty body reads as {} when `empty_ok`).
boost::asio::awaitable<Result<ObjectCall>> ReadObjectCall(Request& req, Context& ctx, std::string_view what = {},
                                                          bool empty_ok = false);

}  // namespace kefu::http
