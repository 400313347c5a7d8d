// The Store: everything kefu keeps, behind one engine-neutral interface.
//
// Engines: SQLite (default, embedded) now; PostgreSQL follows behind the same interface, so
// callers never see SQL or an engine type. Store::Open picks the engine from the URL.
//
// Threading and durability contract (both engines):
//  * Writes are asynchronous. One writer per database commits whatever is queued as a single
//    transaction (group commit), so one fsync covers many writers. A write's callback runs only
//    after its transaction is committed and durable (SQLite: WAL + synchronous=FULL), on the
//    writer's thread: post back to your own executor, and never block in it.
//  * A failing write does not fail the others in its batch (each runs in a savepoint).
//  * Reads are synchronous and thread-safe; they may block on disk, so call them off the
//    network threads. They see every write whose callback has run.
//  * Every state change of a conversation appends one row to the append-only events table in
//    the same transaction as the change itself.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "crypto/field_cipher.hpp"
#include "domain/conversation.hpp"
#include "domain/sla.hpp"
#include "domain/staff.hpp"
#include "store/audit.hpp"

namespace kefu::store {

using domain::Id;

template <typename T>
using Callback = std::function<void(Result<T>)>;

struct Customer {
  Id id = 0;
  std::string name;
  std::string lang;
  Millis created_at = 0;
};

struct Staff {
  Id id = 0;
  std::string email;
  std::string name;
  domain::Role role = domain::Role::agent;
  std::optional<domain::Desk> desk;
  int max_chats = 5;
  std::string password_hash;  // argon2id encoded; never leaves the server
  // The public id customers check at /verify ("KF-" + 8 base32 characters, domain/verify.hpp):
  // random, given when the account is created, never changed, never derived from the email.
  std::string verify_id;
  std::int64_t token_version = 1;
  std::string status = "offline";  // online, busy, away, offline (see routing::Presence)
  std::vector<std::string> languages;  // what the agent answers in; empty: any
  std::vector<std::string> skills;     // knowledge-base categories; empty: generalist
  bool disabled = false;
  Millis created_at = 0;
  // Two-factor sign-in (TOTP). Secrets are sealed by the caller (auth::SecretBox): the store
  // only keeps bytes. Empty totp_secret: not enrolled.
  std::string totp_secret;
  std::string totp_pending;          // enrolment started, not confirmed
  std::int64_t totp_last_step = 0;   // the last TOTP step accepted (replays are refused)

  bool totp_enabled() const { return !totp_secret.empty(); }
};

// A staff sign-in session. The token itself is never stored, only its SHA-256.
struct StaffSessionRecord {
  std::string token_hash;  // 32 raw bytes
  Id staff_id = 0;
  Millis created_at = 0;
  Millis expires_at = 0;
  Millis last_used_at = 0;
  std::string ip;
  std::string user_agent;
  // Filled by reads (ListStaffSessions): who the session belongs to, as of now.
  std::string staff_name;
  std::string staff_verify_id;
  domain::Role role = domain::Role::agent;
  std::optional<domain::Desk> desk;
};

// Failed sign-ins under one lockout key (see auth/lockout.hpp).
struct LoginLockout {
  int failures = 0;
  Millis locked_until = 0;
  Millis last_failure_at = 0;
};

struct Conversation {
  Id id = 0;
  Id customer_id = 0;
  std::string customer_name;
  std::string channel;  // "widget", later "wechat", "telegram", "email", "phone"
  domain::ConversationState state = domain::ConversationState::bot;
  std::optional<domain::Desk> desk;
  Id assigned_staff_id = 0;  // 0: nobody
  std::string assigned_staff_name;
  std::string assigned_staff_verify_id;  // the assigned agent's public verify id
  std::int64_t last_seq = 0;
  Millis last_message_at = 0;  // 0: no message yet
  std::string last_message_preview;
  Millis created_at = 0;
  Millis updated_at = 0;
  int priority = 0;         // higher is served first
  Millis queued_at = 0;     // when it last entered a queue; 0: never
  Millis assigned_at = 0;   // when its current agent took it; 0: nobody
  std::string lang;         // the customer's language when known
  std::string category;     // what it is about, e.g. a knowledge-base category
};

// An attachment as a message shows it (its name is the message's text).
struct AttachmentRef {
  std::string id;  // public and unguessable: the download URL's last segment
  std::string content_type;
  std::int64_t size = 0;
};

struct Message {
  Id id = 0;
  Id conversation_id = 0;
  std::int64_t seq = 0;  // 1, 2, 3, … per conversation
  std::string client_id;  // empty when the sender gave none
  domain::Actor sender;
  std::string sender_name;
  std::string sender_verify_id;  // staff senders: their verify id (sender.verify_id on the wire)
  std::string text;
  Millis created_at = 0;
  // What the message is: "text" (customers and staff), or for the bot's own messages
  // "bot.greeting", "bot.answer", "bot.rephrase", "bot.handoff", "bot.safety",
  // "bot.feedback_followup". Clients decide by this, never by the wording.
  std::string kind = "text";
  std::optional<AttachmentRef> attachment;  // for kind "attachment": the file it carries
};

struct Event {
  Id id = 0;
  Id conversation_id = 0;
  Id ticket_id = 0;  // the ticket it is about, if any
  std::string type;  // "created", "message", "queued", "assigned", "transferred", ...
  Millis at = 0;
  std::optional<domain::Actor> actor;
  std::string data_json;  // a JSON object with the type's own fields ("{}" when none)
};

struct NewStaff {
  std::string email;
  std::string name;
  domain::Role role = domain::Role::agent;
  std::optional<domain::Desk> desk;
  int max_chats = 5;
  std::string password_hash;
  Millis at = 0;
  std::vector<std::string> languages;  // zh, en, es; empty: any
  std::vector<std::string> skills;     // knowledge-base categories; empty: generalist
  domain::Actor created_by;            // recorded in the audit log (staff.create); default: system
};

// An admin's change to a staff member: what is set is written, the rest stays. Audited in the
// same transaction ("staff.role_change" when role, desk or the account's state change, else
// "staff.update") and recorded as a "staff.updated" event.
struct StaffUpdate {
  Id staff_id = 0;
  std::optional<domain::Role> role;
  std::optional<std::optional<domain::Desk>> desk;  // set to nullopt: no desk
  std::optional<int> max_chats;
  std::optional<std::vector<std::string>> languages;
  std::optional<std::vector<std::string>> skills;
  std::optional<bool> disabled;
  domain::Actor actor;
  Millis at = 0;
};

// How a customer is known on a channel: "email", "phone", "widget" (an operator's user id),
// "wechat", "telegram". Stored sealed; found again through a keyed blind index of the value
// normalised (e-mail lower-cased, phone digits and a leading '+'), never by a clear index.
// A staff member's presence change (a "staff.status" event).
struct StaffStatusChange {
  Id event_id = 0;
  std::string status;  // online, busy, away, offline
  std::string from;    // the status before
  Millis at = 0;
};

struct CustomerIdentity {
  std::string channel;
  std::string external_id;
  bool verified = false;
  Millis created_at = 0;
};

// A data-subject request (PIPL, GDPR): a customer asked for their data or for its erasure.
struct DataRequest {
  Id id = 0;
  Id customer_id = 0;
  std::string kind;               // "export" | "erasure"
  std::string status = "open";    // "open" | "completed"
  std::string note;               // how it came in (staff text; no customer content)
  Millis received_at = 0;
  Millis due_at = 0;              // the legal deadline
  Millis completed_at = 0;        // 0: open
  std::string result_json = "{}";  // what was done: counts, what was kept and why
  Id created_by = 0;
};

struct NewDataRequest {
  Id customer_id = 0;
  std::string kind;
  std::string note;
  Millis received_at = 0;
  Millis due_at = 0;
  Millis warn_at = 0;  // when admins are reminded if still open (a "dsr.due" timer); 0: never
  domain::Actor actor;
};

// Erasing a customer's data except what must be kept: everything of theirs is anonymised unless
// a legal hold is on the customer (then nothing is, Code::conflict) or the record is within the
// anti-money-laundering retention (tickets about money movements created after `aml_cutoff`,
// with the conversations they were made from).
struct ErasureRequest {
  Id request_id = 0;
  Millis aml_cutoff = 0;
  domain::Actor actor;
  Millis at = 0;
};

struct ErasureResult {
  DataRequest request;  // completed, with result_json
  int conversations_erased = 0;
  int messages_erased = 0;
  int tickets_erased = 0;
  int attachments_deleted = 0;
  int identities_deleted = 0;
  int conversations_kept = 0;  // under AML retention
  int tickets_kept = 0;
  bool identity_kept = false;  // the customer's name and identities stay while records are kept
  Millis kept_until = 0;       // when the last AML-held record may go; 0: nothing kept
};

struct LegalHold {
  Id customer_id = 0;
  std::string reason;
  Id placed_by = 0;
  Millis placed_at = 0;
};

struct NewSession {
  std::string name;  // may be empty: a visitor
  std::string lang;
  std::string channel = "widget";
  Millis at = 0;
  std::vector<CustomerIdentity> identities;  // recorded with the new customer (Code::conflict
                                             // when one belongs to another customer already)
  // Resume-or-create by one identity (customer_identities, looked up by its blind index): a
  // verified widget identity is
  // ("widget:<site>", user id, verified); an anonymous visitor ("widget", the digest of its
  // visitor id, not verified). Empty channel: none. An identity seen before resumes its customer
  // and that customer's latest conversation; otherwise it is recorded with the new customer.
  std::string identity_channel;
  std::string identity_external_id;
  bool identity_verified = false;
  // false: only resume; an identity never seen answers Code::not_found and nothing is written.
  bool create = true;
};

struct Session {
  Customer customer;
  Conversation conversation;
  bool resumed = false;  // an existing customer and conversation (no new ones were written)
};

struct NewMessage {
  Id conversation_id = 0;
  domain::Actor sender;
  std::string client_id;  // empty: no idempotency key
  std::string text;
  Millis at = 0;
  std::string kind = "text";  // see Message::kind
  Id attachment_id = 0;       // an unlinked attachment of the same conversation this message carries
};

// A file a customer or staff member attached to a conversation or a ticket (screenshots, ID
// photos). The store never sees it in clear: name and bytes arrive sealed with Cipher() under
// crypto::Place{"attachments.sealed_name" / "attachments.sealed_data", seal_key}
// (http/attachments.cpp, off the writer thread) and leave sealed; the re-sealing pass moves them
// to a new key after a rotation like every other sealed column.
struct NewAttachment {
  std::string public_id;    // random, unguessable
  std::int64_t seal_key = 0;  // random; the row key of both sealed parts' crypto::Place
  Id conversation_id = 0;   // exactly one of conversation_id and ticket_id
  Id ticket_id = 0;
  domain::Actor uploader;
  std::string content_type;
  std::int64_t size = 0;    // of the clear bytes
  std::string sealed_name;
  std::string sealed_data;
  Millis at = 0;
};

struct Attachment {
  Id id = 0;
  std::string public_id;
  std::int64_t seal_key = 0;
  Id conversation_id = 0;
  Id ticket_id = 0;
  Id message_id = 0;  // the message that carries it (conversation attachments); 0: none yet
  domain::Actor uploader;
  std::string content_type;
  std::int64_t size = 0;
  std::string sealed_name;
  std::string sealed_data;  // empty in lists
  Millis created_at = 0;
};

struct AppendedMessage {
  Message message;
  bool duplicate = false;  // the client_id was seen before: this is the stored message
};

// A durable timer (SLA checkpoints, reminders, follow-ups, auto-close, queue time-outs): it
// survives restarts and fires exactly once — firing marks it in the same transaction as its
// effect (Store::FireTimer). At most one timer per (kind, ref_id) is pending at a time.
struct Timer {
  Id id = 0;
  std::string kind;   // "csat.reminder", "conversation.idle", "sla", "followup", ...
  Id ref_id = 0;      // what it is about: a conversation, ticket or task id, by kind
  Millis due_at = 0;
  std::string data_json = "{}";
  Millis created_at = 0;
};

struct NewTimer {
  std::string kind;
  Id ref_id = 0;
  Millis due_at = 0;
  std::string data_json = "{}";
  // A pending timer of the same kind and ref: true moves it to this one's due time and data;
  // false keeps it and schedules nothing.
  bool replace = true;
};

struct TransitionRequest {
  Id conversation_id = 0;
  domain::ConversationAction action = domain::ConversationAction::accept;
  domain::Actor actor;
  Millis at = 0;
  Id assign_to = 0;                  // accept, assign, transfer_to_agent
  std::optional<domain::Desk> desk;  // handoff, transfer_to_desk
  std::string reason;                // why (required for transfers; handoffs carry the bot's)
  std::string note;                  // transfer: a note for the receiving agent
  std::string summary;               // close: the closing summary (小结)
  std::optional<int> priority;       // handoff, transfer_to_desk: set the priority
  std::string category;              // handoff: what it is about
  std::vector<NewTimer> timers;      // scheduled in the same transaction (e.g. a CSAT reminder)
  // Kinds of this conversation's pending timers to cancel in the same transaction (e.g. the
  // queue time-out once an agent has it).
  std::vector<std::string> cancel_timers;
  // When set, appended to the audit log in the same transaction, only if the transition is
  // applied (e.g. action "conversation.transfer"). An empty target becomes "conversation:<id>".
  std::optional<AuditRecord> audit;
  // The security webhook is configured: if this handoff or transfer routes the conversation to
  // the security desk (from elsewhere), write a delivery to the outbox and its first
  // "webhook.delivery" timer (due at `at`) in the same transaction.
  bool security_webhook = false;
};

struct Csat {
  Id conversation_id = 0;
  int score = 0;  // 1..5
  std::string comment;
  Id staff_id = 0;  // the agent who served (0: none)
  std::optional<domain::Desk> desk;
  Millis at = 0;
};

struct TransitionResult {
  Conversation conversation;  // after the change
  Event event;
};

// An SLA checkpoint's effect (timer "ticket.sla"): the ticket's clocks as now decided, events
// for what happened (in TimerFiring::events), and on a breach the escalation.
struct SlaFiring {
  domain::TicketSla sla;
  bool raise_priority = false;              // one step up, at most urgent
  std::optional<domain::Desk> escalate_to;  // the ticket moves to this desk
  Millis at = 0;
};

// Pauses (true) or resumes (false) a ticket's resolution clock at a time; given by the SLA service,
// which knows the calendars, and run inside the status change's transaction.
using SlaPauseHook = std::function<void(domain::TicketSla& sla, bool pause, Millis at)>;

// A next-response round starts: the customer message at started_at after a staff reply.
struct NextResponseStart {
  Id ticket_id = 0;
  Id conversation_id = 0;
  domain::SlaClock clock;         // the round's clock (due, warn_at)
  Millis started_at = 0;          // the customer message's time
  std::int64_t started_seq = 0;   // and its seq in the conversation
};

// An open ticket under a policy with a next-response target, with what the SLA service needs to
// tell whether a customer message starts a round (loaded before serving).
struct NextResponseWatch {
  Id conversation_id = 0;
  Id ticket_id = 0;
  Id policy_id = 0;
  Millis ticket_created_at = 0;
  std::int64_t round_started_seq = 0;  // the message that started the current round; 0: none yet
  Millis next_response_ms = 0;
  std::int64_t staff_replied_seq = 0;  // the last staff reply since the ticket was created (0: none)
  // The customer's first message after that reply when no round started for it (the server
  // stopped between acknowledging it and writing the round): 0 when there is none.
  std::int64_t unanswered_seq = 0;
  Millis unanswered_at = 0;
};

struct SlaBreachPage {
  std::vector<domain::TicketSla> breaches;  // most recently breached first
  std::string next_cursor;                  // empty: no more
};

// ---- the security webhook's outbox ----
//
// A case routed to the security desk (a handoff or a desk transfer of a conversation, a ticket
// created on the desk) writes a delivery here in the transaction of that change, with a
// "webhook.delivery" timer (ref: the delivery's id) that makes each attempt. An attempt is a
// timer firing (WebhookAttempt: attempts + 1 and the next timer, committed before the request is
// sent); a success is recorded (RecordWebhookResult) with the pending timer cancelled in the same
// transaction, so nothing is sent after a recorded success.

struct WebhookDelivery {
  Id id = 0;
  std::string delivery_id;  // "dlv_" + 24 hex digits, random; the receiver's idempotency key
  std::string event = "security.case";
  std::string trigger;  // "handoff", "transfer", "ticket"
  Id conversation_id = 0;  // 0: none
  Id ticket_id = 0;        // 0: none
  Id customer_id = 0;      // 0: none
  std::string desk = "security";
  std::string reason;
  Millis created_at = 0;
  std::string state = "pending";  // pending, delivered, failed
  int attempts = 0;
  std::string last_error;
  Millis last_attempt_at = 0;
  Millis delivered_at = 0;
  // Filled by GetWebhookDelivery: the customer as the body describes them.
  std::string customer_name;
  std::string customer_lang;
  std::vector<CustomerIdentity> identities;
};

// A "webhook.delivery" timer's effect: the attempt is counted (or the delivery given up).
struct WebhookAttempt {
  Id delivery_id = 0;  // WebhookDelivery::id
  bool give_up = false;  // true: state → failed (the caller adds the webhook.failed event)
};

struct WebhookResult {
  Id delivery_id = 0;  // WebhookDelivery::id
  bool delivered = false;
  std::string error;  // why the attempt failed (delivered false)
  Millis at = 0;
};

// What firing a timer does, written in one transaction with marking it fired: the effect
// happens once, or (if the timer already fired or was cancelled) not at all (Code::conflict).
// Each part is optional; parts apply in this order: messages, transition, events, next.
struct TimerFiring {
  Id timer_id = 0;
  Millis at = 0;
  std::vector<NewMessage> messages;             // appended like AppendMessage (no client_id)
  std::optional<TransitionRequest> transition;  // its failure (e.g. conflict) fails the firing
  std::vector<Event> events;                    // appended as given (conversation_id may be 0)
  std::vector<NewTimer> next;                   // scheduled (re-arming, the next step)
  std::optional<SlaFiring> sla;                 // a ticket's SLA clocks and escalation
  Id task_fired = 0;                            // a follow-up task that fell due (fired_at set)
  std::optional<WebhookAttempt> webhook;        // a security webhook attempt (outbox)
  Id ticket_auto_close = 0;  // a resolved ticket that stayed silent: closed (Code::conflict if not resolved)
  Id complaint_review_overdue = 0;              // a complaint whose review deadline passed
};

struct FiredTimer {
  std::vector<Message> messages;                // as stored, in order
  std::optional<TransitionResult> transition;
};

// A follow-up task (回访, "check again in 24 hours") for a staff member, about a conversation or a
// ticket (or neither), due at a time.
struct Task {
  Id id = 0;
  Id owner_id = 0;
  Id conversation_id = 0;  // 0: none
  Id ticket_id = 0;        // 0: none
  std::string note;
  Millis due_at = 0;
  std::string state = "open";  // open, done, cancelled
  Id created_by = 0;
  Millis created_at = 0;
  Millis fired_at = 0;  // when it fell due and the owner was told; 0: not yet
  Millis done_at = 0;
};

struct NewTask {
  Id owner_id = 0;
  Id conversation_id = 0;
  Id ticket_id = 0;
  std::string note;
  Millis due_at = 0;
  Id created_by = 0;
  Millis at = 0;
};

struct ConversationQuery {
  std::vector<domain::ConversationState> states;  // empty: any
  Id assigned_staff_id = 0;                       // 0: anyone
  int limit = 50;
  std::string cursor;  // from the previous page's next_cursor; empty: first page
};

struct ConversationPage {
  std::vector<Conversation> conversations;  // most recently active first
  std::string next_cursor;                  // empty: no more
};

struct MessageQuery {
  Id conversation_id = 0;
  std::optional<std::int64_t> before_seq;  // newest page below this seq
  std::optional<std::int64_t> after_seq;   // oldest page above this seq
  int limit = 50;
};

struct MessagePage {
  std::vector<Message> messages;  // ascending seq
  bool has_more = false;
};

// One knowledge-base entry in the `kefu kb import` format (DESIGN.md §2).
struct KbEntry {
  std::string id;    // unique across languages
  std::string lang;  // "zh", "en" or "es"
  std::string category;
  std::string question;
  std::vector<std::string> variants;
  std::string answer;
  Millis updated_at = 0;
};

// A knowledge-base article: an entry with a history. Every edit writes a new, immutable version;
// at most one version is published, and the bot answers only from published versions.
struct KbArticle {
  KbEntry entry;  // the latest version (entry.updated_at: when it was written); variants are
                  // filled by GetKbArticle only, list pages leave them empty
  int variant_count = 0;
  std::int64_t version = 0;            // the latest version: 1, 2, …
  std::int64_t published_version = 0;  // the version the bot answers from; 0: unpublished
  Id author_staff_id = 0;              // who wrote the latest version; 0: `kefu kb import`
  std::string author_name;
  Millis created_at = 0;  // when version 1 was written

  bool published() const { return published_version != 0; }
};

// One version of an article, as written.
struct KbArticleVersion {
  KbEntry entry;  // entry.updated_at: when this version was written
  std::int64_t version = 0;
  Id author_staff_id = 0;  // 0: `kefu kb import`
  std::string author_name;
};

struct KbArticleQuery {
  std::string lang;               // "zh", "en", "es"; empty: any
  std::string category;           // exact; empty: any
  std::optional<bool> published;  // nullopt: both
  std::string cursor;             // the previous page's next_cursor; empty: first page
  int limit = 50;
};

struct KbArticlePage {
  std::vector<KbArticle> articles;  // ordered by id
  std::string next_cursor;          // empty: no more
};

struct KbVersionPage {
  std::vector<KbArticleVersion> versions;  // newest first
  bool has_more = false;
};

// A new article, or a new version of one.
struct KbArticleWrite {
  KbEntry entry;  // complete content (an update replaces every field)
  Id staff_id = 0;
  Millis at = 0;
  // Update only: the version the edit was based on; Code::conflict when a newer one exists
  // (another editor got there first). 0: no check.
  std::int64_t base_version = 0;
};

// What a knowledge-base write did.
struct KbArticleChange {
  KbArticle article;         // after the write (variants filled)
  bool changed = false;      // false: nothing was written (same content, already in that state)
  bool bot_changed = false;  // the published content changed: the bot's model is now stale
};

class TicketStore;     // store/tickets.hpp
class ComplaintStore;  // store/complaints.hpp

// ---- encryption at rest (docs/adr/0013) ----

// How many values of a sealed column are under each data key (`keys status`).
struct KeyUsage {
  std::string column;       // "messages.text"
  int key_id = 0;           // 0: still in clear (written before encryption at rest)
  std::int64_t values = 0;
};

// What one re-sealing step did.
struct ResealProgress {
  std::int64_t scanned = 0;   // rows looked at
  std::int64_t resealed = 0;  // rows rewritten under the current key
  bool pass_complete = false; // every sealed column was walked to its end
};

struct StoreOptions {
  int read_connections = 2;
  int max_batch = 512;  // writes per group commit
  // The key that chains the audit log (auth::DeriveKey(master, "audit001")). Every command and
  // the server pass it; without one (unit tests) the chain uses an all-zero key, which
  // `kefu audit verify` with the installation's key reports as altered.
  std::optional<AuditKey> audit_key;
  // Encryption at rest: message bodies, customer PII and other free text are sealed under this
  // cipher's current key and opened with any key it holds (docs/adr/0013). Without one (unit
  // tests) they are stored in clear. Must outlive the store.
  std::shared_ptr<crypto::FieldCipher> cipher;
  // The server's re-sealing: every `reseal_check_ms` the store calls `refresh_keys` (which
  // re-reads the key file into `cipher`; a rotation adds a key and makes it current) and, when
  // values under an older key (or from before encryption) remain, re-seals them under the
  // current key in small batches through the writer, between other writes. 0: off (commands).
  int reseal_check_ms = 0;
  int reseal_batch = 128;
  std::function<Status()> refresh_keys;
};

class Store {
 public:
  // Opens "sqlite:PATH" (or a bare PATH), creating the database and running migrations.
  // "postgresql://…" is reserved for the PostgreSQL engine.
  static Result<std::unique_ptr<Store>> Open(std::string_view url, const StoreOptions& options = {});

  virtual ~Store() = default;

  // The schema version after migrations.
  virtual int SchemaVersion() const = 0;

  // ---- writes (group committed; callbacks after durable commit, on the writer thread) ----

  virtual void AddStaff(NewStaff staff, Callback<Staff> done) = 0;
  virtual void CreateSession(NewSession session, Callback<Session> done) = 0;
  // Code::not_found for an unknown staff member.
  virtual void UpdateStaff(StaffUpdate update, Callback<Staff> done) = 0;
  // Stores a message (or finds the one with the same sender and client_id) and its event.
  // Code::not_found when the conversation does not exist.
  virtual void AppendMessage(NewMessage message, Callback<AppendedMessage> done) = 0;
  // Applies a life-cycle action; Code::conflict when the state forbids it.
  virtual void ApplyTransition(TransitionRequest request, Callback<TransitionResult> done) = 0;

  // Sets a staff member's presence and records it as a "staff.status" event (its history).
  virtual void SetStaffStatus(Id staff_id, std::string status, Millis at, Callback<Staff> done) = 0;
  // Records the customer's rating of a conversation, once: Code::conflict when it was rated.
  virtual void RecordCsat(Csat csat, Callback<Csat> done) = 0;

  // `kefu kb import`: inserts or replaces entries by id, all in one transaction, and publishes
  // them. A changed entry gets a new version (author: none); an unchanged one is only
  // (re)published. Each change is a kb.created / kb.updated and kb.published event (actor:
  // system). Returns how many entries were given.
  virtual void UpsertKbEntries(std::vector<KbEntry> entries, Callback<int> done) = 0;

  // Knowledge-base articles. Each write that changes something appends an event (kb.created,
  // kb.updated, kb.published, kb.unpublished; actor: the staff member; no conversation) in the
  // same transaction, and a change to published content bumps KbVersion.
  //
  // Creates an unpublished article at version 1. Code::conflict when the id exists.
  virtual void CreateKbArticle(KbArticleWrite write, Callback<KbArticleChange> done) = 0;
  // Writes a new version; the published version, if any, stays published until the next
  // publish. Content equal to the latest version writes nothing. Code::not_found for an unknown
  // id, Code::conflict when `base_version` is not the latest.
  virtual void UpdateKbArticle(KbArticleWrite write, Callback<KbArticleChange> done) = 0;
  // Publishes `version` (0: the latest; an older one rolls back). Code::not_found for an unknown
  // article or version.
  virtual void PublishKbArticle(std::string id, std::int64_t version, Id staff_id, Millis at,
                                Callback<KbArticleChange> done) = 0;
  // Takes the article out of the bot's knowledge (its versions are kept).
  virtual void UnpublishKbArticle(std::string id, Id staff_id, Millis at, Callback<KbArticleChange> done) = 0;

  // ---- the audit log (store/audit.hpp) ----
  //
  // Writes record themselves where the store knows what they are (AddStaff: staff.create;
  // knowledge-base writes: kb.create, kb.update, kb.publish, kb.rollback, kb.unpublish;
  // UpsertKbEntries: one kb.import), in the same transaction as the change. ApplyTransition
  // records TransitionRequest::audit. Anything else (sign-ins, PII reveals, exports, config
  // changes) calls AppendAudit, which commits in the next group commit like any other write.
  virtual void AppendAudit(AuditRecord record, Callback<AuditEntry> done) = 0;

  // Appends an event that goes with no state change (e.g. "bot.feedback"); returns its id.
  virtual void RecordEvent(Event event, Callback<Id> done) = 0;

  // ---- durable timers ----
  // Schedules (or with `replace`, moves) a timer; answers the pending timer of its kind and ref.
  virtual void ScheduleTimer(NewTimer timer, Callback<Timer> done) = 0;
  // Cancels the pending timer of a kind and ref; answers how many were cancelled (0 or 1).
  virtual void CancelTimer(std::string kind, Id ref_id, Callback<int> done) = 0;
  // Fires a pending timer with its effect (see TimerFiring); Code::conflict when it is no longer
  // pending (already fired or cancelled), and then nothing is written.
  virtual void FireTimer(TimerFiring firing, Callback<FiredTimer> done) = 0;

  // Records an attempt's outcome: delivered (state → delivered, its pending timer cancelled, a
  // "webhook.delivered" event) or its error. Answers the delivery after the write; a delivery that
  // is no longer pending is left as it is (a late answer after a give-up is only logged).
  virtual void RecordWebhookResult(WebhookResult result, Callback<WebhookDelivery> done) = 0;

  // Replaces the bot's trained model (an opaque blob) together with the knowledge-base version it
  // was trained on.
  virtual void SaveBotModel(std::string model, std::int64_t kb_version, Callback<int> done) = 0;

  // ---- staff sign-in: sessions, TOTP, lockout ----

  // Stores a new session (and drops the staff member's expired ones).
  virtual void CreateStaffSession(StaffSessionRecord session, Callback<StaffSessionRecord> done) = 0;
  // Revokes one session; answers 1, or 0 when it was not there.
  virtual void RevokeStaffSession(std::string token_hash, Callback<int> done) = 0;
  // Revokes every session of `staff_id` but `keep_hash` (empty: all); answers how many.
  virtual void RevokeStaffSessions(Id staff_id, std::string keep_hash, Callback<int> done) = 0;
  // Records a session's last use (and the address it came from).
  virtual void TouchStaffSession(std::string token_hash, Millis at, std::string ip, Callback<int> done) = 0;
  // Replaces the password hash and, in the same transaction, revokes every other session of
  // the staff member but `keep_hash`; answers how many were revoked. Code::not_found for an
  // unknown id.
  virtual void SetStaffPassword(Id staff_id, std::string password_hash, std::string keep_hash, Millis at,
                                Callback<int> done) = 0;
  // Starts (or restarts) TOTP enrolment with a sealed secret; an enrolled secret stays in force
  // until ConfirmTotp. Code::not_found for an unknown id.
  virtual void StartTotpEnrolment(Id staff_id, std::string sealed_secret, Callback<int> done) = 0;
  // Makes the pending secret the one in force, with `step` as its last used step.
  // Code::conflict when no enrolment is pending.
  virtual void ConfirmTotp(Id staff_id, std::int64_t step, Callback<int> done) = 0;
  // Marks TOTP `step` used, atomically: true when it is newer than the last used step, false
  // when it was used already (a replay, or a racing sign-in with the same code).
  virtual void UseTotpStep(Id staff_id, std::int64_t step, Callback<bool> done) = 0;
  // Applies `change` to the lockout state under `key` (a fresh state when none) on the writer,
  // so concurrent failures are all counted; answers the new state.
  virtual void UpdateLoginLockout(std::string key, std::function<LoginLockout(const LoginLockout&)> change,
                                  Callback<LoginLockout> done) = 0;
  // Forgets the lockout state under `key` (a successful sign-in).
  virtual void ClearLoginLockout(std::string key, Callback<int> done) = 0;

  // ---- reads (synchronous, thread-safe) ----

  // Every session that has not expired at `now`, of staff that are not disabled, with the
  // staff member's name, role and desk (the server loads them at start).
  virtual Result<std::vector<StaffSessionRecord>> ListStaffSessions(Millis now) = 0;
  // The lockout state under `key` (a zero state when none).
  virtual Result<LoginLockout> GetLoginLockout(std::string_view key) = 0;

  // The bot's model and the knowledge-base version it was trained on; Code::not_found when none.
  struct BotModel {
    std::string bytes;
    std::int64_t kb_version = 0;
  };
  virtual Result<BotModel> LoadBotModel() = 0;
  // A number that changes whenever the knowledge base changes (to tell a stale model).
  virtual Result<std::int64_t> KbVersion() = 0;

  // The knowledge base the bot answers from: the published version of every published article,
  // ordered by id (updated_at: when that version was written).
  virtual Result<std::vector<KbEntry>> ListKbEntries() = 0;
  // The published entries among `ids`, in the order given (unknown or unpublished ids skipped).
  virtual Result<std::vector<KbEntry>> GetPublishedKbEntries(const std::vector<std::string>& ids) = 0;

  // An article with its latest version's variants; Code::not_found for an unknown id.
  virtual Result<KbArticle> GetKbArticle(std::string_view id) = 0;
  // Articles by id, keyset-paginated (the cursor is the last id of the previous page).
  virtual Result<KbArticlePage> ListKbArticles(const KbArticleQuery& query) = 0;
  // An article's versions, newest first, below `before_version` (0: from the latest).
  // Code::not_found for an unknown id.
  virtual Result<KbVersionPage> ListKbArticleVersions(std::string_view id, std::int64_t before_version,
                                                      int limit) = 0;

  // ---- follow-up tasks ----
  // Creates a task with its "task.due" timer and a "task.created" event on its conversation or
  // ticket. Code::not_found for an unknown owner, conversation or ticket.
  virtual void CreateTask(NewTask task, Callback<Task> done) = 0;
  // open → done ("task.done" event; its timer is cancelled). Code::conflict when not open.
  virtual void CompleteTask(Id task_id, domain::Actor actor, Millis at, Callback<Task> done) = 0;
  virtual Result<Task> GetTask(Id task_id) = 0;
  // A staff member's tasks in a state, soonest due first, at most `limit`.
  virtual Result<std::vector<Task>> ListTasks(Id owner_id, std::string_view state, int limit) = 0;

  // ---- data-subject requests (privacy) ----
  virtual Result<std::vector<CustomerIdentity>> ListCustomerIdentities(Id customer_id) = 0;
  // Every conversation of a customer, oldest first.
  virtual Result<std::vector<Conversation>> ListCustomerConversations(Id customer_id) = 0;
  // Records the request ("dsr.received" audit entry) with its reminder timer. Code::not_found
  // for an unknown customer.
  virtual void CreateDataRequest(NewDataRequest request, Callback<DataRequest> done) = 0;
  virtual Result<DataRequest> GetDataRequest(Id id) = 0;
  // Open ones first by due date, then completed ones, newest first; at most `limit`.
  virtual Result<std::vector<DataRequest>> ListDataRequests(std::string_view status, int limit) = 0;
  // Completes an open export request after its data was handed over ("dsr.export" audit entry).
  // Code::conflict when it is not an open export request.
  virtual void CompleteExport(Id request_id, domain::Actor actor, Millis at, Callback<DataRequest> done) = 0;
  // Carries out an open erasure request in one transaction ("dsr.erasure" audit entry with the
  // counts). Code::conflict when the request is not an open erasure or a legal hold is on.
  virtual void EraseCustomer(ErasureRequest request, Callback<ErasureResult> done) = 0;
  // Places (a reason given) or releases (empty reason) a legal hold on a customer; audited as
  // "legal_hold.place" / "legal_hold.release". Code::conflict when there is nothing to release.
  virtual void SetLegalHold(Id customer_id, std::string reason, domain::Actor actor, Millis at,
                            Callback<std::optional<LegalHold>> done) = 0;
  virtual Result<std::optional<LegalHold>> GetLegalHold(Id customer_id) = 0;

  // ---- attachments ----
  // Stores an attachment. A ticket's gets a "ticket.attachment_added" event; a conversation's is
  // linked to its message by AppendMessage (NewMessage::attachment_id) and shown from then on.
  // Code::not_found for an unknown conversation or ticket.
  virtual void AddAttachment(NewAttachment attachment, Callback<Attachment> done) = 0;
  // With its sealed bytes; Code::not_found for an unknown id.
  virtual Result<Attachment> GetAttachment(std::string_view public_id) = 0;
  // A ticket's attachments, oldest first, without their bytes.
  virtual Result<std::vector<Attachment>> ListTicketAttachments(Id ticket_id) = 0;

  // ---- SLA ----
  // Creates (id 0) or replaces a policy; Code::not_found for an unknown id.
  virtual void SaveSlaPolicy(domain::SlaPolicy policy, Callback<domain::SlaPolicy> done) = 0;
  virtual Result<std::vector<domain::SlaPolicy>> ListSlaPolicies() = 0;
  // A ticket's SLA clocks; Code::not_found when no policy applied to it.
  virtual Result<domain::TicketSla> GetTicketSla(Id ticket_id) = 0;
  // Tickets whose SLA was breached (any clock), most recent breach first; keyset-paged.
  virtual Result<SlaBreachPage> ListSlaBreaches(int limit, std::string_view cursor) = 0;
  // Starts a next-response round and reschedules the ticket's checkpoint (one write); a round
  // already started by that message or a later one changes nothing; Code::conflict when the
  // ticket is no longer open (resolved, closed).
  virtual void StartNextResponse(NextResponseStart start, Callback<domain::TicketSla> done) = 0;
  virtual Result<std::vector<NextResponseWatch>> ListNextResponseWatches() = 0;
  // Every pending ticket that has a conversation, as (conversation id, ticket id): what a
  // customer's reply reopens (read once at start; ids only, nothing to decrypt).
  virtual Result<std::vector<std::pair<Id, Id>>> ListPendingTicketConversations() = 0;

  // A security webhook delivery with its customer's name, language and channel identities;
  // Code::not_found for an unknown id.
  virtual Result<WebhookDelivery> GetWebhookDelivery(Id id) = 0;
  // Deliveries newest first, in a state ("" any), with ids below `before_id` (0: from the newest).
  virtual Result<std::vector<WebhookDelivery>> ListWebhookDeliveries(std::string_view state, Id before_id,
                                                                     int limit) = 0;

  // Pending timers due at or before `now`, earliest first, at most `limit`.
  virtual Result<std::vector<Timer>> DueTimers(Millis now, int limit) = 0;
  // The earliest due time of any pending timer; nullopt when none is pending.
  virtual Result<std::optional<Millis>> NextTimerDue() = 0;
  // The pending timer of a kind and ref; Code::not_found when none.
  virtual Result<Timer> PendingTimer(std::string_view kind, Id ref_id) = 0;

  virtual Result<Staff> GetStaff(Id id) = 0;
  virtual Result<Staff> FindStaffByEmail(std::string_view email) = 0;
  // The staff member with this verify id (exact, normalised form); Code::not_found when none.
  virtual Result<Staff> FindStaffByVerifyId(std::string_view verify_id) = 0;
  virtual Result<std::vector<Staff>> ListStaff() = 0;
  // A staff member's presence changes, newest first: at most `limit`, older than the event
  // `before` (0: from the newest), none before `since`.
  virtual Result<std::vector<StaffStatusChange>> ListStaffStatusHistory(Id staff_id, Id before, Millis since,
                                                                        int limit) = 0;
  virtual Result<Customer> GetCustomer(Id id) = 0;
  // The customer known on `channel` by `external_id` (normalised as CustomerIdentity says);
  // Code::not_found when none.
  virtual Result<Customer> FindCustomerByIdentity(std::string_view channel, std::string_view external_id) = 0;
  virtual Result<Conversation> GetConversation(Id id) = 0;
  virtual Result<Message> GetMessage(Id id) = 0;
  virtual Result<ConversationPage> ListConversations(const ConversationQuery& query) = 0;
  virtual Result<MessagePage> ListMessages(const MessageQuery& query) = 0;
  virtual Result<std::vector<Event>> ListEvents(Id conversation_id) = 0;
  // Every conversation in a state, oldest first (for rebuilding queues at start).
  virtual Result<std::vector<Conversation>> ListInState(domain::ConversationState state) = 0;
  // Conversations assigned now (active or pending), per staff id.
  virtual Result<std::vector<std::pair<Id, int>>> ActiveCounts() = 0;
  // Finished conversations' handling times (assigned → closed), newest first, per desk.
  virtual Result<std::vector<std::pair<domain::Desk, Millis>>> RecentHandlingTimes(int per_desk) = 0;

  // The audit log, newest first, filtered (AuditQuery); Code::invalid for a bad cursor.
  virtual Result<AuditPage> ListAudit(const AuditQuery& query) = 0;
  // Walks the whole audit chain with `key` and says where it first breaks.
  virtual Result<AuditVerdict> VerifyAudit(const AuditKey& key) = 0;

  // ---- encryption at rest ----
  // Values per sealed column and data key (full scans: for `kefu keys status`, not requests).
  virtual Result<std::vector<KeyUsage>> SealedKeyUsage() = 0;
  // Re-seals, in one writer job, up to `limit` rows that are in clear or under a key other than
  // the current one, continuing where the last call stopped; a pass that reaches the end of
  // every column reports pass_complete (and the next call starts a new pass).
  virtual void ResealBatch(int limit, Callback<ResealProgress> done) = 0;

  // Tickets (工单), their notes, merges and canned replies (store/tickets.hpp); lives as long as
  // the Store.
  virtual TicketStore& Tickets() = 0;
  // Complaints (投诉) and their compensation records (store/complaints.hpp); lives as long as the
  // Store.
  virtual ComplaintStore& Complaints() = 0;

  // Finishes queued writes, stops the writer and closes every connection. Idempotent; writes
  // submitted afterwards fail with Code::unavailable.
  virtual void Close() = 0;

  // The cipher values are sealed with (StoreOptions::cipher), for callers that seal large values
  // themselves before a write (attachments, off the writer thread); null without one.
  virtual const crypto::FieldCipher* Cipher() const = 0;
};

// Runs an asynchronous write and waits for it: for the CLI and tests, never network threads.
template <typename T, typename Fn>
Result<T> Wait(Fn&& submit) {
  struct State {
    std::mutex m;
    std::condition_variable cv;
    std::optional<Result<T>> result;
  };
  auto state = std::make_shared<State>();
  submit([state](Result<T> r) {
    std::lock_guard lock(state->m);
    state->result.emplace(std::move(r));
    state->cv.notify_one();
  });
  std::unique_lock lock(state->m);
  state->cv.wait(lock, [&] { return state->result.has_value(); });
  return std::move(*state->result);
}

}  // namespace kefu::store
