// Routing: which agent gets which waiting conversation, and where each customer stands.
//
// Pure logic over an in-memory picture (no I/O, no clock of its own): the caller feeds it agents
// and queued conversations, asks it to assign, and persists what it decides. One queue per desk.
//
// Order inside a queue: security cases first, then higher priority, then longest waiting.
// Choice of agent for a conversation (among agents of that desk who are online and below their
// --max-chats): a skill matching the conversation's category, then a matching language, then the
// most free capacity, then the longest idle since their last assignment.
//
// Not thread-safe: the network thread owns it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/time.hpp"
#include "domain/conversation.hpp"
#include "domain/staff.hpp"

namespace kefu::routing {

using domain::Id;

enum class Presence { online, busy, away, offline };
std::string_view PresenceName(Presence p);
std::optional<Presence> ParsePresence(std::string_view name);

struct Agent {
  Id id = 0;
  domain::Desk desk = domain::Desk::L1;
  int max_chats = 5;
  Presence presence = Presence::offline;
  int active = 0;                      // conversations assigned now
  std::vector<std::string> languages;  // empty: any
  std::vector<std::string> skills;     // categories; empty: generalist
  Millis last_assigned_at = 0;
};

struct Waiting {
  Id conversation_id = 0;
  domain::Desk desk = domain::Desk::L1;
  int priority = 0;  // higher first
  Millis queued_at = 0;
  std::string lang;
  std::string category;
};

struct Assignment {
  Id conversation_id = 0;
  Id agent_id = 0;
};

class Router {
 public:
  // Adds or replaces an agent.
  void UpsertAgent(const Agent& agent);
  void RemoveAgent(Id agent_id);
  const Agent* FindAgent(Id agent_id) const;
  // Adjusts an agent's count of active conversations (+1 on accept, -1 on close/transfer away).
  void AddActive(Id agent_id, int delta);

  // Puts a conversation in its desk's queue (or moves it there when already waiting).
  void Enqueue(const Waiting& waiting);
  // Takes a conversation out of whatever queue holds it. False when it was not waiting.
  bool Remove(Id conversation_id);
  bool IsWaiting(Id conversation_id) const;

  // Assigns as many waiting conversations as free agents allow, in queue order, and applies
  // the assignments to its own picture (queue and agent counts). `only_desk` limits the work
  // to one desk's queue. The caller persists each assignment; when that fails it calls
  // Enqueue/AddActive to undo.
  std::vector<Assignment> Assign(Millis now, std::optional<domain::Desk> only_desk = std::nullopt);

  // 1-based position of a waiting conversation in its desk's queue.
  std::optional<int> Position(Id conversation_id) const;
  // Estimated seconds until an agent takes it: position × average handling time ÷ agents of
  // the desk who are online (at least one assumed), from RecordHandlingTime's recent samples.
  std::optional<int> EtaSeconds(Id conversation_id) const;
  // Records how long an agent handled a conversation of a desk (accept → close), for ETAs.
  void RecordHandlingTime(domain::Desk desk, Millis duration);

  // Conversations waiting in a desk's queue, in order.
  std::vector<Id> Queue(domain::Desk desk) const;
  // Agents of a desk who are online with free capacity.
  int FreeAgents(domain::Desk desk) const;
  int OnlineAgents(domain::Desk desk) const;

 private:
  const std::vector<Waiting>& QueueOf(domain::Desk desk) const { return queues_[static_cast<size_t>(desk)]; }
  std::vector<Waiting>& QueueOf(domain::Desk desk) { return queues_[static_cast<size_t>(desk)]; }
  std::optional<Id> PickAgent(const Waiting& w) const;

  std::unordered_map<Id, Agent> agents_;
  std::vector<Waiting> queues_[5];  // kept sorted in queue order
  std::vector<Millis> handling_[5];  // recent handling times per desk (ring of the last 50)
  std::size_t handling_next_[5] = {};
};

}  // namespace kefu::routing
