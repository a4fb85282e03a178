"""How much narration each requester (an API key, an editor, a watched source) has queued."""
from __future__ import annotations

import logging
import sqlite3

from .records import ACTIVE_SQL, JobRequest, QuotaExceeded

log = logging.getLogger(__name__)


def queued_chars(db: sqlite3.Connection, requester: str, excluding: str = "",
                  fetched: bool = False) -> int:
    """Characters of `requester`'s queued and running jobs (but the job `excluding`); with `fetched`,
    only of those whose size is known (not a submission by URL still to be fetched)."""
    known = " AND page_request IS NULL" if fetched else ""
    row = db.execute("SELECT COALESCE(SUM(chars), 0) AS n FROM jobs WHERE requested_by = ? AND id != ? "
                     f"AND status IN {ACTIVE_SQL}{known}", (requester, excluding)).fetchone()
    return int(row["n"])

def check_quota(db: sqlite3.Connection, request: JobRequest, excluding: str = "") -> None:
    """QuotaExceeded if `request` would take its requester over their limit (with their other queued
    and running work but the job `excluding`, whose content it replaces)."""
    if not (request.requested_by and request.max_queued_chars):
        return
    queued = queued_chars(db, request.requested_by, excluding)
    if queued + request.chars > request.max_queued_chars:
        wait = (queued + request.chars - request.max_queued_chars) / request.chars_per_second
        raise QuotaExceeded(
            f"{queued:,} characters of your work are queued already; with these {request.chars:,} "
            f"that is over the limit of {request.max_queued_chars:,} (NARRATOR_MAX_QUEUED_CHARS): "
            "try again when some of it is done", min(max(int(wait) + 1, 1), 3600))
