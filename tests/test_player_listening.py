"""Listening on, in a real headless Chromium: read-along in step with the voice, a new version offered to
open pages, a press on an article no worker has taken, up next, the playlist embed, and the publishers'
JavaScript API (issue 25)."""

from __future__ import annotations

import threading
import time

import pytest
from browser import watched_page
from readalong import RECORD, lags
from test_player_browser import (
    AUDIO,
    LONGER_TEXT,
    csp_safe_wait,
    idle_app,  # noqa: F401 - a fixture
    publisher_page,
)
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, narrated, version_ready

from narrator.service.generation import Generator

pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    with watched_page(browser, 1000, 800) as page:
        page.wait_for_function = csp_safe_wait(page)
        yield page


# --- Read-along ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1, 2])
def test_the_highlight_follows_the_voice_within_a_frame_or_two(  # noqa: ANN201
        client, live_server, page, rate: float) -> None:  # noqa: ANN001
    """The highlight reaches each word at most 30 ms (median) after the audio's currentTime passed the
    word's start, at 1x and 2x (bench/bench_readalong.py records the figures)."""
    article = narrated(client, LONGER_TEXT, voice="joe")
    timing = client.get(article["timing_url"]).json
    body = [p for p in timing["paragraphs"] if p["kind"] == "p"]
    starts = sorted(w["start"] for p in body for s in p["sentences"] for w in s["words"])
    page.goto(f"{live_server}/articles/a1")
    page.wait_for_function(f"document.querySelectorAll('#transcript .w').length === {len(starts)}")
    page.evaluate(RECORD)
    page.evaluate(f"{AUDIO}.currentTime = {body[0]['start'] / 1000}; {AUDIO}.playbackRate = {rate}")
    page.locator(".np-play").click()
    page.wait_for_function(f"!{AUDIO}.paused && {AUDIO}.currentTime > {body[0]['start'] / 1000 + 0.3}")
    since = page.evaluate("performance.now()")
    page.wait_for_function(f"{AUDIO}.currentTime > {body[0]['start'] / 1000 + 8 * rate}", timeout=30_000)
    page.locator(".np-play").click()
    found = lags(page.evaluate("window.__lag"), starts, since)
    assert len(found.frame) >= 15, found  # enough words to speak of a median
    assert found.median <= 30, (found.median, sorted(found.frame))


# --- A new article, a new version -------------------------------------------------------------------


def test_a_press_on_an_article_no_worker_has_taken_says_so(idle_app, page) -> None:  # noqa: ANN001, F811
    """NARRATOR_RUNNER=none and no worker: the press waits, and after a few seconds the bar says why;
    once a worker narrates it, it plays."""
    app, base, pool = idle_app
    pool.open_for = 10**6
    client = app.test_client()
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "q1", "voice": "espeak"}).json["job"]
    page.goto(f"{base}/articles/q1")
    assert page.locator(".np-state").inner_text() == " · Audio being prepared"
    page.locator(".np-play").click()
    page.wait_for_function("document.querySelector('.np').classList.contains('is-stalled')", timeout=20_000)
    assert page.locator(".np-intro").is_visible()
    assert "Not started yet" in page.locator(".np-state").inner_text()
    assert "not started being made yet" in page.locator(".np-status").inner_text()
    store, settings = app.extensions["narrator"].store, app.extensions["narrator"].settings
    runner = threading.Thread(target=lambda: Generator(store, settings, pool).run(job["id"]), daemon=True)
    runner.start()
    page.wait_for_function(f"{AUDIO}.currentTime > 0.5", timeout=60_000)  # the press was kept
    assert not page.evaluate("document.querySelector('.np').classList.contains('is-stalled')")
    runner.join(60)


def test_open_pages_learn_of_a_new_version_without_a_jump(app, client, live_server, browser) -> None:  # noqa: ANN001
    """After a regeneration, an idle page takes the new version; a playing one is offered it, keeps
    playing version 1 without a jump, and moves onto version 2 when the listener says so."""
    narrated(client, LONGER_TEXT)
    with watched_page(browser, 1000, 800) as idle, watched_page(browser, 1000, 800) as playing:
        for p in (idle, playing):
            p.wait_for_function = csp_safe_wait(p)
            p.goto(f"{live_server}/articles/a1")
            p.wait_for_function(f"{AUDIO}.readyState >= 1")
        playing.evaluate("window.__seeks = 0; document.querySelector('.np-audio')"
                         ".addEventListener('seeking', () => window.__seeks++)")
        playing.locator(".np-play").click()
        playing.wait_for_function(f"{AUDIO}.currentTime > 0.5")
        edited = LONGER_TEXT.replace("moved slowly at first.", "moved slowly at first, then fast.")
        assert client.put("/api/articles/a1", json={"text": edited}).status_code in (200, 202)
        version_ready(client, 2)

        idle.wait_for_function("document.querySelector('[data-narrator]').dataset.version === '2'",
                               timeout=60_000)
        assert idle.evaluate(f"{AUDIO}.src").endswith("/audio/a1/2.mp3")
        idle.wait_for_function("document.getElementById('transcript').textContent.includes('then fast')")

        offer = playing.locator(".np-offer")
        offer.wait_for(state="visible", timeout=60_000)
        assert playing.evaluate("document.querySelector('[data-narrator]').dataset.version") == "1"
        assert playing.evaluate(f"{AUDIO}.src").endswith("/audio/a1/1.mp3")
        assert playing.evaluate("window.__seeks") == 0 and not playing.evaluate(f"{AUDIO}.paused")
        assert "updated version" in playing.locator(".np-status").inner_text()
        playing.locator(".np-switch").click()
        playing.wait_for_function("document.querySelector('[data-narrator]').dataset.version === '2'")
        playing.wait_for_function(f"{AUDIO}.src.endsWith('/audio/a1/2.mp3') && !{AUDIO}.paused "
                                  f"&& {AUDIO}.currentTime > 0")
        assert offer.is_hidden()


# --- Up next, the playlist, the publishers' API ----------------------------------------------------


def _two_articles(client) -> None:  # noqa: ANN001
    narrated(client, SHORT_TEXT, "older")
    time.sleep(0.01)
    narrated(client, SHORT_TEXT.replace("Harbour bridge reopens", "Ferry returns"), "newer")


def test_up_next_plays_the_next_article_and_can_be_turned_off(client, live_server, page) -> None:  # noqa: ANN001
    _two_articles(client)
    page.goto(f"{live_server}/articles/newer")
    page.wait_for_function(f"{AUDIO}.readyState >= 1")
    assert page.locator(".np-upnext").get_attribute("aria-checked") == "true"  # on unless turned off
    page.evaluate(f"{AUDIO}.currentTime = {AUDIO}.duration - 1")
    page.locator(".np-play").click()
    page.wait_for_function(f"{AUDIO}.src.endsWith('/audio/older/1.mp3') && !{AUDIO}.paused", timeout=20_000)
    assert page.locator(".np-heading").inner_text() == "Harbour bridge reopens after repairs"  # what plays
    assert page.evaluate("document.querySelectorAll('#transcript .s.now, #transcript .w.now').length") == 0
    page.wait_for_function(f"{AUDIO}.currentTime > 0.3")  # from its start

    # Off, remembered across pages: the article ends and nothing follows.
    page.locator(".np-play").click()
    page.locator(".np-more").click()
    page.locator(".np-upnext").click()
    assert page.locator(".np-upnext").get_attribute("aria-checked") == "false"
    page.goto(f"{live_server}/articles/newer")
    page.wait_for_function(f"{AUDIO}.readyState >= 1")
    assert page.locator(".np-upnext").get_attribute("aria-checked") == "false"
    page.evaluate("window.__src = []; document.querySelector('.np-audio').addEventListener('ended', () => "
                  "window.__src.push(document.querySelector('.np-audio').src))")
    page.evaluate(f"{AUDIO}.currentTime = {AUDIO}.duration - 1")
    page.locator(".np-play").click()
    page.wait_for_function("window.__src.length === 1", timeout=20_000)
    assert page.evaluate("window.__src[0]").endswith("/audio/newer/1.mp3")
    assert page.evaluate(f"{AUDIO}.src").endswith("/audio/newer/1.mp3") and page.evaluate(f"{AUDIO}.paused")


HOST_API = """
window.__got = [];
['play', 'pause', 'ended', 'progress'].forEach(name => narrator.on(name, d => window.__got.push(
    [name, d.article, d.currentTime, d.frame.tagName])));
document.addEventListener('narrator:ended', e => window.__got.push(['dom-ended', e.detail.article]));
"""
"""A publisher's script on the host page: every event of the embedded players, kept in window.__got."""


def test_the_playlist_embed_and_the_publishers_api(client, live_server, page) -> None:  # noqa: ANN001
    _two_articles(client)
    snippet = (f'<p>Story.</p><script src="{live_server}/embed.js" data-playlist="latest" '
               'data-limit="5"></script>'
               f'<script src="{live_server}/embed.js" data-playlist="nowhere.example"></script>')
    with publisher_page(snippet) as url:
        page.goto(url)
        page.wait_for_function("document.querySelectorAll('iframe[data-narrator-article]').length === 1")
        frame = page.frame_locator("iframe[data-narrator-article='latest']")
        items = frame.locator(".np-item")
        items.first.wait_for()
        assert [items.nth(i).locator(".np-item-title").inner_text() for i in range(items.count())] == [
            "Ferry returns after repairs", "Harbour bridge reopens after repairs"]
        assert frame.locator(".np-heading").inner_text() == "Ferry returns after repairs"
        box = page.locator("iframe").bounding_box()
        list_box = frame.locator(".np-playlist").bounding_box()
        page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height >= "
                               f"{list_box['y'] + list_box['height'] - box['y'] - 1}")  # the whole list

        # The host page's API: play and pause the player, hear of play, pause, progress and ended.
        page.evaluate(HOST_API)
        page.evaluate("narrator.play()")
        page.wait_for_function("window.__got.some(e => e[0] === 'progress' && e[2] > 0.5)", timeout=20_000)
        page.evaluate("narrator.pause()")
        page.wait_for_function("window.__got.some(e => e[0] === 'pause')")
        got = page.evaluate("window.__got")
        assert got[0][:2] == ["play", "newer"] and got[0][3] == "IFRAME"
        # The end of the first article: ended (API and DOM event), then the next in the list plays.
        frame.locator(".np-audio").evaluate("a => { a.currentTime = a.duration - 1; }")
        page.evaluate("narrator.play('latest')")
        page.wait_for_function("window.__got.some(e => e[0] === 'dom-ended' && e[1] === 'newer')",
                               timeout=20_000)
        page.wait_for_function("window.__got.some(e => e[0] === 'play' && e[1] === 'older')", timeout=20_000)
        now = frame.locator(".np-item[aria-current=true] .np-item-title")
        assert now.inner_text().startswith("Harbour bridge")
        assert frame.locator(".np-heading").inner_text() == "Harbour bridge reopens after repairs"
        assert any(e[:2] == ["ended", "newer"] for e in page.evaluate("window.__got"))
        # A press on an item plays it.
        items.first.click()
        frame.locator(".np-audio").evaluate(
            "a => new Promise(r => a.src.endsWith('/audio/newer/1.mp3') ? r() : "
            "a.addEventListener('loadedmetadata', r, {once: true}))")
        assert frame.locator(".np-item").first.get_attribute("aria-current") == "true"
        with pytest.raises(Exception, match="no event"):
            page.evaluate("narrator.on('seeked', () => {})")


def test_the_api_on_the_article_page(client, live_server, page) -> None:  # noqa: ANN001
    narrated(client)
    page.goto(f"{live_server}/articles/a1")
    page.wait_for_function(f"{AUDIO}.readyState >= 1")
    page.evaluate("window.__got = []; ['play', 'pause', 'progress'].forEach(n => narrator.on(n, d => "
                  "window.__got.push([n, d.article, d.version])))")
    page.evaluate("narrator.play()")
    page.wait_for_function("window.__got.some(e => e[0] === 'progress')", timeout=15_000)
    page.evaluate("narrator.pause()")
    page.wait_for_function(f"{AUDIO}.paused && window.__got.some(e => e[0] === 'pause')")
    assert page.evaluate("window.__got")[0] == ["play", "a1", 1]
