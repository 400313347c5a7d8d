// kefu: the customer-service server and its administration commands. Wiring only: each
// subcommand parses its flags and calls into the modules.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "apps/kefu/cli.hpp"
#include "auth/password.hpp"
#include "bot/bot.hpp"
#include "bot/knowledge_base.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "core/time.hpp"
#include "http/server.hpp"

namespace kefu::cli {

Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.starts_with("--")) {
      std::string name = a.substr(2), value;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (std::find(flags.begin(), flags.end(), name) == flags.end()) {
        if (i + 1 >= argc) return MakeError(Code::invalid, "--" + name + " needs a value");
        value = argv[++i];
      }
      args.options[name] = value;
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

DbUrl NormaliseDb(const std::string& value) {
  if (value.starts_with("postgresql://") || value.starts_with("postgres://")) return {value, ""};
  std::string path = value;
  if (path.starts_with("sqlite://")) {
    path = path.substr(9);
  } else if (path.starts_with("sqlite:")) {
    path = path.substr(7);
  }
  return {"sqlite:" + path, path};
}

Result<std::string> KeyFilePath(const std::string& db_value, const std::string& key_file) {
  if (!key_file.empty()) return key_file;
  DbUrl db = NormaliseDb(db_value);
  if (db.sqlite_path.empty())
    return MakeError(Code::invalid, "set key_file (KEFU_KEY_FILE) when the database is not SQLite");
  return auth::DefaultKeyPath(db.sqlite_path);
}

Result<Opened> OpenDatabase(const std::string& db_value, const std::string& key_file, bool serving) {
  DbUrl db = NormaliseDb(db_value);
  KEFU_ASSIGN(key_path, KeyFilePath(db_value, key_file));
  KEFU_ASSIGN(key, auth::LoadKeys(key_path));
  if (key.created)
    std::fprintf(stderr, "kefu: created a new key file at %s (mode 0600) — keep a copy apart from the database's backups\n",
                 key.path.c_str());
  auto cipher = std::make_shared<crypto::FieldCipher>();
  KEFU_TRY(auth::ConfigureCipher(key, *cipher));
  store::StoreOptions options;
  options.audit_key = AuditKey(key);  // the audit log is chained under a subkey (admin.cpp)
  options.cipher = cipher;
  if (serving) {
    options.reseal_check_ms = 1000;
    // A rotation (kefu keys rotate) adds a key to the file: the store notices and re-seals.
    options.refresh_keys = [key_path, cipher]() -> Status {
      KEFU_ASSIGN(keys, auth::LoadKeys(key_path));
      return auth::ConfigureCipher(keys, *cipher);
    };
  }
  KEFU_ASSIGN(store, store::Store::Open(db.url, options));
  return Opened{std::move(store), key, cipher};
}

}  // namespace kefu::cli

namespace {

using namespace kefu;

constexpr const char* kHelp = R"(kefu — customer service for wallet and payment operators

Usage: kefu <command> [options]

Commands:
  serve        Run the HTTP/WebSocket server (see: kefu serve --help)
  staff add    Create a staff account:
                 kefu staff add --db PATH --email E --role ROLE [--desk DESK] [--name N]
                                [--max-chats N] [--languages zh,en] [--skills kyc,withdrawal]
                                [--password-stdin]
               Roles: admin, supervisor, agent, auditor, kb_editor.
               Desks: L1, L2, L3, security, complaints. Without --password-stdin a password is
               generated and printed once.
  staff list   List staff accounts: kefu staff list --db PATH
  kb import    Import a knowledge base (JSONL; re-importing an id replaces it with a new
               version; imported entries are published; bad lines are reported with their
               number and the rest imported; exit 1 if any was bad):
                 kefu kb import FILE.jsonl --db PATH
  kb export    Write the published knowledge base (what the bot answers from) as JSONL:
                 kefu kb export --db PATH [--out FILE]
  bot ask      Ask the bot; prints one JSON object per question (DESIGN.md §2):
                 kefu bot ask --db PATH [--lang zh|zh-CN|zh-TW|en|es] [TEXT]
               (no TEXT: each stdin line). Questions in traditional characters, or --lang
               zh-TW, get answers in traditional characters.
  demo seed    Create the demo staff (passwords printed once and saved to a 0600 file) and
               import a demo knowledge base:
                 kefu demo seed --db PATH [--kb FILE.jsonl] [--credentials FILE]
  migrate      Create the database or bring its schema up to date: kefu migrate --db PATH
  backup       Copy a database while the server runs (a consistent snapshot, fsync'd):
                 kefu backup --db PATH --out FILE
               The key file (PATH.key) is not in the backup: keep a copy of it apart.
  restore      Check a backup and put it in place (atomically; stop the server first):
                 kefu restore --in FILE --db PATH [--force]
  keys         Encryption at rest (message bodies and customer PII; data keys in the key file):
                 kefu keys status --db PATH          values under each data key id
                 kefu keys rotate --db PATH          add a data key and make it current; a
                                                     running server re-seals in the background
                 kefu keys reseal --db PATH          re-seal now (no server needed)
                 kefu keys retire --db PATH --id N   drop an old key once no value uses it
               (each takes --key-file F; KEFU_MASTER_KEY / KEFU_DATA_KEYS replace the file)
  audit verify Walk the hash-chained audit log; names the first entry altered, removed or
               reordered (exit 1): kefu audit verify --db PATH [--key-file F]

Options for every command that takes --db: "--db PATH" means "--db sqlite:PATH"; the database
and its key file (PATH.key, mode 0600) are created when missing.

  --help       Show this help      --version   Show the version
)";

constexpr const char* kServeHelp = R"(Usage: kefu serve [options]

  --db URL          sqlite:PATH (default sqlite:var/kefu.db) or a bare PATH
  --listen H:P      address to listen on (default 127.0.0.1:8080; port 0 picks a free one)
  --config FILE     a TOML file (keys: listen, db, web_root, key_file, log_level, [limits] …,
                    [bot] retrain_delay_ms, calendar, channels, [calendars.NAME] …;
                    see docs/config.example.toml)
  --web-root DIR    the built web UI (default web/dist)
  --tls-cert FILE   serve HTTPS and WSS with this PEM certificate chain (with --tls-key;
                    also [tls] cert / KEFU_TLS_CERT); responses then carry HSTS
  --tls-key FILE    the certificate's PEM private key ([tls] key / KEFU_TLS_KEY)
  --log-level L     debug, info, warn or error
  --test-clock T    FOR TESTS ONLY: time stands still at T (RFC 3339) and moves only by
                    POST /api/v1/test/clock; every timer (SLA, reminders, auto-close) fires
                    as if that much time had passed

Every config key except [calendars.NAME] can also be set with a KEFU_* environment variable
(e.g. KEFU_LISTEN, KEFU_LIMITS_FRAME_BYTES). Precedence: flags > environment > file > defaults.

Hardening ([limits], [http], [proxy]; defaults in brackets):
  header_bytes [16 KiB], header_count [100] and body_bytes [1 MiB] per request (431/413);
  header_timeout_ms [10000] for a request head, request_timeout_ms [30000] for a whole request
  (plus 1 s per 32 KiB of body): slower clients get 408 and are disconnected;
  idle_timeout_ms [60000] between keep-alive requests. Rate limits (429 with Retry-After;
  0 per second switches one off): ip_burst/ip_per_second [600/100] per client address,
  token_burst/token_per_second [600/100] per bearer token, ip_ws_connections [1000] open
  WebSockets per client address; ws_queue_bytes [4 MiB] unsent bytes before a WebSocket peer
  that stopped reading is dropped. Behind a trusted proxy ([proxy] trusted, default loopback)
  the client address comes from X-Forwarded-For; loopback without it is not limited by
  address. [http] allowed_origins lists the other sites that may call the widget's public
  routes (CORS) and frame the widget page; state-changing requests from any other site are
  refused (403).

The server prints "kefu: listening on http://HOST:PORT" (https:// with TLS) when ready.
SIGTERM or SIGINT drains: no new connections, pending writes are committed and acknowledged,
WebSockets are closed with 1001, and the database is checkpointed and closed.
)";

int Fail(const Error& e) {
  std::fprintf(stderr, "kefu: %s\n", e.message.c_str());
  return e.code == Code::invalid ? 2 : 1;
}

int Serve(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 2, {"help"});
  if (!args.ok()) return Fail(args.error());
  if (args->Has("help")) {
    std::fputs(kServeHelp, stdout);
    return 0;
  }
  auto config = LoadConfig(args->Get("config").value_or(""));
  if (!config.ok()) return Fail(config.error());
  if (auto v = args->Get("db")) config->db = *v;
  if (auto v = args->Get("listen")) config->listen = *v;
  if (auto v = args->Get("web-root")) config->web_root = *v;
  if (auto v = args->Get("log-level")) config->log_level = *v;
  if (auto v = args->Get("tls-cert")) config->tls_cert_file = *v;
  if (auto v = args->Get("tls-key")) config->tls_key_file = *v;
  if (config->tls_cert_file.empty() != config->tls_key_file.empty())
    return Fail(MakeError(Code::invalid, "--tls-cert and --tls-key go together: give both or neither"));
  std::optional<SettableClock> test_clock;
  if (auto v = args->Get("test-clock")) {
    auto start = ParseRfc3339(*v);
    if (!start) return Fail(MakeError(Code::invalid, "--test-clock must be an RFC 3339 time"));
    test_clock.emplace(*start);
    Clock::Install(*test_clock);
  }
  log::Level level;
  if (!log::ParseLevel(config->log_level, level))
    return Fail(MakeError(Code::invalid, "log_level must be debug, info, warn or error"));
  log::SetLevel(level);
  const auto t0 = std::chrono::steady_clock::now();
  auto opened = cli::OpenDatabase(config->db, config->key_file, /*serving=*/true);
  if (!opened.ok()) return Fail(opened.error());
  if (auto st = cli::RecordConfigChange(*opened->store, args->Get("config").value_or("")); !st.ok())
    return Fail(st.error());
  auth::TokenSigner signer(auth::DeriveKey(opened->key.key, "tokens01"));
  int code = 0;
  // The bot answers once a knowledge base exists; without one the server still serves.
  std::shared_ptr<const bot::Bot> bot;
  if (auto loaded = bot::Bot::Load(*opened->store); loaded.ok()) {
    bot = std::move(loaded).value();
  } else {
    log::Warn("bot.unavailable", {{"reason", loaded.error().message}});
  }
  {
    http::Server server(*config, *opened->store, signer, opened->key.key);
    server.SetBot(std::move(bot));
    if (test_clock) {
      server.SetTestClock(&*test_clock);
      log::Warn("server.test_clock", {{"now", FormatRfc3339(test_clock->Now())}});
    }
    if (auto st = server.Listen(); !st.ok()) return Fail(st.error());
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    log::Info("server.ready", {{"listen", server.local_address()}, {"startup_ms", ms},
                               {"schema", opened->store->SchemaVersion()}, {"version", Version()}});
    std::printf("kefu: listening on %s://%s\n", config->tls_cert_file.empty() ? "http" : "https",
                server.local_address().c_str());
    std::fflush(stdout);
    if (auto st = server.Run(); !st.ok()) code = Fail(st.error());
    // Close the store while the server still exists: late write callbacks post into it.
    opened->store->Close();
  }
  log::Info("server.exit", {});
  return code;
}

int StaffAdd(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 3, {"password-stdin"});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db"), email = args->Get("email"), role_name = args->Get("role");
  if (!db || !email || !role_name)
    return Fail(MakeError(Code::invalid, "usage: kefu staff add --db PATH --email E --role ROLE [--desk DESK]"));
  auto role = domain::ParseRole(*role_name);
  if (!role) return Fail(MakeError(Code::invalid, "unknown role '" + *role_name + "' (admin, supervisor, agent, auditor, kb_editor)"));
  std::optional<domain::Desk> desk;
  if (auto d = args->Get("desk")) {
    desk = domain::ParseDesk(*d);
    if (!desk) return Fail(MakeError(Code::invalid, "unknown desk '" + *d + "' (L1, L2, L3, security, complaints)"));
  }
  int max_chats = 5;
  if (auto m = args->Get("max-chats")) {
    try {
      size_t used = 0;
      max_chats = std::stoi(*m, &used);
      if (used != m->size() || max_chats < 0 || max_chats > 1000) throw std::out_of_range("max-chats");
    } catch (const std::exception&) {
      return Fail(MakeError(Code::invalid, "--max-chats must be a number between 0 and 1000"));
    }
  }
  std::string trimmed_email(Trim(*email));
  if (trimmed_email.find('@') == std::string::npos || trimmed_email.size() > 254)
    return Fail(MakeError(Code::invalid, "--email must be an email address"));
  std::string password;
  bool generated = false;
  if (args->Has("password-stdin")) {
    std::getline(std::cin, password);
    if (!password.empty() && password.back() == '\r') password.pop_back();
  } else {
    password = auth::GeneratePassword(trimmed_email);
    generated = true;
  }
  if (auto problem = auth::CheckPasswordPolicy(password, trimmed_email))
    return Fail(MakeError(Code::invalid, "password refused (" + std::string(auth::PasswordProblemCode(*problem)) +
                                             "): " + auth::PasswordProblemMessage(*problem)));
  auto hash = auth::HashPassword(password);
  if (!hash.ok()) return Fail(hash.error());
  auto opened = cli::OpenDatabase(*db, "");
  if (!opened.ok()) return Fail(opened.error());
  store::NewStaff s;
  s.email = trimmed_email;
  s.name = args->Get("name").value_or(trimmed_email.substr(0, trimmed_email.find('@')));
  s.role = *role;
  s.desk = desk;
  s.max_chats = max_chats;
  s.password_hash = *hash;
  // --languages zh,en and --skills kyc,withdrawal steer automatic assignment (routing prefers a
  // matching skill, then a language the customer writes in).
  auto split = [](const std::string& v) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      std::string item(Trim(std::string_view(v).substr(start, comma - start)));
      if (!item.empty()) out.push_back(item);
      start = comma + 1;
    }
    return out;
  };
  if (auto v = args->Get("languages")) {
    s.languages = split(*v);
    for (const auto& l : s.languages)
      if (l != "zh" && l != "en" && l != "es")
        return Fail(MakeError(Code::invalid, "--languages takes zh, en and es (comma separated)"));
  }
  if (auto v = args->Get("skills")) {
    s.skills = split(*v);
    for (const auto& k : s.skills)
      if (k.size() > 40 || k.find_first_of(" \t") != std::string::npos)
        return Fail(MakeError(Code::invalid, "--skills takes knowledge-base categories, comma separated"));
  }
  s.at = Clock::System().Now();
  auto created = store::Wait<store::Staff>([&](store::Callback<store::Staff> done) {
    opened->store->AddStaff(std::move(s), std::move(done));
  });
  opened->store->Close();
  if (!created.ok()) return Fail(created.error());
  std::printf("created staff %lld %s (%s%s%s)\n", static_cast<long long>(created->id), created->email.c_str(),
              std::string(domain::RoleName(created->role)).c_str(), desk ? ", desk " : "",
              desk ? std::string(domain::DeskName(*desk)).c_str() : "");
  if (generated) std::printf("password (shown once): %s\n", password.c_str());
  return 0;
}

int StaffList(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 3, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db) return Fail(MakeError(Code::invalid, "usage: kefu staff list --db PATH"));
  auto opened = cli::OpenDatabase(*db, "");
  if (!opened.ok()) return Fail(opened.error());
  auto staff = opened->store->ListStaff();
  opened->store->Close();
  if (!staff.ok()) return Fail(staff.error());
  for (const auto& s : *staff)
    std::printf("%lld\t%s\t%s\t%s\t%s\n", static_cast<long long>(s.id), s.email.c_str(), s.name.c_str(),
                std::string(domain::RoleName(s.role)).c_str(),
                s.desk ? std::string(domain::DeskName(*s.desk)).c_str() : "-");
  return 0;
}

int Migrate(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 2, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db) return Fail(MakeError(Code::invalid, "usage: kefu migrate --db PATH"));
  auto opened = cli::OpenDatabase(*db, "");
  if (!opened.ok()) return Fail(opened.error());
  std::printf("schema version %d\n", opened->store->SchemaVersion());
  opened->store->Close();
  return 0;
}

// Imports a JSONL file; prints what was imported and each bad line. 0 when all lines were good.
int ImportKb(store::Store& store, const std::string& file) {
  std::ifstream in(file);
  if (!in) return Fail(MakeError(Code::invalid, "cannot read " + file));
  auto parsed = bot::ParseKbJsonl(in, Clock::System().Now());
  for (const auto& e : parsed.errors) std::fprintf(stderr, "%s:%d: %s\n", file.c_str(), e.line, e.message.c_str());
  const size_t count = parsed.entries.size();
  if (count > 0) {
    auto written = store::Wait<int>([&](store::Callback<int> done) {
      store.UpsertKbEntries(std::move(parsed.entries), std::move(done));
    });
    if (!written.ok()) return Fail(written.error());
  }
  std::printf("imported %zu %s from %s", count, count == 1 ? "entry" : "entries", file.c_str());
  if (!parsed.errors.empty()) std::printf(" (%zu bad lines skipped)", parsed.errors.size());
  std::printf("\n");
  if (count > 0) {
    const auto t0 = std::chrono::steady_clock::now();
    if (auto st = bot::Bot::TrainAndSave(store); !st.ok()) return Fail(st.error());
    std::printf("trained the bot in %.1f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return parsed.errors.empty() ? 0 : 1;
}

int KbImport(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 3, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db || args->positional.size() != 1)
    return Fail(MakeError(Code::invalid, "usage: kefu kb import FILE.jsonl --db PATH"));
  auto opened = cli::OpenDatabase(*db, "");
  if (!opened.ok()) return Fail(opened.error());
  int rc = ImportKb(*opened->store, args->positional[0]);
  opened->store->Close();
  return rc;
}

int KbExport(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 3, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db) return Fail(MakeError(Code::invalid, "usage: kefu kb export --db PATH [--out FILE]"));
  auto opened = cli::OpenDatabase(*db, "");
  if (!opened.ok()) return Fail(opened.error());
  auto entries = opened->store->ListKbEntries();
  Status audited = entries.ok() ? cli::RecordExport(*opened->store, "kb", entries->size(), args->Get("out").value_or("-"))
                                : Ok();
  opened->store->Close();
  if (!entries.ok()) return Fail(entries.error());
  if (!audited.ok()) return Fail(audited.error());  // no export that the audit log does not show
  if (auto out_path = args->Get("out")) {
    std::ofstream out(*out_path);
    if (!out) return Fail(MakeError(Code::invalid, "cannot write " + *out_path));
    bot::WriteKbJsonl(*entries, out);
    std::fprintf(stderr, "exported %zu entries to %s\n", entries->size(), out_path->c_str());
  } else {
    bot::WriteKbJsonl(*entries, std::cout);
  }
  return 0;
}

int BotAsk(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 3, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db) return Fail(MakeError(Code::invalid, "usage: kefu bot ask --db PATH [--lang zh|en|es] [TEXT]"));
  std::optional<std::string> lang = args->Get("lang");
  if (lang && !bot::NormaliseKbLang(*lang)) return Fail(MakeError(Code::invalid, "--lang must be zh, zh-CN, zh-TW, en or es"));
  auto opened = cli::OpenDatabase(*db, "");
  if (!opened.ok()) return Fail(opened.error());
  auto loaded = bot::Bot::Load(*opened->store);
  opened->store->Close();
  if (!loaded.ok()) return Fail(loaded.error());
  const bot::Bot& b = **loaded;
  auto ask = [&](std::string_view text) {
    bot::policy::Memory memory;  // each line is a first message: no state between lines
    std::string line = b.Ask(text, lang ? std::optional<std::string_view>(*lang) : std::nullopt, memory).ToJson();
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
  };
  if (!args->positional.empty()) {
    std::string text;
    for (const auto& p : args->positional) text += (text.empty() ? "" : " ") + p;
    ask(text);
    return 0;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ask(line);
  }
  return 0;
}

int DemoSeed(int argc, char** argv) {
  auto args = cli::ParseArgs(argc, argv, 3, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db) return Fail(MakeError(Code::invalid, "usage: kefu demo seed --db PATH [--credentials FILE]"));
  auto opened = cli::OpenDatabase(*db, "");
  if (!opened.ok()) return Fail(opened.error());
  std::string creds = args->Get("credentials").value_or(cli::NormaliseDb(*db).sqlite_path + ".demo-credentials");
  int rc = cli::SeedDemo(*opened->store, creds);
  if (auto kb = args->Get("kb"); kb && rc == 0) {
    // Only into an empty knowledge base: a demo that was edited keeps its edits.
    auto existing = opened->store->ListKbEntries();
    if (existing.ok() && !existing->empty()) {
      std::printf("The knowledge base already has %zu published entries; %s not re-imported\n", existing->size(),
                  kb->c_str());
    } else {
      rc = ImportKb(*opened->store, *kb);
    }
  }
  opened->store->Close();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* lvl = std::getenv("KEFU_LOG_LEVEL")) {
    log::Level level;
    if (log::ParseLevel(lvl, level)) log::SetLevel(level);
  }
  std::string cmd = argc > 1 ? argv[1] : "--help";
  std::string sub = argc > 2 ? argv[2] : "";
  try {
    if (cmd == "--version" || cmd == "version") {
      std::printf("kefu %s\n", Version());
      return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(kHelp, stdout);
      return 0;
    }
    if (cmd == "serve") return Serve(argc, argv);
    if (cmd == "migrate") return Migrate(argc, argv);
    if (cmd == "staff" && sub == "add") return StaffAdd(argc, argv);
    if (cmd == "staff" && sub == "list") return StaffList(argc, argv);
    if (cmd == "demo" && sub == "seed") return DemoSeed(argc, argv);
    if (cmd == "kb" && sub == "import") return KbImport(argc, argv);
    if (cmd == "kb" && sub == "export") return KbExport(argc, argv);
    if (cmd == "bot" && sub == "ask") return BotAsk(argc, argv);
    if (cmd == "backup") return cli::BackupCommand(argc, argv);
    if (cmd == "restore") return cli::RestoreCommand(argc, argv);
    if (cmd == "audit" && sub == "verify") return cli::AuditVerifyCommand(argc, argv);
    if (cmd == "keys") return cli::KeysCommand(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kefu: internal error: %s\n", e.what());
    return 70;
  }
  std::fprintf(stderr, "kefu: unknown command '%s'. Run 'kefu --help'.\n",
               (cmd + (sub.empty() || sub.starts_with("-") ? "" : " " + sub)).c_str());
  return 2;
}
