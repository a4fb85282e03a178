"""Faults on the real components: PostgreSQL, Redis, moto's S3 server, gunicorn web nodes and `narrator
worker` processes, each fault injected for real (kill -9 of a worker mid-job, Redis and PostgreSQL
restarted, the S3 endpoint cut or slowed by a TCP proxy in front of moto, a full tmpfs as NARRATOR_HOME).
docs/operations.md ("Faults") says what each one does and names the test here that shows it.

The servers are started once for the module; each test starts the workers it needs and stops them."""
from __future__ import annotations

import errno
import json
import os
import re
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

import pytest
from services import S3_ENV, RedisServer, listening
from web_fixtures import SHORT_TEXT, free_port, wait_for

from narrator.service import migrations
from narrator.service.accounts import Accounts
from narrator.service.store import JobRecord, Store

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")
LONG_TEXT = SEED
"""About 3,700 characters (four minutes of speech): a job of a few seconds, long enough to be hit mid-way."""
LEASE_S = 3
"""NARRATOR_JOB_LEASE_S of the workers (renewed every second): a dead worker's job is free after it."""
S3_TIMEOUT_S = 3.0
"""NARRATOR_S3_TIMEOUT_S of every process: how long a stalled S3 endpoint is waited for."""


# A TCP proxy in front of the S3 server -----------------------------------------------------------


class Proxy:
    """A TCP relay to moto's S3 server that a test can cut (nothing listens: connections are refused,
    open ones are closed) or slow down (each chunk of the server's answers held `delay` seconds). moto
    keeps its objects in memory, so the endpoint is cut here rather than by stopping moto: the bucket
    outlives the outage, as a real one does."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.delay = 0.0
        """Seconds each chunk of an answer waits before it is passed on (a long wait: a stalled endpoint)."""
        self._generation = 0
        self._threads: list[threading.Thread] = []

    def up(self) -> None:
        self._generation += 1
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        self._start(self._accept, listener, self._generation)
        wait_for(lambda: listening(self.port), 10, what="the S3 proxy to listen")

    def down(self) -> None:
        """Stop listening and close every relayed connection (within a fifth of a second)."""
        self._generation += 1
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(10)

    def _start(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self, listener: socket.socket, generation: int) -> None:
        with listener:
            listener.settimeout(0.2)
            while generation == self._generation:
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                self._start(self._relay, client, generation)

    def _relay(self, client: socket.socket, generation: int) -> None:
        with client:
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                return
            with upstream:
                peers = {client: upstream, upstream: client}
                while generation == self._generation:
                    ready, _, _ = select.select(list(peers), [], [], 0.2)
                    for sock in ready:
                        try:
                            data = sock.recv(65536)
                        except OSError:
                            return
                        if not data:
                            return
                        received = time.monotonic()
                        while sock is upstream and time.monotonic() < received + self.delay:  # slow answers
                            if generation != self._generation:
                                return
                            time.sleep(0.05)
                        try:
                            peers[sock].sendall(data)
                        except OSError:
                            return


# Processes -----------------------------------------------------------------------------------------


@dataclass
class Service:
    """A process of the cluster (a gunicorn web node or a `narrator worker`) and its log."""

    name: str
    proc: subprocess.Popen
    log: Path
    home: Path
    host: str | None = None
    """The machine it runs on, when not this one (see worker_args)."""
    since: int = 0
    """Where the log of the current test begins (a web node serves several tests)."""

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self, whole: bool = False) -> str:
        """Its log, from where the current test began (or all of it)."""
        with open(self.log, "rb") as f:
            f.seek(0 if whole else self.since)
            return f.read().decode(errors="replace")

    def stop(self) -> None:
        """SIGINT as an operator stops it (a worker finishes the job in hand), SIGKILL if that hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """kill -9: no chance to clean up."""
        self.proc.kill()
        self.proc.wait()  # reaped, so its pid is free and no longer answers signals


def clean_environ() -> dict[str, str]:
    """This process's environment without any NARRATOR_* setting of the developer's shell."""
    return {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")}


def launch(name: str, args: list[str], env: dict[str, str], home: Path, logs: Path) -> Service:
    home.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}-{time.monotonic_ns()}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, env={**env, "NARRATOR_HOME": str(home)}, stdout=out,
                                stderr=subprocess.STDOUT, cwd=ROOT)
    return Service(name, proc, log, home)


def worker_args(host: str | None = None) -> list[str]:
    """`narrator worker`; with `host`, on a machine of that name: in a UTS namespace of its own, so the
    other workers cannot tell from its host name and pid that it died, only from its lapsed lease."""
    args = [sys.executable, "-m", "narrator.cli", "worker"]
    if host is None:
        return args
    return ["unshare", "--uts", "sh", "-c", f'hostname {host} && exec "$0" "$@"', *args]


def web_node(env: dict[str, str], home: Path, logs: Path, name: str = "web") -> tuple[Service, str]:
    """A gunicorn web node with the production configuration (deploy/gunicorn.conf.py), one process."""
    port = free_port()
    node_env = {**env, "NARRATOR_BIND": f"127.0.0.1:{port}", "NARRATOR_WORKERS": "1", "NARRATOR_THREADS": "4"}
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]
    service = launch(name, gunicorn, node_env, home, logs)
    base = f"http://127.0.0.1:{port}"
    wait_for(lambda: up(base), 60, 0.2, what=f"the web node {name}")
    return service, base


def stop_all(services: list[Service]) -> None:
    for service in services:
        if service.proc.poll() is None:
            service.proc.send_signal(signal.SIGINT)
    for service in services:
        service.stop()


# HTTP ----------------------------------------------------------------------------------------------


@dataclass
class Answer:
    """An HTTP answer, redirects not followed."""

    status: int
    headers: Any
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def call(url: str, method: str = "GET", body: dict | None = None, token: str = "",
         headers: dict[str, str] | None = None, timeout: float = 30) -> Answer:
    data = json.dumps(body).encode() if body is not None else None
    sent = {**({"Content-Type": "application/json"} if data else {}), **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with _OPENER.open(request, timeout=timeout) as r:
            return Answer(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        with e:
            return Answer(e.code, e.headers, e.read())


def up(base: str) -> bool:
    try:
        return call(base + "/api/articles", timeout=5).status == 200
    except OSError:
        return False


def article(base: str, article_id: str) -> dict:
    answer = call(f"{base}/api/articles/{article_id}")
    assert answer.status == 200, (answer.status, answer.body)
    return answer.json


def ready(base: str, article_id: str, version: int | None = None) -> dict | None:
    """The article once its newest job has ended well (and, if given, `version` is current)."""
    data = article(base, article_id)
    assert data["status"] != "failed", data["job"]
    if data["status"] == "ready" and (version is None or data["current_version"] == version):
        return data
    return None


def versions(base: str, article_id: str) -> list[int]:
    return [v["version"] for v in call(f"{base}/api/articles/{article_id}/versions").json["versions"]]


def play(base: str, article_id: str) -> tuple[int, bytes]:
    """Play the current version as a browser does (latest -> the file, wherever it lives): its number
    and the first kilobyte."""
    latest = call(f"{base}/audio/{article_id}/latest.mp3")
    assert latest.status == 302, (latest.status, latest.body)
    location = latest.headers["Location"]
    if location.startswith("/"):
        location = base + location
    found = re.search(rf"/{article_id}/(\d+)\.mp3", location)
    assert found, location
    number = int(found.group(1))
    audio = call(location, headers={"Range": "bytes=0-1023"})
    assert audio.status == 206 and len(audio.body) == 1024, (audio.status, audio.body[:200])
    return number, audio.body


# The production cluster ----------------------------------------------------------------------------


@dataclass
class Cluster:
    """PostgreSQL, Redis and an S3 bucket (through the proxy), one gunicorn web node, and the workers a
    test starts; what a test needs to reach them."""

    root: Path
    env: dict[str, str]
    base: str
    token: str
    store: Store
    """The test's own view of the database (a node of its own)."""
    postgres: Any
    redis: RedisServer
    proxy: Proxy
    s3: Any
    bucket: str
    web: Service
    workers: list[Service] = field(default_factory=list)

    def worker(self, name: str, host: str | None = None, **env: str) -> Service:
        service = launch(name, worker_args(host), {**self.env, **env}, self.root / name, self.root)
        service.host = host
        self.workers.append(service)
        return service

    def submit(self, article_id: str, text: str) -> str:
        body = {"text": text, "id": article_id, "voice": "espeak"}
        answer = call(self.base + "/api/articles", "POST", body, self.token)
        assert answer.status == 202, (answer.status, answer.body)
        return answer.json["job"]["id"]

    def edit(self, article_id: str, text: str) -> str:
        answer = call(f"{self.base}/api/articles/{article_id}", "PUT", {"text": text, "voice": "espeak"},
                      self.token)
        assert answer.status == 202, (answer.status, answer.body)
        return answer.json["job"]["id"]

    def job(self, job_id: str) -> JobRecord:
        return self.store.jobs.get(job_id)

    def objects(self, article_id: str) -> list[str]:
        """The keys the bucket holds for an article's versions (live streams left out)."""
        import boto3

        s3 = boto3.client("s3", endpoint_url=self.s3.endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        listing = s3.list_objects_v2(Bucket=self.bucket, Prefix=f"{article_id}/")
        return sorted(o["Key"] for o in listing.get("Contents", []) if "/live/" not in o["Key"])

    def stop_workers(self) -> None:
        stop_all(self.workers)
        self.workers = []


def running(cluster: Cluster, job_id: str, done: int = 2) -> JobRecord | None:
    job = cluster.job(job_id)
    assert job.status not in ("failed", "done"), job
    return job if job.status == "running" and job.done >= done else None


def no_tracebacks(*services: Service) -> None:
    for service in services:
        text = service.text()
        assert "Traceback" not in text, f"{service.name}:\n{text[-6000:]}"


@pytest.fixture(scope="module")
def production(tmp_path_factory, postgres_server, s3_server) -> Iterator[Cluster]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (script/setup installs it)")
    root = tmp_path_factory.mktemp("faults")
    redis = RedisServer(root)
    redis.start()
    proxy = Proxy(s3_server.port)
    proxy.up()
    database = postgres_server.database()
    migrations.upgrade(database)
    bucket = s3_server.bucket(f"faults-{uuid.uuid4().hex[:12]}")
    env = {**clean_environ(), **S3_ENV, "XDG_DATA_HOME": str(root / "xdg"), "PYTHONWARNINGS": "ignore",
           "NARRATOR_DATABASE_URL": database, "NARRATOR_REDIS_URL": redis.url, "NARRATOR_RUNNER": "none",
           "NARRATOR_S3_BUCKET": bucket, "NARRATOR_S3_ENDPOINT_URL": proxy.endpoint,
           "NARRATOR_S3_TIMEOUT_S": str(S3_TIMEOUT_S), "NARRATOR_JOB_LEASE_S": str(LEASE_S),
           "NARRATOR_JOB_ATTEMPTS": "6",  # room to see attempts fail and the fault end before the last
           "NARRATOR_CACHE_MAX_MB": "0"}
    store = Store(root / "probe", database_url=database)
    token = Accounts(store).create_key("faults")[1]
    web, base = web_node(env, root / "web", root)
    cluster = Cluster(root, env, base, token, store, postgres_server, redis, proxy, s3_server, bucket, web)
    try:
        yield cluster
    finally:
        cluster.stop_workers()
        web.stop()
        proxy.down()
        redis.stop()
        store.db.close()


@pytest.fixture
def cluster(production: Cluster) -> Iterator[Cluster]:
    """The module's cluster; after each test, its workers stopped and every fault ended (even when the
    test failed half-way)."""
    production.web.since = production.web.log.stat().st_size
    yield production
    production.stop_workers()
    production.proxy.delay = 0
    if not listening(production.proxy.port):
        production.proxy.up()
    if production.redis.proc is None:
        production.redis.start()
    if production.postgres.proc is None:
        production.postgres.launch()


# The faults ----------------------------------------------------------------------------------------


def test_worker_killed_with_sigkill_mid_job_another_finishes_it_after_the_lease(cluster):
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and util-linux's unshare to give a worker a host name of its own")
    # Two workers on two "machines": neither can see the other's processes, only its lease.
    workers = [cluster.worker("kill-a", host="fault-a"), cluster.worker("kill-b", host="fault-b")]
    job_id = cluster.submit("killed", LONG_TEXT)
    job = wait_for(lambda: running(cluster, job_id), 90, what="the job to be part-way")
    victim = next(w for w in workers if job.worker.endswith(f":{w.pid}"))
    survivor = next(w for w in workers if w is not victim)
    victim.kill()
    lease_until = cluster.job(job_id).lease_until  # no renewal after the kill
    assert lease_until is not None
    assert list((victim.home / "audio" / "killed").glob(".staging-*"))  # it died with a narration half made

    def taken_over() -> float | None:
        j = cluster.job(job_id)
        return time.time() if j.worker != job.worker else None

    taken = wait_for(taken_over, 60, what="another worker to take the job over")
    assert taken >= lease_until  # not before its lease ran out
    done = wait_for(lambda: (j := cluster.job(job_id)).status in ("done", "failed") and j, 120,
                    what="the job to be finished by the other worker")
    assert done.status == "done" and done.attempts == 2 and done.worker.endswith(f":{survivor.pid}"), done
    assert ready(cluster.base, "killed", 1)
    assert versions(cluster.base, "killed") == [1]  # one version, no duplicate
    assert cluster.objects("killed") == ["killed/1.mp3", "killed/1.timing.json", "killed/1.vtt"]
    assert play(cluster.base, "killed")[0] == 1
    with cluster.store.db.connect() as db:
        jobs = db.execute("SELECT id, status FROM jobs WHERE article_id = 'killed'").fetchall()
    assert [(j["id"], j["status"]) for j in jobs] == [(job_id, "done")]

    # The dead worker's machine restarts it (systemd's Restart=): it clears what the kill left behind.
    cluster.worker(victim.name, host=victim.host)
    wait_for(lambda: not list((victim.home / "audio" / "killed").glob(".staging-*")), 60,
             what="the restarted worker to clear the dead one's staging folder")
    cluster.stop_workers()
    no_tracebacks(survivor, cluster.web)


def test_redis_restarted_mid_queue_every_queued_job_still_runs_once(cluster):
    # A long lease: jobs lost with Redis's memory cannot be found again by the two-lease staleness
    # rule within the test's deadline, only by the worker noticing that Redis restarted.
    worker = cluster.worker("redis-w", NARRATOR_JOB_LEASE_S="120")
    texts = {f"q{i}": SHORT_TEXT.replace("Harbour bridge", f"Harbour bridge {i}", 1) for i in range(4)}
    jobs = {article_id: cluster.submit(article_id, text) for article_id, text in texts.items()}

    def queue_busy() -> bool:
        states = [cluster.job(j).status for j in jobs.values()]
        return states.count("running") == 1 and states.count("queued") >= 2

    wait_for(queue_busy, 90, what="one job running and more waiting in Redis")
    cluster.redis.stop()  # no persistence: what the queue held is gone
    try:
        late = cluster.submit("q-late", SHORT_TEXT)  # accepted while Redis is away: the store holds it
        assert cluster.job(late).status == "queued"
        assert article(cluster.base, "q0")["id"] == "q0"  # reading needs no queue
    finally:
        cluster.redis.start()
    jobs["q-late"] = late
    for article_id in jobs:
        wait_for(lambda a=article_id: ready(cluster.base, a, 1), 90, what=f"{article_id} to be narrated")
    for article_id, job_id in jobs.items():
        job = cluster.job(job_id)
        assert job.status == "done" and job.attempts == 1 and job.version == 1, job  # each ran once
        assert versions(cluster.base, article_id) == [1]
    cluster.stop_workers()
    assert "enqueued again" in worker.text()
    assert "could not enqueue job" in cluster.web.text()  # the web node said why the late job waited
    no_tracebacks(worker, cluster.web)


def test_postgres_restarted_web_node_and_workers_recover_their_connections(cluster):
    worker = cluster.worker("pg-w")
    job_id = cluster.submit("pg", LONG_TEXT)
    wait_for(lambda: running(cluster, job_id), 90, what="the job to be part-way")
    web_pid = cluster.web.pid
    with ThreadPool(4) as pool:  # the web node's threads each hold a pooled connection
        assert set(pool.map(lambda _: call(cluster.base + "/api/articles").status, range(8))) == {200}

    cluster.postgres.halt()
    try:
        during = call(cluster.base + "/api/articles/pg")
        assert during.status == 503 and during.headers["Retry-After"] == "5", (during.status, during.body)
        assert "database" in during.json["message"]
        page = call(cluster.base + "/articles/pg", headers={"Accept": "text/html"})
        assert page.status == 503 and b"database" in page.body and b"Traceback" not in page.body
        post = call(cluster.base + "/api/articles", "POST", {"text": SHORT_TEXT, "id": "pg2"}, cluster.token)
        assert post.status == 503, (post.status, post.body)
    finally:
        cluster.postgres.launch()

    # Back: the same processes answer at once, from the first request on.
    for _ in range(10):
        assert call(cluster.base + "/api/articles/pg").status == 200
    done = wait_for(lambda: ready(cluster.base, "pg", 1), 120, what="the job to finish after the restart")
    assert done["job"]["id"] == job_id and versions(cluster.base, "pg") == [1]
    cluster.submit("pg2", SHORT_TEXT)
    wait_for(lambda: ready(cluster.base, "pg2", 1), 60, what="a job submitted after the restart")
    assert cluster.web.pid == web_pid and worker.proc.poll() is None
    assert cluster.web.text(whole=True).count("Booting worker") == 1  # gunicorn did not replace its process
    cluster.stop_workers()
    no_tracebacks(worker, cluster.web)


def test_s3_endpoint_down_publishing_fails_clearly_is_retried_and_listeners_keep_the_old_version(cluster):
    worker = cluster.worker("s3-down-w")
    cluster.submit("s3", SHORT_TEXT)
    wait_for(lambda: ready(cluster.base, "s3", 1), 60, what="version 1")
    assert play(cluster.base, "s3")[0] == 1

    cluster.proxy.down()  # nothing listens where the bucket was: every connection is refused
    try:
        page = call(cluster.base + "/articles/s3", headers={"Accept": "text/html"})  # needs the timing map
        assert page.status == 503 and page.headers["Retry-After"] == "5", (page.status, page.body)
        assert b"audio storage cannot be reached" in page.body
        latest = call(cluster.base + "/audio/s3/latest.mp3")  # signed here: still the old version's link
        assert latest.status == 302 and "/s3/1.mp3?" in latest.headers["Location"]
        job_id = cluster.edit("s3", SHORT_TEXT + "\nA line added while the bucket is away.\n")

        def failed_once() -> JobRecord | None:
            job = cluster.job(job_id)
            assert job.status != "failed", job
            return job if job.attempts >= 1 and job.status == "queued" and job.error else None

        job = wait_for(failed_once, 90, what="an attempt to fail on the bucket")
        assert "audio storage (S3" in job.error and "cannot be reached to store a new version" in job.error
        data = article(cluster.base, "s3")
        assert data["current_version"] == 1 and data["status"] == "queued"
        assert data["job"]["stage"] == "retrying" and data["job"]["error"] == job.error
    finally:
        cluster.proxy.up()

    done = wait_for(lambda: ready(cluster.base, "s3"), 90, what="the retried job to publish")
    assert done["job"]["id"] == job_id and done["job"]["attempts"] >= 2
    assert versions(cluster.base, "s3") == [2, 1]  # nothing lost; a failed attempt takes no number
    assert cluster.objects("s3") == sorted(f"s3/{n}{suffix}" for n in (1, 2)
                                           for suffix in (".mp3", ".timing.json", ".vtt"))
    assert play(cluster.base, "s3")[0] == 2
    assert call(cluster.base + "/articles/s3", headers={"Accept": "text/html"}).status == 200
    cluster.stop_workers()
    no_tracebacks(worker, cluster.web)


def test_s3_endpoint_slow_publishes_late_and_a_stalled_one_fails_clearly_in_time(cluster):
    worker = cluster.worker("s3-slow-w")
    cluster.submit("slow", SHORT_TEXT)
    wait_for(lambda: ready(cluster.base, "slow", 1), 60, what="version 1")

    cluster.proxy.delay = 0.5  # every answer half a second late: slow, within the timeout
    try:
        job_id = cluster.edit("slow", SHORT_TEXT + "\nA line added while the bucket is slow.\n")
        wait_for(lambda: cluster.job(job_id).stage == "publishing", 90, what="the job to be uploading")
        assert play(cluster.base, "slow")[0] == 1  # until the new version is complete, the old one plays
        done = wait_for(lambda: ready(cluster.base, "slow", 2), 90, what="the slow upload to finish")
        assert done["job"]["attempts"] == 1, done["job"]  # slow (a sixth of the timeout) is not a failure

        cluster.proxy.delay = 3600  # stalled: connections are taken, nothing ever answers
        page = call(cluster.base + "/articles/slow", headers={"Accept": "text/html"}, timeout=60)
        assert page.status == 503 and b"audio storage cannot be reached" in page.body  # in time, no hang
        assert article(cluster.base, "slow")["current_version"] == 2  # the rest of the node still answers
        job_id = cluster.edit("slow", SHORT_TEXT + "\nA line added while the bucket is stalled.\n")

        def failed_once() -> JobRecord | None:
            job = cluster.job(job_id)
            assert job.status != "failed", job
            return job if job.attempts >= 1 and job.status == "queued" and job.error else None

        job = wait_for(failed_once, 120, what="an attempt to give up on the stalled bucket")
        assert "cannot be reached to store a new version" in job.error and "timeout" in job.error.lower()
    finally:
        cluster.proxy.delay = 0
    done = wait_for(lambda: ready(cluster.base, "slow"), 90, what="the retried job to publish")
    assert done["job"]["id"] == job_id and done["current_version"] == 3  # no number skipped
    assert versions(cluster.base, "slow") == [3, 2, 1]
    assert play(cluster.base, "slow")[0] == 3
    cluster.stop_workers()
    no_tracebacks(worker, cluster.web)


def fill(folder: Path) -> Path:
    """Write zeros into `folder` until its filesystem has no byte left; the file written."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f:
        for size in (1 << 20, 4096, 1):
            try:
                while f.write(bytes(size)):
                    pass
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
    return filler


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 64 MB tmpfs of its own, to be NARRATOR_HOME."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(home)], check=True)
    try:
        yield home
    finally:
        subprocess.run(["umount", "-l", str(home)], check=False)


def test_full_disk_under_narrator_home_fails_the_job_clearly_corrupts_nothing_and_the_old_version_plays(
        tmp_path, small_disk):
    # One machine, everything in its home: SQLite, the SQLite queue, the audio, the synthesis cache.
    env = {**clean_environ(), "XDG_DATA_HOME": str(tmp_path / "xdg"), "PYTHONWARNINGS": "ignore",
           "NARRATOR_RUNNER": "none", "NARRATOR_JOB_LEASE_S": str(LEASE_S), "NARRATOR_JOB_ATTEMPTS": "1"}
    token = Accounts(Store(small_disk)).create_key("faults")[1]
    services: list[Service] = []
    try:
        web, base = web_node(env, small_disk, tmp_path, "disk-web")  # logs go elsewhere
        services.append(web)
        worker = launch("disk-w", worker_args(), env, small_disk, tmp_path)
        services.append(worker)
        body = {"text": SHORT_TEXT, "id": "disk", "voice": "espeak"}
        assert call(base + "/api/articles", "POST", body, token).status == 202
        wait_for(lambda: ready(base, "disk", 1), 60, what="version 1")
        number, first = play(base, "disk")
        assert number == 1

        edit = call(f"{base}/api/articles/disk", "PUT", {"text": LONG_TEXT, "voice": "espeak"}, token)
        assert edit.status == 202, edit.body
        job_id = edit.json["job"]["id"]
        wait_for(lambda: (j := article(base, "disk")["job"])["status"] == "running" and j["done"] >= 2, 90,
                 what="the new narration to be part-way")
        filler = fill(small_disk)  # the disk fills up while the job runs

        def failed() -> dict | None:
            data = article(base, "disk")
            return data if data["status"] == "failed" else None

        data = wait_for(failed, 90, what="the job to fail")
        assert data["job"]["id"] == job_id and data["job"]["attempts"] == 1
        assert "No space left on device" in data["job"]["error"], data["job"]
        assert data["current_version"] == 1
        assert play(base, "disk") == (1, first)  # the old version is still served, whole
        assert call(base + "/articles/disk", headers={"Accept": "text/html"}).status == 200
        assert not list((small_disk / "audio" / "disk").glob(".staging-*"))  # nothing half-written left
        with sqlite3.connect(small_disk / "narrator.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        db.close()

        filler.unlink()  # space again: the same article narrates
        again = call(f"{base}/api/articles/disk/regenerate", "POST", {}, token)
        assert again.status == 202, again.body
        wait_for(lambda: ready(base, "disk", 2), 120, what="version 2 once there is space")
        assert play(base, "disk")[0] == 2
    finally:
        stop_all(services)
    no_tracebacks(*services)
