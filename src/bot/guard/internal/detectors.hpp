// The guard's detectors other than mnemonics. Private to bot/guard. Each appends findings to
// `out` in any order; guard.cpp sorts and merges them. `text` is the message as received and
// `lower` its ASCII-lower-cased copy (same length, same offsets).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "bot/guard/guard.hpp"

namespace kefu::bot::internal {

// Private keys: 64 hex digits (optionally 0x-prefixed) unless the sentence marks them as a
// transaction/block hash (tx, txid, hash, 交易哈希, hash de transacción...) and does not call
// them a private key; WIF keys (Base58Check, version 0x80, or 0xEF on testnet, checksum
// verified); extended private keys (xprv/yprv/zprv/tprv..., checksum verified).
void FindPrivateKeys(std::string_view text, std::string_view lower, std::vector<GuardFinding>& out);

// Card numbers: 13-19 digits, contiguous or in the usual groups (4-4-4-4, 4-6-5, ...) of spaces or
// dashes, passing Luhn with a known card prefix and length. A CVV right after a card (optionally
// after an expiry date) is found too.
void FindCards(std::string_view text, std::string_view lower, std::vector<GuardFinding>& out);

// Passwords, one-time codes and CVVs announced by context: "密码是abc123", "password: hunter2",
// "mi contraseña es …", "验证码 123456", "code: 123456", "OTP 4821", "CVV 123", "安全码 123".
// Only the value is reported.
void FindAnnouncedSecrets(std::string_view text, std::string_view lower,
                          std::vector<GuardFinding>& out);

// True when `lower` may hold a cue FindAnnouncedSecrets looks for (a cheap pre-filter).
bool MayAnnounceSecret(std::string_view lower);

// The outbound check behind SecretGuard::AsksForSecret.
std::optional<SecretKind> FindSecretRequest(std::string_view text);

}  // namespace kefu::bot::internal
