"""`narrator serve --demo`: the demo article is stored and queued once, and queued again after a failure."""

from __future__ import annotations

from web import close_app, create_app
from web.demo import DEMO_ID, ensure_demo


def test_demo_is_queued_once_and_again_after_a_failed_first_narration(tmp_path) -> None:  # noqa: ANN001
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none"})
    store = app.extensions["narrator"].store
    try:
        assert ensure_demo(app) == DEMO_ID
        first = store.latest_job(DEMO_ID)
        assert first.status == "queued" and store.get_article(DEMO_ID).article.title
        assert ensure_demo(app) == DEMO_ID and store.latest_job(DEMO_ID).id == first.id  # nothing new
        store.fail_job(first.id, "the engine crashed")
        assert ensure_demo(app) == DEMO_ID  # a second start after the failure: queued again, no crash
        again = store.latest_job(DEMO_ID)
        assert again.id != first.id and again.status == "queued"
        assert ensure_demo(app) == DEMO_ID and store.latest_job(DEMO_ID).id == again.id
    finally:
        close_app(app)
