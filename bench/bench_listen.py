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
SIZES = {"about 600 words": (580, 700), "about 2,700 words": (2200, 3700)}
"""Article sizes measured, by words of the extracted body: the issue's 600 and 2,700-word articles (the
corpus has six English pages of 2,200-3,700 words, four of 2,300-3,300)."""
WARM = "about 600 words"
"""The size of the article narrated first, unmeasured (one more page of it is needed)."""
STALL_WATCH_S = 5.0
"""'waiting' events are counted from the first sound until this long after the version is published."""
WINDOW_S = 60
"""Stalls are timed over the first minute of playback, and the length estimates the player is given
until then."""
FREEZE_S = 0.2
"""A position that does not move for this long while playing is a stall (the page samples it every 50 ms)."""
PRESS_S = 0.5
"""The listener presses play this long after the page appears (as the issue measured it)."""


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
    """For each size: `count` English pages of the corpus in its word range (one more of WARM), as
    (words, html)."""
    found: dict[str, list[tuple[int, str]]] = {label: [] for label in SIZES}
    for path in sorted(CORPUS.glob("*.html")):
        html = path.read_text(encoding="utf-8", errors="replace")
        try:
            article = extract_html(html)
        except Exception:  # noqa: BLE001 - a page narrator refuses is no candidate
            continue
        words = len(re.findall(r"\w+", article.body_text()))
        for label, (low, high) in SIZES.items():
            wanted = count + (label == WARM)
            if article.language.startswith("en") and low <= words <= high and len(found[label]) < wanted:
                found[label].append((words, html))
    for label, chosen in found.items():
        if len(chosen) < count + (label == WARM):
            raise SystemExit(f"only {len(chosen)} corpus pages of {label}; run with fewer --runs")
    return found


WATCH = """() => {
  const a = document.querySelector('.np-audio');
  const b = window.__bench = {playing: null, waits: [], stalls: [], reached: null, frozen: null, last: null};
  a.addEventListener('playing', () => { if (b.playing === null) b.playing = Date.now(); });
  a.addEventListener('waiting', () => { if (b.playing !== null) b.waits.push([Date.now(), a.currentTime]); });
  // Every 50 ms: while it should be playing (pressed, not paused, not ended), a position that does not
  // move is a stall; each stall of FREEZE_S or more is kept as [position, seconds] until WINDOW_S is heard.
  setInterval(() => {
    const now = performance.now(), t = a.currentTime;
    if (b.playing === null || b.reached !== null) return;
    if (t >= WINDOW_S || a.ended) { b.reached = Date.now(); return; }
    if (b.last !== null && t === b.last && !a.paused) {
      if (b.frozen === null) b.frozen = [t, now - 50];
    } else if (b.frozen !== null) {
      const seconds = (now - b.frozen[1]) / 1000;
      if (seconds >= FREEZE_S) b.stalls.push([b.frozen[0], seconds]);
      b.frozen = null;
    }
    b.last = t;
  }, 50);
}""".replace("WINDOW_S", str(WINDOW_S)).replace("FREEZE_S", str(FREEZE_S))


def one(browser, base: str, token: str, html: str, trace: bool = False) -> dict:  # noqa: ANN001
    """POST, open the page, press play PRESS_S after it appears: the first sound, the published version,
    the stalls in the first WINDOW_S seconds of playback, and every length estimate the player was given
    meanwhile (the page's own, then each poll of the live state)."""
    page = browser.new_page()
    estimates: list[tuple[float, int]] = []
    segments: list[tuple[float, float]] = []

    def seen(response) -> None:  # noqa: ANN001 - a Playwright response
        if "/live?" in response.url and response.ok:
            try:
                state = response.json()
            except Exception:  # noqa: BLE001 - a page closing mid-answer
                return
            if state.get("estimated_ms"):
                estimates.append((time.time(), state["estimated_ms"]))
            if state.get("segments"):
                segments.append((time.time() - posted, state["segments"][-1]["end"]))

    page.on("response", seen)
    posted = time.time()
    article = http("POST", f"{base}/api/articles", {"html": html}, token)
    page.goto(f"{base}/articles/{article['id']}")
    page.evaluate(WATCH)
    shown = page.get_attribute("[data-narrator]", "data-estimate")
    if shown:
        estimates.insert(0, (time.time(), int(shown)))
    page.wait_for_timeout(PRESS_S * 1000)
    page.click(".np-play")
    ready = None
    deadline = time.time() + 600
    while time.time() < deadline:
        state = page.evaluate("window.__bench")
        if ready is None and http("GET", f"{base}/api/articles/{article['id']}")["status"] == "ready":
            ready = time.time()
        if state["reached"] is not None and ready is not None and time.time() > ready + STALL_WATCH_S:
            break
        time.sleep(0.1)
    state = page.evaluate("window.__bench")
    page.close()
    if state["playing"] is None or ready is None or state["reached"] is None:
        raise SystemExit(f"article {article['id']} was not heard for {WINDOW_S} s or not published "
                         "within 10 minutes")
    final = http("GET", f"{base}/api/articles/{article['id']}")["duration_ms"]
    window = [e for t, e in estimates if t <= state["reached"] / 1000]
    if trace:
        print("  live state seen (s after the POST, audio available to):",
              ", ".join(f"{t:.1f}:{end:.1f}" for t, end in segments[:40]))
        print("  estimates (s):", ", ".join(f"{e / 1000:.0f}" for e in window), "final", final / 1000)
        print("  stalls [position, seconds]:", state["stalls"], "waiting:", state["waits"])
    return {"first": state["playing"] / 1000 - posted, "cold": ready - posted,
            "stalls": len(state["waits"]), "stalled": sum(s for _, s in state["stalls"]),
            "freezes": state["stalls"], "estimate_error": max(abs(e - final) / final for e in window),
            "first_estimate": window[0] / final - 1, "duration": final / 1000}


def overhead(runs: int) -> tuple[list[float], list[float]]:
    """Seconds to narrate the seed article in-process (default voice, cache off) without and with the
    live stream, alternating: what streaming adds to the whole version."""
    from narrator.audio.stream import FolderSink
    from narrator.config import Settings
    from narrator.extract import extract_text
    from narrator.pipeline import narrate
    from narrator.speech.engines import open_engine
    from narrator.speech.voices import get_voice

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
    parser.add_argument("--runs", type=int, default=5, help="articles of each size (each a different page)")
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES), help="article sizes")
    parser.add_argument("--no-overhead", action="store_true",
                        help="leave out what streaming costs the version")
    parser.add_argument("--trace", action="store_true",
                        help="print each run's live states, estimates, stalls")
    parser.add_argument("--no-append", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chosen = pages(args.runs)
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
                warm = chosen[WARM].pop()  # the service's first article: not measured
                one(browser, base, token, warm[1])
                for label in args.sizes:
                    results[label] = []
                    for words, html in chosen[label][:args.runs]:
                        run = one(browser, base, token, html, args.trace) | {"words": words}
                        results[label].append(run)
                        print(f"{label}: {words} words, first audio {run['first']:.2f} s, whole version "
                              f"{run['cold']:.1f} s, stalled {run['stalled']:.2f} s in the first "
                              f"{WINDOW_S} s {run['freezes']}, {run['stalls']} 'waiting', estimate "
                              f"{run['first_estimate']:+.1%} at first, worst {run['estimate_error']:.1%}",
                              flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(30)
    plain, live = overhead(args.runs) if not args.no_overhead else ([], [])
    load_after = os.getloadavg()

    rows = [f"| article | first audio heard, median (each run) | whole version, cold, median (each run) | "
            f"stalled in the first {WINDOW_S} s of playback: total, median (each run) | "
            f"'waiting' while made | "
            f"length estimate: worst error in the first minute, median (each run) | first estimate's error "
            f"(each run) |", "|---|---|---|---|---|---|---|"]
    for label, runs in results.items():
        def each(key: str, form: str, runs: list[dict] = runs) -> str:
            return ", ".join(format(r[key], form) for r in runs)
        first = statistics.median(r["first"] for r in runs)
        cold = statistics.median(r["cold"] for r in runs)
        stalled = statistics.median(r["stalled"] for r in runs)
        error = statistics.median(r["estimate_error"] for r in runs)
        words = ", ".join(str(r["words"]) for r in runs)
        rows.append(f"| {label} ({words}) | **{first:.2f} s** ({each('first', '.2f')}) | {cold:.1f} s "
                    f"({each('cold', '.1f')}) | **{stalled:.2f} s** ({each('stalled', '.2f')}; worst "
                    f"{max(r['stalled'] for r in runs):.2f} s) | {sum(r['stalls'] for r in runs)} | "
                    f"**{error:.1%}** ({each('estimate_error', '.1%')}; worst "
                    f"{max(r['estimate_error'] for r in runs):.1%}) | {each('first_estimate', '+.1%')} |")
    command = " ".join(["python bench/bench_listen.py", *sys.argv[1:]])
    machine = (f"{datetime.date.today().isoformat()}; {os.cpu_count()} CPUs (nproc), Python "
               f"{platform.python_version()}, {platform.machine()}; load average before "
               f"{load_before[0]:.2f} / after {load_after[0]:.2f} (1 min); voice: the default (joe); "
               f"{args.runs} runs per size, play pressed {PRESS_S:g} s after the page appears; "
               f"command: `{command}`")
    if plain:
        cost = statistics.median(live) / statistics.median(plain) - 1
        rows += ["", "What streaming costs the whole version: the seed article (588 words) narrated "
                 "in-process, cache off, without and with the live stream, alternating:", "",
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
