"""Metadata databases behind the store: SQLite on one machine, PostgreSQL for several.

The store writes one dialect of SQL (``?`` parameters, ``ON CONFLICT ... DO UPDATE``) and runs
it through a `Database`: short read connections and write transactions. What differs between
the engines lives here:

* SQLite: one file under NARRATOR_HOME; a write transaction is ``BEGIN IMMEDIATE``, so writers
  queue for the whole database and read-then-write code is serialised. The schema's migrations
  (narrator/service/migrations) run when the store opens it, so the embedded default needs no
  set-up step.
* PostgreSQL (NARRATOR_DATABASE_URL=postgresql://...), through psycopg 3: the same migrations are
  run by the operator (``narrator db upgrade``); transactions are READ
  COMMITTED, and the store takes a row lock (``SELECT ... FOR UPDATE``, `for_update`) on the
  article before any read-then-write about it, so several nodes serialise per article, not
  globally. Connections are pooled per process; lock waits end after the store's timeout.
"""

from __future__ import annotations

import os
import queue
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..errors import InputError
from .migrations import HEAD, ensure_sqlite


class Database(Protocol):
    """A source of connections whose ``execute(sql, params)`` takes '?' parameters and returns
    rows that can be indexed by column name."""

    for_update: str
    """Suffix that locks the selected rows until the transaction ends ('' where the whole
    transaction is already exclusive)."""
    insertion_order: str
    """An expression ordering a table's rows by insertion (a tie-breaker for equal times)."""
    greatest: str
    """The SQL function that gives the largest of its arguments."""
    busy_errors: tuple[type[Exception], ...]
    """Exceptions meaning 'locked, busy or unreachable; try again later'."""
    unique_errors: tuple[type[Exception], ...]
    """Exceptions meaning a unique key was already taken."""

    def connect(self) -> Any:
        """Context manager: a connection for reads (each statement sees committed data)."""

    def write(self) -> Any:
        """Context manager: a connection inside a transaction, committed on success."""

    def ensure_schema(self) -> None:
        """Make sure the tables exist and are current (or say how to make them so)."""


class SQLiteDatabase:
    """A SQLite file in WAL mode; a new connection per call (they are cheap), writers BEGIN IMMEDIATE."""

    for_update = ""
    insertion_order = "rowid"
    greatest = "MAX"
    busy_errors: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
    unique_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    def __init__(self, path: Path, timeout: float):
        self.path = path
        self.timeout = timeout

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken before reading so concurrent writers queue up."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def ensure_schema(self) -> None:
        ensure_sqlite(self.path, self.timeout)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # kept by the file: readers never wait for a writer


_PARAM = re.compile(r"\?")


def pg_sql(sql: str) -> str:
    """The store's SQL with psycopg's placeholders ('?' -> '%s', a literal '%' doubled)."""
    return _PARAM.sub("%s", sql.replace("%", "%%"))


class _PgConnection:
    """A psycopg connection that speaks the store's '?' dialect."""

    def __init__(self, conn: Any):
        self.conn = conn

    def execute(self, sql: str, params: Any = ()) -> Any:
        if not params:
            return self.conn.execute(sql)
        return self.conn.execute(pg_sql(sql), params)

    def executemany(self, sql: str, params: Any) -> None:
        params = list(params)
        if params:
            with self.conn.cursor() as cur:
                cur.executemany(pg_sql(sql), params)


POOL_SIZE = 8
"""Idle connections kept per process (threads beyond this open and close their own)."""


class PostgresDatabase:
    """PostgreSQL through psycopg 3, with a small per-process pool of autocommit connections."""

    for_update = " FOR UPDATE"
    insertion_order = "seq"
    greatest = "GREATEST"

    def __init__(self, url: str, timeout: float):
        import psycopg  # only the PostgreSQL mode needs it

        self.psycopg = psycopg
        self.url = url
        self.timeout = timeout
        self.busy_errors = (psycopg.OperationalError,)
        self.unique_errors = (psycopg.errors.UniqueViolation,)
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._pid = os.getpid()

    def _get(self) -> Any:
        if os.getpid() != self._pid:  # forked (gunicorn --preload): the parent's sockets are not ours
            self._idle, self._pid = queue.LifoQueue(), os.getpid()
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            from psycopg.rows import dict_row

            ms = max(int(self.timeout * 1000), 1)
            return self.psycopg.connect(self.url, autocommit=True, row_factory=dict_row,
                                        connect_timeout=max(int(self.timeout), 2),
                                        options=f"-c lock_timeout={ms}")

    def _put(self, conn: Any) -> None:
        idle = self.psycopg.pq.TransactionStatus.IDLE
        if conn.closed or conn.info.transaction_status != idle or self._idle.qsize() >= POOL_SIZE:
            conn.close()
        else:
            self._idle.put(conn)

    @contextmanager
    def connect(self) -> Iterator[_PgConnection]:
        conn = self._get()
        try:
            yield _PgConnection(conn)
        finally:
            self._put(conn)

    @contextmanager
    def write(self) -> Iterator[_PgConnection]:
        conn = self._get()
        try:
            with conn.transaction():
                yield _PgConnection(conn)
        finally:
            self._put(conn)

    def ensure_schema(self) -> None:
        with self.connect() as db:
            row = db.execute("SELECT to_regclass('alembic_version') AS t").fetchone()
            found = db.execute("SELECT version_num FROM alembic_version").fetchone() if row["t"] else None
        if found is None:
            raise InputError("the PostgreSQL database has no narrator tables yet: run `narrator db upgrade`")
        if found["version_num"] != HEAD:
            raise InputError(f"the PostgreSQL database is at revision {found['version_num']}; this narrator "
                             f"needs {HEAD}: run `narrator db upgrade`")

    def close(self) -> None:
        """Close the idle connections."""
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    def __del__(self) -> None:  # a store dropped without close(): no connection left to the collector
        if os.getpid() == self._pid:
            self.close()


def is_postgres(url: str) -> bool:
    """Whether a NARRATOR_DATABASE_URL names a PostgreSQL database."""
    return url.split(":", 1)[0] in ("postgres", "postgresql", "postgresql+psycopg")


def open_database(url: str, home: Path, timeout: float) -> SQLiteDatabase | PostgresDatabase:
    """PostgreSQL for a postgres URL; else SQLite (the URL's path for sqlite:///..., or HOME/narrator.db)."""
    if is_postgres(url):
        return PostgresDatabase(url.replace("postgresql+psycopg://", "postgresql://", 1), timeout)
    if not url:
        return SQLiteDatabase(home / "narrator.db", timeout)
    if url.startswith("sqlite:///"):
        return SQLiteDatabase(Path(url.removeprefix("sqlite:///")), timeout)
    raise InputError(f"NARRATOR_DATABASE_URL must be postgresql://... or sqlite:///PATH, not {url!r}")


__all__ = ["Database", "PostgresDatabase", "SQLiteDatabase", "is_postgres", "open_database"]
