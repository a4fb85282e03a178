"""The network seam against a real local HTTP server: redirects, size cap, content types, timeouts."""
from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest
from web_fixtures import wait_for

from narrator.errors import ExtractionError
from narrator.extract import load
from narrator.net import fetch as fetching
from narrator.net.fetch import fetch
from narrator.net.guard import NetGuard

PAGE = (b"<html><head><title>Local</title></head><body><article><h1>Local news</h1>"
        b"<p>The council met on Tuesday and agreed to repair the bridge before the winter floods arrive.</p>"
        b"<p>Work starts next month and should take six weeks, the engineer in charge told reporters.</p>"
        b"</article></body></html>")


DRIPS_CUT: list[str] = []
"""Drip paths whose client hung up."""


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes: /page, /text, /pdf, /big, /slow, /hop/N (redirects N more times), /loop, /ftp."""

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def send(self, body: bytes, ctype: str = "text/html; charset=utf-8", status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drip(self, path: str) -> None:
        """A slow peer: a byte every 50 ms for up to 20 s, in the body or in the headers. Each read
        gets a byte well within a socket timeout; only a limit on the whole fetch stops it."""
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 400\r\n"
        try:
            if path == "/drip-body":
                self.wfile.write(head + b"\r\n")
                self.wfile.flush()
                drip = b"<p>" + b"z" * 397
            else:
                drip = head + b"X-Slow: " + b"z" * 395
            for byte in drip:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            DRIPS_CUT.append(path)  # the client hung up on us

    def redirect(self, where: str) -> None:
        self.send_response(302)
        self.send_header("Location", where)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        path = self.path
        if path == "/page":
            self.send(PAGE)
        elif path == "/text":
            self.send(b"Plain title\n\nA plain paragraph of text.", "text/plain; charset=utf-8")
        elif path == "/pdf":
            self.send(b"%PDF-1.4 not really", "application/pdf")
        elif path == "/big":
            self.send(b"<html><body><p>" + b"x" * 5000 + b"</p></body></html>")
        elif path == "/big-chunked":
            # no Content-Length: the cap must hold while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(10):
                self.wfile.write(b"<p>" + b"y" * 1000 + b"</p>")
        elif path in ("/drip-body", "/drip-headers"):
            self.drip(path)
        elif path == "/slow":
            time.sleep(0.6)
            self.send(PAGE)
        elif path.startswith("/hop/"):
            left = int(path.rsplit("/", 1)[1])
            self.redirect("/page" if left == 0 else f"/hop/{left - 1}")
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/ftp":
            self.redirect("ftp://example.com/file")
        else:
            self.send(b"not found", "text/plain", 404)


@pytest.fixture(autouse=True)
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local server is on loopback, which the default guard refuses (test_netguard.py): here the
    default guard is one that allows private addresses, as NARRATOR_ALLOW_PRIVATE_URLS=1 makes it."""
    monkeypatch.setattr(fetching, "default_guard", lambda: NetGuard(allow_private=True))


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_fetches_an_html_page(server: str) -> None:
    page = fetch(server + "/page")
    assert page.body == PAGE
    assert page.content_type.startswith("text/html")
    assert page.url == server + "/page"


def test_follows_up_to_five_redirects(server: str) -> None:
    page = fetch(server + "/hop/4")  # /hop/4 -> 3 -> 2 -> 1 -> 0 -> /page: five redirects
    assert page.body == PAGE
    assert page.url == server + "/page"


def test_six_redirects_are_refused(server: str) -> None:
    with pytest.raises(ExtractionError, match="more than 5 redirects"):
        fetch(server + "/hop/5")


def test_redirect_loop_is_refused(server: str) -> None:
    with pytest.raises(ExtractionError, match="redirects"):
        fetch(server + "/loop", max_redirects=2)


def test_redirect_to_another_scheme_is_refused(server: str) -> None:
    with pytest.raises(ExtractionError, match="non-http"):
        fetch(server + "/ftp")


def test_guard_sees_every_hop(server: str) -> None:
    seen: list[str] = []

    def guard(url: str) -> None:
        seen.append(url)
        if url.endswith("/hop/0"):
            raise ExtractionError(f"address refused: {url}")

    with pytest.raises(ExtractionError, match="address refused"):
        fetch(server + "/hop/1", guard=guard)
    assert seen == [server + "/hop/1", server + "/hop/0"]


def test_non_html_content_type_is_refused(server: str) -> None:
    with pytest.raises(ExtractionError, match=r"not an HTML page \(Content-Type application/pdf\)"):
        fetch(server + "/pdf")


def test_size_cap_from_content_length(server: str) -> None:
    with pytest.raises(ExtractionError, match="larger than the 1000 bytes limit"):
        fetch(server + "/big", max_bytes=1000)
    assert len(fetch(server + "/big", max_bytes=10_000).body) > 5000


def test_size_cap_while_reading(server: str) -> None:
    with pytest.raises(ExtractionError, match="larger than"):
        fetch(server + "/big-chunked", max_bytes=4000)


def test_timeout(server: str) -> None:
    start = time.monotonic()
    with pytest.raises(ExtractionError, match="timed out"):
        fetch(server + "/slow", timeout=0.2)
    assert time.monotonic() - start < 0.55


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_the_time_limit_holds_for_the_whole_fetch_against_a_dripping_peer(server: str, path: str) -> None:
    start = time.monotonic()
    with pytest.raises(ExtractionError, match="timed out after 1 s"):
        fetch(server + path, timeout=1)
    assert time.monotonic() - start < 3  # not the 20 s the peer would take (a hang guard, not a speed)
    wait_for(lambda: path in DRIPS_CUT, 5, what="the peer to see the connection closed")


def test_http_error_and_schemes(server: str) -> None:
    with pytest.raises(ExtractionError, match="HTTP 404"):
        fetch(server + "/missing")
    with pytest.raises(ExtractionError, match="only http and https"):
        fetch("file:///etc/passwd")
    with pytest.raises(ExtractionError, match="only http and https"):
        fetch("ftp://example.com/page.html")


def test_load_reads_html_and_plain_text_urls(server: str) -> None:
    article = load(server + "/page")
    assert article.title == "Local news"
    assert [p.text for p in article.paragraphs][0].startswith("The council met on Tuesday")
    assert article.url == server + "/page"
    text = load(server + "/text")
    assert text.title == "Plain title"
    assert text.paragraphs[0].text == "A plain paragraph of text."
