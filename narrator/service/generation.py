"""Generation: turn a stored article into a new published version (the body of a queue task).

`Generator.run(job_id)` is the whole job: claim it, fetch the page of a submission by URL, narrate
into a staging folder with the synthesis cache, streaming the audio as it is made to the audio
storage (the live stream listeners play before the version exists, narrator.audio.stream), publish. Between
units (a sentence, or a part of a long one: narrator.segment.MAX_UNIT_CHARS) a running job stops if it
was cancelled or has used up its time (NARRATOR_JOB_TIMEOUT_S), and lets a more urgent queued job run
first (`_Turns`).
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

from ..audio.cache import UnitCache
from ..config import Settings
from ..errors import InputError
from ..logs import job_context
from ..model import Unit
from ..net.guard import NetGuard
from ..pipeline import narrate
from ..speech.engines import AudioChunk, Engine, EngineOptions, open_engine
from ..speech.lexicon import Flag
from ..speech.voices import Voice, get_voice
from .audio_storage import AudioStorage, StorageUnavailable
from .metrics import (
    CACHE_HITS,
    CACHE_MISSES,
    FIRST_AUDIO,
    SYNTHESIS_RTF,
    SYNTHESIS_SECONDS,
    SYNTHESISED_AUDIO,
    Batch,
)
from .pronunciations import PublicationLexicon
from .status import JobStatus
from .store import Cancelled, JobRecord, NotFound, Store
from .submissions import PageRequest, default_guard, fingerprint, narration_size

log = logging.getLogger(__name__)

WORKER = f"{socket.gethostname()}:{os.getpid()}"
"""This process, as recorded on the jobs it runs."""


class EnginePool:
    """Open engines by voice, kept loaded between jobs; used by one worker thread at a time."""

    def __init__(self, words: bool = True, options: EngineOptions | None = None) -> None:
        self._engines: dict[tuple, Engine] = {}
        self._lock = threading.Lock()
        self.options = options or EngineOptions(words=words)
        """How the engines are opened: with word timings (Settings.word_timings), lanes, remote limits."""

    @property
    def words(self) -> bool:
        """Whether the engines say when each word is said (Settings.word_timings)."""
        return self.options.words

    def get(self, voice: Voice) -> Engine:
        """The engine for `voice`, opened on first use."""
        model = str(voice.model_path) if voice.model else ""  # a voice file: where it is
        key = (voice.engine, voice.engine_voice, model, voice.base_url, voice.api_key_env, voice.rate)
        with self._lock:
            if key not in self._engines:
                self._engines[key] = open_engine(voice, options=self.options)
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
    if storage fails: the first failed write ends the stream (logged), not the job. Before each write
    it asks `running()`: once the job is cancelled (its article deleted, its content superseded) it
    writes nothing more and raises Cancelled, so a deleted article's stream is not written again."""

    def __init__(self, storage: AudioStorage, article_id: str, stream: str,
                 running: Callable[[], bool] = lambda: True):
        self.storage, self.article_id, self.stream, self.running = storage, article_id, stream, running
        self.broken = False
        self.first_audio: float | None = None
        """Unix time its first segment was stored: from then on a listener can play the article."""

    def write(self, name: str, data: bytes) -> None:
        if not self.running():
            raise Cancelled(f"the job of live stream {self.stream} was cancelled")
        if self.broken:
            return
        try:
            self.storage.put_live(self.article_id, self.stream, name, data)
        except Exception as e:  # full disk, unreachable bucket: the narration goes on without it
            log.warning("live stream %s of article %s stopped: %s", self.stream, self.article_id, e)
            self.broken = True
            return
        if self.first_audio is None and name.endswith(".mp3"):
            self.first_audio = time.time()


class MeteredEngine:
    """An engine of the pool, counting the time it spends synthesising and the audio it makes for one job
    (the engine itself stays the pool's: closing this closes nothing)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.model_id = engine.model_id
        self.lanes = engine.lanes
        self.seconds = 0.0
        """Time spent in the engine (wall clock, summed over the sentences made side by side)."""
        self.audio_ms = 0.0
        """Audio it returned, in milliseconds."""
        self._lock = threading.Lock()

    def synthesize(self, text: str) -> AudioChunk:
        start = time.perf_counter()
        try:
            chunk = self.engine.synthesize(text)
        finally:
            with self._lock:
                self.seconds += time.perf_counter() - start
        with self._lock:
            self.audio_ms += chunk.duration_ms
        return chunk

    def close(self) -> None:
        pass


@dataclass
class Meters:
    """What one attempt of a job measured, for /metrics (narrator.service.metrics)."""

    voice: str = ""
    """The voice profile that spoke (the label of the synthesis metrics)."""
    engine: MeteredEngine | None = None
    """The engine's time and audio."""
    cache: UnitCache | None = None
    """The attempt's own view of the synthesis cache (its hits and misses)."""
    live: LiveFiles | None = None
    """Its live stream, if it had one (when the first audio was there)."""
    recorded: bool = False
    """Whether these were added to the database already (once, before the version is published)."""

    def batch(self, submitted: float) -> Batch:
        """The measurements to add to the database (`submitted`: when the job was made)."""
        batch = Batch()
        if self.engine is not None and self.engine.audio_ms:
            audio_s = self.engine.audio_ms / 1000
            batch.observe(SYNTHESIS_SECONDS, self.engine.seconds, voice=self.voice)
            batch.observe(SYNTHESIS_RTF, self.engine.seconds / audio_s, voice=self.voice)
            batch.inc(SYNTHESISED_AUDIO, audio_s, voice=self.voice)
        if self.cache is not None:
            batch.inc(CACHE_HITS, self.cache.hits)
            batch.inc(CACHE_MISSES, self.cache.misses)
        if self.live is not None and self.live.first_audio is not None:
            batch.observe(FIRST_AUDIO, max(self.live.first_audio - submitted, 0.0))
        return batch


class RetryableError(Exception):
    """An attempt failed for a reason that may pass (engine crash, full disk, locked database)."""


class OutOfTime(Exception):
    """A job worked longer than NARRATOR_JOB_TIMEOUT_S: it fails for good (another attempt would too)."""


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
                store.jobs.renew_lease(job_id, lease_s)
            except Exception:  # a locked database: try again at the next beat
                log.warning("could not renew the lease of job %s", job_id)

    beat = threading.Thread(target=renew, name=f"lease-{job_id}", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


OPENING_CHARS = 1_000
"""A listener's press lifts a job for its opening only: the first 1,000 spoken characters, about a
minute of speech (espeak-ng reads some 15 characters a second at 175 words a minute, Piper about the
same), which the player has buffered before the job falls back to its size's turn. Issue 23: a press
lifted a 160,000-character job above every other for the whole of it."""


class GiveWay(Exception):
    """A job run while another was paused for it is no more urgent than that one any more (a big
    article a listener pressed, past its opening): it goes back to the queue, and the paused job goes on."""


class _Turns:
    """What a running job does between units (sentences, or parts of a long one), at most once a second:
    stop if it was cancelled (its article deleted or its content superseded) or has worked longer than
    NARRATOR_JOB_TIMEOUT_S, and run a more urgent queued job first (a short article, or one a listener
    is waiting for, never waits for a long one to finish). A unit is at most
    narrator.segment.MAX_UNIT_CHARS spoken characters, so this happens within seconds even inside a
    run-on sentence.

    Its urgency is its priority in the store (a listener's press raises it) until it has spoken
    OPENING_CHARS; from then on no more than its size's: past its opening, a big article a listener
    pressed pauses for short articles and other listeners' openings like any big one, and if it was
    itself run while a job of `paused` priority waited under it, it gives way to that job (GiveWay).
    So the jobs one worker holds are ever more urgent from the bottom up: at most three deep.

    It also records the job's progress (`note`). Neither needs the database to be there: while it is
    away or locked for a moment (PostgreSQL restarting), the job goes on narrating, said once in the
    log; only publishing needs it."""

    INTERVAL_S = 1.0
    """How often to look: one or two small queries a second, while a sentence takes ~0.3 s to speak."""

    def __init__(self, generator: Generator, job: JobRecord, paused: int | None):
        self.generator, self.job, self.paused = generator, job, paused
        self.started = time.monotonic()
        self.lent = 0.0
        """Seconds spent running more urgent jobs (not counted against this job's time)."""
        self.next_look = self.started + self.INTERVAL_S
        self.spoken = 0
        """Characters spoken (or taken from the cache) so far in this run."""
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

    def __call__(self, unit: Unit) -> None:
        self.spoken += len(unit.spoken)
        now = time.monotonic()
        if now < self.next_look:
            return
        budget = self.generator.settings.job_timeout_s
        if budget and now - self.started - self.lent > budget:
            raise OutOfTime(f"the narration took longer than the {budget:,g} s a job may work "
                            "(NARRATOR_JOB_TIMEOUT_S) and was stopped; the previous version stays current")
        self.next_look = time.monotonic() + self.INTERVAL_S
        store = self.generator.store
        try:
            status, priority = store.jobs.turn(self.job.id)  # a listener may have raised its priority
        except store.db.busy_errors as e:
            self._away(e)
            return
        if status != JobStatus.RUNNING:
            raise Cancelled(f"job {self.job.id} was cancelled")
        if self.spoken > OPENING_CHARS:
            priority = min(priority, self.job.size_priority)
        if self.paused is not None and priority <= self.paused:
            raise GiveWay(f"job {self.job.id} gives way to the job it was run before")
        while (urgent := store.jobs.next(above=priority)) is not None:
            log.info("job %s pauses for the more urgent job %s", self.job.id, urgent.id)
            lent = time.monotonic()
            try:
                self.generator.run(urgent.id, paused=priority)
            except RetryableError:
                pass  # put back in the queue: it is tried again later, by whichever worker takes it
            self.lent += time.monotonic() - lent
            if store.jobs.status(self.job.id) != JobStatus.RUNNING:
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

    def run(self, job_id: str, paused: int | None = None) -> Outcome | None:
        """Run one job (see `_run`), then tell `finished` how it ended (not when it will be retried or
        run again). `paused`: the priority of a job paused under this one in this thread (see _Turns).
        Its log lines carry its id (narrator.logs)."""
        with job_context(job_id):
            outcome = self._run(job_id, paused)
            if self.finished:
                self.finished(job_id, outcome)
        return outcome

    def _record(self, job: JobRecord, meters: Meters) -> None:
        """Add what an attempt measured to the database's counters, once (a failure to is logged, not
        raised)."""
        if meters.recorded:
            return
        meters.recorded = True
        try:
            self.store.tallies.add(meters.batch(job.created))
        except Exception as e:  # a database busy for a moment: these figures are lost, the job is not
            log.warning("could not record the metrics of job %s: %s", job.id, e)

    def _forget_stream_of_deleted(self, job: JobRecord) -> None:
        """A job cancelled because its article was deleted: its live stream goes at once (a segment may
        have been written between the deletion and the job's next look at its status)."""
        try:
            self.store.articles.head(job.article_id)
        except NotFound:
            self.store.storage.delete_live(job.article_id, live_stream(job))

    def _run(self, job_id: str, paused: int | None) -> Outcome | None:
        """Run one job. Returns its outcome, or None if it was not ours to run, was cancelled, or
        failed for good.

        A failure that may pass is put back in the queue and raised as RetryableError (the queue
        retries it with backoff) until NARRATOR_JOB_ATTEMPTS; then, like bad input, it fails the job
        with its message. The article keeps its current version whatever happens here.
        """
        store, settings = self.store, self.settings
        try:
            claimed = store.jobs.claim(job_id, WORKER, settings.job_lease_s)
        except store.db.busy_errors as e:  # the queue tries again (and recovery, once it is back)
            raise RetryableError(f"the database cannot be reached to claim job {job_id}: {e}") from None
        if not claimed:
            return None
        job = store.jobs.get(job_id)
        log.info("job %s started (attempt %d) for article %s", job_id, job.attempts, job.article_id)
        started = time.monotonic()
        staging = None
        meters = Meters()
        turns = _Turns(self, job, paused)
        try:
            with _lease(store, job_id, settings.job_lease_s):
                record = store.articles.get(job.article_id)
                if job.page_request:
                    store.jobs.stage(job_id, "fetching")
                    article = PageRequest.from_json(job.page_request).fetched(settings, self.guard)
                    voice = get_voice(record.voice, article.language, settings.voices)
                    made = fingerprint(article, record.voice, voice, settings)
                    size = narration_size(article, voice, settings)  # fails like a 422 if too long spoken
                    record = store.jobs.set_fetched(job_id, article, made, settings.max_queued_chars,
                                                    size)
                    job = turns.job = store.jobs.get(job_id)  # its true size, for its turns
                current = record.current_version and store.versions.get(record.id, record.current_version)
                if current and current.content_hash == record.content_hash:
                    store.jobs.finish_unchanged(job_id, current.version)  # made from this content already
                    return Outcome(current.version)
                voice = get_voice(record.voice, record.article.language, settings.voices)
                staging = store.versions.staging_dir(job.article_id, job_id)
                meters.voice, meters.engine = voice.name, MeteredEngine(self.engines.get(voice))
                meters.cache = self.cache.counting() if self.cache else None

                def progress(done: int, total: int) -> None:
                    stage = "synthesising" if done < total else "encoding"
                    turns.note(lambda: store.jobs.progress(job_id, done, total, stage))

                def running() -> bool:  # asked before each live file is written: one small query a segment
                    try:
                        return store.jobs.status(job_id) == JobStatus.RUNNING
                    except store.db.busy_errors:  # the database away a moment: the job's turns decide
                        return True

                # Only an article without a version streams: players of one that has a version play it
                # until the new one is published, so a stream would be an encoding nobody hears.
                live = None if current else LiveFiles(store.storage, job.article_id, live_stream(job),
                                                      running)
                meters.live = live
                result = narrate(record.article, voice, staging / "audio.mp3", settings,
                                 engine=meters.engine, progress=progress, cache=meters.cache,
                                 between=turns, live=live)
                self._record(job, meters)  # before the version is visible: whoever sees it sees these too
                self._flag(list(result.left_out))
                turns.note(lambda: store.jobs.stage(job_id, "publishing"))
                version = store.versions.publish(job_id, result, record, settings.keep_versions)
                log.info("job %s published version %d of article %s in %.1f s: %d sentences synthesised "
                         "(%.1f s in the engine), %d from the cache", job_id, version, job.article_id,
                         time.monotonic() - started, result.synthesised, meters.engine.seconds, result.reused)
                return Outcome(version, result.synthesised, result.reused)
        except Cancelled:
            log.info("job %s was cancelled", job_id)
            self._forget_stream_of_deleted(job)
        except GiveWay:
            log.info("job %s had its opening and goes back to the queue", job_id)
            store.jobs.give_way(job_id)
        except (InputError, NotFound, OutOfTime) as e:
            store.jobs.fail(job_id, str(e))
        except Exception as e:  # engine crash, timeout, full disk, locked database, or a bug
            message = str(e) if not isinstance(e, OSError | KeyError) else f"{type(e).__name__}: {e}"
            retry = job.attempts < settings.job_attempts  # claim_job counted this attempt
            try:
                if retry:
                    store.jobs.requeue(job_id, message)
                else:
                    store.jobs.fail(job_id, message)
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
            self._record(job, meters)
        return None

    def _flag(self, left_out: list[Flag]) -> None:
        """Tell the desk about the publication's entries a narration could not use (read plainly
        instead); the others (an article's own, a voice's) are only logged. Never fails the job."""
        if not left_out:
            return
        settings = self.settings
        publication = PublicationLexicon(settings.publication_lexicon, settings.max_lexicon_entries)
        entries = publication.load().as_dict()
        mine = [f for f in left_out if entries.get(f.written) == f.spoken]
        for f in left_out:
            log.warning("pronunciation of %r left out in %s: %s", f.written, f.voice, f.problem)
        try:
            publication.flag(mine)
        except OSError as e:
            log.warning("could not flag pronunciations on the desk: %s", e)
