#include "auth/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.hpp"

namespace kefu::auth {

void InitCrypto() {
  static const int rc = sodium_init();
  if (rc < 0) std::abort();  // no usable randomness: nothing safe can run
}

void RandomBytes(void* out, size_t size) {
  InitCrypto();
  randombytes_buf(out, size);
}

void Wipe(std::string& secret) {
  if (!secret.empty()) sodium_memzero(secret.data(), secret.size());
  secret.clear();
}

std::string DefaultKeyPath(const std::string& db_path) { return db_path + ".key"; }

Key DeriveKey(const Key& master, const char (&purpose)[9], unsigned long long subkey_id) {
  InitCrypto();
  Key out{};
  crypto_kdf_derive_from_key(out.data(), out.size(), subkey_id, purpose, master.data());
  return out;
}

Result<MasterKey> LoadOrCreateMasterKey(const std::string& path) {
  InitCrypto();
  MasterKey mk;
  mk.path = path;
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0)
      return MakeError(Code::invalid, "key file " + path +
                                          " is readable by others; run: chmod 600 " + path);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string hex(Trim(ss.str()));
    size_t bin_len = 0;
    if (hex.size() != 64 || sodium_hex2bin(mk.key.data(), mk.key.size(), hex.data(), hex.size(),
                                           nullptr, &bin_len, nullptr) != 0 ||
        bin_len != 32)
      return MakeError(Code::invalid, "key file " + path + " must hold 64 hex characters");
    return mk;
  }
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  randombytes_buf(mk.key.data(), mk.key.size());
  std::string hex = HexEncode(std::string_view(reinterpret_cast<const char*>(mk.key.data()), 32)) + "\n";
  // O_EXCL: two commands starting at once must not both write different keys.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return LoadOrCreateMasterKey(path);
    return MakeError(Code::internal, "cannot create key file " + path + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(hex.data(), hex.size());
  if (!ok) return MakeError(Code::internal, "cannot write key file " + path);
  mk.created = true;
  return mk;
}

}  // namespace kefu::auth
