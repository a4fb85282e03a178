/* narrator editor's desk: live status, paragraph play buttons, edits in place with a word diff and a
   re-synthesis preview, versions (listen, compare, roll back), pronunciations (listen before saving).
   Plain JS, no dependencies; calls the JSON API with the session's CSRF token (<meta name="csrf-token">).
   Pages are rendered by the server (templates/editor/); when the data behind a page changes, the parts
   marked data-part are fetched again and swapped in place: no reload, no lost scroll or message. */
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  var ACTIVE_MS = 1000;
  /* Poll interval while a job is queued or running: a one-paragraph regeneration takes about 6 s end to
     end (issue 17), so each stage shows; one GET of a few KB a second per open page. */
  var IDLE_MS = 10000;
  /* Otherwise: a job started elsewhere (the CMS, another editor) shows within 10 s. */
  var MAX_BACKOFF_MS = 60000;
  /* After failed polls the wait doubles from 2 s up to this. */

  function call(method, url, body) {
    var opts = {method: method, credentials: 'same-origin',
                headers: {'X-CSRF-Token': csrf, Accept: 'application/json'}};
    if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      if (r.status === 204) return {};
      var type = r.headers.get('Content-Type') || '';
      if (!type.startsWith('application/json')) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r;
      }
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.message || ('HTTP ' + r.status));
        return data;
      });
    });
  }

  function $(root, sel) { return root.querySelector(sel); }
  function all(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }
  function norm(text) { return text.split(/\s+/).filter(Boolean).join(' '); }

  /* A loop that calls tick() (a promise of the delay before the next call), pauses while the tab is
     hidden, backs off after errors, and can be asked to run at once. */
  function poller(tick) {
    var timer = null, busy = false, again = false, failures = 0;
    function schedule(ms) { clearTimeout(timer); timer = setTimeout(run, ms); }
    function run() {
      if (document.hidden) return;  // visibilitychange starts it again
      if (busy) { again = true; return; }
      busy = true;
      tick().then(function (delay) { failures = 0; return delay; }, function () {
        failures += 1;
        return Math.min(MAX_BACKOFF_MS, 2000 * Math.pow(2, failures - 1));
      }).then(function (delay) {
        busy = false;
        schedule(again ? 0 : delay);
        again = false;
      });
    }
    document.addEventListener('visibilitychange', function () { if (!document.hidden) schedule(0); });
    schedule(0);
    return {now: function () { schedule(0); }};
  }

  /* This page as the server renders it now; its data-part elements replace ours (keep(old, fresh) may
     carry state over first). */
  function swapParts(root, keep) {
    return fetch(location.href, {credentials: 'same-origin', headers: {Accept: 'text/html'}})
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        if (r.redirected && r.url.indexOf('/editor/signin') >= 0) {
          throw new Error('Your session has ended: sign in again to see the latest.');
        }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        all(root, '[data-part]').forEach(function (old) {
          var fresh = doc.querySelector('[data-part="' + old.dataset.part + '"]');
          if (!fresh) return;
          fresh = document.importNode(fresh, true);
          if (keep) keep(old, fresh);
          old.replaceWith(fresh);
        });
        return doc;
      });
  }

  /* What the status badge says (the template's `status` macro writes the same). */
  function showStatus(cell, a) {
    if (!cell) return;
    var badge = $(cell, '.ed-status'), detail = $(cell, '.ed-status-detail'), job = a.job;
    badge.className = 'ed-status s-' + a.status;
    badge.textContent = a.status + (a.status === 'generating' && job && job.total ? ' ' + job.done + '/' + job.total : '');
    if (detail) detail.textContent = a.status === 'failed' && job ? job.error || '' : '';
  }
  function active(status) { return status === 'queued' || status === 'generating'; }

  /* Word-level difference of two texts: a fragment with <del> and <ins> (longest common subsequence of
     words; beyond LCS_CELLS it falls back to "all removed, all inserted"). */
  var LCS_CELLS = 250000;  // 500 x 500 words, a few ms; a paragraph is rarely over 200 words
  function wordDiff(before, after) {
    var a = before.split(/\s+/).filter(Boolean), b = after.split(/\s+/).filter(Boolean);
    var out = document.createDocumentFragment(), i, j;
    function add(tag, words) {
      if (!words.length) return;
      if (out.childNodes.length) out.appendChild(document.createTextNode(' '));
      var node = tag ? document.createElement(tag) : document.createTextNode(words.join(' '));
      if (tag) node.textContent = words.join(' ');
      out.appendChild(node);
    }
    if (a.length * b.length > LCS_CELLS) { add('del', a); add('ins', b); return out; }
    var n = a.length, m = b.length, L = [];
    for (i = 0; i <= n; i++) { L.push(new Uint32Array(m + 1)); }
    for (i = n - 1; i >= 0; i--) {
      for (j = m - 1; j >= 0; j--) {
        L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
      }
    }
    var run = {tag: null, words: []};
    function push(tag, word) {
      if (run.tag !== tag) { add(run.tag, run.words); run = {tag: tag, words: []}; }
      run.words.push(word);
    }
    i = 0; j = 0;
    while (i < n && j < m) {
      if (a[i] === b[j]) { push(null, a[i]); i++; j++; }
      else if (L[i + 1][j] >= L[i][j + 1]) { push('del', a[i]); i++; }
      else { push('ins', b[j]); j++; }
    }
    while (i < n) { push('del', a[i++]); }
    while (j < m) { push('ins', b[j++]); }
    add(run.tag, run.words);
    return out;
  }

  /* ---- Article list: status and progress live; rows again when versions or articles change ---- */
  var list = document.querySelector('.ed-list');
  if (list) articleList(list);

  function articleList(root) {
    var seen = null, form = $(root, '.ed-submit');
    var loop = poller(function () {
      return call('GET', root.dataset.api).then(function (data) {
        var rows = {}, busy = false;
        all(root, 'tr[data-article]').forEach(function (tr) { rows[tr.dataset.article] = tr; });
        var shape = JSON.stringify(data.articles.map(function (a) {
          return [a.id, a.current_version, a.title, a.voice];
        }));
        var stale = seen !== null && shape !== seen;
        seen = shape;
        data.articles.forEach(function (a) {
          busy = busy || active(a.status);
          var tr = rows[a.id];
          if (!tr) return;
          if (String(a.current_version || '') !== tr.dataset.version) stale = true;
          showStatus($(tr, '.ed-status-cell'), a);
        });
        return (stale ? swapParts(root) : Promise.resolve()).then(function () {
          root.dataset.polls = String(Number(root.dataset.polls || 0) + 1);
          return busy ? ACTIVE_MS : IDLE_MS;
        });
      });
    });
    if (form) submission(form, loop);
  }

  /* ---- A new article from the dashboard: a web address, an HTML file or pasted text, sent to
     POST /api/articles as the CMS sends it; what the API refuses is said as it says it. ---- */
  function submission(form, list) {
    var message = $(form, '.ed-message'), button = $(form, 'button[type=submit]'), fields = form.elements;
    function kind() { return fields.kind.value; }
    function show() { all(form, '.ed-source').forEach(function (el) { el.hidden = el.dataset.kind !== kind(); }); }
    function say(text, tone, link) {
      message.textContent = text;
      message.className = 'ed-message' + (tone ? ' is-' + tone : '');
      if (link) {
        var a = document.createElement('a');
        a.href = link.href;
        a.textContent = link.text;
        message.appendChild(document.createTextNode(' '));
        message.appendChild(a);
      }
    }
    function refuse(text, input) {
      say(text, 'error');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
    /* An HTML file's text, decoded as the page says it is encoded (<meta charset>), else as UTF-8. */
    function pageText(file) {
      return file.arrayBuffer().then(function (buffer) {
        var head = new TextDecoder('windows-1252').decode(buffer.slice(0, 4096));
        var declared = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head), decoder;
        try { decoder = new TextDecoder(declared ? declared[1] : 'utf-8'); } catch (e) { decoder = new TextDecoder('utf-8'); }
        return decoder.decode(buffer);
      });
    }
    form.addEventListener('change', function (e) {
      if (e.target.name === 'kind') { show(); say(''); }
    });
    form.addEventListener('input', function (e) { e.target.removeAttribute('aria-invalid'); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var body = {}, title = fields.title.value.trim(), content;
      if (title) body.title = title;
      if (fields.voice.value) body.voice = fields.voice.value;
      if (kind() === 'url') {
        var url = fields.url.value.trim();
        if (!url) { refuse('Give the address of the article’s page.', fields.url); return; }
        if (!/^https?:\/\/\S+$/i.test(url)) {
          refuse('The address must be a whole web address, starting with https:// or http://.', fields.url);
          return;
        }
        content = Promise.resolve({url: url});
      } else if (kind() === 'html') {
        var file = fields.file.files[0], limit = Number(form.dataset.maxBytes);
        if (!file) { refuse('Choose the HTML file of the article’s page.', fields.file); return; }
        if (file.size > limit) {
          refuse('The file is ' + (file.size / 1048576).toFixed(1) + ' MB; the most the service accepts is ' +
                 (limit / 1048576).toFixed(1) + ' MB.', fields.file);
          return;
        }
        content = pageText(file).then(function (html) { return {html: html}; });
      } else {
        var text = fields.text.value;
        if (!text.trim()) { refuse('Paste the article’s text first.', fields.text); return; }
        content = Promise.resolve({text: text});
      }
      button.disabled = true;
      say('Sending…', 'busy');
      content.then(function (source) {
        return call('POST', form.dataset.api, Object.assign(source, body));
      }).then(function (a) {
        var name = a.title || body.title || (body.url || '') || a.id;
        form.reset();
        show();
        say(active(a.status) ? 'Accepted: “' + name + '” is being narrated.' : '“' + name + '” is narrated already.',
            'ok', {href: form.dataset.articlePage.replace('ARTICLE', encodeURIComponent(a.id)), text: 'Open it'});
        list.now();
      }).catch(function (err) {
        say('Not accepted: ' + err.message, 'error');
      }).then(function () { button.disabled = false; });
    });
    show();
  }

  /* ---- Article page ---- */
  var page = document.querySelector('.ed-article');
  if (page) article(page);

  function article(page) {
    var audio = $(page, '.ed-audio'), voice = $(page, '.ed-voice'), tools = $(page, '.ed-para-tools');
    var home = tools.parentNode, homeNext = tools.nextSibling;  // where the tools wait while no paragraph is chosen
    var bar = $(page, '.ed-bar'), message = $(page, '.ed-message');
    var dirtyBox = $(page, '.ed-dirty'), confirmBox = $(page, '.ed-confirm');
    var spans = {};       // block index -> {start, end} in the current version's audio
    var stopAt = null;
    var pending = null;   // the request waiting for confirmation
    var following = null; // the job this page started
    var busy = false;     // a job of this article is queued or running
    var loop;

    function head() { return $(page, '[data-part="head"]'); }
    function paras() { return all(page, '.ed-para'); }

    function say(text, kind) {
      message.textContent = text;
      message.className = 'ed-message' + (kind ? ' is-' + kind : '');
      updateBar();
    }

    /* Edits: in place, a word diff against the current version, an "edited" badge. */
    function edited(li) {
      var box = $(li, '.ed-edit');
      return !!box && norm(box.value) !== '' && norm(box.value) !== norm(li.dataset.text);
    }
    function render(li) {
      var box = $(li, '.ed-edit'), text = $(li, '.ed-text');
      var isEdited = edited(li), value = isEdited ? norm(box.value) : li.dataset.text;
      var base = li.dataset.was !== undefined ? li.dataset.was : (head().dataset.audio ? '' : null);
      li.classList.toggle('is-edited', isEdited);
      $(li, '.ed-badge-edited').hidden = !isEdited;
      $(li, '.ed-badge-pending').hidden = isEdited || base === null || base === li.dataset.text;
      if (li === chosen()) showTools(li);
      text.textContent = '';
      if (base === null || base === value) text.textContent = value;
      else text.appendChild(wordDiff(base, value));
    }
    function editing(li, on) {
      var box = $(li, '.ed-edit');
      if (!box) return;
      if (on) choose(li, false);
      li.classList.toggle('is-editing', on);
      box.hidden = !on;
      $(li, '.ed-text').hidden = on;
      if (on) { fit(box); box.focus(); box.setSelectionRange(box.value.length, box.value.length); }
      render(li);
    }

    /* Edit on demand: one set of tools (play, edit, undo), shown in the paragraph chosen by a click or
       from the keyboard (the list is one Tab stop; arrow keys move, Enter edits, Escape closes). */
    function chosen() { return tools.parentNode && tools.parentNode.classList.contains('ed-para') ? tools.parentNode : null; }
    function showTools(li) {
      var open = li.classList.contains('is-editing'), toggle = $(tools, '.ed-edit-toggle');
      $(tools, '.ed-play').disabled = !spans[li.dataset.block];
      toggle.hidden = !$(li, '.ed-edit');
      toggle.textContent = open ? 'Done' : 'Edit';
      toggle.setAttribute('aria-expanded', open ? 'true' : 'false');
      $(tools, '.ed-revert').hidden = !edited(li);
    }
    function choose(li, focus) {
      var was = chosen();
      if (was && was !== li && was.classList.contains('is-editing')) editing(was, false);
      paras().forEach(function (p) { p.tabIndex = p === li ? 0 : -1; p.classList.toggle('is-chosen', p === li); });
      if (tools.parentNode !== li) li.appendChild(tools);
      tools.hidden = false;
      showTools(li);
      if (focus) li.focus();
    }
    function park() {  // the tools back home, before the paragraphs are replaced
      home.insertBefore(tools, homeNext);
      tools.hidden = true;
    }
    function fit(box) { box.style.height = 'auto'; box.style.height = (box.scrollHeight + 4) + 'px'; }
    function edits() {
      return paras().filter(edited).map(function (li) {
        return {block: parseInt(li.dataset.block, 10), text: norm($(li, '.ed-edit').value)};
      });
    }
    function voiceChanged() { return voice.value !== head().dataset.voice; }
    function dirty() { return edits().length > 0 || voiceChanged(); }

    function updateBar() {
      var n = edits().length, parts = [];
      if (n) parts.push(n + (n === 1 ? ' paragraph' : ' paragraphs') + ' changed');
      if (voiceChanged()) parts.push('voice changed');
      $(dirtyBox, '.ed-dirty-count').textContent = parts.join(' · ');
      dirtyBox.hidden = !parts.length || !confirmBox.hidden;
      bar.hidden = dirtyBox.hidden && confirmBox.hidden && !message.textContent;
      all(page, '.ed-rollback').forEach(function (b) { b.disabled = busy; });
      $(confirmBox, '.ed-confirm-yes').disabled = busy;
    }

    window.addEventListener('beforeunload', function (e) {
      if (!dirty()) return undefined;
      e.preventDefault();
      e.returnValue = '';
      return '';
    });

    /* Paragraph play buttons: each paragraph's span of the current version's audio. */
    function loadTiming() {
      spans = {};
      page.classList.remove('is-timed');
      var url = head().dataset.timing;
      if (!url) return;
      fetch(url).then(function (r) { return r.json(); }).then(function (timing) {
        var byText = {};
        timing.paragraphs.forEach(function (p) { byText[p.text] = p; });
        paras().forEach(function (li) {
          var i = li.dataset.block, text = li.dataset.text, p = timing.paragraphs[i];
          p = p && p.text === text ? p : byText[text];
          if (p) spans[i] = {start: p.start, end: p.end};
        });
        if (chosen()) showTools(chosen());
        page.classList.add('is-timed');
      });
    }
    audio.addEventListener('timeupdate', function () {
      if (stopAt !== null && audio.currentTime * 1000 >= stopAt) { audio.pause(); stopAt = null; }
    });
    function play(src, start, end) {
      if (src && audio.getAttribute('src') !== src) audio.src = src;
      audio.hidden = false;
      if (start !== undefined) audio.currentTime = start / 1000;
      stopAt = end === undefined ? null : end;
      var p = audio.play(); if (p && p.catch) p.catch(function () {});
    }

    /* The page's parts again from the server (after a new version, a rollback, an edit elsewhere);
       edits in progress are kept where their paragraph is unchanged. */
    function refresh() {
      var kept = {};
      paras().forEach(function (li) {
        var box = $(li, '.ed-edit');
        if (box && (edited(li) || li.classList.contains('is-editing'))) {
          kept[li.dataset.block] = {text: li.dataset.text, value: box.value, open: li.classList.contains('is-editing')};
        }
      });
      var spoken = $(page, '.ed-spoken-toggle').getAttribute('aria-pressed') === 'true';
      var ownVoice = voiceChanged(), was = chosen(), focused = was && was.contains(document.activeElement);
      park();
      return swapParts(page).then(function (doc) {
        var fresh = doc.querySelector('.ed-article');
        if (fresh) page.dataset.shape = fresh.dataset.shape;
        var lost = 0;
        Object.keys(kept).forEach(function (block) {
          var li = $(page, '.ed-para[data-block="' + block + '"]'), was = kept[block];
          if (!li || li.dataset.text !== was.text || !$(li, '.ed-edit')) { lost += 1; return; }
          $(li, '.ed-edit').value = was.value;
          if (was.open) editing(li, true);
        });
        paras().forEach(function (li) {
          $(li, '.ed-spoken').hidden = !spoken;
          render(li);
        });
        var again = was && $(page, '.ed-para[data-block="' + was.dataset.block + '"]');
        if (again && !chosen()) choose(again, focused && document.activeElement === document.body);
        if (!ownVoice) voice.value = head().dataset.voice;
        if (head().dataset.audio && audio.getAttribute('src') !== head().dataset.audio) {
          stopAt = null;
          audio.src = head().dataset.audio;
          audio.hidden = false;
        }
        loadTiming();
        if (lost) say(lost + ' of your edits could not be kept: the article changed meanwhile.', 'error');
        else updateBar();
      });
    }

    /* Live status: GET /api/articles/<id>; the parts again when what the page shows has changed. */
    loop = poller(function () {
      return call('GET', page.dataset.api).then(function (a) {
        busy = active(a.status);
        showStatus($(head(), '.ed-status-cell'), a);
        var job = a.job;
        if (following && job && job.id === following) {
          if (job.status === 'done') { following = null; say('Version ' + job.version + ' is ready.', 'ok'); }
          else if (job.status === 'failed') { following = null; say('Failed: ' + job.error, 'error'); }
          else say(job.status === 'queued' ? 'Queued…' : 'Generating: ' + job.stage +
                   (job.total ? ' ' + job.done + '/' + job.total : '') + '…', 'busy');
        }
        updateBar();
        var shape = [a.current_version || '', a.updated, a.versions.map(function (v) { return v.version; }).join(',')].join('|');
        var update = shape === page.dataset.shape ? Promise.resolve() : refresh().catch(function (err) {
          say(err.message, 'error');
          throw err;  // the poller backs off
        });
        return update.then(function () {
          page.dataset.polls = String(Number(page.dataset.polls || 0) + 1);
          return busy || following ? ACTIVE_MS : IDLE_MS;
        });
      });
    });

    /* Preview, then regenerate. */
    function preview() {
      pending = {paragraphs: edits(), voice: voice.value || null};
      call('POST', page.dataset.preview, pending).then(function (p) {
        var text = p.changed + ' of ' + p.total + ' paragraphs will be re-synthesised.';
        if (p.changed !== p.synthesise) {
          text = p.changed + ' of ' + p.total + ' paragraphs will change (' + p.synthesise +
            ' re-synthesised; the others are in the cache).';
        }
        $(confirmBox, '.ed-preview-count').textContent = text;
        confirmBox.hidden = false;
        say('');
        $(confirmBox, '.ed-confirm-yes').focus();
      }).catch(function (e) { say(e.message, 'error'); });
    }
    function save() {
      if (!pending) return;
      var sent = pending;
      confirmBox.hidden = true;
      pending = null;
      call('POST', page.dataset.save, sent).then(function (r) {
        sent.paragraphs.forEach(function (edit) {  // saved: no longer unsaved edits
          var li = $(page, '.ed-para[data-block="' + edit.block + '"]');
          li.dataset.text = edit.text;
          editing(li, false);
        });
        head().dataset.voice = sent.voice || '';
        if (!r.job) { say('Nothing changed: the current version already says this.', 'ok'); return; }
        following = r.job.id;
        say('Queued…', 'busy');
        loop.now();
      }).catch(function (e) { say(e.message, 'error'); });
    }

    page.addEventListener('click', function (e) {
      var button = e.target.closest('button');
      if (!button || button.disabled) return;
      var li = button.closest('.ed-para'), c = button.classList;
      if (c.contains('ed-play')) {
        var span = spans[li.dataset.block];
        if (!span) return;
        all(page, '.ed-para.is-playing').forEach(function (el) { el.classList.remove('is-playing'); });
        li.classList.add('is-playing');
        play(head().dataset.audio, span.start, span.end);
      } else if (c.contains('ed-edit-toggle')) {
        var open = !li.classList.contains('is-editing');
        editing(li, open);
        if (!open) li.focus();
        updateBar();
      } else if (c.contains('ed-revert')) {
        $(li, '.ed-edit').value = li.dataset.text;
        editing(li, false);
        li.focus();
        updateBar();
      } else if (c.contains('ed-discard')) {
        paras().forEach(function (p) {
          var box = $(p, '.ed-edit');
          if (box && (edited(p) || p.classList.contains('is-editing'))) { box.value = p.dataset.text; editing(p, false); }
        });
        voice.value = head().dataset.voice;
        updateBar();
      } else if (c.contains('ed-spoken-toggle')) {
        var on = button.getAttribute('aria-pressed') !== 'true';
        button.setAttribute('aria-pressed', on ? 'true' : 'false');
        all(page, '.ed-spoken').forEach(function (el) { el.hidden = !on; });
      } else if (c.contains('ed-regenerate') || c.contains('ed-bar-regenerate')) {
        preview();
      } else if (c.contains('ed-confirm-yes')) {
        save();
      } else if (c.contains('ed-confirm-no')) {
        confirmBox.hidden = true;
        pending = null;
        updateBar();
      } else if (c.contains('ed-listen-version')) {
        play(button.dataset.audio);
      } else if (c.contains('ed-show-diff')) {
        compare(button.dataset.from, button.dataset.to);
      } else if (c.contains('ed-rollback')) {
        var n = parseInt(button.dataset.version, 10);
        if (edits().length && !window.confirm('Rolling back to version ' + n + ' replaces the text; ' +
                                               'edits of paragraphs it changes are lost. Roll back?')) return;
        button.disabled = true;
        call('POST', page.dataset.rollback, {version: n}).then(function () {
          say('Version ' + n + ' is current again, with the text it was made from.', 'ok');
          return refresh();
        }).catch(function (err) { button.disabled = false; say(err.message, 'error'); });
      }
    });

    /* Choosing a paragraph: a click on it (not on its tools or its editor), or the keyboard. */
    page.addEventListener('click', function (e) {
      var li = e.target.closest('.ed-para');
      if (!li || e.target.closest('button, textarea, a') || chosen() === li) return;
      if (window.getSelection && String(window.getSelection())) return;  // selecting text to copy it
      choose(li, true);
    });
    page.addEventListener('focusin', function (e) {
      if (e.target.classList.contains('ed-para') && chosen() !== e.target) choose(e.target, false);
    });
    page.addEventListener('keydown', function (e) {
      var li = e.target.closest('.ed-para');
      if (!li) return;
      if (e.target.classList.contains('ed-edit')) {
        if (e.key === 'Escape') { e.preventDefault(); editing(li, false); li.focus(); updateBar(); }
        return;
      }
      if (e.target !== li) return;
      var list = paras(), at = list.indexOf(li);
      var to = {ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: list.length - 1}[e.key];
      if (to !== undefined) {
        e.preventDefault();
        if (to >= 0 && to < list.length) choose(list[to], true);
      } else if (e.key === 'Enter' && $(li, '.ed-edit')) {
        e.preventDefault();
        editing(li, true);
        updateBar();
      }
    });

    page.addEventListener('input', function (e) {
      if (e.target.classList.contains('ed-edit')) { fit(e.target); render(e.target.closest('.ed-para')); updateBar(); }
    });
    voice.addEventListener('change', updateBar);
    page.addEventListener('submit', function (e) {
      if (!e.target.classList.contains('ed-compare')) return;
      e.preventDefault();
      compare(e.target.elements.from.value, e.target.elements.to.value);
    });

    /* What changed between two versions, paragraph by paragraph. */
    function compare(from, to) {
      var box = $(page, '.ed-diff');
      call('GET', page.dataset.diff + '?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to))
        .then(function (d) {
          box.textContent = '';
          var title = document.createElement('h3');
          title.textContent = 'Version ' + d.from + ' → version ' + d.to +
            (d.voices[0] !== d.voices[1] ? ' (voice ' + d.voices[0] + ' → ' + d.voices[1] + ')' : '');
          box.appendChild(title);
          var ol = document.createElement('ul'), same = 0;
          ol.className = 'ed-diff-list';
          function flush() {
            if (!same) return;
            var li = document.createElement('li');
            li.className = 'd-same';
            li.textContent = same + (same === 1 ? ' paragraph' : ' paragraphs') + ' unchanged';
            ol.appendChild(li);
            same = 0;
          }
          d.changes.forEach(function (c) {
            if (c.op === 'same') { same += 1; return; }
            flush();
            var li = document.createElement('li');
            li.className = 'd-' + c.op;
            if (c.op === 'changed') li.appendChild(wordDiff(c.old, c.new));
            else {
              var el = document.createElement(c.op === 'added' ? 'ins' : 'del');
              el.textContent = c.op === 'added' ? c.new : c.old;
              li.appendChild(el);
            }
            ol.appendChild(li);
          });
          flush();
          if (!d.changes.some(function (c) { return c.op !== 'same'; })) {
            var p = document.createElement('p');
            p.textContent = 'The text is the same.';
            box.appendChild(p);
          }
          box.appendChild(ol);
          var close = document.createElement('button');
          close.type = 'button';
          close.className = 'ed-button ed-quiet ed-diff-close';
          close.textContent = 'Close';
          close.addEventListener('click', function () { box.hidden = true; });
          box.appendChild(close);
          box.hidden = false;
          box.scrollIntoView({block: 'nearest'});
        }).catch(function (err) { say(err.message, 'error'); });
    }

    paras().forEach(render);
    loadTiming();
    updateBar();
  }

  /* ---- Pronunciations page ---- */
  var lexicon = document.querySelector('.ed-lexicon');
  if (lexicon) pronunciations(lexicon);

  function pronunciations(root) {
    var message = $(root, '.ed-message'), voice = $(root, '.ed-voice');
    var affected = $(root, '.ed-affected'), sound = null;
    function say(text, kind) {
      message.textContent = text;
      message.className = 'ed-message' + (kind ? ' is-' + kind : '');
    }
    function written(row) { return row.dataset.written || $(row, '.ed-written-input').value.trim(); }
    function entryUrl(word) { return root.dataset.api + '/' + encodeURIComponent(word); }
    function rowFor(word) {
      return all(root, 'tr[data-written]').filter(function (tr) { return tr.dataset.written === word; })[0];
    }

    /* The WAV is played through Web Audio: the page's CSP allows no blob: media. */
    function playWav(buffer) {
      sound = sound || new (window.AudioContext || window.webkitAudioContext)();
      return sound.decodeAudioData(buffer).then(function (decoded) {
        var source = sound.createBufferSource();
        source.buffer = decoded;
        source.connect(sound.destination);
        source.start();
        return decoded;
      });
    }

    function listen(button, row) {
      var word = written(row), spoken = $(row, '.ed-spoken-input').value.trim();
      if (!word) { say('Type the written form first.', 'error'); return; }
      var body = {written: word, voice: voice.value};
      if (spoken) { body.spoken = spoken; body.nocase = $(row, '.ed-nocase').checked; }
      button.disabled = true;
      say('Speaking “' + word + '”' + (spoken ? ' as “' + spoken + '”' : '') + '…', 'busy');
      call('POST', root.dataset.listen, body)
        .then(function (r) { return r.arrayBuffer(); })
        .then(playWav)
        .then(function (decoded) {
          root.dataset.heard = word;
          root.dataset.heardAs = spoken;
          root.dataset.heardMs = String(Math.round(decoded.duration * 1000));
          say('');
        })
        .catch(function (err) { say(err.message, 'error'); })
        .then(function () { button.disabled = false; });
    }

    function save(row) {
      var w = written(row), isNew = !row.dataset.written;
      var spoken = $(row, '.ed-spoken-input').value, nocase = $(row, '.ed-nocase').checked;
      say('Trying “' + w + '” in ' + voice.value + '…', 'busy');
      call('PUT', entryUrl(w), {spoken: spoken, nocase: nocase, voice: voice.value}).then(function (r) {
        if (isNew) {
          var existing = rowFor(r.entry.written);
          var target = existing || document.importNode($(root, '.ed-entry-template').content, true).firstElementChild;
          fill(target, r.entry);
          if (!existing) row.parentNode.insertBefore(target, row);
          $(row, '.ed-written-input').value = '';
          $(row, '.ed-spoken-input').value = '';
          $(row, '.ed-nocase').checked = false;
          say('Added “' + r.entry.written + '”.', 'ok');
        } else {
          fill(row, r.entry);
          say('Saved “' + r.entry.written + '”.', 'ok');
        }
        showAffected(r.entry.written, r.articles);
      }).catch(function (err) { say(err.message, 'error'); });
    }
    function fill(row, entry) {
      row.dataset.written = entry.written;
      $(row, '.ed-written').textContent = entry.written;
      var input = $(row, '.ed-spoken-input');
      input.value = entry.spoken;
      input.setAttribute('aria-label', 'How ' + entry.written + ' is said');
      $(row, '.ed-nocase').checked = entry.nocase;
      $(row, '.ed-nocase + .ed-sr').textContent = 'Match ' + entry.written + ' in any case';
      var problem = $(row, '.ed-entry-problem');
      problem.textContent = entry.problem ? 'Not used, read plainly: ' + entry.problem : '';
      problem.hidden = !entry.problem;
      row.classList.toggle('has-problem', !!entry.problem);
    }

    root.addEventListener('click', function (e) {
      var button = e.target.closest('button'), row = button && button.closest('tr');
      if (!button || button.disabled) return;
      if (button.classList.contains('ed-listen')) listen(button, row);
      else if (button.classList.contains('ed-save-entry')) save(row);
      else if (button.classList.contains('ed-delete-entry')) {
        var word = row.dataset.written;
        call('DELETE', entryUrl(word))
          .then(function (r) { row.remove(); say('Deleted “' + word + '”.', 'ok'); showAffected(word, r.articles); })
          .catch(function (err) { say(err.message, 'error'); });
      } else if (button.classList.contains('ed-regenerate-all')) {
        var links = all(affected, 'li[data-url]');
        Promise.all(links.map(function (li) {
          return call('POST', li.dataset.url).then(function (r) {
            $(li, '.ed-state').textContent = r.job ? ' – regenerating' : ' – up to date';
          });
        })).then(function () { say('Regeneration queued.', 'ok'); }).catch(function (err) { say(err.message, 'error'); });
      }
    });

    function showAffected(word, articles) {
      $(affected, '.ed-affected-word').textContent = word;
      var list = $(affected, '.ed-affected-list');
      list.textContent = '';
      articles.forEach(function (a) {
        var li = document.createElement('li');
        li.dataset.url = a.regenerate_url;
        var link = document.createElement('a');
        link.href = '/editor/articles/' + encodeURIComponent(a.id);
        link.textContent = a.title || a.id;
        var state = document.createElement('span');
        state.className = 'ed-state';
        li.appendChild(link); li.appendChild(state);
        list.appendChild(li);
      });
      if (!articles.length) list.textContent = 'No article contains it.';
      $(affected, '.ed-regenerate-all').hidden = !articles.length;
      affected.hidden = false;
    }
  }
}());
