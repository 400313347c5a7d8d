#include "core/config.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace kefu {
namespace {

// A TOML file in a fresh temporary directory, removed with the fixture.
class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kefu_config_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    for (const char* env : {"KEFU_BOT_CALENDAR", "KEFU_BOT_CHANNELS", "KEFU_SECURITY_WEBHOOK_SECRET"}) ::unsetenv(env);
    std::filesystem::remove_all(dir_);
  }
  std::string Write(const std::string& toml) {
    std::string path = (dir_ / "kefu.toml").string();
    std::ofstream(path) << toml;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto c = LoadConfig("");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->bot_calendar, "24x7");
  EXPECT_EQ(c->bot_channels, (std::vector<std::string>{"widget", "wechat", "telegram", "email"}));
  EXPECT_TRUE(c->calendars.empty());
}

TEST_F(ConfigTest, ReadsCalendarsAndBotHours) {
  auto c = LoadConfig(Write(R"(
[bot]
calendar = "cs"
channels = ["widget", "phone"]

[calendars.cs]
time_zone = "Asia/Shanghai"
weekdays = ["09:00-21:00"]
weekends = ["10:00-18:00"]
fri = ["09:00-12:00", "13:00-17:00"]
holidays = ["2026-10-01"]
workdays = ["2026-09-20", {date = "2026-10-10", hours = ["09:00-12:00"]}]

[calendars.night-desk]
time_zone = "Europe/Madrid"
sun = ["22:00-06:00"]
)"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->bot_calendar, "cs");
  EXPECT_EQ(c->bot_channels, (std::vector<std::string>{"widget", "phone"}));
  ASSERT_EQ(c->calendars.size(), 2u);
  const CalendarSpec& cs = c->calendars[0];
  EXPECT_EQ(cs.name, "cs");
  EXPECT_EQ(cs.time_zone, "Asia/Shanghai");
  for (int d = 0; d < 4; ++d) EXPECT_EQ(cs.week[d], std::vector<std::string>{"09:00-21:00"});
  // A named day overrides the shorthand, even though it comes after it.
  EXPECT_EQ(cs.week[4], (std::vector<std::string>{"09:00-12:00", "13:00-17:00"}));
  EXPECT_EQ(cs.week[5], std::vector<std::string>{"10:00-18:00"});
  EXPECT_EQ(cs.week[6], std::vector<std::string>{"10:00-18:00"});
  EXPECT_EQ(cs.holidays, std::vector<std::string>{"2026-10-01"});
  ASSERT_EQ(cs.workdays.size(), 2u);
  EXPECT_EQ(cs.workdays[0].date, "2026-09-20");
  EXPECT_TRUE(cs.workdays[0].hours.empty());
  EXPECT_EQ(cs.workdays[1].date, "2026-10-10");
  EXPECT_EQ(cs.workdays[1].hours, std::vector<std::string>{"09:00-12:00"});
  const CalendarSpec& night = c->calendars[1];
  EXPECT_EQ(night.name, "night-desk");
  for (int d = 0; d < 6; ++d) EXPECT_TRUE(night.week[d].empty()) << d;  // missing days are closed
  EXPECT_EQ(night.week[6], std::vector<std::string>{"22:00-06:00"});
}

TEST_F(ConfigTest, EnvironmentOverridesTheFile) {
  std::string path = Write(R"(
[bot]
calendar = "cs"
channels = ["widget"]
[calendars.cs]
time_zone = "Asia/Shanghai"
[calendars.support]
time_zone = "UTC"
)");
  ::setenv("KEFU_BOT_CALENDAR", "support", 1);
  ::setenv("KEFU_BOT_CHANNELS", " wechat, telegram ,email", 1);
  auto c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->bot_calendar, "support");
  EXPECT_EQ(c->bot_channels, (std::vector<std::string>{"wechat", "telegram", "email"}));

  ::setenv("KEFU_BOT_CALENDAR", "24x7", 1);
  ::setenv("KEFU_BOT_CHANNELS", "", 1);  // no channel starts with the bot
  c = LoadConfig(path);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->bot_calendar, "24x7");
  EXPECT_TRUE(c->bot_channels.empty());
}

TEST_F(ConfigTest, SecurityWebhookNeedsHttpAndASecret) {
  auto c = LoadConfig(Write("[security]\nwebhook_url = \"http://127.0.0.1:9000/hook\"\n"
                            "webhook_secret = \"0123456789abcdef\"\nwebhook_max_attempts = 3\n"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->security_webhook_url, "http://127.0.0.1:9000/hook");
  EXPECT_EQ(c->security_webhook_max_attempts, 3);
  EXPECT_EQ(c->security_webhook_retry_ms, 30'000);  // the default

  c = LoadConfig(Write("[security]\nwebhook_url = \"https://backend/hook\"\nwebhook_secret = \"0123456789abcdef\"\n"));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("security.webhook_url"), std::string::npos) << c.error().message;

  const std::string no_secret = Write("[security]\nwebhook_url = \"http://backend/hook\"\n");
  c = LoadConfig(no_secret);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("security.webhook_secret"), std::string::npos) << c.error().message;
  ::setenv("KEFU_SECURITY_WEBHOOK_SECRET", "a secret from the environment", 1);
  c = LoadConfig(no_secret);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->security_webhook_secret, "a secret from the environment");
}

TEST_F(ConfigTest, WorkflowTimersAreMinutesWithZeroForOff) {
  auto c = LoadConfig(Write("[workflow]\ncsat_reminder_minutes = 0\nidle_notice_minutes = 30\n"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->csat_reminder_minutes, 0);
  EXPECT_EQ(c->idle_notice_minutes, 30);
  EXPECT_EQ(c->idle_close_minutes, 5);
  auto bad = LoadConfig(Write("[workflow]\nidle_close_minutes = 0\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("workflow.idle_close_minutes"), std::string::npos) << bad.error().message;
}

TEST_F(ConfigTest, EnvironmentErrorsNameTheVariable) {
  struct Case {
    const char* env;
    const char* value;
    const char* message;
  };
  for (Case k :
       {Case{
            "KEFU_BOT_CHANNELS", "widget,fax",
            "KEFU_BOT_CHANNELS: environment: bot.channels: unknown channel 'fax' (expected widget, "
            "wechat, telegram, email or phone)"},
        Case{"KEFU_BOT_CHANNELS", "email,email",
             "KEFU_BOT_CHANNELS: environment: bot.channels: channel 'email' is listed twice"},
        Case{"KEFU_BOT_CALENDAR", "office",
             "KEFU_BOT_CALENDAR: no calendar named 'office' (define [calendars.office] or use "
             "\"24x7\")"}}) {
    SCOPED_TRACE(k.env + std::string("=") + k.value);
    ::setenv(k.env, k.value, 1);
    auto c = LoadConfig("");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Code::invalid);
    EXPECT_EQ(c.error().message, k.message);
    ::unsetenv(k.env);
  }
}

TEST_F(ConfigTest, BadKeysAreNamedInTheError) {
  struct Case {
    std::string toml;
    std::string message;
  };
  const std::string zone = "[calendars.cs]\ntime_zone = \"Asia/Shanghai\"\n";
  std::vector<Case> cases = {
      {"[bot]\ncalendar = \"office\"\n",
       "config: bot.calendar: no calendar named 'office' (define [calendars.office] or use "
       "\"24x7\")"},
      {"[bot]\ncalendar = 7\n", "config: bot.calendar: expected a string"},
      {"[bot]\nchannels = \"widget\"\n",
       "config: bot.channels: expected an array of strings such as [\"widget\", \"email\"]"},
      {"[bot]\nchannels = [\"widget\", \"sms\"]\n",
       "config: bot.channels: unknown channel 'sms' (expected widget, wechat, telegram, email or "
       "phone)"},
      {"[bot]\nchannels = [\"phone\", \"phone\"]\n",
       "config: bot.channels: channel 'phone' is listed twice"},
      {"calendars = 1\n", "config: calendars: expected tables [calendars.NAME]"},
      {"[calendars]\ncs = 1\n", "config: calendars.cs: expected a table [calendars.cs]"},
      {"[calendars.24x7]\ntime_zone = \"UTC\"\n",
       "config: calendars.24x7: \"24x7\" is built in (always open) and reserved"},
      {"[calendars.\"front desk\"]\ntime_zone = \"UTC\"\n",
       "config: calendars.front desk: a calendar name is letters, digits, '_' and '-'"},
      {"[calendars.cs]\nmon = [\"09:00-18:00\"]\n",
       "config: calendars.cs.time_zone: missing (an IANA zone such as \"Asia/Shanghai\")"},
      {"[calendars.cs]\ntime_zone = 8\n",
       "config: calendars.cs.time_zone: expected a string such as \"Asia/Shanghai\""},
      {zone + "mon = \"09:00-18:00\"\n",
       "config: calendars.cs.mon: expected an array of strings such as [\"09:00-18:00\"]"},
      {zone + "weekdays = [9]\n",
       "config: calendars.cs.weekdays: expected an array of strings such as [\"09:00-18:00\"]"},
      {zone + "monday = [\"09:00-18:00\"]\n",
       "config: unknown key 'calendars.cs.monday' (expected time_zone, weekdays, weekends, "
       "mon..sun, "
       "holidays, workdays)"},
      {zone + "holidays = \"2026-10-01\"\n",
       "config: calendars.cs.holidays: expected an array of strings such as [\"2026-10-01\"]"},
      {zone + "workdays = [20260920]\n",
       "config: calendars.cs.workdays: expected an array of dates \"YYYY-MM-DD\" or tables {date = "
       "\"YYYY-MM-DD\", hours = [\"09:00-18:00\"]}"},
      {zone + "workdays = [{hours = [\"09:00-12:00\"]}]\n",
       "config: calendars.cs.workdays: expected an array of dates \"YYYY-MM-DD\" or tables {date = "
       "\"YYYY-MM-DD\", hours = [\"09:00-18:00\"]}"},
      {zone + "workdays = [{date = \"2026-09-20\", hours = []}]\n",
       "config: calendars.cs.workdays: 2026-09-20: hours must not be empty"},
      {zone + "workdays = [{date = \"2026-09-20\", open = [\"09:00-12:00\"]}]\n",
       "config: calendars.cs.workdays: unknown key 'open' in a workday (expected date and hours)"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.toml);
    auto c = LoadConfig(Write(k.toml));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().code, Code::invalid);
    EXPECT_EQ(c.error().message, k.message);
  }
}

TEST_F(ConfigTest, WidgetSitesAndOfficialChannels) {
  ::setenv("KEFU_TEST_SITE_SECRET", "0123456789abcdef0123456789abcdef-env", 1);
  auto c = LoadConfig(Write(
      "[widget]\nidentity_max_ttl_seconds = 3600\n"
      "[widget.sites.shop]\nsecret = \"0123456789abcdef0123456789abcdef\"\n"
      "[widget.sites.app-2]\nsecret_env = \"KEFU_TEST_SITE_SECRET\"\n"
      "[verify]\nbrand = \"Demo\"\nphones = [\"+86 400\"]\nemails = [\"a@b\"]\nwechat = [\"w\"]\ntelegram = [\"@t\"]\n"));
  ::unsetenv("KEFU_TEST_SITE_SECRET");
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_EQ(c->widget_sites.size(), 2u);
  EXPECT_EQ(c->widget_sites[0].name, "app-2");  // sorted by name
  EXPECT_EQ(c->widget_sites[0].secret, "0123456789abcdef0123456789abcdef-env");
  EXPECT_EQ(c->widget_sites[1].name, "shop");
  EXPECT_EQ(c->widget_sites[1].secret, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(c->widget_identity_max_ttl_s, 3600);
  EXPECT_EQ(c->widget_identity_skew_s, 60);
  EXPECT_EQ(c->verify.brand, "Demo");
  EXPECT_EQ(c->verify.phones, std::vector<std::string>{"+86 400"});
  EXPECT_EQ(c->verify.telegram, std::vector<std::string>{"@t"});
  struct Case {
    std::string toml, message;
  } bad[] = {
      {"[widget.sites.shop]\nsecret = \"short\"\n",
       "config: widget.sites.shop: the secret must be at least 32 bytes (e.g. 64 hex digits)"},
      {"[widget.sites.shop]\n", "config: widget.sites.shop: missing secret (or secret_env)"},
      {"[widget.sites.shop]\nsecret_env = \"KEFU_TEST_UNSET_SECRET\"\n",
       "config: widget.sites.shop.secret_env: environment variable 'KEFU_TEST_UNSET_SECRET' is not set"},
      {"[widget.sites.shop]\nkey = \"x\"\n",
       "config: unknown key 'widget.sites.shop.key' (expected secret or secret_env)"},
      {"[widget.sites.\"a b\"]\nsecret = \"x\"\n",
       "config: widget.sites.a b: a site name is 1-64 letters, digits, '_' and '-'"},
      {"[verify]\nphones = \"+86 400\"\n", "config: verify.phones: expected an array of strings such as [\"…\"]"},
      {"[verify]\nfax = [\"1\"]\n", "kefu.toml: unknown key 'verify.fax'"},
  };
  for (const Case& k : bad) {
    SCOPED_TRACE(k.toml);
    auto r = LoadConfig(Write(k.toml));
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find(k.message), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace kefu
