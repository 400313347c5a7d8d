// Backups with SQLite's online backup API, copying every page in a single step: one read
// transaction, so the copy is a consistent snapshot and — in WAL mode — writers are never
// blocked while it runs (they append to the WAL; only checkpoints wait). A backup taken in
// several small steps would restart whenever another process writes, i.e. never finish under
// load. VACUUM INTO would also work but rebuilds every index: more CPU for the same snapshot.
#include "store/backup.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <sqlite3.h>

#include "store/sqlite/db.hpp"
#include "store/sqlite/migrations.hpp"

namespace kefu::store {
namespace {

namespace fs = std::filesystem;
using sqlite::Db;

Result<std::string> SqlitePath(std::string_view url) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return MakeError(Code::unavailable, "back up PostgreSQL with pg_dump; kefu backup handles SQLite");
  if (url.starts_with("sqlite://")) {
    url.remove_prefix(9);
  } else if (url.starts_with("sqlite:")) {
    url.remove_prefix(7);
  }
  if (url.empty()) return MakeError(Code::invalid, "--db: empty database path");
  return std::string(url);
}

Status Fsync(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), O_RDONLY | (directory ? O_DIRECTORY : 0) | O_CLOEXEC);
  if (fd < 0) return MakeError(Code::internal, "cannot open " + path + " to sync it");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return MakeError(Code::internal, "fsync of " + path + " failed");
  return Ok();
}

std::string DirOf(const std::string& path) {
  auto parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

void RemoveWithSidecars(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
}

// The schema version recorded in a database; Code::invalid when it is not a kefu database.
Result<int> SchemaVersionOf(Db& db, const std::string& what) {
  auto stmt = db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!stmt.ok()) return MakeError(Code::invalid, what + " is not a kefu database (" + stmt.error().message + ")");
  KEFU_ASSIGN(row, stmt->Step());
  const int version = row ? static_cast<int>(stmt->Int(0)) : 0;
  if (version < 1) return MakeError(Code::invalid, what + " is not a kefu database (no schema version)");
  return version;
}

std::int64_t CountOrZero(Db& db, const char* sql) {
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return 0;
  auto row = stmt->Step();
  return row.ok() && *row ? stmt->Int(0) : 0;
}

// Every page of `from` into `to`, in one step (one read transaction on `from`).
Status CopyAll(Db& from, Db& to) {
  sqlite3_backup* backup = sqlite3_backup_init(to.raw(), "main", from.raw(), "main");
  if (!backup) return MakeError(Code::internal, "cannot start the backup: " + to.LastError());
  int rc;
  // BUSY/LOCKED only while another connection holds a lock we cannot share (e.g. a WAL
  // restart): wait a little and go on; the copy itself never holds writers up.
  for (int attempt = 0;; ++attempt) {
    rc = sqlite3_backup_step(backup, -1);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt >= 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  const int finish = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE)
    return MakeError(rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? Code::unavailable : Code::internal,
                     std::string("backup failed: ") + sqlite3_errstr(rc));
  if (finish != SQLITE_OK) return MakeError(Code::internal, std::string("backup failed: ") + sqlite3_errstr(finish));
  return Ok();
}

// A single-file database: rollback journal mode, so nothing lives in a -wal beside it.
Status MakeSelfContained(Db& db) { return db.Exec("PRAGMA journal_mode=DELETE"); }

Status CheckIntegrity(Db& db, const std::string& what) {
  auto stmt = db.Prepare("PRAGMA integrity_check(1)");
  if (!stmt.ok()) return MakeError(Code::invalid, what + " is not a usable database: " + stmt.error().message);
  auto row = stmt->Step();
  if (!row.ok()) return MakeError(Code::invalid, what + " is not a usable database: " + row.error().message);
  if (!*row) return MakeError(Code::invalid, what + " is not a usable database");
  std::string verdict = stmt->Text(0);
  if (verdict != "ok") return MakeError(Code::invalid, what + " is corrupt: " + verdict);
  return Ok();
}

}  // namespace

Result<BackupInfo> Backup(std::string_view url, const std::string& out_path) {
  const auto t0 = std::chrono::steady_clock::now();
  KEFU_ASSIGN(path, SqlitePath(url));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return MakeError(Code::not_found, "no database at " + path);
  if (out_path.empty()) return MakeError(Code::invalid, "--out: empty file name");
  if (fs::equivalent(path, out_path, ec)) return MakeError(Code::invalid, "--out must not be the database itself");
  KEFU_ASSIGN(source, Db::Open(path, false));
  // Read only: the copy must never write to the live database.
  KEFU_TRY(source.Exec("PRAGMA query_only=ON"));
  KEFU_ASSIGN(source_version, SchemaVersionOf(source, path));
  (void)source_version;

  fs::create_directories(DirOf(out_path), ec);
  const std::string tmp = out_path + ".tmp-" + std::to_string(::getpid());
  RemoveWithSidecars(tmp);
  BackupInfo info;
  info.path = out_path;
  auto copied = [&]() -> Status {
    auto target = Db::Open(tmp, false);
    if (!target.ok()) return MakeError(Code::invalid, "cannot write " + out_path + ": " + target.error().message);
    KEFU_TRY(CopyAll(source, *target));
    KEFU_TRY(MakeSelfContained(*target));
    KEFU_TRY(CheckIntegrity(*target, "the copy"));
    KEFU_ASSIGN(version, SchemaVersionOf(*target, "the copy"));
    info.schema_version = version;
    info.messages = CountOrZero(*target, "SELECT COUNT(*) FROM messages");
    info.audit_seq = CountOrZero(*target, "SELECT COALESCE(MAX(seq), 0) FROM audit_log");
    return Ok();
  }();  // the copy's connection is closed here
  if (!copied.ok()) {
    RemoveWithSidecars(tmp);
    return copied.error();
  }
  if (auto st = Fsync(tmp, false); !st.ok()) {
    RemoveWithSidecars(tmp);
    return st.error();
  }
  fs::rename(tmp, out_path, ec);
  if (ec) {
    RemoveWithSidecars(tmp);
    return MakeError(Code::internal, "cannot move the backup into place at " + out_path + ": " + ec.message());
  }
  KEFU_TRY(Fsync(DirOf(out_path), true));
  info.bytes = static_cast<std::int64_t>(fs::file_size(out_path, ec));
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return info;
}

Result<RestoreInfo> Restore(const std::string& in_path, std::string_view url, bool force) {
  KEFU_ASSIGN(path, SqlitePath(url));
  std::error_code ec;
  if (!fs::is_regular_file(in_path, ec)) return MakeError(Code::not_found, "no backup file at " + in_path);
  if (fs::exists(path, ec) && !force)
    return MakeError(Code::conflict, path + " exists; pass --force to replace it (stop the server first)");
  if (fs::equivalent(path, in_path, ec)) return MakeError(Code::invalid, "--in and --db are the same file");

  fs::create_directories(DirOf(path), ec);
  const std::string tmp = path + ".restore-" + std::to_string(::getpid());
  RemoveWithSidecars(tmp);
  fs::copy_file(in_path, tmp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    RemoveWithSidecars(tmp);
    return MakeError(Code::internal, "cannot copy " + in_path + " to " + tmp + ": " + ec.message());
  }
  RestoreInfo info;
  info.path = path;
  auto checked = [&]() -> Status {
    KEFU_ASSIGN(db, Db::Open(tmp, false));
    KEFU_TRY(CheckIntegrity(db, in_path));
    KEFU_ASSIGN(version, SchemaVersionOf(db, in_path));
    info.backup_schema_version = version;
    const int latest = sqlite::Migrations().back().version;
    if (version > latest)
      return MakeError(Code::invalid, in_path + " comes from a newer kefu (schema " + std::to_string(version) +
                                          ", this one knows " + std::to_string(latest) + "); upgrade kefu first");
    KEFU_ASSIGN(migrated, sqlite::Migrate(db));
    info.schema_version = migrated;
    return MakeSelfContained(db);
  }();
  if (checked.ok()) checked = Fsync(tmp, false);
  if (!checked.ok()) {
    RemoveWithSidecars(tmp);
    return checked.error();
  }
  // The old database's WAL must never be replayed onto the restored file: remove it first.
  for (const char* suffix : {"-wal", "-shm", "-journal"}) fs::remove(path + suffix, ec);
  fs::rename(tmp, path, ec);
  if (ec) {
    RemoveWithSidecars(tmp);
    return MakeError(Code::internal, "cannot move the restored database into place at " + path + ": " + ec.message());
  }
  KEFU_TRY(Fsync(DirOf(path), true));
  info.bytes = static_cast<std::int64_t>(fs::file_size(path, ec));
  return info;
}

}  // namespace kefu::store
