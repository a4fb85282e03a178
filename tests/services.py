"""Real servers for tests: a redis-server on a free loopback port that a test can stop and restart."""
from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from web_fixtures import free_port, wait_for

__all__ = ["RedisServer", "redis_server"]


class RedisServer:
    """redis-server on 127.0.0.1, no persistence; `url` stays the same across stop() and start()."""

    def __init__(self, folder: Path):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.2).close()
            return True
        except OSError:
            return False

    def start(self) -> None:
        self.proc = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL)
        wait_for(self._listening, 10, what="redis-server to listen")

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
