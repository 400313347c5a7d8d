// The master key of a kefu installation and the subkeys derived from it.
//
// One 32-byte master key lives in a key file (hex, mode 0600). With no key file configured it
// sits beside the database (`<db>.key`); the first command that needs it creates it and says
// where. Subkeys for separate purposes (token signing, audit chain, …) are derived with a KDF so
// that one leaked subkey does not expose the others.
//
// The same file holds the data-encryption keys of encryption at rest (docs/adr/0013). Its first
// line is the master key (a file of that one line, as every earlier kefu wrote, keeps working);
// `kefu keys rotate` appends the keys it makes and `kefu keys retire` marks old ones:
//
//   <64 hex: master key>
//   data-key 2 <64 hex>
//   retired 1
//
// Data key 1 is derived from the master key ("data0001"); the current data key is the highest
// id not retired. Instead of a file the keys can come from the environment: KEFU_MASTER_KEY (64
// hex) and KEFU_DATA_KEYS ("2:<64 hex>,3:<64 hex>"; "retired:1" marks one retired).
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "crypto/field_cipher.hpp"

namespace kefu::auth {

using Key = std::array<unsigned char, 32>;

struct MasterKey {
  Key key{};
  std::string path;   // where it was read from or written to ("" when from the environment)
  bool created = false;  // true when this call created the file
  bool from_environment = false;  // KEFU_MASTER_KEY
  std::vector<std::pair<crypto::KeyId, Key>> data_keys;  // data keys 2, 3, … (key 1 is derived)
  std::vector<crypto::KeyId> retired;                    // ids no longer used (nor loaded)

  // The current data key id: the highest one not retired (1 when none was added).
  crypto::KeyId CurrentDataKey() const;
};

// Reads the key file at `path`, or creates it (0600, parent directories as needed) when it does
// not exist. A file with bad permissions (readable by group/others) or bad contents is an error.
Result<MasterKey> LoadOrCreateMasterKey(const std::string& path);

// KEFU_MASTER_KEY (and KEFU_DATA_KEYS) when set, else LoadOrCreateMasterKey(path).
Result<MasterKey> LoadKeys(const std::string& path);

// Loads every data key that is not retired and the blind-index key into `cipher` and makes the
// current one current. Safe to call again on a live cipher with a re-read key file (a rotation
// while serving): keys are only ever added.
Status ConfigureCipher(const MasterKey& keys, crypto::FieldCipher& cipher);

// Adds a new random data key to the key file at `path` (rewritten atomically, mode 0600) and
// makes it current; answers its id. Code::invalid when the keys come from the environment.
Result<crypto::KeyId> RotateDataKey(const std::string& path);
// Marks data key `id` retired in the key file (it is no longer loaded: values still sealed
// under it would not open, so the caller checks first that none is). The current key cannot
// be retired (Code::conflict).
Status RetireDataKey(const std::string& path, crypto::KeyId id);

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
