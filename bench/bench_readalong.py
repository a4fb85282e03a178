"""How late the read-along highlight is (issue 25): the player follows the audio's currentTime every
animation frame; the baseline, measured in the same runs, is a highlight moved on each 'timeupdate'
event (the player before issue 25).

Narrates an article with the default voice in a temporary home, serves the app on a loopback port,
and plays it in Debian's headless Chromium (Playwright) at each rate, several times. A word's lag is
the wall time the highlight reached it minus the moment the audio's currentTime passed its start
(tests/readalong.py says how both are taken). Prints the median and 90th percentile per rate.

    .venv/bin/python bench/bench_readalong.py [--runs 5] [--seconds 10]
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from playwright.sync_api import sync_playwright  # noqa: E402
from readalong import RECORD, lags  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from narrator.web import close_app, create_app  # noqa: E402

TEXT = "Harbour bridge reopens after repairs\n\n" + "\n\n".join(
    f"Paragraph {n} tells more of the story. The council met again on the matter, and the crews spoke to "
    f"reporters at the harbour for the {n}th time, describing the cables, the heat and the long nights."
    for n in range(1, 13))
"""About two minutes of speech in twelve paragraphs."""
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--autoplay-policy=no-user-gesture-required"]
AUDIO = "document.querySelector('.np-audio')"


def wait(page, expression: str, timeout: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {expression}")
        time.sleep(0.02)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="plays per rate")
    parser.add_argument("--seconds", type=float, default=10, help="seconds of wall time per play")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with tempfile.TemporaryDirectory() as home:
        app = create_app({"HOME": home, "RUNNER": "inprocess"})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        client = app.test_client()
        key = app.extensions["narrator"].accounts.create_key("bench", "editor")[1]
        client.post("/api/articles", json={"text": TEXT, "id": "b1"},
                    headers={"Authorization": f"Bearer {key}"})
        store = app.extensions["narrator"].store
        deadline = time.monotonic() + 600
        while store.articles.get("b1").current_version is None:
            if time.monotonic() > deadline:
                raise SystemExit("not narrated within 10 minutes")
            time.sleep(0.3)
        timing = client.get(client.get("/api/articles/b1").json["timing_url"]).json
        body = [p for p in timing["paragraphs"] if p["kind"] == "p"]
        starts = sorted(w["start"] for p in body for s in p["sentences"] for w in s["words"])
        results: dict[float, tuple[list[float], list[float]]] = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for rate in (1.0, 2.0):
                frame, update = [], []
                for run in range(args.runs):
                    page = browser.new_page(viewport={"width": 1000, "height": 800})
                    page.goto(f"{base}/articles/b1")
                    wait(page, f"document.querySelectorAll('#transcript .w').length === {len(starts)}")
                    page.evaluate(RECORD)
                    begin = body[run % len(body)]["start"] / 1000
                    page.evaluate(f"{AUDIO}.currentTime = {begin}; {AUDIO}.playbackRate = {rate}")
                    page.click(".np-play")
                    wait(page, f"!{AUDIO}.paused && {AUDIO}.currentTime > {begin + 0.3}")
                    since = page.evaluate("performance.now()")
                    time.sleep(args.seconds)
                    found = lags(page.evaluate("window.__lag"), starts, since)
                    frame += found.frame
                    update += found.timeupdate
                    page.close()
                results[rate] = (frame, update)
            browser.close()
        server.shutdown()
        close_app(app)
    print(f"runs {args.runs} x {args.seconds:g} s per rate; lag in ms (wall clock), words measured")
    print("rate  every frame: median  p90   words | timeupdate (baseline): median  p90   words | ratio")
    for rate, (frame, update) in results.items():
        fm, um = statistics.median(frame), statistics.median(update)
        print(f"{rate:g}x   {fm:18.1f} {percentile(frame, 0.9):5.1f} {len(frame):6d} | "
              f"{um:29.1f} {percentile(update, 0.9):5.1f} {len(update):6d} | {um / max(fm, 0.1):5.1f}")


if __name__ == "__main__":
    main()
