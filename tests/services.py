"""Real servers for tests on free loopback ports: redis-server (a test can stop and restart it),
an S3 API (moto's standalone server) and a throwaway PostgreSQL cluster (initdb in a temporary folder)."""
from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from web_fixtures import free_port, wait_for

__all__ = ["MotoServer", "PostgresServer", "RedisServer", "postgres_server", "postgres_url", "redis_server",
           "s3_bucket", "s3_server"]


class RedisServer:
    """redis-server on 127.0.0.1, no persistence; `url` stays the same across stop() and start()."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL)
        wait_for(lambda: listening(self.port), 10, what="redis-server to listen")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (script/setup installs it)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def listening(port: int, timeout: float = 0.2) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout).close()
        return True
    except OSError:
        return False


S3_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
          "AWS_DEFAULT_REGION": "us-east-1"}
"""Credentials moto accepts (any); set for the test process and the services it starts."""


class MotoServer:
    """moto's standalone S3-compatible server (a real S3 API over HTTP) on 127.0.0.1."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log = folder / "moto.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                          "-p", str(self.port)], stdout=log, stderr=subprocess.STDOUT,
                                         env={**os.environ, **S3_ENV})
        wait_for(lambda: listening(self.port), 30, what="moto_server to listen")

    def bucket(self, name: str) -> str:
        """Create a bucket that web pages may read from (CORS, for the player's timing map)."""
        import boto3

        s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", **_keys())
        s3.create_bucket(Bucket=name)
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
            {"AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"],
             "ExposeHeaders": ["Content-Range", "Content-Length", "ETag"]}]})
        return name

    def make_public(self, name: str) -> None:
        """Let anyone read the bucket's objects (a public bucket, or the origin of a CDN)."""
        import boto3

        s3 = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", **_keys())
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
             "Resource": f"arn:aws:s3:::{name}/*"}]}))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": S3_ENV["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": S3_ENV["AWS_SECRET_ACCESS_KEY"]}


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("boto3") is None:
        pytest.skip("moto[server] and boto3 are not installed (pip install -e '.[test]' brings them)")
    server = MotoServer(tmp_path_factory.mktemp("moto"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server, monkeypatch) -> dict[str, str]:
    """A fresh bucket on the moto server; the NARRATOR_* settings (and AWS keys, set here) that select it."""
    for key, value in S3_ENV.items():
        monkeypatch.setenv(key, value)
    name = s3_server.bucket(f"narrator-{uuid.uuid4().hex[:12]}")
    return {"NARRATOR_S3_BUCKET": name, "NARRATOR_S3_ENDPOINT_URL": s3_server.endpoint, **S3_ENV}


def _pg_bin() -> Path:
    """The newest PostgreSQL server programs Debian installed (/usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else Path("/usr/lib/postgresql/bin")


PG_BIN = _pg_bin()
"""Debian's PostgreSQL server programs (script/setup installs the package)."""


class PostgresServer:
    """A PostgreSQL cluster of its own: initdb in a temporary folder, then postgres on a free loopback
    port, as the 'postgres' user when run as root (PostgreSQL refuses to run as root); no system service."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="narrator-pg-"))
        self.port = free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        subprocess.run([str(PG_BIN / "initdb"), "-D", str(self.folder / "data"), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--no-sync"], user=self.user, check=True,
                       capture_output=True)
        self.launch()

    def launch(self) -> None:
        """Run postgres on the cluster's data (again, after `halt`: same port, same databases)."""
        with open(self.folder / "postgres.log", "ab") as log:
            self.proc = subprocess.Popen(
                [str(PG_BIN / "postgres"), "-D", str(self.folder / "data"), "-p", str(self.port),
                 "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.folder}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                 "-c", "max_connections=200"],
                user=self.user, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._ready, 30, 0.1, what="postgres to accept connections")

    def halt(self) -> None:
        """Stop postgres as `pg_ctl stop -m fast` does (clients are cut off); its data stays for `launch`."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: pooled client connections are cut
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def _ready(self) -> bool:
        import psycopg

        try:
            psycopg.connect(self.admin_url, connect_timeout=2).close()
            return True
        except psycopg.OperationalError:
            return False

    def database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"narrator_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self.halt()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL is not installed ({PG_BIN}/initdb missing; script/setup installs it)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a 'postgres' user to run PostgreSQL as")
    if importlib.util.find_spec("psycopg") is None:
        pytest.skip("psycopg is not installed (pip install -e '.[test]' brings it)")
    server = PostgresServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh database with narrator's tables (made by the Alembic migrations)."""
    from narrator.service import migrations

    url = postgres_server.database()
    migrations.upgrade(url)
    return url
