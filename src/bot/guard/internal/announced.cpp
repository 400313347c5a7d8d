// Secrets announced by context: a cue ("密码", "password", "验证码", "code", "CVV"...), an optional
// connector ("是", ":", "is", "es"...), then the value. Only the value is redacted.
#include <algorithm>
#include <cstdint>

#include "bot/guard/internal/detectors.hpp"
#include "bot/guard/internal/text.hpp"

namespace kefu::bot::internal {
namespace {

enum class Value : uint8_t {
  password,  // any printable token
  otp,       // 4-8 digits (may be split 3+3 / 4+4)
  cvv,       // 3-4 digits
  cvv_or_otp,  // 3-4 digits → cvv, 5-8 → otp ("security code", "安全码", "código de seguridad")
};

enum class After : uint8_t {
  none,
  spanish_qualifiers,  // "código de verificación …", "contraseña de pago es …"
  back_of_card,        // "背面三位数是 …"
};

struct Cue {
  std::string_view text;  // lower case
  Value value;
  After after = After::none;
};

// Longer cues first where one contains another: the longest match at a position wins, and a
// match inside a longer one is dropped ("动态密码" is an OTP, not a password).
constexpr Cue kCues[] = {
    // one-time codes
    {"验证码", Value::otp},
    {"驗證碼", Value::otp},
    {"校验码", Value::otp},
    {"校驗碼", Value::otp},
    {"动态码", Value::otp},
    {"動態碼", Value::otp},
    {"短信码", Value::otp},
    {"簡訊碼", Value::otp},
    {"认证码", Value::otp},
    {"認證碼", Value::otp},
    {"授权码", Value::otp},
    {"授權碼", Value::otp},
    {"动态密码", Value::otp},
    {"動態密碼", Value::otp},
    {"一次性密码", Value::otp},
    {"一次性密碼", Value::otp},
    {"短信密码", Value::otp},
    {"one-time password", Value::otp},
    {"one time password", Value::otp},
    {"one-time code", Value::otp},
    {"otp", Value::otp},
    {"2fa", Value::otp},
    {"code", Value::otp},
    {"codes", Value::otp},
    {"código", Value::otp, After::spanish_qualifiers},
    {"codigo", Value::otp, After::spanish_qualifiers},
    {"clave dinámica", Value::otp},
    {"clave dinamica", Value::otp},
    // card security codes
    {"cvv2", Value::cvv},
    {"cvc2", Value::cvv},
    {"cvv", Value::cvv},
    {"cvc", Value::cvv},
    {"security code", Value::cvv_or_otp},
    {"安全码", Value::cvv_or_otp},
    {"安全碼", Value::cvv_or_otp},
    {"背面", Value::cvv, After::back_of_card},
    // passwords
    {"密码", Value::password},
    {"密碼", Value::password},
    {"口令", Value::password},
    {"password", Value::password},
    {"passwd", Value::password},
    {"passcode", Value::password},
    {"pwd", Value::password},
    {"pw", Value::password},
    {"pin", Value::password},
    {"contraseña", Value::password, After::spanish_qualifiers},
    {"contrasena", Value::password, After::spanish_qualifiers},
    {"clave", Value::password, After::spanish_qualifiers},
};

// Cheap pre-filter: every cue contains one of these.
const StemSet& Anchors() {
  static const StemSet anchors = {"码",  "碼",       "口令",  "背面", "密",  "pass",
                                  "pw",  "pin",      "code",  "otp",  "2fa", "cvv",
                                  "cvc", "contrase", "clave", "digo"};
  return anchors;
}

bool IsAsciiCue(std::string_view cue) { return IsAsciiAlnum(cue.front()); }

// Words before "code"/"código" that make it something else than a one-time code.
constexpr std::string_view kNotOtpBefore[] = {
    "error",       "status",         "zip",          "postal",
    "area",        "country",        "promo",        "promotion",
    "promotional", "referral",       "invite",       "invitation",
    "coupon",      "discount",       "voucher",      "swift",
    "bic",         "bank",           "branch",       "sort",
    "product",     "reason",         "tracking",     "response",
    "http",        "exit",           "source",       "qr",
    "bar",         "dial",           "gift",         "reward",
    "phishing",    "anti-phishing",  "antiphishing", "dialing",
    "iban",        "routing",        "activation",   "access",
    "app",         "program",        "sample",       "the source",
    "my own",      "country/region", "region",       "currency",
    "tax",         "airport",        "postcode",     "zipcode",
    "color"};
constexpr std::string_view kNotOtpAfterSpanish[] = {
    "postal",        "de error",     "de invitación",  "de invitacion", "de referido",
    "promocional",   "de descuento", "de país",        "de pais",       "de área",
    "de area",       "qr",           "swift",          "antiphishing",  "anti-phishing",
    "de barras",     "de producto",  "de seguimiento", "de cupón",      "de cupon",
    "de referencia", "de banco",     "bancario",       "fuente",        "de activación",
    "de activacion", "de la región", "de moneda",      "iban",          "bic"};
// Qualifiers that may follow "código"/"contraseña"/"clave" before the value.
constexpr std::string_view kSpanishQualifiers[] = {"de verificación",
                                                   "de verificacion",
                                                   "de confirmación",
                                                   "de confirmacion",
                                                   "de seguridad",
                                                   "de acceso",
                                                   "de pago",
                                                   "de la app",
                                                   "de la aplicación",
                                                   "de la aplicacion",
                                                   "del banco",
                                                   "de la billetera",
                                                   "de la cuenta",
                                                   "de mi cuenta",
                                                   "de inicio de sesión",
                                                   "de inicio de sesion",
                                                   "de un solo uso",
                                                   "sms",
                                                   "otp",
                                                   "2fa",
                                                   "de 6 dígitos",
                                                   "de 6 digitos",
                                                   "que me llegó",
                                                   "que me llego",
                                                   "que recibí",
                                                   "que recibi",
                                                   "dinámica",
                                                   "dinamica",
                                                   "nueva",
                                                   "actual"};
// Values that are words about the secret, not the secret ("my password is wrong").
constexpr std::string_view kNotValues[] = {
    "wrong",     "incorrect", "correct",    "right",       "invalid",
    "expired",   "weak",      "strong",     "forgotten",   "lost",
    "changed",   "locked",    "same",       "different",   "empty",
    "blank",     "long",      "short",      "safe",        "secure",
    "fine",      "ok",        "okay",       "required",    "needed",
    "necessary", "mandatory", "new",        "old",         "gone",
    "reset",     "missing",   "blocked",    "compromised", "leaked",
    "stolen",    "hacked",    "broken",     "bad",         "good",
    "set",       "saved",     "stored",     "updated",     "encrypted",
    "hidden",    "private",   "secret",     "mine",        "yours",
    "known",     "unknown",   "not",        "too",         "very",
    "the",       "a",         "an",         "my",          "your",
    "still",     "being",     "been",       "case",        "case-sensitive",
    "only",      "just",      "also",       "now",         "what",
    "how",       "why",       "that",       "this",        "it",
    "in",        "on",        "at",         "for",         "with",
    "from",      "to",        "and",        "or",          "but",
    "so",        "because",   "then",       "please",      "none",
    "null",      "n/a",       "na",         "here",        "there",
    "below",     "above",     "attached",   "following",   "separate",
    "sent",      "expiring",  "used",       "valid",       "accepted",
    "rejected",  "working",   "fixed",      "enabled",     "disabled",
    "on",        "off",       "incorrecta", "incorrecto",  "correcta",
    "correcto",  "inválida",  "invalida",   "inválido",    "invalido",
    "segura",    "seguro",    "débil",      "debil",       "fuerte",
    "nueva",     "nuevo",     "vieja",      "viejo",       "larga",
    "corta",     "igual",     "distinta",   "distinto",    "diferente",
    "otra",      "otro",      "errónea",    "erronea",     "equivocada",
    "caducada",  "bloqueada", "olvidada",   "la",          "el",
    "una",       "un",        "mi",         "tu",          "su",
    "muy",       "demasiado", "de",         "del",         "que",
    "para",      "por",       "con",        "y",           "o",
    "pero",      "no",        "sí",         "si",          "esta",
    "este",      "aquí",      "aqui",       "obligatoria", "necesaria",
    "privada",   "pública",   "publica",    "secreta",     "válida",
    "valida",    "robada",    "cambiada",   "antigua",     "actual",
    "temporal",  "mala",      "buena",      "primaria",    "maestra",
    "inactive",  "active",    "temporary",  "current",     "default",
    "master",    "primary",   "public",     "simple",      "easy",
    "hard"};
// Words a bare value may be followed by ("my password is sunshine and …").
constexpr std::string_view kValueFollowers[] = {"and",   "but", "so",   "or", "please",  "thanks",
                                                "thank", "y",   "pero", "o",  "gracias", "por"};

// Units that make digits a count, not a code ("验证码6位", "60秒", "3次").
constexpr std::string_view kCjkUnits[] = {"位", "次", "秒",   "分",   "个", "個", "元", "年", "月",
                                          "日", "天", "小时", "小時", "块", "塊", "笔", "筆", "条",
                                          "條", "号", "號",   "遍",   "张", "張", "%",  "％"};

bool InList(std::string_view word, const std::string_view* list, size_t n) {
  return std::find(list, list + n, word) != list + n;
}
template <size_t N>
bool InList(std::string_view word, const std::string_view (&list)[N]) {
  return InList(word, list, N);
}

size_t SkipSpaces(std::string_view s, size_t p) {
  while (p < s.size()) {
    const CodePoint c = DecodeAt(s, p);
    if (!c.valid || !IsSpace(c.cp)) break;
    p += c.len;
  }
  return p;
}

// The ASCII word ending just before byte `p` (skipping spaces and '-'), lower case.
std::string_view WordBefore(std::string_view lower, size_t p) {
  while (p > 0 && (lower[p - 1] == ' ' || lower[p - 1] == '-')) --p;
  size_t b = p;
  while (b > 0 && (IsAsciiAlpha(lower[b - 1]) || lower[b - 1] == '-')) --b;
  return lower.substr(b, p - b);
}

enum class Strength : uint8_t { none, weak, strong };

struct Connector {
  size_t pos = 0;
  Strength strength = Strength::none;
  bool quoted = false;
  char32_t close_quote = 0;
};

Connector ParseConnector(std::string_view text, std::string_view lower, size_t p) {
  Connector c;
  p = SkipSpaces(text, p);
  auto take = [&](std::string_view w, Strength s, bool word) {
    if (lower.substr(p, w.size()) != w) return false;
    if (word && p + w.size() < lower.size() && IsAsciiAlnum(lower[p + w.size()])) return false;
    p += w.size();
    if (s > c.strength) c.strength = s;
    return true;
  };
  // Chinese: 是 / 为 / 為 / 就是, optionally followed by a colon.
  if (take("就是", Strength::weak, false) || take("是", Strength::weak, false) ||
      take("为", Strength::weak, false) || take("為", Strength::weak, false) ||
      take("is", Strength::weak, true) || take("was", Strength::weak, true) ||
      take("es", Strength::weak, true) || take("era", Strength::weak, true)) {
    p = SkipSpaces(text, p);
  }
  if (take(":", Strength::strong, false) || take("：", Strength::strong, false) ||
      take("=", Strength::strong, false) || take("->", Strength::strong, false)) {
    p = SkipSpaces(text, p);
  }
  if (p < text.size()) {
    const CodePoint q = DecodeAt(text, p);
    char32_t close = 0;
    switch (q.cp) {
      case '"':
        close = '"';
        break;
      case '\'':
        close = '\'';
        break;
      case '`':
        close = '`';
        break;
      case 0x201C:
        close = 0x201D;
        break;
      case 0x2018:
        close = 0x2019;
        break;
      case 0x300C:
        close = 0x300D;
        break;
      case 0x300E:
        close = 0x300F;
        break;
      case 0xAB:
        close = 0xBB;
        break;
      default:
        break;
    }
    if (close != 0) {
      c.quoted = true;
      c.close_quote = close;
      p += q.len;
    }
  }
  c.pos = p;
  return c;
}

// After a code value: not more digits or letters, not a decimal, not a unit ("6位", "60 秒").
bool CodeEndsCleanly(std::string_view text, std::string_view lower, size_t e) {
  if (e >= text.size()) return true;
  if (IsAsciiAlnum(text[e])) return false;
  if ((text[e] == '.' || text[e] == ',') && e + 1 < text.size() && IsAsciiDigit(text[e + 1])) {
    return false;
  }
  const size_t p = SkipSpaces(text, e);
  for (std::string_view u : kCjkUnits) {
    if (lower.substr(p, u.size()) == u) return false;
  }
  for (std::string_view w : {"digit", "dígito", "digito", "sec", "min", "hour", "day", "time",
                             "usd", "usdt", "cny", "rmb", "yuan", "eur", "x "}) {
    if (lower.substr(p, w.size()) == w) return false;
  }
  return true;
}

// Digits for a code at `p`: "123456", "123 456", "1234-5678". Returns the end or `p`.
size_t ParseCode(std::string_view text, size_t p, size_t* digits) {
  size_t e = p;
  while (e < text.size() && IsAsciiDigit(text[e])) ++e;
  size_t n = e - p;
  if (n >= 2 && n <= 4 && e + 1 < text.size() && (text[e] == ' ' || text[e] == '-') &&
      IsAsciiDigit(text[e + 1])) {
    size_t f = e + 1;
    while (f < text.size() && IsAsciiDigit(text[f])) ++f;
    if (f - e - 1 == n) {  // two equal groups
      n *= 2;
      e = f;
    }
  }
  *digits = n;
  return e;
}

bool IsQuoteClose(std::string_view text, size_t p, char32_t close) {
  return p < text.size() && DecodeAt(text, p).cp == close;  // the value may end the text
}

// "inactive", "expired", "incorrecta": a plain word that describes the password rather than
// being it (kNotValues cannot hold every adjective and participle).
bool LooksLikeAdjective(std::string_view w) {
  for (std::string_view suffix : {"ed", "ive", "ble", "ous", "ful", "less", "ing", "ly", "ent",
                                  "ant", "ada", "ado", "ida", "ido", "ente", "ante"}) {
    if (w.size() > suffix.size() + 2 && w.ends_with(suffix)) return true;
  }
  return false;
}

// A password value at the connector. Returns its span, or {0, 0} when what follows is not one.
Span ParsePassword(std::string_view text, std::string_view lower, const Connector& c,
                   bool cjk_cue) {
  const size_t p = c.pos;
  // Text the guard has already redacted ("password is [redacted:password]") stays as it is.
  if (text.substr(p).starts_with("[redacted:")) return {0, 0};
  size_t e = p;
  if (c.quoted) {
    while (e < text.size() && e - p <= 64 && !IsQuoteClose(text, e, c.close_quote) &&
           text[e] != '\n') {
      e += DecodeAt(text, e).len;
    }
    if (e >= text.size() || !IsQuoteClose(text, e, c.close_quote) || e == p || e - p > 64) {
      return {0, 0};
    }
    const std::string_view quoted = lower.substr(p, e - p);
    if (InList(quoted, kNotValues)) return {0, 0};
    // A quoted value right after the cue with no "is"/":" is a name ("la clave «OpenPGP»") unless
    // it holds a digit.
    if (c.strength == Strength::none &&
        std::none_of(quoted.begin(), quoted.end(), [](char ch) { return IsAsciiDigit(ch); })) {
      return {0, 0};
    }
    return {p, e};
  }
  while (e < text.size()) {
    const auto ch = static_cast<unsigned char>(text[e]);
    if (ch <= 0x20 || ch >= 0x7F || ch == '"' || ch == '\'' || ch == '`') break;
    ++e;
  }
  // A value cut off by a non-ASCII letter is part of a word ("contraseña" read as "contrase").
  if (e < text.size() && IsLatinWordChar(DecodeAt(text, e).cp)) return {0, 0};
  // Trailing sentence punctuation is not part of the value.
  while (e > p && std::string_view(".,;:!?)]}>").find(text[e - 1]) != std::string_view::npos) {
    --e;
  }
  const size_t len = e - p;
  if (len < 4 || len > 64) return {0, 0};
  // Without "is"/":"/"是", the value must look like one: "password hunter2", "密码abc123", but not
  // "PIN-Entry", "密码(_P)" or "pwd [-LP]".
  if (c.strength == Strength::none &&
      (!IsAsciiAlnum(text[p]) ||
       (!cjk_cue && (p == 0 || !IsSpace(static_cast<unsigned char>(text[p - 1])))))) {
    return {0, 0};
  }
  const std::string_view value = text.substr(p, len);
  const std::string_view lvalue = lower.substr(p, len);
  if (InList(lvalue, kNotValues)) return {0, 0};
  bool digit = false, alpha = false, other = false, upper_inside = false;
  for (size_t k = 0; k < len; ++k) {
    const char ch = value[k];
    if (IsAsciiDigit(ch))
      digit = true;
    else if (IsAsciiAlpha(ch)) {
      alpha = true;
      if (k > 0 && ch >= 'A' && ch <= 'Z') upper_inside = true;
    } else {
      other = true;
    }
  }
  const bool digits_only = digit && !alpha && !other;
  // Digits followed by a unit are a count ("密码是6位数", "password is 8 characters").
  if (digits_only) {
    if (!CodeEndsCleanly(text, lower, e)) return {0, 0};
    const size_t next = SkipSpaces(text, e);
    for (std::string_view w :
         {"char", "letter", "caracter", "carácter", "letra", "dígito", "digito", "digit"}) {
      if (lower.substr(next, w.size()) == w) return {0, 0};
    }
  }
  if (!digit && !alpha) return {0, 0};
  const bool looks_secret =
      (digit && (alpha || other)) || (alpha && other) || upper_inside || (digits_only && len >= 4);
  const bool plain_word = alpha && !digit && !other && !upper_inside;
  switch (c.strength) {
    case Strength::strong:
      // "password: hunter2", but not "contraseña de acceso: cambiar una no afecta a la otra".
      if (!plain_word) return {p, e};
      break;
    case Strength::none:
      // "密码abc123", "password hunter2", "PIN 1234": only values with a digit.
      return looks_secret && digit ? Span{p, e} : Span{0, 0};
    case Strength::weak:
      break;
  }
  if (looks_secret) return {p, e};
  if (digits_only || LooksLikeAdjective(lvalue)) return {0, 0};
  // A plain word after "is"/"es"/"是": a password only when the clause ends with it ("my password
  // is sunshine." but not "your password is stored only on your phone").
  if (cjk_cue) return {p, e};
  size_t next = SkipSpaces(text, e);
  if (next >= text.size()) return {p, e};
  if (!IsAsciiAlpha(text[next])) {
    return IsAsciiDigit(text[next]) ? Span{0, 0} : Span{p, e};
  }
  size_t w = next;
  while (w < text.size() && IsAsciiAlpha(text[w])) ++w;
  if (InList(lower.substr(next, w - next), kValueFollowers)) return {p, e};
  return {0, 0};
}

struct CueHit {
  size_t begin;
  size_t end;
  const Cue* cue;
};

}  // namespace

bool MayAnnounceSecret(std::string_view lower) { return Anchors().AnyIn(lower); }

void FindAnnouncedSecrets(std::string_view text, std::string_view lower,
                          std::vector<GuardFinding>& out) {
  // Every cue in one pass; the views in the set are those of kCues, which maps them back.
  static const StemSet cues = [] {
    std::vector<std::string_view> texts;
    for (const Cue& cue : kCues) texts.push_back(cue.text);
    return StemSet(texts);
  }();
  std::vector<CueHit> hits;
  cues.ForEach(lower, [&](size_t p, std::string_view cue_text) {
    const Cue* cue = std::find_if(std::begin(kCues), std::end(kCues),
                                  [&](const Cue& c) { return c.text.data() == cue_text.data(); });
    if (!IsAsciiCue(cue_text) || WordAt(lower, p, cue_text)) {
      hits.push_back({p, p + cue_text.size(), cue});
    }
    return false;
  });
  if (hits.empty()) return;
  // Longest cue wins where cues overlap ("动态密码" over "密码", "security code" over "code").
  std::sort(hits.begin(), hits.end(), [](const CueHit& a, const CueHit& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  size_t covered_to = 0;
  for (const CueHit& hit : hits) {
    if (hit.end <= covered_to) continue;  // inside a longer cue
    covered_to = std::max(covered_to, hit.end);
    const Cue& cue = *hit.cue;
    size_t p = hit.end;
    Value value = cue.value;

    if (cue.value == Value::otp && (cue.text == "code" || cue.text == "codes")) {
      const std::string_view before = WordBefore(lower, hit.begin);
      if (InList(before, kNotOtpBefore)) continue;
    }
    if (cue.text == "clave") {
      const size_t q = SkipSpaces(text, p);
      if (lower.substr(q, 7) == "privada" || lower.substr(q, 7) == "pública" ||
          lower.substr(q, 7) == "publica" || WordBefore(lower, hit.begin) == "palabra") {
        continue;
      }
    }
    if (cue.text == "pin" && lower.substr(p, 3) == "yin") continue;  // pinyin
    if (cue.after == After::spanish_qualifiers) {
      bool skip = false;
      for (int rounds = 0; rounds < 2; ++rounds) {
        const size_t q = SkipSpaces(text, p);
        bool advanced = false;
        for (std::string_view bad : kNotOtpAfterSpanish) {
          if (lower.substr(q, bad.size()) == bad) skip = true;
        }
        if (skip) break;
        for (std::string_view qual : kSpanishQualifiers) {
          if (lower.substr(q, qual.size()) == qual &&
              (q + qual.size() >= lower.size() || !IsAsciiAlpha(lower[q + qual.size()]))) {
            p = q + qual.size();
            advanced = true;
            // "código de seguridad" is the card's CVV when it has 3-4 digits.
            if (value == Value::otp && qual == "de seguridad") value = Value::cvv_or_otp;
            break;
          }
        }
        if (!advanced) break;
      }
      if (skip) continue;
    }
    if (cue.after == After::back_of_card) {
      // "背面三位数是", "背面的3位数字：", "背面后三位".
      const std::string_view fillers[] = {"的", "三", "3",  "位", "数", "數",
                                          "字", "后", "後", "末", "码", "碼"};
      bool advanced = true;
      size_t q = p;
      while (advanced) {
        advanced = false;
        for (std::string_view f : fillers) {
          if (lower.substr(q, f.size()) == f) {
            q += f.size();
            advanced = true;
          }
        }
      }
      if (q == p) continue;  // just "背面" (the back of the card) with nothing about digits
      p = q;
    }
    // For "2fa", "otp" and English "security": an optional "code" between cue and value.
    if ((cue.text == "2fa" || cue.text == "otp") &&
        lower.substr(SkipSpaces(text, p), 4) == "code") {
      p = SkipSpaces(text, p) + 4;
      if (p < lower.size() && lower[p] == 's') ++p;
    }

    const Connector c = ParseConnector(text, lower, p);
    // "clave" is any key ("la clave OpenPGP", "clave primaria"): a password only when announced.
    if (cue.text == "clave" && c.strength == Strength::none) continue;
    if (value == Value::password) {
      const bool cjk_cue = !IsAsciiCue(cue.text);
      const Span v = ParsePassword(text, lower, c, cjk_cue);
      if (v.end > v.begin) out.push_back({SecretKind::password, v.begin, v.end, false});
      continue;
    }
    size_t digits = 0;
    const size_t e = ParseCode(text, c.pos, &digits);
    if (digits == 0 || !CodeEndsCleanly(text, lower, e)) continue;
    if (c.quoted && !IsQuoteClose(text, e, c.close_quote)) continue;
    SecretKind kind;
    if (value == Value::otp && digits >= 4 && digits <= 8) {
      kind = SecretKind::otp;
    } else if (value == Value::cvv && (digits == 3 || digits == 4)) {
      kind = SecretKind::cvv;
    } else if (value == Value::cvv_or_otp && (digits == 3 || digits == 4)) {
      kind = SecretKind::cvv;
    } else if (value == Value::cvv_or_otp && digits >= 5 && digits <= 8) {
      kind = SecretKind::otp;
    } else {
      continue;
    }
    out.push_back({kind, c.pos, e, false});
  }
}

}  // namespace kefu::bot::internal
