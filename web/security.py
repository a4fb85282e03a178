"""Hostile input at the web edge: response headers (CSP and friends), request limits, the fetch guard.

Registered by create_app with ``security.init_app(app)``:

* every response gets a Content-Security-Policy (scripts, styles, media and fetches from this
  origin only, no inline script or style, no plugins), ``X-Content-Type-Options: nosniff`` and a
  Referrer-Policy; pages may be framed by this origin only, except the embed player
  (``/embed/<id>``), which publishers frame: its ``frame-ancestors`` is the embed_ancestors setting
  (``NARRATOR_EMBED_ANCESTORS``, default ``*``);
* a body without Content-Length (chunked) over MAX_CONTENT_LENGTH is refused with 413, like a sized
  one (werkzeug would silently truncate it);
* a JSON body nested deeper than MAX_JSON_DEPTH is refused with 400 before a view reads it
  (Python's parser would otherwise raise RecursionError: a 500), and so is one holding a lone
  surrogate (``"\\ud800"``: JSON's escapes can spell half of a UTF-16 pair, which is no character,
  and neither SQLite, PostgreSQL nor a UTF-8 response can hold it), in any value or key of any route;
* the body size limit (413) is Flask's MAX_CONTENT_LENGTH (an article's own length limit is checked
  by narrator.service.submissions);
* every value a template prints passes `safe_text` (Jinja's finalize): no control character reaches a
  page, whatever a stored title or timing map holds;
* `fetch_guard` makes the SSRF guard (narrator.net.guard) for the pages the app's jobs fetch;
* behind a reverse proxy (``NARRATOR_PROXY_COUNT``: the number of proxies in front),
  the client address and scheme are taken from that many X-Forwarded-For / X-Forwarded-Proto
  entries (werkzeug's ProxyFix); with 0 (the default) those headers are ignored, so a client
  reaching the app directly cannot choose the address its rate limits are counted under.
"""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

from flask import Flask, Response, abort, request
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from narrator.config import Settings
from narrator.net.guard import NetGuard, system_resolve
from narrator.safetext import strip_unsafe

from .context import service

MAX_JSON_DEPTH = 16
"""Deepest JSON body accepted: the API's bodies are flat objects (depth 1); 16 leaves room for
structured edits without letting a parser recurse a thousand levels."""

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{logo}; "
    "media-src 'self' blob:{audio}; connect-src 'self'{audio}; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
)
"""The Content-Security-Policy of every response; templates and static JS work under it (no inline
script or style, no eval, resources from this origin; media also from blob: URLs, which is how the
player hands the live stream to its <audio> (Media Source Extensions), and audio and fetches also
from the audio bucket when audio is in S3 (see `audio_origins`))."""


def audio_origins(settings: Settings) -> str:
    """The origins listeners fetch audio from besides this one (the player reads segments and byte
    ranges with fetch, so both media-src and connect-src need them): the bucket's public URL, its
    endpoint, or AWS's S3 hosts; empty for local audio."""
    if not settings.s3_bucket:
        return ""
    origins = set()
    for url in (settings.s3_public_url, settings.s3_endpoint_url):
        parts = urlsplit(url)
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    if not settings.s3_public_url and not settings.s3_endpoint_url:
        origins.add("https://*.amazonaws.com")
    return "".join(" " + o for o in sorted(origins))

def logo_origin(settings: Settings) -> str:
    """The origin of the publisher's logo when it is a URL (the bar shows it), else empty."""
    parts = urlsplit(settings.publisher_logo.strip())
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


EMBEDDABLE = frozenset({"player.embed", "player.embed_by_url", "player.embed_playlist"})
"""Endpoints publishers may put in an iframe on their own sites."""


def init_app(app: Flask) -> None:
    """Add the headers and request limits to `app`."""
    proxies = app.extensions["narrator"].settings.proxy_count
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_limit_unsized_body)
    app.before_request(_limit_json)
    app.after_request(_headers)
    app.jinja_env.finalize = safe_text


def safe_text(value: object) -> object:
    """What a template prints of `value`: text without control characters and the like
    (narrator.safetext), whatever an older narrator, a hand-edited database or a timing map holds;
    markup stays markup (only characters are removed, so no tag can appear)."""
    if isinstance(value, Markup):
        return Markup(strip_unsafe(str(value)))
    return strip_unsafe(value) if isinstance(value, str) else value


def _headers(response: Response) -> Response:
    """Security headers on every response (a view's own values win)."""
    embeddable = request.endpoint in EMBEDDABLE
    ancestors = service().settings.embed_ancestors if embeddable else "'self'"
    headers = response.headers
    settings = service().settings
    policy = POLICY.format(ancestors=ancestors, audio=audio_origins(settings), logo=logo_origin(settings))
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if not embeddable:
        headers.setdefault("X-Frame-Options", "SAMEORIGIN")  # for browsers without frame-ancestors
    return response


LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 surrogate pair: JSON's "\\ud800" decodes to it alone (a pair decodes to one character)."""


def json_nodes(value: object) -> Iterator[tuple[object, int]]:
    """Every list, object, key and scalar of a parsed JSON document with its depth (the document's
    own: 0; what it holds: 1...), without recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        yield item, depth
        if isinstance(item, dict):
            stack.extend((key, depth + 1) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def json_depth(value: object) -> int:
    """How deeply lists and objects nest in `value` (a scalar: 0, ``{"a": 1}``: 1, ``[[1]]``: 2)."""
    return max((depth + 1 for item, depth in json_nodes(value) if isinstance(item, dict | list)), default=0)


def json_refusal(value: object, limit: int = MAX_JSON_DEPTH) -> str | None:
    """Why a parsed JSON body is refused before any view reads it (None: it is not): nested more than
    `limit` levels, or a string or key holding a lone surrogate."""
    for item, depth in json_nodes(value):
        if depth >= limit and isinstance(item, dict | list):
            return f"the JSON body is nested more than {limit} levels deep"
        if isinstance(item, str) and LONE_SURROGATE.search(item):
            return ("the JSON body holds a lone surrogate (a \\ud800-\\udfff escape without its pair), "
                    "which is no character: send text as Unicode characters")
    return None


def _limit_unsized_body() -> None:
    """413 for a body without Content-Length (chunked) over MAX_CONTENT_LENGTH. Werkzeug stops reading
    such a body at the limit and hands the view the first MAX_CONTENT_LENGTH bytes as if they were all:
    an article cut short without a word. Read it here, one byte past the limit, and keep it for the view."""
    limit = request.max_content_length
    environ = request.environ
    if limit is None or request.content_length is not None or not environ.get("wsgi.input_terminated"):
        return  # sized bodies are checked by werkzeug; unterminated unsized ones are read as empty
    stream, chunks, size = environ["wsgi.input"], [], 0
    while size <= limit:
        chunk = stream.read(limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(b"".join(chunks))


def _limit_json() -> None:
    """Parse a JSON body once (the view reuses the cached result) and refuse, with 400, one nested too
    deeply or holding a lone surrogate (`json_refusal`): every route's every field, in one place."""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.is_json:
        return
    try:
        data = request.get_json(silent=True)  # a syntax error is left to the view to explain
    except RecursionError:
        abort(400, description=f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
    refusal = json_refusal(data)
    if refusal:
        abort(400, description=refusal)


def fetch_guard(app: Flask) -> Callable[[], NetGuard]:
    """The guard factory for pages the app's jobs fetch: public addresses only unless
    NARRATOR_ALLOW_PRIVATE_URLS=1 (read at each fetch); the app's FETCH_RESOLVE and FETCH_CONNECT are
    test seams that map host names to loopback."""

    def guard() -> NetGuard:
        return NetGuard(allow_private=bool(app.extensions["narrator"].settings.allow_private_urls),
                        resolve=app.config.get("FETCH_RESOLVE") or system_resolve,
                        connect=app.config.get("FETCH_CONNECT") or socket.create_connection)

    return guard
