// Operator commands around the data itself: backups, restores and the audit log, plus the audit
// entries the CLI and the server's start record (exports, configuration). Wiring only: the work
// is in store/backup.hpp and store/audit.hpp.
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "apps/kefu/cli.hpp"
#include "core/config.hpp"
#include "core/text.hpp"
#include "store/backup.hpp"

namespace kefu::cli {
namespace {

int Fail(const Error& e) {
  std::fprintf(stderr, "kefu: %s\n", e.message.c_str());
  return e.code == Code::invalid ? 2 : 1;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string WithThousands(std::int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// Where the key of the database at `db_value` lives (the database's own key file unless given).
std::string KeyPathFor(const std::string& db_value, const std::string& key_file) {
  if (!key_file.empty()) return key_file;
  const DbUrl db = NormaliseDb(db_value);
  return db.sqlite_path.empty() ? std::string() : auth::DefaultKeyPath(db.sqlite_path);
}

}  // namespace

store::AuditKey AuditKey(const auth::MasterKey& key) { return auth::DeriveKey(key.key, "audit001"); }

Status RecordConfigChange(store::Store& store, const std::string& config_path) {
  // The configuration variables in effect, by name (values only hashed: they may hold secrets).
  std::vector<std::string> vars;
  std::string values;
  for (const std::string& name : ConfigEnvNames())
    if (const char* v = std::getenv(name.c_str())) vars.push_back(name + "=" + v);
  std::sort(vars.begin(), vars.end());
  std::string details = "{";
  if (!config_path.empty()) {
    std::ifstream in(config_path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    details += "\"file\":";
    AppendJsonString(details, std::filesystem::absolute(config_path).string());
    details += ",\"sha256\":\"" + Sha256Hex(bytes.str()) + "\"";
  }
  if (!vars.empty()) {
    details += std::string(details.size() > 1 ? "," : "") + "\"env\":[";
    for (size_t i = 0; i < vars.size(); ++i) {
      std::string_view kv = vars[i];
      if (i) details += ',';
      AppendJsonString(details, kv.substr(0, kv.find('=')));
      values += vars[i];
      values += '\n';
    }
    details += "],\"env_sha256\":\"" + Sha256Hex(values) + "\"";
  }
  details += '}';
  if (details == "{}") return Ok();  // the defaults: nothing to record
  // Recorded when it changed since the last start that recorded one, not at every restart.
  store::AuditQuery last;
  last.action = "config.change";
  last.limit = 1;
  KEFU_ASSIGN(page, store.ListAudit(last));
  if (!page.entries.empty() && page.entries.front().record.details_json == details) return Ok();
  store::AuditRecord record{Clock::System().Now(), domain::Actor{}, "config.change", "config", details};
  auto written = store::Wait<store::AuditEntry>(
      [&](store::Callback<store::AuditEntry> done) { store.AppendAudit(std::move(record), std::move(done)); });
  if (!written.ok()) return written.error();
  return Ok();
}

Status RecordExport(store::Store& store, const std::string& what, size_t count, const std::string& destination) {
  std::string details = "{\"what\":";
  AppendJsonString(details, what);
  details += ",\"count\":" + std::to_string(count) + ",\"to\":";
  AppendJsonString(details, destination == "-" ? destination : std::filesystem::absolute(destination).string());
  details += '}';
  store::AuditRecord record{Clock::System().Now(), domain::Actor{}, "export", what, details};
  auto written = store::Wait<store::AuditEntry>(
      [&](store::Callback<store::AuditEntry> done) { store.AppendAudit(std::move(record), std::move(done)); });
  if (!written.ok()) return written.error();
  return Ok();
}

int BackupCommand(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, 2, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db"), out = args->Get("out");
  if (!db || !out) return Fail(MakeError(Code::invalid, "usage: kefu backup --db PATH --out FILE"));
  auto info = store::Backup(NormaliseDb(*db).url, *out);
  if (!info.ok()) return Fail(info.error());
  std::printf("backup: wrote %s (%s bytes, schema %d, %s messages, audit log up to entry %lld) in %.2f s\n",
              info->path.c_str(), WithThousands(info->bytes).c_str(), info->schema_version,
              WithThousands(info->messages).c_str(), static_cast<long long>(info->audit_seq), info->seconds);
  const std::string key_path = KeyPathFor(*db, "");
  if (!key_path.empty())
    std::fprintf(stderr,
                 "kefu: the key file %s is not in the backup; keep a copy of it apart from the backups — "
                 "without it a restored database cannot be read or its audit log verified\n",
                 key_path.c_str());
  return 0;
}

int RestoreCommand(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, 2, {"force"});
  if (!args.ok()) return Fail(args.error());
  auto in = args->Get("in"), db = args->Get("db");
  if (!in || !db) return Fail(MakeError(Code::invalid, "usage: kefu restore --in FILE --db PATH [--force]"));
  auto info = store::Restore(*in, NormaliseDb(*db).url, args->Has("force"));
  if (!info.ok()) return Fail(info.error());
  std::printf("restore: wrote %s from %s (%s bytes, schema %d", info->path.c_str(), in->c_str(),
              WithThousands(info->bytes).c_str(), info->backup_schema_version);
  if (info->schema_version != info->backup_schema_version) std::printf(", migrated to %d", info->schema_version);
  std::printf(")\n");
  const std::string key_path = KeyPathFor(*db, "");
  std::error_code ec;
  if (!key_path.empty() && !std::filesystem::exists(key_path, ec))
    std::fprintf(stderr,
                 "kefu: no key file at %s: put the key file that belongs to this database there before "
                 "starting kefu (otherwise a new key is made, and what the old one protects cannot be read)\n",
                 key_path.c_str());
  return 0;
}

int AuditVerifyCommand(int argc, char** argv) {
  auto args = ParseArgs(argc, argv, 3, {});
  if (!args.ok()) return Fail(args.error());
  auto db = args->Get("db");
  if (!db) return Fail(MakeError(Code::invalid, "usage: kefu audit verify --db PATH [--key-file F]"));
  const std::string key_file = args->Get("key-file").value_or("");
  const std::string key_path = KeyPathFor(*db, key_file);
  const std::string db_path = NormaliseDb(*db).sqlite_path;
  std::error_code ec;
  // A new key would make every entry look forged: never create one to verify with.
  if (!key_path.empty() && !std::filesystem::exists(key_path, ec) &&
      (!key_file.empty() || (!db_path.empty() && std::filesystem::exists(db_path, ec))))
    return Fail(MakeError(Code::not_found, "no key file at " + key_path + " (give the installation's with --key-file)"));
  auto opened = OpenDatabase(*db, key_file);
  if (!opened.ok()) return Fail(opened.error());
  auto verdict = opened->store->VerifyAudit(AuditKey(opened->key));
  opened->store->Close();
  if (!verdict.ok()) return Fail(verdict.error());
  if (!verdict->ok()) {
    std::printf("FAILED: %s (%s; %lld entries before it verified)\n", verdict->message.c_str(),
                std::string(store::AuditProblemName(verdict->problem)).c_str(),
                static_cast<long long>(verdict->count));
    return 1;
  }
  std::printf("OK: %lld %s verified", static_cast<long long>(verdict->count),
              verdict->count == 1 ? "entry" : "entries");
  // The head, for keeping outside the database: a later verify must reach it again.
  if (verdict->count) std::printf("; head %lld %s", static_cast<long long>(verdict->count), HexEncode(verdict->head_hash).c_str());
  std::printf("\n");
  return 0;
}

}  // namespace kefu::cli
