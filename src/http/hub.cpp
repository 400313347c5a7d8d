#include "http/hub.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <climits>

#include "core/log.hpp"
#include "core/text.hpp"
#include "bot/guard/guard.hpp"
#include "bot/nlu/nlu.hpp"
#include "http/client_frame.hpp"
#include "http/json_io.hpp"
#include "http/sla.hpp"
#include "http/workflow.hpp"

namespace kefu::http {
namespace asio = boost::asio;
using domain::ConversationState;
using domain::Id;

namespace {

constexpr std::size_t kMaxSync = 1000;  // messages per sync request

// The ack; when secrets were redacted it also carries what was stored, so the sender's screen
// shows the same text as everyone else's (for staff, with PII masked like everyone's).
std::string AckFrame(std::string_view client_id, const store::Message& m, const std::vector<std::string>& warnings,
                     json::Pii pii) {
  std::string f = "{\"type\":\"ack\",\"client_id\":";
  AppendJsonString(f, client_id);
  f += ",\"message_id\":" + std::to_string(m.id) + ",\"seq\":" + std::to_string(m.seq) +
       ",\"conversation_id\":" + std::to_string(m.conversation_id);
  if (!warnings.empty()) {
    f += ",\"text\":";
    AppendJsonString(f, json::PiiText(m.text, pii));
    f += ",\"warnings\":";
    json::AppendArray(f, warnings, [](std::string& out, const std::string& w) { AppendJsonString(out, w); });
  }
  f += '}';
  return f;
}

std::string MessageCreatedFrame(const store::Message& m, json::Pii pii) {
  std::string f = "{\"type\":\"message.created\",\"message\":";
  json::AppendMessage(f, m, pii);
  f += '}';
  return f;
}

}  // namespace

Hub::Hub(asio::io_context& io, asio::thread_pool& pool, store::Store& store, const Limits& limits,
         Metrics& metrics)
    : io_(io), pool_(pool), store_(store), limits_(limits), metrics_(metrics) {}

Hub::~Hub() { *alive_ = false; }

void Hub::PostFromWorker(std::function<void()> fn) {
  bool first;
  {
    std::lock_guard lock(completions_m_);
    first = completions_.empty();
    completions_.push_back(std::move(fn));
  }
  if (!first) return;  // a drain is already on its way
  asio::post(io_, [this, alive = alive_] {
    if (!*alive) return;
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(completions_m_);
      batch.swap(completions_);
    }
    WsCork cork;
    for (auto& f : batch) f();
  });
}

bool Hub::MayParticipate(const Subject& s, const store::Conversation& c) {
  if (!s.is_staff()) return c.customer_id == s.id;
  return c.assigned_staff_id == s.id || s.role == domain::Role::supervisor ||
         s.role == domain::Role::admin;
}

bool Hub::Allowed(const Subject& s, const Participants& p) const {
  if (!s.is_staff()) return p.customer_id == s.id;
  return p.staff_id == s.id || s.role == domain::Role::supervisor || s.role == domain::Role::admin;
}

void Hub::Attach(std::shared_ptr<WsConnection> conn, Subject subject, std::string leftover) {
  WsConnection* raw = conn.get();
  conn->tokens = static_cast<double>(limits_.ws_burst);
  conn->tokens_at_ms = 0;
  const std::uint64_t key = subject.key();
  std::string hello = "{\"type\":\"hello\",\"subject\":{\"type\":\"";
  hello += subject.is_staff() ? "staff" : "customer";
  hello += "\",\"id\":" + std::to_string(subject.id) + ",\"name\":";
  AppendJsonString(hello, subject.name);
  hello += "}}";
  by_subject_[key].push_back(raw);
  if (subject.is_staff()) staff_online_.insert(key);
  peers_.emplace(raw, Peer{conn, std::move(subject)});
  if (!raw->remote_ip().empty()) ++per_address_[raw->remote_ip()];
  ++connections_;
  metrics_.ws_connections_opened++;
  metrics_.ws_connections_open++;
  conn->SendText(hello);
  const bool customer = !peers_.at(raw).subject.is_staff();
  const Id customer_id = peers_.at(raw).subject.id;
  conn->Start(std::move(leftover));
  if (customer && workflow_) workflow_->CustomerConnected(customer_id);
}

Hub::Peer* Hub::Find(const WsConnection& conn) {
  auto it = peers_.find(&conn);
  return it == peers_.end() ? nullptr : &it->second;
}

void Hub::OnClosed(WsConnection& conn) {
  // Defer the bookkeeping: the connection may be deep in its own call stack right now.
  asio::post(io_, [this, alive = alive_, raw = &conn] {
    if (!*alive) return;
    auto it = peers_.find(raw);
    if (it == peers_.end()) return;
    const std::uint64_t key = it->second.subject.key();
    auto& list = by_subject_[key];
    list.erase(std::remove(list.begin(), list.end(), raw), list.end());
    const Subject who = it->second.subject;
    if (list.empty()) {
      by_subject_.erase(key);
      staff_online_.erase(key);
      // A customer's last tab closed: if they were waiting, the workflow watches for abandonment.
      if (!who.is_staff() && workflow_) workflow_->CustomerDisconnected(who.id);
    }
    if (!raw->remote_ip().empty()) {
      auto counted = per_address_.find(raw->remote_ip());
      if (counted != per_address_.end() && --counted->second <= 0) per_address_.erase(counted);
    }
    --connections_;
    metrics_.ws_connections_open--;
    peers_.erase(it);
  });
}

bool Hub::CustomerConnected(Id customer_id) const {
  return by_subject_.contains(Subject{auth::SubjectType::customer, customer_id, {}, {}, {}, {}}.key());
}

void Hub::OnTooLarge(WsConnection& conn) {
  SendError(conn, Code::too_large,
            "message larger than " + std::to_string(limits_.frame_bytes) + " bytes");
}

void Hub::SendError(WsConnection& conn, Code code, std::string_view message, std::string_view client_id) {
  SendError(conn, CodeName(code), message, client_id);
}

void Hub::SendError(WsConnection& conn, std::string_view code, std::string_view message,
                    std::string_view client_id) {
  std::string f = "{\"type\":\"error\",\"code\":\"";
  f += code;
  f += "\",\"message\":";
  AppendJsonString(f, message);
  if (!client_id.empty()) {
    f += ",\"client_id\":";
    AppendJsonString(f, client_id);
  }
  f += '}';
  metrics_.ws_errors_sent++;
  conn.SendText(f);
}

bool Hub::TakeToken(WsConnection& conn) {
  const std::int64_t now = conn.last_heard_ms();
  if (conn.tokens_at_ms != 0) {
    conn.tokens = std::min(static_cast<double>(limits_.ws_burst),
                           conn.tokens + static_cast<double>(now - conn.tokens_at_ms) *
                                             static_cast<double>(limits_.ws_per_second) / 1000.0);
  }
  conn.tokens_at_ms = now;
  if (conn.tokens < 1.0) return false;
  conn.tokens -= 1.0;
  return true;
}

void Hub::OnText(WsConnection& conn, std::string_view text) {
  metrics_.ws_frames_received++;
  Peer* peer = Find(conn);
  if (!peer) return;
  if (!TakeToken(conn)) {
    SendError(conn, Code::rate_limited, "too many frames; slow down");
    return;
  }
  ClientFrameParser parser;  // a stack arena: no heap traffic for the common frame
  ClientFrame f;
  ClientFrameError error;
  if (!parser.Parse(text, static_cast<std::size_t>(limits_.text_chars), f, error))
    return SendError(conn, error.code, error.message, error.client_id);
  switch (f.type) {
    case ClientFrame::Type::message_send: {
      auto guarded = GuardText(peer->subject, f.text);
      if (!guarded.ok()) return SendError(conn, guarded.error().code, guarded.error().message, f.client_id);
      return HandleSend(peer->conn, peer->subject, f.conversation_id, std::move(f.client_id),
                        std::move(guarded).value());
    }
    case ClientFrame::Type::sync:
      return HandleSync(peer->conn, peer->subject, f.conversation_id, f.after_seq);
    case ClientFrame::Type::typing:
      return HandleTyping(conn, peer->subject, f.conversation_id, f.typing);
    case ClientFrame::Type::csat_submit: {
      // Out of int's range is out of 1..5 too: clamp instead of wrapping into it.
      const int score = static_cast<int>(std::clamp<std::int64_t>(f.score, INT_MIN, INT_MAX));
      return HandleCsat(peer->conn, peer->subject, f.conversation_id, score, std::move(f.comment));
    }
  }
}

template <typename Then>
void Hub::WithParticipants(Id conversation_id, Then then) {
  if (auto it = participants_.find(conversation_id); it != participants_.end()) {
    then(Result<Participants>(it->second));
    return;
  }
  asio::post(pool_, [this, alive = alive_, conversation_id, then = std::move(then)]() mutable {
    auto loaded = store_.GetConversation(conversation_id);
    asio::post(io_, [this, alive, conversation_id, then = std::move(then), loaded = std::move(loaded)]() mutable {
      if (!*alive) return;
      if (!loaded.ok()) {
        then(Result<Participants>(std::move(loaded).error()));
        return;
      }
      Participants p{loaded->customer_id, loaded->assigned_staff_id, loaded->state, loaded->desk};
      participants_[conversation_id] = p;
      then(Result<Participants>(p));
    });
  });
}

Result<Hub::Guarded> Hub::GuardText(const Subject& sender, std::string_view text) {
  const bot::SecretGuard& guard = bot::SecretGuard::Default();
  if (sender.is_staff()) {
    if (auto kind = guard.AsksForSecret(text))
      return MakeError(Code::forbidden, "blocked: staff must never ask for a customer's " +
                                            std::string(bot::WarningCode(*kind)) +
                                            " (seed phrase, private key, password or verification code)");
  }
  bot::GuardResult r = guard.Scan(text);
  Guarded out{std::move(r.redacted_text), {}};
  for (bot::SecretKind k : r.warnings) out.warnings.emplace_back(bot::WarningCode(k));
  return out;
}

void Hub::Delivered(const Subject& sender, const store::Message& message, const std::vector<std::string>& warnings,
                    const WsConnection* except) {
  metrics_.messages_persisted++;
  Publish(message, except);
  if (sla_) sla_->OnMessage(message);
  if (sender.is_staff()) return;
  if (!warnings.empty()) SendSafetyNotice(message.conversation_id, message.text);
  AfterCustomerMessage(sender, message);
}

void Hub::SendSafetyNotice(Id conversation_id, std::string_view sample) {
  PostBotMessage(conversation_id,
                 std::string(bot::SafetyMessage(bot::nlu::LangCode(bot::nlu::DetectLanguage(sample)))),
                 "bot.safety");
}

void Hub::PostBotMessage(Id conversation_id, std::string text, std::string kind) {
  store::NewMessage m;
  m.conversation_id = conversation_id;
  m.sender = {domain::ActorType::bot, 0};
  m.text = std::move(text);
  m.kind = std::move(kind);
  m.at = Clock::System().Now();
  ++inflight_;
  store_.AppendMessage(std::move(m), [this](Result<store::AppendedMessage> r) {
    PostFromWorker([this, r = std::move(r)]() mutable {
      --inflight_;
      if (!r.ok()) {
        log::Warn("bot.message_failed", {{"error", r.error().message}});
        return;
      }
      Publish(r->message, nullptr);  // the bot has no name of its own: clients label it
    });
  });
}

void Hub::HandleSend(const std::shared_ptr<WsConnection>& conn, const Subject& subject, Id conversation_id,
                     std::string client_id, Guarded guarded) {
  WithParticipants(conversation_id, [this, conn, subject, conversation_id, client_id = std::move(client_id),
                                     guarded = std::move(guarded)](Result<Participants> p) mutable {
    if (!p.ok()) {
      // Not found and not yours look the same: ids must not be probeable.
      return SendError(*conn, Code::forbidden, "you cannot write in this conversation", client_id);
    }
    if (!Allowed(subject, *p))
      return SendError(*conn, Code::forbidden, "you cannot write in this conversation", client_id);
    store::NewMessage msg;
    msg.conversation_id = conversation_id;
    msg.sender = subject.actor();
    msg.client_id = client_id;
    msg.text = std::move(guarded.text);
    msg.at = Clock::System().Now();
    ++inflight_;
    store_.AppendMessage(std::move(msg), [this, alive = alive_, conn, subject, client_id = std::move(client_id),
                                          warnings = std::move(guarded.warnings),
                                          waiting = p->staff_id == 0](Result<store::AppendedMessage> r) mutable {
      PostFromWorker([this, alive, conn, subject, client_id = std::move(client_id), waiting,
                      warnings = std::move(warnings), r = std::move(r)]() mutable {
        --inflight_;
        if (!r.ok()) {
          metrics_.store_write_failures++;
          log::Warn("ws.send_failed", {{"code", CodeName(r.error().code)}, {"error", r.error().message}});
          return SendError(*conn, r.error().code, r.error().message, client_id);
        }
        store::Message& m = r->message;
        m.sender_name = subject.name;
        m.sender_verify_id = subject.verify_id;
        conn->SendText(AckFrame(client_id, m, warnings, json::PiiFor(subject.is_staff())));
        if (r->duplicate) {
          metrics_.messages_duplicate++;
          return;
        }
        Delivered(subject, m, warnings, conn.get());
        // Nobody has it yet: let every console refresh its waiting list.
        if (waiting && !subject.is_staff()) {
          asio::post(pool_, [this, alive, id = m.conversation_id] {
            auto c = store_.GetConversation(id);
            if (!c.ok()) return;
            asio::post(io_, [this, alive, c = std::move(c).value()] {
              if (!*alive) return;
              std::string f = "{\"type\":\"conversation.updated\",\"conversation\":";
              json::AppendConversation(f, c, json::Pii::masked);
              f += '}';
              SendToStaffLobby(f, c.desk, c.assigned_staff_id);
            });
          });
        }
      });
    });
  });
}

void Hub::Publish(const store::Message& m, const WsConnection* except) {
  auto it = participants_.find(m.conversation_id);
  if (it == participants_.end()) return;
  // The customer reads their own words as written; staff read them with PII masked. One frame
  // serves both when there is nothing to mask.
  const std::string frame = MessageCreatedFrame(m, json::Pii::shown);
  const bool customer_named = m.sender.type == domain::ActorType::customer && !m.sender_name.empty();
  std::string masked_frame;
  if (json::PiiText(m.text, json::Pii::masked) != m.text ||
      (customer_named && json::PiiText(m.sender_name, json::Pii::masked) != m.sender_name))
    masked_frame = MessageCreatedFrame(m, json::Pii::masked);
  const std::string& staff_frame = masked_frame.empty() ? frame : masked_frame;
  if (!domain::IsStaffOnlyKind(m.kind)) {
    Subject customer{auth::SubjectType::customer, it->second.customer_id, {}, {}, {}, {}};
    SendToSubject(customer.key(), frame, except);
  }
  if (it->second.staff_id) {
    Subject agent{auth::SubjectType::staff, it->second.staff_id, {}, {}, {}, {}};
    SendToSubject(agent.key(), staff_frame, except);
  }
  if (auto watching = monitors_.find(m.conversation_id); watching != monitors_.end()) {
    for (Id staff : watching->second) {
      if (staff == it->second.staff_id) continue;
      SendToSubject(Subject{auth::SubjectType::staff, staff, {}, {}, {}, {}}.key(), staff_frame, except);
    }
  }
}

void Hub::Monitor(Id conversation_id, Id staff_id, bool on) {
  auto& watching = monitors_[conversation_id];
  auto at = std::find(watching.begin(), watching.end(), staff_id);
  if (on && at == watching.end()) watching.push_back(staff_id);
  if (!on && at != watching.end()) watching.erase(at);
  if (watching.empty()) monitors_.erase(conversation_id);
}

void Hub::HandleSync(const std::shared_ptr<WsConnection>& conn, const Subject& subject, Id conversation_id,
                     std::int64_t after_seq) {
  WithParticipants(conversation_id, [this, conn, subject, conversation_id, after_seq](Result<Participants> p) {
    if (!p.ok() || !Allowed(subject, *p))
      return SendError(*conn, Code::forbidden, "you cannot read this conversation");
    asio::post(pool_, [this, alive = alive_, conn, conversation_id, after_seq, staff = subject.is_staff()] {
      // Page through what was missed, in order, up to kMaxSync messages per request; a client
      // further behind sees has_more and asks again from the last seq it got.
      std::vector<std::string> out;
      std::int64_t last = after_seq;
      bool more = false;
      for (;;) {
        store::MessageQuery q;
        q.conversation_id = conversation_id;
        q.after_seq = last;
        q.limit = 200;
        auto page = store_.ListMessages(q);
        if (!page.ok()) break;
        for (const auto& m : page->messages) {
          last = m.seq;
          if (!staff && domain::IsStaffOnlyKind(m.kind)) continue;  // whispers never reach customers
          out.push_back(MessageCreatedFrame(m, json::PiiFor(staff)));
        }
        if (!page->has_more) break;
        if (out.size() >= kMaxSync) {
          more = true;
          break;
        }
      }
      asio::post(io_, [alive, conn, conversation_id, last, more, out = std::move(out)] {
        if (!*alive) return;
        WsCork cork;
        for (const auto& f : out) conn->SendText(f);
        conn->SendText("{\"type\":\"sync.done\",\"conversation_id\":" + std::to_string(conversation_id) +
                       ",\"last_seq\":" + std::to_string(last) + ",\"has_more\":" + (more ? "true" : "false") + "}");
      });
    });
  });
}

void Hub::HandleTyping(WsConnection& conn, const Subject& subject, Id conversation_id, bool typing) {
  Peer* peer = Find(conn);
  if (!peer) return;
  WithParticipants(conversation_id, [this, conn = peer->conn, subject, conversation_id, typing](Result<Participants> p) {
    if (!p.ok() || !Allowed(subject, *p))
      return SendError(*conn, Code::forbidden, "you cannot write in this conversation");
    std::string f = "{\"type\":\"typing\",\"conversation_id\":" + std::to_string(conversation_id) +
                    ",\"typing\":" + (typing ? "true" : "false") + ",\"sender\":";
    // The customer's other tabs read their name as written; staff read it masked.
    std::string staff_f = f;
    json::AppendActorRef(f, subject.actor(), subject.name);
    f += '}';
    json::AppendActorRef(staff_f, subject.actor(), json::PiiText(subject.name, json::PiiFor(!subject.is_staff())));
    staff_f += '}';
    Subject customer{auth::SubjectType::customer, p->customer_id, {}, {}, {}, {}};
    SendToSubject(customer.key(), f, conn.get());
    if (p->staff_id) {
      Subject agent{auth::SubjectType::staff, p->staff_id, {}, {}, {}, {}};
      SendToSubject(agent.key(), staff_f, conn.get());
    }
  });
}

void Hub::ConversationChanged(const store::Conversation& c) {
  Participants before{};
  if (auto it = participants_.find(c.id); it != participants_.end()) before = it->second;
  const bool known = participants_.contains(c.id);
  participants_[c.id] = Participants{c.customer_id, c.assigned_staff_id, c.state, c.desk};
  std::string updated = "{\"type\":\"conversation.updated\",\"conversation\":";
  json::AppendConversation(updated, c, json::Pii::masked);  // for staff consoles only
  updated += '}';
  // Those who may see it now get it; those who saw it until now are told it left their scope.
  const std::string gone = "{\"type\":\"conversation.gone\",\"conversation_id\":" + std::to_string(c.id) + "}";
  SendToStaffLobby(updated, c.desk, c.assigned_staff_id, known ? &gone : nullptr, before.desk, before.staff_id);
  if (c.assigned_staff_id && c.assigned_staff_id != before.staff_id) {
    std::string f = "{\"type\":\"conversation.assigned\",\"conversation_id\":" + std::to_string(c.id) +
                    ",\"agent\":{\"id\":" + std::to_string(c.assigned_staff_id) + ",\"name\":";
    AppendJsonString(f, c.assigned_staff_name);
    if (!c.assigned_staff_verify_id.empty()) {
      f += ",\"verify_id\":";
      AppendJsonString(f, c.assigned_staff_verify_id);
    }
    f += "}}";
    Subject customer{auth::SubjectType::customer, c.customer_id, {}, {}, {}, {}};
    SendToSubject(customer.key(), f, nullptr);
  }
}

void Hub::SendToCustomer(Id customer_id, const std::string& frame) {
  Subject customer{auth::SubjectType::customer, customer_id, {}, {}, {}, {}};
  SendToSubject(customer.key(), frame, nullptr);
}


void Hub::AfterCustomerMessage(const Subject& subject, const store::Message& message) {
  auto it = participants_.find(message.conversation_id);
  if (!workflow_ || it == participants_.end()) return;
  const ConversationState state = it->second.state;
  if (state == ConversationState::resolved || state == ConversationState::closed) {
    it->second.state = ConversationState::active;  // one reopen, however many messages follow
    auto reopen = [this, id = message.conversation_id, actor = subject.actor()]() -> asio::awaitable<void> {
      auto r = co_await workflow_->Reopen(id, actor);
      if (!r.ok()) log::Warn("workflow.reopen_failed", {{"conversation_id", id}, {"error", r.error().message}});
    };
    asio::co_spawn(io_, std::move(reopen), asio::detached);
    return;
  }
  if (state != ConversationState::bot) return;
  // The bot holds the conversation: it answers, or hands over when its policy says so.
  auto turn = [this, id = message.conversation_id, subject, text = message.text]() -> asio::awaitable<void> {
    co_await workflow_->BotTurn(id, subject, text);
  };
  asio::co_spawn(io_, std::move(turn), asio::detached);
}

void Hub::HandleCsat(const std::shared_ptr<WsConnection>& conn, const Subject& subject, Id conversation_id, int score,
                     std::string comment) {
  if (!workflow_) return SendError(*conn, Code::unavailable, "ratings are not available");
  auto rate = [this, conn, subject, conversation_id, score, comment = std::move(comment)]() mutable -> asio::awaitable<void> {
    auto r = co_await workflow_->SubmitCsat(subject, conversation_id, score, std::move(comment));
    if (!r.ok()) {
      std::string f = "{\"type\":\"error\",\"code\":\"";
      f += CodeName(r.error().code);
      f += "\",\"message\":";
      AppendJsonString(f, r.error().message);
      f += ",\"conversation_id\":" + std::to_string(conversation_id) + ",\"for\":\"csat.submit\"}";
      metrics_.ws_errors_sent++;
      conn->SendText(f);
      co_return;
    }
    conn->SendText("{\"type\":\"csat.recorded\",\"conversation_id\":" + std::to_string(conversation_id) +
                   ",\"score\":" + std::to_string(score) + "}");
  };
  asio::co_spawn(io_, std::move(rate), asio::detached);
}

void Hub::SendToSubject(std::uint64_t key, const std::string& frame, const WsConnection* except) {
  auto it = by_subject_.find(key);
  if (it == by_subject_.end()) return;
  for (WsConnection* c : it->second)
    if (c != except) c->SendText(frame);
}

void Hub::NotifyRole(const std::string& frame, domain::Role role) {
  for (std::uint64_t key : staff_online_) {
    auto it = by_subject_.find(key);
    if (it == by_subject_.end() || it->second.empty()) continue;
    const Peer* peer = Find(*it->second.front());
    if (peer && peer->subject.role == role) SendToSubject(key, frame, nullptr);
  }
}

void Hub::SendToStaffLobby(const std::string& frame, std::optional<domain::Desk> desk, Id assignee,
                           const std::string* gone, std::optional<domain::Desk> before_desk, Id before_assignee) {
  for (std::uint64_t key : staff_online_) {
    auto it = by_subject_.find(key);
    if (it == by_subject_.end() || it->second.empty()) continue;
    const Peer* peer = Find(*it->second.front());
    if (!peer) continue;
    const Subject& s = peer->subject;
    if (domain::MaySeeCase(s.role, s.desk, s.id, desk, assignee))
      SendToSubject(key, frame, nullptr);
    else if (gone && domain::MaySeeCase(s.role, s.desk, s.id, before_desk, before_assignee))
      SendToSubject(key, *gone, nullptr);
  }
}

void Hub::Sweep(std::int64_t now) {
  const std::int64_t interval = limits_.ping_interval_ms;
  std::vector<WsConnection*> dead;
  std::vector<WsConnection*> stuck;
  for (auto& [raw, peer] : peers_) {
    const std::int64_t quiet = now - raw->last_heard_ms();
    if (!raw->open()) {
      // Closing and the peer never finished the handshake: drop it.
      if (quiet >= interval) stuck.push_back(peer.conn.get());
    } else if (quiet >= 2 * interval) {
      dead.push_back(peer.conn.get());
    } else if (quiet >= interval) {
      peer.conn->Ping();
    }
  }
  for (WsConnection* c : dead) c->Close(1001, "no pong");
  for (WsConnection* c : stuck) c->Abort();
}

void Hub::CloseStaff(domain::Id staff_id, std::string_view reason) {
  Subject staff;
  staff.type = auth::SubjectType::staff;
  staff.id = staff_id;
  auto it = by_subject_.find(staff.key());
  if (it == by_subject_.end()) return;
  // Hold them: closing may run OnClosed bookkeeping that edits by_subject_.
  std::vector<std::shared_ptr<WsConnection>> conns;
  for (WsConnection* c : it->second)
    if (Peer* p = Find(*c)) conns.push_back(p->conn);
  for (auto& c : conns) c->Close(1008, reason);
}

void Hub::CloseAll() {
  std::vector<std::shared_ptr<WsConnection>> all;
  all.reserve(peers_.size());
  for (auto& [raw, peer] : peers_) all.push_back(peer.conn);
  for (auto& c : all) c->Close(1001, "server shutting down");
}

}  // namespace kefu::http
