#!/usr/bin/env python3
"""Hostile input against a running service (issue 14), bounded and on loopback only.

Starts `narrator serve` (embedded defaults: SQLite, jobs in the web process, the default voice) in a
temporary NARRATOR_HOME, with an editor's API key, and a local "hostile web" server. Then, while a
listener requests an article page and the article list twice a second throughout, it submits what
took the service down before: a 4,800-character run-on sentence, '[[' plus 20,000 letters, a
6,000-character dotted token, a URL whose server drips a byte every 100 ms, a URL to a 19.6 MB page,
and a burst of thirty 180,000-character articles from one key. It waits until the hostile jobs have
ended (done, failed or cancelled), with a deadline.

Issue 23 adds attacks that run one after the other, each selectable by name (`--only`), each with the
peak memory of the service while it ran:
  multiplied   2,000 times "a" with {"a": "word " * 99} (4.6 KB that made a million spoken characters),
               then the same with a pronunciation inside the bounds (counted as it will be spoken);
  runon-joe    a 150,000-character run-on sentence in the default voice (Piper): some way into the
               sentence another key's short article is submitted (how long until it is done), then the
               article is deleted (how long until the service's CPU falls idle);
  runon-espeak the same sentence in espeak-ng, narrated to the end (assembly and encoding included);
  emoji        PUT /api/lexicon/the with 100 emoji and with a respelling no voice can say (refused), then
               both written into the lexicon file by hand: an article with "the" is narrated anyway.
`issue14` names the original group (all its submissions at once, with the burst).

Reports: each submission's answer (status, and how its job ended, with its message); the listener's
requests (count, failures, p50/p99/max latency); the service's peak memory (the largest sum of RSS
over the serve process and its children, sampled every 0.2 s); whether it stayed up. Appends the
table to bench/RESULTS.md.

    .venv/bin/python bench/bench_hostile.py [--deadline 600] [--no-append] [--only issue14,multiplied,...]
"""

from __future__ import annotations

import argparse
import datetime
import http.server
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
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


def cpu_ticks(pid: int) -> int:
    """CPU time (clock ticks, user + system) used so far by `pid` and all its descendants (/proc)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        stats[int(entry.name)] = fields
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, []))
        if p in stats:
            total += int(stats[p][11]) + int(stats[p][12])  # utime, stime
    return total


@dataclass
class Bench:
    """The running service and what the attacks share."""

    base: str
    """The service's URL."""
    key: str
    """The attacker's API key."""
    other: str
    """A second CMS's key (its own queue allowance)."""
    home: Path
    """The service's NARRATOR_HOME."""
    web: str
    """The hostile web server's URL."""
    pid: int
    """The serve process."""
    deadline: float
    """Longest wait for one attack's jobs, s."""
    phase_peak: list[int]
    """The peak memory since the current attack started (reset by `run`)."""

    def job(self, job_id: str) -> dict:
        return call(self.base, "GET", f"/api/jobs/{job_id}")[1]

    def ended(self, job_id: str, deadline: float | None = None) -> dict:
        """Wait until the job is done, failed or cancelled (or the deadline passes: its last state)."""
        until = time.monotonic() + (deadline or self.deadline)
        job = self.job(job_id)
        while job.get("status") not in ("done", "failed", "cancelled") and time.monotonic() < until:
            time.sleep(0.5)
            job = self.job(job_id)
        return job

    def idle_after(self, start: float, limit: float = 120) -> float:
        """Seconds from `start` until the service's processes use under a fifth of a core over a second."""
        hz = os.sysconf("SC_CLK_TCK")
        while time.monotonic() - start < limit:
            before = cpu_ticks(self.pid)
            time.sleep(1)
            if (cpu_ticks(self.pid) - before) / hz < 0.2:
                return time.monotonic() - start - 1
        return float("inf")


def ending(job: dict) -> str:
    return f"{job.get('status')}: {(job.get('error') or '')[:90]}" if job else "-"


RUN_ON_150K = "A run on\n\n" + ("and then the rain came over the hills " * 3950)[:150_000].strip() + "."
"""One sentence of 150,000 characters, inside the 200,000-character limit (it peaked at 3.7 GB)."""


def multiplied(b: Bench) -> list[list[str]]:
    attack = {"text": "Many\n\n" + "a " * 2000, "pronunciations": {"a": "word " * 99}}
    status, answer, seconds = call(b.base, "POST", "/api/articles", b.key, attack)
    rows = [["2,000 x \"a\" with {\"a\": \"word \" * 99} (4.6 KB)", str(status), f"{seconds * 1000:.0f} ms",
             answer.get("message", "")[:90]]]
    bounded = {"text": attack["text"], "voice": "espeak",
               "pronunciations": {"a": "the first letter of the alphabet"}}
    status, answer, seconds = call(b.base, "POST", "/api/articles", b.key, bounded)
    job = b.ended(answer["job"]["id"]) if status == 202 else {}
    rows.append(["the same with a 32-character pronunciation (66,000 spoken)", str(status),
                 f"{seconds * 1000:.0f} ms", ending(job)])
    return rows


def runon_joe(b: Bench) -> list[list[str]]:
    payload = {"text": RUN_ON_150K, "id": "runon"}
    status, answer, seconds = call(b.base, "POST", "/api/articles", b.key, payload)
    rows = [["150,000-character run-on sentence, default voice", str(status), f"{seconds * 1000:.0f} ms"]]
    if status != 202:
        return [rows[0] + [answer.get("message", "")[:90]]]
    job_id = answer["job"]["id"]
    until = time.monotonic() + 120
    while b.job(job_id).get("status") != "running" and time.monotonic() < until:
        time.sleep(0.5)
    time.sleep(60)  # well inside the sentence (the whole takes 10 to 25 minutes)
    short = {"text": "Short\n\nIt rained on Monday. The sun came out on Tuesday.", "voice": "espeak"}
    started = time.monotonic()
    status, answer, _ = call(b.base, "POST", "/api/articles", b.other, short)
    other = b.ended(answer["job"]["id"], 300) if status == 202 else {}
    rows.append(["another key's short article, submitted 60 s into the sentence", str(status),
                 f"done {time.monotonic() - started:.1f} s later", ending(other)])
    deleted = time.monotonic()
    status = call(b.base, "DELETE", "/api/articles/runon", b.key)[0]
    idle = b.idle_after(deleted)
    rows.append(["DELETE of the run-on article mid-sentence", str(status),
                 f"CPU idle {idle:.1f} s later", ending(b.job(job_id))])
    rows[0].append(f"ran {deleted - started + 60:.0f} s, then deleted")
    return rows


def runon_espeak(b: Bench) -> list[list[str]]:
    payload = {"text": RUN_ON_150K, "id": "runon-espeak", "voice": "espeak"}
    started = time.monotonic()
    status, answer, seconds = call(b.base, "POST", "/api/articles", b.key, payload)
    job = b.ended(answer["job"]["id"]) if status == 202 else {}
    return [["150,000-character run-on sentence, espeak, to the end", str(status), f"{seconds * 1000:.0f} ms",
             f"{ending(job)} in {time.monotonic() - started:.0f} s"]]


def emoji(b: Bench) -> list[list[str]]:
    rows = []
    for name, spoken in (("100 emoji", "\U0001F600" * 100), ("2 emoji", "\U0001F600\U0001F389"),
                         ("40 z (said for 6 s)", "z" * 40)):
        status, answer, seconds = call(b.base, "PUT", "/api/lexicon/the", b.key, {"spoken": spoken})
        rows.append([f"PUT /api/lexicon/the, {name}", str(status), f"{seconds * 1000:.0f} ms",
                     answer.get("message", "")[:90]])
    # What the API refuses may still be written into the file by hand: narrations go on without it.
    lexicon = b.home / "lexicon.tsv"
    lexicon.write_text(f"the\t{'z' * 40}\nharbour\t\U0001F600\U0001F389\n", encoding="utf-8")
    text = "News from the harbour\n\n" + SEED.partition("\n\n")[2][:3000]
    started = time.monotonic()
    status, answer, seconds = call(b.base, "POST", "/api/articles", b.key, {"text": text, "voice": "espeak"})
    job = b.ended(answer["job"]["id"]) if status == 202 else {}
    flags = [e for e in call(b.base, "GET", "/api/lexicon")[1].get("entries", []) if e.get("problem")]
    rows.append(["an article with \"the\", those entries in the file by hand", str(status),
                 f"{time.monotonic() - started:.0f} s to its end",
                 f"{ending(job)}; {len(flags)} entries flagged on the desk"])
    for path in (lexicon, lexicon.with_name("lexicon.tsv.flags.json")):  # the next attacks start clean
        path.unlink(missing_ok=True)
    return rows


ATTACKS = {"multiplied": multiplied, "runon-joe": runon_joe, "runon-espeak": runon_espeak, "emoji": emoji}
"""The issue-23 attacks, run one after the other (after the issue-14 group, if selected)."""
DEFAULT = ["issue14", *ATTACKS]
"""What runs without --only."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deadline", type=float, default=900, help="longest wait for the hostile jobs, s")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to RESULTS.md")
    parser.add_argument("--only", default=",".join(DEFAULT),
                        help="comma-separated attacks to run: issue14, " + ", ".join(ATTACKS))
    args = parser.parse_args()
    chosen = [a.strip() for a in args.only.split(",") if a.strip()]
    unknown = set(chosen) - {"issue14", *ATTACKS}
    if unknown:
        parser.error(f"unknown attacks: {', '.join(sorted(unknown))}")

    hostile = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostileWeb)
    hostile.daemon_threads = True
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    web = f"http://127.0.0.1:{hostile.server_address[1]}"

    tmp = Path(tempfile.mkdtemp(prefix="narrator-hostile-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")}
    env |= {"NARRATOR_HOME": str(tmp / "home"), "NARRATOR_ALLOW_PRIVATE_URLS": "1",  # hostile web: loopback
            "NARRATOR_EDITOR_REQUESTS_PER_MINUTE": "0"}
    key, other = (subprocess.run([PY, "-m", "narrator.cli", "keys", "create", name], env=env,
                                 capture_output=True, text=True, check=True).stdout.strip()
                  for name in ("attacker", "other-cms"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([PY, "-m", "narrator.cli", "serve", "--port", str(port)], env=env,
                             stdout=subprocess.DEVNULL, stderr=open(tmp / "serve.log", "wb"),  # noqa: SIM115
                             start_new_session=True)
    peak = [0]
    phase_peak = [0]
    stop_sampling = threading.Event()
    listener: list[tuple[int, float]] = []
    slow: list[tuple[float, str, int, float]] = []  # (when, path, status, seconds) of answers over 1 s
    began = time.monotonic()
    try:
        wait_up(base + "/api/articles", serve)
        plain = {"text": "A plain article\n\nIt rained.", "id": "plain", "voice": "espeak"}
        status = call(base, "POST", "/api/articles", key, plain)[0]
        assert status == 202, status

        def sample() -> None:
            while not stop_sampling.wait(0.2):
                rss = rss_tree(serve.pid)
                peak[0], phase_peak[0] = max(peak[0], rss), max(phase_peak[0], rss)

        def listen() -> None:
            while not stop_sampling.wait(0.5):
                for path in ("/articles/plain", "/api/articles"):
                    when = time.monotonic() - began
                    try:
                        listener.append(call(base, "GET", path, timeout=30)[0::2])
                    except OSError:
                        listener.append((0, 30.0))
                    if listener[-1][1] > 1:
                        slow.append((when, path, *listener[-1]))

        threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=listen, daemon=True)]
        for t in threads:
            t.start()
        rows: list[list] = []
        if "issue14" in chosen:
            rows += issue14(base, key, web, args.deadline)
            rows[-1].append(f"{phase_peak[0] / 2**20:.0f} MB (the group)")
        bench = Bench(base, key, other, tmp / "home", web, serve.pid, args.deadline, phase_peak)
        for name in chosen:
            if name in ATTACKS:
                phase_peak[0] = rss_tree(serve.pid)
                done = ATTACKS[name](bench)
                rows += [row + [""] * (4 - len(row)) + [f"{phase_peak[0] / 2**20:.0f} MB"] for row in done]
        alive = serve.poll() is None and call(base, "GET", "/api/articles/plain")[0] == 200
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
    only = f" --only {args.only}" if chosen != DEFAULT else ""
    command = f"`.venv/bin/python bench/bench_hostile.py{only}`"
    lines = [f"## Hostile input (issues 14 and 23): {stamp}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, load average {load:.1f} at the end", "",
             f"Command: {command}", "",
             "| submission | answer | answered in | how its job ended | peak memory while it ran |",
             "|---|---|---|---|---|"]
    lines += [f"| {' | '.join(str(c) for c in row + [''] * (5 - len(row)))} |" for row in rows]
    lines += ["", f"- Service up at the end: {'yes' if alive else 'NO'}; peak memory of the service "
              f"(serve process and its children): {peak[0] / 2**20:.0f} MB (bound 1.5 GB).",
              f"- A listener throughout (an article page and the article list, twice a second): "
              f"{len(listener)} requests, {failures} not 200; latency p50 "
              f"{statistics.median(latencies) * 1000:.0f} ms, p99 "
              f"{latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms, "
              f"max {latencies[-1] * 1000:.0f} ms."]
    lines += [f"  - over 1 s: {path} at {when:.0f} s, {'status ' + str(status) if status else 'no answer'} "
              f"after {seconds:.1f} s" for when, path, status, seconds in slow[:5]]
    lines += [""]
    table = "\n".join(lines)
    print(table)
    if not args.no_append:
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write("\n" + table)
    return 0 if alive and failures == 0 and peak[0] < 1.5 * 2**30 else 1


def issue14(base: str, key: str, web: str, deadline_s: float) -> list[list]:
    """The issue-14 group: its submissions at once, then a burst from one key (deleted at the end)."""
    body = SEED.partition("\n\n")[2]
    attacks = {
        "run-on sentence, 4,800 characters": {"text": "A run on\n\n" + ("and then the rain came " * 220)},
        "'[[' plus 20,000 letters": {"text": "Brackets\n\nIt said [[" + "a" * 20_000 + " and more."},
        "dotted token, 6,000 characters": {"text": "Dots\n\nThe code " + "a." * 3000 + " was read."},
        "URL of a peer dripping a byte / 100 ms": {"url": web + "/drip"},
        "URL of a 19.6 MB page": {"url": web + "/huge"},
    }
    rows, jobs = [], {}
    for name, payload in attacks.items():
        status, answer, seconds = call(base, "POST", "/api/articles", key, payload)
        rows.append([name, status, f"{seconds * 1000:.0f} ms"])
        if answer.get("job"):
            jobs[name] = answer["job"]["id"]
    burst = [call(base, "POST", "/api/articles", key, {"text": "Long\n\n" + body * 36})
             for _ in range(30)]
    accepted = [a for s, a, _ in burst if s == 202]
    statuses = sorted({s for s, _, _ in burst})
    rows.append(["thirty 180,000-character articles from one key",
                 f"{len(accepted)} x 202, {sum(s == 429 for s, _, _ in burst)} x 429"
                 + (f" (also {statuses})" if set(statuses) - {202, 429} else ""),
                 f"{max(t for _, _, t in burst) * 1000:.0f} ms slowest"])
    for i, a in enumerate(accepted):
        jobs[f"burst article {i + 1}"] = a["job"]["id"]
    # The burst is background work: cancel it (DELETE) once the hostile jobs have had their turn,
    # which also shows deletion stopping a running job.
    deadline = time.monotonic() + deadline_s
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
    for row in rows:
        job = ended.get(row[0])
        row.append(f"{job['status']}: {(job.get('error') or '')[:80]}" if job else "-")
    return rows


if __name__ == "__main__":
    sys.exit(main())
