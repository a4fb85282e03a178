"""Storage: articles, versions, jobs and voices in SQLite; audio and timing maps in a local folder.

(Or, selected by configuration alone, metadata in PostgreSQL (narrator.service.database) and audio in an
S3-compatible bucket (narrator.service.storage); the methods below are the same code in every mode.)

Everything lives under one home folder (``NARRATOR_HOME``, default ``./data``)::

    HOME/narrator.db                      metadata (SQLite, WAL)
    HOME/audio/<id>/<version>.mp3         narrations, immutable once published
    HOME/audio/<id>/<version>.timing.json timing map
    HOME/audio/<id>/<version>.vtt         timing map as WebVTT
    HOME/audio/<id>/.staging-<job>/       a narration being written (never served)

A version becomes current in one transaction, once its files are uploaded (to a bucket, under a
name of their own; on disk they are in the staging folder already): it locks the article, checks
that the job is still running, takes the article's next number, gives the files its names (a
rename on disk, copies inside a bucket), records the version and points the article at it. Until
that commit the previous version stays current; a number is taken only by the commit that records
its version, so an article's numbers run without gaps, and are never reused (not even after the
article is deleted: its URLs were cached as immutable).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from ..config import Settings
from ..errors import InputError
from ..export import Outputs, outputs_for
from ..model import Article, Paragraph, Section
from ..voices import Voice
from .database import open_database
from .metrics import Tallies
from .status import ACTIVE, JobStatus, sql_list
from .storage import AudioStorage, LocalStorage, StorageUnavailable, open_storage
from .workers import Heartbeats

ACTIVE_SQL = sql_list(*ACTIVE)
"""The states of a job still to finish, as an SQL list."""
QUEUED, RUNNING, DONE, CANCELLED = (s.value for s in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE,
                                                        JobStatus.CANCELLED))
"""The states the store's SQL names (its statements are f-strings of these)."""

log = logging.getLogger(__name__)

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
"""Article ids: URL-safe, at most 64 characters."""
WORKER_LOST = "its worker stopped mid-job; running it again"
"""The error of a job recovered from a worker that died (which worker, host and process, is logged only:
the job's error is public)."""

class Narrated(Protocol):
    """What publishing needs of a finished narration (narrator.pipeline.Result is one)."""

    @property
    def outputs(self) -> Outputs:
        """The MP3, timing map and WebVTT, in a staging folder."""

    @property
    def voice(self) -> Voice:
        """The voice profile that spoke it."""

    @property
    def model_id(self) -> str:
        """The engine's exact identity."""

    @property
    def duration_ms(self) -> int:
        """Length of the audio."""


class NotFound(InputError):
    """No article (or job) with that id."""


class Conflict(InputError):
    """The request conflicts with what is stored (an id already taken)."""


class QuotaExceeded(InputError):
    """A requester has too much work queued already (429 in the API)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
        """Seconds after which the queue will probably have room again."""


class Cancelled(Exception):
    """The job was cancelled (its article deleted, or its content superseded) while it ran."""


@dataclass(frozen=True)
class JobRequest:
    """Who asks for a narration and how big it is: what a new job records and the queue limits."""

    requested_by: str | None = None
    """'key:<id>' or 'user:<name>'; None for the service's own work (no limit applies)."""
    chars: int = 0
    """Characters to narrate (an estimate until a URL has been fetched)."""
    page_request: str | None = None
    """For a submission by URL: what the job fetches first (JSON, see JobRecord.page_request)."""
    max_queued_chars: int = 0
    """The requester's limit on characters queued or running at once (0: none)."""
    chars_per_second: float = 500.0
    """How fast the queue narrates, for the Retry-After of a refusal (Piper: ~33 s of speech a second)."""


SMALL_CHARS = 20_000
"""Jobs up to this size (a long feature is 10,000-15,000 characters) run before bigger ones."""
PRIORITY_LARGE, PRIORITY_SMALL, PRIORITY_WAITING = 0, 10, 50
"""Job priorities, higher first: background work on huge articles, ordinary articles, and an article
a listener is waiting for."""


@dataclass(frozen=True)
class ArticleRecord:
    """A stored article."""

    id: str
    """URL-safe id."""
    article: Article
    """The current content."""
    voice: str | None
    """Requested voice profile, or None for the language's default."""
    content_hash: str
    """Hash of the content and voice; a version made from the same hash sounds the same."""
    current_version: int | None
    """The version listeners get, or None before the first one is ready."""
    created: float
    """Unix time the article was created."""
    updated: float
    """Unix time the content last changed."""
    first_published: float | None = None
    """Unix time its first version was published (the podcast feed's date for it), None before."""


@dataclass(frozen=True)
class ArticleHead:
    """What is known of a stored article without reading its content (a listener's poll needs no more)."""

    id: str
    """URL-safe id."""
    voice: str | None
    """Requested voice profile, or None for the language's default."""
    updated: float
    """Unix time the content last changed."""
    current_version: int | None
    """The version listeners get, or None before the first one is ready."""
    duration_ms: int | None
    """Length of the current version's audio (None without one)."""
    job: JobRecord | None
    """The article's newest job (None before any)."""


@dataclass(frozen=True)
class VersionRecord:
    """One immutable narration of an article."""

    article_id: str
    """The article."""
    version: int
    """Number, increasing per article, never reused."""
    voice: str
    """Voice profile that spoke it."""
    model_id: str
    """The engine's exact model identity."""
    duration_ms: int
    """Length of the audio."""
    size: int
    """MP3 size in bytes."""
    content_hash: str
    """Hash of the content it was made from."""
    created: float
    """Unix time it was published."""
    made_by: str | None = None
    """Who asked for it ('key:<id>' or 'user:<name>'; None if unknown)."""


@dataclass(frozen=True)
class JobRecord:
    """A request to make a new version of an article."""

    id: str
    """Job id."""
    article_id: str
    """The article to narrate."""
    status: JobStatus
    """Its state (read from the store: a value it does not know is an error)."""
    done: int
    """Blocks synthesised so far."""
    total: int
    """Blocks to synthesise (0 until known)."""
    error: str | None
    """Why it failed."""
    version: int | None
    """The version it published, once done."""
    created: float
    """Unix time it was queued."""
    updated: float
    """Unix time of its last change."""
    stage: str = "queued"
    """What it is doing: queued, preparing, synthesising, encoding, publishing, retrying, done, failed."""
    attempts: int = 0
    """Times a worker has started it (a failed attempt is retried with backoff, a few times)."""
    worker: str | None = None
    """'host:pid' of the worker running it."""
    lease_until: float | None = None
    """The running worker renews this; once it has passed, the job is given to another worker."""
    requested_by: str | None = None
    """Who asked for it: 'key:<id>' or 'user:<name>' (None: the service itself, or before 0004)."""
    chars: int = 0
    """Characters it narrates (what per-requester limits on queued work count)."""
    priority: int = 0
    """Higher runs first."""
    page_request: str | None = None
    """For a submission by URL, what the job fetches and extracts before narrating (JSON: the url, and
    the submission's own title and pronunciations)."""

    @property
    def size_priority(self) -> int:
        """Its priority by its size alone (short ones first), whatever a listener's press made it."""
        return _priority(self.chars)


JOB_FIELDS = frozenset(JobRecord.__dataclass_fields__)
"""Columns of `jobs` that JobRecord holds (PostgreSQL's has an insertion counter besides)."""


def article_from_dict(data: dict) -> Article:
    """The inverse of Article.to_dict()."""
    sections = tuple(
        Section(s.get("heading"), tuple(Paragraph(p["text"], p.get("kind", "p")) for p in s["paragraphs"]))
        for s in data["sections"]
    )
    return Article(
        title=data["title"],
        sections=sections,
        byline=data.get("byline", ""),
        language=data.get("language", "en"),
        date=data.get("date", ""),
        url=data.get("url", ""),
        pronunciations=tuple((w, s) for w, s in data.get("pronunciations", ())),
    )


def content_hash(article: Article, voice: str | None) -> str:
    """What determines a narration's words and voice, hashed."""
    payload = json.dumps(
        {"article": article.to_dict(), "voice": voice or ""}, sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _priority(chars: int) -> int:
    return PRIORITY_SMALL if chars <= SMALL_CHARS else PRIORITY_LARGE


def _requested_voice(article: Article, spoken_by: str, fingerprint: str) -> str | None:
    """The voice that was asked for when a version was made: None (the language's default) or the
    profile that spoke it. A fingerprint opens with `content_hash(article, requested)`, so the
    two candidates can be told apart without storing the request."""
    return None if fingerprint.split(":")[0] == content_hash(article, None) else spoken_by


def new_id() -> str:
    """A fresh article or job id."""
    return uuid.uuid4().hex[:16]


class Store:
    """The one way in to narrator's state under a home folder. Safe to share between threads and processes:
    every call opens its own short-lived SQLite connection."""

    def __init__(self, home: Path | str, timeout: float = 30.0, database_url: str = "",
                 storage: AudioStorage | None = None):
        self.timeout = timeout
        """Seconds a call waits for a database lock held by another process before giving up."""
        self.home = Path(home).resolve()
        self.audio_root = self.home / "audio"
        """Staging folders (always local), and the published files with local storage."""
        self.db_path = self.home / "narrator.db"
        self.audio_root.mkdir(parents=True, exist_ok=True)
        self.storage: AudioStorage = storage or LocalStorage(self.audio_root)
        """Where published versions' files live."""
        self.db = open_database(database_url, self.home, timeout)
        """The metadata database (SQLite under home, or PostgreSQL)."""
        self.db.ensure_schema()
        self.tallies = Tallies(self.db)
        """Counters processes add to (job and watch measurements, read by /metrics)."""
        self.heartbeats = Heartbeats(self.db)
        """Which workers are alive (read by /readyz)."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store an operator configured: database and audio storage from NARRATOR_* settings."""
        home = settings.home_path
        return cls(home, settings.db_timeout_s, settings.database_url, open_storage(settings, home))

    @contextmanager
    def _connect(self) -> Iterator[Any]:  # a sqlite3.Connection, or psycopg's in the store's dialect
        with self.db.connect() as db:
            yield db

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """A write transaction, taken before reading so concurrent writers queue up (SQLite), or
        holding row locks taken with FOR UPDATE (PostgreSQL)."""
        with self.db.write() as db:
            yield db

    # Articles -------------------------------------------------------------------------------------

    @staticmethod
    def _article(row: sqlite3.Row) -> ArticleRecord:
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

    def create_article(
        self,
        article: Article,
        voice: str | None = None,
        article_id: str | None = None,
        fingerprint: str | None = None,
        request: JobRequest = JobRequest(),
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
                self._insert_article(db, article, voice, article_id, fingerprint, now)
                job = self._insert_job(db, article_id, now, request)
        except self.db.unique_errors:  # another node created the same id at the same moment
            raise Conflict(f"article '{article_id}' already exists")
        return self.get_article(article_id), job

    @staticmethod
    def _insert_article(db: sqlite3.Connection, article: Article, voice: str | None, article_id: str,
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

    def update_article(
        self, article_id: str, article: Article, voice: str | None, fingerprint: str | None = None,
        request: JobRequest = JobRequest(),
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
        return self.get_article(article_id), job, new

    def _refetch(self, article_id: str, voice: str | None, request: JobRequest,
                 now: float) -> tuple[ArticleRecord, JobRecord, bool]:
        """Queue a job that fetches the article again from a URL (the content changes when it has)."""
        with self._write() as db:
            lock = f"SELECT 1 FROM articles WHERE id = ?{self.db.for_update}"
            if db.execute(lock, (article_id,)).fetchone() is None:
                raise NotFound(f"no article '{article_id}'")
            db.execute("UPDATE articles SET voice = ?, updated = ? WHERE id = ?", (voice, now, article_id))
            self._cancel_jobs(db, article_id, "superseded by a newer submission", now)
            job = self._insert_job(db, article_id, now, request)
        return self.get_article(article_id), job, True

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
                    self._check_quota(db, request, excluding=queued["id"])
                db.execute(f"UPDATE jobs SET chars = ?, priority = {self.db.greatest}(priority, ?), "
                           "requested_by = COALESCE(?, requested_by) WHERE id = ?",
                           (request.chars, _priority(request.chars), request.requested_by, queued["id"]))
                queued = db.execute("SELECT * FROM jobs WHERE id = ?", (queued["id"],)).fetchone()
            return self._job(queued), False
        running = db.execute(f"SELECT * FROM jobs WHERE article_id = ? AND status = '{RUNNING}' {order}",
                             (article_id,)).fetchone()
        if running and not running["page_request"] and previous == fingerprint:
            # The same content again (the same edit sent twice, or by two nodes at once): the running
            # job narrates exactly this, since any change of content would have cancelled it.
            return self._job(running), False
        current = db.execute(
            "SELECT v.content_hash FROM articles a JOIN versions v "
            "ON v.article_id = a.id AND v.version = a.current_version WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        if not running and not queued and current and current["content_hash"] == fingerprint:
            return None, False
        self._cancel_jobs(db, article_id, "superseded by a newer edit", now)
        return self._insert_job(db, article_id, now, request), True

    @staticmethod
    def _cancel_jobs(db: sqlite3.Connection, article_id: str, reason: str, now: float) -> None:
        """Cancel the article's queued and running jobs (a running one stops at its next sentence)."""
        db.execute(f"UPDATE jobs SET status = '{CANCELLED}', stage = 'cancelled', error = ?, "
                   f"lease_until = NULL, updated = ? WHERE article_id = ? AND status IN {ACTIVE_SQL}",
                   (reason, now, article_id))

    def get_article(self, article_id: str) -> ArticleRecord:
        """The article; NotFound if unknown."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise NotFound(f"no article '{article_id}'")
        return self._article(row)

    def article_head(self, article_id: str) -> ArticleHead:
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
                           self._job(row) if row["id"] is not None else None)

    def articles_from(self, url: str) -> list[ArticleRecord]:
        """The articles made from the page at `url` (its source URL), newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM articles WHERE source_url = ? ORDER BY created DESC, id",
                              (url,)).fetchall()
        return [self._article(r) for r in rows]

    def list_articles(self) -> list[ArticleRecord]:
        """All articles, newest first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM articles ORDER BY created DESC, id").fetchall()
        return [self._article(r) for r in rows]

    def delete_article(self, article_id: str) -> None:
        """Forget an article, its versions and jobs, and remove its files; NotFound if unknown."""
        with self._write() as db:
            cur = db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            if cur.rowcount == 0:
                raise NotFound(f"no article '{article_id}'")
            db.execute("DELETE FROM versions WHERE article_id = ?", (article_id,))
            self._cancel_jobs(db, article_id, "article deleted", time.time())
        try:
            self.storage.delete_article(article_id)
        except StorageUnavailable as e:  # the article is gone; its unreferenced files stay behind
            log.warning("the audio of deleted article %s stays in storage: %s", article_id, e)
        shutil.rmtree(self.article_dir(article_id), ignore_errors=True)  # staging folders

    # Versions -------------------------------------------------------------------------------------

    @staticmethod
    def _version(row: sqlite3.Row) -> VersionRecord:
        return VersionRecord(
            article_id=row["article_id"],
            version=row["version"],
            voice=row["voice"],
            model_id=row["model_id"],
            duration_ms=row["duration_ms"],
            size=row["size"],
            content_hash=row["content_hash"],
            created=row["created"],
            made_by=row["made_by"],
        )

    def get_version(self, article_id: str, version: int) -> VersionRecord | None:
        """One version's record, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM versions WHERE article_id = ? AND version = ?", (article_id, version)
            ).fetchone()
        return self._version(row) if row else None

    def list_versions(self, article_id: str) -> list[VersionRecord]:
        """An article's versions, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM versions WHERE article_id = ? ORDER BY version DESC", (article_id,)
            ).fetchall()
        return [self._version(r) for r in rows]

    def current_versions(self) -> list[tuple[ArticleRecord, VersionRecord]]:
        """Every article that has a current version, with it, newest version first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT a.*, v.article_id, v.version, v.voice AS v_voice, v.model_id, v.duration_ms, "
                "v.size, v.content_hash AS v_hash, v.created AS v_created, v.made_by FROM articles a "
                "JOIN versions v ON v.article_id = a.id AND v.version = a.current_version "
                "ORDER BY v.created DESC"
            ).fetchall()
        return [
            (
                self._article(r),
                VersionRecord(
                    article_id=r["id"],
                    version=r["version"],
                    voice=r["v_voice"],
                    model_id=r["model_id"],
                    duration_ms=r["duration_ms"],
                    size=r["size"],
                    content_hash=r["v_hash"],
                    created=r["v_created"],
                    made_by=r["made_by"],
                ),
            )
            for r in rows
        ]

    def article_dir(self, article_id: str) -> Path:
        """The folder of an article's files; NotFound for an id that is not a valid id (so no path
        made from one can leave the audio folder: no '/', '..', or absolute path passes ID_PATTERN)."""
        if not ID_PATTERN.match(article_id):
            raise NotFound(f"no article '{article_id}'")
        return self.audio_root / article_id

    def files(self, article_id: str, version: int) -> Outputs:
        """Where a version's audio, timing map and WebVTT live (they exist once it is published)."""
        return outputs_for(self.article_dir(article_id) / f"{int(version)}.mp3")

    def staging_dir(self, article_id: str, job_id: str) -> Path:
        """A private folder to write a narration into before it is published."""
        if not ID_PATTERN.match(job_id):
            raise InputError(f"invalid job id {job_id!r}")
        path = self.article_dir(article_id) / f".staging-{job_id}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def publish(self, job_id: str, result: Narrated, made_from: ArticleRecord, keep: int = 0) -> int:
        """Move a finished narration into storage and make it the article's current version, made from
        `made_from` (the article as it was read for the narration); the version's number.

        The files are uploaded first (to a bucket: under a name of their own), with no lock held; then
        one transaction (see the module) locks the article (its row in PostgreSQL, the database in
        SQLite), takes the next number and gives the files its names (a rename, or copies inside the
        bucket), so a job cancelled, superseded or failing takes no number, and two publishers of one
        article queue up. Cancelled if the job is no longer running (its article edited, or another
        worker finished it), NotFound if the article was deleted. If storing or recording fails, the
        files stored are removed before the lock is released and the previous version stays current.
        With `keep`, only the newest `keep` versions are kept (the current one always is)."""
        job = self.get_job(job_id)
        with self._connect() as db:  # nothing worth uploading? (checked again under the lock)
            self._check_publishable(db, job)
        uploaded = self.storage.upload(job.article_id, result.outputs)  # no lock held meanwhile
        reachable = True
        try:
            with self._write() as db:
                version = self._next_version(db, job)
                try:
                    size = self.storage.put_version(job.article_id, version, result.outputs, uploaded)
                    old = self._record_version(db, job, version, size, result, made_from, keep)
                except StorageUnavailable as e:  # asking it to delete would only wait as long again
                    reachable = False
                    log.warning("what reached the storage of version %d of article %s stays there, "
                                "unused: %s", version, job.article_id, e)
                    raise
                except BaseException:
                    self._discard(job.article_id, version)  # still ours: nobody can take it
                    raise
        finally:
            if reachable:
                self._discard_upload(job.article_id, uploaded)
        for n in old:  # after the commit: a listener may still be fetching it until then
            self._discard(job.article_id, n)
        return version

    def _discard(self, article_id: str, version: int) -> None:
        """Delete a version's files that no record points to; if the storage cannot be reached, they
        stay there unreferenced (logged), and the caller goes on."""
        try:
            self.storage.delete_version(article_id, version)
        except StorageUnavailable as e:
            log.warning("what reached the storage of version %d of article %s stays there, unused: %s",
                        version, article_id, e)

    def _discard_upload(self, article_id: str, uploaded: str) -> None:
        """Delete the uploaded files of a publication (`AudioStorage.upload`), logged if they cannot be."""
        try:
            self.storage.discard(article_id, uploaded)
        except StorageUnavailable as e:
            log.warning("the upload %s of article %s stays in the storage, unused: %s", uploaded, article_id,
                        e)

    def _check_publishable(self, db: sqlite3.Connection, job: JobRecord) -> None:
        """NotFound if the job's article is gone, Cancelled if the job no longer runs (in a transaction,
        the article and the job stay locked until it ends)."""
        lock = f"SELECT 1 FROM articles WHERE id = ?{self.db.for_update}"
        if not db.execute(lock, (job.article_id,)).fetchone():
            raise NotFound(f"article '{job.article_id}' was deleted during generation")
        row = db.execute(f"SELECT status FROM jobs WHERE id = ?{self.db.for_update}", (job.id,)).fetchone()
        if row is None or row["status"] != JobStatus.RUNNING:
            raise Cancelled(f"job {job.id} was cancelled before it published")

    def _next_version(self, db: sqlite3.Connection, job: JobRecord) -> int:
        """The article's next version number, for `job`, taken by this transaction (see
        `_check_publishable`)."""
        self._check_publishable(db, job)
        row = db.execute("SELECT last_version FROM counters WHERE article_id = ?",
                         (job.article_id,)).fetchone()
        version = (row["last_version"] if row else 0) + 1
        db.execute(
            "INSERT INTO counters (article_id, last_version) VALUES (?, ?) "
            "ON CONFLICT (article_id) DO UPDATE SET last_version = excluded.last_version",
            (job.article_id, version),
        )
        return version

    def _record_version(self, db: sqlite3.Connection, job: JobRecord, version: int, size: int,
                        result: Narrated, made_from: ArticleRecord, keep: int) -> list[int]:
        """Record a stored version and make it current; the versions no longer kept."""
        voice = result.voice
        now = time.time()
        db.execute(
            "INSERT INTO versions (article_id, version, voice, model_id, duration_ms, size, content, "
            "content_hash, created, made_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                job.article_id,
                version,
                voice.name,
                result.model_id,
                result.duration_ms,
                size,
                json.dumps(made_from.article.to_dict(), ensure_ascii=False),
                made_from.content_hash,
                now,
                job.requested_by,
            ),
        )
        # The newest number stays current (a rollback to an older one is undone by the next version).
        db.execute("UPDATE articles SET current_version = ? WHERE id = ? "
                   "AND (current_version IS NULL OR current_version < ?)",
                   (version, job.article_id, version))
        db.execute("UPDATE articles SET first_published = ? WHERE id = ? AND first_published IS NULL",
                   (now, job.article_id))
        db.execute(
            f"UPDATE jobs SET status = '{DONE}', stage = 'done', version = ?, lease_until = NULL, "
            "updated = ? WHERE id = ?",
            (version, now, job.id),
        )
        db.execute(
            "INSERT INTO voices (name, model_id, engine, description, last_used) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (name, model_id) DO UPDATE SET last_used = excluded.last_used",
            (voice.name, result.model_id, voice.engine, voice.description, now),
        )
        old = []
        if keep > 0:
            old = [r["version"] for r in db.execute(
                "SELECT version FROM versions WHERE article_id = ? AND version != ? "
                "ORDER BY version DESC",
                (job.article_id, version),
            )][keep - 1:]
            db.executemany(
                "DELETE FROM versions WHERE article_id = ? AND version = ?",
                [(job.article_id, n) for n in old],
            )
        return old

    def version_article(self, article_id: str, version: int) -> Article | None:
        """The article content a version was made from, or None if there is no such version."""
        with self._connect() as db:
            row = db.execute("SELECT content FROM versions WHERE article_id = ? AND version = ?",
                             (article_id, version)).fetchone()
        return article_from_dict(json.loads(row["content"])) if row else None

    def rollback(self, article_id: str, version: int) -> ArticleRecord:
        """Make an earlier (kept) version current again, with the content it was made from, so the
        article's text, voice and fingerprint agree with its audio again (and regenerating it
        changes nothing). One transaction. NotFound if unknown; Conflict while a narration of the
        article is queued or running (it would make a version from other content)."""
        with self._write() as db:
            if not db.execute(f"SELECT 1 FROM articles WHERE id = ?{self.db.for_update}",
                              (article_id,)).fetchone():
                raise NotFound(f"no article '{article_id}'")
            row = db.execute(
                "SELECT voice, content, content_hash FROM versions WHERE article_id = ? AND version = ?",
                (article_id, version),
            ).fetchone()
            if row is None:
                raise NotFound(f"article '{article_id}' has no version {version}")
            if db.execute(f"SELECT 1 FROM jobs WHERE article_id = ? AND status IN {ACTIVE_SQL}",
                          (article_id,)).fetchone():
                raise Conflict(f"article '{article_id}' is being narrated; roll back once its job has ended")
            article = article_from_dict(json.loads(row["content"]))
            db.execute(
                "UPDATE articles SET current_version = ?, title = ?, voice = ?, content = ?, "
                "content_hash = ?, updated = ?, source_url = ? WHERE id = ?",
                (version, article.title, _requested_voice(article, row["voice"], row["content_hash"]),
                 row["content"], row["content_hash"], time.time(), article.url or None, article_id),
            )
        return self.get_article(article_id)

    def used_voices(self) -> list[dict]:
        """Voice profiles and engine models that have spoken a version, most recent first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM voices ORDER BY last_used DESC").fetchall()
        return [dict(r) for r in rows]

    # Jobs -----------------------------------------------------------------------------------------

    @staticmethod
    def _job(row: sqlite3.Row) -> JobRecord:
        job = JobRecord(**{k: row[k] for k in row.keys() if k in JOB_FIELDS})
        return replace(job, status=JobStatus(job.status))  # ValueError for a state nobody knows

    @staticmethod
    def _insert_job(db: sqlite3.Connection, article_id: str, now: float, request: JobRequest) -> JobRecord:
        """A new queued job; QuotaExceeded if it would take its requester over their limit."""
        Store._check_quota(db, request)
        job = JobRecord(id=new_id(), article_id=article_id, status=JobStatus.QUEUED, done=0, total=0,
                        error=None, version=None, created=now, updated=now, requested_by=request.requested_by,
                        chars=request.chars, priority=_priority(request.chars),
                        page_request=request.page_request)
        db.execute(
            "INSERT INTO jobs (id, article_id, status, created, updated, requested_by, chars, priority, "
            f"page_request) VALUES (?, ?, '{QUEUED}', ?, ?, ?, ?, ?, ?)",
            (job.id, article_id, now, now, job.requested_by, job.chars, job.priority, job.page_request),
        )
        return job

    @staticmethod
    def _queued_chars(db: sqlite3.Connection, requester: str, excluding: str = "",
                      fetched: bool = False) -> int:
        """Characters of `requester`'s queued and running jobs (but the job `excluding`); with `fetched`,
        only of those whose size is known (not a submission by URL still to be fetched)."""
        known = " AND page_request IS NULL" if fetched else ""
        row = db.execute("SELECT COALESCE(SUM(chars), 0) AS n FROM jobs WHERE requested_by = ? AND id != ? "
                         f"AND status IN {ACTIVE_SQL}{known}", (requester, excluding)).fetchone()
        return int(row["n"])

    @staticmethod
    def _check_quota(db: sqlite3.Connection, request: JobRequest, excluding: str = "") -> None:
        """QuotaExceeded if `request` would take its requester over their limit (with their other queued
        and running work but the job `excluding`, whose content it replaces)."""
        if not (request.requested_by and request.max_queued_chars):
            return
        queued = Store._queued_chars(db, request.requested_by, excluding)
        if queued + request.chars > request.max_queued_chars:
            wait = (queued + request.chars - request.max_queued_chars) / request.chars_per_second
            raise QuotaExceeded(
                f"{queued:,} characters of your work are queued already; with these {request.chars:,} "
                f"that is over the limit of {request.max_queued_chars:,} (NARRATOR_MAX_QUEUED_CHARS): "
                "try again when some of it is done", min(max(int(wait) + 1, 1), 3600))

    def get_job(self, job_id: str) -> JobRecord:
        """The job; NotFound if unknown."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"no job '{job_id}'")
        return self._job(row)

    def latest_job(self, article_id: str) -> JobRecord | None:
        """The article's most recent job."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM jobs WHERE article_id = ? "
                f"ORDER BY created DESC, {self.db.insertion_order} DESC LIMIT 1",
                (article_id,),
            ).fetchone()
        return self._job(row) if row else None

    def queued_jobs(self) -> list[JobRecord]:
        """Jobs waiting to run, most urgent first, then oldest first (to resubmit after a restart)."""
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE status = '{QUEUED}' ORDER BY priority DESC, created"
                              ).fetchall()
        return [self._job(r) for r in rows]

    def next_job(self, above: int) -> JobRecord | None:
        """The most urgent queued job with a priority above `above` (oldest first among equals)."""
        with self._connect() as db:
            row = db.execute(f"SELECT * FROM jobs WHERE status = '{QUEUED}' AND priority > ? "
                             "ORDER BY priority DESC, created LIMIT 1", (above,)).fetchone()
        return self._job(row) if row else None

    def job_status(self, job_id: str) -> str | None:
        """Only the job's status (a cheap check a running job makes between sentences); None if gone."""
        with self._connect() as db:
            row = db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return row["status"] if row else None

    def prioritise(self, article_id: str, priority: int = PRIORITY_WAITING) -> JobRecord | None:
        """A listener is waiting for an article that has no version yet: raise its waiting or running
        job to at least `priority`; the job, or None when there is none or the article has a version
        (its listeners play that). The raise is for the job's opening only: past it, the job's turns
        count its size again (narrator.service.generation._Turns), so a press speeds up the start of
        an article, never the whole of a big one."""
        with self._write() as db:
            article = db.execute(f"SELECT current_version FROM articles WHERE id = ?{self.db.for_update}",
                                 (article_id,)).fetchone()
            if article is None or article["current_version"] is not None:
                return None
            # A job that has started before (and went back to the queue) has had its opening.
            db.execute(f"UPDATE jobs SET priority = {self.db.greatest}(priority, ?) WHERE article_id = ? "
                       f"AND (status = '{RUNNING}' OR (status = '{QUEUED}' AND attempts = 0))",
                       (priority, article_id))
            row = db.execute(f"SELECT * FROM jobs WHERE article_id = ? AND status IN {ACTIVE_SQL} "
                             "ORDER BY created DESC LIMIT 1", (article_id,)).fetchone()
        return self._job(row) if row else None

    def job_turn(self, job_id: str) -> tuple[str | None, int]:
        """A job's status (None if gone) and priority: what a running job checks between sentences."""
        with self._connect() as db:
            row = db.execute("SELECT status, priority FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return (row["status"], row["priority"]) if row else (None, 0)

    def claim_job(self, job_id: str, worker: str = "", lease_s: float = 60.0) -> bool:
        """Mark a queued job running for `worker` with a lease; False if someone else took it
        (or it is no longer queued)."""
        now = time.time()
        with self._write() as db:
            cur = db.execute(
                f"UPDATE jobs SET status = '{RUNNING}', stage = 'preparing', attempts = attempts + 1, "
                f"worker = ?, lease_until = ?, updated = ? WHERE id = ? AND status = '{QUEUED}'",
                (worker, now + lease_s, now, job_id),
            )
            return cur.rowcount == 1

    def _update_job(self, job_id: str, only_if: str | None = None, **values: object) -> None:
        """Set some of a job's columns (and its `updated` time); with `only_if`, only in that status."""
        values["updated"] = time.time()
        sets = ", ".join(f"{column} = ?" for column in values)
        where = " AND status = ?" if only_if else ""
        params = [*values.values(), job_id, *([only_if] if only_if else [])]
        try:
            with self._write() as db:
                db.execute(f"UPDATE jobs SET {sets} WHERE id = ?{where}", params)
        except self.db.busy_errors as e:
            if not self.db.disk_full(e):
                raise
            with self._write() as db:  # once more, in the room the database made: a failure gets recorded
                db.execute(f"UPDATE jobs SET {sets} WHERE id = ?{where}", params)

    def renew_lease(self, job_id: str, lease_s: float) -> None:
        """The running worker is alive: keep the job for another `lease_s` seconds."""
        self._update_job(job_id, JobStatus.RUNNING, lease_until=time.time() + lease_s)

    def job_progress(self, job_id: str, done: int, total: int, stage: str = "synthesising") -> None:
        """Record how far a running job is."""
        self._update_job(job_id, JobStatus.RUNNING, done=done, total=total, stage=stage)

    def job_stage(self, job_id: str, stage: str) -> None:
        """Record what a running job is doing."""
        self._update_job(job_id, JobStatus.RUNNING, stage=stage)

    def fail_job(self, job_id: str, message: str) -> None:
        """Mark a job failed with a one-line reason (the article keeps its current version)."""
        self._update_job(job_id, status=JobStatus.FAILED, stage="failed", error=message, lease_until=None)

    def finish_unchanged(self, job_id: str, version: int) -> None:
        """A job whose article already has a version made from the same content: done, no new version."""
        self._update_job(job_id, JobStatus.RUNNING, status=JobStatus.DONE, stage="done", version=version,
                         lease_until=None)

    def set_fetched(self, job_id: str, article: Article, fingerprint: str,
                    max_queued_chars: int = 0, chars: int | None = None) -> ArticleRecord:
        """A job has fetched and extracted its article: store the content (and its fingerprint) and
        the job's true size (`chars`, its spoken size; default the written text's) and priority;
        Cancelled if the job was cancelled meanwhile.

        A submission by URL counted an estimate (URL_CHARS_ESTIMATE) until now, so its requester's
        limit (`max_queued_chars`) is checked again with the true size, against their other work whose
        size is known (each URL still to be fetched makes this check itself when it is): QuotaExceeded,
        and the job fails saying so, when the page would take them over. Its priority follows the
        true size, so a huge page pauses for short articles like any huge article."""
        now = time.time()
        chars = article.chars if chars is None else chars
        with self._write() as db:
            job = db.execute(f"SELECT * FROM jobs WHERE id = ?{self.db.for_update}", (job_id,)).fetchone()
            if job is None or job["status"] != JobStatus.RUNNING:
                raise Cancelled(f"job {job_id} was cancelled")
            if job["requested_by"] and max_queued_chars:
                queued = self._queued_chars(db, job["requested_by"], job_id, fetched=True)
                if queued + chars > max_queued_chars:
                    raise QuotaExceeded(
                        f"the page is {chars:,} characters long; with the {queued:,} of your work queued "
                        f"already that is over the limit of {max_queued_chars:,} "
                        "(NARRATOR_MAX_QUEUED_CHARS): submit it again when some of that is done", 60)
            priority = job["priority"] if job["priority"] >= PRIORITY_WAITING else _priority(chars)
            content = json.dumps(article.to_dict(), ensure_ascii=False)
            db.execute("UPDATE articles SET title = ?, content = ?, content_hash = ?, updated = ?, "
                       "source_url = ? WHERE id = ?",
                       (article.title, content, fingerprint, now, article.url or None, job["article_id"]))
            db.execute("UPDATE jobs SET chars = ?, priority = ?, page_request = NULL, updated = ? "
                       "WHERE id = ?", (chars, priority, now, job_id))
        return self.get_article(job["article_id"])

    def give_way(self, job_id: str) -> None:
        """Put a running job back in the queue at its size's priority (it ran before a job that is now
        more urgent than it; narrator.service.generation.GiveWay). Its run counts as an attempt: the
        next one streams anew (listeners keep what they have until it does)."""
        job = self.get_job(job_id)
        self._update_job(job_id, JobStatus.RUNNING, status=JobStatus.QUEUED, stage="queued", worker=None,
                         lease_until=None, priority=job.size_priority)

    def requeue_job(self, job_id: str, message: str) -> None:
        """Put a job that failed an attempt back in the queue (it will be retried)."""
        self._update_job(job_id, JobStatus.RUNNING, status=JobStatus.QUEUED, stage="retrying", error=message,
                         worker=None, lease_until=None)

    def recover_jobs(self, dead: Callable[[str], bool]) -> list[JobRecord]:
        """Jobs left 'running' by a worker that died (its lease ran out, or `dead(worker)` says so)
        go back to the queue; they are returned so the caller can enqueue them again. The job's error
        (public: the API, the dashboard) says what happened; which worker ('host:pid') only the log says."""
        now = time.time()
        with self._write() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE status = '{RUNNING}'").fetchall()
            lost = [r for r in rows if (r["lease_until"] or 0) < now or dead(r["worker"] or "")]
            for r in lost:
                db.execute(
                    f"UPDATE jobs SET status = '{QUEUED}', stage = 'retrying', worker = NULL, "
                    "lease_until = NULL, error = ?, updated = ? WHERE id = ?",
                    (WORKER_LOST, now, r["id"]),
                )
        for r in lost:
            log.warning("job %s: its worker %s stopped mid-job; queued again", r["id"], r["worker"])
            shutil.rmtree(self.audio_root / r["article_id"] / f".staging-{r['id']}", ignore_errors=True)
        return [self.get_job(r["id"]) for r in lost]

    def clear_staging(self) -> int:
        """Remove the staging folders under this home whose job is over (done, failed, cancelled or
        gone): what a process killed mid-job left on this machine's disk. A queued job's folder is its
        last attempt's, which its next attempt replaces; a running one's is in use. How many went."""
        removed = 0
        for folder in self.audio_root.glob("*/.staging-*"):
            if self.job_status(folder.name.removeprefix(".staging-")) not in ACTIVE:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed


    # Watched sources (narrator.service.watch) -------------------------------------------------------

    def add_source(self, url: str, voice: str | None = None, limit: int = 0) -> SourceRecord:
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
        return self.get_source(source_id)

    def get_source(self, source_id: str) -> SourceRecord:
        """A watched source; NotFound if unknown."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            raise NotFound(f"no watched source '{source_id}'")
        return _source(row)

    def list_sources(self) -> list[SourceRecord]:
        """Every watched source, oldest first."""
        with self._connect() as db:
            return [_source(r) for r in db.execute("SELECT * FROM sources ORDER BY created, id").fetchall()]

    def remove_source(self, source_id: str) -> None:
        """Stop watching a source (its articles stay); NotFound if unknown."""
        with self._write() as db:
            if db.execute("DELETE FROM sources WHERE id = ?", (source_id,)).rowcount == 0:
                raise NotFound(f"no watched source '{source_id}'")

    def claim_source(self, source_id: str, worker: str, lease_s: float, due_only: bool = True) -> bool:
        """Take a source for one pass (one watcher at a time across machines): False if another holds
        it, or (with `due_only`) its next pass is not due yet."""
        now = time.time()
        due = " AND next_pass <= ?" if due_only else ""
        with self._write() as db:
            cur = db.execute(f"UPDATE sources SET worker = ?, lease_until = ? WHERE id = ? "
                             f"AND (lease_until IS NULL OR lease_until < ?){due}",
                             (worker, now + lease_s, source_id, now, *([now] if due_only else [])))
            return cur.rowcount == 1

    def finish_source(self, source_id: str, outcome: dict, error: str | None, next_pass: float,
                      etag: str = "", last_modified: str = "") -> None:
        """Record a pass and release the source until `next_pass`."""
        with self._write() as db:
            db.execute("UPDATE sources SET last_pass = ?, next_pass = ?, outcome = ?, error = ?, "
                       "etag = ?, last_modified = ?, worker = NULL, lease_until = NULL WHERE id = ?",
                       (time.time(), next_pass, json.dumps(outcome), error, etag or None,
                        last_modified or None, source_id))

    def watched_page(self, url: str) -> PageRecord | None:
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


@dataclass(frozen=True)
class SourceRecord:
    """A feed or sitemap `narrator watch` follows."""

    id: str
    """A short hash of the URL."""
    url: str
    """The feed (RSS, Atom) or sitemap (index, Google News) URL."""
    voice: str | None
    """The voice its articles are read in (None: the language's default)."""
    created: float
    """Unix time it was added."""
    etag: str | None = None
    """The feed's ETag at the last pass."""
    last_modified: str | None = None
    """The feed's Last-Modified at the last pass."""
    last_pass: float | None = None
    """When it was last read."""
    next_pass: float = 0.0
    """When it is due again."""
    outcome: dict | None = None
    """What the last pass did: created, updated, unchanged and failed articles, entries seen."""
    error: str | None = None
    """Why the last pass failed or what failed in it, or None."""
    worker: str | None = None
    """Who is reading it now."""
    lease_until: float | None = None
    """Until when that watcher holds it."""


def _source(row) -> SourceRecord:  # noqa: ANN001 - a row of `sources`
    data = dict(row)
    data["outcome"] = json.loads(data["outcome"]) if data.get("outcome") else None
    return SourceRecord(**data)


@dataclass(frozen=True)
class PageRecord:
    """A page a watched source led to."""

    url: str
    """The page."""
    article_id: str
    """The article made from it."""
    source_id: str | None
    """The source that listed it."""
    etag: str | None
    """Its ETag when last read."""
    last_modified: str | None
    """Its Last-Modified when last read."""
    lastmod: str | None
    """The sitemap's <lastmod> for it when last read."""
    checked: float
    """Unix time it was last looked at."""


__all__ = [
    "ArticleHead",
    "ArticleRecord",
    "PageRecord",
    "SourceRecord",
    "Cancelled",
    "Conflict",
    "JobRecord",
    "JobRequest",
    "NotFound",
    "QuotaExceeded",
    "Store",
    "VersionRecord",
    "article_from_dict",
    "content_hash",
]
