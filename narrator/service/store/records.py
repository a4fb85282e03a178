"""What the store holds and answers: records, requests, the errors it raises, and their helpers."""
from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from ...audio.export import Outputs
from ...errors import InputError
from ...model import Article, Paragraph, Section
from ...speech.voices import Voice
from ..status import ACTIVE, JobStatus, sql_list

if TYPE_CHECKING:
    from . import Store

log = logging.getLogger(__name__)


ACTIVE_SQL = sql_list(*ACTIVE)
"""The states of a job still to finish, as an SQL list."""


QUEUED, RUNNING, DONE, CANCELLED = (s.value for s in (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DONE,
                                                        JobStatus.CANCELLED))
"""The states the store's SQL names (its statements are f-strings of these)."""




ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
"""Article ids: URL-safe, at most 64 characters."""


WORKER_LOST = "its worker stopped mid-job; running it again"
"""The error of a job recovered from a worker that died (which worker, host and process, is logged only:
the job's error is public)."""


class Part:
    """One part of the Store (articles, versions, jobs, sources): the store's database, its audio
    storage and its transactions, shared."""

    def __init__(self, store: Store):
        self.store = store
        self.db = store.db
        self.storage = store.storage
        self._connect, self._write = store._connect, store._write


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
