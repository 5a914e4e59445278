// duet.js, the browser client, driven in Node with fakes of the browser APIs it uses: the
// session and call logic that browser tests cannot steer into (a lost POST, a candidate that
// beats the relay's answer, ICE failing three times in one call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FakeMediaStream, FakeTrack, eventSources, http, install, pcs, sockets, until } from './fakes.mjs';

install();
const source = readFileSync(new URL('../../main/webapp/duet.js', import.meta.url), 'utf8');
const { DuetClient } = await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`);

const RELAY = '@relay';

/** A client connected over a fake WebSocket as `user`; returns it and its socket. */
async function connected(user = 'alice', options = {}) {
  const before = sockets.length;
  const client = new DuetClient({
    url: 'http://duet.test',
    token: 'token',
    transport: 'ws',
    connectTimeoutMs: 60000,
    getLocalMedia: async () => new FakeMediaStream(),
    ...options,
  });
  const opening = client.connect();
  await until(() => sockets.length > before, 'a socket');
  const socket = sockets[sockets.length - 1];
  socket.open({ sessionId: `s-${user}`, resumeToken: 'r1', user, resumed: false });
  await opening;
  return { client, socket };
}

/** alice calls bob; the server accepts it on `path`; returns the call once its offer went out. */
async function acceptedCall(socket, client, path) {
  const call = client.call('bob');
  await until(() => socket.sentOf('call.invite').length === 1, 'the invite');
  const callId = socket.sentOf('call.invite')[0].callId;
  const pcsBefore = pcs.length;
  socket.deliver({ type: 'call.accepted', callId, caller: 'alice', callee: 'bob', path, seq: 2 });
  await until(() => pcs.length > pcsBefore && socket.sentOf('sdp.offer').length > 0, 'the offer');
  return { call, callId, pc: pcs[pcs.length - 1] };
}

function finish(client, call) {
  if (call) call.hangup();
  client.close();
}

test('relay candidates that arrive before the relay answer are added once it has', async () => {
  const { client, socket } = await connected();
  const { call, callId, pc } = await acceptedCall(socket, client, 'relay');
  const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.7 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  socket.deliver({ type: 'ice.candidate', callId, candidate, from: RELAY, seq: 3 });
  socket.deliver({ type: 'sdp.answer', callId, sdp: 'v=0\r\ns=relay\r\n', from: RELAY, seq: 4 });
  await until(() => pc.added.length === 1, 'the early candidate added');
  assert.equal(pc.added[0].candidate, candidate.candidate);
  finish(client, call);
});

test('every ICE outage of a call gets its own restarts: three short ones do not ask for the relay', async () => {
  const { client, socket } = await connected();
  const { call, pc } = await acceptedCall(socket, client, 'p2p');
  for (let outage = 0; outage < 3; outage++) {
    pc.ice('connected');
    pc.ice('failed');
    await until(() => pc.restarts === outage + 1, `ICE restart ${outage + 1}`);
  }
  assert.equal(socket.sentOf('call.relay').length, 0);
  finish(client, call);
});

test('a call whose relay leg fails too is given up, not left waiting for the relay', async () => {
  const { client, socket } = await connected();
  const { call, callId, pc } = await acceptedCall(socket, client, 'p2p');
  for (let i = 0; i < 3; i++) pc.ice('failed'); // restarts spent: ask for the relay
  await until(() => socket.sentOf('call.relay').length === 1, 'call.relay');
  const before = pcs.length;
  socket.deliver({ type: 'call.media', callId, path: 'relay', seq: 3 });
  await until(() => pcs.length > before, 'the relay leg');
  const relayLeg = pcs[pcs.length - 1];
  for (let i = 0; i < 3; i++) relayLeg.ice('failed');
  await until(() => socket.sentOf('call.hangup').length === 1, 'the call given up');
  // Both users read why: the media failed, not "the other person hung up".
  assert.equal(socket.sentOf('call.hangup')[0].reason, 'media_failed');
  finish(client, call);
});

test('a caller without a camera still asks to receive video (and sends no empty one)', async () => {
  const { client, socket } = await connected('alice', {
    getLocalMedia: async () => new FakeMediaStream([new FakeTrack('audio')]),
  });
  const { call, pc } = await acceptedCall(socket, client, 'relay');
  assert.deepEqual(pc.senders.map((s) => s.track.kind), ['audio']);
  assert.deepEqual(pc.transceivers, [{ kind: 'video', direction: 'recvonly' }]);
  finish(client, call);
});

test('a camera granted after the call ended is turned off again', async () => {
  let grant;
  const stream = new FakeMediaStream();
  const { client, socket } = await connected('alice', {
    getLocalMedia: () => new Promise((resolve) => (grant = () => resolve(stream))),
  });
  const call = client.call('bob');
  await until(() => grant, 'the camera request');
  call.hangup(); // the user gives up while the browser still asks for the camera
  grant();
  await until(() => stream.getTracks().every((t) => t.stopped), 'the tracks stopped');
  assert.equal(socket.sentOf('call.invite').length, 0);
  client.close();
});

test('a chat sent on a link that died is sent again after the resume, with the same clientMsgId', async () => {
  const { client, socket } = await connected();
  const sending = client.sendChat('bob', 'hello', 'cm-1');
  assert.equal(socket.sentOf('chat.send').length, 1);
  socket.close(1006, 'network'); // no chat.sent came back
  await until(() => sockets.length > 1 && sockets[sockets.length - 1] !== socket, 'a new socket');
  const next = sockets[sockets.length - 1];
  assert.equal(next.url.searchParams.get('resume'), 'r1');
  next.open({ sessionId: 's-alice', resumeToken: 'r2', user: 'alice', resumed: true });
  await until(() => next.sentOf('chat.send').length === 1, 'the chat sent again');
  assert.equal(next.sentOf('chat.send')[0].clientMsgId, 'cm-1');
  next.deliver({ type: 'chat.sent', clientMsgId: 'cm-1', msgId: 7, ts: 1, seq: 2 });
  assert.equal((await sending).msgId, 7);
  client.close();
});

test('a link replaced by a newer one (4003) does not reconnect and fight it', async () => {
  const { client, socket } = await connected();
  let replaced = false;
  client.addEventListener('replaced', () => (replaced = true));
  const count = sockets.length;
  socket.close(4003, 'resumed elsewhere');
  await until(() => client.state === 'closed', 'closed');
  assert.ok(replaced);
  await new Promise((r) => setTimeout(r, 400)); // longer than the first reconnect delay
  assert.equal(sockets.length, count, 'no new connection');
  client.close();
});

test('a server going away (1001) is reconnected to after a spread-out delay, not at once', async () => {
  const { client, socket } = await connected();
  const count = sockets.length;
  socket.close(1001, 'server shutting down');
  await new Promise((r) => setTimeout(r, 400)); // an ordinary drop reconnects within 125 ms
  assert.equal(sockets.length, count, 'no new connection yet');
  await until(() => sockets.length > count, 'a new connection', 6000);
  assert.equal(sockets[sockets.length - 1].url.searchParams.get('resume'), 'r1');
  client.close();
});

/** A client on short polling (the fake HTTP server above) whose session `s-poll` is open. */
async function polling() {
  http.reset();
  http.pending.push({ type: 'welcome', sessionId: 's-poll', resumeToken: 'p1', user: 'alice', resumed: false, heartbeatMs: 25000, iceServers: [] });
  const client = new DuetClient({ url: 'http://duet.test', token: 'token', transport: 'poll' });
  await client.connect();
  return client;
}

test('over HTTP, the errors /send answers settle the messages they refuse', async () => {
  const client = await polling();
  http.answer = (batch) =>
    batch
      .filter((m) => m.type === 'chat.send')
      .map((m) => ({ type: 'error', code: 'rate_limited', message: 'slow down', re: m.id, seq: 0 }));
  await assert.rejects(client.sendChat('bob', 'too fast', 'cm-2'), (e) => e.code === 'rate_limited');
  client.close();
});

test('over HTTP, a message whose POST failed goes out on the next link', async () => {
  const client = await polling();
  http.failNextSends = 1;
  client.send({ type: 'call.ringing', callId: 'c-1' });
  await until(() => http.sends.length === 1, 'the failed POST');
  http.pending.push({ type: 'welcome', sessionId: 's-poll', resumeToken: 'p2', user: 'alice', resumed: true, heartbeatMs: 25000, iceServers: [] });
  await until(() => http.polls.some((u) => u.searchParams.get('resume') === 'p1'), 'the resume');
  await until(() => http.sentOf('call.ringing').length === 2, 'the message sent again');
  client.close();
});

test('glare the other way: their call survives and is joined with the camera of ours', async () => {
  const { client, socket } = await connected('bob');
  const mine = client.call('alice');
  await until(() => socket.sentOf('call.invite').length === 1, 'our invite');
  const ourStream = mine.localStream;
  let adopted = null;
  client.addEventListener('call', (e) => {
    if (e.detail.call.glare) adopted = e.detail.call;
  });
  socket.deliver({ type: 'call.incoming', callId: 'a-lesser', from: 'alice', seq: 2 });
  socket.deliver({ type: 'call.ended', callId: mine.id, reason: 'glare', seq: 3 });
  const before = pcs.length;
  socket.deliver({ type: 'call.accepted', callId: 'a-lesser', caller: 'alice', callee: 'bob', path: 'p2p', seq: 4 });
  await until(() => adopted && pcs.length > before, 'the surviving call adopted');
  assert.equal(adopted.id, 'a-lesser');
  assert.equal(adopted.localStream, ourStream, 'our camera, not a second one');
  adopted.hangup();
  socket.deliver({ type: 'call.ended', callId: 'a-lesser', reason: 'hangup', seq: 5 });
  await until(() => ourStream.getTracks().every((t) => t.stopped), 'the camera off after the call');
  client.close();
});

test('a token that expires mid-session is refreshed and the session resumed', async () => {
  const { client, socket } = await connected('alice', { refreshToken: async () => 'token-2' });
  let unauthorized = false;
  client.addEventListener('unauthorized', () => (unauthorized = true));
  const count = sockets.length;
  socket.close(4004, 'token expired');
  await until(() => sockets.length > count, 'a new connection');
  const next = sockets[sockets.length - 1];
  assert.equal(next.url.searchParams.get('resume'), 'r1');
  assert.equal(http.ticketAuth[http.ticketAuth.length - 1], 'Bearer token-2');
  next.open({ sessionId: 's-alice', resumeToken: 'r2', user: 'alice', resumed: true });
  await until(() => client.state === 'connected', 'connected again');
  assert.equal(unauthorized, false);
  client.close();
});

test('a silent SSE stream is taken for dead and the session resumed on a new one', async () => {
  http.reset();
  const client = new DuetClient({ url: 'http://duet.test', token: 'token', transport: 'sse' });
  const opening = client.connect();
  await until(() => eventSources.length === 1, 'the event stream');
  const stream = eventSources[0];
  // A 1 s heartbeat: the client pings over POST /send; no pong (nor anything) ever comes back.
  stream.emit('welcome', { type: 'welcome', sessionId: 's-sse', resumeToken: 'e1', user: 'alice', resumed: false, heartbeatMs: 1000, iceServers: [] });
  await opening;
  await until(() => http.sentOf('ping').length > 0, 'a ping');
  await until(() => eventSources.length === 2, 'a new stream', 10000);
  assert.ok(stream.closed, 'the silent stream is closed');
  assert.equal(eventSources[1].url.searchParams.get('resume'), 'e1');
  client.close();
});

test('a call ringing when the session was lost rings again when the new session hears of it', async () => {
  const { client, socket } = await connected('bob');
  const rang = [];
  client.addEventListener('incoming', (e) => rang.push(e.detail.call.id));
  socket.deliver({ type: 'call.incoming', callId: 'ring-1', from: 'alice', seq: 2 });
  assert.deepEqual(rang, ['ring-1']);
  socket.close(1006, 'network');
  await until(() => sockets[sockets.length - 1] !== socket, 'a new connection');
  const next = sockets[sockets.length - 1];
  next.open({ sessionId: 's-bob-2', resumeToken: 'r9', user: 'bob', resumed: false }); // lost
  next.deliver({ type: 'call.incoming', callId: 'ring-1', from: 'alice', seq: 1 });
  assert.deepEqual(rang, ['ring-1', 'ring-1']);
  client.close();
});
