'use strict';
// The PeerJS server (npm peer 1.0.2) as a reference: ws://127.0.0.1:PORT/peerjs?key=peerjs&id=USER
// &token=JWT. The JWT is checked before the upgrade (401 otherwise), the same work Duet does;
// PeerJS then relays OFFER/ANSWER/CANDIDATE {dst, payload} between peer ids, adding src.
// concurrent_limit is raised from 5000 and alive_timeout to 10 min (the harness's idle clients
// send HEARTBEAT every minute).
const http = require('http');
const express = require('express');
const { WebSocketServer } = require('ws');
const { ExpressPeerServer } = require('peer');
const { verify } = require('./jwt');
const { stats } = require('./stats');

const port = Number(process.env.PORT || 9000);
const app = express();
const server = http.createServer(app);
app.get('/stats', stats);
app.get('/healthz', (req, res) => res.send('ok'));
const peer = ExpressPeerServer(server, {
  key: 'peerjs',
  concurrent_limit: 1000000,
  alive_timeout: 600000,
  allow_discovery: false,
  createWebSocketServer: (options) =>
    new WebSocketServer({
      ...options,
      perMessageDeflate: false,
      verifyClient: (info, done) => {
        const url = new URL(info.req.url, 'http://x');
        const p = verify(url.searchParams.get('token'));
        if (!p || p.user !== url.searchParams.get('id')) return done(false, 401, 'Unauthorized');
        done(true);
      },
    }),
});
app.use('/', peer);
server.listen(port, '127.0.0.1', () => console.log('peerjs on ' + port));
