"""Watching a site's feeds and sitemaps: new pages become articles, edited pages new versions.

`Watcher.run(source)` is one pass over a feed (RSS 2.0, Atom: parsed by feedparser) or a sitemap
(urlset, sitemap index, Google News sitemap: parsed with lxml), read by narrator.net.feeds in a child
process within bounds (a feed's body never reaches a parser in this process). For each entry,
newest first and at most NARRATOR_WATCH_MAX_ENTRIES, it fetches the page (the fetch module: SSRF
guard, time limit, size cap; conditionally, with the ETag and Last-Modified it last saw, and not at
all when a sitemap's <lastmod> has not moved), extracts the article and stores it through the same
path as the API (narrator.service.submissions.store_article): a new URL makes an article, a changed
page a new version (only its changed sentences are synthesised: the cache has the rest), an
unchanged one nothing. One request at a time, with NARRATOR_WATCH_DELAY_S between two to the same
host. A page that fails is counted and named, and the pass goes on. A source's narrations count
against NARRATOR_MAX_QUEUED_CHARS like an API key's (requester 'watch:<id>'): entries beyond it are
held for a later pass.

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
from urllib.parse import urlsplit

from ..config import Settings
from ..errors import ExtractionError, InputError
from ..extract import from_page
from ..net.feeds import Entry, Listing, read_listing
from ..net.fetch import FEED_TYPES, Page, fetch
from ..net.guard import NetGuard
from .metrics import WATCH_FAILURES, WATCH_PAGE_FAILURES, WATCH_PASSES, Batch
from .store import JobRequest, NotFound, PageRecord, QuotaExceeded, SourceRecord, Store
from .submissions import check_size, store_article

log = logging.getLogger(__name__)

MAX_SITEMAPS = 10
"""Child sitemaps of an index read in one pass (the newest, by their <lastmod>)."""


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
    held: int = 0
    """Entries left for a later pass: the source's narrations queued already are at its limit
    (NARRATOR_MAX_QUEUED_CHARS)."""
    errors: list[str] = field(default_factory=list)
    """What failed, a line per page (the first few)."""
    kind: str = ""
    """What the source is: 'feed', 'sitemap' or 'index' (a sitemap of sitemaps)."""

    def as_dict(self) -> dict:
        """For the store and the API."""
        return {"kind": self.kind, "entries": self.entries, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "failed": self.failed, "skipped": self.skipped,
                "held": self.held, "errors": self.errors[:10]}


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
            known = self.store.sources.pages_of(source.id, self.settings.watch_max_entries)
            return [Entry(p.url, p.lastmod or "", p.checked) for p in known], page, kind
        listed = self._read(page)
        if listed.kind == "sitemap":
            pages = list(listed.pages)
            for child in sorted(listed.children, key=lambda e: -e.order)[:MAX_SITEMAPS]:
                try:
                    pages.extend(self._read(self._fetch(child.url, accept=FEED_TYPES)).pages)
                except InputError as e:
                    log.warning("sitemap %s: %s", child.url, e)
            return pages, page, "index" if listed.children else "sitemap"
        if listed.kind != "feed":
            raise InputError(f"{source.url} is neither an RSS or Atom feed nor a sitemap")
        return list(listed.pages), page, "feed"

    def _read(self, page: Page) -> Listing:
        """What a fetched feed or sitemap lists, read by narrator.net.feeds in a child process within
        NARRATOR_WATCH_PARSE_S and NARRATOR_WATCH_PARSE_MB; InputError saying why it was not read."""
        try:
            settings = self.settings
            return read_listing(page.body, page.url, settings.watch_parse_s, settings.watch_parse_mb)
        except ExtractionError as e:
            raise InputError(f"{page.url} was not read: {e}") from None

    def run(self, source: SourceRecord) -> Outcome:
        """One pass over `source` (see the module); the store records it and when the next is due."""
        outcome, error, page, unreadable = Outcome(), None, None, False
        try:
            entries, page, outcome.kind = self.entries(source)
            outcome.entries = len(entries)
            newest = sorted(entries, key=lambda e: -e.order)  # stable: a feed's own order among equals
            cap = self.settings.watch_max_entries
            outcome.skipped = max(len(newest) - cap, 0)
            for i, entry in enumerate(newest[:cap]):
                try:
                    self._entry(source, entry, outcome)
                except QuotaExceeded as e:  # the rest waits for the next pass (their pages are not recorded)
                    outcome.held = held = len(newest[:cap]) - i
                    error = f"{held} {'entry' if held == 1 else 'entries'} held for a later pass: {e}"
                    break
        except InputError as e:  # the source itself could not be fetched or parsed
            error, unreadable = str(e), True
        if outcome.failed and not error:
            error = f"{outcome.failed} of {outcome.entries} pages failed: {outcome.errors[0]}"
        validators = (source.etag or "", source.last_modified or "")
        if page is not None and not page.not_modified:
            validators = (page.etag, page.last_modified)
        if outcome.held:  # held entries are not recorded: the next pass must read the source in full
            validators = ("", "")
        self.store.sources.finish(source.id, outcome.as_dict(), error,
                                 time.time() + self.settings.watch_interval_s, *validators)
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
        known = self.store.sources.page(entry.url)
        if known and entry.lastmod and known.lastmod == entry.lastmod:
            outcome.unchanged += 1  # the sitemap says it has not changed: not even asked for
            return
        try:
            page = self._fetch(entry.url, etag=(known.etag or "") if known else "",
                               last_modified=(known.last_modified or "") if known else "")
            if page.not_modified:
                assert known is not None  # only a page asked for conditionally can be unmodified
                outcome.unchanged += 1
                self.store.sources.record_page(PageRecord(entry.url, known.article_id, source.id, known.etag,
                                                  known.last_modified, entry.lastmod or None, time.time()))
                return
            article = check_size(from_page(page), self.settings)
            # A source is charged like an API key: its queued narrations count against
            # NARRATOR_MAX_QUEUED_CHARS under its own name, so one hostile or runaway feed holds at most
            # that much of the queue and the other sources (and editors) keep their room; the number of
            # sources is bounded too (NARRATOR_WATCH_MAX_SOURCES).
            request = JobRequest(requested_by=f"watch:{source.id}", chars=article.chars,
                                 max_queued_chars=self.settings.max_queued_chars)
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
            self.store.sources.record_page(PageRecord(entry.url, record.id, source.id, page.etag or None,
                                              page.last_modified or None, entry.lastmod or None, time.time()))
        except QuotaExceeded:
            raise
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
        for source in store.sources.all():
            if self._stop.is_set():
                break
            if store.sources.claim(source.id, self.worker, self.watcher.lease_s):
                self.watcher.run(store.sources.get(source.id))
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


__all__ = ["Entry", "Outcome", "Watcher", "Watching"]
