// Encryption at rest for message bodies, customer PII and attachments (docs/adr/0013).
//
// A FieldCipher holds a ring of data-encryption keys, each with a small id (1–255), one of them
// current. Sealing uses XChaCha20-Poly1305 (libsodium) with a random 24-byte nonce under the
// current key; every sealed value carries its format and key id, so values sealed under older
// keys keep opening after a rotation and a background pass can find and re-seal them:
//
//   [0] format (0x01)  [1] key id  [2..25] nonce  [26..] ciphertext ‖ 16-byte tag
//
// The associated data binds a value to where it lives — its table and column and its row key
// (Place) — and to its header, so a sealed value copied to another row or column, or given
// another key id, does not open.
//
// Blind indexes (BlindIndex) are keyed HMAC-SHA-256 tags of a normalised value for exact-match
// lookups (a customer's e-mail or phone); their key does not rotate (changing it would mean
// recomputing every index), and they are computed per column so equal values in two columns
// do not match.
//
// Thread-safety: every member is safe to call from any thread. Keys can be added and the current
// key switched while other threads seal and open (a rotation while serving); key storage is
// never freed before the cipher is destroyed. No allocation on Seal/Open beyond the output.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace kefu::crypto {

using Key = std::array<unsigned char, 32>;
using KeyId = std::uint8_t;

inline constexpr unsigned char kFormat = 0x01;
inline constexpr size_t kHeaderBytes = 2;
inline constexpr size_t kNonceBytes = 24;
inline constexpr size_t kTagBytes = 16;
inline constexpr size_t kOverhead = kHeaderBytes + kNonceBytes + kTagBytes;  // 42

// Where a sealed value lives: "table.column" and its row key (one or two integers; e.g. a
// message is (conversation_id, seq), a customer's name (customer id, 0)). `column` is at most
// 48 bytes.
struct Place {
  std::string_view column;
  std::int64_t row = 0;
  std::int64_t row2 = 0;
};

using BlindTag = std::array<unsigned char, 32>;

class FieldCipher {
 public:
  FieldCipher();
  ~FieldCipher();
  FieldCipher(const FieldCipher&) = delete;
  FieldCipher& operator=(const FieldCipher&) = delete;

  // Adds a key (a no-op when `id` is already there with the same bytes; Code::conflict when it
  // is there with other bytes; Code::invalid for id 0).
  Status AddKey(KeyId id, const Key& key);
  // Makes `id` the key new values are sealed under; Code::not_found when it was never added.
  Status SetCurrent(KeyId id);
  // The current key id; 0 when no key was added (then Seal must not be called).
  KeyId current() const { return current_.load(std::memory_order_acquire); }
  bool HasKey(KeyId id) const { return slots_[id].load(std::memory_order_acquire) != nullptr; }
  // Every key id held, ascending.
  std::vector<KeyId> KeyIds() const;

  // The key for blind indexes (does not rotate).
  void SetBlindKey(const Key& key);

  // Size of a sealed value for `plain_size` bytes of plain text.
  static constexpr size_t SealedSize(size_t plain_size) { return plain_size + kOverhead; }
  // Seals `plain` under the current key into `out`, which has SealedSize(plain.size()) bytes.
  void SealInto(unsigned char* out, std::string_view plain, const Place& place) const;
  std::string Seal(std::string_view plain, const Place& place) const;
  // The plain text of a sealed value; Code::internal when it was altered, belongs to another
  // place, or names a key this cipher does not hold.
  Result<std::string> Open(std::string_view sealed, const Place& place) const;

  // The key id a sealed value names; nullopt when it is not a sealed value of this format.
  static std::optional<KeyId> KeyIdOf(std::string_view sealed);

  // HMAC-SHA-256 of `value` under the blind-index key, per `column`. Callers normalise first
  // (NormaliseEmail, NormalisePhone).
  BlindTag BlindIndex(std::string_view column, std::string_view value) const;

 private:
  std::array<std::atomic<const Key*>, 256> slots_{};
  std::atomic<KeyId> current_{0};
  std::mutex add_mutex_;
  std::vector<std::unique_ptr<Key>> owned_;
  Key blind_key_{};
};

// Lower-cases an e-mail address and trims it.
std::string NormaliseEmail(std::string_view email);
// Keeps the digits of a phone number and a leading '+'.
std::string NormalisePhone(std::string_view phone);

}  // namespace kefu::crypto
