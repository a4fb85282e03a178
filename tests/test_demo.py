"""`narrator serve --demo`: the demo page is read like any page, stored and queued once, and queued again
after a failure."""

from __future__ import annotations

from narrator.extract import extract_html
from narrator.web import close_app, create_app
from narrator.web.demo import DEMO_ID, DEMO_PAGE, ensure_demo


def test_demo_is_queued_once_and_again_after_a_failed_first_narration(tmp_path) -> None:  # noqa: ANN001
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none"})
    store = app.extensions["narrator"].store
    try:
        assert ensure_demo(app) == DEMO_ID
        first = store.jobs.latest(DEMO_ID)
        stored = store.articles.get(DEMO_ID).article
        assert first.status == "queued" and stored == extract_html(DEMO_PAGE.read_text(encoding="utf-8"))
        assert stored.title.startswith("Who Is Andrei Medvedev?") and stored.byline == "Jack Dutton"
        body = stored.body_text()  # the page's caption, credit, author box and "Read more" are not read
        for furniture in ("Read more", "Telegram/Gulagu.Net", "seeking asylum in Norway. Medvedev said",
                          "based in Cape Town", "Newsletter"):
            assert furniture not in body, furniture
        assert len(stored.paragraphs) == 17
        assert ensure_demo(app) == DEMO_ID and store.jobs.latest(DEMO_ID).id == first.id  # nothing new
        store.jobs.fail(first.id, "the engine crashed")
        assert ensure_demo(app) == DEMO_ID  # a second start after the failure: queued again, no crash
        again = store.jobs.latest(DEMO_ID)
        assert again.id != first.id and again.status == "queued"
        assert ensure_demo(app) == DEMO_ID and store.jobs.latest(DEMO_ID).id == again.id
    finally:
        close_app(app)
