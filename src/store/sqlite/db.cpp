#include "store/sqlite/db.hpp"

#include <sqlite3.h>

#include <atomic>

#include "core/log.hpp"

namespace kefu::store::sqlite {

Stmt::~Stmt() {
  if (!stmt_) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Stmt& Stmt::Bind(int index, std::int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Stmt& Stmt::Bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Stmt& Stmt::BindBlob(int index, std::string_view v) {
  sqlite3_bind_blob64(stmt_, index, v.data(), v.size(), SQLITE_STATIC);
  return *this;
}

std::string Stmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  if (!p) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Stmt& Stmt::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Stmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Code code = rc == SQLITE_CONSTRAINT ? Code::conflict
              : (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) ? Code::unavailable
                                                             : Code::internal;
  return MakeError(code, "sqlite: " + db_->LastError());
}

Status Stmt::Run() {
  for (;;) {
    auto r = Step();
    if (!r.ok()) return std::move(r).error();
    if (!*r) return Ok();
  }
}

void Stmt::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Stmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Stmt::Text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

Stmt& Stmt::BindSealed(int index, std::string_view plain, const crypto::Place& place) {
  const crypto::FieldCipher* cipher = db_->cipher();
  if (!cipher || plain.empty()) return Bind(index, plain);
  // Sealed straight into SQLite's own buffer, which the statement frees: no copy.
  const size_t size = crypto::FieldCipher::SealedSize(plain.size());
  auto* out = static_cast<unsigned char*>(sqlite3_malloc64(size));
  if (!out) return BindNull(index);  // out of memory: the NOT NULL constraint fails the write
  cipher->SealInto(out, plain, place);
  sqlite3_bind_blob64(stmt_, index, out, size, sqlite3_free);
  return *this;
}

std::string Stmt::Plain(int col, const crypto::Place& place) const {
  if (sqlite3_column_type(stmt_, col) != SQLITE_BLOB) return Text(col);
  const void* p = sqlite3_column_blob(stmt_, col);
  std::string_view sealed(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
  const crypto::FieldCipher* cipher = db_->cipher();
  if (cipher) {
    auto opened = cipher->Open(sealed, place);
    if (opened.ok()) return std::move(opened).value();
    static std::atomic<int> reported{0};
    if (reported.fetch_add(1) < 16)
      log::Warn("store.sealed_unreadable", {{"column", std::string(place.column)}, {"row", place.row},
                                            {"error", opened.error().message}});
  }
  return "[encrypted]";
}

bool Stmt::IsBlob(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_BLOB; }

bool Stmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Result<Db> Db::Open(const std::string& path, bool read_only) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY
                                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close_v2(raw);
    return MakeError(Code::unavailable, "cannot open database " + path + ": " + msg);
  }
  // Another process (backup, a CLI command) may hold the lock briefly: wait, don't fail.
  sqlite3_busy_timeout(raw, 5000);
  sqlite3_extended_result_codes(raw, 0);
  return Db(raw);
}

Db::Db(Db&& other) noexcept : db_(other.db_), cipher_(other.cipher_), cache_(std::move(other.cache_)) {
  other.db_ = nullptr;
  other.cache_.clear();
}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    this->~Db();
    new (this) Db(std::move(other));
  }
  return *this;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_) sqlite3_close_v2(db_);
}

Status Db::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return MakeError(Code::internal, "sqlite: " + msg);
  }
  return Ok();
}

Result<Stmt> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(*this, it->second);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                         &stmt, nullptr) != SQLITE_OK)
    return MakeError(Code::internal, "sqlite prepare: " + LastError());
  cache_.emplace(std::string(sql), stmt);
  return Stmt(*this, stmt);
}

std::int64_t Db::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

std::string Db::LastError() const { return db_ ? sqlite3_errmsg(db_) : "closed"; }

}  // namespace kefu::store::sqlite
