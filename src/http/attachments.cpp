#include "http/attachments.hpp"

#include <cctype>

#include "auth/keys.hpp"
#include "crypto/field_cipher.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "domain/staff.hpp"
#include "http/json_io.hpp"
#include "media/media.hpp"
#include "store/tickets.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using asio::awaitable;
using domain::Id;

namespace {

constexpr size_t kMaxNameChars = 200;

// Where each sealed part lives for the key ring (docs/adr/0013): a name or body copied onto
// another attachment does not open.
crypto::Place NamePlace(std::int64_t seal_key) { return {"attachments.sealed_name", seal_key, 0}; }
crypto::Place DataPlace(std::int64_t seal_key) { return {"attachments.sealed_data", seal_key, 0}; }

std::int64_t NewSealKey() {
  std::uint64_t r = 0;
  auth::RandomBytes(&r, sizeof r);
  return static_cast<std::int64_t>(r >> 2) + 1;  // positive
}

Result<std::string> Open(const Context& ctx, std::string_view sealed, const crypto::Place& place) {
  const crypto::FieldCipher* cipher = ctx.store.Cipher();
  if (!cipher) return std::string(sealed);  // a store without encryption (tests of the store alone)
  return cipher->Open(sealed, place);
}

// RFC 8187 ext-value encoding for a Content-Disposition filename*: UTF-8, percent-encoded
// except for attr-chars.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string NewPublicId() {
  unsigned char r[18];
  auth::RandomBytes(r, sizeof r);
  return "att_" + Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(r), sizeof r));
}

// The file name as given (?name=), without any path, control characters or surrounding blanks;
// a plain default when none is left.
Result<std::string> FileName(const Request& req, media::Type type) {
  std::string name = req.Query("name").value_or("");
  if (!IsValidUtf8(name)) return Invalid("'name' must be UTF-8");
  if (size_t slash = name.find_last_of("/\\"); slash != std::string::npos) name.erase(0, slash + 1);
  std::string clean;
  for (char c : name)
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) clean += c;
  clean = std::string(Trim(clean));
  if (CountCodePoints(clean) > kMaxNameChars) return Invalid("'name' must be at most 200 characters");
  if (clean.empty() || clean == "." || clean == "..") {
    static constexpr std::string_view kDefault[] = {"image.png", "image.jpg", "image.gif", "image.webp",
                                                    "document.pdf"};
    clean = std::string(kDefault[static_cast<int>(type)]);
  }
  return clean;
}

// The upload's bytes, checked and cleaned: a known type by its bytes, within the size limit,
// metadata stripped.
struct Clean {
  media::Type type;
  std::string bytes;
};

Result<Clean> CleanUpload(const Request& req, const Context& ctx) {
  if (req.body.empty()) return Invalid("the request body is the file; it is empty");
  if (static_cast<std::int64_t>(req.body.size()) > ctx.config.limits.attachment_bytes)
    return MakeError(Code::too_large, "attachments are limited to " +
                                          std::to_string(ctx.config.limits.attachment_bytes) + " bytes");
  auto type = media::Sniff(req.body);
  if (!type)
    return MakeError(Code::unsupported, "only PNG, JPEG, GIF and WebP images and PDF documents can be attached");
  KEFU_ASSIGN(bytes, media::StripMetadata(*type, req.body));
  return Clean{*type, std::move(bytes)};
}

// Sealed here, on the network thread's caller side, so that the writer never spends time on a
// large file.
Result<store::NewAttachment> Sealed(const Context& ctx, const Subject& who, const Clean& file, const std::string& name) {
  const crypto::FieldCipher* cipher = ctx.store.Cipher();
  if (!cipher || cipher->current() == 0)
    return MakeError(Code::unavailable, "attachments need encryption keys, and none are configured");
  store::NewAttachment a;
  a.public_id = NewPublicId();
  a.seal_key = NewSealKey();
  a.uploader = who.actor();
  a.content_type = std::string(media::ContentType(file.type));
  a.size = static_cast<std::int64_t>(file.bytes.size());
  a.sealed_name = cipher->Seal(name, NamePlace(a.seal_key));
  a.sealed_data = cipher->Seal(file.bytes, DataPlace(a.seal_key));
  a.at = Clock::System().Now();
  return a;
}

// An upload made ready to store (for a conversation or a ticket, set by the caller): checked and
// stripped, named through the secret guard like any other text, sealed.
struct Upload {
  store::NewAttachment attachment;
  std::string name;
  std::vector<std::string> warnings;
};

Result<Upload> PrepareUpload(const Request& req, const Context& ctx, const Subject& who) {
  KEFU_ASSIGN(file, CleanUpload(req, ctx));
  KEFU_ASSIGN(name, FileName(req, file.type));
  KEFU_ASSIGN(guarded, Hub::GuardText(who, name));
  KEFU_ASSIGN(sealed, Sealed(ctx, who, file, guarded.text));
  return Upload{std::move(sealed), std::move(guarded.text), std::move(guarded.warnings)};
}

void AppendAttachment(std::string& out, const store::Attachment& a, std::string_view name) {
  out += "{\"id\":";
  AppendJsonString(out, a.public_id);
  out += ",\"name\":";
  AppendJsonString(out, name);
  out += ",\"content_type\":";
  AppendJsonString(out, a.content_type);
  out += ",\"size\":" + std::to_string(a.size) + ",\"created_at\":\"" + FormatRfc3339(a.created_at) + "\"}";
}

awaitable<Result<store::Attachment>> Store(Context& ctx, store::NewAttachment a) {
  auto add = [&ctx, a = std::move(a)](store::Callback<store::Attachment> done) mutable {
    ctx.store.AddAttachment(std::move(a), std::move(done));
  };
  co_return co_await Write<store::Attachment>(std::move(add));
}

}  // namespace

std::string AttachmentName(const Context& ctx, const store::Attachment& attachment) {
  auto name = Open(ctx, attachment.sealed_name, NamePlace(attachment.seal_key));
  return name.ok() ? std::move(*name) : std::string();
}

awaitable<Response> UploadConversationAttachment(Request& req, Context& ctx) {
  auto call = co_await CallerConversation(req, ctx);
  if (!call.ok()) co_return Response::Fail(call.error());
  const Subject& who = call->who;
  const store::Conversation& conv = call->conversation;
  const Id id = conv.id;
  if (!Hub::MayParticipate(who, conv))
    co_return Response::Fail(MakeError(Code::forbidden, "accept the conversation before sending files"));
  auto upload = PrepareUpload(req, ctx, who);
  if (!upload.ok()) co_return Response::Fail(upload.error());
  upload->attachment.conversation_id = id;
  auto stored = co_await Store(ctx, std::move(upload->attachment));
  if (!stored.ok()) co_return Response::Fail(stored.error());
  // The message that shows it, in the same conversation; its text is the file's name.
  store::NewMessage msg;
  msg.conversation_id = id;
  msg.sender = who.actor();
  msg.text = upload->name;
  msg.kind = "attachment";
  msg.attachment_id = stored->id;
  msg.at = stored->created_at;
  auto append = [&ctx, msg = std::move(msg)](store::Callback<store::AppendedMessage> done) mutable {
    ctx.store.AppendMessage(std::move(msg), std::move(done));
  };
  auto message = co_await Write<store::AppendedMessage>(std::move(append));
  if (!message.ok()) co_return Response::Fail(message.error());
  message->message.sender_name = who.name;
  ctx.hub.ConversationChanged(conv);
  ctx.hub.Delivered(who, message->message, upload->warnings, nullptr);
  log::Info("attachment.stored", {{"rid", req.rid}, {"conversation_id", id}, {"size", stored->size},
                                  {"content_type", stored->content_type}});
  std::string out;
  json::AppendMessage(out, message->message, json::PiiFor(who.is_staff()));
  co_return Response::Json(201, std::move(out));
}

awaitable<Response> UploadTicketAttachment(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto ticket = co_await VisibleTicket(ctx, *who, *id);
  if (!ticket.ok()) co_return Response::Fail(ticket.error());
  auto upload = PrepareUpload(req, ctx, *who);
  if (!upload.ok()) co_return Response::Fail(upload.error());
  upload->attachment.ticket_id = *id;
  auto stored = co_await Store(ctx, std::move(upload->attachment));
  if (!stored.ok()) co_return Response::Fail(stored.error());
  std::string out;
  AppendAttachment(out, *stored, json::PiiText(upload->name, json::PiiFor(who->is_staff())));
  Response res = Response::Json(201, std::move(out));
  res.headers.emplace_back("Location", "/api/v1/attachments/" + stored->public_id);
  co_return res;
}

awaitable<Response> ListTicketAttachments(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  auto id = PathId(req);
  if (!id.ok()) co_return Response::Fail(id.error());
  auto ticket = co_await VisibleTicket(ctx, *who, *id);
  if (!ticket.ok()) co_return Response::Fail(ticket.error());
  auto list_fn = [&ctx, id = *id] { return ctx.store.ListTicketAttachments(id); };
  auto list = co_await Blocking(ctx, std::move(list_fn));
  if (!list.ok()) co_return Response::Fail(list.error());
  std::string out = "{\"attachments\":[";
  for (const store::Attachment& a : *list) {
    auto name = Open(ctx, a.sealed_name, NamePlace(a.seal_key));
    if (!name.ok()) co_return Response::Fail(name.error());
    if (out.back() != '[') out += ',';
    AppendAttachment(out, a, json::PiiText(*name, json::PiiFor(who->is_staff())));  // a file name may hold PII
  }
  out += "]}";
  co_return Response::Json(200, std::move(out));
}

awaitable<Response> DownloadAttachment(Request& req, Context& ctx) {
  auto who = co_await Caller(req, ctx);
  if (!who.ok()) co_return Response::Fail(who.error());
  if (req.params.empty() || req.params[0].size() > 64) co_return Response::Fail(MakeError(Code::not_found, "not found"));
  auto get = [&ctx, public_id = req.params[0]] { return ctx.store.GetAttachment(public_id); };
  auto a = co_await Blocking(ctx, std::move(get));
  if (!a.ok()) co_return Response::Fail(a.error());
  // Only who may see the conversation or ticket it belongs to; others learn nothing, not even
  // that it exists.
  Status allowed = Ok();
  if (a->conversation_id) {
    auto conv = co_await VisibleConversation(ctx, *who, a->conversation_id);
    if (!conv.ok()) allowed = std::move(conv).error();
  } else {
    auto ticket = co_await VisibleTicket(ctx, *who, a->ticket_id);
    if (!ticket.ok()) allowed = std::move(ticket).error();
  }
  if (!allowed.ok()) co_return Response::Fail(MakeError(Code::not_found, "attachment not found"));
  auto name = Open(ctx, a->sealed_name, NamePlace(a->seal_key));
  auto bytes = Open(ctx, a->sealed_data, DataPlace(a->seal_key));
  if (!name.ok() || !bytes.ok()) {
    log::Error("attachment.unreadable", {{"rid", req.rid}, {"attachment", a->public_id}});
    co_return Response::Fail(MakeError(Code::internal, "the attachment cannot be read"));
  }
  Response res{200, a->content_type, std::move(*bytes), {}};
  const bool image = a->content_type.rfind("image/", 0) == 0;
  res.headers.emplace_back("Content-Disposition", std::string(image ? "inline" : "attachment") +
                                                      "; filename*=UTF-8''" +
                                                      PercentEncode(json::PiiText(*name, json::PiiFor(who->is_staff()))));
  res.headers.emplace_back("Cache-Control", "private, no-store");
  // Whatever a file holds, it never runs as a page of this origin.
  res.headers.emplace_back("Content-Security-Policy", "default-src 'none'; img-src 'self'; sandbox");
  co_return res;
}

}  // namespace kefu::http
