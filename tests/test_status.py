"""The job and article status vocabularies: one of each, in the store, the views and the OpenAPI
document alike; a state nobody knows is an error, never taken for another."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from narrator.extract import extract_text
from narrator.service.status import ArticleStatus, JobStatus, article_status
from narrator.service.store import Store
from narrator.web.serialise import status_of

ROOT = Path(__file__).resolve().parent.parent


def _openapi() -> dict:
    return json.loads((ROOT / "web" / "openapi.json").read_text(encoding="utf-8"))


def test_the_openapi_document_lists_exactly_the_states_of_the_code() -> None:
    schemas = _openapi()["components"]["schemas"]
    job = schemas["Job"]["properties"]["status"]["enum"]
    assert job == ["queued", "running", "done", "failed", "cancelled"] == [s.value for s in JobStatus]
    assert [s.value for s in ArticleStatus] == schemas["Article"]["properties"]["status"]["enum"]
    live = _openapi()["paths"]["/api/articles/{id}/live"]["get"]["responses"]["200"]
    assert [s.value for s in ArticleStatus] == live["content"]["application/json"]["schema"]["properties"][
        "status"]["enum"]


def test_each_job_state_gives_the_article_state_a_listener_expects() -> None:
    expected = {"queued": "queued", "running": "generating", "done": "ready", "failed": "failed",
                "cancelled": "ready", None: "ready"}
    assert {state: article_status(state) for state in expected} == expected


def test_a_state_nobody_knows_is_an_error_in_the_store_and_the_views(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    _, job = store.articles.create(extract_text("A title\n\nA paragraph."), "espeak", "a1")
    assert store.jobs.get(job.id).status is JobStatus.QUEUED and status_of(store.jobs.get(job.id)) == "queued"
    with sqlite3.connect(tmp_path / "home" / "narrator.db") as db:  # a state written by some other program
        db.execute("UPDATE jobs SET status = 'paused' WHERE id = ?", (job.id,))
    with pytest.raises(ValueError, match="paused"):
        store.jobs.get(job.id)
    with pytest.raises(ValueError, match="paused"):
        article_status("paused")
