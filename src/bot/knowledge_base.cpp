#include "bot/knowledge_base.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <istream>
#include <ostream>
#include <unordered_map>

#include "core/text.hpp"

namespace kefu::bot {
namespace {

constexpr size_t kMaxIdBytes = 128;

// Reads a required or optional string field; returns an error message or empty.
std::string GetString(const boost::json::object& o, std::string_view key, bool required, std::string& out) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    return required ? "'" + std::string(key) + "' is required" : std::string();
  }
  if (!it->value().is_string()) return "'" + std::string(key) + "' must be a string";
  out = std::string(it->value().as_string());
  if (required && Trim(out).empty()) return "'" + std::string(key) + "' is empty";
  return {};
}

std::string ParseLine(std::string_view line, store::KbEntry& e) {
  if (!IsValidUtf8(line)) return "not valid UTF-8";
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec) return "malformed JSON: " + ec.message();
  if (!v.is_object()) return "expected a JSON object";
  const auto& o = v.as_object();
  std::string lang;
  for (auto [key, field, required] : {std::tuple{"id", &e.id, true}, {"lang", &lang, true},
                                      {"category", &e.category, false}, {"question", &e.question, true},
                                      {"answer", &e.answer, true}}) {
    if (auto err = GetString(o, key, required, *field); !err.empty()) return err;
  }
  if (e.id.size() > kMaxIdBytes) return "'id' is longer than 128 bytes";
  for (unsigned char c : e.id)
    if (c < 0x20) return "'id' contains control characters";
  auto norm = NormaliseKbLang(lang);
  if (!norm) return "'lang' must be zh, zh-CN, zh-TW, en or es (got '" + std::string(TruncateCodePoints(lang, 20)) + "')";
  e.lang = *norm;
  if (auto it = o.find("variants"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_array()) return "'variants' must be an array of strings";
    for (const auto& item : it->value().as_array()) {
      if (!item.is_string()) return "'variants' must be an array of strings";
      std::string_view s = item.as_string();
      if (!Trim(s).empty()) e.variants.emplace_back(s);
    }
  }
  return {};
}

}  // namespace

std::optional<std::string> NormaliseKbLang(std::string_view lang) {
  std::string l = AsciiLower(Trim(lang));
  if (l == "zh" || l.starts_with("zh-") || l.starts_with("zh_")) return "zh";
  if (l == "en" || l.starts_with("en-") || l.starts_with("en_")) return "en";
  if (l == "es" || l.starts_with("es-") || l.starts_with("es_")) return "es";
  return std::nullopt;
}

KbParse ParseKbJsonl(std::istream& in, Millis now) {
  KbParse out;
  std::unordered_map<std::string, size_t> index;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string_view view = line;
    if (number == 1 && view.starts_with("\xEF\xBB\xBF")) view.remove_prefix(3);  // BOM
    if (Trim(view).empty()) continue;
    store::KbEntry e;
    if (std::string err = ParseLine(view, e); !err.empty()) {
      out.errors.push_back({number, std::move(err)});
      continue;
    }
    e.updated_at = now;
    if (auto it = index.find(e.id); it != index.end()) {
      out.entries[it->second] = std::move(e);
    } else {
      index.emplace(e.id, out.entries.size());
      out.entries.push_back(std::move(e));
    }
  }
  return out;
}

void WriteKbJsonl(const std::vector<store::KbEntry>& entries, std::ostream& out) {
  std::string line;
  for (const auto& e : entries) {
    line.clear();
    line += "{\"id\":";
    AppendJsonString(line, e.id);
    line += ",\"lang\":";
    AppendJsonString(line, e.lang);
    line += ",\"category\":";
    AppendJsonString(line, e.category);
    line += ",\"question\":";
    AppendJsonString(line, e.question);
    line += ",\"variants\":[";
    for (size_t i = 0; i < e.variants.size(); ++i) {
      if (i) line += ',';
      AppendJsonString(line, e.variants[i]);
    }
    line += "],\"answer\":";
    AppendJsonString(line, e.answer);
    line += "}\n";
    out << line;
  }
}

}  // namespace kefu::bot
