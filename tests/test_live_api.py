"""Listening before the version exists, over HTTP: the live state of an article (queued, being made,
published, failed), its segments, a listener's press that reorders work and nothing else, and the
removal of a finished job's stream."""

from __future__ import annotations

import json
import threading
from datetime import UTC

import pytest
from gates import GatedPool
from web_fixtures import SHORT_TEXT, BufferedClient, wait_for

from narrator.config import Settings
from narrator.extract import extract_text
from narrator.pipeline import narrate
from narrator.service.audio_storage import LocalStorage
from narrator.service.generation import Generator, _Turns, live_stream
from narrator.service.jobs import LIVE_KEEP_S
from narrator.service.store import PRIORITY_SMALL, PRIORITY_WAITING
from narrator.speech.voices import get_voice
from narrator.web import close_app, create_app
from narrator.web.live_index import LiveIndex, StreamIndex


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
    store.jobs.fail(job["id"], "the engine crashed")
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
    assert store.jobs.get(job["id"]).priority == PRIORITY_SMALL
    before = client.get("/api/articles/a1").json
    listener = app.test_client(role=None)  # anonymous: no credential, no cookies
    r = listener.post("/api/articles/a1/listen", environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert r.status_code == 202 and r.json == {"article": "a1", "job": job["id"], "status": "queued",
                                               "priority": PRIORITY_WAITING}
    assert store.jobs.get(job["id"]).priority == PRIORITY_WAITING
    after = client.get("/api/articles/a1").json
    assert {k: v for k, v in after.items() if k != "job"} == {k: v for k, v in before.items() if k != "job"}
    assert after["job"]["id"] == before["job"]["id"] and len(store.articles.all()) == 1

    # Running: the job's priority rises too, so it no longer pauses for other work.
    runner = _run(app, pool, job["id"])
    wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 30, what="the job to reach the gate")
    with store.db.write() as db:
        db.execute("UPDATE jobs SET priority = ? WHERE id = ?", (PRIORITY_SMALL, job["id"]))
    assert listener.post("/api/articles/a1/listen").status_code == 202
    assert store.jobs.turn(job["id"]) == ("running", PRIORITY_WAITING)
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
    stream = live_stream(store.jobs.get(job["id"]))
    folder = store.storage.live_path("a1", stream, "live.json").parent
    assert folder.is_dir() and any(folder.glob("*.mp3"))
    scheduled = wait_for(lambda: [t for t in runner.huey.scheduled() if t.name == "narrator.forget_live"],
                         10, what="the removal to be scheduled")
    assert scheduled[0].args == ("a1", [stream])
    eta = scheduled[0].eta.replace(tzinfo=UTC)  # Huey keeps naive UTC times
    delay = eta.timestamp() - store.jobs.get(job["id"]).updated
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
    streamed = [store.storage.live_path("a1", live_stream(store.jobs.get(job_id)), "live.json").is_file()
                for job_id in (first["id"], edited.json["job"]["id"])]
    assert streamed == [True, False]
    assert (tmp_path / "home" / "audio" / "a1" / "2.mp3").is_file()


def test_the_pages_allow_the_live_stream_and_only_it(client) -> None:  # noqa: ANN001
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "media-src 'self' blob:;" in policy and "connect-src 'self';" in policy
    assert "script-src 'self';" in policy and "unsafe" not in policy


def test_a_poll_costs_what_is_new(idle, monkeypatch) -> None:  # noqa: ANN001
    """A listener's poll reads neither the article's content nor, while it is unchanged, the manifest:
    it gets what is new after its cursor, with an ETag, and 304 with no body when nothing is (issue 23:
    each poll loaded the whole article and manifest, 1.45 MB for a long one)."""
    app, pool = idle
    client = app.test_client()
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    svc = app.extensions["narrator"]
    listener = app.test_client(role=None)
    loaded: list[str] = []
    get_article = svc.store.articles.get
    monkeypatch.setattr(svc.store.articles, "get", lambda article_id: loaded.append(article_id)
                        or get_article(article_id))

    # Queued: the estimate is worked out from the article once per content, not at every poll.
    estimates = {listener.get("/api/articles/a1/live").json["estimated_ms"] for _ in range(5)}
    assert len(estimates) == 1 and loaded == ["a1"]
    longer = SHORT_TEXT + "\nA sixth paragraph, added by the editor, makes the article a little longer.\n"
    job = client.put("/api/articles/a1", json={"text": longer}).json["job"]
    assert listener.get("/api/articles/a1/live").json["estimated_ms"] > estimates.pop()

    runner = _run(app, pool, job["id"])
    wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 30, what="the job to reach the gate")
    whole = wait_for(lambda: (s := listener.get("/api/articles/a1/live").json)["segments"] and s, 10)
    reads = svc.live_index.reads
    loaded.clear()
    read_live = svc.store.storage.read_live
    monkeypatch.setattr(svc.store.storage, "read_live", lambda *a: pytest.fail("the manifest was read again"))
    cursor = f"/api/articles/a1/live?from_segment={len(whole['segments'])}" \
             f"&from_paragraph={len(whole['paragraphs']) - 1}"
    first = listener.get(cursor)
    assert first.status_code == 200 and first.json["segments"] == []  # nothing new: no segment...
    assert first.json["paragraphs"] == whole["paragraphs"][-1:]  # ...but the paragraph still growing
    assert {k: v for k, v in first.json.items() if k not in ("segments", "paragraphs")} == \
        {k: v for k, v in whole.items() if k not in ("segments", "paragraphs")}
    etag = first.headers["ETag"]
    for _ in range(20):  # polls while nothing changes: 304, no body, the same validator
        again = listener.get(cursor, headers={"If-None-Match": etag})
        assert (again.status_code, again.data, again.headers["ETag"]) == (304, b"", etag)
        assert again.headers["Cache-Control"] == "no-store"
    assert listener.get(cursor, headers={"If-None-Match": '"something-else"'}).data == first.data
    assert loaded == [] and svc.live_index.reads == reads  # neither the article nor the manifest was read

    monkeypatch.setattr(svc.store.storage, "read_live", read_live)
    pool.gate.release()  # the job goes on: new segments, so the same validator gets them
    news = wait_for(lambda: (r := listener.get(cursor, headers={"If-None-Match": etag})).status_code == 200
                    and r.json["segments"] and r, 30, what="new segments")
    assert news.headers["ETag"] != etag
    assert news.json["segments"][0]["n"] == len(whole["segments"])
    assert news.json["paragraphs"][0]["index"] == len(whole["paragraphs"]) - 1
    runner.join(60)


def test_polls_share_one_read_of_each_manifest(idle) -> None:  # noqa: ANN001
    """Many listeners polling at once: the manifest is read once per change in a process."""
    app, pool = idle
    client = app.test_client()
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    runner = _run(app, pool, job["id"])
    wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 30, what="the job to reach the gate")
    wait_for(lambda: client.get("/api/articles/a1/live").json["segments"], 10)
    index = app.extensions["narrator"].live_index
    index._streams.clear()  # as a process that has not read it yet
    before = index.reads
    answers: list[bytes] = []
    start = threading.Barrier(16)

    def listen() -> None:
        listener = app.test_client(role=None)
        start.wait()
        answers.extend(listener.get("/api/articles/a1/live").data for _ in range(5))

    listeners = [threading.Thread(target=listen) for _ in range(16)]
    for t in listeners:
        t.start()
    for t in listeners:
        t.join(60)
    assert len(answers) == 80 and len(set(answers)) == 1 and index.reads == before + 1
    pool.gate.release()
    runner.join(60)


def test_a_deleted_articles_stream_is_gone_at_once_and_never_written_again(idle, monkeypatch) -> None:  # noqa: ANN001
    """DELETE during a streaming job: the live state and the segments answer 404 at once, and the job
    writes no segment and no manifest again (issue 23: they came back, public for ten minutes), even if
    it does not look at its status between sentences for a long while."""
    monkeypatch.setattr(_Turns, "INTERVAL_S", 3600.0)
    app, pool = idle
    client = app.test_client()
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    runner = _run(app, pool, job["id"])
    wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 30, what="the job to reach the gate")
    listener = app.test_client(role=None)
    state = wait_for(lambda: (s := listener.get("/api/articles/a1/live").json)["segments"] and s, 10)
    segment = state["segments"][0]["url"]
    store = app.extensions["narrator"].store
    folder = store.storage.live_path("a1", state["stream"], "live.json").parent
    assert listener.get(segment).status_code == 200 and folder.is_dir()

    assert client.delete("/api/articles/a1").status_code == 204
    assert listener.get("/api/articles/a1/live").status_code == 404
    assert listener.get(segment).status_code == 404
    pool.gate.release()  # the job synthesises its next sentences, and would cut its next segment
    runner.join(60)
    assert not runner.is_alive() and store.jobs.get(job["id"]).status == "cancelled"
    assert not folder.exists() and not (store.audio_root / "a1").exists()
    assert listener.get(segment).status_code == 404


def test_a_manifests_stamp_changes_with_every_write(tmp_path) -> None:  # noqa: ANN001
    """What a web node compares to know a manifest changed: another stamp after every write of a growing
    manifest, however fast they come; none for a file that is not there."""
    storage = LocalStorage(tmp_path)
    assert storage.live_stamp("a1", "s1", "live.json") is None
    stamps = []
    for n in range(20):
        storage.put_live("a1", "s1", "live.json", json.dumps({"segments": list(range(n))}).encode())
        stamps.append(storage.live_stamp("a1", "s1", "live.json"))
    assert len(set(stamps)) == 20


class Manifests:
    """A LiveSink keeping every manifest a narration writes, in order."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, name: str, data: bytes) -> None:
        if name == "live.json":
            self.written.append(data)


def test_a_manifest_read_again_decodes_only_what_is_new(tmp_path, engine_pool) -> None:  # noqa: ANN001
    """Every manifest a real narration writes, each read after the one before it: the index holds what
    parsing the whole manifest gives (segments, and paragraphs in order), having decoded only the
    paragraphs not finished at the read before; a manifest whose earlier paragraphs differ is read whole."""
    voice = get_voice("espeak")
    more = "\n\n".join(f"Paragraph {i} adds a sentence or two. It ends here." for i in range(8))
    article = extract_text(f"{SHORT_TEXT}\n{more}")
    sink = Manifests()
    narrate(article, voice, tmp_path / "a.mp3", Settings(home=str(tmp_path)), engine=engine_pool.get(voice),
            live=sink)
    assert len(sink.written) > 5
    before = None
    for n, raw in enumerate(sink.written):
        index = StreamIndex.parse("s-1", str(n), raw, before)
        whole = json.loads(raw)
        assert index.segments == tuple(whole["segments"]) and index.complete == whole["complete"]
        assert [json.loads(p) for p in index.paragraphs] == whole["paragraphs"]
        later = [p for p in whole["paragraphs"] if p["index"] >= 2]
        assert json.loads(f"[{index.paragraphs_from(2)}]") == later
        if before is not None and len(before.paragraphs) > 1:  # the finished ones are the same strings
            assert all(a is b for a, b in zip(index.paragraphs, before.paragraphs[:-1], strict=False))
        before = index
    changed = json.loads(sink.written[-1])
    changed["paragraphs"][0]["text"] = "A title edited by hand"
    edited = json.dumps(changed, ensure_ascii=False)[:-1].encode()  # same layout, paragraphs last
    redone = StreamIndex.parse("s-1", "x", edited + b"}", before)
    assert json.loads(redone.paragraphs[0])["text"] == "A title edited by hand"
    assert [json.loads(p) for p in redone.paragraphs] == changed["paragraphs"]


def _manifest(segments: int, paragraphs: int) -> bytes:
    """A manifest laid out as narrator.audio.stream writes one: its head, then its paragraphs."""
    head = {"sample_rate": 22050, "estimated_ms": 60_000, "complete": False,
            "segments": [{"n": n, "start": n * 5.0, "end": n * 5.0 + 5} for n in range(segments)]}
    listed = ", ".join(json.dumps({"index": i, "text": f"Paragraph {i}."}) for i in range(paragraphs))
    return (json.dumps(head)[:-1] + f', "paragraphs": [{listed}]}}').encode()


def test_while_one_thread_reads_a_change_the_others_answer_from_the_manifest_before(tmp_path) -> None:  # noqa: ANN001
    """Polls never queue behind the read of a changed manifest: one thread reads it, the others answer
    from the one before (one change late, and said so by the answer's ETag), then all from the new one."""
    storage = LocalStorage(tmp_path)
    storage.put_live("a1", "s1", "live.json", _manifest(3, 2))
    index = LiveIndex(storage)
    before = index.stream("a1", "s1")
    assert before is not None and len(before.segments) == 3
    storage.put_live("a1", "s1", "live.json", _manifest(4, 3))
    entered, go = threading.Event(), threading.Event()
    read = storage.read_live

    def slow_read(*args: str) -> bytes | None:
        entered.set()
        assert go.wait(30)
        return read(*args)

    storage.read_live = slow_read  # type: ignore[method-assign]
    reader_saw: list = []
    reader = threading.Thread(target=lambda: reader_saw.append(index.stream("a1", "s1")))
    reader.start()
    assert entered.wait(30)
    assert index.stream("a1", "s1") is before  # at once, from the manifest before
    go.set()
    reader.join(30)
    after = reader_saw[0]
    assert len(after.segments) == 4 and len(after.paragraphs) == 3 and index.stream("a1", "s1") is after
    assert index.reads == 2
