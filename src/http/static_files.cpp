#include "http/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/log.hpp"

namespace kefu::http {
namespace fs = std::filesystem;

namespace {

std::string ContentType(const fs::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

constexpr const char* kNotBuilt =
    "<!doctype html><meta charset=utf-8><title>kefu</title>"
    "<p>kefu is running, but the web UI is not built. Run <code>make build</code> "
    "(or <code>npm --prefix web run build</code>) and restart.</p>";

}  // namespace

void StaticFiles::Load(const std::string& root) {
  files_.clear();
  std::error_code ec;
  if (fs::is_directory(root, ec)) {
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::ifstream in(it->path(), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string rel = "/" + fs::relative(it->path(), root).generic_string();
      StaticFile f{ContentType(it->path()), ss.str(), rel.starts_with("/assets/")};
      files_.emplace(std::move(rel), std::move(f));
    }
  }
  if (!files_.contains("/index.html")) {
    log::Warn("web.not_built", {{"web_root", root}});
    files_["/index.html"] = StaticFile{"text/html; charset=utf-8", kNotBuilt, false};
    files_["/console/index.html"] = files_["/index.html"];
  }
}

const StaticFile* StaticFiles::Find(std::string_view path) const {
  if (path.find("..") != std::string_view::npos) return nullptr;
  std::string key(path);
  if (key.empty() || key == "/") key = "/index.html";
  auto it = files_.find(key);
  if (it == files_.end()) {
    if (key.back() != '/') key += '/';
    it = files_.find(key + "index.html");
  }
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace kefu::http
