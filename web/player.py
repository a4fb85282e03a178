"""The listener's pages: the article with its player, the embeddable player, and the embed script.

Publishers brand the embedded player with two attributes of the embed script, passed to the frame's
query: ``data-theme`` (light, dark or auto: the reader's system setting) and ``data-color`` (the
accent, ``#rgb`` or ``#rrggbb``). Anything else is ignored."""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from narrator.service.store import ArticleRecord, NotFound

from .context import service
from .live import estimate_of

bp = Blueprint("player", __name__)

THEMES = ("light", "dark", "auto")
"""The player's colour themes; auto follows the reader's system (prefers-color-scheme)."""
COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}\Z")
"""An accent colour a publisher may give: #rgb or #rrggbb (nothing that could end a CSS value)."""


def _record(article_id: str) -> ArticleRecord:
    try:
        return service().store.get_article(article_id)
    except NotFound:
        abort(404, description=f"There is no article '{article_id}'.")


def _context(record: ArticleRecord) -> dict:
    """What the player template needs: the article, its current version and timing map (if any), links."""
    store, settings = service().store, service().settings
    version = record.current_version
    timing = None
    if version is not None:
        try:
            timing = json.loads(store.storage.read(record.id, version, ".timing.json") or b"null")
        except FileNotFoundError:  # deleted under us: render as pending
            timing = None
        if timing is None:
            version = None
    blocks = timing["paragraphs"] if timing else []
    by_kind: dict[str, dict] = {}
    for block in blocks:
        by_kind.setdefault(block["kind"], block)
    v = store.get_version(record.id, version) if version is not None else None
    color = request.args.get("color", "")
    theme = request.args.get("theme", "")
    return {
        "record": record,
        "article": record.article,
        "version": version,
        "blocks": blocks,
        "by_kind": by_kind,
        "duration_ms": v.duration_ms if v else None,
        "label": settings.player_label,
        "publication": settings.publication or settings.feed_title,
        "audio_url": url_for("audio.mp3", article_id=record.id, version=version)
        if version is not None
        else "",
        "timing_url": url_for("audio.timing", article_id=record.id, version=version)
        if version is not None
        else "",
        "api_url": url_for("api.get_article", article_id=record.id),
        "live_url": url_for("live.live", article_id=record.id),
        "listen_url": url_for("live.listen", article_id=record.id),
        "events_url": url_for("api.listening_event"),
        "estimate_ms": None if v else estimate_of(record),
        "artwork_url": url_for("static", filename="artwork.png"),
        "color": color if COLOR.match(color) else "",
        "theme": theme if theme in THEMES else None,
    }


@bp.get("/")
def index():  # noqa: ANN201
    return render_template("index.html", records=service().store.list_articles())


@bp.get("/articles/<article_id>")
def article(article_id: str):  # noqa: ANN201
    context = _context(_record(article_id))
    return render_template("article.html", embed=False, **{**context, "theme": context["theme"] or "auto"})


@bp.get("/embed/<article_id>")
def embed(article_id: str):  # noqa: ANN201
    """The player alone, for a publisher's iframe (light unless told). An unknown article shows
    nothing: the host page must never show an error page where a player was meant to be."""
    try:
        record = service().store.get_article(article_id)
    except NotFound:
        return render_template("embed_missing.html", article_id=article_id), 404
    return _embedded(record)


@bp.get("/embed")
def embed_by_url():  # noqa: ANN201
    """The player of the article made from the page at ?url= (the newest, if several): a publisher's
    template names its own page's address and needs no article id (`data-url` on embed.js)."""
    url = request.args.get("url", "")
    found = service().store.articles_from(url) if url else []
    if not found:
        return render_template("embed_missing.html", article_id=""), 404
    return _embedded(found[0])


def _embedded(record: ArticleRecord) -> str:
    context = _context(record)
    return render_template("embed.html", embed=True, **{**context, "theme": context["theme"] or "light"})


@bp.get("/embed.js")
def embed_js() -> Response:
    response = current_app.send_static_file("embed.js")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
