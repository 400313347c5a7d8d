// Baseline peer for bench/tickets: a minimal Node.js `http` server that creates tickets the way a
// typical small service would, against the same SQLite schema as kefu's tickets (migration 6:
// the tickets table with its list indexes, ticket_tags, and the append-only events table with
// its ticket index), WAL and synchronous=FULL.
//
//   POST /api/v1/tickets  (Authorization: Bearer T, T given with --token)
//     body: the JSON kefu takes — subject (required, ≤ 200 characters), description (≤ 10,000),
//     type, category, priority, desk (enums), tags (≤ 20 strings of 1–40 characters, no commas
//     or control characters), chain, token, tx_hash, amount (decimal string), from_address,
//     to_address, order_id, card_last4, app_version, platform
//     → 201 with the ticket as JSON after one transaction (ticket row, tag rows, a
//       "ticket.created" event row) has committed; 400 {"error":{code,message}} on bad input,
//       401 without the token.
//   GET /healthz → 200
//
// It does less than kefu: no secret guard on the text, no token signature or staff look-up
// (a fixed bearer string), no group commit (each request is its own transaction, as
// better-sqlite3 code usually is).
//
// Usage: node server.js --port P --db PATH --token T [--host 127.0.0.1]
'use strict';
const http = require('http');
const Database = require('better-sqlite3');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', 3003));
const dbPath = arg('db', 'tickets.db');
const bearer = 'Bearer ' + arg('token', 'bench');

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.exec(`
  CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY,
    type TEXT NOT NULL, category TEXT NOT NULL, priority INTEGER NOT NULL, status TEXT NOT NULL,
    subject TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    customer_id INTEGER, conversation_id INTEGER, desk TEXT, assignee_id INTEGER,
    summary TEXT, merged_into INTEGER,
    chain TEXT, tx_hash TEXT, from_address TEXT, to_address TEXT, token TEXT, amount TEXT,
    order_id TEXT, card_last4 TEXT, app_version TEXT, platform TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS tickets_by_activity ON tickets(updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_status ON tickets(status, updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_desk ON tickets(desk, updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_assignee ON tickets(assignee_id, updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_type ON tickets(type, updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_category ON tickets(category, updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_priority ON tickets(priority, updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_customer ON tickets(customer_id, updated_at DESC, id DESC);
  CREATE INDEX IF NOT EXISTS tickets_by_tx_hash ON tickets(tx_hash) WHERE tx_hash IS NOT NULL;
  CREATE TABLE IF NOT EXISTS ticket_tags (
    ticket_id INTEGER NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (ticket_id, tag)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS ticket_tags_by_tag ON ticket_tags(tag, ticket_id);
  CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, conversation_id INTEGER, ticket_id INTEGER, type TEXT NOT NULL,
    at INTEGER NOT NULL, actor_type TEXT, actor_id INTEGER, data TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX IF NOT EXISTS events_by_conversation ON events(conversation_id, id);
  CREATE INDEX IF NOT EXISTS events_by_ticket ON events(ticket_id, id) WHERE ticket_id IS NOT NULL;
`);

const FIELDS = ['chain', 'tx_hash', 'from_address', 'to_address', 'token', 'amount', 'order_id',
  'card_last4', 'app_version', 'platform'];
const insertTicket = db.prepare(`
  INSERT INTO tickets (type, category, priority, status, subject, description, desk,
    chain, tx_hash, from_address, to_address, token, amount, order_id, card_last4, app_version,
    platform, created_at, updated_at)
  VALUES (@type, @category, @priority, 'new', @subject, @description, @desk,
    @chain, @tx_hash, @from_address, @to_address, @token, @amount, @order_id, @card_last4,
    @app_version, @platform, @at, @at)`);
const insertTag = db.prepare('INSERT OR IGNORE INTO ticket_tags (ticket_id, tag) VALUES (?, ?)');
const insertEvent = db.prepare(`
  INSERT INTO events (ticket_id, type, at, actor_type, actor_id, data)
  VALUES (?, 'ticket.created', ?, 'staff', 1, ?)`);
const create = db.transaction((t) => {
  t.id = Number(insertTicket.run(t).lastInsertRowid);
  for (const tag of t.tags) insertTag.run(t.id, tag);
  insertEvent.run(t.id, t.at, JSON.stringify({ ticket_id: t.id, ticket_type: t.type,
    category: t.category, priority: PRIORITIES[t.priority], desk: t.desk }));
  return t;
});

const TYPES = ['inquiry', 'incident', 'complaint', 'data_request'];
const CATEGORIES = ['account', 'kyc', 'bank_card', 'top_up', 'transfer', 'withdrawal', 'security',
  'asset_loss', 'other'];
const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const DESKS = ['L1', 'L2', 'L3', 'security', 'complaints'];

class Invalid extends Error {}

function optString(body, key, max) {
  const v = body[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new Invalid(`'${key}' must be a string`);
  const s = v.trim();
  if ([...s].length > max) throw new Invalid(`'${key}' must be at most ${max} characters`);
  return s;
}

function oneOf(body, key, allowed, def) {
  const v = optString(body, key, 64);
  if (v === null) return def;
  if (!allowed.includes(v)) throw new Invalid(`'${key}' must be one of ${allowed.join(', ')}`);
  return v;
}

function readTicket(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Invalid('the body must be a JSON object');
  const t = {
    type: oneOf(body, 'type', TYPES, 'inquiry'),
    category: oneOf(body, 'category', CATEGORIES, 'other'),
    priority: PRIORITIES.indexOf(oneOf(body, 'priority', PRIORITIES, 'normal')),
    desk: oneOf(body, 'desk', DESKS, null),
    subject: optString(body, 'subject', 200),
    description: optString(body, 'description', 10000) || '',
    tags: [],
    at: Date.now(),
  };
  if (!t.subject) throw new Invalid("'subject' is required");
  if (typeof body.amount === 'number') throw new Invalid("'amount' must be a decimal string");
  for (const f of FIELDS) {
    const v = optString(body, f, f === 'from_address' || f === 'to_address' || f === 'tx_hash' ? 128 : 64);
    t[f] = v || null;
    if (v && !/^[\x21-\x7e]+$/.test(v)) throw new Invalid(`'${f}' must be printable ASCII without spaces`);
  }
  if (t.tx_hash && !/^(0x)?[0-9a-fA-F]{64}$/.test(t.tx_hash)) throw new Invalid("'tx_hash' is not a transaction hash");
  if (t.amount && !/^\d{1,30}(\.\d{1,18})?$/.test(t.amount)) throw new Invalid("'amount' must be a decimal string");
  if (t.card_last4 && !/^\d{4}$/.test(t.card_last4)) throw new Invalid("'card_last4' must be 4 digits");
  if (body.tags !== undefined && body.tags !== null) {
    if (!Array.isArray(body.tags) || body.tags.length > 20) throw new Invalid("'tags' must be an array of at most 20 strings");
    for (const tag of body.tags) {
      if (typeof tag !== 'string') throw new Invalid("'tags' must be an array of strings");
      const s = tag.trim();
      if (!s || [...s].length > 40 || /[\x00-\x1f,\x7f]/.test(s)) throw new Invalid('bad tag');
      t.tags.push(s);
    }
    t.tags = [...new Set(t.tags)].sort();
  }
  return t;
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function fail(res, status, code, message) {
  send(res, status, JSON.stringify({ error: { code, message } }));
}

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return send(res, 200, '{"status":"ok"}');
  if (req.url !== '/api/v1/tickets' || req.method !== 'POST') return fail(res, 404, 'not_found', 'no such route');
  if (req.headers.authorization !== bearer) return fail(res, 401, 'unauthorized', 'a token is required');
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size <= 1 << 20) chunks.push(c);
  });
  req.on('end', () => {
    if (size > 1 << 20) return fail(res, 413, 'too_large', 'request body too large');
    let t;
    try {
      t = readTicket(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    } catch (e) {
      if (e instanceof SyntaxError) return fail(res, 400, 'invalid', 'the body is not valid JSON');
      if (e instanceof Invalid) return fail(res, 400, 'invalid', e.message);
      throw e;
    }
    try {
      create(t);
    } catch (e) {
      return fail(res, 500, 'internal', 'the ticket could not be stored');
    }
    const at = new Date(t.at).toISOString();
    const out = { id: t.id, type: t.type, category: t.category, priority: PRIORITIES[t.priority],
      status: 'new', subject: t.subject, description: t.description, customer: null,
      conversation_id: null, merged_into: null, desk: t.desk, assignee: null, tags: t.tags, summary: null };
    for (const f of FIELDS) out[f] = t[f];
    out.created_at = at;
    out.updated_at = at;
    res.setHeader('location', '/api/v1/tickets/' + t.id);
    send(res, 201, JSON.stringify(out));
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, host, () => {
  const a = server.address();
  console.log(`listening on http://${a.address}:${a.port}`);
});
function stop() {
  server.close();
  db.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
