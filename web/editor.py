"""The editor's desk (/editor): sign-in, the article list, article pages, pronunciations.

Pages are server-rendered (templates/editor/); editor.js adds the interactive parts and calls
the JSON API (and the few JSON routes here) with the session cookie and its CSRF token.
Everything here needs a signed-in account; changing anything needs the 'editor' role.
"""

from __future__ import annotations

import dataclasses
import fcntl
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for

from narrator.analytics import PROGRESS, Analytics, RateLimiter
from narrator.config import Settings
from narrator.errors import InputError
from narrator.lexicon import Lexicon, load_lexicon, merge, save_lexicon
from narrator.model import Article
from narrator.preview import preview
from narrator.segment import segment
from narrator.store import ArticleRecord, NotFound, Store
from narrator.voices import all_voices, get_voice

from .auth import accounts, csrf_ok, editor_required, principal, sign_in, sign_out

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.record_once
def _setup(state) -> None:  # noqa: ANN001 - BlueprintSetupState
    """Listening analytics and the events rate limiter, once per app."""
    narrator = state.app.extensions["narrator"]
    narrator["analytics"] = Analytics(narrator["store"])
    narrator["events_limiter"] = RateLimiter(state.app.config.get("EVENTS_PER_MINUTE", 60))


@bp.app_template_filter("mmss")
def _mmss(ms: int | None) -> str:
    seconds = (ms or 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.app_template_filter("when")
def _when(t: float | None) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC") if t else "–"


def _store() -> Store:
    return current_app.extensions["narrator"]["store"]


def _settings() -> Settings:
    return current_app.extensions["narrator"]["narration"]


# The publication lexicon (a file under HOME; narrator.pipeline.lexicon_for reads it) -------------


def publication_lexicon() -> Lexicon:
    """The publication's lexicon as it is now."""
    return load_lexicon(_settings().publication_lexicon)


@contextmanager
def _lexicon_lock():  # noqa: ANN202
    """One editor at a time changes the file (across processes: an advisory lock beside it)."""
    path = _settings().publication_lexicon
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _one_line(text: str) -> bool:
    """No tab and nothing the lexicon file's reader would take for a line break (\\r, \\x0b, \\x85,
    U+2028...: str.splitlines), so one entry stays one line of the file (fuzzing found '\\r')."""
    return "\t" not in text and len(text.splitlines()) == 1


def set_lexicon_entry(written: str, spoken: str | None, nocase: bool = False) -> Lexicon:
    """Add, change (spoken) or remove (None) an entry of the publication lexicon; the new lexicon.
    The file is written aside and renamed; fingerprints change with it, so regenerating an
    article that contains the word makes a new version."""
    written = written.strip()
    if not written or not _one_line(written) or len(written) > 200:
        raise InputError("the written form must be 1-200 characters on one line, without tabs")
    with _lexicon_lock():
        lexicon = publication_lexicon()
        entries = dict(lexicon.entries)
        flags = set(lexicon.nocase)
        if spoken is None:
            if written not in entries:
                raise NotFound(f"no lexicon entry for {written!r}")
            del entries[written]
            flags.discard(written)
        else:
            spoken = spoken.strip()
            if not spoken or not _one_line(spoken) or len(spoken) > 500:
                raise InputError("the spoken form must be 1-500 characters on one line, without tabs")
            entries[written] = spoken
            flags.discard(written)
            if nocase:
                flags.add(written)
        new = Lexicon.from_dict(entries, frozenset(flags))
        save_lexicon(new, _settings().publication_lexicon)
    return new


def _spoken_text(article: Article) -> str:
    return "\n".join([article.title, article.byline] + [
        text for section in article.sections
        for text in ([section.heading] if section.heading else []) + [p.text for p in section.paragraphs]])


def articles_containing(written: str, nocase: bool = False) -> list[dict]:
    """The articles whose text contains `written` as a whole word (as the lexicon would match it)."""
    probe = merge(Lexicon(((written, written),), frozenset({written}) if nocase else frozenset()))
    return [{"id": r.id, "title": r.article.title,
             "regenerate_url": url_for("api.regenerate", article_id=r.id)}
            for r in _store().list_articles() if next(probe.finditer(_spoken_text(r.article)), None)]


# Paragraph edits and previews --------------------------------------------------------------------


def _locators(article: Article, voice_name: str | None) -> dict[int, tuple]:
    """Script block index -> where its text lives in the article: ('title',), ('heading', s) or
    ('p', s, j). The disclaimer and byline are not editable here."""
    voice = get_voice(voice_name, article.language)
    script = segment(article, voice, _settings().disclaimer)
    found: dict[int, tuple] = {}
    next_in: dict[int, int] = {}
    for i, block in enumerate(script.blocks):
        if block.kind == "title":
            found[i] = ("title",)
        elif block.kind == "heading":
            found[i] = ("heading", block.section - 1)
        elif block.kind not in ("disclaimer", "byline") and block.section > 0:
            s = block.section - 1
            paragraphs = article.sections[s].paragraphs
            j = next_in.get(s, 0)
            while j < len(paragraphs) and paragraphs[j].text != block.text:
                j += 1
            if j < len(paragraphs):
                found[i] = ("p", s, j)
                next_in[s] = j + 1
    return found


def apply_edits(record: ArticleRecord, data: dict) -> tuple[Article, str | None]:
    """The article with `data`'s paragraph edits ({"paragraphs": [{"block": N, "text": "..."}],
    "voice": NAME or null}) applied, and the voice; InputError for a bad edit."""
    voice = data.get("voice", record.voice) or None
    if voice is not None and not isinstance(voice, str):
        raise InputError("'voice' must be a string or null")
    edits = data.get("paragraphs") or []
    if not isinstance(edits, list) or not all(
            isinstance(e, dict) and isinstance(e.get("block"), int) and isinstance(e.get("text"), str)
            for e in edits):
        raise InputError('"paragraphs" must be a list of {"block": N, "text": "..."}')
    article = record.article
    get_voice(voice, article.language)  # VoiceError (422) if unknown
    where = _locators(article, record.voice)
    sections = [list(s.paragraphs) for s in article.sections]
    headings = [s.heading for s in article.sections]
    title = article.title
    for edit in edits:
        text = " ".join(edit["text"].split())
        place = where.get(edit["block"])
        if place is None:
            raise InputError(f"paragraph {edit['block']} cannot be edited")
        if not text:
            raise InputError(f"paragraph {edit['block']} would be empty")
        if place[0] == "title":
            title = text
        elif place[0] == "heading":
            headings[place[1]] = text
        else:
            _, s, j = place
            sections[s][j] = dataclasses.replace(sections[s][j], text=text)
    new_sections = tuple(dataclasses.replace(section, heading=headings[i], paragraphs=tuple(sections[i]))
                         for i, section in enumerate(article.sections))
    return dataclasses.replace(article, title=title, sections=new_sections), voice


def preview_json(article: Article, voice: str | None) -> dict:
    """The preview of narrating `article` now, as JSON: every paragraph, spoken form, changed or not."""
    narrator = current_app.extensions["narrator"]
    known: dict[str, str] = {}
    for used in _store().used_voices():  # most recent first
        known.setdefault(used["name"], used["model_id"])
    result = preview(article, voice, _settings(), known, narrator["runner"].cache)
    return {
        "voice": result.voice,
        "total": result.total,
        "changed": result.changed,
        "blocks": [dataclasses.asdict(b) for b in result.blocks],
    }


@bp.before_request
def _signed_in():  # noqa: ANN202
    """Pages need a signed-in account (the sign-in page aside); every POST needs the CSRF token."""
    if request.method == "POST" and not csrf_ok():
        return render_template("editor/signin.html", error="Your session expired; please sign in again.",
                               next=request.path), 403
    if request.endpoint in ("editor.signin", "static") or principal() is not None:
        return None
    return redirect(url_for("editor.signin", next=request.full_path.rstrip("?")))


@bp.route("/signin", methods=["GET", "POST"])
def signin():  # noqa: ANN201
    target = request.values.get("next", "")
    if not target.startswith("/editor") or target.startswith("//"):
        target = url_for("editor.index")
    if request.method == "GET":
        return render_template("editor/signin.html", next=target)
    who = accounts().check_password(request.form.get("name", ""), request.form.get("password", ""))
    if who is None:
        return render_template("editor/signin.html", error="Wrong name or password.", next=target), 401
    sign_in(who)
    return redirect(target)


@bp.post("/signout")
def signout():  # noqa: ANN201
    sign_out()
    return redirect(url_for("editor.signin"))


@bp.get("/")
def index():  # noqa: ANN201
    store = _store()
    query = request.args.get("q", "").strip()
    records = [r for r in store.list_articles()
               if not query or query.casefold() in f"{r.id} {r.article.title}".casefold()]
    return render_template("editor/index.html", rows=[_row(store, r) for r in records], query=query)


def _row(store: Store, record) -> dict:  # noqa: ANN001 - ArticleRecord
    """One line of the article list."""
    job = store.latest_job(record.id)
    current = store.get_version(record.id, record.current_version) if record.current_version else None
    if job and job.status == "running":
        status = "generating"
    elif job and job.status == "queued":
        status = "queued"
    elif job and job.status == "failed":
        status = "failed"
    else:
        status = "ready" if current else "queued"
    return {"record": record, "job": job, "current": current, "status": status}


@bp.get("/pronunciations")
def pronunciations():  # noqa: ANN201
    lexicon = publication_lexicon()
    return render_template("editor/pronunciations.html", entries=lexicon.entries, nocase=lexicon.nocase,
                           voices=sorted(all_voices()), path=_settings().publication_lexicon)


def _record(article_id: str) -> ArticleRecord:
    try:
        return _store().get_article(article_id)
    except NotFound:
        abort(404, description=f"There is no article '{article_id}'.")


@bp.get("/articles/<article_id>")
def article(article_id: str):  # noqa: ANN201
    from .api import version_json

    store = _store()
    record = _record(article_id)
    row = _row(store, record)
    shown = preview_json(record.article, record.voice)
    editable = _locators(record.article, record.voice)
    for block in shown["blocks"]:
        block["editable"] = block["index"] in editable
    listening = current_app.extensions["narrator"]["analytics"].listening(article_id)
    return render_template(
        "editor/article.html", row=row, record=record, preview=shown,
        versions=[dict(version_json(v), voice=v.voice) for v in store.list_versions(article_id)],
        current=version_json(row["current"]) if row["current"] else None,
        voices=sorted(all_voices()), listening=listening, marks=PROGRESS)


@bp.post("/articles/<article_id>/save")
@editor_required
def save(article_id: str):  # noqa: ANN201
    """Apply paragraph edits (and a voice) and queue the narration; only changed sentences are synthesised."""
    from .api import _fingerprint, job_json

    store = _store()
    record = _record(article_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return jsonify(error="Bad Request", message="send a JSON object", status=400), 400
    try:
        article, voice = apply_edits(record, data)
        record, job, new = store.update_article(article_id, article, voice, _fingerprint(article, voice))
    except InputError as e:
        status = 422 if type(e).__name__ == "VoiceError" else 400
        return jsonify(error="Unprocessable Content" if status == 422 else "Bad Request", message=str(e),
                       status=status), status
    if job is not None and new:
        current_app.extensions["narrator"]["runner"].submit(job.id)
    return jsonify(job=job_json(job)), 202 if job is not None else 200
