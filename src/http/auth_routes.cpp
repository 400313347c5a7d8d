#include "http/auth_routes.hpp"

#include <boost/json/object.hpp>
#include <algorithm>
#include <cstdio>
#include <map>

#include "auth/password.hpp"
#include "auth/totp.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"
#include "http/object_call.hpp"
#include "http/staff_auth.hpp"
#include "http/workflow.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;
using domain::Id;

namespace {

constexpr std::string_view kTotpIssuer = "kefu";
constexpr size_t kMaxUserAgent = 256;

Response Fail(int status, std::string_view code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":";
  AppendJsonString(out, code);
  out += ",\"message\":";
  AppendJsonString(out, message);
  out += "}}";
  return Response::Json(status, std::move(out));
}

// Appends a sign-in event to the audit log (docs/adr/0008) and waits for its commit. A failed
// audit write is logged and does not undo what happened (the change is already durable).
awaitable<void> Audit(Context& ctx, std::string action, domain::Actor actor, Id staff_id, const Request& req,
                      std::string extra = {}) {
  std::string details = "{\"ip\":";
  AppendJsonString(details, req.remote_ip);
  details += extra;
  details += '}';
  store::AuditRecord record{Clock::System().Now(), actor, std::move(action),
                            staff_id ? "staff:" + std::to_string(staff_id) : std::string(), std::move(details)};
  auto written = co_await WriteAudit(ctx, std::move(record));
  if (!written.ok()) log::Error("audit.write_failed", {{"rid", req.rid}, {"error", written.error().message}});
}

constexpr domain::Actor kSystem{domain::ActorType::system, 0};
domain::Actor StaffActor(Id id) { return {domain::ActorType::staff, id}; }

Response WrongCredentials() { return Fail(401, "unauthorized", "wrong email or password"); }

Response LockedOut(Millis remaining) {
  Response r = Fail(429, "rate_limited", "too many failed sign-ins; try again later");
  r.headers.emplace_back("Retry-After", std::to_string(auth::RetryAfterSeconds(remaining)));
  return r;
}

Response PasswordRefused(auth::PasswordProblem problem) {
  return Fail(400, auth::PasswordProblemCode(problem), auth::PasswordProblemMessage(problem));
}

// "totp" may come as a string or, by clients that forget leading zeros, as a number.
Result<std::optional<std::string>> TotpField(const boost::json::object& body,
                                             std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || it->value().is_null()) return std::optional<std::string>();
  if (it->value().is_string())
    return std::optional<std::string>(std::string(Trim(it->value().as_string())));
  if (it->value().is_int64() && it->value().as_int64() >= 0 && it->value().as_int64() < 1'000'000) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06lld", static_cast<long long>(it->value().as_int64()));
    return std::optional<std::string>(std::string(buf));
  }
  return MakeError(Code::invalid, "'" + std::string(key) + "' must be a string of 6 digits");
}

std::string SessionHash(const Request& req) {
  return auth::HashSessionToken(BearerToken(req.authorization));
}

void AppendSession(std::string& out, const auth::StaffSession& s, bool current) {
  out += "{\"id\":";
  // The public id of a session: a prefix of its hash's hex (never the token).
  AppendJsonString(out, HexEncode(std::string_view(s.token_hash).substr(0, 8)));
  out += ",\"created_at\":";
  AppendJsonString(out, FormatRfc3339(s.created_at));
  out += ",\"expires_at\":";
  AppendJsonString(out, FormatRfc3339(s.expires_at));
  out += ",\"last_used_at\":";
  AppendJsonString(out, FormatRfc3339(s.last_used_at));
  out += ",\"ip\":";
  AppendJsonString(out, s.ip);
  out += ",\"user_agent\":";
  AppendJsonString(out, s.user_agent);
  out += current ? ",\"current\":true}" : ",\"current\":false}";
}

// Counts one failed sign-in under `key`; answers the lock it imposes from now (0: none).
awaitable<Millis> CountFailure(Context& ctx, std::string key, Millis now) {
  auth::LockoutPolicy policy = ctx.staff_auth->lockout();
  auto change = [now, policy](const store::LoginLockout& before) {
    auth::LockoutState s{before.failures, before.locked_until, before.last_failure_at};
    auth::LockoutState after = auth::AfterFailure(s, now, policy);
    return store::LoginLockout{after.failures, after.locked_until, after.last_failure_at};
  };
  auto submit = [&ctx, key = std::move(key),
                 change](store::Callback<store::LoginLockout> done) mutable {
    ctx.store.UpdateLoginLockout(std::move(key), std::move(change), std::move(done));
  };
  auto state = co_await Write<store::LoginLockout>(std::move(submit));
  if (!state.ok()) co_return 0;
  co_return state->locked_until > now ? state->locked_until - now : 0;
}

// Opens a session for `staff`: stored first, then put in the table. Answers the token.
awaitable<Result<std::string>> OpenSession(Context& ctx, const store::Staff& staff,
                                           const Request& req) {
  std::string token = auth::NewSessionToken();
  store::StaffSessionRecord rec;
  rec.token_hash = auth::HashSessionToken(token);
  rec.staff_id = staff.id;
  rec.created_at = Clock::System().Now();
  rec.expires_at = rec.created_at + ctx.staff_auth->session_lifetime();
  rec.last_used_at = rec.created_at;
  rec.ip = req.remote_ip;
  rec.user_agent = req.user_agent.substr(0, kMaxUserAgent);
  if (!IsValidUtf8(rec.user_agent)) rec.user_agent.clear();
  rec.staff_name = staff.name;
  rec.staff_verify_id = staff.verify_id;
  rec.role = staff.role;
  rec.desk = staff.desk;
  auto submit = [&ctx, rec](store::Callback<store::StaffSessionRecord> done) {
    ctx.store.CreateStaffSession(rec, std::move(done));
  };
  auto stored = co_await Write<store::StaffSessionRecord>(std::move(submit));
  if (!stored.ok()) co_return std::move(stored).error();
  ctx.staff_auth->sessions().Insert(ToSession(rec));
  co_return token;
}

// Revokes every session of `staff_id` but `keep_hash`: the store first (so a restart does not
// bring them back), then the table.
awaitable<Result<int>> RevokeAll(Context& ctx, Id staff_id, std::string keep_hash) {
  auto submit = [&ctx, staff_id, keep_hash](store::Callback<int> done) {
    ctx.store.RevokeStaffSessions(staff_id, keep_hash, std::move(done));
  };
  auto revoked = co_await Write<int>(std::move(submit));
  if (!revoked.ok()) co_return revoked;
  int in_memory = ctx.staff_auth->sessions().RemoveStaff(staff_id, keep_hash);
  // Open WebSockets were authenticated by the revoked sessions: end them too (a client with a
  // session that was kept reconnects).
  ctx.hub.CloseStaff(staff_id, "signed out");
  co_return std::max(*revoked, in_memory);
}

}  // namespace

awaitable<Response> Login(Request& req, Context& ctx) {
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto email = json::OptString(*body, "email");
  auto password = json::OptString(*body, "password");
  if (!email.ok()) co_return Response::Fail(email.error());
  if (!password.ok()) co_return Response::Fail(password.error());
  auto totp = TotpField(*body, "totp");
  if (!totp.ok()) co_return Response::Fail(totp.error());
  if (!*email || !*password || (*email)->empty() || (*password)->empty())
    co_return Response::Fail(MakeError(Code::invalid, "'email' and 'password' are required"));
  if ((*email)->size() > 254 || (*password)->size() > auth::kMaxPasswordBytes)
    co_return WrongCredentials();

  enum class Verdict { locked, wrong, totp_required, totp_invalid, ok };
  struct Outcome {
    Verdict verdict = Verdict::wrong;
    Millis lock_remaining = 0;
    store::Staff staff;
    std::int64_t totp_step = 0;
    int failures_before = 0;
  };
  const Millis now = Clock::System().Now();
  const std::string key = ctx.staff_auth->LockoutKey(**email);
  // Everything slow or on disk runs on the pool, and takes the same steps for unknown emails
  // (a lockout read, an argon2id verification) so that neither answer nor timing tells them.
  auto check = [&ctx, key, now, email = **email, password = **password, code = *totp]() -> Outcome {
    Outcome out;
    auto lock = ctx.store.GetLoginLockout(key);
    if (lock.ok()) out.failures_before = lock->failures;
    if (lock.ok() && lock->locked_until > now) {
      out.verdict = Verdict::locked;
      out.lock_remaining = lock->locked_until - now;
      return out;
    }
    auto staff = ctx.store.FindStaffByEmail(email);
    static const std::string kDummy = auth::HashPassword("not-a-real-password").value();
    const bool ok = auth::VerifyPassword(staff.ok() ? staff->password_hash : kDummy, password);
    if (!staff.ok() || !ok || staff->disabled) return out;
    out.staff = std::move(staff).value();
    if (!out.staff.totp_enabled()) {
      out.verdict = Verdict::ok;
      return out;
    }
    if (!code || code->empty()) {
      out.verdict = Verdict::totp_required;
      return out;
    }
    auto secret = ctx.staff_auth->totp_box().Open(out.staff.totp_secret,
                                                  StaffAuth::TotpAssociated(out.staff.id));
    if (!secret.ok()) {
      log::Error("auth.totp_secret_unreadable", {{"staff_id", out.staff.id}});
      out.verdict = Verdict::totp_invalid;
      return out;
    }
    auto step = auth::VerifyTotp(*secret, *code, now, out.staff.totp_last_step);
    auth::Wipe(*secret);
    out.verdict = step ? Verdict::ok : Verdict::totp_invalid;
    out.totp_step = step.value_or(0);
    return out;
  };
  Outcome outcome = co_await Blocking(ctx, std::move(check));

  if (outcome.verdict == Verdict::ok && outcome.totp_step != 0) {
    // Two sign-ins racing with one code: only the first marks the step used.
    auto use = [&ctx, id = outcome.staff.id, step = outcome.totp_step](store::Callback<bool> done) {
      ctx.store.UseTotpStep(id, step, std::move(done));
    };
    auto fresh = co_await Write<bool>(std::move(use));
    if (!fresh.ok()) co_return Response::Fail(fresh.error());
    if (!*fresh) outcome.verdict = Verdict::totp_invalid;
  }

  switch (outcome.verdict) {
    case Verdict::locked:
      // Sign-in refused, account locked (no staff id: the email may be unknown).
      log::Info("auth.login_locked", {{"rid", req.rid}, {"ip", req.remote_ip}});
      co_await Audit(ctx, "staff.sign_in_locked", kSystem, 0, req);
      co_return LockedOut(outcome.lock_remaining);
    case Verdict::totp_required:
      log::Info("auth.login_totp_required", {{"rid", req.rid}, {"staff_id", outcome.staff.id}});
      co_return Fail(401, "totp_required", "this account needs a two-factor code ('totp')");
    case Verdict::wrong:
    case Verdict::totp_invalid: {
      Millis lock = co_await CountFailure(ctx, key, now);
      // A failed sign-in (the staff id only when the password was right and the code wrong).
      const bool wrong_password = outcome.verdict == Verdict::wrong;
      log::Info("auth.login_failed",
                {{"rid", req.rid}, {"ip", req.remote_ip}, {"reason", wrong_password ? "password" : "totp"}});
      co_await Audit(ctx, "staff.sign_in_failed", kSystem, wrong_password ? 0 : outcome.staff.id, req,
                     wrong_password ? ",\"reason\":\"password\"" : ",\"reason\":\"totp\"");
      if (lock > 0) {
        // This failure locked the account.
        log::Warn("auth.locked_out", {{"rid", req.rid}, {"ip", req.remote_ip}, {"lock_ms", lock}});
        co_await Audit(ctx, "staff.locked_out", kSystem, 0, req, ",\"lock_ms\":" + std::to_string(lock));
        co_return LockedOut(lock);
      }
      if (outcome.verdict == Verdict::totp_invalid)
        co_return Fail(401, "totp_invalid", "the two-factor code is wrong or was used already");
      co_return WrongCredentials();
    }
    case Verdict::ok:
      break;
  }

  if (outcome.failures_before > 0) {
    auto clear = [&ctx, key](store::Callback<int> done) {
      ctx.store.ClearLoginLockout(key, std::move(done));
    };
    (void)co_await Write<int>(std::move(clear));
  }
  auto token = co_await OpenSession(ctx, outcome.staff, req);
  if (!token.ok()) co_return Response::Fail(token.error());
  std::string out = "{\"token\":";
  AppendJsonString(out, *token);
  out += ",\"expires_at\":";
  AppendJsonString(out, FormatRfc3339(now + ctx.staff_auth->session_lifetime()));
  out += ",\"staff\":";
  json::AppendStaff(out, outcome.staff);
  out += '}';
  log::Info("auth.login",
            {{"rid", req.rid}, {"staff_id", outcome.staff.id}, {"totp", outcome.totp_step != 0}});
  co_await Audit(ctx, "staff.sign_in", StaffActor(outcome.staff.id), outcome.staff.id, req,
                 outcome.totp_step != 0 ? ",\"totp\":true" : ",\"totp\":false");
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> Logout(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  std::string hash = SessionHash(req);
  auto submit = [&ctx, hash](store::Callback<int> done) {
    ctx.store.RevokeStaffSession(hash, std::move(done));
  };
  auto revoked = co_await Write<int>(std::move(submit));
  if (!revoked.ok()) co_return Response::Fail(revoked.error());
  ctx.staff_auth->sessions().Remove(hash);
  log::Info("auth.logout", {{"rid", req.rid}, {"staff_id", who->id}});
  co_await Audit(ctx, "staff.sign_out", StaffActor(who->id), who->id, req);
  co_return Response{204, "application/json", "", {}};
}

awaitable<Response> LogoutAll(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto revoked = co_await RevokeAll(ctx, who->id, "");
  if (!revoked.ok()) co_return Response::Fail(revoked.error());
  log::Info("auth.logout_all", {{"rid", req.rid}, {"staff_id", who->id}, {"revoked", *revoked}});
  co_await Audit(ctx, "staff.sign_out_everywhere", StaffActor(who->id), who->id, req,
                 ",\"revoked\":" + std::to_string(*revoked));
  co_return Response::Json(200, "{\"revoked\":" + std::to_string(*revoked) + "}");
}

awaitable<Response> ListMySessions(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  const std::string current = SessionHash(req);
  std::string out = "{\"sessions\":[";
  bool first = true;
  for (const auto& s : ctx.staff_auth->sessions().ListStaff(who->id, Clock::System().Now())) {
    if (!first) out += ',';
    first = false;
    AppendSession(out, s, s.token_hash == current);
  }
  out += "]}";
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ChangePassword(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto current = json::OptString(*body, "current_password");
  auto next = json::OptString(*body, "new_password");
  if (!current.ok()) co_return Response::Fail(current.error());
  if (!next.ok()) co_return Response::Fail(next.error());
  if (!*current || !*next || (*current)->empty() || (*next)->empty())
    co_return Response::Fail(
        MakeError(Code::invalid, "'current_password' and 'new_password' are required"));
  struct Outcome {
    Result<std::string> hash = MakeError(Code::internal, "not run");
    std::optional<auth::PasswordProblem> problem;
  };
  auto work = [&ctx, id = who->id, cur = **current, pw = **next]() -> Outcome {
    Outcome out;
    auto staff = ctx.store.GetStaff(id);
    if (!staff.ok()) {
      out.hash = std::move(staff).error();
      return out;
    }
    if (!auth::VerifyPassword(staff->password_hash, cur)) {
      out.hash = MakeError(Code::unauthorized, "the current password is wrong");
      return out;
    }
    out.problem = auth::CheckPasswordPolicy(pw, staff->email);
    if (!out.problem) out.hash = auth::HashPassword(pw);
    return out;
  };
  Outcome outcome = co_await Blocking(ctx, std::move(work));
  if (outcome.problem) co_return PasswordRefused(*outcome.problem);
  if (!outcome.hash.ok()) {
    if (outcome.hash.error().code == Code::unauthorized)
      co_return Fail(403, "password_wrong", outcome.hash.error().message);
    co_return Response::Fail(outcome.hash.error());
  }
  const std::string keep = SessionHash(req);
  auto submit = [&ctx, id = who->id, hash = *outcome.hash, keep](store::Callback<int> done) {
    ctx.store.SetStaffPassword(id, hash, keep, Clock::System().Now(), std::move(done));
  };
  auto revoked = co_await Write<int>(std::move(submit));
  if (!revoked.ok()) co_return Response::Fail(revoked.error());
  int in_memory = ctx.staff_auth->sessions().RemoveStaff(who->id, keep);
  ctx.hub.CloseStaff(who->id, "password changed");
  log::Info("auth.password_changed", {{"rid", req.rid}, {"staff_id", who->id}, {"revoked", *revoked}});
  co_await Audit(ctx, "staff.password_change", StaffActor(who->id), who->id, req,
                 ",\"revoked\":" + std::to_string(*revoked));
  co_return Response::Json(200,
                           "{\"revoked\":" + std::to_string(std::max(*revoked, in_memory)) + "}");
}

awaitable<Response> StartTotpEnrolment(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto password = json::OptString(*body, "password");
  if (!password.ok()) co_return Response::Fail(password.error());
  if (!*password || (*password)->empty())
    co_return Response::Fail(
        MakeError(Code::invalid, "'password' is required to set up two-factor sign-in"));
  // Re-authentication: a stolen session alone must not be able to (re)bind the second factor.
  auto verify = [&ctx, id = who->id, pw = **password]() -> Result<store::Staff> {
    auto staff = ctx.store.GetStaff(id);
    if (!staff.ok()) return staff;
    if (!auth::VerifyPassword(staff->password_hash, pw))
      return MakeError(Code::forbidden, "the password is wrong");
    return staff;
  };
  auto staff = co_await Blocking(ctx, std::move(verify));
  if (!staff.ok()) {
    if (staff.error().code == Code::forbidden)
      co_return Fail(403, "password_wrong", staff.error().message);
    co_return Response::Fail(staff.error());
  }
  std::string secret = auth::NewTotpSecret();
  std::string sealed = ctx.staff_auth->totp_box().Seal(secret, StaffAuth::TotpAssociated(who->id));
  auto submit = [&ctx, id = who->id, sealed](store::Callback<int> done) {
    ctx.store.StartTotpEnrolment(id, sealed, std::move(done));
  };
  auto stored = co_await Write<int>(std::move(submit));
  if (!stored.ok()) co_return Response::Fail(stored.error());
  std::string out = "{\"secret\":";
  AppendJsonString(out, auth::Base32Encode(secret));
  out += ",\"otpauth_uri\":";
  AppendJsonString(out, auth::OtpauthUri(kTotpIssuer, staff->email, secret));
  out += ",\"algorithm\":\"SHA1\",\"digits\":6,\"period\":30}";
  auth::Wipe(secret);
  log::Info("auth.totp_enrolment_started", {{"rid", req.rid}, {"staff_id", who->id}});
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> ConfirmTotpEnrolment(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto body = json::ParseObject(req.body);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto code = TotpField(*body, "code");
  if (!code.ok()) co_return Response::Fail(code.error());
  if (!*code || (*code)->empty())
    co_return Response::Fail(MakeError(Code::invalid, "'code' is required"));
  const Millis now = Clock::System().Now();
  auto check = [&ctx, id = who->id, c = **code, now]() -> Result<std::int64_t> {
    auto staff = ctx.store.GetStaff(id);
    if (!staff.ok()) return std::move(staff).error();
    if (staff->totp_pending.empty())
      return MakeError(Code::conflict, "no two-factor enrolment is pending");
    auto secret =
        ctx.staff_auth->totp_box().Open(staff->totp_pending, StaffAuth::TotpAssociated(id));
    if (!secret.ok()) return std::move(secret).error();
    auto step = auth::VerifyTotp(*secret, c, now, 0);
    auth::Wipe(*secret);
    if (!step) return MakeError(Code::unauthorized, "the two-factor code is wrong");
    return *step;
  };
  auto step = co_await Blocking(ctx, std::move(check));
  if (!step.ok()) {
    if (step.error().code == Code::unauthorized)
      co_return Fail(400, "totp_invalid", step.error().message);
    co_return Response::Fail(step.error());
  }
  auto submit = [&ctx, id = who->id, s = *step](store::Callback<int> done) {
    ctx.store.ConfirmTotp(id, s, std::move(done));
  };
  auto confirmed = co_await Write<int>(std::move(submit));
  if (!confirmed.ok()) co_return Response::Fail(confirmed.error());
  log::Info("auth.totp_enrolled", {{"rid", req.rid}, {"staff_id", who->id}});
  co_await Audit(ctx, "staff.totp_enrolled", StaffActor(who->id), who->id, req);
  co_return Response::Json(200, "{\"totp_enabled\":true}");
}

awaitable<Response> RevokeStaffSessions(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req, "staff");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto lookup = [&ctx, id = *id] { return ctx.store.GetStaff(id); };
  auto staff = co_await Blocking(ctx, std::move(lookup));
  if (!staff.ok()) co_return Response::Fail(staff.error());
  auto revoked = co_await RevokeAll(ctx, staff->id, "");
  if (!revoked.ok()) co_return Response::Fail(revoked.error());
  log::Warn("auth.sessions_revoked",
            {{"rid", req.rid}, {"by", who->id}, {"staff_id", staff->id}, {"revoked", *revoked}});
  co_await Audit(ctx, "staff.sessions_revoked", StaffActor(who->id), staff->id, req,
                 ",\"revoked\":" + std::to_string(*revoked));
  co_return Response::Json(200, "{\"revoked\":" + std::to_string(*revoked) + "}");
}

}  // namespace kefu::http

namespace kefu::http {

awaitable<Response> ListStaffRoute(Request& req, Context& ctx) {
  auto who = co_await StaffCaller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto load = [&ctx] { return ctx.store.ListStaff(); };
  auto staff = co_await Blocking(ctx, std::move(load));
  if (!staff.ok()) co_return Response::Fail(staff.error());
  std::string out = "{\"staff\":";
  json::AppendArray(out, *staff, json::AppendStaff);
  out += '}';
  co_return Response::Json(200, std::move(out));
}

// Supervisors watching staffing: when someone went online, busy, away or offline, newest first,
// with the time spent in each state over the changes listed (the newest runs until now).
awaitable<Response> StaffStatusHistoryRoute(Request& req, Context& ctx) {
  auto id = PathId(req, "staff");
  if (!id.ok()) co_return Response::Fail(id.error());
  auto limit = LimitParam(req, 100, 500);
  if (!limit.ok()) co_return Response::Fail(limit.error());
  Id before = 0;
  if (auto cursor = req.Query("cursor"); cursor && !cursor->empty()) {
    auto v = ParseInt(*cursor);
    if (!v || *v <= 0) co_return Response::Fail(Invalid("'cursor' is not one this server issued"));
    before = *v;
  }
  Millis since = 0;
  if (auto from = req.Query("from")) {
    auto at = ParseRfc3339(*from);
    if (!at) co_return Response::Fail(Invalid("'from' must be an RFC 3339 time"));
    since = *at;
  }
  auto load = [&ctx, id = *id, before, since, limit = *limit]() -> Result<std::pair<store::Staff, std::vector<store::StaffStatusChange>>> {
    KEFU_ASSIGN(staff, ctx.store.GetStaff(id));
    KEFU_ASSIGN(changes, ctx.store.ListStaffStatusHistory(id, before, since, limit + 1));
    return std::make_pair(std::move(staff), std::move(changes));
  };
  auto loaded = co_await Blocking(ctx, std::move(load));
  if (!loaded.ok()) co_return Response::Fail(loaded.error());
  auto& [staff, changes] = *loaded;
  const bool more = changes.size() > static_cast<size_t>(*limit);
  if (more) changes.pop_back();
  const Millis now = Clock::System().Now();
  std::map<std::string, Millis> spent;
  Millis until = before == 0 ? now : 0;  // a later page's newest change ends where the page before began
  for (const store::StaffStatusChange& c : changes) {
    if (until) spent[c.status] += std::max<Millis>(0, until - c.at);
    until = c.at;
  }
  std::string out = "{\"staff_id\":" + std::to_string(staff.id) + ",\"status\":";
  AppendJsonString(out, staff.status);
  out += ",\"changes\":";
  json::AppendArray(out, changes, [](std::string& o, const store::StaffStatusChange& c) {
    o += "{\"status\":";
    AppendJsonString(o, c.status);
    o += ",\"from\":";
    AppendJsonString(o, c.from);
    o += ",\"at\":\"" + FormatRfc3339(c.at) + "\"}";
  });
  out += ",\"seconds_in_status\":{";
  for (const auto& [status, ms] : spent) {
    if (out.back() != '{') out += ',';
    AppendJsonString(out, status);
    out += ':' + std::to_string(ms / 1000);
  }
  out += "},\"next_cursor\":";
  if (more) {
    out += '"' + std::to_string(changes.back().event_id) + '"';
  } else {
    out += "null";
  }
  out += '}';
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> UpdateStaffRoute(Request& req, Context& ctx) {
  auto call = co_await ReadObjectCall(req, ctx, "staff");
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const Id id = call->id;
  const boost::json::object& body = call->body;
  store::StaffUpdate u;
  u.staff_id = id;
  u.actor = who.actor();
  u.at = Clock::System().Now();
  for (const auto& [key, value] : body) {
    const std::string_view k = key;
    if (k == "role") {
      auto role = value.is_string() ? domain::ParseRole(std::string_view(value.get_string())) : std::nullopt;
      if (!role) co_return Response::Fail(Invalid("'role' must be admin, supervisor, agent, auditor or kb_editor"));
      u.role = *role;
    } else if (k == "desk") {
      if (value.is_null()) {
        u.desk = std::optional<domain::Desk>();
      } else {
        auto desk = value.is_string() ? domain::ParseDesk(std::string_view(value.get_string())) : std::nullopt;
        if (!desk) co_return Response::Fail(Invalid("'desk' must be L1, L2, L3, security, complaints or null"));
        u.desk = desk;
      }
    } else if (k == "max_chats") {
      if (!value.is_int64() || value.get_int64() < 0 || value.get_int64() > 1000)
        co_return Response::Fail(Invalid("'max_chats' must be a number between 0 and 1000"));
      u.max_chats = static_cast<int>(value.get_int64());
    } else if (k == "languages" || k == "skills") {
      if (!value.is_array() || value.get_array().size() > 20)
        co_return Response::Fail(Invalid("'" + std::string(k) + "' must be an array of at most 20 strings"));
      std::vector<std::string> list;
      for (const auto& item : value.get_array()) {
        const std::string_view v = item.is_string() ? std::string_view(item.get_string()) : std::string_view();
        const bool ok = k == "languages" ? (v == "zh" || v == "en" || v == "es")
                                         : (!v.empty() && v.size() <= 32 &&
                                            v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") ==
                                                std::string_view::npos);
        if (!ok)
          co_return Response::Fail(Invalid(k == "languages" ? "'languages' takes zh, en and es"
                                                            : "'skills' are knowledge-base categories (a-z, 0-9, _ and -)"));
        if (std::find(list.begin(), list.end(), v) == list.end()) list.emplace_back(v);
      }
      (k == "languages" ? u.languages : u.skills) = std::move(list);
    } else if (k == "disabled") {
      if (!value.is_bool()) co_return Response::Fail(Invalid("'disabled' must be true or false"));
      u.disabled = value.get_bool();
    } else {
      co_return Response::Fail(Invalid("unknown field '" + std::string(k) + "'"));
    }
  }
  if (u.staff_id == who.id && (u.role || u.disabled))
    co_return Response::Fail(MakeError(Code::forbidden, "an admin cannot change their own role or disable themselves"));
  auto lookup = [&ctx, id = id] { return ctx.store.GetStaff(id); };
  auto before = co_await Blocking(ctx, std::move(lookup));
  if (!before.ok()) co_return Response::Fail(before.error());
  auto submit = [&ctx, u = std::move(u)](store::Callback<store::Staff> done) mutable {
    ctx.store.UpdateStaff(std::move(u), std::move(done));
  };
  auto after = co_await Write<store::Staff>(std::move(submit));
  if (!after.ok()) co_return Response::Fail(after.error());
  // Sessions carry the role and desk they signed in with: a change of either (or a disabled
  // account) signs the member out everywhere.
  if (after->role != before->role || after->desk != before->desk || after->disabled != before->disabled) {
    auto revoked = co_await RevokeAll(ctx, after->id, "");
    if (!revoked.ok()) co_return Response::Fail(revoked.error());
  }
  ctx.workflow->StaffChanged(*after);
  log::Info("staff.updated", {{"rid", req.rid}, {"by", who.id}, {"staff_id", after->id}});
  std::string out;
  json::AppendStaff(out, *after);
  co_return Response::Json(200, std::move(out));
}

}  // namespace kefu::http
