// Attachments in the SQLite engine (table attachments, migration 14). Internal to the engine.
#pragma once

#include <string_view>
#include <vector>

#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace kefu::store::sqlite {

Result<Attachment> AddAttachmentTx(Db& db, const NewAttachment& a);
// Links an attachment to the message that carries it (inside AppendMessage's transaction) and
// says what the message shows of it. Code::not_found unless it belongs to the same conversation
// and carries no message yet.
Result<AttachmentRef> LinkAttachmentTx(Db& db, Id attachment_id, Id conversation_id, Id message_id);
Result<Attachment> GetAttachmentTx(Db& db, std::string_view public_id);
Result<std::vector<Attachment>> ListTicketAttachmentsTx(Db& db, Id ticket_id);

}  // namespace kefu::store::sqlite
