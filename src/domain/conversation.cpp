#include "domain/conversation.hpp"

#include <array>

namespace kefu::domain {

namespace {
constexpr std::array<std::string_view, 6> kStateNames = {"bot", "queued", "active",
                                                         "pending", "resolved", "closed"};
}

std::string_view StateName(ConversationState s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<ConversationState> ParseState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i)
    if (kStateNames[i] == name) return static_cast<ConversationState>(i);
  return std::nullopt;
}

std::string_view ActionName(ConversationAction a) {
  switch (a) {
    case ConversationAction::handoff: return "handoff";
    case ConversationAction::accept: return "accept";
    case ConversationAction::assign: return "assign";
    case ConversationAction::transfer_to_desk: return "transfer_to_desk";
    case ConversationAction::transfer_to_agent: return "transfer_to_agent";
    case ConversationAction::wait_on_customer: return "wait_on_customer";
    case ConversationAction::resume: return "resume";
    case ConversationAction::resolve: return "resolve";
    case ConversationAction::close: return "close";
    case ConversationAction::reopen: return "reopen";
  }
  return "unknown";
}

std::string_view EventType(ConversationAction a) {
  switch (a) {
    case ConversationAction::handoff: return "queued";
    case ConversationAction::accept:
    case ConversationAction::assign: return "assigned";
    case ConversationAction::transfer_to_desk:
    case ConversationAction::transfer_to_agent: return "transferred";
    case ConversationAction::wait_on_customer: return "pending";
    case ConversationAction::resume: return "resumed";
    case ConversationAction::resolve: return "resolved";
    case ConversationAction::close: return "closed";
    case ConversationAction::reopen: return "reopened";
  }
  return "unknown";
}

Result<ConversationState> Transition(ConversationState from, ConversationAction action) {
  using S = ConversationState;
  using A = ConversationAction;
  std::optional<S> to;
  switch (action) {
    case A::handoff: if (from == S::bot) to = S::queued; break;
    case A::accept: if (from == S::bot || from == S::queued) to = S::active; break;
    case A::assign: if (from == S::queued) to = S::active; break;
    case A::transfer_to_desk: if (from == S::active) to = S::queued; break;
    case A::transfer_to_agent: if (from == S::active) to = S::active; break;
    case A::wait_on_customer: if (from == S::active) to = S::pending; break;
    case A::resume: if (from == S::pending) to = S::active; break;
    case A::resolve: if (from == S::active || from == S::pending) to = S::resolved; break;
    case A::close:
      if (from == S::active || from == S::pending || from == S::resolved) to = S::closed;
      break;
    case A::reopen: if (from == S::resolved || from == S::closed) to = S::active; break;
  }
  if (!to) {
    return MakeError(Code::conflict, "cannot " + std::string(ActionName(action)) +
                                         " a conversation that is " + std::string(StateName(from)));
  }
  return *to;
}

bool IsOpen(ConversationState s) {
  return s != ConversationState::resolved && s != ConversationState::closed;
}

std::string_view ActorTypeName(ActorType t) {
  switch (t) {
    case ActorType::customer: return "customer";
    case ActorType::staff: return "staff";
    case ActorType::bot: return "bot";
    case ActorType::system: return "system";
  }
  return "system";
}

std::optional<ActorType> ParseActorType(std::string_view name) {
  for (ActorType t : {ActorType::customer, ActorType::staff, ActorType::bot, ActorType::system})
    if (ActorTypeName(t) == name) return t;
  return std::nullopt;
}

}  // namespace kefu::domain
