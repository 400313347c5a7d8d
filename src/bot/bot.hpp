// The bot: one call that takes a customer's message and decides what happens to it, by putting
// together the secret guard (guard/), language understanding (nlu/) and the handoff policy
// (policy/), with answers from the knowledge base.
//
// The output is DESIGN.md §2's `kefu bot ask` object. Immutable after Load: Ask is thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bot/nlu/nlu.hpp"
#include "bot/policy/policy.hpp"
#include "core/result.hpp"
#include "store/store.hpp"

namespace kefu::bot {

struct BotAnswer {
  std::string faq_id;  // empty: null (out of scope)
  double confidence = 0.0;
  bool handoff = false;
  std::string route = "bot";  // bot, L1, L2, L3, security, complaints
  std::string reason;         // a stable code, e.g. answered, security_risk, explicit_human_request
  std::string answer;         // empty: null
  std::string redacted_text;  // the input with each secret replaced, nothing else changed
  std::vector<std::string> warnings;  // seed_phrase, private_key, card_number, cvv, password, otp
  std::string lang;                   // zh, en or es
  int priority = 0;
  // The answer was converted to traditional characters (the asker wrote in them, or asked for
  // zh-TW); whatever else the bot says in this conversation should be converted too.
  bool traditional = false;

  // The one-line JSON object of DESIGN.md §2 (keys in its order).
  std::string ToJson() const;
};

// Whether an answer in Chinese should be given in traditional characters: `lang` names a
// traditional locale (zh-TW, zh-HK, zh-MO, zh-Hant), or it is absent or plain "zh" and `text` is
// written in traditional characters. A simplified locale (zh-CN, zh-SG, zh-Hans) says no.
bool WantsTraditional(std::string_view text, std::optional<std::string_view> lang);

// One search result: a knowledge-base entry and how well it matches, 0..1.
struct SearchHit {
  std::string id;
  double score = 0.0;
};

// Search without a trained model: the share of the query's words (Chinese: character pairs)
// found in each entry's question, variants and answer, one entry per topic (nlu::TopicOf) in
// the asker's language where the topic has one. Best first, at most `limit`, none with score 0.
std::vector<SearchHit> MatchKbEntries(const std::vector<store::KbEntry>& entries, std::string_view query,
                                      std::optional<std::string_view> lang, size_t limit);

class Bot {
 public:
  // Trains a model on every knowledge-base entry and stores it with the knowledge base's
  // version. CPU-bound (seconds for thousands of entries): never on the network thread.
  static Status TrainAndSave(store::Store& store);

  // The bot as the store holds it; trains and saves first when the model is missing or older
  // than the knowledge base. Code::not_found when the knowledge base is empty.
  static Result<std::shared_ptr<const Bot>> Load(store::Store& store);

  // Answers one message. `lang` ("zh"/"en"/"es", aliases like zh-TW accepted) overrides
  // detection and picks the answer's language where the knowledge base has it. `memory` carries
  // the per-conversation state of the handoff policy (two misses in a row hand over).
  BotAnswer Ask(std::string_view text, std::optional<std::string_view> lang, policy::Memory& memory) const;

  // Ranks knowledge-base entries for a self-service search with the intent model (its ranked
  // candidates, out-of-scope threshold not applied): entries in the asker's language (`lang`, else
  // detected) where the topic has one. Best first, at most `limit`, weak matches left out.
  std::vector<SearchHit> Search(std::string_view query, std::optional<std::string_view> lang, size_t limit) const;

  const nlu::Model& model() const { return model_; }

 private:
  struct Entry {
    std::string category;
    std::string answer;
  };
  nlu::Model model_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace kefu::bot
