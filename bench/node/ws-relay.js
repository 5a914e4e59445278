'use strict';
// A bare relay on npm ws: ws://127.0.0.1:PORT/ws?access_token=JWT. The token is checked before the
// upgrade (401 otherwise), like Duet. Each text message {"dst": user, "payload": ...} is forwarded
// to dst's socket as {"src": user, "payload": ...}; {"type":"ping"} is answered with {"type":"pong"}.
const http = require('http');
const { WebSocketServer } = require('ws');
const { verify } = require('./jwt');
const { stats } = require('./stats');

const port = Number(process.env.PORT || 8090);
const sockets = new Map(); // user -> ws
const wss = new WebSocketServer({ noServer: true, maxPayload: 65536, perMessageDeflate: false });

const server = http.createServer((req, res) => {
  if (req.url === '/stats') return stats(req, res);
  if (req.url === '/healthz') { res.writeHead(200); return res.end('ok'); }
  res.writeHead(404);
  res.end();
});

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, 'http://x');
  const principal = url.pathname === '/ws' ? verify(url.searchParams.get('access_token')) : null;
  if (!principal) {
    socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const session = { user: principal.user, exp: principal.exp, ws };
    const old = sockets.get(session.user);
    if (old) old.ws.close(4003, 'replaced');
    sockets.set(session.user, session);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let m;
      try { m = JSON.parse(data); } catch (e) { return; }
      if (m.type === 'ping') { ws.send('{"type":"pong"}'); return; }
      const peer = sockets.get(m.dst);
      if (peer) peer.ws.send(JSON.stringify({ src: session.user, payload: m.payload }));
    });
    ws.on('close', () => { if (sockets.get(session.user) === session) sockets.delete(session.user); });
    ws.on('error', () => {});
    ws.send(JSON.stringify({ type: 'welcome', user: session.user }));
  });
});

server.listen(port, '127.0.0.1', () => console.log('ws relay on ' + port));
