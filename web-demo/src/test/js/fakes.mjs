// Stand-ins for what duet.js uses from a browser (WebSocket, fetch, RTCPeerConnection, media),
// just enough to drive the real duet.js in Node: each records what the library did with it and
// lets a test play the server's and the network's part.

export const sockets = []; // every FakeWebSocket, oldest first
export const pcs = []; // every FakeRTCPeerConnection, oldest first

export class FakeWebSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  constructor(url) {
    this.url = new URL(String(url));
    this.readyState = FakeWebSocket.CONNECTING;
    this.sent = [];
    sockets.push(this);
  }

  send(text) {
    this.sent.push(JSON.parse(text));
  }

  close(code = 1000, reason = '') {
    if (this.readyState === FakeWebSocket.CLOSED) return;
    this.readyState = FakeWebSocket.CLOSED;
    if (this.onclose) this.onclose({ code, reason });
  }

  /** Server side: opens the socket and sends `welcome`. */
  open(welcome) {
    this.readyState = FakeWebSocket.OPEN;
    this.deliver({ type: 'welcome', heartbeatMs: 25000, resumeGraceMs: 30000, iceServers: [], ...welcome });
  }

  /** Server side: one message to the client. */
  deliver(message) {
    this.onmessage({ data: JSON.stringify(message) });
  }

  /** What the client sent of `type`. */
  sentOf(type) {
    return this.sent.filter((m) => m.type === type);
  }
}

export class FakeTrack {
  constructor(kind) {
    this.kind = kind;
    this.enabled = true;
    this.stopped = false;
  }

  stop() {
    this.stopped = true;
  }
}

export class FakeMediaStream {
  constructor(tracks = [new FakeTrack('audio'), new FakeTrack('video')]) {
    this.tracks = tracks;
  }

  getTracks() {
    return this.tracks;
  }

  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }

  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }

  addTrack(t) {
    this.tracks.push(t);
  }
}

/** A peer connection as a browser's behaves for what duet.js asks of it. */
export class FakeRTCPeerConnection {
  constructor(config) {
    this.config = config;
    this.remoteDescription = null;
    this.localDescription = null;
    this.signalingState = 'stable';
    this.iceConnectionState = 'new';
    this.connectionState = 'new';
    this.added = []; // candidates given to addIceCandidate after a remote description
    this.restarts = 0;
    this.closed = false;
    this.senders = [];
    pcs.push(this);
  }

  addTrack(track) {
    this.senders.push({ track });
    queueMicrotask(() => this.onnegotiationneeded && this.onnegotiationneeded());
  }

  addTransceiver(kind, init) {
    this.transceivers = this.transceivers || [];
    this.transceivers.push({ kind, direction: init.direction });
    queueMicrotask(() => this.onnegotiationneeded && this.onnegotiationneeded());
  }

  getSenders() {
    return this.senders;
  }

  async setLocalDescription() {
    const type = this.signalingState === 'have-remote-offer' ? 'answer' : 'offer';
    this.localDescription = { type, sdp: `v=0\r\ns=${type}\r\n` };
    this.signalingState = type === 'offer' ? 'have-local-offer' : 'stable';
  }

  async setRemoteDescription(d) {
    this.remoteDescription = d;
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
  }

  async addIceCandidate(c) {
    // As browsers do: a candidate needs the remote description first.
    if (!this.remoteDescription) throw new Error('InvalidStateError: no remote description');
    this.added.push(c);
  }

  restartIce() {
    this.restarts++;
  }

  async getStats() {
    return new Map();
  }

  close() {
    this.closed = true;
  }

  /** Network side: ICE moves to `state`. */
  ice(state) {
    this.iceConnectionState = state;
    this.connectionState = state === 'completed' ? 'connected' : state;
    if (this.oniceconnectionstatechange) this.oniceconnectionstatechange();
  }
}

/**
 * The HTTP side of the polling transports: /poll answers what a test queued, /send records what
 * the client posted and answers what a test decided (a network failure, errors).
 */
export const http = {
  ticketAuth: [], // the Authorization header of every connect-ticket request
  polls: [], // URLs of every /poll
  pending: [], // messages the next /poll returns
  sends: [], // every /send body (a JSON array), including failed ones
  failNextSends: 0, // /send requests that fail like a dropped network
  answer: () => [], // the `errors` of a successful /send, from its body

  reset() {
    this.polls = [];
    this.pending = [];
    this.sends = [];
    this.failNextSends = 0;
    this.answer = () => [];
  },

  /** Every message the client sent over /send of `type`. */
  sentOf(type) {
    return this.sends.flat().filter((m) => m.type === type);
  },
};

function json(status, body) {
  return { ok: status < 300, status, json: async () => body };
}

export const eventSources = []; // every FakeEventSource, oldest first

export class FakeEventSource {
  constructor(url) {
    this.url = new URL(String(url));
    this.listeners = {};
    this.closed = false;
    eventSources.push(this);
  }

  addEventListener(name, fn) {
    (this.listeners[name] = this.listeners[name] || []).push(fn);
  }

  close() {
    this.closed = true;
  }

  /** Server side: one event (`message` for plain data lines). */
  emit(name, data) {
    const event = { data: JSON.stringify(data) };
    if (name === 'message' && this.onmessage) this.onmessage(event);
    for (const fn of this.listeners[name] || []) fn(event);
  }
}

/** Installs the fakes as the globals duet.js uses. */
export function install() {
  globalThis.WebSocket = FakeWebSocket;
  globalThis.EventSource = FakeEventSource;
  globalThis.RTCPeerConnection = FakeRTCPeerConnection;
  globalThis.MediaStream = FakeMediaStream;
  globalThis.fetch = async (url, init = {}) => {
    const u = new URL(String(url));
    if (u.pathname === '/api/connect-ticket') {
      http.ticketAuth.push(init.headers && init.headers.Authorization);
      return json(201, { ticket: `t-${Math.random()}` });
    }
    if (u.pathname === '/poll') {
      http.polls.push(u);
      return json(200, { messages: http.pending.splice(0) });
    }
    if (u.pathname === '/send') {
      http.sends.push(JSON.parse(init.body));
      if (http.failNextSends > 0) {
        http.failNextSends--;
        throw new TypeError('Failed to fetch'); // what a dropped connection looks like
      }
      return json(200, { errors: http.answer(JSON.parse(init.body)) });
    }
    return json(404, {});
  };
}

/** Resolves once `check()` is true (polled; the library's own timers drive it), or fails. */
export async function until(check, what, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
