"""Versions: published narrations, numbered without gaps, their files, rollback."""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path

from ...audio.export import Outputs, outputs_for
from ...errors import InputError
from ...model import Article
from ..audio_storage import StorageUnavailable
from ..status import JobStatus
from .records import (
    ACTIVE_SQL,
    DONE,
    ID_PATTERN,
    ArticleRecord,
    Cancelled,
    Conflict,
    JobRecord,
    Narrated,
    NotFound,
    Part,
    VersionRecord,
    _requested_voice,
    article_from_dict,
)

log = logging.getLogger(__name__)


class Versions(Part):
    """Versions: published narrations, numbered without gaps, their files, rollback."""

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

    def get(self, article_id: str, version: int) -> VersionRecord | None:
        """One version's record, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT * FROM versions WHERE article_id = ? AND version = ?", (article_id, version)
            ).fetchone()
        return self._version(row) if row else None

    def all(self, article_id: str) -> list[VersionRecord]:
        """An article's versions, newest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM versions WHERE article_id = ? ORDER BY version DESC", (article_id,)
            ).fetchall()
        return [self._version(r) for r in rows]

    def current(self) -> list[tuple[ArticleRecord, VersionRecord]]:
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
                self.store.articles._record(r),
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
        return self.store.audio_root / article_id

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
        job = self.store.jobs.get(job_id)
        with self._connect() as db:  # nothing worth uploading? (checked again under the lock)
            self._check_publishable(db, job)
        uploaded = self.storage.upload(job.article_id, result.outputs)  # no lock held meanwhile
        reachable = True
        try:
            with self._write() as db:
                version = self._next_number(db, job)
                try:
                    size = self.storage.put_version(job.article_id, version, result.outputs, uploaded)
                    old = self._record(db, job, version, size, result, made_from, keep)
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

    def _next_number(self, db: sqlite3.Connection, job: JobRecord) -> int:
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

    def _record(self, db: sqlite3.Connection, job: JobRecord, version: int, size: int,
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

    def article(self, article_id: str, version: int) -> Article | None:
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
        return self.store.articles.get(article_id)

    def used_voices(self) -> list[dict]:
        """Voice profiles and engine models that have spoken a version, most recent first."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM voices ORDER BY last_used DESC").fetchall()
        return [dict(r) for r in rows]
