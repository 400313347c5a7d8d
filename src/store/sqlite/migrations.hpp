// Versioned schema migrations of the SQLite engine, run by every command that opens a database.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/sqlite/db.hpp"

namespace kefu::store::sqlite {

struct Migration {
  int version;
  const char* description;
  const char* sql;
  // Runs after `sql`, in the same transaction, for a change SQL alone cannot express.
  Status (*code)(Db& db) = nullptr;
};

// `sql` (a CREATE TABLE statement) with every `CHECK (col IN ('a', 'b', …))` written as
// `CHECK (col = 'a' OR col = 'b' OR …)`, which SQLite checks without building a temporary
// table per row. Exposed for its test.
std::string InListChecksAsComparisons(std::string_view sql);

// A verify id no staff member has yet (domain::MakeVerifyId over random bits).
Result<std::string> NewStaffVerifyId(Db& db);

// All migrations, in ascending version order.
std::span<const Migration> Migrations();

// Applies the missing migrations, each in its own transaction; returns the resulting version.
// Refuses a database newer than this binary.
Result<int> Migrate(Db& db);

}  // namespace kefu::store::sqlite
