// The Duet call page. Everything protocol-related lives in duet.js; this file is the UI.
import { DuetClient, DuetError, TRANSPORTS, TRANSPORT_NAMES, describeEndReason } from './duet.js';
import { setAvatar, showLoginError, toast, tokenSubject, wireSignIn } from './ui-common.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const TRANSPORT = TRANSPORTS.includes(params.get('transport')) ? params.get('transport') : 'auto';
const ICE_POLICY = params.get('ice') === 'relay' ? 'relay' : 'all';
// ?record=1 asks for every call placed from this page to be recorded (through the media relay).
const RECORD = params.get('record') === '1';
// Testing only: ?p2p=block ignores the peer's candidates, so only the relay can connect the call;
// ?connectTimeoutMs= shortens the wait before ICE restarts and the relay.
const BLOCK_P2P = params.get('p2p') === 'block';
const CONNECT_MS = Number(params.get('connectTimeoutMs')) || 0;
// ?media=audio: calls with the microphone only (no camera asked for, none sent).
const AUDIO_ONLY = params.get('media') === 'audio';
const TOKEN_KEY = 'duet.token';

const ui = {
  client: null,
  me: null,
  contacts: new Map(), // name -> {online, unread}
  selected: null,
  call: null,
  incoming: new Map(), // callId -> DuetCall ringing here
  conversations: new Map(), // peer -> [{msgId, clientMsgId, from, to, text, ts, status}]
  lastEnd: null,
  turn: { status: 'unknown', text: '' },
  turnErrors: [],
  ringer: null,
  timer: null,
};

// ---------------------------------------------------------------------------------------------
// Sign in
// ---------------------------------------------------------------------------------------------

wireSignIn({
  notDemo: 'This server is not in demo mode. Sign in with a token from your app instead.',
  start,
});

$('logout').addEventListener('click', () => {
  localStorage.removeItem(TOKEN_KEY);
  if (ui.call) ui.call.hangup();
  if (ui.client) ui.client.close();
  location.reload();
});

async function start(token) {
  const client = new DuetClient({
    token,
    transport: TRANSPORT,
    iceTransportPolicy: ICE_POLICY,
    blockPeerCandidates: BLOCK_P2P,
    ...(CONNECT_MS ? { connectTimeoutMs: CONNECT_MS } : {}),
    ...(AUDIO_ONLY
      ? { getLocalMedia: () => navigator.mediaDevices.getUserMedia({ audio: true, video: false }) }
      : {}),
    // When the token expires mid-session: a demo server issues a new one for the same user, so a
    // call in progress goes on. (A real deployment plugs its own sign-in refresh in here.)
    refreshToken: () => demoToken(tokenSubject(client.token)),
  });
  ui.client = client;
  wireClient(client);
  try {
    await client.connect();
  } catch (err) {
    ui.client = null;
    if (err instanceof DuetError && err.code === 'unauthorized') {
      localStorage.removeItem(TOKEN_KEY);
      throw new Error('the token was refused (expired or not for this server)');
    }
    throw new Error(`cannot reach the server (${err.message})`);
  }
  localStorage.setItem(TOKEN_KEY, token);
  ui.me = client.user || tokenSubject(token);
  document.body.dataset.screen = 'app';
  $('app').hidden = false;
  $('me-name').textContent = ui.me;
  setAvatar($('me-avatar'), ui.me);
  loadContacts();
  refreshPresence();
  setInterval(refreshPresence, 15000);
  loadRecentCalls();
  checkTurn();
  renderConnection();
}

/** A fresh demo token for `user`, or null where the server has no demo sign-in. */
async function demoToken(user) {
  const res = await fetch('/api/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  if (!res.ok) return null;
  const token = (await res.json()).token;
  localStorage.setItem(TOKEN_KEY, token);
  return token;
}

// ---------------------------------------------------------------------------------------------
// Client events
// ---------------------------------------------------------------------------------------------

function wireClient(client) {
  client.addEventListener('connection', (e) => renderConnectionChip(e.detail.state));
  client.addEventListener('welcome', () => {
    renderConnectionChip(client.state);
    renderConnection();
  });
  client.addEventListener('unauthorized', () => {
    toast('Your sign-in expired. Please sign in again.');
    localStorage.removeItem(TOKEN_KEY);
    setTimeout(() => location.reload(), 2500);
  });
  client.addEventListener('sessionlost', () => toast('Reconnected with a new session.'));
  client.addEventListener('replaced', () => toast('This session is now open in another window.'));
  client.addEventListener('incoming', (e) => onIncoming(e.detail.call));
  client.addEventListener('call', (e) => {
    // Glare: a call we did not start from the UI was accepted for us.
    const call = e.detail.call;
    if (call.glare) adoptCall(call);
  });
  client.addEventListener('presence', (e) => {
    const { user, online } = e.detail;
    if (user === ui.me) return;
    contact(user).online = online;
    renderContacts();
  });
  client.addEventListener('chat', (e) => onChatMessage(e.detail.message));
  client.addEventListener('chatsent', (e) => {
    const d = e.detail;
    const list = ui.conversations.get(d.to) || [];
    const m = list.find((x) => x.clientMsgId === d.clientMsgId);
    if (m) {
      m.msgId = d.msgId;
      m.ts = d.ts;
      if (m.status === 'sending') m.status = 'sent';
      renderMessages();
    }
  });
  client.addEventListener('receipt', (e) => {
    const { msgId, status } = e.detail;
    for (const list of ui.conversations.values()) {
      const m = list.find((x) => x.msgId === msgId);
      if (m && rank(status) > rank(m.status)) {
        m.status = status;
        renderMessages();
      }
    }
  });
  client.addEventListener('servererror', (e) => toast(`Server: ${e.detail.error.message}`));
}

const rank = (s) => ({ sending: 0, sent: 1, delivered: 2, read: 3 })[s] ?? 0;

function renderConnectionChip(state) {
  const chip = $('conn-chip');
  chip.dataset.state = state;
  const t = ui.client && ui.client.transport ? TRANSPORT_NAMES[ui.client.transport] : '';
  $('conn-text').textContent =
    state === 'connected' ? 'Online' : state === 'reconnecting' ? 'Reconnecting…' : state === 'closed' ? 'Offline' : 'Connecting…';
  $('conn-transport').textContent = state === 'connected' && t ? ` · ${t}` : '';
  chip.title = t ? `Signaling over ${t}` : '';
  renderConnection();
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

const contactsKey = () => `duet.contacts.${ui.me}`;

function contact(name) {
  let c = ui.contacts.get(name);
  if (!c) {
    c = { online: false, unread: 0 };
    ui.contacts.set(name, c);
    saveContacts();
    clearTimeout(ui.presenceSoon);
    ui.presenceSoon = setTimeout(refreshPresence, 300);
  }
  return c;
}

function saveContacts() {
  if (ui.me) localStorage.setItem(contactsKey(), JSON.stringify([...ui.contacts.keys()]));
}

function loadContacts() {
  let names = [];
  try {
    names = JSON.parse(localStorage.getItem(contactsKey()) || '[]');
  } catch {
    names = [];
  }
  for (const n of names) if (n !== ui.me) contact(n);
  renderContacts();
}

async function loadRecentCalls() {
  try {
    const { calls } = await ui.client.callHistory({ limit: 20 });
    for (const c of calls) contact(c.caller === ui.me ? c.callee : c.caller);
    renderContacts();
    refreshPresence();
    renderRecent(calls.slice(0, 5));
  } catch (e) {
    console.warn('call history unavailable', e);
  }
}

function renderRecent(calls) {
  const ul = $('recent');
  ul.replaceChildren();
  for (const c of calls) {
    const out = c.caller === ui.me;
    const peer = out ? c.callee : c.caller;
    const li = document.createElement('li');
    const left = document.createElement('span');
    left.textContent = `${out ? '↗' : '↙'} ${peer}`;
    const right = document.createElement('span');
    right.className = 'muted';
    const dur = c.answeredAt ? formatDuration(c.durationMs) : reasonShort(c.endReason);
    right.textContent = `${dur} · ${new Date(c.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
    li.append(left, right);
    ul.append(li);
  }
  $('recent-wrap').hidden = calls.length === 0;
}

function reasonShort(r) {
  return { rejected: 'declined', cancelled: 'cancelled', timeout: 'no answer', busy: 'busy' }[r] || r || '';
}

async function refreshPresence() {
  if (!ui.client || !ui.contacts.size) return;
  try {
    const p = await ui.client.presence([...ui.contacts.keys()].slice(0, 100));
    for (const [u, online] of Object.entries(p)) contact(u).online = online;
    renderContacts();
  } catch (e) {
    console.warn('presence unavailable', e);
  }
}

$('add-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const name = $('add-name').value.trim();
  if (!name || name === ui.me) return;
  contact(name);
  $('add-name').value = '';
  renderContacts();
  refreshPresence();
  select(name);
});

/**
 * Updates the People list in place (rows are kept per name), so a row never disappears under a
 * pointer between mousedown and click.
 */
function renderContacts() {
  const ul = $('contacts');
  const names = [...ui.contacts.keys()].sort((a, b) => {
    const ca = ui.contacts.get(a);
    const cb = ui.contacts.get(b);
    return Number(cb.online) - Number(ca.online) || a.localeCompare(b);
  });
  ui.rows = ui.rows || new Map();
  for (const name of names) {
    const c = ui.contacts.get(name);
    let row = ui.rows.get(name);
    if (!row) {
      row = contactRow(name);
      ui.rows.set(name, row);
    }
    row.li.dataset.online = String(c.online);
    row.li.setAttribute('aria-selected', String(ui.selected === name));
    row.status.textContent = c.online ? 'Online' : 'Offline';
    row.badge.hidden = !c.unread;
    row.badge.textContent = String(c.unread);
    row.badge.setAttribute('aria-label', `${c.unread} unread`);
    row.call.disabled = !!ui.call;
  }
  const current = [...ul.children].map((li) => li.dataset.user);
  if (current.join('\n') !== names.join('\n')) {
    ul.replaceChildren(...names.map((n) => ui.rows.get(n).li));
  }
  $('contacts-empty').hidden = names.length > 0;
  const total = [...ui.contacts.values()].reduce((n, c) => n + c.unread, 0);
  $('tab-unread').hidden = total === 0;
  $('tab-unread').textContent = String(total);
  renderChatHead();
}

function contactRow(name) {
  const li = document.createElement('li');
  li.className = 'contact';
  li.dataset.user = name;
  const pres = document.createElement('span');
  pres.className = 'presence';
  const av = document.createElement('span');
  av.className = 'avatar';
  setAvatar(av, name);
  pres.append(av);
  const who = document.createElement('span');
  who.className = 'who';
  const nm = document.createElement('button');
  nm.type = 'button';
  nm.className = 'name linklike';
  nm.textContent = name;
  nm.setAttribute('aria-label', `Open conversation with ${name}`);
  nm.addEventListener('click', (ev) => {
    ev.stopPropagation();
    select(name, true);
  });
  const status = document.createElement('span');
  status.className = 'status';
  who.append(nm, status);
  const badge = document.createElement('span');
  badge.className = 'badge-count';
  const call = document.createElement('button');
  call.type = 'button';
  call.className = 'btn btn-icon btn-call';
  call.dataset.action = 'call';
  call.title = `Video call ${name}`;
  call.innerHTML = '<svg aria-hidden="true"><use href="#i-video"/></svg>';
  call.setAttribute('aria-label', `Video call ${name}`);
  call.addEventListener('click', (ev) => {
    ev.stopPropagation();
    startCall(name);
  });
  li.append(pres, who, badge, call);
  li.addEventListener('click', () => select(name, true));
  return { li, status, badge, call };
}

// ---------------------------------------------------------------------------------------------
// Chat
// ---------------------------------------------------------------------------------------------

async function select(name, openChat = false) {
  ui.selected = name;
  const c = contact(name);
  c.unread = 0;
  renderContacts();
  $('chat-form').hidden = false;
  $('chat-empty').hidden = true;
  if (openChat) setView('chat');
  if (!ui.conversations.has(name)) ui.conversations.set(name, []);
  renderMessages();
  try {
    const { messages } = await ui.client.history(name, { limit: 50 });
    const list = ui.conversations.get(name);
    for (const h of messages) {
      if (list.some((m) => m.msgId === h.msgId)) continue;
      list.push({
        msgId: h.msgId,
        from: h.from,
        to: h.to,
        text: h.text,
        ts: h.ts,
        status: h.readAt ? 'read' : h.deliveredAt ? 'delivered' : 'sent',
        readByMe: h.from !== ui.me && !!h.readAt,
      });
    }
    list.sort((a, b) => (a.ts || Infinity) - (b.ts || Infinity));
    if (ui.selected === name) renderMessages();
  } catch (e) {
    console.warn('history unavailable', e);
  }
}

function renderChatHead() {
  const name = ui.selected;
  $('chat-title').textContent = name ? name : 'Messages';
  const c = name ? ui.contacts.get(name) : null;
  $('chat-presence').textContent = c ? (c.online ? 'Online' : 'Offline') : '';
  $('chat-call').hidden = !name || !!ui.call;
  $('idle-call').hidden = !name || !!ui.call;
  $('idle-call-text').textContent = name ? `Video call ${name}` : 'Video call';
}

$('idle-call').addEventListener('click', () => ui.selected && startCall(ui.selected));

$('chat-call').addEventListener('click', () => ui.selected && startCall(ui.selected));

function onChatMessage(msg) {
  const peer = msg.from === ui.me ? msg.to : msg.from;
  const c = contact(peer);
  if (msg.from === peer && Date.now() - msg.ts < 60000) c.online = true; // they just wrote
  if (!ui.conversations.has(peer)) ui.conversations.set(peer, []);
  const list = ui.conversations.get(peer);
  if (!list.some((m) => m.msgId === msg.msgId)) {
    list.push({ msgId: msg.msgId, from: msg.from, to: msg.to, text: msg.text, ts: msg.ts, status: 'delivered' });
  }
  const visible = ui.selected === peer && chatVisible();
  if (!visible && msg.from !== ui.me) {
    c.unread += 1;
    if (!ui.selected) select(peer);
  }
  renderContacts();
  if (ui.selected === peer) renderMessages();
}

function chatVisible() {
  if (document.visibilityState !== 'visible') return false;
  const view = document.body.dataset.view;
  return window.matchMedia('(min-width: 1000px)').matches || view === 'chat';
}

function renderMessages() {
  const ol = $('messages');
  const name = ui.selected;
  ol.replaceChildren();
  if (!name) return;
  const list = ui.conversations.get(name) || [];
  let lastDay = '';
  for (const m of list) {
    const day = m.ts ? new Date(m.ts).toLocaleDateString() : '';
    if (day && day !== lastDay) {
      const d = document.createElement('li');
      d.className = 'day';
      d.textContent = day === new Date().toLocaleDateString() ? 'Today' : day;
      ol.append(d);
      lastDay = day;
    }
    const mine = m.from === ui.me;
    const li = document.createElement('li');
    li.className = `msg${mine ? ' mine' : ''}`;
    li.dataset.msgId = m.msgId || '';
    li.dataset.status = m.status;
    const text = document.createElement('div');
    text.className = 'text';
    text.textContent = m.text;
    const meta = document.createElement('div');
    meta.className = 'meta';
    const time = document.createElement('time');
    time.textContent = m.ts ? new Date(m.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
    meta.append(time);
    if (mine) {
      const tick = document.createElement('span');
      tick.className = 'tick';
      tick.dataset.status = m.status;
      tick.textContent = { sending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓' }[m.status] || '';
      tick.setAttribute('aria-label', { sending: 'Sending', sent: 'Sent', delivered: 'Delivered', read: 'Read' }[m.status]);
      tick.title = tick.getAttribute('aria-label');
      meta.append(tick);
    }
    li.append(text, meta);
    ol.append(li);
  }
  ol.scrollTop = ol.scrollHeight;
  markVisibleRead();
}

/** Sends read receipts for the open conversation's messages once a person can see them. */
function markVisibleRead() {
  const name = ui.selected;
  if (!name || !chatVisible() || !ui.client) return;
  for (const m of ui.conversations.get(name) || []) {
    if (m.from === name && m.msgId && !m.readByMe) {
      m.readByMe = true;
      ui.client.markRead(m.msgId);
    }
  }
}

document.addEventListener('visibilitychange', markVisibleRead);

$('chat-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('chat-input');
  const text = input.value.trim();
  const to = ui.selected;
  if (!text || !to) return;
  input.value = '';
  const clientMsgId = crypto.randomUUID();
  const list = ui.conversations.get(to);
  list.push({ clientMsgId, from: ui.me, to, text, ts: Date.now(), status: 'sending' });
  renderMessages();
  try {
    await ui.client.sendChat(to, text, clientMsgId);
  } catch (err) {
    toast(`Message not sent: ${err.message}`);
    const m = list.find((x) => x.clientMsgId === clientMsgId);
    if (m) m.status = 'failed';
    renderMessages();
  }
});

// ---------------------------------------------------------------------------------------------
// Calls
// ---------------------------------------------------------------------------------------------

function startCall(name) {
  if (ui.call) return;
  contact(name);
  select(name);
  const call = ui.client.call(name, { record: RECORD });
  adoptCall(call);
}

/** Makes `call` the one on screen and follows it until it ends. */
function adoptCall(call) {
  ui.call = call;
  // They are calling or being called: they are online, whatever the last presence poll said.
  contact(call.peer).online = true;
  if (!ui.selected) select(call.peer);
  ui.turnErrors = [];
  ui.lastEnd = null;
  $('last-call').hidden = true;
  $('call-warning').hidden = true;
  $('call-peer').textContent = call.peer;
  setAvatar($('peer-avatar'), call.peer);
  $('stage-idle').hidden = true;
  $('stage-call').hidden = false;
  $('stage-call').dataset.hasVideo = 'false';
  $('remote-video').srcObject = null;
  setView('call');
  setPressed($('btn-mute'), false, 'Mute microphone', 'Unmute microphone', '#i-mic', '#i-mic-off');
  setPressed($('btn-camera'), false, 'Turn camera off', 'Turn camera on', '#i-cam', '#i-cam-off');
  renderCallStatus();
  renderContacts();

  call.addEventListener('localstream', (e) => {
    $('local-video').srcObject = e.detail.stream;
  });
  if (call.localStream) $('local-video').srcObject = call.localStream;
  call.addEventListener('remotestream', (e) => {
    const v = $('remote-video');
    if (v.srcObject !== e.detail.stream) v.srcObject = e.detail.stream;
    const hasVideo = e.detail.stream.getVideoTracks().length > 0;
    $('stage-call').dataset.hasVideo = String(hasVideo);
    v.play().catch(() => {});
  });
  call.addEventListener('state', () => {
    renderCallStatus();
    if (call.state === 'connected' && !ui.timer) ui.timer = setInterval(renderCallStatus, 1000);
  });
  call.addEventListener('ice', renderConnection);
  call.addEventListener('stats', renderConnection);
  call.addEventListener('media', (e) => {
    toast(e.detail.path === 'relay' ? 'Switching to the Duet media relay…' : 'Back to a direct connection.');
  });
  call.addEventListener('turnerror', (e) => {
    ui.turnErrors.push(e.detail);
    if (ICE_POLICY === 'relay' || call.state !== 'connected') {
      $('call-warning').textContent = `No relay route: ${e.detail.hint}`;
      $('call-warning').hidden = false;
    }
    renderConnection();
  });
  call.addEventListener('ended', (e) => onCallEnded(call, e.detail));
}

function renderCallStatus() {
  const call = ui.call;
  if (!call) return;
  const s = call.state;
  let text = {
    calling: 'Calling…',
    ringing: 'Ringing…',
    incoming: 'Incoming call',
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    relaying: 'Trying the media relay…',
    ended: 'Call ended',
  }[s];
  if (s === 'connected') text = call.connectedAt ? formatDuration(Date.now() - call.connectedAt) : 'Connected';
  $('call-status').textContent = text || s;
  const badge = $('call-path');
  const st = call.lastStats;
  if (s === 'connected' && st && st.pair) {
    badge.hidden = false;
    badge.textContent = call.path === 'relay' ? 'Duet relay' : st.pair.local === 'relay' || st.pair.remote === 'relay' ? 'Peer-to-peer via TURN' : 'Peer-to-peer';
  } else {
    badge.hidden = true;
  }
}

function formatDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function onCallEnded(call, detail) {
  if (ui.call !== call) return;
  clearInterval(ui.timer);
  ui.timer = null;
  const turnHint = ui.turnErrors.length && ['ice_failed', 'error'].includes(detail.reason) ? ` ${ui.turnErrors[0].hint}` : '';
  const text = detail.text + turnHint;
  ui.lastEnd = { callId: call.id, reason: detail.reason, text, mine: detail.mine, peer: call.peer, stats: call.lastStats };
  ui.call = null;
  $('local-video').srcObject = null;
  $('remote-video').srcObject = null;
  $('stage-call').hidden = true;
  $('stage-idle').hidden = false;
  $('last-call').textContent = text;
  $('last-call').hidden = false;
  toast(text);
  renderContacts();
  renderConnection();
  setTimeout(loadRecentCalls, 500);
}

$('btn-hangup').addEventListener('click', () => ui.call && ui.call.hangup());
$('btn-mute').addEventListener('click', () => {
  if (!ui.call) return;
  ui.call.setMuted(!ui.call.muted);
  setPressed($('btn-mute'), ui.call.muted, 'Mute microphone', 'Unmute microphone', '#i-mic', '#i-mic-off');
});
$('btn-camera').addEventListener('click', () => {
  if (!ui.call) return;
  ui.call.setCameraOff(!ui.call.cameraOff);
  $('local-video').dataset.off = String(ui.call.cameraOff);
  setPressed($('btn-camera'), ui.call.cameraOff, 'Turn camera off', 'Turn camera on', '#i-cam', '#i-cam-off');
});
$('btn-chat').addEventListener('click', () => setView('chat'));
$('btn-info').addEventListener('click', () => setView('connection'));

function setPressed(btn, pressed, offLabel, onLabel, offIcon, onIcon) {
  btn.setAttribute('aria-pressed', String(pressed));
  const label = pressed ? onLabel : offLabel;
  btn.title = label;
  btn.querySelector('.visually-hidden').textContent = label;
  btn.querySelector('use').setAttribute('href', pressed ? onIcon : offIcon);
}

// --- incoming ---------------------------------------------------------------------------------

function onIncoming(call) {
  contact(call.peer).online = true;
  renderContacts();
  if (ui.call) {
    const o = ui.call;
    if (o.peer === call.peer && o.direction === 'outgoing' && (o.state === 'calling' || o.state === 'ringing')) {
      // We are calling them as they call us (glare): the server keeps one of the two calls and
      // accepts it for both of us; the library hands it over. Nothing to answer here.
      return;
    }
    // Busy here: the server refuses a second call to a user in a call, so this is rare (another
    // device of ours is not in the call). Decline it.
    call.reject();
    return;
  }
  ui.incoming.set(call.id, call);
  call.addEventListener('ended', (e) => {
    ui.incoming.delete(call.id);
    if (!ui.incoming.size) stopRinging();
    if (ui.call !== call) {
      ui.lastEnd = { callId: call.id, reason: e.detail.reason, text: e.detail.text, mine: e.detail.mine, peer: call.peer };
      $('last-call').textContent = e.detail.text;
      $('last-call').hidden = false;
      toast(e.detail.text);
    }
  });
  showRinging(call);
}

function showRinging(call) {
  $('incoming-from').textContent = call.peer;
  setAvatar($('incoming-avatar'), call.peer);
  const dlg = $('incoming');
  dlg.dataset.callId = call.id;
  if (!dlg.open) dlg.showModal();
  $('btn-accept').focus();
  startRingtone();
  document.title = `📞 ${call.peer} is calling · Duet`;
}

function stopRinging() {
  const dlg = $('incoming');
  if (dlg.open) dlg.close();
  stopRingtone();
  document.title = 'Duet';
}

$('btn-accept').addEventListener('click', async () => {
  const call = ui.incoming.get($('incoming').dataset.callId);
  if (!call) return stopRinging();
  ui.incoming.delete(call.id);
  stopRinging();
  adoptCall(call);
  try {
    await call.accept();
  } catch (e) {
    toast(`Could not answer: ${e.message}`);
  }
});

$('btn-reject').addEventListener('click', () => {
  const call = ui.incoming.get($('incoming').dataset.callId);
  stopRinging();
  if (call) call.reject();
});

$('incoming').addEventListener('cancel', (e) => e.preventDefault()); // Esc does not silently dismiss

/** A soft two-tone ring made with Web Audio (no audio file to fetch). */
function startRingtone() {
  stopRingtone();
  try {
    const ctx = new AudioContext();
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const osc1 = ctx.createOscillator();
    const osc2 = ctx.createOscillator();
    osc1.frequency.value = 440;
    osc2.frequency.value = 480;
    osc1.connect(gain);
    osc2.connect(gain);
    osc1.start();
    osc2.start();
    const pattern = () => {
      const t = ctx.currentTime;
      gain.gain.setValueAtTime(0, t);
      gain.gain.linearRampToValueAtTime(0.08, t + 0.05);
      gain.gain.setValueAtTime(0.08, t + 1.2);
      gain.gain.linearRampToValueAtTime(0, t + 1.3);
    };
    pattern();
    const timer = setInterval(pattern, 3000);
    ui.ringer = { ctx, timer };
  } catch {
    ui.ringer = null;
  }
}

function stopRingtone() {
  if (!ui.ringer) return;
  clearInterval(ui.ringer.timer);
  ui.ringer.ctx.close().catch(() => {});
  ui.ringer = null;
}

// ---------------------------------------------------------------------------------------------
// Connection panel
// ---------------------------------------------------------------------------------------------

/**
 * Checks the TURN servers from welcome once after sign-in: gathers relay candidates only and
 * reports whether one came, and if not, why (expired credentials, unreachable server...).
 */
async function checkTurn() {
  const servers = ui.client.iceServers.filter((s) => (s.urls || []).some((u) => /^turns?:/.test(u)));
  if (!servers.length) {
    ui.turn = { status: 'none', text: 'Not configured' };
    renderConnection();
    return;
  }
  ui.turn = { status: 'checking', text: 'Checking…' };
  renderConnection();
  const errors = [];
  let relay = null;
  const pc = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: 'relay' });
  pc.createDataChannel('turn-check');
  const done = new Promise((resolve) => {
    const timer = setTimeout(resolve, 8000);
    pc.onicecandidate = (e) => {
      if (!e.candidate) {
        clearTimeout(timer);
        resolve();
      } else if (/ typ relay /.test(e.candidate.candidate)) {
        relay = e.candidate;
      }
    };
    pc.onicecandidateerror = (e) => errors.push({ errorCode: e.errorCode, errorText: e.errorText, url: e.url });
  });
  try {
    await pc.setLocalDescription(await pc.createOffer());
    await done;
  } finally {
    pc.close();
  }
  const exp = ui.client.turnExpiry(servers);
  if (relay) {
    const proto = (relay.candidate.match(/ (udp|tcp) /i) || [])[1] || '';
    ui.turn = { status: 'ok', text: `Reachable (relay over ${proto.toUpperCase()})`, expiresAt: exp };
  } else {
    let why;
    if (exp !== null && exp <= Date.now()) {
      why = `credentials expired at ${new Date(exp).toLocaleTimeString()}`;
    } else if (errors.some((e) => e.errorCode === 401 || e.errorCode === 431)) {
      why = 'the server refused the credentials';
    } else if (errors.some((e) => e.errorCode === 701)) {
      why = 'the server cannot be reached from this network';
    } else {
      why = errors.length ? `error ${errors[0].errorCode} ${errors[0].errorText}` : 'no answer from the server';
    }
    ui.turn = { status: 'failed', text: `No relay candidate: ${why}`, expiresAt: exp, errors };
    if (ICE_POLICY === 'relay') toast(`Calls need the TURN relay here, but it is unavailable: ${why}.`);
  }
  renderConnection();
}

function renderConnection() {
  const client = ui.client;
  if (!client) return;
  const set = (id, text, cls = '') => {
    const el = $(id);
    el.textContent = text;
    el.className = cls;
  };
  const t = client.transport ? TRANSPORT_NAMES[client.transport] : '–';
  set('f-transport', client.state === 'connected' ? t : `${t} (${client.state})`, client.state === 'connected' ? '' : 'bad');
  set('f-turn', ui.turn.text || '–', ui.turn.status === 'ok' ? 'good' : ui.turn.status === 'failed' ? 'bad' : '');
  const call = ui.call;
  const st = call && call.lastStats;
  if (call) $('connection').dataset.inCall = '';
  else delete $('connection').dataset.inCall;
  $('conn-live').textContent = call ? (ICE_POLICY === 'relay' ? 'Live · relay only' : 'Live') : ICE_POLICY === 'relay' ? 'Relay only' : '';
  if (!call || !call.pc) {
    for (const id of ['f-ice', 'f-pair', 'f-path', 'f-bitrate', 'f-loss', 'f-video', 'f-rtt']) set(id, '–');
    if (call) set('f-ice', call.state);
    return;
  }
  const ice = call.pc.iceConnectionState;
  set('f-ice', ice, ice === 'connected' || ice === 'completed' ? 'good' : ice === 'failed' ? 'bad' : '');
  if (st && st.pair) {
    const relayProto = st.pair.relayProtocol ? `, TURN over ${st.pair.relayProtocol.toUpperCase()}` : '';
    set('f-pair', `${st.pair.local} ↔ ${st.pair.remote} (${(st.pair.protocol || '').toUpperCase()}${relayProto})`);
  } else {
    set('f-pair', 'Not selected yet');
  }
  const viaTurn = st && st.pair && (st.pair.local === 'relay' || st.pair.remote === 'relay');
  set('f-path', call.path === 'relay' ? 'Duet media relay' : viaTurn ? 'Peer-to-peer, via TURN' : 'Peer-to-peer');
  if (st) {
    set('f-bitrate', `↓ ${st.inKbps} kbit/s · ↑ ${st.outKbps} kbit/s`);
    set('f-loss', `${st.lossPercent.toFixed(1)} %`, st.lossPercent > 5 ? 'bad' : '');
    set('f-video', st.frameWidth ? `${st.frameWidth}×${st.frameHeight}${st.fps ? ` · ${Math.round(st.fps)} fps` : ''}` : '–');
    set('f-rtt', st.rttMs !== null ? `${st.rttMs} ms` : '–');
  }
  renderCallStatus();
}

// ---------------------------------------------------------------------------------------------
// Layout, toasts
// ---------------------------------------------------------------------------------------------

function setView(view) {
  document.body.dataset.view = view;
  for (const b of document.querySelectorAll('.tabbar button')) {
    if (b.dataset.view === view) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  if (view === 'chat') markVisibleRead();
}

for (const b of document.querySelectorAll('.tabbar button')) {
  b.addEventListener('click', () => setView(b.dataset.view));
}

// ---------------------------------------------------------------------------------------------
// Test and support hook: a plain snapshot of what the page knows.
// ---------------------------------------------------------------------------------------------

window.duetDebug = {
  snapshot() {
    const c = ui.client;
    const call = ui.call;
    return {
      user: ui.me,
      connection: c ? c.state : 'idle',
      transport: c ? c.transport : null,
      sessionId: c ? c.sessionId : null,
      iceTransportPolicy: ICE_POLICY,
      ringing: $('incoming').open,
      incoming: [...ui.incoming.keys()],
      call: call
        ? {
            id: call.id,
            peer: call.peer,
            direction: call.direction,
            state: call.state,
            path: call.path,
            connectedAt: call.connectedAt || null,
            iceConnectionState: call.pc ? call.pc.iceConnectionState : null,
            stats: call.lastStats,
            turnErrors: ui.turnErrors,
          }
        : null,
      lastEnd: ui.lastEnd,
      turn: ui.turn,
      contacts: Object.fromEntries([...ui.contacts].map(([k, v]) => [k, { ...v }])),
      conversations: Object.fromEntries(
        [...ui.conversations].map(([k, v]) => [k, v.map((m) => ({ msgId: m.msgId, from: m.from, text: m.text, status: m.status }))]),
      ),
    };
  },
  client: () => ui.client,
  call: () => ui.call,
};

// ---------------------------------------------------------------------------------------------
// Start: resume a saved sign-in.
// ---------------------------------------------------------------------------------------------

const saved = localStorage.getItem(TOKEN_KEY);
if (saved) {
  $('login-name').value = tokenSubject(saved) || '';
  start(saved).catch((err) => showLoginError(`Please sign in again: ${err.message}`));
}
