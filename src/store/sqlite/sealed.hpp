// Encryption at rest in the SQLite engine (docs/adr/0013): the columns that hold sealed values,
// the row key each value's associated data names, and the re-sealing pass. Internal.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

// A column whose non-empty values are sealed with crypto::Place{place, row, row2}.
struct SealedColumn {
  const char* table;
  const char* column;
  const char* place;  // "table.column"
  const char* row;    // SQL for Place::row
  const char* row2;   // SQL for Place::row2
  const char* where;  // which rows are sealed ("1": all)
};

std::span<const SealedColumn> SealedColumns();

// Where a re-sealing pass is: the column (index into SealedColumns) and the last rowid done.
struct ResealCursor {
  size_t column = 0;
  std::int64_t after_rowid = 0;
};

// One step of the pass in the writer's transaction (see Store::ResealBatch).
Result<ResealProgress> ResealStepTx(Db& db, ResealCursor& cursor, int limit);

Result<std::vector<KeyUsage>> SealedKeyUsageTx(Db& db);

}  // namespace kefu::store::sqlite
