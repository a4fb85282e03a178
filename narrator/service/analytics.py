"""Listening analytics for editors: counts of plays, progress marks and speed changes per article.

Nothing personal is kept: no cookies, no addresses, no user agents; only a count per article, day
and event. The API bounds how fast one client address may report with a `RateLimiter`
(web.ratelimit: in memory, per process; the address is used for that and never stored).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .store import Store

PROGRESS = ("25", "50", "75", "100")
"""Progress marks the player reports (percent of the narration heard)."""
SPEEDS = ("0.75", "1", "1.25", "1.5", "1.75", "2")
"""Speeds the player offers."""
EVENTS = frozenset({"play", *PROGRESS, *(f"speed:{s}" for s in SPEEDS)})
"""Every event name stored."""


@dataclass(frozen=True)
class Listening:
    """One article's totals."""

    plays: int
    """Times playback started (once per page view)."""
    reached: dict[str, int]
    """Listeners who reached each progress mark ('25' ... '100')."""
    speeds: dict[str, int]
    """Changes to each speed."""

    def through(self, mark: str) -> float:
        """Share of plays that reached `mark` (0..1)."""
        return min(self.reached.get(mark, 0) / self.plays, 1.0) if self.plays else 0.0


class Analytics:
    """Event counts in the store's database."""

    def __init__(self, store: Store):
        self.db = store.db

    def record(self, article_id: str, event: str) -> None:
        """Count one event (ValueError for an unknown event name)."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        day = time.strftime("%Y-%m-%d", time.gmtime())
        with self.db.write() as db:
            db.execute(
                "INSERT INTO listen_events (article_id, day, event, count) VALUES (?, ?, ?, 1) "
                "ON CONFLICT (article_id, day, event) DO UPDATE SET count = listen_events.count + 1",
                (article_id, day, event),
            )

    def listening(self, article_id: str) -> Listening:
        """An article's totals over all days."""
        with self.db.connect() as db:
            rows = db.execute("SELECT event, SUM(count) AS n FROM listen_events WHERE article_id = ? "
                              "GROUP BY event", (article_id,)).fetchall()
        counts = {r["event"]: int(r["n"]) for r in rows}
        return Listening(counts.get("play", 0), {m: counts.get(m, 0) for m in PROGRESS},
                         {s: counts.get(f"speed:{s}", 0) for s in SPEEDS})


__all__ = ["EVENTS", "Analytics", "Listening", "PROGRESS", "SPEEDS"]
