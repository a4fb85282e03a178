"""The narrator web service: a Flask app factory with the api, audio, player and feed blueprints."""

from __future__ import annotations

import atexit
import sqlite3
from dataclasses import dataclass, replace

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from narrator.config import Settings, from_env
from narrator.errors import InputError
from narrator.generate import EnginePool
from narrator.jobs import JobQueue
from narrator.store import Store

LABEL = "🎙️ Voice is AI-generated. Inconsistencies may occur."
"""The visible label next to the play button."""


@dataclass(frozen=True)
class WebSettings:
    """What an operator configures for the service; each field from NARRATOR_<FIELD> in the environment."""

    home: str = "data"
    """Folder holding all state (SQLite metadata, audio files)."""
    player_label: str = LABEL
    """Label shown next to the play button."""
    accel_redirect: str = ""
    """If set (e.g. '/_narrator_audio/'), audio is answered with X-Accel-Redirect to this nginx prefix."""
    public_url: str = ""
    """Absolute base URL for links in the podcast feed (default: the request's host)."""
    max_upload_mb: float = 5.0
    """Largest request body accepted (413 above it)."""
    runner: str = "inprocess"
    """'inprocess': this process also consumes the job queue; 'none': only enqueue, for `narrator worker`s."""
    feed_title: str = "narrator"
    """Title of the podcast feed."""
    allow_private_urls: int = 0
    """1: the API may fetch URLs on loopback and private networks (development, tests); 0 refuses them."""
    max_article_chars: int = 200_000
    """Longest article accepted (422 above it): about 33,000 words, three and a half hours of speech."""
    embed_ancestors: str = "*"
    """Sites that may frame the embed player (CSP frame-ancestors sources, e.g. 'https://news.example')."""
    secret_key: str = ""
    """Signs the editors' session cookies; empty: one is generated once and kept in HOME/secret_key."""
    secure_cookies: int = 0
    """1: the session cookie is sent over https only (on by itself when public_url is https)."""
    events_per_minute: int = 60
    """Listening events (POST /api/events) accepted per client address per minute; 429 beyond."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> WebSettings:
        return from_env(cls, env)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app. Config keys (from WebSettings, upper case) can be overridden by `test_config`;
    test_config may also give NARRATION (a narrator Settings) and ENGINE_POOL (an EnginePool to share)."""
    app = Flask(__name__)
    web = WebSettings.from_env()
    app.config.from_mapping(
        HOME=web.home,
        PLAYER_LABEL=web.player_label,
        ACCEL_REDIRECT=web.accel_redirect,
        PUBLIC_URL=web.public_url,
        MAX_CONTENT_LENGTH=int(web.max_upload_mb * 2**20),
        RUNNER=web.runner,
        FEED_TITLE=web.feed_title,
        ALLOW_PRIVATE_URLS=bool(web.allow_private_urls),
        MAX_ARTICLE_CHARS=web.max_article_chars,
        EMBED_ANCESTORS=web.embed_ancestors,
        SECRET_KEY=web.secret_key,
        SECURE_COOKIES=bool(web.secure_cookies),
        EVENTS_PER_MINUTE=web.events_per_minute,
        NARRATION=None,
        ENGINE_POOL=None,
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    narration = replace(app.config["NARRATION"] or Settings.from_env(), home=app.config["HOME"])
    store = Store.from_settings(narration)  # SQLite or PostgreSQL, local or S3 audio, per the settings
    if app.config["RUNNER"] not in ("inprocess", "none"):
        raise InputError(f"NARRATOR_RUNNER must be 'inprocess' or 'none', not {app.config['RUNNER']!r}")
    runner = JobQueue(store, narration, engines=app.config["ENGINE_POOL"])
    if app.config["RUNNER"] == "inprocess":
        runner.start_in_process()
    app.extensions["narrator"] = {"store": store, "runner": runner, "narration": narration}
    atexit.register(runner.close)

    from . import api, audio, auth, editor, feed, player, security

    security.init_app(app)
    auth.init_app(app)

    app.register_blueprint(api.bp)
    app.register_blueprint(audio.bp)
    app.register_blueprint(player.bp)
    app.register_blueprint(feed.bp)
    app.register_blueprint(editor.bp)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):  # noqa: ANN202
        if request.path.startswith(("/api/", "/audio/")) or not request.accept_mimetypes.accept_html:
            response = jsonify(error=e.name, message=e.description, status=e.code)
            response.status_code = e.code or 500
            return response
        return render_template("error.html", error=e), e.code

    @app.errorhandler(sqlite3.OperationalError)
    def database_busy(e: Exception):  # noqa: ANN202
        app.logger.warning("database error on %s: %s", request.path, e)
        busy = "lock" in str(e) or "busy" in str(e) or "connect" in str(e)
        message = ("the database is busy; try again shortly" if busy
                   else "the database cannot be written (disk full?); try again later")
        return jsonify(error="Service Unavailable", message=message, status=503), 503, {"Retry-After": "5"}

    for error in store.db.busy_errors:  # with PostgreSQL: psycopg's OperationalError (lock timeout, gone)
        app.register_error_handler(error, database_busy)

    @app.errorhandler(Exception)
    def internal_error(e: Exception):  # noqa: ANN202
        app.logger.exception("unhandled error on %s", request.path)
        return jsonify(
            error="Internal Server Error", message="internal error; see the server log", status=500
        ), 500

    return app


def store_of(app: Flask) -> Store:
    """The app's store."""
    return app.extensions["narrator"]["store"]


def runner_of(app: Flask) -> JobQueue:
    """The app's job queue."""
    return app.extensions["narrator"]["runner"]


def close_app(app: Flask) -> None:
    """Stop the app's runner (tests call this; servers rely on atexit)."""
    runner_of(app).close()


__all__ = ["LABEL", "WebSettings", "close_app", "create_app", "runner_of", "store_of", "EnginePool"]
