#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "bot/guard/internal/detectors.hpp"
#include "bot/guard/internal/text.hpp"

namespace kefu::bot::internal {
namespace {

constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Decodes Base58 `s` into `out` (big-endian, leading '1's as zero bytes). Returns the decoded
// length, or 0 when `s` has a non-Base58 character or decodes to more than `cap` bytes.
size_t DecodeBase58(std::string_view s, uint8_t* out, size_t cap) {
  static const std::array<int8_t, 128> kValue = [] {
    std::array<int8_t, 128> v{};
    v.fill(-1);
    for (size_t i = 0; i < kBase58.size(); ++i)
      v[static_cast<size_t>(kBase58[i])] = static_cast<int8_t>(i);
    return v;
  }();
  uint8_t buf[128] = {};
  size_t len = 0;  // bytes used at the end of buf (little-endian big number)
  size_t zeros = 0;
  while (zeros < s.size() && s[zeros] == '1') ++zeros;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 128 || kValue[c] < 0) return 0;
    unsigned carry = static_cast<unsigned>(kValue[c]);
    for (size_t i = 0; i < len; ++i) {
      carry += 58u * buf[i];
      buf[i] = static_cast<uint8_t>(carry & 0xFF);
      carry >>= 8;
    }
    while (carry > 0) {
      if (len == sizeof buf) return 0;
      buf[len++] = static_cast<uint8_t>(carry & 0xFF);
      carry >>= 8;
    }
  }
  const size_t total = zeros + len;
  if (total > cap) return 0;
  std::memset(out, 0, zeros);
  for (size_t i = 0; i < len; ++i) out[zeros + i] = buf[len - 1 - i];
  return total;
}

// Base58Check: the last 4 bytes are the first 4 of SHA-256(SHA-256(payload)).
bool ChecksumOk(const uint8_t* data, size_t len) {
  if (len < 5) return false;
  uint8_t h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, data, len - 4);
  crypto_hash_sha256(h, h, sizeof h);
  return std::memcmp(h, data + len - 4, 4) == 0;
}

bool IsWif(std::string_view s) {
  const bool uncompressed = s.size() == 51 && (s[0] == '5' || s[0] == '9');
  const bool compressed = s.size() == 52 && (s[0] == 'K' || s[0] == 'L' || s[0] == 'c');
  if (!uncompressed && !compressed) return false;
  uint8_t raw[40];
  const size_t n = DecodeBase58(s, raw, sizeof raw);
  if (n != (compressed ? 38u : 37u) || !ChecksumOk(raw, n)) return false;
  if (raw[0] != 0x80 && raw[0] != 0xEF) return false;
  return !compressed || raw[33] == 0x01;
}

bool IsExtendedPrivateKey(std::string_view s) {
  if (s.size() != 111 || s.substr(1, 3) != "prv") return false;
  uint8_t raw[90];
  if (DecodeBase58(s, raw, sizeof raw) != 82 || !ChecksumOk(raw, 82)) return false;
  const uint32_t version = (uint32_t{raw[0]} << 24) | (uint32_t{raw[1]} << 16) |
                           (uint32_t{raw[2]} << 8) | uint32_t{raw[3]};
  // BIP-32/49/84 private versions (mainnet and testnet, single- and multi-signature).
  constexpr uint32_t kPrivate[] = {0x0488ADE4, 0x049D7878, 0x04B2430C, 0x0295B005, 0x02AA7A99,
                                   0x04358394, 0x044A4E28, 0x045F18BC, 0x024285B5, 0x02575048};
  bool known = false;
  for (uint32_t v : kPrivate) known = known || v == version;
  return known && raw[45] == 0x00;  // key data is 0x00 ‖ 32-byte private key
}

// Words that make a 64-hex string a transaction or block hash rather than a key.
constexpr std::string_view kHashWords[] = {
    "tx",          "txid",         "txn",      "txs",         "txhash",      "tx_hash",
    "transaction", "transactions", "transfer", "transacción", "transaccion", "transacciones",
    "operación",   "operacion",    "block",    "bloque",      "sha256",      "sha-256",
    "checksum",    "digest",       "explorer", "etherscan",   "bscscan",     "tronscan",
    "polygonscan", "arbiscan",     "solscan",  "blockchair",  "mempool"};
constexpr std::string_view kHashFragments[] = {"hash", "txid", "哈希", "交易", "区块", "區塊",
                                               "转账", "轉賬", "转帐", "链上", "鏈上", "校验和"};
// Words that say it is a key after all ("my private key, not the tx hash: ...").
constexpr std::string_view kKeyFragments[] = {
    "private key", "privatekey", "private_key", "privkey", "priv key",      "secret key",   "私钥",
    "私鑰",        "秘钥",       "密钥",        "密鑰",    "clave privada", "llave privada"};

bool InHashContext(std::string_view text, std::string_view lower, size_t begin, size_t end) {
  const Span ctx = SentenceAround(text, begin, end, 160, 100);
  const std::string_view around = lower.substr(ctx.begin, ctx.end - ctx.begin);
  for (std::string_view k : kKeyFragments) {
    if (around.find(k) != std::string_view::npos) return false;
  }
  for (std::string_view f : kHashFragments) {
    if (around.find(f) != std::string_view::npos) return true;
  }
  for (std::string_view w : kHashWords) {
    if (ContainsWord(around, w)) return true;
  }
  return false;
}

}  // namespace

void FindPrivateKeys(std::string_view text, std::string_view lower,
                     std::vector<GuardFinding>& out) {
  for (size_t i = 0; i < text.size();) {
    if (!IsAsciiAlnum(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && IsAsciiAlnum(text[j])) ++j;
    const std::string_view run = text.substr(i, j - i);
    const bool prefixed = run.size() == 66 && run[0] == '0' && (run[1] == 'x' || run[1] == 'X');
    if (run.size() == 64 || prefixed) {
      const std::string_view hex = prefixed ? run.substr(2) : run;
      bool all_hex = true;
      bool letter = false;
      for (char c : hex) {
        all_hex = all_hex && IsHexDigit(c);
        letter = letter || IsAsciiAlpha(c);
      }
      // 64 decimal digits are a number, not a key (a random key has a letter with p ≈ 1 - 1e-13).
      if (all_hex && (letter || prefixed) && !InHashContext(text, lower, i, j)) {
        out.push_back({SecretKind::private_key, i, j, false});
      }
    } else if (IsWif(run) || IsExtendedPrivateKey(run)) {
      out.push_back({SecretKind::private_key, i, j, true});
    }
    i = j;
  }
}

}  // namespace kefu::bot::internal
