"""What the API and the dashboard show of stored things: JSON views of articles, versions and jobs,
one status vocabulary, and the JSON error body every route answers with."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from flask import Response, jsonify, url_for

from narrator.audio.cache import UnitCache
from narrator.config import Settings
from narrator.errors import VoiceError
from narrator.model import Article
from narrator.pipeline import prepare
from narrator.preview import Baseline, preview
from narrator.service.status import ArticleStatus, JobStatus, article_status
from narrator.service.store import ArticleRecord, JobRecord, Store, VersionRecord
from narrator.speech.voices import Voice, get_voice

STATUSES = tuple(ArticleStatus)
"""An article's status, in the API and on the dashboard alike (narrator.service.status.ArticleStatus).
Whether there is audio to play is a separate fact: `current_version` is not null."""

REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    416: "Range Not Satisfiable",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
"""Reason phrases of the statuses the service answers with."""


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The error body of every JSON route: {"error": reason, "message": what to do, "status": N}."""
    response = jsonify(error=REASONS.get(status, "Error"), message=message, status=status)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def iso(t: float | None) -> str | None:
    """A Unix time as ISO 8601 UTC ('2026-12-01T21:20:00Z')."""
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


def status_of(job: JobRecord | None) -> ArticleStatus:
    """One of STATUSES, from the article's newest job (ValueError for a job status nobody knows)."""
    return article_status(job.status if job else None)


def job_json(job: JobRecord | None) -> dict | None:
    """A job as the API shows it."""
    if job is None:
        return None
    return {
        "id": job.id,
        "article": job.article_id,
        "status": job.status,
        "stage": job.stage,
        "attempts": job.attempts,
        "done": job.done,
        "total": job.total,
        "error": job.error,
        "version": job.version,
        "created": iso(job.created),
        "updated": iso(job.updated),
        "url": url_for("api.get_job", job_id=job.id),
    }


def version_json(v: VersionRecord) -> dict:
    """A version as the API shows it, with its file links."""
    aid, n = v.article_id, v.version
    return {
        "version": n,
        "voice": v.voice,
        "duration_ms": v.duration_ms,
        "size": v.size,
        "created": iso(v.created),
        "made_by": v.made_by,
        "audio_url": url_for("audio.mp3", article_id=aid, version=n),
        "timing_url": url_for("audio.timing", article_id=aid, version=n),
        "vtt_url": url_for("audio.vtt", article_id=aid, version=n),
    }


def article_json(store: Store, record: ArticleRecord, full: bool = False,
                 job: JobRecord | None = None) -> dict:
    """An article with its status, current version, links and `job` (default: its newest job)."""
    job = job or store.jobs.latest(record.id)
    published = job.version or 0 if job is not None and job.status == JobStatus.DONE else 0
    if (record.current_version or 0) < published:
        # The record was read before its job published (or a rollback chose an older version): read again.
        record = store.articles.get(record.id)
    current = store.versions.get(record.id, record.current_version) if record.current_version else None
    files = version_json(current) if current else {}
    a = record.article
    data = {
        "id": record.id,
        "title": a.title,
        "byline": a.byline,
        "language": a.language,
        "url": a.url,
        "voice": current.voice if current else record.voice,
        "status": status_of(job),
        "current_version": record.current_version,
        "duration_ms": current.duration_ms if current else None,
        "audio_url": files.get("audio_url"),
        "timing_url": files.get("timing_url"),
        "vtt_url": files.get("vtt_url"),
        "latest_url": url_for("audio.latest", article_id=record.id, kind="mp3"),
        "player_url": url_for("player.article", article_id=record.id),
        "embed_url": url_for("player.embed", article_id=record.id),
        "created": iso(record.created),
        "updated": iso(record.updated),
        "job": job_json(job),
    }
    if full:
        data["requested_voice"] = record.voice
        data["versions"] = [version_json(v) for v in store.versions.all(record.id)]
        data["content"] = a.to_dict()
    return data


def baseline(store: Store, settings: Settings, record: ArticleRecord) -> Baseline | None:
    """The article's current version as a preview compares with it (None: no version, or its voice
    profile is gone)."""
    if record.current_version is None:
        return None
    version = store.versions.get(record.id, record.current_version)
    made_from = store.versions.article(record.id, record.current_version)
    if version is None or made_from is None:
        return None
    try:
        voice = get_voice(version.voice, made_from.language, settings.voices)
    except VoiceError:
        return None
    return Baseline(version.voice, version.model_id, prepare(made_from, voice, settings))


def preview_json(store: Store, settings: Settings, cache: UnitCache | None, record: ArticleRecord,
                 article: Article, voice: Voice) -> dict:
    """The preview of narrating `article` (`record` with edits) in `voice` now: every paragraph, its
    spoken form, its text in the current version, and whether narrating would change it and
    synthesise it (the engine identities come from the versions made so far)."""
    known: dict[str, str] = {}
    for used in store.versions.used_voices():  # most recent first
        known.setdefault(used["name"], used["model_id"])
    result = preview(article, voice, settings, known, cache, baseline(store, settings, record))
    return {
        "voice": result.voice,
        "version": record.current_version,
        "total": result.total,
        "changed": result.changed,
        "synthesise": result.synthesise,
        "blocks": [dataclasses.asdict(b) for b in result.blocks],
    }


__all__ = ["REASONS", "STATUSES", "article_json", "baseline", "iso", "job_json", "json_error", "preview_json",
           "status_of", "version_json"]
