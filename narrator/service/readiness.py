"""Readiness: can the service do its whole job now? The database, the queue, the audio storage and a worker.

`readiness(...)` runs the checks at once, each in a thread of its own, and waits for them at most
DEADLINE_S: a dependency that hangs (a firewall dropping packets) is reported as timed out, by name,
rather than holding the probe until its client gives up. Each check returns what it found or raises;
a failure carries a `summary` written here (safe to show anyone) and the `detail` of the error (host
names, paths: for operators only).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from huey import Huey

from .audio_storage import AudioStorage
from .store import Store
from .workers import MISSED_BEATS

DEADLINE_S = 5.0
"""Longest a readiness probe waits for its checks: load balancers and Kubernetes give up on a probe
after 1-10 s; a check still running then is reported as timed out."""


class NotReady(Exception):
    """A check found the part present but not fit to work (no recent worker heartbeat)."""


@dataclass(frozen=True)
class CheckResult:
    """One check's answer."""

    name: str
    """'database', 'queue', 'storage' or 'workers'."""
    ok: bool
    """Whether the part answered as it should."""
    summary: str
    """What was found, in words that reveal nothing of the set-up (shown to anyone)."""
    detail: str
    """What was found, with the error's own words (shown to operators: see web/ops.py)."""
    ms: float
    """How long the check took."""


def check_database(store: Store) -> str:
    """The metadata database answers a query on the jobs table (the schema is there and readable)."""
    with store.db.connect() as db:
        db.execute("SELECT 1 FROM jobs LIMIT 1").fetchall()
    return "answers"


def check_queue(huey: Huey) -> str:
    """The job queue (the SQLite file or Redis) answers: it counts its waiting tasks."""
    return f"tasks in the queue: {huey.storage.queue_size()}"


def check_storage(storage: AudioStorage) -> str:
    """Audio can be stored: the local folder is writable, or the bucket answers."""
    return storage.check()


def check_workers(store: Store, interval_s: float) -> str:
    """Some worker (`narrator worker`, or a web process's in-process runner) beat recently."""
    alive = store.heartbeats.alive(interval_s)
    if not alive:
        window = MISSED_BEATS * interval_s
        last = store.heartbeats.last_beat()
        since = f"; the last one {time.time() - last:.0f} s ago" if last else "; none is recorded"
        raise NotReady(f"no worker heartbeat in the last {window:g} s{since}")
    return f"{len(alive)} alive: " + ", ".join(f"{w.id} ({w.role})" for w in alive)


SUMMARIES = {"database": "the database does not answer", "queue": "the job queue does not answer",
             "storage": "audio cannot be stored", "workers": "no worker heartbeat is recent"}
"""The words anyone may see for a failed check."""


def readiness(checks: Mapping[str, Callable[[], str]], deadline_s: float = DEADLINE_S) -> list[CheckResult]:
    """Run `checks` (name -> check) in parallel; each one's result, in the order given."""
    results: dict[str, CheckResult] = {}
    start = time.monotonic()

    def run(name: str, check: Callable[[], str]) -> None:
        began = time.monotonic()
        try:
            found, ok = check(), True
        except Exception as e:  # whatever the client raises: the part is not fit
            found, ok = f"{type(e).__name__}: {e}".strip().splitlines()[0][:300], False
        ms = round((time.monotonic() - began) * 1000, 1)
        results[name] = CheckResult(name, ok, "ok" if ok else SUMMARIES.get(name, "failed"), found, ms)

    threads = {name: threading.Thread(target=run, args=(name, check), name=f"ready-{name}", daemon=True)
               for name, check in checks.items()}
    for thread in threads.values():
        thread.start()
    for thread in threads.values():
        thread.join(max(deadline_s - (time.monotonic() - start), 0))
    ms = round(deadline_s * 1000, 1)
    return [results.get(name) or CheckResult(name, False, f"timed out after {deadline_s:g} s",
                                              f"no answer within {deadline_s:g} s", ms) for name in checks]


__all__ = ["DEADLINE_S", "SUMMARIES", "CheckResult", "NotReady", "check_database", "check_queue",
           "check_storage", "check_workers", "readiness"]
