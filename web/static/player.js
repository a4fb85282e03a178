/* narrator player: one compact bar (back 15 s, play, forward 15 s, the title and AI-voice badge, progress,
   time, speed, more), Media Session, the remembered position and speed, a docked mini-player, the
   embed's height, "up next", the playlist embed, the offer of a new version, and the publishers' API
   (narrator.play(), narrator.pause(), narrator.on(event, fn); events play, pause, ended, progress; see
   README "For publishers"). Plain JS, no dependencies; settings come from the data- attributes of
   [data-narrator]. Read-along is player-text.js, listening while the narration is made player-live.js,
   figures player-stats.js. */
(function () {
  'use strict';
  var N = window.narrator || {};
  var root = document.querySelector('[data-narrator]');
  if (!root || !N.Text) return;
  var cfg = root.dataset;
  var $ = function (sel) { return root.querySelector(sel); };
  var audio = $('.np-audio'), play = $('.np-play'), seek = $('.np-seek'), status = $('.np-status');
  var heading = $('.np-heading'), length = $('.np-length'), note = $('.np-state');
  var elapsed = $('.np-elapsed'), ofTotal = $('.np-total'), said = $('.np-time-said'), speed = $('.np-speed'), speeds = $('.np-speeds');
  var more = $('.np-more'), menu = $('.np-menu'), download = $('.np-download'), source = $('.np-source');
  var upNext = $('.np-upnext'), ai = $('.np-ai'), tip = $('.np-tip'), offer = $('.np-offer');
  var SPEEDS = [0.75, 1, 1.25, 1.5, 1.75, 2];
  var STALL_S = 6;          // a press with nothing to hear yet: say why after this long
  var CHECK_S = 15;         // how often an open page asks whether a new version exists (while visible)
  var PROGRESS_MS = 1000;   // the publishers' 'progress' event, at most this often
  var pageArticle = cfg.article;           // the article this page is about (its transcript)
  var store = safeStorage();
  var known = +cfg.duration / 1000 || 0;   // the length, once a version exists
  var estimate = +cfg.estimate / 1000 || 0;
  var ready = 0;                           // seconds that can be played (the live stream's end)
  var live = null, lastSaved = 0, dragging = false, stallTimer = null, raf = 0, lastProgress = 0;
  var offered = null;                      // a newer version offered to a listener who has started
  var playlist = Array.prototype.slice.call(document.querySelectorAll('.np-item'));

  function safeStorage() {
    try { var s = window.localStorage; s.setItem('narrator:t', '1'); s.removeItem('narrator:t'); return s; }
    catch (e) { return null; }
  }
  function posKey() { return 'narrator:pos:' + cfg.article; }
  function say(text) { status.textContent = text; }
  function setNote(text) { note.textContent = text ? ' · ' + text : ''; }
  function started() { return root.classList.contains('is-started'); }
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
  function minutes(sec, about) { return sec ? ' · ' + (about ? 'about ' : '') + Math.max(1, Math.ceil(sec / 60)) + ' min' : ''; }
  function total() { return known || (isFinite(audio.duration) && !live ? audio.duration : 0) || estimate; }
  function limit() { return live && live.active() ? Math.max(ready - 0.25, 0) : total(); }

  /* ---- The accent and the icon on it: black or white, whichever contrasts more (WCAG) ---- */
  if (cfg.color) document.documentElement.style.setProperty('--np-accent', cfg.color);
  function luminance(rgb) {
    var c = rgb.map(function (v) { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }
  function rgbOf(color) {  // any CSS colour, as the browser paints it
    var canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    var g = canvas.getContext('2d');
    if (!g) return null;
    g.fillStyle = '#000';
    g.fillStyle = color;
    g.fillRect(0, 0, 1, 1);
    return Array.prototype.slice.call(g.getImageData(0, 0, 1, 1).data, 0, 3);
  }
  function chooseOnAccent() {
    var html = document.documentElement;
    html.style.removeProperty('--np-on-accent');
    var rgb = rgbOf(getComputedStyle(play).backgroundColor);
    if (!rgb) return;
    var l = luminance(rgb);
    html.style.setProperty('--np-on-accent', (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000' : '#fff');
  }
  chooseOnAccent();
  if (window.matchMedia) {
    var scheme = window.matchMedia('(prefers-color-scheme: dark)');
    if (scheme.addEventListener) scheme.addEventListener('change', chooseOnAccent);
  }

  var player = {
    audio: audio, cfg: cfg, embedded: !!cfg.embed, total: total,
    playFrom: function (t) { seekTo(t); start(); },
    useVersion: useVersion, onVersion: onVersion, onLive: onLive, onFailed: onFailed
  };
  var text = N.Text(player);
  var stats = N.Stats ? N.Stats(player) : null;

  /* ---- The publishers' API: narrator.play(), .pause(), .on(event, fn); DOM events narrator:<event> ---- */
  var handlers = {};
  function detail() {
    return {article: cfg.article, version: cfg.version ? +cfg.version : null, currentTime: audio.currentTime,
            duration: total(), paused: audio.paused};
  }
  function emit(name) {
    var d = detail();
    (handlers[name] || []).forEach(function (fn) {
      try { fn(d); } catch (e) { setTimeout(function () { throw e; }); }
    });
    document.dispatchEvent(new CustomEvent('narrator:' + name, {detail: d}));
    if (player.embedded && window.parent !== window) window.parent.postMessage({narrator: 'event', event: name, detail: d}, '*');
  }
  N.play = function () { start(); };
  N.pause = function () { audio.pause(); };
  N.on = function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); };
  window.addEventListener('message', function (e) {  // the host page's commands (embed.js)
    var d = e.data;
    if (e.source !== window.parent || window.parent === window || !d || d.narrator !== 'command') return;
    if (d.command === 'play') start();
    else if (d.command === 'pause') audio.pause();
  });

  /* ---- Playing ---- */
  function start() {
    root.classList.add('is-started');
    if (live) live.press();
    if (live && cfg.listen) fetch(cfg.listen, {method: 'POST', credentials: 'omit'}).catch(function () {});
    if (live && !live.available()) {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(stalled, STALL_S * 1000);
    }
    var p = audio.play();
    if (p && p.catch) p.catch(function () {});
  }
  function toggle() { if (audio.paused) start(); else audio.pause(); }
  function seekTo(t) {
    audio.currentTime = Math.max(0, Math.min(t, limit() || t));
    showTime();
  }
  play.addEventListener('click', toggle);
  $('.np-back').addEventListener('click', function () { seekTo(audio.currentTime - 15); });
  $('.np-fwd').addEventListener('click', function () { seekTo(audio.currentTime + 15); });

  /* Pressed, and nothing to hear after STALL_S: say so (no worker has taken the job yet, or it is slow). */
  function stalled() {
    if (audio.paused || !live || audio.readyState >= 3) return;
    var queued = live.status() === 'queued';
    root.classList.add('is-stalled');
    setNote(queued ? 'Not started yet: it plays when ready' : 'Still preparing: it plays when ready');
    say(queued ? 'The audio has not started being made yet. It will play as soon as it is ready.'
               : 'The audio is taking longer than usual to prepare. It will play as soon as it is ready.');
  }
  function unstall() {
    clearTimeout(stallTimer);
    if (root.classList.contains('is-stalled')) { root.classList.remove('is-stalled'); setNote(''); }
  }

  function showPlaying() {
    var playing = !audio.paused;
    play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
    root.classList.toggle('is-playing', playing);
    if (!playing) root.classList.remove('is-waiting');
    if ('mediaSession' in navigator) navigator.mediaSession.playbackState = playing ? 'playing' : 'paused';
  }
  /* Read-along follows the audio's clock every animation frame while playing (timeupdate is ~4 Hz). */
  function follow() {
    raf = 0;
    if (audio.paused) return;
    text.highlight(audio.currentTime * 1000);
    raf = requestAnimationFrame(follow);
  }
  audio.addEventListener('play', function () {
    showPlaying();
    if (!raf) raf = requestAnimationFrame(follow);
    emit('play');
  });
  audio.addEventListener('pause', function () { showPlaying(); unstall(); savePosition(true); emit('pause'); });
  audio.addEventListener('waiting', function () { if (!audio.paused) root.classList.add('is-waiting'); });
  audio.addEventListener('playing', function () {
    root.classList.remove('is-waiting');
    unstall();
    if (!raf) raf = requestAnimationFrame(follow);
  });
  audio.addEventListener('ended', function () {
    if (store) store.removeItem(posKey());
    showPlaying();
    emit('ended');
    playNext();
  });

  /* ---- Progress: a range you can drag; arrows 5 s, PageUp/PageDown 30 s, Home/End ---- */
  function showTime() {
    var t = audio.currentTime, whole = total();
    seek.max = whole.toFixed(1);
    if (!dragging) seek.value = t.toFixed(1);
    var approx = known ? '' : '~';
    elapsed.textContent = clock(t);
    ofTotal.textContent = ' / ' + (whole ? approx + clock(whole) : '–:––');
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
    if (!audio.paused && Date.now() - lastProgress >= PROGRESS_MS) { lastProgress = Date.now(); emit('progress'); }
    if ('mediaSession' in navigator && navigator.mediaSession.setPositionState && total()) {
      try {
        navigator.mediaSession.setPositionState({duration: total(), playbackRate: audio.playbackRate,
                                                 position: Math.min(audio.currentTime, total())});
      } catch (e) { /* rejected during seeks by some browsers */ }
    }
  });
  audio.addEventListener('seeked', function () { showTime(); text.highlight(audio.currentTime * 1000); emit('progress'); });

  /* ---- Popups: speed, more, the AI-voice tooltip. Inside the screen: below the bar, else above it,
     else (an iframe as high as the bar) over the bar in one row, beside play, never growing the frame. ---- */
  var MARGIN = 4;
  function place(pop, anchor) {
    pop.classList.remove('np-row');
    pop.style.left = pop.style.top = '0px';
    pop.style.maxWidth = pop.style.maxHeight = '';
    var vw = document.documentElement.clientWidth, vh = window.innerHeight;
    var bar = root.getBoundingClientRect(), a = anchor.getBoundingClientRect();
    var w = pop.offsetWidth, h = pop.offsetHeight, top, left;
    if (bar.bottom + MARGIN + h <= vh - MARGIN) top = bar.bottom + MARGIN;
    else if (bar.top - MARGIN - h >= MARGIN) top = bar.top - MARGIN - h;
    if (top !== undefined) {
      left = Math.max(MARGIN, Math.min(a.right - w, vw - w - MARGIN));
    } else {
      // Over the bar: a tooltip beside play (taps go through it to its badge); a menu left of its button,
      // which stays uncovered to close it.
      pop.classList.add('np-row');
      var tooltip = pop === tip;
      var from = tooltip ? Math.min(play.getBoundingClientRect().right + MARGIN, vw / 2) : MARGIN;
      var to = tooltip ? vw - MARGIN : Math.max(a.left - MARGIN, vw / 2);
      pop.style.maxWidth = (to - from) + 'px';
      pop.style.maxHeight = (vh - 2 * MARGIN) + 'px';
      w = pop.offsetWidth; h = pop.offsetHeight;
      left = tooltip ? from : Math.max(from, to - w);
      top = Math.max(MARGIN, Math.min(bar.top + (bar.height - h) / 2, vh - h - MARGIN));
    }
    pop.style.left = (left - bar.left - root.clientLeft) + 'px';
    pop.style.top = (top - bar.top - root.clientTop) + 'px';
  }

  function Menu(button, panel, onOpen) {
    function items() {
      return Array.prototype.filter.call(panel.querySelectorAll('[role^="menuitem"]'), function (el) { return !el.hidden; });
    }
    function open(on, focus) {
      if (on) closeAll(menus.indexOf(self));
      panel.hidden = !on;
      button.setAttribute('aria-expanded', on ? 'true' : 'false');
      if (on) {
        place(panel, button);
        var list = items(), first = onOpen ? onOpen(list) : list[0];
        if (focus !== false && first) first.focus();
      } else if (focus) button.focus();
    }
    button.addEventListener('click', function () { open(panel.hidden); });
    panel.addEventListener('keydown', function (e) {
      var list = items(), at = list.indexOf(document.activeElement);
      var to = {ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: list.length - 1}[e.key];
      if (to !== undefined) { e.preventDefault(); list[(to + list.length) % list.length].focus(); }
      else if (e.key === 'Escape') { e.preventDefault(); open(false, true); }
      else if (e.key === 'Tab') open(false, false);
    });
    var self = {open: open, panel: panel, button: button,
                isOpen: function () { return !panel.hidden; }, place: function () { place(panel, button); }};
    return self;
  }
  var menus = [];
  function closeAll(except) {
    menus.forEach(function (m, i) { if (i !== except && m.isOpen()) m.open(false, false); });
    if (except !== -1) showTip(null);
  }
  var speedMenu = Menu(speed, speeds, function (list) {
    return list.filter(function (el) { return el.getAttribute('aria-checked') === 'true'; })[0] || list[0];
  });
  var moreMenu = Menu(more, menu);
  menus.push(speedMenu, moreMenu);
  document.addEventListener('click', function (e) {
    menus.forEach(function (m) {
      if (m.isOpen() && !m.panel.contains(e.target) && !m.button.contains(e.target)) m.open(false, false);
    });
    if (tipBy && e.target !== ai && !ai.contains(e.target)) showTip(null);
  });
  function replace() {  // the page scrolled, the bar docked or the screen turned: keep what is open inside
    menus.forEach(function (m) { if (m.isOpen()) m.place(); });
    if (tipBy) place(tip, ai);
  }
  window.addEventListener('resize', replace);
  window.addEventListener('scroll', replace, {passive: true});

  /* ---- Speed: a small menu of rates, remembered ---- */
  function setSpeed(rate, tell) {
    audio.playbackRate = audio.defaultPlaybackRate = rate;
    speed.textContent = rate + '×';
    speed.setAttribute('aria-label', 'Playback speed: ' + rate + '×');
    Array.prototype.forEach.call(speeds.querySelectorAll('[data-rate]'), function (el) {
      el.setAttribute('aria-checked', +el.getAttribute('data-rate') === rate ? 'true' : 'false');
    });
    if (tell) {
      if (store) store.setItem('narrator:speed', String(rate));
      if (stats) stats.speed(rate);
    }
  }
  speeds.addEventListener('click', function (e) {
    var item = e.target.closest('[data-rate]');
    if (!item) return;
    setSpeed(+item.getAttribute('data-rate'), true);
    speedMenu.open(false, true);
  });
  var savedSpeed = store && parseFloat(store.getItem('narrator:speed'));
  setSpeed(SPEEDS.indexOf(savedSpeed) >= 0 ? savedSpeed : 1, false);

  /* ---- More: up next (on or off, remembered), the original article, the download ---- */
  function upNextOn() { return !store || store.getItem('narrator:upnext') !== '0'; }
  function showUpNext() { upNext.setAttribute('aria-checked', upNextOn() ? 'true' : 'false'); }
  upNext.addEventListener('click', function () {
    if (store) store.setItem('narrator:upnext', upNextOn() ? '0' : '1');
    showUpNext();
    say(upNextOn() ? 'Up next is on: the next article plays when this one ends.' : 'Up next is off.');
  });
  showUpNext();
  download.addEventListener('click', function () { moreMenu.open(false, false); });

  /* ---- The AI-voice badge: its sentence in a tooltip (hover, keyboard focus, or a tap; a second tap closes) ---- */
  var tipBy = null;  // what opened it: 'hover', 'focus' or 'tap'
  function showTip(by) {
    tipBy = by;
    tip.hidden = !by;
    ai.setAttribute('aria-expanded', by ? 'true' : 'false');
    if (by) place(tip, ai);
  }
  ai.addEventListener('pointerenter', function (e) { if (e.pointerType === 'mouse' && !tipBy) showTip('hover'); });
  ai.addEventListener('pointerleave', function (e) { if (e.pointerType === 'mouse' && tipBy === 'hover') showTip(null); });
  ai.addEventListener('focus', function () { if (!tipBy && ai.matches(':focus-visible')) showTip('focus'); });
  ai.addEventListener('blur', function () { if (tipBy === 'focus') showTip(null); });
  ai.addEventListener('click', function () {
    closeAll(-1);
    showTip(tipBy === 'tap' ? null : 'tap');
  });
  ai.addEventListener('keydown', function (e) { if (e.key === 'Escape') showTip(null); });

  /* ---- Remembered position (per article and version) ---- */
  function savePosition(force) {
    var now = Date.now();
    if (!store || !cfg.version || (!force && now - lastSaved < 2000)) return;
    lastSaved = now;
    store.setItem(posKey(), JSON.stringify({v: cfg.version, t: audio.currentTime}));
  }
  function resume() {
    var saved = store && JSON.parse(store.getItem(posKey()) || 'null');
    if (saved && String(saved.v) === cfg.version && saved.t > 1 && saved.t < total() - 1) {
      audio.currentTime = saved.t;
      setNote('Resume at ' + clock(saved.t));
      say('Resuming at ' + clock(saved.t) + '.');
    }
  }
  audio.addEventListener('loadedmetadata', function () {
    if (!live && isFinite(audio.duration)) known = known || audio.duration;
    audio.playbackRate = audio.defaultPlaybackRate;
    if (!live && !started()) resume();
    showTime();
  });
  window.addEventListener('pagehide', function () { savePosition(true); });

  /* ---- Media Session: lock-screen metadata and controls ---- */
  function mediaSession(title) {
    if (!('mediaSession' in navigator)) return;
    var ms = navigator.mediaSession;
    ms.metadata = new window.MediaMetadata({
      title: title, artist: cfg.artist, album: 'Narrated articles',
      artwork: [{src: new URL(cfg.artwork, location.href).href, sizes: '512x512', type: 'image/png'}]});
    var actions = {
      play: start, pause: function () { audio.pause(); }, stop: function () { audio.pause(); },
      seekbackward: function (d) { seekTo(audio.currentTime - ((d && d.seekOffset) || 15)); },
      seekforward: function (d) { seekTo(audio.currentTime + ((d && d.seekOffset) || 15)); },
      seekto: function (d) { if (d && d.seekTime != null) seekTo(d.seekTime); }
    };
    Object.keys(actions).forEach(function (k) {
      try { ms.setActionHandler(k, actions[k]); } catch (e) { /* action not supported */ }
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
    length.textContent = minutes(known, false);
    if (!started()) setNote('');
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
    length.textContent = minutes(known || estimate, !known);
    if (!started()) setNote(state.segments.length || end ? 'Ready to play' : 'Audio being prepared');
    showTime();
  }
  function onFailed(error) {
    setNote('Audio unavailable');
    say('The audio could not be made' + (error ? ': ' + error : '.'));
  }

  /* ---- Another article or version in the same bar (up next, the playlist, a new version) ---- */
  function load(item, options) {
    options = options || {};
    if (live) { live.stop(); live = null; }
    unstall();
    var same = item.article === cfg.article;
    if (!same && stats) stats.reset();
    cfg.article = item.article;
    cfg.version = String(item.version);
    if (item.next_url) cfg.next = item.next_url;
    if (item.live_url) cfg.live = item.live_url;
    known = item.duration_ms / 1000;
    estimate = 0;
    ready = 0;
    audio.src = item.audio_url;
    audio.addEventListener('loadedmetadata', function once() {
      audio.removeEventListener('loadedmetadata', once);
      if (options.at) audio.currentTime = Math.min(options.at, Math.max(audio.duration - 1, 0));
      if (options.play) start();
    });
    download.href = item.audio_url + '?download=1';
    download.hidden = false;
    var own = item.article === pageArticle && !playlist.length;
    heading.textContent = own ? 'Listen to this article' : item.title;
    length.textContent = minutes(known, false);
    cfg.title = item.title || cfg.title;
    if (item.publication) { cfg.artist = item.publication; root.querySelector('.np-pub').textContent = item.publication; }
    if (source && item.source_url !== undefined) {
      source.hidden = !item.source_url;
      if (item.source_url) source.href = item.source_url;
    }
    if (own && item.timing_url) {
      fetch(item.timing_url).then(function (r) { return r.json(); })
        .then(function (timing) { text.replace(timing.paragraphs); }).catch(function () {});
    } else {
      text.replace([]);  // another article: this page's transcript is not what is heard
    }
    playlist.forEach(function (el) {
      if (itemOf(el).article === item.article) el.setAttribute('aria-current', 'true');
      else el.removeAttribute('aria-current');
    });
    mediaSession(item.title);
    showTime();
  }
  function itemOf(el) { return JSON.parse(el.getAttribute('data-item')); }

  /* Up next: when an article ends, the next of the playlist, else of its feed or site (GET .../next). */
  function playNext() {
    if (!upNextOn()) return;
    if (playlist.length) {
      var at = playlist.map(function (el) { return itemOf(el).article; }).indexOf(cfg.article);
      if (at >= 0 && at + 1 < playlist.length) {
        var item = itemOf(playlist[at + 1]);
        load(item, {play: true});
        say('Up next: ' + item.title);
      }
      return;
    }
    if (!cfg.next) return;
    fetch(cfg.next, {cache: 'no-store', credentials: 'omit'}).then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.next || !audio.ended) return;  // none, or the listener moved on meanwhile
        load(data.next, {play: true});
        say('Up next: ' + data.next.title);
      }).catch(function () {});
  }
  playlist.forEach(function (el) {
    el.addEventListener('click', function () {
      var item = itemOf(el);
      if (item.article === cfg.article) { toggle(); return; }
      load(item, {play: true});
    });
  });

  /* ---- A new version while the page is open: an idle player takes it; one that has started is offered
     it (no jump under the listener), and moves onto it at the start of the paragraph being heard. ---- */
  function checkVersion() {
    if (!cfg.live || !cfg.version || live || document.hidden) return;
    fetch(cfg.live + '?from_segment=1000000&from_paragraph=1000000', {cache: 'no-store', credentials: 'omit'})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state || state.article !== cfg.article || state.version == null || !state.audio_url) return;
        if (String(state.version) === cfg.version) { hideOffer(); return; }
        var item = {article: state.article, version: state.version, audio_url: state.audio_url,
                    timing_url: state.timing_url, duration_ms: state.duration_ms, title: cfg.title};
        if (!started()) { load(item); say('The audio was updated.'); return; }
        if (offered && offered.version === item.version) return;
        offered = item;
        offer.hidden = false;
        root.classList.add('has-offer');
        say('An updated version of this audio is available: press "Play it" to switch.');
      }).catch(function () {});
  }
  function hideOffer() {
    offered = null;
    offer.hidden = true;
    root.classList.remove('has-offer');
  }
  $('.np-switch').addEventListener('click', function () {
    var item = offered, playing = !audio.paused, index = text.currentIndex();
    if (!item) return;
    hideOffer();
    fetch(item.timing_url).then(function (r) { return r.json(); }).then(function (timing) {
      var from = timing.paragraphs.filter(function (p) { return p.index === index; })[0];
      load(item, {play: playing, at: from ? from.start / 1000 : 0});
    }).catch(function () { load(item, {play: playing}); });
  });
  if (cfg.live) {
    setInterval(checkVersion, CHECK_S * 1000);
    document.addEventListener('visibilitychange', function () { if (!document.hidden) checkVersion(); });
  }

  /* ---- Docked: once the bar scrolls out of view while listening ---- */
  if (!player.embedded && window.IntersectionObserver) {
    var slot = root.parentNode;
    new IntersectionObserver(function (entries) {
      var out = !entries[0].isIntersecting && entries[0].boundingClientRect.top < window.innerHeight;
      root.classList.toggle('is-docked', out && started());
      replace();
    }).observe(slot);
  }

  /* ---- Embedded: the host page's iframe follows the content's height (popups never grow it) ---- */
  var content = document.querySelector('main') || root;
  function tellHeight() {
    if (!player.embedded || window.parent === window) return;
    var height = Math.ceil(content.getBoundingClientRect().bottom + 1);
    window.parent.postMessage({narrator: 'height', article: pageArticle, height: height}, '*');
  }
  if (player.embedded && window.parent !== window) {
    if (window.ResizeObserver) new ResizeObserver(tellHeight).observe(content);
    window.addEventListener('load', tellHeight);
  }

  /* ---- Start: a version to play, or the live stream (or wait for the version where MSE is missing) ---- */
  showPlaying();
  mediaSession(playlist.length ? itemOf(playlist[0]).title : cfg.title);
  if (playlist.length) heading.textContent = itemOf(playlist[0]).title;
  if (cfg.version) {
    fetch(cfg.timing).then(function (r) { return r.json(); })
      .then(function (timing) { if (!playlist.length) text.update(timing.paragraphs); }).catch(function () {});
    if (audio.readyState >= 1) audio.dispatchEvent(new Event('loadedmetadata'));
  } else if (N.Live && N.Live.supported()) {
    live = N.Live(player);
  } else {
    waitForVersion();
  }
  function waitForVersion() {  // no Media Source Extensions (older iPhones): the file once it exists
    if (!started()) setNote('Audio coming soon');
    fetch(cfg.live, {cache: 'no-store', credentials: 'omit'}).then(function (r) { return r.json(); })
      .then(function (state) {
        if (state.version != null) { useVersion(state, 0); return; }
        if (state.status === 'failed') { onFailed(state.error); return; }
        setTimeout(waitForVersion, 2000);
      }).catch(function () { setTimeout(waitForVersion, 5000); });
  }
  showTime();
  tellHeight();
  if (player.embedded && window.parent !== window) window.parent.postMessage({narrator: 'ready', article: pageArticle}, '*');
}());
