"""The schema, defined once: Alembic migrations in versions/, run on SQLite and PostgreSQL alike.

A change to the tables is one new revision in versions/ (and HEAD below). The embedded SQLite
database is brought to HEAD when the store opens it (`ensure_sqlite`, under a file lock, so two
processes starting on one home do not race); PostgreSQL is upgraded by the operator with
`narrator db upgrade`, and a store refuses to start on a database that is not at HEAD.
"""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEAD = "0007"
"""The newest revision in versions/ (a test checks it against Alembic's own view)."""

_ADOPT = (("listen_events", "0003"), ("api_keys", "0002"), ("articles", "0001"))
"""A SQLite database made before migrations ran on SQLite (it has no alembic_version table) is at
the revision of the newest table it has."""


def sqlalchemy_url(url: str) -> str:
    """The URL as SQLAlchemy (and so Alembic) wants it, with the psycopg 3 driver."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config
    """An Alembic configuration for the database at `url` (no alembic.ini needed)."""
    from alembic.config import Config


    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision` (default: the newest)."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The database's revision (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine


    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def _sqlite_revision(path: Path, timeout: float) -> str | None:
    db = sqlite3.connect(path, timeout=timeout)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "alembic_version" in tables:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            return row[0] if row else None
        adopted = next((rev for table, rev in _ADOPT if table in tables), None)
        if adopted:  # made by an older narrator: record where it stands, then migrate onwards
            _add_legacy_job_columns(db)
            db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
            db.execute("INSERT INTO alembic_version VALUES (?)", (adopted,))
            db.commit()
        return adopted
    finally:
        db.close()


def _add_legacy_job_columns(db: sqlite3.Connection) -> None:
    """Columns the job queue added to `jobs` before revision 0001 was final."""
    have = {r[1] for r in db.execute("PRAGMA table_info(jobs)")}
    added = (("stage", "TEXT NOT NULL DEFAULT 'queued'"), ("attempts", "INTEGER NOT NULL DEFAULT 0"),
             ("worker", "TEXT"), ("lease_until", "REAL"))
    for column, decl in added:
        if column not in have:
            db.execute(f"ALTER TABLE jobs ADD COLUMN {column} {decl}")


def ensure_sqlite(path: Path, timeout: float) -> None:
    """Bring the SQLite file at `path` to HEAD (creating it); cheap when it is there already."""
    if path.exists() and _sqlite_revision(path, timeout) == HEAD:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process migrates; the others wait and find it done
        if _sqlite_revision(path, timeout) != HEAD:
            upgrade(f"sqlite:///{path}")
