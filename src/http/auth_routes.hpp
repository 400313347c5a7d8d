// REST handlers of staff sign-in (/api/v1/auth/…): login with lockout and TOTP, logout, sign out
// everywhere, the caller's sessions, password change, TOTP enrolment, and an admin revoking a
// staff member's sessions. Internal to the http module; routes.cpp puts them in the route table.
//
// Error codes beyond the generic ones (clients translate them):
//   401 unauthorized (wrong email or password — the same for unknown emails), totp_required,
//   totp_invalid (wrong or replayed code); 429 rate_limited with Retry-After (locked out);
//   400 password_too_short, password_too_long, password_common, password_contains_email.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

boost::asio::awaitable<Response> Login(Request& req, Context& ctx);
boost::asio::awaitable<Response> Logout(Request& req, Context& ctx);
boost::asio::awaitable<Response> LogoutAll(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListMySessions(Request& req, Context& ctx);
boost::asio::awaitable<Response> ChangePassword(Request& req, Context& ctx);
boost::asio::awaitable<Response> StartTotpEnrolment(Request& req, Context& ctx);
boost::asio::awaitable<Response> ConfirmTotpEnrolment(Request& req, Context& ctx);
boost::asio::awaitable<Response> RevokeStaffSessions(Request& req, Context& ctx);
// Staff management (admin writes, supervisors read): GET /api/v1/staff, PATCH /api/v1/staff/{id}
// (role, desk, max_chats, languages, skills, disabled). A change of role, desk or account state
// revokes the member's sessions (they carry the role and desk they signed in with).
boost::asio::awaitable<Response> ListStaffRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> UpdateStaffRoute(Request& req, Context& ctx);
// GET /api/v1/staff/{id}/status-history: a staff member's presence changes, newest first.
boost::asio::awaitable<Response> StaffStatusHistoryRoute(Request& req, Context& ctx);

}  // namespace kefu::http
