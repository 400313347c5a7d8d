#include "core/config.hpp"

#include <cstdlib>
#include <functional>
#include <string_view>

#include <toml++/toml.h>

#include "core/text.hpp"

namespace kefu {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::invalid: return "invalid";
    case Code::unauthorized: return "unauthorized";
    case Code::forbidden: return "forbidden";
    case Code::not_found: return "not_found";
    case Code::conflict: return "conflict";
    case Code::too_large: return "too_large";
    case Code::unsupported: return "unsupported_media_type";
    case Code::rate_limited: return "rate_limited";
    case Code::unavailable: return "unavailable";
    case Code::internal: return "internal";
  }
  return "internal";
}

const char* Version() { return KEFU_VERSION; }

namespace {

// One configurable key: its dotted TOML name and how to set it from text or from TOML.
struct Key {
  std::string_view name;
  std::function<Status(ServerConfig&, std::string_view)> from_text;
  std::function<Status(ServerConfig&, const toml::node&)> from_toml;
};

Status Bad(std::string_view where, std::string_view key, std::string_view what) {
  return MakeError(Code::invalid, std::string(where) + ": " + std::string(key) + ": " + std::string(what));
}

Key StringKey(std::string_view name, std::string ServerConfig::*field) {
  return Key{
      name,
      [field](ServerConfig& c, std::string_view v) -> Status {
        c.*field = std::string(v);
        return Ok();
      },
      [field, name](ServerConfig& c, const toml::node& n) -> Status {
        if (!n.is_string()) return Bad("config", name, "expected a string");
        c.*field = *n.value<std::string>();
        return Ok();
      }};
}

template <typename Int, typename Setter>
Key IntKey(std::string_view name, std::int64_t min, std::int64_t max, Setter set) {
  auto check = [name, min, max, set](ServerConfig& c, std::int64_t v) -> Status {
    if (v < min || v > max)
      return Bad("config", name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    set(c, static_cast<Int>(v));
    return Ok();
  };
  return Key{
      name,
      [check, name](ServerConfig& c, std::string_view v) -> Status {
        char* end = nullptr;
        std::string s(Trim(v));
        long long parsed = std::strtoll(s.c_str(), &end, 10);
        if (s.empty() || *end != '\0') return Bad("environment", name, "expected an integer");
        return check(c, parsed);
      },
      [check, name](ServerConfig& c, const toml::node& n) -> Status {
        if (!n.is_integer()) return Bad("config", name, "expected an integer");
        return check(c, *n.value<std::int64_t>());
      }};
}

Key BoolKey(std::string_view name, bool ServerConfig::*field) {
  return Key{
      name,
      [field, name](ServerConfig& c, std::string_view v) -> Status {
        std::string s = AsciiLower(Trim(v));
        if (s == "true" || s == "1" || s == "yes") {
          c.*field = true;
        } else if (s == "false" || s == "0" || s == "no") {
          c.*field = false;
        } else {
          return Bad("environment", name, "expected true or false");
        }
        return Ok();
      },
      [field, name](ServerConfig& c, const toml::node& n) -> Status {
        if (!n.is_boolean()) return Bad("config", name, "expected true or false");
        c.*field = *n.value<bool>();
        return Ok();
      }};
}

Key LimitKey(std::string_view name, std::int64_t Limits::*field, std::int64_t min, std::int64_t max) {
  return IntKey<std::int64_t>(name, min, max,
                              [field](ServerConfig& c, std::int64_t v) { c.limits.*field = v; });
}

std::vector<std::string> SplitList(std::string_view v) {
  std::vector<std::string> out;
  while (!v.empty()) {
    size_t comma = v.find(',');
    auto part = Trim(v.substr(0, comma));
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

Status SetChannels(ServerConfig& c, std::string_view where, const std::vector<std::string>& names) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    bool known = false;
    for (std::string_view k : kChannelNames) known = known || k == name;
    if (!known)
      return Bad(
          where, "bot.channels",
          "unknown channel '" + name + "' (expected widget, wechat, telegram, email or phone)");
    for (const auto& seen : out)
      if (seen == name) return Bad(where, "bot.channels", "channel '" + name + "' is listed twice");
    out.push_back(name);
  }
  c.bot_channels = std::move(out);
  return Ok();
}

// A TOML array of strings, or an error naming `key`.
Result<std::vector<std::string>> StringArray(const toml::node& n, const std::string& key,
                                             std::string_view example) {
  const auto* arr = n.as_array();
  auto bad = [&] {
    return Bad("config", key, "expected an array of strings such as " + std::string(example));
  };
  if (!arr) return bad().error();
  std::vector<std::string> out;
  for (const auto& item : *arr) {
    if (!item.is_string()) return bad().error();
    out.push_back(*item.value<std::string>());
  }
  return out;
}

// An origin as browsers send it: scheme "http" or "https", a host, an optional port, nothing
// else. Stored lower-cased so that comparing is a plain string compare.
Status SetOrigins(ServerConfig& c, std::string_view where, const std::vector<std::string>& origins) {
  std::vector<std::string> out;
  for (const auto& given : origins) {
    std::string o = AsciiLower(Trim(given));
    if (!o.empty() && o.back() == '/') o.pop_back();
    std::string_view rest = o;
    bool scheme = rest.starts_with("https://") || rest.starts_with("http://");
    if (scheme) rest.remove_prefix(rest.find("//") + 2);
    bool ok = scheme && !rest.empty();
    for (char ch : rest)
      ok = ok && ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
                  ch == ':' || ch == '[' || ch == ']');
    if (!ok || o == "*")
      return Bad(where, "http.allowed_origins",
                 "'" + given + "' is not an origin such as https://wallet.example (no path, no '*')");
    out.push_back(std::move(o));
  }
  c.allowed_origins = std::move(out);
  return Ok();
}

bool CalendarNameOk(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

// [calendars.NAME] tables into plain specs. Only the shape is checked here (types, known keys,
// names); the values are checked by calendar::Calendar::Make, which core must not depend on.
Status ParseCalendars(const toml::node& node, ServerConfig& config) {
  const auto* tables = node.as_table();
  if (!tables) return Bad("config", "calendars", "expected tables [calendars.NAME]");
  static constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  constexpr std::string_view kHours = "[\"09:00-18:00\"]";
  for (const auto& [name_key, value] : *tables) {
    std::string name(name_key.str());
    std::string where = "calendars." + name;
    if (!CalendarNameOk(name))
      return Bad("config", where, "a calendar name is letters, digits, '_' and '-'");
    if (name == "24x7")
      return Bad("config", where, "\"24x7\" is built in (always open) and reserved");
    const auto* table = value.as_table();
    if (!table) return Bad("config", where, "expected a table [" + where + "]");
    CalendarSpec spec;
    spec.name = name;
    // The shorthands first, so that a named day overrides them whatever the order in the file.
    for (std::string_view group : {"weekdays", "weekends"}) {
      if (const toml::node* n = table->get(group)) {
        KEFU_ASSIGN(hours, StringArray(*n, where + "." + std::string(group), kHours));
        int first = group == "weekdays" ? 0 : 5;
        int last = group == "weekdays" ? 5 : 7;
        for (int d = first; d < last; ++d) spec.week[d] = hours;
      }
    }
    std::string unknown;
    for (const auto& [k, v] : *table) {
      std::string key(k.str());
      std::string full = where + "." + key;
      if (key == "weekdays" || key == "weekends") continue;
      if (key == "time_zone") {
        if (!v.is_string())
          return Bad("config", full, "expected a string such as \"Asia/Shanghai\"");
        spec.time_zone = *v.value<std::string>();
        continue;
      }
      bool day = false;
      for (int d = 0; d < 7; ++d) {
        if (key != kDays[d]) continue;
        KEFU_ASSIGN(hours, StringArray(v, full, kHours));
        spec.week[d] = std::move(hours);
        day = true;
      }
      if (day) continue;
      if (key == "holidays") {
        KEFU_ASSIGN(dates, StringArray(v, full, "[\"2026-10-01\"]"));
        spec.holidays = std::move(dates);
        continue;
      }
      if (key == "workdays") {
        const auto* arr = v.as_array();
        auto bad = [&] {
          return Bad("config", full,
                     "expected an array of dates \"YYYY-MM-DD\" or tables {date = \"YYYY-MM-DD\", "
                     "hours = [\"09:00-18:00\"]}");
        };
        if (!arr) return bad();
        for (const auto& item : *arr) {
          ExtraWorkday w;
          if (item.is_string()) {
            w.date = *item.value<std::string>();
          } else if (const auto* t = item.as_table()) {
            const toml::node* date = t->get("date");
            if (!date || !date->is_string()) return bad();
            w.date = *date->value<std::string>();
            for (const auto& [wk, wv] : *t) {
              if (wk.str() == "date") continue;
              if (wk.str() != "hours")
                return Bad("config", full,
                           "unknown key '" + std::string(wk.str()) +
                               "' in a workday (expected date and hours)");
              KEFU_ASSIGN(hours, StringArray(wv, full, kHours));
              if (hours.empty()) return Bad("config", full, w.date + ": hours must not be empty");
              w.hours = std::move(hours);
            }
          } else {
            return bad();
          }
          spec.workdays.push_back(std::move(w));
        }
        continue;
      }
      return MakeError(Code::invalid, "config: unknown key '" + full +
                                          "' (expected time_zone, weekdays, weekends, mon..sun, "
                                          "holidays, workdays)");
    }
    if (spec.time_zone.empty())
      return Bad("config", where + ".time_zone",
                 "missing (an IANA zone such as \"Asia/Shanghai\")");
    config.calendars.push_back(std::move(spec));
  }
  return Ok();
}

// [widget.sites.NAME] tables: a secret given inline or through an environment variable.
Status ParseWidgetSites(const toml::node& node, ServerConfig& config) {
  const auto* tables = node.as_table();
  if (!tables) return Bad("config", "widget.sites", "expected tables [widget.sites.NAME]");
  for (const auto& [name_key, value] : *tables) {
    std::string name(name_key.str());
    std::string where = "widget.sites." + name;
    if (!CalendarNameOk(name) || name.size() > 64)
      return Bad("config", where, "a site name is 1-64 letters, digits, '_' and '-'");
    const auto* table = value.as_table();
    if (!table) return Bad("config", where, "expected a table [" + where + "]");
    WidgetSite site;
    site.name = name;
    bool given = false;
    for (const auto& [k, v] : *table) {
      std::string key(k.str());
      if (key != "secret" && key != "secret_env")
        return MakeError(Code::invalid, "config: unknown key '" + where + "." + key +
                                            "' (expected secret or secret_env)");
      if (!v.is_string()) return Bad("config", where + "." + key, "expected a string");
      if (given) return Bad("config", where, "give either secret or secret_env, not both");
      given = true;
      std::string text = *v.value<std::string>();
      if (key == "secret_env") {
        const char* env = std::getenv(text.c_str());
        if (!env || !*env)
          return Bad("config", where + ".secret_env", "environment variable '" + text + "' is not set");
        text = env;
      }
      site.secret = std::move(text);
    }
    if (!given) return Bad("config", where, "missing secret (or secret_env)");
    if (site.secret.size() < 32)
      return Bad("config", where, "the secret must be at least 32 bytes (e.g. 64 hex digits)");
    config.widget_sites.push_back(std::move(site));
  }
  return Ok();
}

// A list of official channels: a TOML array of strings, or comma separated text.
Key ListKey(std::string_view name, std::vector<std::string> OfficialChannels::*field) {
  return Key{name,
             [field](ServerConfig& c, std::string_view v) -> Status {
               c.verify.*field = SplitList(v);
               return Ok();
             },
             [field, name](ServerConfig& c, const toml::node& n) -> Status {
               auto list = StringArray(n, std::string(name), "[\"…\"]");
               if (!list.ok()) return std::move(list).error();
               c.verify.*field = std::move(*list);
               return Ok();
             }};
}

const std::vector<Key>& Keys() {
  static const std::vector<Key> keys = {
      StringKey("listen", &ServerConfig::listen),
      StringKey("db", &ServerConfig::db),
      StringKey("web_root", &ServerConfig::web_root),
      StringKey("key_file", &ServerConfig::key_file),
      StringKey("log_level", &ServerConfig::log_level),
      IntKey<int>("threads", 1, 64, [](ServerConfig& c, int v) { c.threads = v; }),
      LimitKey("limits.body_bytes", &Limits::body_bytes, 1024, 1LL << 30),
      LimitKey("limits.attachment_bytes", &Limits::attachment_bytes, 1024, 100LL << 20),
      LimitKey("limits.header_bytes", &Limits::header_bytes, 1024, 1 << 20),
      LimitKey("limits.header_count", &Limits::header_count, 8, 10'000),
      LimitKey("limits.frame_bytes", &Limits::frame_bytes, 256, 16LL << 20),
      LimitKey("limits.text_chars", &Limits::text_chars, 1, 1 << 20),
      LimitKey("limits.ws_burst", &Limits::ws_burst, 1, 1 << 20),
      LimitKey("limits.ws_per_second", &Limits::ws_per_second, 1, 1 << 20),
      LimitKey("limits.ws_queue_bytes", &Limits::ws_queue_bytes, 64 << 10, 1LL << 30),
      LimitKey("limits.header_timeout_ms", &Limits::header_timeout_ms, 100, 3'600'000),
      LimitKey("limits.request_timeout_ms", &Limits::request_timeout_ms, 100, 86'400'000),
      LimitKey("limits.idle_timeout_ms", &Limits::idle_timeout_ms, 100, 86'400'000),
      LimitKey("limits.ip_burst", &Limits::ip_burst, 1, 1 << 24),
      LimitKey("limits.ip_per_second", &Limits::ip_per_second, 0, 1 << 24),
      LimitKey("limits.ip_ws_connections", &Limits::ip_ws_connections, 0, 1 << 24),
      LimitKey("limits.token_burst", &Limits::token_burst, 1, 1 << 24),
      LimitKey("limits.token_per_second", &Limits::token_per_second, 0, 1 << 24),
      LimitKey("limits.ping_interval_ms", &Limits::ping_interval_ms, 100, 3'600'000),
      IntKey<std::int64_t>("bot.retrain_delay_ms", 0, 3'600'000,
                           [](ServerConfig& c, std::int64_t v) { c.bot_retrain_delay_ms = v; }),
      BoolKey("tickets.require_summary", &ServerConfig::tickets_require_summary),
      IntKey<int>("privacy.dsr_due_days", 1, 365, [](ServerConfig& c, int v) { c.dsr_due_days = v; }),
      IntKey<int>("privacy.dsr_warn_days", 0, 365, [](ServerConfig& c, int v) { c.dsr_warn_days = v; }),
      IntKey<int>("privacy.aml_retention_days", 0, 36500, [](ServerConfig& c, int v) { c.aml_retention_days = v; }),
      IntKey<int>("workflow.csat_reminder_minutes", 0, 7 * 24 * 60,
                  [](ServerConfig& c, int v) { c.csat_reminder_minutes = v; }),
      IntKey<int>("workflow.idle_notice_minutes", 0, 24 * 60,
                  [](ServerConfig& c, int v) { c.idle_notice_minutes = v; }),
      IntKey<int>("workflow.idle_close_minutes", 1, 24 * 60,
                  [](ServerConfig& c, int v) { c.idle_close_minutes = v; }),
      IntKey<int>("workflow.queue_timeout_minutes", 0, 24 * 60,
                  [](ServerConfig& c, int v) { c.queue_timeout_minutes = v; }),
      IntKey<int>("workflow.ticket_auto_close_hours", 0, 90 * 24,
                  [](ServerConfig& c, int v) { c.ticket_auto_close_hours = v; }),
      IntKey<int>("workflow.ticket_auto_close_notice_hours", 1, 30 * 24,
                  [](ServerConfig& c, int v) { c.ticket_auto_close_notice_hours = v; }),
      StringKey("bot.calendar", &ServerConfig::bot_calendar),
      StringKey("security.webhook_url", &ServerConfig::security_webhook_url),
      StringKey("security.webhook_secret", &ServerConfig::security_webhook_secret),
      IntKey<std::int64_t>("security.webhook_timeout_ms", 100, 120'000,
                           [](ServerConfig& c, std::int64_t v) { c.security_webhook_timeout_ms = v; }),
      IntKey<std::int64_t>("security.webhook_retry_ms", 100, 86'400'000,
                           [](ServerConfig& c, std::int64_t v) { c.security_webhook_retry_ms = v; }),
      IntKey<std::int64_t>("security.webhook_retry_cap_ms", 100, 7 * 86'400'000LL,
                           [](ServerConfig& c, std::int64_t v) { c.security_webhook_retry_cap_ms = v; }),
      IntKey<int>("security.webhook_max_attempts", 1, 100,
                  [](ServerConfig& c, int v) { c.security_webhook_max_attempts = v; }),
      IntKey<int>("complaints.review_hours", 1, 720, [](ServerConfig& c, int v) { c.complaints_review_hours = v; }),
      IntKey<int>("complaints.callback_hours", 1, 720,
                  [](ServerConfig& c, int v) { c.complaints_callback_hours = v; }),
      StringKey("complaints.time_zone", &ServerConfig::complaints_time_zone),
      Key{"bot.channels",
          [](ServerConfig& c, std::string_view v) -> Status {
            return SetChannels(c, "environment", SplitList(v));
          },
          [](ServerConfig& c, const toml::node& n) -> Status {
            auto names = StringArray(n, "bot.channels", "[\"widget\", \"email\"]");
            if (!names.ok()) return std::move(names).error();
            return SetChannels(c, "config", *names);
          }},
      IntKey<std::int64_t>("auth.session_ttl_ms", 1'000, 30LL * 86'400'000,
                           [](ServerConfig& c, std::int64_t v) { c.staff_session_ttl_ms = v; }),
      IntKey<std::int64_t>("widget.identity_max_ttl_seconds", 60, 30LL * 86'400,
                           [](ServerConfig& c, std::int64_t v) { c.widget_identity_max_ttl_s = v; }),
      IntKey<std::int64_t>("widget.identity_clock_skew_seconds", 0, 600,
                           [](ServerConfig& c, std::int64_t v) { c.widget_identity_skew_s = v; }),
      Key{"verify.brand",
          [](ServerConfig& c, std::string_view v) -> Status {
            c.verify.brand = std::string(v);
            return Ok();
          },
          [](ServerConfig& c, const toml::node& n) -> Status {
            if (!n.is_string()) return Bad("config", "verify.brand", "expected a string");
            c.verify.brand = *n.value<std::string>();
            return Ok();
          }},
      ListKey("verify.phones", &OfficialChannels::phones),
      ListKey("verify.emails", &OfficialChannels::emails),
      ListKey("verify.wechat", &OfficialChannels::wechat),
      ListKey("verify.telegram", &OfficialChannels::telegram),
      Key{"proxy.trusted",
          [](ServerConfig& c, std::string_view v) -> Status {
            c.trusted_proxies = SplitList(v);
            return Ok();
          },
          [](ServerConfig& c, const toml::node& n) -> Status {
            const auto* arr = n.as_array();
            if (!arr) return Bad("config", "proxy.trusted", "expected an array of strings");
            c.trusted_proxies.clear();
            for (const auto& item : *arr) {
              if (!item.is_string()) return Bad("config", "proxy.trusted", "expected strings");
              c.trusted_proxies.push_back(*item.value<std::string>());
            }
            return Ok();
          }},
      Key{"http.allowed_origins",
          [](ServerConfig& c, std::string_view v) -> Status {
            return SetOrigins(c, "environment", SplitList(v));
          },
          [](ServerConfig& c, const toml::node& n) -> Status {
            auto origins = StringArray(n, "http.allowed_origins", "[\"https://wallet.example\"]");
            if (!origins.ok()) return std::move(origins).error();
            return SetOrigins(c, "config", *origins);
          }},
      StringKey("tls.cert", &ServerConfig::tls_cert_file),
      StringKey("tls.key", &ServerConfig::tls_key_file),
  };
  return keys;
}

std::string EnvName(std::string_view key) {
  std::string env = "KEFU_";
  for (char c : key) env += c == '.' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return env;
}

}  // namespace

std::vector<std::string> ConfigEnvNames() {
  std::vector<std::string> out;
  for (const Key& key : Keys()) out.push_back(EnvName(key.name));
  return out;
}

namespace {

// Applies a parsed file's keys over `config`. Unknown keys are errors: a typo must not silently
// fall back to a default.
Status ApplyTable(ServerConfig& config, const toml::table& table, const std::string& where) {
  for (const Key& key : Keys()) {
    if (const toml::node* node = table.at_path(key.name).node()) {
      KEFU_TRY(key.from_toml(config, *node));
    }
  }
  if (const toml::node* calendars = table.get("calendars")) {
    KEFU_TRY(ParseCalendars(*calendars, config));
  }
  if (const toml::node* sites = table.at_path("widget.sites").node()) {
    KEFU_TRY(ParseWidgetSites(*sites, config));
  }
  std::string unknown;
  table.for_each([&](const toml::key& k, const toml::node& n) {
    if (k.str() == "calendars") return;
    auto known = [&](std::string_view name) {
      for (const Key& key : Keys())
        if (key.name == name) return true;
      return false;
    };
    if (n.is_table()) {
      n.as_table()->for_each([&](const toml::key& sub, const toml::node&) {
        std::string full = std::string(k.str()) + "." + std::string(sub.str());
        if (full == "widget.sites") return;
        if (!known(full) && unknown.empty()) unknown = full;
      });
    } else if (!known(k.str()) && unknown.empty()) {
      unknown = std::string(k.str());
    }
  });
  if (!unknown.empty()) return MakeError(Code::invalid, where + ": unknown key '" + unknown + "'");
  return {};
}

Error ParseError(const std::string& where, const toml::parse_error& e) {
  return MakeError(Code::invalid, where + ": " + std::string(e.description()) + " at line " +
                                      std::to_string(e.source().begin.line));
}

}  // namespace

Result<ServerConfig> LoadConfig(const std::string& path) {
  ServerConfig config;
  if (!path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      return ParseError(path, e);
    }
    KEFU_TRY(ApplyTable(config, table, path));
  }
  for (const Key& key : Keys()) {
    std::string env = EnvName(key.name);
    if (const char* v = std::getenv(env.c_str())) {
      auto st = key.from_text(config, v);
      if (!st.ok()) return MakeError(Code::invalid, env + ": " + st.error().message);
    }
  }
  if (!config.security_webhook_url.empty()) {
    const std::string& url = config.security_webhook_url;
    if (url.rfind("http://", 0) != 0 || url.size() <= 7)
      return MakeError(Code::invalid, "security.webhook_url: expected http://host[:port]/path (https is not "
                                      "supported: point it at a local TLS relay), got '" + url + "'");
    if (config.security_webhook_secret.size() < 16)
      return MakeError(Code::invalid, "security.webhook_secret: required with security.webhook_url, at least 16 "
                                      "bytes (or KEFU_SECURITY_WEBHOOK_SECRET)");
  }
  if (config.bot_calendar != "24x7") {
    bool defined = false;
    for (const auto& c : config.calendars) defined = defined || c.name == config.bot_calendar;
    if (!defined) {
      std::string where =
          std::getenv("KEFU_BOT_CALENDAR") ? "KEFU_BOT_CALENDAR" : "config: bot.calendar";
      return MakeError(Code::invalid, where + ": no calendar named '" + config.bot_calendar +
                                          "' (define [calendars." + config.bot_calendar +
                                          "] or use \"24x7\")");
    }
  }
  return config;
}

Result<ServerConfig> ParseConfig(std::string_view toml_text, const std::string& where) {
  ServerConfig config;
  toml::table table;
  try {
    table = toml::parse(toml_text, where);
  } catch (const toml::parse_error& e) {
    return ParseError(where, e);
  }
  KEFU_TRY(ApplyTable(config, table, where));
  return config;
}

Result<HostPort> ParseHostPort(const std::string& s) {
  HostPort hp;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return MakeError(Code::invalid, "listen address '" + s + "': expected [v6]:port");
    hp.host = s.substr(1, close - 1);
    port = std::string_view(s).substr(close + 2);
  } else {
    size_t colon = s.rfind(':');
    if (colon == std::string::npos)
      return MakeError(Code::invalid, "listen address '" + s + "': expected host:port");
    hp.host = s.substr(0, colon);
    port = std::string_view(s).substr(colon + 1);
  }
  if (hp.host.empty()) hp.host = "0.0.0.0";
  int p = 0;
  if (port.empty() || port.size() > 5) return MakeError(Code::invalid, "listen address '" + s + "': bad port");
  for (char c : port) {
    if (c < '0' || c > '9') return MakeError(Code::invalid, "listen address '" + s + "': bad port");
    p = p * 10 + (c - '0');
  }
  if (p > 65535) return MakeError(Code::invalid, "listen address '" + s + "': port out of range");
  hp.port = static_cast<std::uint16_t>(p);
  return hp;
}

}  // namespace kefu
