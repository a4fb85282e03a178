"""The JSON API: articles, jobs, voices, and the OpenAPI document that describes them."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from narrator.errors import ExtractionError, InputError, VoiceError
from narrator.extract import extract_html, extract_text
from narrator.fetch import fetch
from narrator.generate import fingerprint
from narrator.model import Article
from narrator.store import ArticleRecord, Conflict, JobRecord, NotFound, Store, VersionRecord
from narrator.voices import all_voices, get_voice

from .auth import editor_required
from .security import check_article, fetch_guard

bp = Blueprint("api", __name__, url_prefix="/api")

OPENAPI = Path(__file__).with_name("openapi.json")

SOURCES = ("url", "html", "text")
"""Exactly one of these carries an article's content."""


class ApiError(Exception):
    """An error answered as JSON with a status."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def _api_error(e: ApiError):  # noqa: ANN202
    return jsonify(error=_REASONS.get(e.status, "Error"), message=e.message, status=e.status), e.status


@bp.errorhandler(InputError)
def _input_error(e: InputError):  # noqa: ANN202
    if isinstance(e, NotFound):
        status = 404
    elif isinstance(e, Conflict):
        status = 409
    elif isinstance(e, ExtractionError | VoiceError):
        status = 422
    else:
        status = 400
    return _api_error(ApiError(status, str(e)))


_REASONS = {
    400: "Bad Request",
    404: "Not Found",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
}


def _store() -> Store:
    return current_app.extensions["narrator"]["store"]


def _iso(t: float | None) -> str | None:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if t else None


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
        "created": _iso(job.created),
        "updated": _iso(job.updated),
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
        "created": _iso(v.created),
        "audio_url": url_for("audio.mp3", article_id=aid, version=n),
        "timing_url": url_for("audio.timing", article_id=aid, version=n),
        "vtt_url": url_for("audio.vtt", article_id=aid, version=n),
    }


def article_json(record: ArticleRecord, full: bool = False) -> dict:
    """An article with its status, current version, links and latest job."""
    store = _store()
    job = store.latest_job(record.id)
    current = store.get_version(record.id, record.current_version) if record.current_version else None
    if current:
        status = "ready"
    elif job and job.status == "failed":
        status = "failed"
    else:
        status = "pending"
    a = record.article
    data = {
        "id": record.id,
        "title": a.title,
        "byline": a.byline,
        "language": a.language,
        "url": a.url,
        "voice": current.voice if current else record.voice,
        "status": status,
        "current_version": record.current_version,
        "duration_ms": current.duration_ms if current else None,
        "audio_url": version_json(current)["audio_url"] if current else None,
        "timing_url": version_json(current)["timing_url"] if current else None,
        "vtt_url": version_json(current)["vtt_url"] if current else None,
        "latest_url": url_for("audio.latest", article_id=record.id, kind="mp3"),
        "player_url": url_for("player.article", article_id=record.id),
        "embed_url": url_for("player.embed", article_id=record.id),
        "created": _iso(record.created),
        "updated": _iso(record.updated),
        "job": job_json(job),
    }
    if full:
        data["requested_voice"] = record.voice
        data["versions"] = [version_json(v) for v in store.list_versions(record.id)]
        data["content"] = a.to_dict()
    return data


def _body() -> dict:
    """The submission: a JSON object, or a raw text/html or text/plain body with fields in the query."""
    mime = request.mimetype
    if mime == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ApiError(400, "the body must be a JSON object")
        return data
    if mime in ("text/html", "text/plain"):
        data = {k: request.args[k] for k in ("id", "voice", "title") if k in request.args}
        data["html" if mime == "text/html" else "text"] = request.get_data(as_text=True)
        return data
    raise ApiError(
        415, f"send application/json (or a raw text/html or text/plain body), not {mime or 'no Content-Type'}"
    )


def _pronunciations(value: object) -> tuple[tuple[str, str], ...]:
    """The article's own lexicon: {"written": "spoken", ...} (plain respellings)."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(
        isinstance(w, str) and isinstance(s, str) and w.strip() and s.strip() and "[[" not in s
        for w, s in value.items()
    ):
        raise ApiError(400, "'pronunciations' must map words to respellings (non-empty strings)")
    return tuple((w.strip(), s.strip()) for w, s in value.items())


def _article_from(data: dict) -> tuple[Article, str | None]:
    """Validate a submission and extract its article; the voice it asks for."""
    unknown = set(data) - {"id", "voice", "title", "pronunciations", *SOURCES}
    if unknown:
        raise ApiError(400, f"unknown fields: {', '.join(sorted(unknown))}")
    given = [k for k in SOURCES if data.get(k) is not None]
    if len(given) != 1:
        raise ApiError(400, "give exactly one of url, html or text")
    for key in ("id", "voice", "title", *SOURCES):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ApiError(400, f"'{key}' must be a string")
    kind, value = given[0], data[given[0]]
    if kind == "url":
        if not value.lower().startswith(("http://", "https://")):
            raise ApiError(400, "url must be an http or https URL")
        page = fetch(value, guard=fetch_guard())
        if page.content_type.lower().startswith("text/plain"):
            article = extract_text(page.body.decode("utf-8", errors="replace"))
            article = dataclasses.replace(article, url=page.url)
        else:
            article = extract_html(page.body, url=page.url, content_type=page.content_type)
    elif kind == "html":
        article = extract_html(value)
    else:
        article = extract_text(value)
    if data.get("title"):
        article = dataclasses.replace(article, title=data["title"].strip())
    article = dataclasses.replace(article, pronunciations=_pronunciations(data.get("pronunciations")))
    voice = data.get("voice") or None
    check_article(article)  # ExtractionError (422) beyond NARRATOR_MAX_ARTICLE_CHARS
    get_voice(voice, article.language)  # VoiceError (422) if unknown or none speaks the language
    return article, voice


def _fingerprint(article: Article, voice: str | None) -> str:
    return fingerprint(article, voice, current_app.extensions["narrator"]["narration"])


def _accepted(record: ArticleRecord, job: JobRecord | None, new: bool) -> Response:
    """202 with the article when a job is queued (submitted if new); 200 when nothing needs doing."""
    if job is not None and new:
        current_app.extensions["narrator"]["runner"].submit(job.id)
    response = jsonify(article_json(record, full=True))
    response.status_code = 202 if job is not None else 200
    response.headers["Location"] = url_for("api.get_article", article_id=record.id)
    return response


@bp.post("/articles")
@editor_required
def create_article():  # noqa: ANN201
    data = _body()
    article, voice = _article_from(data)
    record, job = _store().create_article(
        article, voice, data.get("id") or None, _fingerprint(article, voice)
    )
    return _accepted(record, job, True)


@bp.get("/articles")
def list_articles():  # noqa: ANN201
    return jsonify(articles=[article_json(r) for r in _store().list_articles()])


@bp.get("/articles/<article_id>")
def get_article(article_id: str):  # noqa: ANN201
    return jsonify(article_json(_store().get_article(article_id), full=True))


@bp.put("/articles/<article_id>")
@editor_required
def update_article(article_id: str):  # noqa: ANN201
    store = _store()
    store.get_article(article_id)  # 404 before reading the body
    data = _body()
    if data.get("id") not in (None, article_id):
        raise ApiError(409, f"the body's id '{data['id']}' conflicts with the URL's '{article_id}'")
    article, voice = _article_from(data)
    record, job, new = store.update_article(article_id, article, voice, _fingerprint(article, voice))
    return _accepted(record, job, new)


@bp.post("/articles/<article_id>/regenerate")
@editor_required
def regenerate(article_id: str):  # noqa: ANN201
    """Narrate the stored content again if anything that decides its sound changed (a lexicon)."""
    store = _store()
    record = store.get_article(article_id)
    record, job, new = store.update_article(
        article_id, record.article, record.voice, _fingerprint(record.article, record.voice)
    )
    return _accepted(record, job, new)


@bp.get("/articles/<article_id>/versions")
def list_versions(article_id: str):  # noqa: ANN201
    store = _store()
    record = store.get_article(article_id)
    return jsonify(current=record.current_version,
                   versions=[version_json(v) for v in store.list_versions(article_id)])


@bp.post("/articles/<article_id>/rollback")
@editor_required
def rollback(article_id: str):  # noqa: ANN201
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("version"), int) or isinstance(
        data.get("version"), bool
    ) or not 0 < data["version"] < 2**63:  # SQLite integers are 64-bit
        raise ApiError(400, 'send {"version": N} with the number of a kept version')
    record = _store().rollback(article_id, data["version"])
    return jsonify(article_json(record, full=True))


@bp.delete("/articles/<article_id>")
@editor_required
def delete_article(article_id: str):  # noqa: ANN201
    _store().delete_article(article_id)
    return "", 204


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):  # noqa: ANN201
    return jsonify(job_json(_store().get_job(job_id)))


@bp.get("/voices")
def voices():  # noqa: ANN201
    found = all_voices()
    try:
        default = get_voice(None, "en").name
    except VoiceError:
        default = None
    return jsonify(
        default=default,
        voices=[
            {
                "name": v.name,
                "engine": v.engine,
                "language": v.language,
                "description": v.description,
                "default_for": list(v.default_for),
                "fallback": v.fallback,
            }
            for v in found.values()
        ],
    )


@bp.get("/openapi.json")
def openapi():  # noqa: ANN201
    return Response(OPENAPI.read_text(encoding="utf-8"), mimetype="application/json")


def load_openapi() -> dict:
    """The OpenAPI document (tests compare its paths with the app's routes)."""
    return json.loads(OPENAPI.read_text(encoding="utf-8"))


# The editor's desk: the publication lexicon, previews, listening events --------------------------


def _lexicon_entry(written: str, lexicon) -> dict:  # noqa: ANN001 - narrator.lexicon.Lexicon
    return {"written": written, "spoken": dict(lexicon.entries)[written], "nocase": written in lexicon.nocase}


@bp.get("/lexicon")
def get_lexicon():  # noqa: ANN201
    from .editor import publication_lexicon

    lexicon = publication_lexicon()
    return jsonify(entries=[_lexicon_entry(w, lexicon) for w, _ in lexicon.entries], version=lexicon.version)


@bp.put("/lexicon/<path:written>")
@editor_required
def put_lexicon_entry(written: str):  # noqa: ANN201
    """Add or change an entry; the answer lists the articles that contain the word (to regenerate)."""
    from .editor import articles_containing, set_lexicon_entry

    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("spoken"), str) or not isinstance(
            data.get("nocase", False), bool):
        raise ApiError(400, 'send {"spoken": "...", "nocase": false}')
    lexicon = set_lexicon_entry(written, data["spoken"], data.get("nocase", False))
    written = written.strip()
    return jsonify(entry=_lexicon_entry(written, lexicon), version=lexicon.version,
                   articles=articles_containing(written, written in lexicon.nocase))


@bp.delete("/lexicon/<path:written>")
@editor_required
def delete_lexicon_entry(written: str):  # noqa: ANN201
    from .editor import articles_containing, set_lexicon_entry

    lexicon = set_lexicon_entry(written, None)
    return jsonify(version=lexicon.version, articles=articles_containing(written.strip()))


@bp.post("/lexicon/listen")
@editor_required
def listen_lexicon():  # noqa: ANN201
    """A word or phrase spoken on the spot in a voice, as an article would say it (a WAV)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("written"), str) or not data["written"].strip():
        raise ApiError(400, 'send {"written": "...", "voice": "..."}')
    if len(data["written"]) > 100:
        raise ApiError(400, "listen to at most 100 characters at a time")
    if data.get("voice") is not None and not isinstance(data["voice"], str):
        raise ApiError(400, "'voice' must be a string")
    get_voice(data.get("voice") or None, "en")  # 422 for an unknown voice, before queueing
    try:
        wav = current_app.extensions["narrator"]["runner"].speak(
            data["written"].strip(), data.get("voice"), timeout=current_app.config.get("LISTEN_TIMEOUT_S", 30)
        )
    except TimeoutError as e:
        return jsonify(error="Service Unavailable", message=str(e), status=503), 503, {"Retry-After": "5"}
    return Response(wav, mimetype="audio/wav", headers={"Cache-Control": "no-store"})


@bp.post("/articles/<article_id>/preview")
@editor_required
def preview_article(article_id: str):  # noqa: ANN201
    """What regenerating would do: each paragraph as it will be spoken, and which will be re-synthesised."""
    from .editor import apply_edits, preview_json

    record = _store().get_article(article_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, 'send {"paragraphs": [{"block": N, "text": "..."}], "voice": "..."}')
    article, voice = apply_edits(record, data)
    return jsonify(preview_json(article, voice))


@bp.post("/events")
def listening_event():  # noqa: ANN201
    """The player reports a play, a progress mark or a speed change (no cookies; nothing personal kept)."""
    from narrator.analytics import EVENTS

    limiter = current_app.extensions["narrator"]["events_limiter"]
    if not limiter.allow(request.remote_addr or ""):
        return jsonify(error="Too Many Requests", message="too many events; slow down",
                       status=429), 429, {"Retry-After": "10"}
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("article"), str):
        raise ApiError(400, 'send {"article": "ID", "event": "play" | "25" | "50" | "75" | "100" | "speed", '
                            '"value": SPEED}')
    name = str(data.get("event"))
    if name == "speed":
        value = data.get("value")
        name = f"speed:{value:g}" if isinstance(value, int | float) and not isinstance(value, bool) else ""
    if name not in EVENTS:
        raise ApiError(400, f"unknown event {data.get('event')!r} (or speed {data.get('value')!r})")
    _store().get_article(data["article"])  # 404 for an unknown article
    current_app.extensions["narrator"]["analytics"].record(data["article"], name)
    return "", 204
