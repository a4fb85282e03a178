"""Watching a site's feeds and sitemaps: new pages become articles, edited pages new versions.

`Watcher.run(source)` is one pass over a feed (RSS 2.0, Atom: parsed by feedparser) or a sitemap
(urlset, sitemap index, Google News sitemap: parsed with lxml). For each entry, newest first and at
most NARRATOR_WATCH_MAX_ENTRIES, it fetches the page (the fetch module: SSRF guard, time limit,
size cap; conditionally, with the ETag and Last-Modified it last saw, and not at all when a
sitemap's <lastmod> has not moved), extracts the article and stores it through the same path as
the API (narrator.service.submissions.store_article): a new URL makes an article, a changed page a
new version (only its changed sentences are synthesised: the cache has the rest), an unchanged one
nothing. One request at a time, with NARRATOR_WATCH_DELAY_S between two to the same host. A page
that fails is counted and named, and the pass goes on.

Sources are kept in the store (added by `narrator watch URL` or on the dashboard). `narrator serve`
and `narrator worker` run due sources in a thread of their own (`Watching`), one watcher per source
at a time across machines: a lease in the store, as for jobs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree

from ..config import Settings
from ..errors import InputError
from ..extract import from_page
from ..fetch import FEED_TYPES, Page, fetch
from ..netguard import NetGuard
from .metrics import WATCH_FAILURES, WATCH_PAGE_FAILURES, WATCH_PASSES, Batch
from .store import JobRequest, NotFound, PageRecord, SourceRecord, Store
from .submissions import check_size, store_article

log = logging.getLogger(__name__)

MAX_SITEMAPS = 10
"""Child sitemaps of an index read in one pass (the newest, by their <lastmod>)."""
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Entry:
    """A page a source lists."""

    url: str
    """The page."""
    lastmod: str = ""
    """When a sitemap says it last changed (<lastmod>): while it stays the same the page is not asked
    for. Feeds give none here: their dates say when a story was published, not when it was edited."""
    order: float = 0.0
    """A sort key, larger for newer (a Unix time where one is known)."""


@dataclass
class Outcome:
    """What one pass did."""

    entries: int = 0
    """Entries the source listed."""
    created: int = 0
    """New articles."""
    updated: int = 0
    """Articles whose page had changed: a new version is being made."""
    unchanged: int = 0
    """Pages that had not changed (or were not fetched: the source said so)."""
    failed: int = 0
    """Pages that could not be fetched or read."""
    skipped: int = 0
    """Entries beyond the cap on entries per pass."""
    errors: list[str] = field(default_factory=list)
    """What failed, a line per page (the first few)."""
    kind: str = ""
    """What the source is: 'feed', 'sitemap' or 'index' (a sitemap of sitemaps)."""

    def as_dict(self) -> dict:
        """For the store and the API."""
        return {"kind": self.kind, "entries": self.entries, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed, "skipped": self.skipped,
                "errors": self.errors[:10]}


def _when(text: str) -> float:
    """A date from a sitemap or a feed as a Unix time (0 if there is none or it does not parse)."""
    text = (text or "").strip()
    if not text:
        return 0.0
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0.0


def parse_sitemap(body: bytes) -> tuple[list[Entry], list[Entry]] | None:
    """The pages and child sitemaps a sitemap lists, or None if `body` is no sitemap."""
    try:
        parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError:
        return None
    if root is None or lxml.etree.QName(root).localname not in ("urlset", "sitemapindex"):
        return None
    pages: list[Entry] = []
    children: list[Entry] = []
    for item in root:
        if not isinstance(item.tag, str):
            continue
        kind = lxml.etree.QName(item).localname
        loc = (item.findtext(f"{SITEMAP_NS}loc") or item.findtext("loc") or "").strip()
        if not loc:
            continue
        lastmod = (item.findtext(f"{SITEMAP_NS}lastmod") or item.findtext("lastmod") or
                   item.findtext(f"{NEWS_NS}news/{NEWS_NS}publication_date") or "").strip()
        entry = Entry(loc, lastmod, _when(lastmod))
        (children if kind == "sitemap" else pages).append(entry)
    return pages, children


def parse_feed(body: bytes, base: str) -> list[Entry] | None:
    """The pages an RSS or Atom feed lists, or None if `body` is no feed."""
    parsed = feedparser.parse(body)
    if not parsed.get("version") and not parsed.entries:
        return None
    entries = []
    for item in parsed.entries:
        link = item.get("link") or next((x.get("href") for x in item.get("links", []) if x.get("href")), "")
        if not link:
            continue
        keys = set(item.keys())  # item.get("updated") would fall back to "published" with a warning
        stamp = next((item[k] for k in ("updated_parsed", "published_parsed") if k in keys and item[k]), None)
        entries.append(Entry(urljoin(base, link), "", time.mktime(stamp) if stamp else 0.0))
    return entries


class Watcher:
    """Runs passes over sources, one request at a time, politely."""

    def __init__(self, store: Store, settings: Settings, submit: Callable[[str], None],
                 guard: Callable[[], NetGuard], sleep: Callable[[float], None] = time.sleep):
        self.store, self.settings, self.submit, self.guard = store, settings, submit, guard
        self._sleep = sleep
        self._last_request: dict[str, float] = {}

    @property
    def lease_s(self) -> float:
        """How long a pass may hold its source: every request it may make, at the polite delay."""
        return self.settings.watch_delay_s * (self.settings.watch_max_entries + MAX_SITEMAPS + 1) + 120

    def _fetch(self, url: str, **options: object) -> Page:
        """Fetch through the guard, waiting first if this host was asked less than the delay ago."""
        host = (urlsplit(url).hostname or "").lower()
        wait = self._last_request.get(host, 0.0) + self.settings.watch_delay_s - time.monotonic()
        if wait > 0:
            self._sleep(wait)
        try:
            return fetch(url, self.guard(), **options)  # type: ignore[arg-type]
        finally:
            self._last_request[host] = time.monotonic()

    def entries(self, source: SourceRecord) -> tuple[list[Entry], Page, str]:
        """The source's entries, the page read and its kind ('feed', 'sitemap' or 'index').

        When the source has not changed since the last pass (304), its entries are the pages it
        listed before: a page can be edited without its feed changing (conditional requests make
        that cheap; a sitemap's <lastmod> spares even them). A sitemap index is read whole each
        time: its children can change while it does not."""
        kind = (source.outcome or {}).get("kind", "")
        conditional = kind != "index"
        page = self._fetch(source.url, accept=FEED_TYPES, etag=(source.etag or "") if conditional else "",
                           last_modified=(source.last_modified or "") if conditional else "")
        if page.not_modified:
            known = self.store.pages_of(source.id, self.settings.watch_max_entries)
            return [Entry(p.url, p.lastmod or "", p.checked) for p in known], page, kind
        sitemap = parse_sitemap(page.body)
        if sitemap is not None:
            pages, children = sitemap
            for child in sorted(children, key=lambda e: -e.order)[:MAX_SITEMAPS]:
                try:
                    found = parse_sitemap(self._fetch(child.url, accept=FEED_TYPES).body)
                except InputError as e:
                    log.warning("sitemap %s: %s", child.url, e)
                    continue
                pages.extend(found[0] if found else [])
            return pages, page, "index" if children else "sitemap"
        feed = parse_feed(page.body, page.url)
        if feed is None:
            raise InputError(f"{source.url} is neither an RSS or Atom feed nor a sitemap")
        return feed, page, "feed"

    def run(self, source: SourceRecord) -> Outcome:
        """One pass over `source` (see the module); the store records it and when the next is due."""
        outcome, error, page, unreadable = Outcome(), None, None, False
        try:
            entries, page, outcome.kind = self.entries(source)
            outcome.entries = len(entries)
            newest = sorted(entries, key=lambda e: -e.order)  # stable: a feed's own order among equals
            cap = self.settings.watch_max_entries
            outcome.skipped = max(len(newest) - cap, 0)
            for entry in newest[:cap]:
                self._entry(source, entry, outcome)
        except InputError as e:  # the source itself could not be fetched or parsed
            error, unreadable = str(e), True
        if outcome.failed and not error:
            error = f"{outcome.failed} of {outcome.entries} pages failed: {outcome.errors[0]}"
        self.store.finish_source(source.id, outcome.as_dict(), error,
                                 time.time() + self.settings.watch_interval_s,
                                 etag=page.etag if page and not page.not_modified else (source.etag or ""),
                                 last_modified=(page.last_modified if page and not page.not_modified
                                                else (source.last_modified or "")))
        self._count(outcome, unreadable)
        return outcome

    def _count(self, outcome: Outcome, unreadable: bool) -> None:
        """Add the pass to the database's counters (/metrics); a failure to is logged, never the pass's."""
        batch = Batch()
        batch.inc(WATCH_PASSES)
        batch.inc(WATCH_FAILURES, float(unreadable))
        batch.inc(WATCH_PAGE_FAILURES, outcome.failed)
        try:
            self.store.tallies.add(batch)
        except Exception as e:  # a database busy for a moment: the figures are lost, the pass is not
            log.warning("could not record the metrics of a watch pass: %s", e)

    def _entry(self, source: SourceRecord, entry: Entry, outcome: Outcome) -> None:
        known = self.store.watched_page(entry.url)
        if known and entry.lastmod and known.lastmod == entry.lastmod:
            outcome.unchanged += 1  # the sitemap says it has not changed: not even asked for
            return
        try:
            page = self._fetch(entry.url, etag=(known.etag or "") if known else "",
                               last_modified=(known.last_modified or "") if known else "")
            if page.not_modified:
                assert known is not None  # only a page asked for conditionally can be unmodified
                outcome.unchanged += 1
                self.store.record_page(PageRecord(entry.url, known.article_id, source.id, known.etag,
                                                  known.last_modified, entry.lastmod or None, time.time()))
                return
            article = check_size(from_page(page), self.settings)
            request = JobRequest(requested_by=f"watch:{source.id}", chars=article.chars)
            try:
                record, job, new = store_article(self.store, self.settings, article, source.voice, request,
                                                 known.article_id if known else None, existing=bool(known))
            except NotFound:  # an editor deleted the article: it is not made again
                outcome.unchanged += 1
                return
            if job is not None and new:
                self.submit(job.id)
            if known is None:
                outcome.created += 1
            elif job is not None:
                outcome.updated += 1
            else:
                outcome.unchanged += 1
            self.store.record_page(PageRecord(entry.url, record.id, source.id, page.etag or None,
                                              page.last_modified or None, entry.lastmod or None, time.time()))
        except InputError as e:
            outcome.failed += 1
            outcome.errors.append(f"{entry.url}: {e}")


class Watching:
    """A thread that runs due sources (for `narrator serve` and `narrator worker`)."""

    LOOK_EVERY_S = 20.0
    """How often the thread looks for due sources (a pass is due every NARRATOR_WATCH_INTERVAL_S)."""

    def __init__(self, watcher: Watcher, worker: str):
        self.watcher, self.worker = watcher, worker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="narrator-watch", daemon=True)

    def start(self) -> None:
        """Start watching in the background."""
        self._thread.start()

    def due(self) -> int:
        """Run every due source this watcher can claim; how many it ran."""
        store = self.watcher.store
        ran = 0
        for source in store.list_sources():
            if self._stop.is_set():
                break
            if store.claim_source(source.id, self.worker, self.watcher.lease_s):
                self.watcher.run(store.get_source(source.id))
                ran += 1
        return ran

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.due()
            except Exception:  # a database gone for a moment: the next look tries again
                log.exception("watching failed; trying again in %s s", self.LOOK_EVERY_S)
            self._stop.wait(self.LOOK_EVERY_S)

    def stop(self) -> None:
        """Stop after the pass in hand."""
        self._stop.set()
        if self._thread.ident:
            self._thread.join()


__all__ = ["Entry", "Outcome", "Watcher", "Watching", "parse_feed", "parse_sitemap"]
