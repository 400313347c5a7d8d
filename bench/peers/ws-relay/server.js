// Baseline peer for bench/chat: a bare Node.js `ws` chat relay that stores nothing.
//
// Protocol, the same frames as kefu's (docs/protocol.md), JSON text frames:
//   GET /ws?role=customer&conversation_id=C  or  /ws?role=agent&conversation_ids=C1,C2,…[&id=N]
//     → joins each conversation's room (an agent's one connection carries all its chats, as in
//       kefu), receives {"type":"hello","subject":{"type","id"}} (the ready signal)
//   {"type":"message.send","conversation_id":C,"client_id":"…","text":"…"}
//     → sender: {"type":"ack","client_id","message_id","seq"}
//     → every other socket of the conversation: {"type":"message.created","message":{…}}
//
// Usage: node server.js --port P [--host 127.0.0.1]
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

function arg(name, def) {
  const i = process.argv.indexOf('--' + name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const host = arg('host', '127.0.0.1');
const port = Number(arg('port', process.env.PORT || 3002));

const rooms = new Map();  // conversation id → { sockets: Set, seq }
let nextMessageId = 1;

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
    return;
  }
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  const role = url.searchParams.get('role');
  const list = role === 'agent' ? url.searchParams.get('conversation_ids')
                                : url.searchParams.get('conversation_id');
  const convs = (list || '').split(',').filter((x) => x !== '').map(Number);
  if (url.pathname !== '/ws' || (role !== 'customer' && role !== 'agent') || convs.length === 0 ||
      !convs.every((c) => Number.isSafeInteger(c))) {
    socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  const idParam = url.searchParams.has('id') ? Number(url.searchParams.get('id')) : convs[0];
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.role = role;
    ws.uid = idParam;
    ws.rooms = new Map();
    for (const c of convs) {
      let room = rooms.get(c);
      if (!room) rooms.set(c, room = { sockets: new Set(), seq: 0 });
      room.sockets.add(ws);
      ws.rooms.set(c, room);
    }
    ws.on('close', () => {
      for (const [c, room] of ws.rooms) {
        room.sockets.delete(ws);
        if (room.sockets.size === 0) rooms.delete(c);
      }
    });
    ws.on('message', (data, isBinary) => onFrame(ws, data, isBinary));
    ws.send(JSON.stringify({ type: 'hello', subject: { type: role, id: ws.uid } }));
  });
});

function onFrame(ws, data, isBinary) {
  let m;
  try {
    m = JSON.parse(data.toString());
  } catch {
    ws.send(JSON.stringify({ type: 'error', code: 'invalid', message: 'bad JSON' }));
    return;
  }
  if (isBinary || !m || m.type !== 'message.send') {
    ws.send(JSON.stringify({ type: 'error', code: 'unknown_type', message: 'unknown type' }));
    return;
  }
  const room = ws.rooms.get(m.conversation_id);
  if (!room || typeof m.text !== 'string' || typeof m.client_id !== 'string' ||
      m.text.length > 4000) {
    ws.send(JSON.stringify({ type: 'error', code: 'invalid', message: 'bad message.send',
                             client_id: m.client_id }));
    return;
  }
  const id = nextMessageId++;
  const seq = ++room.seq;
  ws.send(JSON.stringify({ type: 'ack', client_id: m.client_id, message_id: id, seq }));
  const created = JSON.stringify({
    type: 'message.created',
    message: {
      id, conversation_id: m.conversation_id, seq, client_id: m.client_id,
      sender: { type: ws.role, id: ws.uid, name: ws.role },
      text: m.text, created_at: new Date().toISOString(),
    },
  });
  for (const peer of room.sockets) {
    if (peer !== ws && peer.readyState === 1) peer.send(created);
  }
}

server.listen(port, host, () => {
  console.log(`ws-relay listening on ${host}:${server.address().port}`);
});
function stop() {
  wss.close();
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
