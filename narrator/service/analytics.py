"""Listening analytics for editors: plays, seconds heard, progress marks and speed changes per article.

The player counts what was heard, not where the playhead went: a play is reported after a few seconds
of audio, a progress mark once that share of the narration's seconds has been heard, and the heard
seconds themselves in batches (web/static/player-stats.js); seeking or resuming reports nothing.

Nothing personal is kept: no cookies, no addresses, no user agents; only a count per article, day
and event. The API bounds how fast one client address may report with a `RateLimiter`
(narrator.web.ratelimit: in memory, per process; the address is used for that and never stored).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .store import Store

PROGRESS = ("25", "50", "75", "100")
"""Progress marks the player reports (percent of the narration heard)."""
SPEEDS = ("0.75", "1", "1.25", "1.5", "1.75", "2")
"""Speeds the player offers."""
SECONDS = "seconds"
"""The event whose count is seconds of audio heard (the player sends them in batches)."""
MAX_SECONDS = 600
"""Most seconds one report may carry: the player reports every 30 s of listening (60 s of audio at
2x speed), and when the page is left; ten minutes leaves room for a page kept in the background."""
EVENTS = frozenset({"play", SECONDS, *PROGRESS, *(f"speed:{s}" for s in SPEEDS)})
"""Every event name stored."""


@dataclass(frozen=True)
class Listening:
    """One article's totals."""

    plays: int
    """Listens: page views on which a few seconds of audio were heard."""
    seconds: int
    """Seconds of audio heard, in all."""
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

    def record(self, article_id: str, event: str, amount: int = 1) -> None:
        """Count one event, or `amount` heard seconds (ValueError for an unknown event or amount)."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        if amount != 1 and (event != SECONDS or not 1 <= amount <= MAX_SECONDS):
            raise ValueError(f"{event!r} cannot count {amount!r}")
        day = time.strftime("%Y-%m-%d", time.gmtime())
        with self.db.write() as db:
            db.execute(
                "INSERT INTO listen_events (article_id, day, event, count) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (article_id, day, event) "
                "DO UPDATE SET count = listen_events.count + excluded.count",
                (article_id, day, event, amount),
            )

    def heard_seconds(self) -> dict[str, int]:
        """Seconds heard of each article that was listened to, in all (one query for the article list)."""
        with self.db.connect() as db:
            rows = db.execute("SELECT article_id, SUM(count) AS n FROM listen_events WHERE event = ? "
                              "GROUP BY article_id", (SECONDS,)).fetchall()
        return {r["article_id"]: int(r["n"]) for r in rows}

    def listening(self, article_id: str) -> Listening:
        """An article's totals over all days."""
        with self.db.connect() as db:
            rows = db.execute("SELECT event, SUM(count) AS n FROM listen_events WHERE article_id = ? "
                              "GROUP BY event", (article_id,)).fetchall()
        counts = {r["event"]: int(r["n"]) for r in rows}
        return Listening(counts.get("play", 0), counts.get(SECONDS, 0),
                         {m: counts.get(m, 0) for m in PROGRESS},
                         {s: counts.get(f"speed:{s}", 0) for s in SPEEDS})


__all__ = ["EVENTS", "MAX_SECONDS", "SECONDS", "Analytics", "Listening", "PROGRESS", "SPEEDS"]
