"""Generation: turn a stored article into a new published version, and the runner that schedules it.

`generate(store, job_id, ...)` is the whole job: claim it, narrate into a staging folder, publish.
It depends on nothing but the store, so a task queue can call it as it is. Until the jobs issue
brings Huey, `ThreadRunner` runs jobs one at a time in a background thread of the web process;
the web app only sees the `Runner` protocol (`submit(job_id)`, `close()`).
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
from collections.abc import Callable
from typing import Protocol

from .config import Settings
from .engines import Engine, open_engine
from .errors import NarratorError
from .pipeline import narrate
from .store import Store, content_hash
from .voices import Voice, get_voice

log = logging.getLogger(__name__)


class EnginePool:
    """Open engines by voice, kept loaded between jobs; used by one worker thread at a time."""

    def __init__(self) -> None:
        self._engines: dict[tuple[str, str, float], Engine] = {}
        self._lock = threading.Lock()

    def get(self, voice: Voice) -> Engine:
        """The engine for `voice`, opened on first use."""
        key = (voice.engine, voice.engine_voice, voice.rate)
        with self._lock:
            if key not in self._engines:
                self._engines[key] = open_engine(voice)
            return self._engines[key]

    def close(self) -> None:
        """Close every engine."""
        with self._lock:
            engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            engine.close()


def generate(
    store: Store, job_id: str, settings: Settings | None = None, engines: EnginePool | None = None
) -> int | None:
    """Run one job: the new version number, or None if it was not runnable or failed (the job says why)."""
    if not store.claim_job(job_id):
        return None
    job = store.get_job(job_id)
    staging = None
    own = engines is None
    engines = engines or EnginePool()
    try:
        record = store.get_article(job.article_id)
        voice = get_voice(record.voice, record.article.language)
        engine = engines.get(voice)
        staging = store.staging_dir(job.article_id, job_id)
        result = narrate(
            record.article,
            staging / "audio.mp3",
            voice.name,
            settings or Settings.from_env(),
            engine=engine,
            progress=lambda done, total: store.job_progress(job_id, done, total),
        )
        return store.publish(
            job_id,
            result.outputs,
            voice=voice.name,
            model_id=engine.model_id,
            engine=voice.engine,
            description=voice.description,
            duration_ms=result.narration.duration_ms,
            made_from=record.article,
            made_from_hash=content_hash(record.article, record.voice),
        )
    except NarratorError as e:
        store.fail_job(job_id, str(e))
    except Exception as e:  # a bug: keep the worker alive, record it, log the trace
        log.exception("job %s failed", job_id)
        store.fail_job(job_id, f"internal error: {type(e).__name__}")
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if own:
            engines.close()
    return None


class Runner(Protocol):
    """Schedules jobs; the web app knows nothing else about how they run."""

    def submit(self, job_id: str) -> None:
        """Run the job eventually."""
        ...

    def close(self) -> None:
        """Stop taking jobs and release resources."""
        ...


class ThreadRunner:
    """Runs jobs one at a time in a background thread, in submission order."""

    def __init__(self, work: Callable[[str], object], on_close: Callable[[], None] | None = None):
        self._work = work
        self._on_close = on_close
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._loop, name="narrator-runner", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (job_id := self._queue.get()) is not None:
            try:
                self._work(job_id)
            except Exception:
                log.exception("runner: job %s raised", job_id)

    def submit(self, job_id: str) -> None:
        self._queue.put(job_id)

    def close(self, timeout: float = 60.0) -> None:
        """Finish the job in hand (queued ones stay queued in the store), then stop."""
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break
        self._queue.put(None)
        self._thread.join(timeout)
        if self._on_close:
            self._on_close()


class NullRunner:
    """Leaves jobs queued in the store, for a separate worker process to run."""

    def submit(self, job_id: str) -> None:
        pass

    def close(self) -> None:
        pass


def thread_runner(
    store: Store, settings: Settings | None = None, engines: EnginePool | None = None
) -> ThreadRunner:
    """A ThreadRunner that generates into `store`; closes the engines on close unless they were given."""
    pool = engines or EnginePool()
    runner = ThreadRunner(
        lambda job_id: generate(store, job_id, settings, pool), on_close=None if engines else pool.close
    )
    for job in store.queued_jobs():  # resume what a previous process left queued
        runner.submit(job.id)
    return runner
