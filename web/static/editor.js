/* narrator editor's desk: paragraph play buttons, edits with a re-synthesis preview, job progress,
   versions, pronunciations. Plain JS, no dependencies; calls the JSON API with the session's
   CSRF token (from <meta name="csrf-token">). */
(function () {
  'use strict';
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

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

  /* ---- Article page ---- */
  var page = document.querySelector('.ed-article');
  if (page) article(page);

  function article(page) {
    var audio = $(page, '.ed-audio');
    var message = $(page, '.ed-message'), status = $(page, '.ed-status');
    var confirmBox = $(page, '.ed-confirm'), count = $(page, '.ed-preview-count');
    var voice = $(page, '.ed-voice');
    var spans = {};      // block index -> {start, end} in the current version's audio
    var stopAt = null;
    var pending = null;  // the edit waiting for confirmation

    function say(text) { message.textContent = text; }

    if (page.dataset.timing) {
      fetch(page.dataset.timing).then(function (r) { return r.json(); }).then(function (timing) {
        var byText = {};
        timing.paragraphs.forEach(function (p) { byText[p.text] = p; });
        all(page, '.ed-para').forEach(function (li) {
          var i = li.dataset.block, text = $(li, '.ed-text').textContent;
          var p = timing.paragraphs[i] && timing.paragraphs[i].text === text ? timing.paragraphs[i] : byText[text];
          if (p) { spans[i] = {start: p.start, end: p.end}; li.classList.add('is-playable'); }
          else $(li, '.ed-play').disabled = true;
        });
        page.classList.add('is-timed');
      });
    }

    if (audio) {
      audio.addEventListener('timeupdate', function () {
        if (stopAt !== null && audio.currentTime * 1000 >= stopAt) { audio.pause(); stopAt = null; }
      });
    }

    all(page, '.ed-play').forEach(function (button) {
      button.addEventListener('click', function () {
        var li = button.closest('.ed-para'), span = spans[li.dataset.block];
        if (!span || !audio) return;
        all(page, '.ed-para.is-playing').forEach(function (el) { el.classList.remove('is-playing'); });
        li.classList.add('is-playing');
        audio.currentTime = span.start / 1000;
        stopAt = span.end;
        var p = audio.play(); if (p && p.catch) p.catch(function () {});
      });
    });

    $(page, '.ed-spoken-toggle').addEventListener('click', function (e) {
      var on = e.target.getAttribute('aria-pressed') !== 'true';
      e.target.setAttribute('aria-pressed', on ? 'true' : 'false');
      all(page, '.ed-spoken').forEach(function (el) { el.hidden = !on; });
    });

    all(page, '.ed-edit-toggle').forEach(function (button) {
      button.addEventListener('click', function () {
        var box = $(button.parentNode, '.ed-edit');
        box.hidden = !box.hidden;
        button.textContent = box.hidden ? 'Edit' : 'Done';
        if (!box.hidden) box.focus();
      });
    });

    function edits() {
      return all(page, '.ed-para').filter(function (li) {
        var box = $(li, '.ed-edit');
        return box && box.value.trim() !== $(li, '.ed-text').textContent.trim();
      }).map(function (li) {
        return {block: parseInt(li.dataset.block, 10), text: $(li, '.ed-edit').value};
      });
    }

    $(page, '.ed-regenerate').addEventListener('click', function () {
      pending = {paragraphs: edits(), voice: voice.value || null};
      say('');
      call('POST', page.dataset.preview, pending).then(function (p) {
        count.textContent = p.changed + ' of ' + p.total + ' paragraphs will be re-synthesised.';
        confirmBox.hidden = false;
        $(confirmBox, '.ed-confirm-yes').focus();
      }).catch(function (e) { say(e.message); });
    });
    $(page, '.ed-confirm-no').addEventListener('click', function () { confirmBox.hidden = true; pending = null; });
    $(page, '.ed-confirm-yes').addEventListener('click', function () {
      if (!pending) return;
      confirmBox.hidden = true;
      call('POST', page.dataset.save, pending).then(function (r) {
        if (!r.job) { say('Nothing changed: the current version already says this.'); return; }
        follow(r.job.url);
      }).catch(function (e) { say(e.message); });
    });

    function follow(url) {
      call('GET', url).then(function (job) {
        status.className = 'ed-status s-' + job.status;
        status.textContent = job.status === 'running'
          ? job.stage + (job.total ? ' ' + job.done + '/' + job.total : '')
          : job.status;
        if (job.status === 'done') { say('Version ' + job.version + ' is ready.'); location.reload(); return; }
        if (job.status === 'failed') { say('Failed: ' + job.error); return; }
        setTimeout(function () { follow(url); }, 300);
      }).catch(function () { setTimeout(function () { follow(url); }, 1000); });
    }

    all(page, '.ed-listen-version').forEach(function (button) {
      button.addEventListener('click', function () {
        if (!audio) return;
        stopAt = null;
        audio.src = button.dataset.audio;
        var p = audio.play(); if (p && p.catch) p.catch(function () {});
      });
    });
    all(page, '.ed-rollback').forEach(function (button) {
      button.addEventListener('click', function () {
        call('POST', button.dataset.url, {version: parseInt(button.dataset.version, 10)})
          .then(function () { location.reload(); })
          .catch(function (e) { say(e.message); });
      });
    });
  }

  /* ---- Pronunciations page ---- */
  var lexicon = document.querySelector('.ed-lexicon');
  if (lexicon) pronunciations(lexicon);

  function pronunciations(root) {
    var message = $(root, '.ed-message'), voice = $(root, '.ed-voice');
    var affected = $(root, '.ed-affected'), player = new Audio();
    function say(text) { message.textContent = text; }
    function written(row) {
      return row.dataset.written || $(row, '.ed-written-input').value.trim();
    }
    function entryUrl(word) { return root.dataset.api + '/' + encodeURIComponent(word); }

    root.addEventListener('click', function (e) {
      var button = e.target.closest('button'), row = button && button.closest('tr');
      if (!button) return;
      if (button.classList.contains('ed-listen')) {
        var word = written(row);
        if (!word) return;
        button.disabled = true;
        say('Speaking “' + word + '”…');
        call('POST', root.dataset.listen, {written: word, voice: voice.value})
          .then(function (r) { return r.blob(); })
          .then(function (blob) {
            player.src = URL.createObjectURL(blob);
            root.dataset.heard = word;
            var p = player.play(); if (p && p.catch) p.catch(function () {});
            say('');
          })
          .catch(function (err) { say(err.message); })
          .then(function () { button.disabled = false; });
      } else if (button.classList.contains('ed-save-entry')) {
        var w = written(row);
        call('PUT', entryUrl(w), {spoken: $(row, '.ed-spoken-input').value, nocase: $(row, '.ed-nocase').checked})
          .then(function (r) { say('Saved “' + w + '”.'); showAffected(w, r.articles, !row.dataset.written); })
          .catch(function (err) { say(err.message); });
      } else if (button.classList.contains('ed-delete-entry')) {
        call('DELETE', entryUrl(row.dataset.written))
          .then(function (r) { row.remove(); say('Deleted.'); showAffected(row.dataset.written, r.articles, false); })
          .catch(function (err) { say(err.message); });
      } else if (button.classList.contains('ed-regenerate-all')) {
        var links = all(affected, 'li');
        Promise.all(links.map(function (li) {
          return call('POST', li.dataset.url).then(function (r) {
            $(li, '.ed-state').textContent = r.job ? ' – regenerating' : ' – up to date';
          });
        })).then(function () { say('Regeneration queued.'); }).catch(function (err) { say(err.message); });
      }
    });

    function showAffected(word, articles, added) {
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
      if (added) root.dataset.added = word;
    }
  }
}());
