// Duet moderation console: search recordings, play both parties of a call side by side in sync,
// flag, hold, delete (each confirmed), and read the audit trail. Plain ES module, no build step.
// The REST API is described in docs/moderation.md.

import { setAvatar, showLoginError, toast, tokenSubject, wireSignIn } from './ui-common.js';

const TOKEN_KEY = 'duet.console.token';
const PAGE = 20;
const DRIFT = 0.25; // seconds two players may drift apart before the follower is re-aligned

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  user: null,
  offset: 0,
  total: 0,
  results: [],
  selected: null, // the recording's details (GET /api/recordings/{id})
  players: [], // { id, party, video }
  audit: [],
  error: '',
};

// ---------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: `Bearer ${state.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store',
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = json.error || {};
    throw new ApiError(res.status, err.code || 'internal', err.message || res.statusText);
  }
  return json;
}

async function mediaUrl(recording) {
  // A <video> element cannot send an Authorization header: it plays with a short-lived ticket for
  // this one recording, so the moderator's token never goes into a URL.
  const issued = await api('POST', `/api/recordings/${encodeURIComponent(recording.id)}/ticket`);
  return issued.media;
}

// ---------------------------------------------------------------------------------------------
// Sign in
// ---------------------------------------------------------------------------------------------

async function start(token) {
  state.token = token;
  try {
    await api('GET', '/api/recordings?limit=1');
  } catch (err) {
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    if (err.status === 403) throw new Error('this account is not a moderator.');
    if (err.status === 401) throw new Error('the token was refused.');
    throw err;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  state.user = tokenSubject(token) || '?';
  $('me-name').textContent = state.user;
  setAvatar($('me-avatar'), state.user);
  document.body.dataset.screen = 'console';
  $('login').hidden = true;
  $('app').hidden = false;
  await search(0);
}

wireSignIn({
  roles: ['moderator'],
  notDemo: 'This server is not in demo mode. Sign in with a moderator token instead.',
  start,
});

$('logout').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

// ---------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------

function filters() {
  const q = new URLSearchParams();
  const user = $('f-user').value.trim();
  if (user) q.set('user', user);
  if ($('f-from').value) q.set('from', $('f-from').value);
  if ($('f-to').value) q.set('to', $('f-to').value);
  if ($('f-status').value) q.set('status', $('f-status').value);
  if ($('f-flagged').value) q.set('flagged', $('f-flagged').value);
  return q;
}

let searchSeq = 0;

async function search(offset) {
  const q = filters();
  q.set('offset', String(offset));
  q.set('limit', String(PAGE));
  const seq = ++searchSeq;
  state.searching = true;
  try {
    const page = await api('GET', `/api/recordings?${q}`);
    if (seq !== searchSeq) return; // a newer search was started: its answer wins
    state.searching = false;
    state.query = q.toString();
    state.offset = offset;
    state.total = page.total;
    state.results = page.recordings;
    renderResults();
  } catch (err) {
    fail(err);
  }
}

$('filter-form').addEventListener('submit', (e) => {
  e.preventDefault();
  search(0);
});
$('prev').addEventListener('click', () => search(Math.max(0, state.offset - PAGE)));
$('next').addEventListener('click', () => search(state.offset + PAGE));

function renderResults() {
  const list = $('results');
  list.replaceChildren();
  for (const r of state.results) {
    const li = document.createElement('li');
    li.className = 'result';
    li.dataset.id = r.id;
    li.dataset.call = r.callId;
    li.setAttribute('role', 'button');
    li.tabIndex = 0;
    li.setAttribute('aria-selected', String(state.selected?.id === r.id));
    const avatar = document.createElement('span');
    avatar.className = 'avatar';
    setAvatar(avatar, r.party);
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = r.party;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = `${dateTime(r.startedAt)} · ${duration(r.durationMs)} · call ${r.callId.slice(0, 8)}`;
    const marks = document.createElement('span');
    marks.className = 'marks';
    marks.append(badge(r.status, `status-${r.status}`));
    if (r.flagged) marks.append(badge('flagged', 'status-flagged'));
    if (r.legalHold) marks.append(badge('hold', 'status-hold'));
    li.append(avatar, who, marks, when);
    li.addEventListener('click', () => open(r.id));
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        open(r.id);
      }
    });
    list.append(li);
  }
  $('results-empty').hidden = state.results.length > 0;
  $('result-count').textContent = `${state.total} found`;
  const last = state.offset + state.results.length;
  $('page-info').textContent = state.total ? `${state.offset + 1}–${last} of ${state.total}` : '';
  $('prev').disabled = state.offset === 0;
  $('next').disabled = last >= state.total;
}

// ---------------------------------------------------------------------------------------------
// Review: details, the two players in sync, actions, audit trail
// ---------------------------------------------------------------------------------------------

async function open(id) {
  try {
    const details = await api('GET', `/api/recordings/${encodeURIComponent(id)}`);
    state.selected = details;
    document.body.dataset.selected = 'true';
    $('review-idle').hidden = true;
    $('review').hidden = false;
    renderDetails();
    buildPlayers();
    await loadAudit();
    for (const li of $('results').children) {
      li.setAttribute('aria-selected', String(li.dataset.id === id));
    }
  } catch (err) {
    fail(err);
  }
}

$('back').addEventListener('click', () => {
  delete document.body.dataset.selected;
  pauseAll();
});

async function refresh(rebuildPlayers) {
  const id = state.selected.id;
  state.selected = await api('GET', `/api/recordings/${encodeURIComponent(id)}`);
  renderDetails();
  if (rebuildPlayers) buildPlayers();
  await loadAudit();
  await search(state.offset);
}

function renderDetails() {
  const r = state.selected;
  const parties = r.callRecordings.map((c) => c.party);
  $('r-title').textContent = parties.length > 1 ? parties.join(' ↔ ') : r.party;
  $('r-meta').textContent = `Call ${r.callId} · ${dateTime(r.startedAt)}`;
  const badges = $('r-badges');
  badges.replaceChildren(badge(r.status, `status-${r.status}`));
  if (r.flagged) badges.append(badge('flagged', 'status-flagged'));
  if (r.legalHold) badges.append(badge('legal hold', 'status-hold'));
  if (r.deletedAt) badges.append(badge('deleted', 'status-deleted'));

  const facts = [
    ['Selected', `${r.party}'s recording`],
    ['Recording id', r.id],
    ['Duration', duration(r.durationMs)],
    ['Size', `${(r.sizeBytes / 1024).toFixed(1)} KiB`],
    ['Codecs', r.codecs.join(', ') || '–'],
    ['SHA-256', r.sha256 || '–'],
    ['File', r.file],
  ];
  if (r.deletedAt) facts.push(['Deleted', dateTime(r.deletedAt)]);
  $('r-facts').replaceChildren(
    ...facts.map(([k, v]) => {
      const div = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      div.append(dt, dd);
      return div;
    }),
  );

  const flags = $('flags');
  flags.replaceChildren(
    ...r.flags.map((f) => trailItem(f.at, `${f.reason} — ${f.moderator}`, f.note)),
  );
  $('flags-empty').hidden = r.flags.length > 0;

  $('btn-flag').disabled = Boolean(r.deletedAt);
  $('btn-unflag').hidden = !r.flagged;
  $('btn-hold').textContent = r.legalHold ? 'Release legal hold' : 'Place legal hold';
  $('btn-hold').disabled = Boolean(r.deletedAt);
  $('btn-delete').disabled = Boolean(r.deletedAt) || r.legalHold;
  $('btn-delete').title = r.legalHold ? 'Release the legal hold first' : '';
}

function buildPlayers() {
  pauseAll();
  const box = $('players');
  box.replaceChildren();
  state.players = [];
  for (const rec of state.selected.callRecordings) {
    const tile = document.createElement('div');
    tile.className = 'player';
    tile.dataset.id = rec.id;
    tile.dataset.selected = String(rec.id === state.selected.id);
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = rec.party;
    if (rec.deletedAt || rec.status === 'failed') {
      const missing = document.createElement('div');
      missing.className = 'missing';
      missing.textContent = rec.deletedAt ? 'Deleted' : 'Recording failed its check';
      tile.append(missing, label);
      box.append(tile);
      continue;
    }
    const video = document.createElement('video');
    video.preload = 'auto';
    video.playsInline = true;
    mediaUrl(rec).then((url) => { video.src = url; }, fail);
    video.setAttribute('aria-label', `${rec.party}'s recording`);
    tile.append(video, label);
    box.append(tile);
    state.players.push({ id: rec.id, party: rec.party, video });
  }
  wireSync();
}

/** The first player leads; the others follow its play, pause, seeks and position. */
function wireSync() {
  const lead = state.players[0]?.video;
  $('play').disabled = !lead;
  $('seek').value = '0';
  $('seek').max = '0';
  $('clock').textContent = '0:00 / 0:00';
  $('play').textContent = 'Play';
  if (!lead) return;
  const followers = () => state.players.slice(1).map((p) => p.video);
  const longest = () => Math.max(...state.players.map((p) => finite(p.video.duration)), 0);
  const update = () => {
    const max = longest();
    $('seek').max = String(max);
    if (!seeking) $('seek').value = String(lead.currentTime);
    $('clock').textContent = `${clockTime(lead.currentTime)} / ${clockTime(max)}`;
  };
  let seeking = false;
  for (const p of state.players) p.video.addEventListener('loadedmetadata', update);
  lead.addEventListener('timeupdate', () => {
    update();
    for (const f of followers()) {
      if (!f.seeking && Math.abs(f.currentTime - lead.currentTime) > DRIFT
          && lead.currentTime <= finite(f.duration)) {
        f.currentTime = lead.currentTime;
      }
    }
  });
  lead.addEventListener('play', () => {
    $('play').textContent = 'Pause';
    for (const f of followers()) f.play().catch(() => {});
  });
  lead.addEventListener('pause', () => {
    $('play').textContent = 'Play';
    for (const f of followers()) f.pause();
  });
  lead.addEventListener('ended', () => {
    $('play').textContent = 'Play';
  });
  $('seek').oninput = () => {
    seeking = true;
    const t = Number($('seek').value);
    for (const p of state.players) p.video.currentTime = Math.min(t, finite(p.video.duration) || t);
    $('clock').textContent = `${clockTime(t)} / ${clockTime(longest())}`;
  };
  $('seek').onchange = () => {
    seeking = false;
  };
}

$('play').addEventListener('click', () => {
  const lead = state.players[0]?.video;
  if (!lead) return;
  if (lead.paused) {
    for (const f of state.players.slice(1)) f.video.currentTime = lead.currentTime;
    lead.play().catch((err) => toast(`Cannot play: ${err.message}`));
  } else {
    lead.pause();
  }
});

function pauseAll() {
  for (const p of state.players) p.video.pause();
}

async function loadAudit() {
  const ids = state.selected.callRecordings.map((c) => c.id);
  const lists = await Promise.all(
    ids.map((id) => api('GET', `/api/audit?recording=${encodeURIComponent(id)}&limit=100`)),
  );
  const party = Object.fromEntries(state.selected.callRecordings.map((c) => [c.id, c.party]));
  state.audit = lists.flatMap((l) => l.entries).sort((a, b) => b.entryId - a.entryId);
  $('audit').replaceChildren(
    ...state.audit.map((e) =>
      trailItem(e.at, `${e.actor} · ${e.action.replace('recording.', '')} · ${party[e.targetId]}`, e.detail),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Actions, each confirmed
// ---------------------------------------------------------------------------------------------

/** Opens the confirmation dialog; runs {@code action} on confirm; the dialog shows its errors. */
function confirmThen(title, text, withFlagFields, action, rebuildPlayers = false) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('flag-fields').hidden = !withFlagFields;
  $('flag-reason').required = withFlagFields;
  $('confirm-error').hidden = true;
  if (withFlagFields) {
    $('flag-reason').value = '';
    $('flag-note').value = '';
  }
  $('confirm-form').onsubmit = async (e) => {
    e.preventDefault();
    $('confirm-ok').disabled = true;
    try {
      await action();
      dialog.close();
      await refresh(rebuildPlayers);
    } catch (err) {
      $('confirm-error').textContent = err.message;
      $('confirm-error').hidden = false;
    } finally {
      $('confirm-ok').disabled = false;
    }
  };
  dialog.showModal();
}

$('confirm-cancel').addEventListener('click', () => $('confirm').close());

$('btn-flag').addEventListener('click', () => {
  const r = state.selected;
  confirmThen('Flag this recording', `${r.party}'s recording of call ${r.callId.slice(0, 8)}.`, true, () =>
    api('POST', `/api/recordings/${r.id}/flags`, {
      reason: $('flag-reason').value.trim(),
      note: $('flag-note').value.trim(),
    }),
  );
});

$('btn-unflag').addEventListener('click', () => {
  const r = state.selected;
  confirmThen('Lower the flag', 'The flags raised so far stay in its history.', false, () =>
    api('DELETE', `/api/recordings/${r.id}/flags`),
  );
});

$('btn-hold').addEventListener('click', () => {
  const r = state.selected;
  if (r.legalHold) {
    confirmThen('Release legal hold', 'It can then be deleted, by a moderator or by retention.', false, () =>
      api('DELETE', `/api/recordings/${r.id}/hold`),
    );
  } else {
    confirmThen('Place legal hold', 'Nobody can delete it, and retention keeps it, until the hold is released.', false, () =>
      api('POST', `/api/recordings/${r.id}/hold`),
    );
  }
});

$('btn-delete').addEventListener('click', () => {
  const r = state.selected;
  confirmThen(
    'Delete this recording',
    `${r.party}'s recording file is deleted for good; its catalogue entry and audit trail stay.`,
    false,
    async () => {
      pauseAll();
      await api('DELETE', `/api/recordings/${r.id}`);
    },
    true, // the deleted party's player goes
  );
});

// ---------------------------------------------------------------------------------------------
// Small things
// ---------------------------------------------------------------------------------------------

function badge(text, cls) {
  const b = document.createElement('span');
  b.className = `status ${cls}`;
  b.textContent = text;
  return b;
}

function trailItem(at, what, detail) {
  const li = document.createElement('li');
  const when = document.createElement('span');
  when.className = 't-when';
  when.textContent = dateTime(at);
  const w = document.createElement('span');
  w.className = 't-what';
  w.textContent = what;
  li.append(when, w);
  if (detail) {
    const d = document.createElement('span');
    d.className = 't-detail';
    d.textContent = detail;
    li.append(d);
  }
  return li;
}

function dateTime(ms) {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

function duration(ms) {
  return clockTime(ms / 1000);
}

function clockTime(s) {
  const t = Math.max(0, Math.floor(finite(s)));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
}

function finite(x) {
  return Number.isFinite(x) ? x : 0;
}

function fail(err) {
  state.error = err.message;
  if (err.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    toast('Your sign-in expired. Sign in again.');
    setTimeout(() => location.reload(), 1500);
    return;
  }
  toast(err.message);
}

// What the page knows, for tests (the call page has the same hook).
window.duetDebug = {
  snapshot() {
    return {
      screen: document.body.dataset.screen,
      user: state.user,
      total: state.total,
      searching: Boolean(state.searching),
      query: state.query || '',
      results: state.results.map((r) => r.id),
      selected: state.selected && {
        id: state.selected.id,
        flagged: state.selected.flagged,
        legalHold: state.selected.legalHold,
        deleted: Boolean(state.selected.deletedAt),
      },
      players: state.players.map((p) => ({
        id: p.id,
        party: p.party,
        currentTime: p.video.currentTime,
        duration: finite(p.video.duration),
        paused: p.video.paused,
        readyState: p.video.readyState,
        error: p.video.error ? p.video.error.code : null,
      })),
      audit: state.audit.map((e) => ({ action: e.action, actor: e.actor, targetId: e.targetId })),
      error: state.error,
    };
  },
};

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) start(saved).catch(() => showLoginError(''));
