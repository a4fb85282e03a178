"""The quota and the fair queue hold whoever asks (issue 23, item 4): a watched source is charged like
an API key and the number of sources is bounded; a URL's page counts its true size once fetched; an
edit cannot grow a waiting job past the limit; a listener's press speeds up the opening of an article,
never the whole of a big one, and is rate-limited per client."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from gates import GatedPool, RecordingPool
from hostile_web import *  # noqa: F403 - the web fixture
from hostile_web import Web, rss
from web_fixtures import SHORT_TEXT, BufferedClient, wait_for

from narrator.config import Settings
from narrator.model import Article, Paragraph, Section
from narrator.net.guard import NetGuard
from narrator.service.audio_storage import LIVE_MANIFEST
from narrator.service.generation import Generator
from narrator.service.store import (
    PRIORITY_LARGE,
    PRIORITY_SMALL,
    PRIORITY_WAITING,
    Conflict,
    JobRequest,
    QuotaExceeded,
    Store,
)
from narrator.service.watch import Watcher
from narrator.web import close_app, create_app


def _page(topic: str, paragraphs: int, words: int = 30) -> bytes:
    """An article page about `topic`: `paragraphs` paragraphs of `words` words, each sentence its own."""
    letters = "abcdefghijklmnopqrstuvwxyz"  # words without digits: said as written, so spoken = written size
    body = "".join(f"<p>Paragraph {letters[i % 26]} about the {topic}: "
                   f"{' '.join(f'w{letters[i % 26]}ord{letters[j % 26]}' for j in range(words))}.</p>"
                   for i in range(paragraphs))
    return (f"<html lang='en'><head><title>The {topic}</title></head><body><article><h1>The {topic}</h1>"
            f"{body}</article></body></html>").encode()


def _text(topic: str, paragraphs: int) -> str:
    """A plain-text article about `topic` whose sentences are all different (the synthesis cache cannot
    answer for any of them), each naming the topic."""
    return f"The {topic} report\n\n" + "\n\n".join(
        f"The {topic} committee met for the {i}th time and voted on item {i} of the agenda."
        for i in range(paragraphs))


def _app(tmp_path: Path, **config: object):  # noqa: ANN202
    """An app that queues jobs and leaves them (the test runs them), configured by `config`."""
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none", **config})
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def idle(tmp_path, engine_pool):  # noqa: ANN001, ANN201
    """An app that queues jobs and leaves them (the test runs them), with engines that note what they say."""
    pool = RecordingPool(engine_pool)
    app = _app(tmp_path, ENGINE_POOL=pool, MAX_QUEUED_CHARS=0)
    yield app, pool
    close_app(app)


def _run(app, pool, job_id: str) -> threading.Thread:  # noqa: ANN001
    """Run a job the way a worker does, in a thread of its own."""
    svc = app.extensions["narrator"]
    generator = Generator(svc.store, svc.settings, pool)
    thread = threading.Thread(target=generator.run, args=(job_id,), daemon=True)
    thread.start()
    return thread


# Watched sources ----------------------------------------------------------------------------------


def test_a_watched_source_is_charged_like_a_key_and_the_rest_waits_for_a_later_pass(tmp_path: Path,
                                                                                    web: Web) -> None:
    for name in ("harbour", "library", "market", "museum"):
        web.pages[f"/news/{name}.html"] = ("text/html", _page(name, 20, 3))  # about 1,000 characters each
    web.pages["/feed.xml"] = rss(*(f"{web.base}/news/{n}.html" for n in ("harbour", "library",
                                                                            "market")))
    web.pages["/other.xml"] = rss(f"{web.base}/news/museum.html")
    settings = Settings(home=str(tmp_path / "home"), watch_delay_s=0, allow_private_urls=1,
                        max_queued_chars=2_500)
    store = Store.from_settings(settings)
    watcher = Watcher(store, settings, lambda job_id: None, lambda: NetGuard(allow_private=True))  # jobs wait

    source = store.sources.add(web.base + "/feed.xml")
    first = watcher.run(store.sources.get(source.id)).as_dict()
    assert (first["created"], first["held"], first["failed"]) == (2, 1, 0)
    error = store.sources.get(source.id).error
    assert error.startswith("1 entry held for a later pass: ") and "NARRATOR_MAX_QUEUED_CHARS" in error
    jobs = [store.jobs.latest(r.id) for r in store.articles.all()]
    assert {j.requested_by for j in jobs} == {f"watch:{source.id}"}
    assert 1_800 < sum(j.chars for j in jobs) <= 2_500
    assert store.sources.get(source.id).etag is None  # the next pass reads the feed in full, not a 304

    other = store.sources.add(web.base + "/other.xml")  # another source has its own allowance
    assert watcher.run(store.sources.get(other.id)).as_dict()["created"] == 1

    for job in jobs:  # the source's work is done (here: ended), so it has room again
        store.jobs.fail(job.id, "ended by the test")
    again = watcher.run(store.sources.get(source.id)).as_dict()
    assert (again["created"], again["unchanged"], again["held"]) == (1, 2, 0)
    assert store.sources.get(source.id).error is None and store.sources.get(source.id).etag
    assert len(store.articles.from_url(f"{web.base}/news/market.html")) == 1


def test_the_number_of_watched_sources_is_bounded(tmp_path: Path) -> None:
    app = _app(tmp_path, WATCH_MAX_SOURCES=2)
    try:
        client = app.test_client()
        urls = [f"https://news.example/feed-{i}.xml" for i in range(3)]
        assert [client.post("/api/sources", json={"url": u}).status_code for u in urls] == [201, 201, 409]
        refused = client.post("/api/sources", json={"url": urls[2]})
        assert refused.is_json and "NARRATOR_WATCH_MAX_SOURCES" in refused.json["message"]
        known = client.post("/api/sources", json={"url": urls[0], "voice": "espeak"})
        assert known.status_code == 201  # watched already: its voice changes, nothing is added
        first = client.get("/api/sources").json["sources"][0]["id"]
        assert client.delete(f"/api/sources/{first}").status_code == 204
        assert client.post("/api/sources", json={"url": urls[2]}).status_code == 201  # room again

        app.extensions["narrator"].accounts.create_user("ed", "correct horse")  # the dashboard says it too
        browser = app.test_client(role=None)
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/editor/signin").text).group(1)
        browser.post("/editor/signin", data={"name": "ed", "password": "correct horse", "csrf_token": token})
        token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/editor/sources").text).group(1)
        page = browser.post("/editor/sources", data={"url": urls[0], "csrf_token": token})
        assert page.status_code == 409 and "Not watched" in page.text
        assert "NARRATOR_WATCH_MAX_SOURCES" in page.text
    finally:
        close_app(app)
    env = {"NARRATOR_HOME": str(tmp_path / "cli"), "NARRATOR_WATCH_MAX_SOURCES": "1", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "narrator.cli", "watch", urls[0], urls[1], "--once"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "NARRATOR_WATCH_MAX_SOURCES" in run.stderr


# Submissions by URL and edits ------------------------------------------------------------------------


def test_a_pages_true_size_counts_once_fetched(tmp_path: Path, web: Web, engine_pool) -> None:  # noqa: ANN001
    for name in ("harbour", "library"):
        web.pages[f"/{name}.html"] = ("text/html", _page(name, 150))  # about 30,000 characters each
    pool = GatedPool(engine_pool, open_for=2)
    app = _app(tmp_path, ENGINE_POOL=pool, MAX_QUEUED_CHARS=50_000, ALLOW_PRIVATE_URLS=1)
    client = app.test_client()
    store = app.extensions["narrator"].store
    try:
        answers = [client.post("/api/articles", json={"url": f"{web.base}/{n}.html", "id": n,
                                                      "voice": "espeak"}) for n in ("harbour", "library")]
        assert [a.status_code for a in answers] == [202, 202]  # 20,000 each until fetched: 40,000 fit
        first, second = (a.json["job"]["id"] for a in answers)
        assert store.jobs.get(first).priority == PRIORITY_SMALL  # the estimate's class

        runner = _run(app, pool, first)  # fetched (about 30,000 characters), then held mid-narration
        wait_for(lambda: pool.gate and pool.gate.waiting.is_set(), 60, what="the first job to be under way")
        fetched = store.jobs.get(first)
        assert fetched.chars > 25_000 and fetched.priority == PRIORITY_LARGE  # a huge page waits like one

        Generator(store, app.extensions["narrator"].settings, pool).run(second)  # its fetch would go over
        refused = store.jobs.get(second)
        assert refused.status == "failed", refused
        assert re.fullmatch(r"the page is \d\d,\d\d\d characters long; with the \d\d,\d\d\d of your work "
                            r"queued already that is over the limit of 50,000 \(NARRATOR_MAX_QUEUED_CHARS\): "
                            r"submit it again when some of that is done", refused.error), refused.error
        assert client.get("/api/articles/library").json["status"] == "failed"
        assert client.delete("/api/articles/harbour").status_code == 204  # its job stops at the next sentence
        pool.gate.release()
        runner.join(60)
    finally:
        if pool.gate:
            pool.gate.release()
        close_app(app)


def test_an_edit_cannot_grow_a_waiting_job_past_the_limit(tmp_path: Path, engine_pool) -> None:  # noqa: ANN001
    app = _app(tmp_path, ENGINE_POOL=engine_pool, MAX_QUEUED_CHARS=5_000)
    client = app.test_client()
    try:
        assert client.post("/api/articles", json={"text": SHORT_TEXT, "id": "e1"}).status_code == 202
        grown = client.put("/api/articles/e1", json={"text": _text("orchard", 80)})  # about 7,000 characters
        assert grown.status_code == 429 and "NARRATOR_MAX_QUEUED_CHARS" in grown.json["message"]
        article = client.get("/api/articles/e1").json
        assert article["title"] == "Harbour bridge reopens after repairs"  # the edit was not taken
        assert article["job"]["status"] == "queued"
        fits = client.put("/api/articles/e1", json={"text": _text("orchard", 40)})  # about 3,500: fits
        assert fits.status_code == 202 and fits.json["title"] == "The orchard report"
        assert 3_000 < app.extensions["narrator"].store.jobs.get(fits.json["job"]["id"]).chars <= 5_000
    finally:
        close_app(app)


# A listener's press --------------------------------------------------------------------------------


def _said_by(spoken: list[str], topics: dict[str, str]) -> list[str]:
    """Which article each spoken text belongs to ('' for the disclaimer, spoken by every job)."""
    return [next((key for key, topic in topics.items() if topic in text.lower()), "") for text in spoken]


def test_a_press_speeds_up_the_opening_of_a_big_article_never_the_whole(idle) -> None:  # noqa: ANN001
    app, pool = idle
    client, store = app.test_client(), app.extensions["narrator"].store
    short = client.post("/api/articles", json={"text": _text("harbour", 4), "id": "short",
                                               "voice": "espeak"}).json["job"]
    big = client.post("/api/articles", json={"text": _text("orchard", 400), "id": "big",
                                             "voice": "espeak"}).json["job"]  # about 35,000 characters
    assert store.jobs.get(big["id"]).priority == PRIORITY_LARGE
    pressed = app.test_client(role=None).post("/api/articles/big/listen")
    assert pressed.status_code == 202 and pressed.json["priority"] == PRIORITY_WAITING
    assert store.jobs.next(above=-1).id == big["id"]  # what a free worker takes first

    runner = _run(app, pool, big["id"])
    wait_for(lambda: client.get("/api/articles/short").json["current_version"], 120, what="the short article")
    assert store.jobs.get(big["id"]).status == "running"  # it paused for the short one, and goes on
    wait_for(lambda: _said_by(pool.spoken, {"big": "orchard"})[-1] == "big", 60, what="the big one to go on")
    said = _said_by(pool.spoken, {"big": "orchard", "short": "harbour"})
    start = said.index("short")
    opening = sum(len(text) for text in pool.spoken[:start])
    assert opening >= 1_000  # the big one's opening came first: about a minute of speech
    assert set(said[start:start + said.count("short")]) == {"short"}  # then the short one, whole
    assert "big" in said[start:]  # then the big one again, from where it was
    assert client.delete("/api/articles/big").status_code == 204
    runner.join(60)
    assert short["id"] != big["id"]


def test_a_big_article_run_before_a_paused_job_gives_way_after_its_opening(idle) -> None:  # noqa: ANN001
    app, pool = idle
    client, store = app.test_client(), app.extensions["narrator"].store
    first = client.post("/api/articles", json={"text": _text("quarry", 400), "id": "first",
                                               "voice": "espeak"}).json["job"]
    runner = _run(app, pool, first["id"])
    wait_for(lambda: (j := store.jobs.get(first["id"])).status == "running" and j.done >= 2, 90,
             what="the first big article to be under way")
    pressed = client.post("/api/articles", json={"text": _text("orchard", 400), "id": "pressed",
                                                 "voice": "espeak"}).json["job"]
    listener = app.test_client(role=None)
    assert listener.post("/api/articles/pressed/listen").json["priority"] == PRIORITY_WAITING

    # The running job pauses for the pressed one's opening; then that one gives way and goes back to
    # the queue at its size's priority, and the first goes on.
    back = wait_for(lambda: (j := store.jobs.get(pressed["id"])).attempts == 1 and j.status == "queued" and j,
                    120, what="the pressed article to give way")
    assert (back.priority, back.stage) == (PRIORITY_LARGE, "queued")
    wait_for(lambda: _said_by(pool.spoken, {"first": "quarry"})[-1] == "first", 60, what="the first to go on")
    said = _said_by(pool.spoken, {"first": "quarry", "pressed": "orchard"})
    start, end = said.index("pressed"), len(said) - said[::-1].index("pressed")
    assert "first" in said[:start] and "first" in said[end:] and "first" not in said[start:end]
    assert sum(len(text) for text in pool.spoken[start - 1:end]) >= 1_000  # its disclaimer and opening
    stream = f"{pressed['id']}-1"  # what its listener has heard goes on playing
    manifest = json.loads(store.storage.read_live("pressed", stream, LIVE_MANIFEST))
    assert manifest["segments"] and manifest["segments"][-1]["end"] >= 30  # seconds made before giving way
    # It has had its opening: another press does not lift it again.
    again = listener.post("/api/articles/pressed/listen")
    assert again.status_code == 202 and again.json["priority"] == PRIORITY_LARGE
    assert store.jobs.get(first["id"]).status == "running"
    for article in ("first", "pressed"):
        assert client.delete(f"/api/articles/{article}").status_code == 204
    runner.join(60)


def test_a_press_on_an_article_that_has_a_version_lifts_nothing(idle) -> None:  # noqa: ANN001
    app, pool = idle
    client, store = app.test_client(), app.extensions["narrator"].store
    job = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"}).json["job"]
    _run(app, pool, job["id"]).join(60)
    assert client.get("/api/articles/a1").json["current_version"] == 1
    edit = client.put("/api/articles/a1", json={"text": SHORT_TEXT.replace("Monday", "Tuesday"),
                                                "voice": "espeak"}).json["job"]
    assert app.test_client(role=None).post("/api/articles/a1/listen").status_code == 204  # it plays version 1
    assert store.jobs.get(edit["id"]).priority == PRIORITY_SMALL


def test_presses_are_rate_limited_per_client_address_with_the_listening_events(tmp_path: Path) -> None:
    app = _app(tmp_path, EVENTS_PER_MINUTE=3)
    try:
        app.test_client().post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"})
        listener = app.test_client(role=None)
        one, two = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "203.0.113.8"}
        presses = [listener.post("/api/articles/a1/listen", environ_base=one) for _ in range(4)]
        assert [p.status_code for p in presses] == [202, 202, 202, 429]
        assert presses[-1].is_json and int(presses[-1].headers["Retry-After"]) > 0
        assert listener.post("/api/articles/a1/listen", environ_base=two).status_code == 202  # its own bucket
        event = {"article": "a1", "event": "play"}
        assert [listener.post("/api/events", json=event, environ_base=two).status_code
                for _ in range(2)] == [204, 204]
        assert listener.post("/api/articles/a1/listen", environ_base=two).status_code == 429  # one bucket
    finally:
        close_app(app)


# The same rules in the store, on SQLite and on PostgreSQL ---------------------------------------------


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_stores_quota_and_press_rules_on_both_databases(tmp_path: Path, request,  # noqa: ANN001
                                                           database: str) -> None:
    url = request.getfixturevalue("postgres_url") if database == "postgresql" else ""
    store = Store(tmp_path / "home", database_url=url)

    def article(chars: int, title: str = "t") -> Article:
        return Article(title=title, sections=(Section(None, (Paragraph("x" * (chars - len(title))),)),))

    for i in range(2):
        assert store.sources.add(f"https://news.example/{i}.xml", limit=2).url == f"https://news.example/{i}.xml"
    with pytest.raises(Conflict, match="NARRATOR_WATCH_MAX_SOURCES"):
        store.sources.add("https://news.example/2.xml", limit=2)
    assert store.sources.add("https://news.example/0.xml", "espeak", limit=2).voice == "espeak"  # known

    key = JobRequest(requested_by="key:k", chars=100, max_queued_chars=1_000)
    record, job = store.articles.create(article(100), request=key)
    with pytest.raises(QuotaExceeded):  # an edit folded into the waiting job may not grow it past the limit
        store.articles.update(record.id, article(5_000), None, request=replace(key, chars=5_000))
    assert store.articles.get(record.id).article.chars == 100 and store.jobs.get(job.id).chars == 100
    _, folded, new = store.articles.update(record.id, article(800), None, request=replace(key, chars=800))
    assert (folded.id, folded.chars, new) == (job.id, 800, False)

    url_request = JobRequest(requested_by="key:u", chars=20_000, page_request='{"url": "https://a.example/"}',
                             max_queued_chars=50_000)
    jobs = [store.articles.create(article(10, "u"), request=url_request)[1] for _ in range(2)]
    for n, expected in ((0, None), (1, "over the limit of 50,000")):
        assert store.jobs.claim(jobs[n].id)
        if expected is None:
            store.jobs.set_fetched(jobs[n].id, article(30_000), "fp", 50_000)
            fetched = store.jobs.get(jobs[n].id)
            assert (fetched.chars, fetched.priority) == (30_000, PRIORITY_LARGE)
        else:
            with pytest.raises(QuotaExceeded, match=expected):
                store.jobs.set_fetched(jobs[n].id, article(30_000), "fp", 50_000)

    pressed = store.articles.create(article(30_000, "p"), request=JobRequest(chars=30_000))[1]
    assert store.jobs.prioritise(pressed.article_id).priority == PRIORITY_WAITING
    assert store.jobs.claim(pressed.id)
    store.jobs.give_way(pressed.id)
    back = store.jobs.get(pressed.id)
    assert (back.status, back.priority, back.attempts) == ("queued", PRIORITY_LARGE, 1)
    assert store.jobs.prioritise(pressed.article_id).priority == PRIORITY_LARGE  # it has had its opening
