/* narrator player: controls, read-along from the timing map, Media Session, remembered position.
   Plain JS, no dependencies. Reads its settings from the data- attributes of [data-narrator]. */
(function () {
  'use strict';
  var root = document.querySelector('[data-narrator]');
  if (!root) return;
  var cfg = root.dataset;
  var $ = function (sel) { return root.querySelector(sel); };
  var audio = $('.np-audio'), play = $('.np-play'), back = $('.np-back'), fwd = $('.np-fwd');
  var seek = $('.np-seek'), elapsed = $('.np-elapsed'), total = $('.np-total');
  var speed = $('.np-speed'), download = $('.np-download'), status = $('.np-status');
  var reduced = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var store = safeStorage();
  var posKey = 'narrator:pos:' + cfg.article;
  var blocks = [];      // [{start, end, el, sentences: [{start, end, el}]}] in timing order
  var current = null;   // the highlighted block
  var currentSentence = null;
  var lastSaved = 0, lastPosition = 0;

  function safeStorage() {
    try { var s = window.localStorage; s.setItem('narrator:t', '1'); s.removeItem('narrator:t'); return s; }
    catch (e) { return null; }
  }

  function fmt(sec) {
    if (!isFinite(sec) || sec < 0) sec = 0;
    var m = Math.floor(sec / 60), s = Math.floor(sec % 60);
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function setEnabled(on) {
    [play, back, fwd, seek].forEach(function (el) { el.disabled = !on; });
  }

  function say(text) { status.textContent = text; }

  /* ---- Playback controls ---- */
  function toggle() {
    if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); }
    else audio.pause();
  }
  function skip(delta) {
    var d = audio.duration || 0;
    audio.currentTime = Math.max(0, Math.min(d || Infinity, audio.currentTime + delta));
  }
  play.addEventListener('click', toggle);
  back.addEventListener('click', function () { skip(-15); });
  fwd.addEventListener('click', function () { skip(15); });
  seek.addEventListener('input', function () { audio.currentTime = parseFloat(seek.value) || 0; });
  speed.addEventListener('change', function () {
    audio.playbackRate = parseFloat(speed.value) || 1;
    if (store) store.setItem('narrator:speed', speed.value);
  });
  var savedSpeed = store && store.getItem('narrator:speed');
  if (savedSpeed && speed.querySelector('option[value="' + savedSpeed + '"]')) speed.value = savedSpeed;

  function showState() {
    var playing = !audio.paused;
    play.setAttribute('aria-pressed', playing ? 'true' : 'false');
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    root.classList.toggle('is-playing', playing);
    if ('mediaSession' in navigator) navigator.mediaSession.playbackState = playing ? 'playing' : 'paused';
  }
  audio.addEventListener('play', showState);
  audio.addEventListener('pause', function () { showState(); savePosition(true); });
  audio.addEventListener('ended', function () { if (store) store.removeItem(posKey); });
  function onMetadata() {
    seek.max = audio.duration.toFixed(1);
    total.textContent = fmt(audio.duration);
    audio.playbackRate = parseFloat(speed.value) || 1;
    var saved = store && JSON.parse(store.getItem(posKey) || 'null');
    if (saved && String(saved.v) === cfg.version && saved.t > 1 && saved.t < audio.duration - 1) {
      audio.currentTime = saved.t;
      say('Resuming at ' + fmt(saved.t) + '.');
    }
  }
  audio.addEventListener('loadedmetadata', onMetadata);
  audio.addEventListener('ratechange', function () { speed.value = String(audio.playbackRate); });
  audio.addEventListener('timeupdate', onTime);
  audio.addEventListener('seeked', onTime);

  function onTime() {
    var t = audio.currentTime;
    elapsed.textContent = fmt(t);
    if (document.activeElement !== seek) seek.value = t.toFixed(1);
    seek.setAttribute('aria-valuetext', fmt(t) + ' of ' + fmt(audio.duration));
    highlight(t * 1000);
    savePosition(false);
    if ('mediaSession' in navigator && navigator.mediaSession.setPositionState && isFinite(audio.duration)) {
      try {
        navigator.mediaSession.setPositionState({
          duration: audio.duration, playbackRate: audio.playbackRate, position: Math.min(t, audio.duration)});
      } catch (e) { /* some browsers reject during seeks */ }
    }
  }

  function savePosition(force) {
    var now = Date.now();
    if (!store || !cfg.version || (!force && now - lastSaved < 2000)) return;
    lastSaved = now;
    lastPosition = audio.currentTime;
    store.setItem(posKey, JSON.stringify({v: cfg.version, t: lastPosition}));
  }

  /* ---- Read-along ---- */
  function indexBlocks(timing) {
    var transcript = document.getElementById('transcript');
    if (transcript && !transcript.querySelector('[data-index]')) render(transcript, timing);
    blocks = timing.paragraphs.map(function (p) {
      var el = document.querySelector('[data-index="' + p.index + '"]');
      var spans = el ? el.querySelectorAll('.s') : [];
      return {start: p.start, end: p.end, el: el, sentences: p.sentences.map(function (s, j) {
        return {start: s.start, end: s.end, el: spans[j] || null};
      })};
    });
    document.querySelectorAll('.block[data-index]').forEach(function (el) {
      el.classList.add('seekable');
      el.setAttribute('title', 'Play from here');
      el.addEventListener('click', function () { playFrom(el); });
      el.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); playFrom(el); }
      });
    });
    highlight(audio.currentTime * 1000);
  }

  function render(transcript, timing) {
    transcript.textContent = '';
    timing.paragraphs.forEach(function (p) {
      if (p.kind === 'disclaimer' || p.kind === 'title' || p.kind === 'byline') {
        var existing = document.querySelector('.k-' + p.kind);
        if (existing) { existing.setAttribute('data-index', p.index); existing.tabIndex = 0; }
        return;
      }
      var tag = p.kind === 'heading' ? 'h2' : p.kind === 'quote' ? 'blockquote' : 'p';
      var el = document.createElement(tag);
      el.className = 'block k-' + p.kind;
      el.setAttribute('data-index', p.index);
      el.tabIndex = 0;
      p.sentences.forEach(function (s) {
        var span = document.createElement('span');
        span.className = 's';
        span.textContent = s.text;
        el.appendChild(span);
        el.appendChild(document.createTextNode(' '));
      });
      transcript.appendChild(el);
    });
  }

  function playFrom(el) {
    var i = parseInt(el.getAttribute('data-index'), 10);
    if (!blocks[i]) return;
    audio.currentTime = blocks[i].start / 1000;
    highlight(blocks[i].start);
    var p = audio.play(); if (p && p.catch) p.catch(function () {});
  }

  function find(list, ms) {
    for (var i = list.length - 1; i >= 0; i--) if (list[i].start <= ms + 1) return list[i];
    return null;
  }

  function highlight(ms) {
    var b = find(blocks, ms);
    if (b !== current) {
      if (current && current.el) current.el.classList.remove('current');
      current = b;
      if (b && b.el) {
        b.el.classList.add('current');
        if (!audio.paused) reveal(b.el);
      }
    }
    var s = b ? find(b.sentences, ms) : null;
    if (s !== currentSentence) {
      if (currentSentence && currentSentence.el) currentSentence.el.classList.remove('now');
      currentSentence = s;
      if (s && s.el) s.el.classList.add('now');
    }
  }

  function reveal(el) {
    if (cfg.embed || !el.getBoundingClientRect) return;
    var r = el.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) {
      el.scrollIntoView({behavior: reduced ? 'auto' : 'smooth', block: 'center'});
    }
  }

  /* ---- Media Session: lock-screen metadata and controls ---- */
  function mediaSession() {
    if (!('mediaSession' in navigator)) return;
    var ms = navigator.mediaSession;
    ms.metadata = new window.MediaMetadata({
      title: cfg.title, artist: cfg.artist, album: 'Narrated articles',
      artwork: [{src: new URL(cfg.artwork, location.href).href, sizes: '512x512', type: 'image/png'}]});
    var handlers = {
      play: function () { audio.play(); },
      pause: function () { audio.pause(); },
      seekbackward: function (d) { skip(-((d && d.seekOffset) || 15)); },
      seekforward: function (d) { skip((d && d.seekOffset) || 15); },
      seekto: function (d) { if (d && d.seekTime != null) audio.currentTime = d.seekTime; },
      stop: function () { audio.pause(); }
    };
    Object.keys(handlers).forEach(function (k) {
      try { ms.setActionHandler(k, handlers[k]); } catch (e) { /* action not supported */ }
    });
  }

  /* ---- Getting ready: load a version, or wait for the first one ---- */
  function ready(version, audioUrl, timingUrl) {
    cfg.version = String(version);
    if (audio.getAttribute('src') !== audioUrl) audio.src = audioUrl;
    download.href = audioUrl + '?download=1';
    download.hidden = false;
    setEnabled(true);
    mediaSession();
    fetch(timingUrl).then(function (r) { return r.json(); }).then(indexBlocks).catch(function () {});
  }

  function poll() {
    fetch(cfg.api, {headers: {Accept: 'application/json'}, cache: 'no-store'})
      .then(function (r) { return r.json(); })
      .then(function (a) {
        if (a.current_version != null) {
          say('Ready.');
          root.classList.remove('is-pending');
          ready(a.current_version, a.audio_url, a.timing_url);
          return;
        }
        var job = a.job || {};
        if (a.status === 'failed') { say('The audio could not be made: ' + (job.error || 'unknown error')); return; }
        say(job.total ? 'Preparing the audio: ' + job.done + ' of ' + job.total + ' paragraphs…'
                      : 'Preparing the audio…');
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }

  /* ---- Listening analytics: play, 25/50/75/100 % heard, speed changes (no cookies, nothing personal) ---- */
  var eventsUrl = cfg.api ? cfg.api.replace(/articles\/[^\/]+$/, 'events') : '';
  var reported = {};
  function report(event, value) {
    if (!eventsUrl || !window.fetch) return;
    var body = {article: cfg.article, event: event};
    if (value !== undefined) body.value = value;
    fetch(eventsUrl, {method: 'POST', keepalive: true, credentials: 'omit',
                      headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)})
      .catch(function () {});
  }
  audio.addEventListener('play', function () { if (!reported.play) { reported.play = true; report('play'); } });
  audio.addEventListener('timeupdate', function () {
    if (!audio.duration) return;
    var heard = audio.currentTime / audio.duration * 100;
    ['25', '50', '75', '100'].forEach(function (mark) {
      if (!reported[mark] && heard >= Math.min(+mark, 99.5)) { reported[mark] = true; report(mark); }
    });
  });
  speed.addEventListener('change', function () { report('speed', parseFloat(speed.value) || 1); });

  showState();
  if (audio.readyState >= 1) onMetadata();  // metadata came (from cache) before this script ran
  if (cfg.version) ready(cfg.version, cfg.audio, cfg.timing);
  else { root.classList.add('is-pending'); poll(); }

  /* ---- Embedded: tell the host page how tall the player is ---- */
  if (cfg.embed && window.parent !== window) {
    var tell = function () {
      window.parent.postMessage({narrator: 'height', article: cfg.article,
                                 height: document.documentElement.scrollHeight}, '*');
    };
    window.addEventListener('load', tell);
    window.addEventListener('resize', tell);
  }
  window.addEventListener('pagehide', function () { savePosition(true); });
}());
