"""Watched feeds and sitemaps, and the pages they led to (narrator.service.watch)."""
from __future__ import annotations

import hashlib
import json
import logging
import time

from .records import Conflict, NotFound, PageRecord, Part, SourceRecord, _source

log = logging.getLogger(__name__)


class Sources(Part):
    """Watched feeds and sitemaps, and the pages they led to (narrator.service.watch)."""

    def add(self, url: str, voice: str | None = None, limit: int = 0) -> SourceRecord:
        """Watch a feed or sitemap (again: its voice is updated); the source. Conflict when `limit`
        sources are watched already (NARRATOR_WATCH_MAX_SOURCES; 0: no limit)."""
        source_id = hashlib.sha256(url.encode()).hexdigest()[:12]
        with self._write() as db:
            known = db.execute("SELECT 1 FROM sources WHERE id = ?", (source_id,)).fetchone()
            count = db.execute("SELECT COUNT(*) AS n FROM sources").fetchone()["n"]
            if limit and not known and count >= limit:
                raise Conflict(f"{count} sources are watched already, the limit "
                               "(NARRATOR_WATCH_MAX_SOURCES): remove one first")
            db.execute("INSERT INTO sources (id, url, voice, created) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET voice = excluded.voice",
                       (source_id, url, voice, time.time()))
        return self.get(source_id)

    def get(self, source_id: str) -> SourceRecord:
        """A watched source; NotFound if unknown."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            raise NotFound(f"no watched source '{source_id}'")
        return _source(row)

    def all(self) -> list[SourceRecord]:
        """Every watched source, oldest first."""
        with self._connect() as db:
            return [_source(r) for r in db.execute("SELECT * FROM sources ORDER BY created, id").fetchall()]

    def remove(self, source_id: str) -> None:
        """Stop watching a source (its articles stay); NotFound if unknown."""
        with self._write() as db:
            if db.execute("DELETE FROM sources WHERE id = ?", (source_id,)).rowcount == 0:
                raise NotFound(f"no watched source '{source_id}'")

    def claim(self, source_id: str, worker: str, lease_s: float, due_only: bool = True) -> bool:
        """Take a source for one pass (one watcher at a time across machines): False if another holds
        it, or (with `due_only`) its next pass is not due yet."""
        now = time.time()
        due = " AND next_pass <= ?" if due_only else ""
        with self._write() as db:
            cur = db.execute(f"UPDATE sources SET worker = ?, lease_until = ? WHERE id = ? "
                             f"AND (lease_until IS NULL OR lease_until < ?){due}",
                             (worker, now + lease_s, source_id, now, *([now] if due_only else [])))
            return cur.rowcount == 1

    def finish(self, source_id: str, outcome: dict, error: str | None, next_pass: float,
                      etag: str = "", last_modified: str = "") -> None:
        """Record a pass and release the source until `next_pass`."""
        with self._write() as db:
            db.execute("UPDATE sources SET last_pass = ?, next_pass = ?, outcome = ?, error = ?, "
                       "etag = ?, last_modified = ?, worker = NULL, lease_until = NULL WHERE id = ?",
                       (time.time(), next_pass, json.dumps(outcome), error, etag or None,
                        last_modified or None, source_id))

    def page(self, url: str) -> PageRecord | None:
        """What is known of a page a source led to, or None."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM pages WHERE url = ?", (url,)).fetchone()
        return PageRecord(**dict(row)) if row else None

    def pages_of(self, source_id: str, limit: int) -> list[PageRecord]:
        """The pages a source led to, most recently checked first, at most `limit`."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM pages WHERE source_id = ? ORDER BY checked DESC, url LIMIT ?",
                              (source_id, limit)).fetchall()
        return [PageRecord(**dict(r)) for r in rows]

    def article_sources(self) -> dict[str, str]:
        """The watched source that led to each article (article id -> source id; the most recently
        checked page wins when several did)."""
        with self._connect() as db:
            rows = db.execute("SELECT article_id, source_id FROM pages WHERE source_id IS NOT NULL "
                              "ORDER BY checked, url").fetchall()
        return {r["article_id"]: r["source_id"] for r in rows}

    def record_page(self, page: PageRecord) -> None:
        """Remember a page a source led to: its article and validators."""
        with self._write() as db:
            db.execute("INSERT INTO pages (url, article_id, source_id, etag, last_modified, lastmod, "
                       "checked) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET "
                       "article_id = excluded.article_id, source_id = excluded.source_id, "
                       "etag = excluded.etag, last_modified = excluded.last_modified, "
                       "lastmod = excluded.lastmod, checked = excluded.checked",
                       (page.url, page.article_id, page.source_id, page.etag, page.last_modified,
                        page.lastmod, page.checked))
