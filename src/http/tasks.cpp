#include "http/tasks.hpp"

#include "core/log.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/scheduler.hpp"

namespace kefu::http {

using boost::asio::awaitable;
using domain::Id;

namespace {

constexpr Millis kMinuteMs = 60'000;
constexpr Millis kMaxAheadMs = 366LL * 24 * 3600 * 1000;
constexpr size_t kMaxNoteChars = 1000;

bool Manages(const Subject& s) { return s.role == domain::Role::supervisor || s.role == domain::Role::admin; }

void AppendTask(std::string& out, const store::Task& t) {
  out += "{\"id\":" + std::to_string(t.id) + ",\"owner_id\":" + std::to_string(t.owner_id) + ",\"conversation_id\":";
  out += t.conversation_id ? std::to_string(t.conversation_id) : "null";
  out += ",\"ticket_id\":";
  out += t.ticket_id ? std::to_string(t.ticket_id) : "null";
  out += ",\"note\":";
  AppendJsonString(out, json::PiiText(t.note, json::Pii::masked));  // staff read PII masked
  out += ",\"due_at\":\"" + FormatRfc3339(t.due_at) + "\",\"state\":\"" + t.state + "\",\"overdue\":";
  out += t.fired_at && t.state == "open" ? "true" : "false";
  out += ",\"created_at\":\"" + FormatRfc3339(t.created_at) + "\"";
  if (t.done_at) out += ",\"done_at\":\"" + FormatRfc3339(t.done_at) + "\"";
  out += '}';
}

awaitable<Status> TaskDue(Context& ctx, store::Timer timer) {
  auto load = [&ctx, id = timer.ref_id] { return ctx.store.GetTask(id); };
  auto task = co_await Blocking(ctx, std::move(load));
  if (!task.ok() || task->state != "open") co_return co_await ctx.scheduler->Discard(timer);
  store::TimerFiring f;
  f.timer_id = timer.id;
  f.at = Clock::System().Now();
  f.task_fired = task->id;
  auto fired = co_await ctx.scheduler->Fire(std::move(f));
  if (!fired.ok()) co_return Scheduler::Unfired(std::move(fired).error());
  task->fired_at = f.at;
  std::string frame = "{\"type\":\"task.due\",\"task\":";
  AppendTask(frame, *task);
  frame += '}';
  ctx.hub.NotifyStaffMember(task->owner_id, frame);
  log::Info("task.due", {{"task_id", task->id}, {"owner_id", task->owner_id}});
  co_return Ok();
}

}  // namespace

void RegisterTaskTimers(Context& ctx, Scheduler& scheduler) {
  auto due = [&ctx](store::Timer t) { return TaskDue(ctx, std::move(t)); };
  scheduler.On("task.due", std::move(due));
}

awaitable<Result<store::Task>> CreateTask(Context& ctx, store::NewTask task) {
  const Millis due = task.due_at;
  auto submit = [&ctx, task = std::move(task)](store::Callback<store::Task> done) mutable {
    ctx.store.CreateTask(std::move(task), std::move(done));
  };
  auto created = co_await Write<store::Task>(std::move(submit));
  if (created.ok()) ctx.scheduler->Poke(due);
  co_return created;
}

awaitable<Response> CreateTaskRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto note = json::OptString(*body, "note");
  auto in = json::OptInt(*body, "due_in_minutes");
  auto at = json::OptString(*body, "due_at");
  auto owner = json::OptInt(*body, "owner_id");
  auto conversation = json::OptInt(*body, "conversation_id");
  auto ticket = json::OptInt(*body, "ticket_id");
  for (const Status& st : {note.ok() ? Ok() : Status(note.error()), in.ok() ? Ok() : Status(in.error()),
                           at.ok() ? Ok() : Status(at.error()), owner.ok() ? Ok() : Status(owner.error()),
                           conversation.ok() ? Ok() : Status(conversation.error()),
                           ticket.ok() ? Ok() : Status(ticket.error())})
    if (!st.ok()) co_return Response::Fail(st.error());
  store::NewTask t;
  t.note = std::string(Trim(note->value_or("")));
  if (t.note.empty() || CountCodePoints(t.note) > kMaxNoteChars)
    co_return Response::Fail(Invalid("'note' must be 1 to 1000 characters"));
  t.at = Clock::System().Now();
  if (*in && !*at) {
    if (**in < 1 || **in * kMinuteMs > kMaxAheadMs)
      co_return Response::Fail(Invalid("'due_in_minutes' must be between 1 and a year"));
    t.due_at = t.at + **in * kMinuteMs;
  } else if (*at && !*in) {
    auto parsed = ParseRfc3339(**at);
    if (!parsed || *parsed <= t.at || *parsed - t.at > kMaxAheadMs)
      co_return Response::Fail(Invalid("'due_at' must be an RFC 3339 time in the coming year"));
    t.due_at = *parsed;
  } else {
    co_return Response::Fail(Invalid("give exactly one of 'due_in_minutes' and 'due_at'"));
  }
  t.owner_id = owner->value_or(who->id);
  if (t.owner_id != who->id && !Manages(*who))
    co_return Response::Fail(MakeError(Code::forbidden, "only supervisors and admins give tasks to others"));
  t.conversation_id = conversation->value_or(0);
  t.ticket_id = ticket->value_or(0);
  t.created_by = who->id;
  auto created = co_await CreateTask(ctx, std::move(t));
  if (!created.ok()) co_return Response::Fail(created.error());
  std::string out;
  AppendTask(out, *created);
  Response res = Response::Json(201, std::move(out));
  res.headers.emplace_back("Location", "/api/v1/tasks/" + std::to_string(created->id));
  co_return res;
}

awaitable<Response> ListTasksRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto limit = LimitParam(req, 50, 200);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  std::string state = req.Query("state").value_or("open");
  if (state != "open" && state != "done" && state != "cancelled")
    co_return Response::Fail(Invalid("'state' must be open, done or cancelled"));
  Id owner = who->id;
  if (auto o = req.Query("owner_id")) {
    auto v = ParseInt(*o);
    if (!v || *v <= 0) co_return Response::Fail(Invalid("'owner_id' must be a staff id"));
    if (*v != who->id && !Manages(*who))
      co_return Response::Fail(MakeError(Code::forbidden, "only supervisors and admins see others' tasks"));
    owner = *v;
  }
  auto load = [&ctx, owner, state, limit = *limit] { return ctx.store.ListTasks(owner, state, limit); };
  auto tasks = co_await Blocking(ctx, std::move(load));
  if (!tasks.ok()) co_return Response::Fail(tasks.error());
  std::string out = "{\"tasks\":";
  json::AppendArray(out, *tasks, AppendTask);
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> CompleteTaskRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "task");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto load = [&ctx, id = *id] { return ctx.store.GetTask(id); };
  auto task = co_await Blocking(ctx, std::move(load));
  if (!task.ok()) co_return Response::Fail(task.error());
  if (task->owner_id != who->id && !Manages(*who))
    co_return Response::Fail(MakeError(Code::forbidden, "only the task's owner, supervisors and admins complete it"));
  auto submit = [&ctx, id = *id, actor = who->actor(), at = Clock::System().Now()](
                    store::Callback<store::Task> done) { ctx.store.CompleteTask(id, actor, at, std::move(done)); };
  auto done = co_await Write<store::Task>(std::move(submit));
  if (!done.ok()) co_return Response::Fail(done.error());
  std::string out;
  AppendTask(out, *done);
  co_return Response::Json(200, std::move(out));
}

}  // namespace kefu::http
