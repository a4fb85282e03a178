"""The job queue: jobs, their priority, claims and leases, progress, failure and recovery."""
from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace

from ...model import Article
from ..status import ACTIVE, JobStatus
from . import quotas
from .records import (
    ACTIVE_SQL,
    CANCELLED,
    JOB_FIELDS,
    PRIORITY_WAITING,
    QUEUED,
    RUNNING,
    WORKER_LOST,
    ArticleRecord,
    Cancelled,
    JobRecord,
    JobRequest,
    NotFound,
    Part,
    QuotaExceeded,
    _priority,
    new_id,
)

log = logging.getLogger(__name__)


class Jobs(Part):
    """The job queue: jobs, their priority, claims and leases, progress, failure and recovery."""

    @staticmethod
    def _cancel(db: sqlite3.Connection, article_id: str, reason: str, now: float) -> None:
        """Cancel the article's queued and running jobs (a running one stops at its next sentence)."""
        db.execute(f"UPDATE jobs SET status = '{CANCELLED}', stage = 'cancelled', error = ?, "
                   f"lease_until = NULL, updated = ? WHERE article_id = ? AND status IN {ACTIVE_SQL}",
                   (reason, now, article_id))

    @staticmethod
    def _record(row: sqlite3.Row) -> JobRecord:
        job = JobRecord(**{k: row[k] for k in row.keys() if k in JOB_FIELDS})
        return replace(job, status=JobStatus(job.status))  # ValueError for a state nobody knows

    @staticmethod
    def _insert(db: sqlite3.Connection, article_id: str, now: float, request: JobRequest) -> JobRecord:
        """A new queued job; QuotaExceeded if it would take its requester over their limit."""
        quotas.check_quota(db, request)
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

    def get(self, job_id: str) -> JobRecord:
        """The job; NotFound if unknown."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise NotFound(f"no job '{job_id}'")
        return self._record(row)

    def latest(self, article_id: str) -> JobRecord | None:
        """The article's most recent job."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM jobs WHERE article_id = ? "
                f"ORDER BY created DESC, {self.db.insertion_order} DESC LIMIT 1",
                (article_id,),
            ).fetchone()
        return self._record(row) if row else None

    def queued(self) -> list[JobRecord]:
        """Jobs waiting to run, most urgent first, then oldest first (to resubmit after a restart)."""
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM jobs WHERE status = '{QUEUED}' ORDER BY priority DESC, created"
                              ).fetchall()
        return [self._record(r) for r in rows]

    def next(self, above: int) -> JobRecord | None:
        """The most urgent queued job with a priority above `above` (oldest first among equals)."""
        with self._connect() as db:
            row = db.execute(f"SELECT * FROM jobs WHERE status = '{QUEUED}' AND priority > ? "
                             "ORDER BY priority DESC, created LIMIT 1", (above,)).fetchone()
        return self._record(row) if row else None

    def status(self, job_id: str) -> str | None:
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
        return self._record(row) if row else None

    def turn(self, job_id: str) -> tuple[str | None, int]:
        """A job's status (None if gone) and priority: what a running job checks between sentences."""
        with self._connect() as db:
            row = db.execute("SELECT status, priority FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return (row["status"], row["priority"]) if row else (None, 0)

    def claim(self, job_id: str, worker: str = "", lease_s: float = 60.0) -> bool:
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

    def _update(self, job_id: str, only_if: str | None = None, **values: object) -> None:
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
        self._update(job_id, JobStatus.RUNNING, lease_until=time.time() + lease_s)

    def progress(self, job_id: str, done: int, total: int, stage: str = "synthesising") -> None:
        """Record how far a running job is."""
        self._update(job_id, JobStatus.RUNNING, done=done, total=total, stage=stage)

    def stage(self, job_id: str, stage: str) -> None:
        """Record what a running job is doing."""
        self._update(job_id, JobStatus.RUNNING, stage=stage)

    def fail(self, job_id: str, message: str) -> None:
        """Mark a job failed with a one-line reason (the article keeps its current version)."""
        self._update(job_id, status=JobStatus.FAILED, stage="failed", error=message, lease_until=None)

    def finish_unchanged(self, job_id: str, version: int) -> None:
        """A job whose article already has a version made from the same content: done, no new version."""
        self._update(job_id, JobStatus.RUNNING, status=JobStatus.DONE, stage="done", version=version,
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
                queued = quotas.queued_chars(db, job["requested_by"], job_id, fetched=True)
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
        return self.store.articles.get(job["article_id"])

    def give_way(self, job_id: str) -> None:
        """Put a running job back in the queue at its size's priority (it ran before a job that is now
        more urgent than it; narrator.service.generation.GiveWay). Its run counts as an attempt: the
        next one streams anew (listeners keep what they have until it does)."""
        job = self.get(job_id)
        self._update(job_id, JobStatus.RUNNING, status=JobStatus.QUEUED, stage="queued", worker=None,
                         lease_until=None, priority=job.size_priority)

    def requeue(self, job_id: str, message: str) -> None:
        """Put a job that failed an attempt back in the queue (it will be retried)."""
        self._update(job_id, JobStatus.RUNNING, status=JobStatus.QUEUED, stage="retrying", error=message,
                         worker=None, lease_until=None)

    def recover(self, dead: Callable[[str], bool]) -> list[JobRecord]:
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
            shutil.rmtree(self.store.audio_root / r["article_id"] / f".staging-{r['id']}", ignore_errors=True)
        return [self.get(r["id"]) for r in lost]

    def clear_staging(self) -> int:
        """Remove the staging folders under this home whose job is over (done, failed, cancelled or
        gone): what a process killed mid-job left on this machine's disk. A queued job's folder is its
        last attempt's, which its next attempt replaces; a running one's is in use. How many went."""
        removed = 0
        for folder in self.store.audio_root.glob("*/.staging-*"):
            if self.status(folder.name.removeprefix(".staging-")) not in ACTIVE:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed
