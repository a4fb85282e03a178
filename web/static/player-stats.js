/* narrator listening figures: seconds heard, not positions reached. Only audio that actually played
   counts: seeking or resuming at a position reports nothing. A play is reported once PLAY_AFTER_S
   seconds have been heard; 25/50/75/100 % once that share of the narration's seconds has been heard
   (each second counted once, however often it is replayed); heard seconds are sent every REPORT_S
   and when the page is left. No cookies, nothing personal (POST /api/events).
   Used by player.js as narrator.Stats(player). */
(function () {
  'use strict';
  var N = window.narrator = window.narrator || {};
  var PLAY_AFTER_S = 5;   // a play: enough to have heard the disclaimer start and chosen to stay
  var REPORT_S = 30;      // heard seconds are sent at most this often (and on leaving)
  var MAX_STEP_S = 2;     // a timeupdate step longer than this (in audio time) is a jump, not listening

  N.Stats = function (player) {
    var audio = player.audio, url = player.cfg.events;
    var heard = {};          // whole seconds of the narration heard, each once
    var unique = 0, unsent = 0, lastSent = Date.now(), reported = {};
    var last = null;         // media time at the last timeupdate while playing (null after a jump)

    function send(event, value) {
      if (!url || !window.fetch) return;
      var body = {article: player.cfg.article, event: event};
      if (value !== undefined) body.value = value;
      fetch(url, {method: 'POST', keepalive: true, credentials: 'omit',
                  headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)}).catch(function () {});
    }

    function flush() {
      var whole = Math.floor(unsent);
      if (whole >= 1) { send('seconds', whole); unsent -= whole; }
      lastSent = Date.now();
    }

    function count(from, to) {
      for (var s = Math.floor(from); s < Math.floor(to); s++) {
        if (!heard[s]) { heard[s] = true; unique++; }
      }
      unsent += to - from;
      var total = player.total();
      if (!reported.play && unique >= PLAY_AFTER_S) { reported.play = true; send('play'); }
      if (total > 0 && reported.play) {
        ['25', '50', '75', '100'].forEach(function (mark) {
          // 100 %: all but the last second (timeupdate rarely lands on the very end)
          var need = mark === '100' ? Math.floor(total) - 1 : Math.floor(total * mark / 100);
          if (!reported[mark] && unique >= need) { reported[mark] = true; send(mark); }
        });
      }
      if (Date.now() - lastSent >= REPORT_S * 1000) flush();
    }

    audio.addEventListener('timeupdate', function () {
      var t = audio.currentTime;
      if (audio.paused || audio.seeking) { last = null; return; }
      if (last !== null && t > last && t - last <= MAX_STEP_S * Math.max(audio.playbackRate, 1)) count(last, t);
      last = t;
    });
    ['seeking', 'pause', 'emptied', 'waiting'].forEach(function (name) {
      audio.addEventListener(name, function () { last = null; });
    });
    audio.addEventListener('pause', flush);
    audio.addEventListener('ended', flush);
    window.addEventListener('pagehide', flush);
    return {
      speed: function (rate) { send('speed', rate); },
      /* Another article in the same player (up next, the playlist): its own count from nothing. */
      reset: function () { flush(); heard = {}; unique = 0; unsent = 0; reported = {}; last = null; },
      heard: function () { return unique; }
    };
  };
}());
