#include <cstdint>

#include "bot/guard/internal/detectors.hpp"
#include "bot/guard/internal/text.hpp"

namespace kefu::bot::internal {
namespace {

bool LuhnValid(const char* digits, size_t n) {
  unsigned sum = 0;
  for (size_t k = 0; k < n; ++k) {
    unsigned d = static_cast<unsigned>(digits[n - 1 - k] - '0');
    if (k % 2 == 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 == 0;
}

bool InRange(unsigned v, unsigned lo, unsigned hi) { return v >= lo && v <= hi; }

// A card prefix (IIN) issued with this many digits, after the networks' published ranges.
bool PlausibleIin(const char* d, size_t n) {
  auto prefix = [&](size_t k) {
    unsigned v = 0;
    for (size_t i = 0; i < k; ++i) v = v * 10 + static_cast<unsigned>(d[i] - '0');
    return v;
  };
  const unsigned p2 = prefix(2), p3 = prefix(3), p4 = prefix(4), p6 = prefix(6);
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;               // Visa
  if (InRange(p2, 51, 55) || InRange(p4, 2221, 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                            // Amex
  if (InRange(p4, 2200, 2204)) return n >= 16;                         // Mir
  if (p2 == 62 || p2 == 81) return n >= 16;                            // UnionPay
  if (p4 == 6011 || p2 == 65 || InRange(p3, 644, 649) || InRange(p6, 622126, 622925)) {
    return n >= 16;  // Discover
  }
  if (InRange(p4, 3528, 3589)) return n >= 16;                                    // JCB
  if (InRange(p3, 300, 305) || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14;  // Diners
  if (p2 == 50 || InRange(p2, 56, 69)) return n >= 13;                            // Maestro, RuPay
  return false;
}

// Digit groups of a candidate: lengths and the byte offset where each ends.
struct Groups {
  size_t count = 0;
  uint8_t len[8] = {};
  size_t end[8] = {};
};

// The usual ways to write a card number: contiguous, fours with a shorter last group
// (4-4-4-4, 4-4-4-4-3, 4-4-4-1), or Amex/Diners 4-6-5 / 4-6-4.
bool UsualGrouping(const Groups& g, size_t n) {
  if (n == 1) return true;
  if (n == 3 && g.len[0] == 4 && g.len[1] == 6 && (g.len[2] == 5 || g.len[2] == 4)) return true;
  if (n < 3) return false;
  for (size_t i = 0; i + 1 < n; ++i) {
    if (g.len[i] != 4) return false;
  }
  return g.len[n - 1] >= 1 && g.len[n - 1] <= 4;
}

// Words just before a number that make it an order, reference, account or phone number.
constexpr std::string_view kNotCardLabels[] = {"订单",   "訂單", "单号", "單號", "流水", "交易号",
                                               "交易號", "编号", "編號", "工单", "运单", "快递",
                                               "电话",   "電話", "手机", "手機"};
constexpr std::string_view kNotCardWords[] = {
    "order",      "ref",         "reference", "invoice", "tracking", "ticket",  "pedido", "factura",
    "referencia", "seguimiento", "folio",     "uid",     "id",       "phone",   "tel",    "mobile",
    "teléfono",   "telefono",    "móvil",     "movil",   "celular",  "whatsapp"};
constexpr std::string_view kCardLabels[] = {"卡号", "卡號", "银行卡", "銀行卡", "信用卡", "借记卡"};
constexpr std::string_view kCardWords[] = {"card", "tarjeta", "visa", "mastercard", "pan", "amex"};

bool LabelledNotCard(std::string_view lower, size_t begin) {
  const size_t from = begin > 36 ? begin - 36 : 0;
  std::string_view before = lower.substr(from, begin - from);
  // Only the current clause: cut at the last sentence or clause break.
  const size_t cut = before.find_last_of(".;!?\n");
  if (cut != std::string_view::npos) before = before.substr(cut + 1);
  for (std::string_view w : kCardLabels) {
    if (before.find(w) != std::string_view::npos) return false;
  }
  for (std::string_view w : kCardWords) {
    if (ContainsWord(before, w)) return false;
  }
  for (std::string_view w : kNotCardLabels) {
    if (before.find(w) != std::string_view::npos) return true;
  }
  for (std::string_view w : kNotCardWords) {
    if (ContainsWord(before, w)) return true;
  }
  return false;
}

// Labels that may stand between a card number and its CVV: expiry and CVV names.
constexpr std::string_view kBetweenLabels[] = {
    "expiry", "expires",       "exp.",   "exp",    "valid thru", "thru", "cvv2",  "cvc2",  "cvv",
    "cvc",    "security code", "code",   "vence",  "vto.",       "vto",  "venc.", "fecha", "código",
    "codigo", "有效期至",      "有效期", "安全码", "安全碼",     "背面", "截止",  "到期"};

bool IsGapChar(char c) {
  return c == ' ' || c == ',' || c == ';' || c == '/' || c == '|' || c == ':' || c == '-' ||
         c == '\t' || c == '\n';
}

// A CVV right after a card ending at `pos`: "4111… 123", "4111… 12/27 123", "4111…|12|27|123",
// "4111… exp 12/27 cvv 123". Returns its span or {0, 0}.
Span CvvAfterCard(std::string_view text, std::string_view lower, size_t pos, bool amex) {
  const size_t limit = pos + 48 < text.size() ? pos + 48 : text.size();
  bool saw_expiry = false;
  bool saw_label = false;
  auto skip_gaps = [&] {
    while (pos < limit) {
      if (IsGapChar(text[pos])) {
        ++pos;
      } else if (lower.substr(pos, 3) == "\xef\xbc\x9a" || lower.substr(pos, 3) == "\xef\xbc\x8c") {
        pos += 3;  // ：，
      } else {
        break;
      }
    }
  };
  for (int step = 0; step < 6 && pos < limit; ++step) {
    skip_gaps();
    bool label = false;
    for (std::string_view w : kBetweenLabels) {
      if (lower.substr(pos, w.size()) == w) {
        pos += w.size();
        label = saw_label = true;
        break;
      }
    }
    if (label) continue;
    size_t d = pos;
    while (d < limit && IsAsciiDigit(text[d])) ++d;
    const size_t digits = d - pos;
    if (digits == 0) break;
    // An expiry date: MM/YY, MM/YYYY, MM-YY, MM|YY(YY).
    if (!saw_expiry && digits <= 2 && d + 1 < limit &&
        (text[d] == '/' || text[d] == '-' || text[d] == '|') && IsAsciiDigit(text[d + 1])) {
      size_t e = d + 1;
      while (e < limit && IsAsciiDigit(text[e])) ++e;
      if (e - d - 1 == 2 || e - d - 1 == 4) {
        saw_expiry = true;
        pos = e;
        continue;
      }
    }
    const bool bounded = d >= text.size() || !IsAsciiAlnum(text[d]);
    const bool slash_after = d < text.size() && (text[d] == '/' || text[d] == '.');
    if (bounded && !slash_after &&
        (digits == 3 || (digits == 4 && (amex || saw_label || saw_expiry)))) {
      return {pos, d};
    }
    break;
  }
  return {0, 0};
}

}  // namespace

void FindCards(std::string_view text, std::string_view lower, std::vector<GuardFinding>& out) {
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    if (!IsAsciiDigit(text[i])) {
      ++i;
      continue;
    }
    // Not the tail of a longer token, a phone number (+86…), or a decimal/thousands group.
    const bool glued =
        i > 0 &&
        (IsAsciiAlpha(text[i - 1]) || text[i - 1] == '+' ||
         ((text[i - 1] == '.' || text[i - 1] == ',') && i > 1 && IsAsciiDigit(text[i - 2])));
    Groups g;
    char digits[24];
    size_t nd = 0;
    size_t p = i;
    char sep = 0;
    bool overflow = false;
    while (true) {
      const size_t start = p;
      while (p < n && IsAsciiDigit(text[p])) {
        if (nd < sizeof digits) digits[nd] = text[p];
        ++nd;
        ++p;
      }
      if (g.count == 8 || p - start > 19) {
        overflow = true;
        break;
      }
      g.len[g.count] = static_cast<uint8_t>(p - start);
      g.end[g.count] = p;
      ++g.count;
      if (p + 1 < n && (text[p] == ' ' || text[p] == '-') && IsAsciiDigit(text[p + 1]) &&
          (sep == 0 || sep == text[p])) {
        sep = text[p];
        ++p;
        continue;
      }
      break;
    }
    const size_t run_end = p;
    if (!glued && !overflow) {
      // Try the longest prefix of groups first ("4111 1111 1111 1111 123": card, then CVV).
      size_t digits_before = nd;
      for (size_t k = g.count; k >= 1; --k) {
        if (k < g.count) digits_before -= g.len[k];
        const size_t total = digits_before;
        if (total < 13) break;
        if (total > 19) continue;
        const size_t end = g.end[k - 1];
        const bool tail_ok = end >= n || (!IsAsciiAlpha(text[end]) &&
                                          !((text[end] == '.' || text[end] == ',') && end + 1 < n &&
                                            IsAsciiDigit(text[end + 1])) &&
                                          !(k == g.count && IsAsciiDigit(text[end])));
        if (!tail_ok || !UsualGrouping(g, k)) continue;
        if (!LuhnValid(digits, total) || !PlausibleIin(digits, total)) continue;
        if (LabelledNotCard(lower, i)) break;
        out.push_back({SecretKind::card_number, i, end, true});
        const bool amex = total == 15 && digits[0] == '3';
        const Span cvv = CvvAfterCard(text, lower, end, amex);
        if (cvv.end > cvv.begin) out.push_back({SecretKind::cvv, cvv.begin, cvv.end, false});
        break;
      }
    }
    i = run_end;
  }
}

}  // namespace kefu::bot::internal
