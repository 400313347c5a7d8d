#include "http/json_io.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/text.hpp"
#include "domain/pii_mask.hpp"

namespace kefu::http::json {

void AppendActorRef(std::string& out, const domain::Actor& a, std::string_view name) {
  out += "{\"type\":\"";
  out += domain::ActorTypeName(a.type);
  out += "\",\"id\":";
  if (a.id) {
    out += std::to_string(a.id);
  } else {
    out += "null";
  }
  out += ",\"name\":";
  AppendJsonString(out, name);
  out += '}';
}

std::string PiiText(std::string_view text, Pii pii) {
  return pii == Pii::masked ? domain::MaskText(text) : std::string(text);
}

namespace {

void AppendPiiString(std::string& out, std::string_view text, Pii pii) {
  if (pii == Pii::masked) {
    AppendJsonString(out, domain::MaskText(text));
  } else {
    AppendJsonString(out, text);
  }
}

}  // namespace

void AppendConversation(std::string& out, const store::Conversation& c, Pii pii) {
  out += "{\"id\":" + std::to_string(c.id) + ",\"customer\":{\"id\":" + std::to_string(c.customer_id) + ",\"name\":";
  AppendPiiString(out, c.customer_name, pii);
  out += "},\"channel\":";
  AppendJsonString(out, c.channel);
  out += ",\"state\":\"";
  out += domain::StateName(c.state);
  out += "\",\"desk\":";
  if (c.desk) {
    out += '"';
    out += domain::DeskName(*c.desk);
    out += '"';
  } else {
    out += "null";
  }
  out += ",\"assigned_agent\":";
  if (c.assigned_staff_id) {
    out += "{\"id\":" + std::to_string(c.assigned_staff_id) + ",\"name\":";
    AppendJsonString(out, c.assigned_staff_name);
    if (!c.assigned_staff_verify_id.empty()) {
      out += ",\"verify_id\":";
      AppendJsonString(out, c.assigned_staff_verify_id);
    }
    out += '}';
  } else {
    out += "null";
  }
  out += ",\"last_seq\":" + std::to_string(c.last_seq) + ",\"last_message_at\":";
  if (c.last_message_at) {
    out += '"' + FormatRfc3339(c.last_message_at) + '"';
  } else {
    out += "null";
  }
  out += ",\"last_message_preview\":";
  if (c.last_message_at) {
    AppendPiiString(out, c.last_message_preview, pii);
  } else {
    out += "null";
  }
  out += ",\"created_at\":\"" + FormatRfc3339(c.created_at) + "\",\"updated_at\":\"" +
         FormatRfc3339(c.updated_at) + "\"}";
}

void AppendMessage(std::string& out, const store::Message& m, Pii pii) {
  out += "{\"id\":" + std::to_string(m.id) + ",\"conversation_id\":" + std::to_string(m.conversation_id) +
         ",\"seq\":" + std::to_string(m.seq) + ",\"client_id\":";
  if (m.client_id.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, m.client_id);
  }
  out += ",\"sender\":";
  if (pii == Pii::masked && m.sender.type == domain::ActorType::customer) {
    AppendActorRef(out, m.sender, domain::MaskText(m.sender_name));
  } else {
    AppendActorRef(out, m.sender, m.sender_name);
  }
  if (m.sender.type == domain::ActorType::staff && !m.sender_verify_id.empty()) {
    // Staff messages carry the agent's public verify id (checkable at /verify).
    out.pop_back();
    out += ",\"verify_id\":";
    AppendJsonString(out, m.sender_verify_id);
    out += '}';
  }
  out += ",\"text\":";
  AppendPiiString(out, m.text, pii);
  out += ",\"kind\":";
  AppendJsonString(out, m.kind.empty() ? std::string_view("text") : std::string_view(m.kind));
  if (m.attachment) {
    out += ",\"attachment\":{\"id\":";
    AppendJsonString(out, m.attachment->id);
    out += ",\"content_type\":";
    AppendJsonString(out, m.attachment->content_type);
    out += ",\"size\":" + std::to_string(m.attachment->size) + ",\"url\":\"/api/v1/attachments/";
    out += m.attachment->id;  // base64url: nothing to escape
    out += "\"}";
  }
  out += ",\"created_at\":\"" + FormatRfc3339(m.created_at) + "\"}";
}

void AppendStaff(std::string& out, const store::Staff& s) {
  out += "{\"id\":" + std::to_string(s.id) + ",\"email\":";
  AppendJsonString(out, s.email);
  out += ",\"name\":";
  AppendJsonString(out, s.name);
  out += ",\"role\":\"";
  out += domain::RoleName(s.role);
  out += "\",\"desk\":";
  if (s.desk) {
    out += '"';
    out += domain::DeskName(*s.desk);
    out += '"';
  } else {
    out += "null";
  }
  out += ",\"max_chats\":" + std::to_string(s.max_chats) + ",\"verify_id\":";
  AppendJsonString(out, s.verify_id);
  out += ",\"status\":";
  AppendJsonString(out, s.status);
  out += s.totp_enabled() ? ",\"totp_enabled\":true}" : ",\"totp_enabled\":false}";
}

namespace {

void MaskStrings(boost::json::value& v) {
  if (v.is_string()) {
    boost::json::string& s = v.get_string();
    std::string masked = domain::MaskText(s);
    if (masked != std::string_view(s)) s = masked;
  } else if (v.is_object()) {
    for (auto& kv : v.get_object()) MaskStrings(kv.value());
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) MaskStrings(item);
  }
}

// An event's data object as staff read it: every string in it (a CSAT comment, a note, a
// reason) masked; parsed rather than scanned so that no number turns into a broken token.
std::string MaskedEventData(std::string_view data) {
  if (data.find_first_of("0123456789@") == std::string_view::npos) return std::string(data);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(data, ec);
  if (ec || !v.is_object()) return "{}";  // unreadable: show nothing rather than something unmasked
  MaskStrings(v);
  return boost::json::serialize(v);
}

}  // namespace

void AppendEvent(std::string& out, const store::Event& e, Pii pii) {
  out += "{\"id\":" + std::to_string(e.id) + ",\"type\":";
  AppendJsonString(out, e.type);
  out += ",\"at\":\"" + FormatRfc3339(e.at) + "\",\"actor\":";
  if (e.actor) {
    out += "{\"type\":\"";
    out += domain::ActorTypeName(e.actor->type);
    out += "\",\"id\":" + (e.actor->id ? std::to_string(e.actor->id) : std::string("null")) + "}";
  } else {
    out += "null";
  }
  // The event's own fields sit at the top level ("reason" of a transfer, "agent_id", ...).
  const std::string masked = pii == Pii::masked ? MaskedEventData(Trim(e.data_json)) : std::string();
  std::string_view data = pii == Pii::masked ? std::string_view(masked) : Trim(e.data_json);
  if (data.size() > 2 && data.front() == '{' && data.back() == '}') {
    out += ',';
    out.append(data.substr(1, data.size() - 2));
  }
  out += '}';
}

void AppendAuditEntry(std::string& out, const store::AuditEntry& e) {
  out += "{\"seq\":" + std::to_string(e.seq) + ",\"at\":\"" + FormatRfc3339(e.record.at) + "\",\"actor\":{\"type\":\"";
  out += domain::ActorTypeName(e.record.actor.type);
  out += "\",\"id\":" + (e.record.actor.id ? std::to_string(e.record.actor.id) : std::string("null")) + "},\"action\":";
  AppendJsonString(out, e.record.action);
  out += ",\"target\":";
  AppendJsonString(out, e.record.target);
  out += ",\"details\":";
  // Written by kefu as a JSON object; a row edited into anything else is shown as a string
  // rather than breaking the page (`kefu audit verify` names it).
  boost::system::error_code ec;
  auto parsed = boost::json::parse(e.record.details_json, ec);
  if (!ec && parsed.is_object()) {
    out += e.record.details_json;
  } else {
    AppendJsonString(out, e.record.details_json);
  }
  out += ",\"prev_hash\":\"" + HexEncode(e.prev_hash) + "\",\"hash\":\"" + HexEncode(e.hash) + "\"}";
}

namespace {

void AppendStrings(std::string& out, const std::vector<std::string>& items) {
  AppendArray(out, items, [](std::string& o, const std::string& s) { AppendJsonString(o, s); });
}

void AppendKbAuthor(std::string& out, domain::Id staff_id, std::string_view name) {
  out += ",\"author\":";
  if (staff_id) {
    out += "{\"id\":" + std::to_string(staff_id) + ",\"name\":";
    AppendJsonString(out, name);
    out += '}';
  } else {
    out += "null";
  }
}

// The fields every article and version has, without the closing brace.
void AppendKbContent(std::string& out, const store::KbEntry& e, bool with_variants, int variant_count) {
  out += "{\"id\":";
  AppendJsonString(out, e.id);
  out += ",\"lang\":";
  AppendJsonString(out, e.lang);
  out += ",\"category\":";
  AppendJsonString(out, e.category);
  out += ",\"question\":";
  AppendJsonString(out, e.question);
  if (with_variants) {
    out += ",\"variants\":";
    AppendStrings(out, e.variants);
  }
  out += ",\"variant_count\":" + std::to_string(variant_count) + ",\"answer\":";
  AppendJsonString(out, e.answer);
}

}  // namespace

void AppendKbArticle(std::string& out, const store::KbArticle& a, bool with_variants) {
  AppendKbContent(out, a.entry, with_variants, with_variants ? static_cast<int>(a.entry.variants.size()) : a.variant_count);
  out += ",\"version\":" + std::to_string(a.version) + ",\"status\":\"";
  out += a.published() ? "published" : "draft";
  out += "\",\"published_version\":";
  out += a.published() ? std::to_string(a.published_version) : std::string("null");
  AppendKbAuthor(out, a.author_staff_id, a.author_name);
  out += ",\"created_at\":\"" + FormatRfc3339(a.created_at) + "\",\"updated_at\":\"" +
         FormatRfc3339(a.entry.updated_at) + "\"}";
}

void AppendKbVersion(std::string& out, const store::KbArticleVersion& v, std::int64_t published_version) {
  AppendKbContent(out, v.entry, true, static_cast<int>(v.entry.variants.size()));
  out += ",\"version\":" + std::to_string(v.version) + ",\"published\":";
  out += v.version == published_version ? "true" : "false";
  AppendKbAuthor(out, v.author_staff_id, v.author_name);
  out += ",\"created_at\":\"" + FormatRfc3339(v.entry.updated_at) + "\"}";
}

void AppendNextCursorAndClose(std::string& out, std::string_view cursor) {
  out += ",\"next_cursor\":";
  if (cursor.empty()) {
    out += "null";
  } else {
    AppendJsonString(out, cursor);
  }
  out += '}';
}

std::string Error(Code code, std::string_view message) {
  std::string out = "{\"error\":{\"code\":\"";
  out += CodeName(code);
  out += "\",\"message\":";
  AppendJsonString(out, message);
  out += "}}";
  return out;
}

Result<boost::json::object> ParseObject(std::string_view body, bool empty_ok) {
  if (Trim(body).empty()) {
    if (empty_ok) return boost::json::object();
    return MakeError(Code::invalid, "the request body must be a JSON object");
  }
  boost::system::error_code ec;
  // One arena per request body instead of an allocation per member and string; the object
  // keeps it alive and frees it whole.
  boost::json::value v = boost::json::parse(body, ec, boost::json::make_shared_resource<boost::json::monotonic_resource>());
  if (ec) return MakeError(Code::invalid, "malformed JSON: " + ec.message());
  if (!v.is_object()) return MakeError(Code::invalid, "the request body must be a JSON object");
  return std::move(v.as_object());
}

Result<std::optional<std::string>> OptString(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_string())
    return MakeError(Code::invalid, "'" + std::string(key) + "' must be a string");
  return std::optional<std::string>(std::string(it->value().as_string()));
}

Result<std::optional<std::int64_t>> OptInt(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::optional<std::int64_t>();
  const auto& v = it->value();
  if (v.is_int64()) return std::optional<std::int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= INT64_MAX)
    return std::optional<std::int64_t>(static_cast<std::int64_t>(v.as_uint64()));
  if (v.is_double()) {
    double d = v.as_double();
    // Casting a double outside int64's range (or NaN) is undefined: check the range first.
    if (d >= -0x1p63 && d < 0x1p63 && d == static_cast<double>(static_cast<std::int64_t>(d)))
      return std::optional<std::int64_t>(static_cast<std::int64_t>(d));
  }
  return MakeError(Code::invalid, "'" + std::string(key) + "' must be an integer");
}

Result<domain::Id> RequiredId(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return MakeError(Code::invalid, "'" + std::string(key) + "' is required");
  if (it->value().is_string()) {
    std::string_view s = it->value().as_string();
    domain::Id id = 0;
    if (s.empty() || s.size() > 16) return MakeError(Code::invalid, "'" + std::string(key) + "' is not a valid id");
    for (char c : s) {
      if (c < '0' || c > '9') return MakeError(Code::invalid, "'" + std::string(key) + "' is not a valid id");
      id = id * 10 + (c - '0');
    }
    // The same range as a number: "0" is no id, and ids stay below 2^53.
    if (id <= 0 || id >= (1LL << 53)) return MakeError(Code::invalid, "'" + std::string(key) + "' is not a valid id");
    return id;
  }
  KEFU_ASSIGN(v, OptInt(o, key));
  if (!v || *v <= 0 || *v >= (1LL << 53))
    return MakeError(Code::invalid, "'" + std::string(key) + "' is not a valid id");
  return *v;
}

}  // namespace kefu::http::json
