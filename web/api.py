"""The JSON API: articles, jobs, voices, the publication lexicon, listening events, and the
OpenAPI document that describes them."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, url_for

from narrator.errors import ExtractionError, InputError, VoiceError
from narrator.extract import extract_html, extract_text
from narrator.model import Article
from narrator.preview import apply_edits, locators
from narrator.safetext import one_line
from narrator.service.analytics import EVENTS, MAX_SECONDS, SECONDS
from narrator.service.pronunciations import articles_containing
from narrator.service.pronunciations import entry as lexicon_entry
from narrator.service.store import (
    ArticleRecord,
    Conflict,
    JobRecord,
    JobRequest,
    NotFound,
    QuotaExceeded,
    SourceRecord,
)
from narrator.service.submissions import (
    URL_CHARS_ESTIMATE,
    PageRequest,
    check_url,
    fingerprint,
    narration_size,
)
from narrator.speech.lexicon import Kept, bounds_problem, script_problem
from narrator.speech.voices import Voice, all_voices, get_voice

from .auth import editor_required, principal
from .context import service
from .playlist import item_json, next_after
from .security import fetch_guard
from .serialise import article_json, iso, job_json, json_error, preview_json, version_json

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
    return json_error(e.status, e.message)


def refusal(e: InputError) -> Response:
    """The answer to a refused input: 404 unknown, 409 conflicting, 422 unusable content, 429 too much
    queued already (with Retry-After), 400 otherwise."""
    if isinstance(e, QuotaExceeded):
        return json_error(429, str(e), {"Retry-After": str(e.retry_after)})
    if isinstance(e, NotFound):
        return json_error(404, str(e))
    if isinstance(e, Conflict):
        return json_error(409, str(e))
    if isinstance(e, ExtractionError | VoiceError):
        return json_error(422, str(e))
    return json_error(400, str(e))


bp.register_error_handler(InputError, refusal)


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
    """The article's own lexicon: {"written": "spoken", ...} (plain respellings, each one line of safe
    text: narrator.safetext.one_line), at most NARRATOR_MAX_PRONUNCIATIONS of them, each bounded
    (narrator.speech.lexicon.bounds_problem)."""
    if value is None:
        return ()
    pairs = list(value.items()) if isinstance(value, dict) else [("", "")]
    entries = tuple((one_line(w), one_line(s)) if isinstance(w, str) and isinstance(s, str) else ("", "")
                    for w, s in pairs)
    if not all(w and s and "[[" not in s for w, s in entries):
        raise ApiError(400, "'pronunciations' must map words to respellings (non-empty strings)")
    most = service().settings.max_pronunciations
    if most and len(entries) > most:
        raise ApiError(400, f"'pronunciations' holds {len(entries):,} entries; at most {most:,} "
                            "(NARRATOR_MAX_PRONUNCIATIONS)")
    for written, spoken in entries:
        if problem := bounds_problem(written, spoken):
            raise ApiError(400, f"'pronunciations': {problem}")
    return entries


def _sayable(entries: tuple[tuple[str, str], ...], voice: Voice) -> None:
    """400 for an article's own pronunciation its voice cannot say (not in the voice's script)."""
    for written, spoken in entries:
        if problem := script_problem(spoken, voice.scripts):
            raise ApiError(400, f"'pronunciations': {voice.name} cannot say {written!r} that way: {problem}")


@dataclass(frozen=True)
class Submission:
    """A validated submission: the article (a placeholder until a URL's page is fetched by the job),
    the voice asked for and, once the language is known, the profile that will read it."""

    article: Article
    """The extracted article, or for a URL the submission's own fields and the URL."""
    requested: str | None
    """The voice asked for (None: the language's default)."""
    voice: Voice | None
    """The profile that will read it (None until a URL's page is fetched: its language decides)."""
    page: PageRequest | None = None
    """For a submission by URL: what its job fetches."""
    chars: int = URL_CHARS_ESTIMATE
    """What it counts against the requester's queue limit (narration_size; an estimate for a URL)."""

    def fingerprint(self) -> str | None:
        """What decides its narration (None for a URL: the job computes it once it has the page)."""
        if self.voice is None:
            return None
        return fingerprint(self.article, self.requested, self.voice, service().settings)

    def request(self) -> JobRequest:
        """The job request: who asks (from the credential), how much, what to fetch."""
        settings = service().settings
        who = principal()
        return JobRequest(requested_by=who.requester if who else None, chars=self.chars,
                          page_request=self.page.to_json() if self.page else None,
                          max_queued_chars=settings.max_queued_chars)


def _submission(data: dict) -> Submission:
    """Validate a submission and extract its article (a URL's page is fetched by its job)."""
    settings = service().settings
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
    title = one_line(data.get("title") or "")  # no control characters reach a page, a feed or a cue
    pronunciations = _pronunciations(data.get("pronunciations"))
    requested = data.get("voice") or None
    if kind == "url":
        if requested and requested not in all_voices(settings.voices):
            get_voice(requested, "en", settings.voices)  # VoiceError (422) naming the known voices
        fetch_guard(current_app)().check(check_url(value), resolve=False)  # 422 now for what is plain to see
        page = PageRequest(value, title, pronunciations)
        return Submission(page.placeholder(), requested, None, page)
    article = extract_html(value) if kind == "html" else extract_text(value)
    if title:
        article = dataclasses.replace(article, title=title)
    article = dataclasses.replace(article, pronunciations=pronunciations)
    voice = get_voice(requested, article.language, settings.voices)
    _sayable(pronunciations, voice)
    size = narration_size(article, voice, settings)  # 422 when too long, written or spoken
    return Submission(article, requested, voice, chars=size)


def fingerprint_of(article: Article, requested: str | None, voice: Voice) -> str:
    """The fingerprint of narrating `article` in `voice` now (content, voice, lexicons, jingles)."""
    return fingerprint(article, requested, voice, service().settings)


def requested_by() -> JobRequest:
    """A job request on behalf of the request's credential, for content already in the store."""
    who = principal()
    return JobRequest(requested_by=who.requester if who else None,
                      max_queued_chars=service().settings.max_queued_chars)


def accepted(record: ArticleRecord, job: JobRecord | None, new: bool) -> Response:
    """202 with the article and the job that narrates it (submitted if new: a job joined, of an edit
    sent twice, is already in the queue); 200 when nothing needs doing."""
    svc = service()
    if job is not None and new:
        svc.runner.submit(job.id)
    shown = svc.store.jobs.get(job.id) if job is not None else None  # as it is now, not as it was made
    response = jsonify(article_json(svc.store, record, full=True, job=shown))
    response.status_code = 202 if job is not None else 200
    response.headers["Location"] = url_for("api.get_article", article_id=record.id)
    return response


@bp.post("/articles")
@editor_required
def create_article():  # noqa: ANN201
    data = _body()
    sub = _submission(data)
    record, job = service().store.articles.create(sub.article, sub.requested, data.get("id") or None,
                                                 sub.fingerprint(), sub.request())
    return accepted(record, job, True)


@bp.get("/articles")
def list_articles():  # noqa: ANN201
    """Every article, newest first; with ?url=, those made from the page at that URL (a publisher's
    template finds its article by the page's own address)."""
    store = service().store
    url = request.args.get("url")
    records = store.articles.from_url(url) if url is not None else store.articles.all()
    return jsonify(articles=[article_json(store, r) for r in records])


# Watched feeds and sitemaps ------------------------------------------------------------------------


def source_json(source: SourceRecord) -> dict:
    """A watched source as the API shows it."""
    return {"id": source.id, "url": source.url, "voice": source.voice, "created": iso(source.created),
            "last_pass": iso(source.last_pass),
            "next_pass": iso(source.next_pass) if source.last_pass else None,
            "outcome": source.outcome, "error": source.error}


@bp.get("/sources")
@editor_required
def list_sources():  # noqa: ANN201
    return jsonify(sources=[source_json(s) for s in service().store.sources.all()])


@bp.post("/sources")
@editor_required
def add_source():  # noqa: ANN201
    """Watch a feed or sitemap: the service's watcher reads it within a minute, then every
    NARRATOR_WATCH_INTERVAL_S seconds."""
    svc = service()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("url"), str) or set(data) - {"url", "voice"}:
        raise ApiError(400, 'send {"url": "https://.../feed.xml", "voice": null}')
    voice = data.get("voice") or None
    if voice is not None and not isinstance(voice, str):
        raise ApiError(400, "'voice' must be a string or null")
    if voice:
        get_voice(voice, "en", svc.settings.voices)  # 422 for an unknown voice
    url = check_url(data["url"].strip())
    fetch_guard(current_app)().check(url, resolve=False)  # 422 for an address plain to see
    source = svc.store.sources.add(url, voice, svc.settings.watch_max_sources)  # 409 beyond the limit
    response = jsonify(source_json(source))
    response.status_code = 201
    return response


@bp.delete("/sources/<source_id>")
@editor_required
def remove_source(source_id: str):  # noqa: ANN201
    service().store.sources.remove(source_id)
    return "", 204


@bp.get("/articles/<article_id>")
def get_article(article_id: str):  # noqa: ANN201
    store = service().store
    return jsonify(article_json(store, store.articles.get(article_id), full=True))


@bp.get("/articles/<article_id>/next")
def next_article(article_id: str):  # noqa: ANN201
    """What plays after the article when it ends ("up next"): the next older narrated article of its
    group (its watched feed, else its site), or null (web.playlist)."""
    group, item = next_after(service().store.articles.get(article_id))
    return jsonify(article=article_id, group=group, next=item_json(item) if item else None)


@bp.put("/articles/<article_id>")
@editor_required
def update_article(article_id: str):  # noqa: ANN201
    store = service().store
    store.articles.get(article_id)  # 404 before reading the body
    data = _body()
    if data.get("id") not in (None, article_id):
        raise ApiError(409, f"the body's id '{data['id']}' conflicts with the URL's '{article_id}'")
    sub = _submission(data)
    record, job, new = store.articles.update(article_id, sub.article, sub.requested, sub.fingerprint(),
                                            sub.request())
    return accepted(record, job, new)


@bp.post("/articles/<article_id>/regenerate")
@editor_required
def regenerate(article_id: str):  # noqa: ANN201
    """Narrate the stored content again if anything that decides its sound changed (a lexicon)."""
    svc = service()
    record = svc.store.articles.get(article_id)
    voice = get_voice(record.voice, record.article.language, svc.settings.voices)
    request = dataclasses.replace(requested_by(), chars=narration_size(record.article, voice, svc.settings))
    made = fingerprint_of(record.article, record.voice, voice)
    record, job, new = svc.store.articles.update(article_id, record.article, record.voice, made, request)
    return accepted(record, job, new)


@bp.get("/articles/<article_id>/versions")
def list_versions(article_id: str):  # noqa: ANN201
    store = service().store
    record = store.articles.get(article_id)
    return jsonify(current=record.current_version,
                   versions=[version_json(v) for v in store.versions.all(article_id)])


@bp.post("/articles/<article_id>/rollback")
@editor_required
def rollback(article_id: str):  # noqa: ANN201
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("version"), int) or isinstance(
        data.get("version"), bool
    ) or not 0 < data["version"] < 2**63:  # SQLite integers are 64-bit
        raise ApiError(400, 'send {"version": N} with the number of a kept version')
    store = service().store
    record = store.versions.rollback(article_id, data["version"])
    return jsonify(article_json(store, record, full=True))


@bp.delete("/articles/<article_id>")
@editor_required
def delete_article(article_id: str):  # noqa: ANN201
    service().store.articles.delete(article_id)
    return "", 204


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):  # noqa: ANN201
    return jsonify(job_json(service().store.jobs.get(job_id)))


@bp.get("/voices")
def voices():  # noqa: ANN201
    extra = service().settings.voices
    found = all_voices(extra)
    try:
        default = get_voice(None, "en", extra).name
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


def _lexicon_entry(written: str, kept: Kept) -> dict:
    """An entry as the API shows it; `problem` says in which voices narrations could not use it (they
    read the word plainly instead) until it is changed."""
    lexicon = kept.lexicon
    problems = [f"{f.voice}: {f.problem}" for f in kept.current_flags() if f.written == written]
    return {"written": written, "spoken": dict(lexicon.entries)[written], "nocase": written in lexicon.nocase,
            "problem": "; ".join(problems) or None}


def _containing(written: str, nocase: bool = False) -> list[dict]:
    """The articles to regenerate after a change to `written`'s entry, with their regenerate URLs."""
    return [{"id": r.id, "title": r.article.title,
             "regenerate_url": url_for("api.regenerate", article_id=r.id)}
            for r in articles_containing(service().store, written, nocase)]


@bp.get("/lexicon")
def get_lexicon():  # noqa: ANN201
    """The publication's entries in force; `problem` says what is wrong with the file if someone broke
    it by hand (its last good entries are in force until it is mended or an entry is saved here)."""
    kept = service().lexicon.kept()
    lexicon = kept.lexicon
    return jsonify(entries=[_lexicon_entry(w, kept) for w, _ in lexicon.entries], version=lexicon.version,
                   problem=kept.problem or None)


@bp.put("/lexicon/<path:written>")
@editor_required
def put_lexicon_entry(written: str):  # noqa: ANN201
    """Add or change an entry, once it is checked (bounded against its written form, in the voice's
    script) and tried on the voice (`voice`, default the default voice: a worker says it, and the
    clip's length must fit its words), so an entry the voice cannot say is refused (400) rather than
    failing narrations. The answer lists the articles that contain the word (to regenerate)."""
    svc = service()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("spoken"), str) or not isinstance(
            data.get("nocase", False), bool) or not isinstance(data.get("voice") or "", str):
        raise ApiError(400, 'send {"spoken": "...", "nocase": false, "voice": "..." (optional)}')
    nocase = data.get("nocase", False)
    voice = get_voice(data.get("voice") or None, "en", svc.settings.voices)  # 422 for an unknown voice
    lexicon_entry(written, data["spoken"], nocase, voice)  # 400 before a worker is asked
    try:
        svc.runner.speak(written.strip(), voice.name, timeout=svc.settings.listen_timeout_s,
                         entry=(written.strip(), data["spoken"], nocase), check=True)
    except TimeoutError as e:
        return json_error(503, f"the entry could not be tried on {voice.name}, so it was not saved: {e}",
                          {"Retry-After": "5"})
    svc.lexicon.set(written, data["spoken"], nocase)
    kept = svc.lexicon.kept()
    written = written.strip()
    return jsonify(entry=_lexicon_entry(written, kept), version=kept.lexicon.version,
                   articles=_containing(written, written in kept.lexicon.nocase))


@bp.delete("/lexicon/<path:written>")
@editor_required
def delete_lexicon_entry(written: str):  # noqa: ANN201
    lexicon = service().lexicon.set(written, None)
    return jsonify(version=lexicon.version, articles=_containing(written.strip()))


@bp.post("/lexicon/listen")
@editor_required
def listen_lexicon():  # noqa: ANN201
    """A word or phrase spoken on the spot in a voice, as an article would say it (a WAV); with
    "spoken" (and "nocase"), as it would be said once that entry is saved, before saving it."""
    svc = service()
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("written"), str) or not data["written"].strip():
        raise ApiError(400, 'send {"written": "...", "voice": "...", "spoken": "..." (optional)}')
    if len(data["written"]) > 100:
        raise ApiError(400, "listen to at most 100 characters at a time")
    for key, kind in (("voice", str), ("spoken", str), ("nocase", bool)):
        if data.get(key) is not None and not isinstance(data[key], kind):
            raise ApiError(400, f"'{key}' must be a {'string' if kind is str else 'boolean'}")
    written = data["written"].strip()
    voice = get_voice(data.get("voice") or None, "en", svc.settings.voices)  # 422 if unknown, not queued
    tried = None
    if data.get("spoken") is not None:  # checked as saving it would check it: 400 here, not in the worker
        lexicon_entry(written, data["spoken"], bool(data.get("nocase")), voice)
        tried = (written, data["spoken"], bool(data.get("nocase")))
    try:
        wav = svc.runner.speak(written, data.get("voice"), timeout=svc.settings.listen_timeout_s, entry=tried)
    except TimeoutError as e:
        return json_error(503, str(e), {"Retry-After": "5"})
    return Response(wav, mimetype="audio/wav", headers={"Cache-Control": "no-store"})


@bp.post("/articles/<article_id>/preview")
@editor_required
def preview_article(article_id: str):  # noqa: ANN201
    """What regenerating would do: each paragraph as it will be spoken, and which will be re-synthesised."""
    svc = service()
    record = svc.store.articles.get(article_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, 'send {"paragraphs": [{"block": N, "text": "..."}], "voice": "..."}')
    article, requested, voice = edited(record, data)
    return jsonify(preview_json(svc.store, svc.settings, svc.runner.cache, record, article, voice))


def edited(record: ArticleRecord, data: dict) -> tuple[Article, str | None, Voice]:
    """The article with `data`'s edits ({"paragraphs": [{"block": N, "text": "..."}], "voice": NAME
    or null}) applied, the voice asked for and the profile that will read it; InputError for a bad edit."""
    settings = service().settings
    requested = data.get("voice", record.voice) or None
    if requested is not None and not isinstance(requested, str):
        raise InputError("'voice' must be a string or null")
    voice = get_voice(requested, record.article.language, settings.voices)  # VoiceError (422) if unknown
    where = locators(record.article, voice, settings.disclaimer)  # the blocks do not depend on the voice
    return apply_edits(record.article, data.get("paragraphs"), where), requested, voice


@bp.post("/events")
def listening_event():  # noqa: ANN201
    """The player reports a listen, heard seconds, a progress mark or a speed change (no cookies;
    nothing personal kept)."""
    svc = service()
    if not svc.events_limiter.allow(request.remote_addr or ""):
        return json_error(429, "too many events; slow down", {"Retry-After": "10"})
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("article"), str):
        raise ApiError(400, 'send {"article": "ID", "event": "play" | "seconds" | "25" | "50" | "75" | '
                            '"100" | "speed", "value": N}')
    name, amount = str(data.get("event")), 1
    value = data.get("value")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if name == "speed":
        speed = number and 0 < value <= 16
        name = f"speed:{float(value):g}" if speed else ""  # bounded first: a 400-digit number has no float
    elif name == SECONDS:
        whole = number and value == int(value) and 1 <= value <= MAX_SECONDS
        amount = int(value) if whole else 0
        name = name if whole else ""
    if name not in EVENTS:
        raise ApiError(400, f"unknown event {data.get('event')!r} (or value {value!r}: a speed up to 16, or "
                            f"1 to {MAX_SECONDS} whole seconds)")
    svc.store.articles.get(data["article"])  # 404 for an unknown article
    svc.analytics.record(data["article"], name, amount)
    return "", 204
