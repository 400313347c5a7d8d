// A thin RAII layer over one sqlite3 connection: cached prepared statements and typed binding.
// Internal to the SQLite engine. One Db is used by one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"
#include "crypto/field_cipher.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace kefu::store::sqlite {

class Db;

// A prepared statement borrowed from the Db's cache; reset and unbound when it goes out of scope.
class Stmt {
 public:
  Stmt(Db& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  Stmt& Bind(int index, std::int64_t v);
  Stmt& Bind(int index, int v) { return Bind(index, std::int64_t{v}); }
  Stmt& Bind(int index, std::string_view v);  // TEXT; the view must outlive Step()
  Stmt& BindBlob(int index, std::string_view v);  // BLOB; the view must outlive Step()
  Stmt& BindNull(int index);
  // Encryption at rest (docs/adr/0013): binds `plain` sealed as a BLOB under the Db's cipher for
  // `place` (its table.column and row key). Empty text stays an empty TEXT; without a cipher
  // (unit tests that give none) the plain TEXT is bound.
  Stmt& BindSealed(int index, std::string_view plain, const crypto::Place& place);
  // Binds NULL when `v` is 0 / empty.
  Stmt& BindOptional(int index, std::int64_t v) { return v ? Bind(index, v) : BindNull(index); }
  Stmt& BindOptional(int index, std::string_view v) { return v.empty() ? BindNull(index) : Bind(index, v); }

  // Advances: true with a row, false when done; errors carry SQLite's message.
  Result<bool> Step();
  // Runs to completion, ignoring rows.
  Status Run();
  // Makes the statement ready to run again with new bindings.
  void Reset();

  std::int64_t Int(int col) const;
  std::string Text(int col) const;
  std::string Blob(int col) const;
  bool IsNull(int col) const;
  bool IsBlob(int col) const;
  // A column that may be sealed: a BLOB is opened with the Db's cipher for `place`, TEXT (rows
  // from before encryption at rest, not yet re-sealed) is returned as it is. A value that does
  // not open (a key missing from the key file, or altered) reads as "[encrypted]" and is
  // reported once per column in the log (without its content).
  std::string Plain(int col, const crypto::Place& place) const;

 private:
  Db* db_;
  sqlite3_stmt* stmt_;
};

// Reads the rows of a keyset page: the query asks for `limit + 1` rows, the first `limit` are
// appended to `out` with `read(stmt)`, and the answer says whether the extra row existed (more
// pages follow).
template <typename T, typename Read>
Result<bool> ReadPage(Stmt& stmt, int limit, std::vector<T>& out, Read read) {
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return false;
    if (static_cast<int>(out.size()) == limit) return true;
    out.push_back(read(stmt));
  }
}

class Db {
 public:
  // Opens (creating when `create`) the database file. `read_only` connections refuse writes.
  static Result<Db> Open(const std::string& path, bool read_only);
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements without results (DDL, PRAGMA, BEGIN/COMMIT).
  Status Exec(const char* sql);
  // A prepared statement for `sql`, compiled once per connection and cached.
  Result<Stmt> Prepare(std::string_view sql);
  std::int64_t LastInsertId() const;
  std::string LastError() const;
  sqlite3* raw() { return db_; }
  // The cipher sealed columns use (not owned; must outlive the Db). nullptr: store clear text.
  void set_cipher(const crypto::FieldCipher* cipher) { cipher_ = cipher; }
  const crypto::FieldCipher* cipher() const { return cipher_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
  const crypto::FieldCipher* cipher_ = nullptr;
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
};

}  // namespace kefu::store::sqlite
