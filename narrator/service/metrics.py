"""What /metrics reports of the work, read from the database: job and queue facts, and counters workers keep.

Two kinds of numbers, both read from the database at scrape time, so every web node reports the same
truth whichever process did the work:

* facts the store holds anyway (`queue_facts`): jobs by state, the queue's depth, the oldest queued
  job's age;
* measurements made by the processes that run jobs and watch feeds (`TALLIES`: synthesis time and
  real-time factor per voice, cache hits and misses, time to first audio, watch passes and failures).
  Workers may run on any machine, as separate processes, restart at any time, or be `narrator watch
  --once` from cron: rather than each exposing its own numbers for Prometheus to find, a job adds its
  measurements to counters in the `metrics` table in one transaction when it ends (`Tallies.add`),
  and a watch pass likewise. A histogram is kept as Prometheus keeps it: cumulative bucket counts, a
  sum and a count, each a row.

docs/operations.md lists every metric; the web app turns these into Prometheus text (web/metrics.py).
"""

from __future__ import annotations

import json
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .status import JobStatus


@dataclass(frozen=True)
class Tally:
    """A metric that processes add to in the database: a counter or a histogram."""

    name: str
    """The Prometheus metric name (a counter's samples add '_total')."""
    kind: str
    """'counter' or 'histogram'."""
    help: str
    """What it measures (the HELP line)."""
    labels: tuple[str, ...] = ()
    """Its label names (a bounded set of values each: voice profiles)."""
    buckets: tuple[float, ...] = ()
    """A histogram's upper bounds (the +Inf bucket is added); they are part of the stored data: a
    changed bound starts counting from zero."""


# A job's engine time ranges from a fraction of a second (an edit of one sentence) to many minutes (a
# three-hour article). Real-time factors this metric showed while it was built (the seed article and a
# short one, 2 cores shared with other work at load 12-19): Piper ("joe") 0.38-0.47, espeak-ng 0.008. The
# buckets run from espeak-ng on an idle machine (0.005) to an overloaded one (5).
SYNTHESIS_SECONDS = Tally(
    "narrator_synthesis_seconds", "histogram",
    "Engine time one job spent synthesising sentences (cache hits cost none), per voice.",
    ("voice",), (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600))
SYNTHESIS_RTF = Tally(
    "narrator_synthesis_real_time_factor", "histogram",
    "Per job: engine seconds per second of audio synthesised (below 1: faster than real time), per voice.",
    ("voice",), (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5))
SYNTHESISED_AUDIO = Tally(
    "narrator_synthesised_audio_seconds", "counter",
    "Seconds of audio the engines synthesised, per voice (with narrator_synthesis_seconds_sum: the "
    "overall real-time factor).", ("voice",))
CACHE_HITS = Tally("narrator_cache_hits", "counter",
                   "Sentences jobs found in the synthesis cache (not synthesised again).")
CACHE_MISSES = Tally("narrator_cache_misses", "counter",
                     "Sentences jobs looked for in the synthesis cache and did not find (then synthesised).")
FIRST_AUDIO = Tally(
    "narrator_time_to_first_audio_seconds", "histogram",
    "From a job's submission to the first segment of its live stream a listener can play (jobs of "
    "articles that have no version yet; queue wait and page fetch included).",
    (), (0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 1800))
WATCH_PASSES = Tally("narrator_watch_passes", "counter", "Passes over watched feeds and sitemaps.")
WATCH_FAILURES = Tally("narrator_watch_failures", "counter",
                       "Passes that could not read their feed or sitemap at all.")
WATCH_PAGE_FAILURES = Tally("narrator_watch_page_failures", "counter",
                            "Pages listed by watched sources that could not be fetched or read.")

TALLIES = (SYNTHESIS_SECONDS, SYNTHESIS_RTF, SYNTHESISED_AUDIO, CACHE_HITS, CACHE_MISSES, FIRST_AUDIO,
           WATCH_PASSES, WATCH_FAILURES, WATCH_PAGE_FAILURES)
"""Every metric kept in the database, in the order /metrics lists them."""

JOB_STATES = tuple(JobStatus)
"""The states of a job in the store (narrator.service.store), each reported even when no job is in it."""


def bound(upper: float) -> str:
    """A bucket's 'le' label as Prometheus' Python client writes it ('0.5', '1.0', '+Inf')."""
    return "+Inf" if math.isinf(upper) else repr(float(upper))


def _key(labels: dict[str, str]) -> str:
    return json.dumps(labels, sort_keys=True, separators=(",", ":"))


@dataclass
class Batch:
    """Measurements to add to the database in one transaction (a job's, or a watch pass's)."""

    values: dict[tuple[str, str], float] = field(default_factory=lambda: defaultdict(float))
    """(sample name, labels as JSON) -> amount to add."""

    def _labels(self, tally: Tally, labels: dict[str, str]) -> dict[str, str]:
        if set(labels) != set(tally.labels):
            raise ValueError(f"{tally.name} takes the labels {tally.labels}, not {tuple(labels)}")
        return {k: str(v) for k, v in labels.items()}

    def inc(self, tally: Tally, amount: float = 1.0, **labels: str) -> None:
        """Add `amount` to a counter."""
        if tally.kind != "counter":
            raise ValueError(f"{tally.name} is a {tally.kind}")
        if amount:
            self.values[(tally.name + "_total", _key(self._labels(tally, labels)))] += amount

    def observe(self, tally: Tally, value: float, **labels: str) -> None:
        """Count one observation of a histogram."""
        if tally.kind != "histogram":
            raise ValueError(f"{tally.name} is a {tally.kind}")
        base = self._labels(tally, labels)
        for upper in (*tally.buckets, math.inf):
            if value <= upper:
                self.values[(tally.name + "_bucket", _key({**base, "le": bound(upper)}))] += 1
        self.values[(tally.name + "_sum", _key(base))] += value
        self.values[(tally.name + "_count", _key(base))] += 1

    def __bool__(self) -> bool:
        return bool(self.values)


@dataclass(frozen=True)
class Sample:
    """One stored histogram series or counter value, as read back."""

    labels: dict[str, str]
    """Its labels (without 'le')."""
    value: float = 0.0
    """A counter's value; a histogram's sum."""
    buckets: tuple[tuple[str, float], ...] = ()
    """A histogram's cumulative counts by 'le', +Inf last (its count)."""


class Tallies:
    """The `metrics` table of a database (narrator.service.database)."""

    def __init__(self, db: Any):  # a narrator.service.database.Database
        self.db = db

    def add(self, batch: Batch) -> None:
        """Add a batch of measurements, all or nothing."""
        if not batch:
            return
        rows = [(name, labels, value) for (name, labels), value in sorted(batch.values.items())]
        with self.db.write() as db:
            db.executemany("INSERT INTO metrics (name, labels, value) VALUES (?, ?, ?) ON CONFLICT "
                           "(name, labels) DO UPDATE SET value = metrics.value + excluded.value", rows)

    def read(self) -> dict[Tally, list[Sample]]:
        """Every tally with its stored series (a counter without labels is read as 0 before its first use)."""
        with self.db.connect() as db:
            rows = db.execute("SELECT name, labels, value FROM metrics").fetchall()
        stored = {(r["name"], r["labels"]): float(r["value"]) for r in rows}
        series: dict[str, set[str]] = defaultdict(set)  # sample name -> label sets (JSON, without le)
        for name, labels in stored:
            parsed = json.loads(labels)
            parsed.pop("le", None)
            series[name].add(_key(parsed))
        found: dict[Tally, list[Sample]] = {}
        for tally in TALLIES:
            if tally.kind == "counter":
                keys = series.get(tally.name + "_total") or ({_key({})} if not tally.labels else set())
                found[tally] = [Sample(json.loads(k), stored.get((tally.name + "_total", k), 0.0))
                                for k in sorted(keys)]
                continue
            samples = []
            for k in sorted(series.get(tally.name + "_count", set())):
                labels = json.loads(k)
                bounds = [bound(u) for u in (*tally.buckets, math.inf)]
                buckets = tuple((le, stored.get((tally.name + "_bucket", _key({**labels, "le": le})), 0.0))
                                for le in bounds)
                samples.append(Sample(labels, stored.get((tally.name + "_sum", k), 0.0), buckets))
            found[tally] = samples
        return found


@dataclass(frozen=True)
class QueueFacts:
    """The jobs in the store, as /metrics reports them."""

    jobs: dict[str, int]
    """Jobs by state (every state in JOB_STATES, and any other found)."""
    depth: int
    """Jobs waiting to run."""
    oldest_age_s: float
    """Seconds the oldest waiting job has waited since it was submitted (0: none waits)."""


def queue_facts(db: Any) -> QueueFacts:  # a narrator.service.database.Database
    """Count the jobs by state and find the oldest queued one: two indexed queries."""
    with db.connect() as conn:
        rows = conn.execute("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").fetchall()
        oldest = conn.execute("SELECT MIN(created) AS t FROM jobs WHERE status = ?",
                              (JobStatus.QUEUED,)).fetchone()["t"]
    jobs = dict.fromkeys(JOB_STATES, 0) | {r["status"]: int(r["n"]) for r in rows}
    age = max(time.time() - oldest, 0.0) if oldest is not None else 0.0
    return QueueFacts(jobs, jobs[JobStatus.QUEUED], age)


__all__ = ["CACHE_HITS", "CACHE_MISSES", "FIRST_AUDIO", "JOB_STATES", "SYNTHESISED_AUDIO", "SYNTHESIS_RTF",
           "SYNTHESIS_SECONDS", "TALLIES", "WATCH_FAILURES", "WATCH_PAGE_FAILURES", "WATCH_PASSES", "Batch",
           "QueueFacts", "Sample", "Tallies", "Tally", "bound", "queue_facts"]
