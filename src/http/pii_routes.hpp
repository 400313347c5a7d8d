// What staff see of a customer, and revealing PII (issue 6 item 4, DESIGN.md §4). Staff views
// show e-mail addresses, phone numbers, identity and card numbers masked (json_io.hpp: Pii);
// supervisors and admins may reveal a conversation's customer and messages, or a ticket, as
// written — with a reason, each reveal audited as `pii.reveal`. Internal to the http module.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

// GET /api/v1/conversations/{id}/customer: who the customer is, their identities masked.
boost::asio::awaitable<Response> GetConversationCustomer(Request& req, Context& ctx);
// POST /api/v1/conversations/{id}/reveal: the customer and a page of messages unmasked.
boost::asio::awaitable<Response> RevealConversation(Request& req, Context& ctx);
// POST /api/v1/tickets/{id}/reveal: the ticket and its notes unmasked.
boost::asio::awaitable<Response> RevealTicket(Request& req, Context& ctx);

}  // namespace kefu::http
