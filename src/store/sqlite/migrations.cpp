#include "store/sqlite/migrations.hpp"

#include <mutex>
#include <random>

#include "domain/verify.hpp"

#include <cctype>
#include <string>
#include <vector>

#include "core/time.hpp"

namespace kefu::store::sqlite {

std::string InListChecksAsComparisons(std::string_view sql) {
  // Rewrites `CHECK (col IN ('a', 'b', …))` to `CHECK (col = 'a' OR col = 'b' OR …)`; anything
  // that does not have exactly that shape is left alone.
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t check = sql.find("CHECK (", pos);
    if (check == std::string_view::npos) break;
    size_t i = check + 7;
    const size_t name_begin = i;
    while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
    const std::string_view column = sql.substr(name_begin, i - name_begin);
    std::vector<std::string_view> values;
    bool shaped = !column.empty() && sql.substr(i, 5) == " IN (";
    if (shaped) {
      i += 5;
      for (;;) {
        while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
        if (i >= sql.size() || sql[i] != '\'') break;
        const size_t close = sql.find('\'', i + 1);
        if (close == std::string_view::npos) break;
        values.push_back(sql.substr(i, close + 1 - i));  // quotes included; no '' inside ours
        i = close + 1;
        while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
        if (i < sql.size() && sql[i] == ',') {
          ++i;
          continue;
        }
        break;
      }
      shaped = !values.empty() && sql.substr(i, 2) == "))";
    }
    if (!shaped) {
      out.append(sql.substr(pos, check + 7 - pos));
      pos = check + 7;
      continue;
    }
    out.append(sql.substr(pos, check + 7 - pos));
    for (size_t v = 0; v < values.size(); ++v) {
      if (v) out += " OR ";
      out.append(column);
      out += " = ";
      out.append(values[v]);
    }
    out += ')';
    pos = i + 2;
  }
  out.append(sql.substr(pos));
  return out;
}

namespace {

// Migration 13. SQLite (3.40) evaluates `CHECK (x IN (…))` by building a temporary b-tree of the
// list on every INSERT — four of them per ticket, about half the cost of inserting the row with
// its ten indexes. The same constraints written as comparisons cost almost nothing. Only the
// constraint text changes (no row can become invalid), so the stored definitions of the tables
// written per request (tickets; timers, written with a ticket under an SLA) are rewritten in
// place, as SQLite documents for such changes (writable_schema, then a new schema version so
// that every connection re-reads them), instead of copying every row. docs/adr/0009.
Status HotTableChecksAsComparisons(Db& db) {
  std::vector<std::pair<std::string, std::string>> rewrites;  // table, new definition
  for (const char* table : {"tickets", "timers"}) {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?1"));
    stmt.Bind(1, std::string_view(table));
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return MakeError(Code::internal, std::string("no ") + table + " table");
    const std::string sql = stmt.Text(0);
    std::string rewritten = InListChecksAsComparisons(sql);
    if (rewritten != sql) rewrites.emplace_back(table, std::move(rewritten));
  }
  if (rewrites.empty()) return Ok();
  std::int64_t version = 0;
  {
    KEFU_ASSIGN(stmt, db.Prepare("PRAGMA schema_version"));
    KEFU_ASSIGN(row, stmt.Step());
    if (row) version = stmt.Int(0);
  }
  KEFU_TRY(db.Exec("PRAGMA writable_schema = ON"));
  Status st = Ok();
  for (const auto& [table, sql] : rewrites) {
    st = [&]() -> Status {
      KEFU_ASSIGN(stmt, db.Prepare("UPDATE sqlite_schema SET sql = ?2 WHERE type = 'table' AND name = ?1"));
      stmt.Bind(1, table).Bind(2, sql);
      return stmt.Run();
    }();
    if (!st.ok()) break;
  }
  if (st.ok()) st = db.Exec(("PRAGMA schema_version = " + std::to_string(version + 1)).c_str());
  (void)db.Exec("PRAGMA writable_schema = OFF");
  return st;
}

// Gives every staff member without one a verify id (accounts from before migration 20).
Status BackfillVerifyIds(Db& db) {
  std::vector<std::int64_t> ids;
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT id FROM staff WHERE verify_id IS NULL ORDER BY id"));
    for (;;) {
      KEFU_ASSIGN(row, stmt.Step());
      if (!row) break;
      ids.push_back(stmt.Int(0));
    }
  }
  for (std::int64_t id : ids) {
    KEFU_ASSIGN(verify_id, NewStaffVerifyId(db));
    KEFU_ASSIGN(stmt, db.Prepare("UPDATE staff SET verify_id = ?2 WHERE id = ?1"));
    stmt.Bind(1, id).Bind(2, verify_id);
    KEFU_TRY(stmt.Run());
  }
  return Ok();
}

// Append only: a released migration is never edited, a change is a new version.
constexpr Migration kMigrations[] = {
    {1, "customers, staff, conversations, messages, events",
     R"sql(
CREATE TABLE customers (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL DEFAULT '',
  lang        TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
-- How a customer is known on each channel (widget visitor id, WeChat openid, Telegram user id,
-- e-mail address, phone number). One identity belongs to one customer.
CREATE TABLE customer_identities (
  id           INTEGER PRIMARY KEY,
  customer_id  INTEGER NOT NULL REFERENCES customers(id),
  channel      TEXT NOT NULL,
  external_id  TEXT NOT NULL,
  verified     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  UNIQUE (channel, external_id)
);
CREATE INDEX customer_identities_by_customer ON customer_identities(customer_id);

CREATE TABLE staff (
  id             INTEGER PRIMARY KEY,
  email          TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name           TEXT NOT NULL,
  role           TEXT NOT NULL CHECK (role IN ('admin','supervisor','agent','auditor','kb_editor')),
  desk           TEXT CHECK (desk IN ('L1','L2','L3','security','complaints')),
  max_chats      INTEGER NOT NULL DEFAULT 5 CHECK (max_chats >= 0),
  password_hash  TEXT NOT NULL,
  token_version  INTEGER NOT NULL DEFAULT 1,
  disabled       INTEGER NOT NULL DEFAULT 0,
  created_at     INTEGER NOT NULL
);

CREATE TABLE conversations (
  id                    INTEGER PRIMARY KEY,
  customer_id           INTEGER NOT NULL REFERENCES customers(id),
  channel               TEXT NOT NULL,
  state                 TEXT NOT NULL CHECK (state IN ('bot','queued','active','pending','resolved','closed')),
  desk                  TEXT,
  assigned_staff_id     INTEGER REFERENCES staff(id),
  last_seq              INTEGER NOT NULL DEFAULT 0,
  last_message_at       INTEGER,
  last_message_preview  TEXT,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
);
-- Keyset pagination: newest activity first, id breaks ties.
CREATE INDEX conversations_by_activity ON conversations(updated_at DESC, id DESC);
CREATE INDEX conversations_by_state ON conversations(state, updated_at DESC, id DESC);
CREATE INDEX conversations_by_staff ON conversations(assigned_staff_id, updated_at DESC, id DESC)
  WHERE assigned_staff_id IS NOT NULL;
CREATE INDEX conversations_by_customer ON conversations(customer_id, id);

CREATE TABLE messages (
  id               INTEGER PRIMARY KEY,
  conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
  seq              INTEGER NOT NULL,
  sender_type      TEXT NOT NULL,
  sender_id        INTEGER NOT NULL DEFAULT 0,
  client_id        TEXT,
  text             TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  UNIQUE (conversation_id, seq)
);
-- A resent client_id from the same sender in the same conversation is the same message.
CREATE UNIQUE INDEX messages_by_client_id
  ON messages(conversation_id, sender_type, sender_id, client_id) WHERE client_id IS NOT NULL;

-- Append-only history of everything that happened; analytics are computed from it.
CREATE TABLE events (
  id               INTEGER PRIMARY KEY,
  conversation_id  INTEGER,
  type             TEXT NOT NULL,
  at               INTEGER NOT NULL,
  actor_type       TEXT,
  actor_id         INTEGER,
  data             TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_by_conversation ON events(conversation_id, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
)sql"},
    {2, "knowledge base entries",
     R"sql(
-- Public help-centre text: may be indexed in clear. Variants are a JSON array of strings.
CREATE TABLE kb_entries (
  id          TEXT PRIMARY KEY,
  lang        TEXT NOT NULL,
  category    TEXT NOT NULL DEFAULT '',
  question    TEXT NOT NULL,
  variants    TEXT NOT NULL DEFAULT '[]',
  answer      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX kb_entries_by_lang ON kb_entries(lang, category);
)sql"},
    {3, "presence, queue fields, csat",
     R"sql(
ALTER TABLE staff ADD COLUMN status TEXT NOT NULL DEFAULT 'offline';
ALTER TABLE staff ADD COLUMN status_at INTEGER;
ALTER TABLE staff ADD COLUMN languages TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN skills TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN queued_at INTEGER;
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
ALTER TABLE conversations ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN category TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN summary TEXT;
CREATE TABLE csat (
  conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id),
  score            INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
  comment          TEXT NOT NULL DEFAULT '',
  staff_id         INTEGER,
  desk             TEXT,
  created_at       INTEGER NOT NULL
);
)sql"},
    {4, "bot model",
     R"sql(
-- The trained model of the bot (one row), and the knowledge-base version it was trained on.
CREATE TABLE bot_models (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  model       BLOB NOT NULL,
  kb_version  INTEGER NOT NULL,
  trained_at  INTEGER NOT NULL
);
-- Bumped by every knowledge-base change, so a model can tell it is stale.
CREATE TABLE kb_state (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  version  INTEGER NOT NULL
);
INSERT INTO kb_state(id, version) VALUES (1, 0);
)sql"},
    {5, "knowledge-base article versions and publishing",
     R"sql(
-- kb_entries now holds each article's latest version (the one editors see); every version ever
-- written is kept in kb_versions, and published_version points at the one the bot answers from
-- (NULL: unpublished).
ALTER TABLE kb_entries ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE kb_entries ADD COLUMN published_version INTEGER;
CREATE TABLE kb_versions (
  id               INTEGER PRIMARY KEY,
  article_id       TEXT NOT NULL REFERENCES kb_entries(id),
  version          INTEGER NOT NULL,
  lang             TEXT NOT NULL,
  category         TEXT NOT NULL DEFAULT '',
  question         TEXT NOT NULL,
  variants         TEXT NOT NULL DEFAULT '[]',
  answer           TEXT NOT NULL,
  author_staff_id  INTEGER REFERENCES staff(id),  -- NULL: written by `kefu kb import`
  created_at       INTEGER NOT NULL,
  UNIQUE (article_id, version)
);
CREATE TRIGGER kb_versions_no_update BEFORE UPDATE ON kb_versions
  BEGIN SELECT RAISE(ABORT, 'knowledge-base versions are immutable'); END;
-- Everything imported before versions existed was live: it becomes version 1, published.
INSERT INTO kb_versions(article_id, version, lang, category, question, variants, answer, created_at)
  SELECT id, 1, lang, category, question, variants, answer, updated_at FROM kb_entries;
UPDATE kb_entries SET version = 1, published_version = 1;
)sql"},
    {6, "tickets, notes, conversation links, canned replies; events carry a ticket id",
     R"sql(
-- Tickets (工单). Wallet and payment details are plain columns so that staff can search them;
-- card_last4 is at most four digits by construction (never a PAN). amount is a decimal string.
CREATE TABLE tickets (
  id               INTEGER PRIMARY KEY,
  type             TEXT NOT NULL CHECK (type IN ('inquiry','incident','complaint','data_request')),
  category         TEXT NOT NULL CHECK (category IN ('account','kyc','bank_card','top_up','transfer',
                                                     'withdrawal','security','asset_loss','other')),
  priority         INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),  -- low, normal, high, urgent
  status           TEXT NOT NULL CHECK (status IN ('new','open','pending','resolved','closed')),
  subject          TEXT NOT NULL,
  description      TEXT NOT NULL DEFAULT '',
  customer_id      INTEGER REFERENCES customers(id),
  conversation_id  INTEGER REFERENCES conversations(id),
  desk             TEXT CHECK (desk IN ('L1','L2','L3','security','complaints')),
  assignee_id      INTEGER REFERENCES staff(id),
  summary          TEXT,
  merged_into      INTEGER REFERENCES tickets(id),
  chain            TEXT, tx_hash TEXT, from_address TEXT, to_address TEXT, token TEXT,
  amount           TEXT, order_id TEXT,
  card_last4       TEXT CHECK (card_last4 IS NULL OR (length(card_last4) = 4 AND card_last4 NOT GLOB '*[^0-9]*')),
  app_version      TEXT, platform TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);
-- Keyset pagination, newest activity first, one index per list filter so that each filtered
-- page is an index range scan however many tickets there are.
CREATE INDEX tickets_by_activity ON tickets(updated_at DESC, id DESC);
CREATE INDEX tickets_by_status ON tickets(status, updated_at DESC, id DESC);
CREATE INDEX tickets_by_desk ON tickets(desk, updated_at DESC, id DESC);
CREATE INDEX tickets_by_assignee ON tickets(assignee_id, updated_at DESC, id DESC);
CREATE INDEX tickets_by_type ON tickets(type, updated_at DESC, id DESC);
CREATE INDEX tickets_by_category ON tickets(category, updated_at DESC, id DESC);
CREATE INDEX tickets_by_priority ON tickets(priority, updated_at DESC, id DESC);
CREATE INDEX tickets_by_customer ON tickets(customer_id, updated_at DESC, id DESC);
CREATE INDEX tickets_by_tx_hash ON tickets(tx_hash) WHERE tx_hash IS NOT NULL;

CREATE TABLE ticket_tags (
  ticket_id  INTEGER NOT NULL REFERENCES tickets(id),
  tag        TEXT NOT NULL,
  PRIMARY KEY (ticket_id, tag)
) WITHOUT ROWID;
CREATE INDEX ticket_tags_by_tag ON ticket_tags(tag, ticket_id);

-- Conversations a ticket is about (the one it was created from, and those of merged tickets).
CREATE TABLE ticket_links (
  ticket_id        INTEGER NOT NULL REFERENCES tickets(id),
  conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
  PRIMARY KEY (ticket_id, conversation_id)
) WITHOUT ROWID;
CREATE INDEX ticket_links_by_conversation ON ticket_links(conversation_id, ticket_id);

-- Internal notes: staff only, never shown to customers.
CREATE TABLE ticket_notes (
  id          INTEGER PRIMARY KEY,
  ticket_id   INTEGER NOT NULL REFERENCES tickets(id),
  staff_id    INTEGER NOT NULL REFERENCES staff(id),
  text        TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX ticket_notes_by_ticket ON ticket_notes(ticket_id, id);

-- Canned replies (快捷回复); variables are filled when rendered.
CREATE TABLE canned_replies (
  id          INTEGER PRIMARY KEY,
  title       TEXT NOT NULL,
  body        TEXT NOT NULL,
  lang        TEXT NOT NULL DEFAULT '',
  desk        TEXT CHECK (desk IN ('L1','L2','L3','security','complaints')),
  created_by  INTEGER REFERENCES staff(id),
  created_at  INTEGER NOT NULL
);

-- Ticket events live in the one append-only events table; an indexed column (rather than only
-- a field of the JSON data) makes a ticket's history an index range like a conversation's.
ALTER TABLE events ADD COLUMN ticket_id INTEGER;
CREATE INDEX events_by_ticket ON events(ticket_id, id) WHERE ticket_id IS NOT NULL;
)sql"},
    {7, "messages carry a kind",
     R"sql(
-- What a message is, so that clients need not guess from its wording: "text" for customers and
-- staff, "bot.greeting", "bot.answer", "bot.rephrase", "bot.handoff", "bot.safety",
-- "bot.feedback_followup" for the bot. Messages stored before this were all plain "text".
ALTER TABLE messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
)sql"},
    {8, "durable timers",
     R"sql(
-- Every promise with a time on it (SLA checkpoints, reminders, follow-ups, auto-close, queue
-- time-outs) is a row here, so that it survives a restart. Firing sets state = 'fired' in the
-- same transaction as the timer's effect: each fires exactly once.
CREATE TABLE timers (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  ref_id      INTEGER NOT NULL,
  due_at      INTEGER NOT NULL,
  data        TEXT NOT NULL DEFAULT '{}',
  state       TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','fired','cancelled')),
  created_at  INTEGER NOT NULL,
  done_at     INTEGER
);
CREATE INDEX timers_due ON timers(due_at, id) WHERE state = 'pending';
CREATE UNIQUE INDEX timers_one_pending ON timers(kind, ref_id) WHERE state = 'pending';
)sql"},
    {9, "SLA policies and tickets' SLA clocks",
     R"sql(
-- SLA policies: targets in business time of a named calendar (config [calendars.NAME]) for the
-- tickets they match (NULL matches any type, priority or desk; the most specific one applies).
CREATE TABLE sla_policies (
  id                 INTEGER PRIMARY KEY,
  name               TEXT NOT NULL,
  ticket_type        TEXT CHECK (ticket_type IN ('inquiry','incident','complaint','data_request')),
  priority           INTEGER CHECK (priority BETWEEN 0 AND 3),
  desk               TEXT CHECK (desk IN ('L1','L2','L3','security','complaints')),
  first_response_ms  INTEGER NOT NULL,
  resolution_ms      INTEGER NOT NULL,
  calendar           TEXT NOT NULL,
  warn_percent       INTEGER NOT NULL,
  raise_priority     INTEGER NOT NULL,
  escalate_to        TEXT CHECK (escalate_to IN ('L1','L2','L3','security','complaints')),
  enabled            INTEGER NOT NULL,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL
);

-- One row per ticket under a policy: its two clocks (first response, resolution) as decided so
-- far. breached_at is the first breach of either clock (the breach list's order).
CREATE TABLE ticket_sla (
  ticket_id          INTEGER PRIMARY KEY REFERENCES tickets(id),
  policy_id          INTEGER NOT NULL REFERENCES sla_policies(id),
  policy_name        TEXT NOT NULL,
  calendar           TEXT NOT NULL,
  fr_due INTEGER NOT NULL, fr_warn_at INTEGER NOT NULL, fr_met_at INTEGER NOT NULL,
  fr_warned INTEGER NOT NULL, fr_breached_at INTEGER NOT NULL,
  res_due INTEGER NOT NULL, res_warn_at INTEGER NOT NULL, res_met_at INTEGER NOT NULL,
  res_warned INTEGER NOT NULL, res_breached_at INTEGER NOT NULL,
  breached_at        INTEGER
);
CREATE INDEX ticket_sla_breaches ON ticket_sla(breached_at DESC, ticket_id DESC) WHERE breached_at IS NOT NULL;
)sql"},
    {10, "follow-up tasks",
     R"sql(
-- Follow-ups (回访, "check again in 24 hours"): a staff member's task about a conversation or a
-- ticket, due at a time; a durable timer ("task.due") tells the owner when it falls due.
CREATE TABLE tasks (
  id               INTEGER PRIMARY KEY,
  owner_id         INTEGER NOT NULL REFERENCES staff(id),
  conversation_id  INTEGER REFERENCES conversations(id),
  ticket_id        INTEGER REFERENCES tickets(id),
  note             TEXT NOT NULL,
  due_at           INTEGER NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('open','done','cancelled')),
  created_by       INTEGER REFERENCES staff(id),
  created_at       INTEGER NOT NULL,
  fired_at         INTEGER,
  done_at          INTEGER
);
CREATE INDEX tasks_by_owner ON tasks(owner_id, state, due_at, id);
)sql"},
    {11, "the audit log, hash-chained",
     R"sql(
-- Who did what to what (store/audit.hpp, docs/adr/0008). Each entry holds the keyed hash of the
-- one before it; audit_head holds the last seq and hash with a MAC so that removing entries
-- from the end is detected. The triggers stop accidents, not attackers (who are stopped by the
-- key they do not have).
CREATE TABLE audit_log (
  seq         INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor_type  TEXT NOT NULL,
  actor_id    INTEGER NOT NULL DEFAULT 0,
  action      TEXT NOT NULL,
  target      TEXT NOT NULL DEFAULT '',
  details     TEXT NOT NULL DEFAULT '{}',
  prev_hash   BLOB NOT NULL,
  hash        BLOB NOT NULL
);
CREATE INDEX audit_by_action ON audit_log(action, seq);
CREATE INDEX audit_by_actor ON audit_log(actor_type, actor_id, seq);
CREATE INDEX audit_by_time ON audit_log(at);
CREATE TABLE audit_head (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  mac   BLOB NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql"},
    {12, "staff sessions, TOTP, sign-in lockout",
     R"sql(
-- Opaque staff session tokens: only the SHA-256 of a token is kept (docs/adr/0010). Revoking a
-- session deletes its row; the server keeps every live row in memory and checks tokens there.
CREATE TABLE staff_sessions (
  token_hash    BLOB PRIMARY KEY,
  staff_id      INTEGER NOT NULL REFERENCES staff(id),
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  last_used_at  INTEGER NOT NULL,
  ip            TEXT NOT NULL DEFAULT '',
  user_agent    TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX staff_sessions_by_staff ON staff_sessions(staff_id);
-- TOTP two-factor: secrets sealed with XChaCha20-Poly1305 under a subkey of the master key,
-- never in clear. totp_pending holds a secret whose enrolment is not confirmed yet;
-- totp_last_step is the last step a code was accepted for (a replay of it is refused).
ALTER TABLE staff ADD COLUMN totp_secret BLOB;
ALTER TABLE staff ADD COLUMN totp_pending BLOB;
ALTER TABLE staff ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE staff ADD COLUMN password_changed_at INTEGER;
-- Failed sign-ins per email as typed (a keyed hash of it), known account or not, so a lockout
-- survives a restart and does not tell which emails exist.
CREATE TABLE login_lockouts (
  key              TEXT PRIMARY KEY,
  failures         INTEGER NOT NULL,
  locked_until     INTEGER NOT NULL,
  last_failure_at  INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    {13, "tickets and timers: CHECK constraints as comparisons instead of IN lists (faster inserts)", "",
     HotTableChecksAsComparisons},
    {14, "attachments",
     R"sql(
-- Files attached to a conversation (through the message that carries them) or to a ticket.
-- Name and bytes are sealed (XChaCha20-Poly1305) before they reach the store.
CREATE TABLE attachments (
  id               INTEGER PRIMARY KEY,
  public_id        TEXT NOT NULL UNIQUE,
  conversation_id  INTEGER REFERENCES conversations(id),
  ticket_id        INTEGER REFERENCES tickets(id),
  message_id       INTEGER REFERENCES messages(id),
  uploader_type    TEXT NOT NULL,
  uploader_id      INTEGER NOT NULL DEFAULT 0,
  content_type     TEXT NOT NULL,
  size             INTEGER NOT NULL CHECK (size >= 0),
  sealed_name      BLOB NOT NULL,
  sealed_data      BLOB NOT NULL,
  created_at       INTEGER NOT NULL,
  CHECK ((conversation_id IS NULL) <> (ticket_id IS NULL))
);
CREATE UNIQUE INDEX attachments_by_message ON attachments(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX attachments_by_ticket ON attachments(ticket_id, id) WHERE ticket_id IS NOT NULL;
)sql"},
    {15, "data-subject requests, legal holds; events may have their free text erased",
     R"sql(
-- PIPL / GDPR requests of a customer for their data or its erasure, with the legal due date.
CREATE TABLE data_requests (
  id            INTEGER PRIMARY KEY,
  customer_id   INTEGER NOT NULL REFERENCES customers(id),
  kind          TEXT NOT NULL CHECK (kind = 'export' OR kind = 'erasure'),
  status        TEXT NOT NULL CHECK (status = 'open' OR status = 'completed'),
  note          TEXT NOT NULL DEFAULT '',
  received_at   INTEGER NOT NULL,
  due_at        INTEGER NOT NULL,
  completed_at  INTEGER,
  result        TEXT NOT NULL DEFAULT '{}',
  created_by    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX data_requests_by_status ON data_requests(status, due_at, id);

-- A legal hold (litigation, a regulator's order) keeps all of a customer's records from erasure.
CREATE TABLE legal_holds (
  customer_id  INTEGER PRIMARY KEY REFERENCES customers(id),
  reason       TEXT NOT NULL,
  placed_by    INTEGER NOT NULL,
  placed_at    INTEGER NOT NULL
);

-- Events stay append-only, with one exception a data-subject erasure needs: the free text an
-- event copied (a survey comment, a transfer's reason and note, a closing summary) may be
-- removed. Nothing else of an event can change: its type, time, actor and the rest of its data
-- stay for analytics.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  WHEN NOT (NEW.id = OLD.id AND NEW.conversation_id IS OLD.conversation_id AND NEW.ticket_id IS OLD.ticket_id
            AND NEW.type = OLD.type AND NEW.at = OLD.at AND NEW.actor_type IS OLD.actor_type
            AND NEW.actor_id IS OLD.actor_id
            AND NEW.data = json_remove(OLD.data, '$.comment', '$.note', '$.reason', '$.summary', '$.text'))
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
)sql"},
    {16, "encryption at rest: re-sealing state; events' data may be re-sealed",
     R"sql(
-- Message bodies, customer PII and other free text are sealed (XChaCha20-Poly1305) as BLOBs in
-- their own columns; TEXT values there are from before encryption at rest and are sealed by the
-- server's background pass (docs/adr/0013). sealed_key_id: the data key the last complete pass
-- sealed everything under (0: none yet).
CREATE TABLE crypto_state (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  sealed_key_id  INTEGER NOT NULL
);
INSERT INTO crypto_state(id, sealed_key_id) VALUES (1, 0);
-- Events stay append-only (migration 15's exception for erasing free text kept), but re-sealing
-- rewrites sealed data (a BLOB) under a new key, and seals clear data from before: every other
-- column is still frozen. json_remove is only ever applied to clear (TEXT) data.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  WHEN NOT (NEW.id = OLD.id AND NEW.conversation_id IS OLD.conversation_id AND NEW.ticket_id IS OLD.ticket_id
            AND NEW.type = OLD.type AND NEW.at = OLD.at AND NEW.actor_type IS OLD.actor_type
            AND NEW.actor_id IS OLD.actor_id
            AND CASE WHEN typeof(OLD.data) = 'blob' OR typeof(NEW.data) = 'blob' THEN 1
                     ELSE NEW.data = json_remove(OLD.data, '$.comment', '$.note', '$.reason', '$.summary', '$.text') END)
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
-- How a customer is known on a channel (e-mail address, phone number, widget user id, WeChat
-- openid, …) is PII: the value is sealed, and lookups go through `lookup`, a keyed blind index
-- (HMAC-SHA-256 of the normalised value) instead of a clear UNIQUE index. No kefu ever wrote
-- the table of migration 1, so it is replaced rather than copied.
DROP TABLE customer_identities;
CREATE TABLE customer_identities (
  id           INTEGER PRIMARY KEY,
  customer_id  INTEGER NOT NULL REFERENCES customers(id),
  channel      TEXT NOT NULL,
  external_id  BLOB NOT NULL,
  lookup       BLOB NOT NULL,
  verified     INTEGER NOT NULL DEFAULT 0,
  created_at   INTEGER NOT NULL,
  UNIQUE (channel, lookup)
);
CREATE INDEX customer_identities_by_customer ON customer_identities(customer_id);
)sql"},
    {17, "attachments sealed under the key ring",
     R"sql(
-- Attachments' name and bytes are sealed with the data keys (crypto::Place row key: seal_key,
-- random per attachment, so they can be sealed before the row exists) and re-sealed after a
-- rotation like the other sealed columns.
ALTER TABLE attachments ADD COLUMN seal_key INTEGER NOT NULL DEFAULT 0;
)sql"},
    {18, "security webhook outbox",
     R"sql(
-- Calls to the operator's backend when a case reaches the security desk, written in the
-- transaction of the routing change; a "webhook.delivery" timer (ref_id = id) makes each attempt.
CREATE TABLE webhook_outbox (
  id               INTEGER PRIMARY KEY,
  delivery_id      TEXT NOT NULL UNIQUE,
  event            TEXT NOT NULL,
  trigger          TEXT NOT NULL,
  conversation_id  INTEGER REFERENCES conversations(id),
  ticket_id        INTEGER REFERENCES tickets(id),
  customer_id      INTEGER REFERENCES customers(id),
  desk             TEXT NOT NULL,
  reason           TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT NOT NULL DEFAULT '',
  last_attempt_at  INTEGER,
  delivered_at     INTEGER
);
CREATE INDEX webhook_outbox_by_state ON webhook_outbox(state, id);
)sql"},
    {19, "complaints and compensation records",
     R"sql(
-- A complaint (投诉) is a ticket of type complaint plus this record (store/complaints.hpp); its
-- status history is its "complaint.*" events.
CREATE TABLE complaints (
  id                  INTEGER PRIMARY KEY,
  ticket_id           INTEGER NOT NULL UNIQUE REFERENCES tickets(id),
  channel             TEXT NOT NULL,
  status              TEXT NOT NULL,
  lang                TEXT NOT NULL DEFAULT '',
  time_zone           TEXT NOT NULL DEFAULT '',
  received_at         INTEGER NOT NULL,
  acknowledged_at     INTEGER,
  review_due_at       INTEGER NOT NULL,
  review_started_at   INTEGER,
  review_overdue_at   INTEGER,
  resolved_at         INTEGER,
  closed_at           INTEGER,
  resolution          TEXT,
  handler_id          INTEGER REFERENCES staff(id),
  callback_task_id    INTEGER REFERENCES tasks(id),
  callback_at         INTEGER,
  callback_reached    INTEGER,
  callback_satisfied  INTEGER,
  callback_note       TEXT,
  updated_at          INTEGER NOT NULL
);
CREATE INDEX complaints_by_received ON complaints(received_at);
CREATE INDEX complaints_by_status ON complaints(status, id);
-- Compensation proposed by an agent, approved or rejected by someone else (four eyes).
CREATE TABLE compensations (
  id             INTEGER PRIMARY KEY,
  complaint_id   INTEGER NOT NULL REFERENCES complaints(id),
  kind           TEXT NOT NULL,
  amount         TEXT NOT NULL,
  currency       TEXT NOT NULL,
  reason         TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state = 'proposed' OR state = 'approved' OR state = 'rejected'),
  proposed_by    INTEGER NOT NULL REFERENCES staff(id),
  proposed_at    INTEGER NOT NULL,
  decided_by     INTEGER REFERENCES staff(id),
  decided_at     INTEGER,
  decision_note  TEXT
);
CREATE INDEX compensations_by_complaint ON compensations(complaint_id, id);
)sql"},
    {20, "staff verify ids (anti-impersonation, /verify)",
     R"sql(
-- The public id customers check at /verify: random, never derived from the email, never reused.
ALTER TABLE staff ADD COLUMN verify_id TEXT;
CREATE UNIQUE INDEX staff_by_verify_id ON staff(verify_id) WHERE verify_id IS NOT NULL;
)sql",
     BackfillVerifyIds},
    {21, "SLA next-response rounds and the paused resolution clock",
     R"sql(
-- A policy's next-response target (0: none) and each ticket's current round of it (nr_started_at,
-- nr_started_seq: the customer message that started it; docs/adr/0020). The resolution clock pauses while the
-- ticket is pending: since when, and the business time left to its due and warning instants.
ALTER TABLE sla_policies ADD COLUMN next_response_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN nr_started_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN nr_started_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN nr_due INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN nr_warn_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN nr_met_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN nr_warned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN nr_breached_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN res_paused_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN res_left_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ticket_sla ADD COLUMN res_warn_left_ms INTEGER NOT NULL DEFAULT 0;
)sql"},
    {22, "staff presence history by staff member",
     R"sql(
-- A staff member's presence changes (the "staff.status" events) newest first, for supervisors
-- watching staffing (GET /api/v1/staff/{id}/status-history).
CREATE INDEX events_staff_status ON events(actor_id, id) WHERE type = 'staff.status';
)sql"},
};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

Result<std::string> NewStaffVerifyId(Db& db) {
  // Verify ids are public (printed in chats): they need to be unpredictable from the email and
  // unique, not secret, so the standard random device is enough.
  static std::mutex m;
  static std::random_device device;
  for (int attempt = 0; attempt < 16; ++attempt) {
    std::uint64_t bits = 0;
    {
      std::lock_guard lock(m);
      bits = (std::uint64_t{device()} << 32) ^ device();
    }
    std::string id = domain::MakeVerifyId(bits);
    KEFU_ASSIGN(stmt, db.Prepare("SELECT 1 FROM staff WHERE verify_id = ?1"));
    stmt.Bind(1, id);
    KEFU_ASSIGN(row, stmt.Step());
    if (!row) return id;
  }
  return MakeError(Code::internal, "could not find a free verify id");
}

Result<int> Migrate(Db& db) {
  KEFU_TRY(db.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  int current = 0;
  {
    KEFU_ASSIGN(stmt, db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    KEFU_ASSIGN(row, stmt.Step());
    if (row) current = static_cast<int>(stmt.Int(0));
  }
  const int latest = Migrations().back().version;
  if (current > latest)
    return MakeError(Code::invalid, "database schema version " + std::to_string(current) +
                                        " is newer than this kefu (" + std::to_string(latest) +
                                        "); upgrade kefu");
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    // IMMEDIATE: two processes migrating at once serialise here, and the loser re-checks.
    KEFU_TRY(db.Exec("BEGIN IMMEDIATE"));
    bool applied = false;
    {
      auto check = db.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1");
      if (check.ok()) {
        check->Bind(1, m.version);
        auto row = check->Step();
        applied = row.ok() && *row;
      }
    }
    if (!applied) {
      auto st = db.Exec(m.sql);
      if (st.ok() && m.code) st = m.code(db);
      if (st.ok()) {
        auto ins = db.Prepare(
            "INSERT INTO schema_migrations(version, description, applied_at) VALUES (?1, ?2, ?3)");
        if (!ins.ok()) {
          st = std::move(ins).error();
        } else {
          ins->Bind(1, m.version).Bind(2, m.description).Bind(3, Clock::System().Now());
          st = ins->Run();
        }
      }
      if (!st.ok()) {
        (void)db.Exec("ROLLBACK");
        return MakeError(Code::internal, "migration " + std::to_string(m.version) + " (" +
                                             m.description + ") failed: " + st.error().message);
      }
    }
    KEFU_TRY(db.Exec("COMMIT"));
    current = m.version;
  }
  return current;
}

}  // namespace kefu::store::sqlite
