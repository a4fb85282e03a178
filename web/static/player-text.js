/* narrator read-along: the transcript timed by a timing map (whole, or as far as the live stream has
   come), the sentence and the word being spoken highlighted (player.js calls highlight() every
   animation frame while playing). Only deliberate controls play: a "play from this paragraph" button
   in the margin, Enter on a paragraph, and, while playing, a mouse click on a word seeks to it; a tap
   on the text plays nothing. Words are wrapped in plain spans (no role, the same text), so the
   transcript reads the same to assistive technology (docs/words.md).
   The transcript is one Tab stop (arrow keys, Home and End move inside it). The page follows the
   voice until the reader scrolls away; then "Back to current" brings them back.
   Used by player.js as narrator.Text(player). */
(function () {
  'use strict';
  var N = window.narrator = window.narrator || {};
  var SKIPPED = {disclaimer: 1, title: 1, byline: 1, intro: 1, outro: 1};  // not in the transcript's body

  N.Text = function (player) {
    var transcript = document.getElementById('transcript');
    var followButton = document.querySelector('.np-follow');
    var reduced = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    var blocks = [];     // by timing-map index: {start, end, el, sentences: [{start, end, el, words: [{start, el}]}]}
    var current = null, currentSentence = null, currentWord = null;
    var following = true, userScrolled = 0;

    function tagFor(kind) { return kind === 'heading' ? 'h2' : kind === 'quote' ? 'blockquote' : 'p'; }

    /* The margin button that plays from a paragraph (mouse; keyboard users press Enter on the paragraph). */
    function addPlayButton(el) {
      if (!el || el.querySelector(':scope > .np-from')) return;
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'np-from';
      button.tabIndex = -1;
      button.setAttribute('aria-label', 'Play from this paragraph');
      button.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M8 5.5v13l10.5-6.5z"/></svg>';
      el.insertBefore(button, el.firstChild);
    }

    /* A timed block: a span per sentence; a block still being made shows the rest of its text untimed. */
    function build(p) {
      var el = document.createElement(tagFor(p.kind));
      el.className = 'block k-' + p.kind;
      el.setAttribute('data-index', p.index);
      el.tabIndex = -1;
      var rest = p.text || '', cursor = 0;
      p.sentences.forEach(function (s) {
        var span = document.createElement('span');
        span.className = 's';
        span.textContent = s.text;
        el.appendChild(span);
        el.appendChild(document.createTextNode(' '));
        var at = rest.indexOf(s.text, cursor);
        if (at >= 0) cursor = at + s.text.length;
      });
      var untimed = rest.slice(cursor).trim();
      if (untimed && cursor) el.appendChild(document.createTextNode(untimed));
      return el;
    }

    /* Index `paragraphs` (a whole timing map's, or the live stream's so far: the last may grow). */
    function update(paragraphs) {
      if (!transcript) return;
      var untimed = transcript.querySelectorAll('.untimed');
      var body = 0;
      paragraphs.forEach(function (p) {
        var el = document.querySelector('[data-index="' + p.index + '"]');
        if (SKIPPED[p.kind]) {
          var head = el || document.querySelector('.k-' + p.kind);
          if (head) head.setAttribute('data-index', p.index);
        } else {
          var fresh = build(p);
          if (el && el.parentNode === transcript) {
            if (el.textContent !== fresh.textContent || el.querySelectorAll('.s').length !== p.sentences.length) {
              fresh.tabIndex = el.tabIndex;
              transcript.replaceChild(fresh, el);
            }
          } else if (!el) {
            var before = untimed[body] || null;
            transcript.insertBefore(fresh, before && before.parentNode === transcript ? before : null);
          }
          if (untimed[body]) untimed[body].classList.add('is-timed');
          body++;
        }
        var node = document.querySelector('[data-index="' + p.index + '"]');
        if (node && node.parentNode === transcript) addPlayButton(node);
        var spans = node ? node.querySelectorAll('.s') : [];
        blocks[p.index] = {start: p.start, end: p.end, el: node, sentences: p.sentences.map(function (s, j) {
          return {start: s.start, end: s.end, el: spans[j] || null, words: wrapWords(spans[j], s)};
        })};
      });
      var first = transcript.querySelector('[tabindex="0"]');
      if (!first) {
        var any = transcript.querySelector('.block[data-index]');
        if (any) any.tabIndex = 0;
      }
      if (current && current.el) current.el.classList.remove('current');
      if (currentSentence && currentSentence.el) currentSentence.el.classList.remove('now');
      if (currentWord && currentWord.el) currentWord.el.classList.remove('now');
      current = currentSentence = currentWord = null;
      highlight(player.audio.currentTime * 1000);
    }

    /* The sentence's words, each written span in a <span class="w"> (once; the text stays the same).
       `from` and `to` count characters (code points), as the timing map does. */
    function wrapWords(el, s) {
      if (!el || !s.words || el.textContent !== s.text) return [];
      var chars = Array.from(s.text), at = 0;
      var words = s.words.filter(function (w) {  // in order, inside the text (as the map gives them)
        var ok = w.from >= at && w.to > w.from && w.to <= chars.length;
        if (ok) at = w.to;
        return ok;
      });
      var spans = el.querySelectorAll('.w');
      if (spans.length !== words.length) {
        var parts = document.createDocumentFragment();
        at = 0;
        words.forEach(function (w) {
          if (w.from > at) parts.appendChild(document.createTextNode(chars.slice(at, w.from).join('')));
          var span = document.createElement('span');
          span.className = 'w';
          span.textContent = chars.slice(w.from, w.to).join('');
          parts.appendChild(span);
          at = w.to;
        });
        if (at < chars.length) parts.appendChild(document.createTextNode(chars.slice(at).join('')));
        el.textContent = '';
        el.appendChild(parts);
        spans = el.querySelectorAll('.w');
      }
      return words.map(function (w, k) {
        spans[k].setAttribute('data-start', w.start);
        return {start: w.start, end: w.end, el: spans[k]};
      });
    }

    /* Start again from `paragraphs` (another version): the timed blocks go, the stored text shows again
       until they are rebuilt; none (another article playing) leaves the transcript untimed. */
    function replace(paragraphs) {
      if (!transcript) return;
      Array.prototype.forEach.call(transcript.querySelectorAll('.block[data-index]'), function (el) {
        el.parentNode.removeChild(el);
      });
      Array.prototype.forEach.call(transcript.querySelectorAll('.untimed.is-timed'), function (el) {
        el.classList.remove('is-timed');
      });
      blocks = [];
      current = currentSentence = currentWord = null;
      if (paragraphs.length) {
        update(paragraphs);
      } else {
        var first = transcript.querySelector('.untimed');
        if (first && !transcript.querySelector('[tabindex="0"]')) first.tabIndex = 0;
      }
    }

    function find(list, ms) {
      for (var i = list.length - 1; i >= 0; i--) if (list[i] && list[i].start <= ms + 1) return list[i];
      return null;
    }

    function highlight(ms) {
      var b = find(blocks, ms);
      if (b !== current) {
        if (current && current.el) current.el.classList.remove('current');
        current = b;
        if (b && b.el) {
          b.el.classList.add('current');
          if (!player.audio.paused) reveal(b.el);
        }
      }
      var s = b ? find(b.sentences, ms) : null;
      if (s !== currentSentence) {
        if (currentSentence && currentSentence.el) currentSentence.el.classList.remove('now');
        currentSentence = s;
        if (s && s.el) s.el.classList.add('now');
      }
      var w = s ? find(s.words, ms) : null;  // the word said last stays lit through the pause after it
      if (w !== currentWord) {
        if (currentWord && currentWord.el) currentWord.el.classList.remove('now');
        currentWord = w;
        if (w && w.el) w.el.classList.add('now');
      }
    }

    function visible(el) {
      var r = el.getBoundingClientRect();
      return r.bottom > 0 && r.top < window.innerHeight;
    }

    function reveal(el) {
      if (player.embedded || !el.getBoundingClientRect) return;
      if (!following) { if (followButton) followButton.hidden = visible(el); return; }
      if (!visible(el) || el.getBoundingClientRect().bottom > window.innerHeight - 80) {
        el.scrollIntoView({behavior: reduced ? 'auto' : 'smooth', block: 'center'});
      }
    }

    /* The reader scrolled (wheel, touch, keys) while listening: stop following if the voice is now off screen. */
    function scrolledByReader() { userScrolled = Date.now(); }
    ['wheel', 'touchmove'].forEach(function (name) {
      window.addEventListener(name, scrolledByReader, {passive: true});
    });
    window.addEventListener('keydown', function (e) {
      if (/^(PageUp|PageDown|ArrowUp|ArrowDown|Home|End| )$/.test(e.key) && !(transcript && transcript.contains(e.target))) {
        scrolledByReader();
      }
    });
    window.addEventListener('scroll', function () {
      if (Date.now() - userScrolled > 1000 || !current || !current.el || player.audio.paused) return;
      if (!visible(current.el)) { following = false; if (followButton) followButton.hidden = false; }
    }, {passive: true});
    if (followButton) {
      followButton.addEventListener('click', function () {
        following = true;
        userScrolled = 0;  // the scroll that follows is ours
        followButton.hidden = true;
        if (current && current.el) current.el.scrollIntoView({behavior: reduced ? 'auto' : 'smooth', block: 'center'});
      });
    }

    /* Click or Enter on a block plays from its start; arrow keys move between blocks (one Tab stop). */
    function blockOf(target) {
      var el = target.closest ? target.closest('[data-index]') : null;
      return el && blocks[+el.getAttribute('data-index')] ? el : null;
    }
    function playFrom(el) {
      var b = blocks[+el.getAttribute('data-index')];
      if (b) playAt(b.start);
    }
    function currentIndex() {
      for (var i = 0; i < blocks.length; i++) if (blocks[i] === current) return i;
      return -1;
    }
    function playAt(ms) {
      following = true;
      userScrolled = 0;
      if (followButton) followButton.hidden = true;
      player.playFrom(ms / 1000);
      highlight(ms);
    }
    document.addEventListener('click', function (e) {
      var el = blockOf(e.target);
      if (!el || e.target.closest('.np')) return;
      if (e.target.closest('.np-from')) { playFrom(el); return; }
      var word = e.target.closest('.w[data-start]');
      var selecting = window.getSelection && String(window.getSelection()).length > 0;
      if (word && el.contains(word) && !player.audio.paused && pointer === 'mouse' && !selecting) {
        playAt(+word.getAttribute('data-start'));  // listening, a click on a word: from it
      }
    });
    var pointer = '';
    document.addEventListener('pointerdown', function (e) { pointer = e.pointerType; }, true);
    if (transcript) {
      transcript.addEventListener('keydown', function (e) {
        var items = Array.prototype.slice.call(transcript.querySelectorAll('.block[data-index], .untimed:not(.is-timed)'));
        var at = items.indexOf(e.target);
        if (at < 0) return;
        var to = {ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: items.length - 1}[e.key];
        if (to !== undefined) {
          e.preventDefault();
          to = Math.max(0, Math.min(items.length - 1, to));
          items.forEach(function (el) { el.tabIndex = -1; });
          items[to].tabIndex = 0;
          items[to].focus();
        } else if ((e.key === 'Enter' || e.key === ' ') && blockOf(e.target)) {
          e.preventDefault();
          playFrom(e.target);
        }
      });
      if (!transcript.querySelector('[tabindex]')) {  // nothing timed yet: the first paragraph is the stop
        var first = transcript.querySelector('.untimed');
        if (first) first.tabIndex = 0;
      }
      transcript.querySelectorAll('.untimed').forEach(function (el) { if (el.tabIndex !== 0) el.tabIndex = -1; });
    }

    return {update: update, replace: replace, highlight: highlight, currentIndex: currentIndex};
  };
}());
