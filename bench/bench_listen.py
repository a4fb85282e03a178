"""Listening benchmark (issue 16): from the POST of an article to the first audio heard in a browser.

Whole process: `narrator serve` runs as a process of its own (embedded defaults, the default voice), a
headless Chromium (Debian's, through Playwright) opens the article's page right after the POST and
presses play at once, as a listener would; the time is from the POST to the audio element's first
'playing' event. The same runs give the cold time of the whole version (POST to the published
version, what a listener waited for before issue 16) and count the stalls ('waiting' after
'playing') while the article is being made. Articles are real pages of the extraction corpus, a
different one at each repetition (so only the disclaimer comes from the synthesis cache), submitted
as HTML; one short article is narrated first to warm the service up (the engine loads at start).

    .venv/bin/python bench/bench_listen.py [--runs 3] [--no-append]

Prints a table and appends it to bench/RESULTS.md with the date, the machine and its load average.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator.extract import extract_html  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
HEADING = "## Listening before the version exists (issue 16)"
CORPUS = ROOT.parent / "shared" / "corpus" / "extraction" / "dev"
SIZES = {"about 600 words": (580, 700), "about 2,700 words": (2300, 3300)}
"""Article sizes measured, by words of the extracted body: the issue's 600 and 2,700-word articles."""
STALL_WATCH_S = 5.0
"""Stalls are counted from the first sound until this long after the version is published."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: dict | None = None, token: str = "") -> dict:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(urllib.request.Request(url, data, headers, method=method), timeout=30) as r:
        return json.loads(r.read() or b"{}")


def pages(count: int) -> dict[str, list[tuple[int, str]]]:
    """For each size: `count` English pages of the corpus in its word range, as (words, html)."""
    found: dict[str, list[tuple[int, str]]] = {label: [] for label in SIZES}
    for path in sorted(CORPUS.glob("*.html")):
        html = path.read_text(encoding="utf-8", errors="replace")
        try:
            article = extract_html(html)
        except Exception:  # noqa: BLE001 - a page narrator refuses is no candidate
            continue
        words = len(re.findall(r"\w+", article.body_text()))
        for label, (low, high) in SIZES.items():
            if article.language.startswith("en") and low <= words <= high and len(found[label]) < count:
                found[label].append((words, html))
    for label, chosen in found.items():
        if len(chosen) < count:
            raise SystemExit(f"only {len(chosen)} corpus pages of {label}; run with --runs {len(chosen)}")
    return found


WATCH = """() => {
  window.__bench = {playing: null, waits: []};
  const a = document.querySelector('.np-audio');
  a.addEventListener('playing', () => {
    if (window.__bench.playing === null) window.__bench.playing = Date.now();
  });
  a.addEventListener('waiting', () => { if (window.__bench.playing !== null)
                                          window.__bench.waits.push([Date.now(), a.currentTime]); });
}"""


def one(browser, base: str, token: str, html: str) -> dict:  # noqa: ANN001
    """POST, open the page, press play: the first sound, the published version, the stalls."""
    page = browser.new_page()
    posted = time.time()
    article = http("POST", f"{base}/api/articles", {"html": html}, token)
    page.goto(f"{base}/articles/{article['id']}")
    page.evaluate(WATCH)
    page.click(".np-play")
    ready = None
    deadline = time.time() + 600
    while time.time() < deadline:
        state = page.evaluate("window.__bench")
        if ready is None and http("GET", f"{base}/api/articles/{article['id']}")["status"] == "ready":
            ready = time.time()
        if state["playing"] is not None and ready is not None and time.time() > ready + STALL_WATCH_S:
            break
        time.sleep(0.05)
    state = page.evaluate("window.__bench")
    page.close()
    if state["playing"] is None or ready is None:
        raise SystemExit(f"article {article['id']} was not heard or not published within 10 minutes")
    return {"first": state["playing"] / 1000 - posted, "cold": ready - posted, "stalls": len(state["waits"])}


def overhead(runs: int) -> tuple[list[float], list[float]]:
    """Seconds to narrate the seed article in-process (default voice, cache off) without and with the
    live stream, alternating: what streaming adds to the whole version."""
    from narrator.config import Settings
    from narrator.engines import open_engine
    from narrator.extract import extract_text
    from narrator.live import FolderSink
    from narrator.pipeline import narrate
    from narrator.voices import get_voice

    voice = get_voice(None)
    engine = open_engine(voice)
    article = extract_text((ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8"))
    plain, live = [], []
    try:
        for _ in range(runs):
            for times, streamed in ((plain, False), (live, True)):
                with tempfile.TemporaryDirectory() as home:
                    sink = FolderSink(Path(home) / "live") if streamed else None
                    start = time.perf_counter()
                    narrate(article, voice, Path(home) / "a.mp3", Settings(home=home, cache_max_mb=0),
                            engine=engine, live=sink)
                    times.append(time.perf_counter() - start)
    finally:
        engine.close()
    return plain, live


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="articles of each size (each a different page)")
    parser.add_argument("--no-append", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chosen = pages(args.runs + 1)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="narrator-bench-") as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")} | {"NARRATOR_HOME": home}
        narrator = str(ROOT / ".venv" / "bin" / "narrator")
        token = subprocess.run([narrator, "keys", "create", "bench"], env=env, capture_output=True, text=True,
                               check=True).stdout.split()[-1]
        port = free_port()
        server = subprocess.Popen([narrator, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            results: dict[str, list[dict]] = {}
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--autoplay-policy=no-user-gesture-required"])
                warm = chosen["about 600 words"].pop()  # the service's first article: not measured
                one(browser, base, token, warm[1])
                for label, articles in chosen.items():
                    results[label] = []
                    for words, html in articles[:args.runs]:
                        run = one(browser, base, token, html) | {"words": words}
                        results[label].append(run)
                        print(f"{label}: {words} words, first audio {run['first']:.2f} s, whole version "
                              f"{run['cold']:.1f} s, {run['stalls']} stalls", flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(30)
    plain, live = overhead(args.runs)
    load_after = os.getloadavg()

    rows = ["| article | first audio heard, median (each run) | whole version, cold, median (each run) | "
            "stalls while it is made | ratio |", "|---|---|---|---|---|"]
    for label, runs in results.items():
        first = statistics.median(r["first"] for r in runs)
        cold = statistics.median(r["cold"] for r in runs)
        words = ", ".join(str(r["words"]) for r in runs)
        firsts = ", ".join(f"{r['first']:.2f}" for r in runs)
        colds = ", ".join(f"{r['cold']:.1f}" for r in runs)
        stalls = sum(r["stalls"] for r in runs)
        rows.append(f"| {label} ({words}) | **{first:.2f} s** ({firsts}) | {cold:.1f} s ({colds}) | "
                    f"{stalls} | {cold / first:.0f}x sooner |")
    machine = (f"{datetime.date.today().isoformat()}; {os.cpu_count()} CPUs (nproc), Python "
               f"{platform.python_version()}, {platform.machine()}; load average before "
               f"{load_before[0]:.2f} / after {load_after[0]:.2f} (1 min); voice: the default (joe); "
               f"{args.runs} runs per size; command: `python bench/bench_listen.py --runs {args.runs}`")
    cost = statistics.median(live) / statistics.median(plain) - 1
    rows += ["", "What streaming costs the whole version: the seed article (588 words) narrated in-process, "
             "cache off, without and with the live stream, alternating:", "",
             "| without the live stream, median (each run) | with it, median (each run) | cost |",
             "|---|---|---|",
             f"| {statistics.median(plain):.2f} s ({', '.join(f'{t:.2f}' for t in plain)}) | "
             f"{statistics.median(live):.2f} s ({', '.join(f'{t:.2f}' for t in live)}) | {cost:+.1%} |"]
    table = "\n".join(rows)
    print(f"\n{machine}\n\n{table}")
    if not args.no_append:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(f"\n{HEADING}\n\n{machine}\n\n{table}\n")


if __name__ == "__main__":
    main()
