// Staff roles and desks, as fixed by DESIGN.md §2.
#pragma once

#include <cstdint>
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

// Desk scope (docs/adr/0019): whether a staff member (`role`, `desk`, `staff_id`) may read a
// conversation or ticket that is queued at or owned by `case_desk` (nullopt: no desk yet, e.g.
// still with the bot) and assigned to `assignee` (0: nobody). Supervisors and admins: every
// case. Agents: the ones assigned to them, their desk's, and those without a desk — but a
// security-desk case only when they are of the security desk or it is assigned to them. Other
// roles (auditor, kb_editor): none. "Handled it before" is checked by the caller, which has the
// history (never for security-desk cases).
bool MaySeeCase(Role role, std::optional<Desk> desk, std::int64_t staff_id, std::optional<Desk> case_desk,
                std::int64_t assignee);

}  // namespace kefu::domain
