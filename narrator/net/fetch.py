"""The one module that touches the network: fetch an article page over http(s)."""
from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from ..errors import ExtractionError
from .guard import default_guard

MAX_BYTES = 5 * 1024 * 1024
"""Largest page we read, enforced while reading: the largest of the 119 news pages of the extraction
dev corpus is 1.5 MB; a 19.6 MB page cost 36 s and 1.26 GB to read and extract."""
TIMEOUT_S = 15.0
"""Time allowed for the whole fetch: connecting, redirects, headers and body together."""
MAX_REDIRECTS = 5
"""Redirects followed before giving up."""
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
"""Content types of an article page; anything else (PDF, images, JSON) is refused with a clear error."""
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
              "application/rdf+xml", "application/x-rss+xml", "text/plain", "text/html")
"""Content types of a feed or a sitemap (servers label them loosely; the parser decides)."""
USER_AGENT = "narrator/0.1 (+article narration)"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Page:
    """A fetched page."""

    body: bytes
    """The raw bytes, at most the size cap."""
    url: str
    """The final URL after redirects."""
    content_type: str
    """The Content-Type header, as sent (may carry the charset)."""
    etag: str = ""
    """The ETag header, for a conditional request next time."""
    last_modified: str = ""
    """The Last-Modified header, for a conditional request next time."""
    not_modified: bool = False
    """The server answered 304 to a conditional request: nothing changed (the body is empty)."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand 3xx responses back to `fetch`, which follows them itself (guard and count)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None


def _pinned(handler: type[urllib.request.AbstractHTTPHandler], scheme: str,
            connection_class: type[http.client.HTTPConnection],
            connect: Callable[..., object]) -> urllib.request.BaseHandler:
    """A urllib handler for `scheme` whose connections are made by `connect` (the guard's socket
    factory, which connects to the address it checked); for https, TLS (SNI, certificate) still
    uses the URL's host name."""

    def open_(self, req):  # noqa: ANN001, ANN202
        def connection(host: str, **kwargs) -> http.client.HTTPConnection:  # noqa: ANN003
            conn = connection_class(host, **kwargs)
            conn._create_connection = connect  # type: ignore[attr-defined]  # http.client's seam
            return conn

        return self.do_open(connection, req)

    return type(f"Pinned{handler.__name__}", (handler,), {f"{scheme}_open": open_})()


class _Deadline:
    """The whole fetch's time limit: every socket the fetch opens is shut down when it passes, so a
    peer that drips a byte a second (in the headers or the body) cannot hold a worker longer than
    the limit (a socket timeout only bounds each single read)."""

    def __init__(self, seconds: float, connect: Callable[..., socket.socket]):
        self.at = time.monotonic() + seconds
        self.seconds = seconds
        self._connect = connect
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.passed = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def connect(self, address: tuple[str, int], timeout: object = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                source_address: tuple[str, int] | None = None) -> socket.socket:
        """socket.create_connection through the guard, remembering the socket."""
        sock = self._connect(address, max(0.01, self.left()), source_address)
        with self._lock:
            self._sockets.append(sock)
            if self.passed:
                sock.close()
        return sock

    def left(self) -> float:
        """Seconds until the limit."""
        return self.at - time.monotonic()

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # already closed

    def cancel(self) -> None:
        """The fetch is over: stop the timer."""
        self._timer.cancel()


def _opener(connect: Callable[..., socket.socket]) -> urllib.request.OpenerDirector:
    """An opener that follows no redirects, uses no proxy, and makes every connection with `connect`
    (through the guard: to an address it checked)."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirects,
        _pinned(urllib.request.HTTPHandler, "http", http.client.HTTPConnection, connect),
        _pinned(urllib.request.HTTPSHandler, "https", http.client.HTTPSConnection, connect),
    )


def _check_url(url: str, guard: Callable[[str], None]) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ExtractionError(f"only http and https URLs can be fetched: {url}")
    guard(url)


def fetch(url: str, guard: Callable[[str], None] | None = None, *, max_bytes: int = MAX_BYTES,
          timeout: float = TIMEOUT_S, max_redirects: int = MAX_REDIRECTS, etag: str = "",
          last_modified: str = "", accept: tuple[str, ...] = ACCEPTED_TYPES) -> Page:
    """Fetch `url` (http or https only), following at most `max_redirects` redirects.

    `guard` is called with every URL before it is requested (the first and each redirect
    target). The default is netguard's: public addresses only, each connection made to the address
    it checked (the service and the command line pass a guard that follows NARRATOR_ALLOW_PRIVATE_URLS).
    With `etag` or `last_modified` (from an earlier Page) the request is conditional, and a 304 gives
    a Page with `not_modified` set. Raises ExtractionError for a refused URL or address, an HTTP
    error, a timeout, a body over `max_bytes`, too many redirects, or a content type not in `accept`."""
    if guard is None:
        guard = default_guard()
    _check_url(url, guard)
    deadline = _Deadline(timeout, getattr(guard, "create_connection", None) or socket.create_connection)
    conditions = {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", last_modified)) if v}
    try:
        return _fetch(url, guard, deadline, max_bytes, max_redirects, conditions, accept)
    except ExtractionError:
        if deadline.passed:
            raise ExtractionError(f"fetching {url} failed: timed out after {timeout:g} s") from None
        raise
    finally:
        deadline.cancel()


def _fetch(url: str, guard: Callable[[str], None], deadline: _Deadline, max_bytes: int,
           max_redirects: int, conditions: dict[str, str], accept: tuple[str, ...]) -> Page:
    opener = _opener(deadline.connect)
    timeout = deadline.seconds
    current = url
    for hop in range(max_redirects + 1):
        request = urllib.request.Request(current, headers={
            "User-Agent": USER_AGENT, "Accept": ", ".join(accept), **conditions})
        try:
            response = opener.open(request, timeout=max(0.01, deadline.left()))
        except urllib.error.HTTPError as e:
            if e.code == 304 and conditions:
                e.close()
                return Page(b"", current, "", conditions.get("If-None-Match", ""),
                            conditions.get("If-Modified-Since", ""), not_modified=True)
            if e.code in (301, 302, 303, 307, 308) and e.headers.get("Location"):
                e.close()
                target = urljoin(current, e.headers["Location"])
                if hop == max_redirects:
                    raise ExtractionError(f"fetching {url} failed: more than {max_redirects} redirects")
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    raise ExtractionError(f"redirect to a non-http URL refused: {target}")
                _check_url(target, guard)
                current = target
                continue
            e.close()
            raise ExtractionError(f"fetching {url} failed: HTTP {e.code}") from None
        except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as e:
            reason = getattr(e, "reason", e)
            if deadline.passed or isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise ExtractionError(f"fetching {url} failed: timed out after {timeout:g} s") from None
            raise ExtractionError(f"fetching {url} failed: {reason or type(e).__name__}") from None
        with response:
            return _read(url, response, deadline, max_bytes, accept)
    raise ExtractionError(f"fetching {url} failed: more than {max_redirects} redirects")


def _read(url: str, response, deadline: _Deadline, max_bytes: int,  # noqa: ANN001
          accept: tuple[str, ...]) -> Page:
    """The body, read a chunk at a time: the size cap holds while reading (Content-Length may lie
    or be missing), and the deadline holds whatever the peer does."""
    timeout = deadline.seconds
    ctype = response.headers.get("Content-Type", "")
    mime = ctype.split(";")[0].strip().lower()
    if mime and mime not in accept:
        raise ExtractionError(f"{url} is not {'an HTML page' if accept == ACCEPTED_TYPES else 'a feed'} "
                              f"(Content-Type {mime})")
    length = response.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise ExtractionError(f"page at {url} is larger than the {_size(max_bytes)} limit")
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = response.read1(CHUNK)  # what has arrived: a drip never makes it wait for a whole chunk
            if deadline.passed:  # the watchdog shut the socket: what was read is not the page
                raise ExtractionError(f"fetching {url} failed: timed out after {timeout:g} s")
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise ExtractionError(f"page at {url} is larger than the {_size(max_bytes)} limit")
            chunks.append(chunk)
    except (OSError, ValueError, http.client.HTTPException) as e:
        if deadline.passed or isinstance(e, TimeoutError) or "timed out" in str(e):
            raise ExtractionError(f"fetching {url} failed: timed out after {timeout:g} s") from None
        raise ExtractionError(f"fetching {url} failed: {e}") from None
    headers = response.headers
    return Page(body=b"".join(chunks), url=response.geturl(), content_type=ctype,
                etag=headers.get("ETag", ""), last_modified=headers.get("Last-Modified", ""))


def _size(n: int) -> str:
    return f"{n / 2**20:g} MB" if n >= 2**20 else f"{n} bytes"
