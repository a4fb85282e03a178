#!/usr/bin/env python3
"""Hostile input against a running service (issue 14), bounded and on loopback only.

Starts `narrator serve` (embedded defaults: SQLite, jobs in the web process, the default voice) in a
temporary NARRATOR_HOME, with an editor's API key, and a local "hostile web" server. Then, while a
listener requests an article page and the article list twice a second throughout, it submits what
took the service down before: a 4,800-character run-on sentence, '[[' plus 20,000 letters, a
6,000-character dotted token, a URL whose server drips a byte every 100 ms, a URL to a 19.6 MB page,
and a burst of thirty 180,000-character articles from one key. It waits until the hostile jobs have
ended (done, failed or cancelled), with a deadline. Then the attacks of issue 23, each selectable by name
(`--only NAME,...` runs just those, without the issue-14 set):

  surrogates        a lone surrogate ('\\ud800') in each field of every JSON route, anonymous and with the key
  control-title     ESC, BEL, NUL and C1 controls in an API title: the pages and the .vtt after narration
  delete-streaming  DELETE of an article whose job is streaming: its live state and segments at once, and
                    whether a segment or manifest is written again

Reports: each submission's answer (status, and how its job ended, with its message); the listener's
requests (count, failures, p50/p99/max latency); the service's peak memory (the largest sum of RSS
over the serve process and its children, sampled every 0.2 s); whether it stayed up. Appends the
table to bench/RESULTS.md.

    .venv/bin/python bench/bench_hostile.py [--deadline 600] [--only surrogates,control-title] [--no-append]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import http.server
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_serve import free_port, wait_up  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
PY = str(ROOT / ".venv" / "bin" / "python")
SEED = (ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")


class HostileWeb(http.server.BaseHTTPRequestHandler):
    """/drip: headers, then a byte every 100 ms for a minute; /huge: a 19.6 MB page."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        try:
            if self.path == "/drip":
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 600\r\n\r\n")
                for _ in range(600):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif self.path == "/huge":
                para = b"<p>" + b"A paragraph about the mild weather of the year. " * 4 + b"</p>\n"
                paragraphs = para * (int(19.6 * 2**20) // len(para))
                body = b"<html><body><article><h1>Huge</h1>" + paragraphs + b"</article>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
        except OSError:
            pass  # the service hung up on us: that is the point


def rss_tree(pid: int) -> int:
    """RSS in bytes of `pid` and all its descendants (/proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def call(base: str, method: str, path: str, key: str | None = None, body: dict | None = None,
         timeout: float = 30) -> tuple[int, dict, float]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    start = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            text = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        text, status = e.read(), e.code
    seconds = time.monotonic() - start
    try:
        answer = json.loads(text) if text else {}
    except ValueError:
        answer = {}
    return status, answer if isinstance(answer, dict) else {}, seconds


# Issue 23's attacks: each takes the service's base URL, the editor's key and its NARRATOR_HOME, and gives
# rows of the table (submission, answer, answered in, how it ended).

SURROGATE = "\ud800"
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 and C1 controls but tab, line feed and carriage return: never on a page or in a cue."""


def surrogates(base: str, key: str, home: Path) -> list[list[str]]:
    """A lone surrogate in each field of every JSON route (it was a 500): each answer must be a 4xx."""
    sent = [("POST", "/api/events", None, {"article": SURROGATE, "event": "play"}),
            ("POST", "/api/events", None, {"article": "plain", "event": SURROGATE})]
    text = "T\n\nA paragraph."
    for field in ("title", "voice", "id", "text"):
        sent.append(("POST", "/api/articles", key, {"text": text, field: SURROGATE}))
    sent += [("POST", "/api/articles", key, {"url": "https://news.example/" + SURROGATE}),
             ("POST", "/api/articles", key, {"text": text, "pronunciations": {SURROGATE: "x"}}),
             ("POST", "/api/articles", key, {"text": text, "pronunciations": {"x": SURROGATE}}),
             ("PUT", "/api/articles/plain", key, {"text": text, "title": SURROGATE}),
             ("POST", "/api/articles/plain/preview", key, {"paragraphs": [{"block": 3, "text": SURROGATE}]}),
             ("PUT", "/api/lexicon/Kyiv", key, {"spoken": SURROGATE}),
             ("POST", "/api/lexicon/listen", key, {"written": SURROGATE}),
             ("POST", "/api/sources", key, {"url": "https://news.example/" + SURROGATE}),
             ("POST", "/api/articles/plain/rollback", key, {"version": 1, SURROGATE: 1})]
    answers = [call(base, method, path, who, body) for method, path, who, body in sent]
    statuses = collections.Counter(status for status, _, _ in answers)
    good = all(400 <= status < 500 and answer.get("message") for status, answer, _ in answers)
    return [[f"a lone surrogate (\\ud800) in {len(sent)} fields of 10 JSON routes",
             ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items())),
             f"{max(t for _, _, t in answers) * 1000:.0f} ms slowest",
             "all 4xx with a JSON message" if good else "NOT ALL 4xx WITH A MESSAGE"]]


def control_title(base: str, key: str, home: Path, deadline: float = 300) -> list[list[str]]:
    """Controls in an API title: what `/`, the article page and the narration's WebVTT show."""
    title = "Breaking\x1b[31m news\x07 \x00today\x9b"
    article = {"text": "T\n\nThe bridge opened again.", "id": "ctl", "title": title, "voice": "espeak"}
    status, answer, seconds = call(base, "POST", "/api/articles", key, article)
    ended = wait_job(base, answer.get("job", {}).get("id", ""), deadline)
    shown = {path: fetch_text(base + path) for path in ("/", "/articles/ctl", "/audio/ctl/latest.vtt")}
    raw = [path for path, text in shown.items() if CONTROLS.search(text)]
    return [["ESC, BEL, NUL and CSI (C1) in an API title", str(status), f"{seconds * 1000:.0f} ms",
             f"{ended}: title stored as {answer.get('title')!r}; " +
             (f"CONTROL CHARACTERS SHOWN on {', '.join(raw)}" if raw else "/, the page and the .vtt clean")]]


def delete_streaming(base: str, key: str, home: Path, deadline: float = 300) -> list[list[str]]:
    """DELETE while the article's job streams: the live state and a segment at once, and whether any
    file of the stream is written again while the job runs on to its next look at its status."""
    body = "Streaming\n\n" + SEED.partition("\n\n")[2] * 4
    article = {"text": body, "id": "gone", "voice": "espeak"}
    status, answer, _ = call(base, "POST", "/api/articles", key, article)
    if status != 202:
        return [["DELETE of an article whose job is streaming", f"POST answered {status}", "-", "-"]]
    end = time.monotonic() + deadline
    state: dict = {}
    while time.monotonic() < end and not state.get("segments"):
        state = call(base, "GET", "/api/articles/gone/live")[1]
        time.sleep(0.2)
    if not state.get("segments"):
        return [["DELETE of an article whose job is streaming", "no segment within the deadline", "-", "-"]]
    folder = home / "audio" / "gone"
    deleted, _, seconds = call(base, "DELETE", "/api/articles/gone", key)
    after = [call(base, "GET", path)[0] for path in ("/api/articles/gone/live", state["segments"][0]["url"])]
    job = wait_job(base, answer["job"]["id"], 60)
    time.sleep(2)  # a job that had not stopped would write its next segment meanwhile
    written = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []
    again = f"WRITTEN AGAIN: {', '.join(written[:4])}" if written else "no file of the stream written again"
    return [["DELETE of an article whose job is streaming", str(deleted), f"{seconds * 1000:.0f} ms",
             f"{job}; live state and segment then {after[0]} and {after[1]}; {again}"]]


ATTACKS = {"surrogates": surrogates, "control-title": control_title, "delete-streaming": delete_streaming}
"""Issue 23's attacks, by name (--only)."""


def wait_job(base: str, job_id: str, deadline: float) -> str:
    """The job's status once it has ended (or 'still <status>' at the deadline)."""
    end, status = time.monotonic() + deadline, "unknown"
    while job_id and time.monotonic() < end:
        status = call(base, "GET", f"/api/jobs/{job_id}")[1].get("status", "unknown")
        if status in ("done", "failed", "cancelled"):
            return status
        time.sleep(0.5)
    return f"still {status}"


def fetch_text(url: str) -> str:
    """A page's text (following redirects); the error body for a 4xx/5xx."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.read().decode("utf-8", "replace")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=900, help="longest wait for the hostile jobs, s")
    parser.add_argument("--only", default="", help=f"only these attacks of issue 23: {', '.join(ATTACKS)}")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()
    only = [name for name in args.only.split(",") if name]
    if unknown := sorted(set(only) - set(ATTACKS)):
        parser.error(f"unknown attacks: {', '.join(unknown)} (known: {', '.join(ATTACKS)})")

    hostile = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostileWeb)
    hostile.daemon_threads = True
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    web = f"http://127.0.0.1:{hostile.server_address[1]}"

    tmp = Path(tempfile.mkdtemp(prefix="narrator-hostile-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")}
    env |= {"NARRATOR_HOME": str(tmp / "home"), "NARRATOR_ALLOW_PRIVATE_URLS": "1",  # hostile web: loopback
            "NARRATOR_EDITOR_REQUESTS_PER_MINUTE": "0"}
    key = subprocess.run([PY, "-m", "narrator.cli", "keys", "create", "attacker"], env=env,
                         capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([PY, "-m", "narrator.cli", "serve", "--port", str(port)], env=env,
                             stdout=subprocess.DEVNULL, stderr=open(tmp / "serve.log", "wb"),  # noqa: SIM115
                             start_new_session=True)
    peak = [0]
    stop_sampling = threading.Event()
    listener: list[tuple[int, float]] = []
    try:
        wait_up(base + "/api/articles", serve)
        plain = {"text": "A plain article\n\nIt rained.", "id": "plain", "voice": "espeak"}
        status = call(base, "POST", "/api/articles", key, plain)[0]
        assert status == 202, status

        def sample() -> None:
            while not stop_sampling.wait(0.2):
                peak[0] = max(peak[0], rss_tree(serve.pid))

        def listen() -> None:
            while not stop_sampling.wait(0.5):
                for path in ("/articles/plain", "/api/articles"):
                    try:
                        listener.append(call(base, "GET", path, timeout=30)[0::2])
                    except OSError:
                        listener.append((0, 30.0))

        threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=listen, daemon=True)]
        for t in threads:
            t.start()
        body = SEED.partition("\n\n")[2]
        attacks = {
            "run-on sentence, 4,800 characters": {"text": "A run on\n\n" + ("and then the rain came " * 220)},
            "'[[' plus 20,000 letters": {"text": "Brackets\n\nIt said [[" + "a" * 20_000 + " and more."},
            "dotted token, 6,000 characters": {"text": "Dots\n\nThe code " + "a." * 3000 + " was read."},
            "URL of a peer dripping a byte / 100 ms": {"url": web + "/drip"},
            "URL of a 19.6 MB page": {"url": web + "/huge"},
        }
        if only:  # just the named attacks of issue 23
            attacks = {}
        rows, jobs = [], {}
        for name, payload in attacks.items():
            status, answer, seconds = call(base, "POST", "/api/articles", key, payload)
            rows.append([name, status, f"{seconds * 1000:.0f} ms"])
            if answer.get("job"):
                jobs[name] = answer["job"]["id"]
        burst = [call(base, "POST", "/api/articles", key, {"text": "Long\n\n" + body * 36})
                 for _ in range(0 if only else 30)]
        accepted = [a for s, a, _ in burst if s == 202]
        statuses = sorted({s for s, _, _ in burst})
        if burst:
            rows.append(["thirty 180,000-character articles from one key",
                         f"{len(accepted)} x 202, {sum(s == 429 for s, _, _ in burst)} x 429"
                         + (f" (also {statuses})" if set(statuses) - {202, 429} else ""),
                         f"{max(t for _, _, t in burst) * 1000:.0f} ms slowest"])
        for i, a in enumerate(accepted):
            jobs[f"burst article {i + 1}"] = a["job"]["id"]
        # The burst is background work: cancel it (DELETE) once the hostile jobs have had their turn,
        # which also shows deletion stopping a running job.
        deadline = time.monotonic() + args.deadline
        ended: dict[str, dict] = {}
        while time.monotonic() < deadline and len(ended) < len(attacks):
            for name, job_id in jobs.items():
                if name in ended or name.startswith("burst"):
                    continue
                job = call(base, "GET", f"/api/jobs/{job_id}")[1]
                if job.get("status") in ("done", "failed", "cancelled"):
                    ended[name] = job
            time.sleep(1)
        for a in accepted:
            call(base, "DELETE", f"/api/articles/{a['id']}", key)
        for name in only or ATTACKS:
            rows.extend(ATTACKS[name](base, key, tmp / "home"))
        alive = serve.poll() is None and call(base, "GET", "/api/articles/plain")[0] == 200
        for row in rows:
            if len(row) == 3:  # the issue-14 submissions: how their job ended
                job = ended.get(row[0])
                row.append(f"{job['status']}: {(job.get('error') or '')[:80]}" if job else "-")
    finally:
        stop_sampling.set()
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
        hostile.shutdown()
    latencies = sorted(t for _, t in listener)
    failures = sum(1 for s, _ in listener if s != 200)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    issues = "issue 23" if only else "issues 14 and 23"
    lines = [f"## Hostile input ({issues}): {stamp}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, load average {load:.1f} at the end", "",
             f"Command: `.venv/bin/python bench/bench_hostile.py{' --only ' + args.only if only else ''}`",
             "",
             "| submission | answer | answered in | how its job ended |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(str(c) for c in row)} |" for row in rows]
    lines += ["", f"- Service up at the end: {'yes' if alive else 'NO'}; peak memory of the service "
              f"(serve process and its children): {peak[0] / 2**20:.0f} MB (bound 1.5 GB).",
              f"- A listener throughout (an article page and the article list, twice a second): "
              f"{len(listener)} requests, {failures} not 200; latency p50 "
              f"{statistics.median(latencies) * 1000:.0f} ms, p99 "
              f"{latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms, "
              f"max {latencies[-1] * 1000:.0f} ms.", ""]
    table = "\n".join(lines)
    print(table)
    if not args.no_append:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + table)
    return 0 if alive and failures == 0 and peak[0] < 1.5 * 2**30 else 1


if __name__ == "__main__":
    sys.exit(main())
