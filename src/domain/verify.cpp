#include "domain/verify.hpp"

#include <cstdint>

#include "core/text.hpp"

namespace kefu::domain {
namespace {

constexpr std::string_view kBase32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::optional<std::string> Phone(std::string_view v) {
  v = Trim(v);
  bool international = false;
  std::string digits;
  for (size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+' && digits.empty() && !international) {
      international = true;
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return std::nullopt;
    }
  }
  if (!international && digits.starts_with("00")) {
    international = true;
    digits.erase(0, 2);
  }
  if (international) {
    if (!digits.starts_with("86")) {
      if (digits.size() < 5 || digits.size() > 17) return std::nullopt;
      return "+" + digits;
    }
    digits.erase(0, 2);
    // "+86 010 …" writes the trunk prefix inside an international number: drop every zero so
    // that the normal form does not start with one (it would read as a trunk prefix again).
    digits.erase(0, digits.find_first_not_of('0'));
  } else if (digits.starts_with("0")) {
    digits.erase(0, 1);  // domestic trunk prefix ("00" was the international prefix above)
  }
  if (digits.size() < 5 || digits.size() > 17) return std::nullopt;
  return digits;
}

std::optional<std::string> Email(std::string_view v) {
  std::string s = AsciiLower(Trim(v));
  const size_t at = s.find('@');
  if (at == 0 || at == std::string::npos || at + 1 >= s.size() || s.find('@', at + 1) != std::string::npos)
    return std::nullopt;
  for (char c : s)
    if (static_cast<unsigned char>(c) <= ' ') return std::nullopt;
  return s;
}

std::optional<std::string> Handle(std::string_view v, bool telegram) {
  v = Trim(v);
  if (telegram) {
    for (std::string_view prefix : {"https://t.me/", "http://t.me/", "t.me/"}) {
      if (AsciiLower(v.substr(0, prefix.size())) == prefix) {
        v.remove_prefix(prefix.size());
        break;
      }
    }
  }
  if (!v.empty() && v.front() == '@') v.remove_prefix(1);
  std::string s = AsciiLower(v);
  if (s.empty() || s.size() > 64) return std::nullopt;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return std::nullopt;
  }
  return s;
}

std::optional<std::string> Agent(std::string_view v) {
  std::string s;
  for (char c : v) {
    if (c == ' ' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    s += c;
  }
  if (s.size() == 10 && s.starts_with("KF")) s.erase(0, 2);  // the code may be typed without "KF-"
  if (s.size() != 8) return std::nullopt;
  for (char& c : s) {
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    if (kBase32.find(c) == std::string_view::npos) return std::nullopt;
  }
  return "KF-" + s;
}

}  // namespace

std::optional<VerifyKind> ParseVerifyKind(std::string_view name) {
  if (name == "agent") return VerifyKind::agent;
  if (name == "phone") return VerifyKind::phone;
  if (name == "email") return VerifyKind::email;
  if (name == "wechat") return VerifyKind::wechat;
  if (name == "telegram") return VerifyKind::telegram;
  return std::nullopt;
}

std::string_view VerifyKindName(VerifyKind kind) {
  switch (kind) {
    case VerifyKind::agent: return "agent";
    case VerifyKind::phone: return "phone";
    case VerifyKind::email: return "email";
    case VerifyKind::wechat: return "wechat";
    case VerifyKind::telegram: return "telegram";
  }
  return "agent";
}

std::optional<std::string> NormaliseChannel(VerifyKind kind, std::string_view value) {
  if (value.size() > 256) return std::nullopt;
  switch (kind) {
    case VerifyKind::agent: return Agent(value);
    case VerifyKind::phone: return Phone(value);
    case VerifyKind::email: return Email(value);
    case VerifyKind::wechat: return Handle(value, false);
    case VerifyKind::telegram: return Handle(value, true);
  }
  return std::nullopt;
}

bool IsOfficial(VerifyKind kind, std::string_view value, const std::vector<std::string>& official) {
  auto wanted = NormaliseChannel(kind, value);
  if (!wanted) return false;
  for (const std::string& o : official) {
    auto have = NormaliseChannel(kind, o);
    if (have && *have == *wanted) return true;
  }
  return false;
}

std::string MakeVerifyId(std::uint64_t random) {
  std::string id = "KF-";
  for (int i = 0; i < 8; ++i) {
    id += kBase32[random & 31];
    random >>= 5;
  }
  return id;
}

}  // namespace kefu::domain
