// Online backups and restores of a database (`kefu backup`, `kefu restore`).
//
// A backup is one self-contained file: a consistent snapshot of the database as of the moment
// it started, taken while a server keeps reading and writing it. It holds no key: the key file
// beside the database (auth/keys.hpp) must be kept separately (README "Backup, restore and
// keys"). SQLite only for now; PostgreSQL deployments use pg_dump.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace kefu::store {

struct BackupInfo {
  std::string path;          // the file written
  std::int64_t bytes = 0;
  int schema_version = 0;
  std::int64_t messages = 0;
  std::int64_t audit_seq = 0;  // the audit log's last entry in the backup
  double seconds = 0;
};

// Copies the database at `url` ("sqlite:PATH" or PATH) into `out_path`: a snapshot in one read
// transaction (writers go on meanwhile), checked, fsync'd, then renamed into place, so that
// `out_path` is either the old file or the complete new one. Code::not_found when there is no
// database at `url`; Code::invalid when it is not a kefu database. Safe to run beside a server.
Result<BackupInfo> Backup(std::string_view url, const std::string& out_path);

struct RestoreInfo {
  std::string path;              // the database written
  std::int64_t bytes = 0;
  int backup_schema_version = 0;  // as found in the backup
  int schema_version = 0;         // after migrations
};

// Replaces (or creates) the database at `url` with the backup `in_path` after checking it
// (SQLite integrity check, a kefu schema no newer than this binary's). Written to a temporary
// file beside the target, migrated, fsync'd, renamed into place, the directory fsync'd; stale
// -wal/-shm/-journal files of the old database are removed first. Code::conflict when the
// target exists and `force` is false; Code::invalid for a corrupt or foreign file (the target
// is untouched then); Code::not_found when `in_path` does not exist. The server must not be
// running on the target.
Result<RestoreInfo> Restore(const std::string& in_path, std::string_view url, bool force);

}  // namespace kefu::store
