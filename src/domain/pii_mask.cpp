#include "domain/pii_mask.hpp"

#include <cctype>

namespace kefu::domain {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLocalChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool IsDomainChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }

std::string DigitsOf(std::string_view s) {
  std::string out;
  for (char c : s)
    if (IsDigit(c) || c == 'X' || c == 'x') out += c;
  return out;
}

}  // namespace

std::string MaskEmail(std::string_view email) {
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0) return std::string(email.size(), '*');
  std::string out(email.substr(0, 1));
  out += "***";
  out += email.substr(at);
  return out;
}

std::string MaskPhone(std::string_view phone) {
  std::string digits;
  for (char c : phone)
    if (IsDigit(c)) digits += c;
  std::string out = !phone.empty() && phone.front() == '+' ? "+" : "";
  if (digits.size() < 7) {
    if (digits.size() <= 2) return out + std::string(digits.size(), '*');
    return out + std::string(digits.size() - 2, '*') + digits.substr(digits.size() - 2);
  }
  // A country code before a Chinese mobile number (86 138…) stays visible with the prefix.
  const size_t keep_front = digits.size() > 11 ? digits.size() - 8 : 3;
  return out + digits.substr(0, keep_front) + std::string(digits.size() - keep_front - 4, '*') +
         digits.substr(digits.size() - 4);
}

std::string MaskIdNumber(std::string_view id_number) {
  const std::string id = DigitsOf(id_number);
  if (id.size() <= 8) return std::string(id.size(), '*');
  return id.substr(0, 4) + std::string(id.size() - 8, '*') + id.substr(id.size() - 4);
}

std::string MaskCardLast4(std::string_view last4) {
  std::string digits;
  for (char c : last4)
    if (IsDigit(c)) digits += c;
  if (digits.size() > 4) digits = digits.substr(digits.size() - 4);
  return "•••• " + digits;
}

std::string MaskText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    // An e-mail address: a local part, '@', a domain with a dot.
    if (IsLocalChar(c) && !IsDigit(c) && (i == 0 || !IsLocalChar(text[i - 1]))) {
      size_t j = i;
      while (j < text.size() && IsLocalChar(text[j])) ++j;
      if (j < text.size() && text[j] == '@') {
        size_t k = j + 1;
        while (k < text.size() && IsDomainChar(text[k])) ++k;
        while (k > j + 1 && text[k - 1] == '.') --k;
        const std::string_view domain = text.substr(j + 1, k - j - 1);
        if (domain.find('.') != std::string_view::npos && j > i) {
          out += MaskEmail(text.substr(i, k - i));
          i = k;
          continue;
        }
      }
    }
    // A run of digits (with spaces, dashes and a leading '+'): a phone or identity number.
    if ((IsDigit(c) || (c == '+' && i + 1 < text.size() && IsDigit(text[i + 1]))) &&
        (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
      size_t j = i + 1, digits = IsDigit(c) ? 1 : 0;
      size_t end = IsDigit(c) ? i + 1 : i;
      while (j < text.size()) {
        if (IsDigit(text[j])) {
          ++digits;
          end = j + 1;
        } else if ((text[j] == 'X' || text[j] == 'x') && digits == 17) {
          ++digits;
          end = j + 1;
          break;
        } else if (text[j] != ' ' && text[j] != '-') {
          break;
        }
        ++j;
      }
      const bool alnum_after = end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]));
      const std::string_view run = text.substr(i, end - i);
      if (!alnum_after && (digits == 18 || (digits == 15 && c != '+'))) {
        out += MaskIdNumber(run);
        i = end;
        continue;
      }
      if (!alnum_after && digits >= 7 && digits <= 15) {
        out += MaskPhone(run);
        i = end;
        continue;
      }
      out.append(run);
      i = end > i ? end : i + 1;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace kefu::domain
