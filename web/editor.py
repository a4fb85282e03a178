"""The editor's desk (/editor): sign-in, the article list, article pages, pronunciations.

Pages are server-rendered (templates/editor/); editor.js adds the interactive parts and calls
the JSON API (and the few JSON routes here) with the session cookie and its CSRF token.
Everything here needs a signed-in account; changing anything needs the 'editor' role.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from narrator.errors import InputError, VoiceError
from narrator.preview import compare, locators
from narrator.service.analytics import PROGRESS
from narrator.service.store import ArticleRecord, Conflict, NotFound, SourceRecord, Store
from narrator.service.submissions import check_url, narration_size
from narrator.speech.voices import all_voices, get_voice

from .api import edited, fingerprint_of, refusal, requested_by
from .auth import csrf_ok, editor_required, principal, sign_in, sign_out
from .context import service
from .security import fetch_guard
from .serialise import iso, job_json, json_error, preview_json, status_of, version_json

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.app_template_filter("mmss")
def _mmss(ms: int | None) -> str:
    seconds = (ms or 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.app_template_filter("heard")
def _heard(seconds: int | None) -> str:
    """Seconds heard as the article list shows them: '–' (none), '45 s', '12 min 5 s', '3 h 20 min'."""
    seconds = seconds or 0
    if not seconds:
        return "–"
    hours, minutes = seconds // 3600, seconds // 60 % 60
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds % 60} s" if minutes else f"{seconds} s"


@bp.app_template_filter("when")
def _when(t: float | None) -> Markup:
    """A time as the desk shows every time: '1 Dec 2026, 21:20 UTC', the exact time on hover (parts
    of a page updated live come from the server too, so no other format appears)."""
    if not t:
        return Markup("–")
    moment = datetime.fromtimestamp(t, UTC)
    shown = f"{moment.day} {moment:%b %Y, %H:%M} UTC"
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso(t), f"{moment:%Y-%m-%d %H:%M:%S} UTC", shown)


def _makers() -> dict[str, str]:
    """Who made versions, as the desk names them: 'key:<id>' -> the key's label."""
    return {f"key:{k.id}": f"API key “{k.name}”" for k in service().accounts.list_keys()}


def _maker(made_by: str | None, keys: dict[str, str]) -> str:
    if not made_by:
        return "–"
    kind, _, name = made_by.partition(":")
    return keys.get(made_by, name if kind == "user" else made_by)


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
    who = service().accounts.check_password(request.form.get("name", ""), request.form.get("password", ""))
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
    store = service().store
    query = request.args.get("q", "").strip()
    records = [r for r in store.articles.all()
               if not query or query.casefold() in f"{r.id} {r.article.title}".casefold()]
    heard = service().analytics.heard_seconds()
    settings = service().settings
    who = principal()
    return render_template("editor/index.html", rows=[_row(store, r, heard.get(r.id, 0)) for r in records],
                           query=query, can_edit=bool(who and who.can_edit),
                           voices=sorted(all_voices(settings.voices)),
                           max_bytes=int(settings.max_upload_mb * 2**20),
                           max_mb=f"{settings.max_upload_mb:g} MB")


def _row(store: Store, record: ArticleRecord, heard: int = 0) -> dict:
    """One line of the article list (`heard`: the seconds of its audio listeners heard, in all)."""
    job = store.jobs.latest(record.id)
    current = store.versions.get(record.id, record.current_version) if record.current_version else None
    return {"record": record, "job": job, "current": current, "status": status_of(job), "heard": heard}


@bp.get("/pronunciations")
def pronunciations():  # noqa: ANN201
    svc = service()
    kept = svc.lexicon.kept()
    problems: dict[str, list[str]] = {}
    for flag in kept.current_flags():  # entries narrations could not use, read plainly instead
        problems.setdefault(flag.written, []).append(f"{flag.voice}: {flag.problem}")
    return render_template("editor/pronunciations.html", entries=kept.lexicon.entries,
                           nocase=kept.lexicon.nocase, voices=sorted(all_voices(svc.settings.voices)),
                           default_voice=_default_voice(), problem=kept.problem,
                           problems={w: "; ".join(p) for w, p in problems.items()})


def _default_voice() -> str | None:
    """The voice an English article gets when it names none (what 'Listen in' starts on)."""
    try:
        return get_voice(None, "en", service().settings.voices).name
    except VoiceError:
        return None


def _record(article_id: str) -> ArticleRecord:
    try:
        return service().store.articles.get(article_id)
    except NotFound:
        abort(404, description=f"There is no article '{article_id}'.")


@bp.get("/articles/<article_id>")
def article(article_id: str):  # noqa: ANN201
    svc = service()
    store = svc.store
    record = _record(article_id)
    row = _row(store, record)
    voice = get_voice(record.voice, record.article.language, svc.settings.voices)
    shown = preview_json(store, svc.settings, svc.runner.cache, record, record.article, voice)
    editable = locators(record.article, voice, svc.settings.disclaimer)
    for block in shown["blocks"]:
        block["editable"] = block["index"] in editable
    makers = _makers()
    versions = [dict(version_json(v), made=v.created, maker=_maker(v.made_by, makers))
                for v in store.versions.all(article_id)]
    # What the page shows; editor.js swaps the page's parts when GET /api/articles/<id> says otherwise.
    kept = ",".join(str(v["version"]) for v in versions)
    shape = f"{record.current_version or ''}|{iso(record.updated)}|{kept}"
    return render_template(
        "editor/article.html", row=row, record=record, preview=shown, versions=versions, shape=shape,
        current=version_json(row["current"]) if row["current"] else None,
        voices=sorted(all_voices(svc.settings.voices)), listening=svc.analytics.listening(article_id),
        marks=PROGRESS)


@bp.get("/articles/<article_id>/diff")
def diff(article_id: str):  # noqa: ANN201
    """What changed between two kept versions (?from=N&to=M), paragraph by paragraph."""
    store = service().store
    _record(article_id)
    numbers = [request.args.get(k, "") for k in ("from", "to")]
    if not all(n.isdigit() and 0 < int(n) < 2**63 for n in numbers):
        return json_error(400, "give ?from=N&to=M, two version numbers")
    old_n, new_n = (int(n) for n in numbers)
    old, new = store.versions.get(article_id, old_n), store.versions.get(article_id, new_n)
    old_text, new_text = store.versions.article(article_id, old_n), store.versions.article(article_id, new_n)
    if old is None or new is None or old_text is None or new_text is None:
        return json_error(404, f"article '{article_id}' has no version {old_n if old is None else new_n}")
    return jsonify({"from": old_n, "to": new_n, "voices": [old.voice, new.voice],
                    "changes": [dataclasses.asdict(c) for c in compare(old_text, new_text)]})


@bp.post("/articles/<article_id>/save")
@editor_required
def save(article_id: str):  # noqa: ANN201
    """Apply paragraph edits (and a voice) and queue the narration; only changed sentences are synthesised."""
    svc = service()
    record = _record(article_id)
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return json_error(400, "send a JSON object")
    try:
        article, requested, voice = edited(record, data)
        asked = dataclasses.replace(requested_by(), chars=narration_size(article, voice, svc.settings))
        record, job, new = svc.store.articles.update(article_id, article, requested,
                                                    fingerprint_of(article, requested, voice), asked)
    except InputError as e:
        return refusal(e)
    if job is not None and new:
        svc.runner.submit(job.id)
    return jsonify(job=job_json(job)), 202 if job is not None else 200


@bp.get("/sources")
def sources(message: str = "", error: bool = False, status: int = 200):  # noqa: ANN201
    """The watched feeds and sitemaps, with what their last pass did."""
    svc = service()
    minutes = svc.settings.watch_interval_s / 60
    interval = f"{minutes:g} minutes" if minutes >= 1 else f"{svc.settings.watch_interval_s:g} seconds"
    page = render_template("editor/sources.html", sources=svc.store.sources.all(), interval=interval,
                           voices=sorted(all_voices(svc.settings.voices)), message=message, error=error,
                           unread=_unread)
    return page, status


def _unread(source: SourceRecord) -> bool:
    """Whether the source's last pass failed as a whole: the feed or sitemap itself could not be fetched
    or read, so it counted nothing (and `error` says why)."""
    counts = ("entries", "created", "updated", "unchanged", "failed")
    return bool(source.error) and not any((source.outcome or {}).get(k) for k in counts)


@bp.post("/sources")
@editor_required
def add_source():  # noqa: ANN201
    svc = service()
    url, voice = request.form.get("url", "").strip(), request.form.get("voice") or None
    try:
        if voice:
            get_voice(voice, "en", svc.settings.voices)
        fetch_guard(current_app)().check(check_url(url), resolve=False)
        svc.store.sources.add(url, voice, svc.settings.watch_max_sources)
    except InputError as e:
        return sources(f"Not watched: {e}", error=True, status=409 if isinstance(e, Conflict) else 400)
    return sources(f"Watching {url}: it is read within a minute.")


@bp.post("/sources/<source_id>/remove")
@editor_required
def remove_source(source_id: str):  # noqa: ANN201
    try:
        service().store.sources.remove(source_id)
    except NotFound:
        abort(404, description="There is no such source.")
    return redirect(url_for("editor.sources"))
