"""Listening before the version exists: the live stream of an article being narrated, and a listener's
press that moves a waiting article ahead of background work.

* ``GET /api/articles/<id>/live`` - what the player needs to play an article while it is narrated:
  its status, the live stream's segments and timing map so far (``?from_segment=N&from_paragraph=P``
  leaves out what the player has), the estimated length, and once the version is published its
  links and, for each segment, the same frames' byte range in the published MP3 (narrator.live).
* ``GET /audio/<id>/live/<stream>/<n>.mp3`` - one segment, from this machine's disk or by a redirect
  to the bucket (segments never change).
* ``POST /api/articles/<id>/listen`` - public and rate-limited like /api/events: raises the priority
  of the article's waiting or running job (it changes the order of work, nothing else).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from narrator.errors import VoiceError
from narrator.live import estimate_article_ms
from narrator.service.generation import live_stream
from narrator.service.storage import LIVE_MANIFEST
from narrator.service.store import ID_PATTERN, ArticleRecord, JobRecord, NotFound
from narrator.voices import get_voice

from .audio import local_file
from .context import service
from .views import json_error, status_of

bp = Blueprint("live", __name__)

NO_STORE = {"Cache-Control": "no-store"}
"""The live state changes every second: never cached."""


def _record(article_id: str) -> ArticleRecord:
    try:
        return service().store.get_article(article_id)
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


def live_state(record: ArticleRecord, job: JobRecord | None, from_segment: int = 0,
               from_paragraph: int = 0) -> dict:
    """The article as a player listening before the version exists sees it (see the module)."""
    store = service().store
    version = record.current_version
    current = store.get_version(record.id, version) if version is not None else None
    state: dict = {
        "article": record.id,
        "status": status_of(job),
        "stage": job.stage if job else None,
        "error": job.error if job and job.status == "failed" else None,
        "version": version,
        "audio_url": url_for("audio.mp3", article_id=record.id, version=version) if current else None,
        "timing_url": url_for("audio.timing", article_id=record.id, version=version) if current else None,
        "duration_ms": current.duration_ms if current else None,
        "stream": None,
        "complete": False,
        "estimated_ms": current.duration_ms if current else estimate_of(record),
        "segments": [],
        "paragraphs": [],
    }
    if job is None or not job.attempts or job.status == "queued":
        return state
    stream = live_stream(job)
    raw = store.storage.read_live(record.id, stream, LIVE_MANIFEST)
    if raw is None:
        return state
    manifest = json.loads(raw)
    published = job.status == "done" and job.version is not None and job.version == version
    segments = []
    for segment in manifest["segments"][from_segment:]:
        segment["url"] = url_for("live.segment", article_id=record.id, stream=stream, n=segment["n"])
        if not published:
            segment.pop("final", None)  # the byte ranges are of a file not yet published
        segments.append(segment)
    state.update(
        stream=stream,
        complete=bool(manifest["complete"]),
        estimated_ms=state["duration_ms"] or manifest["estimated_ms"],
        sample_rate=manifest["sample_rate"],
        segments=segments,
        paragraphs=[p for p in manifest["paragraphs"] if p["index"] >= from_paragraph],
        published=published,
    )
    return state


@bp.get("/api/articles/<article_id>/live")
def live(article_id: str) -> Response:
    record = _record(article_id)
    state = live_state(record, service().store.latest_job(article_id), _since("from_segment"),
                       _since("from_paragraph"))
    response = jsonify(state)
    response.headers.update(NO_STORE)
    return response


@bp.get("/audio/<article_id>/live/<stream>/<int:n>.mp3")
def segment(article_id: str, stream: str, n: int) -> BaseResponse:
    if not ID_PATTERN.match(article_id) or not ID_PATTERN.match(stream) or n >= 2**31:
        abort(404, description="no such segment")
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
    """A listener pressed play on an article still being made: its job goes ahead of background work."""
    svc = service()
    if not svc.events_limiter.allow(request.remote_addr or ""):
        return json_error(429, "too many requests; slow down", {"Retry-After": "10"})
    _record(article_id)
    job = svc.store.prioritise(article_id)
    if job is None:
        return Response(status=204)
    if job.status == "queued":
        svc.runner.submit(job.id, job.priority)  # at its new priority (a job enqueued twice runs once)
    response = jsonify(article=article_id, job=job.id, status=status_of(job), priority=job.priority)
    response.status_code = 202
    return response


__all__ = ["bp", "live_state"]
