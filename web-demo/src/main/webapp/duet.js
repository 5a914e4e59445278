/**
 * duet.js: a client for Duet's signaling protocol v1, as a plain ES module (no build step, no
 * dependencies). It keeps a session alive over WebSocket, SSE or HTTP polling (falling back in
 * that order), resumes it after a drop without losing or repeating a message, acknowledges what it
 * received, and runs calls (perfect negotiation, trickle ICE, ICE restart, relay fallback) and
 * chat. See README.md beside this file for the API.
 *
 *   import { DuetClient } from './duet.js';
 *   const duet = new DuetClient({ token });
 *   duet.addEventListener('incoming', (e) => e.detail.call.accept());
 *   await duet.connect();
 *   const call = duet.call('bob');
 *
 * Rules this file keeps:
 *  - Server messages are handled strictly in `seq` order, each once; a replayed one is dropped.
 *  - Client messages leave in the order they were sent, on every transport (HTTP sends are
 *    serialised), and wait in a queue while the connection is down.
 *  - Per call, signaling messages are handled one at a time (a promise chain), so an ICE
 *    candidate is never applied before the description it belongs to.
 */

export const PROTOCOL_VERSION = 1;

/** The `from` of SDP answers and candidates that come from the server's media relay. */
export const RELAY_PEER = '@relay';

/** Transports in fallback order, by the names the `transport` option and `?transport=` take. */
export const TRANSPORTS = Object.freeze(['ws', 'sse', 'longpoll', 'poll']);

/** Human names of transports. */
export const TRANSPORT_NAMES = Object.freeze({
  ws: 'WebSocket',
  sse: 'Server-sent events',
  longpoll: 'Long polling',
  poll: 'Short polling',
});

/** WebSocket close codes the server uses for terminal conditions (see protocol docs). */
export const CLOSE_CODES = Object.freeze({
  GOING_AWAY: 1001,
  OUTBOX_OVERFLOW: 4001,
  IDLE_TIMEOUT: 4002,
  REPLACED: 4003,
  TOKEN_EXPIRED: 4004,
  RATE_LIMIT_ABUSE: 4005,
  SESSION_ENDED: 4006,
});

/**
 * Says in words why a call ended. `mine` is true when this side caused it (hung up, declined,
 * cancelled); `peer` names the other party; `direction` is 'outgoing' or 'incoming'.
 */
export function describeEndReason(reason, { peer = 'The other person', mine = false, direction = 'outgoing' } = {}) {
  switch (reason) {
    case 'hangup':
      return mine ? 'You ended the call.' : `${peer} ended the call.`;
    case 'cancelled':
      return mine ? 'You cancelled the call.' : `Missed call: ${peer} hung up before you answered.`;
    case 'rejected':
      return mine || direction === 'incoming' ? 'You declined the call.' : `${peer} declined the call.`;
    case 'busy':
      return `${peer} is on another call. Try again later.`;
    case 'timeout':
      return direction === 'incoming' ? `Missed call from ${peer}.` : `${peer} did not answer.`;
    case 'answered_elsewhere':
      return 'You answered this call on another device.';
    case 'declined_elsewhere':
      return 'You declined this call on another device.';
    case 'glare':
      return `You and ${peer} called each other at the same time; you are joined in one call.`;
    case 'ice_failed':
      return 'The call could not connect: your network blocked the media, even through the relay.';
    case 'media_failed':
      return 'The media relay failed, so the call ended.';
    case 'connection_lost':
      return 'The call ended because a connection was lost for too long.';
    case 'server_shutdown':
      return 'The call ended because the server restarted.';
    case 'error':
      return 'The call could not be placed.';
    default:
      return `The call ended (${reason}).`;
  }
}

/** An error reply from the server ({code, message, re}) as an Error. */
export class DuetError extends Error {
  constructor(code, message, re) {
    super(message || code);
    this.name = 'DuetError';
    this.code = code;
    this.re = re;
  }
}

const uuid = () =>
  globalThis.crypto && crypto.randomUUID
    ? crypto.randomUUID()
    : 'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
        const r = (Math.random() * 16) | 0;
        return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
      });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Transports. Each one opens a session (fresh or resumed), hands every server message to
// `onMessage` in order (the welcome first), sends client messages, and reports its end once to
// `onClose({code, reason, opened})`. `opened` is true when a welcome arrived on it.
// ---------------------------------------------------------------------------------------------

/**
 * A single-use ticket (30 s) that authenticates one WebSocket or event stream: neither can send an
 * Authorization header, and the token itself must not go into a URL. Throws an Error with `status`
 * (0 when the server could not be reached).
 */
async function connectTicket(base, token) {
  let res;
  try {
    res = await fetch(new URL('/api/connect-ticket', base), {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}` },
      cache: 'no-store',
    });
  } catch (err) {
    throw Object.assign(new Error(`cannot reach the server: ${err.message}`), { status: 0 });
  }
  if (!res.ok) throw Object.assign(new Error(`connect ticket refused (HTTP ${res.status})`), { status: res.status });
  return (await res.json()).ticket;
}

class WebSocketTransport {
  constructor(base, token, hooks) {
    this.name = 'ws';
    this.base = base;
    this.token = token;
    this.hooks = hooks;
    this.ws = null;
    this.opened = false;
    this.closed = false;
  }

  async open({ resume, lastSeq }) {
    let ticket;
    try {
      ticket = await connectTicket(this.base, this.token);
    } catch (err) {
      this._end(err.status === 401 ? CLOSE_CODES.TOKEN_EXPIRED : 1006, err.message);
      return;
    }
    if (this.closed) return;
    const u = new URL('/ws', this.base);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    u.searchParams.set('ticket', ticket);
    if (resume) {
      u.searchParams.set('resume', resume);
      u.searchParams.set('lastSeq', String(lastSeq));
    }
    const ws = new WebSocket(u);
    this.ws = ws;
    ws.onmessage = (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      if (msg.type === 'welcome') this.opened = true;
      this.hooks.onMessage(msg, this);
    };
    ws.onclose = (e) => this._end(e.code, e.reason);
    ws.onerror = () => {}; // onclose follows with the code
  }

  /** Client messages go out one frame each, in order. */
  send(messages) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    for (const m of messages) this.ws.send(JSON.stringify(m));
    return true;
  }

  /** Acks ride the same socket. */
  ack(seq) {
    return this.send([{ type: 'ack', seq }]);
  }

  get wantsPing() {
    return true;
  }

  close(code = 1000, reason = 'bye') {
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) this.ws.close(code, reason);
    this._end(code, reason);
  }

  _end(code, reason) {
    if (this.closed) return;
    this.closed = true;
    this.hooks.onClose({ code, reason, opened: this.opened }, this);
  }
}

/**
 * Client -> server over HTTP: `POST /send?session=<id>` with a JSON array body. One request in
 * flight at a time keeps the order; acks are merged (only the highest matters).
 */
class HttpSender {
  constructor(base, token, onFail, onErrors = () => {}) {
    this.base = base;
    this.token = token;
    this.onFail = onFail;
    this.onErrors = onErrors;
    this.session = null;
    this.queue = [];
    this.ackSeq = 0;
    this.busy = false;
    this.stopped = false;
  }

  /**
   * The sender of an SSE or polling `transport`: a failed POST fails the transport, and the
   * errors `/send` answers reach the client as if the stream had carried them.
   */
  static forTransport(transport, base, token) {
    return new HttpSender(
      base,
      token,
      (status) => transport._fail(status),
      (errors) => errors.forEach(({ seq, ...error }) => transport.hooks.onMessage(error, transport)),
    );
  }

  /** Stops sending and hands back what was never sent. */
  takeUnsent() {
    this.stop();
    return this.queue.splice(0);
  }

  push(messages) {
    this.queue.push(...messages);
    this._pump();
    return true;
  }

  ack(seq) {
    if (seq > this.ackSeq) this.ackSeq = seq;
    this._pump();
    return true;
  }

  stop() {
    this.stopped = true;
  }

  async _pump() {
    if (this.busy || this.stopped || !this.session) return;
    this.busy = true;
    try {
      while (!this.stopped && (this.queue.length || this.ackSeq)) {
        const batch = this.queue.splice(0, 50);
        if (this.ackSeq) {
          batch.push({ type: 'ack', seq: this.ackSeq });
          this.ackSeq = 0;
        }
        const u = new URL('/send', this.base);
        u.searchParams.set('session', this.session);
        let res;
        try {
          res = await fetch(u, {
            method: 'POST',
            headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify(batch),
          });
        } catch (e) {
          res = null;
        }
        if (!res || !res.ok) {
          // Put the batch back (acks are cumulative: the newest wins) and let the stream reconnect.
          const msgs = batch.filter((m) => m.type !== 'ack');
          this.queue.unshift(...msgs);
          this.onFail(res ? res.status : 0);
          return;
        }
        const body = await res.json().catch(() => ({}));
        // The direct replies to what was sent (a refused chat, a rate-limited message): handled
        // like the errors a WebSocket delivers, so the caller's promise settles.
        if ((body.errors || []).length) this.onErrors(body.errors);
      }
    } finally {
      this.busy = false;
    }
  }
}

class SseTransport {
  constructor(base, token, hooks) {
    this.name = 'sse';
    this.base = base;
    this.token = token;
    this.hooks = hooks;
    this.opened = false;
    this.closed = false;
    this.sender = HttpSender.forTransport(this, base, token);
  }

  async open({ resume, lastSeq }) {
    let ticket;
    try {
      ticket = await connectTicket(this.base, this.token);
    } catch (err) {
      this._fail(err.status);
      return;
    }
    if (this.closed) return;
    const u = new URL('/sse', this.base);
    u.searchParams.set('ticket', ticket);
    if (resume) {
      u.searchParams.set('resume', resume);
      u.searchParams.set('lastSeq', String(lastSeq));
    }
    // EventSource's own reconnect would reuse a spent resume token: the client reconnects itself.
    const es = new EventSource(u);
    this.es = es;
    es.addEventListener('welcome', (e) => {
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this.opened = true;
      this.sender.session = msg.sessionId;
      this.hooks.onMessage(msg, this);
      this.sender._pump();
    });
    es.onmessage = (e) => {
      try {
        this.hooks.onMessage(JSON.parse(e.data), this);
      } catch (err) {
        console.warn('duet: bad SSE data', err);
      }
    };
    // The server's last word before it ends the stream: a close code, as on WebSocket.
    es.addEventListener('close', (e) => {
      let info = {};
      try {
        info = JSON.parse(e.data);
      } catch {
        /* no details */
      }
      this.close(info.code || 1006, info.reason || 'closed by server');
    });
    es.onerror = () => this._fail(0);
  }

  send(messages) {
    return this.sender.push(messages);
  }

  ack(seq) {
    return this.sender.ack(seq);
  }

  /** Client messages this link never got to the server; it sends nothing more. */
  unsent() {
    return this.sender.takeUnsent();
  }

  get wantsPing() {
    return true;
  }

  _fail(status) {
    this.close(status === 401 ? CLOSE_CODES.TOKEN_EXPIRED : 1006, 'stream lost');
  }

  close(code = 1000, reason = 'bye') {
    if (this.closed) return;
    this.closed = true;
    if (this.es) this.es.close();
    this.sender.stop();
    this.hooks.onClose({ code, reason, opened: this.opened }, this);
  }
}

/**
 * Long polling (`wait` > 0) and short polling (`wait` = 0 on an interval). The `after` of each
 * poll acknowledges everything up to it, so no separate acks are sent.
 */
class PollTransport {
  constructor(base, token, hooks, { long }) {
    this.name = long ? 'longpoll' : 'poll';
    this.long = long;
    this.base = base;
    this.token = token;
    this.hooks = hooks;
    this.opened = false;
    this.closed = false;
    this.after = 0;
    this.abort = new AbortController();
    this.sender = HttpSender.forTransport(this, base, token);
  }

  async open({ resume, lastSeq }) {
    this.after = resume ? lastSeq : 0;
    let first = true;
    let failures = 0;
    while (!this.closed) {
      const u = new URL('/poll', this.base);
      if (first) {
        u.searchParams.set('after', String(resume ? lastSeq : 0));
        u.searchParams.set('wait', '0');
        if (resume) {
          u.searchParams.set('resume', resume);
          u.searchParams.set('lastSeq', String(lastSeq));
        }
      } else {
        u.searchParams.set('session', this.sender.session);
        u.searchParams.set('after', String(this.after));
        u.searchParams.set('wait', this.long ? '25' : '0');
      }
      let body;
      try {
        const res = await fetch(u, {
          signal: this.abort.signal,
          cache: 'no-store',
          headers: { Authorization: `Bearer ${this.token}` },
        });
        if (!res.ok) {
          this._fail(res.status);
          return;
        }
        body = await res.json();
      } catch (e) {
        if (this.closed) return;
        if (++failures >= 2 || !this.opened) {
          this._fail(0);
          return;
        }
        await sleep(500);
        continue;
      }
      failures = 0;
      for (const msg of body.messages || []) {
        if (this.closed) return;
        if (msg.type === 'welcome') {
          this.opened = true;
          if (!msg.resumed) this.after = 0; // a fresh session numbers from 1
          this.sender.session = msg.sessionId;
          this.hooks.onMessage(msg, this);
          this.sender._pump();
          continue;
        }
        if (typeof msg.seq === 'number' && msg.seq > this.after) this.after = msg.seq;
        this.hooks.onMessage(msg, this);
      }
      if (body.closed) {
        // The server ended this session's polling (replaced, token expired...): a close code.
        this.close(body.closed.code || 1006, body.closed.reason || 'closed by server');
        return;
      }
      if (first && !this.opened) {
        this._fail(0);
        return;
      }
      first = false;
      if (!this.long) await sleep(1000);
    }
  }

  send(messages) {
    return this.sender.push(messages);
  }

  /** The next poll's `after` acknowledges; nothing to send. */
  ack() {
    return true;
  }

  /** Client messages this link never got to the server; it sends nothing more. */
  unsent() {
    return this.sender.takeUnsent();
  }

  get wantsPing() {
    return false;
  }

  _fail(status) {
    this.close(status === 401 ? CLOSE_CODES.TOKEN_EXPIRED : 1006, 'poll failed');
  }

  close(code = 1000, reason = 'bye') {
    if (this.closed) return;
    this.closed = true;
    this.abort.abort();
    this.sender.stop();
    this.hooks.onClose({ code, reason, opened: this.opened }, this);
  }
}

function newTransport(name, base, token, hooks) {
  switch (name) {
    case 'ws':
      return new WebSocketTransport(base, token, hooks);
    case 'sse':
      return new SseTransport(base, token, hooks);
    case 'longpoll':
      return new PollTransport(base, token, hooks, { long: true });
    case 'poll':
      return new PollTransport(base, token, hooks, { long: false });
    default:
      throw new Error(`unknown transport '${name}' (use ${TRANSPORTS.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// The client: one session, whatever carries it.
// ---------------------------------------------------------------------------------------------

/**
 * A signaling session with a Duet server.
 *
 * Events (all `CustomEvent`s; the payload is in `event.detail`):
 *  - `connection` {state, transport}: state is 'connecting', 'connected', 'reconnecting', 'closed'
 *  - `welcome` {welcome}: every welcome (first connect and each resume)
 *  - `sessionlost` {}: a resume found the session gone; calls in progress were ended
 *  - `unauthorized` {}: the token was refused or expired; the client stopped
 *  - `message` {message}: every server message, before it is handled
 *  - `incoming` {call}: a new incoming call (a `DuetCall`), already reported as ringing
 *  - `call` {call}: any new call, outgoing or incoming
 *  - `presence` {user, online}
 *  - `chat` {message}: a `chat.message` for this user
 *  - `chatsent` {clientMsgId, msgId, ts, to}
 *  - `receipt` {msgId, status, by}: 'delivered' or 'read'
 *  - `servererror` {error}: an `error` message that no request was waiting for
 */
export class DuetClient extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.token the JWT (`sub` is the user id)
   * @param {string} [options.url] server base URL (default: the page's origin)
   * @param {string} [options.transport] 'auto' (default: ws, then sse, then longpoll), or one of
   *   'ws', 'sse', 'longpoll', 'poll' to force it
   * @param {RTCIceTransportPolicy} [options.iceTransportPolicy] 'all' (default) or 'relay'
   * @param {RTCConfiguration} [options.rtcConfiguration] merged into every RTCPeerConnection's
   *   configuration (iceServers come from the server unless given here)
   * @param {() => Promise<MediaStream>} [options.getLocalMedia] how to get camera and microphone
   *   when a call needs them and none was given (default: getUserMedia audio+video)
   * @param {number} [options.ackDelayMs] acks are batched for this long (default 200)
   * @param {number} [options.openTimeoutMs] how long a transport may take to deliver a welcome
   *   before the next one is tried (default 6000)
   * @param {number} [options.connectTimeoutMs] how long ICE may take to connect before an ICE
   *   restart (then the media relay) is tried (default 20000)
   * @param {() => Promise<string|null>} [options.refreshToken] called when the server says the
   *   token expired (close code 4004, or a refused connect ticket): a new token resumes the
   *   session (and its calls) without the user noticing; null (or none given) ends in 'closed'
   *   and an 'unauthorized' event
   * @param {boolean} [options.blockPeerCandidates] testing only: ignore the other party's
   *   candidates (the relay's still count), so peer-to-peer cannot connect
   */
  constructor(options = {}) {
    super();
    if (!options.token) throw new Error('DuetClient needs a token');
    this.options = {
      url: globalThis.location ? location.origin : undefined,
      transport: 'auto',
      iceTransportPolicy: 'all',
      rtcConfiguration: {},
      ackDelayMs: 200,
      openTimeoutMs: 6000,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      blockPeerCandidates: false,
      getLocalMedia: () => navigator.mediaDevices.getUserMedia({ audio: true, video: true }),
      ...options,
    };
    this.token = options.token;
    this.base = new URL(this.options.url);
    this._state = 'idle';
    this._transport = null;
    this._transportName = null;
    this._welcome = null;
    this._lastSeq = 0;
    this._ackedSeq = 0;
    this._ackTimer = null;
    this._outbox = [];
    this._pending = new Map(); // id -> {resolve, reject}
    this._chatPending = new Map(); // clientMsgId -> {resolve, reject, msg}
    this._calls = new Map(); // callId -> DuetCall
    this._endedCalls = new Set();
    this._pingTimer = null;
    this._lastHeard = 0;
    this._reconnectAttempt = 0;
    this._reconnectTimer = null;
    this._closedByUser = false;
    this._iceServers = [];
  }

  /** 'idle', 'connecting', 'connected', 'reconnecting' or 'closed'. */
  get state() {
    return this._state;
  }

  /** The transport in use ('ws', 'sse', 'longpoll', 'poll'), or null. */
  get transport() {
    return this._transportName;
  }

  /** The latest welcome message. */
  get welcome() {
    return this._welcome;
  }

  /** This user's id (the token's `sub`), known after the first welcome. */
  get user() {
    return this._welcome ? this._welcome.user : null;
  }

  get sessionId() {
    return this._welcome ? this._welcome.sessionId : null;
  }

  /** The highest server `seq` handled. */
  get lastSeq() {
    return this._lastSeq;
  }

  /** ICE servers with the freshest TURN credentials this client has. */
  get iceServers() {
    return this._iceServers;
  }

  /** The live calls (not ended). */
  get calls() {
    return [...this._calls.values()].filter((c) => c.state !== 'ended');
  }

  /**
   * Connects and resolves with the welcome. With transport 'auto' it tries WebSocket, then SSE,
   * then long polling, each for `openTimeoutMs`. Rejects with a DuetError 'unauthorized' when the
   * token is refused.
   */
  async connect() {
    if (this._state === 'connected' || this._state === 'connecting') {
      return this._welcome;
    }
    this._closedByUser = false;
    this._setState('connecting');
    await this._checkToken();
    const order = this.options.transport === 'auto' ? ['ws', 'sse', 'longpoll'] : [this.options.transport];
    let lastError;
    for (const name of order) {
      try {
        const welcome = await this._open(name);
        return welcome;
      } catch (e) {
        lastError = e;
        if (this._closedByUser) throw e;
      }
    }
    this._setState('closed');
    throw lastError || new Error('could not connect');
  }

  /** Ends the session's connection (the server keeps the session for its grace period). */
  close() {
    this._closedByUser = true;
    clearTimeout(this._reconnectTimer);
    clearInterval(this._pingTimer);
    clearTimeout(this._ackTimer);
    this._flushAck();
    if (this._transport) this._transport.close(1000, 'bye');
    this._transport = null;
    this._setState('closed');
  }

  /**
   * Sends a client message; adds an `id` when it has none and returns it. While disconnected the
   * message waits and goes out after the session resumes.
   */
  send(message) {
    const m = { ...message };
    if (!m.id && m.type !== 'ack') m.id = uuid().slice(0, 8);
    if (this._state === 'connected' && this._transport && this._transport.send([m])) {
      return m.id;
    }
    this._outbox.push(m);
    return m.id;
  }

  /**
   * Sends a message and resolves with the server's reply (the message whose `re` is its id), or
   * rejects with a DuetError. Messages with no direct reply (most of them) resolve on timeout
   * with null, unless `expectReply` is true.
   */
  request(message, { timeoutMs = 10000, expectReply = false } = {}) {
    return new Promise((resolve, reject) => {
      const id = this.send(message);
      const timer = setTimeout(() => {
        this._pending.delete(id);
        if (expectReply) reject(new DuetError('timeout', 'no reply from the server', id));
        else resolve(null);
      }, timeoutMs);
      this._pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /**
   * Calls `to`. Returns the DuetCall at once (state 'calling'); it rings, connects or ends through
   * its events. `options.stream` is the local media (default: getLocalMedia()); `options.record`
   * asks for a recording.
   */
  call(to, options = {}) {
    const call = new DuetCall(this, {
      callId: uuid(),
      peer: to,
      direction: 'outgoing',
      record: !!options.record,
      stream: options.stream || null,
    });
    this._calls.set(call.id, call);
    this._emit('call', { call });
    call._invite();
    return call;
  }

  /** Sends an instant message; resolves with {clientMsgId, msgId, ts} once the server stored it. */
  sendChat(to, text, clientMsgId = uuid()) {
    return new Promise((resolve, reject) => {
      const msg = { type: 'chat.send', to, text, clientMsgId };
      this._chatPending.set(clientMsgId, { resolve, reject, msg });
      const id = this.send(msg);
      this._chatPending.get(clientMsgId).id = id;
    });
  }

  /** Marks a received message as read; its sender gets a read receipt. */
  markRead(msgId) {
    this.send({ type: 'chat.read', msgId });
  }

  /** GET a REST endpoint with this client's token; resolves with the parsed JSON. */
  async api(path, init = {}) {
    const res = await fetch(new URL(path, this.base), {
      ...init,
      headers: { Authorization: `Bearer ${this.token}`, ...(init.headers || {}) },
      cache: 'no-store',
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = body.error || {};
      throw new DuetError(err.code || `http_${res.status}`, err.message || res.statusText);
    }
    return body;
  }

  /** Conversation history with `user`, newest first: {messages, nextBefore}. */
  history(user, { before, limit = 50 } = {}) {
    const q = new URLSearchParams({ with: user, limit: String(limit) });
    if (before) q.set('before', String(before));
    return this.api(`/api/messages?${q}`);
  }

  /**
   * This user's call history, newest first: {calls, nextBefore, nextBeforeCallId}. Pass both
   * next* values back for the next page.
   */
  callHistory({ before, beforeCallId, limit = 50 } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', String(before));
    if (before && beforeCallId) q.set('beforeCallId', beforeCallId);
    return this.api(`/api/calls?${q}`);
  }

  /** Presence of up to 100 users: {user: online}. */
  async presence(users) {
    if (!users.length) return {};
    const body = await this.api(`/api/presence?users=${encodeURIComponent(users.join(','))}`);
    return body.presence || {};
  }

  /** Fetches fresh ICE servers (new TURN credentials) from the server. */
  async refreshIceServers() {
    const body = await this.api('/api/ice-servers');
    this._iceServers = body.iceServers || [];
    return this._iceServers;
  }

  /**
   * When the TURN credentials of the current ICE servers expire (ms since the epoch), from the
   * REST API username `expiry:userId`; null when there are none.
   */
  turnExpiry(servers = this._iceServers) {
    for (const s of servers || []) {
      if (s.username && /^\d+:/.test(s.username)) {
        return Number(s.username.split(':')[0]) * 1000;
      }
    }
    return null;
  }

  /** The RTCConfiguration for a new peer connection. */
  rtcConfiguration() {
    return {
      iceServers: this._iceServers,
      iceTransportPolicy: this.options.iceTransportPolicy,
      bundlePolicy: 'max-bundle',
      ...this.options.rtcConfiguration,
    };
  }

  /** ICE servers for a call: refreshed first when the credentials expire within a minute. */
  async _iceServersForCall() {
    const exp = this.turnExpiry();
    if (exp !== null && exp - Date.now() < 60000) {
      try {
        await this.refreshIceServers();
      } catch (e) {
        console.warn('duet: could not refresh ICE servers', e);
      }
    }
    return this.rtcConfiguration();
  }

  // --- connection ------------------------------------------------------------------------------

  async _checkToken() {
    let res;
    try {
      res = await fetch(new URL('/api/ice-servers', this.base), {
        headers: { Authorization: `Bearer ${this.token}` },
        cache: 'no-store',
      });
    } catch (e) {
      return; // the server may be unreachable over HTTP only for now; the transports will tell
    }
    if (res.status === 401 || res.status === 403) {
      this._setState('closed');
      this._emit('unauthorized', {});
      throw new DuetError('unauthorized', 'the server refused the token');
    }
    if (res.ok) {
      const body = await res.json().catch(() => ({}));
      if (body.iceServers) this._iceServers = body.iceServers;
    }
  }

  /** Opens one transport; resolves with its welcome, rejects if none came in time. */
  _open(name) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const resume = this._welcome ? this._welcome.resumeToken : null;
      const hooks = {
        onMessage: (msg, t) => {
          if (t !== this._transport) return;
          if (msg.type === 'welcome' && !settled) {
            settled = true;
            clearTimeout(timer);
            this._onWelcome(msg, t);
            resolve(msg);
            return;
          }
          this._onServerMessage(msg);
        },
        onClose: (info, t) => {
          if (t !== this._transport) return;
          // What this link had not delivered yet (an HTTP sender's queue, the batch whose POST
          // failed) goes out on the next link, before anything newer.
          if (t.unsent) this._outbox.unshift(...t.unsent());
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            this._transport = null;
            reject(
              info.code === CLOSE_CODES.TOKEN_EXPIRED
                ? new DuetError('unauthorized', 'token refused')
                : new Error(`${name}: closed before welcome (${info.code})`),
            );
            return;
          }
          this._onTransportClosed(info);
        },
      };
      const t = newTransport(name, this.base, this.token, hooks);
      this._transport = t;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this._transport = null;
        t.hooks = { onMessage() {}, onClose() {} };
        t.close(1000, 'open timeout');
        reject(new Error(`${name}: no welcome within ${this.options.openTimeoutMs} ms`));
      }, this.options.openTimeoutMs);
      t.open({ resume, lastSeq: this._lastSeq });
    });
  }

  _onWelcome(welcome, transport) {
    const resumedAttempt = !!this._welcome;
    this._welcome = welcome;
    this._transportName = transport.name;
    this._iceServers = welcome.iceServers || [];
    this._reconnectAttempt = 0;
    this._lastHeard = Date.now();
    if (!welcome.resumed) {
      // A fresh session numbers its messages from 1 again.
      this._lastSeq = 0;
      this._ackedSeq = 0;
      if (resumedAttempt) this._sessionLost();
    }
    this._setState('connected');
    this._emit('welcome', { welcome });
    this._startHeartbeat();
    // Whatever waited while the connection was down goes out now, in order.
    const waiting = this._outbox.splice(0);
    if (welcome.resumed) {
      // A chat sent on the link that died may never have reached the server: send every
      // unconfirmed one again (same clientMsgId, so the server stores it once; a chat.sent it
      // already queued comes back in the replay either way).
      for (const p of this._chatPending.values()) {
        if (!waiting.some((m) => m.clientMsgId === p.msg.clientMsgId)) waiting.push({ ...p.msg, id: p.id });
      }
    }
    if (waiting.length) transport.send(waiting);
  }

  _sessionLost() {
    // The server ended our calls with the old session (connection_lost); say so locally.
    for (const call of [...this._calls.values()]) {
      if (call.state === 'ended') continue;
      const ringing = call.state === 'incoming';
      call._end('connection_lost', false);
      // A call that was ringing here still rings our other devices, and the server announces
      // it to this new session too: let it ring here again.
      if (ringing) this._endedCalls.delete(call.id);
    }
    this._outbox = this._outbox.filter((m) => m.type === 'chat.send' || m.type === 'chat.read');
    for (const p of this._chatPending.values()) {
      if (!this._outbox.some((m) => m.clientMsgId === p.msg.clientMsgId)) this._outbox.push({ ...p.msg });
    }
    this._emit('sessionlost', {});
  }

  _startHeartbeat() {
    clearInterval(this._pingTimer);
    const hb = Math.max(1000, Number(this._welcome.heartbeatMs) || 25000);
    this._pingTimer = setInterval(() => {
      const t = this._transport;
      if (!t || this._state !== 'connected') return;
      if (t.wantsPing) t.send([{ type: 'ping' }]);
      // Nothing heard for two heartbeats and a bit (not even the pong of our pings): the link is
      // dead even if not closed. (Polling links fail on their own requests.)
      if ((t.name === 'ws' || t.name === 'sse') && Date.now() - this._lastHeard > hb * 2 + 5000) {
        t.close(4000, 'heartbeat lost');
      }
    }, Math.floor(hb * 0.6));
  }

  _onTransportClosed(info) {
    this._transport = null;
    clearInterval(this._pingTimer);
    if (this._closedByUser) return;
    if (info.code === CLOSE_CODES.TOKEN_EXPIRED) {
      this._tokenExpired();
      return;
    }
    if (info.code === CLOSE_CODES.REPLACED) {
      // Another connection resumed this session (another tab, or this page's own newer link):
      // taking it back would only make the two fight over it.
      this._setState('closed');
      this._emit('replaced', {});
      return;
    }
    this._setState('reconnecting');
    if (info.code === CLOSE_CODES.RATE_LIMIT_ABUSE) {
      this._scheduleReconnect(30000);
    } else if (info.code === CLOSE_CODES.GOING_AWAY) {
      // The server is restarting: every client heard this at once, so they spread over seconds.
      this._scheduleReconnect(1000 + Math.random() * 3000);
    } else {
      this._scheduleReconnect(0);
    }
  }

  /** Uses a new token for everything from now on (the next connection, REST calls). */
  setToken(token) {
    if (!token) throw new Error('setToken needs a token');
    this.token = token;
  }

  /** The token expired: resume with a fresh one from `refreshToken`, or give up. */
  async _tokenExpired() {
    let fresh = null;
    if (this.options.refreshToken) {
      try {
        fresh = await this.options.refreshToken();
      } catch (e) {
        console.warn('duet: refreshToken failed', e);
      }
    }
    if (this._closedByUser) return;
    if (fresh && fresh !== this.token) {
      this.setToken(fresh);
      this._setState('reconnecting');
      this._scheduleReconnect();
      return;
    }
    this._setState('closed');
    this._emit('unauthorized', {});
  }

  /** The next attempt after a backoff (at least `atLeastMs`), jittered so clients spread. */
  _scheduleReconnect(atLeastMs = 0) {
    clearTimeout(this._reconnectTimer);
    const attempt = this._reconnectAttempt++;
    const base = attempt === 0 ? 100 : Math.min(10000, 300 * 2 ** attempt);
    const delay = Math.max(atLeastMs, base) * (0.75 + Math.random() * 0.5);
    this._reconnectTimer = setTimeout(() => this._reconnect(), delay);
  }

  async _reconnect() {
    if (this._closedByUser) return;
    // Every few failures, check whether the token itself is the problem.
    if (this._reconnectAttempt % 4 === 3) {
      try {
        await this._checkToken();
      } catch {
        return;
      }
    }
    const order =
      this.options.transport === 'auto'
        ? [this._transportName, ...['ws', 'sse', 'longpoll'].filter((n) => n !== this._transportName)]
        : [this.options.transport];
    // The transport that worked gets two tries before the others.
    const tryName = this._reconnectAttempt <= 2 ? order[0] : order[this._reconnectAttempt % order.length];
    try {
      await this._open(tryName);
    } catch (e) {
      if (e instanceof DuetError && e.code === 'unauthorized') {
        this._tokenExpired();
        return;
      }
      if (!this._closedByUser) this._scheduleReconnect();
    }
  }

  _setState(state) {
    if (this._state === state) return;
    this._state = state;
    this._emit('connection', { state, transport: this._transportName });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // --- server messages -------------------------------------------------------------------------

  _onServerMessage(msg) {
    this._lastHeard = Date.now();
    if (typeof msg.seq === 'number') {
      if (msg.seq <= this._lastSeq) return; // a replay we already handled
      this._lastSeq = msg.seq;
      this._scheduleAck();
    }
    try {
      this._emit('message', { message: msg });
      this._dispatch(msg);
    } catch (e) {
      console.error('duet: error handling', msg.type, e);
    }
  }

  _scheduleAck() {
    if (this._lastSeq - this._ackedSeq >= 32) {
      this._flushAck();
      return;
    }
    if (!this._ackTimer) {
      this._ackTimer = setTimeout(() => this._flushAck(), this.options.ackDelayMs);
    }
  }

  _flushAck() {
    clearTimeout(this._ackTimer);
    this._ackTimer = null;
    if (this._lastSeq > this._ackedSeq && this._transport && this._state === 'connected') {
      if (this._transport.ack(this._lastSeq)) this._ackedSeq = this._lastSeq;
    }
  }

  _dispatch(msg) {
    if (msg.re && this._pending.has(msg.re)) {
      const p = this._pending.get(msg.re);
      this._pending.delete(msg.re);
      if (msg.type === 'error') p.reject(new DuetError(msg.code, msg.message, msg.re));
      else p.resolve(msg);
    }
    switch (msg.type) {
      case 'pong':
        return;
      case 'error':
        return this._onError(msg);
      case 'call.incoming':
        return this._onIncoming(msg);
      case 'call.ringing':
      case 'call.accepted':
      case 'call.ended':
      case 'call.media':
      case 'sdp.offer':
      case 'sdp.answer':
      case 'ice.candidate':
        return this._onCallMessage(msg);
      case 'chat.message':
        return this._emit('chat', { message: msg });
      case 'chat.sent': {
        const p = this._chatPending.get(msg.clientMsgId);
        this._chatPending.delete(msg.clientMsgId);
        const detail = { clientMsgId: msg.clientMsgId, msgId: msg.msgId, ts: msg.ts, to: p ? p.msg.to : undefined };
        this._emit('chatsent', detail);
        if (p) p.resolve(detail);
        return;
      }
      case 'chat.receipt':
        return this._emit('receipt', { msgId: msg.msgId, status: msg.status, by: msg.by });
      case 'presence':
        return this._emit('presence', { user: msg.user, online: msg.online });
      default:
        return; // newer server, unknown type: ignore
    }
  }

  _onError(msg) {
    for (const [cid, p] of this._chatPending) {
      if (p.id && p.id === msg.re) {
        this._chatPending.delete(cid);
        p.reject(new DuetError(msg.code, msg.message, msg.re));
        return;
      }
    }
    for (const call of this._calls.values()) {
      if (call._ownsRequest(msg.re)) {
        call._onError(msg);
        return;
      }
    }
    this._emit('servererror', { error: msg });
  }

  _onIncoming(msg) {
    if (this._calls.has(msg.callId) || this._endedCalls.has(msg.callId)) return;
    const call = new DuetCall(this, {
      callId: msg.callId,
      peer: msg.from,
      direction: 'incoming',
      record: !!msg.record,
    });
    call._setState('incoming');
    this._calls.set(call.id, call);
    this.send({ type: 'call.ringing', callId: call.id });
    this._emit('call', { call });
    this._emit('incoming', { call });
  }

  _onCallMessage(msg) {
    let call = this._calls.get(msg.callId);
    if (!call && msg.type === 'call.accepted' && !this._endedCalls.has(msg.callId)) {
      // Glare: the call that survived was accepted for us at once. Join it.
      const mine = msg.caller === this.user;
      call = new DuetCall(this, {
        callId: msg.callId,
        peer: mine ? msg.callee : msg.caller,
        direction: mine ? 'outgoing' : 'incoming',
        stream: this._glareStream || null,
      });
      call.glare = true;
      call._ownStream = !!this._glareStream; // the camera is this call's to stop now
      this._glareStream = null;
      this._calls.set(call.id, call);
      this._emit('call', { call });
    } else if (call && msg.type === 'call.accepted' && call.state === 'incoming') {
      // Glare the other way: we were calling them as they called us, and their call survived.
      // The server accepted it for us (our own call ended with glare): join it with our camera.
      call.glare = true;
      if (!call.localStream && this._glareStream) {
        call.localStream = this._glareStream;
        call._ownStream = true;
      }
      this._glareStream = null;
      this._emit('call', { call });
    }
    if (!call) return;
    call._onMessage(msg);
  }

  _forget(call) {
    this._calls.delete(call.id);
    this._endedCalls.add(call.id);
    if (this._endedCalls.size > 200) {
      this._endedCalls.delete(this._endedCalls.values().next().value);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

const ICE_RESTARTS = 2;
const DISCONNECTED_GRACE_MS = 2500;
const CONNECT_TIMEOUT_MS = 20000;

/**
 * One call. States: 'calling' (invite sent), 'ringing' (the callee's device rings), 'incoming'
 * (ringing here), 'connecting' (accepted; media negotiating), 'connected', 'reconnecting' (ICE
 * restart), 'relaying' (asked for the media relay), 'ended'.
 *
 * Events (CustomEvent, payload in detail): `state` {state}, `localstream` {stream},
 * `remotestream` {stream}, `ice` {iceConnectionState, connectionState}, `stats` {stats} once a
 * second while media flows, `media` {path}, `turnerror` {errorCode, errorText, url, hint},
 * `ended` {reason, mine, text}.
 */
export class DuetCall extends EventTarget {
  constructor(client, { callId, peer, direction, record = false, stream = null }) {
    super();
    this._earlyCandidates = [];
    this.client = client;
    this.id = callId;
    this.peer = peer;
    this.direction = direction;
    this.record = record;
    this.state = direction === 'outgoing' ? 'calling' : 'incoming';
    this.endReason = null;
    this.endedByMe = false;
    this.path = 'p2p';
    this.glare = false;
    this.localStream = stream;
    this._ownStream = false;
    this.remoteStream = null;
    this.pc = null;
    this.startedAt = Date.now();
    this.connectedAt = null;
    this.turnErrors = [];
    this.lastStats = null;
    this._requests = new Set();
    this._chain = Promise.resolve();
    this._makingOffer = false;
    this._ignoreOffer = false;
    this._restarts = 0;
    this._timers = {};
    this._statsTimer = null;
    this._prevStats = null;
    this._muted = false;
    this._cameraOff = false;
  }

  /** The caller makes the first offer; the callee is the polite peer. */
  get polite() {
    return this.direction === 'incoming';
  }

  get muted() {
    return this._muted;
  }

  get cameraOff() {
    return this._cameraOff;
  }

  /** Accepts an incoming call. `stream` is the local media (default: getLocalMedia()). */
  async accept(stream) {
    if (this.state !== 'incoming') throw new Error(`cannot accept in state ${this.state}`);
    this._setState('connecting');
    try {
      await this._ensureStream(stream);
    } catch (e) {
      this._request({ type: 'call.reject', callId: this.id });
      this._end('error', true, `Camera or microphone unavailable: ${e.message}`);
      throw e;
    }
    if (this.state === 'ended') return;
    this._request({ type: 'call.accept', callId: this.id });
  }

  /** Declines an incoming call. */
  reject() {
    if (this.state === 'ended') return;
    this.endedByMe = true;
    this._request({ type: 'call.reject', callId: this.id });
  }

  /** Hangs up (before the call is answered this cancels it). */
  hangup() {
    if (this.state === 'ended') return;
    this.endedByMe = true;
    if (this.direction === 'outgoing' && !this._invited) {
      // Still waiting for the camera: the server has not heard of this call and never will.
      this._end('cancelled', true);
      return;
    }
    this._request({ type: 'call.hangup', callId: this.id });
    // The server answers with call.ended; should it never come (offline), end locally.
    this._timers.hangup = setTimeout(() => this._end('hangup', true), 5000);
  }

  /** Mutes or unmutes the microphone. */
  setMuted(muted) {
    this._muted = !!muted;
    if (this.localStream) for (const t of this.localStream.getAudioTracks()) t.enabled = !this._muted;
  }

  /** Turns the camera off or on (the track stays, sending black frames, so no renegotiation). */
  setCameraOff(off) {
    this._cameraOff = !!off;
    if (this.localStream) for (const t of this.localStream.getVideoTracks()) t.enabled = !this._cameraOff;
  }

  // --- internals -------------------------------------------------------------------------------

  _request(msg) {
    const id = this.client.send(msg);
    this._requests.add(id);
    return id;
  }

  _ownsRequest(re) {
    return re && this._requests.has(re);
  }

  _onError(msg) {
    // A refused invite (already in a call, bad callee...) ends the call here.
    if (this.state === 'calling' || this.state === 'incoming' || this.state === 'connecting') {
      this._end('error', false, msg.message);
    } else {
      console.warn('duet: call error', msg);
    }
  }

  async _ensureStream(stream) {
    if (stream) {
      this.localStream = stream;
    } else if (!this.localStream) {
      const taken = await this.client.options.getLocalMedia();
      if (this.state === 'ended') {
        // The call ended while the browser asked for the camera: do not keep it on.
        taken.getTracks().forEach((t) => t.stop());
        return;
      }
      this.localStream = taken;
      this._ownStream = true;
    }
    this.setMuted(this._muted);
    this.setCameraOff(this._cameraOff);
    this._emit('localstream', { stream: this.localStream });
  }

  async _invite() {
    try {
      await this._ensureStream(this.localStream);
    } catch (e) {
      this._end('error', true, `Camera or microphone unavailable: ${e.message}`);
      return;
    }
    if (this.state === 'ended') return;
    this._invited = true;
    this._request({ type: 'call.invite', callId: this.id, to: this.peer, record: this.record || undefined });
  }

  _onMessage(msg) {
    switch (msg.type) {
      case 'call.ringing':
        if (this.state === 'calling') this._setState('ringing');
        return;
      case 'call.accepted':
        if (this.state === 'ended') return;
        // A call that starts on the media relay says so here: no peer-to-peer attempt first.
        if (msg.path === 'relay' || msg.path === 'p2p') this.path = msg.path;
        this._setState('connecting');
        this._serial(() => this._startMedia());
        return;
      case 'call.ended':
        this._end(msg.reason, this.endedByMe);
        return;
      case 'call.media':
        if (msg.path !== this.path) {
          this.path = msg.path;
          this._emit('media', { path: msg.path });
          this._serial(() => this._startMedia());
        }
        return;
      case 'sdp.offer':
      case 'sdp.answer':
        this._serial(() => this._onDescription({ type: msg.type === 'sdp.offer' ? 'offer' : 'answer', sdp: msg.sdp }));
        return;
      case 'ice.candidate':
        if (this.client.options.blockPeerCandidates && msg.from !== RELAY_PEER) return;
        this._serial(() => this._onCandidate(msg.candidate));
        return;
      default:
    }
  }

  /** Runs signaling work one item at a time, in arrival order. */
  _serial(fn) {
    this._chain = this._chain.then(fn).catch((e) => console.warn('duet: call', this.id, e));
    return this._chain;
  }

  /**
   * (Re)creates the peer connection for the current media path. On 'p2p' the caller offers and
   * the callee answers (perfect negotiation resolves collisions); on 'relay' both parties offer
   * to the server's media relay, which answers.
   */
  async _startMedia() {
    if (this.state === 'ended') return;
    await this._ensureStream(this.localStream);
    if (this.state === 'ended') return;
    this._closePc();
    this._restarts = 0;
    this._earlyCandidates = [];
    this._prevStats = null;
    const config = await this.client._iceServersForCall();
    if (this.state === 'ended') return;
    const pc = new RTCPeerConnection(config);
    this.pc = pc;
    this.remoteStream = new MediaStream();
    this._emit('remotestream', { stream: this.remoteStream });
    const offerer = this.path === 'relay' || !this.polite;
    this._tracksAdded = false;

    pc.ontrack = (e) => {
      if (pc !== this.pc) return;
      if (!this.remoteStream.getTracks().includes(e.track)) this.remoteStream.addTrack(e.track);
      this._emit('remotestream', { stream: this.remoteStream });
    };
    pc.onicecandidate = (e) => {
      if (pc !== this.pc) return;
      // A null candidate is the end of this generation's candidates: say so (trickle ICE).
      this.client.send({
        type: 'ice.candidate',
        callId: this.id,
        candidate: e.candidate ? e.candidate.toJSON() : null,
      });
    };
    pc.onicecandidateerror = (e) => {
      if (pc !== this.pc) return;
      const err = { errorCode: e.errorCode, errorText: e.errorText, url: e.url, hint: this._turnHint(e) };
      if (!e.url || !/^turns?:/.test(e.url)) return; // STUN errors on other interfaces: noise
      this.turnErrors.push(err);
      this._emit('turnerror', err);
    };
    pc.onnegotiationneeded = async () => {
      if (pc !== this.pc) return;
      try {
        this._makingOffer = true;
        await pc.setLocalDescription();
        if (pc === this.pc) this.client.send({ type: 'sdp.offer', callId: this.id, sdp: pc.localDescription.sdp });
      } catch (e) {
        console.warn('duet: offer failed', e);
      } finally {
        this._makingOffer = false;
      }
    };
    pc.oniceconnectionstatechange = () => this._onIceState(pc);
    pc.onconnectionstatechange = () => this._onIceState(pc);

    if (offerer) {
      this._addTracks(pc, true);
    }
    this._timers.connect = setTimeout(() => this._checkConnected(pc), this.client.options.connectTimeoutMs);
    this._startStats();
  }

  /**
   * Our tracks into `pc`. An offer also asks to receive each kind we do not send (no camera, or
   * ?media=audio), so the other party's video still reaches a caller without one.
   */
  _addTracks(pc, offering = false) {
    if (this._tracksAdded || !this.localStream) return;
    this._tracksAdded = true;
    for (const track of this.localStream.getTracks()) pc.addTrack(track, this.localStream);
    if (!offering) return;
    if (this.localStream.getAudioTracks().length === 0) pc.addTransceiver('audio', { direction: 'recvonly' });
    if (this.localStream.getVideoTracks().length === 0) pc.addTransceiver('video', { direction: 'recvonly' });
  }

  async _onDescription(description) {
    const pc = this.pc;
    if (!pc || this.state === 'ended') return;
    const collision = description.type === 'offer' && (this._makingOffer || pc.signalingState !== 'stable');
    this._ignoreOffer = !this.polite && this.path === 'p2p' && collision;
    if (this._ignoreOffer) return;
    await pc.setRemoteDescription(description); // rolls back our own offer if we are polite
    await this._addEarlyCandidates();
    if (description.type === 'offer') {
      // The callee's tracks join the transceivers the offer made (no second offer needed).
      this._addTracks(pc);
      await pc.setLocalDescription();
      this.client.send({ type: 'sdp.answer', callId: this.id, sdp: pc.localDescription.sdp });
    }
  }

  async _onCandidate(candidate) {
    const pc = this.pc;
    if (!pc || this.state === 'ended') return;
    if (!pc.remoteDescription) {
      // The media relay sends its candidates as it gathers them, which can be before its
      // answer: keep them until there is a remote description to add them to.
      this._earlyCandidates.push(candidate);
      return;
    }
    try {
      if (candidate && candidate.candidate) {
        await pc.addIceCandidate(candidate);
      } else {
        await pc.addIceCandidate(); // end of candidates
      }
    } catch (e) {
      if (!this._ignoreOffer) console.warn('duet: bad remote candidate', e);
    }
  }

  /** The candidates that came before the remote description, now that there is one. */
  async _addEarlyCandidates() {
    const early = this._earlyCandidates.splice(0);
    for (const c of early) await this._onCandidate(c);
  }

  _onIceState(pc) {
    if (pc !== this.pc || this.state === 'ended') return;
    const ice = pc.iceConnectionState;
    this._emit('ice', { iceConnectionState: ice, connectionState: pc.connectionState });
    if (ice === 'connected' || ice === 'completed') {
      clearTimeout(this._timers.disconnected);
      clearTimeout(this._timers.connect);
      this._restarts = 0; // each outage gets its own ICE restarts
      if (!this.connectedAt) this.connectedAt = Date.now();
      this._setState('connected');
    } else if (ice === 'disconnected') {
      if (this.state === 'connected') this._setState('reconnecting');
      clearTimeout(this._timers.disconnected);
      this._timers.disconnected = setTimeout(() => {
        if (pc === this.pc && pc.iceConnectionState === 'disconnected') this._restartOrGiveUp(pc);
      }, DISCONNECTED_GRACE_MS);
    } else if (ice === 'failed') {
      this._restartOrGiveUp(pc);
    }
  }

  _checkConnected(pc) {
    if (pc !== this.pc || this.state === 'ended') return;
    const ice = pc.iceConnectionState;
    if (ice !== 'connected' && ice !== 'completed') this._restartOrGiveUp(pc);
  }

  /** ICE restart (up to ICE_RESTARTS times); then ask for the media relay. */
  _restartOrGiveUp(pc) {
    if (pc !== this.pc || this.state === 'ended') return;
    // Asked for the relay and still on the peer-to-peer connection: the server's answer decides.
    if (this.state === 'relaying' && this.path === 'p2p') return;
    clearTimeout(this._timers.connect);
    if (this._restarts < ICE_RESTARTS) {
      this._restarts++;
      this._setState('reconnecting');
      pc.restartIce();
      this._timers.connect = setTimeout(() => this._checkConnected(pc), this.client.options.connectTimeoutMs / 2);
      return;
    }
    if (this.path === 'p2p') {
      this._setState('relaying');
      this._request({ type: 'call.relay', callId: this.id, reason: 'ice_failed' });
    } else {
      // The relay path failed too: end the call saying so, so both users read "the media failed"
      // rather than "the other person hung up".
      this._request({ type: 'call.hangup', callId: this.id, reason: 'media_failed' });
    }
  }

  _turnHint(e) {
    const code = e.errorCode;
    if (code === 401 || code === 431 || code === 441) {
      const exp = this.client.turnExpiry();
      if (exp !== null && exp <= Date.now()) {
        return `The TURN server refused the credentials: they expired at ${new Date(exp).toLocaleTimeString()}.`;
      }
      return 'The TURN server refused the credentials (wrong shared secret, or expired).';
    }
    if (code === 486) return 'The TURN server is at its allocation quota.';
    if (code === 701) return 'The TURN server could not be reached from this network.';
    if (code === 403) return 'The TURN server forbade the relay address.';
    return `TURN error ${code}: ${e.errorText || 'unknown'}.`;
  }

  _startStats() {
    clearInterval(this._statsTimer);
    this._statsTimer = setInterval(async () => {
      const pc = this.pc;
      if (!pc || this.state === 'ended') return;
      try {
        const stats = await this.stats();
        if (pc === this.pc) {
          this.lastStats = stats;
          this._emit('stats', { stats });
        }
      } catch (e) {
        /* the pc closed under us */
      }
    }, 1000);
  }

  /**
   * A summary of getStats(): the selected candidate pair (types, protocol, addresses), the media
   * path, bitrates in kbit/s (since the previous call), packet loss in percent, frames decoded
   * and audio packets received.
   */
  async stats() {
    const pc = this.pc;
    const out = {
      at: Date.now(),
      path: this.path,
      iceConnectionState: pc ? pc.iceConnectionState : 'closed',
      connectionState: pc ? pc.connectionState : 'closed',
      pair: null,
      rttMs: null,
      inKbps: 0,
      outKbps: 0,
      lossPercent: 0,
      framesDecoded: 0,
      frameWidth: null,
      frameHeight: null,
      fps: null,
      audioPacketsReceived: 0,
      videoPacketsReceived: 0,
    };
    if (!pc) return out;
    const report = await pc.getStats();
    let bytesIn = 0;
    let bytesOut = 0;
    let lost = 0;
    let received = 0;
    let pairId = null;
    report.forEach((s) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
    });
    report.forEach((s) => {
      if (s.type === 'inbound-rtp') {
        bytesIn += s.bytesReceived || 0;
        lost += Math.max(0, s.packetsLost || 0);
        received += s.packetsReceived || 0;
        if (s.kind === 'video') {
          out.framesDecoded += s.framesDecoded || 0;
          out.videoPacketsReceived += s.packetsReceived || 0;
          if (s.frameWidth) {
            out.frameWidth = s.frameWidth;
            out.frameHeight = s.frameHeight;
          }
          if (s.framesPerSecond) out.fps = s.framesPerSecond;
        } else if (s.kind === 'audio') {
          out.audioPacketsReceived += s.packetsReceived || 0;
        }
      } else if (s.type === 'outbound-rtp') {
        bytesOut += s.bytesSent || 0;
      } else if (!pairId && s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
        pairId = s.id;
      }
    });
    const pair = pairId ? report.get(pairId) : null;
    if (pair) {
      const local = report.get(pair.localCandidateId) || {};
      const remote = report.get(pair.remoteCandidateId) || {};
      out.pair = {
        local: local.candidateType,
        remote: remote.candidateType,
        protocol: local.protocol,
        relayProtocol: local.relayProtocol || null,
        localAddress: local.address ? `${local.address}:${local.port}` : null,
        remoteAddress: remote.address ? `${remote.address}:${remote.port}` : null,
      };
      if (typeof pair.currentRoundTripTime === 'number') out.rttMs = Math.round(pair.currentRoundTripTime * 1000);
    }
    const prev = this._prevStats;
    if (prev && out.at > prev.at) {
      const secs = (out.at - prev.at) / 1000;
      out.inKbps = Math.max(0, Math.round(((bytesIn - prev.bytesIn) * 8) / 1000 / secs));
      out.outKbps = Math.max(0, Math.round(((bytesOut - prev.bytesOut) * 8) / 1000 / secs));
      const dLost = lost - prev.lost;
      const dRecv = received - prev.received;
      out.lossPercent = dLost + dRecv > 0 ? Math.round((1000 * Math.max(0, dLost)) / (dLost + dRecv)) / 10 : 0;
    }
    this._prevStats = { at: out.at, bytesIn, bytesOut, lost, received };
    return out;
  }

  _closePc() {
    clearTimeout(this._timers.connect);
    clearTimeout(this._timers.disconnected);
    if (this.pc) {
      const pc = this.pc;
      this.pc = null;
      try {
        pc.close();
      } catch {
        /* already closed */
      }
    }
  }

  _end(reason, mine, detailText) {
    if (this.state === 'ended') return;
    this.endReason = reason;
    this.endedByMe = !!mine;
    for (const t of Object.values(this._timers)) clearTimeout(t);
    clearInterval(this._statsTimer);
    this._closePc();
    if (reason === 'glare' && this.localStream) {
      // Our invite lost the glare: the surviving call reuses our camera.
      this.client._glareStream = this.localStream;
    } else if (this._ownStream && this.localStream) {
      for (const t of this.localStream.getTracks()) t.stop();
    }
    this._setState('ended');
    this.client._forget(this);
    const text = detailText || describeEndReason(reason, { peer: this.peer, mine: this.endedByMe, direction: this.direction });
    this._emit('ended', { reason, mine: this.endedByMe, text });
  }

  _setState(state) {
    if (this.state === state) return;
    this.state = state;
    this._emit('state', { state });
  }

  _emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
