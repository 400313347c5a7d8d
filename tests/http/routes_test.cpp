// Keeps docs/openapi.yaml in step with the code: every route the server answers must be
// described there, and every path described there must exist.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "http/server.hpp"

namespace kefu::http {
namespace {

// Reads "paths:" of an OpenAPI document: "  /path:" lines and their "    get:" children.
std::set<std::string> SpecRoutes(const std::string& file) {
  std::ifstream in(file);
  std::set<std::string> out;
  std::string line, path;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line.rfind("paths:", 0) == 0) {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (!line.empty() && line[0] != ' ' && line[0] != '#') break;  // next top-level key
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      if (path.size() > 1 && path.front() == '"') path = path.substr(1, path.size() - 2);
      continue;
    }
    for (const char* m : {"get", "post", "put", "patch", "delete"}) {
      if (line == std::string("    ") + m + ":") {
        std::string upper = m;
        for (char& c : upper) c = static_cast<char>(std::toupper(c));
        out.insert(upper + " " + path);
      }
    }
  }
  return out;
}

TEST(OpenApi, DescribesExactlyTheRoutesInCode) {
  const auto spec = SpecRoutes(std::string(KEFU_SOURCE_DIR) + "/docs/openapi.yaml");
  ASSERT_FALSE(spec.empty()) << "docs/openapi.yaml has no paths";
  std::set<std::string> code;
  for (const auto& r : Routes()) code.insert(r.method + " " + r.path);
  for (const auto& r : code) EXPECT_TRUE(spec.contains(r)) << r << " is served but missing from docs/openapi.yaml";
  for (const auto& r : spec) EXPECT_TRUE(code.contains(r)) << r << " is in docs/openapi.yaml but not served";
}

}  // namespace
}  // namespace kefu::http
