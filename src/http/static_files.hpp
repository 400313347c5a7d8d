// The web UI's built files (web/dist), read once at start and served from memory.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>

namespace kefu::http {

struct StaticFile {
  std::string content_type;
  std::string body;
  bool immutable = false;  // hashed asset names can be cached for a year
};

class StaticFiles {
 public:
  // Loads every file under `root` (small: a built Vite app). A missing root leaves a page that
  // says how to build the UI, so the API still works without it.
  void Load(const std::string& root);

  // The file for a request path: "/" → index.html, "/console" → console/index.html,
  // "/assets/x.js" → assets/x.js. Null when there is none.
  const StaticFile* Find(std::string_view path) const;

  size_t size() const { return files_.size(); }

 private:
  std::unordered_map<std::string, StaticFile> files_;
};

}  // namespace kefu::http
