"""The listener's pages: the article with its player, the embeddable player, the playlist embed, the
embed script, the pages' icon and the publisher's logo.

Publishers brand the embedded player with two attributes of the embed script, passed to the frame's
query: ``data-theme`` (light, dark or auto: the reader's system setting) and ``data-color`` (the
accent, ``#rgb`` or ``#rrggbb``). Anything else is ignored."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file, url_for

from narrator.config import Settings
from narrator.errors import InputError
from narrator.service.store import ArticleRecord, NotFound

from .context import service
from .live_api import estimate_of
from .playlist import group_named, item_json, members, publisher

bp = Blueprint("player", __name__)

THEMES = ("light", "dark", "auto")
"""The player's colour themes; auto follows the reader's system (prefers-color-scheme)."""
COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}\Z")
"""An accent colour a publisher may give: #rgb or #rrggbb (nothing that could end a CSS value)."""


LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
              ".webp": "image/webp", ".svg": "image/svg+xml"}
"""The image files NARRATOR_PUBLISHER_LOGO may name, by extension."""
PLAYLIST_LENGTH = (10, 50)
"""The playlist embed's articles: by default, and at most (`data-limit`)."""


def logo_file(settings: Settings) -> tuple[Path, str] | None:
    """The publisher's logo when it is a file (path, type); None for a URL or no logo; InputError for
    a file that is missing or not an image the player can show."""
    logo = settings.publisher_logo.strip()
    if not logo or logo.startswith(("https://", "http://")):
        return None
    path = Path(logo).expanduser()
    kind = LOGO_TYPES.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"NARRATOR_PUBLISHER_LOGO {logo}: not a URL nor a {', '.join(sorted(LOGO_TYPES))} "
                         "file")
    if not path.is_file():
        raise InputError(f"NARRATOR_PUBLISHER_LOGO {logo}: no such file")
    return path, kind


def check_settings(settings: Settings) -> None:
    """Refuse, at start, a publisher's logo the player could not show."""
    logo_file(settings)


def logo_url(settings: Settings) -> str:
    """Where the player's bar loads the publisher's logo from ('' for none)."""
    logo = settings.publisher_logo.strip()
    if logo.startswith(("https://", "http://")):
        return logo
    return url_for("player.publisher_logo") if logo else ""


def _record(article_id: str) -> ArticleRecord:
    try:
        return service().store.articles.get(article_id)
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
    v = store.versions.get(record.id, version) if version is not None else None
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
        "publication": publisher(settings, record),
        "logo_url": logo_url(settings),
        "audio_url": url_for("audio.mp3", article_id=record.id, version=version)
        if version is not None
        else "",
        "timing_url": url_for("audio.timing", article_id=record.id, version=version)
        if version is not None
        else "",
        "api_url": url_for("api.get_article", article_id=record.id),
        "live_url": url_for("live.live", article_id=record.id),
        "listen_url": url_for("live.listen", article_id=record.id),
        "next_url": url_for("api.next_article", article_id=record.id),
        "page_url": url_for("player.article", article_id=record.id),
        "events_url": url_for("api.listening_event"),
        "estimate_ms": None if v else estimate_of(record),
        "artwork_url": url_for("static", filename="artwork.png"),
        "color": color if COLOR.match(color) else "",
        "theme": theme if theme in THEMES else None,
    }


@bp.get("/")
def index():  # noqa: ANN201
    return render_template("index.html", records=service().store.articles.all())


@bp.get("/articles/<article_id>")
def article(article_id: str):  # noqa: ANN201
    context = _context(_record(article_id))
    return render_template("article.html", embed=False, **{**context, "theme": context["theme"] or "auto"})


@bp.get("/embed/<article_id>")
def embed(article_id: str):  # noqa: ANN201
    """The player alone, for a publisher's iframe (light unless told). An unknown article shows
    nothing: the host page must never show an error page where a player was meant to be."""
    try:
        record = service().store.articles.get(article_id)
    except NotFound:
        return render_template("embed_missing.html", article_id=article_id), 404
    return _embedded(record)


@bp.get("/embed")
def embed_by_url():  # noqa: ANN201
    """The player of the article made from the page at ?url= (the newest, if several): a publisher's
    template names its own page's address and needs no article id (`data-url` on embed.js)."""
    url = request.args.get("url", "")
    found = service().store.articles.from_url(url) if url else []
    if not found:
        return render_template("embed_missing.html", article_id=""), 404
    return _embedded(found[0])


def _embedded(record: ArticleRecord) -> str:
    context = _context(record)
    return render_template("embed.html", embed=True, **{**context, "theme": context["theme"] or "light"})


@bp.get("/embed/playlist")
def embed_playlist():  # noqa: ANN201
    """A site's latest narrated articles in one player (`data-playlist` on embed.js): ?of= names the
    group (latest, a watched feed's URL, a site's host), ?limit= how many (1-50, default 10). One
    that names nothing narrated shows nothing, as an unknown article does."""
    group = group_named(request.args.get("of", "latest"))
    default, most = PLAYLIST_LENGTH
    limit = request.args.get("limit", default=default, type=int) or default
    items = members(group, max(1, min(limit, most))) if group else []
    if not items:
        return render_template("embed_missing.html", article_id=""), 404
    context = _context(items[0].record)
    name = publisher(service().settings, items[0].record if group.startswith("site:") else None)
    return render_template("embed_playlist.html", embed=True, playlist=[item_json(i) for i in items],
                           **{**context, "theme": context["theme"] or "light", "publication": name})


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The pages' icon (browsers ask for it on every page)."""
    response = current_app.send_static_file("favicon.ico")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/publisher-logo")
def publisher_logo() -> Response:
    """The publisher's logo, when NARRATOR_PUBLISHER_LOGO names a file."""
    found = logo_file(service().settings)
    if found is None:
        abort(404, description="no publisher logo is configured as a file")
    path, kind = found
    response = send_file(path, mimetype=kind, max_age=3600)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/embed.js")
def embed_js() -> Response:
    response = current_app.send_static_file("embed.js")
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
