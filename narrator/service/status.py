"""The job and article status vocabularies: every status the store writes or a view shows is one of
these, and an unknown one is an error, never quietly taken for another."""
from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    """A job's state in the store (the `status` column of `jobs`)."""

    QUEUED = "queued"
    """Waiting for a worker (a new job, one put back after a failed attempt, or one that gave way)."""
    RUNNING = "running"
    """A worker holds its lease and narrates."""
    DONE = "done"
    """Published (or found unchanged): its `version` is the article's."""
    FAILED = "failed"
    """Gave up: bad input, or every attempt failed; `error` says why."""
    CANCELLED = "cancelled"
    """Superseded by a newer edit, or its article was deleted."""


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
"""The states of a job that is still to finish."""
ENDED = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)
"""The states a job ends in."""


class ArticleStatus(StrEnum):
    """What the API and the pages say of an article, from its newest job."""

    QUEUED = "queued"
    """Its newest job waits for a worker."""
    GENERATING = "generating"
    """Its newest job is being narrated."""
    READY = "ready"
    """Nothing to do: its newest job is done or was cancelled (or it never had one)."""
    FAILED = "failed"
    """Its newest job failed."""


_ARTICLE = {JobStatus.QUEUED: ArticleStatus.QUEUED, JobStatus.RUNNING: ArticleStatus.GENERATING,
            JobStatus.DONE: ArticleStatus.READY, JobStatus.FAILED: ArticleStatus.FAILED,
            JobStatus.CANCELLED: ArticleStatus.READY}


def article_status(job_status: str | None) -> ArticleStatus:
    """The article's status from its newest job's (None: it has no job). ValueError for a status that
    is not a JobStatus: a new state must be given its meaning here, not taken for another."""
    return ArticleStatus.READY if job_status is None else _ARTICLE[JobStatus(job_status)]


def sql_list(*states: JobStatus) -> str:
    """`states` as an SQL list literal, e.g. "('queued', 'running')" (the values are fixed words)."""
    return "(" + ", ".join(f"'{s.value}'" for s in states) + ")"
