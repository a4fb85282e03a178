/* narrator embed of an unknown article: tell the host page there is nothing to show (embed.js removes the frame). */
(function () {
  'use strict';
  if (window.parent !== window) {
    window.parent.postMessage({narrator: 'missing', article: document.body.getAttribute('data-missing')}, '*');
  }
}());
