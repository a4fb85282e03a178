"""The JSON API through the Flask test client, with real (espeak) synthesis; gunicorn serving the app."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, BufferedClient, configure, free_port, narrated, wait_for

from narrator.service.accounts import Accounts
from narrator.service.store import Store
from narrator.web import create_app
from narrator.web.api import load_openapi

ROOT = Path(__file__).resolve().parent.parent

HTML = """<!doctype html><html lang="en"><head><title>Library extends opening hours</title></head><body>
<article><h1>Library extends opening hours</h1>
<p>The city library will stay open until nine in the evening from March.</p>
<p>Staff say students asked for the change after the reading rooms filled up every evening last winter.</p>
</article></body></html>"""


def test_create_from_text_and_get(client) -> None:  # noqa: ANN001
    response = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"})
    assert response.status_code == 202
    assert response.headers["Location"] == "/api/articles/a1"
    body = response.json
    assert body["id"] == "a1" and body["status"] == "queued" and body["current_version"] is None
    assert body["job"]["status"] in ("queued", "running") and body["job"]["url"].startswith("/api/jobs/")

    ready = wait_for(lambda: client.get("/api/articles/a1").json["status"] == "ready", 60, what="narration")
    assert ready
    a = client.get("/api/articles/a1").json
    assert a["title"] == "Harbour bridge reopens after repairs"
    assert a["current_version"] == 1 and a["voice"] == "espeak"
    assert a["audio_url"] == "/audio/a1/1.mp3" and a["timing_url"] == "/audio/a1/1.timing.json"
    assert 5_000 < a["duration_ms"] < 60_000
    assert a["job"]["status"] == "done" and a["job"]["done"] == a["job"]["total"] > 0
    assert [v["version"] for v in a["versions"]] == [1]
    job = client.get(a["job"]["url"]).json
    assert job["version"] == 1

    timing = client.get(a["timing_url"])
    assert timing.status_code == 200 and timing.mimetype == "application/json"
    kinds = [p["kind"] for p in timing.json["paragraphs"]]
    assert kinds == ["disclaimer", "title", "p", "p", "p", "p"]
    assert timing.json["duration_ms"] == a["duration_ms"]
    vtt = client.get(a["vtt_url"])
    assert vtt.status_code == 200 and vtt.data.startswith(b"WEBVTT")
    assert vtt.headers["Content-Type"].startswith("text/vtt")

    listing = client.get("/api/articles").json["articles"]
    assert [x["id"] for x in listing] == ["a1"] and "content" not in listing[0]


def test_latest_redirects_to_current_version(client) -> None:  # noqa: ANN001
    client.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"})
    narrated_article = wait_for(lambda: client.get("/api/articles/a1").json["current_version"], 60)
    assert narrated_article == 1
    for kind, target in (
        ("mp3", "/audio/a1/1.mp3"),
        ("timing.json", "/audio/a1/1.timing.json"),
        ("vtt", "/audio/a1/1.vtt"),
    ):
        r = client.get(f"/audio/a1/latest.{kind}")
        assert r.status_code == 302 and r.headers["Location"] == target
        assert r.headers["Cache-Control"] == "no-cache"
    assert client.get("/audio/nobody/latest.mp3").status_code == 404


def test_create_from_html_and_raw_bodies(client) -> None:  # noqa: ANN001
    r = client.post(
        "/api/articles", json={"html": HTML, "id": "h1", "voice": "espeak", "title": "Longer hours"}
    )
    assert r.status_code == 202 and r.json["title"] == "Longer hours"
    texts = [p["text"] for s in r.json["content"]["sections"] for p in s["paragraphs"]]
    assert texts[0] == "The city library will stay open until nine in the evening from March."
    r = client.post("/api/articles?id=raw1&voice=espeak", data=HTML, content_type="text/html; charset=utf-8")
    assert (
        r.status_code == 202 and r.json["id"] == "raw1" and r.json["title"] == "Library extends opening hours"
    )
    r = client.post("/api/articles?id=raw2", data=SHORT_TEXT, content_type="text/plain")
    assert r.status_code == 202 and r.json["requested_voice"] is None


def test_create_from_url(app, client) -> None:  # noqa: ANN001
    configure(app, allow_private_urls=1)  # the page is on loopback, refused by default (test_netguard.py)

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = HTML.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/news/library.html"
        r = client.post("/api/articles", json={"url": url, "voice": "espeak", "id": "lib"})
        assert r.status_code == 202  # at once: the page is fetched by the job, not by this request
        assert r.json["url"] == url and r.json["title"] == "" and r.json["status"] == "queued"
        done = wait_for(lambda: (a := client.get("/api/articles/lib").json)["status"] == "ready" and a, 60)
        assert done["title"] == "Library extends opening hours" and done["current_version"] == 1
        assert done["content"]["sections"] and done["url"] == url
        missing = client.post("/api/articles", json={"url": "http://127.0.0.1:1/x", "id": "gone"})
        assert missing.status_code == 202
        gone = lambda: client.get("/api/articles/gone").json  # noqa: E731
        failed = wait_for(lambda: (a := gone())["status"] == "failed" and a, 30)
        assert "fetching" in failed["job"]["error"] and failed["current_version"] is None
    finally:
        server.shutdown()
        server.server_close()


def test_put_regenerates_and_keeps_serving_old_version(client) -> None:  # noqa: ANN001
    narrated(client)
    old = client.get("/audio/a1/1.mp3").data
    r = client.put(
        "/api/articles/a1", json={"text": SHORT_TEXT.replace("Monday", "Tuesday"), "voice": "espeak"}
    )
    assert r.status_code == 202 and r.json["current_version"] == 1  # still the old one until v2 is complete
    assert r.json["job"]["status"] in ("queued", "running")
    wait_for(lambda: client.get("/api/articles/a1").json["current_version"] == 2, 60, what="version 2")
    a = client.get("/api/articles/a1").json
    assert [v["version"] for v in a["versions"]] == [2, 1]
    assert "Tuesday" in client.get("/audio/a1/2.timing.json").json["paragraphs"][2]["text"]
    assert client.get("/audio/a1/1.mp3").data == old  # immutable URL, same bytes
    assert client.put("/api/articles/nobody", json={"text": SHORT_TEXT}).status_code == 404
    assert client.put("/api/articles/a1", json={"text": SHORT_TEXT, "id": "other"}).status_code == 409


def test_delete(client) -> None:  # noqa: ANN001
    narrated(client)
    assert client.delete("/api/articles/a1").status_code == 204
    assert client.get("/api/articles/a1").status_code == 404
    assert client.get("/audio/a1/1.mp3").status_code == 404
    assert client.delete("/api/articles/a1").status_code == 404
    assert client.get("/api/articles").json == {"articles": []}


@pytest.mark.parametrize(
    ("kwargs", "status", "words"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400, "JSON object"),
        ({"json": ["a list"]}, 400, "JSON object"),
        ({"json": {}}, 400, "exactly one of url, html or text"),
        ({"json": {"text": "a\n\nb", "html": "<p>x</p>"}}, 400, "exactly one"),
        ({"json": {"text": 42}}, 400, "'text' must be a string"),
        ({"json": {"text": "T\n\nBody.", "colour": "red"}}, 400, "unknown fields: colour"),
        ({"json": {"text": "T\n\nBody.", "id": "../etc"}}, 400, "id must be"),
        ({"json": {"url": "file:///etc/passwd"}}, 400, "http or https"),
        ({"json": {"url": "/etc/passwd"}}, 400, "http or https"),
        ({"data": "<x/>", "content_type": "application/xml"}, 415, "application/json"),
        (
            {"data": "text=hello", "content_type": "application/x-www-form-urlencoded"},
            415,
            "application/json",
        ),
        ({"json": {"text": "   \n\n  "}}, 422, "empty article"),
        ({"json": {"html": "just words, no markup"}}, 422, "not HTML"),
        ({"json": {"html": "<html><body><nav>menu</nav></body></html>"}}, 422, "no article body"),
        ({"json": {"text": "T\n\nBody.", "voice": "nobody"}}, 422, "unknown voice"),
    ],
)
def test_errors_are_json_with_the_right_status(client, kwargs, status, words) -> None:  # noqa: ANN001
    r = client.post("/api/articles", **kwargs)
    assert r.status_code == status, r.data
    assert r.is_json and r.json["status"] == status and words in r.json["message"]
    assert "Traceback" not in r.get_data(as_text=True)


def test_conflict_not_found_too_large_and_method(app, client) -> None:  # noqa: ANN001
    assert (
        client.post("/api/articles", json={"text": SHORT_TEXT, "id": "dup", "voice": "espeak"}).status_code
        == 202
    )
    r = client.post("/api/articles", json={"text": SHORT_TEXT, "id": "dup"})
    assert r.status_code == 409 and "already exists" in r.json["message"]
    r = client.get("/api/articles/nobody")
    assert r.status_code == 404 and r.json["message"] == "no article 'nobody'"
    assert client.get("/api/jobs/nojob").status_code == 404
    assert client.get("/api/nothing-here").json["status"] == 404
    app.config["MAX_CONTENT_LENGTH"] = 1000
    r = client.post("/api/articles", json={"text": "Title\n\n" + "word " * 500})
    assert r.status_code == 413 and r.is_json
    r = client.patch("/api/articles/dup", json={})
    assert r.status_code == 405 and r.is_json


def test_internal_errors_hide_the_trace(app) -> None:  # noqa: ANN001
    def boom():  # noqa: ANN202
        raise RuntimeError("secret detail")

    app.add_url_rule("/api/boom", "boom", boom)
    r = app.test_client().get("/api/boom")
    assert r.status_code == 500 and r.is_json
    assert "secret" not in r.get_data(as_text=True) and "Traceback" not in r.get_data(as_text=True)


def test_voices(client) -> None:  # noqa: ANN001
    data = client.get("/api/voices").json
    names = {v["name"]: v for v in data["voices"]}
    assert {"joe", "espeak"} <= set(names) and data["default"] == "joe"
    assert names["espeak"]["engine"] == "pyttsx3" and names["espeak"]["fallback"] is True


def test_openapi_matches_routes(app, client) -> None:  # noqa: ANN001
    doc = client.get("/api/openapi.json").json
    assert doc == load_openapi() and doc["openapi"].startswith("3.")

    def norm(path: str) -> str:
        return re.sub(r"\{[^}]+\}|<[^>]+>", "{}", path)

    documented = {
        (norm(p), m.upper())
        for p, ops in doc["paths"].items()
        for m in ops
        if m in ("get", "post", "put", "delete")
    }
    routed = {
        (norm(rule.rule), m)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/api/", "/audio/", "/feed.xml", "/v1/"))
        for m in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routed


def test_gunicorn_serves_the_app(tmp_path: Path) -> None:
    """The production server: gunicorn with deploy/gunicorn.conf.py on a free loopback port."""
    port = free_port()
    env = dict(os.environ, NARRATOR_HOME=str(tmp_path / "home"), NARRATOR_WORKERS="1", NARRATOR_THREADS="4")
    token = Accounts(Store(tmp_path / "home")).create_key("test")[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def get(path: str) -> tuple[int, bytes] | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                    return r.status, r.read()
            except OSError:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                return None

        status, body = wait_for(lambda: get("/"), 30, 0.1, "gunicorn to answer")  # type: ignore[misc]
        assert status == 200 and b"Narrated articles" in body
        status, body = get("/api/voices")  # type: ignore[misc]
        assert status == 200 and json.loads(body)["default"] == "joe"
        assert (tmp_path / "home" / "narrator.db").is_file()

        # Generation in the worker, and byte ranges sent by gunicorn's sendfile path.
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/articles",
            method="POST",
            data=json.dumps({"text": SHORT_TEXT, "id": "g1", "voice": "espeak"}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.status == 202
        wait_for(lambda: json.loads(get("/api/articles/g1")[1])["status"] == "ready", 60, 0.1, "narration")
        whole = get("/audio/g1/1.mp3")[1]  # type: ignore[index]
        ranged = urllib.request.Request(
            f"http://127.0.0.1:{port}/audio/g1/1.mp3", headers={"Range": "bytes=1000-1999"}
        )
        with urllib.request.urlopen(ranged, timeout=5) as r:
            assert r.status == 206 and r.headers["Content-Range"] == f"bytes 1000-1999/{len(whole)}"
            assert r.read() == whole[1000:2000]
    finally:
        proc.terminate()
        proc.wait(20)
        if proc.stderr:
            proc.stderr.close()


def test_two_homes_are_separate(tmp_path: Path, engine_pool) -> None:  # noqa: ANN001
    one = create_app({"HOME": str(tmp_path / "one"), "RUNNER": "none"})
    two = create_app({"HOME": str(tmp_path / "two"), "RUNNER": "none"})
    one.test_client_class = two.test_client_class = BufferedClient  # each with its own editor key
    assert one.test_client().post("/api/articles", json={"text": SHORT_TEXT, "id": "x"}).status_code == 202
    assert two.test_client().get("/api/articles").json == {"articles": []}
    r = one.test_client().get("/audio/x/latest.mp3")  # nothing runs jobs with RUNNER=none
    assert r.status_code == 404 and "no narration yet" in r.json["message"]
    assert one.test_client().get("/api/articles/x").json["status"] == "queued"
    assert two.test_client().post("/api/articles", json={"text": SHORT_TEXT, "id": "x"}).status_code == 202
