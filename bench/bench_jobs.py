#!/usr/bin/env python3
"""Job benchmarks (issue 6): regeneration after edits, and worker throughput.

Usage: .venv/bin/python bench/bench_jobs.py [--voice joe] [--reps 3] [--articles 20] [--no-write]

Everything goes through the real queue: a store and JobQueue submit jobs, `narrator worker`
processes (SQLite queue) run them, and a job's time is from submission until its version is
published (polled every 10 ms). Regeneration: the seed article cold (fresh cache, fresh worker,
engine load included), then with nothing changed (an update that starts no job), one paragraph
edited, and one lexicon entry changed (in the publication lexicon); --reps runs, each in a fresh home
with a fresh worker, medians reported. Throughput: N different
articles (cache off, so every sentence is synthesised) with 1 and then 2 worker processes
(--articles 0 leaves it out).
The table is printed and appended to bench/RESULTS.md with the date, machine and command.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator.config import Settings  # noqa: E402
from narrator.extract import extract_text  # noqa: E402
from narrator.service.jobs import JobQueue  # noqa: E402
from narrator.service.store import Store  # noqa: E402
from narrator.service.submissions import fingerprint  # noqa: E402
from narrator.speech.voices import get_voice  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from report import publish  # noqa: E402

SEED = (ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")


def start_workers(home: Path, n: int, env: dict[str, str]) -> list[subprocess.Popen]:
    environ = {**os.environ, "NARRATOR_HOME": str(home), **env}
    procs = [subprocess.Popen([sys.executable, "-m", "narrator.cli", "worker"], env=environ,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]
    time.sleep(1.0)  # let them start before the clock runs (they poll the queue every 0.1 s)
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.send_signal(signal.SIGINT)
    for p in procs:
        p.wait(60)


def wait_done(store: Store, job_ids: list[str], timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    pending = set(job_ids)
    while pending:
        for job_id in list(pending):
            job = store.jobs.get(job_id)
            if job.status == "failed":
                sys.exit(f"job {job_id} failed: {job.error}")
            if job.status == "done":
                pending.discard(job_id)
        if time.monotonic() > deadline:
            sys.exit("timed out")
        time.sleep(0.01)


def timed_update(store: Store, queue: JobQueue, article_id: str, text: str,
                 voice: str) -> tuple[float, bool]:
    """Submit new content; seconds until its version is published (or the update returns)."""
    start = time.perf_counter()
    article = extract_text(text)
    print_ = fingerprint(article, voice, get_voice(voice), queue.settings)
    _, job, new = store.articles.update(article_id, article, voice, print_)
    if job is not None and new:
        queue.submit(job.id)
        wait_done(store, [job.id])
    return time.perf_counter() - start, job is not None


def regeneration_run(voice: str, tmp: Path) -> tuple[float, float, float, float]:
    """One run in a fresh home: seconds cold, with nothing changed, one paragraph edited, one lexicon
    entry changed."""
    tmp.mkdir(parents=True, exist_ok=True)
    home = tmp / "regen"
    lexicon = tmp / "publication.tsv"
    lexicon.write_text("# publication lexicon\n")
    env = {"NARRATOR_LEXICON": str(lexicon)}
    settings = Settings(home=str(home), lexicon=str(lexicon))
    store = Store(home)
    queue = JobQueue(store, settings)
    article = extract_text(SEED)
    made = fingerprint(article, voice, get_voice(voice), settings)
    _, job = store.articles.create(article, voice, "seed", made)
    workers = start_workers(home, 1, env)
    try:
        start = time.perf_counter()
        queue.submit(job.id)
        wait_done(store, [job.id])
        cold = time.perf_counter() - start
        same, made = timed_update(store, queue, "seed", SEED, voice)
        assert not made
        edited_text = SEED.replace("The directorate did not provide more details.",
                                   "The directorate gave no further details on Tuesday.")
        edited, _ = timed_update(store, queue, "seed", edited_text, voice)
        lexicon.write_text("Risnes\tRees-ness\n")  # the lawyer's name: two sentences
        queue.settings = Settings(home=str(home), lexicon=str(lexicon))
        lex, _ = timed_update(store, queue, "seed", edited_text, voice)
    finally:
        stop_workers(workers)
        queue.close()
    return cold, same, edited, lex


def regeneration(voice: str, tmp: Path, reps: int) -> list[str]:
    runs = [regeneration_run(voice, tmp / f"run{i}") for i in range(reps)]
    rows = [f"### Regeneration of the seed article (voice {voice}, one worker, median of {reps} runs)", "",
            "| case | seconds | % of cold | each run: seconds (% of its cold) |", "|---|---|---|---|"]
    names = ("cold (fresh cache, engine load included)", "nothing changed (update starts no job)",
             "one paragraph edited", "one lexicon entry changed")
    cold = statistics.median(run[0] for run in runs)
    for k, name in enumerate(names):
        t = statistics.median(run[k] for run in runs)
        each = ", ".join(f"{run[k]:.3f} ({100 * run[k] / run[0]:.1f} %)" for run in runs)
        rows.append(f"| {name} | {t:.3f} | {100 * t / cold:.1f} % | {each} |")
    return rows


def throughput(voice: str, n: int, tmp: Path) -> list[str]:
    title, _, body = SEED.partition("\n\n")
    texts = [f"{title} ({i})\n\n" + "\n\n".join(f"Report {i}, part {k}. {p}" for k, p in
                                                  enumerate(body.split("\n\n"))) for i in range(n)]
    rows = [f"### Throughput: {n} different articles (voice {voice}, synthesis cache off)", "",
            "| workers | seconds | articles/min | x one worker |", "|---|---|---|---|"]
    base = None
    for workers_n in (1, 2):
        home = tmp / f"tp{workers_n}"
        settings = Settings(home=str(home), cache_max_mb=0)
        store = Store(home)
        queue = JobQueue(store, settings)
        workers = start_workers(home, workers_n, {"NARRATOR_CACHE_MAX_MB": "0"})
        try:
            start = time.perf_counter()
            ids = []
            for i, text in enumerate(texts):
                article = extract_text(text)
                made = fingerprint(article, voice, get_voice(voice), settings)
                _, job = store.articles.create(article, voice, f"a{i}", made)
                queue.submit(job.id)
                ids.append(job.id)
            wait_done(store, ids)
            took = time.perf_counter() - start
        finally:
            stop_workers(workers)
            queue.close()
        base = base or took
        rows.append(f"| {workers_n} | {took:.1f} | {60 * n / took:.1f} | {base / took:.2f} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--voice", default="joe")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--articles", type=int, default=20)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="narrator-bench-jobs-"))
    rows = regeneration(args.voice, tmp, args.reps)
    if args.articles:
        rows += [""] + throughput(args.voice, args.articles, tmp)
    publish("Jobs and regeneration (issue 6)", rows, not args.no_write)


if __name__ == "__main__":
    main()
