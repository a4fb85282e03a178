"""Who may change things: API keys (``Authorization: Bearer``) and signed-in editors (session cookie + CSRF).

Listener routes stay public. A view that changes state is wrapped in `editor_required`:

* no credential (or a wrong, revoked key, or a session whose user is gone): 401;
* a credential without the right (a 'reader' key or account): 403;
* a signed-in browser must also send the session's CSRF token (form field ``csrf_token`` or
  header ``X-CSRF-Token``) with every state-changing request: 403 without it.

The check runs before the view reads the request, so a refused request changes nothing.

Editor requests that change state (every `editor_required` view, and every POST to the dashboard:
sign-in, sign-out, saves) are rate-limited per client address with a token bucket
(EDITOR_REQUESTS_PER_MINUTE, ``NARRATOR_EDITOR_REQUESTS_PER_MINUTE``): beyond it, 429 with
Retry-After, before the credential is even checked (so password guessing is slowed too).
The session cookie is HttpOnly, SameSite=Lax, and Secure when the service is reached over https
(SECURE_COOKIES, or a PUBLIC_URL starting with https). The signing key is NARRATOR_SECRET_KEY, or
one generated on first start and kept in HOME/secret_key.
"""

from __future__ import annotations

import functools
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask, abort, current_app, g, request, session

from narrator.service.accounts import SESSION_S, Principal

from .context import service
from .serialise import json_error

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    """The session cookie's settings and signing key, the CSRF token in templates, the editor rate limit."""
    svc = app.extensions["narrator"]
    settings = svc.settings
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(svc.store.home)
    secure = bool(settings.secure_cookies) or settings.public_url.startswith("https:")
    app.config.update(
        SESSION_COOKIE_NAME="narrator_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        PERMANENT_SESSION_LIFETIME=SESSION_S,
    )
    app.context_processor(lambda: {"csrf_token": csrf_token, "principal": principal})
    if svc.editor_limiter is not None:
        app.before_request(_limit_editor_requests)


def secret_key(home: Path) -> str:
    """The key that signs session cookies: made once (random, 256 bits) and kept in HOME/secret_key,
    so every process of the service and every restart agree on it."""
    path = home / "secret_key"
    home.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip() or _wait_for_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def _wait_for_key(path: Path) -> str:
    """Another process created the file a moment ago and is writing it (64 characters: one write)."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty; delete it and start again")


def principal() -> Principal | None:
    """Who the current request comes from (an API key, or the signed-in user), or None."""
    if "principal" in g:
        return g.principal
    found: Principal | None = None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found = service().accounts.check_key(token.strip())
        g.via_session = False
    elif header:
        found = None  # another scheme: not a credential we know
    elif session.get("sid"):
        found = service().accounts.session_user(str(session["sid"]))
        g.via_session = True
    g.principal = found
    return found


def sign_in(who: Principal) -> None:
    """Start a session for `who` (a fresh CSRF token with it)."""
    session.clear()
    session["sid"] = service().accounts.open_session(who.name)
    session["csrf"] = secrets.token_urlsafe(32)
    session.permanent = True
    g.pop("principal", None)


def sign_out() -> None:
    """End the session server-side (a copy of the cookie kept elsewhere stops working too)."""
    if session.get("sid"):
        service().accounts.close_session(str(session["sid"]))
    session.clear()
    g.pop("principal", None)


def csrf_token() -> str:
    """The session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    """Whether the request carries the session's CSRF token (form field or X-CSRF-Token header)."""
    expected = session.get("csrf")
    sent = request.headers.get("X-CSRF-Token") or (
        request.form.get("csrf_token", "") if request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data") else "")
    return bool(expected) and hmac.compare_digest(str(sent), str(expected))


def _refuse(status: int, message: str):  # noqa: ANN202
    if request.path.startswith("/api/") or not request.accept_mimetypes.accept_html:
        challenge = {"WWW-Authenticate": 'Bearer realm="narrator"'} if status == 401 else {}
        return json_error(status, message, challenge)
    abort(status, description=message)


def _limit_editor_requests():  # noqa: ANN202
    """429 for a state-changing editor request beyond the client address's rate (see the module)."""
    if request.method in SAFE_METHODS:
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if request.blueprint != "editor" and not getattr(view, "editor_required", False):
        return None
    limiter = service().editor_limiter
    assert limiter is not None  # registered only with a limit
    client = request.remote_addr or ""
    if limiter.allow(client):
        return None
    wait = max(limiter.retry_after(client), 1)
    return json_error(429, f"too many editor requests from this address; try again in {wait} s",
                      {"Retry-After": str(wait)})


def check_editor():  # noqa: ANN201
    """None if the request may change state; else the refusal (401, 403) to answer."""
    who = principal()
    if who is None:
        return _refuse(401, "this needs an editor credential: an API key (Authorization: Bearer ...) "
                            "or a signed-in session")
    if g.get("via_session") and request.method not in SAFE_METHODS and not csrf_ok():
        return _refuse(403, "the CSRF token is missing or wrong; reload the page and try again")
    if not who.can_edit:
        return _refuse(403, f"the {who.kind} '{who.name}' has the role '{who.role}', "
                            "which may not change this")
    return None


def editor_required(view: Callable) -> Callable:
    """Wrap a view that changes state: it runs only for an editor credential (see the module)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        refusal = check_editor()
        if refusal is not None:
            return refusal
        return view(*args, **kwargs)

    wrapped.editor_required = True  # type: ignore[attr-defined]  # rate-limited as an editor request
    return wrapped


__all__ = ["check_editor", "csrf_ok", "csrf_token", "editor_required", "init_app", "principal",
           "secret_key", "sign_in", "sign_out"]
