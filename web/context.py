"""The objects every view uses, made once per app by `create_app` and kept in app.extensions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from narrator.config import Settings
from narrator.service.accounts import Accounts
from narrator.service.analytics import Analytics
from narrator.service.jobs import JobQueue
from narrator.service.pronunciations import PublicationLexicon
from narrator.service.store import Store

from .live_index import LiveIndex
from .metrics import WebMetrics
from .ratelimit import RateLimiter


@dataclass
class Service:
    """Everything the app's views use, made once by `create_app` (app.extensions["narrator"])."""

    settings: Settings
    """The configuration, read once."""
    store: Store
    """Articles, versions and jobs."""
    runner: JobQueue
    """The job queue: submit jobs, speak a word through a worker."""
    accounts: Accounts
    """API keys and editor accounts."""
    analytics: Analytics
    """Listening figures."""
    lexicon: PublicationLexicon
    """The publication's pronunciation lexicon."""
    events_limiter: RateLimiter
    """How fast one address may report listening events."""
    editor_limiter: RateLimiter | None
    """How fast one address may make state-changing editor requests (None: no limit)."""
    speech_limiter: RateLimiter | None
    """How many characters one credential may have spoken a minute by /v1/audio/speech (None: no limit)."""
    metrics: WebMetrics
    """HTTP latency by route and the /metrics page."""
    live_index: LiveIndex
    """The live streams' manifests as this process last read them (listeners' polls are answered from it)."""


def service() -> Service:
    """The current app's service objects."""
    return current_app.extensions["narrator"]


__all__ = ["Service", "service"]
