"""The webhook: signed POSTs to a local receiver when a version is ready or a job failed; retries."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_fixtures import SHORT_TEXT, BufferedClient, wait_for

from narrator.config import Settings
from narrator.errors import InputError
from narrator.service.webhooks import SIGNATURE_HEADER, DeliveryError, deliver, sign, verify
from narrator.web import close_app, create_app

SECRET = "s3cret-for-tests-0123456789abcdef-0123"  # 32 characters at least


class Receiver(http.server.ThreadingHTTPServer):
    """A CMS on 127.0.0.1: records deliveries; answers `statuses` in turn (then 204)."""

    def __init__(self, statuses: list[int]):
        self.statuses = statuses
        self.received: list[tuple[dict, bytes, int]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                server = self.server
                status = server.statuses.pop(0) if server.statuses else 204  # type: ignore[attr-defined]
                server.received.append((dict(self.headers), body, status))  # type: ignore[attr-defined]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:  # noqa: ANN002
                pass

        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/hook"


@pytest.fixture
def receiver(request) -> Iterator[Receiver]:  # noqa: ANN001
    server = Receiver(list(getattr(request, "param", [])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def hooked_app(tmp_path: Path, engine_pool, url: str):  # noqa: ANN001, ANN201
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "WEBHOOK_URL": url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_RETRY_S": 0.2,
                      "JOB_ATTEMPTS": 1})
    app.test_client_class = BufferedClient
    return app


def hmac_sha256(body: bytes, secret: str = SECRET) -> str:
    """The signature a receiver computes (RFC 2104 HMAC with SHA-256, hex), written here, not taken
    from the code under test."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def test_signature_round_trip() -> None:
    body = b'{"event": "version.ready"}'
    signature = sign(body, SECRET)
    assert signature == hmac_sha256(body)
    assert verify(body, SECRET, hmac_sha256(body))
    assert not verify(body + b" ", SECRET, signature) and not verify(body, "other", signature)


@pytest.mark.parametrize("receiver", [[500]], indirect=True)
def test_version_ready_is_signed_and_retried_after_a_500(tmp_path: Path, engine_pool,  # noqa: ANN001
                                                         receiver: Receiver) -> None:
    app = hooked_app(tmp_path, engine_pool, receiver.url)
    try:
        client = app.test_client()
        r = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "w1", "voice": "espeak"})
        assert r.status_code == 202
        wait_for(lambda: len(receiver.received) >= 2, 60, what="the delivery and its retry")
    finally:
        close_app(app)
    (first_headers, first_body, first_status), (headers, body, status) = receiver.received[:2]
    assert (first_status, status) == (500, 204)
    assert first_body == body  # the same delivery, retried
    assert headers[SIGNATURE_HEADER] == hmac_sha256(body)
    payload = json.loads(body)
    assert payload["event"] == "version.ready" and payload["article"] == "w1" and payload["version"] == 1
    assert payload["audio_path"] == "/audio/w1/1.mp3" and payload["duration_ms"] > 1000
    assert headers["Content-Type"] == "application/json" and headers["X-Narrator-Event"] == "version.ready"
    assert len(receiver.received) == 2


def test_failed_job_is_reported(tmp_path: Path, engine_pool, receiver: Receiver) -> None:  # noqa: ANN001
    app = hooked_app(tmp_path, engine_pool, receiver.url)
    try:
        client = app.test_client()
        r = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "f1", "voice": "espeak"})
        assert r.status_code == 202
        wait_for(lambda: receiver.received, 60, what="the first delivery")
        # Break the article's voice under the store's feet: the job fails for good (one attempt).
        store = app.extensions["narrator"].store
        with store._write() as db:
            db.execute("UPDATE articles SET voice = 'no-such-voice', content_hash = 'x' WHERE id = 'f1'")
        record = store.articles.get("f1")
        _, job, _ = store.articles.update("f1", record.article, "no-such-voice", "changed")
        app.extensions["narrator"].runner.submit(job.id)
        wait_for(lambda: len(receiver.received) >= 2, 30, what="the failure delivery")
    finally:
        close_app(app)
    headers, body, _ = receiver.received[1]
    payload = json.loads(body)
    assert payload["event"] == "job.failed" and payload["article"] == "f1" and payload["job"] == job.id
    assert "no-such-voice" in payload["error"] and headers[SIGNATURE_HEADER] == hmac_sha256(body)


@pytest.mark.parametrize("receiver", [[302]], indirect=True)
def test_deliver_refuses_anything_but_2xx(receiver: Receiver) -> None:
    with pytest.raises(DeliveryError, match="302"):
        deliver(receiver.url, SECRET, {"event": "x"})
    assert deliver(receiver.url, SECRET, {"event": "x"}) == 204


@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_a_webhook_without_a_strong_secret_refuses_to_start(tmp_path: Path, secret: str) -> None:
    """Deliveries signed with an empty or short key could be forged by anyone: the service does not
    start, and the command line says why in one line (exit code 2)."""
    hook = {"NARRATOR_WEBHOOK_URL": "https://cms.example/hook", "NARRATOR_WEBHOOK_SECRET": secret}
    with pytest.raises(InputError, match="NARRATOR_WEBHOOK_SECRET must be at least 32"):
        Settings.from_env(hook)
    env = {**os.environ, "NARRATOR_HOME": str(tmp_path), **hook}
    run = subprocess.run([sys.executable, "-m", "narrator.cli", "worker"], env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "NARRATOR_WEBHOOK_SECRET" in run.stderr
