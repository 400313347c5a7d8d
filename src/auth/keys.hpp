// The master key of a kefu installation and the subkeys derived from it.
//
// One 32-byte master key lives in a key file (hex, mode 0600). With no key file configured it
// sits beside the database (`<db>.key`); the first command that needs it creates it and says
// where. Subkeys for separate purposes (token signing, later encryption at rest) are derived
// with a KDF so that one leaked subkey does not expose the others.
#pragma once

#include <array>
#include <string>

#include "core/result.hpp"

namespace kefu::auth {

using Key = std::array<unsigned char, 32>;

struct MasterKey {
  Key key{};
  std::string path;   // where it was read from or written to
  bool created = false;  // true when this call created the file
};

// Reads the key file at `path`, or creates it (0600, parent directories as needed) when it does
// not exist. A file with bad permissions (readable by group/others) or bad contents is an error.
Result<MasterKey> LoadOrCreateMasterKey(const std::string& path);

// The key file path used when none is configured: the database path plus ".key".
std::string DefaultKeyPath(const std::string& db_path);

// Derives the subkey for `purpose` (exactly 8 characters, e.g. "tokens01").
Key DeriveKey(const Key& master, const char (&purpose)[9], unsigned long long subkey_id = 1);

// Must be called once before any other function here (initialises libsodium). Thread-safe.
void InitCrypto();

// Fills `out` with cryptographically secure random bytes.
void RandomBytes(void* out, size_t size);

// Overwrites a secret held in a string with zeros (not optimised away), then clears it.
void Wipe(std::string& secret);

}  // namespace kefu::auth
