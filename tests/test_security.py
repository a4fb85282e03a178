"""Hostile input at the web edge: security headers, request limits, identifiers that could leave their
folder, hostile article text in a real browser, and the production servers' slow-request settings."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from services import listening
from test_player_browser import csp_safe_wait, publisher_page
from web_fixtures import *  # noqa: F403
from web_fixtures import BufferedClient, configure, free_port, narrated, version_ready, wait_for

from narrator.config import Settings
from narrator.errors import InputError
from narrator.extract import extract_text
from narrator.service.store import NotFound, Store
from narrator.web import close_app, create_app
from narrator.web.security import json_depth

ROOT = Path(__file__).resolve().parent.parent

HOSTILE_TEXT = (
    "Council <script>window.__pwned = 'title'</script> votes\n\n"
    "The vote was close <img src=x onerror=\"window.__pwned = 'img'\"> on Monday night.\n\n"
    "Members said </p><script>window.__pwned = 'p'</script><p onclick=\"window.__pwned = 'click'\"> "
    "it would pass.\n\n"
    "A quote \" onmouseover=\"window.__pwned = 'attr'\" x=\" stayed in the text.\n"
)
"""An article whose words are markup: shown as text, it must never run."""


@pytest.fixture
def idle(tmp_path: Path) -> Iterator:
    """An app that queues jobs without running them (pages show the stored text)."""
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none"})
    app.test_client_class = BufferedClient
    yield app
    close_app(app)


# --- headers ------------------------------------------------------------------------------------

def test_security_headers_on_every_response(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    r = client.post("/api/articles", json={"text": "Title\n\nA body paragraph.", "id": "a1"})
    assert r.status_code == 202
    paths = ["/", "/articles/a1", "/embed/a1", "/embed.js", "/static/player.js", "/static/player.css",
             "/api/voices", "/api/openapi.json", "/api/articles/a1", "/feed.xml", "/articles/nobody",
             "/api/nothing", "/audio/a1/1.mp3"]
    for path in paths:
        r = client.get(path, headers={"Accept": "text/html"})
        csp = r.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp, path
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert r.headers["X-Content-Type-Options"] == "nosniff", path
        assert r.headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        if path.startswith("/embed/"):
            assert "frame-ancestors *" in csp and "X-Frame-Options" not in r.headers
        else:
            assert "frame-ancestors 'self'" in csp and r.headers["X-Frame-Options"] == "SAMEORIGIN", path
    configure(idle, embed_ancestors="https://news.example")
    csp = client.get("/embed/a1").headers["Content-Security-Policy"]
    assert "frame-ancestors https://news.example" in csp


class _Inline(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, handlers, style attributes and elements."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k for k, _ in attrs}
        if tag == "script":
            self._in_script = True
            if "src" not in names:
                self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style>")
        self.blocked += [f"{tag}[{k}]" for k in names if k.startswith("on") or k == "style"]
        self.blocked += [f"{tag}[{k}] javascript:" for k, v in attrs if v and v.strip().lower().startswith(
            "javascript:")]

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.blocked.append("inline script text")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def test_pages_need_nothing_the_policy_blocks(idle) -> None:  # noqa: ANN001
    """Every page renders without inline script, event handlers or inline styles, even with hostile text."""
    client = idle.test_client()
    client.post("/api/articles", json={"text": HOSTILE_TEXT, "id": "h1"})
    for path in ("/", "/articles/h1", "/embed/h1", "/articles/<script>x", "/nothing"):
        r = client.get(path, headers={"Accept": "text/html"})
        parser = _Inline()
        parser.feed(r.get_data(as_text=True))
        assert parser.blocked == [], (path, parser.blocked)
    page = client.get("/articles/h1").get_data(as_text=True)
    assert "&lt;script&gt;window.__pwned" in page and "&lt;img src=x onerror=" in page
    assert "<script>window" not in page and "<img src=x" not in page


# --- request limits -----------------------------------------------------------------------------

def test_body_size_limit_is_413_for_every_kind_of_body(idle) -> None:  # noqa: ANN001
    idle.config["MAX_CONTENT_LENGTH"] = 2000
    client = idle.test_client()
    big = "Title\n\n" + "word " * 1000
    for kwargs in ({"json": {"text": big}}, {"data": big, "content_type": "text/plain"},
                   {"data": f"<p>{big}</p>", "content_type": "text/html"}):
        r = client.post("/api/articles", **kwargs)
        assert r.status_code == 413 and r.is_json and r.json["status"] == 413, kwargs
    # no Content-Length (chunked): the limit holds while reading
    r = client.post("/api/articles", input_stream=io.BytesIO(big.encode()), content_type="text/plain",
                    environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": "",
                                       "HTTP_TRANSFER_ENCODING": "chunked"})
    assert r.status_code == 413
    r = client.put("/api/articles/a1", json={"text": big})
    assert r.status_code in (404, 413)


def test_article_length_limit_is_a_clear_422(idle) -> None:  # noqa: ANN001
    configure(idle, max_article_chars=1000)
    client = idle.test_client()
    ok = "Title\n\n" + "Words in a row. " * 60  # under 1,000 characters
    too_long = "Title\n\n" + "Words in a row. " * 70
    assert client.post("/api/articles", json={"text": ok, "id": "ok"}).status_code == 202
    r = client.post("/api/articles", json={"text": too_long})
    assert r.status_code == 422 and "limit is 1,000" in r.json["message"]
    assert "NARRATOR_MAX_ARTICLE_CHARS" in r.json["message"]
    paragraphs = "<p>A sentence of the story goes here.</p>" * 40
    html = f"<html><body><article><h1>T</h1>{paragraphs}</article></body></html>"
    assert client.post("/api/articles", json={"html": html}).status_code == 422
    assert client.put("/api/articles/ok", json={"text": too_long}).status_code == 422
    kept = client.get("/api/articles/ok").json["content"]["sections"][0]["paragraphs"][0]["text"]
    assert kept.startswith("Words")  # the refused update changed nothing


def test_article_length_limit_default_is_configurable() -> None:
    assert Settings.from_env({}).max_article_chars == 200_000
    assert Settings.from_env({"NARRATOR_MAX_ARTICLE_CHARS": "5000"}).max_article_chars == 5000


@pytest.mark.parametrize("depth", [17, 1000, 200_000])
def test_json_nested_too_deep_is_400_not_500(idle, depth: int) -> None:  # noqa: ANN001
    client = idle.test_client()
    body = "[" * depth + "]" * depth
    for path in ("/api/articles", "/api/articles/a1/rollback"):
        r = client.post(path, data=body, content_type="application/json")
        assert r.status_code == 400 and r.is_json and "nested more than 16 levels" in r.json["message"], path
    nested = '{"text": ' + '{"a": ' * depth + "1" + "}" * depth + "}"
    assert client.post("/api/articles", data=nested, content_type="application/json").status_code == 400


def test_json_within_the_depth_limit_reaches_the_view(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    body = '{"text": "T\\n\\nBody.", "extra": ' + "[" * 15 + "]" * 15 + "}"
    r = client.post("/api/articles", data=body, content_type="application/json")
    assert r.status_code == 400 and "unknown fields: extra" in r.json["message"]
    assert json_depth({"a": [1, {"b": []}]}) == 4 and json_depth("x") == 0


# --- identifiers --------------------------------------------------------------------------------

TRAVERSALS = [
    "/audio/../narrator.db",
    "/audio/%2e%2e/narrator.db",
    "/audio/%2e%2e%2fnarrator.db/1.mp3",
    "/audio/..%2F..%2Fetc%2Fpasswd/1.mp3",
    "/audio/%2e%2e%2f%2e%2e%2fsecret/1.mp3",
    "/audio/..%5C..%5Csecret/1.mp3",
    "/audio/%2Fetc%2Fpasswd/1.mp3",
    "/audio//etc/passwd/1.mp3",
    "/audio/%2Ftmp/1.mp3",
    "/audio/..;/1.mp3",
    "/audio/a1%0A/1.mp3",
    "/audio/a1%00/1.mp3",
    "/audio/a1/..%2F..%2Fnarrator.db",
    "/audio/a1/%2e%2e%2f1.mp3",
    "/audio/a1/-1.mp3",
    "/audio/a1/1%2F..%2F..%2Fnarrator.db.mp3",
    "/audio/a1/99999999999999999999999999999.mp3",
    "/audio/a1/" + "9" * 400 + ".mp3",
    "/audio/%2e%2e/latest.mp3",
    "/audio/..%2fsecret/latest.timing.json",
    "/articles/..%2f..%2fnarrator.db",
    "/embed/%2e%2e%2fsecret",
    "/api/articles/..%2Fsecret",
    "/api/articles/%2e%2e",
    "/api/jobs/..%2f..%2fnarrator.db",
    "/static/..%2f..%2fnarrator/store.py",
    "/static/%2e%2e/__init__.py",
]


@pytest.mark.parametrize("accel", ["", "/_narrator_audio/"])
def test_paths_from_urls_never_leave_their_folder(idle, accel: str) -> None:  # noqa: ANN001
    configure(idle, accel_redirect=accel)
    store: Store = idle.extensions["narrator"].store
    secret = store.audio_root / "secret"
    secret.mkdir()
    (secret / "1.mp3").write_bytes(b"SECRET")
    (secret / "1.timing.json").write_bytes(b"SECRET")
    (store.home / "1.mp3").write_bytes(b"SECRET")
    client = idle.test_client()
    for path in TRAVERSALS:
        r = client.get(path)
        body = r.get_data()
        assert r.status_code in (308, 404), (path, r.status_code)
        assert b"SECRET" not in body and b"SQLite format" not in body and b"import" not in body, path
        assert ".." not in r.headers.get("X-Accel-Redirect", ""), path
        if r.status_code == 308:  # werkzeug merges '//' and redirects: the target is refused too
            assert client.get(r.headers["Location"]).status_code == 404, path
    for method in ("put", "delete"):
        r = getattr(client, method)("/api/articles/..%2f..%2fsecret", json={"text": "T\n\nB."})
        assert r.status_code == 404, method
        r = client.post("/api/articles/%2e%2e/rollback", json={"version": 1})
        assert r.status_code == 404
    assert (secret / "1.mp3").exists() and store.db_path.exists()


@pytest.mark.parametrize("bad", ["../etc", "..", "%2e%2e%2f", "/etc/passwd", "a/b", "a\\b", "a1\n", "a1\x00",
                                 "-a", "x" * 65, "é", " a1"])
def test_article_ids_are_validated(idle, bad: str) -> None:  # noqa: ANN001
    client = idle.test_client()
    r = client.post("/api/articles", json={"text": "T\n\nBody.", "id": bad})
    assert r.status_code == 400 and "id must be" in r.json["message"], bad
    query = urllib.request.quote(bad)
    r = client.post(f"/api/articles?id={query}", data="T\n\nBody.", content_type="text/plain")
    assert r.status_code == 400, bad


def test_the_store_refuses_ids_that_would_leave_its_folder(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    (tmp_path / "outside").mkdir()
    article = extract_text("Title\n\nBody text.")
    for bad in ("../outside", "..", "/tmp", str(tmp_path / "outside"), "a/../../outside", "a1\n", ""):
        with pytest.raises(NotFound):
            store.versions.article_dir(bad)
        with pytest.raises(NotFound):
            store.versions.files(bad, 1)
        with pytest.raises(NotFound):
            store.versions.staging_dir(bad, "job1")
        with pytest.raises(NotFound):
            store.articles.delete(bad)
        if bad:  # an empty id means 'make one up'
            with pytest.raises(InputError):
                store.articles.create(article, None, bad)
    record, job = store.articles.create(article, None, "a1")
    with pytest.raises(InputError):
        store.versions.staging_dir("a1", "../../../outside")
    assert store.versions.files("a1", 2).audio == store.audio_root / "a1" / "2.mp3"
    assert store.versions.staging_dir("a1", job.id).parent == store.audio_root / "a1"
    assert (tmp_path / "outside").is_dir()


@pytest.mark.parametrize("version", [10**30, 2**63, -1, 0, "1", True, None, 1.5, [1]])
def test_version_numbers_are_validated(idle, version: object) -> None:  # noqa: ANN001
    client = idle.test_client()
    client.post("/api/articles", json={"text": "T\n\nBody.", "id": "a1"})
    r = client.post("/api/articles/a1/rollback", json={"version": version})
    assert r.status_code == 400 and r.is_json, (version, r.status_code)


def test_an_unknown_version_is_404(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    client.post("/api/articles", json={"text": "T\n\nBody.", "id": "a1"})
    assert client.post("/api/articles/a1/rollback", json={"version": 7}).status_code == 404
    assert client.get("/audio/a1/7.mp3").status_code == 404


@pytest.mark.parametrize("voice", ["../../etc/passwd", "/etc/passwd", "joe/../espeak", "joe\x00", "x" * 9999,
                                   "%2e%2e%2fjoe", "espeak.toml", ""])
def test_voice_names_are_looked_up_never_opened(idle, voice: str) -> None:  # noqa: ANN001
    r = idle.test_client().post("/api/articles", json={"text": "T\n\nBody.", "voice": voice})
    if voice == "":  # empty means the default voice
        assert r.status_code == 202
    else:
        assert r.status_code == 422 and "unknown voice" in r.json["message"], voice


# --- hostile text in a real browser -------------------------------------------------------------

sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def page(browser):  # noqa: ANN001, ANN201
    """A page that records script errors, dialogs and Content-Security-Policy violations."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    page = context.new_page()
    page.wait_for_function = csp_safe_wait(page)
    page.events = {"errors": [], "dialogs": [], "csp": []}  # type: ignore[attr-defined]
    page.on("pageerror", lambda e: page.events["errors"].append(str(e)))
    page.on("dialog", lambda d: (page.events["dialogs"].append(d.message), d.dismiss()))
    page.on("console", lambda m: "Content Security Policy" in m.text and page.events["csp"].append(m.text))
    yield page
    context.close()


def _assert_inert(page, expected_texts: list[str]) -> None:  # noqa: ANN001
    # Events dispatched, not a real pointer: as the live stream times a paragraph, the player hides its
    # untimed copy, and a hidden element cannot be hovered; its handlers would still run.
    for block in page.locator("#transcript p, #transcript h2").all():
        for event in ("mouseover", "mouseenter", "click"):
            block.dispatch_event(event)
    assert page.evaluate("window.__pwned") is None
    injected = "#transcript script, #transcript img, [onerror], [onclick], [onmouseover]"
    assert page.locator(injected).count() == 0
    text = page.locator("body").inner_text()
    for expected in expected_texts:
        assert expected in text, expected
    assert page.events["dialogs"] == [] and page.events["errors"] == [], page.events


def test_hostile_article_text_is_shown_as_text_and_never_runs(client, live_server, page) -> None:  # noqa: ANN001
    """Before narration (stored text) and after (timing map sentences): markup in the words stays words."""
    expected = ["<script>window.__pwned = 'title'</script>", "<img src=x onerror=\"window.__pwned = 'img'\">"]
    r = client.post("/api/articles", json={"text": HOSTILE_TEXT, "id": "h1", "voice": "espeak"})
    assert r.status_code == 202
    page.goto(f"{live_server}/articles/h1")
    _assert_inert(page, expected)
    narrated_article = wait_for(
        lambda: client.get("/api/articles/h1").json["status"] == "ready", 90, what="narration")
    assert narrated_article
    page.goto(f"{live_server}/articles/h1")
    page.wait_for_function("document.querySelectorAll('#transcript [data-index]').length >= 3")
    _assert_inert(page, expected)
    assert page.title().startswith("Council <script>")
    page.goto(f"{live_server}/embed/h1")
    page.locator(".np-play:not([disabled])").wait_for()
    assert page.evaluate("window.__pwned") is None and page.events["errors"] == []
    assert page.events["csp"] == [], page.events["csp"]  # the pages need nothing the policy blocks


def test_player_and_embed_work_under_the_policy_and_only_the_embed_is_frameable(
    client, live_server, page  # noqa: ANN001
) -> None:
    narrated(client)
    page.goto(f"{live_server}/articles/a1")
    page.locator(".np-play").click()
    page.wait_for_function("document.querySelector('.np-audio').currentTime > 0.3", timeout=15_000)
    assert page.events["csp"] == [] and page.events["errors"] == []

    snippet = (f'<script src="{live_server}/embed.js" data-article="a1" async></script>'
               f'<iframe id="direct" src="{live_server}/articles/a1"></iframe>')
    with publisher_page(snippet) as url:  # another origin (another port)
        page.goto(url, wait_until="load")  # every frame has loaded (or been refused)
        frame = page.frame_locator("iframe[data-narrator-article='a1']")
        frame.locator(".np-play:not([disabled])").wait_for()
        players = [f.url for f in page.frames if f.locator(".np-play").count()]
        assert players == [f"{live_server}/embed/a1"], players  # the article page refused to be framed
        assert page.frame_locator("#direct").locator(".np-play").count() == 0


# --- production servers: slow requests ----------------------------------------------------------

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


def test_gunicorn_config_bounds_request_heads() -> None:
    conf: dict = {}
    exec((ROOT / "deploy" / "gunicorn.conf.py").read_text(encoding="utf-8"), conf)  # noqa: S102
    assert conf["bind"].startswith("127.0.0.1:")  # only nginx talks to it
    assert conf["limit_request_line"] <= 8190 and conf["limit_request_fields"] <= 100
    assert conf["limit_request_field_size"] <= 8190 and conf["timeout"] <= 120


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[tuple[int, int]]:
    """deploy/nginx.conf as shipped (ports and paths substituted) in front of a loopback app stub."""
    if NGINX is None:
        pytest.skip("nginx is not installed")
    app_port, port = free_port(), free_port()
    home = tmp_path / "home"
    (home / "audio").mkdir(parents=True)
    site = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    site = site.replace("alias /var/lib/narrator/audio/;", f"alias {home / 'audio'}/;")
    site = site.replace("root /var/lib/narrator;", f"root {home};")
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    user = "user root;" if os.geteuid() == 0 else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"""{user}
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy; fastcgi_temp_path {tmp_path}/f;
    uwsgi_temp_path {tmp_path}/u; scgi_temp_path {tmp_path}/s;
{site}
}}
""", encoding="utf-8")
    check = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: listening(port, 1), 10, what="nginx")
        yield port, app_port
    finally:
        proc.terminate()
        proc.wait(10)


def test_nginx_drops_clients_that_trickle_a_request(nginx: tuple[int, int]) -> None:
    """A client that never finishes its request head, and one that stops sending its body, are cut off
    by nginx after client_header_timeout / client_body_timeout (10 s), and the app never hears of them."""
    port, app_port = nginx
    app_connections: list[object] = []
    app = socket.create_server(("127.0.0.1", app_port))
    app.settimeout(0.2)

    def accept_app() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                app_connections.append(app.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    threading.Thread(target=accept_app, daemon=True).start()
    head = socket.create_connection(("127.0.0.1", port), 5)
    head.sendall(b"GET / HTTP/1.1\r\nHost: news.example\r\n")  # ...and never the blank line
    body = socket.create_connection(("127.0.0.1", port), 5)
    body.sendall(b"POST /api/articles HTTP/1.1\r\nHost: news.example\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: 1000\r\n\r\nonly a few bytes")
    started = time.monotonic()
    closed = {}
    for name, s in (("head", head), ("body", body)):
        s.settimeout(20)
        try:
            while s.recv(4096):
                pass
        except (ConnectionResetError, TimeoutError):
            pass
        closed[name] = time.monotonic() - started
        s.close()
    app.close()
    assert all(8 <= t <= 14 for t in closed.values()), closed
    assert app_connections == []  # nginx buffers the request: the app never saw either


@pytest.mark.parametrize("breaker", ["\r", "\x0b", "\x0c", "\x1c", "\x1e", "\x85", "\u2028", "\u2029"])
def test_lexicon_entries_stay_on_one_line_of_the_file(idle, breaker: str) -> None:  # noqa: ANN001
    """A written or spoken form with a character the file's reader splits lines at is refused (a '\\r'
    found by the schemathesis run had been saved and broke lexicon.tsv for every later request)."""
    idle.extensions["narrator"].runner.start_listening()  # an entry is tried on its voice before it is saved
    client = idle.test_client()
    assert client.put("/api/lexicon/Kyiv", json={"spoken": "keev", "voice": "espeak"}).status_code == 200
    written = urllib.parse.quote(f"a{breaker}b")  # as a client sends it (urlsplit drops a raw '\r')
    assert client.put(f"/api/lexicon/{written}", json={"spoken": "x"}).status_code == 400
    assert client.put("/api/lexicon/Tbilisi", json={"spoken": f"tuh{breaker}bee"}).status_code == 400
    r = client.put("/api/lexicon/Lviv", json={"spoken": "luh-veev", "voice": "espeak"})  # the file parses
    assert r.status_code == 200
    assert [e["written"] for e in client.get("/api/lexicon").json["entries"]] == ["Kyiv", "Lviv"]


# --- control characters in what the API takes and what pages and cues show (issue 23) -------------

CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
"""C0 and C1 controls (not tab, line feed, carriage return) and noncharacters: never on a page or in a cue."""
RAW_TITLE = "Breaking\x1b[31m news\x07 \x00today\u2028again\x9b"
"""A title as an API client or an older narrator might have stored it."""


def test_control_characters_in_api_fields_are_removed_on_the_way_in(idle) -> None:  # noqa: ANN001
    client = idle.test_client()
    body = {"text": "T\n\nThe minister spoke in Kyiv.", "id": "a1", "title": RAW_TITLE,
            "pronunciations": {"Ky\x1biv": "kee\x07ev\r\n"}}
    r = client.post("/api/articles", json=body)
    assert r.status_code == 202, r.json
    stored = client.get("/api/articles/a1").json
    assert stored["title"] == "Breaking[31m news today again"
    assert stored["content"]["pronunciations"] == [["Kyiv", "keeev"]]
    assert client.post("/api/articles", json={"text": "T\n\nBody.", "title": "\x1b\x07"}).json["title"] == "T"
    url = client.post("/api/articles", json={"url": "https://news.example/a", "title": "Fetched\x1b later"})
    assert url.status_code == 202 and url.json["title"] == "Fetched later"
    for bad in ("https://news.example/a\x85b", "https://news.example/a\x9bb", "https://news.example/\ufffe"):
        refused = client.post("/api/articles", json={"url": bad})
        assert refused.status_code == 400 and refused.json["message"] == "the URL is not valid", bad
    for page in ("/", "/articles/a1", "/embed/a1", "/editor/", "/editor/articles/a1"):
        html = client.get(page).text
        assert "Breaking[31m news today again" in html and not CONTROLS.search(html), page


def test_pages_and_cues_show_no_control_character_an_older_row_holds(app, client) -> None:  # noqa: ANN001
    """A title and a paragraph stored with control characters (by an older narrator, or straight into the
    database): `/`, the article page and the dashboard show them without, and a narration made from
    that row has none in its WebVTT cues (nor in the transcript the page shows from its timing map)."""
    narrated(client)
    store = app.extensions["narrator"].store
    record = store.articles.get("a1")
    first = record.article.sections[0]
    raw = dataclasses.replace(record.article, title=RAW_TITLE, sections=(dataclasses.replace(
        first, paragraphs=(dataclasses.replace(first.paragraphs[0], text="Traffic\x1b moved\x0c slowly."),
                           *first.paragraphs[1:])), *record.article.sections[1:]))
    with store.db.write() as db:
        db.execute("UPDATE articles SET title = ?, content = ? WHERE id = 'a1'",
                   (RAW_TITLE, json.dumps(raw.to_dict(), ensure_ascii=False)))
    for page in ("/", "/articles/a1", "/editor/", "/editor/articles/a1"):
        html = client.get(page).text
        assert "Breaking[31m news" in html and not CONTROLS.search(html), page
    assert client.post("/api/articles/a1/regenerate").status_code == 202
    version = version_ready(client, 2)
    vtt = client.get(version["vtt_url"]).text
    cues = re.sub(r"<[0-9:.]+>", "", vtt)  # the text without its word timestamps
    assert "Breaking[31m news today" in cues and "Traffic moved slowly." in cues
    assert not CONTROLS.search(vtt)
    html = client.get("/articles/a1").text  # the transcript, from version 2's timing map
    assert "Traffic" in html and not CONTROLS.search(html)
