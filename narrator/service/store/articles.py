"""Articles: their content, creation, edits and deletion (an edit queues the job that narrates it)."""
from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time

from ...errors import InputError
from ...model import Article
from ..audio_storage import StorageUnavailable
from . import quotas
from .records import (
    ID_PATTERN,
    QUEUED,
    RUNNING,
    ArticleHead,
    ArticleRecord,
    Conflict,
    JobRecord,
    JobRequest,
    NotFound,
    Part,
    _priority,
    article_from_dict,
    content_hash,
    new_id,
)

log = logging.getLogger(__name__)


class Articles(Part):
    """Articles: their content, creation, edits and deletion (an edit queues the job that narrates it)."""

    @staticmethod
    def _record(row: sqlite3.Row) -> ArticleRecord:
        return ArticleRecord(
            id=row["id"],
            article=article_from_dict(json.loads(row["content"])),
            voice=row["voice"],
            content_hash=row["content_hash"],
            current_version=row["current_version"],
            created=row["created"],
            updated=row["updated"],
            first_published=row["first_published"],
        )

    def create(
        self,
        article: Article,
        voice: str | None = None,
        article_id: str | None = None,
        fingerprint: str | None = None,
        request: JobRequest = JobRequest(),  # noqa: B008 - frozen: one shared default is safe
    ) -> tuple[ArticleRecord, JobRecord]:
        """Store a new article and queue its first narration; Conflict if the id is taken,
        QuotaExceeded if the requester has too much work queued.

        `fingerprint` is the hash of everything that determines the narration (content, voice,
        lexicon version); the default covers content and voice."""
        article_id = article_id or new_id()
        if not ID_PATTERN.match(article_id):
            raise InputError("id must be 1-64 letters, digits, '-' or '_', starting with a letter or digit")
        now = time.time()
        try:
            with self._write() as db:
                self._insert(db, article, voice, article_id, fingerprint, now)
                job = self.store.jobs._insert(db, article_id, now, request)
        except self.db.unique_errors:  # another node created the same id at the same moment
            raise Conflict(f"article '{article_id}' already exists")
        return self.get(article_id), job

    @staticmethod
    def _insert(db: sqlite3.Connection, article: Article, voice: str | None, article_id: str,
                        fingerprint: str | None, now: float) -> None:
        if db.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
            raise Conflict(f"article '{article_id}' already exists")
        db.execute(
            "INSERT INTO articles (id, title, voice, content, content_hash, created, updated, source_url) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article_id,
                article.title,
                voice,
                json.dumps(article.to_dict(), ensure_ascii=False),
                fingerprint or content_hash(article, voice),
                now,
                now,
                article.url or None,
            ),
        )

    def update(
        self, article_id: str, article: Article, voice: str | None, fingerprint: str | None = None,
        request: JobRequest = JobRequest(),  # noqa: B008 - frozen: one shared default is safe
    ) -> tuple[ArticleRecord, JobRecord | None, bool]:
        """Replace an article's content and queue a new narration; NotFound if unknown,
        QuotaExceeded if the requester has too much work queued.

        Returns the article, its job and whether that job is new. Idempotent: when the
        fingerprint matches the current version's and nothing is pending, no job is made (None).
        A job still waiting in the queue is reused: it reads the article when it starts, so the
        newest content wins and quick successive edits make one version. A job already running
        is cancelled (its worker stops at the next sentence) and a new one queued: it would make a
        version of content that is no longer the article's; but the same content again (one edit
        sent twice, or by two nodes at once) is answered with the job already narrating it. With a
        `request.page_request` the content is kept until the job has fetched the page."""
        now = time.time()
        fingerprint = fingerprint or content_hash(article, voice)
        if request.page_request:
            return self._refetch(article_id, voice, request, now)
        with self._write() as db:
            # The article's row is locked before anything about it is read: two nodes taking the same
            # edit at once see one another's job (the second one reads what the first committed).
            row = db.execute(f"SELECT content_hash FROM articles WHERE id = ?{self.db.for_update}",
                             (article_id,)).fetchone()
            if row is None:
                raise NotFound(f"no article '{article_id}'")
            db.execute(
                "UPDATE articles SET title = ?, voice = ?, content = ?, content_hash = ?, updated = ?, "
                "source_url = ? WHERE id = ?",
                (
                    article.title,
                    voice,
                    json.dumps(article.to_dict(), ensure_ascii=False),
                    fingerprint,
                    now,
                    article.url or None,
                    article_id,
                ),
            )
            job, new = self._pending_job(db, article_id, fingerprint, row["content_hash"], now, request)
        return self.get(article_id), job, new

    def _refetch(self, article_id: str, voice: str | None, request: JobRequest,
                 now: float) -> tuple[ArticleRecord, JobRecord, bool]:
        """Queue a job that fetches the article again from a URL (the content changes when it has)."""
        with self._write() as db:
            lock = f"SELECT 1 FROM articles WHERE id = ?{self.db.for_update}"
            if db.execute(lock, (article_id,)).fetchone() is None:
                raise NotFound(f"no article '{article_id}'")
            db.execute("UPDATE articles SET voice = ?, updated = ? WHERE id = ?", (voice, now, article_id))
            self.store.jobs._cancel(db, article_id, "superseded by a newer submission", now)
            job = self.store.jobs._insert(db, article_id, now, request)
        return self.get(article_id), job, True

    def _pending_job(
        self, db: sqlite3.Connection, article_id: str, fingerprint: str, previous: str, now: float,
        request: JobRequest,
    ) -> tuple[JobRecord | None, bool]:
        """The job that will narrate the article's new content (`fingerprint`; `previous`, what it held
        before this edit), and whether it is new; None when nothing is to be done. Called with the
        article's row locked, so one logical edit makes one job however many nodes submit it."""
        order = f"ORDER BY created DESC, {self.db.insertion_order} DESC LIMIT 1{self.db.for_update}"
        queued = db.execute(f"SELECT * FROM jobs WHERE article_id = ? AND status = '{QUEUED}' {order}",
                            (article_id,)).fetchone()
        if queued and not queued["page_request"]:
            if queued["chars"] != request.chars:  # the waiting job now narrates this content
                if request.chars > queued["chars"]:  # growing a waiting job is queueing more: the limit holds
                    quotas.check_quota(db, request, excluding=queued["id"])
                db.execute(f"UPDATE jobs SET chars = ?, priority = {self.db.greatest}(priority, ?), "
                           "requested_by = COALESCE(?, requested_by) WHERE id = ?",
                           (request.chars, _priority(request.chars), request.requested_by, queued["id"]))
                queued = db.execute("SELECT * FROM jobs WHERE id = ?", (queued["id"],)).fetchone()
            return self.store.jobs._record(queued), False
        running = db.execute(f"SELECT * FROM jobs WHERE article_id = ? AND status = '{RUNNING}' {order}",
                             (article_id,)).fetchone()
        if running and not running["page_request"] and previous == fingerprint:
            # The same content again (the same edit sent twice, or by two nodes at once): the running
            # job narrates exactly this, since any change of content would have cancelled it.
            return self.store.jobs._record(running), False
        current = db.execute(
            "SELECT v.content_hash FROM articles a JOIN versions v "
            "ON v.article_id = a.id AND v.version = a.current_version WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        if not running and not queued and current and current["content_hash"] == fingerprint:
            return None, False
        self.store.jobs._cancel(db, article_id, "superseded by a newer edit", now)
        return self.store.jobs._insert(db, article_id, now, request), True

    def get(self, article_id: str) -> ArticleRecord:
        """The article; NotFound if unknown."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"no article '{article_id}'")
        return self._record(row)

    def head(self, article_id: str) -> ArticleHead:
        """The article without its content, its current version's length and its newest job, in one
        query (a listener polls this several times a minute); NotFound if unknown."""
        with self._connect() as db:
            row = db.execute(
                "SELECT j.*, a.id AS a_id, a.voice AS a_voice, a.updated AS a_updated, "
                "a.current_version AS a_version, v.duration_ms AS v_duration FROM articles a "
                "LEFT JOIN versions v ON v.article_id = a.id AND v.version = a.current_version "
                "LEFT JOIN jobs j ON j.id = (SELECT id FROM jobs WHERE article_id = a.id "
                f"ORDER BY created DESC, {self.db.insertion_order} DESC LIMIT 1) WHERE a.id = ?",
                (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"no article '{article_id}'")
        return ArticleHead(row["a_id"], row["a_voice"], row["a_updated"], row["a_version"], row["v_duration"],
                           self.store.jobs._record(row) if row["id"] is not None else None)

    def from_url(self, url: str) -> list[ArticleRecord]:
        """The articles made from the page at `url` (its source URL), newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM articles WHERE source_url = ? ORDER BY created DESC, id",
                              (url,)).fetchall()
        return [self._record(r) for r in rows]

    def all(self) -> list[ArticleRecord]:
        """All articles, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM articles ORDER BY created DESC, id").fetchall()
        return [self._record(r) for r in rows]

    def delete(self, article_id: str) -> None:
        """Forget an article, its versions and jobs, and remove its files; NotFound if unknown."""
        with self._write() as db:
            cur = db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            if cur.rowcount == 0:
                raise NotFound(f"no article '{article_id}'")
            db.execute("DELETE FROM versions WHERE article_id = ?", (article_id,))
            self.store.jobs._cancel(db, article_id, "article deleted", time.time())
        try:
            self.storage.delete_article(article_id)
        except StorageUnavailable as e:  # the article is gone; its unreferenced files stay behind
            log.warning("the audio of deleted article %s stays in storage: %s", article_id, e)
        shutil.rmtree(self.store.versions.article_dir(article_id), ignore_errors=True)  # staging folders
