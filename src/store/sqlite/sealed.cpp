#include "store/sqlite/sealed.hpp"

#include <string>

namespace kefu::store::sqlite {
namespace {

// Every column that may hold what customers wrote or who they are. Events of type "message"
// hold only ids (and stay clear on the chat path); knowledge-base events hold public text.
constexpr SealedColumn kColumns[] = {
    {"messages", "text", "messages.text", "conversation_id", "seq", "1"},
    {"conversations", "last_message_preview", "conversations.last_message_preview", "id", "0", "1"},
    {"conversations", "summary", "conversations.summary", "id", "0", "1"},
    {"customers", "name", "customers.name", "id", "0", "1"},
    {"csat", "comment", "csat.comment", "conversation_id", "0", "1"},
    {"tickets", "subject", "tickets.subject", "id", "0", "1"},
    {"tickets", "description", "tickets.description", "id", "0", "1"},
    {"tickets", "summary", "tickets.summary", "id", "0", "1"},
    {"ticket_notes", "text", "ticket_notes.text", "id", "0", "1"},
    {"tasks", "note", "tasks.note", "id", "0", "1"},
    {"customer_identities", "external_id", "customer_identities.external_id", "id", "0", "1"},
    {"events", "data", "events.data", "id", "0", "type <> 'message' AND type NOT LIKE 'kb.%'"},
    {"complaints", "resolution", "complaints.resolution", "id", "0", "1"},
    {"complaints", "callback_note", "complaints.callback_note", "id", "0", "1"},
    {"compensations", "reason", "compensations.reason", "id", "0", "1"},
    {"compensations", "decision_note", "compensations.decision_note", "id", "0", "1"},
    {"webhook_outbox", "reason", "webhook_outbox.reason", "id", "0", "1"},
    {"attachments", "sealed_name", "attachments.sealed_name", "seal_key", "0", "1"},
    {"attachments", "sealed_data", "attachments.sealed_data", "seal_key", "0", "1"},
};

}  // namespace

std::span<const SealedColumn> SealedColumns() { return kColumns; }

Result<ResealProgress> ResealStepTx(Db& db, ResealCursor& cursor, int limit) {
  ResealProgress progress;
  const crypto::FieldCipher* cipher = db.cipher();
  if (!cipher || cipher->current() == 0) {
    progress.pass_complete = true;
    return progress;
  }
  const crypto::KeyId current = cipher->current();
  while (cursor.column < std::size(kColumns) && progress.scanned < limit) {
    const SealedColumn& c = kColumns[cursor.column];
    // A rowid range: each step reads at most `limit` rows, however large the table.
    const std::string select = std::string("SELECT rowid, ") + c.column + ", " + c.row + ", " + c.row2 + " FROM " +
                               c.table + " WHERE rowid > ?1 AND " + c.where + " ORDER BY rowid LIMIT ?2";
    const std::string update = std::string("UPDATE ") + c.table + " SET " + c.column + " = ?2 WHERE rowid = ?1";
    // Files are up to [limits] attachment_bytes each: a few per step keep the writer's
    // transaction short.
    const std::int64_t wanted =
        std::string_view(c.table) == "attachments" ? std::min<std::int64_t>(limit - progress.scanned, 4)
                                                   : limit - progress.scanned;
    std::vector<std::pair<std::int64_t, std::string>> rewrite;  // rowid, plain
    std::vector<crypto::Place> places;
    std::int64_t rows = 0;
    {
      KEFU_ASSIGN(stmt, db.Prepare(select));
      stmt.Bind(1, cursor.after_rowid).Bind(2, wanted);
      for (;;) {
        KEFU_ASSIGN(row, stmt.Step());
        if (!row) break;
        ++rows;
        cursor.after_rowid = stmt.Int(0);
        if (stmt.IsNull(1)) continue;
        const crypto::Place place{c.place, stmt.Int(2), stmt.Int(3)};
        if (stmt.IsBlob(1)) {
          // Sealed: rewrite only what is under an older key this cipher still holds.
          auto key = crypto::FieldCipher::KeyIdOf(stmt.Blob(1));
          if (!key || *key == current || !cipher->HasKey(*key)) continue;
          std::string plain = stmt.Plain(1, place);
          if (plain == "[encrypted]") continue;  // does not open: left as it is (reported)
          rewrite.emplace_back(stmt.Int(0), std::move(plain));
        } else {
          // Clear text from before encryption at rest.
          std::string plain = stmt.Text(1);
          if (plain.empty()) continue;
          rewrite.emplace_back(stmt.Int(0), std::move(plain));
        }
        places.push_back(place);
      }
    }
    progress.scanned += rows;
    if (!rewrite.empty()) {
      KEFU_ASSIGN(stmt, db.Prepare(update));
      for (size_t i = 0; i < rewrite.size(); ++i) {
        stmt.Bind(1, rewrite[i].first).BindSealed(2, rewrite[i].second, places[i]);
        KEFU_TRY(stmt.Run());
        stmt.Reset();
      }
      progress.resealed += static_cast<std::int64_t>(rewrite.size());
    }
    if (rows < wanted) {  // the end of this column
      ++cursor.column;
      cursor.after_rowid = 0;
    }
  }
  if (cursor.column >= std::size(kColumns)) {
    progress.pass_complete = true;
    cursor = ResealCursor{};
  }
  return progress;
}

Result<std::vector<KeyUsage>> SealedKeyUsageTx(Db& db) {
  std::vector<KeyUsage> out;
  for (const SealedColumn& c : kColumns) {
    const std::string sql = std::string("SELECT CASE typeof(") + c.column + ") WHEN 'blob' THEN hex(substr(" +
                            c.column + ", 2, 1)) ELSE '00' END AS k, count(*) FROM " + c.table + " WHERE " +
                            c.column + " IS NOT NULL AND " + c.column + " <> '' AND " + c.where + " GROUP BY k ORDER BY k";
    KEFU_ASSIGN(stmt, db.Prepare(sql));
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      out.push_back(KeyUsage{c.place, static_cast<int>(std::stoi(stmt.Text(0), nullptr, 16)), stmt.Int(1)});
    }
  }
  return out;
}

}  // namespace kefu::store::sqlite
