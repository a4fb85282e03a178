"""The job queue: generation runs as Huey tasks, in SQLite by default, in Redis to share workers.

`JobQueue` is what the web app submits to and what `narrator worker` (or `narrator serve`,
in-process) consumes. The same task code runs in both storage modes: SqliteHuey in
HOME/queue.db on one machine; PriorityRedisHuey when NARRATOR_REDIS_URL is set, so worker
processes on several machines share one queue.

Huey forgets a task once a worker has taken it, so a worker killed mid-job would lose it; the
store's job record is the source of truth instead. A running job holds a lease its worker
renews; `recover()` (at worker start and every minute) puts jobs whose worker is gone back in
the queue. Claiming is atomic, so a job enqueued twice still runs once. Each consuming process
also records a heartbeat in the database (narrator.service.workers), which /readyz reads.
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

from huey import Huey, PriorityRedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from huey.exceptions import HueyException, TaskException

from ..cache import UnitCache
from ..config import Settings
from ..engines import EngineOptions, open_engine
from ..errors import InputError
from ..lexicon import merge
from ..netguard import NetGuard
from ..normalise import normalise_text
from ..pipeline import lexicon_for
from ..voices import get_voice
from .generation import WORKER, EnginePool, Generator, Outcome, live_stream
from .lexicons import entry as lexicon_entry
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
published version within seconds (narrator.live); ten minutes leave room for slow networks."""


def make_huey(settings: Settings, name: str = "narrator") -> Huey:
    """Huey on Redis when a URL is configured, else on SQLite under the home folder; with task
    priorities either way (higher first)."""
    if settings.redis_url:
        return PriorityRedisHuey(name, url=settings.redis_url)
    settings.home_path.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.home_path / "queue.db"))


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
        self.huey = huey or make_huey(settings)
        self.listen_huey = make_huey(settings, f"{self.huey.name}-listen")
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
                                        name="narrator.generate")(self.generator.run)
        self.huey.periodic_task(crontab(minute="*"), name="narrator.recover")(self.recover)
        self._webhook = self.huey.task(retries=max(settings.webhook_attempts - 1, 0),
                                       retry_delay=settings.webhook_retry_s, retry_backoff=2,
                                       name="narrator.webhook")(self._deliver)
        self._say = self.listen_huey.task(name="narrator.say")(self.say)
        self._forget_live = self.huey.task(name="narrator.forget_live")(self.forget_live)

    def submit(self, job_id: str, priority: int | None = None) -> None:
        """Put a job in the queue (at its priority in the store unless given). The store already holds
        it as queued, so if the queue is unreachable (Redis down) nothing is lost: recovery enqueues
        it once the queue is back."""
        try:
            if priority is None:
                priority = self.store.get_job(job_id).priority
            self._generate(job_id, priority=priority)
        except Exception as e:  # redis.ConnectionError, sqlite3.OperationalError
            log.warning("could not enqueue job %s (%s); it stays queued in the store", job_id, e)

    def _finished(self, job_id: str, outcome: Outcome | None) -> None:
        """A job ended (published, found its content narrated already, failed or was cancelled): its
        live streams go after LIVE_KEEP_S, and the webhook is told."""
        job = self.store.get_job(job_id)
        if job.status == "queued":  # it gave way to a job it had been run before (or was never ours)
            self.submit(job.id, job.priority)  # so it is in the queue again: a job enqueued twice runs once
            return
        if job.status == "running":  # another worker's
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
            version = self.store.get_version(job.article_id, outcome.version)
            payload = event("version.ready", article=job.article_id, job=job_id, version=outcome.version,
                            voice=version.voice if version else None,
                            duration_ms=version.duration_ms if version else None,
                            audio_path=f"/audio/{job.article_id}/{outcome.version}.mp3")
        elif outcome is None and job.status == "failed" and job.worker == WORKER:
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
            entry: tuple[str, str, bool] | None = None, speed: float = 1.0) -> bytes:
        """The task that speaks a word or phrase (or the input of POST /v1/audio/speech) as an article
        would (normaliser and lexicons): a WAV. It gets the voice by name: a worker on another machine
        has its own copy of the profiles. `entry` (written, spoken, nocase) is a lexicon entry being
        tried before it is saved: it wins over every other lexicon. `speed` multiplies the voice's
        rate: an engine at another speed is opened for the request and closed after it (the pool keeps
        the voices at their own speed only, so its memory stays bounded)."""
        voice = get_voice(voice_name, language, self.settings.voices)
        lexicon = lexicon_for(voice, self.settings)
        if entry is not None:
            lexicon = merge(lexicon, lexicon_entry(*entry))
        spoken = normalise_text(text, voice.language, lexicon)
        out = io.BytesIO()
        if speed == 1.0:
            self.listen_engines.get(voice).synthesize(spoken).write_wav(out)
            return out.getvalue()
        engine = open_engine(dataclasses.replace(voice, rate=voice.rate * speed),
                             options=self.listen_engines.options)
        try:
            engine.synthesize(spoken).write_wav(out)
        finally:
            engine.close()
        return out.getvalue()

    def speak(self, text: str, voice_name: str | None, language: str = "en", timeout: float = 30,
              entry: tuple[str, str, bool] | None = None, speed: float = 1.0) -> bytes:
        """Speak `text` through the queue's workers (never in the caller's thread); its WAV.
        TimeoutError if no worker answers within `timeout` seconds; a request no worker has begun by
        then expires (it is dropped, not spoken for nobody)."""
        result = self._say(text, voice_name, language, entry, speed, expires=timeout)
        try:
            return result.get(blocking=True, timeout=timeout)
        except TaskException as e:
            raise InputError(e.metadata.get("error") or "the voice could not speak it") from None
        except HueyException:
            raise TimeoutError(f"no worker spoke it within {timeout:g} s") from None

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
        lost = self.store.recover_jobs(_dead_here)
        for job in lost:
            log.warning("job %s lost its worker; queued again", job.id)
            self.submit(job.id, job.priority)
        stale = time.time() - 2 * self.settings.job_lease_s
        waiting = [job for job in self.store.queued_jobs() if job.updated < stale]
        for job in waiting:
            self.submit(job.id, job.priority)
        return len(lost) + len(waiting)

    def consumer(self, workers: int = 1) -> Consumer:
        """A Huey consumer of narrations, recovering lost jobs first."""
        self.recover()
        for job in self.store.queued_jobs():  # queued in the store but maybe not in Huey (a restart)
            self.submit(job.id, job.priority)
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
        """Stop consuming and watching (finishing the job and the pass in hand), then the heartbeat;
        release the engines."""
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
