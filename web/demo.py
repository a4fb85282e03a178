"""The demo article: narrated on the first `narrator serve --demo`, so a new install has something to play.

It is the project's seed article as its publisher laid it out (web/demo/article.html: headline,
byline, photo caption and credit, author box, "Read more" links), read through extraction like any
submitted page, so the demo shows what narrator hears and skips on a real page.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from narrator.extract import extract_html
from narrator.service.status import JobStatus
from narrator.service.store import NotFound
from narrator.service.submissions import fingerprint
from narrator.speech.voices import get_voice

DEMO_ID = "demo"
"""The demo article's id: its page is /articles/demo."""
DEMO_PAGE = Path(__file__).with_name("demo") / "article.html"
"""A real news article (the project's seed article) in the page layout it was published in."""


def ensure_demo(app: Flask, voice_name: str | None = None) -> str:
    """Store and queue the demo article unless it is already there (queue it again if its last
    attempt failed and it has no audio yet); its id."""
    svc = app.extensions["narrator"]
    try:
        record = svc.store.articles.get(DEMO_ID)
        job = svc.store.jobs.latest(DEMO_ID)
        if record.current_version is not None or job is None or job.status != JobStatus.FAILED:
            return DEMO_ID
        article, voice_name = record.article, record.voice
    except NotFound:
        article, record = extract_html(DEMO_PAGE.read_text(encoding="utf-8")), None
    voice = get_voice(voice_name, article.language, svc.settings.voices)
    made = fingerprint(article, voice_name, voice, svc.settings)
    if record is None:
        _, job = svc.store.articles.create(article, voice_name, DEMO_ID, made)
        new = True
    else:
        _, job, new = svc.store.articles.update(DEMO_ID, article, voice_name, made)
    if job is not None and new:
        svc.runner.submit(job.id)
    return DEMO_ID
