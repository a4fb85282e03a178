"""Editor credentials: API keys for machines and accounts for people, in the store's database.

An API key is shown once, when it is made: ``nk_<id>_<secret>``. Only the SHA-256 of the whole
token is stored (the secret has 256 random bits, so a fast hash is enough); the id finds the
row and the hashes are compared in constant time. Passwords are hashed with werkzeug's salted,
slow `generate_password_hash`. Roles decide what a credential may do: 'editor' changes things,
'reader' only reads what is not public (the dashboard).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import InputError
from .store import Conflict, NotFound, Store

ROLES = ("editor", "reader", "speech")
"""What a credential may be: 'editor' may change articles and the lexicon, 'reader' may not, 'speech'
may only ask for speech (POST /v1/audio/speech: a key for a tool that speaks the OpenAI API)."""

PREFIX = "nk_"
"""API keys start with this, so they are recognisable in logs and secret scanners."""

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}\Z")
"""User names: 1-64 letters, digits, '_', '.', '@' or '-'."""

MIN_PASSWORD = 8
"""Shortest password accepted."""

SESSION_S = 12 * 3600
"""How long a dashboard session lasts (a working day); signing out, a new password or the account's
removal ends it at once, server-side."""


@dataclass(frozen=True)
class Principal:
    """Who a request comes from, once a credential has been checked."""

    kind: str
    """'key' or 'user'."""
    name: str
    """The key's label or the user's name."""
    role: str
    """One of ROLES."""
    key_id: str = ""
    """The key's id (for a key)."""

    @property
    def can_edit(self) -> bool:
        """Whether it may change state."""
        return self.role == "editor"

    @property
    def requester(self) -> str:
        """How jobs record who asked: 'key:<id>' or 'user:<name>'."""
        return f"key:{self.key_id}" if self.kind == "key" else f"user:{self.name}"


@dataclass(frozen=True)
class ApiKey:
    """A stored API key (never the token itself)."""

    id: str
    """Public part of the token, shown in listings."""
    name: str
    """What it is for (e.g. 'cms')."""
    role: str
    """One of ROLES."""
    created: float
    """Unix time it was made."""
    last_used: float | None
    """Unix time of the last request it authorised."""
    revoked: float | None
    """Unix time it was revoked, or None while it works."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    return role


class Accounts:
    """API keys and user accounts in the store's database."""

    def __init__(self, store: Store):
        self.db = store.db

    # API keys -------------------------------------------------------------------------------------

    def create_key(self, name: str, role: str = "editor") -> tuple[ApiKey, str]:
        """Make a key; returns it and its token (shown once, not stored)."""
        _check_role(role)
        key_id = secrets.token_hex(6)
        token = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        now = time.time()
        with self.db.write() as db:
            db.execute(
                "INSERT INTO api_keys (id, name, role, token_hash, created) VALUES (?, ?, ?, ?, ?)",
                (key_id, name.strip() or "key", role, _hash(token), now),
            )
        return ApiKey(key_id, name.strip() or "key", role, now, None, None), token

    def list_keys(self) -> list[ApiKey]:
        """All keys, revoked ones included, oldest first."""
        with self.db.connect() as db:
            rows = db.execute("SELECT * FROM api_keys ORDER BY created, id").fetchall()
        return [ApiKey(r["id"], r["name"], r["role"], r["created"], r["last_used"], r["revoked"])
                for r in rows]

    def revoke_key(self, key_id: str) -> None:
        """Stop a key working; NotFound if there is no such key."""
        with self.db.write() as db:
            cur = db.execute("UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked IS NULL",
                             (time.time(), key_id))
            if cur.rowcount == 0:
                raise NotFound(f"no active API key '{key_id}'")

    def check_key(self, token: str) -> Principal | None:
        """The principal a bearer token stands for, or None if it is not a working key."""
        if not token.startswith(PREFIX):
            return None
        key_id, _, secret = token[len(PREFIX):].partition("_")
        if not secret:
            return None
        with self.db.connect() as db:
            row = db.execute("SELECT * FROM api_keys WHERE id = ?", (key_id,)).fetchone()
        expected = row["token_hash"] if row else _hash("")  # compare anyway: same time either way
        if not hmac.compare_digest(_hash(token), expected) or row is None or row["revoked"] is not None:
            return None
        if not row["last_used"] or time.time() - row["last_used"] > 60:  # one write a minute at most
            with self.db.write() as db:
                db.execute("UPDATE api_keys SET last_used = ? WHERE id = ?", (time.time(), key_id))
        return Principal("key", row["name"], row["role"], key_id)

    # Users ----------------------------------------------------------------------------------------

    def create_user(self, name: str, password: str, role: str = "editor") -> None:
        """Make an account; Conflict if the name is taken, InputError for a bad name or password."""
        _check_role(role)
        if not USER_NAME.match(name):
            raise InputError("a user name is 1-64 letters, digits, '_', '.', '@' or '-'")
        if len(password) < MIN_PASSWORD:
            raise InputError(f"the password must be at least {MIN_PASSWORD} characters")
        try:
            with self.db.write() as db:
                if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                    raise Conflict(f"user '{name}' already exists")
                db.execute("INSERT INTO users (name, password_hash, role, created) VALUES (?, ?, ?, ?)",
                           (name, generate_password_hash(password), role, time.time()))
        except self.db.unique_errors:
            raise Conflict(f"user '{name}' already exists")

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password; NotFound if unknown."""
        if len(password) < MIN_PASSWORD:
            raise InputError(f"the password must be at least {MIN_PASSWORD} characters")
        with self.db.write() as db:
            cur = db.execute("UPDATE users SET password_hash = ? WHERE name = ?",
                             (generate_password_hash(password), name))
            if cur.rowcount == 0:
                raise NotFound(f"no user '{name}'")
            self._close_sessions_of(db, name)

    def delete_user(self, name: str) -> None:
        """Remove an account (its sessions stop working at their next request); NotFound if unknown."""
        with self.db.write() as db:
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                raise NotFound(f"no user '{name}'")
            self._close_sessions_of(db, name)

    def list_users(self) -> list[tuple[str, str]]:
        """(name, role) of every account."""
        with self.db.connect() as db:
            return [(r["name"], r["role"]) for r in db.execute("SELECT name, role FROM users ORDER BY name")]

    def check_password(self, name: str, password: str) -> Principal | None:
        """The user if the password is right, else None."""
        with self.db.connect() as db:
            row = db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            check_password_hash(_dummy_hash(), password)  # take as long as for a real user
            return None
        if not check_password_hash(row["password_hash"], password):
            return None
        return Principal("user", name, row["role"])

    # Sessions ---------------------------------------------------------------------------------------

    def open_session(self, name: str, lifetime_s: float = SESSION_S) -> str:
        """A new session for user `name` (signed in a moment ago); its id, for the signed cookie."""
        sid = secrets.token_urlsafe(32)
        now = time.time()
        with self.db.write() as db:
            db.execute("INSERT INTO sessions (id, user_name, created, expires) VALUES (?, ?, ?, ?)",
                       (sid, name, now, now + lifetime_s))
        return sid

    def session_user(self, sid: str) -> Principal | None:
        """The user of a live session: not signed out, not expired, the user still there; else None."""
        with self.db.connect() as db:
            row = db.execute("SELECT u.name, u.role FROM sessions s JOIN users u ON u.name = s.user_name "
                             "WHERE s.id = ? AND s.revoked IS NULL AND s.expires > ?",
                             (sid, time.time())).fetchone()
        return Principal("user", row["name"], row["role"]) if row else None

    def close_session(self, sid: str) -> None:
        """Sign a session out: its cookie stops working everywhere, at once."""
        with self.db.write() as db:
            db.execute("UPDATE sessions SET revoked = ? WHERE id = ? AND revoked IS NULL", (time.time(), sid))
            db.execute("DELETE FROM sessions WHERE expires < ?", (time.time() - SESSION_S,))  # long dead

    def _close_sessions_of(self, db, name: str) -> None:  # noqa: ANN001 - a connection in a transaction
        db.execute("UPDATE sessions SET revoked = ? WHERE user_name = ? AND revoked IS NULL",
                   (time.time(), name))


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash("not a password")


__all__ = ["Accounts", "ApiKey", "Principal", "ROLES", "SESSION_S"]
