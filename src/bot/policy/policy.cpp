#include "bot/policy/policy.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "bot/policy/internal/scan.hpp"

namespace kefu::bot::policy {
namespace {

constexpr std::array<std::string_view, 11> kAllReasons = {
    reasons::kSecurityRisk,
    reasons::kComplaint,
    reasons::kAnger,
    reasons::kExplicitHuman,
    reasons::kNeedsAccountLookup,
    reasons::kTechnicalIssue,
    reasons::kOutOfScopeRepeated,
    reasons::kLowConfidenceRepeated,
    reasons::kAnswered,
    reasons::kOutOfScope,
    reasons::kLowConfidence,
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

bool CategoryIs(const Turn& turn, std::string_view category) {
  return !turn.faq_id.empty() && EqualsIgnoreCase(turn.category, category);
}

std::string CategoryEvidence(std::string_view category) {
  std::string e = "category:";
  e.append(category);
  return e;
}

Decision Handoff(Route route, std::string_view reason, std::string evidence) {
  Decision d;
  d.handoff = true;
  d.route = route;
  d.reason = std::string(reason);
  d.evidence = std::move(evidence);
  return d;
}

}  // namespace

std::string_view RouteName(Route route) {
  switch (route) {
    case Route::bot:
      return "bot";
    case Route::L1:
      return "L1";
    case Route::L2:
      return "L2";
    case Route::L3:
      return "L3";
    case Route::security:
      return "security";
    case Route::complaints:
      return "complaints";
  }
  return "bot";
}

std::optional<Route> ParseRoute(std::string_view name) {
  for (Route r :
       {Route::bot, Route::L1, Route::L2, Route::L3, Route::security, Route::complaints}) {
    if (RouteName(r) == name) return r;
  }
  return std::nullopt;
}

std::span<const std::string_view> reasons::All() { return kAllReasons; }

Decision Decide(const Turn& turn, Memory& memory, const Options& options) {
  const internal::Signals s = internal::Scan(turn.text);
  const bool matched = !turn.faq_id.empty();
  const bool confident = matched && turn.confidence >= options.answer_threshold;

  // A confident match on a security or complaint entry routes like its keywords would, unless
  // the customer denied the very thing ("I was not hacked, …") and the model matched anyway.
  const bool security_by_category =
      confident && CategoryIs(turn, "security") && !(s.security.negated && !s.security);
  const bool complaint_by_category =
      confident && CategoryIs(turn, "complaint") && !(s.complaint.negated && !s.complaint);

  // L2: a KYC / bank-card / withdrawal failure that only a look at the account can explain.
  const bool account_domain = s.account_domain || CategoryIs(turn, "kyc") ||
                              CategoryIs(turn, "bank_card") || CategoryIs(turn, "withdrawal");
  const bool needs_lookup =
      account_domain && (s.error_code || (s.failure && (s.money || s.persistence)));
  // L3: the app or the chain is broken, or an on-chain transaction is stuck. The chain context
  // must be in the text: a wrong wallet-category guess must not turn "提现一直pending" into L3.
  const bool technical = s.technical || s.error_code || (s.stuck && s.chain);

  std::optional<Route> tier;
  std::string tier_evidence;
  if (needs_lookup) {
    tier = Route::L2;
    tier_evidence = std::string(s.error_code ? s.error_code.cue
                                : s.money    ? s.money.cue
                                             : s.persistence.cue);
  } else if (technical) {
    tier = Route::L3;
    tier_evidence = std::string(s.technical    ? s.technical.cue
                                : s.error_code ? s.error_code.cue
                                               : s.stuck.cue);
  }

  Decision d;
  if (s.security || security_by_category) {
    d = Handoff(Route::security, reasons::kSecurityRisk,
                s.security ? std::string(s.security.cue) : CategoryEvidence(turn.category));
  } else if (s.complaint || complaint_by_category) {
    d = Handoff(Route::complaints, reasons::kComplaint,
                s.complaint ? std::string(s.complaint.cue) : CategoryEvidence(turn.category));
  } else if (s.anger) {
    d = Handoff(tier.value_or(Route::L1), reasons::kAnger, std::string(s.anger.cue));
  } else if (s.human) {
    d = Handoff(tier.value_or(Route::L1), reasons::kExplicitHuman, std::string(s.human.cue));
  } else if (tier == Route::L2) {
    d = Handoff(Route::L2, reasons::kNeedsAccountLookup, tier_evidence);
  } else if (tier == Route::L3) {
    d = Handoff(Route::L3, reasons::kTechnicalIssue, tier_evidence);
  } else if (confident) {
    d.reason = std::string(reasons::kAnswered);
    memory.consecutive_misses = 0;
    return d;
  } else {
    // A miss: out of scope, or a match too weak to answer (offered as a suggestion).
    ++memory.consecutive_misses;
    if (memory.consecutive_misses >= std::max(1, options.misses_before_handoff)) {
      d = Handoff(Route::L1,
                  matched ? reasons::kLowConfidenceRepeated : reasons::kOutOfScopeRepeated, {});
    } else {
      d.reason = std::string(matched ? reasons::kLowConfidence : reasons::kOutOfScope);
      return d;
    }
  }

  // Every handoff ends the bot's turn-taking: the next conversation starts afresh.
  memory.consecutive_misses = 0;
  int priority = kPriorityRepeatedMiss;
  if (s.human) priority = std::max(priority, kPriorityExplicitHuman);
  if (tier) priority = std::max(priority, kPriorityTier);
  if (s.anger) priority = std::max(priority, kPriorityAnger);
  if (s.complaint || complaint_by_category) priority = std::max(priority, kPriorityComplaint);
  if (s.security || security_by_category) priority = kPrioritySecurity;
  d.priority = priority;
  d.apologise = d.route == Route::security || d.route == Route::complaints || s.anger ||
                d.reason == reasons::kOutOfScopeRepeated ||
                d.reason == reasons::kLowConfidenceRepeated;
  return d;
}

}  // namespace kefu::bot::policy
