#include "crypto/field_cipher.hpp"

#include <sodium.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace kefu::crypto {
namespace {

static_assert(kNonceBytes == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kTagBytes == crypto_aead_xchacha20poly1305_ietf_ABYTES);

constexpr size_t kMaxColumn = 48;
// header ‖ column ‖ 0 ‖ row (8, little-endian) ‖ row2 (8)
constexpr size_t kMaxAd = kHeaderBytes + kMaxColumn + 1 + 16;

void InitSodium() {
  static const int rc = sodium_init();
  if (rc < 0) std::abort();  // no usable randomness: nothing safe can run
}

void PutLe(unsigned char* p, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(u >> (8 * i));
}

// Builds the associated data into `ad` (kMaxAd bytes); returns its length.
size_t BuildAd(unsigned char* ad, const unsigned char* header, const Place& place) {
  const size_t column = place.column.size() < kMaxColumn ? place.column.size() : kMaxColumn;
  std::memcpy(ad, header, kHeaderBytes);
  std::memcpy(ad + kHeaderBytes, place.column.data(), column);
  size_t n = kHeaderBytes + column;
  ad[n++] = 0;
  PutLe(ad + n, place.row);
  PutLe(ad + n + 8, place.row2);
  return n + 16;
}

const unsigned char* Bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// A fresh 24-byte nonce without a system call per seal: 16 random bytes drawn once per thread
// and a 64-bit counter. Nonces never repeat under one key while the prefixes differ, and two
// threads (or processes) drawing the same 128-bit prefix is as unlikely as a random 192-bit
// nonce colliding in practice (XChaCha20 nonces are meant to be random).
void NextNonce(unsigned char* out) {
  struct State {
    unsigned char prefix[16];
    std::uint64_t counter = 0;
    State() { randombytes_buf(prefix, sizeof prefix); }
  };
  thread_local State state;
  std::memcpy(out, state.prefix, sizeof state.prefix);
  const std::uint64_t n = ++state.counter;
  for (int i = 0; i < 8; ++i) out[16 + i] = static_cast<unsigned char>(n >> (8 * i));
}

}  // namespace

FieldCipher::FieldCipher() { InitSodium(); }

FieldCipher::~FieldCipher() {
  for (auto& key : owned_) sodium_memzero(key->data(), key->size());
  sodium_memzero(blind_key_.data(), blind_key_.size());
}

Status FieldCipher::AddKey(KeyId id, const Key& key) {
  if (id == 0) return MakeError(Code::invalid, "key id 0 is reserved");
  std::lock_guard lock(add_mutex_);
  if (const Key* existing = slots_[id].load(std::memory_order_acquire)) {
    if (sodium_memcmp(existing->data(), key.data(), key.size()) == 0) return Ok();
    return MakeError(Code::conflict, "key id " + std::to_string(id) + " is held with other bytes");
  }
  owned_.push_back(std::make_unique<Key>(key));
  slots_[id].store(owned_.back().get(), std::memory_order_release);
  return Ok();
}

Status FieldCipher::SetCurrent(KeyId id) {
  if (id == 0 || !HasKey(id)) return MakeError(Code::not_found, "no data key " + std::to_string(id));
  current_.store(id, std::memory_order_release);
  return Ok();
}

std::vector<KeyId> FieldCipher::KeyIds() const {
  std::vector<KeyId> out;
  for (size_t i = 1; i < slots_.size(); ++i)
    if (slots_[i].load(std::memory_order_acquire)) out.push_back(static_cast<KeyId>(i));
  return out;
}

void FieldCipher::SetBlindKey(const Key& key) {
  std::lock_guard lock(add_mutex_);
  blind_key_ = key;
}

void FieldCipher::SealInto(unsigned char* out, std::string_view plain, const Place& place) const {
  const KeyId id = current();
  const Key* key = slots_[id].load(std::memory_order_acquire);
  if (!key) std::abort();  // a bug: sealing without a key would store clear text
  out[0] = kFormat;
  out[1] = id;
  NextNonce(out + kHeaderBytes);
  unsigned char ad[kMaxAd];
  const size_t ad_len = BuildAd(ad, out, place);
  unsigned long long len = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(out + kHeaderBytes + kNonceBytes, &len, Bytes(plain), plain.size(),
                                             ad, ad_len, nullptr, out + kHeaderBytes, key->data());
}

std::string FieldCipher::Seal(std::string_view plain, const Place& place) const {
  std::string out(SealedSize(plain.size()), '\0');
  SealInto(reinterpret_cast<unsigned char*>(out.data()), plain, place);
  return out;
}

std::optional<KeyId> FieldCipher::KeyIdOf(std::string_view sealed) {
  if (sealed.size() < kOverhead || static_cast<unsigned char>(sealed[0]) != kFormat || sealed[1] == 0)
    return std::nullopt;
  return static_cast<KeyId>(sealed[1]);
}

Result<std::string> FieldCipher::Open(std::string_view sealed, const Place& place) const {
  auto id = KeyIdOf(sealed);
  if (!id) return MakeError(Code::internal, std::string(place.column) + ": not a sealed value");
  const Key* key = slots_[*id].load(std::memory_order_acquire);
  if (!key)
    return MakeError(Code::internal, std::string(place.column) + ": sealed under data key " + std::to_string(*id) +
                                         ", which the key file does not hold");
  unsigned char ad[kMaxAd];
  const size_t ad_len = BuildAd(ad, Bytes(sealed), place);
  std::string out(sealed.size() - kOverhead, '\0');
  unsigned long long len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &len, nullptr,
                                                 Bytes(sealed) + kHeaderBytes + kNonceBytes,
                                                 sealed.size() - kHeaderBytes - kNonceBytes, ad, ad_len,
                                                 Bytes(sealed) + kHeaderBytes, key->data()) != 0)
    return MakeError(Code::internal, std::string(place.column) + ": sealed value does not open (altered or moved)");
  out.resize(len);
  return out;
}

BlindTag FieldCipher::BlindIndex(std::string_view column, std::string_view value) const {
  BlindTag tag{};
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, blind_key_.data(), blind_key_.size());
  crypto_auth_hmacsha256_update(&st, Bytes(column), column.size());
  const unsigned char zero = 0;
  crypto_auth_hmacsha256_update(&st, &zero, 1);
  crypto_auth_hmacsha256_update(&st, Bytes(value), value.size());
  crypto_auth_hmacsha256_final(&st, tag.data());
  return tag;
}

std::string NormaliseEmail(std::string_view email) {
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.front()))) email.remove_prefix(1);
  while (!email.empty() && std::isspace(static_cast<unsigned char>(email.back()))) email.remove_suffix(1);
  std::string out(email);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string NormalisePhone(std::string_view phone) {
  std::string out;
  for (char c : phone) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      out += c;
    } else if (c == '+' && out.empty()) {
      out += c;
    }
  }
  return out;
}

}  // namespace kefu::crypto
