"""Fixtures for the web tests: a fresh app and NARRATOR_HOME per test, a shared espeak engine, live servers.

Import in a test module with ``from web_fixtures import *  # noqa: F403`` (the lead owns conftest.py).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from narrator.service.generation import EnginePool
from narrator.web import close_app, create_app

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
"""Test artefacts (screenshots); gitignored."""

SHORT_TEXT = (
    "Harbour bridge reopens after repairs\n\n"
    "The old harbour bridge opened again on Monday. Traffic moved slowly at first.\n\n"
    "Engineers replaced two steel cables over the summer.\n\n"
    "The mayor thanked the crews for working through the heat. She cut a ribbon at noon.\n\n"
    "Buses return to the bridge next week.\n"
)
"""A short article: title and four paragraphs, about 20 seconds with espeak."""

__all__ = [
    "ARTIFACTS",
    "BufferedClient",
    "SHORT_TEXT",
    "app",
    "client",
    "configure",
    "editor_key",
    "engine_pool",
    "free_port",
    "live_server",
    "narrated",
    "version_ready",
    "wait_for",
]


def wait_for(
    condition: Callable[[], object], timeout: float = 30.0, interval: float = 0.05, what: str = ""
) -> object:
    """Poll `condition` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(interval)


def version_ready(client, n: int, article: str = "a1") -> dict:  # noqa: ANN001
    """Wait until version `n` of `article` is the current one and ready (fail at once if its job fails)."""
    def check() -> dict | None:
        data = client.get(f"/api/articles/{article}").json
        assert data["status"] != "failed", data["job"]
        return data if data["current_version"] == n and data["status"] == "ready" else None
    return wait_for(check, 60, what=f"version {n}")  # type: ignore[return-value]


def configure(app, **changes: object) -> None:  # noqa: ANN001
    """Change some of a running app's settings (as if the environment had said so at its start)."""
    service = app.extensions["narrator"]
    service.settings = service.settings.replace(**changes)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def editor_key(app, role: str = "editor") -> str:  # noqa: ANN001
    """A bearer token of `role` in `app`'s store (made once per app and role)."""
    keys = app.extensions.setdefault("narrator_test_keys", {})
    if role not in keys:
        keys[role] = app.extensions["narrator"].accounts.create_key(f"tests-{role}", role)[1]
    return keys[role]


class BufferedClient(FlaskClient):
    """A test client that reads every response and closes it (as a WSGI server does), so open audio
    files are released before the test ends. It sends an editor's API key unless made with
    ``app.test_client(role=None)`` (no credential) or another role (``role="reader"``)."""

    def __init__(self, *args, role: str | None = "editor", **kwargs):  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        if role:
            self.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {editor_key(self.application, role)}"

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def engine_pool() -> Iterator[EnginePool]:
    """One espeak engine for the whole session (starting one takes about a second)."""
    pool = EnginePool()
    yield pool
    pool.close()


@pytest.fixture
def app(tmp_path: Path, engine_pool: EnginePool):  # noqa: ANN201
    app = create_app(
        {
            "TESTING": True,
            "HOME": str(tmp_path / "home"),
            "ENGINE_POOL": engine_pool,
            "ACCEL_REDIRECT": "",
            "PUBLIC_URL": "",
            "RUNNER": "inprocess",
        }
    )
    app.test_client_class = BufferedClient
    yield app
    close_app(app)


@pytest.fixture
def client(app):  # noqa: ANN001, ANN201
    return app.test_client()


def narrated(
    client,
    text: str = SHORT_TEXT,
    article_id: str = "a1",
    voice: str = "espeak",  # noqa: ANN001
    timeout: float = 60.0,
) -> dict:
    """Submit an article and wait until its first version is ready; the article's JSON."""
    response = client.post("/api/articles", json={"text": text, "id": article_id, "voice": voice})
    assert response.status_code == 202, response.json

    def ready() -> dict | None:
        data = client.get(f"/api/articles/{article_id}").json
        assert data["status"] != "failed", data["job"]
        return data if data["status"] == "ready" else None

    return wait_for(ready, timeout, what=f"article {article_id} to be narrated")  # type: ignore[return-value]


def closing_bodies(app):  # noqa: ANN001, ANN201
    """`app` with every response body closed even when werkzeug's development server skips it: when a
    browser drops a connection mid-body (an <audio> element left behind by a navigation), its request
    handler can raise while draining the socket, before it closes the body, and the open audio file then
    surfaces as a ResourceWarning in whichever test collects it. A generator is closed when collected."""

    def wrapped(environ, start_response):  # noqa: ANN001, ANN202
        body = app(environ, start_response)

        def chunks():  # noqa: ANN202
            try:
                yield from body
            finally:
                if hasattr(body, "close"):
                    body.close()

        return chunks()

    return wrapped


@pytest.fixture
def live_server(app):  # noqa: ANN001, ANN201
    """The app on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", free_port(), closing_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
