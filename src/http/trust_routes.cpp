#include "http/trust_routes.hpp"

#include <boost/json/object.hpp>

#include <unordered_map>

#include "auth/widget_identity.hpp"
#include "bot/nlu/nlu.hpp"
#include "bot/phrases.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "domain/verify.hpp"
#include "http/json_io.hpp"
#include "http/workflow.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;

namespace {

constexpr std::size_t kMaxNameChars = 64;

Response Fail(int status, std::string_view code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":";
  AppendJsonString(out, code);
  out += ",\"message\":";
  AppendJsonString(out, message);
  out += "}}";
  return Response::Json(status, std::move(out));
}

// The identity object of a request: its four fields with their JSON types checked. Anything else
// (a string, a missing or mistyped field) is identity_invalid: never an anonymous session.
Result<auth::WidgetIdentity> ReadIdentity(const boost::json::value& v) {
  auto bad = [](std::string m) { return MakeError(Code::unauthorized, std::move(m)); };
  if (!v.is_object())
    return bad("'identity' must be an object {\"site\",\"user_id\",\"expires_at\",\"signature\"}");
  const auto& o = v.get_object();
  auth::WidgetIdentity id;
  for (const char* key : {"site", "user_id", "signature"}) {
    auto it = o.find(key);
    if (it == o.end() || !it->value().is_string())
      return bad("'identity." + std::string(key) + "' must be a string");
    std::string text(it->value().get_string());
    if (std::string_view(key) == "site") id.site = std::move(text);
    if (std::string_view(key) == "user_id") id.user_id = std::move(text);
    if (std::string_view(key) == "signature") id.signature = std::move(text);
  }
  auto exp = o.find("expires_at");
  if (exp == o.end() || !exp->value().is_int64())
    return bad("'identity.expires_at' must be a Unix time in whole seconds");
  id.expires_at = exp->value().get_int64();
  for (const auto& field : o) {
    std::string_view k = field.key();
    if (k != "site" && k != "user_id" && k != "signature" && k != "expires_at")
      return bad("unknown field 'identity." + std::string(k) + "'");
  }
  return id;
}

// Per client address: a token bucket (kVerifyBurst, one back every kVerifyRefillMs). Small and
// bounded: forgotten wholesale past 10,000 addresses (a flood of addresses gets fresh buckets,
// which is no worse than no limit for them and keeps memory flat).
class VerifyLimiter {
 public:
  // 0 when allowed now, else the milliseconds until the next lookup is.
  Millis Take(const std::string& ip, Millis now) {
    std::lock_guard lock(m_);
    if (buckets_.size() > 10'000) buckets_.clear();
    auto [it, fresh] = buckets_.try_emplace(ip, Bucket{kVerifyBurst * kVerifyRefillMs, now});
    Bucket& b = it->second;
    if (!fresh) {
      b.credit = std::min<Millis>(kVerifyBurst * kVerifyRefillMs, b.credit + (now - b.at));
      b.at = now;
    }
    if (b.credit < kVerifyRefillMs) return kVerifyRefillMs - b.credit;
    b.credit -= kVerifyRefillMs;
    return 0;
  }

 private:
  struct Bucket {
    Millis credit;  // in milliseconds of refill: kVerifyRefillMs buys one lookup
    Millis at;
  };
  std::mutex m_;
  std::unordered_map<std::string, Bucket> buckets_;
};

VerifyLimiter& Limiter() {
  static VerifyLimiter limiter;
  return limiter;
}

// Whose budget a lookup spends: the peer's address, or behind a proxy on this machine the last
// X-Forwarded-For hop; empty (not limited) for loopback without one, as for the WebSocket limits
// (DESIGN.md §2).
std::string LimitKey(const Request& req) {
  const std::string_view ip = req.remote_ip;
  const bool loopback = ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
  if (!loopback) return std::string(ip);
  std::string_view xff = req.forwarded_for;
  if (size_t comma = xff.rfind(','); comma != std::string_view::npos) xff.remove_prefix(comma + 1);
  return std::string(Trim(xff));
}

// 0 when `req` may look something up now, else the milliseconds to wait.
Millis TakeLookup(const Request& req) {
  const std::string key = LimitKey(req);
  if (key.empty()) return 0;
  return Limiter().Take(key, Clock::System().Now());
}

// What /verify found for one value.
struct Verdict {
  domain::VerifyKind kind = domain::VerifyKind::agent;
  std::string value;  // normalised
  bool official = false;
  // Agents: the display name and desk of the staff member (never the email or staff id).
  std::string agent_name;
  std::string agent_desk;
  bool agent_former = false;  // the id was issued but the account is disabled
};

// Checks `value` as `kind`: Code::invalid when it cannot be one.
awaitable<Result<Verdict>> Check(Context& ctx, domain::VerifyKind kind, std::string_view value) {
  auto normal = domain::NormaliseChannel(kind, value);
  if (!normal)
    co_return MakeError(Code::invalid, "'value' is not a valid " + std::string(domain::VerifyKindName(kind)));
  Verdict v;
  v.kind = kind;
  v.value = *normal;
  const OfficialChannels& oc = ctx.config.verify;
  switch (kind) {
    case domain::VerifyKind::agent: {
      auto find = [&ctx, id = *normal] { return ctx.store.FindStaffByVerifyId(id); };
      auto staff = co_await Blocking(ctx, std::move(find));
      if (staff.ok()) {
        v.official = !staff->disabled;
        v.agent_former = staff->disabled;
        if (v.official) {
          v.agent_name = staff->name;
          if (staff->desk) v.agent_desk = std::string(domain::DeskName(*staff->desk));
        }
      } else if (staff.error().code != Code::not_found) {
        co_return std::move(staff).error();
      }
      break;
    }
    case domain::VerifyKind::phone: v.official = domain::IsOfficial(kind, value, oc.phones); break;
    case domain::VerifyKind::email: v.official = domain::IsOfficial(kind, value, oc.emails); break;
    case domain::VerifyKind::wechat: v.official = domain::IsOfficial(kind, value, oc.wechat); break;
    case domain::VerifyKind::telegram: v.official = domain::IsOfficial(kind, value, oc.telegram); break;
  }
  co_return v;
}

std::string VerdictJson(const Verdict& v, std::string_view brand) {
  std::string out = "{\"kind\":\"";
  out += domain::VerifyKindName(v.kind);
  out += "\",\"value\":";
  AppendJsonString(out, v.value);
  out += ",\"official\":";
  out += v.official ? "true" : "false";
  out += ",\"brand\":";
  AppendJsonString(out, brand);
  if (v.kind == domain::VerifyKind::agent) {
    out += ",\"agent\":";
    if (v.official) {
      out += "{\"verify_id\":";
      AppendJsonString(out, v.value);
      out += ",\"name\":";
      AppendJsonString(out, v.agent_name);
      out += ",\"desk\":";
      if (v.agent_desk.empty()) {
        out += "null";
      } else {
        AppendJsonString(out, v.agent_desk);
      }
      out += '}';
    } else {
      out += "null";
    }
    out += ",\"former\":";
    out += v.agent_former ? "true" : "false";
  }
  out += '}';
  return out;
}

// ---- the /verify page ----

struct PageText {
  std::string_view lang;  // html lang
  std::string_view title, intro, kind_label, value_label, check, official, not_official, former,
      invalid, limited, channels, none, agent, phone, email, wechat, telegram, desk, advice, safety;
};

constexpr PageText kPages[] = {
    {"zh-CN", "官方渠道验证", "收到自称客服的消息或电话？在这里核对对方是否为我们的官方渠道。", "类型", "号码或账号",
     "验证", "是官方渠道", "不是官方渠道——请勿转账，也不要透露任何信息，并通过官方渠道联系我们。",
     "该客服编号已停用，现在不代表我们。", "格式不正确，请检查后再试。", "查询过于频繁，请稍后再试。", "我们的官方渠道",
     "尚未配置。", "客服编号", "电话", "邮箱", "微信", "Telegram", "部门", "每位客服在每条消息中都会附上客服编号（KF-开头），可在此核对。",
     ""},
    {"en", "Check an official channel", "Got a message or call from someone claiming to be our support? Check here whether it is one of our official channels.",
     "Kind", "Number or account", "Check", "is an official channel",
     "is NOT an official channel — do not send money or share anything, and contact us through an official channel.",
     "This agent id is no longer in use and does not represent us.", "That does not look right; please check it and try again.",
     "Too many checks; please try again in a moment.", "Our official channels", "None configured yet.", "Agent id", "Phone",
     "Email", "WeChat", "Telegram", "Desk", "Every agent message carries the agent's id (starting with KF-); you can check it here.", ""},
    {"es", "Comprobar un canal oficial", "¿Te ha escrito o llamado alguien que dice ser de soporte? Comprueba aquí si es uno de nuestros canales oficiales.",
     "Tipo", "Número o cuenta", "Comprobar", "es un canal oficial",
     "NO es un canal oficial: no envíes dinero ni compartas nada, y contáctanos por un canal oficial.",
     "Este identificador de agente ya no está en uso y no nos representa.", "El formato no es correcto; revísalo e inténtalo de nuevo.",
     "Demasiadas consultas; inténtalo de nuevo en un momento.", "Nuestros canales oficiales", "Aún no hay ninguno configurado.",
     "ID de agente", "Teléfono", "Correo", "WeChat", "Telegram", "Equipo", "Cada mensaje de un agente lleva su ID (empieza por KF-); puedes comprobarlo aquí.", ""},
};

const PageText& PageFor(const Request& req) {
  auto pick = [](std::string_view tag) -> const PageText* {
    std::string t = AsciiLower(Trim(tag));
    if (t.starts_with("zh")) return &kPages[0];
    if (t.starts_with("en")) return &kPages[1];
    if (t.starts_with("es")) return &kPages[2];
    return nullptr;
  };
  if (auto lang = req.Query("lang"))
    if (const PageText* p = pick(*lang)) return *p;
  // The first supported language in Accept-Language order (q-values are rarely out of order).
  std::string_view rest = req.accept_language;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    item = item.substr(0, item.find(';'));
    if (const PageText* p = pick(item)) return *p;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return kPages[0];
}

void AppendHtml(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

std::string_view KindLabel(const PageText& t, domain::VerifyKind k) {
  switch (k) {
    case domain::VerifyKind::agent: return t.agent;
    case domain::VerifyKind::phone: return t.phone;
    case domain::VerifyKind::email: return t.email;
    case domain::VerifyKind::wechat: return t.wechat;
    case domain::VerifyKind::telegram: return t.telegram;
  }
  return t.agent;
}

}  // namespace

awaitable<Response> CreateWidgetSession(Request& req, Context& ctx) {
  auto body = json::ParseObject(req.body, /*empty_ok=*/true);
  if (!body.ok()) co_return Response::Fail(body.error());
  auto name = json::OptString(*body, "name");
  auto lang = json::OptString(*body, "lang");
  auto visitor = json::OptString(*body, "visitor_id");
  if (!name.ok()) co_return Response::Fail(name.error());
  if (!lang.ok()) co_return Response::Fail(lang.error());
  if (!visitor.ok()) co_return Response::Fail(visitor.error());
  store::NewSession s;
  s.name = std::string(Trim(name->value_or("")));
  if (!IsValidUtf8(s.name) || CountCodePoints(s.name) > kMaxNameChars)
    co_return Response::Fail(MakeError(Code::invalid, "'name' must be at most 64 characters"));
  s.lang = lang->value_or("");
  // Chinese readers of traditional characters keep "zh-TW" so the bot writes to them in it.
  if (s.lang == "zh-CN" || s.lang == "zh-Hans") s.lang = "zh";
  if (s.lang == "zh-Hant" || s.lang == "zh-HK") s.lang = "zh-TW";
  if (!s.lang.empty() && s.lang != "zh" && s.lang != "zh-TW" && s.lang != "en" && s.lang != "es")
    co_return Response::Fail(MakeError(Code::invalid, "'lang' must be one of zh, zh-CN, zh-TW, en, es"));
  s.at = Clock::System().Now();

  std::string visitor_id;  // anonymous sessions only: handed back so the widget can resume
  std::optional<auth::WidgetIdentity> identity;
  if (auto it = body->find("identity"); it != body->end() && !it->value().is_null()) {
    auto read = ReadIdentity(it->value());
    if (!read.ok()) co_return Fail(401, "identity_invalid", read.error().message);
    auto check = auth::VerifyIdentity(*read, ctx.config.widget_sites, s.at, ctx.config.widget_identity_max_ttl_s,
                                      ctx.config.widget_identity_skew_s);
    if (!check.ok()) {
      log::Info("widget.identity_refused", {{"rid", req.rid}, {"code", check.error_code}, {"ip", req.remote_ip}});
      co_return Fail(401, check.error_code, check.message);
    }
    if (visitor->has_value())
      co_return Response::Fail(Invalid("give 'identity' or 'visitor_id', not both"));
    identity = std::move(*read);
    s.identity_channel = "widget:" + identity->site;
    s.identity_external_id = identity->user_id;
    s.identity_verified = true;
  } else {
    if (visitor->has_value() && !auth::IsVisitorId(**visitor))
      co_return Fail(401, "visitor_invalid", "'visitor_id' is not one this server issued");
    s.identity_channel = "widget";
    if (visitor->has_value()) {
      visitor_id = **visitor;
      s.identity_external_id = auth::VisitorIdDigest(visitor_id);
      s.create = false;  // an unknown id is not adopted (see below)
    }
  }
  Result<store::Session> session = MakeError(Code::not_found, "");
  if (!s.identity_external_id.empty()) {
    auto create = [&ctx, s](store::Callback<store::Session> done) { ctx.store.CreateSession(s, std::move(done)); };
    session = co_await Write<store::Session>(std::move(create));
    if (!session.ok() && session.error().code != Code::not_found) co_return Response::Fail(session.error());
  }
  if (!session.ok()) {
    // A new visitor, or one whose id is unknown here (another installation's, or made up): a new
    // customer under a fresh id, so that nobody can plant an id for someone else to resume into.
    visitor_id = auth::NewVisitorId();
    s.identity_external_id = auth::VisitorIdDigest(visitor_id);
    s.create = true;
    auto create = [&ctx, s](store::Callback<store::Session> done) { ctx.store.CreateSession(s, std::move(done)); };
    session = co_await Write<store::Session>(std::move(create));
    if (!session.ok()) co_return Response::Fail(session.error());
  }
  ctx.hub.ConversationChanged(session->conversation);
  if (!session->resumed && ctx.bot.Get() && ctx.workflow->BotAnswers(session->conversation.channel)) {
    const std::string& l = session->customer.lang;
    const std::string_view greeting = bot::Greeting(l == "zh-TW" ? "zh" : l);
    ctx.hub.PostBotMessage(session->conversation.id,
                           l == "zh-TW" ? bot::nlu::ToTraditional(greeting) : std::string(greeting), "bot.greeting");
  }
  auth::TokenClaims claims{auth::SubjectType::customer, session->customer.id,
                           s.at + auth::kCustomerTokenLifetime, 1};
  std::string out = "{\"customer_id\":" + std::to_string(session->customer.id) +
                    ",\"conversation_id\":" + std::to_string(session->conversation.id) + ",\"token\":";
  AppendJsonString(out, ctx.signer.Issue(claims));
  out += ",\"resumed\":";
  out += session->resumed ? "true" : "false";
  if (identity) {
    out += ",\"identity\":{\"site\":";
    AppendJsonString(out, identity->site);
    out += ",\"user_id\":";
    AppendJsonString(out, identity->user_id);
    out += ",\"verified\":true}";
  } else {
    out += ",\"visitor_id\":";
    AppendJsonString(out, visitor_id);
  }
  out += '}';
  co_return Response::Json(session->resumed ? 200 : 201, std::move(out));
}

awaitable<Response> VerifyChannel(Request& req, Context& ctx) {
  auto kind_name = req.Query("kind");
  auto value = req.Query("value");
  if (!kind_name || !value || Trim(*value).empty())
    co_return Response::Fail(Invalid("give 'kind' (agent, phone, email, wechat or telegram) and 'value'"));
  auto kind = domain::ParseVerifyKind(*kind_name);
  if (!kind) co_return Response::Fail(Invalid("'kind' must be agent, phone, email, wechat or telegram"));
  if (Millis wait = TakeLookup(req)) {
    Response r = Fail(429, "rate_limited", "too many checks; try again shortly");
    r.headers.emplace_back("Retry-After", std::to_string((wait + 999) / 1000));
    co_return r;
  }
  auto verdict = co_await Check(ctx, *kind, *value);
  if (!verdict.ok()) co_return Response::Fail(verdict.error());
  co_return Response::Json(200, VerdictJson(*verdict, ctx.config.verify.brand));
}

awaitable<Response> VerifyPage(Request& req, Context& ctx) {
  const PageText& t = PageFor(req);
  const OfficialChannels& oc = ctx.config.verify;
  auto kind_name = req.Query("kind").value_or("agent");
  auto kind = domain::ParseVerifyKind(kind_name).value_or(domain::VerifyKind::agent);
  const std::string raw_value = req.Query("value").value_or("");
  const std::string value(Trim(raw_value).substr(0, 256));
  int status = 200;
  std::string result;  // the verdict's HTML, if a value was given
  if (!value.empty()) {
    if (TakeLookup(req) != 0) {
      status = 429;
      result = "<p class=warn role=alert>";
      AppendHtml(result, t.limited);
      result += "</p>";
    } else {
      auto verdict = co_await Check(ctx, kind, value);
      if (!verdict.ok()) {
        result = "<p class=warn role=alert>";
        AppendHtml(result, t.invalid);
        result += "</p>";
      } else {
        result = verdict->official ? "<p class=ok role=status data-official=true><strong>" :
                                     "<p class=bad role=alert data-official=false><strong>";
        AppendHtml(result, KindLabel(t, kind));
        result += " ";
        AppendHtml(result, verdict->value);
        result += "</strong> ";
        AppendHtml(result, verdict->official ? t.official : (verdict->agent_former ? t.former : t.not_official));
        if (verdict->official && kind == domain::VerifyKind::agent) {
          result += "<br>";
          AppendHtml(result, verdict->agent_name);
          if (!verdict->agent_desk.empty()) {
            result += " · ";
            AppendHtml(result, t.desk);
            result += " ";
            AppendHtml(result, verdict->agent_desk);
          }
        }
        result += "</p>";
      }
    }
  }
  std::string h = "<!doctype html><html lang=\"";
  h += t.lang;
  h += "\"><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><title>";
  AppendHtml(h, t.title);
  if (!oc.brand.empty()) {
    h += " · ";
    AppendHtml(h, oc.brand);
  }
  h += "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}"
       "form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}label{display:flex;flex-direction:column;font-size:.9rem}"
       "input,select,button{font:inherit;padding:.4rem}.ok{background:#e6f4ea;padding:.75rem}"
       ".bad{background:#fde7e9;padding:.75rem}.warn{background:#fff4ce;padding:.75rem}"
       "small{color:#555}</style></head><body><h1>";
  AppendHtml(h, t.title);
  h += "</h1><p>";
  AppendHtml(h, t.intro);
  h += "</p><form method=get action=/verify><input type=hidden name=lang value=\"";
  AppendHtml(h, t.lang);
  h += "\"><label>";
  AppendHtml(h, t.kind_label);
  h += "<select name=kind>";
  for (auto k : {domain::VerifyKind::agent, domain::VerifyKind::phone, domain::VerifyKind::email,
                 domain::VerifyKind::wechat, domain::VerifyKind::telegram}) {
    h += "<option value=";
    h += domain::VerifyKindName(k);
    if (k == kind) h += " selected";
    h += '>';
    AppendHtml(h, KindLabel(t, k));
    h += "</option>";
  }
  h += "</select></label><label>";
  AppendHtml(h, t.value_label);
  h += "<input name=value required maxlength=256 value=\"";
  AppendHtml(h, value);
  h += "\"></label><button type=submit>";
  AppendHtml(h, t.check);
  h += "</button></form>";
  h += result;
  h += "<p><small>";
  AppendHtml(h, t.advice);
  h += "</small></p><h2>";
  AppendHtml(h, t.channels);
  h += "</h2>";
  bool any = false;
  auto list = [&](std::string_view label, const std::vector<std::string>& items) {
    if (items.empty()) return;
    any = true;
    h += "<h3>";
    AppendHtml(h, label);
    h += "</h3><ul>";
    for (const auto& item : items) {
      h += "<li>";
      AppendHtml(h, item);
      h += "</li>";
    }
    h += "</ul>";
  };
  list(t.phone, oc.phones);
  list(t.email, oc.emails);
  list(t.wechat, oc.wechat);
  list(t.telegram, oc.telegram);
  if (!any) {
    h += "<p>";
    AppendHtml(h, t.none);
    h += "</p>";
  }
  h += "<p><small>";
  AppendHtml(h, bot::SafetyLine(t.lang == "zh-CN" ? "zh" : t.lang));
  h += "</small></p></body></html>";
  Response r{status, "text/html; charset=utf-8", std::move(h), {}};
  // No scripts, no outside resources, not framable: the page must stay trustworthy even on a
  // compromised network path to a widget host.
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; "
                         "frame-ancestors 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Vary", "Accept-Language");
  co_return r;
}

}  // namespace kefu::http
