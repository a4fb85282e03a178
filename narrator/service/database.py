"""Metadata databases behind the store: SQLite on one machine, PostgreSQL for several.

The store writes one dialect of SQL (``?`` parameters, ``ON CONFLICT ... DO UPDATE``) and runs
it through a `Database`: short read connections and write transactions. What differs between
the engines lives here:

* SQLite: one file under NARRATOR_HOME; a write transaction is ``BEGIN IMMEDIATE``, so writers
  queue for the whole database and read-then-write code is serialised. The schema's migrations
  (narrator/service/migrations) run when the store opens it, so the embedded default needs no
  set-up step. It stays readable on a full disk, and can make room there to record a job's end
  (`SQLiteDatabase`).
* PostgreSQL (NARRATOR_DATABASE_URL=postgresql://...), through psycopg 3: the same migrations are
  run by the operator (``narrator db upgrade``); transactions are READ
  COMMITTED, and the store takes a row lock (``SELECT ... FOR UPDATE``, `for_update`) on the
  article before any read-then-write about it, so several nodes serialise per article, not
  globally. Connections are pooled per process; lock waits end after the store's timeout. A pooled
  connection the server has closed meanwhile (a restart) is dropped before use, so the first request
  after PostgreSQL comes back already works.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import select
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from ..errors import InputError
from .migrations import HEAD, ensure_sqlite

log = logging.getLogger(__name__)


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

    def disk_full(self, error: Exception) -> bool:
        """Whether a write failed for lack of disk space and room has been made to try it once more
        (what a job's failure is recorded with; other writes just fail)."""

    def connect(self) -> Any:
        """Context manager: a connection for reads (each statement sees committed data)."""

    def write(self) -> Any:
        """Context manager: a connection inside a transaction, committed on success."""

    def ensure_schema(self) -> None:
        """Make sure the tables exist and are current (or say how to make them so)."""


RESERVE_BYTES = 1 << 20
"""Disk space SQLite keeps in reserve beside its file (`SQLiteDatabase`): recording a job's end takes a few
pages of WAL, and a checkpoint may grow the file by a few more; a megabyte covers that many times over."""
RESERVE_CHECK_S = 60.0
"""How often a process makes the reserve again if it was given up (and there is room for it)."""


class SQLiteDatabase:
    """A SQLite file in WAL mode; a new connection per call (they are cheap), writers BEGIN IMMEDIATE.

    A full disk: one more connection stays open as long as the process uses the database: SQLite
    deletes the WAL and its index when the last connection to the file closes, and the next one must
    create them again, which a full disk refuses; every read would fail ('disk I/O error'). So reads go
    on. Writes fail (503 in the API), except the one that records a job's failure: `disk_full` makes
    room for it, by having the next writer start the WAL over in the space it holds, and by giving up
    a reserve (`<file>.reserve`, RESERVE_BYTES) kept beside the file for this; the reserve is made
    again once there is room."""

    for_update = ""
    insertion_order = "rowid"
    greatest = "MAX"
    busy_errors: tuple[type[Exception], ...] = (sqlite3.OperationalError,)
    unique_errors: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    def __init__(self, path: Path, timeout: float):
        self.path = path
        self.timeout = timeout
        self.reserve = path.with_name(path.name + ".reserve")
        self._keeper: sqlite3.Connection | None = None
        self._inherited: list[sqlite3.Connection] = []  # a parent's, after a fork: never used, never closed
        self._pid = os.getpid()
        self._reserve_checked = 0.0

    def _keep_open(self) -> None:
        if self._pid != os.getpid():
            self._inherited += [self._keeper] if self._keeper else []
            self._keeper, self._pid = None, os.getpid()
        if self._keeper is None:
            keeper = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                     check_same_thread=False)
            keeper.execute("SELECT count(*) FROM sqlite_master").fetchone()  # opens the WAL and its index
            self._keeper = keeper

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        if self._keeper is None or self._pid != os.getpid():
            self._keep_open()
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken before reading so concurrent writers queue up."""
        if time.monotonic() > self._reserve_checked + RESERVE_CHECK_S:
            self._keep_reserve()
        with self.connect() as db:
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:  # SQLite may have rolled it back itself (a full disk)
                    db.execute("ROLLBACK")
                raise

    def _keep_reserve(self) -> None:
        """Make the reserve if it is missing and the disk has room for it several times over."""
        self._reserve_checked = time.monotonic()
        if self.reserve.exists():
            return
        tmp = self.reserve.with_name(f"{self.reserve.name}.{os.getpid()}.tmp")
        try:
            if shutil.disk_usage(self.reserve.parent).free < 4 * RESERVE_BYTES:
                return
            tmp.write_bytes(bytes(RESERVE_BYTES))
            os.replace(tmp, self.reserve)
        except OSError:
            tmp.unlink(missing_ok=True)

    def disk_full(self, error: Exception) -> bool:
        if getattr(error, "sqlite_errorname", "") != "SQLITE_FULL":
            return False
        try:
            with self.connect() as db:  # copy the WAL into the file; the next writer starts it over
                db.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        except sqlite3.OperationalError:
            pass  # readers held on past the timeout: the reserve has to do
        try:
            self.reserve.unlink()
        except FileNotFoundError:
            pass
        else:
            log.warning("the disk of %s is full: its reserve of %d bytes is given up to record a job's end",
                        self.path, RESERVE_BYTES)
        return True

    def ensure_schema(self) -> None:
        ensure_sqlite(self.path, self.timeout)
        with self.connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # kept by the file: readers never wait for a writer
        self._keep_reserve()

    def close(self) -> None:
        """Close the connection that keeps the WAL open."""
        if self._keeper is not None and self._pid == os.getpid():
            self._keeper.close()
        self._keeper = None

    def __del__(self) -> None:  # a store dropped without close()
        self.close()


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
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                break
            if _usable(conn):
                return conn
            conn.close()
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

    def disk_full(self, error: Exception) -> bool:
        return False  # the server's disk: nothing to reclaim from here

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


def _usable(conn: Any) -> bool:
    """Whether an idle pooled connection is still open at the server's end. The server sends nothing
    to an idle client, so anything to read on its socket is its goodbye (a restart or shutdown, an
    administrator ending the session) or the end of the stream: one poll, no round trip."""
    if conn.closed:
        return False
    try:
        poller = select.poll()  # not select: it fails on a descriptor numbered 1024 or more
        poller.register(conn.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
        readable = poller.poll(0)
    except (OSError, ValueError):
        return False
    return not readable


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
