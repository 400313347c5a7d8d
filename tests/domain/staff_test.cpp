// Desk scope (docs/adr/0019): which staff see which conversation or ticket.
#include <gtest/gtest.h>

#include "domain/staff.hpp"

namespace kefu::domain {
namespace {

TEST(DeskScope, SupervisorsAndAdminsSeeEveryDesk) {
  for (Role r : {Role::supervisor, Role::admin})
    for (Desk d : {Desk::L1, Desk::L2, Desk::L3, Desk::security, Desk::complaints})
      EXPECT_TRUE(MaySeeCase(r, Desk::L1, 7, d, 0)) << RoleName(r) << " " << DeskName(d);
}

TEST(DeskScope, AgentsSeeTheirDeskTheirOwnAndUndeskedCases) {
  EXPECT_TRUE(MaySeeCase(Role::agent, Desk::L1, 7, Desk::L1, 0));
  EXPECT_TRUE(MaySeeCase(Role::agent, Desk::L1, 7, Desk::L1, 9));   // a colleague's, same desk
  EXPECT_TRUE(MaySeeCase(Role::agent, Desk::L1, 7, std::nullopt, 0));  // still with the bot
  EXPECT_TRUE(MaySeeCase(Role::agent, Desk::L1, 7, Desk::L2, 7));   // assigned to them
  EXPECT_FALSE(MaySeeCase(Role::agent, Desk::L1, 7, Desk::L2, 0));
  EXPECT_FALSE(MaySeeCase(Role::agent, Desk::L1, 7, Desk::L2, 9));
  EXPECT_FALSE(MaySeeCase(Role::agent, std::nullopt, 7, Desk::L1, 0));  // no desk: only their own
}

TEST(DeskScope, SecurityCasesStayWithTheSecurityDesk) {
  EXPECT_TRUE(MaySeeCase(Role::agent, Desk::security, 7, Desk::security, 0));
  EXPECT_FALSE(MaySeeCase(Role::agent, Desk::L1, 7, Desk::security, 0));
  EXPECT_FALSE(MaySeeCase(Role::agent, Desk::complaints, 7, Desk::security, 9));
  EXPECT_TRUE(MaySeeCase(Role::agent, Desk::L1, 7, Desk::security, 7));  // assigned to them by a supervisor
}

TEST(DeskScope, AuditorsAndKbEditorsHaveNoLiveCases) {
  for (Role r : {Role::auditor, Role::kb_editor}) {
    EXPECT_FALSE(MaySeeCase(r, Desk::L1, 7, Desk::L1, 0));
    EXPECT_FALSE(MaySeeCase(r, Desk::L1, 7, std::nullopt, 7));
  }
}

}  // namespace
}  // namespace kefu::domain
