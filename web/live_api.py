"""Listening before the version exists: the live stream of an article being narrated, and a listener's
press that moves a waiting article ahead of background work.

* ``GET /api/articles/<id>/live`` - what the player needs to play an article while it is narrated:
  its status, the live stream's segments and timing map so far (``?from_segment=N&from_paragraph=P``
  leaves out what the player has), the estimated length, and once the version is published its
  links and, for each segment, the same frames' byte range in the published MP3 (narrator.audio.stream).
  A poll costs what is new: one small query (the article without its content, and its newest job), a
  look at the manifest's stamp, and the pieces after the listener's cursor from the process's
  `LiveIndex` (narrator.web.live_index); the answer has an ETag, and a poll that sends it back in
  If-None-Match while nothing changed gets 304 with no body.
* ``GET /audio/<id>/live/<stream>/<n>.mp3`` - one segment, from this machine's disk or by a redirect
  to the bucket (segments never change); 404 once the article is deleted.
* ``POST /api/articles/<id>/listen`` - public and rate-limited like /api/events (one token bucket per
  client address, NARRATOR_EVENTS_PER_MINUTE): raises the priority of the waiting or running job of an
  article that has no version yet, for the job's opening only (narrator.service.generation.OPENING_CHARS):
  it changes the order of work, nothing else, and never lifts the whole of a big article.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from narrator.audio.stream import estimate_article_ms
from narrator.errors import VoiceError
from narrator.service.generation import live_stream
from narrator.service.status import JobStatus
from narrator.service.store import ID_PATTERN, ArticleHead, ArticleRecord, NotFound
from narrator.speech.voices import get_voice

from .audio import local_file
from .context import service
from .serialise import json_error, status_of

bp = Blueprint("live", __name__)

NO_STORE = {"Cache-Control": "no-store"}
"""The live state changes every second: never cached (the player revalidates with If-None-Match)."""


def _head(article_id: str) -> ArticleHead:
    try:
        return service().store.articles.head(article_id)
    except NotFound:
        abort(404, description=f"no article '{article_id}'")


def _since(name: str) -> int:
    """A non-negative count from the query (0 when missing or not a number)."""
    value = request.args.get(name, default=0, type=int)
    return max(value or 0, 0)


def estimate_of(record: ArticleRecord) -> int | None:
    """The estimated length of the article's narration before its job has said (None without a voice)."""
    settings = service().settings
    try:
        voice = get_voice(record.voice, record.article.language, settings.voices)
    except VoiceError:  # an unknown voice: the job will fail and say so
        return None
    if not record.article.sections:
        return None
    return estimate_article_ms(record.article, voice, settings.disclaimer)


def _estimate(head: ArticleHead) -> int | None:
    """`estimate_of` the article as it is now, read and computed once per content and process."""
    store = service().store
    return service().live_index.estimate((head.id, head.updated, head.voice),
                                         lambda: estimate_of(store.articles.get(head.id)))


def live_json(head: ArticleHead, from_segment: int = 0, from_paragraph: int = 0) -> str:
    """The article as a player listening before the version exists sees it (see the module), as JSON:
    only the segments from `from_segment` and the paragraphs from `from_paragraph`."""
    job, version = head.job, head.current_version
    current = version is not None and head.duration_ms is not None
    state: dict = {
        "article": head.id,
        "status": status_of(job),
        "stage": job.stage if job else None,
        "error": job.error if job and job.status == JobStatus.FAILED else None,
        "version": version,
        "audio_url": url_for("audio.mp3", article_id=head.id, version=version) if current else None,
        "timing_url": url_for("audio.timing", article_id=head.id, version=version) if current else None,
        "duration_ms": head.duration_ms if current else None,
        "stream": None,
        "complete": False,
        "estimated_ms": None,
        "segments": [],
    }
    index = None
    if job is not None and job.attempts and job.status != JobStatus.QUEUED:
        index = service().live_index.stream(head.id, live_stream(job))
    if index is None:
        state["estimated_ms"] = head.duration_ms if current else _estimate(head)
        return json.dumps(state, ensure_ascii=False)[:-1] + ', "paragraphs": []}'
    published = job is not None and job.status == JobStatus.DONE and job.version is not None \
        and job.version == version
    folder = url_for("live.segment", article_id=head.id, stream=index.stream, n=0).removesuffix("0.mp3")
    segments = []
    for segment in index.segments[from_segment:]:
        segment = dict(segment, url=f"{folder}{segment['n']}.mp3")  # url_for's answer, without its cost
        if not published:
            segment.pop("final", None)  # the byte ranges are of a file not yet published
        segments.append(segment)
    state.update(stream=index.stream, complete=index.complete,
                 estimated_ms=state["duration_ms"] or index.estimated_ms, segments=segments,
                 sample_rate=index.sample_rate, published=published)
    paragraphs = index.paragraphs_from(from_paragraph)
    return json.dumps(state, ensure_ascii=False)[:-1] + f', "paragraphs": [{paragraphs}]}}'


@bp.get("/api/articles/<article_id>/live")
def live(article_id: str) -> Response:
    head = _head(article_id)
    body = live_json(head, _since("from_segment"), _since("from_paragraph")).encode()
    etag = hashlib.blake2b(body, digest_size=12).hexdigest()  # of exactly what would be sent
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers.update(NO_STORE)
    return response


@bp.get("/audio/<article_id>/live/<stream>/<int:n>.mp3")
def segment(article_id: str, stream: str, n: int) -> BaseResponse:
    if not ID_PATTERN.match(article_id) or not ID_PATTERN.match(stream) or n >= 2**31:
        abort(404, description="no such segment")
    _head(article_id)  # a deleted article's stream is gone at once, whatever its files
    storage = service().store.storage
    name = f"{n}.mp3"
    remote = storage.live_url(article_id, stream, name)
    if remote is not None:  # no lookup first: the bucket answers 404 itself
        response = redirect(remote, 302)
        response.headers["Cache-Control"] = f"private, max-age={storage.redirect_max_age}"
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response
    path = storage.live_path(article_id, stream, name)
    if path is None:
        abort(404, description="no such segment")
    return local_file(path, "audio/mpeg")


@bp.post("/api/articles/<article_id>/listen")
def listen(article_id: str) -> Response:
    """A listener pressed play on an article still being made: its job's opening goes ahead of
    background work (204 when there is nothing to lift: no job, or the article has a version)."""
    svc = service()
    if not svc.events_limiter.allow(request.remote_addr or ""):
        return json_error(429, "too many requests; slow down", {"Retry-After": "10"})
    _head(article_id)
    job = svc.store.jobs.prioritise(article_id)
    if job is None:
        return Response(status=204)
    if job.status == JobStatus.QUEUED:
        svc.runner.submit(job.id, job.priority)  # at its new priority (a job enqueued twice runs once)
    response = jsonify(article=article_id, job=job.id, status=status_of(job), priority=job.priority)
    response.status_code = 202
    return response


__all__ = ["bp", "estimate_of", "live_json"]
