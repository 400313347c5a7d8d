// The bot's handoff policy: after the NLU has understood a customer message, decide whether the
// bot keeps the conversation or a human takes over, which desk gets it, and why.
//
// Invariants:
//  * Decide is a pure function of its arguments: no I/O, no clock, no randomness, no global
//    mutable state. Its only effect is the update of the caller's Memory. The keyword tables are
//    immutable and built once (thread-safe static initialisation), so any number of threads may
//    call Decide concurrently, each with its own Memory.
//  * Every Decision carries a `reason` from the closed set in `reasons` below and a `route` that
//    agrees with `handoff` (route bot ⇔ handoff false).
//  * Precedence, strongest first (see README.md for the why):
//      security > complaints > anger > explicit human request > L2 / L3 cues > FAQ answer
//    Anger and explicit requests go to L1 unless the message also carries an L2/L3 cue, in which
//    case they go to that tier (the reason stays anger / explicit_human_request).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kefu::bot::policy {

// Where the conversation goes next. The names are the `route` values of DESIGN.md §2.
enum class Route { bot, L1, L2, L3, security, complaints };

// "bot", "L1", "L2", "L3", "security" or "complaints".
std::string_view RouteName(Route route);

// The inverse of RouteName (exact spelling); nullopt for anything else.
std::optional<Route> ParseRoute(std::string_view name);

// The stable machine codes of Decision::reason. Callers compare against these; they are part of
// the external contract (`kefu bot ask` prints them) and are never renamed.
namespace reasons {
inline constexpr std::string_view kSecurityRisk = "security_risk";  // stolen / hacked / lost
inline constexpr std::string_view kComplaint = "complaint";  // complaint, dispute, compensation
inline constexpr std::string_view kAnger = "anger";          // anger or distress
inline constexpr std::string_view kExplicitHuman = "explicit_human_request";
inline constexpr std::string_view kNeedsAccountLookup = "needs_account_lookup";  // L2
inline constexpr std::string_view kTechnicalIssue = "technical_issue";           // L3
inline constexpr std::string_view kOutOfScopeRepeated = "out_of_scope_repeated";
inline constexpr std::string_view kLowConfidenceRepeated = "low_confidence_repeated";
inline constexpr std::string_view kAnswered = "answered";             // the bot answers the FAQ
inline constexpr std::string_view kOutOfScope = "out_of_scope";       // first miss: ask to rephrase
inline constexpr std::string_view kLowConfidence = "low_confidence";  // first miss: suggest

// Every code above, for validation (tests, config, analytics).
std::span<const std::string_view> All();
}  // namespace reasons

// Queue priorities (higher is served first). A Decision's priority is the highest of every rule
// that fired on the message, so a stolen-funds report that is also angry still ranks as security.
inline constexpr int kPrioritySecurity = 100;
inline constexpr int kPriorityComplaint = 80;
inline constexpr int kPriorityAnger = 60;
inline constexpr int kPriorityTier = 40;  // L2 / L3 cues
inline constexpr int kPriorityExplicitHuman = 30;
inline constexpr int kPriorityRepeatedMiss = 20;
inline constexpr int kPriorityNone = 0;  // the bot keeps the conversation

// One customer message as the NLU understood it. Views only: the caller keeps the strings alive
// for the duration of the call.
struct Turn {
  // The message ALREADY NORMALISED by nlu::Normalise (lower-case, NFKC, traditional → simplified,
  // full-width folded, apostrophes inside words dropped, punctuation spaced). The policy folds
  // ASCII case, Latin accents, full-width ASCII and punctuation once more, so raw-ish text is
  // tolerated, but it does NOT convert traditional characters. Clause punctuation (, . ! ? ; …
  // and their CJK forms), when it survives normalisation, stops negation from reaching across
  // clauses ("no, me hackearon").
  std::string_view text;
  // The detected language, "zh", "en" or "es". Informational: the keyword tables of all three
  // languages are always consulted, because customers mix them ("提现一直pending", "me hackearon
  // la wallet", a zh user typing "scam").
  std::string_view lang;
  // The knowledge-base entry the NLU picked; empty when it rejected the message as out of scope.
  std::string_view faq_id;
  // Calibrated probability (0..1) that `faq_id` answers the message.
  double confidence = 0.0;
  // The `category` of that entry (account, kyc, bank_card, withdrawal, wallet, security,
  // complaint, …; see data/demo/README.md); compared ASCII-case-insensitively. Empty when
  // `faq_id` is empty.
  std::string_view category;
};

// What the policy remembers of one conversation between messages. Value type; start with {} for
// a new conversation and keep it with the conversation while the bot holds it.
struct Memory {
  // Messages in a row the bot could not answer (out of scope or low confidence). Reset by an
  // answer and by any handoff.
  int consecutive_misses = 0;
};

// Tuning. The defaults are what the tests and the evaluation use.
struct Options {
  // A match at or above this confidence is answered; below it (but with a faq_id) the bot offers
  // it as a suggestion ("did you mean …?") and counts a miss. The default, 0, trusts the NLU's
  // own rejection (faq_id empty below the model's threshold) and has no suggestion band; raise
  // it above the model's threshold to open one. The value depends on the model's calibration
  // (nlu::Model::threshold()), so it belongs to the wiring, not to this module.
  double answer_threshold = 0.0;
  // Misses in a row that hand the conversation to L1 (the issue fixes two).
  int misses_before_handoff = 2;
};

// The policy's verdict on one message.
struct Decision {
  bool handoff = false;  // a human takes over
  Route route = Route::bot;
  std::string reason;            // one of `reasons`
  int priority = kPriorityNone;  // see the kPriority constants
  bool apologise = false;        // open the reply with an apology (upset or harmed customer, or the
                                 // bot failed twice): security, complaint, anger, *_repeated
  // What decided, for the agent's console and the logs: the keyword-table phrase that matched
  // (as written in the table, e.g. "被盗", "talk to someone"), "category:<c>" when the matched
  // entry's category decided, or empty for a plain answer or miss.
  std::string evidence;
};

// Decides what happens to `turn` and updates `memory` (misses counted, reset on answer or
// handoff). Deterministic; see the invariants at the top of this header.
Decision Decide(const Turn& turn, Memory& memory, const Options& options = {});

}  // namespace kefu::bot::policy
