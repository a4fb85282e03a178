/* narrator player: one compact bar (play, title, AI-voice badge, progress, time, speed, more), Media
   Session, the remembered position and speed, a docked mini-player, the embed's height. Plain JS, no
   dependencies; settings come from the data- attributes of [data-narrator]. Read-along is
   player-text.js, listening while the narration is made player-live.js, figures player-stats.js. */
(function () {
  'use strict';
  var N = window.narrator || {};
  var root = document.querySelector('[data-narrator]');
  if (!root || !N.Text) return;
  var cfg = root.dataset;
  var $ = function (sel) { return root.querySelector(sel); };
  var audio = $('.np-audio'), play = $('.np-play'), seek = $('.np-seek'), intro = $('.np-intro');
  var shown = $('.np-time-shown'), said = $('.np-time-said'), speed = $('.np-speed'), status = $('.np-status');
  var more = $('.np-more'), menu = $('.np-menu'), download = $('.np-download'), ai = $('.np-ai');
  var SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var store = safeStorage();
  var posKey = 'narrator:pos:' + cfg.article;
  var known = +cfg.duration / 1000 || 0;   // the length, once a version exists
  var estimate = +cfg.estimate / 1000 || 0;
  var ready = 0;                           // seconds that can be played (the live stream's end)
  var live = null, lastSaved = 0, dragging = false;

  if (cfg.color) root.style.setProperty('--np-accent', cfg.color);

  function safeStorage() {
    try { var s = window.localStorage; s.setItem('narrator:t', '1'); s.removeItem('narrator:t'); return s; }
    catch (e) { return null; }
  }
  function say(text) { status.textContent = text; }
  function clock(sec) {
    if (!isFinite(sec) || sec < 0) sec = 0;
    var m = Math.floor(sec / 60), s = Math.floor(sec % 60);
    return m + ':' + (s < 10 ? '0' : '') + s;
  }
  function words(sec) {
    sec = Math.floor(isFinite(sec) && sec > 0 ? sec : 0);
    var m = Math.floor(sec / 60), s = sec % 60;
    return (m ? m + (m === 1 ? ' minute ' : ' minutes ') : '') + s + (s === 1 ? ' second' : ' seconds');
  }
  function total() { return known || (isFinite(audio.duration) && !live ? audio.duration : 0) || estimate; }
  function limit() { return live && live.active() ? Math.max(ready - 0.25, 0) : total(); }

  var player = {
    audio: audio, cfg: cfg, embedded: !!cfg.embed, total: total,
    playFrom: function (t) { seekTo(t); start(); },
    useVersion: useVersion, onVersion: onVersion, onLive: onLive, onFailed: onFailed
  };
  var text = N.Text(player);
  var stats = N.Stats ? N.Stats(player) : null;

  /* ---- Playing ---- */
  function start() {
    root.classList.add('is-started');
    if (live) live.press();
    if (live && cfg.listen) fetch(cfg.listen, {method: 'POST', credentials: 'omit'}).catch(function () {});
    var p = audio.play();
    if (p && p.catch) p.catch(function () {});
  }
  function toggle() { if (audio.paused) start(); else audio.pause(); }
  function seekTo(t) {
    audio.currentTime = Math.max(0, Math.min(t, limit() || t));
    showTime();
  }
  play.addEventListener('click', toggle);

  function showState() {
    var playing = !audio.paused;
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    root.classList.toggle('is-playing', playing);
    if (!playing) root.classList.remove('is-waiting');
    if ('mediaSession' in navigator) navigator.mediaSession.playbackState = playing ? 'playing' : 'paused';
  }
  audio.addEventListener('play', showState);
  audio.addEventListener('pause', function () { showState(); savePosition(true); });
  audio.addEventListener('waiting', function () { if (!audio.paused) root.classList.add('is-waiting'); });
  audio.addEventListener('playing', function () { root.classList.remove('is-waiting'); });
  audio.addEventListener('ended', function () { if (store) store.removeItem(posKey); showState(); });

  /* ---- Progress: a range you can drag; arrows 5 s, PageUp/PageDown 30 s, Home/End ---- */
  function showTime() {
    var t = audio.currentTime, whole = total();
    seek.max = whole.toFixed(1);
    if (!dragging) seek.value = t.toFixed(1);
    var approx = known ? '' : '~';
    shown.textContent = clock(t) + ' / ' + (whole ? approx + clock(whole) : '–:––');
    said.textContent = 'Elapsed ' + words(t) + ', ' + (known ? 'total ' : 'about ') + words(whole);
    seek.setAttribute('aria-valuetext', words(t) + ' of ' + (known ? '' : 'about ') + words(whole));
    var end = live && live.active() ? ready : whole;
    seek.style.setProperty('--np-played', (whole ? t / whole * 100 : 0) + '%');
    seek.style.setProperty('--np-ready', (whole ? Math.min(end / whole, 1) * 100 : 0) + '%');
  }
  seek.addEventListener('input', function () { dragging = true; seekTo(parseFloat(seek.value) || 0); });
  seek.addEventListener('change', function () { dragging = false; seekTo(parseFloat(seek.value) || 0); });
  seek.addEventListener('keydown', function (e) {
    var step = {ArrowRight: 5, ArrowUp: 5, ArrowLeft: -5, ArrowDown: -5, PageUp: 30, PageDown: -30}[e.key];
    if (step === undefined && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    seekTo(e.key === 'Home' ? 0 : e.key === 'End' ? total() : audio.currentTime + step);
  });
  audio.addEventListener('timeupdate', function () {
    root.dataset.source = live && live.active() ? live.source() : 'version';  // live, published or version
    showTime();
    text.highlight(audio.currentTime * 1000);
    savePosition(false);
    if ('mediaSession' in navigator && navigator.mediaSession.setPositionState && total()) {
      try {
        navigator.mediaSession.setPositionState({duration: total(), playbackRate: audio.playbackRate,
                                                 position: Math.min(audio.currentTime, total())});
      } catch (e) { /* rejected during seeks by some browsers */ }
    }
  });
  audio.addEventListener('seeked', function () { showTime(); text.highlight(audio.currentTime * 1000); });

  /* ---- Speed: a chip that steps through SPEEDS, remembered ---- */
  function setSpeed(rate, tell) {
    audio.playbackRate = audio.defaultPlaybackRate = rate;
    speed.textContent = rate + '×';
    speed.setAttribute('aria-label', 'Playback speed: ' + rate + '×');
    if (tell) {
      if (store) store.setItem('narrator:speed', String(rate));
      if (stats) stats.speed(rate);
    }
  }
  speed.addEventListener('click', function () {
    var at = SPEEDS.indexOf(audio.playbackRate);
    setSpeed(SPEEDS[(at + 1) % SPEEDS.length], true);
  });
  var savedSpeed = store && parseFloat(store.getItem('narrator:speed'));
  setSpeed(SPEEDS.indexOf(savedSpeed) >= 0 ? savedSpeed : 1, false);

  /* ---- More: back and forward 15 s, download (a menu button) ---- */
  function items() { return Array.prototype.filter.call(menu.querySelectorAll('[role="menuitem"]'), function (el) { return !el.hidden; }); }
  function openMenu(open, focus) {
    menu.hidden = !open;
    more.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open && focus !== false) items()[0].focus();
    if (!open && focus) more.focus();
    tellHeight();
  }
  more.addEventListener('click', function () { openMenu(menu.hidden); });
  menu.addEventListener('keydown', function (e) {
    var list = items(), at = list.indexOf(document.activeElement);
    var to = {ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1}[e.key];
    if (to !== undefined) { e.preventDefault(); list[(to + list.length) % list.length].focus(); }
    else if (e.key === 'Escape') { e.preventDefault(); openMenu(false, true); }
    else if (e.key === 'Tab') openMenu(false, false);
  });
  document.addEventListener('click', function (e) {
    if (!menu.hidden && !e.target.closest('.np-more-wrap')) openMenu(false, false);
    if (ai.getAttribute('aria-expanded') === 'true' && e.target !== ai && !ai.contains(e.target)) ai.setAttribute('aria-expanded', 'false');
  });
  $('.np-back').addEventListener('click', function () { seekTo(audio.currentTime - 15); });
  $('.np-fwd').addEventListener('click', function () { seekTo(audio.currentTime + 15); });
  download.addEventListener('click', function () { openMenu(false, false); });

  /* ---- The AI-voice badge: its sentence in a tooltip (hover, focus, or a tap) ---- */
  ai.addEventListener('click', function () {
    ai.setAttribute('aria-expanded', ai.getAttribute('aria-expanded') === 'true' ? 'false' : 'true');
    tellHeight();
  });
  ai.addEventListener('keydown', function (e) { if (e.key === 'Escape') ai.setAttribute('aria-expanded', 'false'); });

  /* ---- Remembered position (per article and version) ---- */
  function savePosition(force) {
    var now = Date.now();
    if (!store || !cfg.version || (!force && now - lastSaved < 2000)) return;
    lastSaved = now;
    store.setItem(posKey, JSON.stringify({v: cfg.version, t: audio.currentTime}));
  }
  function resume() {
    var saved = store && JSON.parse(store.getItem(posKey) || 'null');
    if (saved && String(saved.v) === cfg.version && saved.t > 1 && saved.t < total() - 1) {
      audio.currentTime = saved.t;
      intro.textContent = 'Resume · ' + clock(saved.t);
      say('Resuming at ' + clock(saved.t) + '.');
    }
  }
  audio.addEventListener('loadedmetadata', function () {
    if (!live && isFinite(audio.duration)) known = known || audio.duration;
    audio.playbackRate = audio.defaultPlaybackRate;
    if (!live && !root.classList.contains('is-started')) resume();
    showTime();
  });
  window.addEventListener('pagehide', function () { savePosition(true); });

  /* ---- Media Session: lock-screen metadata and controls ---- */
  function mediaSession() {
    if (!('mediaSession' in navigator)) return;
    var ms = navigator.mediaSession;
    ms.metadata = new window.MediaMetadata({
      title: cfg.title, artist: cfg.artist, album: 'Narrated articles',
      artwork: [{src: new URL(cfg.artwork, location.href).href, sizes: '512x512', type: 'image/png'}]});
    var handlers = {
      play: start, pause: function () { audio.pause(); }, stop: function () { audio.pause(); },
      seekbackward: function (d) { seekTo(audio.currentTime - ((d && d.seekOffset) || 15)); },
      seekforward: function (d) { seekTo(audio.currentTime + ((d && d.seekOffset) || 15)); },
      seekto: function (d) { if (d && d.seekTime != null) seekTo(d.seekTime); }
    };
    Object.keys(handlers).forEach(function (k) {
      try { ms.setActionHandler(k, handlers[k]); } catch (e) { /* action not supported */ }
    });
  }

  /* ---- A version: its file, its download, its timing map ---- */
  function onVersion(state) {
    cfg.version = String(state.version);
    known = state.duration_ms / 1000;
    download.href = state.audio_url + '?download=1';
    download.hidden = false;
    if (state.timing_url) {
      fetch(state.timing_url).then(function (r) { return r.json(); })
        .then(function (timing) { text.update(timing.paragraphs); }).catch(function () {});
    }
    if (!root.classList.contains('is-started')) intro.textContent = 'Listen · ' + Math.ceil(known / 60) + ' min';
    showTime();
  }
  /* Move onto the published file (the live stream is not playing): same position, same speed. */
  function useVersion(state, at) {
    var resumeAt = at || 0, waiting = !audio.paused;  // pressed, and still waiting to hear it
    live = null;
    audio.src = state.audio_url;
    audio.addEventListener('loadedmetadata', function once() {
      audio.removeEventListener('loadedmetadata', once);
      if (resumeAt) audio.currentTime = resumeAt;
      if (waiting) start();
    });
    onVersion(state);
  }
  function onLive(state, end, paragraphs) {
    ready = end;
    if (state.estimated_ms) estimate = state.estimated_ms / 1000;
    if (state.complete && state.duration_ms) known = state.duration_ms / 1000;
    if (paragraphs.length) text.update(paragraphs);
    if (!root.classList.contains('is-started')) {
      intro.textContent = state.segments.length || end ? 'Listen · about ' + Math.ceil(estimate / 60) + ' min'
                                                       : 'Audio coming soon';
    }
    showTime();
  }
  function onFailed(error) {
    intro.textContent = 'Audio unavailable';
    say('The audio could not be made' + (error ? ': ' + error : '.'));
  }

  /* ---- Docked: once the bar scrolls out of view while listening ---- */
  if (!player.embedded && window.IntersectionObserver) {
    var slot = root.parentNode;
    new IntersectionObserver(function (entries) {
      var out = !entries[0].isIntersecting && entries[0].boundingClientRect.top < window.innerHeight;
      root.classList.toggle('is-docked', out && root.classList.contains('is-started'));
    }).observe(slot);
  }

  /* ---- Embedded: the host page's iframe follows the player's height ---- */
  function tellHeight() {
    if (!player.embedded || window.parent === window) return;
    var bottom = root.getBoundingClientRect().bottom;
    [menu, $('.np-tip')].forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (!el.hidden && r.height && getComputedStyle(el).visibility !== 'hidden') bottom = Math.max(bottom, r.bottom);
    });
    window.parent.postMessage({narrator: 'height', article: cfg.article, height: Math.ceil(bottom + 1)}, '*');
  }
  if (player.embedded && window.parent !== window) {
    if (window.ResizeObserver) new ResizeObserver(tellHeight).observe(root);
    window.addEventListener('load', tellHeight);
    ai.addEventListener('mouseenter', tellHeight);
    ai.addEventListener('focus', tellHeight);
    ai.addEventListener('blur', function () { setTimeout(tellHeight, 150); });
  }

  /* ---- Start: a version to play, or the live stream (or wait for the version where MSE is missing) ---- */
  showState();
  mediaSession();
  if (cfg.version) {
    fetch(cfg.timing).then(function (r) { return r.json(); })
      .then(function (timing) { text.update(timing.paragraphs); }).catch(function () {});
    if (audio.readyState >= 1) audio.dispatchEvent(new Event('loadedmetadata'));
  } else if (N.Live && N.Live.supported()) {
    live = N.Live(player);
  } else {
    waitForVersion();
  }
  function waitForVersion() {  // no Media Source Extensions (older iPhones): the file once it exists
    fetch(cfg.live, {cache: 'no-store', credentials: 'omit'}).then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.version != null) { useVersion(state, 0); return; }
        if (state.status === 'failed') { onFailed(state.error); return; }
        setTimeout(waitForVersion, 2000);
      }).catch(function () { setTimeout(waitForVersion, 5000); });
  }
  showTime();
  tellHeight();
}());
