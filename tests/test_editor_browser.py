"""The editor's desk in a real headless Chromium against a live server: sign in, edit a paragraph, see the
re-synthesis preview, regenerate with progress, play the new paragraph; add a pronunciation and listen."""

from __future__ import annotations

import time

import pytest
from browser import watched_page
from playwright.sync_api import Error as PlaywrightError
from web_fixtures import *  # noqa: F403
from web_fixtures import ARTIFACTS, narrated

sync_api = pytest.importorskip("playwright.sync_api")

@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    with watched_page(browser, 1100, 900) as page:
        yield page


def until(page, expression: str, timeout: float = 30) -> object:  # noqa: ANN001
    """Poll `expression` in the page (page.evaluate: the pages' CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(expression)
        except PlaywrightError as e:  # the page is reloading (a new version): ask the new one
            if "context was destroyed" not in str(e) and "navigat" not in str(e):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {expression}")
        time.sleep(0.05)


def sign_in(page, live_server: str) -> None:  # noqa: ANN001
    page.goto(f"{live_server}/editor/")
    assert "/editor/signin" in page.url
    page.fill("input[name=name]", "ed")
    page.fill("input[name=password]", "correct horse")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/editor/")


def test_edit_preview_regenerate_and_play(app, client, live_server: str, page) -> None:  # noqa: ANN001
    narrated(client)
    app.extensions["narrator"].accounts.create_user("ed", "correct horse")
    sign_in(page, live_server)
    assert page.locator(".ed-articles tbody tr").count() == 1
    assert "ready" in page.inner_text(".ed-articles .ed-status")
    page.fill("input[name=q]", "nothing like this")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert "No article matches" in page.inner_text(".ed-articles")
    page.goto(f"{live_server}/editor/articles/a1")

    paras = page.locator(".ed-para")
    total = paras.count()
    until(page, "document.querySelector('.ed-article').classList.contains('is-timed')")
    # What the voice will say, on demand.
    assert not page.locator(".ed-spoken").first.is_visible()
    page.click(".ed-spoken-toggle")
    assert page.locator(".ed-spoken").first.is_visible()

    # Edit the third body paragraph.
    target = page.locator(".ed-para.k-p").nth(2)
    block = target.get_attribute("data-block")
    target.locator(".ed-edit-toggle").click()
    target.locator(".ed-edit").fill("Engineers replaced four steel cables before the autumn storms.")
    page.click(".ed-regenerate")
    page.wait_for_selector(".ed-confirm:not([hidden])")
    assert page.inner_text(".ed-preview-count") == f"1 of {total} paragraphs will be re-synthesised."
    page.screenshot(path=str(ARTIFACTS / "editor-preview.png"))

    # Regenerate: progress shows, then the page reloads with version 2.
    page.click(".ed-confirm-yes")
    until(page, "/(queued|running|synthesising|encoding|publishing|preparing|done)/"
                ".test(document.querySelector('.ed-status').textContent) || location.search !== ''", 30)
    until(page, "document.querySelector('.ed-meta') && "
                "document.querySelector('.ed-meta').textContent.includes('version 2')", 60)
    assert client.get("/api/articles/a1").json["current_version"] == 2
    seen = app.extensions["narrator"].store.latest_job("a1")
    assert seen.status == "done" and seen.version == 2

    # The new paragraph plays its own span of the new audio.
    until(page, "document.querySelector('.ed-article').classList.contains('is-timed')")
    edited = page.locator(f'.ed-para[data-block="{block}"]')
    assert "four steel cables" in edited.inner_text()
    timing = client.get("/audio/a1/2.timing.json").json["paragraphs"][int(block)]
    edited.locator(".ed-play").click()
    until(page, "!document.querySelector('.ed-audio').paused")
    until(page, f"document.querySelector('.ed-audio').currentTime * 1000 > {timing['start']} + 300", 10)
    now = page.evaluate("document.querySelector('.ed-audio').currentTime * 1000")
    assert timing["start"] <= now <= timing["end"] + 400
    until(page, "document.querySelector('.ed-audio').paused", 15)  # stops at the paragraph's end
    assert page.evaluate("document.querySelector('.ed-audio').currentTime * 1000") <= timing["end"] + 600
    page.screenshot(path=str(ARTIFACTS / "editor-article.png"))


def test_add_pronunciation_and_listen(app, client, live_server: str, page) -> None:  # noqa: ANN001
    narrated(client)
    app.extensions["narrator"].accounts.create_user("ed", "correct horse")
    sign_in(page, live_server)
    page.click("text=Pronunciations")
    page.wait_for_selector(".ed-lexicon")
    page.select_option(".ed-lexicon .ed-voice", "espeak")
    new = page.locator("tr.ed-new")
    new.locator(".ed-written-input").fill("mayor")
    new.locator(".ed-spoken-input").fill("mare")
    new.locator(".ed-save-entry").click()
    page.wait_for_selector(".ed-affected:not([hidden])")
    assert page.inner_text(".ed-affected-list") == "Harbour bridge reopens after repairs"
    entries = client.get("/api/lexicon").json["entries"]
    assert entries == [{"written": "mayor", "spoken": "mare", "nocase": False}]

    new.locator(".ed-listen").click()
    until(page, "document.querySelector('.ed-lexicon').dataset.heard === 'mayor'", 30)

    # The entry is in the fingerprint: regenerating the article makes a new version.
    page.click(".ed-regenerate-all")
    until(page, "document.querySelector('.ed-affected-list .ed-state').textContent.includes('regenerating')")
    page.goto(f"{live_server}/editor/pronunciations")
    row = page.locator('tr[data-written="mayor"]')
    assert row.locator(".ed-spoken-input").input_value() == "mare"
    row.locator(".ed-delete-entry").click()
    until(page, "!document.querySelector('tr[data-written=\"mayor\"]')")
    assert client.get("/api/lexicon").json["entries"] == []
