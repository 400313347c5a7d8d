#include "store/sqlite/attachments.hpp"

#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

constexpr const char* kColumns =
    "SELECT id, public_id, conversation_id, ticket_id, message_id, uploader_type, uploader_id, content_type, "
    "size, sealed_name, created_at, seal_key";

Attachment Read(const Stmt& s, bool with_data) {
  Attachment a;
  a.id = s.Int(0);
  a.public_id = s.Text(1);
  a.conversation_id = s.Int(2);
  a.ticket_id = s.Int(3);
  a.message_id = s.Int(4);
  a.uploader.type = domain::ParseActorType(s.Text(5)).value_or(domain::ActorType::system);
  a.uploader.id = s.Int(6);
  a.content_type = s.Text(7);
  a.size = s.Int(8);
  a.sealed_name = s.Blob(9);
  a.created_at = s.Int(10);
  a.seal_key = s.Int(11);
  if (with_data) a.sealed_data = s.Blob(12);
  return a;
}

}  // namespace

Result<Attachment> AddAttachmentTx(Db& db, const NewAttachment& a) {
  if ((a.conversation_id == 0) == (a.ticket_id == 0))
    return MakeError(Code::invalid, "an attachment belongs to exactly one conversation or ticket");
  {
    KEFU_ASSIGN(check, db.Prepare(a.ticket_id ? "SELECT 1 FROM tickets WHERE id = ?1"
                                              : "SELECT 1 FROM conversations WHERE id = ?1"));
    check.Bind(1, a.ticket_id ? a.ticket_id : a.conversation_id);
    KEFU_ASSIGN(row, check.Step());
    if (!row)
      return MakeError(Code::not_found, std::string(a.ticket_id ? "ticket " : "conversation ") +
                                            std::to_string(a.ticket_id ? a.ticket_id : a.conversation_id) +
                                            " not found");
  }
  KEFU_ASSIGN(stmt, db.Prepare(
                        "INSERT INTO attachments(public_id, conversation_id, ticket_id, uploader_type, uploader_id, "
                        "content_type, size, sealed_name, sealed_data, created_at, seal_key) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  stmt.Bind(1, a.public_id).BindOptional(2, a.conversation_id).BindOptional(3, a.ticket_id);
  stmt.Bind(4, domain::ActorTypeName(a.uploader.type)).Bind(5, a.uploader.id).Bind(6, a.content_type);
  stmt.Bind(7, a.size).BindBlob(8, a.sealed_name).BindBlob(9, a.sealed_data).Bind(10, a.at).Bind(11, a.seal_key);
  KEFU_TRY(stmt.Run());
  Attachment out;
  out.id = db.LastInsertId();
  out.public_id = a.public_id;
  out.seal_key = a.seal_key;
  out.conversation_id = a.conversation_id;
  out.ticket_id = a.ticket_id;
  out.uploader = a.uploader;
  out.content_type = a.content_type;
  out.size = a.size;
  out.sealed_name = a.sealed_name;
  out.created_at = a.at;
  if (a.ticket_id) {
    Event e;
    e.ticket_id = a.ticket_id;
    e.type = "ticket.attachment_added";
    e.at = a.at;
    e.actor = a.uploader;
    e.data_json = "{\"attachment_id\":\"" + a.public_id + "\",\"content_type\":\"" + a.content_type +
                  "\",\"size\":" + std::to_string(a.size) + "}";
    KEFU_TRY(InsertEventTx(db, e));
  }
  return out;
}

Result<AttachmentRef> LinkAttachmentTx(Db& db, Id attachment_id, Id conversation_id, Id message_id) {
  KEFU_ASSIGN(stmt, db.Prepare("UPDATE attachments SET message_id = ?3 "
                               "WHERE id = ?1 AND conversation_id = ?2 AND message_id IS NULL "
                               "RETURNING public_id, content_type, size"));
  stmt.Bind(1, attachment_id).Bind(2, conversation_id).Bind(3, message_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "attachment not found");
  return AttachmentRef{stmt.Text(0), stmt.Text(1), stmt.Int(2)};
}

Result<Attachment> GetAttachmentTx(Db& db, std::string_view public_id) {
  static const std::string sql = std::string(kColumns) + ", sealed_data FROM attachments WHERE public_id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, public_id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "attachment not found");
  return Read(stmt, true);
}

Result<std::vector<Attachment>> ListTicketAttachmentsTx(Db& db, Id ticket_id) {
  static const std::string sql = std::string(kColumns) + " FROM attachments WHERE ticket_id = ?1 ORDER BY id";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, ticket_id);
  std::vector<Attachment> out;
  for (;;) {
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) break;
    out.push_back(Read(stmt, false));
  }
  return out;
}

}  // namespace kefu::store::sqlite
