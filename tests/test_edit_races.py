"""One logical edit makes one job, and an article's version numbers run without gaps (issue 23, item 11):
two web nodes (two app instances) sharing one database, SQLite (one home) and PostgreSQL."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from store_helpers import stage
from web_fixtures import SHORT_TEXT, BufferedClient

from narrator.extract import extract_text
from narrator.service.store import Cancelled, Store
from narrator.web import close_app, create_app

EDIT = {"text": SHORT_TEXT + "\nTolls stay the same.\n", "voice": "espeak"}


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """What the nodes share: test_config for each of two nodes (a home each on PostgreSQL, one home on
    SQLite, whose database lives in it)."""
    if request.param == "sqlite":
        return {"HOME": str(tmp_path / "shared")}
    return {"DATABASE_URL": request.getfixturevalue("postgres_url")}


@pytest.fixture
def nodes(database: dict[str, str], tmp_path: Path):  # noqa: ANN201
    """Two app instances over one database; no runner: the test plays the workers."""
    apps = []
    for name in ("a", "b"):
        app = create_app({"TESTING": True, "HOME": str(tmp_path / name), "RUNNER": "none",
                          "ACCEL_REDIRECT": "", **database})
        app.test_client_class = BufferedClient
        apps.append(app)
    yield apps
    for app in apps:
        close_app(app)


def store_of(app) -> Store:  # noqa: ANN001
    return app.extensions["narrator"].store


def publish(store: Store, job_id: str, payload: bytes) -> int:
    job = store.jobs.get(job_id)
    record = store.articles.get(job.article_id)
    return store.versions.publish(job_id, stage(store, job.article_id, job_id, payload), record)


def at_once(calls: list) -> list:
    """Run the calls in threads released together; their results, in order."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i: int) -> None:
        start.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def first_version(app) -> None:  # noqa: ANN001
    body = {"text": SHORT_TEXT, "id": "e1", "voice": "espeak"}
    response = app.test_client().post("/api/articles", json=body)
    assert response.status_code == 202, response.json
    job = response.json["job"]["id"]
    assert store_of(app).jobs.claim(job, "w")
    assert publish(store_of(app), job, b"one") == 1


def test_the_same_edit_through_the_other_node_joins_the_running_job(nodes) -> None:  # noqa: ANN001
    """The race of the issue made certain: node A's edit makes a job, a worker claims it, then node B
    gets the same edit. B answers with A's job (which goes on running); it used to cancel it and queue
    a second one, and the cancelled job's number was lost."""
    a, b = nodes
    first_version(a)
    one = a.test_client().put("/api/articles/e1", json=EDIT)
    assert one.status_code == 202, one.json
    job = one.json["job"]["id"]
    assert store_of(a).jobs.claim(job, "w")
    two = b.test_client().put("/api/articles/e1", json=EDIT)
    assert two.status_code == 202, two.json
    assert two.json["job"]["id"] == job and two.json["job"]["status"] == "running"
    assert store_of(b).jobs.get(job).status == "running"  # not cancelled
    assert publish(store_of(b), job, b"two") == 2
    assert [v["version"] for v in b.test_client().get("/api/articles/e1/versions").json["versions"]] == [2, 1]
    # A different edit still supersedes a running job.
    other = a.test_client().put("/api/articles/e1", json={**EDIT, "text": SHORT_TEXT + "\nFerries too.\n"})
    assert other.status_code == 202 and other.json["job"]["id"] != job


def test_identical_puts_at_the_same_moment_on_two_nodes_make_one_job(nodes) -> None:  # noqa: ANN001
    """Rounds of the same edit sent through both nodes at once, while a worker claims every job as soon as
    it is queued (so the second PUT can meet the first's job queued or running): one job a round, both
    answers 202 with it; after the rounds, the versions made from them are numbered without a gap."""
    a, b = nodes
    first_version(a)
    store = store_of(a)
    stop = threading.Event()
    claimed: list[str] = []

    def worker() -> None:  # claims what is queued at once; publishing is left to the test
        while not stop.is_set():
            for job in store.jobs.queued():
                if store.jobs.claim(job.id, "w"):
                    claimed.append(job.id)
            stop.wait(0.002)

    claimer = threading.Thread(target=worker)
    claimer.start()
    try:
        for n in range(6):
            body = {**EDIT, "text": SHORT_TEXT + f"\nEdit number {n}.\n"}
            clients = [app.test_client() for app in (a, b)]
            answers = at_once([lambda c=c, body=body: c.put("/api/articles/e1", json=body) for c in clients])
            assert [r.status_code for r in answers] == [202, 202], [r.json for r in answers]
            jobs = {r.json["job"]["id"] for r in answers}
            assert len(jobs) == 1, [r.json["job"] for r in answers]
            assert store.jobs.get(jobs.pop()).status in ("queued", "running")
    finally:
        stop.set()
        claimer.join(10)
    # Every round's job but the last was superseded by the next round's edit; the last one publishes.
    last = store.jobs.latest("e1")
    assert last is not None
    if last.status == "queued":
        assert store.jobs.claim(last.id, "w")
    for job_id in claimed:
        if job_id != last.id:
            with pytest.raises(Cancelled):
                publish(store, job_id, b"superseded")
    assert publish(store, last.id, b"last") == 2
    assert [v.version for v in store.versions.all("e1")] == [2, 1]


def test_no_number_is_lost_to_a_superseded_or_failing_job(nodes) -> None:  # noqa: ANN001
    """A job superseded while it ran, a job whose files could not be stored, a job whose article was
    edited while it published: none of them leaves a gap in the article's version numbers."""
    a, b = nodes
    first_version(a)
    store_a, store_b = store_of(a), store_of(b)
    text = SHORT_TEXT + "\nSecond edit.\n"

    # Superseded while running: the job finds out at publish time, and takes no number.
    _, job2, _ = store_a.articles.update("e1", extract_text(text), "espeak")
    assert store_a.jobs.claim(job2.id, "w")
    _, job3, _ = store_b.articles.update("e1", extract_text(text + "\nThird edit.\n"), "espeak")
    assert job3.id != job2.id
    assert store_a.jobs.claim(job3.id, "w")
    with pytest.raises(Cancelled):
        publish(store_a, job2.id, b"two")

    # The copy into place fails once (a full disk, a bucket that refuses): the number stays free.
    put = store_b.storage.put_version
    calls: list[int] = []

    def failing_once(article_id, version, staged, uploaded):  # noqa: ANN001, ANN202
        calls.append(version)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return put(article_id, version, staged, uploaded)

    store_b.storage.put_version = failing_once  # type: ignore[method-assign]
    with pytest.raises(OSError):
        publish(store_b, job3.id, b"three")
    assert store_b.articles.get("e1").current_version == 1
    assert publish(store_b, job3.id, b"three") == 2
    assert calls == [2, 2]

    # An edit arriving while a job publishes: it waits for the publish, then makes the next version.
    _, job4, _ = store_a.articles.update("e1", extract_text(text + "\nFourth edit.\n"), "espeak")
    assert store_a.jobs.claim(job4.id, "w")
    storing, release = threading.Event(), threading.Event()
    upload = store_a.storage.upload

    def slow_upload(article_id, staged):  # noqa: ANN001, ANN202
        storing.set()
        assert release.wait(30)
        return upload(article_id, staged)

    store_a.storage.upload = slow_upload  # type: ignore[method-assign]
    outcome: list[object] = []

    def publish_four() -> None:
        try:
            outcome.append(publish(store_a, job4.id, b"four"))
        except Cancelled as e:
            outcome.append(e)

    publisher = threading.Thread(target=publish_four)
    publisher.start()
    assert storing.wait(30)
    _, job5, new = store_b.articles.update("e1", extract_text(text + "\nFifth edit.\n"), "espeak")
    assert new
    release.set()
    publisher.join(30)
    store_a.storage.upload = upload  # type: ignore[method-assign]
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)  # superseded during its upload
    assert store_b.jobs.claim(job5.id, "w")
    assert publish(store_b, job5.id, b"five") == 3
    assert [v.version for v in store_a.versions.all("e1")] == [3, 2, 1]
    assert store_b.storage.read("e1", 3, ".mp3") == b"five"  # not the superseded job's files
