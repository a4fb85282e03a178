"""Worker heartbeats: each process that runs jobs says in the database, every few seconds, that it is alive.

`narrator worker` and the in-process runner of `narrator serve` (each gunicorn process with
NARRATOR_RUNNER=inprocess) keep one row each in `workers`, keyed by 'host:pid' as on the jobs they
run. The database is the one place every web node and worker shares whatever the mode (SQLite on one
machine, PostgreSQL for several; the SQLite job queue is per machine), so /readyz on any node sees every
worker, and with NARRATOR_RUNNER=none a web node without a runner of its own still knows whether
anybody will run its jobs. A worker that stops cleanly removes its row; one that dies leaves it, and
it counts as gone once it has missed MISSED_BEATS beats.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MISSED_BEATS = 3
"""A worker is counted gone after this many heartbeat intervals without a beat (one late beat, a
database busy for a moment, is no outage)."""
FORGET_AFTER_S = 86400
"""Rows of workers gone this long are deleted (by the next beat of any worker)."""


@dataclass(frozen=True)
class WorkerBeat:
    """A worker process as its heartbeat row shows it."""

    id: str
    """'host:pid'."""
    role: str
    """'worker' (`narrator worker`) or 'serve' (the in-process runner of a web process)."""
    started: float
    """Unix time it started."""
    beat: float
    """Unix time of its last heartbeat."""


class Heartbeats:
    """The `workers` table of a database (narrator.service.database)."""

    def __init__(self, db: Any):  # a narrator.service.database.Database
        self.db = db

    def beat(self, worker: str, role: str) -> None:
        """Record that `worker` is alive now (and forget workers gone for a day)."""
        now = time.time()
        with self.db.write() as db:
            db.execute("INSERT INTO workers (id, role, started, beat) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (id) DO UPDATE SET role = excluded.role, beat = excluded.beat",
                       (worker, role, now, now))
            db.execute("DELETE FROM workers WHERE beat < ?", (now - FORGET_AFTER_S,))

    def forget(self, worker: str) -> None:
        """`worker` stops: remove its row."""
        with self.db.write() as db:
            db.execute("DELETE FROM workers WHERE id = ?", (worker,))

    def alive(self, interval_s: float) -> list[WorkerBeat]:
        """Workers that beat within the last MISSED_BEATS intervals, most recent first."""
        since = time.time() - MISSED_BEATS * interval_s
        with self.db.connect() as db:
            rows = db.execute("SELECT * FROM workers WHERE beat >= ? ORDER BY beat DESC", (since,)).fetchall()
        return [WorkerBeat(r["id"], r["role"], r["started"], r["beat"]) for r in rows]

    def last_beat(self) -> float | None:
        """The most recent heartbeat of any worker, alive or not (None: no worker has ever beaten)."""
        with self.db.connect() as db:
            row = db.execute("SELECT MAX(beat) AS beat FROM workers").fetchone()
        return row["beat"]


class Heartbeat:
    """A thread that beats for one worker process every `interval_s` until stopped; the first beat is
    made before `start` returns, so a worker is visible as soon as it consumes."""

    def __init__(self, heartbeats: Heartbeats, worker: str, role: str, interval_s: float):
        self.heartbeats, self.worker, self.role, self.interval_s = heartbeats, worker, role, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="narrator-heartbeat", daemon=True)

    def _beat(self) -> None:
        try:
            self.heartbeats.beat(self.worker, self.role)
        except Exception as e:  # a database gone for a moment: /readyz says so; the next beat tries again
            log.warning("could not record the heartbeat of worker %s: %s", self.worker, e)

    def start(self) -> None:
        """Beat now, then every interval in the background."""
        self._beat()
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._beat()

    def stop(self) -> None:
        """Stop beating and remove this worker's row (it is no longer there to run jobs)."""
        self._stop.set()
        if self._thread.ident:
            self._thread.join()
        try:
            self.heartbeats.forget(self.worker)
        except Exception as e:  # the row ages out instead
            log.warning("could not remove the heartbeat of worker %s: %s", self.worker, e)


__all__ = ["FORGET_AFTER_S", "MISSED_BEATS", "Heartbeat", "Heartbeats", "WorkerBeat"]
