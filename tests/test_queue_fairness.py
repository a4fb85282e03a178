"""One huge article must not hold the queue: per-requester limits on queued work, jobs cancelled when
their article is deleted or superseded, short jobs and listen requests served while a long one runs."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, BufferedClient, editor_key, wait_for

from narrator.web import close_app, create_app

SEED = (Path(__file__).resolve().parent / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")
HUGE = SEED + "\n\n" + "\n\n".join([SEED.partition("\n\n")[2]] * 40)
"""The seed's body forty times over (about 200,000 characters): minutes of work for espeak."""


def _job(client, article_id: str) -> dict:  # noqa: ANN001
    return client.get(f"/api/articles/{article_id}").json["job"]


def _running(client, article_id: str, done: int = 2) -> dict:  # noqa: ANN001
    """Wait until the article's job runs and has synthesised a few paragraphs."""
    return wait_for(lambda: (j := _job(client, article_id))["status"] == "running" and j["done"] >= done
                    and j, 90, what=f"{article_id} to be under way")


@pytest.fixture
def huge(app, client):  # noqa: ANN001, ANN201
    """A huge article being narrated by the app's in-process worker (cancelled after the test)."""
    r = client.post("/api/articles", json={"text": HUGE, "id": "huge", "voice": "espeak"})
    assert r.status_code == 202
    yield _running(client, "huge")
    client.delete("/api/articles/huge")  # its worker stops at the next sentence: the app closes at once


def test_deleting_an_article_stops_its_job_at_the_next_sentence(app, client, huge) -> None:  # noqa: ANN001
    staging = Path(app.extensions["narrator"].store.audio_root) / "huge"
    assert any(staging.glob(".staging-*"))
    assert client.delete("/api/articles/huge").status_code == 204
    store = app.extensions["narrator"].store
    assert store.jobs.get(huge["id"]).status == "cancelled"
    # The worker notices within a sentence or two and is free: a new article is narrated at once.
    r = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "next", "voice": "espeak"})
    assert r.status_code == 202
    wait_for(lambda: client.get("/api/articles/next").json["current_version"], 30, what="the next article")
    wait_for(lambda: not any(staging.glob(".staging-*")), 10, what="the staging folder to go")
    assert store.jobs.get(huge["id"]).status == "cancelled"  # and it never published anything


def test_an_edit_while_running_cancels_the_old_job_and_the_new_content_wins(client, huge) -> None:  # noqa: ANN001
    edited = "A new headline\n\nThis paragraph was written while the old narration ran.\n\n" + SHORT_TEXT
    r = client.put("/api/articles/huge", json={"text": edited, "voice": "espeak"})
    assert r.status_code == 202 and r.json["job"]["id"] != huge["id"]
    done = wait_for(lambda: (a := client.get("/api/articles/huge").json)["current_version"] and a, 60)
    assert done["current_version"] == 1
    assert client.get(f"/api/jobs/{huge['id']}").json["status"] == "cancelled"
    assert done["title"] == "A new headline" and done["job"]["status"] == "done"


def test_a_short_article_does_not_wait_for_a_huge_one(client, huge) -> None:  # noqa: ANN001
    started = time.monotonic()
    assert client.post("/api/articles", json={"text": SHORT_TEXT, "id": "short",
                                              "voice": "espeak"}).status_code == 202
    wait_for(lambda: client.get("/api/articles/short").json["current_version"], 30, what="the short article")
    assert _job(client, "huge")["status"] == "running"  # the huge one paused for it, and goes on
    assert time.monotonic() - started < 30


def test_a_listen_request_does_not_wait_for_a_huge_article(client, huge) -> None:  # noqa: ANN001
    r = client.post("/api/lexicon/listen", json={"written": "Prigozhin", "voice": "espeak"})
    assert r.status_code == 200 and r.mimetype == "audio/wav" and len(r.data) > 10_000
    assert _job(client, "huge")["status"] == "running"


def test_queued_work_is_limited_per_key(tmp_path, engine_pool) -> None:  # noqa: ANN001
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "RUNNER": "none", "MAX_QUEUED_CHARS": 180_000})
    app.test_client_class = BufferedClient
    try:
        one = app.test_client()
        accepted = [one.post("/api/articles", json={"text": HUGE, "voice": "espeak"}).status_code
                    for _ in range(3)]
        assert accepted == [202, 429, 429]  # the second would take the key past the limit
        refused = one.post("/api/articles", json={"text": HUGE, "voice": "espeak"})
        assert refused.is_json and "NARRATOR_MAX_QUEUED_CHARS" in refused.json["message"]
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
        urls = [one.post("/api/articles", json={"url": f"https://news.example/{i}"}).status_code
                for i in range(3)]
        assert urls == [202, 429, 429]  # each counts as a long article (20,000) until its page is fetched
        other = app.test_client(role=None)  # another key has its own allowance
        other.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + app.extensions["narrator"].accounts.create_key(
            "cms-2")[1]
        assert other.post("/api/articles", json={"text": HUGE, "voice": "espeak"}).status_code == 202
        assert editor_key(app)  # the first key still works for what does not queue narration
        assert one.get("/api/articles").status_code == 200
    finally:
        close_app(app)


# --- inside one giant sentence (issue 23) -----------------------------------------------------------------

GIANT = "A run on\n\n" + ("and then the rain came over the hills " * 1000).strip() + "."
"""One sentence of 38,000 characters: ten minutes and more of work for Piper, and a large job."""


def _other_key(app) -> BufferedClient:  # noqa: ANN001
    """A client with a second CMS's key (its own queue allowance)."""
    other = app.test_client(role=None)
    other.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + app.extensions["narrator"].accounts.create_key(
        "cms-2")[1]
    return other


@pytest.fixture
def giant(app, client):  # noqa: ANN001, ANN201
    """A giant one-sentence article being narrated by Piper, some way into its sentence."""
    r = client.post("/api/articles", json={"text": GIANT, "id": "giant", "voice": "joe"})
    assert r.status_code == 202
    cache = app.extensions["narrator"].runner.cache
    # The disclaimer and the title are two clips; more means the sentence's own parts are being made.
    wait_for(lambda: _job(client, "giant")["status"] == "running" and cache.stats().units >= 5, 120,
             what="the giant sentence to be under way")
    yield r.json["job"]
    client.delete("/api/articles/giant")


def test_deleting_stops_a_job_inside_a_giant_sentence(app, client, giant) -> None:  # noqa: ANN001
    store = app.extensions["narrator"].store
    cache = app.extensions["narrator"].runner.cache
    assert client.delete("/api/articles/giant").status_code == 204
    assert store.jobs.get(giant["id"]).status == "cancelled"
    # Another key's article runs as soon as the worker notices, long before the sentence would end.
    other = _other_key(app)
    r = other.post("/api/articles", json={"text": SHORT_TEXT, "id": "next", "voice": "espeak"})
    assert r.status_code == 202
    wait_for(lambda: client.get("/api/articles/next").json["current_version"], 60, what="the next article")
    made = cache.stats().units
    # Nothing more of the giant sentence is synthesised: another short job leaves only its own clips.
    assert other.post("/api/articles", json={"text": "Two\n\nIt rained.", "id": "two",
                                             "voice": "espeak"}).status_code == 202
    wait_for(lambda: client.get("/api/articles/two").json["current_version"], 60, what="the second article")
    assert cache.stats().units - made <= 3  # its disclaimer, title and sentence (some may be cached)
    assert store.jobs.get(giant["id"]).status == "cancelled"


def test_a_pressed_listen_runs_first_inside_a_giant_sentence(app, client, giant) -> None:  # noqa: ANN001
    other = _other_key(app)
    r = other.post("/api/articles", json={"text": GIANT.replace("hills", "lakes"), "id": "wanted",
                                          "voice": "espeak"})
    assert r.status_code == 202 and r.json["job"]["status"] == "queued"  # a large job: it waits its turn
    assert app.test_client(role=None).post("/api/articles/wanted/listen").status_code == 202
    # The listener's article starts within seconds, the giant one pausing in the middle of its sentence.
    wait_for(lambda: _job(client, "wanted")["status"] != "queued", 60, what="the pressed article to start")
    assert _job(client, "giant")["status"] == "running"
    client.delete("/api/articles/wanted")
