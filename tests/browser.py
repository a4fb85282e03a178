"""One headless Chromium (Debian's, driven by Playwright) for every browser test of the run."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
"""Debian's chromium package: `playwright install` downloads a browser and fails here."""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--autoplay-policy=no-user-gesture-required"]
"""Without the networking flags Chromium keeps dialling hosts this closed network refuses."""


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@contextmanager
def watched_page(browser, width: int, height: int) -> Iterator[object]:  # noqa: ANN001
    """A page in its own context; any JavaScript error on it fails the test when it closes."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == [], errors
