// Staff roles and desks, as fixed by DESIGN.md §2.
#pragma once

#include <optional>
#include <string_view>

namespace kefu::domain {

enum class Role { admin, supervisor, agent, auditor, kb_editor };
enum class Desk { L1, L2, L3, security, complaints };

std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view name);
std::string_view DeskName(Desk d);
std::optional<Desk> ParseDesk(std::string_view name);

// Whether staff of this role may take and answer conversations.
bool CanHandleConversations(Role r);

// Knowledge base: kb_editor and admin write (create, edit, publish, unpublish); supervisors may
// also read drafts and history. Everyone, customers included, may search published articles.
bool CanEditKb(Role r);
bool CanReadKbDrafts(Role r);

// The audit log (GET /api/v1/audit): auditors and admins only.
bool CanReadAudit(Role r);

}  // namespace kefu::domain
