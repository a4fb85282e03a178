"""Beyond one machine: audio in an S3-compatible bucket (moto's server), metadata in PostgreSQL (a
cluster of the test's own), and two web nodes with two workers sharing them and Redis."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from store_helpers import stage
from web_fixtures import SHORT_TEXT, BufferedClient, free_port, narrated, wait_for

from narrator.config import Settings
from narrator.errors import InputError
from narrator.extract import extract_text
from narrator.service.audio_storage import S3Storage
from narrator.service.migrations import HEAD
from narrator.service.store import Cancelled, Conflict, Store
from narrator.web import close_app, create_app

ROOT = Path(__file__).resolve().parent.parent


def settings_from(env: dict[str, str], **more: str) -> Settings:
    return Settings.from_env({**env, **more})


def config_from(settings: Settings) -> dict[str, object]:
    """create_app's test_config for these settings."""
    return {f.name.upper(): getattr(settings, f.name) for f in fields(Settings)}


def publish(store: Store, article_id: str, job_id: str, payload: bytes, keep: int = 0) -> int:
    record = store.articles.get(article_id)
    assert store.jobs.claim(job_id)
    return store.versions.publish(job_id, stage(store, article_id, job_id, payload), record, keep=keep)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    """GET without following redirects: status, headers, body."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status, r.headers, r.read()  # an email.message.Message: names case-insensitive
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# S3-compatible storage ----------------------------------------------------------------------------


def test_s3_version_visible_only_once_uploaded_then_redirects_with_ranges(tmp_path, s3_bucket):
    settings = settings_from(s3_bucket, NARRATOR_HOME=str(tmp_path / "home"))
    store = Store.from_settings(settings)
    assert isinstance(store.storage, S3Storage)
    _, job = store.articles.create(extract_text("T\n\nBody one."), "espeak", "x1")
    assert publish(store, "x1", job.id, b"version-one-bytes") == 1

    # A slow upload of version 2: until all three objects are stored and the switch committed, v1 is current
    # (and no lock is held meanwhile: the app below starts and answers).
    uploading, release = threading.Event(), threading.Event()
    upload = store.storage.upload

    def slow_upload(article_id, staged):  # noqa: ANN001, ANN202
        uploading.set()
        assert release.wait(20)
        return upload(article_id, staged)

    store.storage.upload = slow_upload  # type: ignore[method-assign]
    _, job2, _ = store.articles.update("x1", extract_text("T\n\nBody two."), "espeak")
    worker = threading.Thread(target=publish, args=(store, "x1", job2.id, b"version-two-bytes!"))
    worker.start()
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none",
                      **config_from(settings)})
    app.test_client_class = BufferedClient
    client = app.test_client()
    try:
        assert uploading.wait(10)
        assert store.articles.get("x1").current_version == 1
        assert client.get("/audio/x1/2.mp3").status_code == 404  # not even its number is taken
        release.set()
        worker.join(20)
        assert store.articles.get("x1").current_version == 2

        r = client.get("/audio/x1/2.mp3")
        assert r.status_code == 302 and "X-Amz-Signature=" in r.headers["Location"]  # presigned
        status, headers, body = fetch(r.headers["Location"], {"Range": "bytes=8-10"})
        assert (status, body, headers["Content-Range"]) == (206, b"two", "bytes 8-10/18")
        status, headers, body = fetch(r.headers["Location"])
        assert (status, body, headers["Content-Type"]) == (200, b"version-two-bytes!", "audio/mpeg")
        assert "immutable" in headers["Cache-Control"]
        latest = client.get("/audio/x1/latest.timing.json")  # straight to the bucket, no second hop
        assert latest.status_code == 302 and "/x1/2.timing.json?" in latest.headers["Location"]
        assert json.loads(fetch(latest.headers["Location"])[2]) == {"duration_ms": 1000, "paragraphs": []}
        assert client.get("/audio/x1/1.vtt").status_code == 302  # the old version is still kept
        assert client.get("/audio/x1/9.mp3").status_code == 404
    finally:
        close_app(app)

    _, job3, _ = store.articles.update("x1", extract_text("T\n\nBody three."), "espeak")
    store.storage.upload = upload  # type: ignore[method-assign]
    assert publish(store, "x1", job3.id, b"three", keep=1) == 3
    assert store.storage.read("x1", 1, ".mp3") is None and store.storage.read("x1", 2, ".vtt") is None
    assert store.storage.read("x1", 3, ".mp3") == b"three"
    store.articles.delete("x1")
    assert store.storage.read("x1", 3, ".mp3") is None


def test_s3_public_url_mode_and_a_real_narration(tmp_path, s3_bucket, engine_pool, s3_server):
    bucket = s3_bucket["NARRATOR_S3_BUCKET"]
    s3_server.make_public(bucket)
    settings = settings_from(s3_bucket, NARRATOR_S3_PUBLIC_URL=f"{s3_server.endpoint}/{bucket}/",
                             NARRATOR_S3_PREFIX="audio/")
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "RUNNER": "inprocess", **config_from(settings)})
    app.test_client_class = BufferedClient
    client = app.test_client()
    try:
        data = narrated(client)
        assert data["current_version"] == 1
        r = client.get(data["audio_url"])
        assert r.status_code == 302
        assert r.headers["Location"] == f"{s3_server.endpoint}/{bucket}/audio/a1/1.mp3"  # public, the CDN's
        status, headers, body = fetch(r.headers["Location"], {"Range": "bytes=0-3"})
        assert status == 206 and len(body) == 4 and body[:3] == b"ID3"
        size = int(headers["Content-Range"].rsplit("/", 1)[1])
        assert size == client.get("/api/articles/a1/versions").json["versions"][0]["size"] > 10_000
        page = client.get("/articles/a1")  # the player reads the timing map from the bucket
        assert page.status_code == 200 and b"Harbour bridge reopens" in page.data
        assert not (tmp_path / "home" / "audio" / "a1" / "1.mp3").exists()  # nothing published on disk
        # The live stream went to the bucket too, so any web node can serve it; the pages let the player
        # fetch from there (media and connect sources).
        live = client.get("/api/articles/a1/live").json
        first = client.get(live["segments"][0]["url"])
        assert first.status_code == 302 and first.headers["Location"].startswith(
            f"{s3_server.endpoint}/{bucket}/audio/a1/live/{live['stream']}/0.mp3")
        status, _, body = fetch(first.headers["Location"])
        assert status == 200 and body[:2] == b"\xff\xf3"
        assert not (tmp_path / "home" / "audio" / "a1" / "live").exists()
        # A web node reads a manifest again only when its stamp (the object's ETag) changed.
        storage = app.extensions["narrator"].store.storage
        assert storage.live_stamp("a1", live["stream"], "live.json")
        assert storage.live_stamp("a1", "no-such-stream", "live.json") is None
        storage.put_live("a1", "s2", "live.json", b'{"n": 1}')
        stamp = storage.live_stamp("a1", "s2", "live.json")
        storage.put_live("a1", "s2", "live.json", b'{"n": 2}')
        assert stamp != storage.live_stamp("a1", "s2", "live.json")
        policy = page.headers["Content-Security-Policy"]
        assert f"media-src 'self' blob: {s3_server.endpoint};" in policy
        assert f"connect-src 'self' {s3_server.endpoint};" in policy
    finally:
        close_app(app)


# PostgreSQL ---------------------------------------------------------------------------------------


def test_db_upgrade_command_and_a_store_before_it(tmp_path, postgres_server):
    url = postgres_server.database()
    with pytest.raises(InputError, match="narrator db upgrade"):
        Store(tmp_path / "home", database_url=url)
    env = {**os.environ, "NARRATOR_DATABASE_URL": url, "NARRATOR_HOME": str(tmp_path / "home")}
    run = subprocess.run([sys.executable, "-m", "narrator.cli", "db", "upgrade"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip() == f"revision {HEAD}", run.stderr
    again = subprocess.run([sys.executable, "-m", "narrator.cli", "db", "upgrade"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stdout.strip() == f"revision {HEAD}"  # idempotent
    store = Store(tmp_path / "home", database_url=url)
    assert store.articles.all() == []


def test_postgres_store_same_behaviour(tmp_path, postgres_url):
    store = Store(tmp_path / "home", database_url=postgres_url)
    record, job = store.articles.create(extract_text("Title\n\nBody."), None, "p1")
    assert record.current_version is None and job.status == "queued"
    with pytest.raises(Conflict):
        store.articles.create(extract_text("Title\n\nBody."), None, "p1")
    assert store.jobs.latest("p1").id == job.id
    assert not store.jobs.claim("nope")
    assert publish(store, "p1", job.id, b"one") == 1
    _, job2, new = store.articles.update("p1", extract_text("Title\n\nBody changed."), None)
    assert new and store.jobs.latest("p1").id == job2.id
    head = store.articles.head("p1")  # what a listener's poll reads, in one query
    assert (head.current_version, head.duration_ms, head.job) == (1, 1000, store.jobs.get(job2.id))
    assert publish(store, "p1", job2.id, b"two", keep=1) == 2
    assert [v.version for v in store.versions.all("p1")] == [2]
    assert not store.versions.files("p1", 1).audio.exists()
    assert store.versions.files("p1", 2).audio.read_bytes() == b"two"
    assert store.versions.current()[0][1].version == 2 and store.versions.used_voices()[0]["name"] == "espeak"
    _, job3, _ = store.articles.update("p1", extract_text("Title\n\nThird."), None)
    assert store.jobs.claim(job3.id, "elsewhere:1", lease_s=-1)  # a worker whose lease ran out
    assert [j.id for j in store.jobs.recover(lambda w: False)] == [job3.id]
    assert store.jobs.get(job3.id).status == "queued"
    store.articles.delete("p1")
    _, job4 = store.articles.create(extract_text("Title\n\nBody."), None, "p1")
    assert publish(store, "p1", job4.id, b"again") == 3  # numbers are never reused


def test_postgres_two_nodes_regenerating_make_one_job_and_one_version(tmp_path, postgres_url):
    nodes = [Store(tmp_path / f"node{i}", database_url=postgres_url) for i in range(2)]
    _, job = nodes[0].articles.create(extract_text("Title\n\nBody."), "espeak", "r1")
    publish(nodes[0], "r1", job.id, b"one")
    edited = extract_text("Title\n\nBody, edited once.")

    def edit(store: Store, start: threading.Barrier, results: list) -> None:
        start.wait()
        results.append(store.articles.update("r1", edited, "espeak")[1])

    for _ in range(5):  # both nodes submit the same edit at the same moment, several times over
        start = threading.Barrier(2)
        results: list = []
        threads = [threading.Thread(target=edit, args=(n, start, results)) for n in nodes]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert len({j.id for j in results}) == 1, results  # one job, shared
    queued = [j for j in nodes[1].jobs.queued() if j.article_id == "r1"]
    assert len(queued) == 1
    claims: list[bool] = []
    start = threading.Barrier(2)

    def claim(store: Store) -> None:
        start.wait()
        claims.append(store.jobs.claim(queued[0].id, "w"))

    threads = [threading.Thread(target=claim, args=(n,)) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert sorted(claims) == [False, True]  # one worker runs it
    record = nodes[1].articles.get("r1")
    version = nodes[1].versions.publish(queued[0].id, stage(nodes[1], "r1", queued[0].id, b"two"), record)
    assert version == 2 and [v.version for v in nodes[0].versions.all("r1")] == [2, 1]


def test_postgres_a_job_finished_by_two_workers_at_once_is_published_once(tmp_path, postgres_url):
    """Four nodes publishing one job at the same moment (as when a job whose lease lapsed is finished
    both by its slow first worker and by the one that took it over): one version, made once; the
    others are told the job is no longer theirs, and their files are gone."""
    nodes = [Store(tmp_path / f"node{i}", database_url=postgres_url) for i in range(4)]
    _, job = nodes[0].articles.create(extract_text("Title\n\nBody."), "espeak", "c1")
    assert nodes[0].jobs.claim(job.id, "w0")
    start = threading.Barrier(len(nodes))
    outcomes: list[object] = []

    def run(node: Store) -> None:
        record = node.articles.get("c1")
        staged = stage(node, "c1", job.id, job.id.encode())
        start.wait()
        try:
            outcomes.append(node.versions.publish(job.id, staged, record))
        except Cancelled as e:
            outcomes.append(e)

    threads = [threading.Thread(target=run, args=(n,)) for n in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    versions = [o for o in outcomes if isinstance(o, int)]
    assert len(outcomes) == 4 and len(versions) == 1
    assert nodes[0].articles.get("c1").current_version == versions[0]
    assert [v.version for v in nodes[0].versions.all("c1")] == versions
    others = [v for v in range(1, 5) if v != versions[0]]  # numbers the losers reserved, never used
    assert all(n.storage.read("c1", v, ".mp3") is None for n in nodes for v in others)  # no orphan files

def test_api_on_postgres_and_s3(tmp_path, postgres_url, s3_bucket, engine_pool):
    """The web app and its in-process runner in production mode: narrate, edit, roll back, delete."""
    settings = settings_from(s3_bucket, NARRATOR_DATABASE_URL=postgres_url)
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "RUNNER": "inprocess", **config_from(settings)})
    app.test_client_class = BufferedClient
    client = app.test_client()
    try:
        narrated(client)
        edited = {"text": SHORT_TEXT + "\nOne more line.\n", "voice": "espeak"}
        assert client.put("/api/articles/a1", json=edited).status_code == 202
        wait_for(lambda: client.get("/api/articles/a1").json["current_version"] == 2, 60, what="version 2")
        assert client.put("/api/articles/a1", json=edited).status_code == 200  # unchanged
        assert client.post("/api/articles/a1/rollback", json={"version": 1}).status_code == 200
        assert client.get("/api/articles/a1").json["current_version"] == 1
        from narrator.service.analytics import Analytics

        Analytics(app.extensions["narrator"].store).record("a1", "play")
        assert Analytics(app.extensions["narrator"].store).listening("a1").plays == 1
        assert "/a1/1.mp3?" in client.get("/audio/a1/latest.mp3").headers["Location"]
        assert client.delete("/api/articles/a1").status_code in (200, 204)
        assert client.get("/audio/a1/1.mp3").status_code == 404
    finally:
        close_app(app)


# Two web nodes and two workers --------------------------------------------------------------------


def _service(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, *args], env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT)


def _json(url: str, method: str = "GET", body: dict | None = None, token: str = "") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def _up(base: str) -> bool:
    try:
        return _json(base + "/api/articles")[0] == 200
    except OSError:
        return False


def _play(base: str, article_id: str, expect: int | None = None) -> int:
    """Play through a node as a browser does: latest -> the bucket, a range request; the version played."""
    status, headers, _ = fetch(f"{base}/audio/{article_id}/latest.mp3")
    assert status == 302, (status, headers)
    location = headers["Location"]
    version = int(location.split(f"/{article_id}/", 1)[1].split(".", 1)[0])
    status, headers, body = fetch(location, {"Range": "bytes=100-1123"})
    assert status == 206 and len(body) == 1024, (status, headers)
    assert expect is None or version == expect
    return version


def test_two_web_nodes_two_workers_share_postgres_redis_and_the_bucket(tmp_path, postgres_url, s3_bucket,
                                                                      redis_server):
    env = {**os.environ, **s3_bucket, "NARRATOR_DATABASE_URL": postgres_url,
           "NARRATOR_REDIS_URL": redis_server.url, "NARRATOR_RUNNER": "none", "NARRATOR_JOB_LEASE_S": "10",
           "PYTHONWARNINGS": "ignore"}
    procs: dict[str, subprocess.Popen] = {}
    ports = {"A": free_port(), "B": free_port()}
    from narrator.service.accounts import Accounts

    token = Accounts(Store(tmp_path / "admin", database_url=postgres_url)).create_key("newsroom")[1]
    try:
        for name in ("w1", "w2"):  # each machine has its own home (cache, staging); nothing shared on disk
            home = tmp_path / name
            home.mkdir()
            procs[name] = _service(["-m", "narrator.cli", "worker"], {**env, "NARRATOR_HOME": str(home)},
                                   tmp_path / f"{name}.log")
        for name, port in ports.items():
            home = tmp_path / name
            home.mkdir()
            gunicorn = ["-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py")]  # as in production
            node_env = {**env, "NARRATOR_HOME": str(home), "NARRATOR_BIND": f"127.0.0.1:{port}",
                        "NARRATOR_WORKERS": "1", "NARRATOR_THREADS": "4"}
            procs[name] = _service(gunicorn, node_env, tmp_path / f"{name}.log")
        a, b = (f"http://127.0.0.1:{ports[n]}" for n in ("A", "B"))
        wait_for(lambda: _up(a) and _up(b), 30, 0.2, what="both web nodes")

        article = {"text": SHORT_TEXT, "id": "multi", "voice": "espeak"}
        status, data = _json(a + "/api/articles", "POST", article, token)
        assert status == 202, data

        def ready(base: str, version: int) -> bool:
            status, data = _json(f"{base}/api/articles/multi")
            assert status == 200 and data["status"] != "failed", data
            return data["current_version"] == version and data["status"] == "ready"

        wait_for(lambda: ready(b, 1), 40, 0.1, what="version 1, seen through node B")
        assert _play(b, "multi") == 1
        first_job = _json(b + "/api/articles/multi")[1]["job"]
        assert first_job["status"] == "done"

        edited = SHORT_TEXT.replace("Monday", "Tuesday") + "\nTolls stay the same.\n"
        status, data = _json(b + "/api/articles/multi", "PUT", {"text": edited, "voice": "espeak"}, token)
        assert status == 202, data
        played_old = 0
        while not ready(a, 2):  # node A keeps serving version 1 until version 2 is complete
            version = _play(a, "multi")
            played_old += version == 1
            assert version in (1, 2)
        assert played_old >= 1
        assert _play(a, "multi") == 2 and _play(b, "multi") == 2

        # Both nodes ask for the same edit at once: one more version, not two.
        again = edited + "\nThe ferry keeps running.\n"
        results: list = []
        barrier = threading.Barrier(2)

        def put(base: str) -> None:
            barrier.wait()
            body = {"text": again, "voice": "espeak"}
            results.append(_json(base + "/api/articles/multi", "PUT", body, token))

        threads = [threading.Thread(target=put, args=(base,)) for base in (a, b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert sorted(s for s, _ in results) == [202, 202], results
        wait_for(lambda: ready(b, 3), 40, 0.1, what="version 3")
        wait_for(lambda: _json(a + "/api/articles/multi")[1]["job"]["status"] == "done", 40, 0.1,
                 what="the last job to finish")
        versions = _json(a + "/api/articles/multi/versions")[1]
        assert [v["version"] for v in versions["versions"]] == [3, 2, 1]  # nothing lost, no extra version
        assert _json(b + "/api/articles/multi/versions")[1] == versions
        for v in (1, 2, 3):  # every version still plays from the bucket, through either node
            for base in (a, b):
                status, headers, _ = fetch(f"{base}/audio/multi/{v}.mp3")
                assert status == 302 and fetch(headers["Location"], {"Range": "bytes=0-9"})[0] == 206
        workers = {procs["w1"].pid, procs["w2"].pid}
        assert all(p.poll() is None for p in procs.values())
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    logs = {name: (tmp_path / f"{name}.log").read_text(errors="replace") for name in procs}
    for name, log in logs.items():
        assert "Traceback" not in log and "ERROR" not in log, f"{name}:\n{log}"
    with Store(tmp_path / "check", database_url=postgres_url).db.connect() as db:
        jobs = db.execute("SELECT status, worker, error FROM jobs WHERE article_id = 'multi'").fetchall()
    assert {j["status"] for j in jobs} == {"done"} and not any(j["error"] for j in jobs), jobs
    assert {int(j["worker"].rsplit(":", 1)[1]) for j in jobs} <= workers  # run by the two workers
