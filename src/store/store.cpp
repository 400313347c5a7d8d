#include "store/store.hpp"

#include "store/sqlite/sqlite_store.hpp"

namespace kefu::store {

Result<std::unique_ptr<Store>> Store::Open(std::string_view url, const StoreOptions& options) {
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return MakeError(Code::unavailable,
                     "the PostgreSQL engine is not built yet; use --db sqlite:PATH");
  std::string_view path = url;
  if (path.starts_with("sqlite://")) {
    path.remove_prefix(9);
  } else if (path.starts_with("sqlite:")) {
    path.remove_prefix(7);
  }
  if (path.empty()) return MakeError(Code::invalid, "--db: empty database path");
  return sqlite::OpenSqliteStore(std::string(path), options);
}

}  // namespace kefu::store
