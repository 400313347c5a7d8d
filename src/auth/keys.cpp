#include "auth/keys.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
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

namespace {

bool ParseHexKey(std::string_view hex, Key& out) {
  size_t bin_len = 0;
  return hex.size() == 64 &&
         sodium_hex2bin(out.data(), out.size(), hex.data(), hex.size(), nullptr, &bin_len, nullptr) == 0 &&
         bin_len == 32;
}

std::optional<int> ParseKeyId(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 255) return std::nullopt;
  return v;
}

// The text of a key file: the master key line, then data keys and retirements.
Status ParseKeyText(std::string_view text, const std::string& where, MasterKey& mk) {
  bool have_master = false;
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = Trim(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    const std::string at = where + " line " + std::to_string(line_no);
    if (!have_master) {
      if (!ParseHexKey(line, mk.key)) return MakeError(Code::invalid, at + ": the master key must be 64 hex characters");
      have_master = true;
      continue;
    }
    std::vector<std::string_view> words;
    for (size_t w = 0; w < line.size();) {
      while (w < line.size() && line[w] == ' ') ++w;
      size_t e = line.find(' ', w);
      if (e == std::string_view::npos) e = line.size();
      if (e > w) words.push_back(line.substr(w, e - w));
      w = e;
    }
    if (words.size() == 3 && words[0] == "data-key") {
      auto id = ParseKeyId(words[1]);
      Key k{};
      if (!id || *id == 1 || !ParseHexKey(words[2], k))
        return MakeError(Code::invalid, at + ": expected 'data-key <id 2-255> <64 hex>'");
      for (const auto& [existing, _] : mk.data_keys)
        if (existing == *id) return MakeError(Code::invalid, at + ": data key " + std::string(words[1]) + " twice");
      mk.data_keys.emplace_back(static_cast<crypto::KeyId>(*id), k);
      sodium_memzero(k.data(), k.size());
    } else if (words.size() == 2 && words[0] == "retired") {
      auto id = ParseKeyId(words[1]);
      if (!id) return MakeError(Code::invalid, at + ": expected 'retired <id>'");
      mk.retired.push_back(static_cast<crypto::KeyId>(*id));
    } else {
      return MakeError(Code::invalid, at + ": expected 'data-key <id> <hex>' or 'retired <id>'");
    }
  }
  if (!have_master) return MakeError(Code::invalid, where + " must hold the 64-hex master key");
  return Ok();
}

std::string FormatKeyText(const MasterKey& mk) {
  auto hex = [](const Key& k) { return HexEncode(std::string_view(reinterpret_cast<const char*>(k.data()), k.size())); };
  std::string out = hex(mk.key) + "\n";
  for (const auto& [id, k] : mk.data_keys) out += "data-key " + std::to_string(id) + " " + hex(k) + "\n";
  for (crypto::KeyId id : mk.retired) out += "retired " + std::to_string(id) + "\n";
  return out;
}

Status WriteFileAtomically(const std::string& path, std::string& text) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(Code::internal, "cannot create " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  sodium_memzero(text.data(), text.size());
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return MakeError(Code::internal, "cannot write key file " + path);
  }
  auto parent = std::filesystem::path(path).parent_path();
  int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  return Ok();
}

}  // namespace

crypto::KeyId MasterKey::CurrentDataKey() const {
  crypto::KeyId best = 0;
  auto retired_id = [this](crypto::KeyId id) {
    return std::find(retired.begin(), retired.end(), id) != retired.end();
  };
  if (!retired_id(1)) best = 1;
  for (const auto& [id, _] : data_keys)
    if (!retired_id(id) && id > best) best = id;
  return best;
}

Result<MasterKey> LoadKeys(const std::string& path) {
  const char* env = std::getenv("KEFU_MASTER_KEY");
  if (!env || !*env) return LoadOrCreateMasterKey(path);
  InitCrypto();
  MasterKey mk;
  mk.from_environment = true;
  std::string text = std::string(Trim(env)) + "\n";
  if (const char* data = std::getenv("KEFU_DATA_KEYS")) {
    // "2:<hex>,retired:1" → the key file's own lines.
    std::string_view rest(data);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view item = Trim(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      size_t colon = item.find(':');
      if (colon == std::string_view::npos) return MakeError(Code::invalid, "KEFU_DATA_KEYS: expected 'ID:HEX' items");
      std::string id(item.substr(0, colon));
      if (id == "retired") {
        text += "retired " + std::string(item.substr(colon + 1)) + "\n";
      } else {
        text += "data-key " + id + " " + std::string(item.substr(colon + 1)) + "\n";
      }
    }
  }
  Status st = ParseKeyText(text, "KEFU_MASTER_KEY/KEFU_DATA_KEYS", mk);
  sodium_memzero(text.data(), text.size());
  if (!st.ok()) return std::move(st).error();
  return mk;
}

Status ConfigureCipher(const MasterKey& keys, crypto::FieldCipher& cipher) {
  auto retired = [&keys](crypto::KeyId id) {
    return std::find(keys.retired.begin(), keys.retired.end(), id) != keys.retired.end();
  };
  if (!retired(1)) {
    Key k = DeriveKey(keys.key, "data0001");
    Status st = cipher.AddKey(1, k);
    sodium_memzero(k.data(), k.size());
    KEFU_TRY(st);
  }
  for (const auto& [id, k] : keys.data_keys)
    if (!retired(id)) KEFU_TRY(cipher.AddKey(id, k));
  Key blind = DeriveKey(keys.key, "blind001");
  cipher.SetBlindKey(blind);
  sodium_memzero(blind.data(), blind.size());
  const crypto::KeyId current = keys.CurrentDataKey();
  if (current == 0) return MakeError(Code::invalid, "every data key is retired; run: kefu keys rotate");
  return cipher.SetCurrent(current);
}

Result<crypto::KeyId> RotateDataKey(const std::string& path) {
  if (const char* env = std::getenv("KEFU_MASTER_KEY"); env && *env)
    return MakeError(Code::invalid, "the keys come from KEFU_MASTER_KEY: add a new key to KEFU_DATA_KEYS "
                                    "(\"N:<64 hex>\", N above every id in use) and restart");
  KEFU_ASSIGN(mk, LoadOrCreateMasterKey(path));
  int next = 2;
  for (const auto& [id, _] : mk.data_keys) next = std::max(next, id + 1);
  for (crypto::KeyId id : mk.retired) next = std::max(next, id + 1);
  if (next > 255) return MakeError(Code::invalid, "no data key ids left (255 used)");
  Key k{};
  RandomBytes(k.data(), k.size());
  mk.data_keys.emplace_back(static_cast<crypto::KeyId>(next), k);
  sodium_memzero(k.data(), k.size());
  std::string text = FormatKeyText(mk);
  KEFU_TRY(WriteFileAtomically(path, text));
  return static_cast<crypto::KeyId>(next);
}

Status RetireDataKey(const std::string& path, crypto::KeyId id) {
  if (const char* env = std::getenv("KEFU_MASTER_KEY"); env && *env)
    return MakeError(Code::invalid, "the keys come from KEFU_MASTER_KEY: add 'retired:N' to KEFU_DATA_KEYS");
  KEFU_ASSIGN(mk, LoadOrCreateMasterKey(path));
  if (std::find(mk.retired.begin(), mk.retired.end(), id) != mk.retired.end()) return Ok();
  bool known = id == 1;
  for (const auto& [existing, _] : mk.data_keys) known = known || existing == id;
  if (!known) return MakeError(Code::not_found, "no data key " + std::to_string(id) + " in " + path);
  if (mk.CurrentDataKey() == id) return MakeError(Code::conflict, "data key " + std::to_string(id) + " is the current one; rotate first");
  mk.retired.push_back(id);
  std::string text = FormatKeyText(mk);
  return WriteFileAtomically(path, text);
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
    std::string text = ss.str();
    Status parsed = ParseKeyText(text, "key file " + path, mk);
    sodium_memzero(text.data(), text.size());
    if (!parsed.ok()) return std::move(parsed).error();
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
