"""The editor's desk (/editor): sign-in, the article list, article pages, pronunciations.

Pages are server-rendered (templates/editor/); editor.js adds the interactive parts and calls
the JSON API (and the few JSON routes here) with the session cookie and its CSRF token.
Everything here needs a signed-in account; changing anything needs the 'editor' role.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from narrator.errors import InputError
from narrator.preview import locators
from narrator.service.analytics import PROGRESS
from narrator.service.store import ArticleRecord, NotFound, Store
from narrator.voices import all_voices, get_voice

from .api import edited, fingerprint_of, refusal, requested_by
from .auth import csrf_ok, editor_required, principal, sign_in, sign_out
from .context import service
from .views import job_json, json_error, preview_json, status_of, version_json

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.app_template_filter("mmss")
def _mmss(ms: int | None) -> str:
    seconds = (ms or 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.app_template_filter("when")
def _when(t: float | None) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC") if t else "–"


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
    records = [r for r in store.list_articles()
               if not query or query.casefold() in f"{r.id} {r.article.title}".casefold()]
    return render_template("editor/index.html", rows=[_row(store, r) for r in records], query=query)


def _row(store: Store, record) -> dict:  # noqa: ANN001 - ArticleRecord
    """One line of the article list."""
    job = store.latest_job(record.id)
    current = store.get_version(record.id, record.current_version) if record.current_version else None
    return {"record": record, "job": job, "current": current, "status": status_of(job)}


@bp.get("/pronunciations")
def pronunciations():  # noqa: ANN201
    svc = service()
    kept = svc.lexicon.kept()
    return render_template("editor/pronunciations.html", entries=kept.lexicon.entries,
                           nocase=kept.lexicon.nocase, voices=sorted(all_voices(svc.settings.voices)),
                           problem=kept.problem)


def _record(article_id: str) -> ArticleRecord:
    try:
        return service().store.get_article(article_id)
    except NotFound:
        abort(404, description=f"There is no article '{article_id}'.")


@bp.get("/articles/<article_id>")
def article(article_id: str):  # noqa: ANN201
    svc = service()
    store = svc.store
    record = _record(article_id)
    row = _row(store, record)
    voice = get_voice(record.voice, record.article.language, svc.settings.voices)
    shown = preview_json(store, svc.settings, svc.runner.cache, record.article, voice)
    editable = locators(record.article, voice, svc.settings.disclaimer)
    for block in shown["blocks"]:
        block["editable"] = block["index"] in editable
    return render_template(
        "editor/article.html", row=row, record=record, preview=shown,
        versions=[dict(version_json(v), voice=v.voice) for v in store.list_versions(article_id)],
        current=version_json(row["current"]) if row["current"] else None,
        voices=sorted(all_voices(svc.settings.voices)), listening=svc.analytics.listening(article_id),
        marks=PROGRESS)


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
        asked = dataclasses.replace(requested_by(), chars=article.chars)
        record, job, new = svc.store.update_article(article_id, article, requested,
                                                    fingerprint_of(article, requested, voice), asked)
    except InputError as e:
        return refusal(e)
    if job is not None and new:
        svc.runner.submit(job.id)
    return jsonify(job=job_json(job)), 202 if job is not None else 200
