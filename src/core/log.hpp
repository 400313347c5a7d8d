// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-26T19:51:55.123Z","level":"info","event":"http.request","rid":"r1a2",...}
// Thread-safe; each line goes out in a single write(2). Secrets (tokens, passwords, message
// text) must never be passed as fields.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace kefu::log {

enum class Level { debug, info, warn, error };

// A field value: text, integer, floating point or boolean.
using Value = std::variant<std::string_view, std::int64_t, double, bool>;

struct Field {
  std::string_view key;
  Value value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::int64_t{v}) {}
  Field(std::string_view k, std::uint64_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

// Lines below `level` are dropped. Default: info (KEFU_LOG_LEVEL overrides at start).
void SetLevel(Level level);
bool Enabled(Level level);
bool ParseLevel(std::string_view name, Level& out);

void Write(Level level, std::string_view event, std::initializer_list<Field> fields = {});

inline void Debug(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::debug, e, f); }
inline void Info(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::info, e, f); }
inline void Warn(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::warn, e, f); }
inline void Error(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::error, e, f); }

}  // namespace kefu::log
