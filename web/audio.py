"""Audio delivery: versioned, immutable MP3, timing map and WebVTT URLs with byte ranges.

Range handling (RFC 9110 section 14), written out because browsers depend on it to seek
(Safari will not seek a file served without 206 answers):

* one range -> 206 with Content-Range; ``bytes=0-`` -> 206 for the whole file;
  ``bytes=-N`` -> the last N bytes (the whole file if N exceeds it); an end past the
  file is clamped to its last byte;
* a range that starts at or past the end (or ``bytes=-0``, or any range of an empty file)
  -> 416 with ``Content-Range: bytes */SIZE``;
* several ranges, a malformed header, or another unit -> the Range header is ignored and
  the whole file is sent with 200 (the RFC allows a server to ignore Range; no browser asks
  an audio element for several ranges);
* If-Range with a validator that no longer matches -> 200 with the whole file;
* If-None-Match / If-Modified-Since -> 304.

With ``NARRATOR_ACCEL_REDIRECT`` set, the app only checks the file exists and answers with
``X-Accel-Redirect`` so nginx sends the bytes (and does its own range handling).

With object storage (``NARRATOR_S3_BUCKET``), the same URLs answer 302 to the bucket or CDN
(a public URL, or a presigned one for a private bucket) once the version is recorded; the bucket
serves the bytes and the ranges.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote

from flask import Blueprint, Response, abort, redirect, request, url_for
from werkzeug.http import http_date, parse_date
from werkzeug.wrappers import Response as BaseResponse
from werkzeug.wsgi import wrap_file

from narrator.service.audio_storage import IMMUTABLE, SUFFIXES
from narrator.service.store import ID_PATTERN, NotFound, Store

from .context import service

bp = Blueprint("audio", __name__, url_prefix="/audio")

CHUNK = 64 * 1024
"""Bytes read at a time for a range body."""

UNSATISFIABLE = (-1, -1)
"""parse_range's answer for a range that lies outside the file."""
_POSITION = re.compile(r"[0-9]+")
"""A byte position: ASCII digits only (str.isdigit() also takes '²' and '٣', which int() refuses)."""

ENDPOINTS = {"mp3": "audio.mp3", "timing.json": "audio.timing", "vtt": "audio.vtt"}
"""A version's files by URL suffix (the file suffix is the same with a dot, as in storage.SUFFIXES)."""


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions a Range header asks for, inclusive; None to send the whole
    file (no header, malformed, several ranges, another unit); UNSATISFIABLE for 416."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes":
        return None
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if len(parts) != 1:
        return None
    first, dash, last = parts[0].partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first or last) or not all(_POSITION.fullmatch(p) for p in (first, last) if p):
        return None
    if not first:  # suffix range: the last N bytes
        n = _position(last)
        if n == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - n), size - 1
    start = _position(first)
    if last and _position(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, min(_position(last), size - 1) if last else size - 1


def _position(digits: str) -> int:
    """A byte position; any number past 10**18 (past every file, and past int()'s 4,300-digit limit
    for the longest) counts as 10**18."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 18 else 10**18


def _etag_list(header: str) -> list[str]:
    return [t.strip() for t in header.split(",") if t.strip()]


def _not_modified(etag: str, mtime: int) -> bool:
    inm = request.headers.get("If-None-Match")
    if inm is not None:  # weak comparison; If-Modified-Since is then ignored
        bare = etag.removeprefix("W/")
        return any(t == "*" or t.removeprefix("W/") == bare for t in _etag_list(inm))
    since = parse_date(request.headers.get("If-Modified-Since"))
    return since is not None and int(since.timestamp()) >= mtime


def _range_applies(etag: str, mtime: int) -> bool:
    if_range = request.headers.get("If-Range")
    if not if_range:
        return True
    if_range = if_range.strip()
    if if_range.startswith(('"', "W/")):
        return if_range == etag  # strong comparison
    date = parse_date(if_range)
    return date is not None and int(date.timestamp()) == mtime


class FileRange:
    """A WSGI body: `length` bytes of an open file from `start`; the server's close() closes the file
    (also when the body is never read, as for HEAD)."""

    def __init__(self, f, start: int, length: int):  # noqa: ANN001
        self.f, self.start, self.length = f, start, length

    def __iter__(self):  # noqa: ANN204
        self.f.seek(self.start)
        left = self.length
        while left > 0:
            data = self.f.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            yield data

    def close(self) -> None:
        self.f.close()

    __del__ = close  # a server that loses the peer may drop the body without calling close()


def send_immutable(path: Path, content_type: str, download_name: str | None = None) -> Response:
    """Serve a file that never changes, with validators, caching and single byte ranges. `content_type`
    is sent as it is (with its charset, if any: Response's `mimetype` would add a second one)."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the response
    except (FileNotFoundError, NotADirectoryError):
        abort(404, description="no such file")
    st = os.fstat(f.fileno())
    size, mtime = st.st_size, int(st.st_mtime)
    etag = f'"{st.st_mtime_ns:x}-{size:x}"'
    headers = {
        "Cache-Control": IMMUTABLE,
        "ETag": etag,
        "Last-Modified": http_date(mtime),
        "Accept-Ranges": "bytes",
        "Access-Control-Allow-Origin": "*",
    }
    if download_name:
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    if _not_modified(etag, mtime):
        f.close()
        return Response(status=304, headers=headers)
    wanted = parse_range(request.headers.get("Range"), size) if _range_applies(etag, mtime) else None
    if wanted == UNSATISFIABLE:
        f.close()
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status=416, headers=headers)
    status, (start, end) = (200, (0, size - 1)) if wanted is None else (206, wanted)
    if status == 206:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    gunicorn = request.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn/")
    if gunicorn or (status == 200 and "wsgi.file_wrapper" in request.environ):
        # The server's file wrapper (sendfile(2)) sends the whole file, or under gunicorn exactly
        # Content-Length bytes from the file's current offset, so it can serve a range there too.
        f.seek(start)
        body = wrap_file(request.environ, f)
    else:
        body = FileRange(f, start, end - start + 1)
    response = Response(body, status, headers, content_type=content_type, direct_passthrough=True)
    response.content_length = end - start + 1
    return response


def _accel(store: Store, path: Path, content_type: str, download_name: str | None) -> Response:
    """Let nginx send the file: an empty answer naming its internal location."""
    if not path.is_file():
        abort(404, description="no such file")
    prefix = service().settings.accel_redirect.rstrip("/") + "/"
    relative = path.relative_to(store.audio_root).as_posix()
    headers = {
        "X-Accel-Redirect": prefix + quote(relative),
        "Cache-Control": IMMUTABLE,
        "Access-Control-Allow-Origin": "*",
    }
    if download_name:
        headers["Content-Disposition"] = f'attachment; filename="{download_name}"'
    return Response(status=200, headers=headers, content_type=content_type)


def _to_bucket(store: Store, article_id: str, version: int, url: str) -> BaseResponse:
    """A redirect to a published version's object in the bucket (404 until the version is recorded)."""
    if store.versions.get(article_id, version) is None:
        abort(404, description="no such file")
    response = redirect(url, 302)
    response.headers["Cache-Control"] = f"private, max-age={store.storage.redirect_max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _serve(article_id: str, version: int, kind: str) -> BaseResponse:
    if not ID_PATTERN.match(article_id) or version >= 2**63:  # a longer number is no file name
        abort(404, description="no such article")
    store = service().store
    suffix = "." + kind
    content_type = SUFFIXES[suffix]
    remote = store.storage.url(article_id, version, suffix)
    if remote is not None:
        return _to_bucket(store, article_id, version, remote)
    path = store.audio_root / article_id / f"{version}{suffix}"
    download = f"{article_id}-v{version}{suffix}" if request.args.get("download") else None
    return local_file(path, content_type, download)


def local_file(path: Path, content_type: str, download_name: str | None = None) -> Response:
    """A file of the audio folder that never changes: through nginx (X-Accel-Redirect) when configured,
    else sent by the app with byte ranges."""
    if service().settings.accel_redirect:
        return _accel(service().store, path, content_type, download_name)
    return send_immutable(path, content_type, download_name)


@bp.get("/<article_id>/<int:version>.mp3")
def mp3(article_id: str, version: int) -> BaseResponse:
    return _serve(article_id, version, "mp3")


@bp.get("/<article_id>/<int:version>.timing.json")
def timing(article_id: str, version: int) -> BaseResponse:
    return _serve(article_id, version, "timing.json")


@bp.get("/<article_id>/<int:version>.vtt")
def vtt(article_id: str, version: int) -> BaseResponse:
    return _serve(article_id, version, "vtt")


@bp.get("/<article_id>/latest.<any('mp3', 'timing.json', 'vtt'):kind>")
def latest(article_id: str, kind: str) -> BaseResponse:
    """A temporary redirect to the current version's file."""
    store = service().store
    try:
        version = store.articles.get(article_id).current_version
    except NotFound:
        abort(404, description=f"no article '{article_id}'")
    if version is None:
        abort(404, description=f"article '{article_id}' has no narration yet")
    remote = store.storage.url(article_id, version, "." + kind)  # object storage: straight there
    download = "1" if request.args.get("download") else None  # nothing else of the query is passed on
    target = remote or url_for(ENDPOINTS[kind], article_id=article_id, version=version, download=download)
    response = redirect(target, 302)
    response.headers["Cache-Control"] = "no-cache"
    return response
