"""Alembic migrations of the PostgreSQL schema, run by `narrator db upgrade`.

The SQLite default creates its schema itself (narrator.store.SCHEMA); a change to the tables is
made in both places: a new revision in versions/ and the matching line in SCHEMA.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config
    """An Alembic configuration for the database at `url` (no alembic.ini needed)."""
    from alembic.config import Config

    from ..database import sqlalchemy_url

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

    from ..database import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
