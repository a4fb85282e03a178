"""Listening analytics: the events endpoint (no cookies, nothing personal), its rate limit, the totals."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_fixtures import SHORT_TEXT, BufferedClient

from narrator.web import close_app, create_app
from narrator.web.ratelimit import RateLimiter


@pytest.fixture
def idle(tmp_path: Path):  # noqa: ANN201
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none",
                      "EVENTS_PER_MINUTE": 10})
    app.test_client_class = BufferedClient
    assert app.test_client().post("/api/articles", json={"text": SHORT_TEXT, "id": "a1"}).status_code == 202
    yield app
    close_app(app)


def test_events_are_counted_without_cookies_or_addresses(idle) -> None:  # noqa: ANN001
    listener = idle.test_client(role=None, use_cookies=False)
    sent = [("play", None), ("25", None), ("50", None), ("speed", 1.5), ("play", None), ("25", None)]
    for event, value in sent:
        body = {"article": "a1", "event": event} | ({"value": value} if value is not None else {})
        r = listener.post("/api/events", json=body, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert r.status_code == 204 and "Set-Cookie" not in r.headers
    totals = idle.extensions["narrator"].analytics.listening("a1")
    assert totals.plays == 2 and totals.reached == {"25": 2, "50": 1, "75": 0, "100": 0}
    assert totals.speeds["1.5"] == 1 and totals.through("25") == 1.0 and totals.through("50") == 0.5
    store = idle.extensions["narrator"].store
    with store._connect() as db:
        dump = "\n".join(db.iterdump())
    assert "198.51.100.7" not in dump


def test_bad_events_are_refused(idle) -> None:  # noqa: ANN001
    listener = idle.test_client(role=None)
    assert listener.post("/api/events", json={"article": "a1", "event": "skip"}).status_code == 400
    too_fast = {"article": "a1", "event": "speed", "value": 9}
    assert listener.post("/api/events", json=too_fast).status_code == 400
    assert listener.post("/api/events", json={"article": "nope", "event": "play"}).status_code == 404
    assert listener.post("/api/events", data="x", content_type="text/plain").status_code == 400


def test_rate_limit_per_address(idle) -> None:  # noqa: ANN001
    listener = idle.test_client(role=None)
    one = {"REMOTE_ADDR": "203.0.113.1"}
    play = {"article": "a1", "event": "play"}
    statuses = [listener.post("/api/events", json=play, environ_base=one).status_code for _ in range(12)]
    assert statuses[:10] == [204] * 10 and statuses[10:] == [429, 429]
    other = listener.post("/api/events", json={"article": "a1", "event": "play"},
                          environ_base={"REMOTE_ADDR": "203.0.113.2"})
    assert other.status_code == 204  # another address has its own bucket
    assert idle.extensions["narrator"].analytics.listening("a1").plays == 11


def test_token_bucket_refills() -> None:
    bucket = RateLimiter(per_minute=60, burst=2)
    assert [bucket.allow("k", now=0.0) for _ in range(3)] == [True, True, False]
    assert bucket.allow("k", now=0.5) is False and bucket.allow("k", now=1.01) is True


def test_heard_seconds_are_summed_and_bounded(idle) -> None:  # noqa: ANN001
    listener = idle.test_client(role=None)
    for value in (30, 30, 12):
        r = listener.post("/api/events", json={"article": "a1", "event": "seconds", "value": value})
        assert r.status_code == 204
    for bad in (0, -5, 601, 2.5, True, "30", None, 10**400):
        r = listener.post("/api/events", json={"article": "a1", "event": "seconds", "value": bad},
                          environ_base={"REMOTE_ADDR": "192.0.2.44"})
        assert r.status_code == 400, bad
    totals = idle.extensions["narrator"].analytics.listening("a1")
    assert totals.seconds == 72 and totals.plays == 0
    with pytest.raises(ValueError):
        idle.extensions["narrator"].analytics.record("a1", "play", 5)  # only seconds carry an amount
