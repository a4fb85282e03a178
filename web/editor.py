"""The editor's desk (/editor): sign-in, the article list, article pages, pronunciations.

Pages are server-rendered (templates/editor/); editor.js adds the interactive parts and calls
the JSON API (and the few JSON routes here) with the session cookie and its CSRF token.
Everything here needs a signed-in account; changing anything needs the 'editor' role.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from narrator.store import Store

from .auth import accounts, csrf_ok, principal, sign_in, sign_out

bp = Blueprint("editor", __name__, url_prefix="/editor")


@bp.app_template_filter("mmss")
def _mmss(ms: int | None) -> str:
    seconds = (ms or 0) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.app_template_filter("when")
def _when(t: float | None) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M UTC") if t else "–"


def _store() -> Store:
    return current_app.extensions["narrator"]["store"]


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
    return render_template("editor/pronunciations.html")


@bp.get("/articles/<article_id>")
def article(article_id: str):  # noqa: ANN201
    return render_template("editor/article.html", row=_row(_store(), _store().get_article(article_id)))
