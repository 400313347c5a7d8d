// The SQLite engine of Store. Internal: callers use Store::Open("sqlite:PATH").
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace kefu::store::sqlite {

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options);

}  // namespace kefu::store::sqlite
