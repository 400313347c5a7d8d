#include "domain/pii_mask.hpp"

#include <cctype>
#include <cstdint>
#include <optional>
#include <vector>

namespace kefu::domain {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsLocalChar(char c) { return IsAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; }
bool IsDomainChar(char c) { return IsAlnum(c) || c == '.' || c == '-'; }
bool IsSeparator(char c) { return c == ' ' || c == '-'; }

std::string DigitsOf(std::string_view s) {
  std::string out;
  for (char c : s)
    if (IsDigit(c) || c == 'X' || c == 'x') out += c;
  return out;
}

int Number(std::string_view digits) {
  int n = 0;
  for (char c : digits) n = n * 10 + (c - '0');
  return n;
}

bool PlausibleDate(int year, int month, int day) {
  return year >= 1900 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

// A resident identity number (GB 11643): 17 digits, a birth date at 6..13 and an ISO 7064
// MOD 11-2 check character. (The old 15-digit form, without a check character, has not been
// valid since 2013; matching it would mask serial numbers.)
bool IsIdNumber(std::string_view d) {
  if (d.size() != 18) return false;
  for (size_t i = 0; i < 17; ++i)
    if (!IsDigit(d[i])) return false;
  if (!PlausibleDate(Number(d.substr(6, 4)), Number(d.substr(10, 2)), Number(d.substr(12, 2)))) return false;
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (d[i] - '0') * kWeights[i];
  static constexpr char kCheck[] = "10X98765432";
  const char want = kCheck[sum % 11];
  return d[17] == want || (want == 'X' && d[17] == 'x');
}

// A payment card number: 13–19 digits of a card network's range (3 Amex/JCB, 4 Visa,
// 5 Mastercard, 6 UnionPay/Discover) whose Luhn check holds.
bool IsCardNumber(std::string_view d) {
  if (d.size() < 13 || d.size() > 19 || d[0] < '3' || d[0] > '6') return false;
  // A 15-digit card is an American Express (34, 37); an IMEI (15 digits, Luhn, "35…") is none.
  if (d.size() == 15 && d.substr(0, 2) != "34" && d.substr(0, 2) != "37") return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = d.size(); i-- > 0;) {
    if (!IsDigit(d[i])) return false;
    int v = d[i] - '0';
    if (twice) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

// Grouped in fours like a card ("6222 0212 3456 7890"): masked like one even when a digit was
// mistyped and the Luhn check fails.
bool IsCardShaped(std::string_view d, size_t separators, size_t first_group, bool whole) {
  return whole && separators >= 3 && first_group == 4 && d.size() >= 16 && d.size() <= 19;
}

bool IsChineseMobile(std::string_view d) { return d.size() == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'; }

// Whether a run of digits is a phone number as people write them: with a '+' country code
// (E.164, 8–15 digits), a Chinese mobile number (optionally after 86 / 0086), a Chinese fixed
// line with its area code set off ("010-12345678"), or any 9–12 digits written in groups
// ("612 345 678", "555-123-4567"). Bare digit runs that fit none of these — order numbers,
// amounts, transaction ids — stay as written.
bool IsPhone(std::string_view d, bool plus, int separators, size_t first_group, size_t second_group, bool whole) {
  if (plus) return d.size() >= 8 && d.size() <= 15;
  if (IsChineseMobile(d)) return true;
  if (d.size() == 13 && d.substr(0, 2) == "86" && IsChineseMobile(d.substr(2))) return true;
  if (d.size() == 15 && d.substr(0, 4) == "0086" && IsChineseMobile(d.substr(4))) return true;
  // The looser shapes only for a whole run: a prefix of a longer number is not written as a phone.
  if (!whole) return false;
  // A date and time ("2026-11-27 10") is grouped like a phone number but is none.
  if (first_group == 4 && (d.substr(0, 2) == "19" || d.substr(0, 2) == "20") && second_group <= 2) return false;
  if (d[0] == '0' && d.size() >= 10 && d.size() <= 12 && separators >= 1 && first_group >= 3 && first_group <= 4)
    return true;
  return separators >= 2 && d.size() >= 9 && d.size() <= 12;
}

// Phone numbers written in shapes the digit-group scanner leaves alone, starting at text[i]:
// "138.0013.8000", "415/555/2671" (3-4-4 or 3-3-4 with one '.' or '/' repeated), and an area
// code in brackets, "(010) 1234-5678", "(415) 555-2671". Returns the end, or i when there is none.
size_t OtherPhoneShapeEnd(std::string_view text, size_t i, size_t limit) {
  auto digits_at = [&](size_t at, size_t n) {
    if (at + n > limit) return false;
    for (size_t k = 0; k < n; ++k)
      if (!IsDigit(text[at + k])) return false;
    return true;
  };
  // Not glued to what comes before (a word, an address, a longer dotted number) or after.
  if (i > 0 && (IsAlnum(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == '/' || text[i - 1] == '-' ||
                text[i - 1] == '@' || text[i - 1] == '*'))
    return i;
  auto clean_end = [&](size_t end) {
    if (end >= text.size()) return true;
    const char c = text[end];
    if (IsAlnum(c) || c == '*' || c == '@' || c == '_') return false;
    return !((c == '.' || c == '/' || c == '-') && end + 1 < text.size() && IsDigit(text[end + 1]));
  };
  if (digits_at(i, 3) && i + 3 < limit && (text[i + 3] == '.' || text[i + 3] == '/')) {
    const char sep = text[i + 3];
    for (size_t middle : {size_t{4}, size_t{3}}) {
      const size_t second = i + 4, third = second + middle + 1;
      if (digits_at(second, middle) && second + middle < limit && text[second + middle] == sep &&
          digits_at(third, 4) && clean_end(third + 4) && (middle == 3 || text[i] == '1'))
        return third + 4;
    }
    return i;
  }
  if (text[i] == '(' && digits_at(i + 1, 3)) {
    size_t at = i + 1;
    while (at < limit && IsDigit(text[at]) && at - i <= 4) ++at;
    if (at >= limit || text[at] != ')' || at - i - 1 > 4) return i;
    ++at;
    if (at < limit && text[at] == ' ') ++at;
    size_t first = at;
    while (at < limit && IsDigit(text[at])) ++at;
    const size_t n1 = at - first;
    if (n1 < 3 || n1 > 8) return i;
    if (at < limit && (text[at] == '-' || text[at] == ' ') && n1 <= 4 && digits_at(at + 1, 4)) {
      at += 5;  // "1234-5678", "555-2671"
    } else if (n1 < 7) {
      return i;  // one group: a whole number ("12345678")
    }
    return clean_end(at) ? at : i;
  }
  return i;
}

struct Span {
  size_t begin;
  size_t end;
};

// The e-mail addresses in `text`, in order: around each '@', the longest local part before it
// and a host name after it with a dot, starting with a letter or digit, whose last label (the
// top-level domain) is letters ("qq.com", "mail.example.co.uk" — not "-5.30"). Found from the
// '@' outwards so that masking what was masked finds nothing new: "a***@qq.com" has no local
// part left.
std::vector<Span> FindEmails(std::string_view text) {
  std::vector<Span> found;
  for (size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    size_t begin = at;
    while (begin > 0 && IsLocalChar(text[begin - 1])) --begin;
    if (begin == at || (!found.empty() && begin < found.back().end)) continue;
    size_t end = at + 1;
    while (end < text.size() && IsDomainChar(text[end])) ++end;
    while (end > at + 1 && (text[end - 1] == '.' || text[end - 1] == '-')) --end;
    const std::string_view domain = text.substr(at + 1, end - at - 1);
    const size_t dot = domain.rfind('.');
    if (dot == std::string_view::npos || !IsAlnum(domain.front()) || domain.size() - dot - 1 < 2) continue;
    bool tld = true;
    for (char c : domain.substr(dot + 1)) tld = tld && std::isalpha(static_cast<unsigned char>(c)) != 0;
    if (!tld) continue;
    // "a@b.c@d.e", "a@b.c%x@d.e" and "a@b.c.@d.e" are no addresses; a full stop after one is fine.
    size_t after = end;
    while (after < text.size() && (text[after] == '.' || text[after] == '-')) ++after;
    if (after < text.size() && (text[after] == '@' || IsLocalChar(text[after]))) continue;
    found.push_back({begin, end});
  }
  return found;
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

namespace {

// Full-width forms a Chinese input method types ("１３８００１３８０００", "＠", "Ｘ", the
// ideographic space) as their ASCII twins, or nullopt when the text has none.
std::optional<std::string> FoldFullWidth(std::string_view text) {
  if (text.find("\xEF\xBC") == std::string_view::npos && text.find("\xEF\xBD\x98") == std::string_view::npos &&
      text.find("\xE3\x80\x80") == std::string_view::npos)
    return std::nullopt;
  std::string out;
  out.reserve(text.size());
  bool folded = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
    if (i + 2 < text.size() && b(0) == 0xEF && b(1) == 0xBC) {
      const unsigned char c = b(2);
      char ascii = 0;
      if (c >= 0x90 && c <= 0x99) ascii = static_cast<char>('0' + (c - 0x90));  // U+FF10..FF19
      if (c == 0xA0) ascii = '@';                                             // U+FF20
      if (c == 0xB8) ascii = 'X';                                             // U+FF38
      if (c == 0x8B) ascii = '+';                                             // U+FF0B
      if (c == 0x8D) ascii = '-';                                             // U+FF0D
      if (ascii) {
        out += ascii;
        i += 2;
        folded = true;
        continue;
      }
    }
    if (i + 2 < text.size() && b(0) == 0xEF && b(1) == 0xBD && b(2) == 0x98) {  // U+FF58 'ｘ'
      out += 'x';
      i += 2;
      folded = true;
      continue;
    }
    if (i + 2 < text.size() && b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) {  // U+3000
      out += ' ';
      i += 2;
      folded = true;
      continue;
    }
    out += text[i];
  }
  if (!folded) return std::nullopt;
  return out;
}

std::string MaskAscii(std::string_view text);

}  // namespace

// Masks what it finds in the text as written, and in its full-width forms folded to ASCII; when
// only the folded text holds something to mask, staff read the folded text, masked.
std::string MaskText(std::string_view text) {
  std::string out = MaskAscii(text);
  if (auto folded = FoldFullWidth(out)) {
    std::string masked = MaskAscii(*folded);
    if (masked != *folded) return masked;
  }
  return out;
}

namespace {

std::string MaskAscii(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const std::vector<Span> emails = FindEmails(text);
  size_t next_email = 0;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    // Numbers stop where an address starts: "+86 1***@qq.com" is no phone.
    const size_t limit = next_email < emails.size() ? emails[next_email].begin : text.size();
    if (i == limit) {
      const Span e = emails[next_email++];
      out += MaskEmail(text.substr(e.begin, e.end - e.begin));
      i = e.end;
      continue;
    }
    if (const size_t end = OtherPhoneShapeEnd(text, i, limit); end > i) {
      out += MaskPhone(text.substr(i, end - i));
      i = end;
      continue;
    }
    // A run of digits in groups (single spaces or dashes between them), perhaps after a '+'.
    // The longest leading groups that make a person's number are masked ("13800138000 10 次"
    // masks the phone, not the count after it).
    const bool plus = c == '+' && i + 1 < text.size() && IsDigit(text[i + 1]);
    if ((IsDigit(c) || plus) && (i == 0 || (!IsAlnum(text[i - 1]) && text[i - 1] != '@'))) {
      struct Group {
        size_t end;     // in text
        size_t digits;  // digits up to here
      };
      std::string digits;
      std::vector<Group> groups;
      size_t end = plus ? i + 1 : i;
      while (end < limit) {
        if (IsDigit(text[end])) {
          digits += text[end++];
        } else if (IsSeparator(text[end]) && end + 1 < limit && IsDigit(text[end + 1]) && !digits.empty()) {
          groups.push_back({end, digits.size()});
          ++end;
        } else {
          break;
        }
      }
      if (digits.empty()) {  // a '+' right before an address
        out += c;
        ++i;
        continue;
      }
      if (digits.size() == 17 && end < limit && (text[end] == 'X' || text[end] == 'x')) digits += text[end++];
      groups.push_back({end, digits.size()});
      // A card or ID number written after another number ("转了 500 6222…", "年龄 30 1101…"): its
      // own run, so the number before it is judged alone (and judged the same once masked).
      for (size_t k = 1; k < groups.size(); ++k) {
        const std::string_view seg =
            std::string_view(digits).substr(groups[k - 1].digits, groups[k].digits - groups[k - 1].digits);
        if (IsIdNumber(seg) || (seg.size() >= 15 && IsCardNumber(seg))) {
          groups.resize(k);
          digits.resize(groups.back().digits);
          break;
        }
      }
      // The rest of a longer number whose start was kept ("6222 | 0212 3456 7890"), the
      // fraction of a decimal ("6784678.|6324") or the end of a token ("v2-|6324", "mi..|6324"):
      // no loosely shaped card or ID (masking it would change how the text before it reads).
      const bool tail = i >= 1 && (text[i - 1] == '.' || text[i - 1] == '-' ||
                                   (i >= 2 && IsSeparator(text[i - 1]) && IsDigit(text[i - 2])));
      // Only a decimal's fraction or a word's '-' stops a checksum-valid card or ID.
      const bool hard_tail =
          i >= 1 && (text[i - 1] == '.' || (text[i - 1] == '-' && i >= 2 && static_cast<unsigned char>(text[i - 2]) < 0x80 &&
                                            !IsDigit(text[i - 2]) && text[i - 2] != ' '));
      // The visible end of what a mask wrote ("138****8000", "•••• 7894"): masking what staff
      // read again must not change it (a client may send it back). Not any '*': "**138…**".
      auto stars_after_digit = [&] {
        size_t j = i;
        while (j > 0 && text[j - 1] == '*') --j;
        return j > 0 && IsDigit(text[j - 1]);
      };
      static constexpr std::string_view kBullets = "\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2\xE2\x80\xA2";
      const bool after_mask =
          groups.front().digits <= 4 && i >= 1 &&
          ((text[i - 1] == '*' && stars_after_digit()) ||
           (text[i - 1] == ' ' && i >= 13 && text.substr(i - 13, 12) == kBullets));
      bool masked = false;
      for (size_t g = groups.size(); g-- > 0 && !masked && !after_mask;) {
        const size_t stop = groups[g].end;
        const std::string_view d = std::string_view(digits).substr(0, groups[g].digits);
        const size_t segment = groups[g].digits - (g > 0 ? groups[g - 1].digits : 0);  // its last group
        // Part of a word, a decimal, a longer token (an address, a hash) or the kept head of
        // something already masked ("138****", not "**13800138000**"): not a person's number.
        const bool joined =
            stop < text.size() &&
            (stop == limit || IsAlnum(text[stop]) || text[stop] == '_' || text[stop] == '@' || text[stop] == '%' ||
             text[stop] == '+' || (text[stop] == '*' && segment <= 7) ||
             (text[stop] == '.' && stop + 1 < text.size() && IsDigit(text[stop + 1])));
        if (joined) continue;
        const bool whole_run = g + 1 == groups.size();
        const bool whole = whole_run && !tail;
        const std::string_view run = text.substr(i, stop - i);
        const size_t first_group = groups.front().digits;
        const size_t second_group = groups.size() > 1 ? groups[1].digits - groups[0].digits : 0;
        // The group after it; one that is the kept head of a mask ("162****") counts as long, as
        // the number it was.
        size_t next_group = whole_run ? 0 : groups[g + 1].digits - groups[g].digits;
        if (!whole_run && groups[g + 1].end < text.size() && text[groups[g + 1].end] == '*') next_group = SIZE_MAX;
        // Grouped like a card: its first group of four or more, the last no stray count ("… 1111 3天").
        const bool aligned = g == 0 || first_group >= 4;
        // A checksum-valid ID or 15–19-digit card stands on its own even before a short count
        // ("身份证 1101… 18岁") or after another number.
        // In the rest of a longer number only as one group of its own ("500 |6222021234567894"):
        // masking a grouped one there would change how the number before it reads.
        const bool strong = !hard_tail && (!tail || g == 0) && (whole_run || g == 0 || next_group <= 3) && aligned &&
                            (g == 0 || segment >= 3) && (IsIdNumber(d) || (d.size() >= 15 && IsCardNumber(d)));
        if (!plus && (whole || strong) && IsIdNumber(d)) {
          out += MaskIdNumber(run);
        } else if (!plus && ((whole && ((aligned && (g == 0 || segment >= 3) && IsCardNumber(d)) ||
                                        (IsCardShaped(d, g, first_group, whole) && segment >= 3))) ||
                             (strong && IsCardNumber(d)))) {
          out += MaskCardLast4(d);
        } else if (IsDigit(d.back()) && IsPhone(d, plus, static_cast<int>(g), first_group, second_group, whole)) {
          out += MaskPhone(run);
        } else {
          continue;
        }
        i = stop;
        masked = true;
      }
      if (masked) continue;
      // Not a person's number: keep its first group and look again from the next one.
      out.append(text.substr(i, groups.front().end - i));
      i = groups.front().end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace

}  // namespace kefu::domain
