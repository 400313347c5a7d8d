// Versioned schema migrations of the SQLite engine, run by every command that opens a database.
#pragma once

#include <span>

#include "core/result.hpp"
#include "store/sqlite/db.hpp"

namespace kefu::store::sqlite {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// All migrations, in ascending version order.
std::span<const Migration> Migrations();

// Applies the missing migrations, each in its own transaction; returns the resulting version.
// Refuses a database newer than this binary.
Result<int> Migrate(Db& db);

}  // namespace kefu::store::sqlite
