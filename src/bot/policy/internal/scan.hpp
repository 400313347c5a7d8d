// Matching the policy's keyword tables against a customer message. Private to the policy module
// (tests include it to check the matcher on its own).
#pragma once

#include <string>
#include <string_view>

namespace kefu::bot::policy::internal {

// The form every table phrase and every message is matched in: ASCII lower case; Latin-1
// accents folded (á→a, ñ→n, ü→u); full-width ASCII folded; apostrophes inside words dropped
// ("didn't" → "didnt") and a split contraction rejoined ("didn t" → "didnt"); clause
// punctuation (, . ! ? ; : … and the CJK forms) → '|'; other punctuation, symbols and emoji →
// space; runs of separators collapsed (a run containing '|' becomes one '|'), ends trimmed.
// Chinese characters are kept as they are. Idempotent.
std::string FoldForMatching(std::string_view text);

// Size of a folded message in "words": Latin words count 1, Chinese characters ½.
double WordCount(std::string_view folded);

// A table's verdict on one message.
struct Hit {
  bool found = false;    // at least one occurrence counts
  bool negated = false;  // at least one occurrence was voided by negation or a hypothetical
  std::string_view cue;  // the table phrase (as written) of the first occurrence that counts
  explicit operator bool() const { return found; }
};

// Every signal the policy reads from a message.
struct Signals {
  Hit security;
  Hit complaint;
  Hit anger;
  Hit human;         // already voided when `availability` fired
  Hit availability;  // opening-hours words
  Hit technical;     // L3 on its own
  Hit stuck;         // L3 with chain context
  Hit chain;
  Hit account_domain;  // L2: domain ∧ (error code ∨ failure ∧ (money ∨ persistence))
  Hit failure;
  Hit money;
  Hit persistence;
  Hit error_code;  // "error 500", "错误码 E1023": a lead word, then a token of ≥ 3
                   // characters with a digit
};

// Scans `text` (normalised or raw; it is folded first) against every table.
Signals Scan(std::string_view text);

}  // namespace kefu::bot::policy::internal
