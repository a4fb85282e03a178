/* narrator embed: <script src="https://HOST/embed.js" data-article="ID" async></script>
   inserts the player for article ID (an iframe of HOST/embed/ID) where the script tag stands. */
(function () {
  'use strict';
  var scripts = document.querySelectorAll('script[data-article]');
  Array.prototype.forEach.call(scripts, function (script) {
    if (script.getAttribute('data-narrator-done') || !/\/embed\.js(\?|$)/.test(script.src)) return;
    script.setAttribute('data-narrator-done', '1');
    var origin = new URL(script.src, location.href).origin;
    var id = script.getAttribute('data-article');
    var frame = document.createElement('iframe');
    frame.src = origin + '/embed/' + encodeURIComponent(id);
    frame.title = 'Listen to this article';
    frame.loading = 'lazy';
    frame.allow = 'autoplay; encrypted-media';
    frame.style.cssText = 'width:100%;max-width:720px;height:150px;border:0;display:block;';
    frame.setAttribute('data-narrator-article', id);
    script.parentNode.insertBefore(frame, script);
  });
  if (window.__narratorEmbed) return;
  window.__narratorEmbed = true;
  window.addEventListener('message', function (e) {
    var d = e.data;
    if (!d || d.narrator !== 'height' || typeof d.height !== 'number') return;
    var frames = document.querySelectorAll('iframe[data-narrator-article]');
    Array.prototype.forEach.call(frames, function (f) {
      if (f.contentWindow === e.source) f.style.height = Math.min(Math.max(d.height, 80), 400) + 'px';
    });
  });
}());
