"""Access control: API keys and editor sessions through the Flask test client; the keys/users commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from web_fixtures import SHORT_TEXT, BufferedClient, editor_key

from narrator.service.accounts import Accounts
from narrator.service.store import Store
from narrator.web import close_app, create_app

ROOT = Path(__file__).resolve().parent.parent

STATE_CHANGING = [
    ("post", "/api/articles", {"json": {"text": SHORT_TEXT, "id": "new"}}),
    ("put", "/api/articles/a1", {"json": {"text": SHORT_TEXT + "\n\nMore.", "voice": "espeak"}}),
    ("post", "/api/articles/a1/regenerate", {}),
    ("post", "/api/articles/a1/rollback", {"json": {"version": 1}}),
    ("delete", "/api/articles/a1", {}),
    ("put", "/api/lexicon/Tbilisi", {"json": {"spoken": "tuh-bee-lee-see"}}),
    ("delete", "/api/lexicon/Kyiv", {}),
    ("post", "/api/lexicon/listen", {"json": {"written": "Kyiv", "voice": "espeak"}}),
    ("post", "/api/articles/a1/preview", {"json": {}}),
]
"""Every route that changes state (or synthesises on request), with a body it would accept."""


@pytest.fixture
def idle(tmp_path: Path):  # noqa: ANN201
    """An app whose queue nobody consumes, with one article and one lexicon entry."""
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none",
                      "LISTEN_TIMEOUT_S": 0.2})
    app.test_client_class = BufferedClient
    editor = app.test_client()
    r = editor.post("/api/articles", json={"text": SHORT_TEXT, "id": "a1", "voice": "espeak"})
    assert r.status_code == 202
    app.extensions["narrator"].lexicon.set("Kyiv", "keev")  # (a PUT has the entry tried by a worker first)
    yield app
    close_app(app)


def snapshot(app) -> tuple:  # noqa: ANN001
    """What a refused request must leave alone: articles, jobs, the lexicon."""
    client = app.test_client(role=None)
    articles = client.get("/api/articles").json
    return articles, client.get("/api/lexicon").json, app.extensions["narrator"].store.jobs.queued()


@pytest.mark.parametrize(("method", "path", "kwargs"), STATE_CHANGING)
def test_state_changing_routes_need_a_credential(idle, method: str, path: str, kwargs: dict) -> None:  # noqa: ANN001
    before = snapshot(idle)
    anonymous = idle.test_client(role=None)
    r = getattr(anonymous, method)(path, **kwargs)
    assert r.status_code == 401 and r.is_json and r.json["status"] == 401, r.data
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(idle) == before

    wrong = idle.test_client(role=None)
    wrong.environ_base["HTTP_AUTHORIZATION"] = "Bearer nk_000000000000_not-a-real-key"
    assert getattr(wrong, method)(path, **kwargs).status_code == 401
    basic = idle.test_client(role=None)
    basic.environ_base["HTTP_AUTHORIZATION"] = "Basic ZWRpdG9yOnNlY3JldA=="
    assert getattr(basic, method)(path, **kwargs).status_code == 401

    reader = idle.test_client(role="reader")
    r = getattr(reader, method)(path, **kwargs)
    assert r.status_code == 403 and r.json["status"] == 403 and "reader" in r.json["message"]
    assert snapshot(idle) == before

    r = getattr(idle.test_client(), method)(path, **kwargs)  # past the check
    # No version yet; no worker to speak it, or to try an entry before saving it.
    expected = {"/api/articles/a1/rollback": 404, "/api/lexicon/listen": 503, "/api/lexicon/Tbilisi": 503}
    assert r.status_code < 400 or r.status_code == expected.get(path), r.data


def test_listener_routes_are_public(idle) -> None:  # noqa: ANN001
    anonymous = idle.test_client(role=None)
    for path in ("/", "/articles/a1", "/embed/a1", "/api/articles", "/api/articles/a1",
                 "/api/articles/a1/versions", "/api/voices", "/api/lexicon", "/feed.xml", "/embed.js"):
        assert anonymous.get(path).status_code == 200, path


def test_revoked_key_stops_working(idle) -> None:  # noqa: ANN001
    accounts: Accounts = idle.extensions["narrator"].accounts
    key, token = accounts.create_key("cms")
    client = idle.test_client(role=None)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.post("/api/articles/a1/regenerate").status_code in (200, 202)
    accounts.revoke_key(key.id)
    assert client.post("/api/articles/a1/regenerate").status_code == 401
    assert [k.revoked is not None for k in accounts.list_keys() if k.id == key.id] == [True]


def test_a_real_key_id_with_a_wrong_secret_is_refused(idle) -> None:  # noqa: ANN001
    accounts: Accounts = idle.extensions["narrator"].accounts
    key, token = accounts.create_key("cms")
    key_id, _, secret = token.removeprefix("nk_").partition("_")
    assert key_id == key.id  # the id part is right: the row is found, then the hash must match
    wrong = f"nk_{key_id}_" + ("A" if secret[0] != "A" else "B") + secret[1:]
    assert accounts.check_key(wrong) is None and accounts.check_key(token) is not None
    client = idle.test_client(role=None)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {wrong}"
    assert client.post("/api/articles/a1/regenerate").status_code == 401
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.post("/api/articles/a1/regenerate").status_code in (200, 202)


def test_keys_are_stored_hashed(idle) -> None:  # noqa: ANN001
    token = editor_key(idle)
    db = sqlite_dump(idle.extensions["narrator"].store)
    assert token not in db and token.split("_")[-1] not in db


def sqlite_dump(store: Store) -> str:
    with store._connect() as db:
        return "\n".join(db.iterdump())


def sign_in(client, name: str = "ed", password: str = "correct horse") -> object:  # noqa: ANN001
    page = client.get("/editor/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/editor/signin", data={"name": name, "password": password, "csrf_token": token,
                                                "next": "/editor/"})


def csrf_of(client) -> str:  # noqa: ANN001
    page = client.get("/editor/")
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)


def test_editor_session_with_csrf(idle) -> None:  # noqa: ANN001
    accounts: Accounts = idle.extensions["narrator"].accounts
    accounts.create_user("ed", "correct horse")
    browser = idle.test_client(role=None)
    assert browser.get("/editor/").status_code == 302  # to the sign-in page
    assert sign_in(browser, password="wrong password").status_code == 401
    r = sign_in(browser)
    assert r.status_code == 302 and r.headers["Location"] == "/editor/"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert browser.get("/editor/").status_code == 200

    # The API accepts the session only with the CSRF token in a header.
    before = snapshot(idle)
    r = browser.delete("/api/articles/a1")
    assert r.status_code == 403 and "CSRF" in r.json["message"]
    assert browser.delete("/api/articles/a1", headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert snapshot(idle) == before
    assert browser.delete("/api/articles/a1", headers={"X-CSRF-Token": csrf_of(browser)}).status_code == 204

    # A form posted without the token (a cross-site form) is refused; signing out needs it too.
    assert browser.post("/editor/signout").status_code == 403
    assert browser.get("/editor/").status_code == 200
    assert browser.post("/editor/signout", data={"csrf_token": csrf_of(browser)}).status_code == 302
    assert browser.get("/editor/").status_code == 302


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(idle) -> None:  # noqa: ANN001
    """A cookie saved before signing out (by an attacker, or another tab) no longer works after it."""
    idle.extensions["narrator"].accounts.create_user("ed", "correct horse")
    browser = idle.test_client(role=None)
    sign_in(browser)
    token = csrf_of(browser)
    cookie = browser.get_cookie("narrator_session").value
    thief = idle.test_client(role=None)
    thief.set_cookie("narrator_session", cookie)
    regenerate = {"path": "/api/articles/a1/regenerate", "headers": {"X-CSRF-Token": token}}
    assert thief.post(**regenerate).status_code in (200, 202)
    assert browser.post("/editor/signout", data={"csrf_token": token}).status_code == 302
    r = thief.post("/api/articles/a1/regenerate", headers={"X-CSRF-Token": token})
    assert r.status_code == 401  # the copy of the cookie is refused: the session ended server-side
    assert thief.get("/editor/").status_code == 302


def test_session_ends_when_the_password_changes_or_the_user_goes(idle) -> None:  # noqa: ANN001
    accounts: Accounts = idle.extensions["narrator"].accounts
    accounts.create_user("ed", "correct horse")
    browser = idle.test_client(role=None)
    sign_in(browser)
    assert browser.get("/editor/").status_code == 200
    accounts.set_password("ed", "battery staple")
    assert browser.get("/editor/").status_code == 302
    sign_in(browser, password="battery staple")
    accounts.delete_user("ed")
    assert browser.get("/editor/").status_code == 302


def test_reader_account_sees_but_cannot_change(idle) -> None:  # noqa: ANN001
    idle.extensions["narrator"].accounts.create_user("viewer", "correct horse", role="reader")
    browser = idle.test_client(role=None)
    sign_in(browser, "viewer")
    assert browser.get("/editor/").status_code == 200
    r = browser.post("/api/articles/a1/regenerate", headers={"X-CSRF-Token": csrf_of(browser)})
    assert r.status_code == 403


def test_secret_key_is_made_once_and_kept(tmp_path: Path) -> None:
    home = tmp_path / "home"
    one = create_app({"HOME": str(home), "RUNNER": "none"})
    two = create_app({"HOME": str(home), "RUNNER": "none"})
    try:
        assert one.secret_key == two.secret_key and len(one.secret_key) == 64
        assert (home / "secret_key").stat().st_mode & 0o077 == 0
    finally:
        close_app(one)
        close_app(two)
    given = create_app({"HOME": str(tmp_path / "h2"), "RUNNER": "none", "SECRET_KEY": "from-env",
                        "PUBLIC_URL": "https://news.example"})
    try:
        assert given.secret_key == "from-env" and given.config["SESSION_COOKIE_SECURE"] is True
    finally:
        close_app(given)


def narrator(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, NARRATOR_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "narrator.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)


def test_cli_keys_and_users(tmp_path: Path) -> None:
    home = tmp_path / "home"
    made = narrator(home, "keys", "create", "cms")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("nk_") and "not shown again" in made.stderr
    listed = narrator(home, "keys", "list").stdout.splitlines()
    key_id = token.split("_")[1]
    assert listed == [f"{key_id}\teditor\tactive\tcms"]
    accounts = Accounts(Store(home))
    assert accounts.check_key(token).role == "editor"
    assert narrator(home, "keys", "revoke", key_id).returncode == 0
    assert accounts.check_key(token) is None
    assert narrator(home, "keys", "revoke", key_id).returncode == 2
    assert narrator(home, "keys", "create", "ro", "--role", "reader").returncode == 0

    made = narrator(home, "users", "create", "ed", "--password-stdin", stdin="correct horse\n")
    assert made.returncode == 0, made.stderr
    assert accounts.check_password("ed", "correct horse").role == "editor"
    assert accounts.check_password("ed", "wrong") is None
    taken = narrator(home, "users", "create", "ed", "--password-stdin", stdin="correct horse\n")
    assert taken.returncode == 2 and "already exists" in taken.stderr
    short = narrator(home, "users", "create", "bo", "--password-stdin", stdin="short\n")
    assert short.returncode == 2 and "at least" in short.stderr
    assert narrator(home, "users", "list").stdout == "ed\teditor\n"
    with sqlite3_connect(home) as db:
        stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert "correct horse" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def sqlite3_connect(home: Path):  # noqa: ANN201
    import sqlite3

    return sqlite3.connect(home / "narrator.db")
