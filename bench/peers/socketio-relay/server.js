// Baseline peer for bench/chat: a typical Node.js socket.io chat relay that persists every
// message in SQLite (better-sqlite3, WAL, synchronous=FULL, one prepared INSERT per message,
// each its own transaction) and acknowledges the sender (socket.io ack callback) only after the
// write, then relays the message to the other party of the conversation.
//
// Protocol, kept close to kefu's (docs/protocol.md):
//   connect with auth {"role":"customer","conversation_id":C} or
//                     {"role":"agent","conversation_ids":[C1,C2,…],"id"?:N}
//     → the socket joins room "conv:C" for each conversation (an agent's one connection carries
//       all its chats, as in kefu); the CONNECT ack "40{sid}" is the ready signal
//   emit("message.send", {conversation_id, client_id, text}, ack)
//     → ack({type:"ack", client_id, message_id, seq}) after the INSERT has committed
//     → room "conv:C" except the sender receives "message.created" {message: {...}}
//   (errors are acked as {type:"error", code, message, client_id})
// As a typical app it keeps no client_id de-duplication (kefu does, at extra cost), and a
// per-conversation seq counter in memory (loaded once from the history index).
//
// Usage: node server.js --port P --db PATH [--host 127.0.0.1]
'use strict';
const http = require('http');
const { Server } = require('socket.io');
const Database = require('better-sqlite3');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', process.env.PORT || 3001));
const dbPath = arg('db', 'relay.db');

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.exec(`
  CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    client_id TEXT,
    sender_type TEXT NOT NULL,
    sender_id INTEGER NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS messages_history ON messages (conversation_id, seq);
`);
const insert = db.prepare(`
  INSERT INTO messages (conversation_id, seq, client_id, sender_type, sender_id, text, created_at)
  VALUES (@conversation_id, @seq, @client_id, @sender_type, @sender_id, @text, @created_at)`);
const lastSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM messages WHERE conversation_id = ?');
const seqs = new Map();  // conversation id → last seq (loaded once per conversation)

const httpServer = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer, { serveClient: false, transports: ['websocket'] });

io.use((socket, next) => {
  const a = socket.handshake.auth || {};
  const convs = a.role === 'agent' ? a.conversation_ids : [a.conversation_id];
  if ((a.role !== 'customer' && a.role !== 'agent') || !Array.isArray(convs) ||
      !convs.every((c) => Number.isSafeInteger(c))) {
    return next(new Error('unauthorized'));
  }
  socket.data.conversations = new Set(convs);
  socket.data.role = a.role;
  socket.data.id = Number.isSafeInteger(a.id) ? a.id : convs[0];
  next();
});

io.on('connection', (socket) => {
  for (const c of socket.data.conversations) socket.join('conv:' + c);
  socket.on('message.send', (m, ack) => {
    if (typeof ack !== 'function') return;
    if (!m || !socket.data.conversations.has(m.conversation_id) || typeof m.text !== 'string' ||
        typeof m.client_id !== 'string' || m.text.length > 4000) {
      ack({ type: 'error', code: 'invalid', message: 'bad message.send', client_id: m && m.client_id });
      return;
    }
    const conv = m.conversation_id;
    let seq = seqs.get(conv);
    if (seq === undefined) seq = lastSeq.get(conv).seq;
    seqs.set(conv, ++seq);
    const row = {
      conversation_id: conv, seq, client_id: m.client_id, sender_type: socket.data.role,
      sender_id: socket.data.id, text: m.text, created_at: new Date().toISOString(),
    };
    const id = Number(insert.run(row).lastInsertRowid);  // autocommit: one transaction, fsync
    ack({ type: 'ack', client_id: m.client_id, message_id: id, seq });
    socket.to('conv:' + conv).emit('message.created', {
      message: {
        id, conversation_id: conv, seq, client_id: m.client_id,
        sender: { type: row.sender_type, id: row.sender_id, name: row.sender_type },
        text: m.text, created_at: row.created_at,
      },
    });
  });
});

httpServer.listen(port, host, () => {
  console.log(`socketio-relay listening on ${host}:${httpServer.address().port} db=${dbPath}`);
});
function stop() {
  io.close();
  httpServer.close();
  db.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
