"""Faults: a missing library or program, a corrupt model, a full disk, a locked database, Redis
gone. Each gives a clear error in the job and the API, the previous version stays served, and
work succeeds again once the fault is cleared."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from store_helpers import fingerprint_of
from test_jobs import finished, stop, worker
from web_fixtures import SHORT_TEXT, BufferedClient, wait_for

from narrator.config import Settings
from narrator.extract import extract_text
from narrator.service.jobs import JobQueue
from narrator.service.store import Store
from narrator.web import close_app, create_app


def _library(name: str) -> Path:
    """Where the dynamic linker finds a shared library on this machine (its multiarch folder varies)."""
    listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
    found = [line.rsplit("=>", 1)[1].strip() for line in listing.splitlines()
             if line.strip().startswith(name + " ") and "=>" in line]
    return Path(found[0]) if found else Path("/nonexistent") / name


ESPEAK_LIB = _library("libespeak-ng.so.1")


def can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("unshare") is not None and shutil.which("mount") is not None


@pytest.fixture
def site(tmp_path):
    """A store with article a1 narrated once (version 1) by a worker; yields (home, store, queue)."""
    home = tmp_path / "home"
    settings = Settings(home=str(home))
    store = Store(home)
    queue = JobQueue(store, settings)
    article = extract_text(SHORT_TEXT)
    _, job = store.articles.create(article, "espeak", "a1", fingerprint_of(article, "espeak", settings))
    queue.submit(job.id)
    proc = worker(home)
    try:
        assert wait_for(lambda: finished(store, job.id), 60).status == "done"
    finally:
        stop(proc)
    yield home, store, queue
    queue.close()


def edit(store: Store, queue: JobQueue, text: str):
    article = extract_text(text)
    print_ = fingerprint_of(article, "espeak", queue.settings)
    _, job, new = store.articles.update("a1", article, "espeak", print_)
    assert new
    queue.submit(job.id)
    return job


def run_worker_until_finished(home, store, job, **env):
    proc = worker(home, **env)
    try:
        return wait_for(lambda: finished(store, job.id), 90, what="the job to end")
    finally:
        stop(proc)


@pytest.mark.skipif(not can_mount() or not ESPEAK_LIB.exists(),
                    reason="needs root and util-linux to hide a library")
def test_missing_espeak_library(site, tmp_path):
    home, store, queue = site
    job = edit(store, queue, SHORT_TEXT + "\nA new line.\n")
    real = ESPEAK_LIB.resolve()
    # A private mount namespace in which libespeak-ng is an empty file: as if it were not installed.
    hidden = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
              f'mount --bind /dev/null "{real}" && exec "$0" "$@"',
              sys.executable, "-m", "narrator.cli", "worker"]
    env = {**os.environ, "NARRATOR_HOME": str(home), "NARRATOR_JOB_LEASE_S": "2"}
    proc = subprocess.Popen(hidden, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        failed = wait_for(lambda: finished(store, job.id), 60, what="the job to fail")
    finally:
        proc.terminate()
        proc.wait(20)
    assert failed.status == "failed" and "install espeak-ng" in failed.error
    assert store.articles.get("a1").current_version == 1 and store.versions.files("a1", 1).audio.exists()

    again = edit(store, queue, SHORT_TEXT + "\nAnother new line.\n")  # the library is back
    assert run_worker_until_finished(home, store, again).status == "done"
    assert store.articles.get("a1").current_version == 2


def test_corrupt_voice_model(site, tmp_path):
    home, store, queue = site
    package = tmp_path / "site" / "corrupt_voice"
    package.mkdir(parents=True)
    (package / "model.onnx").write_bytes(os.urandom(4096))
    (package / "model.onnx.json").write_text("{}")
    (package / "__init__.py").write_text(
        "from pathlib import Path\n"
        "def model_path(): return Path(__file__).with_name('model.onnx')\n"
        "def config_path(): return Path(__file__).with_name('model.onnx.json')\n")
    voices = tmp_path / "voices"
    shutil.copytree(Path(__file__).resolve().parent.parent / "voices", voices)
    (voices / "broken.toml").write_text('name = "broken"\nengine = "piper"\nengine_voice = "corrupt_voice"\n')
    article = extract_text(SHORT_TEXT + "\nRead by a broken voice.\n")
    python_path = f"{tmp_path / 'site'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    env = {"NARRATOR_VOICES": str(voices), "PYTHONPATH": python_path}
    print_ = fingerprint_of(article, "broken", queue.settings.replace(voices_dir=str(voices)))
    _, job, _ = store.articles.update("a1", article, "broken", print_)
    queue.submit(job.id)
    failed = run_worker_until_finished(home, store, job, **env)
    assert failed.status == "failed" and "cannot be loaded" in failed.error
    assert "corrupt_voice" in failed.error
    assert failed.attempts == 1  # a broken model is not retried
    assert store.articles.get("a1").current_version == 1


@pytest.mark.skipif(not can_mount(), reason="needs root to mount a small tmpfs")
def test_full_disk(tmp_path):
    home = tmp_path / "home"
    audio = home / "audio"
    audio.mkdir(parents=True)
    # The audio folder on its own small disk (the database stays writable, as it would on a
    # separate volume; a database that cannot write at all answers 503, see the locked case).
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(audio)], check=True)
    try:
        settings = Settings(home=str(home))
        store = Store(home)
        queue = JobQueue(store, settings)
        article = extract_text(SHORT_TEXT)
        _, job = store.articles.create(article, "espeak", "a1", fingerprint_of(article, "espeak", settings))
        queue.submit(job.id)
        assert run_worker_until_finished(home, store, job).status == "done"
        filler = audio / "filler"
        filler.write_bytes(b"\0" * (shutil.disk_usage(audio).free - 16 * 1024))
        job2 = edit(store, queue, SHORT_TEXT + "\nA new line that needs disk space.\n")
        failed = run_worker_until_finished(home, store, job2, NARRATOR_JOB_ATTEMPTS="2")
        assert failed.status == "failed" and failed.attempts == 2
        assert "No space left on device" in failed.error, failed.error
        assert store.articles.get("a1").current_version == 1 and store.versions.files("a1", 1).audio.exists()
        assert not list((audio / "a1").glob(".staging-*"))

        filler.unlink()  # space again
        job3 = edit(store, queue, SHORT_TEXT + "\nA new line that needs disk space now.\n")
        assert run_worker_until_finished(home, store, job3).status == "done"
        assert store.articles.get("a1").current_version == 2
        queue.close()
    finally:
        subprocess.run(["umount", "-l", str(audio)], check=False)


def test_locked_database_gives_503_then_works(tmp_path, engine_pool):
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "RUNNER": "none", "DB_TIMEOUT_S": 0.2})
    app.test_client_class = BufferedClient
    client = app.test_client()
    try:
        assert client.get("/api/articles").status_code == 200
        holder = sqlite3.connect(tmp_path / "home" / "narrator.db", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # another process holding the database
        try:
            r = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"})
            assert r.status_code == 503 and "busy" in r.json["message"]
            assert r.headers["Retry-After"] == "5"
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert client.get("/api/articles/a1").status_code == 404  # the refused request changed nothing
        assert client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1",
                                                  "voice": "espeak"}).status_code == 202
    finally:
        close_app(app)


def test_redis_gone_mid_job(tmp_path, redis_server):
    redis_url = redis_server.url
    home = tmp_path / "home"
    settings = Settings(home=str(home), redis_url=redis_url)
    store = Store(home)
    queue = JobQueue(store, settings)
    seed = (Path(__file__).resolve().parent / "fixtures" / "seed_article.txt").read_text()
    long_text = seed + "\n\n" + "\n\n".join([seed.partition("\n\n")[2]] * 3)
    article = extract_text(long_text)
    _, job = store.articles.create(article, "espeak", "long", fingerprint_of(article, "espeak", settings))
    queue.submit(job.id)
    proc = worker(home, NARRATOR_REDIS_URL=redis_url)
    try:
        wait_for(lambda: store.jobs.get(job.id).status == "running", 60, what="the job to start")
        redis_server.stop()  # Redis goes away while the job runs
        done = wait_for(lambda: finished(store, job.id), 90, what="the job to finish without Redis")
        assert done.status == "done" and store.articles.get("long").current_version == 1

        # With Redis down, a new article is still accepted: the store holds its job...
        short = extract_text(SHORT_TEXT)
        _, queued = store.articles.create(short, "espeak", "s1", fingerprint_of(short, "espeak", settings))
        queue.submit(queued.id)  # logs a warning, raises nothing
        assert store.jobs.get(queued.id).status == "queued"
        redis_server.start()  # ...and once Redis is back, a (re)started worker recovers it
    finally:
        stop(proc)
    proc = worker(home, NARRATOR_REDIS_URL=redis_url)
    try:
        assert wait_for(lambda: finished(store, queued.id), 60, what="the recovered job").status == "done"
    finally:
        stop(proc)
        queue.close()
