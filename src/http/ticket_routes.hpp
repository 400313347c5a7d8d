// REST handlers of tickets (/api/v1/tickets…, POST /api/v1/conversations/{id}/ticket) and canned
// replies (/api/v1/canned-replies…). Staff with a conversation-handling role (agent,
// supervisor, admin) write and read within their desk scope (docs/adr/0019); customers read their own tickets without
// internal notes. Internal to the http module; routes.cpp puts them in the route table.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"
#include "http/json_io.hpp"
#include "store/tickets.hpp"

namespace kefu::http {

// A ticket as JSON; customers (for_staff false) do not see the desk's working data, staff see
// its PII as `pii` says (json_io.hpp).
void AppendTicket(std::string& out, const store::Ticket& t, bool for_staff, json::Pii pii);
// An internal note (staff only) as JSON.
void AppendNote(std::string& out, const store::TicketNote& n, json::Pii pii);

boost::asio::awaitable<Response> CreateTicket(Request& req, Context& ctx);
boost::asio::awaitable<Response> CreateTicketFromConversation(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListTickets(Request& req, Context& ctx);
boost::asio::awaitable<Response> GetTicket(Request& req, Context& ctx);
boost::asio::awaitable<Response> UpdateTicket(Request& req, Context& ctx);
boost::asio::awaitable<Response> SetTicketStatus(Request& req, Context& ctx);
boost::asio::awaitable<Response> AddTicketNote(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListTicketEvents(Request& req, Context& ctx);
boost::asio::awaitable<Response> MergeTicket(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListCannedReplies(Request& req, Context& ctx);
boost::asio::awaitable<Response> CreateCannedReply(Request& req, Context& ctx);
boost::asio::awaitable<Response> RenderCannedReply(Request& req, Context& ctx);

// Desk scope on a ticket (docs/adr/0019): a customer sees their own (Code::not_found
// otherwise, so ids cannot be probed); staff as domain::MaySeeCase says (Code::forbidden).
Status TicketScope(const Subject& who, const store::Ticket& ticket);
// The same for ticket `id`, loading it (Code::not_found when there is none); an agent who
// handled it before (an event of theirs) still may, unless it is with the security desk.
boost::asio::awaitable<Status> TicketInScope(Context& ctx, const Subject& who, domain::Id id);

}  // namespace kefu::http
