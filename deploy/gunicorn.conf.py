"""gunicorn settings for narrator in production: ``gunicorn -c deploy/gunicorn.conf.py``.

State lives in $NARRATOR_HOME. Each worker process builds the app with create_app() and, with
NARRATOR_RUNNER=inprocess (the default), runs queued jobs in its own threads; with
NARRATOR_RUNNER=none it only enqueues them for `narrator worker`s. Put nginx in front
(deploy/nginx.conf) and set NARRATOR_ACCEL_REDIRECT=/_narrator_audio/ so nginx sends the audio.
/metrics adds up the worker processes' HTTP latency (PROMETHEUS_MULTIPROC_DIR, below;
docs/operations.md).
"""

import os
import shutil
import tempfile
from pathlib import Path

wsgi_app = "narrator.web:create_app()"
bind = os.environ.get("NARRATOR_BIND", "127.0.0.1:8000")
# Two cores here: two processes. gthread keeps idle keep-alive connections out of the threads, so a few
# threads per worker serve 64 listeners; 8 gave the best p99 for 64 concurrent range requests
# (tried 2x4, 2x8, 2x32, 3x4, 4x16 gthread and 4/8 sync workers with bench/bench_serve.py's load).
workers = int(os.environ.get("NARRATOR_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("NARRATOR_THREADS", "8"))
keepalive = 5
timeout = 120
graceful_timeout = 30
# Hostile requests: gunicorn reads a started request with blocking reads, so a client trickling bytes
# would hold a thread; it binds to loopback and nginx (deploy/nginx.conf: client_header_timeout,
# client_body_timeout, request buffering) hands it only complete requests. Heads are bounded here too.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = os.environ.get("NARRATOR_ACCESS_LOG") or None
errorlog = "-"
# gunicorn 25.1+ opens a control socket for gunicornc at one path per user ($XDG_RUNTIME_DIR or
# ~/.gunicorn/gunicorn.ctl), so a second node on the same host logs "Address already in use". Nodes are
# managed with signals (HUP reloads, TERM stops): no control socket. An operator who wants gunicornc
# sets control_socket_disable = False here and control_socket to a path of the node's own (the command
# line cannot turn it back on). Older gunicorns ignore both names.
control_socket_disable = True


# /metrics reports HTTP latency from every worker process: prometheus_client's multiprocess mode, which
# keeps each process's numbers in files of one folder that a scrape (answered by any process) adds up.
# PROMETHEUS_MULTIPROC_DIR must be set before anything imports prometheus_client: the master sets it as it
# starts, and the worker processes it forks import the app afterwards (with --preload the master loads the
# app first: set the variable in the environment then). The folder must start empty: a fresh one per
# start, unless one is given (emptied here), and removed at exit.
_metrics = {"own": ""}


def on_starting(server):  # noqa: ANN001, ANN201 - gunicorn's hook
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    if not given:
        folder = tempfile.mkdtemp(prefix="narrator-metrics-")
        _metrics["own"] = os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        return
    for leftover in Path(given).glob("*.db"):  # an earlier run's numbers would add to this one's
        leftover.unlink()


def child_exit(server, worker):  # noqa: ANN001, ANN201
    """A worker process ended: its live gauges go (its counters and histograms stay in the sums)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001, ANN201
    if _metrics["own"]:
        shutil.rmtree(_metrics["own"], ignore_errors=True)
