"""Versions through the API: idempotent updates, regenerate after a lexicon change, keep N, roll back."""
from __future__ import annotations

import pytest
from web_fixtures import SHORT_TEXT, BufferedClient, narrated, wait_for

from narrator.web import close_app, create_app


@pytest.fixture
def lexicon(tmp_path):
    path = tmp_path / "publication.tsv"
    path.write_text("# publication lexicon\n")
    return path


@pytest.fixture
def client(tmp_path, engine_pool, lexicon):
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "ENGINE_POOL": engine_pool,
                      "RUNNER": "inprocess", "KEEP_VERSIONS": 2, "LEXICON": str(lexicon)})
    app.test_client_class = BufferedClient
    yield app.test_client()
    close_app(app)


def version_ready(client, n):
    def check():
        data = client.get("/api/articles/a1").json
        assert data["job"]["status"] != "failed", data["job"]
        return data if data["current_version"] == n else None
    return wait_for(check, 60, what=f"version {n}")


def test_unchanged_put_starts_nothing_changed_put_makes_a_version(client):
    narrated(client)
    same = client.put("/api/articles/a1", json={"text": SHORT_TEXT, "voice": "espeak"})
    assert same.status_code == 200
    assert same.json["current_version"] == 1 and same.json["job"]["version"] == 1  # the old job, done

    changed = client.put("/api/articles/a1",
                         json={"text": SHORT_TEXT + "\nA late line.\n", "voice": "espeak"})
    assert changed.status_code == 202
    assert changed.json["job"]["status"] in ("queued", "running")
    data = version_ready(client, 2)
    assert data["job"]["stage"] == "done"
    job = client.get(data["job"]["url"]).json
    assert job["done"] == job["total"] > 0 and job["attempts"] == 1


def test_regenerate_after_a_lexicon_change(client, lexicon):
    narrated(client)
    assert client.post("/api/articles/a1/regenerate").status_code == 200  # nothing changed
    lexicon.write_text("harbour\tharbor\n")
    r = client.post("/api/articles/a1/regenerate")
    assert r.status_code == 202
    version_ready(client, 2)
    assert client.post("/api/articles/a1/regenerate").status_code == 200
    assert client.post("/api/articles/nope/regenerate").status_code == 404


def test_keep_versions_and_roll_back(client):
    narrated(client)
    for n, extra in ((2, "Second."), (3, "Third.")):
        r = client.put("/api/articles/a1", json={"text": SHORT_TEXT + extra, "voice": "espeak"})
        assert r.status_code == 202
        version_ready(client, n)
    listed = client.get("/api/articles/a1/versions").json
    assert listed["current"] == 3
    assert [v["version"] for v in listed["versions"]] == [3, 2]  # keep_versions=2: version 1 is gone
    # its files go just after the commit that dropped it (a listener may be fetching them until then)
    wait_for(lambda: client.get("/audio/a1/1.mp3").status_code == 404, 10, what="version 1 to be deleted")

    r = client.post("/api/articles/a1/rollback", json={"version": 2})
    assert r.status_code == 200 and r.json["current_version"] == 2
    latest = client.get("/audio/a1/latest.mp3")
    assert latest.status_code == 302 and latest.headers["Location"].endswith("/audio/a1/2.mp3")
    assert client.get("/audio/a1/3.mp3").status_code == 200  # still kept, still served

    assert client.post("/api/articles/a1/rollback", json={"version": 1}).status_code == 404
    assert client.post("/api/articles/a1/rollback", json={"version": "2"}).status_code == 400
    assert client.post("/api/articles/a1/rollback", data="x", content_type="text/plain").status_code == 400
    assert client.post("/api/articles/zz/rollback", json={"version": 1}).status_code == 404


def test_article_pronunciations_are_stored_and_change_the_narration(client):
    narrated(client)
    r = client.put("/api/articles/a1", json={"text": SHORT_TEXT, "voice": "espeak",
                                             "pronunciations": {"harbour": "harbor"}})
    assert r.status_code == 202  # new entries: a new version
    data = version_ready(client, 2)
    assert data["content"]["pronunciations"] == [["harbour", "harbor"]]
    bad = client.put("/api/articles/a1", json={"text": SHORT_TEXT, "pronunciations": {"x": ""}})
    assert bad.status_code == 400
