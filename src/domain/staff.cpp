#include "domain/staff.hpp"

#include <array>

namespace kefu::domain {
namespace {
constexpr std::array<std::string_view, 5> kRoles = {"admin", "supervisor", "agent", "auditor",
                                                    "kb_editor"};
constexpr std::array<std::string_view, 5> kDesks = {"L1", "L2", "L3", "security", "complaints"};
}  // namespace

std::string_view RoleName(Role r) { return kRoles[static_cast<size_t>(r)]; }

std::optional<Role> ParseRole(std::string_view name) {
  for (size_t i = 0; i < kRoles.size(); ++i)
    if (kRoles[i] == name) return static_cast<Role>(i);
  return std::nullopt;
}

std::string_view DeskName(Desk d) { return kDesks[static_cast<size_t>(d)]; }

std::optional<Desk> ParseDesk(std::string_view name) {
  for (size_t i = 0; i < kDesks.size(); ++i)
    if (kDesks[i] == name) return static_cast<Desk>(i);
  return std::nullopt;
}

bool CanHandleConversations(Role r) {
  return r == Role::agent || r == Role::supervisor || r == Role::admin;
}

bool CanEditKb(Role r) { return r == Role::kb_editor || r == Role::admin; }

bool CanReadKbDrafts(Role r) { return CanEditKb(r) || r == Role::supervisor; }

bool CanReadAudit(Role r) { return r == Role::auditor || r == Role::admin; }

bool MaySeeCase(Role role, std::optional<Desk> desk, std::int64_t staff_id, std::optional<Desk> case_desk,
                std::int64_t assignee) {
  if (role == Role::supervisor || role == Role::admin) return true;
  if (role != Role::agent) return false;
  if (assignee != 0 && assignee == staff_id) return true;
  if (!case_desk) return true;
  return desk && *desk == *case_desk;
}

}  // namespace kefu::domain
