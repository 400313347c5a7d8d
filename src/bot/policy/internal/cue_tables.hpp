// Keyword tables of the handoff policy (data only; the matching lives in scan.cpp).
//
// Phrases are written as customers type them after nlu::Normalise: lower case, simplified
// Chinese, accents optional (they are folded away before matching, so "reclamación" also matches
// "reclamacion"). How a phrase matches depends on its script:
//  * a phrase with any non-ASCII character (Chinese) matches as a substring;
//  * an ASCII phrase (English, Spanish) matches whole words: "agent" does not match "agente";
//    a trailing '*' makes it a prefix ("hack*" matches hack, hacked, hackearon, hackers).
// Private to the policy module.
#pragma once

#include <span>
#include <string_view>

namespace kefu::bot::policy::internal {

struct Cue {
  std::string_view phrase;
  // Counts only when the message is little more than the phrase (at most one more word or two
  // more Chinese characters): a bare "agent" or "客服呢" is a request for a human, "the agent
  // asked for my code" is not.
  bool short_only = false;
};

struct CueTable {
  std::string_view name;
  std::span<const Cue> cues;
  // Longer phrases that void any cue occurrence lying inside them ("人工智能" for "人工",
  // "垃圾币" for "垃圾").
  std::span<const std::string_view> exceptions = {};
  // Cues that count only when none of `suppressors` occurs anywhere in the message ("币没了"
  // is theft, unless the customer also says they sent to a wrong address).
  std::span<const Cue> weak = {};
  std::span<const std::string_view> suppressors = {};
  // When true, an occurrence preceded (in its clause) by a prevention or hypothetical cue does
  // not count ("怎么防止被盗", "what if my account gets hacked", "how to avoid scams").
  bool hypothetical_blocks = false;
};

// Rule tables, one per signal.
const CueTable& SecurityTable();
const CueTable& ComplaintTable();
const CueTable& AngerTable();
const CueTable& HumanTable();
const CueTable& AvailabilityTable();  // voids HumanTable: "客服几点上班" asks about hours
const CueTable& TechnicalTable();     // L3 on its own: crashes, error screens, RPC, nonce
const CueTable& StuckTable();         // L3 together with ChainContextTable
const CueTable& ChainContextTable();
const CueTable& AccountDomainTable();  // L2: KYC, bank card, withdrawal …
const CueTable& FailureTable();        // … that failed …
const CueTable& MoneyTable();          // … with the money deducted / not returned, or
const CueTable& PersistenceTable();    // … again and again.

// Words that introduce an error code when followed by a token with a digit ("error 500",
// "错误码 E1023", "código 403").
std::span<const std::string_view> ErrorCodeLeads();

// Negation. A cue occurrence is negated when a negator precedes it in the same clause, with at
// most a few filler words (Latin) or characters (Chinese) in between: "not hacked", "wasnt
// hacked", "no me hackearon", "不是被盗", "没有被盗", "我不想投诉".
std::span<const std::string_view> LatinNegators();
std::span<const std::string_view> LatinFillers();
std::span<const std::string_view> ChineseNegators();     // longest first
std::span<const std::string_view> ChineseFillers();      // single characters
std::span<const std::string_view> ChineseNonNegators();  // words that merely end in a negator

// Prevention / hypothetical cues (see CueTable::hypothetical_blocks), all languages.
std::span<const std::string_view> HypotheticalCues();

}  // namespace kefu::bot::policy::internal
