"""A hostile site on loopback for tests: it serves what a test puts in `pages` and records every request."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator

import pytest

__all__ = ["Web", "rss", "web"]


def rss(*links: str) -> bytes:
    """An RSS 2.0 feed with one item per link."""
    items = "".join(f"<item><title>Story</title><link>{link}</link></item>" for link in links)
    return f"<rss version='2.0'><channel><title>Town</title>{items}</channel></rss>".encode()


class Web:
    """`pages` maps a path to (content type, body), or to a body served as XML; each answer carries an
    ETag, and a request that sends it back gets 304. `requested` lists every path asked for."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes | tuple[str, bytes]] = {}
        self.requested: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.requested.append(self.path)
                page = outer.pages.get(self.path)
                ctype, body = page if isinstance(page, tuple) else ("application/xml", page)
                etag = '"' + hashlib.sha256(body or b"").hexdigest()[:16] + '"'
                if body is not None and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body or b"")))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body or b"")

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def web() -> Iterator[Web]:
    """A hostile site on a free loopback port."""
    site = Web()
    yield site
    site.close()
