#include "bot/guard/guard.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "bot/guard/internal/bip39.hpp"
#include "bot/guard/internal/detectors.hpp"
#include "bot/guard/internal/mnemonic.hpp"
#include "bot/guard/internal/text.hpp"

namespace kefu::bot {

struct SecretGuard::Impl {
  internal::Bip39Lists lists;
};

namespace {

// Gravity when overlapping findings are merged: the kind whose leak costs most wins.
int Gravity(SecretKind kind) {
  switch (kind) {
    case SecretKind::seed_phrase:
      return 6;
    case SecretKind::private_key:
      return 5;
    case SecretKind::card_number:
      return 4;
    case SecretKind::password:
      return 3;
    case SecretKind::cvv:
      return 2;
    case SecretKind::otp:
      return 1;
  }
  return 0;
}

// What one cheap pass over the bytes says about which detectors can possibly match.
struct Shape {
  size_t digits = 0;
  size_t latin_words = 0;    // maximal runs of letters (ASCII or Latin-1 lead bytes)
  size_t han = 0;            // lead bytes of U+4E00..U+9FFF (3-byte sequences E4..E9)
  size_t longest_alnum = 0;  // longest run of ASCII letters and digits
  bool letters = false;
  bool non_ascii = false;
};

// Byte classes for Measure.
enum : uint8_t { kDigit = 1, kAlpha = 2, kWordByte = 4, kHanLead = 8, kHigh = 16 };
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int b = '0'; b <= '9'; ++b) t[b] = kDigit;
  for (int b = 'a'; b <= 'z'; ++b) t[b] = t[b - 32] = kAlpha | kWordByte;
  for (int b = 0x80; b < 0x100; ++b) t[b] = kHigh;
  // Latin-1 letters are C3 xx and combining marks CC/CD xx: both continue a Latin word.
  t[0xC3] |= kWordByte;
  t[0xCC] |= kWordByte;
  t[0xCD] |= kWordByte;
  for (int b = 0xE4; b <= 0xE9; ++b) t[b] |= kHanLead;
  return t;
}();

Shape Measure(std::string_view text) {
  Shape s;
  size_t alnum = 0;
  bool in_word = false;
  uint8_t seen = 0;
  for (const char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    const uint8_t c = kByteClass[b];
    seen |= c;
    s.digits += c & kDigit;
    s.han += (c & kHanLead) >> 3;
    alnum = (c & (kDigit | kAlpha)) ? alnum + 1 : 0;
    s.longest_alnum = std::max(s.longest_alnum, alnum);
    const bool wordish = (c & kWordByte) || (in_word && b >= 0x80 && b < 0xC0);
    s.latin_words += (wordish && !in_word) ? 1 : 0;
    in_word = wordish;
  }
  s.letters = seen & kAlpha;
  s.non_ascii = seen & kHigh;
  return s;
}

void Merge(std::vector<GuardFinding>& findings) {
  std::sort(findings.begin(), findings.end(), [](const GuardFinding& a, const GuardFinding& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  size_t w = 0;
  for (size_t r = 0; r < findings.size(); ++r) {
    const GuardFinding& f = findings[r];
    if (f.end <= f.begin) continue;
    if (w > 0 && f.begin < findings[w - 1].end) {
      GuardFinding& m = findings[w - 1];
      m.end = std::max(m.end, f.end);
      if (Gravity(f.kind) > Gravity(m.kind)) m.kind = f.kind;
      m.certain = m.certain || f.certain;
      continue;
    }
    findings[w++] = f;
  }
  findings.resize(w);
}

}  // namespace

std::string_view WarningCode(SecretKind kind) {
  switch (kind) {
    case SecretKind::seed_phrase:
      return "seed_phrase";
    case SecretKind::private_key:
      return "private_key";
    case SecretKind::card_number:
      return "card_number";
    case SecretKind::cvv:
      return "cvv";
    case SecretKind::password:
      return "password";
    case SecretKind::otp:
      return "otp";
  }
  return "unknown";
}

SecretGuard::SecretGuard() : impl_(std::make_unique<const Impl>()) {}
SecretGuard::~SecretGuard() = default;

const SecretGuard& SecretGuard::Default() {
  static const SecretGuard* guard = [] {
    if (sodium_init() < 0) {
      std::fprintf(stderr, "kefu: libsodium failed to initialise\n");
      std::abort();
    }
    return new SecretGuard();  // never destroyed: usable from any thread until exit
  }();
  return *guard;
}

GuardResult SecretGuard::Scan(std::string_view text) const {
  GuardResult result;
  const Shape shape = Measure(text);
  std::vector<GuardFinding>& findings = result.findings;

  const bool latin_run = shape.latin_words >= 12;
  const bool han_run = shape.han >= 12;
  if (latin_run || han_run) {
    internal::FindMnemonics(impl_->lists, text, latin_run, han_run, findings);
  }
  const bool keys = shape.longest_alnum >= 51;
  const bool cards = shape.digits >= 13;
  if (keys || cards || shape.letters || shape.non_ascii) {
    // One lower-cased copy per thread, reused: no allocation per message once it has grown.
    thread_local std::string lower;
    lower.assign(text);
    for (char& ch : lower) ch = internal::AsciiLowerChar(ch);
    if (keys) internal::FindPrivateKeys(text, lower, findings);
    if (cards) internal::FindCards(text, lower, findings);
    if (internal::MayAnnounceSecret(lower)) internal::FindAnnouncedSecrets(text, lower, findings);
  }

  if (findings.empty()) {
    result.redacted_text.assign(text);
    return result;
  }
  Merge(findings);
  std::string& out = result.redacted_text;
  out.reserve(text.size() + 16 * findings.size());
  size_t pos = 0;
  for (const GuardFinding& f : findings) {
    out.append(text.substr(pos, f.begin - pos));
    out.append("[redacted:").append(WarningCode(f.kind)).append("]");
    pos = f.end;
    if (std::find(result.warnings.begin(), result.warnings.end(), f.kind) ==
        result.warnings.end()) {
      result.warnings.push_back(f.kind);
    }
  }
  out.append(text.substr(pos));
  return result;
}

std::optional<SecretKind> SecretGuard::AsksForSecret(std::string_view text) const {
  return internal::FindSecretRequest(text);
}

std::string_view SafetyMessage(std::string_view lang) {
  static constexpr std::string_view kZhHans =
      "为了保护您的资产安全，您刚才发送的敏感信息已被隐藏。我们的客服和机器人绝不会向您索要助记词、"
      "私钥、密码、验证码、完整卡号或 CVV 安全码。如果您曾把助记词或私钥告诉过任何人，请把这个钱包"
      "当作已泄露：立即新建钱包（使用全新的助记词）并转移全部资产；如果泄露的是密码或验证码，请马上"
      "修改密码并检查账户安全。";
  static constexpr std::string_view kZhHant =
      "為了保護您的資產安全，您剛才傳送的敏感資訊已被隱藏。我們的客服和機器人絕不會向您索取助記詞、"
      "私鑰、密碼、驗證碼、完整卡號或 CVV 安全碼。如果您曾把助記詞或私鑰告訴過任何人，請把這個錢包"
      "視為已外洩：立即建立新錢包（使用全新的助記詞）並轉移全部資產；如果外洩的是密碼或驗證碼，請馬"
      "上"
      "變更密碼並檢查帳戶安全。";
  static constexpr std::string_view kEn =
      "For your safety, we have hidden the sensitive information you just sent. Our staff and our "
      "bot will never ask for your seed phrase, private key, password, verification codes, full "
      "card number or CVV. If you have shared your seed phrase or private key with anyone, treat "
      "that wallet as compromised: create a new wallet (with a new seed phrase) and move all your "
      "assets to it right away. If it was a password or a code, change your password now and "
      "check your account's security settings.";
  static constexpr std::string_view kEs =
      "Por tu seguridad, hemos ocultado la información sensible que acabas de enviar. Nuestro "
      "equipo y nuestro asistente nunca te pedirán tu frase semilla, tu clave privada, tu "
      "contraseña, tus códigos de verificación, el número completo de tu tarjeta ni el CVV. Si "
      "compartiste tu frase semilla o tu clave privada con alguien, considera comprometida esa "
      "billetera: crea una billetera nueva (con una frase semilla nueva) y mueve allí todos tus "
      "activos de inmediato. Si fue una contraseña o un código, cambia tu contraseña ahora y "
      "revisa la seguridad de tu cuenta.";
  const std::string l = internal::LowerAscii(lang);
  auto starts = [&](std::string_view p) {
    return l == p ||
           (l.size() > p.size() && l.starts_with(p) && (l[p.size()] == '-' || l[p.size()] == '_'));
  };
  if (starts("zh")) {
    for (std::string_view t : {"zh-tw", "zh_tw", "zh-hk", "zh_hk", "zh-mo", "zh-hant"}) {
      if (l.starts_with(t)) return kZhHant;
    }
    return kZhHans;
  }
  if (starts("es")) return kEs;
  return kEn;
}

}  // namespace kefu::bot
