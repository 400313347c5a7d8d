#include "http/client_frame.hpp"

#include <boost/json/parse.hpp>

#include "core/result.hpp"
#include "core/text.hpp"
#include "http/json_io.hpp"

namespace kefu::http {

namespace {

constexpr std::size_t kMaxClientIdBytes = 128;

bool Refuse(ClientFrameError& error, Code code, std::string message, std::string client_id = {}) {
  error.code = CodeName(code);
  error.message = std::move(message);
  error.client_id = std::move(client_id);
  return false;
}

}  // namespace

bool ClientFrameParser::Parse(std::string_view text, std::size_t max_text_chars, ClientFrame& out,
                              ClientFrameError& error) {
  boost::system::error_code ec;
  value_ = boost::json::parse(text, ec, &mr_);
  if (ec || !value_.is_object())
    return Refuse(error, Code::invalid, ec ? "malformed JSON" : "a frame must be a JSON object");
  const auto& o = value_.as_object();
  auto type_it = o.find("type");
  if (type_it == o.end() || !type_it->value().is_string()) return Refuse(error, Code::invalid, "'type' is required");
  std::string_view type = type_it->value().as_string();
  if (auto cid = o.find("client_id"); cid != o.end()) {
    if (!cid->value().is_string() || cid->value().as_string().size() > kMaxClientIdBytes)
      return Refuse(error, Code::invalid, "'client_id' must be a string of at most 128 bytes");
    out.client_id = cid->value().as_string();
  }
  auto conv = json::RequiredId(o, "conversation_id");
  if (conv.ok()) out.conversation_id = *conv;
  if (type == "message.send") {
    out.type = ClientFrame::Type::message_send;
    if (!conv.ok()) return Refuse(error, Code::invalid, conv.error().message, std::move(out.client_id));
    auto t = o.find("text");
    if (t == o.end() || !t->value().is_string())
      return Refuse(error, Code::invalid, "'text' must be a string", std::move(out.client_id));
    out.text = t->value().as_string();
    if (Trim(out.text).empty()) return Refuse(error, Code::invalid, "'text' is empty", std::move(out.client_id));
    if (CountCodePoints(out.text) > max_text_chars)
      return Refuse(error, Code::too_large, "text longer than " + std::to_string(max_text_chars) + " characters",
                    std::move(out.client_id));
  } else if (type == "sync") {
    out.type = ClientFrame::Type::sync;
    if (!conv.ok()) return Refuse(error, Code::invalid, conv.error().message);
    auto after = json::OptInt(o, "after_seq");
    if (!after.ok() || (*after && **after < 0))
      return Refuse(error, Code::invalid, "'after_seq' must be a non-negative integer");
    out.after_seq = after->value_or(0);
  } else if (type == "typing") {
    out.type = ClientFrame::Type::typing;
    if (!conv.ok()) return Refuse(error, Code::invalid, conv.error().message);
    if (auto t = o.find("typing"); t != o.end()) {
      if (!t->value().is_bool()) return Refuse(error, Code::invalid, "'typing' must be a boolean");
      out.typing = t->value().as_bool();
    }
  } else if (type == "csat.submit") {
    out.type = ClientFrame::Type::csat_submit;
    if (!conv.ok()) return Refuse(error, Code::invalid, conv.error().message);
    auto score = json::OptInt(o, "score");
    auto comment = json::OptString(o, "comment");
    if (!score.ok() || !*score) return Refuse(error, Code::invalid, "'score' must be an integer from 1 to 5");
    if (!comment.ok()) return Refuse(error, Code::invalid, comment.error().message);
    out.score = **score;
    out.comment = comment->value_or("");
  } else {
    error.code = "unknown_type";
    error.message = "unknown frame type '" + std::string(TruncateCodePoints(type, 40)) + "'";
    error.client_id.clear();
    return false;
  }
  return true;
}

}  // namespace kefu::http
