// Server configuration: defaults, then a TOML file (--config), then KEFU_* environment variables,
// then command-line flags. Every key is validated at start with a clear error naming the key.
//
// The TOML keys and their environment names (dots become underscores, upper-cased, KEFU_ prefix):
//   listen = "127.0.0.1:8080"            KEFU_LISTEN
//   db = "sqlite:var/kefu.db"            KEFU_DB
//   web_root = "web/dist"                KEFU_WEB_ROOT
//   key_file = ""                        KEFU_KEY_FILE   (default: <db>.key beside the database)
//   threads = 1                          KEFU_THREADS    (network threads)
//   log_level = "info"                   KEFU_LOG_LEVEL
//   [limits] body_bytes, attachment_bytes, header_bytes, header_count, frame_bytes, text_chars, ws_burst,
//            ws_per_second, ws_queue_bytes, header_timeout_ms, request_timeout_ms, idle_timeout_ms,
//            ping_interval_ms, ip_burst, ip_per_second, ip_ws_connections, token_burst,
//            token_per_second
//                                        KEFU_LIMITS_FRAME_BYTES, ... (see Limits below)
//   [proxy] trusted = ["127.0.0.0/8", "::1"]   KEFU_PROXY_TRUSTED (comma separated; addresses or
//                                        CIDR networks whose X-Forwarded-For is believed)
//   [http] allowed_origins = ["https://wallet.example"]   KEFU_HTTP_ALLOWED_ORIGINS (comma
//                                        separated; other sites that may call the widget's public
//                                        routes (CORS) and frame the widget page; scheme://host[:port])
//   [tls] cert = "", key = ""            KEFU_TLS_CERT, KEFU_TLS_KEY (PEM files; both set: HTTPS
//                                        and WSS on the listen address, with HSTS)
//   [bot] retrain_delay_ms = 500         KEFU_BOT_RETRAIN_DELAY_MS (quiet time after a
//                                        knowledge-base change before the bot retrains)
//   [bot] calendar = "24x7"              KEFU_BOT_CALENDAR (the hours the bot tells customers and
//                                        outside of which it offers to leave a message: the name
//                                        of a [calendars.NAME] table, or the built-in "24x7")
//   [bot] channels = ["widget", "wechat", "telegram", "email"]
//                                        KEFU_BOT_CHANNELS (comma separated; the channels whose
//                                        new conversations start with the bot, the others go
//                                        straight to the L1 queue; of widget, wechat, telegram,
//                                        email, phone)
//   [tickets] require_summary = false    KEFU_TICKETS_REQUIRE_SUMMARY (true: closing a ticket
//                                        needs a closing summary, 小结)
//   [workflow] csat_reminder_minutes = 60   KEFU_WORKFLOW_CSAT_REMINDER_MINUTES (one reminder of an
//                                        unanswered survey this long after close; 0: none)
//   [workflow] idle_notice_minutes = 10  KEFU_WORKFLOW_IDLE_NOTICE_MINUTES (the customer silent
//                                        this long after the agent's last word gets "are you still
//                                        there?"; 0: conversations never close by themselves)
//   [workflow] idle_close_minutes = 5    KEFU_WORKFLOW_IDLE_CLOSE_MINUTES (and this long after the
//                                        notice, unanswered, the conversation closes)
//   [privacy] dsr_due_days = 30          KEFU_PRIVACY_DSR_DUE_DAYS (a data-subject request's deadline)
//   [privacy] dsr_warn_days = 3          KEFU_PRIVACY_DSR_WARN_DAYS (admins reminded this long before)
//   [privacy] aml_retention_days = 1826  KEFU_PRIVACY_AML_RETENTION_DAYS (money-movement records kept
//                                        from erasure this long after they were made)
//   [security] webhook_url = ""          KEFU_SECURITY_WEBHOOK_URL (http://host[:port]/path of the
//                                        operator's backend, called when a case reaches the
//                                        security desk; empty: no webhook. https is not supported:
//                                        point it at a local TLS relay)
//   [security] webhook_secret = ""       KEFU_SECURITY_WEBHOOK_SECRET (the HMAC-SHA256 key of the
//                                        X-Kefu-Signature header; required with a URL, >= 16 bytes)
//   [security] webhook_timeout_ms = 10000   KEFU_SECURITY_WEBHOOK_TIMEOUT_MS (one attempt's limit)
//   [security] webhook_retry_ms = 30000  KEFU_SECURITY_WEBHOOK_RETRY_MS (the first retry's delay;
//                                        each next one doubles, up to webhook_retry_cap_ms)
//   [security] webhook_retry_cap_ms = 3600000   KEFU_SECURITY_WEBHOOK_RETRY_CAP_MS
//   [security] webhook_max_attempts = 8  KEFU_SECURITY_WEBHOOK_MAX_ATTEMPTS (then webhook.failed)
//   [workflow] queue_timeout_minutes = 10   KEFU_WORKFLOW_QUEUE_TIMEOUT_MINUTES (a customer waiting
//                                        in a queue this long after the bot handed over is offered,
//                                        once, to leave a message; 0: never)
//   [workflow] ticket_auto_close_hours = 72   KEFU_WORKFLOW_TICKET_AUTO_CLOSE_HOURS (a resolved ticket
//                                        whose customer stays silent this long gets a notice; 0: never)
//   [workflow] ticket_auto_close_notice_hours = 24   KEFU_WORKFLOW_TICKET_AUTO_CLOSE_NOTICE_HOURS (and
//                                        this long after the notice, still silent, it closes)
//   [complaints] review_hours = 24      KEFU_COMPLAINTS_REVIEW_HOURS (a complaint's review is due
//                                        this many wall-clock hours after receipt, 1–720; see
//                                        docs/adr/0017)
//   [complaints] callback_hours = 24    KEFU_COMPLAINTS_CALLBACK_HOURS (the callback (回访) task
//                                        falls due this long after resolution, 1–720)
//   [complaints] time_zone = "Asia/Shanghai"   KEFU_COMPLAINTS_TIME_ZONE (the IANA zone for times
//                                        told to customers whose own zone is not known)
//   [auth] session_ttl_ms = 43200000     KEFU_AUTH_SESSION_TTL_MS (staff sessions: 1 s … 30 days)
//   [calendars.NAME]                     (file only: no environment names) a business calendar,
//                                        see docs/config.example.toml; NAME is letters, digits,
//                                        '_' and '-', not "24x7":
//     time_zone = "Asia/Shanghai"        required, an IANA zone
//     weekdays = ["09:00-18:00"]         shorthand for mon..fri
//     weekends = ["10:00-16:00"]         shorthand for sat, sun
//     mon = [...], tue … sun             one day's intervals "HH:MM-HH:MM" (overrides the
//                                        shorthand; end "24:00" = midnight; an end before the
//                                        start runs past midnight); a day not given is closed
//     holidays = ["2026-10-01", ...]     local dates closed all day
//     workdays = ["2026-10-10", {date = "2026-09-20", hours = ["09:00-12:00"]}, ...]
//                                        local dates worked (调休): a plain date opens with
//                                        Monday's hours, a table with its own hours
//   Interval and date syntax, time zones and overlaps are checked by calendar::Calendar::Make.
//   [widget] identity_max_ttl_seconds = 86400   KEFU_WIDGET_IDENTITY_MAX_TTL_SECONDS (a signed
//                                        widget identity may expire at most this far ahead)
//   [widget] identity_clock_skew_seconds = 60   KEFU_WIDGET_IDENTITY_CLOCK_SKEW_SECONDS (how far
//                                        the operator's clock may differ from ours)
//   [widget.sites.NAME]                  (file only) a site whose backend signs its users' ids
//                                        (README "Widget identity"); NAME is letters, digits,
//                                        '_' and '-':
//     secret = "…"                       the HMAC-SHA256 key, at least 32 bytes, or
//     secret_env = "SHOP_WIDGET_SECRET"  the name of an environment variable holding it
//   [verify] brand = ""                  KEFU_VERIFY_BRAND (the operator's name on /verify)
//   [verify] phones = [], emails = [], wechat = [], telegram = []
//                                        KEFU_VERIFY_PHONES, … (comma separated): the official
//                                        channels /verify confirms (see domain/verify.hpp for how
//                                        they are compared)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/calendar_spec.hpp"
#include "core/result.hpp"

namespace kefu {

struct Limits {
  std::int64_t body_bytes = 1 << 20;        // HTTP request body
  std::int64_t attachment_bytes = 10 << 20;  // one uploaded attachment (its request body)
  std::int64_t header_bytes = 16 << 10;     // HTTP request head
  std::int64_t header_count = 100;          // header fields in one HTTP request
  std::int64_t frame_bytes = 64 << 10;      // one WebSocket message
  std::int64_t text_chars = 4000;           // one chat message, in code points
  std::int64_t ws_burst = 200;              // frames allowed at once per connection
  std::int64_t ws_per_second = 20;          // sustained frames per second per connection
  std::int64_t ws_queue_bytes = 4 << 20;    // unsent bytes per connection before it is dropped
  std::int64_t header_timeout_ms = 10'000;  // a request head must arrive whole this long after its
                                            // first byte (and a new connection's first request)
  std::int64_t request_timeout_ms = 30'000;  // the whole request, body included, from its first byte
  std::int64_t idle_timeout_ms = 60'000;    // keep-alive HTTP connections between requests
  std::int64_t ping_interval_ms = 30'000;   // WebSocket ping; no pong within another → closed
  // REST requests and WebSocket handshakes per client address (token bucket: a burst, then so
  // many per second; 0 per second: no limit). The address is the peer's, or from
  // X-Forwarded-For when the peer is a trusted proxy; loopback without it is not limited.
  std::int64_t ip_burst = 600;
  std::int64_t ip_per_second = 100;
  std::int64_t ip_ws_connections = 1000;  // open WebSockets per client address (0: no limit)
  // REST requests per bearer token, wherever they come from (loopback included).
  std::int64_t token_burst = 600;
  std::int64_t token_per_second = 100;
};

// A site that embeds the widget and signs its users' ids (auth/widget_identity.hpp).
struct WidgetSite {
  std::string name;
  std::string secret;  // raw bytes of the HMAC key (never logged)
};

// The official channels of the operator, as configured (not normalised).
struct OfficialChannels {
  std::string brand;
  std::vector<std::string> phones;
  std::vector<std::string> emails;
  std::vector<std::string> wechat;
  std::vector<std::string> telegram;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sqlite:var/kefu.db";
  std::string web_root = "web/dist";
  std::string key_file;  // empty: beside the database
  int threads = 1;
  std::string log_level = "info";
  Limits limits;
  std::vector<std::string> trusted_proxies = {"127.0.0.0/8", "::1"};
  // Origins ("https://wallet.example", lower case, no trailing slash) of other sites allowed to
  // call the widget's public routes cross-origin and to frame the widget page.
  std::vector<std::string> allowed_origins;
  // TLS: PEM certificate chain and private key; both empty: plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Knowledge-base edits in quick succession retrain the bot once, this long after the last one
  // (and at most 10× this long after the first).
  std::int64_t bot_retrain_delay_ms = 500;
  // The calendar whose hours the bot tells customers: a name in `calendars` or "24x7".
  std::string bot_calendar = "24x7";
  // Channels whose new conversations start with the bot (each one of kChannelNames); the others
  // go straight to the L1 queue.
  std::vector<std::string> bot_channels = {"widget", "wechat", "telegram", "email"};
  // Closing a ticket needs a closing summary (小结), given then or before.
  bool tickets_require_summary = false;
  // Data-subject requests: the legal deadline (GDPR: one month; PIPL asks for "timely"), the
  // reminder to admins that many days before it, and how long records of money movements are
  // kept from erasure for anti-money-laundering rules (FATF R.11: at least five years).
  int dsr_due_days = 30;
  int dsr_warn_days = 3;
  int aml_retention_days = 1826;
  // The workflow's timers, in minutes (see the header comment); 0 switches the first two off.
  int csat_reminder_minutes = 60;
  int idle_notice_minutes = 10;
  int idle_close_minutes = 5;
  int queue_timeout_minutes = 10;
  int ticket_auto_close_hours = 72;
  int ticket_auto_close_notice_hours = 24;
  // Complaints: review deadline and callback delay in wall-clock hours; the default zone for
  // times in customer notices.
  int complaints_review_hours = 24;
  int complaints_callback_hours = 24;
  std::string complaints_time_zone = "Asia/Shanghai";
  // Named business calendars from [calendars.NAME] tables, sorted by name.
  std::vector<CalendarSpec> calendars;
  // How long a staff sign-in session lasts (from sign-in; revocation ends it sooner).
  std::int64_t staff_session_ttl_ms = 12LL * 3600 * 1000;
  // The security desk's webhook to the operator's backend ([security], see the header comment).
  std::string security_webhook_url;     // empty: off
  std::string security_webhook_secret;  // required with a URL
  std::int64_t security_webhook_timeout_ms = 10'000;
  std::int64_t security_webhook_retry_ms = 30'000;
  std::int64_t security_webhook_retry_cap_ms = 3'600'000;
  int security_webhook_max_attempts = 8;
  // Widget identity: the sites allowed to sign identities, sorted by name, and the bounds on
  // an identity's expiry.
  std::vector<WidgetSite> widget_sites;
  std::int64_t widget_identity_max_ttl_s = 86'400;
  std::int64_t widget_identity_skew_s = 60;
  // What /verify confirms as official.
  OfficialChannels verify;
};

// Every channel name kefu knows, in the order the configuration documents them.
inline constexpr std::string_view kChannelNames[] = {"widget", "wechat", "telegram", "email",
                                                     "phone"};

// Loads `path` (may be empty: no file) over the defaults, then applies KEFU_* variables from
// `environ`. Errors name the file, key and what was expected.
Result<ServerConfig> LoadConfig(const std::string& path);

// The names of the environment variables LoadConfig reads (KEFU_LISTEN, …).
std::vector<std::string> ConfigEnvNames();
// The file part of LoadConfig on text already in memory (no environment); `where` names it in
// errors. For tests and the fuzz target tests/fuzz/config_toml.cpp.
Result<ServerConfig> ParseConfig(std::string_view toml_text, const std::string& where);

// Splits "host:port" / "[v6]:port". Errors on a missing or out-of-range port.
struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
Result<HostPort> ParseHostPort(const std::string& s);

// The kefu version string ("0.1.0").
const char* Version();

}  // namespace kefu
