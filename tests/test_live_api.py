"""Listening before the version exists, over HTTP: the live state of an article (queued, being made,
published, failed), its segments, a listener's press that reorders work and nothing else, and the
removal of a finished job's stream."""

from __future__ import annotations

import threading
from datetime import UTC

import pytest
from gates import GatedPool
from web_fixtures import SHORT_TEXT, BufferedClient, wait_for

from narrator.service.generation import Generator, live_stream
from narrator.service.jobs import LIVE_KEEP_S
from narrator.service.store import PRIORITY_SMALL, PRIORITY_WAITING
from web import close_app, create_app


@pytest.fixture
def idle(tmp_path, engine_pool):  # noqa: ANN001, ANN201
    """An app that queues jobs and leaves them (the test runs them), engines behind a gate."""
    pool = GatedPool(engine_pool, open_for=4)
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none", "ENGINE_POOL": pool,
                      "EVENTS_PER_MINUTE": 5})
    app.test_client_class = BufferedClient
    yield app, pool
    if pool.gate:
        pool.gate.release()
    close_app(app)


def _run(app, pool, job_id: str) -> threading.Thread:  # noqa: ANN001
    svc = app.extensions["narrator"]
    generator = Generator(svc.store, svc.settings, pool)
    thread = threading.Thread(target=lambda: generator.run(job_id), daemon=True)
    thread.start()
    return thread


def test_live_state_from_queued_to_published(idle) -> None:  # noqa: ANN001
    app, pool = idle
    client = app.test_client()
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    listener = app.test_client(role=None)
    queued = listener.get("/api/articles/a1/live")
    assert queued.status_code == 200 and queued.headers["Cache-Control"] == "no-store"
    state = queued.json
    assert (state["status"], state["stream"], state["version"]) == ("queued", None, None)
    assert state["segments"] == [] and state["paragraphs"] == []
    assert 10_000 < state["estimated_ms"] < 40_000  # four short paragraphs, at espeak's pace

    # Being made: the segments and the timing map so far, with an estimate of the whole.
    runner = _run(app, pool, job["id"])
    wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 30, what="the job to reach the gate")
    state = wait_for(lambda: (s := listener.get("/api/articles/a1/live").json)["segments"] and s, 10)
    assert state["status"] == "generating" and state["stream"] == f"{job['id']}-1" and not state["complete"]
    assert state["published"] is False and all("final" not in s for s in state["segments"])
    assert [p["kind"] for p in state["paragraphs"]][:2] == ["disclaimer", "title"]
    made = state["segments"][-1]["end"]
    assert state["estimated_ms"] > made * 1000  # more to come
    segment = listener.get(state["segments"][0]["url"])
    assert segment.status_code == 200 and segment.mimetype == "audio/mpeg" and segment.data[:2] == b"\xff\xf3"
    assert segment.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    ranged = listener.get(state["segments"][0]["url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100

    pool.gate.release()
    runner.join(60)
    state = listener.get("/api/articles/a1/live").json
    article = client.get("/api/articles/a1").json
    assert (state["status"], state["version"]) == ("ready", 1)
    assert state["complete"] is True and state["published"] is True
    assert state["audio_url"] == article["audio_url"] and state["duration_ms"] == article["duration_ms"]
    assert state["estimated_ms"] == article["duration_ms"]
    assert all(set(s["final"]) == {"primer", "start", "end", "primer_start"} for s in state["segments"])
    timing = client.get(article["timing_url"]).json
    assert state["paragraphs"] == timing["paragraphs"]

    # Only what the player lacks: segments from N, paragraphs from index P.
    part = listener.get("/api/articles/a1/live?from_segment=2&from_paragraph=3").json
    assert [s["n"] for s in part["segments"]] == [s["n"] for s in state["segments"][2:]]
    assert [p["index"] for p in part["paragraphs"]] == [p["index"] for p in state["paragraphs"][3:]]
    assert listener.get("/api/articles/a1/live?from_segment=x").json["segments"] == state["segments"]

    assert listener.get("/api/articles/nope/live").status_code == 404
    stream = state["stream"]
    for bad in (f"/audio/a1/live/{stream}/99.mp3", "/audio/a1/live/..%2Fx/0.mp3",
                f"/audio/nope/live/{stream}/0.mp3", f"/audio/a1/live/{stream}/{2**40}.mp3"):
        assert listener.get(bad).status_code == 404, bad


def test_a_failed_job_says_so_and_keeps_what_was_made(idle) -> None:  # noqa: ANN001
    app, pool = idle
    client = app.test_client()
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    runner = _run(app, pool, job["id"])
    wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 30, what="the job to reach the gate")
    store = app.extensions["narrator"].store
    wait_for(lambda: client.get("/api/articles/a1/live").json["segments"], 10)
    store.fail_job(job["id"], "the engine crashed")
    pool.gate.release()
    runner.join(60)
    state = client.get("/api/articles/a1/live").json
    assert (state["status"], state["error"], state["version"]) == ("failed", "the engine crashed", None)
    assert state["segments"] and client.get(state["segments"][0]["url"]).status_code == 200


def test_a_listeners_press_moves_a_waiting_article_ahead_and_changes_nothing_else(idle) -> None:  # noqa: ANN001
    app, pool = idle
    client = app.test_client()
    store = app.extensions["narrator"].store
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    assert store.get_job(job["id"]).priority == PRIORITY_SMALL
    before = client.get("/api/articles/a1").json
    listener = app.test_client(role=None)  # anonymous: no credential, no cookies
    r = listener.post("/api/articles/a1/listen", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert r.status_code == 202 and r.json == {"article": "a1", "job": job["id"], "status": "queued",
                                               "priority": PRIORITY_WAITING}
    assert store.get_job(job["id"]).priority == PRIORITY_WAITING
    after = client.get("/api/articles/a1").json
    assert {k: v for k, v in after.items() if k != "job"} == {k: v for k, v in before.items() if k != "job"}
    assert after["job"]["id"] == before["job"]["id"] and len(store.list_articles()) == 1

    # Running: the job's priority rises too, so it no longer pauses for other work.
    runner = _run(app, pool, job["id"])
    wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 30, what="the job to reach the gate")
    with store.db.write() as db:
        db.execute("UPDATE jobs SET priority = ? WHERE id = ?", (PRIORITY_SMALL, job["id"]))
    assert listener.post("/api/articles/a1/listen").status_code == 202
    assert store.job_turn(job["id"]) == ("running", PRIORITY_WAITING)
    pool.gate.release()
    runner.join(60)
    assert listener.post("/api/articles/a1/listen").status_code == 204  # nothing waiting any more
    assert listener.post("/api/articles/nope/listen").status_code == 404
    # Rate-limited per address like the listening events (5 a minute in this app).
    other = {"REMOTE_ADDR": "203.0.113.5"}
    statuses = [listener.post("/api/articles/a1/listen", environ_base=other).status_code for _ in range(7)]
    assert statuses == [204] * 5 + [429] * 2


@pytest.fixture
def running(tmp_path, engine_pool):  # noqa: ANN001, ANN201
    """An app whose jobs run in its own process, and a client."""
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "inprocess",
                      "ENGINE_POOL": engine_pool})
    app.test_client_class = BufferedClient
    try:
        yield app, app.test_client()
    finally:
        close_app(app)


def test_a_finished_jobs_stream_is_removed_after_a_while(running, tmp_path) -> None:  # noqa: ANN001
    app, client = running
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    wait_for(lambda: client.get("/api/articles/a1").json["status"] == "ready", 60)
    runner = app.extensions["narrator"].runner
    store = app.extensions["narrator"].store
    stream = live_stream(store.get_job(job["id"]))
    folder = store.storage.live_path("a1", stream, "live.json").parent
    assert folder.is_dir() and any(folder.glob("*.mp3"))
    scheduled = wait_for(lambda: [t for t in runner.huey.scheduled() if t.name == "narrator.forget_live"],
                         10, what="the removal to be scheduled")
    assert scheduled[0].args == ("a1", [stream])
    eta = scheduled[0].eta.replace(tzinfo=UTC)  # Huey keeps naive UTC times
    delay = eta.timestamp() - store.get_job(job["id"]).updated
    assert LIVE_KEEP_S - 30 < delay <= LIVE_KEEP_S + 5
    runner.forget_live("a1", [stream])  # what the task does when it is due
    assert not folder.exists() and (tmp_path / "home" / "audio" / "a1" / "1.mp3").is_file()


def test_only_an_article_without_a_version_streams(running, tmp_path) -> None:  # noqa: ANN001
    """Players of an article with a version play it until the new one is published: its jobs stream
    nothing (an encoding nobody would hear), while the first version's job did."""
    app, client = running
    first = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    wait_for(lambda: client.get("/api/articles/a1").json["current_version"] == 1, 60)
    edited = client.put("/api/articles/a1", json={"text": SHORT_TEXT.replace(".", "!", 1)})
    assert edited.status_code == 202
    wait_for(lambda: client.get("/api/articles/a1").json["current_version"] == 2, 60)
    store = app.extensions["narrator"].store
    streamed = [store.storage.live_path("a1", live_stream(store.get_job(job_id)), "live.json").is_file()
                for job_id in (first["id"], edited.json["job"]["id"])]
    assert streamed == [True, False]
    assert (tmp_path / "home" / "audio" / "a1" / "2.mp3").is_file()


def test_the_pages_allow_the_live_stream_and_only_it(client) -> None:  # noqa: ANN001
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "media-src 'self' blob:;" in policy and "connect-src 'self';" in policy
    assert "script-src 'self';" in policy and "unsafe" not in policy
