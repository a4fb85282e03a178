/* narrator live stream: play an article while it is being narrated (see docs/live.md).

   The job publishes MP3 segments as it synthesises (GET /api/articles/<id>/live lists them with the
   timing map so far). They are appended in order to a Media Source Extensions buffer ('audio/mpeg',
   sequence mode), each placed at its exact time, never more than AHEAD_S ahead of the listener. Once
   the version is published the rest comes from the published MP3 (byte ranges of the same frames):
   the listener moves onto it at the next silent cut, without a gap or a jump. A listener who has not
   started, or has paused, simply gets the published file.
   Used by player.js as narrator.Live(player); narrator.Live.supported() says whether it can run. */
(function () {
  'use strict';
  var N = window.narrator = window.narrator || {};
  var AHEAD_S = 30;          // audio kept appended ahead of the listener
  var SWITCH_MARGIN_S = 5;   // seconds of listening before the published file takes over (slow networks)
  var POLL_FAST_MS = 100;    // while a listener waits for the first sound, or is near the end of what is made
  var POLL_MS = 1000;        // while the rest is made, well ahead of the listener
  var LOW_S = 10;            // 'near': less than this made ahead of the listener (the first seconds, a slow job)

  var KBPS = {3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],  // MPEG-1 layer III
              2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]};  // MPEG-2 and 2.5
  var HZ = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]};

  function MediaSourceType() { return window.ManagedMediaSource || window.MediaSource; }

  /* Bytes in the MPEG audio layer III frame at `at` of `view` (0: none there), as narrator/live.py reads it. */
  function frameLength(view, at) {
    if (at + 4 > view.length || view[at] !== 0xFF || (view[at + 1] & 0xE0) !== 0xE0) return 0;
    var version = (view[at + 1] >> 3) & 3, layer = (view[at + 1] >> 1) & 3;
    var kbps = KBPS[version === 3 ? 3 : 2][view[at + 2] >> 4], hz = (HZ[version] || [])[(view[at + 2] >> 2) & 3];
    if (layer !== 1 || version === 1 || !kbps || !hz) return 0;
    return Math.floor((version === 3 ? 144 : 72) * kbps * 1000 / hz) + ((view[at + 2] >> 1) & 1);
  }

  N.Live = function (player) {
    var audio = player.audio, cfg = player.cfg;
    var Source = MediaSourceType();
    var ms = new Source(), sb = null, objectUrl = URL.createObjectURL(ms);
    var stream = null, segments = [], paragraphs = [], published = null, complete = false;
    var next = 0, last = null, busy = false, removal = null, generation = 0, switchAt = Infinity;
    var pressed = false, stopped = false, timer = null, lastStatus = null, rate = 0;

    if (window.ManagedMediaSource && Source === window.ManagedMediaSource) audio.disableRemotePlayback = true;
    audio.src = objectUrl;
    ms.addEventListener('sourceopen', function () {
      if (!sb) {
        sb = ms.addSourceBuffer('audio/mpeg');
        sb.addEventListener('updateend', function () { busy = false; pump(); });
      }
      pump();
    });

    function available() { return segments.length ? segments[segments.length - 1].end : 0; }

    function fetchBytes(url, range) {
      var headers = range ? {Range: 'bytes=' + range[0] + '-' + (range[1] - 1)} : {};
      return fetch(url, {headers: headers, credentials: 'omit'}).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.arrayBuffer();
      });
    }

    /* The bytes of an append placed at a negative time (the stream's first frames: LAME's delay) without
       the frames that would play before 0, and where the rest goes. WebKit's MSE buffers nothing at all
       after an append with a negative timestampOffset; the frames left out decode to the encoder's
       padding (silence). */
    function fromZero(bytes, offset) {
      var view = new Uint8Array(bytes), at = 0, step = (rate >= 32000 ? 1152 : 576) / rate, n;
      while (offset < -1e-6 && (n = frameLength(view, at))) { at += n; offset += step; }
      return {bytes: at ? bytes.slice(at) : bytes, offset: Math.max(offset, 0)};
    }

    /* Append the next segment when the buffer needs it (one SourceBuffer operation at a time). */
    function pump() {
      if (stopped || busy || !sb || sb.updating || !pressed) return;
      if (removal) {
        busy = true;
        var r = removal; removal = null;
        sb.remove(r[0], r[1]);
        return;
      }
      while (last === null && next < segments.length && segments[next].end <= audio.currentTime) next++;
      if (next >= segments.length) { finishIfDone(); return; }
      var seg = segments[next];
      if (seg.start > audio.currentTime + AHEAD_S) return;
      var fromFinal = !!(published && seg.final && next >= switchAt);
      var contiguous = last !== null && last.n === next - 1 && last.fromFinal === fromFinal;
      var url = fromFinal ? published.audio_url : seg.url;
      var range = fromFinal ? [contiguous ? seg.final.start : seg.final.primer, seg.final.end] : null;
      var offset = contiguous ? null : (fromFinal ? seg.final.primer_start : seg.start);
      var token = generation, n = next;
      busy = true;
      fetchBytes(url, range).then(function (bytes) {
        if (token !== generation || stopped) return;  // a seek or a new stream took over meanwhile
        try {
          if (offset !== null && offset < 0 && rate) {
            var placed = fromZero(bytes, offset);
            bytes = placed.bytes;
            offset = placed.offset;
          }
          if (offset !== null) sb.timestampOffset = offset;
          sb.appendBuffer(bytes);
          last = {n: n, fromFinal: fromFinal};
          next = n + 1;
        } catch (e) {  // QuotaExceededError: let go of what was heard, then try again
          busy = false;
          removal = [0, Math.max(0, audio.currentTime - 10)];
          if (removal[1] > 0) pump();
        }
      }).catch(function () {
        if (token !== generation) return;
        busy = false;
        setTimeout(pump, 1000);  // a segment that was removed (stream replaced): the next poll says
      });
    }

    /* Whatever fetch is in flight no longer counts (a seek, the published file, a new stream). */
    function forget() {
      generation++;
      busy = !!(sb && sb.updating);
    }

    function finishIfDone() {
      if (complete && ms.readyState === 'open' && !sb.updating && next >= segments.length && last !== null) {
        try { ms.endOfStream(); } catch (e) { /* already ended */ }
      }
    }

    /* A seek outside what is buffered: start again from the segment holding the new position. */
    audio.addEventListener('seeking', function () {
      if (stopped || !sb) return;
      var t = audio.currentTime, b = sb.buffered;
      for (var i = 0; i < b.length; i++) if (t >= b.start(i) && t < b.end(i) - 0.1) return;
      forget();
      if (published) switchAt = 0;  // after a seek the decoder starts afresh: the published file serves all
      removal = [0, Infinity];
      last = null;
      next = 0;
      pump();
    });
    audio.addEventListener('timeupdate', pump);

    /* The version is out: a listener who is not playing moves onto the file itself; one who is gets
       it from the next silent cut at least SWITCH_MARGIN_S ahead. */
    function onPublished(state) {
      published = state;
      if (!pressed || audio.paused) { stop(); player.useVersion(state, audio.currentTime); return; }
      // The first silent cut not yet appended (nothing to undo); else one far enough ahead of the listener.
      var margin = SWITCH_MARGIN_S * Math.max(audio.playbackRate, 1), first = Infinity, later = Infinity;
      for (var i = 1; i < segments.length; i++) {
        var s = segments[i];
        if (!s.silent_cut || !s.final || s.final.primer_start <= audio.currentTime + margin) continue;
        if (first === Infinity) first = i;
        if (i >= next) { later = i; break; }
      }
      switchAt = later < Infinity ? later : first;
      if (switchAt < Infinity) audio.setAttribute('data-splice', segments[switchAt].final.primer_start);
      if (switchAt < next) {
        forget();
        removal = [segments[switchAt].final.primer_start, Infinity];
        next = switchAt;
        last = {n: switchAt - 1, fromFinal: false};
      }
      player.onVersion(state);
      pump();
    }

    function merge(state) {
      if (state.stream === null && stream !== null) return;  // a retry not started yet: keep what we have
      if (state.stream !== stream) {  // a new job, or a new attempt: its audio replaces what came before
        if (stream !== null) { forget(); removal = [0, Infinity]; last = null; next = 0; }
        stream = state.stream;
        segments = [];
        paragraphs = [];
      }
      if (state.sample_rate) rate = state.sample_rate;
      state.segments.forEach(function (s) {
        if (s.n === segments.length) segments.push(s);
        else if (s.n < segments.length && s.final) segments[s.n].final = s.final;  // the published ranges
      });
      state.paragraphs.forEach(function (p) { paragraphs[p.index] = p; });
      complete = state.complete;
      lastStatus = state.status;
    }

    /* The state from what we have on: segments from `fromSegment`, paragraphs from `fromParagraph`.
       Polls send back the last answer's ETag: while nothing changed the answer is 304 (null here). */
    var etag = null;
    function get(fromSegment, fromParagraph) {
      var headers = etag ? {'If-None-Match': etag} : {};
      return fetch(cfg.live + '?from_segment=' + fromSegment + '&from_paragraph=' + fromParagraph,
                   {cache: 'no-store', credentials: 'omit', headers: headers}).then(function (r) {
        if (r.status === 304) return null;
        if (!r.ok) throw new Error('HTTP ' + r.status);
        etag = r.headers.get('ETag');
        return r.json();
      });
    }

    function poll() {
      timer = null;
      if (stopped) return;
      var growing = Math.max(paragraphs.length - 1, 0);  // the last paragraph may still grow
      get(segments.length, growing).then(function (state) {
        if (state === null) return null;
        var replaced = stream !== null && state.stream !== null && state.stream !== stream;
        var ranges = state.published && published === null && segments.length > 0;
        if (replaced) return get(0, 0);  // a new stream: its audio and timing map from the start
        // The published file's byte ranges come with every segment (the timing map is the same): read them.
        return ranges ? get(0, growing) : state;
      }).then(function (state) {
        if (stopped) return;
        if (state !== null) handle(state);
        else if (!published) schedule(pressed && available() - audio.currentTime < LOW_S ? POLL_FAST_MS : POLL_MS);  // nothing new
      }).catch(function () { schedule(3000); });
    }

    function handle(state) {
      var playing = pressed && !audio.paused && segments.length > 0;
      if (state.status === 'ready' && state.version != null && !(state.published && playing)) {
        if (!playing || !state.stream) { stop(); player.useVersion(state, audio.currentTime); return; }
      }
      merge(state);
      player.onLive(state, available(), paragraphs.filter(Boolean));
      if (state.status === 'failed') {  // play out what was made
        complete = true;
        player.onFailed(state.error);
        pump();
        return;
      }
      if (state.status === 'ready' && !published) {
        if (!state.published) complete = true;  // what we hear was not published as such: play it out
        onPublished(state);
        return;
      }
      pump();
      if (!published) schedule(pressed && available() - audio.currentTime < LOW_S ? POLL_FAST_MS : POLL_MS);
    }

    function schedule(ms) { if (!timer && !stopped) timer = setTimeout(poll, ms); }

    function stop() {
      stopped = true;
      generation++;
      if (timer) clearTimeout(timer);
      URL.revokeObjectURL(objectUrl);
    }

    poll();
    return {
      /* The listener pressed play: feed the buffer, ask for the article to go first, look sooner. */
      press: function () {
        if (pressed) return;
        pressed = true;
        if (timer) { clearTimeout(timer); timer = null; }
        schedule(0);
        pump();
      },
      available: available,
      active: function () { return !stopped; },
      status: function () { return lastStatus; },  // the job's, as last polled: queued, generating, ready, failed
      stop: stop,
      source: function () { return stopped ? 'version' : (last && last.fromFinal ? 'published' : 'live'); }
    };
  };

  N.Live.supported = function () {
    var Source = MediaSourceType();
    return !!(Source && Source.isTypeSupported && Source.isTypeSupported('audio/mpeg') && window.fetch);
  };
}());
