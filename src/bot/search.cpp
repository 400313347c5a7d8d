// Knowledge-base search without a trained model (the first minutes of a new knowledge base, or a
// model that failed to train): plain word overlap, good enough to find an article by its words.
#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

#include "bot/bot.hpp"
#include "bot/knowledge_base.hpp"
#include "bot/nlu/nlu.hpp"

namespace kefu::bot {
namespace {

size_t Utf8Length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  return 2;
}

// The query's terms: Latin words of two or more letters; for Chinese (no spaces), each pair of
// adjacent characters, or the character itself when it stands alone.
std::vector<std::string> Terms(const std::string& normalised) {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen;
  auto add = [&](std::string t) {
    if (seen.insert(t).second) out.push_back(std::move(t));
  };
  size_t start = 0;
  while (start < normalised.size()) {
    size_t end = normalised.find(' ', start);
    if (end == std::string::npos) end = normalised.size();
    const std::string_view word(normalised.data() + start, end - start);
    std::vector<std::string_view> wide;  // multi-byte characters (CJK) of the word
    bool ascii = true;
    for (size_t i = 0; i < word.size();) {
      const size_t n = std::min(Utf8Length(static_cast<unsigned char>(word[i])), word.size() - i);
      if (n >= 3) {
        wide.push_back(word.substr(i, n));
      } else if (n > 1) {
        ascii = false;  // accented Latin letters: part of a word
      }
      i += n;
    }
    if (wide.empty()) {
      if (word.size() >= 2 || !ascii) add(std::string(word));
    } else if (wide.size() == 1) {
      add(std::string(wide[0]));
    } else {
      for (size_t i = 0; i + 1 < wide.size(); ++i) add(std::string(wide[i]) + std::string(wide[i + 1]));
    }
    start = end + 1;
  }
  return out;
}

}  // namespace

std::vector<SearchHit> MatchKbEntries(const std::vector<store::KbEntry>& entries, std::string_view query,
                                      std::optional<std::string_view> lang_override, size_t limit) {
  const std::string normalised = nlu::Normalise(query);
  const std::vector<std::string> terms = Terms(normalised);
  if (terms.empty() || limit == 0) return {};
  std::string lang;
  if (lang_override) lang = NormaliseKbLang(*lang_override).value_or("");
  if (lang.empty()) lang = std::string(nlu::LangCode(nlu::DetectLanguage(query)));

  struct Best {
    double score = 0.0;
    size_t index = 0;           // the best-matching entry of the topic
    size_t in_lang = SIZE_MAX;  // the topic's entry in the asker's language, if any
  };
  std::unordered_map<std::string, Best> topics;
  std::vector<std::string> order;  // topics in first-seen order, for stable results
  for (size_t i = 0; i < entries.size(); ++i) {
    const store::KbEntry& e = entries[i];
    std::string text = e.question;
    for (const auto& v : e.variants) (text += ' ') += v;
    (text += ' ') += e.answer;
    const std::string haystack = " " + nlu::Normalise(text) + " ";
    size_t found = 0;
    for (const auto& t : terms) found += haystack.find(t) != std::string::npos;
    const double score = static_cast<double>(found) / static_cast<double>(terms.size());
    const std::string topic = nlu::TopicOf(e.id);
    auto [it, fresh] = topics.try_emplace(topic);
    if (fresh) order.push_back(topic);
    Best& b = it->second;
    if (fresh || score > b.score) {
      b.score = score;
      b.index = i;
    }
    if (e.lang == lang) b.in_lang = i;
  }
  std::vector<SearchHit> out;
  for (const auto& topic : order) {
    const Best& b = topics[topic];
    if (b.score <= 0.0) continue;
    out.push_back({entries[b.in_lang != SIZE_MAX ? b.in_lang : b.index].id, b.score});
  }
  std::stable_sort(out.begin(), out.end(), [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace kefu::bot
