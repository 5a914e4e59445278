package dev.duet.bench;

/**
 * The script the setup benchmark injects into each page once it is signed in. It timestamps, on the
 * page's own clock ({@code performance.timeOrigin + performance.now()}, epoch milliseconds with
 * sub-millisecond resolution, so the two browsers on one machine can be compared):
 *
 * <ul>
 *   <li>per call (DuetClient 'call' event): the click that placed it ({@code t0}, set by the bench
 *       just before its synchronous click), each first entry into a DuetCall state (ringing =
 *       call.ringing received, connecting = call.accepted received on the caller / accept clicked
 *       on the callee, connected = ICE connected), the incoming event and the auto-accept click on
 *       the callee, and the first frame the remote &lt;video&gt; presents
 *       (requestVideoFrameCallback);
 *   <li>per RTCPeerConnection (the constructor is wrapped; duet.js looks the global up at call
 *       time): creation, first time of every signalingState, iceGatheringState, iceConnectionState
 *       and connectionState (events), of every DTLS transport state (the statechange events of the
 *       senders' and receivers' RTCDtlsTransport), and, polled every 10 ms with getStats, the first
 *       inbound video RTP packet and the first decoded video frame (inbound-rtp video framesDecoded
 *       &gt; 0).
 * </ul>
 *
 * The callee page accepts every incoming call at once (a click on the dialog's accept button in a 0
 * ms timeout after the 'incoming' event), so no human time is in the numbers.
 */
final class SetupProbe {
  private SetupProbe() {}

  static final String INSTALL =
      """
      if (window.__setupHook) return true;
      const now = () => performance.timeOrigin + performance.now();
      const first = (o, k) => { if (o[k] === undefined) o[k] = now(); };
      const H = window.__setupHook = { calls: [], cur: null, nextT0: null, autoAccept: !!arguments[0] };
      const Orig = window.RTCPeerConnection;
      function Wrapped(...args) {
        const pc = new Orig(...args);
        const rec = { created: now(), sig: {}, gather: {}, ice: {}, conn: {}, dtls: {},
                      firstVideoRtp: null, firstDecoded: null, policy: (args[0] || {}).iceTransportPolicy || 'all' };
        if (H.cur) H.cur.pcs.push(rec);
        H.lastPc = pc;
        const watched = new Set();
        const watchDtls = () => {
          const ts = [...pc.getSenders().map((s) => s.transport), ...pc.getReceivers().map((r) => r.transport)];
          for (const t of ts) {
            if (!t || watched.has(t)) continue;
            watched.add(t);
            first(rec.dtls, t.state);
            t.addEventListener('statechange', () => first(rec.dtls, t.state));
          }
        };
        pc.addEventListener('signalingstatechange', () => { first(rec.sig, pc.signalingState); watchDtls(); });
        pc.addEventListener('icegatheringstatechange', () => first(rec.gather, pc.iceGatheringState));
        pc.addEventListener('iceconnectionstatechange', () => { first(rec.ice, pc.iceConnectionState); watchDtls(); });
        pc.addEventListener('connectionstatechange', () => { first(rec.conn, pc.connectionState); watchDtls(); });
        let busy = false;
        const timer = setInterval(async () => {
          if (pc.signalingState === 'closed' || rec.firstDecoded) { clearInterval(timer); return; }
          watchDtls();
          if (busy) return;
          busy = true;
          try {
            const st = await pc.getStats();
            const t = now();
            st.forEach((r) => {
              if (r.type !== 'inbound-rtp' || r.kind !== 'video') return;
              if (r.packetsReceived > 0 && !rec.firstVideoRtp) rec.firstVideoRtp = t;
              if (r.framesDecoded > 0 && !rec.firstDecoded) rec.firstDecoded = t;
            });
          } catch (e) { /* closed */ } finally { busy = false; }
        }, 10);
        return pc;
      }
      Wrapped.prototype = Orig.prototype;
      Object.setPrototypeOf(Wrapped, Orig);
      window.RTCPeerConnection = Wrapped;

      const client = window.duetDebug.client();
      client.addEventListener('call', (e) => {
        const call = e.detail.call;
        const r = { id: call.id, direction: call.direction, t0: call.direction === 'outgoing' ? H.nextT0 : null,
                    created: now(), states: {}, pcs: [], presented: null, media: null, incoming: null, acceptClick: null, path: call.path };
        H.nextT0 = null;
        H.cur = r;
        H.calls.push(r);
        call.addEventListener('state', () => { first(r.states, call.state); r.path = call.path; });
        call.addEventListener('media', () => { r.path = call.path; if (!r.media) r.media = now(); });
        const v = document.getElementById('remote-video');
        if (v && v.requestVideoFrameCallback) {
          v.requestVideoFrameCallback(() => { if (!r.presented) r.presented = now(); });
        }
      });
      client.addEventListener('incoming', () => {
        if (H.cur) H.cur.incoming = now();
        if (!H.autoAccept) return;
        setTimeout(() => {
          if (H.cur) H.cur.acceptClick = now();
          document.getElementById('btn-accept').click();
        }, 0);
      });
      return true;
      """;

  /** Places the call with a synchronous click; returns t0. */
  static final String CLICK_CALL =
      """
      const H = window.__setupHook;
      const b = document.querySelector("li.contact[data-user='" + arguments[0] + "'] button[data-action=call]");
      H.nextT0 = performance.timeOrigin + performance.now();
      b.click();
      return H.nextT0 === null;
      """;

  /** Async: the selected candidate pair of the last peer connection, "local/remote" types. */
  static final String PAIR =
      """
      const done = arguments[arguments.length - 1];
      const pc = window.__setupHook.lastPc;
      if (!pc) { done('none'); return; }
      pc.getStats().then((st) => {
        let pair = null;
        st.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) pair = st.get(r.selectedCandidatePairId); });
        if (!pair) st.forEach((r) => { if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded') pair = r; });
        if (!pair) { done('none'); return; }
        const l = st.get(pair.localCandidateId), rc = st.get(pair.remoteCandidateId);
        done((l ? l.candidateType + ':' + (l.relayProtocol || l.protocol) : '?') + '/' + (rc ? rc.candidateType : '?'));
      }).catch((e) => done('error ' + e));
      """;

  static final String LAST_CALL =
      "const H = window.__setupHook; return JSON.stringify(H.calls[H.calls.length - 1] || null);";

  /** True once the last call has a decoded frame and a presented frame (or 10 s passed). */
  static final String HAS_FRAME =
      """
      const H = window.__setupHook;
      const r = H.calls[H.calls.length - 1];
      if (!r || !r.pcs.length) return false;
      const pc = r.pcs[r.pcs.length - 1];
      return !!pc.firstDecoded && !!r.presented && !!pc.dtls.connected;
      """;
}
