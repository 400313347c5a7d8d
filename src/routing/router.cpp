#include "routing/router.hpp"

#include <algorithm>
#include <array>

namespace kefu::routing {
namespace {

constexpr std::array<std::string_view, 4> kPresence = {"online", "busy", "away", "offline"};
constexpr std::size_t kHandlingSamples = 50;
constexpr Millis kDefaultHandlingMs = 5 * 60 * 1000;  // until a desk has history

bool Before(const Waiting& a, const Waiting& b) {
  const bool sa = a.category == "security", sb = b.category == "security";
  if (sa != sb) return sa;
  if (a.priority != b.priority) return a.priority > b.priority;
  if (a.queued_at != b.queued_at) return a.queued_at < b.queued_at;
  return a.conversation_id < b.conversation_id;
}

bool Contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::string_view PresenceName(Presence p) { return kPresence[static_cast<size_t>(p)]; }

std::optional<Presence> ParsePresence(std::string_view name) {
  for (size_t i = 0; i < kPresence.size(); ++i)
    if (kPresence[i] == name) return static_cast<Presence>(i);
  return std::nullopt;
}

void Router::UpsertAgent(const Agent& agent) { agents_[agent.id] = agent; }

void Router::RemoveAgent(Id agent_id) { agents_.erase(agent_id); }

const Agent* Router::FindAgent(Id agent_id) const {
  auto it = agents_.find(agent_id);
  return it == agents_.end() ? nullptr : &it->second;
}

void Router::AddActive(Id agent_id, int delta) {
  if (auto it = agents_.find(agent_id); it != agents_.end()) it->second.active = std::max(0, it->second.active + delta);
}

void Router::Enqueue(const Waiting& waiting) {
  Remove(waiting.conversation_id);
  auto& q = QueueOf(waiting.desk);
  q.insert(std::upper_bound(q.begin(), q.end(), waiting, Before), waiting);
}

bool Router::Remove(Id conversation_id) {
  for (auto& q : queues_) {
    auto it = std::find_if(q.begin(), q.end(), [&](const Waiting& w) { return w.conversation_id == conversation_id; });
    if (it != q.end()) {
      q.erase(it);
      return true;
    }
  }
  return false;
}

bool Router::IsWaiting(Id conversation_id) const { return Position(conversation_id).has_value(); }

std::optional<Id> Router::PickAgent(const Waiting& w) const {
  const Agent* best = nullptr;
  auto score = [&](const Agent& a) {
    // Lexicographic: skill, language, free capacity, idle time (older is better).
    return std::tuple(!a.skills.empty() && Contains(a.skills, w.category),
                      a.languages.empty() || w.lang.empty() || Contains(a.languages, w.lang),
                      a.max_chats - a.active, -a.last_assigned_at, -a.id);
  };
  for (const auto& [id, a] : agents_) {
    if (a.desk != w.desk || a.presence != Presence::online || a.active >= a.max_chats) continue;
    if (!best || score(a) > score(*best)) best = &a;
  }
  if (!best) return std::nullopt;
  return best->id;
}

std::vector<Assignment> Router::Assign(Millis now, std::optional<domain::Desk> only_desk) {
  std::vector<Assignment> out;
  for (size_t d = 0; d < 5; ++d) {
    if (only_desk && static_cast<size_t>(*only_desk) != d) continue;
    auto& q = queues_[d];
    for (size_t i = 0; i < q.size();) {
      auto agent = PickAgent(q[i]);
      if (!agent) break;  // nobody free for the head of the queue: keep the order fair
      Agent& a = agents_[*agent];
      ++a.active;
      a.last_assigned_at = now;
      out.push_back({q[i].conversation_id, a.id});
      q.erase(q.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
  return out;
}

std::optional<int> Router::Position(Id conversation_id) const {
  for (const auto& q : queues_) {
    for (size_t i = 0; i < q.size(); ++i)
      if (q[i].conversation_id == conversation_id) return static_cast<int>(i + 1);
  }
  return std::nullopt;
}

std::optional<int> Router::EtaSeconds(Id conversation_id) const {
  for (size_t d = 0; d < 5; ++d) {
    const auto& q = queues_[d];
    for (size_t i = 0; i < q.size(); ++i) {
      if (q[i].conversation_id != conversation_id) continue;
      const auto& samples = handling_[d];
      Millis avg = kDefaultHandlingMs;
      if (!samples.empty()) {
        Millis sum = 0;
        for (Millis s : samples) sum += s;
        avg = sum / static_cast<Millis>(samples.size());
      }
      const int agents = std::max(1, OnlineAgents(static_cast<domain::Desk>(d)));
      // Each free slot serves the queue in parallel; the head waits about one handling time
      // divided by the agents who will free up.
      return static_cast<int>(static_cast<Millis>(i + 1) * avg / agents / 1000);
    }
  }
  return std::nullopt;
}

void Router::RecordHandlingTime(domain::Desk desk, Millis duration) {
  if (duration <= 0) return;
  const auto d = static_cast<size_t>(desk);
  auto& samples = handling_[d];
  if (samples.size() < kHandlingSamples) {
    samples.push_back(duration);
  } else {
    samples[handling_next_[d]] = duration;
  }
  handling_next_[d] = (handling_next_[d] + 1) % kHandlingSamples;
}

std::vector<Id> Router::Queue(domain::Desk desk) const {
  std::vector<Id> out;
  for (const auto& w : QueueOf(desk)) out.push_back(w.conversation_id);
  return out;
}

int Router::FreeAgents(domain::Desk desk) const {
  int n = 0;
  for (const auto& [id, a] : agents_) n += a.desk == desk && a.presence == Presence::online && a.active < a.max_chats;
  return n;
}

int Router::OnlineAgents(domain::Desk desk) const {
  int n = 0;
  for (const auto& [id, a] : agents_) n += a.desk == desk && a.presence == Presence::online;
  return n;
}

}  // namespace kefu::routing
