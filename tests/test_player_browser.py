"""The player in a real headless Chromium (Debian's, through Playwright) against a live server."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from browser import watched_page
from web_fixtures import *  # noqa: F403
from web_fixtures import ARTIFACTS, SHORT_TEXT, BufferedClient, free_port, narrated
from werkzeug.serving import make_server

from narrator.config import LABEL
from narrator.service.generation import Generator
from web import close_app, create_app

sync_api = pytest.importorskip("playwright.sync_api")

@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    with watched_page(browser, 1000, 800) as page:
        page.wait_for_function = csp_safe_wait(page)
        yield page


def csp_safe_wait(page):  # noqa: ANN001, ANN201
    """page.wait_for_function compiles its predicate with eval inside the page, which the pages'
    Content-Security-Policy forbids (no 'unsafe-eval'); this polls page.evaluate instead (run through
    the DevTools protocol, outside the page's policy)."""

    def wait_for_function(expression: str, timeout: float = 30_000) -> None:
        deadline = time.monotonic() + timeout / 1000
        while not page.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout / 1000:g} s waiting for {expression}")
            time.sleep(0.05)

    return wait_for_function


def _current_time(page) -> float:  # noqa: ANN001
    return page.evaluate("document.querySelector('.np-audio').currentTime")


def test_play_speed_click_to_seek_and_highlight(client, live_server, page) -> None:  # noqa: ANN001
    article = narrated(client)
    timing = client.get(article["timing_url"]).json
    body = [p for p in timing["paragraphs"] if p["kind"] == "p"]
    third = body[2]

    page.goto(f"{live_server}/articles/a1")
    label = page.locator(".np-label")
    assert label.is_visible() and label.inner_text() == LABEL
    assert page.locator("h1").inner_text() == "Harbour bridge reopens after repairs"
    page.wait_for_function("document.querySelector('.np-audio').readyState >= 1")
    assert page.locator(".np-total").inner_text() != "0:00"

    # Play: currentTime advances, the button turns into Pause.
    page.locator(".np-play").click()
    page.wait_for_function("document.querySelector('.np-audio').currentTime > 0.5", timeout=15_000)
    assert page.locator(".np-play").get_attribute("aria-label") == "Pause"
    assert page.evaluate("navigator.mediaSession.metadata.title") == article["title"]

    # Speed.
    page.select_option(".np-speed", "1.5")
    assert page.evaluate("document.querySelector('.np-audio').playbackRate") == 1.5

    # Click the third body paragraph: playback jumps to its start and the highlight moves there.
    target = page.locator("#transcript p.k-p").nth(2)
    assert target.inner_text().startswith("The mayor thanked")
    target.click()
    start = third["start"] / 1000
    page.wait_for_function(
        f"(() => {{ const t = document.querySelector('.np-audio').currentTime; return t >= {start - 0.05} "
        f"&& t < {start + 2}; }})()",
        timeout=10_000,
    )
    page.wait_for_function(
        f"document.querySelector('[data-index=\"{third['index']}\"]').classList.contains('current')"
    )
    assert page.locator(".block.current").count() == 1
    page.wait_for_function("document.querySelector('.block.current .s.now') !== null")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "player.png"), full_page=True)

    # Pause; the position is remembered per article across a reload.
    page.locator(".np-play").click()
    page.wait_for_function("document.querySelector('.np-audio').paused")
    paused_at = _current_time(page)
    page.reload()
    page.wait_for_function("document.querySelector('.np-audio').readyState >= 1")
    page.wait_for_function(f"Math.abs(document.querySelector('.np-audio').currentTime - {paused_at}) < 0.5")
    assert "Resuming" in page.locator(".np-status").inner_text()

    # Keyboard: a focused paragraph plays from its start on Enter; back 15 s.
    page.locator("#transcript p.k-p").nth(0).focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        f"document.querySelector('.np-audio').currentTime >= {body[0]['start'] / 1000 - 0.05}"
        f" && document.querySelector('.np-audio').currentTime < {body[1]['start'] / 1000}"
    )
    page.locator(".np-back").click()
    page.wait_for_function("document.querySelector('.np-audio').currentTime < 3")


def test_narrow_screen_and_embed(client, live_server, page) -> None:  # noqa: ANN001
    narrated(client)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"{live_server}/articles/a1")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    for control in (".np-play", ".np-back", ".np-fwd", ".np-speed", ".np-seek", ".np-download"):
        box = page.locator(control).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, control
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "player-320.png"))

    # The publisher's snippet inserts the player in an iframe.
    page.set_viewport_size({"width": 800, "height": 600})
    snippet = f'<p>Story text.</p><script src="{live_server}/embed.js" data-article="a1" async></script>'
    with publisher_page(snippet) as url:  # another origin, as on a newspaper's site
        page.goto(url)
        page.wait_for_selector("iframe[data-narrator-article='a1']")
        frame = page.frame_locator("iframe[data-narrator-article='a1']")
        frame.locator(".np-play:not([disabled])").wait_for()
        assert frame.locator(".np-label").inner_text() == LABEL


@contextmanager
def publisher_page(body: str) -> Iterator[str]:
    """Serve one HTML page from its own loopback port; yields its URL."""
    html = f"<!doctype html><html><head><title>News</title></head><body>{body}</body></html>".encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/story.html"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def idle_app(tmp_path, engine_pool):  # noqa: ANN001, ANN201
    """An app that queues jobs without running them: the test runs the job when it wants."""
    app = create_app(
        {"TESTING": True, "HOME": str(tmp_path / "idle"), "RUNNER": "none", "ACCEL_REDIRECT": ""}
    )
    app.test_client_class = BufferedClient
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    close_app(app)


def test_player_waits_for_generation_then_becomes_playable(idle_app, engine_pool, page) -> None:  # noqa: ANN001
    app, base = idle_app
    r = app.test_client().post("/api/articles", json={"text": SHORT_TEXT, "id": "w1", "voice": "espeak"})
    assert r.status_code == 202
    page.goto(f"{base}/articles/w1")
    assert page.locator(".np-play").is_disabled()
    page.wait_for_function("document.querySelector('.np-status').textContent.includes('Preparing')")
    assert page.locator("#transcript [data-index]").count() == 0  # text shown, not yet timed

    store = app.extensions["narrator"].store
    settings = app.extensions["narrator"].settings
    assert Generator(store, settings, engine_pool).run(r.json["job"]["id"]).version == 1

    page.locator(".np-play:not([disabled])").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelectorAll('#transcript [data-index]').length === 4")
    page.locator(".np-play").click()
    page.wait_for_function("document.querySelector('.np-audio').currentTime > 0.3", timeout=15_000)
    page.locator("#transcript p.k-p").nth(3).click()
    page.wait_for_function(
        "document.querySelector('#transcript p.k-p:nth-of-type(4)').classList.contains('current')"
        " || document.querySelectorAll('#transcript p.k-p')[3].classList.contains('current')"
    )
