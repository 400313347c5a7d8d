// Complaints (投诉) over REST (/api/v1/complaints…) and their timer: intake from the widget
// (customer token, about their own conversation) or recorded by staff from an email or a phone
// call; the acknowledgement and a notice at every status change, written into the customer's
// conversation in their language with times in their time zone; the review deadline
// ("complaint.review" timer: when it passes unreviewed, an event, the ticket's priority raised and
// a frame to supervisors, admins and the complaints desk); the callback (回访) task at resolution
// and its outcome; compensation proposed by an agent and decided by another supervisor (four
// eyes, audited); statistics by category and month as JSON or CSV.
//
// Frames to staff consoles: complaint.created, complaint.updated, complaint.review_overdue,
// compensation.proposed, compensation.decided (each with the complaint or compensation). To the
// customer: complaint.updated with the customer's view, besides the notice messages.
//
// Runs on the network thread. Internal to the http module.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

class Scheduler;

void RegisterComplaintTimers(Context& ctx, Scheduler& scheduler);

boost::asio::awaitable<Response> CreateComplaintRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListComplaintsRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> GetComplaintRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> SetComplaintStatusRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> RecordComplaintCallbackRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListCompensationsRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ProposeCompensationRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ApproveCompensationRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> RejectCompensationRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ComplaintStatsRoute(Request& req, Context& ctx);

}  // namespace kefu::http
