"""The job queue for real: Huey on SQLite and on Redis, worker processes, retries, SIGKILL."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import fingerprint_of
from web_fixtures import SHORT_TEXT, BufferedClient, wait_for

from narrator.config import Settings
from narrator.extract import extract_text
from narrator.service.jobs import JobQueue
from narrator.service.store import Store
from narrator.web import close_app, create_app

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")


def worker(home: Path, **env: str) -> subprocess.Popen:
    """`narrator worker` as its own process, as an operator runs it; its log goes to a file."""
    environ = {**os.environ, "NARRATOR_HOME": str(home), "NARRATOR_JOB_LEASE_S": "2", **env}
    home.mkdir(parents=True, exist_ok=True)
    with open(home / f"worker-{time.monotonic_ns()}.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "narrator.cli", "worker"], env=environ,
                                stdout=subprocess.DEVNULL, stderr=log)
    proc.log = Path(log.name)  # type: ignore[attr-defined]
    return proc


def stop(proc: subprocess.Popen) -> str:
    """Stop a worker as an operator does (SIGINT: finish the job in hand); its log."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.log.read_text(errors="replace")  # type: ignore[attr-defined]


def submit(store: Store, queue: JobQueue, article_id: str, text: str, voice: str = "espeak"):
    article = extract_text(text)
    _, job = store.articles.create(article, voice, article_id, fingerprint_of(article, voice, queue.settings))
    queue.submit(job.id)
    return job


def finished(store: Store, job_id: str):
    job = store.jobs.get(job_id)
    return job if job.status in ("done", "failed") else None


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def producer(home: Path):
    """The web side: a store and a queue that only enqueues."""
    settings = Settings(home=str(home))
    store = Store(home)
    queue = JobQueue(store, settings)
    yield store, queue
    queue.close()


def test_sqlite_queue_worker_runs_jobs_and_reports_progress(home, producer):
    store, queue = producer
    job = submit(store, queue, "a1", SHORT_TEXT)
    assert store.jobs.get(job.id).status == "queued"
    proc = worker(home)
    try:
        done = wait_for(lambda: finished(store, job.id), 60, what="the worker to finish the job")
    finally:
        log = stop(proc)
    assert done.status == "done", (done.error, log)
    assert (done.stage, done.attempts, done.version) == ("done", 1, 1)
    assert done.done == done.total == 6  # blocks: disclaimer, title and four paragraphs
    assert store.articles.get("a1").current_version == 1
    assert store.versions.files("a1", 1).audio.stat().st_size > 10_000
    assert not list((home / "audio" / "a1").glob(".staging-*"))


def test_same_content_twice_starts_nothing_and_queued_edits_coalesce(home, producer):
    store, queue = producer
    settings = queue.settings
    job = submit(store, queue, "a1", SHORT_TEXT)
    proc = worker(home)
    try:
        wait_for(lambda: finished(store, job.id), 60, what="first version")
        article = extract_text(SHORT_TEXT)
        _, again, new = store.articles.update("a1", article, "espeak",
                                             fingerprint_of(article, "espeak", settings))
        assert again is None and not new  # unchanged content, voice and lexicon: no job at all
    finally:
        stop(proc)
    # Two edits in quick succession while nothing runs: one job, and the newest text wins.
    first = extract_text(SHORT_TEXT.replace("Monday", "Tuesday"))
    second = extract_text(SHORT_TEXT.replace("Monday", "Wednesday"))
    _, j1, new1 = store.articles.update("a1", first, "espeak", fingerprint_of(first, "espeak", settings))
    _, j2, new2 = store.articles.update("a1", second, "espeak", fingerprint_of(second, "espeak", settings))
    assert new1 and not new2 and j1.id == j2.id
    queue.submit(j1.id)
    proc = worker(home)
    try:
        done = wait_for(lambda: finished(store, j1.id), 60, what="the coalesced job")
    finally:
        stop(proc)
    assert done.version == 2
    assert "Wednesday" in (home / "audio" / "a1" / "2.timing.json").read_text()
    assert [v.version for v in store.versions.all("a1")] == [2, 1]


def test_failing_attempts_are_retried_then_failed_and_old_version_stays(home, producer, tmp_path):
    store, queue = producer
    job = submit(store, queue, "a1", SHORT_TEXT)
    proc = worker(home)
    try:
        wait_for(lambda: finished(store, job.id), 60, what="first version")
    finally:
        stop(proc)
    edited = extract_text(SHORT_TEXT + "\nOne more line.\n")
    made = fingerprint_of(edited, "espeak", queue.settings)
    _, job2, _ = store.articles.update("a1", edited, "espeak", made)
    queue.submit(job2.id)
    no_ffmpeg = tmp_path / "empty-bin"
    no_ffmpeg.mkdir()
    proc = worker(home, PATH=str(no_ffmpeg), NARRATOR_JOB_ATTEMPTS="2")  # ffmpeg is missing
    try:
        failed = wait_for(lambda: finished(store, job2.id), 60, what="the job to fail")
    finally:
        stop(proc)
    assert failed.status == "failed" and failed.attempts == 2
    assert "ffmpeg is not installed" in failed.error
    assert store.articles.get("a1").current_version == 1  # listeners still get version 1
    assert store.versions.files("a1", 1).audio.exists()
    assert not list((home / "audio" / "a1").glob(".staging-*"))

    # The fault cleared: the next request succeeds.
    _, job3, new = store.articles.update("a1", edited, "espeak", made)
    assert new
    queue.submit(job3.id)
    proc = worker(home)
    try:
        assert wait_for(lambda: finished(store, job3.id), 60).status == "done"
    finally:
        stop(proc)
    assert store.articles.get("a1").current_version == 2


def test_worker_killed_mid_job_the_job_runs_again_and_nothing_partial_is_served(home, producer):
    store, queue = producer
    long_text = SEED + "\n\n" + "\n\n".join([SEED.partition("\n\n")[2]] * 5)
    job = submit(store, queue, "long", long_text)
    proc = worker(home)
    wait_for(lambda: (j := store.jobs.get(job.id)).status == "running" and j.done >= 3, 60,
             what="the job to be part-way")
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait()
    assert store.articles.get("long").current_version is None
    assert not list((home / "audio" / "long").glob("*.mp3"))  # no partial file is reachable
    assert store.jobs.get(job.id).status == "running"  # as the dead worker left it

    proc = worker(home)  # on start it sees the dead worker's job and queues it again
    try:
        done = wait_for(lambda: finished(store, job.id), 120, what="the job to run again")
    finally:
        stop(proc)
    assert done.status == "done" and done.attempts == 2 and done.version == 1
    assert not list((home / "audio" / "long").glob(".staging-*"))
    assert not list((home / "cache").glob("??/.*.tmp"))


def test_redis_queue_shared_by_two_workers(home, redis_server):
    redis_url = redis_server.url
    settings = Settings(home=str(home), redis_url=redis_url)
    store = Store(home)
    queue = JobQueue(store, settings)
    workers = [worker(home, NARRATOR_REDIS_URL=redis_url) for _ in range(2)]
    try:
        jobs = [submit(store, queue, f"r{i}", SEED.replace("Medvedev", f"Medvedev {i}", 1)) for i in range(6)]
        done = [wait_for(lambda j=j: finished(store, j.id), 120, what=f"job {j.id}") for j in jobs]
    finally:
        logs = [stop(w) for w in workers]
        queue.close()
    assert all(j.status == "done" for j in done), logs
    assert len({j.worker for j in done}) == 2  # both workers took jobs from the one queue


def test_a_recovered_jobs_public_error_never_names_its_worker(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    """A job whose worker died is queued again with an error saying so; which worker it was (host and
    process id) is for the operator's log only, never for the API (issue 23)."""
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none"})
    app.test_client_class = BufferedClient
    try:
        client = app.test_client()
        article = {"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}
        job = client.post("/api/articles", json=article).json["job"]
        store = app.extensions["narrator"].store
        assert store.jobs.claim(job["id"], "db-host-7.internal:31337", lease_s=-1)  # its lease ran out
        with caplog.at_level(logging.WARNING, logger="narrator"):
            assert app.extensions["narrator"].runner.recover() == 1
        assert any("db-host-7.internal:31337" in r.getMessage() and job["id"] in r.getMessage()
                   for r in caplog.records)
        seen = client.get(f"/api/jobs/{job['id']}").json
        assert (seen["status"], seen["error"]) == ("queued", "its worker stopped mid-job; running it again")
        for text in (client.get(f"/api/jobs/{job['id']}").text, client.get("/api/articles/a1").text,
                     client.get("/api/articles").text, client.get("/api/articles/a1/live").text):
            assert "db-host-7" not in text and "31337" not in text
    finally:
        close_app(app)
