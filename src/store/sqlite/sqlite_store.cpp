#include "store/sqlite/sqlite_store.hpp"

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include <sqlite3.h>

#include "core/log.hpp"
#include "core/text.hpp"
#include "store/sqlite/attachments.hpp"
#include "store/sqlite/audit.hpp"
#include "store/sqlite/privacy.hpp"
#include "store/sqlite/complaints.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/kb.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sealed.hpp"
#include "store/sqlite/sla.hpp"
#include "store/sqlite/tasks.hpp"
#include "store/sqlite/staff_auth.hpp"
#include "store/sqlite/tickets.hpp"
#include "store/sqlite/outbox.hpp"
#include "store/sqlite/timers.hpp"

namespace kefu::store::sqlite {
namespace {

using domain::ActorType;
using domain::ConversationAction;
using domain::ConversationState;

constexpr size_t kPreviewChars = 80;
constexpr Millis kDayMs = 86'400'000;

// One queued write. `run` executes inside the batch transaction (in a savepoint when the batch
// has several jobs, unless `atomic`); `finish` runs after the batch is committed, with the
// commit's error if any.
struct Job {
  std::function<Status(Db&)> run;
  std::function<void(const Error*)> finish;
  // The job either fails before writing anything or fails only with I/O errors that doom the
  // whole transaction anyway, so it needs no savepoint of its own (saves two statements).
  bool atomic = false;
};

// ---------- row mapping ----------

constexpr const char* kConversationColumns =
    "SELECT c.id, c.customer_id, cu.name, c.channel, c.state, c.desk, c.assigned_staff_id, "
    "s.name, c.last_seq, c.last_message_at, c.last_message_preview, c.created_at, c.updated_at, "
    "c.priority, c.queued_at, c.assigned_at, c.lang, c.category, COALESCE(s.verify_id, '') "
    "FROM conversations c JOIN customers cu ON cu.id = c.customer_id "
    "LEFT JOIN staff s ON s.id = c.assigned_staff_id ";

Conversation ReadConversation(const Stmt& s) {
  Conversation c;
  c.id = s.Int(0);
  c.customer_id = s.Int(1);
  c.customer_name = s.Plain(2, crypto::Place{"customers.name", c.customer_id});
  c.channel = s.Text(3);
  c.state = domain::ParseState(s.Text(4)).value_or(ConversationState::closed);
  if (!s.IsNull(5)) c.desk = domain::ParseDesk(s.Text(5));
  c.assigned_staff_id = s.Int(6);
  c.assigned_staff_name = s.Text(7);
  c.last_seq = s.Int(8);
  c.last_message_at = s.Int(9);
  c.last_message_preview = s.Plain(10, crypto::Place{"conversations.last_message_preview", c.id});
  c.created_at = s.Int(11);
  c.updated_at = s.Int(12);
  c.priority = static_cast<int>(s.Int(13));
  c.queued_at = s.Int(14);
  c.assigned_at = s.Int(15);
  c.lang = s.Text(16);
  c.category = s.Text(17);
  c.assigned_staff_verify_id = s.Text(18);
  return c;
}

std::vector<std::string> SplitCommas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

constexpr const char* kMessageColumns =
    "SELECT m.id, m.conversation_id, m.seq, m.client_id, m.sender_type, m.sender_id, "
    "COALESCE(s.name, ''), m.text, m.created_at, m.kind, a.public_id, a.content_type, a.size, cu.name, "
    "COALESCE(s.verify_id, '') "
    "FROM messages m "
    "LEFT JOIN staff s ON m.sender_type = 'staff' AND s.id = m.sender_id "
    "LEFT JOIN customers cu ON m.sender_type = 'customer' AND cu.id = m.sender_id "
    "LEFT JOIN attachments a ON m.kind = 'attachment' AND a.message_id = m.id ";

Message ReadMessage(const Stmt& s) {
  Message m;
  m.id = s.Int(0);
  m.conversation_id = s.Int(1);
  m.seq = s.Int(2);
  m.client_id = s.Text(3);
  m.sender.type = domain::ParseActorType(s.Text(4)).value_or(ActorType::system);
  m.sender.id = s.Int(5);
  m.sender_name = s.IsNull(13) ? s.Text(6) : s.Plain(13, crypto::Place{"customers.name", m.sender.id});
  m.text = s.Plain(7, crypto::Place{"messages.text", m.conversation_id, m.seq});
  m.created_at = s.Int(8);
  m.kind = s.Text(9);
  if (!s.IsNull(10)) m.attachment = AttachmentRef{s.Text(10), s.Text(11), s.Int(12)};
  m.sender_verify_id = s.Text(14);
  return m;
}

constexpr const char* kStaffColumns =
    "SELECT id, email, name, role, desk, max_chats, password_hash, token_version, disabled, "
    "created_at, status, languages, skills, totp_secret, totp_pending, totp_last_step, verify_id FROM staff ";

Staff ReadStaff(const Stmt& s) {
  Staff st;
  st.id = s.Int(0);
  st.email = s.Text(1);
  st.name = s.Text(2);
  st.role = domain::ParseRole(s.Text(3)).value_or(domain::Role::agent);
  if (!s.IsNull(4)) st.desk = domain::ParseDesk(s.Text(4));
  st.max_chats = static_cast<int>(s.Int(5));
  st.password_hash = s.Text(6);
  st.token_version = s.Int(7);
  st.disabled = s.Int(8) != 0;
  st.created_at = s.Int(9);
  st.status = s.Text(10);
  st.languages = SplitCommas(s.Text(11));
  st.skills = SplitCommas(s.Text(12));
  st.totp_secret = s.Blob(13);
  st.totp_pending = s.Blob(14);
  st.totp_last_step = s.Int(15);
  st.verify_id = s.Text(16);
  return st;
}

// The blind index of an identity: HMAC-SHA-256 (per channel) of its normalised value. Without a
// cipher (unit tests) the normalised value itself.
std::string IdentityLookup(const Db& db, std::string_view channel, std::string_view external_id) {
  const std::string value = channel == "email"   ? crypto::NormaliseEmail(external_id)
                            : channel == "phone" ? crypto::NormalisePhone(external_id)
                                                 : std::string(external_id);
  if (!db.cipher()) return value;
  const std::string column = "customer_identities." + std::string(channel);
  const crypto::BlindTag tag = db.cipher()->BlindIndex(column, value);
  return std::string(reinterpret_cast<const char*>(tag.data()), tag.size());
}

Result<Conversation> LoadConversation(Db& db, Id id);

// The customer behind a known identity with their latest conversation; nullopt for an identity
// never seen (or one whose customer has no conversation yet).
Result<std::optional<Session>> ResumeSession(Db& db, const NewSession& session) {
  Session out;
  {
    KEFU_ASSIGN(stmt, db.Prepare(
                          "SELECT cu.id, cu.name, cu.lang, cu.created_at FROM customer_identities ci "
                          "JOIN customers cu ON cu.id = ci.customer_id WHERE ci.channel = ?1 AND ci.lookup = ?2"));
    const std::string lookup = IdentityLookup(db, session.identity_channel, session.identity_external_id);
    stmt.Bind(1, session.identity_channel).BindBlob(2, lookup);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return std::optional<Session>();
    const Id id = stmt.Int(0);
    out.customer = Customer{id, stmt.Plain(1, crypto::Place{"customers.name", id}), stmt.Text(2), stmt.Int(3)};
  }
  Id conversation_id = 0;
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT MAX(id) FROM conversations WHERE customer_id = ?1"));
    stmt.Bind(1, out.customer.id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row || stmt.IsNull(0)) return std::optional<Session>();
    conversation_id = stmt.Int(0);
  }
  KEFU_ASSIGN(conv, LoadConversation(db, conversation_id));
  out.conversation = std::move(conv);
  out.resumed = true;
  return std::optional<Session>(std::move(out));
}

Result<Conversation> LoadConversation(Db& db, Id id) {
  static const std::string sql = std::string(kConversationColumns) + "WHERE c.id = ?1";
  KEFU_ASSIGN(stmt, db.Prepare(sql));
  stmt.Bind(1, id);
  KEFU_ASSIGN(row, stmt.Step());
  if (!row) return MakeError(Code::not_found, "conversation " + std::to_string(id) + " not found");
  return ReadConversation(stmt);
}

// The value of a string field in a JSON object kefu wrote itself ({"status":"online",...}); empty
// when absent. Escapes other than \" and \\ are kept as written (the fields read with it are
// plain words).
std::string JsonStringField(std::string_view json, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":\"";
  const size_t at = json.find(needle);
  if (at == std::string_view::npos) return {};
  std::string out;
  for (size_t i = at + needle.size(); i < json.size() && json[i] != '"'; ++i) {
    if (json[i] == '\\' && i + 1 < json.size()) ++i;
    out += json[i];
  }
  return out;
}

Result<Id> InsertEvent(Db& db, Id conversation_id, std::string_view type, Millis at,
                       const std::optional<domain::Actor>& actor, std::string_view data) {
  Event e;
  e.conversation_id = conversation_id;
  e.type = std::string(type);
  e.at = at;
  e.actor = actor;
  e.data_json = std::string(data);
  return InsertEventTx(db, e);
}

// Appends a message and its event (AppendMessage; also a timer's effect).
Result<AppendedMessage> AppendMessageTx(Db& db, const NewMessage& msg) {
  const std::string_view sender_type = domain::ActorTypeName(msg.sender.type);
  if (!msg.client_id.empty()) {
    static const std::string sql =
        std::string(kMessageColumns) +
        "WHERE m.conversation_id = ?1 AND m.sender_type = ?2 AND m.sender_id = ?3 "
        "AND m.client_id = ?4";
    KEFU_ASSIGN(stmt, db.Prepare(sql));
    stmt.Bind(1, msg.conversation_id).Bind(2, sender_type).Bind(3, msg.sender.id).Bind(4, msg.client_id);
    KEFU_ASSIGN(row, stmt.Step());
    if (row) return AppendedMessage{ReadMessage(stmt), true};
  }
  std::int64_t seq;
  {
    KEFU_ASSIGN(stmt, db.Prepare(
                          "UPDATE conversations SET last_seq = last_seq + 1, "
                          "last_message_at = CASE WHEN ?4 THEN last_message_at ELSE ?2 END, "
                          "last_message_preview = CASE WHEN ?4 THEN last_message_preview ELSE ?3 END, "
                          "updated_at = ?2 WHERE id = ?1 RETURNING last_seq"));
    std::string_view preview = TruncateAtToken(msg.text, kPreviewChars);
    // A whisper is not the conversation's activity as the customer sees it (nor its preview).
    const bool staff_only = domain::IsStaffOnlyKind(msg.kind);
    stmt.Bind(1, msg.conversation_id).Bind(2, msg.at).Bind(4, staff_only ? 1 : 0);
    if (staff_only) {
      stmt.BindNull(3);  // not used: the preview stays as it was
    } else {
      stmt.BindSealed(3, preview, crypto::Place{"conversations.last_message_preview", msg.conversation_id});
    }
    KEFU_ASSIGN(row, stmt.Step());
    if (!row)
      return MakeError(Code::not_found,
                       "conversation " + std::to_string(msg.conversation_id) + " not found");
    seq = stmt.Int(0);
  }
  AppendedMessage out;
  Message& m = out.message;
  {
    KEFU_ASSIGN(stmt, db.Prepare(
                          "INSERT INTO messages(conversation_id, seq, sender_type, "
                          "sender_id, client_id, text, created_at, kind) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    stmt.Bind(1, msg.conversation_id).Bind(2, seq).Bind(3, sender_type).Bind(4, msg.sender.id);
    stmt.BindOptional(5, std::string_view(msg.client_id)).Bind(7, msg.at);
    stmt.BindSealed(6, msg.text, crypto::Place{"messages.text", msg.conversation_id, seq});
    stmt.Bind(8, msg.kind.empty() ? std::string_view("text") : std::string_view(msg.kind));
    KEFU_TRY(stmt.Run());
  }
  m.id = db.LastInsertId();
  m.conversation_id = msg.conversation_id;
  m.seq = seq;
  m.client_id = msg.client_id;
  m.sender = msg.sender;
  m.text = msg.text;
  m.created_at = msg.at;
  m.kind = msg.kind.empty() ? "text" : msg.kind;
  if (msg.attachment_id) {
    KEFU_ASSIGN(ref, LinkAttachmentTx(db, msg.attachment_id, msg.conversation_id, m.id));
    m.attachment = std::move(ref);
  }
  std::string data = "{\"message_id\":" + std::to_string(m.id) + ",\"seq\":" + std::to_string(seq) + "}";
  KEFU_TRY(InsertEvent(db, msg.conversation_id, "message", msg.at, msg.sender, data));
  return out;
}

// Applies a conversation transition with its event and timers (ApplyTransition; also a
// timer's effect).
// Applies a transition and, when it carries one, its audit entry (store.hpp: TransitionRequest).
Result<TransitionResult> TransitionTx(Db& db, const AuditKey& audit_key, const TransitionRequest& req) {
  KEFU_ASSIGN(before, LoadConversation(db, req.conversation_id));
  KEFU_ASSIGN(after_state, domain::Transition(before.state, req.action));
  Id assignee = before.assigned_staff_id;
  std::optional<domain::Desk> desk = before.desk;
  std::string data = "{\"from\":\"" + std::string(domain::StateName(before.state)) +
                     "\",\"to\":\"" + std::string(domain::StateName(after_state)) + "\"";
  switch (req.action) {
    case ConversationAction::accept:
    case ConversationAction::assign:
    case ConversationAction::transfer_to_agent:
      if (req.assign_to == 0) return MakeError(Code::invalid, "no agent to assign to");
      if (req.action == ConversationAction::transfer_to_agent && req.assign_to == before.assigned_staff_id)
        return MakeError(Code::conflict, "the conversation is already with that agent");
      assignee = req.assign_to;
      data += ",\"agent_id\":" + std::to_string(assignee);
      if (before.assigned_staff_id)
        data += ",\"from_agent_id\":" + std::to_string(before.assigned_staff_id);
      break;
    case ConversationAction::handoff:
    case ConversationAction::transfer_to_desk:
      assignee = 0;
      if (req.desk) desk = req.desk;
      if (!desk) desk = domain::Desk::L1;
      data += ",\"desk\":\"" + std::string(domain::DeskName(*desk)) + "\"";
      if (before.assigned_staff_id)
        data += ",\"from_agent_id\":" + std::to_string(before.assigned_staff_id);
      break;
    default:
      break;
  }
  for (auto [key, value] : {std::pair{"reason", &req.reason}, {"note", &req.note}, {"summary", &req.summary},
                            {"category", &req.category}}) {
    if (value->empty()) continue;
    data += ",\"";
    data += key;
    data += "\":";
    AppendJsonString(data, *value);
  }
  if (req.priority) data += ",\"priority\":" + std::to_string(*req.priority);
  data += '}';
  if (assignee && assignee != before.assigned_staff_id) {
    KEFU_ASSIGN(check, db.Prepare("SELECT 1 FROM staff WHERE id = ?1 AND disabled = 0"));
    check.Bind(1, assignee);
    KEFU_ASSIGN(exists, check.Step());
    if (!exists) return MakeError(Code::not_found, "staff " + std::to_string(assignee) + " not found");
  }
  {
    const bool queued = after_state == ConversationState::queued;
    const bool newly_assigned = assignee && assignee != before.assigned_staff_id;
    KEFU_ASSIGN(stmt, db.Prepare(
                          "UPDATE conversations SET state = ?2, desk = ?3, "
                          "assigned_staff_id = ?4, updated_at = ?5, "
                          "queued_at = CASE WHEN ?6 THEN ?5 ELSE queued_at END, "
                          "assigned_at = CASE WHEN ?7 THEN ?5 WHEN ?4 IS NULL THEN NULL ELSE assigned_at END, "
                          "priority = COALESCE(?8, priority), category = COALESCE(?9, category), "
                          "summary = COALESCE(?10, summary) WHERE id = ?1"));
    stmt.Bind(1, req.conversation_id).Bind(2, domain::StateName(after_state));
    if (desk) {
      stmt.Bind(3, domain::DeskName(*desk));
    } else {
      stmt.BindNull(3);
    }
    stmt.BindOptional(4, assignee).Bind(5, req.at).Bind(6, queued ? 1 : 0).Bind(7, newly_assigned ? 1 : 0);
    if (req.priority) {
      stmt.Bind(8, *req.priority);
    } else {
      stmt.BindNull(8);
    }
    stmt.BindOptional(9, std::string_view(req.category));
    if (req.summary.empty()) {
      stmt.BindNull(10);
    } else {
      stmt.BindSealed(10, req.summary, crypto::Place{"conversations.summary", req.conversation_id});
    }
    KEFU_TRY(stmt.Run());
  }
  TransitionResult out;
  out.event.type = std::string(domain::EventType(req.action));
  KEFU_ASSIGN(event_id, InsertEvent(db, req.conversation_id, out.event.type, req.at, req.actor, data));
  out.event.id = event_id;
  out.event.conversation_id = req.conversation_id;
  out.event.at = req.at;
  out.event.actor = req.actor;
  out.event.data_json = std::move(data);
  for (const NewTimer& timer : req.timers) KEFU_TRY(ScheduleTimerTx(db, timer, req.at));
  for (const std::string& kind : req.cancel_timers) KEFU_TRY(CancelTimerTx(db, kind, req.conversation_id, req.at));
  // A case that reaches the security desk from elsewhere calls the operator's backend.
  const bool to_security = (req.action == ConversationAction::handoff ||
                            req.action == ConversationAction::transfer_to_desk) &&
                           desk == domain::Desk::security;
  const bool was_security = before.desk == domain::Desk::security && before.state != ConversationState::bot;
  if (req.security_webhook && to_security && !was_security) {
    KEFU_TRY(EnqueueSecurityWebhookTx(db, req.action == ConversationAction::handoff ? "handoff" : "transfer",
                                      req.conversation_id, 0, before.customer_id, req.reason, req.at));
  }
  if (req.audit) {
    AuditRecord audit = *req.audit;
    if (audit.target.empty()) audit.target = "conversation:" + std::to_string(req.conversation_id);
    KEFU_TRY(AppendAuditTx(db, audit_key, audit));
  }
  KEFU_ASSIGN(after, LoadConversation(db, req.conversation_id));
  out.conversation = std::move(after);
  return out;
}

// Fires a timer: claims it, then applies its effect, all in the caller's transaction.
Result<FiredTimer> FireTimerTx(Db& db, const AuditKey& key, const TimerFiring& f) {
  KEFU_TRY(ClaimTimerTx(db, f.timer_id, f.at));
  FiredTimer out;
  for (const NewMessage& m : f.messages) {
    KEFU_ASSIGN(appended, AppendMessageTx(db, m));
    out.messages.push_back(std::move(appended.message));
  }
  if (f.transition) {
    KEFU_ASSIGN(result, TransitionTx(db, key, *f.transition));
    out.transition = std::move(result);
  }
  for (const Event& e : f.events) KEFU_TRY(InsertEventTx(db, e));
  for (const NewTimer& t : f.next) KEFU_TRY(ScheduleTimerTx(db, t, f.at));
  if (f.sla) KEFU_TRY(ApplySlaFiringTx(db, *f.sla));
  if (f.task_fired) KEFU_TRY(TaskFiredTx(db, f.task_fired, f.at));
  if (f.webhook) KEFU_TRY(WebhookAttemptTx(db, *f.webhook, f.at));
  if (f.ticket_auto_close) KEFU_TRY(AutoCloseTicketTx(db, f.ticket_auto_close, f.at));
  if (f.complaint_review_overdue) KEFU_TRY(ComplaintReviewOverdueTx(db, f.complaint_review_overdue, f.at));
  return out;
}

// ---------- pool of read connections ----------

class ReadPool {
 public:
  void Add(Db db) { free_.push_back(std::make_unique<Db>(std::move(db))); }

  // Borrows a connection for the lifetime of the lease.
  class Lease {
   public:
    Lease(ReadPool& pool, std::unique_ptr<Db> db) : pool_(pool), db_(std::move(db)) {}
    ~Lease() { pool_.Return(std::move(db_)); }
    Db& operator*() { return *db_; }

   private:
    ReadPool& pool_;
    std::unique_ptr<Db> db_;
  };

  Lease Acquire() {
    std::unique_lock lock(m_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    auto db = std::move(free_.back());
    free_.pop_back();
    return Lease(*this, std::move(db));
  }

  void Clear() {
    std::lock_guard lock(m_);
    free_.clear();
  }

 private:
  void Return(std::unique_ptr<Db> db) {
    std::lock_guard lock(m_);
    free_.push_back(std::move(db));
    cv_.notify_one();
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Db>> free_;
};

// ---------- the store ----------

class SqliteStore final : public Store {
 public:
  SqliteStore(Db writer, Db checkpointer, int version, const StoreOptions& options)
      : writer_db_(std::move(writer)),
        checkpoint_db_(std::move(checkpointer)),
        version_(version),
        max_batch_(options.max_batch),
        audit_key_(options.audit_key.value_or(AuditKey{})),
        cipher_(options.cipher),
        reseal_check_ms_(options.reseal_check_ms),
        reseal_batch_(std::max(1, options.reseal_batch)),
        refresh_keys_(options.refresh_keys) {
    writer_db_.set_cipher(cipher_.get());
    // Checkpoints run on their own thread so that copying the WAL into the database (and its
    // fsync) never delays an acknowledgement.
    sqlite3_wal_autocheckpoint(writer_db_.raw(), 0);
    sqlite3_wal_hook(writer_db_.raw(), &SqliteStore::OnWalCommit, this);
    checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
    writer_thread_ = std::thread([this] { WriterLoop(); });
    tickets_ = NewSqliteTicketStore(EngineHooks{
        [this](std::function<Status(Db&)> run, std::function<void(const Error*)> finish, bool atomic) {
          Enqueue(Job{std::move(run), std::move(finish), atomic});
        },
        [this](const std::function<void(Db&)>& fn) {
          auto lease = readers_.Acquire();
          fn(*lease);
        }});
    complaints_ = NewSqliteComplaintStore(
        EngineHooks{[this](std::function<Status(Db&)> run, std::function<void(const Error*)> finish, bool atomic) {
                      Enqueue(Job{std::move(run), std::move(finish), atomic});
                    },
                    [this](const std::function<void(Db&)>& fn) {
                      auto lease = readers_.Acquire();
                      fn(*lease);
                    }},
        audit_key_);
  }

  TicketStore& Tickets() override { return *tickets_; }
  const crypto::FieldCipher* Cipher() const override { return cipher_.get(); }
  ComplaintStore& Complaints() override { return *complaints_; }

  ~SqliteStore() override { Close(); }

  ReadPool& readers() { return readers_; }
  const crypto::FieldCipher* cipher() const { return cipher_.get(); }
  // Starts the background re-sealing (once the read connections exist).
  void StartBackground() {
    if (cipher_ && reseal_check_ms_ > 0) reseal_thread_ = std::thread([this] { ResealLoop(); });
  }

  Result<std::vector<KeyUsage>> SealedKeyUsage() override {
    auto lease = readers_.Acquire();
    return SealedKeyUsageTx(*lease);
  }

  void ResealBatch(int limit, Callback<ResealProgress> done) override {
    // The cursor lives with the writer: only writer jobs touch it.
    Submit<ResealProgress>([this, limit](Db& db) { return ResealStepTx(db, reseal_cursor_, limit); }, std::move(done));
  }
  int SchemaVersion() const override { return version_; }

  void AddStaff(NewStaff staff, Callback<Staff> done) override {
    Submit<Staff>(
        [staff = std::move(staff), key = audit_key_](Db& db) -> Result<Staff> {
          KEFU_ASSIGN(stmt, db.Prepare(
                                "INSERT INTO staff(email, name, role, desk, max_chats, "
                                "password_hash, created_at, languages, skills, verify_id) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
          KEFU_ASSIGN(verify_id, NewStaffVerifyId(db));
          auto join = [](const std::vector<std::string>& list) {
            std::string out;
            for (const auto& item : list) out += (out.empty() ? "" : ",") + item;
            return out;
          };
          const std::string languages = join(staff.languages), skills = join(staff.skills);
          std::string email = AsciiLower(staff.email);
          stmt.Bind(1, email).Bind(2, staff.name).Bind(3, domain::RoleName(staff.role));
          if (staff.desk) {
            stmt.Bind(4, domain::DeskName(*staff.desk));
          } else {
            stmt.BindNull(4);
          }
          stmt.Bind(5, staff.max_chats).Bind(6, staff.password_hash).Bind(7, staff.at);
          stmt.Bind(8, languages).Bind(9, skills).Bind(10, verify_id);
          auto st = stmt.Run();
          if (!st.ok()) {
            if (st.error().code == Code::conflict)
              return MakeError(Code::conflict, "a staff member with email " + email + " exists");
            return std::move(st).error();
          }
          Staff out;
          out.id = db.LastInsertId();
          out.email = email;
          out.name = staff.name;
          out.role = staff.role;
          out.desk = staff.desk;
          out.max_chats = staff.max_chats;
          out.password_hash = staff.password_hash;
          out.verify_id = verify_id;
          out.created_at = staff.at;
          out.languages = staff.languages;
          out.skills = staff.skills;
          std::string data = "{\"staff_id\":" + std::to_string(out.id) + ",\"role\":\"" +
                             std::string(domain::RoleName(out.role)) + "\"}";
          KEFU_TRY(InsertEvent(db, 0, "staff.created", staff.at, std::nullopt, data));
          AuditRecord audit{staff.at, staff.created_by, "staff.create", "staff:" + std::to_string(out.id), ""};
          audit.details_json = "{\"email\":";
          AppendJsonString(audit.details_json, email);
          audit.details_json += ",\"role\":\"" + std::string(domain::RoleName(out.role)) + "\"";
          if (out.desk) audit.details_json += ",\"desk\":\"" + std::string(domain::DeskName(*out.desk)) + "\"";
          audit.details_json += '}';
          KEFU_TRY(AppendAuditTx(db, key, audit));
          return out;
        },
        std::move(done));
  }

  void UpdateStaff(StaffUpdate u, Callback<Staff> done) override {
    Submit<Staff>(
        [u = std::move(u), key = audit_key_](Db& db) -> Result<Staff> {
          static const std::string read = std::string(kStaffColumns) + "WHERE id = ?1";
          Staff before;
          {
            KEFU_ASSIGN(stmt, db.Prepare(read));
            stmt.Bind(1, u.staff_id);
            KEFU_ASSIGN(row, stmt.Step());
            if (!row) return MakeError(Code::not_found, "staff " + std::to_string(u.staff_id) + " not found");
            before = ReadStaff(stmt);
          }
          Staff after = before;
          if (u.role) after.role = *u.role;
          if (u.desk) after.desk = *u.desk;
          if (u.max_chats) after.max_chats = *u.max_chats;
          if (u.languages) after.languages = *u.languages;
          if (u.skills) after.skills = *u.skills;
          if (u.disabled) after.disabled = *u.disabled;
          auto join = [](const std::vector<std::string>& list) {
            std::string out;
            for (const auto& item : list) out += (out.empty() ? "" : ",") + item;
            return out;
          };
          const std::string languages = join(after.languages), skills = join(after.skills);
          {
            KEFU_ASSIGN(stmt, db.Prepare("UPDATE staff SET role = ?2, desk = ?3, max_chats = ?4, languages = ?5, "
                                         "skills = ?6, disabled = ?7 WHERE id = ?1"));
            stmt.Bind(1, u.staff_id).Bind(2, domain::RoleName(after.role));
            if (after.desk) {
              stmt.Bind(3, domain::DeskName(*after.desk));
            } else {
              stmt.BindNull(3);
            }
            stmt.Bind(4, after.max_chats).Bind(5, languages).Bind(6, skills).Bind(7, after.disabled ? 1 : 0);
            KEFU_TRY(stmt.Run());
          }
          std::string changed;
          auto note = [&changed](std::string_view field, bool differs) {
            if (!differs) return;
            changed += changed.empty() ? "\"" : ",\"";
            changed += field;
            changed += '"';
          };
          note("role", after.role != before.role);
          note("desk", after.desk != before.desk);
          note("max_chats", after.max_chats != before.max_chats);
          note("languages", after.languages != before.languages);
          note("skills", after.skills != before.skills);
          note("disabled", after.disabled != before.disabled);
          std::string data = "{\"staff_id\":" + std::to_string(u.staff_id) + ",\"changed\":[" + changed + "]";
          data += ",\"role\":\"" + std::string(domain::RoleName(after.role)) + "\",\"desk\":";
          data += after.desk ? "\"" + std::string(domain::DeskName(*after.desk)) + "\"" : std::string("null");
          data += ",\"disabled\":";
          data += after.disabled ? "true}" : "false}";
          KEFU_TRY(InsertEvent(db, 0, "staff.updated", u.at, u.actor, data));
          const bool access = after.role != before.role || after.desk != before.desk || after.disabled != before.disabled;
          AuditRecord audit{u.at, u.actor, access ? "staff.role_change" : "staff.update",
                            "staff:" + std::to_string(u.staff_id), data};
          KEFU_TRY(AppendAuditTx(db, key, audit));
          return after;
        },
        std::move(done));
  }

  void CreateSession(NewSession session, Callback<Session> done) override {
    Submit<Session>(
        [session = std::move(session)](Db& db) -> Result<Session> {
          Session out;
          if (!session.identity_channel.empty()) {
            KEFU_ASSIGN(known, ResumeSession(db, session));
            if (known) return std::move(*known);
            if (!session.create) return MakeError(Code::not_found, "unknown identity");
          }
          {
            // The customer's id is named before the insert: the sealed name is bound to it.
            Id id = 0;
            {
              KEFU_ASSIGN(next, db.Prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM customers"));
              KEFU_ASSIGN(row, next.Step());
              if (row) id = next.Int(0);
            }
            KEFU_ASSIGN(stmt, db.Prepare(
                                  "INSERT INTO customers(id, name, lang, created_at) VALUES (?4, ?1, ?2, ?3)"));
            stmt.BindSealed(1, session.name, crypto::Place{"customers.name", id}).Bind(2, session.lang).Bind(3, session.at);
            stmt.Bind(4, id);
            KEFU_TRY(stmt.Run());
          }
          out.customer = Customer{db.LastInsertId(), session.name, session.lang, session.at};
          std::vector<CustomerIdentity> identities = session.identities;
          if (!session.identity_channel.empty())
            identities.push_back({session.identity_channel, session.identity_external_id, session.identity_verified,
                                  session.at});
          for (const CustomerIdentity& identity : identities) {
            Id identity_id = 0;
            {
              KEFU_ASSIGN(next, db.Prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM customer_identities"));
              KEFU_ASSIGN(row, next.Step());
              if (row) identity_id = next.Int(0);
            }
            const std::string lookup = IdentityLookup(db, identity.channel, identity.external_id);
            KEFU_ASSIGN(stmt, db.Prepare("INSERT INTO customer_identities(id, customer_id, channel, external_id, "
                                         "lookup, verified, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
            stmt.Bind(1, identity_id).Bind(2, out.customer.id).Bind(3, identity.channel);
            if (db.cipher()) {
              stmt.BindSealed(4, identity.external_id, crypto::Place{"customer_identities.external_id", identity_id});
            } else {
              stmt.BindBlob(4, identity.external_id);
            }
            stmt.BindBlob(5, lookup).Bind(6, identity.verified ? 1 : 0).Bind(7, session.at);
            if (auto st = stmt.Run(); !st.ok()) {
              if (st.error().code == Code::conflict)
                return MakeError(Code::conflict, "this " + identity.channel + " identity belongs to another customer");
              return std::move(st).error();
            }
          }
          {
            KEFU_ASSIGN(stmt, db.Prepare(
                                  "INSERT INTO conversations(customer_id, channel, state, "
                                  "created_at, updated_at, lang) VALUES (?1, ?2, 'bot', ?3, ?3, ?4)"));
            stmt.Bind(1, out.customer.id).Bind(2, session.channel).Bind(3, session.at).Bind(4, session.lang);
            KEFU_TRY(stmt.Run());
          }
          Conversation& c = out.conversation;
          c.id = db.LastInsertId();
          c.customer_id = out.customer.id;
          c.customer_name = session.name;
          c.channel = session.channel;
          c.lang = session.lang;
          c.state = ConversationState::bot;
          c.created_at = c.updated_at = session.at;
          domain::Actor actor{ActorType::customer, out.customer.id};
          std::string data = "{\"channel\":";
          AppendJsonString(data, session.channel);
          data += '}';
          KEFU_TRY(InsertEvent(db, c.id, "created", session.at, actor, data));
          return out;
        },
        std::move(done));
  }

  void AppendMessage(NewMessage msg, Callback<AppendedMessage> done) override {
    // Atomic: the only expected failure (unknown conversation) happens before any write; the
    // duplicate check only reads.
    Submit<AppendedMessage>([msg = std::move(msg)](Db& db) { return AppendMessageTx(db, msg); }, std::move(done),
                            /*atomic=*/true);
  }

  void ApplyTransition(TransitionRequest req, Callback<TransitionResult> done) override {
    Submit<TransitionResult>(
        [req = std::move(req), key = audit_key_](Db& db) { return TransitionTx(db, key, req); }, std::move(done));
  }

  Result<std::vector<StaffStatusChange>> ListStaffStatusHistory(Id staff_id, Id before, Millis since,
                                                                int limit) override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare("SELECT id, at, data FROM events WHERE type = 'staff.status' AND actor_id = ?1 "
                                     "AND actor_type = 'staff' AND (?2 = 0 OR id < ?2) AND at >= ?3 "
                                     "ORDER BY id DESC LIMIT ?4"));
    stmt.Bind(1, staff_id).Bind(2, before).Bind(3, since).Bind(4, limit);
    std::vector<StaffStatusChange> out;
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      StaffStatusChange c;
      c.event_id = stmt.Int(0);
      c.at = stmt.Int(1);
      const std::string data = stmt.Plain(2, crypto::Place{"events.data", c.event_id});
      c.status = JsonStringField(data, "status");
      c.from = JsonStringField(data, "from");
      out.push_back(std::move(c));
    }
    return out;
  }

  void SetStaffStatus(Id staff_id, std::string status, Millis at, Callback<Staff> done) override {
    Submit<Staff>(
        [staff_id, status = std::move(status), at](Db& db) -> Result<Staff> {
          std::string from;
          {
            KEFU_ASSIGN(stmt, db.Prepare("SELECT status FROM staff WHERE id = ?1"));
            stmt.Bind(1, staff_id);
            KEFU_ASSIGN(row, stmt.Step());
            if (!row) return MakeError(Code::not_found, "staff " + std::to_string(staff_id) + " not found");
            from = stmt.Text(0);
          }
          {
            KEFU_ASSIGN(stmt, db.Prepare("UPDATE staff SET status = ?2, status_at = ?3 WHERE id = ?1"));
            stmt.Bind(1, staff_id).Bind(2, status).Bind(3, at);
            KEFU_TRY(stmt.Run());
          }
          std::string data = "{\"staff_id\":" + std::to_string(staff_id) + ",\"status\":";
          AppendJsonString(data, status);
          data += ",\"from\":";
          AppendJsonString(data, from);
          data += '}';
          KEFU_TRY(InsertEvent(db, 0, "staff.status", at, domain::Actor{ActorType::staff, staff_id}, data));
          static const std::string sql = std::string(kStaffColumns) + "WHERE id = ?1";
          KEFU_ASSIGN(stmt, db.Prepare(sql));
          stmt.Bind(1, staff_id);
          KEFU_ASSIGN(row, stmt.Step());
          if (!row) return MakeError(Code::not_found, "staff not found");
          return ReadStaff(stmt);
        },
        std::move(done));
  }

  void RecordCsat(Csat csat, Callback<Csat> done) override {
    Submit<Csat>(
        [csat = std::move(csat)](Db& db) -> Result<Csat> {
          KEFU_ASSIGN(stmt, db.Prepare(
                                "INSERT INTO csat(conversation_id, score, comment, staff_id, desk, created_at) "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
          stmt.Bind(1, csat.conversation_id).Bind(2, csat.score).BindOptional(4, csat.staff_id);
          stmt.BindSealed(3, csat.comment, crypto::Place{"csat.comment", csat.conversation_id});
          if (csat.desk) {
            stmt.Bind(5, domain::DeskName(*csat.desk));
          } else {
            stmt.BindNull(5);
          }
          stmt.Bind(6, csat.at);
          auto st = stmt.Run();
          if (!st.ok()) {
            if (st.error().code == Code::conflict)
              return MakeError(Code::conflict, "this conversation has already been rated");
            return std::move(st).error();
          }
          std::string data = "{\"score\":" + std::to_string(csat.score);
          if (csat.staff_id) data += ",\"staff_id\":" + std::to_string(csat.staff_id);
          if (csat.desk) data += ",\"desk\":\"" + std::string(domain::DeskName(*csat.desk)) + "\"";
          if (!csat.comment.empty()) {
            data += ",\"comment\":";
            AppendJsonString(data, csat.comment);
          }
          data += '}';
          KEFU_TRY(InsertEvent(db, csat.conversation_id, "csat", csat.at, std::nullopt, data));
          // Answered: the survey's reminder must not go out.
          KEFU_TRY(CancelTimerTx(db, "csat.reminder", csat.conversation_id, csat.at));
          return csat;
        },
        std::move(done));
  }

  void AppendAudit(AuditRecord record, Callback<AuditEntry> done) override {
    // Atomic: a failure can only be I/O, which dooms the batch anyway.
    Submit<AuditEntry>(
        [record = std::move(record), key = audit_key_](Db& db) { return AppendAuditTx(db, key, record); },
        std::move(done), /*atomic=*/true);
  }

  void RecordEvent(Event event, Callback<Id> done) override {
    Submit<Id>(
        [event = std::move(event)](Db& db) -> Result<Id> {
          return InsertEvent(db, event.conversation_id, event.type, event.at, event.actor,
                             event.data_json.empty() ? std::string_view("{}") : std::string_view(event.data_json));
        },
        std::move(done), /*atomic=*/true);
  }

  void ScheduleTimer(NewTimer timer, Callback<Timer> done) override {
    Submit<Timer>([timer = std::move(timer)](Db& db) { return ScheduleTimerTx(db, timer, Clock::System().Now()); },
                  std::move(done));
  }

  void CancelTimer(std::string kind, Id ref_id, Callback<int> done) override {
    Submit<int>([kind = std::move(kind), ref_id](Db& db) { return CancelTimerTx(db, kind, ref_id, Clock::System().Now()); },
                std::move(done));
  }

  void FireTimer(TimerFiring firing, Callback<FiredTimer> done) override {
    Submit<FiredTimer>([firing = std::move(firing), key = audit_key_](Db& db) { return FireTimerTx(db, key, firing); }, std::move(done));
  }

  void RecordWebhookResult(WebhookResult result, Callback<WebhookDelivery> done) override {
    Submit<WebhookDelivery>([result = std::move(result)](Db& db) { return RecordWebhookResultTx(db, result); },
                            std::move(done));
  }

  void SaveBotModel(std::string model, std::int64_t kb_version, Callback<int> done) override {
    Submit<int>(
        [model = std::move(model), kb_version](Db& db) -> Result<int> {
          KEFU_ASSIGN(stmt, db.Prepare(
                                "INSERT INTO bot_models(id, model, kb_version, trained_at) VALUES (1, ?1, ?2, ?3) "
                                "ON CONFLICT(id) DO UPDATE SET model = excluded.model, "
                                "kb_version = excluded.kb_version, trained_at = excluded.trained_at"));
          stmt.BindBlob(1, model).Bind(2, kb_version).Bind(3, Clock::System().Now());
          KEFU_TRY(stmt.Run());
          return 1;
        },
        std::move(done));
  }

  void UpsertKbEntries(std::vector<KbEntry> entries, Callback<int> done) override {
    Submit<int>([entries = std::move(entries), key = audit_key_](Db& db) { return UpsertKbEntriesTx(db, key, entries); }, std::move(done));
  }

  void CreateKbArticle(KbArticleWrite write, Callback<KbArticleChange> done) override {
    Submit<KbArticleChange>([write = std::move(write), key = audit_key_](Db& db) { return CreateKbArticleTx(db, key, write); },
                            std::move(done));
  }

  void UpdateKbArticle(KbArticleWrite write, Callback<KbArticleChange> done) override {
    Submit<KbArticleChange>([write = std::move(write), key = audit_key_](Db& db) { return UpdateKbArticleTx(db, key, write); },
                            std::move(done));
  }

  void PublishKbArticle(std::string id, std::int64_t version, Id staff_id, Millis at,
                        Callback<KbArticleChange> done) override {
    Submit<KbArticleChange>(
        [id = std::move(id), version, staff_id, at, key = audit_key_](Db& db) {
          return PublishKbArticleTx(db, key, id, version, staff_id, at);
        },
        std::move(done));
  }

  void UnpublishKbArticle(std::string id, Id staff_id, Millis at, Callback<KbArticleChange> done) override {
    Submit<KbArticleChange>(
        [id = std::move(id), staff_id, at, key = audit_key_](Db& db) {
          return UnpublishKbArticleTx(db, key, id, staff_id, at);
        },
        std::move(done));
  }

  // ---------- reads ----------

  Result<std::vector<Conversation>> ListInState(ConversationState state) override {
    auto lease = readers_.Acquire();
    static const std::string sql = std::string(kConversationColumns) + "WHERE c.state = ?1 ORDER BY c.queued_at, c.id";
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    stmt.Bind(1, domain::StateName(state));
    std::vector<Conversation> out;
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      out.push_back(ReadConversation(stmt));
    }
    return out;
  }

  Result<std::vector<std::pair<Id, int>>> ActiveCounts() override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare(
                          "SELECT assigned_staff_id, COUNT(*) FROM conversations "
                          "WHERE state IN ('active', 'pending') AND assigned_staff_id IS NOT NULL "
                          "GROUP BY assigned_staff_id"));
    std::vector<std::pair<Id, int>> out;
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      out.emplace_back(stmt.Int(0), static_cast<int>(stmt.Int(1)));
    }
    return out;
  }

  Result<std::vector<std::pair<domain::Desk, Millis>>> RecentHandlingTimes(int per_desk) override {
    auto lease = readers_.Acquire();
    // Closed conversations with an agent: the close event's time minus when the agent took it.
    KEFU_ASSIGN(stmt, (*lease).Prepare(
                          "SELECT desk, updated_at - assigned_at FROM ("
                          " SELECT desk, updated_at, assigned_at, ROW_NUMBER() OVER ("
                          "   PARTITION BY desk ORDER BY updated_at DESC) AS n"
                          " FROM conversations"
                          " WHERE state = 'closed' AND assigned_at IS NOT NULL AND desk IS NOT NULL"
                          " AND updated_at > ?2) WHERE n <= ?1"));
    stmt.Bind(1, per_desk).Bind(2, static_cast<std::int64_t>(Clock::System().Now() - 7 * kDayMs));
    std::vector<std::pair<domain::Desk, Millis>> out;
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      if (auto d = domain::ParseDesk(stmt.Text(0))) out.emplace_back(*d, stmt.Int(1));
    }
    return out;
  }

  Result<BotModel> LoadBotModel() override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare("SELECT model, kb_version FROM bot_models WHERE id = 1"));
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "the bot has no model yet; import a knowledge base");
    return BotModel{stmt.Blob(0), stmt.Int(1)};
  }

  Result<std::int64_t> KbVersion() override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare("SELECT version FROM kb_state WHERE id = 1"));
    KEFU_ASSIGN(row, stmt.Step());
    return row ? stmt.Int(0) : std::int64_t{0};
  }

  Result<std::vector<KbEntry>> ListKbEntries() override {
    auto lease = readers_.Acquire();
    return ReadPublishedKbEntries(*lease);
  }

  Result<std::vector<KbEntry>> GetPublishedKbEntries(const std::vector<std::string>& ids) override {
    auto lease = readers_.Acquire();
    return ReadPublishedKbEntries(*lease, ids);
  }

  Result<KbArticle> GetKbArticle(std::string_view id) override {
    auto lease = readers_.Acquire();
    return ReadKbArticle(*lease, id);
  }

  Result<KbArticlePage> ListKbArticles(const KbArticleQuery& query) override {
    auto lease = readers_.Acquire();
    return ReadKbArticlePage(*lease, query);
  }

  Result<KbVersionPage> ListKbArticleVersions(std::string_view id, std::int64_t before_version, int limit) override {
    auto lease = readers_.Acquire();
    return ReadKbVersionPage(*lease, id, before_version, limit);
  }

  Result<std::vector<CustomerIdentity>> ListCustomerIdentities(Id customer_id) override {
    auto lease = readers_.Acquire();
    return ListCustomerIdentitiesTx(*lease, customer_id);
  }

  Result<std::vector<Conversation>> ListCustomerConversations(Id customer_id) override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(ids, ListCustomerConversationIdsTx(*lease, customer_id));
    std::vector<Conversation> out;
    for (Id id : ids) {
      KEFU_ASSIGN(c, LoadConversation(*lease, id));
      out.push_back(std::move(c));
    }
    return out;
  }

  void CreateDataRequest(NewDataRequest request, Callback<DataRequest> done) override {
    Submit<DataRequest>([r = std::move(request), key = audit_key_](Db& db) { return CreateDataRequestTx(db, key, r); },
                        std::move(done));
  }

  Result<DataRequest> GetDataRequest(Id id) override {
    auto lease = readers_.Acquire();
    return GetDataRequestTx(*lease, id);
  }

  Result<std::vector<DataRequest>> ListDataRequests(std::string_view status, int limit) override {
    auto lease = readers_.Acquire();
    return ListDataRequestsTx(*lease, status, limit);
  }

  void CompleteExport(Id request_id, domain::Actor actor, Millis at, Callback<DataRequest> done) override {
    Submit<DataRequest>([=, key = audit_key_](Db& db) { return CompleteExportTx(db, key, request_id, actor, at); },
                        std::move(done));
  }

  void EraseCustomer(ErasureRequest request, Callback<ErasureResult> done) override {
    Submit<ErasureResult>([request, key = audit_key_](Db& db) { return EraseCustomerTx(db, key, request); },
                          std::move(done));
  }

  void SetLegalHold(Id customer_id, std::string reason, domain::Actor actor, Millis at,
                    Callback<std::optional<LegalHold>> done) override {
    Submit<std::optional<LegalHold>>(
        [=, reason = std::move(reason), key = audit_key_](Db& db) {
          return SetLegalHoldTx(db, key, customer_id, reason, actor, at);
        },
        std::move(done));
  }

  Result<std::optional<LegalHold>> GetLegalHold(Id customer_id) override {
    auto lease = readers_.Acquire();
    return GetLegalHoldTx(*lease, customer_id);
  }

  void AddAttachment(NewAttachment attachment, Callback<Attachment> done) override {
    Submit<Attachment>([a = std::move(attachment)](Db& db) { return AddAttachmentTx(db, a); }, std::move(done));
  }

  Result<Attachment> GetAttachment(std::string_view public_id) override {
    auto lease = readers_.Acquire();
    return GetAttachmentTx(*lease, public_id);
  }

  Result<std::vector<Attachment>> ListTicketAttachments(Id ticket_id) override {
    auto lease = readers_.Acquire();
    return ListTicketAttachmentsTx(*lease, ticket_id);
  }

  void CreateTask(NewTask task, Callback<Task> done) override {
    Submit<Task>([task = std::move(task)](Db& db) { return CreateTaskTx(db, task); }, std::move(done));
  }

  void CompleteTask(Id task_id, domain::Actor actor, Millis at, Callback<Task> done) override {
    Submit<Task>([=](Db& db) { return CompleteTaskTx(db, task_id, actor, at); }, std::move(done));
  }

  Result<Task> GetTask(Id task_id) override {
    auto lease = readers_.Acquire();
    return GetTaskTx(*lease, task_id);
  }

  Result<std::vector<Task>> ListTasks(Id owner_id, std::string_view state, int limit) override {
    auto lease = readers_.Acquire();
    return ListTasksTx(*lease, owner_id, state, limit);
  }

  void SaveSlaPolicy(domain::SlaPolicy policy, Callback<domain::SlaPolicy> done) override {
    Submit<domain::SlaPolicy>(
        [policy = std::move(policy)](Db& db) { return SaveSlaPolicyTx(db, policy, Clock::System().Now()); },
        std::move(done));
  }

  Result<std::vector<domain::SlaPolicy>> ListSlaPolicies() override {
    auto lease = readers_.Acquire();
    return ListSlaPoliciesTx(*lease);
  }

  Result<domain::TicketSla> GetTicketSla(Id ticket_id) override {
    auto lease = readers_.Acquire();
    return GetTicketSlaTx(*lease, ticket_id);
  }

  Result<SlaBreachPage> ListSlaBreaches(int limit, std::string_view cursor) override {
    auto lease = readers_.Acquire();
    return ListSlaBreachesTx(*lease, limit, cursor);
  }

  void StartNextResponse(NextResponseStart start, Callback<domain::TicketSla> done) override {
    Submit<domain::TicketSla>([start = std::move(start)](Db& db) { return StartNextResponseTx(db, start); },
                              std::move(done));
  }

  Result<std::vector<NextResponseWatch>> ListNextResponseWatches() override {
    auto lease = readers_.Acquire();
    return ListNextResponseWatchesTx(*lease);
  }

  Result<std::vector<std::pair<Id, Id>>> ListPendingTicketConversations() override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare("SELECT conversation_id, id FROM tickets WHERE status = 'pending' AND "
                                       "conversation_id IS NOT NULL AND merged_into IS NULL"));
    std::vector<std::pair<Id, Id>> out;
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      out.emplace_back(stmt.Int(0), stmt.Int(1));
    }
    return out;
  }

  Result<std::vector<Timer>> DueTimers(Millis now, int limit) override {
    auto lease = readers_.Acquire();
    return DueTimersTx(*lease, now, limit);
  }

  Result<std::optional<Millis>> NextTimerDue() override {
    auto lease = readers_.Acquire();
    return NextTimerDueTx(*lease);
  }

  Result<WebhookDelivery> GetWebhookDelivery(Id id) override {
    auto lease = readers_.Acquire();
    return GetWebhookDeliveryTx(*lease, id);
  }

  Result<std::vector<WebhookDelivery>> ListWebhookDeliveries(std::string_view state, Id before_id,
                                                             int limit) override {
    auto lease = readers_.Acquire();
    return ListWebhookDeliveriesTx(*lease, state, before_id, limit);
  }

  Result<Timer> PendingTimer(std::string_view kind, Id ref_id) override {
    auto lease = readers_.Acquire();
    return PendingTimerTx(*lease, kind, ref_id);
  }

  Result<AuditPage> ListAudit(const AuditQuery& query) override {
    auto lease = readers_.Acquire();
    return ReadAuditPage(*lease, query);
  }

  Result<AuditVerdict> VerifyAudit(const AuditKey& key) override {
    auto lease = readers_.Acquire();
    return VerifyAuditChain(*lease, key);
  }

  // ---- staff sign-in (store/sqlite/staff_auth.cpp) ----

  void CreateStaffSession(StaffSessionRecord session, Callback<StaffSessionRecord> done) override {
    Submit<StaffSessionRecord>([s = std::move(session)](Db& db) { return CreateStaffSessionTx(db, s); },
                               std::move(done));
  }
  void RevokeStaffSession(std::string token_hash, Callback<int> done) override {
    Submit<int>([h = std::move(token_hash)](Db& db) { return RevokeStaffSessionTx(db, h); }, std::move(done), true);
  }
  void RevokeStaffSessions(Id staff_id, std::string keep_hash, Callback<int> done) override {
    Submit<int>([staff_id, h = std::move(keep_hash)](Db& db) { return RevokeStaffSessionsTx(db, staff_id, h); },
                std::move(done), true);
  }
  void TouchStaffSession(std::string token_hash, Millis at, std::string ip, Callback<int> done) override {
    Submit<int>([h = std::move(token_hash), at, ip = std::move(ip)](Db& db) { return TouchStaffSessionTx(db, h, at, ip); },
                std::move(done), true);
  }
  void SetStaffPassword(Id staff_id, std::string password_hash, std::string keep_hash, Millis at,
                        Callback<int> done) override {
    Submit<int>([staff_id, p = std::move(password_hash), h = std::move(keep_hash), at](Db& db) {
      return SetStaffPasswordTx(db, staff_id, p, h, at);
    }, std::move(done));
  }
  void StartTotpEnrolment(Id staff_id, std::string sealed_secret, Callback<int> done) override {
    Submit<int>([staff_id, sealed = std::move(sealed_secret)](Db& db) { return StartTotpEnrolmentTx(db, staff_id, sealed); },
                std::move(done), true);
  }
  void ConfirmTotp(Id staff_id, std::int64_t step, Callback<int> done) override {
    Submit<int>([staff_id, step](Db& db) { return ConfirmTotpTx(db, staff_id, step); }, std::move(done), true);
  }
  void UseTotpStep(Id staff_id, std::int64_t step, Callback<bool> done) override {
    Submit<bool>([staff_id, step](Db& db) { return UseTotpStepTx(db, staff_id, step); }, std::move(done), true);
  }
  void UpdateLoginLockout(std::string key, std::function<LoginLockout(const LoginLockout&)> change,
                          Callback<LoginLockout> done) override {
    Submit<LoginLockout>([k = std::move(key), change = std::move(change)](Db& db) {
      return UpdateLoginLockoutTx(db, k, change);
    }, std::move(done));
  }
  void ClearLoginLockout(std::string key, Callback<int> done) override {
    Submit<int>([k = std::move(key)](Db& db) { return ClearLoginLockoutTx(db, k); }, std::move(done), true);
  }

  Result<std::vector<StaffSessionRecord>> ListStaffSessions(Millis now) override {
    auto lease = readers_.Acquire();
    return ReadStaffSessions(*lease, now);
  }
  Result<LoginLockout> GetLoginLockout(std::string_view key) override {
    auto lease = readers_.Acquire();
    return ReadLoginLockout(*lease, key);
  }

  Result<Staff> GetStaff(Id id) override {
    auto lease = readers_.Acquire();
    static const std::string sql = std::string(kStaffColumns) + "WHERE id = ?1";
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "staff " + std::to_string(id) + " not found");
    return ReadStaff(stmt);
  }

  Result<Staff> FindStaffByEmail(std::string_view email) override {
    auto lease = readers_.Acquire();
    static const std::string sql = std::string(kStaffColumns) + "WHERE email = ?1";
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    std::string lower = AsciiLower(email);
    stmt.Bind(1, lower);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "no staff member with that email");
    return ReadStaff(stmt);
  }

  Result<Staff> FindStaffByVerifyId(std::string_view verify_id) override {
    auto lease = readers_.Acquire();
    static const std::string sql = std::string(kStaffColumns) + "WHERE verify_id = ?1";
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    stmt.Bind(1, verify_id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "no staff member with that verify id");
    return ReadStaff(stmt);
  }

  Result<std::vector<Staff>> ListStaff() override {
    auto lease = readers_.Acquire();
    static const std::string sql = std::string(kStaffColumns) + "ORDER BY id";
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    std::vector<Staff> out;
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      out.push_back(ReadStaff(stmt));
    }
    return out;
  }

  Result<Customer> GetCustomer(Id id) override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare("SELECT id, name, lang, created_at FROM customers WHERE id = ?1"));
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "customer " + std::to_string(id) + " not found");
    return Customer{stmt.Int(0), stmt.Plain(1, crypto::Place{"customers.name", id}), stmt.Text(2), stmt.Int(3)};
  }

  Result<Message> GetMessage(Id id) override {
    auto lease = readers_.Acquire();
    static const std::string sql = std::string(kMessageColumns) + "WHERE m.id = ?1";
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "message " + std::to_string(id) + " not found");
    return ReadMessage(stmt);
  }

  Result<Customer> FindCustomerByIdentity(std::string_view channel, std::string_view external_id) override {
    auto lease = readers_.Acquire();
    Db& db = *lease;
    const std::string lookup = IdentityLookup(db, channel, external_id);
    KEFU_ASSIGN(stmt, db.Prepare("SELECT cu.id, cu.name, cu.lang, cu.created_at FROM customer_identities i "
                                 "JOIN customers cu ON cu.id = i.customer_id WHERE i.channel = ?1 AND i.lookup = ?2"));
    stmt.Bind(1, channel).BindBlob(2, lookup);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::not_found, "no customer with that " + std::string(channel) + " identity");
    const Id id = stmt.Int(0);
    return Customer{id, stmt.Plain(1, crypto::Place{"customers.name", id}), stmt.Text(2), stmt.Int(3)};
  }

  Result<Conversation> GetConversation(Id id) override {
    auto lease = readers_.Acquire();
    return LoadConversation(*lease, id);
  }

  Result<ConversationPage> ListConversations(const ConversationQuery& q) override {
    std::int64_t cursor_at = INT64_MAX, cursor_id = INT64_MAX;
    if (!q.cursor.empty()) {
      auto dot = q.cursor.find('.');
      try {
        if (dot == std::string::npos) throw std::invalid_argument("cursor");
        cursor_at = std::stoll(q.cursor.substr(0, dot));
        cursor_id = std::stoll(q.cursor.substr(dot + 1));
      } catch (const std::exception&) {
        return MakeError(Code::invalid, "bad cursor");
      }
    }
    // One statement per shape; states are bound as parameters so the plans stay cached.
    std::string sql = kConversationColumns;
    sql += "WHERE (c.updated_at, c.id) < (?1, ?2)";
    if (q.assigned_staff_id) sql += " AND c.assigned_staff_id = ?3";
    if (!q.states.empty()) {
      sql += " AND c.state IN (";
      for (size_t i = 0; i < q.states.size(); ++i) sql += (i ? ",?" : "?") + std::to_string(10 + i);
      sql += ')';
    }
    sql += " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?4";
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    const int limit = std::clamp(q.limit, 1, 500);
    stmt.Bind(1, cursor_at).Bind(2, cursor_id).Bind(4, limit + 1);
    if (q.assigned_staff_id) stmt.Bind(3, q.assigned_staff_id);
    for (size_t i = 0; i < q.states.size(); ++i)
      stmt.Bind(static_cast<int>(10 + i), domain::StateName(q.states[i]));
    ConversationPage page;
    KEFU_ASSIGN(more, ReadPage(stmt, limit, page.conversations, ReadConversation));
    if (more) {
      const Conversation& last = page.conversations.back();
      page.next_cursor = std::to_string(last.updated_at) + "." + std::to_string(last.id);
    }
    return page;
  }

  Result<MessagePage> ListMessages(const MessageQuery& q) override {
    const int limit = std::clamp(q.limit, 1, 500);
    auto lease = readers_.Acquire();
    MessagePage page;
    if (q.after_seq) {
      static const std::string sql = std::string(kMessageColumns) +
                                     "WHERE m.conversation_id = ?1 AND m.seq > ?2 ORDER BY m.seq LIMIT ?3";
      KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
      stmt.Bind(1, q.conversation_id).Bind(2, *q.after_seq).Bind(3, limit + 1);
      KEFU_ASSIGN(more, ReadPage(stmt, limit, page.messages, ReadMessage));
      page.has_more = more;
      return page;
    }
    static const std::string sql = std::string(kMessageColumns) +
                                   "WHERE m.conversation_id = ?1 AND m.seq < ?2 ORDER BY m.seq DESC LIMIT ?3";
    KEFU_ASSIGN(stmt, (*lease).Prepare(sql));
    stmt.Bind(1, q.conversation_id).Bind(2, q.before_seq.value_or(INT64_MAX)).Bind(3, limit + 1);
    KEFU_ASSIGN(more, ReadPage(stmt, limit, page.messages, ReadMessage));
    page.has_more = more;
    std::reverse(page.messages.begin(), page.messages.end());
    return page;
  }

  Result<std::vector<Event>> ListEvents(Id conversation_id) override {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare(
                          "SELECT id, conversation_id, type, at, actor_type, actor_id, data "
                          "FROM events WHERE conversation_id = ?1 ORDER BY id"));
    stmt.Bind(1, conversation_id);
    std::vector<Event> out;
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      Event e;
      e.id = stmt.Int(0);
      e.conversation_id = stmt.Int(1);
      e.type = stmt.Text(2);
      e.at = stmt.Int(3);
      if (!stmt.IsNull(4))
        e.actor = domain::Actor{domain::ParseActorType(stmt.Text(4)).value_or(ActorType::system), stmt.Int(5)};
      e.data_json = stmt.Plain(6, crypto::Place{"events.data", e.id});
      out.push_back(std::move(e));
    }
    return out;
  }

  void Close() override {
    {
      std::lock_guard lock(reseal_m_);
      reseal_stop_ = true;
      reseal_cv_.notify_all();
    }
    if (reseal_thread_.joinable()) reseal_thread_.join();
    {
      std::lock_guard lock(m_);
      if (stopping_) {
        if (writer_thread_.joinable() && writer_thread_.get_id() != std::this_thread::get_id())
          writer_thread_.join();
        return;
      }
      stopping_ = true;
      cv_.notify_all();
    }
    if (writer_thread_.joinable()) writer_thread_.join();
    {
      std::lock_guard lock(checkpoint_m_);
      checkpoint_stop_ = true;
      checkpoint_cv_.notify_all();
    }
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    readers_.Clear();
    // A final checkpoint folds the WAL into the database so a copied file is complete.
    (void)writer_db_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

 private:
  // The server's background re-sealing (StoreOptions::reseal_check_ms): notices a rotation (a new
  // current key in the re-read key file) and values from before encryption at rest, and walks
  // every sealed column in small writer jobs, one at a time, so chat writes interleave.
  void ResealLoop() {
    // The key a pass last completed under, kept in the database so a restart does not rescan.
    crypto::KeyId sealed_under = 0;
    if (auto st = ReadSealedUnder(); st.ok()) sealed_under = *st;
    for (;;) {
      {
        std::unique_lock lock(reseal_m_);
        if (reseal_stop_) return;
      }
      if (refresh_keys_) {
        if (Status st = refresh_keys_(); !st.ok())
          log::Warn("store.keys_reload_failed", {{"error", st.error().message}});
      }
      const crypto::KeyId current = cipher_->current();
      if (current != 0 && current != sealed_under) {
        log::Info("store.reseal_started", {{"key_id", static_cast<int>(current)}});
        std::int64_t resealed = 0;
        bool complete = false;
        while (!complete) {
          {
            std::lock_guard lock(reseal_m_);
            if (reseal_stop_) return;
          }
          auto step = Wait<ResealProgress>([&](auto cb) { ResealBatch(reseal_batch_, std::move(cb)); });
          if (!step.ok()) {
            log::Warn("store.reseal_failed", {{"error", step.error().message}});
            break;
          }
          resealed += step->resealed;
          complete = step->pass_complete;
          // Leave the writer to the chat between steps.
          std::unique_lock lock(reseal_m_);
          reseal_cv_.wait_for(lock, std::chrono::milliseconds(2), [&] { return reseal_stop_; });
        }
        if (complete && cipher_->current() == current) {
          auto saved = Wait<int>([&](auto cb) {
            Submit<int>(
                [current](Db& db) -> Result<int> {
                  KEFU_ASSIGN(stmt, db.Prepare("UPDATE crypto_state SET sealed_key_id = ?1 WHERE id = 1"));
                  stmt.Bind(1, static_cast<int>(current));
                  KEFU_TRY(stmt.Run());
                  return 1;
                },
                std::move(cb));
          });
          if (saved.ok()) sealed_under = current;
          log::Info("store.reseal_done", {{"key_id", static_cast<int>(current)}, {"resealed", resealed}});
        }
      }
      std::unique_lock lock(reseal_m_);
      reseal_cv_.wait_for(lock, std::chrono::milliseconds(reseal_check_ms_), [&] { return reseal_stop_; });
    }
  }

  Result<crypto::KeyId> ReadSealedUnder() {
    auto lease = readers_.Acquire();
    KEFU_ASSIGN(stmt, (*lease).Prepare("SELECT sealed_key_id FROM crypto_state WHERE id = 1"));
    KEFU_ASSIGN(row, stmt.Step());
    return row ? static_cast<crypto::KeyId>(stmt.Int(0)) : crypto::KeyId{0};
  }

  static constexpr int kCheckpointPages = 1000;
  // Under sustained writes the background checkpoint never catches up (new frames keep coming),
  // so the WAL could not restart and would grow without bound; past this size the writer
  // checkpoints itself once, which lets the next commit restart the WAL from its beginning.
  static constexpr int kWriterCheckpointPages = 2000;

  // Called by SQLite on the writer thread after each commit with the WAL's size in pages.
  static int OnWalCommit(void* self, sqlite3* db, const char* name, int pages) {
    if (pages >= kWriterCheckpointPages) {
      sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      return SQLITE_OK;
    }
    if (pages >= kCheckpointPages) {
      auto* store = static_cast<SqliteStore*>(self);
      std::lock_guard lock(store->checkpoint_m_);
      store->checkpoint_wanted_ = true;
      store->checkpoint_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  void CheckpointLoop() {
    for (;;) {
      {
        std::unique_lock lock(checkpoint_m_);
        checkpoint_cv_.wait(lock, [&] { return checkpoint_stop_ || checkpoint_wanted_; });
        if (checkpoint_stop_) return;
        checkpoint_wanted_ = false;
      }
      // PASSIVE never blocks the writer or readers; what it cannot copy now waits for the next.
      int log_pages = 0, done_pages = 0;
      int rc = sqlite3_wal_checkpoint_v2(checkpoint_db_.raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                         &log_pages, &done_pages);
      if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        log::Warn("store.checkpoint_failed", {{"error", checkpoint_db_.LastError()}});
      log::Debug("store.checkpoint", {{"wal_pages", log_pages}, {"copied_pages", done_pages}});
    }
  }

  template <typename T>
  void Submit(std::function<Result<T>(Db&)> body, Callback<T> done, bool atomic = false) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    Job job;
    job.atomic = atomic;
    job.run = [body = std::move(body), slot](Db& db) -> Status {
      slot->emplace(body(db));
      if (!slot->value().ok()) return slot->value().error();
      return Ok();
    };
    job.finish = [slot, done = std::move(done)](const Error* commit_error) {
      if (commit_error) {
        done(*commit_error);
      } else {
        done(std::move(slot->value()));
      }
    };
    {
      std::lock_guard lock(m_);
      if (!stopping_) {
        queue_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    Error closed{Code::unavailable, "the database is closed"};
    job.finish(&closed);
  }

  // Queues a job built elsewhere (the ticket store); fails it at once when closed.
  void Enqueue(Job job) {
    {
      std::lock_guard lock(m_);
      if (!stopping_) {
        queue_.push_back(std::move(job));
        cv_.notify_one();
        return;
      }
    }
    Error closed{Code::unavailable, "the database is closed"};
    job.finish(&closed);
  }

  Status Statement(const char* sql) {
    KEFU_ASSIGN(stmt, writer_db_.Prepare(sql));
    return stmt.Run();
  }

  void WriterLoop() {
    std::vector<Job> batch;
    for (;;) {
      {
        std::unique_lock lock(m_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued is done
        while (!queue_.empty() && static_cast<int>(batch.size()) < max_batch_) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      RunBatch(batch);
      batch.clear();
    }
  }

  void RunBatch(std::vector<Job>& batch) {
    std::vector<std::optional<Error>> failed(batch.size());
    auto begin = Statement("BEGIN IMMEDIATE");
    if (!begin.ok()) {
      for (auto& job : batch) job.finish(&begin.error());
      return;
    }
    const bool single = batch.size() == 1;
    for (size_t i = 0; i < batch.size(); ++i) {
      const bool savepoint = !single && !batch[i].atomic;
      if (savepoint) (void)Statement("SAVEPOINT job");
      Status st = batch[i].run(writer_db_);
      if (!st.ok()) {
        failed[i] = st.error();
        if (savepoint) {
          (void)Statement("ROLLBACK TO job");
        } else if (!single && (st.error().code == Code::internal || st.error().code == Code::unavailable)) {
          // An atomic job failed half-way (I/O, disk full): its partial writes cannot be undone
          // alone, so the whole batch fails rather than commit a half-written message.
          (void)Statement("ROLLBACK");
          for (auto& job : batch) job.finish(&failed[i].value());
          return;
        }
      }
      if (savepoint) (void)Statement("RELEASE job");
    }
    // With synchronous=FULL in WAL mode, COMMIT returns after the WAL is fsync'd: durable.
    Status commit = single && failed[0] ? Statement("ROLLBACK") : Statement("COMMIT");
    if (!commit.ok()) {
      log::Error("store.commit_failed", {{"error", commit.error().message}, {"batch", batch.size()}});
      (void)Statement("ROLLBACK");
      for (size_t i = 0; i < batch.size(); ++i) batch[i].finish(failed[i] ? &*failed[i] : &commit.error());
      return;
    }
    for (size_t i = 0; i < batch.size(); ++i) batch[i].finish(failed[i] ? &*failed[i] : nullptr);
  }

  Db writer_db_;
  Db checkpoint_db_;
  std::thread checkpoint_thread_;
  std::mutex checkpoint_m_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;
  int version_;
  int max_batch_;
  const AuditKey audit_key_;  // copied into the writer's jobs; never changes
  ReadPool readers_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread writer_thread_;
  std::unique_ptr<TicketStore> tickets_;
  std::shared_ptr<crypto::FieldCipher> cipher_;
  int reseal_check_ms_;
  int reseal_batch_;
  std::function<Status()> refresh_keys_;
  ResealCursor reseal_cursor_;  // the writer's
  std::mutex reseal_m_;
  std::condition_variable reseal_cv_;
  bool reseal_stop_ = false;
  std::thread reseal_thread_;
  std::unique_ptr<ComplaintStore> complaints_;
};

}  // namespace

Result<AppendedMessage> AppendMessageInTx(Db& db, const NewMessage& message) { return AppendMessageTx(db, message); }

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const StoreOptions& options) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  KEFU_ASSIGN(writer, Db::Open(path, false));
  // WAL lets readers run beside the writer; synchronous=FULL fsyncs the WAL at every commit.
  KEFU_TRY(writer.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  KEFU_ASSIGN(version, Migrate(writer));
  KEFU_ASSIGN(checkpointer, Db::Open(path, false));
  // A connection learns that the file is in WAL mode only once it reads it; until then a
  // checkpoint through it is a no-op (SQLite reports -1 pages). Read it now.
  KEFU_TRY(checkpointer.Exec("PRAGMA journal_mode=WAL"));
  auto store = std::make_unique<SqliteStore>(std::move(writer), std::move(checkpointer), version, options);
  for (int i = 0; i < std::max(1, options.read_connections); ++i) {
    KEFU_ASSIGN(reader, Db::Open(path, false));
    KEFU_TRY(reader.Exec("PRAGMA query_only=ON; PRAGMA foreign_keys=ON;"));
    reader.set_cipher(store->cipher());
    store->readers().Add(std::move(reader));
  }
  store->StartBackground();
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace kefu::store::sqlite
