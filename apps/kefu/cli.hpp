// Command-line plumbing shared by the subcommands in apps/kefu.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "auth/keys.hpp"
#include "auth/token.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace kefu::cli {

// Parsed "--name value" / "--flag" options and positional arguments.
struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;

  std::optional<std::string> Get(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
  bool Has(const std::string& name) const { return options.contains(name); }
};

// `flags` lists options that take no value.
Result<Args> ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags);

// "--db PATH" → "sqlite:PATH"; returns the path part for key-file placement too.
struct DbUrl {
  std::string url;
  std::string sqlite_path;  // empty for non-SQLite URLs
};
DbUrl NormaliseDb(const std::string& value);

// Opens the store (creating and migrating it) and the master key beside it, telling the user
// on stderr when the key file was created.
// The store seals message bodies and PII under the data keys of the key file (or
// KEFU_MASTER_KEY / KEFU_DATA_KEYS; docs/adr/0013). With `serving`, the store re-reads the key
// file every second and re-seals in the background after a rotation (`kefu keys rotate`).
struct Opened {
  std::unique_ptr<store::Store> store;
  auth::MasterKey key;
  std::shared_ptr<crypto::FieldCipher> cipher;
};
Result<Opened> OpenDatabase(const std::string& db_value, const std::string& key_file, bool serving = false);
// The key file path for a --db value and an optional configured key file.
Result<std::string> KeyFilePath(const std::string& db_value, const std::string& key_file);

// The audit log's key: a subkey of the master key (store/audit.hpp, docs/adr/0008).
store::AuditKey AuditKey(const auth::MasterKey& key);

// Records `config.change` when the server starts with a configuration file or KEFU_*
// variables that differ from the last recorded ones (the file's SHA-256; variables' names,
// their values only hashed). admin.cpp.
Status RecordConfigChange(store::Store& store, const std::string& config_path);
// Records an `export` of `count` items of `what` to `destination` ("-": stdout).
Status RecordExport(store::Store& store, const std::string& what, size_t count, const std::string& destination);

// `kefu backup`, `kefu restore`, `kefu audit verify` (admin.cpp); return the exit status.
int BackupCommand(int argc, char** argv);
int RestoreCommand(int argc, char** argv);
int AuditVerifyCommand(int argc, char** argv);
// `kefu keys status|rotate|reseal|retire` (keys.cpp).
int KeysCommand(int argc, char** argv);

// Seeds demo staff (printing their passwords once) and the demo knowledge base.
int SeedDemo(store::Store& store, const std::string& credentials_file);

}  // namespace kefu::cli
