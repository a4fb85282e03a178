/* narrator embed: <script src="https://HOST/embed.js" data-article="ID" async></script>
   inserts the player for article ID (an iframe of HOST/embed/ID) where the script tag stands; with
   data-url="PAGE URL" instead, the player of the article made from that page (narrator watch, or a
   submission by URL), so a publisher's template needs no id; with data-playlist="latest" (or a watched
   feed's URL, or a site's host), a player of the latest narrated articles, one after another
   (data-limit: how many, 1-50, default 10).
   Optional attributes: data-theme="light|dark|auto" (auto: the reader's system setting) and
   data-color="#0b5cad" (the accent). The frame's height follows the player's content (postMessage;
   menus and tooltips open inside the frame, never growing it); an unknown article leaves nothing.

   The host page's API (README "For publishers"):
     narrator.play([which]), narrator.pause([which])  which: an article id, an iframe, or none (the first
                                                       player for play, every player for pause)
     narrator.on(event, function (detail) {...})       events: play, pause, ended, progress (about once a
                                                       second while playing, and after a seek)
   detail: {article, version, currentTime, duration, paused, frame}; the same events are dispatched on
   the iframe as DOM events named narrator:play, narrator:pause, narrator:ended, narrator:progress (they
   bubble to document). */
(function () {
  'use strict';
  var BAR_PX = 64;  // the player's height: reserved at once, so the page does not jump when it loads
  var EVENTS = ['play', 'pause', 'ended', 'progress'];

  /* Where the frame for one script tag comes from (null: this tag names nothing to play). */
  function frameSource(script, origin) {
    var id = script.getAttribute('data-article');
    var page = script.getAttribute('data-url');
    var list = script.getAttribute('data-playlist');
    if (!id && !page && !list) return null;
    var query = id ? [] : list ? ['of=' + encodeURIComponent(list)] : ['url=' + encodeURIComponent(page)];
    var theme = script.getAttribute('data-theme');
    var color = script.getAttribute('data-color');
    var limit = script.getAttribute('data-limit');
    if (theme) query.push('theme=' + encodeURIComponent(theme));
    if (color) query.push('color=' + encodeURIComponent(color));
    if (list && limit) query.push('limit=' + encodeURIComponent(limit));
    var path = id ? '/embed/' + encodeURIComponent(id) : list ? '/embed/playlist' : '/embed';
    return {id: id || list || page, src: origin + path + (query.length ? '?' + query.join('&') : ''),
            title: list ? 'Listen to the latest articles' : 'Listen to this article'};
  }

  var scripts = document.querySelectorAll('script[src*="/embed.js"]');
  Array.prototype.forEach.call(scripts, function (script) {
    if (script.getAttribute('data-narrator-done') || !/\/embed\.js(\?|$)/.test(script.src)) return;
    var origin = new URL(script.src, location.href).origin;
    var source = frameSource(script, origin);
    if (!source) return;
    script.setAttribute('data-narrator-done', '1');
    var frame = document.createElement('iframe');
    frame.src = source.src;
    frame.title = source.title;
    frame.allow = 'autoplay; encrypted-media';
    frame.style.cssText = 'width:100%;max-width:720px;height:' + BAR_PX + 'px;border:0;display:block;color-scheme:normal;';
    frame.setAttribute('data-narrator-article', source.id);
    frame.setAttribute('data-narrator-origin', origin);
    script.parentNode.insertBefore(frame, script);
  });
  if (window.__narratorEmbed) return;
  window.__narratorEmbed = true;

  /* ---- The host page's API ---- */
  var api = window.narrator = window.narrator || {};
  var handlers = {}, ready = [], waiting = [];  // frames that said they are ready; commands sent before
  function frames() { return Array.prototype.slice.call(document.querySelectorAll('iframe[data-narrator-article]')); }
  function chosen(which, all) {
    var list = frames();
    if (which && which.tagName) return list.indexOf(which) >= 0 ? [which] : [];
    if (which) {
      return list.filter(function (f) {
        return f.getAttribute('data-narrator-article') === String(which) || f.getAttribute('data-narrator-now') === String(which);
      });
    }
    return all ? list : list.slice(0, 1);
  }
  function command(frames, name) {
    frames.forEach(function (f) {
      if (ready.indexOf(f) < 0) { waiting.push([f, name]); return; }
      f.contentWindow.postMessage({narrator: 'command', command: name}, f.getAttribute('data-narrator-origin'));
    });
  }
  api.play = function (which) { command(chosen(which, false), 'play'); };
  api.pause = function (which) { command(chosen(which, true), 'pause'); };
  api.on = function (name, fn) {
    if (EVENTS.indexOf(name) < 0) throw new Error('narrator.on: no event "' + name + '" (' + EVENTS.join(', ') + ')');
    (handlers[name] = handlers[name] || []).push(fn);
  };
  api.players = function () { return frames(); };

  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || typeof d.narrator !== 'string') return;
    frames().forEach(function (f) {
      if (f.contentWindow !== e.source || f.getAttribute('data-narrator-origin') !== e.origin) return;
      if (d.narrator === 'missing') { f.parentNode.removeChild(f); return; }
      if (d.narrator === 'height' && typeof d.height === 'number' && isFinite(d.height)) {
        f.style.height = Math.min(Math.max(Math.ceil(d.height), 0), 600) + 'px';
      } else if (d.narrator === 'ready') {
        if (ready.indexOf(f) < 0) ready.push(f);
        var mine = waiting.filter(function (w) { return w[0] === f; });
        waiting = waiting.filter(function (w) { return w[0] !== f; });
        mine.forEach(function (w) { command([f], w[1]); });
      } else if (d.narrator === 'event' && EVENTS.indexOf(d.event) >= 0 && d.detail) {
        var detail = {article: String(d.detail.article), version: d.detail.version, currentTime: +d.detail.currentTime,
                      duration: +d.detail.duration, paused: !!d.detail.paused, frame: f};
        f.setAttribute('data-narrator-now', detail.article);
        (handlers[d.event] || []).forEach(function (fn) {
          try { fn(detail); } catch (err) { setTimeout(function () { throw err; }); }
        });
        f.dispatchEvent(new CustomEvent('narrator:' + d.event, {detail: detail, bubbles: true}));
      }
    });
  });
}());
