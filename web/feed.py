"""The podcast feed: RSS 2.0 with iTunes tags, one item per narrated article (its current version)."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, request, url_for

from narrator.extract import strip_unsafe

from .context import service

bp = Blueprint("feed", __name__)


def _absolute(path: str) -> str:
    """An absolute link: under NARRATOR_PUBLIC_URL, else under the request's own host (then the feed
    is not cached for anyone else: a Host header chosen by one client must not reach another)."""
    base = service().settings.public_url.rstrip("/") or request.url_root.rstrip("/")
    return base + path


def _line(text: str) -> str:
    """One line of text an XML parser accepts (what extraction gives; a store written by an older
    narrator, or by hand, may hold control characters)."""
    return " ".join(strip_unsafe(text).split())


def _duration(ms: int) -> str:
    s = round(ms / 1000)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


@bp.get("/feed.xml")
def feed() -> Response:
    svc = service()
    store, settings = svc.store, svc.settings
    title, label = settings.feed_title, settings.player_label
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(title)
    fg.link(href=_absolute(url_for("feed.feed")), rel="self")
    fg.link(
        href=_absolute(url_for("player.index")), rel="alternate"
    )  # after 'self': RSS <link> is the last one
    fg.description(f"Narrated articles from {title}. {label}")
    fg.language("en")
    fg.generator("narrator")
    fg.podcast.itunes_author(settings.publication or title)
    fg.podcast.itunes_summary(f"Narrated articles from {title}.")
    fg.podcast.itunes_category("News")
    fg.podcast.itunes_explicit("no")
    fg.podcast.itunes_image(_absolute(url_for("static", filename="artwork.png")))
    fg.podcast.itunes_type("episodic")
    for record, version in reversed(store.current_versions()):  # feedgen prepends: add oldest first
        a = record.article
        audio = _absolute(url_for("audio.mp3", article_id=record.id, version=version.version))
        first = _line(a.paragraphs[0].text) if a.paragraphs else ""
        entry = fg.add_entry()
        entry.guid(f"narrator:{record.id}:v{version.version}", permalink=False)
        entry.title(_line(a.title) or record.id)
        entry.link(href=_absolute(url_for("player.article", article_id=record.id)))
        entry.description(f"{first}\n\n{label}".strip())
        entry.enclosure(audio, str(version.size), "audio/mpeg")
        entry.pubDate(datetime.fromtimestamp(version.created, UTC))
        entry.podcast.itunes_duration(_duration(version.duration_ms))
        entry.podcast.itunes_summary(first[:4000] or a.title)
        if a.byline:
            entry.podcast.itunes_author(_line(a.byline))
    body = fg.rss_str(pretty=True)
    response = Response(body, mimetype="application/rss+xml")
    if settings.public_url:
        response.headers["Cache-Control"] = "public, max-age=300"
    else:  # links made from this request's Host header: for this client only
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Vary"] = "Host"
    return response
