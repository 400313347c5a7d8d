// Small secrets sealed at rest (TOTP secrets now): XChaCha20-Poly1305 (libsodium) under a subkey
// of the master key, with a random nonce per seal and the owner's id as associated data, so a
// sealed value copied to another row does not open.
#pragma once

#include <string>
#include <string_view>

#include "auth/keys.hpp"
#include "core/result.hpp"

namespace kefu::auth {

// Thread-safe after construction (immutable).
class SecretBox {
 public:
  explicit SecretBox(const Key& key) : key_(key) {}

  // nonce ‖ ciphertext ‖ tag, as raw bytes.
  std::string Seal(std::string_view plain, std::string_view associated) const;
  // The plain text; Code::internal when the value was altered, belongs to another owner or was
  // sealed under another key.
  Result<std::string> Open(std::string_view sealed, std::string_view associated) const;

 private:
  Key key_;
};

}  // namespace kefu::auth
