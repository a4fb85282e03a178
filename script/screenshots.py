"""Take the README's screenshots of the player (docs/img/): desktop, phone, and the dark embed beside a
playlist embed.

Narrates the demo page (web/demo/article.html) with the default voice in a temporary home, serves the
app on a loopback port and drives Debian's Chromium through Playwright (as the browser tests do).

    .venv/bin/python script/screenshots.py [--voice espeak]
"""
from __future__ import annotations

import argparse
import http.server
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from narrator.web import close_app, create_app  # noqa: E402
from narrator.web.demo import ensure_demo  # noqa: E402

OUT = ROOT / "docs" / "img"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--autoplay-policy=no-user-gesture-required", "--hide-scrollbars"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(page, expression: str, timeout: float = 60) -> None:  # noqa: ANN001
    """Poll `expression` in the page (the page's CSP forbids Playwright's own wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {expression}")
        time.sleep(0.05)


def publisher(body: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    style = ("body{background:#15171c;color:#ddd;font:18px/1.6 Georgia,serif;max-width:40rem;"
             "margin:2rem auto;padding:0 1rem}")
    html = ("<!doctype html><html><head><meta name=viewport content='width=device-width'><title>News</title>"
            f"<style>{style}</style></head><body>{body}</body></html>").encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/story.html"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default=None, help="voice of the demo (default: the default voice)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        app = create_app({"HOME": home, "RUNNER": "inprocess"})
        server = make_server("127.0.0.1", free_port(), app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        article = ensure_demo(app, args.voice)
        key = app.extensions["narrator"].accounts.create_key("screenshots", "editor")[1]
        second = ("Harbour bridge reopens after repairs\n\nThe old harbour bridge opened again on Monday. "
                  "Traffic moved slowly at first.\n\nEngineers replaced two steel cables over the summer.\n")
        app.test_client().post("/api/articles", json={"text": second, "id": "bridge"},
                               headers={"Authorization": f"Bearer {key}"})
        store = app.extensions["narrator"].store
        deadline = time.monotonic() + 600
        while any(store.articles.get(a).current_version is None for a in (article, "bridge")):
            if time.monotonic() > deadline:
                raise SystemExit("the demo was not narrated within 10 minutes")
            time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 760}, device_scale_factor=1)
            page.goto(f"{base}/articles/{article}")
            wait(page, "document.querySelector('.np-audio').readyState >= 1")
            page.click(".np-play")
            wait(page, "document.querySelector('.np-audio').currentTime > 0.5")
            page.locator("#transcript .block").first.focus()
            page.keyboard.press("Enter")  # read along from the first paragraph
            page.evaluate("document.activeElement.blur()")
            wait(page, "document.querySelector('#transcript .block.current .s.now') !== null")
            time.sleep(1.5)
            page.evaluate("window.scrollTo(0, 0)")
            time.sleep(0.6)
            page.screenshot(path=str(OUT / "player-desktop.png"))
            print(OUT / "player-desktop.png")

            phone = browser.new_page(viewport={"width": 390, "height": 760}, device_scale_factor=2,
                                     is_mobile=True, has_touch=True)
            phone.goto(f"{base}/articles/{article}")
            wait(phone, "document.querySelector('.np-audio').readyState >= 1")
            phone.click(".np-play")
            wait(phone, "document.querySelector('.np-audio').currentTime > 0.3")
            phone.evaluate("document.querySelector('.np-audio').currentTime = 95")
            wait(phone, "document.querySelector('.np.is-docked') !== null")
            time.sleep(0.8)
            phone.screenshot(path=str(OUT / "player-mobile.png"))
            print(OUT / "player-mobile.png")

            snippet = ("<h1>Wagner commander seeks asylum</h1><p>Story text from the publisher's own page, "
                       "with the narrator player embedded in a dark theme and the publication's accent.</p>"
                       f'<script src="{base}/embed.js" data-article="{article}" data-theme="dark" '
                       'data-color="#ff7a59" async></script><p>More of the story follows the player. '
                       'Below, the latest narrated articles in a playlist embed:</p>'
                       f'<script src="{base}/embed.js" data-playlist="latest" data-theme="dark" '
                       'data-color="#ff7a59" async></script>')
            host, url = publisher(snippet)
            dark = browser.new_page(viewport={"width": 760, "height": 520}, device_scale_factor=1)
            dark.goto(url)
            frame = dark.frame_locator(f"iframe[data-narrator-article='{article}']")
            frame.locator(".np-play").click()
            time.sleep(2.5)
            frame.locator(".np-ai").hover()
            time.sleep(0.4)
            dark.screenshot(path=str(OUT / "player-dark.png"))
            print(OUT / "player-dark.png")
            host.shutdown()
            browser.close()
        server.shutdown()
        close_app(app)


if __name__ == "__main__":
    main()
