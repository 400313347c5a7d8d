// Follow-up tasks (回访, "check again in 24 hours"): REST handlers (/api/v1/tasks…) and the
// "task.due" timer that tells the owner's consoles when a task falls due ({"type":"task.due"}).
// Agents create tasks for themselves (also when transferring, with follow_up_minutes);
// supervisors and admins for anyone. Internal to the http module.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

class Scheduler;

void RegisterTaskTimers(Context& ctx, Scheduler& scheduler);

// Creates a task with its timer and wakes the scheduler; for routes and the workflow.
boost::asio::awaitable<Result<store::Task>> CreateTask(Context& ctx, store::NewTask task);

boost::asio::awaitable<Response> CreateTaskRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListTasksRoute(Request& req, Context& ctx);
boost::asio::awaitable<Response> CompleteTaskRoute(Request& req, Context& ctx);

}  // namespace kefu::http
