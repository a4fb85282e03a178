"""What operators' tools call: /healthz (liveness), /readyz (readiness), /metrics (Prometheus); request ids.

* ``/healthz``: 200 while this process answers HTTP; it looks at nothing else, so a load balancer or
  Kubernetes restarts only a process that is truly stuck.
* ``/readyz``: 200 when the database, the job queue, the audio storage answer and some worker's
  heartbeat is recent; 503 naming the failed checks otherwise (narrator.service.readiness).
* ``/metrics``: Prometheus text (web/metrics.py). With NARRATOR_METRICS_TOKEN set it needs
  ``Authorization: Bearer <token>``; without, it answers only clients on this machine (a loopback
  address and no X-Forwarded-For or Forwarded header: a request a proxy passed on comes from elsewhere).
  The same callers see the details of a failed readiness check (host names, paths); others its summary.

`init_app` also gives every request an id (the client's X-Request-ID when it is a sane token, else a
new one), returned in the X-Request-ID header and carried by every log line of the request
(narrator.logs), times each request for the latency histogram, and logs an access line.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import re
import time
import uuid
from functools import partial

from flask import Blueprint, Flask, Response, g, jsonify, request

from narrator.logs import REQUEST_ID
from narrator.service.readiness import check_database, check_queue, check_storage, check_workers, readiness

from .context import service
from .metrics import UNMATCHED
from .serialise import json_error

bp = Blueprint("ops", __name__)

access_log = logging.getLogger("narrator.access")

REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}\Z")
"""An X-Request-ID taken as it is: the characters of UUIDs, hex and base64 ids, at most 128 (anything
else, which could forge log lines, is replaced by a new id)."""
NO_STORE = {"Cache-Control": "no-store"}


def _loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address((address or "").split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def operator_refusal() -> Response | None:
    """None if this request may read /metrics and readiness details; else the answer (401 or 403)."""
    token = service().settings.metrics_token
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return None
        return json_error(401, "send 'Authorization: Bearer <NARRATOR_METRICS_TOKEN>'",
                          {"WWW-Authenticate": 'Bearer realm="narrator metrics"'})
    forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    if _loopback(request.remote_addr) and not forwarded:
        return None
    return json_error(403, "/metrics answers clients on this machine only; set NARRATOR_METRICS_TOKEN "
                           "to scrape it from elsewhere")


@bp.get("/healthz")
def healthz() -> tuple[Response, int, dict[str, str]]:
    return jsonify(status="ok"), 200, NO_STORE


@bp.get("/readyz")
def readyz() -> tuple[Response, int, dict[str, str]]:
    svc = service()
    results = readiness({
        "database": partial(check_database, svc.store),
        "queue": partial(check_queue, svc.runner.huey),
        "storage": partial(check_storage, svc.store.storage),
        "workers": partial(check_workers, svc.store, svc.settings.heartbeat_s),
    })
    operator = operator_refusal() is None
    checks = {r.name: {"ok": r.ok, "ms": r.ms, "summary": r.summary}
              | ({"detail": r.detail} if operator else {}) for r in results}
    failed = [r.name for r in results if not r.ok]
    body = {"status": "unavailable" if failed else "ready", "failed": failed, "checks": checks}
    return jsonify(body), 503 if failed else 200, NO_STORE


@bp.get("/metrics")
def metrics() -> Response:
    refused = operator_refusal()
    if refused is not None:
        return refused
    # The exposition format Prometheus reads (prometheus_client.CONTENT_TYPE_LATEST, version 0.0.4).
    headers = {"Content-Type": "text/plain; version=0.0.4; charset=utf-8", **NO_STORE}
    return Response(service().metrics.page(), 200, headers)


def _begin() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if REQUEST_ID_PATTERN.match(given) else uuid.uuid4().hex
    g.request_id_token = REQUEST_ID.set(g.request_id)
    g.request_start = time.perf_counter()


def _finish(response: Response) -> Response:
    start = g.get("request_start")
    if start is None:  # a request that failed before _begin ran
        return response
    seconds = time.perf_counter() - start
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    service().metrics.observe(route, request.method, response.status_code, seconds)
    response.headers["X-Request-ID"] = g.request_id
    access_log.info("%s %s %d %.1f ms", request.method, request.path, response.status_code, seconds * 1000,
                    extra={"method": request.method, "route": route, "path": request.path,
                           "status": response.status_code, "duration_ms": round(seconds * 1000, 1)})
    return response


def _end(_error: BaseException | None) -> None:
    token = g.pop("request_id_token", None)
    if token is not None:
        REQUEST_ID.reset(token)


def init_app(app: Flask) -> None:
    """Register the routes, and the request id, timing and access line of every request (first, so a
    request another hook refuses is timed and carries its id too)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.after_request(_finish)
    app.teardown_request(_end)
    app.register_blueprint(bp)


__all__ = ["REQUEST_ID_PATTERN", "bp", "init_app", "operator_refusal"]
