"""The job queue: generation runs as Huey tasks, in SQLite by default, in Redis to share workers.

`JobQueue` is what the web app submits to and what `narrator worker` (or `narrator serve`,
in-process) consumes. The same task code runs in both storage modes: SqliteHuey in
HOME/queue.db on one machine; PriorityRedisHuey when NARRATOR_REDIS_URL is set, so worker
processes on several machines share one queue.

Huey forgets a task once a worker has taken it, so a worker killed mid-job would lose it; the
store's job record is the source of truth instead. A running job holds a lease its worker
renews; `recover()` (at worker start, then every half lease in each consuming process: `Upkeep`)
puts jobs whose worker is gone back in the queue. Redis may lose what it holds when it restarts; the
upkeep notices the restart and enqueues again every job the store holds as queued. Claiming is
atomic, so a job enqueued twice still runs once. Each consuming process also records a heartbeat in
the database (narrator.service.workers), which /readyz reads.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from huey import Huey, PriorityRedisHuey, SqliteHuey
from huey.consumer import Consumer
from huey.exceptions import CancelExecution, HueyException, TaskException
from huey.storage import PriorityRedisStorage
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from ..audio.cache import UnitCache
from ..audio.synthesise import synthesise_unit
from ..config import Settings
from ..errors import InputError, SynthesisError
from ..model import Unit
from ..net.guard import NetGuard
from ..normalise import normalise_text
from ..pipeline import lexicon_for
from ..speech.engines import EngineOptions, open_engine
from ..speech.lexicon import merge
from ..speech.voices import get_voice
from .generation import WORKER, EnginePool, Generator, Outcome, RetryableError, live_stream
from .pronunciations import entry as lexicon_entry
from .status import JobStatus
from .store import JobRecord, Store
from .watch import Watcher, Watching
from .webhooks import deliver, event
from .workers import Heartbeat

log = logging.getLogger(__name__)

POLL_MAX_S = 0.1
"""Longest pause between polls of an idle SQLite queue: Huey's default of 10 s would add
seconds to a regeneration that takes one; a poll is one cheap SELECT. (Redis blocks instead.)"""
LIVE_KEEP_S = 600
"""How long a job's live stream stays after the job ends: a player that was playing it moves onto the
published version within seconds (narrator.audio.stream); ten minutes leave room for slow networks."""
UPKEEP_S = 1.0
"""How often a consuming process looks whether Redis restarted (one INFO call): jobs queued before a
restart run again about a second after Redis is back."""
REDIS_AWAY_S = 1.0
"""How long a consumer waits before asking an unreachable Redis for work again."""
REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)
"""What redis-py raises when the server cannot be reached."""


class _RedisStorage(PriorityRedisStorage):
    """Huey's Redis storage, patient while Redis is away: a consumer that cannot read the queue waits
    a second and asks again, where Huey would log a traceback ten times a second until Redis is back
    (the consuming process's `Upkeep` says once that it is away, and when it is back)."""

    def dequeue(self) -> bytes | None:
        try:
            return super().dequeue()
        except REDIS_ERRORS:
            time.sleep(REDIS_AWAY_S)
            return None

    def read_schedule(self, timestamp: object) -> list[bytes]:
        try:
            return super().read_schedule(timestamp)
        except REDIS_ERRORS:
            return []


class _RedisHuey(PriorityRedisHuey):
    storage_class = _RedisStorage


def make_huey(settings: Settings, name: str = "narrator", results: bool = True) -> Huey:
    """Huey on Redis when a URL is configured, else on SQLite under the home folder; with task
    priorities either way (higher first). Without `results`, what tasks return is not stored (nobody
    would read it, and it would pile up)."""
    if settings.redis_url:
        return _RedisHuey(name, results=results, url=settings.redis_url)
    settings.home_path.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, results=results, filename=str(settings.home_path / "queue.db"))


def _dead_here(worker: str) -> bool:
    """Whether `worker` ('host:pid') names a process on this machine that no longer runs."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class JobQueue:
    """Submits jobs to Huey and runs them; one instance per process (web app or worker).

    Two lanes: narrations (jobs in the store, most urgent first, a running one pausing between
    sentences for a more urgent one: narrator.service.generation) and listening (a word spoken on
    the dashboard), which has its own consumer thread and engines, so it never waits behind a
    narration, however long."""

    def __init__(self, store: Store, settings: Settings, huey: Huey | None = None,
                 engines: EnginePool | None = None, guard: Callable[[], NetGuard] | None = None):
        self.store = store
        self.settings = settings
        self.huey = huey or make_huey(settings, results=False)  # narrations are followed in the store
        self.listen_huey = make_huey(settings, f"{self.huey.name}-listen")  # a spoken word is a result
        self._own_engines = engines is None
        self.engines = engines or EnginePool(options=EngineOptions.from_settings(settings))
        # a word heard on the dashboard, or speech asked for at /v1/audio/speech, needs no timings
        self.listen_engines = EnginePool(options=EngineOptions.from_settings(settings, words=False))
        self.cache = UnitCache.from_settings(settings)
        self.generator = Generator(store, settings, self.engines, self.cache, guard, self._finished)
        self.watching = Watching(Watcher(store, settings, self.submit, self.generator.guard), WORKER)
        """Watched feeds and sitemaps, read in a thread of their own once `start_watching` is called."""
        self._consumers: list[Consumer] = []
        self._heartbeat: Heartbeat | None = None
        retries = max(settings.job_attempts - 1, 0)
        self._generate = self.huey.task(retries=retries, retry_delay=1, retry_backoff=2,
                                        name="narrator.generate")(self._run)
        self.upkeep = Upkeep(self)
        """Recovery of lost jobs and of a restarted Redis, in a thread once `consumer` is called."""
        self._webhook = self.huey.task(retries=max(settings.webhook_attempts - 1, 0),
                                       retry_delay=settings.webhook_retry_s, retry_backoff=2,
                                       name="narrator.webhook")(self._deliver)
        self._say = self.listen_huey.task(name="narrator.say")(self._said)
        self._forget_live = self.huey.task(name="narrator.forget_live")(self.forget_live)

    def submit(self, job_id: str, priority: int | None = None) -> None:
        """Put a job in the queue (at its priority in the store unless given). The store already holds
        it as queued, so if the queue is unreachable (Redis down) nothing is lost: recovery enqueues
        it once the queue is back."""
        try:
            if priority is None:
                priority = self.store.jobs.get(job_id).priority
            self._generate(job_id, priority=priority)
        except Exception as e:  # redis.ConnectionError, sqlite3.OperationalError
            log.warning("could not enqueue job %s (%s); it stays queued in the store", job_id, e)

    def _run(self, job_id: str) -> Outcome | None:
        """The generation task: run the job; an attempt that failed for a reason that may pass is
        retried by Huey (with its backoff) without a traceback in the log: the generator logged why."""
        try:
            return self.generator.run(job_id)
        except RetryableError as e:
            raise CancelExecution(str(e), retry=None) from e  # retried while the task has retries left

    def _finished(self, job_id: str, outcome: Outcome | None) -> None:
        """A job ended (published, found its content narrated already, failed or was cancelled): its
        live streams go after LIVE_KEEP_S, and the webhook is told."""
        job = self.store.jobs.get(job_id)
        if job.status == JobStatus.QUEUED:  # it gave way to a job it had been run before (or was never ours)
            self.submit(job.id, job.priority)  # so it is in the queue again: a job enqueued twice runs once
            return
        if job.status == JobStatus.RUNNING:  # another worker's
            return
        streams = [live_stream(dataclasses.replace(job, attempts=n)) for n in range(1, job.attempts + 1)]
        try:
            self._forget_live.schedule(args=(job.article_id, streams), delay=LIVE_KEEP_S)
        except Exception as e:  # the queue is unreachable: the files stay until the article is deleted
            log.warning("could not schedule removing the live stream of job %s: %s", job_id, e)
        self._notify(job, outcome)

    def forget_live(self, article_id: str, streams: list[str]) -> None:
        """The task that removes a finished job's live streams from the audio storage."""
        for stream in streams:
            self.store.storage.delete_live(article_id, stream)

    def _notify(self, job: JobRecord, outcome: Outcome | None) -> None:
        """Tell the webhook, if there is one, that a version is ready or the job failed."""
        if not self.settings.webhook_url:
            return
        job_id = job.id
        if outcome is not None and outcome.version is not None and (outcome.synthesised or outcome.reused):
            version = self.store.versions.get(job.article_id, outcome.version)
            payload = event("version.ready", article=job.article_id, job=job_id, version=outcome.version,
                            voice=version.voice if version else None,
                            duration_ms=version.duration_ms if version else None,
                            audio_path=f"/audio/{job.article_id}/{outcome.version}.mp3")
        elif outcome is None and job.status == JobStatus.FAILED and job.worker == WORKER:
            payload = event("job.failed", article=job.article_id, job=job_id, error=job.error)
        else:
            return  # not ours, or nothing new (the content had been narrated already)
        try:
            self._webhook(payload)
        except Exception as e:  # the queue is unreachable: the event is lost, the job is not
            log.warning("could not enqueue the webhook for job %s: %s", job_id, e)

    def _deliver(self, payload: dict) -> int:
        """The webhook task: one signed delivery (raises for the queue to retry with backoff)."""
        return deliver(self.settings.webhook_url, self.settings.webhook_secret, payload)

    def say(self, text: str, voice_name: str | None, language: str = "en",
            entry: tuple[str, str, bool] | None = None, check: bool = False, speed: float = 1.0) -> bytes:
        """The task that speaks a word or phrase (or the input of POST /v1/audio/speech) as an article
        would (normaliser and lexicons): a WAV. It gets the voice by name: a worker on another machine
        has its own copy of the profiles. `entry` (written, spoken, nocase) is a lexicon entry being
        tried before it is saved: it wins over every other lexicon. With `check`, InputError when the
        voice cannot say it (the engine fails, or the clip's length does not fit the words, as a
        narration checks a sentence). `speed` multiplies the voice's rate: an engine at another speed
        is opened for the request and closed after it (the pool keeps the voices at their own speed
        only, so its memory stays bounded)."""
        voice = get_voice(voice_name, language, self.settings.voices)
        lexicon = lexicon_for(voice, self.settings)
        if entry is not None:
            lexicon = merge(lexicon, lexicon_entry(*entry, voice=voice))
        spoken = normalise_text(text, voice.language, lexicon)
        own = speed != 1.0
        engine = (open_engine(dataclasses.replace(voice, rate=voice.rate * speed),
                              options=self.listen_engines.options) if own else self.listen_engines.get(voice))
        out = io.BytesIO()
        try:
            if not check:
                engine.synthesize(spoken).write_wav(out)
                return out.getvalue()
            try:
                clip = synthesise_unit(Unit(text, spoken, 0), engine, voice, "it")
            except SynthesisError as e:
                why = str(e).removeprefix(f"it ({text[:60]!r}): ")
                raise InputError(f"{voice.name} cannot say {text!r} as {spoken[:60]!r}: {why}") from None
            clip.write_wav(out)
            return out.getvalue()
        finally:
            if own:
                engine.close()

    def _said(self, *args: object) -> bytes | str:
        """The listening task: `say`'s WAV, or the reason (InputError) it could not be said, which the
        caller raises again with its message intact (Huey reports an exception by its repr)."""
        try:
            return self.say(*args)  # type: ignore[arg-type]
        except InputError as e:
            return str(e)

    def speak(self, text: str, voice_name: str | None, language: str = "en", timeout: float = 30,
              entry: tuple[str, str, bool] | None = None, check: bool = False, speed: float = 1.0) -> bytes:
        """Speak `text` through the queue's workers (never in the caller's thread); its WAV.
        TimeoutError if no worker answers within `timeout` seconds (a request no worker has begun by
        then expires: it is dropped, not spoken for nobody); InputError if the worker could not say it
        (with `check`: see `say`)."""
        result = self._say(text, voice_name, language, entry, check, speed, expires=timeout)
        try:
            said = result.get(blocking=True, timeout=timeout)
        except TaskException as e:
            raise InputError(e.metadata.get("error") or "the voice could not speak it") from None
        except HueyException:
            raise TimeoutError(f"no worker spoke it within {timeout:g} s") from None
        if isinstance(said, str):
            raise InputError(said)
        return said

    def warm_up(self) -> threading.Thread:
        """Load the default voice's engine in the background, so the first job after a start does not
        wait for it (Piper takes about 0.3 s to load, more on a busy machine)."""

        def load() -> None:
            try:
                self.engines.get(get_voice(None, "en", self.settings.voices))
            except Exception as e:  # the first job will say what is wrong
                log.warning("could not load the default voice: %s", e)

        thread = threading.Thread(target=load, name="narrator-warm-up", daemon=True)
        thread.start()
        return thread

    def recover(self) -> int:
        """Re-enqueue the jobs of workers that died, and jobs waiting in the store longer than
        two leases (their enqueue may have failed); how many there were. A job enqueued twice
        still runs once: claiming it is atomic."""
        lost = self.store.jobs.recover(_dead_here)
        for job in lost:  # the store logged which worker each lost
            self.submit(job.id, job.priority)
        stale = time.time() - 2 * self.settings.job_lease_s
        waiting = [job for job in self.store.jobs.queued() if job.updated < stale]
        for job in waiting:
            self.submit(job.id, job.priority)
        return len(lost) + len(waiting)

    def resubmit(self) -> int:
        """Enqueue every job the store holds as queued (after a restart of this process or of Redis,
        the queue may not hold them); how many there were."""
        waiting = self.store.jobs.queued()
        for job in waiting:
            self.submit(job.id, job.priority)
        return len(waiting)

    def consumer(self, workers: int = 1) -> Consumer:
        """A Huey consumer of narrations, recovering lost jobs first (and clearing what dead ones left
        on this machine's disk); the upkeep thread starts with it."""
        self.recover()
        self.store.jobs.clear_staging()
        self.resubmit()
        self.upkeep.start()
        return self.huey.create_consumer(workers=workers, worker_type="thread", max_delay=POLL_MAX_S,
                                         check_worker_health=True)

    def _start(self, consumer: Consumer) -> None:
        consumer._set_signal_handlers = lambda: None  # the host process owns its signals
        consumer.start()
        self._consumers.append(consumer)

    def start_listening(self) -> None:
        """Consume the listening lane in a background thread of this process."""
        self._start(self.listen_huey.create_consumer(workers=1, worker_type="thread", max_delay=POLL_MAX_S))

    def start_watching(self) -> None:
        """Read the watched sources that are due, in a background thread of this process."""
        self.watching.start()

    def start_heartbeat(self, role: str) -> None:
        """Record in the database every NARRATOR_HEARTBEAT_S that this process runs jobs (/readyz looks):
        `role` is 'worker' for `narrator worker`, 'serve' for a web process's own runner."""
        if self._heartbeat is None:
            self._heartbeat = Heartbeat(self.store.heartbeats, WORKER, role, self.settings.heartbeat_s)
            self._heartbeat.start()

    def start_in_process(self) -> None:
        """Consume both lanes, and watch sources, in background threads of this process (for
        `narrator serve` and tests); its heartbeat says so."""
        self._start(self.consumer())
        self.start_listening()
        self.start_watching()
        self.start_heartbeat("serve")

    def close(self) -> None:
        """Stop the upkeep, consuming and watching (finishing the job and the pass in hand), then the
        heartbeat; release the engines and the queue's connections."""
        self.upkeep.stop()
        self.watching.stop()
        for consumer in self._consumers:
            consumer.stop(graceful=True)
        self._consumers = []
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        if self._own_engines:
            self.engines.close()
        self.listen_engines.close()
        for huey in (self.huey, self.listen_huey):  # their database connections (SQLite: queue.db)
            huey.storage.close()


class Upkeep:
    """A consuming process's housekeeping, in a thread of its own: every half lease it gives the jobs of
    dead workers back to the queue (`JobQueue.recover`), and every second it asks Redis who it is:
    when the server restarted, it may have lost the queue, so every job the store holds as queued is
    enqueued again (a copy too many runs nothing: claiming is atomic). It says once that Redis is
    away, and when it is back."""

    def __init__(self, queue: JobQueue):
        self.queue = queue
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._redis_id: str | None = None
        self._redis_away = False

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._redis_id = self._redis_identity()
            self._thread = threading.Thread(target=self._run, name="narrator-upkeep", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        every = max(self.queue.settings.job_lease_s / 2, UPKEEP_S)
        next_recovery = time.monotonic() + every
        trouble = ""
        while not self._stop.wait(UPKEEP_S):
            try:
                self._check_redis()
                if time.monotonic() >= next_recovery:
                    next_recovery = time.monotonic() + every
                    self.queue.recover()
            except Exception as e:  # the database unreachable, or its disk full: the next beat tries again
                if str(e) != trouble:
                    log.warning("queue upkeep: %s (said once while it lasts)", e)
                trouble = str(e)
            else:
                trouble = ""

    def _redis_identity(self) -> str | None:
        """The Redis server's run id (new at every start); None for the SQLite queue, or when Redis
        cannot be reached."""
        storage = self.queue.huey.storage
        if not isinstance(storage, PriorityRedisStorage):
            return None
        try:
            return str(storage.conn.info("server")["run_id"])
        except REDIS_ERRORS as e:
            if not self._redis_away:
                log.warning("the Redis queue is unreachable (%s); jobs stay queued in the store until it "
                            "is back", e)
                self._redis_away = True
            return None

    def _check_redis(self) -> None:
        identity = self._redis_identity()
        if identity is None or (identity == self._redis_id and not self._redis_away):
            return
        restarted = self._redis_id is not None and identity != self._redis_id
        count = self.queue.resubmit()  # the database away too: the next beat tries again
        log.warning("the Redis queue is back%s: %d queued job(s) enqueued again",
                    ", restarted (what it held may be lost)" if restarted else "", count)
        self._redis_id, self._redis_away = identity, False
