"""The storage module: articles, jobs, versions published write-aside-then-rename, ids never reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from store_helpers import stage

from narrator.extract import extract_text
from narrator.service.migrations import HEAD
from narrator.service.store import (
    PRIORITY_SMALL,
    Conflict,
    JobRequest,
    NotFound,
    QuotaExceeded,
    Store,
    article_from_dict,
    content_hash,
)

TEXT = "A title\n\nFirst paragraph. Second sentence.\n\nSecond paragraph."


def _publish(store: Store, article_id: str, job_id: str, payload: bytes) -> int:
    record = store.articles.get(article_id)
    assert store.jobs.claim(job_id)
    return store.versions.publish(job_id, stage(store, article_id, job_id, payload), record)


def test_article_round_trips_through_dict() -> None:
    article = extract_text(TEXT)
    assert article_from_dict(article.to_dict()) == article


def test_create_get_list_delete(tmp_path: Path) -> None:
    store = Store(tmp_path / "home")
    record, job = store.articles.create(extract_text(TEXT), "espeak", "x1")
    assert (record.id, record.voice, record.current_version) == ("x1", "espeak", None)
    assert job.status == "queued" and store.jobs.queued() == [job]
    assert [r.id for r in store.articles.all()] == ["x1"]
    with pytest.raises(Conflict):
        store.articles.create(extract_text(TEXT), None, "x1")
    store.articles.delete("x1")
    with pytest.raises(NotFound):
        store.articles.get("x1")
    with pytest.raises(NotFound):
        store.articles.delete("x1")
    assert store.jobs.get(job.id).status == "cancelled" and store.jobs.get(job.id).error == "article deleted"


def test_generated_ids_and_bad_ids(tmp_path: Path) -> None:
    store = Store(tmp_path)
    record, _ = store.articles.create(extract_text(TEXT))
    assert len(record.id) == 16
    for bad in ("../x", "-x", "a" * 65, "a b", ""):
        with pytest.raises(Exception) as info:
            store.articles.create(extract_text(TEXT), None, bad or "/")
        assert "id must be" in str(info.value)


def test_claim_is_exclusive(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _, job = store.articles.create(extract_text(TEXT), None, "x1")
    assert store.jobs.claim(job.id) is True
    assert store.jobs.claim(job.id) is False  # a second worker (or process) does not run it again
    assert store.jobs.queued() == []


def test_publish_makes_version_current_only_when_complete(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _, job1 = store.articles.create(extract_text(TEXT), None, "x1")
    assert _publish(store, "x1", job1.id, b"one") == 1
    assert store.versions.files("x1", 1).audio.read_bytes() == b"one"

    # New content: version 1 stays current while version 2 is being written.
    _, job2, new = store.articles.update("x1", extract_text(TEXT + "\n\nMore."), None)
    assert new
    assert store.jobs.claim(job2.id)
    staged = stage(store, "x1", job2.id, b"two")
    assert store.articles.get("x1").current_version == 1
    assert not store.versions.files("x1", 2).audio.exists()
    record = store.articles.get("x1")
    assert (
        store.versions.publish(job2.id, staged, record)
        == 2
    )
    assert store.articles.get("x1").current_version == 2
    assert [v.version for v in store.versions.all("x1")] == [2, 1]
    assert store.versions.files("x1", 1).audio.read_bytes() == b"one"  # old version still there, unchanged
    assert store.jobs.get(job2.id).status == "done" and store.jobs.get(job2.id).version == 2
    assert store.versions.used_voices()[0]["name"] == "espeak"
    assert [a.id for a, v in store.versions.current()] == ["x1"]


def test_version_numbers_are_never_reused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _, job = store.articles.create(extract_text(TEXT), None, "x1")
    assert _publish(store, "x1", job.id, b"one") == 1
    store.articles.delete("x1")
    assert not (store.audio_root / "x1").exists()
    _, job = store.articles.create(extract_text(TEXT), None, "x1")
    assert _publish(store, "x1", job.id, b"again") == 2  # /audio/x1/1.mp3 was cached as immutable


def test_publish_after_delete_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _, job = store.articles.create(extract_text(TEXT), None, "x1")
    assert store.jobs.claim(job.id)
    staged = stage(store, "x1", job.id, b"x")
    record = store.articles.get("x1")
    store.articles.delete("x1")
    with pytest.raises(NotFound):
        store.versions.publish(job.id, staged, record)


def test_content_hash_depends_on_text_and_voice() -> None:
    a, b = extract_text(TEXT), extract_text(TEXT + "\n\nMore.")
    assert content_hash(a, None) == content_hash(a, None)
    assert len({content_hash(a, None), content_hash(b, None), content_hash(a, "espeak")}) == 3


def test_two_homes_share_nothing(tmp_path: Path) -> None:
    one, two = Store(tmp_path / "one"), Store(tmp_path / "two")
    one.articles.create(extract_text(TEXT), None, "x1")
    assert two.articles.all() == []


OLD_SCHEMA = """
CREATE TABLE articles (id TEXT PRIMARY KEY, title TEXT NOT NULL, voice TEXT, content TEXT NOT NULL,
    content_hash TEXT NOT NULL, current_version INTEGER, created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE versions (article_id TEXT NOT NULL, version INTEGER NOT NULL, voice TEXT NOT NULL,
    model_id TEXT NOT NULL, duration_ms INTEGER NOT NULL, size INTEGER NOT NULL, content TEXT NOT NULL,
    content_hash TEXT NOT NULL, created REAL NOT NULL, PRIMARY KEY (article_id, version));
CREATE TABLE jobs (id TEXT PRIMARY KEY, article_id TEXT NOT NULL, status TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, error TEXT, version INTEGER,
    created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE counters (article_id TEXT PRIMARY KEY, last_version INTEGER NOT NULL);
CREATE TABLE voices (name TEXT NOT NULL, model_id TEXT NOT NULL, engine TEXT NOT NULL,
    description TEXT NOT NULL, last_used REAL NOT NULL, PRIMARY KEY (name, model_id));
"""
"""The SQLite schema of narrator before its migrations ran on SQLite (and before the job queue's columns)."""


def test_a_database_made_by_an_older_narrator_is_adopted_and_migrated(tmp_path: Path) -> None:
    import sqlite3

    home = tmp_path / "home"
    home.mkdir()
    db = sqlite3.connect(home / "narrator.db")
    db.executescript(OLD_SCHEMA)
    article = extract_text(TEXT)
    db.execute("INSERT INTO articles VALUES ('old', 'A title', NULL, ?, 'h', NULL, 1.0, 1.0)",
               (json.dumps(article.to_dict()),))
    db.commit()
    db.close()
    store = Store(home)
    assert store.articles.get("old").article == article  # the data is kept
    _, job, new = store.articles.update("old", article, "espeak")
    assert new and job.priority == PRIORITY_SMALL and job.chars == 0  # columns of later revisions are there
    assert _publish(store, "old", job.id, b"mp3") == 1
    assert store.articles.get("old").first_published is not None  # 0005: the feed's date is recorded
    with sqlite3.connect(home / "narrator.db") as check:
        assert check.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)


def test_rollback_restores_the_content_the_version_was_made_from(tmp_path: Path) -> None:
    store = Store(tmp_path)
    first, second = extract_text(TEXT), extract_text(TEXT.replace("Second paragraph.", "Other words."))
    _, job = store.articles.create(first, None, "x1")
    assert _publish(store, "x1", job.id, b"one") == 1
    _, job, _ = store.articles.update("x1", second, "espeak", "fp-two")
    assert _publish(store, "x1", job.id, b"two") == 2

    record = store.versions.rollback("x1", 1)
    assert (record.current_version, record.article, record.voice) == (1, first, None)
    assert record.content_hash == content_hash(first, None) == store.versions.get("x1", 1).content_hash
    assert store.versions.article("x1", 1) == first and store.versions.article("x1", 9) is None
    # The article now says what its audio says: submitting that content again makes nothing.
    assert store.articles.update("x1", first, None)[1:] == (None, False)

    record = store.versions.rollback("x1", 2)
    assert (record.current_version, record.article, record.voice, record.content_hash) == (
        2, second, "espeak", "fp-two")


def test_rollback_is_refused_while_the_article_is_being_narrated(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _, job = store.articles.create(extract_text(TEXT), None, "x1")
    assert _publish(store, "x1", job.id, b"one") == 1
    edited = extract_text(TEXT + "\n\nMore.")
    _, job, _ = store.articles.update("x1", edited, None)
    for claim in (False, True):  # queued, then running
        if claim:
            assert store.jobs.claim(job.id)
        with pytest.raises(Conflict):
            store.versions.rollback("x1", 1)
        assert store.articles.get("x1").article == edited  # nothing changed
    with pytest.raises(NotFound):
        store.versions.rollback("x1", 5)
    with pytest.raises(NotFound):
        store.versions.rollback("nope", 1)


def test_a_running_job_counts_against_its_requesters_limit(tmp_path: Path) -> None:
    """The limit is on work queued or running: a job a worker has taken is still the key's work."""
    store = Store(tmp_path)
    article = extract_text(TEXT)
    request = JobRequest(requested_by="key:k1", chars=600, max_queued_chars=1000)
    _, first = store.articles.create(article, "espeak", "q1", request=request)
    assert first is not None and store.jobs.claim(first.id)
    assert store.jobs.get(first.id).status == "running"
    with pytest.raises(QuotaExceeded):
        store.articles.create(article, "espeak", "q2", request=request)
    store.jobs.fail(first.id, "done with")  # once it has ended, the key may queue again
    store.articles.create(article, "espeak", "q3", request=request)
