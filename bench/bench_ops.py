#!/usr/bin/env python3
"""Operations benchmarks (issue 23, item 14): what health and metrics cost.

Usage: .venv/bin/python bench/bench_ops.py [--reps 3] [--requests 40] [--no-write]

1. A scrape of /metrics against the store's size: `narrator serve` (a real process, NARRATOR_RUNNER=none)
   on a home holding 0, 10,000 and 100,000 jobs (written straight into SQLite) and the counters of a
   busy service; --requests scrapes of /metrics and as many of /healthz (the baseline: an answer
   that reads nothing) over HTTP, alternating; per run the medians, and the median over --reps runs,
   each with a fresh server.
2. What a job pays to record its metrics: one job's batch (synthesis seconds and real-time factor,
   audio seconds, cache hits and misses, time to first audio: about 50 rows) added to SQLite, against
   one progress update (`job_progress`, which a job makes per paragraph); medians of 200 each.
3. What every request pays for its id, timing and access line: GET /api/articles/<id> through the
   Flask test client with the ops hooks and with them taken off, in the same process; medians of
   --requests x 10 requests, alternating in blocks.
The table is printed and appended to bench/RESULTS.md with the date, machine and command.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator.model import Article, Paragraph, Section  # noqa: E402
from narrator.service.metrics import (  # noqa: E402
    CACHE_HITS,
    CACHE_MISSES,
    FIRST_AUDIO,
    SYNTHESIS_RTF,
    SYNTHESIS_SECONDS,
    SYNTHESISED_AUDIO,
    Batch,
)
from narrator.service.store import Store  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from report import publish  # noqa: E402

ENV = {"NARRATOR_RUNNER": "none", "PYTHONWARNINGS": "ignore"}


def job_batch(voice: str, seconds: float) -> Batch:
    """What one job records (as narrator.service.generation.Meters.batch makes it)."""
    batch = Batch()
    batch.observe(SYNTHESIS_SECONDS, seconds, voice=voice)
    batch.observe(SYNTHESIS_RTF, seconds / 60, voice=voice)
    batch.inc(SYNTHESISED_AUDIO, 60.0, voice=voice)
    batch.inc(CACHE_HITS, 3)
    batch.inc(CACHE_MISSES, 20)
    batch.observe(FIRST_AUDIO, seconds / 10)
    return batch


def fill(home: Path, jobs: int) -> Store:
    """A home whose store holds `jobs` jobs (most done, some failed, a few queued) and busy counters."""
    store = Store(home)
    now = time.time()
    states = ["done"] * 90 + ["failed"] * 5 + ["cancelled"] * 3 + ["queued"] * 2
    with sqlite3.connect(home / "narrator.db") as db:
        db.executemany("INSERT INTO jobs (id, article_id, status, created, updated) VALUES (?, ?, ?, ?, ?)",
                       ((f"j{i}", f"a{i // 3}", states[i % 100], now - i, now - i) for i in range(jobs)))
    for i in range(300):  # three voices, many jobs: every bucket of every series exists
        store.tallies.add(job_batch(("joe", "espeak", "anna")[i % 3], 0.3 * (i % 40 + 1)))
    return store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_ms(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as r:
        r.read()
    return (time.perf_counter() - start) * 1000


def scrape_run(home: Path, requests: int) -> tuple[float, float, int]:
    """Start `narrator serve` on `home`; median ms of /healthz and /metrics, and the page's size."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "narrator.cli", "serve", "--port", str(port)],
                            env={**os.environ, "NARRATOR_HOME": str(home), **ENV},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get_ms(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
            size = len(r.read())
        health, metrics = [], []
        for _ in range(requests):
            health.append(get_ms(base + "/healthz"))
            metrics.append(get_ms(base + "/metrics"))
        return statistics.median(health), statistics.median(metrics), size
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


def record_cost(home: Path) -> tuple[float, float]:
    """Median ms of adding one job's metrics, and of one progress update."""
    store = fill(home, 0)
    record, progress = [], []
    article = Article(title="t", sections=(Section(None, (Paragraph("Some words."),)),))
    _, job = store.articles.create(article, article_id="bench")
    store.jobs.claim(job.id, "bench:1", 60)
    for i in range(200):
        batch = job_batch("joe", 0.3 * (i % 40 + 1))
        start = time.perf_counter()
        store.tallies.add(batch)
        record.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        store.jobs.progress(job.id, i, 200)
        progress.append((time.perf_counter() - start) * 1000)
    return statistics.median(record), statistics.median(progress)


def hook_cost(home: Path, requests: int) -> tuple[float, float]:
    """Median µs of GET /api/articles/<id> with the ops hooks, and without them."""
    from narrator.web import close_app, create_app, ops

    app = create_app({"HOME": str(home), "RUNNER": "none"})
    try:
        article = Article(title="t", sections=(Section(None, (Paragraph("Some words."),)),))
        app.extensions["narrator"].store.articles.create(article, article_id="b1")
        client = app.test_client()
        hooks = (app.before_request_funcs[None], app.after_request_funcs[None],
                 app.teardown_request_funcs[None])
        full = [list(h) for h in hooks]
        bare = [[f for f in h if f not in (ops._begin, ops._finish, ops._end)] for h in hooks]

        def block(funcs: list[list]) -> list[float]:
            for hook, chosen in zip(hooks, funcs, strict=True):
                hook[:] = chosen
            times = []
            for _ in range(requests):
                start = time.perf_counter()
                assert client.get("/api/articles/b1").status_code == 200
                times.append((time.perf_counter() - start) * 1e6)
            return times

        with_hooks, without = [], []
        for _ in range(10):
            with_hooks += block(full)
            without += block(bare)
        for hook, chosen in zip(hooks, full, strict=True):
            hook[:] = chosen
        return statistics.median(with_hooks), statistics.median(without)
    finally:
        close_app(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    rows = ["| jobs in the store | /healthz ms | /metrics ms | /metrics vs /healthz | page bytes |",
            "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="narrator-bench-ops-") as tmp:
        for jobs in (0, 10_000, 100_000):
            home = Path(tmp) / f"jobs-{jobs}"
            fill(home, jobs)
            runs = [scrape_run(home, args.requests) for _ in range(args.reps)]
            health = statistics.median(r[0] for r in runs)
            metrics = statistics.median(r[1] for r in runs)
            rows.append(f"| {jobs:,} | {health:.2f} | {metrics:.2f} | {metrics / health:.1f}x "
                        f"| {runs[0][2]:,} |")
        record, progress = record_cost(Path(tmp) / "record")
        with_hooks, without = hook_cost(Path(tmp) / "hooks", args.requests)
    rows += ["", "| per job or request | median | baseline (same run) | ratio |", "|---|---|---|---|",
             f"| a job's metrics added to SQLite | {record:.2f} ms | one progress update {progress:.2f} ms "
             f"| {record / progress:.1f}x |",
             f"| GET /api/articles/<id>, with request id, timing, access line | {with_hooks:.0f} µs "
             f"| without them {without:.0f} µs | {with_hooks / without:.2f}x |"]
    publish("Health and metrics (issue 23, item 14)", rows, write=not args.no_write)


if __name__ == "__main__":
    main()
