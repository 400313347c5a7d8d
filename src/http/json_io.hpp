// JSON for the wire: domain objects written as the shapes in docs/protocol.md, and small
// helpers to read request bodies. Internal to the http module.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "store/store.hpp"

namespace kefu::http::json {

// Whose eyes a view is for (DESIGN.md §4, issue 6): staff see customer PII — e-mail addresses,
// phone numbers, identity and card numbers — masked (domain/pii_mask.hpp) unless they reveal
// it with a reason (POST …/reveal, audited); customers see their own data as written, and so
// does a data-subject export.
enum class Pii { masked, shown };
inline Pii PiiFor(bool staff) { return staff ? Pii::masked : Pii::shown; }
// `text` as the view shows it.
std::string PiiText(std::string_view text, Pii pii);

void AppendConversation(std::string& out, const store::Conversation& c, Pii pii);
void AppendMessage(std::string& out, const store::Message& m, Pii pii);
void AppendStaff(std::string& out, const store::Staff& s);
void AppendEvent(std::string& out, const store::Event& e, Pii pii);
// An audit entry: seq, at, actor, action, target, details (the stored JSON object), prev_hash
// and hash (hex).
void AppendAuditEntry(std::string& out, const store::AuditEntry& e);
void AppendActorRef(std::string& out, const domain::Actor& a, std::string_view name);
// A knowledge-base article (its latest version); `variants` only when `with_variants`.
void AppendKbArticle(std::string& out, const store::KbArticle& a, bool with_variants);
// One version of an article; `published_version` marks the one that is live.
void AppendKbVersion(std::string& out, const store::KbArticleVersion& v, std::int64_t published_version);

// Appends `items` as a JSON array, each written by `append_one(out, item)`.
template <typename Items, typename AppendOne>
void AppendArray(std::string& out, const Items& items, AppendOne append_one) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    append_one(out, item);
  }
  out += ']';
}

std::string Error(Code code, std::string_view message);

// Closes a keyset page: appends `,"next_cursor":"…"` (null when `cursor` is empty) and `}`.
void AppendNextCursorAndClose(std::string& out, std::string_view cursor);

// Parses a request body that must be a JSON object (an empty body counts as {} when
// `empty_ok`). Code::invalid with a message saying what is wrong.
Result<boost::json::object> ParseObject(std::string_view body, bool empty_ok = false);

// Field readers: absent → nullopt; present with the wrong type → Code::invalid naming the field.
Result<std::optional<std::string>> OptString(const boost::json::object& o, std::string_view key);
Result<std::optional<std::int64_t>> OptInt(const boost::json::object& o, std::string_view key);

// The id as issued: an integer below 2^53 (a string of digits is accepted too).
Result<domain::Id> RequiredId(const boost::json::object& o, std::string_view key);

}  // namespace kefu::http::json
