"""The editor's desk in a real headless Chromium against a live server, on a desktop and a 390 px phone:
sign in, edit in place with a word diff, the re-synthesis preview, regenerate with live progress and no
reload, play the new paragraph; roll back (the API, the dashboard and the listener page then agree with
the audio); the article list and page updating by themselves; the warning before leaving unsaved edits;
a pronunciation tried before it is saved, then added; every desk page fitting the phone; a new article
sent from the dashboard's form (pasted text, an HTML file, a web address); table headers broken only
between words.

With DESK_SCREENSHOTS=<folder> (script/screenshots), the layout test writes desk-*.png there."""

from __future__ import annotations

import functools
import http.server
import io
import os
import threading
import time
import wave
from pathlib import Path

import pytest
from browser import watched_page
from playwright.sync_api import Error as PlaywrightError
from web_fixtures import *  # noqa: F403
from web_fixtures import ARTIFACTS, SHORT_TEXT, configure, narrated, version_ready, wait_for

sync_api = pytest.importorskip("playwright.sync_api")

SCREENSHOTS = os.environ.get("DESK_SCREENSHOTS", "")
"""A folder for the desk's screenshots (docs/screenshots in the repository), or empty: none."""

DESKTOP = (1100, 900)
PHONE = (390, 844)
"""An iPhone 12-14's CSS viewport: the narrowest common phone the issue measured on."""

FOUR = "Engineers replaced four steel cables before the autumn storms."
"""The third paragraph as the editor rewrites it."""
EDITED = SHORT_TEXT.replace("two steel cables over the summer", "four steel cables before the autumn storms")
"""The short article with its third paragraph changed."""


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    with watched_page(browser, *DESKTOP) as page:
        yield page


LONG = "mare mare mare mare mare mare"
"""A respelling far longer than the word: hearing it is measurable (espeak's clips vary by a few ms)."""


def wav_ms(data: bytes) -> float:
    with wave.open(io.BytesIO(data)) as w:
        return 1000 * w.getnframes() / w.getframerate()


def until(page, expression: str, timeout: float = 30) -> object:  # noqa: ANN001
    """Poll `expression` in the page (page.evaluate: the pages' CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as e:  # a navigation in progress: ask the next document
            if "context was destroyed" not in str(e) and "navigat" not in str(e):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {expression}")
        time.sleep(0.05)


def sign_in(app, page, live_server: str) -> None:  # noqa: ANN001
    app.extensions["narrator"].accounts.create_user("ed", "correct horse")
    page.goto(f"{live_server}/editor/")
    assert "/editor/signin" in page.url
    page.fill("input[name=name]", "ed")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/editor/")


def mark(page) -> float:  # noqa: ANN001
    """Tag the page's document: the tag survives anything but a reload or a navigation."""
    return page.evaluate("window.deskMark = Math.random()")


def texts(page, selector: str) -> list[str]:  # noqa: ANN001
    return page.locator(selector).all_inner_texts()


def test_edit_in_place_preview_regenerate_and_play(app, client, live_server: str, page) -> None:  # noqa: ANN001
    narrated(client)
    sign_in(app, page, live_server)
    assert page.locator(".ed-articles tbody tr").count() == 1
    assert "ready" in page.inner_text(".ed-articles .ed-status")
    page.fill("input[name=q]", "nothing like this")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert "No article matches" in page.inner_text(".ed-articles")
    page.goto(f"{live_server}/editor/articles/a1")
    tag = mark(page)

    paras = page.locator(".ed-para")
    total = paras.count()
    until(page, "document.querySelector('.ed-article').classList.contains('is-timed')")
    assert not page.locator(".ed-spoken").first.is_visible()
    page.click(".ed-spoken-toggle")
    assert page.locator(".ed-spoken").first.is_visible()
    assert not page.locator(".ed-bar").is_visible()  # nothing to say yet

    # Edit the third body paragraph in place: the textarea takes the text's place.
    target = page.locator(".ed-para.k-p").nth(1)
    block = target.get_attribute("data-block")
    assert target.get_attribute("data-text") == "Engineers replaced two steel cables over the summer."
    where = target.locator(".ed-text").bounding_box()["y"] - target.bounding_box()["y"]
    assert page.locator(".ed-edit-toggle:visible").count() == 0  # no Edit row per paragraph
    target.click()  # chosen: its tools appear in it, and only there
    assert page.locator(".ed-para .ed-edit-toggle").count() == 1
    target.locator(".ed-edit-toggle").click()
    box = target.locator(".ed-edit")
    assert box.is_visible() and not target.locator(".ed-text").is_visible()
    assert abs(box.bounding_box()["y"] - target.bounding_box()["y"] - where) < 6  # in place, not a line below
    box.fill(FOUR)
    assert page.inner_text(".ed-dirty-count") == "1 paragraph changed"
    target.locator(".ed-edit-toggle").click()  # Done: the new text, marked, diffed against version 1
    assert target.locator(".ed-badge-edited").is_visible()
    assert texts(page, f'.ed-para[data-block="{block}"] .ed-text ins') == ["four", "before", "autumn storms."]
    assert texts(page, f'.ed-para[data-block="{block}"] .ed-text del') == ["two", "over", "summer."]
    bar = page.locator(".ed-bar").bounding_box()
    assert bar["y"] + bar["height"] <= DESKTOP[1] + 1  # sticky: in view

    page.click(".ed-bar-regenerate")
    page.wait_for_selector(".ed-confirm:not([hidden])")
    assert page.inner_text(".ed-preview-count") == f"1 of {total} paragraphs will be re-synthesised."
    page.screenshot(path=str(ARTIFACTS / "editor-preview.png"))

    # Regenerate: progress shows live, then version 2 without a reload; the message stays.
    page.click(".ed-confirm-yes")
    until(page, "/Queued|Generating|Version 2/.test(document.querySelector('.ed-message').textContent)")
    until(page, "document.querySelector('.ed-message').textContent === 'Version 2 is ready.'", 60)
    until(page, "document.querySelector('.ed-meta').textContent.includes('version 2')")
    assert page.evaluate("window.deskMark") == tag
    assert page.inner_text(".ed-message") == "Version 2 is ready."
    assert page.get_attribute(".ed-audio", "src") == "/audio/a1/2.mp3"
    seen = app.extensions["narrator"].store.jobs.latest("a1")
    assert seen.status == "done" and seen.version == 2

    # The paragraph is no longer an unsaved edit, and it is what version 2 says.
    edited = page.locator(f'.ed-para[data-block="{block}"]')
    assert edited.get_attribute("data-text") == FOUR
    assert page.locator(".ed-badge-edited:visible, .ed-badge-pending:visible").count() == 0
    assert page.evaluate("document.querySelectorAll('.ed-text ins, .ed-text del').length") == 0

    # The new paragraph plays its own span of the new audio.
    until(page, "document.querySelector('.ed-article').classList.contains('is-timed')")
    timing = client.get("/audio/a1/2.timing.json").json["paragraphs"][int(block)]
    edited.click()
    edited.locator(".ed-play").click()
    until(page, "!document.querySelector('.ed-audio').paused")
    until(page, f"document.querySelector('.ed-audio').currentTime * 1000 > {timing['start']} + 300", 10)
    now = page.evaluate("document.querySelector('.ed-audio').currentTime * 1000")
    assert timing["start"] <= now <= timing["end"] + 400
    until(page, "document.querySelector('.ed-audio').paused", 15)  # stops at the paragraph's end
    assert page.evaluate("document.querySelector('.ed-audio').currentTime * 1000") <= timing["end"] + 600
    page.screenshot(path=str(ARTIFACTS / "editor-article.png"))


def test_rollback_puts_the_text_back_in_step_with_the_audio(app, client, live_server: str, page) -> None:  # noqa: ANN001
    first = narrated(client)["content"]
    assert client.put("/api/articles/a1", json={"text": EDITED, "voice": "espeak"}).status_code == 202
    version_ready(client, 2)
    sign_in(app, page, live_server)
    page.goto(f"{live_server}/editor/articles/a1")
    tag = mark(page)
    total = page.locator(".ed-para").count()

    # What changed from version 1 to 2, paragraph by paragraph.
    page.locator('.ed-versions tr[data-version="2"] .ed-show-diff').click()
    page.wait_for_selector(".ed-diff:not([hidden])")
    assert page.inner_text(".ed-diff h3") == "Version 1 → version 2"
    assert page.locator(".ed-diff .d-changed").count() == 1
    assert texts(page, ".ed-diff .d-changed ins") == ["four", "before", "autumn storms."]
    assert texts(page, ".ed-diff .d-same") == ["2 paragraphs unchanged", "2 paragraphs unchanged"]

    page.locator('.ed-versions tr[data-version="1"] .ed-rollback').click()
    until(page, "document.querySelector('.ed-message').textContent.startsWith('Version 1 is current again')")
    until(page, "document.querySelector('.ed-meta').textContent.includes('version 1')")
    assert page.evaluate("window.deskMark") == tag

    # The API's article is the text version 1 was made from; the dashboard shows version 1's words.
    data = client.get("/api/articles/a1").json
    assert (data["current_version"], data["content"], data["status"]) == (1, first, "ready")
    timing = client.get("/audio/a1/1.timing.json").json["paragraphs"]
    shown = page.eval_on_selector_all(".ed-para", "els => els.map(e => [+e.dataset.block, e.dataset.text])")
    assert shown and all(timing[i]["text"] == text for i, text in shown)
    assert page.locator(".ed-badge-pending:visible").count() == 0
    assert page.get_attribute(".ed-audio", "src") == "/audio/a1/1.mp3"
    assert page.locator('.ed-versions tr[data-version="1"] .ed-badge-current').count() == 1

    # The preview compares with version 1: nothing to do; version 2's words again would change one paragraph
    # (whose audio is still in the cache).
    page.click(".ed-regenerate")
    page.wait_for_selector(".ed-confirm:not([hidden])")
    assert page.inner_text(".ed-preview-count") == f"0 of {total} paragraphs will be re-synthesised."
    page.click(".ed-confirm-no")
    target = page.locator(".ed-para.k-p").nth(1)
    target.click()
    target.locator(".ed-edit-toggle").click()
    target.locator(".ed-edit").fill(FOUR)
    page.click(".ed-bar-regenerate")
    page.wait_for_selector(".ed-confirm:not([hidden])")
    assert page.inner_text(".ed-preview-count") == (
        f"1 of {total} paragraphs will change (0 re-synthesised; the others are in the cache).")
    page.click(".ed-confirm-no")
    page.click(".ed-discard")
    assert not page.locator(".ed-dirty").is_visible()

    # The list and the listener page say version 1 too.
    page.goto(f"{live_server}/editor/")
    row = page.locator('tr[data-article="a1"]')
    assert row.locator('td[data-label="Version"]').inner_text() == "1"
    page.goto(f"{live_server}/articles/a1")
    assert page.get_attribute(".np-audio", "src") == "/audio/a1/1.mp3"
    transcript = page.inner_text("#transcript")
    assert "two steel cables over the summer" in transcript and "four" not in transcript


def test_the_list_and_the_article_page_update_without_a_reload(app, client, live_server: str, page) -> None:  # noqa: ANN001
    narrated(client)
    sign_in(app, page, live_server)
    listed = mark(page)
    article = page.context.new_page()
    article.goto(f"{live_server}/editor/articles/a1")
    opened = mark(article)

    assert client.put("/api/articles/a1", json={"text": EDITED, "voice": "espeak"}).status_code == 202
    version_ready(client, 2)
    row = 'document.querySelector(\'tr[data-article="a1"]\')'
    until(page, f"{row}.dataset.version === '2'", 30)
    assert page.locator('tr[data-article="a1"] .ed-status').inner_text() == "ready"
    assert page.locator('tr[data-article="a1"] td[data-label="Last generated"] time').count() == 1
    until(article, "document.querySelector('.ed-meta').textContent.includes('version 2')", 30)
    assert "four steel cables" in article.inner_text(".ed-paras")
    assert article.locator(".ed-badge-pending:visible").count() == 0
    assert article.get_attribute(".ed-audio", "src") == "/audio/a1/2.mp3"
    assert page.evaluate("window.deskMark") == listed and article.evaluate("window.deskMark") == opened

    # A job in progress shows in both, and its end too, from the JSON the pages poll.
    store = app.extensions["narrator"].store
    app.extensions["narrator"].runner.close()  # nobody runs jobs now: the next one stays queued
    assert client.put("/api/articles/a1", json={"text": SHORT_TEXT, "voice": "espeak"}).status_code == 202
    until(page, f"{row}.querySelector('.ed-status').textContent === 'queued'", 30)
    until(article, "document.querySelector('.ed-meta .ed-status').textContent === 'queued'", 30)
    job = store.jobs.latest("a1")
    store.jobs.claim(job.id)
    store.jobs.progress(job.id, 2, 7)
    until(page, f"{row}.querySelector('.ed-status').textContent === 'generating 2/7'", 10)
    until(article, "document.querySelector('.ed-meta .ed-status').textContent === 'generating 2/7'", 10)
    assert article.locator(".ed-rollback:disabled").count() == 1  # no rollback under a running job
    store.jobs.fail(job.id, "the engine stopped")
    until(page, f"{row}.querySelector('.ed-status').textContent === 'failed'", 10)
    assert page.inner_text('tr[data-article="a1"] .ed-status-detail') == "the engine stopped"
    assert page.evaluate("window.deskMark") == listed and article.evaluate("window.deskMark") == opened


def test_leaving_with_unsaved_edits_asks_first(app, client, live_server: str, page) -> None:  # noqa: ANN001
    narrated(client)
    sign_in(app, page, live_server)
    page.goto(f"{live_server}/editor/articles/a1")
    asked: list[str] = []

    def answer(dialog) -> None:  # noqa: ANN001
        asked.append(dialog.type)
        dialog.dismiss()  # stay

    page.on("dialog", answer)
    target = page.locator(".ed-para.k-p").first
    target.click()
    target.locator(".ed-edit-toggle").click()
    target.locator(".ed-edit").press_sequentially(" Even so.")
    page.click(".ed-nav >> text=Articles")
    wait_for(lambda: asked, 10, what="the beforeunload dialog")
    assert asked == ["beforeunload"] and page.url.endswith("/editor/articles/a1")
    assert target.locator(".ed-edit").input_value().endswith("Even so.")  # still there

    target.locator(".ed-revert").click()  # back to the saved text: leaving asks nothing
    with page.expect_navigation():
        page.click(".ed-nav >> text=Articles")
    assert asked == ["beforeunload"] and page.url == f"{live_server}/editor/"


def test_a_pronunciation_is_heard_before_it_is_saved(app, client, live_server: str, page) -> None:  # noqa: ANN001
    narrated(client)
    sign_in(app, page, live_server)
    page.click(".ed-nav >> text=Pronunciations")
    page.wait_for_selector(".ed-lexicon")
    assert page.input_value(".ed-lexicon .ed-voice") == client.get("/api/voices").json["default"]
    assert str(app.extensions["narrator"].lexicon.path) not in page.content()  # no server path

    page.select_option(".ed-lexicon .ed-voice", "espeak")
    new = page.locator("tr.ed-new")
    new.locator(".ed-written-input").fill("mayor")
    new.locator(".ed-spoken-input").fill(LONG)
    listen = "/api/lexicon/listen"
    plain = wav_ms(client.post(listen, json={"written": "mayor", "voice": "espeak"}).data)
    respelt = wav_ms(client.post(listen, json={"written": LONG, "voice": "espeak"}).data)
    assert respelt > 2 * plain

    def sounds_respelt(wav: bytes) -> bool:
        """As long as the respelling said on its own (espeak's clips vary by a few ms), not the word."""
        return abs(wav_ms(wav) - respelt) < 0.2 * respelt
    with page.expect_response("**/api/lexicon/listen") as answer:
        new.locator(".ed-listen").click()
    assert answer.value.request.post_data_json == {"written": "mayor", "voice": "espeak", "spoken": LONG,
                                                   "nocase": False}
    assert sounds_respelt(answer.value.body())  # the typed respelling, not the written word
    until(page, f"document.querySelector('.ed-lexicon').dataset.heardAs === '{LONG}'", 30)
    assert int(page.get_attribute(".ed-lexicon", "data-heard-ms")) > 2 * plain  # decoded and played
    assert client.get("/api/lexicon").json["entries"] == []  # trying it saved nothing

    new.locator(".ed-spoken-input").fill("mare")
    new.locator(".ed-save-entry").click()
    page.wait_for_selector('tr[data-written="mayor"]')
    row = page.locator('tr[data-written="mayor"]')
    assert row.locator(".ed-spoken-input").input_value() == "mare"
    assert [new.locator(s).input_value() for s in (".ed-written-input", ".ed-spoken-input")] == ["", ""]
    assert page.inner_text(".ed-message") == "Added “mayor”."
    green = "rgb(26, 127, 55)"  # editor.css .is-ok, not the error red
    assert page.evaluate("getComputedStyle(document.querySelector('.ed-message')).color") == green
    assert page.inner_text(".ed-affected-list") == "Harbour bridge reopens after repairs"
    assert client.get("/api/lexicon").json["entries"] == [
        {"written": "mayor", "spoken": "mare", "nocase": False, "problem": None}]

    # A saved row plays what its input says now, saved or not.
    row.locator(".ed-spoken-input").fill(LONG)
    row.locator(".ed-nocase").check()
    with page.expect_response("**/api/lexicon/listen") as answer:
        row.locator(".ed-listen").click()
    assert answer.value.request.post_data_json["spoken"] == LONG
    assert answer.value.request.post_data_json["nocase"] is True
    assert sounds_respelt(answer.value.body())

    # A respelling the lexicon could not hold is refused before anything is spoken.
    new.locator(".ed-written-input").fill("Kyiv")
    new.locator(".ed-spoken-input").fill("[[kɪ]]jɪv]]")
    new.locator(".ed-listen").click()
    until(page, "document.querySelector('.ed-message').classList.contains('is-error')")
    assert "respelling" in page.inner_text(".ed-message")

    # The entry is in the fingerprint: regenerating the article makes a new version.
    page.click(".ed-regenerate-all")
    until(page, "document.querySelector('.ed-affected-list .ed-state').textContent.includes('regenerating')")
    page.goto(f"{live_server}/editor/pronunciations")
    row = page.locator('tr[data-written="mayor"]')
    assert row.locator(".ed-spoken-input").input_value() == "mare"
    row.locator(".ed-delete-entry").click()
    until(page, "!document.querySelector('tr[data-written=\"mayor\"]')")
    assert client.get("/api/lexicon").json["entries"] == []


def test_an_entry_a_voice_could_not_say_is_marked_until_it_is_changed(app, client, live_server: str,
                                                                      page) -> None:  # noqa: ANN001
    path = app.extensions["narrator"].settings.publication_lexicon
    path.write_text("the\t" + "z" * 40 + "\n", encoding="utf-8")  # by hand: nothing tried it
    narrated(client)  # read plainly, and flagged
    sign_in(app, page, live_server)
    page.goto(f"{live_server}/editor/pronunciations")
    row = page.locator('tr[data-written="the"]')
    problem = row.locator(".ed-entry-problem")
    assert problem.is_visible() and "espeak (en-US)" in problem.inner_text()
    assert "could not be said" in page.inner_text(".ed-problem")
    page.select_option(".ed-lexicon .ed-voice", "espeak")
    row.locator(".ed-spoken-input").fill("thee")
    row.locator(".ed-save-entry").click()
    until(page, "document.querySelector('.ed-message').textContent.includes('Saved')")
    assert not problem.is_visible()
    assert client.get("/api/lexicon").json["entries"][0]["problem"] is None


TARGETS = ("button, select, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), textarea, "
           ".ed-check, .ed-nav a, .ed-meta a, .ed-title-cell a")
"""What a finger must hit: at least 44 x 44 CSS px (WCAG 2.5.5), and inside the screen."""


def fits(page, width: int) -> None:  # noqa: ANN001
    """No horizontal scroll; every visible control big enough and on screen."""
    assert page.evaluate("window.innerWidth") == width
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    boxes = page.eval_on_selector_all(TARGETS, """els => els.filter(e => e.getClientRects().length)
        .map(e => { const r = e.getBoundingClientRect();
                    return [e.className || e.tagName, r.left, r.right, r.width, r.height]; })""")
    assert boxes
    for name, left, right, w, h in boxes:
        assert w >= 44 and h >= 44, (page.url, name, w, h)
        assert 0 <= left and right <= width, (page.url, name, left, right)


@pytest.mark.parametrize("layout", ["desktop", "phone"])
def test_every_desk_page_fits_the_screen(app, client, live_server: str, browser, layout: str) -> None:  # noqa: ANN001
    narrated(client)
    assert client.put("/api/articles/a1", json={"text": EDITED, "voice": "espeak"}).status_code == 202
    version_ready(client, 2)
    for written, spoken in (("Nguyen", "win"), ("Prigozhin", "pri-GO-zhin")):
        assert client.put(f"/api/lexicon/{written}", json={"spoken": spoken}).status_code == 200
    width, height = DESKTOP if layout == "desktop" else PHONE
    folder = Path(SCREENSHOTS) if SCREENSHOTS else None

    def shot(name: str) -> None:
        if folder:
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"desk-{name}-{layout}.png"))

    with watched_page(browser, width, height) as page:
        page.goto(f"{live_server}/editor/signin")
        fits(page, width)
        sign_in(app, page, live_server)
        fits(page, width)
        until(page, "document.querySelector('.ed-list').dataset.polls")
        cards = page.evaluate("getComputedStyle(document.querySelector('.ed-articles tbody tr')).display")
        assert cards == ("block" if layout == "phone" else "table-row")
        shot("articles")

        page.goto(f"{live_server}/editor/articles/a1")
        until(page, "document.querySelector('.ed-article').classList.contains('is-timed')")
        fits(page, width)
        target = page.locator(".ed-para.k-p").nth(1)
        target.click()
        target.locator(".ed-edit-toggle").click()
        fits(page, width)
        target.locator(".ed-edit").fill(FOUR.replace("storms.", "storms began."))
        target.locator(".ed-edit-toggle").click()
        target.scroll_into_view_if_needed()
        fits(page, width)
        shot("article")
        page.locator('.ed-versions tr[data-version="2"] .ed-show-diff').click()
        page.wait_for_selector(".ed-diff:not([hidden])")
        page.locator(".ed-versions").scroll_into_view_if_needed()
        fits(page, width)
        shot("versions")
        page.click(".ed-discard")

        page.goto(f"{live_server}/editor/pronunciations")
        fits(page, width)
        shot("pronunciations")

        app.extensions["narrator"].store.sources.add("https://news.example/a/rather/long/path/to/the/feed.xml")
        page.goto(f"{live_server}/editor/sources")
        fits(page, width)
        shot("sources")


WORDS_BROKEN = """() => Array.from(document.querySelectorAll('th')).filter(th => th.getClientRects().length)
    .map(th => {
      const broken = [], texts = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
      for (let text = texts.nextNode(); text; text = texts.nextNode()) {
        for (const m of text.data.matchAll(/\\S+/g)) {
          const range = document.createRange();
          range.setStart(text, m.index);
          range.setEnd(text, m.index + m[0].length);
          const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
      return [th.textContent, broken];
    })"""
"""For each visible table header: its text and the words in it laid out over more than one line."""


@pytest.mark.parametrize("width", [1100, 700])
def test_table_headers_break_only_between_words(app, client, live_server: str, browser, width: int) -> None:  # noqa: ANN001
    """The issue saw "Stat us" and "Durati on": headers narrower than a word split it. Long titles
    squeeze the other columns at their narrowest."""
    long = ("Councillors approve the extraordinarily comprehensive reconstruction of the harbour's "
            "internationally recognised suspension bridge after months of deliberation\n\n" + SHORT_TEXT)
    narrated(client, long)
    with watched_page(browser, width, 800) as page:
        sign_in(app, page, live_server)
        for path in ("/editor/", "/editor/sources"):
            page.goto(f"{live_server}{path}")
            headers = page.evaluate(WORDS_BROKEN)
            if path == "/editor/":
                assert [h for h, _ in headers][:4] == ["Title", "Status", "Duration", "Heard"], headers
            assert headers and all(broken == [] for _, broken in headers), (path, headers)


def test_a_new_article_from_the_desk(app, live_server: str, page) -> None:  # noqa: ANN001
    """The form on the dashboard sends each kind of source to POST /api/articles and says what became
    of it; what the browser can see is wrong is said before sending, and the API's refusals as it says
    them."""
    sign_in(app, page, live_server)
    fixtures = Path(__file__).resolve().parent / "fixtures" / "pages"
    message = ".ed-submit .ed-message"

    def send(kind: str, value: str, field: str) -> str:
        """Choose the kind of source, give it, send the form: what the form then says."""
        page.check(f".ed-submit input[name=kind][value={kind}]")
        page.select_option(".ed-submit select[name=voice]", "espeak")
        if field == "file":
            page.set_input_files(".ed-submit input[name=file]", value)
        else:
            page.fill(f".ed-submit [name={field}]", value)
        page.click(".ed-submit button[type=submit]")
        until(page, f"!document.querySelector({message!r}).classList.contains('is-busy')")
        return page.inner_text(message)

    def listed(n: int) -> None:  # the list shows the new row without a reload
        until(page, f"document.querySelectorAll('.ed-articles tr[data-article]').length === {n}")

    # Pasted text; then nothing pasted.
    assert send("text", SHORT_TEXT, "text").startswith("Accepted: “Harbour bridge reopens after repairs”")
    link = page.get_attribute(f"{message} a", "href")
    assert link and link.startswith("/editor/articles/")
    listed(1)
    assert send("text", "  ", "text") == "Paste the article’s text first."
    assert page.get_attribute(".ed-submit textarea[name=text]", "aria-invalid") == "true"

    # An HTML file, saved from a news site.
    assert send("html", str(fixtures / "furniture_news.html"), "file").startswith("Accepted: “")
    listed(2)

    # A web address: not a whole one; one the service refuses (a private address); one it reads.
    site = functools.partial(QuietFiles, directory=str(fixtures))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/aljazeera_more_links.html"
        assert send("url", "news.example/story", "url").startswith("The address must be a whole web address")
        refused = send("url", url, "url")
        assert refused == "Not accepted: refused to fetch from 127.0.0.1: the address is not allowed", refused
        assert page.input_value(".ed-submit input[name=url]") == url  # kept, to correct
        configure(app, allow_private_urls=1)
        assert send("url", url, "url").startswith("Accepted: “")
        listed(3)
        wait_for(lambda: {a["status"] for a in app.test_client().get("/api/articles").json["articles"]}
                 == {"ready"}, 120, what="the three articles to be narrated")
    finally:
        server.shutdown()
        server.server_close()


class QuietFiles(http.server.SimpleHTTPRequestHandler):
    """Files from a folder (the publisher's site), without a line on stderr per request."""

    def log_message(self, *args: object) -> None:
        pass
