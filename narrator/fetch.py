"""The one module that touches the network: fetch an article page over http(s)."""
from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from .errors import ExtractionError

MAX_BYTES = 20 * 1024 * 1024
"""Largest page we read; a news page is rarely over 3 MB."""
TIMEOUT_S = 15.0
"""Connect and read timeout for one request."""
MAX_REDIRECTS = 5
"""Redirects followed before giving up."""


@dataclass(frozen=True)
class Page:
    """A fetched page."""

    body: bytes
    """The raw bytes, at most MAX_BYTES."""
    url: str
    """The final URL after redirects."""
    content_type: str
    """The Content-Type header, as sent."""


def allow_all(url: str) -> None:
    """Default address guard: accept. The security work replaces it with a real check."""


def fetch(url: str, guard: Callable[[str], None] = allow_all) -> Page:
    """Fetch `url` (http or https only), following at most MAX_REDIRECTS redirects."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ExtractionError(f"only http and https URLs can be fetched: {url}")
    guard(url)

    class Redirects(urllib.request.HTTPRedirectHandler):
        max_redirections = MAX_REDIRECTS

        def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
            if urlsplit(newurl).scheme not in ("http", "https"):
                raise ExtractionError(f"redirect to a non-http URL refused: {newurl}")
            guard(newurl)
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.build_opener(Redirects)
    request = urllib.request.Request(url, headers={"User-Agent": "narrator/0.1"})
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            body = response.read(MAX_BYTES + 1)
            ctype = response.headers.get("Content-Type", "")
            final = response.geturl()
    except urllib.error.HTTPError as e:
        raise ExtractionError(f"fetching {url} failed: HTTP {e.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        raise ExtractionError(f"fetching {url} failed: {reason}") from None
    if len(body) > MAX_BYTES:
        raise ExtractionError(f"page at {url} is larger than {MAX_BYTES // 2**20} MB")
    mime = ctype.split(";")[0].strip().lower()
    if mime and mime not in ("text/html", "application/xhtml+xml", "text/plain"):
        raise ExtractionError(f"{url} is not an HTML page (Content-Type {mime})")
    return Page(body=body, url=final, content_type=ctype)
