"""Health and metrics (issue 23, item 14): /healthz, /readyz and /metrics with real parts: real narrations,
a real `narrator worker`, `narrator serve` and `narrator watch` in their own processes, gunicorn with two
processes, SQLite and PostgreSQL, Redis, a moto S3 bucket; JSON-lines logs with request and job ids."""

from __future__ import annotations

import http.server
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from services import PG_BIN, PostgresServer
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, BufferedClient, configure, free_port, narrated, wait_for

from narrator import logs
from narrator.cli import main
from narrator.service.accounts import Accounts
from narrator.service.metrics import FIRST_AUDIO, SYNTHESIS_SECONDS, Batch, Tallies
from narrator.service.store import Store
from narrator.web import close_app, create_app

ROOT = Path(__file__).resolve().parent.parent

Samples = dict[tuple[str, frozenset], float]


def parse(text: str) -> Samples:
    """A Prometheus text page, parsed by prometheus_client's own parser: (sample name, labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value (0 if the page has no such sample)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def scrape(client) -> Samples:  # noqa: ANN001
    r = client.get("/metrics")
    assert r.status_code == 200, r.data
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(r.text)


def _app(tmp_path: Path, engine_pool, **settings: object):  # noqa: ANN001, ANN202
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "ACCEL_REDIRECT": "", **settings})
    app.test_client_class = BufferedClient
    return app


# /healthz and request ids ------------------------------------------------------------------------------


def test_healthz_answers_and_every_answer_carries_a_request_id(client) -> None:  # noqa: ANN001
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json == {"status": "ok"}
    assert r.headers["Cache-Control"] == "no-store"
    made = r.headers["X-Request-ID"]
    assert len(made) == 32 and int(made, 16) >= 0
    assert client.get("/healthz").headers["X-Request-ID"] != made  # one per request
    given = "5b3c1f0e-trace:42"
    assert client.get("/api/articles", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    for hostile in ("two words", "x" * 129, 'quote"d', "tab\tin", "<script>"):  # could forge or bloat logs
        answered = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
        assert answered != hostile and len(answered) == 32
    assert client.get("/no/such/page").headers["X-Request-ID"]  # errors carry one too


# /readyz ------------------------------------------------------------------------------------------------


def test_readyz_is_ready_with_the_in_process_runner_and_shows_details_to_operators_only(client) -> None:  # noqa: ANN001
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "ready" and r.json["failed"] == []
    checks = r.json["checks"]
    assert list(checks) == ["database", "queue", "storage", "workers"]
    assert all(c["ok"] and c["summary"] == "ok" for c in checks.values())
    assert f":{os.getpid()} (serve)" in checks["workers"]["detail"]  # this process's runner beats
    assert checks["storage"]["detail"].endswith("/audio is writable")
    remote = client.get("/readyz", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert remote.status_code == 200
    assert all(set(c) == {"ok", "ms", "summary"} for c in remote.json["checks"].values())  # no paths, hosts


def test_readyz_503_when_the_sqlite_database_is_broken(app, client, tmp_path: Path) -> None:  # noqa: ANN001
    assert client.get("/readyz").status_code == 200
    db = tmp_path / "home" / "narrator.db"
    broken = db.with_name("broken.db")
    broken.write_bytes(b"this is not a database at all " * 200)
    os.replace(broken, db)  # a disk that returned garbage
    r = client.get("/readyz")
    assert r.status_code == 503, r.json
    assert r.json["status"] == "unavailable" and "database" in r.json["failed"]
    database = r.json["checks"]["database"]
    assert not database["ok"] and database["summary"] == "the database does not answer"
    assert "not a database" in database["detail"]
    assert r.json["checks"]["storage"]["ok"] and r.json["checks"]["queue"]["ok"]  # the others still say ok
    assert client.get("/healthz").status_code == 200  # alive: nothing a restart would fix


def test_readyz_503_when_postgresql_is_down(tmp_path: Path, engine_pool) -> None:  # noqa: ANN001
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}/initdb missing; script/setup installs it)")
    server = PostgresServer()  # a cluster of its own, since this test stops it
    server.start()
    try:
        from narrator.service import migrations

        url = server.database()
        migrations.upgrade(url)
        app = _app(tmp_path, engine_pool, DATABASE_URL=url, DB_TIMEOUT_S=2, RUNNER="inprocess")
        try:
            client = app.test_client()
            assert client.get("/readyz").status_code == 200
            server.stop()
            for _ in range(3):  # pooled connections cut by the shutdown, then refused new ones
                r = client.get("/readyz")
                assert r.status_code == 503 and "database" in r.json["failed"], r.json
            assert "Connection refused" in r.json["checks"]["database"]["detail"], r.json
            metrics = scrape(client)  # the page still answers: this node's latency, the database down
            assert value(metrics, "narrator_database_up") == 0
            assert value(metrics, "narrator_http_request_duration_seconds_count", route="/readyz",
                         method="GET", status="503") == 3
        finally:
            close_app(app)
    finally:
        server.stop()


def test_readyz_503_when_local_audio_storage_cannot_be_written(app, client, tmp_path: Path) -> None:  # noqa: ANN001
    assert client.get("/readyz").status_code == 200
    audio = tmp_path / "home" / "audio"
    shutil.rmtree(audio)
    audio.write_text("a file where the audio folder was (an unmounted disk)")
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json["failed"] == ["storage"], r.json
    assert r.json["checks"]["storage"]["summary"] == "audio cannot be stored"


def test_readyz_503_when_the_bucket_is_gone(tmp_path: Path, engine_pool, s3_bucket, monkeypatch) -> None:  # noqa: ANN001
    import boto3

    for key, val in s3_bucket.items():
        monkeypatch.setenv(key, val)
    app = _app(tmp_path, engine_pool, RUNNER="inprocess")
    try:
        client = app.test_client()
        r = client.get("/readyz")
        assert r.status_code == 200 and "answers" in r.json["checks"]["storage"]["detail"], r.json
        s3 = boto3.client("s3", endpoint_url=s3_bucket["NARRATOR_S3_ENDPOINT_URL"], region_name="us-east-1")
        s3.delete_bucket(Bucket=s3_bucket["NARRATOR_S3_BUCKET"])
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json["failed"] == ["storage"], r.json
        assert "404" in r.json["checks"]["storage"]["detail"]
    finally:
        close_app(app)


def test_readyz_503_while_redis_is_down_then_ready(tmp_path: Path, engine_pool, redis_server) -> None:  # noqa: ANN001
    app = _app(tmp_path, engine_pool, REDIS_URL=redis_server.url, RUNNER="inprocess")
    try:
        client = app.test_client()
        assert client.get("/readyz").status_code == 200
        redis_server.stop()
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json["failed"] == ["queue"], r.json
        assert r.json["checks"]["queue"]["summary"] == "the job queue does not answer"
        redis_server.start()
        wait_for(lambda: client.get("/readyz").status_code == 200, 20, 0.2, what="ready again")
    finally:
        close_app(app)


def _worker(home: Path, log: Path, **env: str) -> subprocess.Popen:
    """A real `narrator worker` process on `home`, its standard error in `log`."""
    environment = {**os.environ, "NARRATOR_HOME": str(home), "PYTHONWARNINGS": "ignore", **env}
    with open(log, "wb") as out:
        return subprocess.Popen([sys.executable, "-m", "narrator.cli", "worker"], env=environment,
                                stdout=out, stderr=out, cwd=ROOT)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _json_lines(path: Path) -> list[dict]:
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line: one JSON object


def test_readyz_follows_workers_heartbeats_and_their_jobs_reach_metrics(tmp_path: Path, engine_pool) -> None:  # noqa: ANN001
    """NARRATOR_RUNNER=none: the web node runs nothing; a `narrator worker` in another process beats,
    narrates, and what it measured is on the web node's /metrics; JSON logs carry its job's id."""
    app = _app(tmp_path, engine_pool, RUNNER="none", HEARTBEAT_S=0.5)
    home = tmp_path / "home"
    procs: list[subprocess.Popen] = []
    try:
        client = app.test_client()
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json["failed"] == ["workers"], r.json
        assert "none is recorded" in r.json["checks"]["workers"]["detail"]

        worker = _worker(home, tmp_path / "w1.log", NARRATOR_HEARTBEAT_S="0.5", NARRATOR_LOG_FORMAT="json")
        procs.append(worker)
        ready = wait_for(lambda: (r := client.get("/readyz")).status_code == 200 and r.json, 60, 0.1,
                         what="the worker's first heartbeat")
        assert f":{worker.pid} (worker)" in ready["checks"]["workers"]["detail"]  # type: ignore[index]

        article = narrated(client)
        job_id = article["job"]["id"]
        metrics = scrape(client)
        assert value(metrics, "narrator_synthesis_seconds_count", voice="espeak") == 1  # measured over there
        assert value(metrics, "narrator_workers", role="worker") == 1
        assert value(metrics, "narrator_workers", role="serve") == 0
        lines = _json_lines(tmp_path / "w1.log")
        published = [x for x in lines if x.get("job_id") == job_id and "published version 1" in x["message"]]
        assert len(published) == 1 and published[0]["level"] == "INFO", lines
        assert {"time", "level", "logger", "message"} <= set(published[0])

        configure(app, heartbeat_s=60.0)  # meanwhile a row left behind would count as alive for 3 minutes
        _stop(worker)  # SIGINT: a clean stop removes its row at once
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json["failed"] == ["workers"], r.json

        configure(app, heartbeat_s=0.5)
        second = _worker(home, tmp_path / "w2.log", NARRATOR_HEARTBEAT_S="0.5")
        procs.append(second)
        wait_for(lambda: client.get("/readyz").status_code == 200, 60, 0.1, what="the second worker")
        second.kill()  # SIGKILL: its row stays, and ages out after three missed beats
        second.wait()
        r = wait_for(lambda: (r := client.get("/readyz")).status_code == 503 and r.json, 10, 0.1,
                     what="the dead worker to be counted gone")
        assert r["failed"] == ["workers"] and "the last one" in r["checks"]["workers"]["detail"]  # type: ignore[index]
    finally:
        for proc in procs:
            _stop(proc, signal.SIGKILL)
        close_app(app)


# /metrics -----------------------------------------------------------------------------------------------


def test_metrics_after_real_narrations_count_synthesis_cache_and_first_audio(client) -> None:  # noqa: ANN001
    before = time.monotonic()
    first = narrated(client, SHORT_TEXT, "a1", "espeak")
    first_wait = time.monotonic() - before
    m = scrape(client)
    assert value(m, "narrator_jobs", state="done") == 1
    assert value(m, "narrator_jobs", state="queued") == 0 and value(m, "narrator_queue_depth") == 0
    assert value(m, "narrator_queue_oldest_age_seconds") == 0
    assert value(m, "narrator_database_up") == 1 and value(m, "narrator_workers", role="serve") == 1
    assert value(m, "narrator_synthesis_seconds_count", voice="espeak") == 1
    engine_s = value(m, "narrator_synthesis_seconds_sum", voice="espeak")
    audio_s = value(m, "narrator_synthesised_audio_seconds_total", voice="espeak")
    assert 0 < engine_s < first_wait  # the engine's time is part of the wait
    duration_s = first["duration_ms"] / 1000
    assert 0.6 * duration_s < audio_s < 1.4 * duration_s, (audio_s, duration_s)  # clips, before pauses
    assert value(m, "narrator_synthesis_real_time_factor_count", voice="espeak") == 1
    rtf = value(m, "narrator_synthesis_real_time_factor_sum", voice="espeak")
    assert rtf == pytest.approx(engine_s / audio_s)
    assert value(m, "narrator_synthesis_seconds_bucket", voice="espeak", le="+Inf") == 1
    misses = value(m, "narrator_cache_misses_total")
    assert misses >= 6 and value(m, "narrator_cache_hits_total") == 0  # title, notice and 4 paragraphs
    assert value(m, "narrator_time_to_first_audio_seconds_count") == 1
    assert 0 < value(m, "narrator_time_to_first_audio_seconds_sum") < first_wait

    before = time.monotonic()
    narrated(client, SHORT_TEXT, "a2", "espeak")  # the same sentences: every clip from the cache
    second_wait = time.monotonic() - before
    m = scrape(client)
    assert value(m, "narrator_jobs", state="done") == 2
    assert value(m, "narrator_cache_hits_total") == misses
    assert value(m, "narrator_cache_misses_total") == misses
    assert value(m, "narrator_synthesis_seconds_count", voice="espeak") == 1  # nothing synthesised
    assert value(m, "narrator_time_to_first_audio_seconds_count") == 2
    assert value(m, "narrator_time_to_first_audio_seconds_sum") < first_wait + second_wait

    # docs/operations.md lists every metric the page has, and the page has every metric it lists.
    table = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8").split("## Metrics", 1)[1]
    documented = set(re.findall(r"^\| `(narrator_[a-z_]+)` \| (?:gauge|counter|histogram) \|", table, re.M))
    shown = {re.sub(r"_(bucket|sum|count)$", "", name) for name, _ in m if not name.endswith("_created")}
    assert documented == shown, (documented ^ shown)


def test_metrics_http_latency_is_labelled_by_url_rule(client) -> None:  # noqa: ANN001
    narrated(client, SHORT_TEXT, "a1", "espeak")
    route, get = "/api/articles/<article_id>", {"method": "GET"}
    m = scrape(client)
    for _ in range(3):
        assert client.get("/api/articles/a1").status_code == 200
    assert client.get("/api/articles/nope").status_code == 404
    assert client.get("/no/such/page-91723").status_code == 404
    after = scrape(client)
    name = "narrator_http_request_duration_seconds_count"

    def more(**labels: str) -> float:
        return value(after, name, **labels) - value(m, name, **labels)

    assert more(route=route, status="200", **get) == 3
    assert more(route=route, status="404", **get) == 1
    assert more(route="unmatched", status="404", **get) == 1
    assert value(after, name, route="/metrics", status="200", **get) >= 1
    routes = {dict(labels)["route"] for (sample, labels) in after if sample == name}
    assert not any(word in r for r in routes for word in ("a1", "nope", "91723"))  # never the raw path


def test_queue_depth_and_age_are_read_from_the_database_by_every_node(tmp_path: Path, engine_pool) -> None:  # noqa: ANN001
    node_a = _app(tmp_path, engine_pool, RUNNER="none")
    node_b = _app(tmp_path, engine_pool, RUNNER="none")  # a second web node on the same database
    try:
        a, b = node_a.test_client(), node_b.test_client()
        submitted = time.monotonic()
        for n in (1, 2):
            r = a.post("/api/articles", json={"text": SHORT_TEXT, "id": f"q{n}", "voice": "espeak"})
            assert r.status_code == 202, r.json
        m = scrape(b)
        assert value(m, "narrator_queue_depth") == 2 and value(m, "narrator_jobs", state="queued") == 2
        assert value(m, "narrator_jobs", state="done") == 0
        wait_for(lambda: value(scrape(b), "narrator_queue_oldest_age_seconds") >= 1.0, 10, 0.2,
                 what="the oldest job's age to pass a second")
        age = value(scrape(a), "narrator_queue_oldest_age_seconds")
        assert 1.0 <= age <= time.monotonic() - submitted + 0.5
        pages = [{k: v for k, v in scrape(c).items() if not k[0].startswith("narrator_http")
                  and k[0] != "narrator_queue_oldest_age_seconds"} for c in (a, b)]
        assert pages[0] == pages[1]  # the same truth from both nodes
    finally:
        close_app(node_a)
        close_app(node_b)


class FeedSite:
    """A feed on loopback listing one page that does not exist."""

    def __init__(self) -> None:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                if self.path != "/feed.xml":
                    self.send_error(404)
                    return
                body = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                        f"<item><title>Gone</title><link>{outer.base}/news/gone.html</link></item>"
                        f"</channel></rss>").encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_watch_passes_and_failures_of_narrator_watch_reach_metrics(client, tmp_path: Path) -> None:  # noqa: ANN001
    site = FeedSite()
    try:
        env = {"NARRATOR_HOME": str(tmp_path / "home"), "NARRATOR_ALLOW_PRIVATE_URLS": "1",
               "NARRATOR_WATCH_DELAY_S": "0", "PATH": "/usr/bin:/bin", "XDG_DATA_HOME": str(tmp_path / "x")}
        closed = f"http://127.0.0.1:{free_port()}/feed.xml"  # nothing listens there
        run = subprocess.run([sys.executable, "-m", "narrator.cli", "watch", site.base + "/feed.xml", closed,
                              "--once"], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert run.returncode == 1, run.stderr  # a source could not be read at all
    finally:
        site.close()
    m = scrape(client)  # the app on the same home: counted by the other process, read from the database
    assert value(m, "narrator_watch_passes_total") == 2
    assert value(m, "narrator_watch_failures_total") == 1
    assert value(m, "narrator_watch_page_failures_total") == 1


def test_metrics_is_for_this_machine_unless_a_token_is_set(app, client) -> None:  # noqa: ANN001
    assert client.get("/metrics").status_code == 200  # the test client comes from 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    remote = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert remote.status_code == 403 and "NARRATOR_METRICS_TOKEN" in remote.json["message"]
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 403  # nginx on this machine passing on a request from elsewhere

    configure(app, metrics_token="s3cret-scrape-token")
    anonymous = app.test_client(role=None)
    r = anonymous.get("/metrics")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert anonymous.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    token = {"Authorization": "Bearer s3cret-scrape-token"}
    r = anonymous.get("/metrics", headers=token, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert r.status_code == 200 and "narrator_jobs" in r.text
    ready = anonymous.get("/readyz", headers=token, environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert "detail" in ready.json["checks"]["database"]
    assert "detail" not in anonymous.get("/readyz").json["checks"]["database"]  # loopback needs it too now


def test_gunicorn_processes_add_up_their_latency(tmp_path: Path) -> None:
    """deploy/gunicorn.conf.py as it is, two processes: whichever answers a scrape reports every request."""
    port = free_port()
    env = {**os.environ, "NARRATOR_HOME": str(tmp_path / "home"), "NARRATOR_BIND": f"127.0.0.1:{port}",
           "NARRATOR_WORKERS": "2", "NARRATOR_THREADS": "2", "NARRATOR_RUNNER": "none",
           "PYTHONWARNINGS": "ignore", "TMPDIR": str(tmp_path)}  # where the conf makes its metrics folder
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with open(tmp_path / "gunicorn.log", "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py"], env=env,
                                stdout=out, stderr=out, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(base + path, timeout=60) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            return 0, ""

    def healthz_count() -> float:
        status, page = get("/metrics")
        assert status == 200, page
        return value(parse(page), "narrator_http_request_duration_seconds_count", route="/healthz",
                     method="GET", status="200")

    try:
        wait_for(lambda: get("/healthz")[0] == 200, 60, 0.2, what="gunicorn to answer")
        before = healthz_count()
        for _ in range(20):  # in new connections: gunicorn's processes share them out
            assert get("/healthz")[0] == 200
        for _ in range(3):  # several scrapes, answered by either process: every request of both
            assert healthz_count() - before == 20
        (folder,) = tmp_path.glob("narrator-metrics-*")
        assert list(folder.glob("histogram_*.db"))  # multiprocess mode: each process's numbers in a file
    finally:
        _stop(proc, signal.SIGTERM)
    assert proc.returncode == 0, (tmp_path / "gunicorn.log").read_text()
    assert not list(tmp_path.glob("narrator-metrics-*"))  # removed when gunicorn stopped


# Logs ----------------------------------------------------------------------------------------------------


def test_narrator_serve_writes_json_lines_with_request_and_job_ids(tmp_path: Path) -> None:
    home = tmp_path / "home"
    token = Accounts(Store(home)).create_key("cms")[1]
    port = free_port()
    env = {**os.environ, "NARRATOR_HOME": str(home), "NARRATOR_LOG_FORMAT": "json",
           "PYTHONWARNINGS": "ignore"}
    with open(tmp_path / "serve.err", "wb") as err, open(tmp_path / "serve.out", "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "narrator.cli", "serve", "--port", str(port)], env=env,
                                stdout=out, stderr=err, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"

    def call(path: str, body: dict | None = None, **headers: str) -> tuple[int, dict, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(base + path, data=data, headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {token}", **headers})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, dict(r.headers), json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), json.loads(e.read() or b"{}")
        except OSError:
            return 0, {}, {}

    try:
        wait_for(lambda: call("/healthz")[0] == 200, 60, 0.2, what="narrator serve")
        status, headers, body = call("/api/articles", {"text": SHORT_TEXT, "id": "j1", "voice": "espeak"},
                                     **{"X-Request-ID": "cms-7f3a"})
        assert status == 202 and headers["X-Request-ID"] == "cms-7f3a", body
        job_id = body["job"]["id"]
        wait_for(lambda: call("/api/articles/j1")[2].get("status") == "ready", 60, 0.2, what="the narration")
        status, headers, _ = call("/api/articles/missing")
        assert status == 404
        made_up = headers["X-Request-ID"]
    finally:
        _stop(proc)
    lines = _json_lines(tmp_path / "serve.err")
    posted = [x for x in lines if x.get("request_id") == "cms-7f3a"]
    assert any(x["logger"] == "narrator.access" and x["route"] == "/api/articles" and x["status"] == 202
               and x["method"] == "POST" and x["duration_ms"] > 0 for x in posted), posted
    missing = [x for x in lines if x.get("request_id") == made_up]
    assert [(x["route"], x["status"], x["path"]) for x in missing] == [
        ("/api/articles/<article_id>", 404, "/api/articles/missing")]
    job_lines = [x for x in lines if x.get("job_id") == job_id]
    assert any("started" in x["message"] for x in job_lines) and any(
        "published version 1" in x["message"] for x in job_lines), job_lines
    assert not any("request_id" in x for x in job_lines)  # the job runs in the queue's thread


def test_json_formatter_keeps_one_line_per_record_with_the_context_ids() -> None:
    formatter, stamp = logs.JsonFormatter(), logs.ContextFilter()
    try:
        raise ValueError("disk\nfull")
    except ValueError:
        record = logging.LogRecord("narrator.x", logging.ERROR, __file__, 1, "job %s failed:\n%s",
                                   ("j9", "why"), sys.exc_info())
    with logs.job_context("j9"):
        token = logs.REQUEST_ID.set("r1")
        try:
            stamp.filter(record)
        finally:
            logs.REQUEST_ID.reset(token)
    line = formatter.format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "job j9 failed:\nwhy"
    assert data["level"] == "ERROR" and data["logger"] == "narrator.x"
    assert data["job_id"] == "j9" and data["request_id"] == "r1"
    assert data["exception"].endswith("ValueError: disk\nfull") and data["time"].endswith("Z")
    assert logs.JOB_ID.get() is None and logs.REQUEST_ID.get() is None  # both reset on the way out


def test_log_format_and_heartbeat_settings_refuse_nonsense_in_one_line(monkeypatch, capsys) -> None:  # noqa: ANN001
    monkeypatch.setenv("NARRATOR_LOG_FORMAT", "xml")
    assert main(["voices"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NARRATOR_LOG_FORMAT must be one of text, json" in err
    monkeypatch.setenv("NARRATOR_LOG_FORMAT", "json")
    monkeypatch.setenv("NARRATOR_HEARTBEAT_S", "0")
    assert main(["voices"]) == 2
    assert "NARRATOR_HEARTBEAT_S must be above 0" in capsys.readouterr().err


# The store's counters --------------------------------------------------------------------------------------


def _round_trip(store: Store) -> None:
    tallies = Tallies(store.db)
    for seconds in (0.3, 7.0, 7.0, 5000.0):
        batch = Batch()
        batch.observe(SYNTHESIS_SECONDS, seconds, voice="joe")
        batch.observe(FIRST_AUDIO, seconds)
        tallies.add(batch)
    read = {t.name: s for t, s in tallies.read().items()}
    (joe,) = read["narrator_synthesis_seconds"]
    assert joe.labels == {"voice": "joe"} and joe.value == pytest.approx(5014.3)
    buckets = dict(joe.buckets)
    assert [buckets[le] for le in ("0.25", "0.5", "5.0", "10.0", "3600.0")] == [0, 1, 1, 3, 3]
    assert list(buckets)[-1] == "+Inf" and buckets["+Inf"] == 4  # cumulative, the count last
    assert read["narrator_cache_hits"][0].value == 0  # a counter reads 0 before its first use
    with pytest.raises(ValueError):
        Batch().observe(SYNTHESIS_SECONDS, 1.0)  # its label is required


def test_counters_add_up_in_sqlite(tmp_path: Path) -> None:
    _round_trip(Store(tmp_path / "home"))


def test_counters_add_up_in_postgresql(tmp_path: Path, postgres_url: str) -> None:
    _round_trip(Store(tmp_path / "home", database_url=postgres_url))
