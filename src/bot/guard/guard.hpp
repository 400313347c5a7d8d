// The secret guard: finds secrets a customer must never give away (BIP-39 seed phrases, private
// keys, card numbers, CVVs, passwords, one-time codes) in chat text, and messages from staff or
// the bot that ask for them.
//
// Invariants of the module:
// - It runs on every message in both directions, before anything is stored, logged or sent, so
//   the common case (ordinary text, no secret) costs a few microseconds: cheap pre-filters decide
//   which detectors run at all.
// - A finding never splits a UTF-8 sequence, and redaction changes nothing but the found spans:
//   every other byte of the input is kept as it was (no normalisation, invalid UTF-8 included).
// - The word lists are compiled into the binary; nothing is read from disk, and a SecretGuard is
//   immutable once built, so one instance serves every thread.
// - False positives matter as much as misses: transaction hashes, addresses, order numbers,
//   phone numbers, amounts and ordinary sentences in zh/en/es must pass untouched.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kefu::bot {

// What kind of secret was found. The names are the warning codes of DESIGN.md §2.
enum class SecretKind { seed_phrase, private_key, card_number, cvv, password, otp };

// The warning code of `kind`: "seed_phrase", "private_key", "card_number", "cvv", "password" or
// "otp" (exactly the enumerator's name). The view points to static storage.
std::string_view WarningCode(SecretKind kind);

// One secret found in a scanned text.
struct GuardFinding {
  SecretKind kind = SecretKind::seed_phrase;
  // The secret is bytes [begin, end) of the scanned text, on UTF-8 character boundaries. For a
  // password, OTP or CVV it is the value only, not the words that announce it.
  size_t begin = 0;
  size_t end = 0;
  // True when the match is verified, not just shaped like a secret: a BIP-39 checksum, a Base58
  // checksum (WIF, xprv) or Luhn plus a known card prefix. A run of word-list words that fails the
  // BIP-39 checksum, a 64-hex string, or a value announced by context is found but not certain.
  bool certain = false;
};

// What Scan found.
struct GuardResult {
  // The scanned text with each finding replaced by "[redacted:<code>]" (e.g.
  // "[redacted:seed_phrase]"); every other byte is identical to the input.
  std::string redacted_text;
  // The kinds found, each once, in order of first appearance in the text.
  std::vector<SecretKind> warnings;
  // The findings, sorted by `begin`, not overlapping (overlapping matches are merged into one
  // finding of the gravest kind).
  std::vector<GuardFinding> findings;

  // True when nothing was found (then redacted_text equals the input).
  bool clean() const { return findings.empty(); }
};

// Detects and redacts secrets. Build nothing yourself: use SecretGuard::Default(). All methods
// are const and the object is immutable, so they may be called from any number of threads at once.
class SecretGuard {
 public:
  // The process-wide guard with the BIP-39 lists compiled into the binary. Built on first use
  // (about a millisecond, thread-safe); the reference stays valid for the life of the process.
  static const SecretGuard& Default();

  ~SecretGuard();
  SecretGuard(const SecretGuard&) = delete;
  SecretGuard& operator=(const SecretGuard&) = delete;

  // Scans one message (any direction) and returns its redacted text, warnings and findings.
  // Accepts any bytes: invalid UTF-8 is passed through untouched and never matched. Detects
  // BIP-39 mnemonics (12/15/18/21/24 words, English, Spanish, Chinese simplified and traditional;
  // with or without spaces, numbering, accents, case; English and Spanish 4-letter abbreviations),
  // private keys (64 hex digits outside a transaction-hash context, WIF, extended private keys),
  // card numbers (Luhn and card prefix), CVVs, and passwords and one-time codes announced by
  // context ("密码是…", "code: 123456", "mi contraseña es …").
  GuardResult Scan(std::string_view text) const;

  // Outbound check for messages written by staff or the bot: the kind of secret the message asks
  // the customer for ("please send your seed phrase", "请提供验证码", "dime tu contraseña"), or
  // nullopt. Warnings that only name secrets ("we will never ask for your seed phrase",
  // "请勿向任何人透露助记词", "nunca te pediremos tu frase semilla") are not requests. A message
  // that asks for a secret must be blocked before it is stored or sent.
  std::optional<SecretKind> AsksForSecret(std::string_view text) const;

 private:
  struct Impl;
  SecretGuard();
  std::unique_ptr<const Impl> impl_;
};

// The warning shown to a customer who has just sent a secret: we have hidden it, we will never ask
// for a seed phrase, private key, password or verification code, and what to do if they shared it.
// `lang` is "zh" (also "zh-CN", "zh-Hans"), "zh-TW" / "zh-HK" / "zh-Hant" (traditional
// characters), "en" or "es" (also "es-…", "en-…"); anything else gets English. The view points to
// static storage.
std::string_view SafetyMessage(std::string_view lang);

}  // namespace kefu::bot
