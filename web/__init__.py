"""The narrator web service: a Flask app factory with api, audio, player, feed, editor and ops blueprints."""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
from collections.abc import Mapping
from dataclasses import fields

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from narrator import logs
from narrator.audio.jingles import load_jingles
from narrator.config import Settings, env_name
from narrator.service.accounts import Accounts
from narrator.service.analytics import Analytics
from narrator.service.audio_storage import StorageUnavailable
from narrator.service.jobs import JobQueue
from narrator.service.pronunciations import PublicationLexicon
from narrator.service.store import Store
from narrator.speech.engines import checked_voices

from . import api, audio, auth, editor, feed, ops, player, security, speech
from . import live_api as live
from .context import Service, service
from .live_index import LiveIndex
from .metrics import WebMetrics
from .ratelimit import RateLimiter
from .serialise import json_error

SEAMS = ("ENGINE_POOL", "FETCH_RESOLVE", "FETCH_CONNECT")
"""test_config keys that are not settings: an EnginePool to share, and the fetch guard's resolver
and connector (tests map host names to loopback with them)."""


def create_app(test_config: Mapping[str, object] | None = None) -> Flask:
    """Build the app from the environment's settings (narrator.config.Settings).

    `test_config` overrides settings by their upper-case names (HOME, RUNNER, PUBLIC_URL...), sets
    the test seams in SEAMS, and any Flask option (TESTING)."""
    app = Flask(__name__)
    overrides = dict(test_config or {})
    names = {f.name for f in fields(Settings)}
    given = {env_name(k.lower()): _as_env(overrides.pop(k)) for k in list(overrides) if k.lower() in names}
    settings = Settings.from_env({**os.environ, **given})
    if settings.log_format == "json" and not logs.installed():  # gunicorn: no command line configured it
        logs.configure("json", logging.INFO)
    load_jingles(settings)  # a missing or unreadable intro/outro stops the start with one line
    checked_voices(settings.voices)  # so does a voice profile that cannot work (its file and line)
    feed.check_settings(settings)  # so do podcast artwork or a category that directories refuse
    player.check_settings(settings)  # and a publisher's logo the player could not show
    app.config.from_mapping(MAX_CONTENT_LENGTH=int(settings.max_upload_mb * 2**20),
                            SECRET_KEY=settings.secret_key, **{k: None for k in SEAMS})
    app.config.from_mapping(overrides)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    store = Store.from_settings(settings)  # SQLite or PostgreSQL, local or S3 audio, per the settings
    runner = JobQueue(store, settings, engines=app.config["ENGINE_POOL"], guard=security.fetch_guard(app))
    if settings.runner == "inprocess":
        runner.start_in_process()
    atexit.register(runner.close)
    per_minute = settings.editor_requests_per_minute
    app.extensions["narrator"] = Service(
        settings=settings, store=store, runner=runner, accounts=Accounts(store), analytics=Analytics(store),
        lexicon=PublicationLexicon(settings.publication_lexicon, settings.max_lexicon_entries),
        events_limiter=RateLimiter(settings.events_per_minute),
        editor_limiter=RateLimiter(per_minute) if per_minute > 0 else None,
        speech_limiter=speech.limiter(settings.speech_chars_per_minute),
        metrics=WebMetrics(store, settings.heartbeat_s), live_index=LiveIndex(store.storage))

    security.init_app(app)
    auth.init_app(app)
    ops.init_app(app)
    for blueprint in (api.bp, audio.bp, live.bp, player.bp, feed.bp, editor.bp, speech.bp):
        app.register_blueprint(blueprint)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):  # noqa: ANN202
        if request.path.startswith(("/api/", "/audio/")) or not request.accept_mimetypes.accept_html:
            return json_error(e.code or 500, e.description or e.name)
        return render_template("error.html", error=e), e.code

    @app.errorhandler(sqlite3.OperationalError)
    def database_busy(e: Exception):  # noqa: ANN202
        app.logger.warning("database error on %s: %s", request.path, e)
        return _retry_later(http_error(ServiceUnavailable(_database_trouble(e))))

    def _retry_later(answer: ResponseReturnValue) -> Response:
        response = app.make_response(answer)
        response.headers["Retry-After"] = "5"
        return response

    for error in store.db.busy_errors:  # with PostgreSQL: psycopg's OperationalError (lock timeout, gone)
        app.register_error_handler(error, database_busy)

    @app.errorhandler(StorageUnavailable)
    def storage_away(e: StorageUnavailable):  # noqa: ANN202
        app.logger.warning("audio storage error on %s: %s", request.path, e)
        return _retry_later(http_error(ServiceUnavailable("the audio storage cannot be reached; try again "
                                                          "shortly")))

    @app.errorhandler(Exception)
    def internal_error(e: Exception):  # noqa: ANN202
        app.logger.exception("unhandled error on %s", request.path)
        return json_error(500, "internal error; see the server log")

    return app


def _database_trouble(e: Exception) -> str:
    """What a 503 says of a database error: locked, full, or out of reach (PostgreSQL restarting)."""
    text = str(e).lower()
    if "lock" in text or "busy" in text:
        return "the database is busy; try again shortly"
    if "full" in text or "disk" in text or "readonly" in text:
        return "the database cannot be written (disk full?); try again later"
    return "the database cannot be reached; try again shortly"


def _as_env(value: object) -> str:
    """A test_config value as the environment would give it (True -> '1')."""
    return str(int(value)) if isinstance(value, bool) else str(value)


def close_app(app: Flask) -> None:
    """Stop the app's runner and close its connections (tests call this; servers rely on atexit)."""
    svc = app.extensions["narrator"]
    svc.runner.close()
    svc.store.close()


__all__ = ["SEAMS", "Service", "close_app", "create_app", "service"]
