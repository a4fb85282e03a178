"""Rate limits: editor requests and listening events answer 429 with Retry-After beyond their rate;
a refused request changes nothing and other clients are unaffected; proxy headers are trusted only
when configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_auth import sign_in
from web_fixtures import SHORT_TEXT, BufferedClient

from narrator.web import close_app, create_app
from narrator.web.ratelimit import RateLimiter

LIMIT = 5
ONE = {"REMOTE_ADDR": "203.0.113.1"}
TWO = {"REMOTE_ADDR": "203.0.113.2"}


def said(spoken: str) -> dict:
    """A lexicon entry's body, tried in espeak (quick to start and to speak)."""
    return {"spoken": spoken, "voice": "espeak"}


def trying(app):  # noqa: ANN001, ANN201
    """`app` with its listening lane consumed: a saved lexicon entry is tried on its voice first."""
    app.extensions["narrator"].runner.start_listening()
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def idle(tmp_path: Path):  # noqa: ANN201
    """An app whose narration queue nobody consumes (lexicon entries are tried by its listening lane),
    with article a1 and a low editor limit."""
    app = trying(create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none",
                             "EDITOR_REQUESTS_PER_MINUTE": LIMIT, "EVENTS_PER_MINUTE": 3}))
    r = app.test_client().post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"},
                               environ_base={"REMOTE_ADDR": "192.0.2.99"})
    assert r.status_code == 202
    yield app
    close_app(app)


def lexicon(app) -> dict:  # noqa: ANN001
    return {e["written"]: e["spoken"] for e in app.test_client(role=None).get("/api/lexicon").json["entries"]}


def assert_429(r) -> int:  # noqa: ANN001
    """A 429 with a JSON message and a Retry-After of whole seconds; the seconds."""
    assert r.status_code == 429, r.data
    assert r.is_json and r.json["status"] == 429 and "too many" in r.json["message"]
    wait = int(r.headers["Retry-After"])
    assert 1 <= wait <= 60
    return wait


def test_editor_api_writes_are_limited_per_address(idle) -> None:  # noqa: ANN001
    editor = idle.test_client()
    for i in range(LIMIT):
        r = editor.put(f"/api/lexicon/Word{i}", json=said(f"word {i}"), environ_base=ONE)
        assert r.status_code == 200, r.data
    before = lexicon(idle), idle.extensions["narrator"].store.jobs.queued()

    assert_429(editor.put("/api/lexicon/Refused", json=said("refused"), environ_base=ONE))
    assert_429(editor.delete("/api/articles/a1", environ_base=ONE))
    assert_429(editor.post("/api/articles", json={"text": SHORT_TEXT, "id": "a2"}, environ_base=ONE))
    assert (lexicon(idle), idle.extensions["narrator"].store.jobs.queued()) == before  # nothing changed
    assert editor.get("/api/articles/a2", environ_base=ONE).status_code == 404
    anonymous = idle.test_client(role=None)  # counted before the credential: a guesser is slowed too
    assert_429(anonymous.delete("/api/articles/a1", environ_base=ONE))

    # Reading is not limited, and another address has its own bucket.
    assert editor.get("/api/articles/a1", environ_base=ONE).status_code == 200
    assert editor.get("/api/lexicon", environ_base=ONE).status_code == 200
    r = editor.put("/api/lexicon/Other", json=said("other"), environ_base=TWO)
    assert r.status_code == 200 and lexicon(idle)["Other"] == "other"
    assert "Refused" not in lexicon(idle)


def test_dashboard_sign_in_is_limited(idle) -> None:  # noqa: ANN001
    idle.extensions["narrator"].accounts.create_user("ed", "correct horse")
    guesser = idle.test_client(role=None)
    guesser.environ_base.update(ONE)
    statuses = [sign_in(guesser, password=f"guess {i}").status_code for i in range(LIMIT)]
    assert statuses == [401] * LIMIT
    r = sign_in(guesser)  # the right password, but over the limit: refused before it is checked
    assert_429(r)
    assert "Set-Cookie" not in r.headers
    assert guesser.get("/editor/").status_code == 302  # not signed in

    editor = idle.test_client(role=None)
    editor.environ_base.update(TWO)
    assert sign_in(editor).status_code == 302
    assert editor.get("/editor/").status_code == 200


def test_limit_is_configurable_and_zero_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NARRATOR_EDITOR_REQUESTS_PER_MINUTE", "2")
    app = trying(create_app({"TESTING": True, "HOME": str(tmp_path / "one"), "RUNNER": "none"}))
    try:
        assert app.extensions["narrator"].settings.editor_requests_per_minute == 2
        client = app.test_client()
        statuses = [client.put(f"/api/lexicon/W{i}", json=said("w")).status_code for i in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        close_app(app)
    app = trying(create_app({"TESTING": True, "HOME": str(tmp_path / "two"), "RUNNER": "none",
                             "EDITOR_REQUESTS_PER_MINUTE": 0}))
    try:
        client = app.test_client()
        statuses = [client.put(f"/api/lexicon/W{i}", json=said("w")).status_code for i in range(8)]
        assert statuses == [200] * 8
    finally:
        close_app(app)


def test_events_429_carries_retry_after(idle) -> None:  # noqa: ANN001
    listener = idle.test_client(role=None, use_cookies=False)
    play = {"article": "a1", "event": "play"}
    statuses = [listener.post("/api/events", json=play, environ_base=ONE).status_code for _ in range(3)]
    assert statuses == [204] * 3
    r = listener.post("/api/events", json=play, environ_base=ONE)
    assert r.status_code == 429 and r.is_json and int(r.headers["Retry-After"]) >= 1
    assert idle.extensions["narrator"].analytics.listening("a1").plays == 3  # the refused one not counted
    assert listener.post("/api/events", json=play, environ_base=TWO).status_code == 204


def test_forwarded_addresses_count_only_behind_a_configured_proxy(tmp_path: Path) -> None:
    """Directly reached (PROXY_COUNT 0), X-Forwarded-For is ignored: a client cannot escape its limit by
    inventing addresses. Behind one proxy (PROXY_COUNT 1), each forwarded client has its own bucket."""
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    for proxies, expected in ((0, 429), (1, 200)):
        app = trying(create_app({"TESTING": True, "HOME": str(tmp_path / f"p{proxies}"), "RUNNER": "none",
                                 "EDITOR_REQUESTS_PER_MINUTE": 1, "PROXY_COUNT": proxies}))
        try:
            client = app.test_client()
            first = client.put("/api/lexicon/A", json=said("a"), environ_base=nginx,
                               headers={"X-Forwarded-For": "198.51.100.1"})
            second = client.put("/api/lexicon/B", json=said("b"), environ_base=nginx,
                                headers={"X-Forwarded-For": "198.51.100.2"})
            assert (first.status_code, second.status_code) == (200, expected)
            if proxies:  # the proxy's own entry is what counts, not one the client prepended
                spoofed = client.put("/api/lexicon/C", json=said("c"), environ_base=nginx,
                                     headers={"X-Forwarded-For": "10.9.9.9, 198.51.100.2"})
                assert spoofed.status_code == 429
        finally:
            close_app(app)


def test_retry_after_is_the_time_to_the_next_token() -> None:
    bucket = RateLimiter(per_minute=30, burst=1)  # a token every 2 s
    assert bucket.retry_after("k", now=0.0) == 0
    assert bucket.allow("k", now=0.0) and not bucket.allow("k", now=0.5)
    assert bucket.retry_after("k", now=0.5) == 2  # 1.5 s, rounded up
    assert bucket.retry_after("k", now=1.9) == 1
    assert bucket.allow("k", now=2.0)
