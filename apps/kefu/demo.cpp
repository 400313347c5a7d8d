// Demo data for `make run`: one staff member for every role and desk, and SLA policies a wallet
// desk would start from (only into an installation that has none).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "apps/kefu/cli.hpp"
#include "auth/password.hpp"

namespace kefu::cli {
namespace {

struct DemoStaff {
  const char* email;
  const char* name;
  domain::Role role;
  std::optional<domain::Desk> desk;
};

const DemoStaff kDemoStaff[] = {
    {"admin@demo.kefu", "管理员 Admin", domain::Role::admin, std::nullopt},
    {"supervisor@demo.kefu", "主管 王敏", domain::Role::supervisor, domain::Desk::L1},
    {"l1@demo.kefu", "客服 小李", domain::Role::agent, domain::Desk::L1},
    {"l2@demo.kefu", "专员 陈静", domain::Role::agent, domain::Desk::L2},
    {"l3@demo.kefu", "技术 赵强", domain::Role::agent, domain::Desk::L3},
    {"security@demo.kefu", "安全 孙磊", domain::Role::agent, domain::Desk::security},
    {"complaints@demo.kefu", "投诉 周芳", domain::Role::agent, domain::Desk::complaints},
    {"auditor@demo.kefu", "审计 Auditor", domain::Role::auditor, std::nullopt},
    {"kb@demo.kefu", "知识库 Editor", domain::Role::kb_editor, std::nullopt},
};

constexpr Millis kMinute = 60'000;

// Security cases answered within minutes and escalated, complaints reviewed within a day, the
// rest within business-like targets. Calendar "24x7": `make run` has no configured calendars.
domain::SlaPolicy DemoPolicy(const char* name, std::optional<domain::TicketType> type, std::optional<domain::Desk> desk,
                             Millis first_response, Millis next_response, Millis resolution,
                             std::optional<domain::Desk> escalate_to) {
  domain::SlaPolicy p;
  p.name = name;
  p.type = type;
  p.desk = desk;
  p.first_response_ms = first_response;
  p.next_response_ms = next_response;
  p.resolution_ms = resolution;
  p.escalate_to = escalate_to;
  return p;
}

int SeedSlaPolicies(store::Store& store) {
  auto existing = store.ListSlaPolicies();
  if (!existing.ok() || !existing->empty()) return existing.ok() ? 0 : 1;
  const domain::SlaPolicy policies[] = {
      DemoPolicy("资金安全 Security", std::nullopt, domain::Desk::security, 10 * kMinute, 10 * kMinute,
                 4 * 60 * kMinute, std::nullopt),
      DemoPolicy("投诉 Complaints (24 h review)", domain::TicketType::complaint, std::nullopt, 30 * kMinute,
                 60 * kMinute, 24 * 60 * kMinute, std::nullopt),
      DemoPolicy("事故 Incidents", domain::TicketType::incident, std::nullopt, 60 * kMinute, 30 * kMinute,
                 24 * 60 * kMinute, domain::Desk::L2),
      DemoPolicy("默认 Default", std::nullopt, std::nullopt, 4 * 60 * kMinute, 2 * 60 * kMinute, 72 * 60 * kMinute,
                 std::nullopt),
  };
  for (const auto& policy : policies) {
    auto saved = store::Wait<domain::SlaPolicy>(
        [&](store::Callback<domain::SlaPolicy> done) { store.SaveSlaPolicy(policy, std::move(done)); });
    if (!saved.ok()) {
      std::fprintf(stderr, "kefu: %s\n", saved.error().message.c_str());
      return 1;
    }
  }
  std::printf("Demo SLA policies (first response / next response / resolution): security 10 min / 10 min / 4 h, "
              "complaints 30 min / 1 h / 24 h, incidents 1 h / 30 min / 24 h (escalate to L2), "
              "default 4 h / 2 h / 72 h\n");
  return 0;
}

}  // namespace

int SeedDemo(store::Store& store, const std::string& credentials_file) {
  if (int rc = SeedSlaPolicies(store); rc != 0) return rc;
  std::string created_lines;
  for (const DemoStaff& d : kDemoStaff) {
    if (store.FindStaffByEmail(d.email).ok()) continue;
    std::string password = auth::GeneratePassword(d.email);
    auto hash = auth::HashPassword(password);
    if (!hash.ok()) return 1;
    store::NewStaff s{d.email, d.name, d.role, d.desk, 5, *hash, Clock::System().Now(), {}, {}, {}};
    auto created = store::Wait<store::Staff>(
        [&](store::Callback<store::Staff> done) { store.AddStaff(std::move(s), std::move(done)); });
    if (!created.ok()) {
      std::fprintf(stderr, "kefu: %s\n", created.error().message.c_str());
      return 1;
    }
    char line[256];
    std::snprintf(line, sizeof line, "  %-22s %-18s %-10s %-11s %s\n", d.email, password.c_str(),
                  std::string(domain::RoleName(d.role)).c_str(),
                  d.desk ? std::string(domain::DeskName(*d.desk)).c_str() : "-", d.name);
    created_lines += line;
  }
  if (created_lines.empty()) {
    std::printf("Demo staff already exist; their passwords were printed when they were created and saved in %s\n",
                credentials_file.c_str());
    return 0;
  }
  std::string text = "Demo staff (passwords shown once; also saved, mode 0600, in " + credentials_file + "):\n" +
                     "  email                  password           role       desk        name\n" + created_lines;
  std::fputs(text.c_str(), stdout);
  int fd = ::open(credentials_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd >= 0) {
    if (::write(fd, text.data(), text.size()) < 0) std::perror("kefu: credentials file");
    ::close(fd);
  }
  return 0;
}

}  // namespace kefu::cli
