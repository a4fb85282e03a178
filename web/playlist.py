"""Continuous listening: which narrated articles belong together, the one up next after an article, and
the newest of a group for the playlist embed.

An article's group is what narrator knows of where it was published: the watched feed or sitemap that
led to it (`narrator watch`), else its site (the host of its address), else, for text a CMS sent without
an address, the articles that have none. Extraction keeps no section of its own, so a feed is the
section: a publisher who watches one feed per section gets "up next" within the section. Only articles
with a current version play, newest first by the date their narration was first published."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import url_for

from narrator.config import Settings
from narrator.service.store import ArticleRecord, SourceRecord, VersionRecord

from .context import service

LATEST = "latest"
"""The group of every narrated article (the playlist embed's `data-playlist="latest"`)."""


@dataclass(frozen=True)
class Item:
    """A playable article as the player loads it."""

    record: ArticleRecord
    """The article."""
    version: VersionRecord
    """Its current version."""

    @property
    def published(self) -> float:
        """When its narration was first published (the order of a group, newest first)."""
        return self.record.first_published or self.version.created


def site_of(url: str) -> str:
    """The host of an article's address, lower case, without 'www.' ('' for none)."""
    host = (urlsplit(url).hostname or "") if url.startswith(("http://", "https://")) else ""
    return host.removeprefix("www.")


def publisher(settings: Settings, record: ArticleRecord | None) -> str:
    """The name the bar shows: the publication, else the article's site, else the feed's title."""
    site = site_of(record.article.url) if record else ""
    return settings.publication or site or settings.feed_title


def item_json(item: Item) -> dict:
    """A playable article as the player loads it (the playlist, up next)."""
    record, version = item.record, item.version
    return {
        "article": record.id,
        "version": version.version,
        "title": record.article.title,
        "duration_ms": version.duration_ms,
        "audio_url": url_for("audio.mp3", article_id=record.id, version=version.version),
        "timing_url": url_for("audio.timing", article_id=record.id, version=version.version),
        "page_url": url_for("player.article", article_id=record.id),
        "next_url": url_for("api.next_article", article_id=record.id),
        "live_url": url_for("live.live", article_id=record.id),
        "source_url": record.article.url if record.article.url.startswith(("http://", "https://")) else "",
        "publication": publisher(service().settings, record),
    }


def group_of(record: ArticleRecord, sources: dict[str, str]) -> str:
    """'source:<id>' (the watched feed that led to it), else 'site:<host>' ('site:' without an address)."""
    if record.id in sources:
        return f"source:{sources[record.id]}"
    return f"site:{site_of(record.article.url)}"


def members(group: str, limit: int | None = None) -> list[Item]:
    """The playable articles of `group` (or of all: LATEST), newest first, at most `limit`."""
    store = service().store
    items = [Item(r, v) for r, v in store.versions.current()]
    if group != LATEST:
        sources = store.sources.article_sources()
        items = [i for i in items if group_of(i.record, sources) == group]
    items.sort(key=lambda i: (i.published, i.record.id), reverse=True)
    return items[:limit] if limit is not None else items


def next_after(record: ArticleRecord) -> tuple[str, Item | None]:
    """The article's group and the one that plays after it: the next older of the group (None after
    the oldest); for an article not in the list (no version yet), the group's newest."""
    group = group_of(record, service().store.sources.article_sources())
    items = members(group)
    ids = [i.record.id for i in items]
    if record.id not in ids:
        return group, items[0] if items else None
    at = ids.index(record.id)
    return group, items[at + 1] if at + 1 < len(items) else None


def group_named(name: str) -> str | None:
    """The group a publisher names in `data-playlist`: 'latest', a watched feed's or sitemap's URL (or
    its id), or a site's host ('news.example'); None if it names nothing narrator knows."""
    name = name.strip()
    if name == LATEST:
        return LATEST
    sources: list[SourceRecord] = service().store.sources.all()
    for source in sources:
        if name in (source.url, source.id):
            return f"source:{source.id}"
    host = site_of(name) if "://" in name else name.lower().removeprefix("www.")
    if not host or "/" in host or " " in host:
        return None
    return f"site:{host}"


__all__ = ["LATEST", "Item", "group_named", "group_of", "item_json", "members", "next_after", "publisher",
           "site_of"]
