"""Storage: articles, versions, jobs and voices in SQLite; audio and timing maps in a local folder.

(Or, selected by configuration alone, metadata in PostgreSQL (narrator.service.database) and audio in an
S3-compatible bucket (narrator.service.audio_storage); the methods below are the same code in every mode.)

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

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ...config import Settings
from ..audio_storage import AudioStorage, LocalStorage, open_storage
from ..database import open_database
from ..metrics import Tallies
from ..workers import Heartbeats
from .articles import Articles
from .jobs import Jobs
from .records import (
    ACTIVE_SQL,
    CANCELLED,
    DONE,
    ID_PATTERN,
    JOB_FIELDS,
    PRIORITY_LARGE,
    PRIORITY_SMALL,
    PRIORITY_WAITING,
    QUEUED,
    RUNNING,
    SMALL_CHARS,
    WORKER_LOST,
    ArticleHead,
    ArticleRecord,
    Cancelled,
    Conflict,
    JobRecord,
    JobRequest,
    Narrated,
    NotFound,
    PageRecord,
    QuotaExceeded,
    SourceRecord,
    VersionRecord,
    article_from_dict,
    content_hash,
    new_id,
)
from .sources import Sources
from .versions import Versions


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
        self.articles = Articles(self)
        """Articles: their content, creation, edits and deletion."""
        self.versions = Versions(self)
        """Published versions, their files, rollback."""
        self.jobs = Jobs(self)
        """The job queue: claims, leases, progress, recovery."""
        self.sources = Sources(self)
        """Watched feeds and sitemaps, and the pages they led to."""

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store an operator configured: database and audio storage from NARRATOR_* settings."""
        home = settings.home_path
        return cls(home, settings.db_timeout_s, settings.database_url, open_storage(settings, home))

    def close(self) -> None:
        """Close the database connections this store keeps (it opens them again if used after)."""
        self.db.close()

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


__all__ = [
    "ACTIVE_SQL",
    "ArticleHead",
    "ArticleRecord",
    "CANCELLED",
    "Cancelled",
    "Conflict",
    "DONE",
    "ID_PATTERN",
    "JOB_FIELDS",
    "JobRecord",
    "JobRequest",
    "Narrated",
    "NotFound",
    "PRIORITY_LARGE",
    "PRIORITY_SMALL",
    "PRIORITY_WAITING",
    "PageRecord",
    "QUEUED",
    "QuotaExceeded",
    "RUNNING",
    "SMALL_CHARS",
    "SourceRecord",
    "Store",
    "VersionRecord",
    "WORKER_LOST",
    "article_from_dict",
    "content_hash",
    "new_id",
]
