"""gunicorn settings for narrator in production: ``gunicorn -c deploy/gunicorn.conf.py``.

State lives in $NARRATOR_HOME (default ./data). Each worker process builds the app with
create_app() and runs its own background generation thread (until the jobs issue moves
generation to a Huey worker; then set NARRATOR_RUNNER=none here). Put nginx in front
(deploy/nginx.conf) and set NARRATOR_ACCEL_REDIRECT=/_narrator_audio/ so nginx sends the audio.
"""

import os

wsgi_app = "web:create_app()"
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
