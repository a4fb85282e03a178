"""Generation: turn a stored article into a new published version (the body of a queue task).

`Generator.run(job_id)` is the whole job: claim it, fetch the page of a submission by URL, narrate
into a staging folder with the synthesis cache, streaming the audio as it is made to the audio
storage (the live stream listeners play before the version exists, narrator.live), publish. Between
sentences a running job stops if it was cancelled and lets a more urgent queued job run first
(`_Turns`).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..cache import UnitCache
from ..config import Settings
from ..engines import Engine, open_engine
from ..errors import InputError
from ..netguard import NetGuard
from ..pipeline import narrate
from ..voices import Voice, get_voice
from .storage import AudioStorage, StorageUnavailable
from .store import Cancelled, JobRecord, NotFound, Store
from .submissions import PageRequest, default_guard, fingerprint

log = logging.getLogger(__name__)

WORKER = f"{socket.gethostname()}:{os.getpid()}"
"""This process, as recorded on the jobs it runs."""


class EnginePool:
    """Open engines by voice, kept loaded between jobs; used by one worker thread at a time."""

    def __init__(self, words: bool = True) -> None:
        self._engines: dict[tuple[str, str, float], Engine] = {}
        self._lock = threading.Lock()
        self.words = words
        """Whether the engines say when each word is said (Settings.word_timings)."""

    def get(self, voice: Voice) -> Engine:
        """The engine for `voice`, opened on first use."""
        key = (voice.engine, voice.engine_voice, voice.rate)
        with self._lock:
            if key not in self._engines:
                self._engines[key] = open_engine(voice, self.words)
            return self._engines[key]

    def close(self) -> None:
        """Close every engine."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close()


def live_stream(job: JobRecord) -> str:
    """The name of a job attempt's live stream in the audio storage ('<job>-<attempt>')."""
    return f"{job.id}-{job.attempts}"


class LiveFiles:
    """A job attempt's live stream, written to the audio storage. Listeners only lose the early audio
    if storage fails: the first failed write ends the stream (logged), not the job."""

    def __init__(self, storage: AudioStorage, article_id: str, stream: str):
        self.storage, self.article_id, self.stream = storage, article_id, stream
        self.broken = False

    def write(self, name: str, data: bytes) -> None:
        if self.broken:
            return
        try:
            self.storage.put_live(self.article_id, self.stream, name, data)
        except Exception as e:  # full disk, unreachable bucket: the narration goes on without it
            log.warning("live stream %s of article %s stopped: %s", self.stream, self.article_id, e)
            self.broken = True


class RetryableError(Exception):
    """An attempt failed for a reason that may pass (engine crash, full disk, locked database)."""


@dataclass(frozen=True)
class Outcome:
    """How a job ended."""

    version: int | None
    """The version it published (or found already made), None if it did not."""
    synthesised: int = 0
    """Sentences spoken by the engine."""
    reused: int = 0
    """Sentences taken from the cache."""


@contextmanager
def _lease(store: Store, job_id: str, lease_s: float) -> Iterator[None]:
    """Renew the job's lease every third of its length while the job runs."""
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(lease_s / 3):
            try:
                store.renew_lease(job_id, lease_s)
            except Exception:  # a locked database: try again at the next beat
                log.warning("could not renew the lease of job %s", job_id)

    beat = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


class _Turns:
    """What a running job does between sentences, at most once a second: stop if it was cancelled
    (its article deleted or its content superseded), and run a more urgent queued job first (a
    short article, or one a listener is waiting for, never waits for a long one to finish).

    It also records the job's progress (`note`). Neither needs the database to be there: while it is
    away or locked for a moment (PostgreSQL restarting), the job goes on narrating, said once in the
    log; only publishing needs it."""

    INTERVAL_S = 1.0
    """How often to look: one or two small queries a second, while a sentence takes ~0.3 s to speak."""

    def __init__(self, generator: Generator, job: JobRecord):
        self.generator, self.job = generator, job
        self.next_look = time.monotonic() + self.INTERVAL_S
        self.database_away = False

    def note(self, update: Callable[[], object]) -> None:
        """Run a write that only informs (progress, stage); skip it while the database is away."""
        try:
            update()
        except self.generator.store.db.busy_errors as e:
            self._away(e)
        else:
            self.database_away = False

    def _away(self, e: Exception) -> None:
        if not self.database_away:
            log.warning("job %s goes on without recording its progress: %s", self.job.id, e)
            self.database_away = True

    def __call__(self) -> None:
        if time.monotonic() < self.next_look:
            return
        self.next_look = time.monotonic() + self.INTERVAL_S
        store = self.generator.store
        try:
            status, priority = store.job_turn(self.job.id)  # a listener may have raised its priority
        except store.db.busy_errors as e:
            self._away(e)
            return
        if status != "running":
            raise Cancelled(f"job {self.job.id} was cancelled")
        while (urgent := store.next_job(above=priority)) is not None:
            log.info("job %s pauses for the more urgent job %s", self.job.id, urgent.id)
            try:
                self.generator.run(urgent.id)
            except RetryableError:
                pass  # put back in the queue: it is tried again later, by whichever worker takes it
            if store.job_status(self.job.id) != "running":
                raise Cancelled(f"job {self.job.id} was cancelled")
        self.next_look = time.monotonic() + self.INTERVAL_S


class Generator:
    """Runs jobs: claim, fetch (submissions by URL), narrate into a staging folder with the synthesis
    cache, publish. It depends on nothing but the store, the engines and the cache, so the job
    queue (narrator.service.jobs) calls it as it is."""

    def __init__(self, store: Store, settings: Settings, engines: EnginePool, cache: UnitCache | None = None,
                 guard: Callable[[], NetGuard] | None = None,
                 finished: Callable[[str, Outcome | None], None] | None = None):
        self.store, self.settings, self.engines, self.cache = store, settings, engines, cache
        self.guard = guard or default_guard(settings)
        self.finished = finished
        """Told of every job run here when it ends (the webhook)."""

    def run(self, job_id: str) -> Outcome | None:
        """Run one job (see `_run`), then tell `finished` how it ended (not when it will be retried)."""
        outcome = self._run(job_id)
        if self.finished:
            self.finished(job_id, outcome)
        return outcome

    def _run(self, job_id: str) -> Outcome | None:
        """Run one job. Returns its outcome, or None if it was not ours to run, was cancelled, or
        failed for good.

        A failure that may pass is put back in the queue and raised as RetryableError (the queue
        retries it with backoff) until NARRATOR_JOB_ATTEMPTS; then, like bad input, it fails the job
        with its message. The article keeps its current version whatever happens here.
        """
        store, settings = self.store, self.settings
        try:
            claimed = store.claim_job(job_id, WORKER, settings.job_lease_s)
        except store.db.busy_errors as e:  # the queue tries again (and recovery, once it is back)
            raise RetryableError(f"the database cannot be reached to claim job {job_id}: {e}") from None
        if not claimed:
            return None
        job = store.get_job(job_id)
        turns = _Turns(self, job)
        staging = None
        try:
            with _lease(store, job_id, settings.job_lease_s):
                record = store.get_article(job.article_id)
                if job.page_request:
                    store.job_stage(job_id, "fetching")
                    article = PageRequest.from_json(job.page_request).fetched(settings, self.guard)
                    voice = get_voice(record.voice, article.language, settings.voices)
                    made = fingerprint(article, record.voice, voice, settings)
                    record = store.set_fetched(job_id, article, made)
                current = record.current_version and store.get_version(record.id, record.current_version)
                if current and current.content_hash == record.content_hash:
                    store.finish_unchanged(job_id, current.version)  # made from this very content already
                    return Outcome(current.version)
                voice = get_voice(record.voice, record.article.language, settings.voices)
                staging = store.staging_dir(job.article_id, job_id)

                def progress(done: int, total: int) -> None:
                    stage = "synthesising" if done < total else "encoding"
                    turns.note(lambda: store.job_progress(job_id, done, total, stage))

                # Only an article without a version streams: players of one that has a version play it
                # until the new one is published, so a stream would be an encoding nobody hears.
                live = None if current else LiveFiles(store.storage, job.article_id, live_stream(job))
                result = narrate(record.article, voice, staging / "audio.mp3", settings,
                                 engine=self.engines.get(voice), progress=progress, cache=self.cache,
                                 between=turns, live=live)
                turns.note(lambda: store.job_stage(job_id, "publishing"))
                version = store.publish(job_id, result, record, settings.keep_versions)
                return Outcome(version, result.synthesised, result.reused)
        except Cancelled:
            log.info("job %s was cancelled", job_id)
        except (InputError, NotFound) as e:
            store.fail_job(job_id, str(e))
        except Exception as e:  # engine crash, timeout, full disk, locked database, or a bug
            message = str(e) if not isinstance(e, OSError | KeyError) else f"{type(e).__name__}: {e}"
            retry = job.attempts < settings.job_attempts  # claim_job counted this attempt
            try:
                if retry:
                    store.requeue_job(job_id, message)
                else:
                    store.fail_job(job_id, message)
            except store.db.busy_errors as lost:  # nothing recorded: the job's lease lapses, it runs again
                log.warning("job %s attempt %d failed (%s) and the database could not record it (%s); it "
                            "runs again once its lease has lapsed", job_id, job.attempts, message, lost)
                return None
            if retry:
                log.warning("job %s attempt %d failed, will retry: %s", job_id, job.attempts, message)
                raise RetryableError(message) from e
            # A fault outside (disk, storage, database) is said by its message; anything else gets a trace.
            outside = isinstance(e, OSError | StorageUnavailable) or isinstance(e, store.db.busy_errors)
            log.error("job %s failed after %d attempts: %s", job_id, job.attempts, message,
                      exc_info=not outside)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        return None
        job = store.get_job(job_id)
        staging = None
        try:
            with _lease(store, job_id, settings.job_lease_s):
                record = store.get_article(job.article_id)
                if job.page_request:
                    store.job_stage(job_id, "fetching")
                    article = PageRequest.from_json(job.page_request).fetched(settings, self.guard)
                    voice = get_voice(record.voice, article.language, settings.voices)
                    made = fingerprint(article, record.voice, voice, settings)
                    record = store.set_fetched(job_id, article, made)
                current = record.current_version and store.get_version(record.id, record.current_version)
                if current and current.content_hash == record.content_hash:
                    store.finish_unchanged(job_id, current.version)  # made from this very content already
                    return Outcome(current.version)
                voice = get_voice(record.voice, record.article.language, settings.voices)
                staging = store.staging_dir(job.article_id, job_id)

                def progress(done: int, total: int) -> None:
                    store.job_progress(job_id, done, total, "synthesising" if done < total else "encoding")

                # Only an article without a version streams: players of one that has a version play it
                # until the new one is published, so a stream would be an encoding nobody hears.
                live = None if current else LiveFiles(store.storage, job.article_id, live_stream(job))
                result = narrate(record.article, voice, staging / "audio.mp3", settings,
                                 engine=self.engines.get(voice), progress=progress, cache=self.cache,
                                 between=_Turns(self, job), live=live)
                store.job_stage(job_id, "publishing")
                version = store.publish(job_id, result, record, settings.keep_versions)
                return Outcome(version, result.synthesised, result.reused)
        except Cancelled:
            log.info("job %s was cancelled", job_id)
        except (InputError, NotFound) as e:
            store.fail_job(job_id, str(e))
        except Exception as e:  # engine crash, timeout, full disk, locked database, or a bug
            message = str(e) if not isinstance(e, OSError | KeyError) else f"{type(e).__name__}: {e}"
            if job.attempts < settings.job_attempts:  # claim_job counted this attempt
                log.warning("job %s attempt %d failed, will retry: %s", job_id, job.attempts, message)
                store.requeue_job(job_id, message)
                raise RetryableError(message) from e
            log.exception("job %s failed after %d attempts", job_id, job.attempts)
            store.fail_job(job_id, message)
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        return None
