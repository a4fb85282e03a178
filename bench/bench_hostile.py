#!/usr/bin/env python3
"""Hostile input against a running service (issues 14 and 23), bounded and on loopback only.

Starts `narrator serve` (embedded defaults: SQLite, jobs in the web process, the default voice) in a
temporary NARRATOR_HOME, with editors' API keys, and a local "hostile web" server. Then, while a
listener requests an article page and the article list twice a second throughout, it runs the
attacks asked for (all by default), one after another:

* `issue14`: what took the service down before: a 4,800-character run-on sentence, '[[' plus 20,000
  letters, a 6,000-character dotted token, a URL whose server drips a byte every 100 ms, a URL to a
  19.6 MB page, and a burst of thirty 180,000-character articles from one key.
* `feeds` (issue 23, items 1 and 3): watched feeds whose body is the text `/dev/zero`, the path of a
  local feed file (whose one link points back at the hostile web), 40,000 attributes on one element,
  400,000 attributes (4.7 MB), 5 MB of unclosed tags. Reports each source's last pass and whether the
  link inside the local file was ever fetched.
* `watch-quota` (item 4): a watched feed of 50 entries of 183,000 characters each (what one source may
  queue), then 25 sources added by one editor (the bound on sources).
* `url-size` (item 4): forty submissions by URL of 186,000-character pages from one key (each counts
  20,000 until fetched): how many are accepted, and how many keep their place once fetched.
* `press` (item 4): a 160,000-character article a listener presses play on, then five short articles:
  how long the short ones wait, and whether the big one was lifted whole; then a flood of presses
  from one address.
* `multiplied` (item 2): 2,000 times "a" with {"a": "word " * 99} (4.6 KB that made a million spoken
  characters), then the same with a pronunciation inside the bounds (counted as it will be spoken).
* `runon-joe` (item 2): a 150,000-character run-on sentence in the default voice (Piper): 60 s into the
  sentence another key's short article is submitted (how long until it is done), then the article is
  deleted (how long until the service's CPU falls idle).
* `runon-espeak` (item 2): the same sentence in espeak-ng, narrated to the end (assembly and encoding
  included).
* `surrogates` (item 7): a lone surrogate ('\\ud800') in each field of every JSON route, anonymous and
  with a key: every answer a 4xx with a JSON message.
* `control-title` (item 8): ESC, BEL, NUL and C1 controls in an API title: the pages and the .vtt after
  narration.
* `delete-streaming` (item 9): DELETE of an article whose job is streaming: its live state and segments
  at once, and whether a segment or manifest is written again.
* `emoji` (item 5): PUT /api/lexicon/the with 100 emoji and with a respelling no voice can say (refused),
  then both written into the lexicon file by hand: an article with "the" is narrated anyway.

Reports: per attack, each submission's answer and how it ended; the listener's requests (count,
failures, p50/p99/max latency); the service's peak memory, the web process alone and with its
children (feed readers, engines), sampled every 0.2 s; whether it stayed up. Appends the table to
bench/RESULTS.md.

    .venv/bin/python bench/bench_hostile.py [--attacks issue14,feeds,watch-quota,url-size,press]
                                            [--deadline 600] [--no-append]
"""

from __future__ import annotations

import argparse
import collections
import datetime
import http.server
import json
import os
import platform
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_serve import free_port, wait_up  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
PY = str(ROOT / ".venv" / "bin" / "python")
SEED = (ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")


def distinct_text(topic: str, chars: int) -> str:
    """An article of about `chars` characters whose sentences all differ (the synthesis cache cannot
    answer for any of them: the narration costs what its length says)."""
    paragraphs, size, i = [], 0, 0
    while size < chars:
        line = f"The {topic} committee met for the {i}th time and voted on item {i} of the agenda."
        paragraphs.append(line)
        size, i = size + len(line), i + 1
    return f"The {topic} report\n\n" + "\n\n".join(paragraphs)


def page_of(chars: int, n: int) -> bytes:
    """An article page of about `chars` characters of text (the seed's body, repeated)."""
    body = SEED.partition("\n\n")[2]
    text = (body + "\n\n") * (chars // len(body) + 1)
    paragraphs = "".join(f"<p>{p}</p>" for p in text[:chars].split("\n\n") if p.strip())
    return f"<html><body><article><h1>Story {n}</h1>{paragraphs}</article></body></html>".encode()


def rss(*links: str) -> bytes:
    items = "".join(f"<item><title>Story</title><link>{link}</link></item>" for link in links)
    return f"<rss version='2.0'><channel><title>Hostile</title>{items}</channel></rss>".encode()


class HostileWeb(http.server.BaseHTTPRequestHandler):
    """/drip: headers, then a byte every 100 ms for a minute; /huge: a 19.6 MB page; /feed-*.xml: the
    hostile feeds (FEEDS, filled in by main); /big/N.html and /page/N.html: 183,000- and
    186,000-character articles. Every path asked for is counted in `asked`."""

    FEEDS: dict[str, bytes] = {}
    asked: dict[str, int] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        HostileWeb.asked[self.path] = HostileWeb.asked.get(self.path, 0) + 1
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
                self._send(b"<html><body><article><h1>Huge</h1>" + paragraphs + b"</article>", "text/html")
            elif self.path in HostileWeb.FEEDS:
                self._send(HostileWeb.FEEDS[self.path], "application/xml")
            elif self.path.startswith(("/big/", "/page/")):
                n = int(self.path.rsplit("/", 1)[1].removesuffix(".html"))
                self._send(page_of(183_000 if self.path.startswith("/big/") else 186_000, n), "text/html")
            else:
                self._send(b"<html><body><p>nothing here</p></body></html>", "text/html")
        except OSError:
            pass  # the service hung up on us: that is the point


def rss_of(pid: int) -> int:
    """RSS in bytes of `pid` alone (/proc), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


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
        total += rss_of(p)
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


@dataclass
class Attack:
    """What an attack works with."""

    base: str
    """The service."""
    web: str
    """The hostile web."""
    home: Path
    """The service's NARRATOR_HOME (the bench reads its database to count queued characters)."""
    env: dict
    """The service's environment (to make API keys with the command line)."""
    deadline: float
    """Longest wait for anything the attack waits for, in seconds."""
    pid: int
    """The serve process."""

    def key(self, name: str) -> str:
        """A new editor's API key."""
        return subprocess.run([PY, "-m", "narrator.cli", "keys", "create", name], env=self.env,
                              capture_output=True, text=True, check=True).stdout.strip()

    def jobs(self, where: str, *args: object) -> list[sqlite3.Row]:
        """Rows of the service's `jobs` table (read-only)."""
        with sqlite3.connect(f"file:{self.home / 'narrator.db'}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            return db.execute(f"SELECT * FROM jobs WHERE {where}", args).fetchall()

    def queued_chars(self, rows: list[sqlite3.Row]) -> int:
        """Characters of those of `rows` that are queued or running."""
        return sum(r["chars"] for r in rows if r["status"] in ("queued", "running"))

    def wait(self, condition: Callable[[], object], seconds: float | None = None) -> object:
        """Poll `condition` until it is truthy or the deadline passes (then its last value)."""
        end = time.monotonic() + (seconds or self.deadline)
        while True:
            value = condition()
            if value or time.monotonic() > end:
                return value
            time.sleep(1)

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


def issue14(a: Attack) -> list[list[str]]:
    """The issue-14 attacks (see the module)."""
    key = a.key("attacker")
    body = SEED.partition("\n\n")[2]
    attacks = {
        "run-on sentence, 4,800 characters": {"text": "A run on\n\n" + ("and then the rain came " * 220)},
        "'[[' plus 20,000 letters": {"text": "Brackets\n\nIt said [[" + "a" * 20_000 + " and more."},
        "dotted token, 6,000 characters": {"text": "Dots\n\nThe code " + "a." * 3000 + " was read."},
        "URL of a peer dripping a byte / 100 ms": {"url": a.web + "/drip"},
        "URL of a 19.6 MB page": {"url": a.web + "/huge"},
    }
    rows, jobs = [], {}
    for name, payload in attacks.items():
        status, answer, seconds = call(a.base, "POST", "/api/articles", key, payload)
        rows.append([name, status, f"{seconds * 1000:.0f} ms"])
        if answer.get("job"):
            jobs[name] = answer["job"]["id"]
    burst = [call(a.base, "POST", "/api/articles", key, {"text": "Long\n\n" + body * 36}) for _ in range(30)]
    accepted = [x for s, x, _ in burst if s == 202]
    statuses = sorted({s for s, _, _ in burst})
    rows.append(["thirty 180,000-character articles from one key",
                 f"{len(accepted)} x 202, {sum(s == 429 for s, _, _ in burst)} x 429"
                 + (f" (also {statuses})" if set(statuses) - {202, 429} else ""),
                 f"{max(t for _, _, t in burst) * 1000:.0f} ms slowest"])
    # The burst is background work: cancel it (DELETE) once the hostile jobs have had their turn,
    # which also shows deletion stopping a running job.
    ended: dict[str, dict] = {}

    def over() -> bool:
        for name, job_id in jobs.items():
            if name not in ended:
                job = call(a.base, "GET", f"/api/jobs/{job_id}")[1]
                if job.get("status") in ("done", "failed", "cancelled"):
                    ended[name] = job
        return len(ended) == len(jobs)

    a.wait(over)
    for x in accepted:
        call(a.base, "DELETE", f"/api/articles/{x['id']}", key)
    for row in rows:
        job = ended.get(row[0])
        row.append(f"{job['status']}: {(job.get('error') or '')[:80]}" if job else "-")
    return rows


def _sources(a: Attack, key: str) -> dict[str, dict]:
    return {s["id"]: s for s in call(a.base, "GET", "/api/sources", key)[1].get("sources", [])}


def feeds(a: Attack) -> list[list[str]]:
    """Hostile feeds, watched (issue 23, items 1 and 3)."""
    key = a.key("feeds")
    local = a.home.parent / "local-feed.xml"
    local.write_bytes(rss(a.web + "/secret.html"))
    attrs = " ".join(f'a{i}="x"' for i in range(40_000))
    many = b" ".join(b'a%d="x"' % i for i in range(400_000))
    HostileWeb.FEEDS |= {
        "/feed-zero.xml": b"/dev/zero",
        "/feed-local.xml": str(local).encode(),
        "/feed-attrs-40k.xml": f"<rss version='2.0'><channel><item {attrs}><link>{a.web}/secret.html</link>"
                               "</item></channel></rss>".encode(),
        "/feed-attrs-400k.xml": b"<rss version='2.0'><channel><item " + many + b"/></channel></rss>",
        "/feed-unclosed.xml": b"<rss version='2.0'><channel>" + b"<a>" * ((5 * 2**20 - 64) // 3),
    }
    names = {"/feed-zero.xml": "watched feed whose body is '/dev/zero'",
             "/feed-local.xml": "watched feed whose body names a local feed file",
             "/feed-attrs-40k.xml": "watched feed, 40,000 attributes on one element",
             "/feed-attrs-400k.xml": "watched feed, 400,000 attributes on one element (4.7 MB)",
             "/feed-unclosed.xml": "watched feed, 5 MB of unclosed tags"}
    rows, added = [], {}
    for path, name in names.items():
        status, answer, seconds = call(a.base, "POST", "/api/sources", key, {"url": a.web + path})
        added[path] = (answer.get("id"), time.monotonic())
        rows.append([name, status, f"{seconds * 1000:.0f} ms"])
    read = a.wait(lambda: all((_sources(a, key).get(i) or {}).get("last_pass") for i, _ in added.values())
                  and _sources(a, key))
    for row, (source_id, _) in zip(rows, added.values(), strict=True):
        source = (read or {}).get(source_id) or {}
        row.append(f"last pass: {(source.get('error') or 'no error')[:160]}" if source.get("last_pass")
                   else "not read before the deadline")
        call(a.base, "DELETE", f"/api/sources/{source_id}", key)
    rows.append(["(the link inside the local feed file)", "-", "-",
                 f"fetched {HostileWeb.asked['/secret.html']} times" if HostileWeb.asked.get("/secret.html")
                 else "never fetched"])
    return rows


def watch_quota(a: Attack) -> list[list[str]]:
    """A watched feed of 50 huge entries, and more sources than allowed (issue 23, item 4)."""
    key = a.key("watcher")
    HostileWeb.FEEDS["/feed-big.xml"] = rss(*(f"{a.web}/big/{i}.html" for i in range(50)))
    status, answer, seconds = call(a.base, "POST", "/api/sources", key, {"url": a.web + "/feed-big.xml"})
    source_id = answer.get("id")
    source = a.wait(lambda: (s := _sources(a, key).get(source_id) or {}).get("last_pass") and s) or {}
    outcome = source.get("outcome") or {}
    queued = a.queued_chars(a.jobs("requested_by = ?", f"watch:{source_id}"))
    rows = [["watched feed of 50 entries of 183,000 characters", status, f"{seconds * 1000:.0f} ms",
             f"{outcome.get('created', '?')} new, {outcome.get('held', '?')} held; {queued:,} characters "
             "queued by the source (limit 600,000)"]]
    call(a.base, "DELETE", f"/api/sources/{source_id}", key)
    for article in call(a.base, "GET", "/api/articles")[1].get("articles", []):
        if (article.get("url") or "").startswith(a.web + "/big/"):
            call(a.base, "DELETE", f"/api/articles/{article['id']}", key)
    answers = [call(a.base, "POST", "/api/sources", key, {"url": f"https://news-{i}.example/feed.xml"})
               for i in range(25)]
    counts = {s: sum(x[0] == s for x in answers) for s in sorted({x[0] for x in answers})}
    rows.append(["25 sources added by one editor", ", ".join(f"{n} x {s}" for s, n in counts.items()),
                 f"{max(x[2] for x in answers) * 1000:.0f} ms slowest", "-"])
    for source_id in _sources(a, key):
        call(a.base, "DELETE", f"/api/sources/{source_id}", key)
    return rows


def url_size(a: Attack) -> list[list[str]]:
    """Forty URLs of 186,000-character pages from one key (issue 23, item 4)."""
    key = a.key("urls")
    answers = [call(a.base, "POST", "/api/articles", key, {"url": f"{a.web}/page/{i}.html"})
               for i in range(40)]
    accepted = [x for s, x, _ in answers if s == 202]

    ids = [x["job"]["id"] for x in accepted]

    def fetched() -> list[sqlite3.Row]:  # the jobs, once each is past its fetch (its page read, or failed)
        rows = a.jobs(f"id IN ({', '.join('?' * len(ids))})", *ids)
        past = [r for r in rows if r["page_request"] is None or r["status"] not in ("queued", "running")]
        return rows if len(past) == len(ids) else []

    ended = a.wait(fetched) or []
    over = sum("NARRATOR_MAX_QUEUED_CHARS" in (r["error"] or "") for r in ended if r["status"] == "failed")
    queued = a.queued_chars(ended)
    for x in accepted:
        call(a.base, "DELETE", f"/api/articles/{x['id']}", key)
    return [["forty URLs of 186,000-character pages from one key",
             f"{len(accepted)} x 202, {sum(s == 429 for s, _, _ in answers)} x 429",
             f"{max(t for _, _, t in answers) * 1000:.0f} ms slowest",
             f"{over} failed once fetched (over the limit); {queued:,} characters queued (limit 600,000)"
             if ended else "not all fetched before the deadline"]]


def press(a: Attack) -> list[list[str]]:
    """A listener's press on a 160,000-character article, then short articles (issue 23, item 4)."""
    key = a.key("presser")
    # 119,000 written characters, about 160,000 spoken (numbers said in words): the size limit and the
    # quota count what is said
    status, big, _ = call(a.base, "POST", "/api/articles", key,
                          {"text": distinct_text("orchard", 119_000), "voice": "espeak"})
    if status != 202:
        return [["a 160,000-character article to press on", str(status), "-", str(big)[:120]]]
    pressed = call(a.base, "POST", f"/api/articles/{big['id']}/listen")[0]  # anonymous
    started = time.monotonic()
    shorts = [call(a.base, "POST", "/api/articles", key,
                   {"text": f"Short {i}\n\nIt rained on the {i}th day of the month.", "voice": "espeak"})[1]
              for i in range(5)]
    ready = a.wait(lambda: all(call(a.base, "GET", f"/api/articles/{x['id']}")[1].get("current_version")
                               for x in shorts))
    waited = time.monotonic() - started
    big_job = call(a.base, "GET", f"/api/articles/{big['id']}")[1].get("job") or {}
    flood = [call(a.base, "POST", f"/api/articles/{big['id']}/listen")[0] for _ in range(100)]
    for x in [big, *shorts]:
        call(a.base, "DELETE", f"/api/articles/{x['id']}", key)
    return [["press on a 160,000-character article, then five short ones", f"{status}, press {pressed}",
             f"short ones ready {waited:.0f} s after the press" if ready else "short ones not ready in time",
             f"the big one meanwhile: {big_job.get('status')}, "
             f"{big_job.get('done')}/{big_job.get('total')} blocks"],
            ["100 presses from one address", ", ".join(f"{flood.count(s)} x {s}" for s in sorted(set(flood))),
             "-", "-"]]


def ending(job: dict) -> str:
    return f"{job.get('status')}: {(job.get('error') or '')[:90]}" if job else "-"


def run_on(chars: int) -> str:
    """One sentence of about `chars` characters with no digits (said as written) whose parts all differ:
    repeated parts would come from the synthesis cache and the sentence would cost nothing."""
    nouns = ("rain", "wind", "ferry", "council", "harbour", "bridge", "market", "river", "crowd", "storm",
             "tide", "train", "mayor", "school", "garden", "road")
    verbs = ("came over", "moved past", "turned toward", "settled on", "drifted near", "rolled across")
    pick = random.Random(150).choice
    words, size = [], 0
    while size < chars:
        clause = f"and then the {pick(nouns)} {pick(verbs)} the {pick(nouns)}"
        words.append(clause)
        size += len(clause) + 1
    return " ".join(words)[:chars].rsplit(" ", 1)[0] + "."


RUN_ON_150K = "A run on\n\n" + run_on(150_000)
"""One sentence of 150,000 characters, inside the 200,000-character limit (it peaked at 3.7 GB)."""


def multiplied(a: Attack) -> list[list[str]]:
    """Pronunciations that multiply the text (issue 23, item 2)."""
    key = a.key("multiplier")
    attack = {"text": "Many\n\n" + "a " * 2000, "pronunciations": {"a": "word " * 99}}
    status, answer, seconds = call(a.base, "POST", "/api/articles", key, attack)
    rows = [["2,000 x \"a\" with {\"a\": \"word \" * 99} (4.6 KB)", str(status), f"{seconds * 1000:.0f} ms",
             answer.get("message", "")[:90]]]
    bounded = {"text": attack["text"], "voice": "espeak",
               "pronunciations": {"a": "the first letter of the alphabet"}}
    status, answer, seconds = call(a.base, "POST", "/api/articles", key, bounded)
    job = a.ended(answer["job"]["id"]) if status == 202 else {}
    rows.append(["the same with a 32-character pronunciation (66,000 spoken)", str(status),
                 f"{seconds * 1000:.0f} ms", ending(job)])
    return rows


def runon_joe(a: Attack) -> list[list[str]]:
    """A 150,000-character run-on sentence in the default voice, another key's article, a DELETE (item 2)."""
    key, other = a.key("runon"), a.key("other-cms")
    payload = {"text": RUN_ON_150K, "id": "runon"}
    status, answer, seconds = call(a.base, "POST", "/api/articles", key, payload)
    rows = [["150,000-character run-on sentence, default voice", str(status), f"{seconds * 1000:.0f} ms"]]
    if status != 202:
        return [rows[0] + [answer.get("message", "")[:90]]]
    job_id = answer["job"]["id"]
    until = time.monotonic() + 120
    while a.job(job_id).get("status") != "running" and time.monotonic() < until:
        time.sleep(0.5)
    time.sleep(60)  # well inside the sentence (the whole takes 10 to 25 minutes)
    short = {"text": "Short\n\nIt rained on Monday. The sun came out on Tuesday.", "voice": "espeak"}
    started = time.monotonic()
    status, answer, _ = call(a.base, "POST", "/api/articles", other, short)
    other = a.ended(answer["job"]["id"], 300) if status == 202 else {}
    rows.append(["another key's short article, submitted 60 s into the sentence", str(status),
                 f"done {time.monotonic() - started:.1f} s later", ending(other)])
    deleted = time.monotonic()
    status = call(a.base, "DELETE", "/api/articles/runon", key)[0]
    idle = a.idle_after(deleted)
    rows.append(["DELETE of the run-on article mid-sentence", str(status),
                 f"CPU idle {idle:.1f} s later", ending(a.job(job_id))])
    rows[0].append(f"ran {deleted - started + 60:.0f} s, then deleted")
    return rows


def runon_espeak(a: Attack) -> list[list[str]]:
    """The same sentence in espeak-ng, narrated to the end (item 2)."""
    key = a.key("runon-espeak")
    payload = {"text": RUN_ON_150K, "id": "runon-espeak", "voice": "espeak"}
    started = time.monotonic()
    status, answer, seconds = call(a.base, "POST", "/api/articles", key, payload)
    job = a.ended(answer["job"]["id"]) if status == 202 else {}
    return [["150,000-character run-on sentence, espeak, to the end", str(status), f"{seconds * 1000:.0f} ms",
             f"{ending(job)} in {time.monotonic() - started:.0f} s"]]


def emoji(a: Attack) -> list[list[str]]:
    """A poisoned lexicon entry, by the API and by hand (item 5)."""
    key = a.key("lexicographer")
    rows = []
    for name, spoken in (("100 emoji", "\U0001F600" * 100), ("2 emoji", "\U0001F600\U0001F389"),
                         ("40 z (said for 6 s)", "z" * 40)):
        status, answer, seconds = call(a.base, "PUT", "/api/lexicon/the", key, {"spoken": spoken})
        rows.append([f"PUT /api/lexicon/the, {name}", str(status), f"{seconds * 1000:.0f} ms",
                     answer.get("message", "")[:90]])
    # What the API refuses may still be written into the file by hand: narrations go on without it.
    lexicon = a.home / "lexicon.tsv"
    lexicon.write_text(f"the\t{'z' * 40}\nharbour\t\U0001F600\U0001F389\n", encoding="utf-8")
    text = "News from the harbour\n\n" + SEED.partition("\n\n")[2][:3000]
    started = time.monotonic()
    status, answer, seconds = call(a.base, "POST", "/api/articles", key, {"text": text, "voice": "espeak"})
    job = a.ended(answer["job"]["id"]) if status == 202 else {}
    flags = [e for e in call(a.base, "GET", "/api/lexicon")[1].get("entries", []) if e.get("problem")]
    rows.append(["an article with \"the\", those entries in the file by hand", str(status),
                 f"{time.monotonic() - started:.0f} s to its end",
                 f"{ending(job)}; {len(flags)} entries flagged on the desk"])
    for path in (lexicon, lexicon.with_name("lexicon.tsv.flags.json")):  # the next attacks start clean
        path.unlink(missing_ok=True)
    return rows


SURROGATE = "\ud800"
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 and C1 controls but tab, line feed and carriage return: never on a page or in a cue."""


def surrogates(a: Attack) -> list[list[str]]:
    """A lone surrogate in each field of every JSON route (it was a 500): every answer a 4xx (item 7)."""
    base, key = a.base, a.key("surrogates")
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


def control_title(a: Attack) -> list[list[str]]:
    """Controls in an API title: what `/`, the article page and the narration's WebVTT show (item 8)."""
    base, key, deadline = a.base, a.key("controls"), min(a.deadline, 300)
    title = "Breaking\x1b[31m news\x07 \x00today\x9b"
    article = {"text": "T\n\nThe bridge opened again.", "id": "ctl", "title": title, "voice": "espeak"}
    status, answer, seconds = call(base, "POST", "/api/articles", key, article)
    ended = wait_job(base, answer.get("job", {}).get("id", ""), deadline)
    shown = {path: fetch_text(base + path) for path in ("/", "/articles/ctl", "/audio/ctl/latest.vtt")}
    raw = [path for path, text in shown.items() if CONTROLS.search(text)]
    return [["ESC, BEL, NUL and CSI (C1) in an API title", str(status), f"{seconds * 1000:.0f} ms",
             f"{ended}: title stored as {answer.get('title')!r}; " +
             (f"CONTROL CHARACTERS SHOWN on {', '.join(raw)}" if raw else "/, the page and the .vtt clean")]]


def delete_streaming(a: Attack) -> list[list[str]]:
    """DELETE while the article's job streams: the live state and a segment at once, and whether any
    file of the stream is written again while the job runs on to its next look at its status (item 9)."""
    base, key, home, deadline = a.base, a.key("deleter"), a.home, min(a.deadline, 300)
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


ATTACKS: dict[str, Callable[[Attack], list[list[str]]]] = {
    "issue14": issue14, "feeds": feeds, "watch-quota": watch_quota, "url-size": url_size, "press": press,
    "multiplied": multiplied, "runon-joe": runon_joe, "runon-espeak": runon_espeak, "emoji": emoji,
    "surrogates": surrogates, "control-title": control_title, "delete-streaming": delete_streaming}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--attacks", default=",".join(ATTACKS),
                        help=f"comma-separated, from {', '.join(ATTACKS)} (default: all)")
    parser.add_argument("--deadline", type=float, default=900, help="longest wait in each attack, s")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.attacks.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in ATTACKS]
    if unknown or not chosen:
        parser.error(f"unknown attack {', '.join(unknown) or '(none given)'}: "
                     f"choose from {', '.join(ATTACKS)}")

    hostile = http.server.ThreadingHTTPServer(("127.0.0.1", 0), HostileWeb)
    hostile.daemon_threads = True
    threading.Thread(target=hostile.serve_forever, daemon=True).start()
    web = f"http://127.0.0.1:{hostile.server_address[1]}"

    tmp = Path(tempfile.mkdtemp(prefix="narrator-hostile-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")}
    env |= {"NARRATOR_HOME": str(tmp / "home"), "NARRATOR_ALLOW_PRIVATE_URLS": "1",  # hostile web: loopback
            "NARRATOR_EDITOR_REQUESTS_PER_MINUTE": "0"}
    setup = subprocess.run([PY, "-m", "narrator.cli", "keys", "create", "setup"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = subprocess.Popen([PY, "-m", "narrator.cli", "serve", "--port", str(port)], env=env,
                             stdout=subprocess.DEVNULL, stderr=open(tmp / "serve.log", "wb"),  # noqa: SIM115
                             start_new_session=True)
    peak, own = [0], [0]
    during: dict[str, int] = {}  # attack -> peak RSS of the web process alone while it ran
    tree: dict[str, int] = {}  # attack -> peak RSS of the service (with its children) while it ran
    current = [""]
    stop_sampling = threading.Event()
    listener: list[tuple[int, float]] = []
    rows: list[list[str]] = []
    try:
        wait_up(base + "/api/articles", serve)
        plain = {"text": "A plain article\n\nIt rained.", "id": "plain", "voice": "espeak"}
        status = call(base, "POST", "/api/articles", setup, plain)[0]
        assert status == 202, status

        def sample() -> None:
            while not stop_sampling.wait(0.2):
                peak[0] = max(peak[0], rss_tree(serve.pid))
                own[0] = max(own[0], rss_of(serve.pid))
                if current[0]:
                    during[current[0]] = max(during.get(current[0], 0), rss_of(serve.pid))
                    tree[current[0]] = max(tree.get(current[0], 0), rss_tree(serve.pid))

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
        attack = Attack(base, web, tmp / "home", env, args.deadline, serve.pid)
        for name in chosen:
            before = rss_of(serve.pid)
            current[0] = name
            rows += [[f"{name}: {row[0]}", *row[1:]] for row in ATTACKS[name](attack)]
            current[0] = ""
            during[name] = during.get(name, 0)
            during[f"{name}:before"] = before
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
    command = "`.venv/bin/python bench/bench_hostile.py" + (f" --attacks {','.join(chosen)}`"
                                                           if chosen != list(ATTACKS) else "`")
    lines = [f"## Hostile input (issues 14 and 23): {stamp}, {os.cpu_count()} cores, "
             f"Python {platform.python_version()}, load average {load:.1f} at the end", "",
             f"Command: {command}", "",
             "| attack | answer | answered in | how it ended |", "|---|---|---|---|"]
    lines += [f"| {' | '.join(str(c).replace('|', '/') for c in row)} |" for row in rows]
    lines += ["", f"- Service up at the end: {'yes' if alive else 'NO'}; peak memory of the web process "
              f"alone: {own[0] / 2**20:.0f} MB; of the service (serve process and its children: feed "
              f"readers, engines): {peak[0] / 2**20:.0f} MB (bound 1.5 GB).",
              "- The web process alone, at the start of each attack and its peak during it: "
              + "; ".join(f"{n} {during[n + ':before'] / 2**20:.0f} -> {during[n] / 2**20:.0f} MB"
                          for n in chosen) + ".",
              "- The service with its children (feed readers, engines), peak during each attack: "
              + "; ".join(f"{n} {tree.get(n, 0) / 2**20:.0f} MB" for n in chosen) + ".",
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
