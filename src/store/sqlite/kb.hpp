// The knowledge base in the SQLite engine: articles (kb_entries, the latest version of each),
// their immutable versions (kb_versions), the published pointer, and the KB version counter
// (kb_state) that tells the bot its model is stale. Internal to the SQLite engine.
//
// The *Tx functions run inside the writer's batch transaction; the others are reads on any
// connection. They follow the contracts of the matching Store methods.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

// Each change is also recorded in the audit log under `key` (store/audit.hpp).
Result<int> UpsertKbEntriesTx(Db& db, const AuditKey& key, const std::vector<KbEntry>& entries);
Result<KbArticleChange> CreateKbArticleTx(Db& db, const AuditKey& key, const KbArticleWrite& write);
Result<KbArticleChange> UpdateKbArticleTx(Db& db, const AuditKey& key, const KbArticleWrite& write);
Result<KbArticleChange> PublishKbArticleTx(Db& db, const AuditKey& key, const std::string& id, std::int64_t version,
                                           Id staff_id, Millis at);
Result<KbArticleChange> UnpublishKbArticleTx(Db& db, const AuditKey& key, const std::string& id, Id staff_id,
                                             Millis at);

Result<std::vector<KbEntry>> ReadPublishedKbEntries(Db& db);
Result<std::vector<KbEntry>> ReadPublishedKbEntries(Db& db, const std::vector<std::string>& ids);
Result<KbArticle> ReadKbArticle(Db& db, std::string_view id);
Result<KbArticlePage> ReadKbArticlePage(Db& db, const KbArticleQuery& query);
Result<KbVersionPage> ReadKbVersionPage(Db& db, std::string_view id, std::int64_t before_version, int limit);

}  // namespace kefu::store::sqlite
