// The live side of conversations: who is connected, which connections take part in which
// conversation, and the WebSocket frames between them (docs/protocol.md).
//
// Invariants:
//  * Everything here runs on the single network thread; store and pool callbacks are posted
//    back to it before touching hub state.
//  * An ack is sent only after the store reports the message committed and durable.
//  * The conversation cache holds who may write in a conversation; every transition made by
//    this process updates it (Hub::ConversationChanged), so it never serves stale rights.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "auth/token.hpp"
#include "core/config.hpp"
#include "http/metrics.hpp"
#include "http/websocket.hpp"
#include "store/store.hpp"

namespace kefu::http {

// Who is on the other end of a connection or request.
struct Subject {
  auth::SubjectType type = auth::SubjectType::customer;
  domain::Id id = 0;
  std::string name;
  domain::Role role = domain::Role::agent;  // staff only
  std::optional<domain::Desk> desk;         // staff only: their desk, when they have one
  std::string verify_id;                    // staff only: the public verify id ("KF-…")

  bool is_staff() const { return type == auth::SubjectType::staff; }
  std::uint64_t key() const {
    return (static_cast<std::uint64_t>(is_staff()) << 56) | static_cast<std::uint64_t>(id);
  }
  domain::Actor actor() const {
    return {is_staff() ? domain::ActorType::staff : domain::ActorType::customer, id};
  }
};

class Hub final : public WsListener {
 public:
  Hub(boost::asio::io_context& io, boost::asio::thread_pool& pool, store::Store& store,
      const Limits& limits, Metrics& metrics);
  ~Hub() override;

  // Takes over an upgraded, authenticated connection.
  void Attach(std::shared_ptr<WsConnection> conn, Subject subject, std::string leftover);

  // The workflow that frames like csat.submit and a customer's request for a human go to.
  void SetWorkflow(class Workflow* workflow) { workflow_ = workflow; }
  // Every delivered message is shown to the SLA service (next-response rounds).
  void SetSla(class SlaService* sla) { sla_ = sla; }

  // Sends a frame to every connection of a customer.
  void SendToCustomer(domain::Id customer_id, const std::string& frame);

  // The secret guard on a message about to be stored, in both directions: the text with every
  // seed phrase, key, card number, CVV, password or code replaced, and what was found. A staff
  // member's message that asks for such a secret is refused (Code::forbidden).
  struct Guarded {
    std::string text;
    std::vector<std::string> warnings;
  };
  static Result<Guarded> GuardText(const Subject& sender, std::string_view text);

  // Posts the bot's safety warning ("we will never ask for …") into a conversation, in the
  // language of `sample`, after a customer's message had secrets redacted (kind "bot.safety").
  void SendSafetyNotice(domain::Id conversation_id, std::string_view sample);

  // Stores a message from the bot in a conversation and sends it to its participants. `kind`
  // says what it is ("bot.greeting", "bot.answer", "bot.rephrase", "bot.handoff", "bot.safety",
  // "bot.feedback_followup"; see store::Message::kind): clients go by it, not by the wording.
  void PostBotMessage(domain::Id conversation_id, std::string text, std::string kind);

  // A new message was committed (not a resent one): count it, fan it out to everyone but
  // `except`, and for a customer's message post the safety notice when secrets were redacted and
  // let the bot or the workflow react. Shared by the WebSocket and REST paths.
  void Delivered(const Subject& sender, const store::Message& message, const std::vector<std::string>& warnings,
                 const WsConnection* except);

  // After a customer's stored message (over WebSocket or REST) in a conversation the bot holds:
  // hands it over when they ask for a human.
  void AfterCustomerMessage(const Subject& subject, const store::Message& message);

  // Fans a stored message out to the conversation's connections except `except` (may be null).
  void Publish(const store::Message& message, const WsConnection* except);

  // A supervisor (or admin) watches a conversation live: its messages, whispers included, reach
  // their consoles too. In memory: a restart ends every watch.
  void Monitor(domain::Id conversation_id, domain::Id staff_id, bool on);

  // Whether a customer has a WebSocket open now.
  bool CustomerConnected(domain::Id customer_id) const;

  // A frame about a ticket (SLA warnings and breaches) for the connected staff consoles whose
  // desk scope covers it.
  void NotifyStaff(const std::string& frame, std::optional<domain::Desk> desk, domain::Id assignee) {
    SendToStaffLobby(frame, desk, assignee);
  }
  // A frame for the connected consoles of staff of `role` (a data-subject request falling due
  // goes to admins, who handle them; docs/adr/0019).
  void NotifyRole(const std::string& frame, domain::Role role);
  // A frame for one staff member's connected consoles (a follow-up task fell due).
  void NotifyStaffMember(domain::Id staff_id, const std::string& frame) {
    SendToSubject(Subject{auth::SubjectType::staff, staff_id, {}, domain::Role::agent, {}, {}}.key(), frame, nullptr);
  }

  // A conversation changed state or assignee: refresh rights, tell the parties.
  void ConversationChanged(const store::Conversation& conversation);

  // Runs `fn` on the network thread. Callable from any thread; completions arriving together
  // (a group commit's worth) share one wake-up of the network thread.
  void PostFromWorker(std::function<void()> fn);

  // Whether `subject` may read and write in `conversation`.
  static bool MayParticipate(const Subject& subject, const store::Conversation& conversation);

  // Pings quiet connections and closes those that never answered. Called every few seconds.
  void Sweep(std::int64_t now_steady_ms);

  // Store writes submitted but not yet answered (for a draining shutdown).
  int inflight() const { return inflight_; }

  // Closes every connection with 1001 (going away).
  void CloseAll();

  // Closes every connection of staff member `staff_id` with 1008 (policy): their sessions were
  // revoked. A client whose token still holds (e.g. the one that changed the password)
  // reconnects; the others must sign in again.
  void CloseStaff(domain::Id staff_id, std::string_view reason);

  std::size_t connection_count() const { return connections_; }
  // Open connections counted under a client address (WsConnection::remote_ip()).
  int ConnectionsFrom(const std::string& address) const {
    auto it = per_address_.find(address);
    return it == per_address_.end() ? 0 : it->second;
  }

  // WsListener
  void OnText(WsConnection& conn, std::string_view text) override;
  void OnTooLarge(WsConnection& conn) override;
  void OnClosed(WsConnection& conn) override;
  std::size_t MaxQueuedBytes() const override { return static_cast<std::size_t>(limits_.ws_queue_bytes); }

 private:
  struct Participants {
    domain::Id customer_id = 0;
    domain::Id staff_id = 0;
    domain::ConversationState state = domain::ConversationState::bot;
    std::optional<domain::Desk> desk;
  };
  struct Peer {
    std::shared_ptr<WsConnection> conn;
    Subject subject;
  };

  void HandleSend(const std::shared_ptr<WsConnection>& conn, const Subject& subject,
                  domain::Id conversation_id, std::string client_id, Guarded guarded);
  void HandleSync(const std::shared_ptr<WsConnection>& conn, const Subject& subject,
                  domain::Id conversation_id, std::int64_t after_seq);
  void HandleTyping(WsConnection& conn, const Subject& subject, domain::Id conversation_id, bool typing);
  void HandleCsat(const std::shared_ptr<WsConnection>& conn, const Subject& subject, domain::Id conversation_id,
                  int score, std::string comment);
  // Runs `then` with the participants of a conversation, loading them when not cached.
  template <typename Then>
  void WithParticipants(domain::Id conversation_id, Then then);
  bool Allowed(const Subject& subject, const Participants& p) const;
  void SendToSubject(std::uint64_t key, const std::string& frame, const WsConnection* except);
  // Sends a frame about a case (a conversation or ticket at `desk`, assigned to `assignee`) to
  // the connected staff whose desk scope covers it (domain::MaySeeCase; docs/adr/0019); with
  // `gone`, sends that frame instead to those whom the case covered before a change only.
  void SendToStaffLobby(const std::string& frame, std::optional<domain::Desk> desk, domain::Id assignee,
                        const std::string* gone = nullptr, std::optional<domain::Desk> before_desk = std::nullopt,
                        domain::Id before_assignee = 0);
  void SendError(WsConnection& conn, Code code, std::string_view message, std::string_view client_id = {});
  void SendError(WsConnection& conn, std::string_view code, std::string_view message,
                 std::string_view client_id = {});
  bool TakeToken(WsConnection& conn);
  Peer* Find(const WsConnection& conn);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& pool_;
  store::Store& store_;
  Limits limits_;
  Metrics& metrics_;
  std::unordered_map<const WsConnection*, Peer> peers_;
  std::unordered_map<std::string, int> per_address_;  // open connections by client address
  std::unordered_map<std::uint64_t, std::vector<WsConnection*>> by_subject_;
  std::unordered_set<std::uint64_t> staff_online_;
  std::unordered_map<domain::Id, Participants> participants_;
  std::unordered_map<domain::Id, std::vector<domain::Id>> monitors_;  // conversation → watching staff
  class Workflow* workflow_ = nullptr;
  class SlaService* sla_ = nullptr;
  std::size_t connections_ = 0;
  int inflight_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::mutex completions_m_;
  std::vector<std::function<void()>> completions_;
};

}  // namespace kefu::http
