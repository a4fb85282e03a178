"""Log lines: plain text, or JSON lines that carry the request id and the job id of the work they are about.

With NARRATOR_LOG_FORMAT=json every line narrator writes is one JSON object (docs/operations.md): the
time (UTC, ISO 8601), the level, the logger, the message, and, when there is one, the `request_id`
of the HTTP request being answered (the client's X-Request-ID, or one made up; the response carries
it back) and the `job_id` of the job being run. The ids travel in context variables, set by the web
app around a request and by the job queue around a job, so any module's log call carries them
without passing them along.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

REQUEST_ID: ContextVar[str | None] = ContextVar("narrator_request_id", default=None)
"""The id of the HTTP request this thread is answering (None outside a request)."""
JOB_ID: ContextVar[str | None] = ContextVar("narrator_job_id", default=None)
"""The id of the job this thread is running (None outside a job)."""

FIELDS = ("request_id", "job_id", "method", "route", "path", "status", "duration_ms", "worker")
"""Fields a JSON line carries when the record has them (ids from the context, the rest given as
`extra=` by the call, e.g. the access line of each request)."""


@contextmanager
def job_context(job_id: str) -> Iterator[None]:
    """Lines logged inside carry `job_id` (a job run inside another's turn carries its own)."""
    token = JOB_ID.set(job_id)
    try:
        yield
    finally:
        JOB_ID.reset(token)


class ContextFilter(logging.Filter):
    """Puts the request and job ids of the current context on each record (unless the call gave them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        if getattr(record, "job_id", None) is None:
            record.job_id = JOB_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, the FIELDS the record has, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                data[name] = value
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


TEXT_FORMAT = "narrator: %(message)s"
"""A plain line, as the command line has always written them."""


def installed() -> bool:
    """Whether `configure` has put its JSON handler on the root logger in this process."""
    return any(getattr(h, "narrator", False) for h in logging.getLogger().handlers)


def configure(log_format: str, level: int) -> None:
    """Write log lines to standard error in `log_format` ('text' or 'json') from `level` up. JSON replaces
    whatever handler an earlier call installed; plain text, as `logging.basicConfig` does, leaves a root
    logger that has handlers already (a host program's, or a test runner's) as it is."""
    root = logging.getLogger()
    if log_format != "json":
        logging.basicConfig(level=level, format=TEXT_FORMAT)
        return
    for handler in [h for h in root.handlers if getattr(h, "narrator", False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.narrator = True  # type: ignore[attr-defined]
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)


__all__ = ["FIELDS", "JOB_ID", "REQUEST_ID", "ContextFilter", "JsonFormatter", "configure", "installed",
           "job_context"]
