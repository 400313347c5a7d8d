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
struct Opened {
  std::unique_ptr<store::Store> store;
  auth::MasterKey key;
};
Result<Opened> OpenDatabase(const std::string& db_value, const std::string& key_file);

// Seeds demo staff (printing their passwords once) and the demo knowledge base.
int SeedDemo(store::Store& store, const std::string& credentials_file);

}  // namespace kefu::cli
