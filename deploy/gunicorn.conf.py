"""gunicorn settings for narrator in production: ``gunicorn -c deploy/gunicorn.conf.py``.

State lives in $NARRATOR_HOME (default ./data). Each worker process builds the app with
create_app() and runs its own background generation thread (until the jobs issue moves
generation to a Huey worker; then set NARRATOR_RUNNER=none here). Put nginx in front
(deploy/nginx.conf) and set NARRATOR_ACCEL_REDIRECT=/_narrator_audio/ so nginx sends the audio.
"""

import os

wsgi_app = "web:create_app()"
bind = os.environ.get("NARRATOR_BIND", "127.0.0.1:8000")
# Two cores here: two processes; threads cover slow clients and keep-alive connections
# (64 concurrent range requests were served with p99 under 100 ms this way, see bench/RESULTS.md).
workers = int(os.environ.get("NARRATOR_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("NARRATOR_THREADS", "32"))
keepalive = 5
timeout = 120
graceful_timeout = 30
accesslog = os.environ.get("NARRATOR_ACCESS_LOG") or None
errorlog = "-"
