"""The demo article: narrated on the first `narrator serve --demo`, so a new install has something to play."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from narrator.extract import extract_text
from narrator.store import NotFound

DEMO_ID = "demo"
"""The demo article's id: its page is /articles/demo."""
DEMO_TEXT = Path(__file__).with_name("demo") / "article.txt"
"""A real news article (the project's seed article), as plain text."""


def ensure_demo(app: Flask, voice: str | None = None) -> str:
    """Store and queue the demo article unless it is already there; its id."""
    store = app.extensions["narrator"]["store"]
    try:
        record = store.get_article(DEMO_ID)
        job = store.latest_job(DEMO_ID)
        if record.current_version is None and job is not None and job.status == "failed":
            _, job = store.update_article(DEMO_ID, record.article, record.voice)  # try again
            app.extensions["narrator"]["runner"].submit(job.id)
    except NotFound:
        article = extract_text(DEMO_TEXT.read_text(encoding="utf-8"))
        _, job = store.create_article(article, voice, DEMO_ID)
        app.extensions["narrator"]["runner"].submit(job.id)
    return DEMO_ID
