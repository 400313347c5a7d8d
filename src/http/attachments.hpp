// REST handlers of attachments (DESIGN.md §4): upload to a conversation (the file becomes a
// message of kind "attachment") or a ticket, list a ticket's, download one. The request body is
// the file; its type is sniffed from the bytes, image metadata stripped, name and bytes sealed
// (XChaCha20-Poly1305) before the store sees them, and served only to whoever may see the
// conversation or ticket. Internal to the http module; routes.cpp puts them in the route table.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/api.hpp"

namespace kefu::http {

// A stored attachment's file name, opened ("" when it does not open).
std::string AttachmentName(const Context& ctx, const store::Attachment& attachment);

boost::asio::awaitable<Response> UploadConversationAttachment(Request& req, Context& ctx);
boost::asio::awaitable<Response> UploadTicketAttachment(Request& req, Context& ctx);
boost::asio::awaitable<Response> ListTicketAttachments(Request& req, Context& ctx);
boost::asio::awaitable<Response> DownloadAttachment(Request& req, Context& ctx);

}  // namespace kefu::http
