// Keeps docs/openapi.yaml in step with the code: every route the server answers must be
// described there, every path described there must exist, and each operation's access rule
// (x-kefu-access, x-kefu-scope; docs/adr/0019) must be the route table's.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

#include "http/api.hpp"
#include "http/server.hpp"

namespace kefu::http {
namespace {

struct SpecOp {
  std::string access;  // as written after "x-kefu-access: ", brackets removed; empty: none
  std::string scope;   // as written after "x-kefu-scope: "; empty: none
};

// Reads "paths:" of an OpenAPI document: "  /path:" lines, their "    get:" children and the
// children's "      x-kefu-access:" and "      x-kefu-scope:" lines.
std::map<std::string, SpecOp> SpecRoutes(const std::string& file) {
  std::ifstream in(file);
  std::map<std::string, SpecOp> out;
  std::string line, path;
  SpecOp* op = nullptr;
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
      op = nullptr;
      continue;
    }
    if (line.rfind("    ", 0) == 0 && line.size() > 4 && line[4] != ' ') op = nullptr;  // next key of the path
    for (const char* m : {"get", "post", "put", "patch", "delete"}) {
      if (line == std::string("    ") + m + ":") {
        std::string upper = m;
        for (char& c : upper) c = static_cast<char>(std::toupper(c));
        op = &out[upper + " " + path];
      }
    }
    if (!op) continue;
    for (auto [key, field] : {std::pair{"      x-kefu-access: ", &SpecOp::access}, std::pair{"      x-kefu-scope: ", &SpecOp::scope}}) {
      const std::string prefix = key;
      if (line.rfind(prefix, 0) != 0) continue;
      std::string v = line.substr(prefix.size());
      if (v.size() >= 2 && v.front() == '[' && v.back() == ']') v = v.substr(1, v.size() - 2);
      (*op).*field = v;
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
  for (const auto& [r, op] : spec) EXPECT_TRUE(code.contains(r)) << r << " is in docs/openapi.yaml but not served";
}

TEST(OpenApi, EveryOperationHasTheAccessRuleOfItsRoute) {
  const auto spec = SpecRoutes(std::string(KEFU_SOURCE_DIR) + "/docs/openapi.yaml");
  for (const auto& [r, op] : spec) {
    EXPECT_FALSE(op.access.empty()) << r << " has no x-kefu-access in docs/openapi.yaml";
    EXPECT_FALSE(op.scope.empty()) << r << " has no x-kefu-scope in docs/openapi.yaml";
  }
  for (const auto& r : Routes()) {
    const std::string key = r.method + " " + r.path;
    ASSERT_FALSE(r.access.empty()) << key << " has no access rule";
    auto it = spec.find(key);
    if (it == spec.end()) continue;  // reported by the test above
    EXPECT_EQ(it->second.access, r.access) << key << ": x-kefu-access differs from the route table";
    EXPECT_EQ(it->second.scope, r.scope) << key << ": x-kefu-scope differs from the route table";
  }
}

// A route table entry without a rule does not compile: neither a handler nor nullptr becomes a
// rule, and a rule is not an aggregate that a handler could brace-initialise.
static_assert(!std::is_convertible_v<Handler, Access>);
static_assert(!std::is_convertible_v<std::nullptr_t, Access>);
static_assert(!std::is_constructible_v<Access, Handler>);
static_assert(!std::is_aggregate_v<Access>);

// A rule admits exactly the callers it names: the public ones need no token, and no route
// admits nobody.
TEST(Access, RulesAreWellFormed) {
  EXPECT_EQ(Access::Public().Describe(), "public");
  EXPECT_EQ(Access::Staff(kAgent | kAdmin).Describe(), "agent, admin");
  EXPECT_EQ(Access::CustomerOr(kHandlers, Scope::conversation).Describe(), "customer, agent, supervisor, admin");
  EXPECT_EQ(Access::Customer(Scope::conversation).Describe(), "customer");
  EXPECT_TRUE(Access::Staff(kAuditor | kAdmin).Allows(domain::Role::auditor));
  EXPECT_FALSE(Access::Staff(kAuditor | kAdmin).Allows(domain::Role::agent));
  for (const auto& r : Routes()) EXPECT_NE(r.access, "") << r.method << " " << r.path;
}

}  // namespace
}  // namespace kefu::http
