/* narrator embed: <script src="https://HOST/embed.js" data-article="ID" async></script>
   inserts the player for article ID (an iframe of HOST/embed/ID) where the script tag stands; with
   data-url="PAGE URL" instead, the player of the article made from that page (narrator watch, or a
   submission by URL), so a publisher's template needs no id.
   Optional attributes: data-theme="light|dark|auto" (auto: the reader's system setting) and
   data-color="#0b5cad" (the accent). The frame's height follows the player's (postMessage); an
   unknown article leaves nothing on the page. */
(function () {
  'use strict';
  var BAR_PX = 64;  // the player's height: reserved at once, so the page does not jump when it loads

  /* Where the frame for one script tag comes from (null: this tag names nothing to play). */
  function frameSource(script, origin) {
    var id = script.getAttribute('data-article');
    var page = script.getAttribute('data-url');
    if (!id && !page) return null;
    var query = id ? [] : ['url=' + encodeURIComponent(page)];
    var theme = script.getAttribute('data-theme');
    var color = script.getAttribute('data-color');
    if (theme) query.push('theme=' + encodeURIComponent(theme));
    if (color) query.push('color=' + encodeURIComponent(color));
    var path = id ? '/embed/' + encodeURIComponent(id) : '/embed';
    return {id: id || page, src: origin + path + (query.length ? '?' + query.join('&') : '')};
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
    frame.title = 'Listen to this article';
    frame.allow = 'autoplay; encrypted-media';
    frame.style.cssText = 'width:100%;max-width:720px;height:' + BAR_PX + 'px;border:0;display:block;color-scheme:normal;';
    frame.setAttribute('data-narrator-article', source.id);
    frame.setAttribute('data-narrator-origin', origin);
    script.parentNode.insertBefore(frame, script);
  });
  if (window.__narratorEmbed) return;
  window.__narratorEmbed = true;
  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || (d.narrator !== 'height' && d.narrator !== 'missing')) return;
    var frames = document.querySelectorAll('iframe[data-narrator-article]');
    Array.prototype.forEach.call(frames, function (f) {
      if (f.contentWindow !== e.source || f.getAttribute('data-narrator-origin') !== e.origin) return;
      if (d.narrator === 'missing') { f.parentNode.removeChild(f); return; }
      if (typeof d.height === 'number' && isFinite(d.height)) f.style.height = Math.min(Math.max(Math.ceil(d.height), 0), 600) + 'px';
    });
  });
}());
