"""Listeners polling a long article's live stream (issue 23): 200 players under gunicorn, before and after a
poll was made to cost what is new.

Set-up (not timed): a fresh NARRATOR_HOME holds a long article (the seed article's body --copies times,
about 100 minutes of narration) whose job is marked running, with no worker: this script narrates it
once with the real pipeline (espeak, word timings, the live stream of narrator.audio.stream) and keeps what
the
job writes: every segment in the audio storage, and the manifest as it was after each of the last
segments before the stream was complete (1.45 MB of JSON by then), in files aside.

Each run starts gunicorn as deploy/gunicorn.conf.py says (2 gthread workers x 8 threads, 127.0.0.1,
NARRATOR_RUNNER=none) on one code base, puts the first kept manifest in place, measures one poll alone
(30 sequential polls that find nothing new; the median), then lets --listeners players join over
--join-seconds (each first asks for everything, as a page opening does) and poll as
web/static/player-live.js does for --seconds more: the cursor of what it has, the last answer's ETag in
If-None-Match, the next poll a second after each answer. Meanwhile the stream grows: the next kept
manifest is moved into place every --segment-every seconds (as the worker renames each new one into
place). A request unanswered after --timeout seconds counts as a time-out (its connection is dropped).

Code bases: the baseline (--baseline-ref, by default main before this change, extracted with `git
archive`; each poll read the article and the whole manifest) and this checkout, --runs times each,
alternating. Reports per code base the medians over runs of: the lone poll, the joins' p50/p99, the
steady polls' count, rate, p50, p99 and max, time-outs, errors, the share answered 304, and the CPU time
gunicorn's processes spent during the steady polls divided by their number (what a poll costs the
server, whatever else the machine is doing). Appends the table to bench/RESULTS.md.

    .venv/bin/python bench/bench_live_poll.py [--listeners 200] [--seconds 30] [--runs 3] [--no-append]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_serve import free_port, stop, wait_up  # noqa: E402
from report import append_section  # noqa: E402

from narrator.audio.cache import UnitCache  # noqa: E402
from narrator.config import Settings  # noqa: E402
from narrator.extract import extract_text  # noqa: E402
from narrator.pipeline import narrate  # noqa: E402
from narrator.service.audio_storage import LIVE_MANIFEST  # noqa: E402
from narrator.service.generation import live_stream  # noqa: E402
from narrator.service.store import Store  # noqa: E402
from narrator.speech.voices import get_voice  # noqa: E402

HEADING = "## Listeners polling a live stream (issue 23)"
SEED = (ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")
BASELINE_REF = "cac0d15"
"""main before issue 23 made a poll cost what is new (every poll read the article and the whole manifest)."""
POLL_S = 1.0
"""The player's pause after each answer while the rest is made (player-live.js POLL_MS)."""
SEGMENT_N = re.compile(rb'"n": ?(\d+)')
PARAGRAPH_INDEX = re.compile(rb'"index": ?(\d+)')
"""A segment's number and a paragraph's index in an answer (no other object has these keys, and a quote
inside a string is escaped). The listeners read their cursor with them instead of parsing the JSON:
json.loads takes 100 ms for a 1.5 MB answer here, so 200 joins would hold the listeners' event loop for
20 s, and that time would count against the server."""
ARTICLE = "long"


class Recorder:
    """A LiveSink: segments go into the audio storage; each manifest of a stream not yet complete is
    kept in a file aside (only the last `keep`)."""

    def __init__(self, store: Store, stream: str, folder: Path, keep: int):
        self.store, self.stream, self.folder, self.keep = store, stream, folder, keep
        self.folder.mkdir(parents=True)
        self.count = 0

    def write(self, name: str, data: bytes) -> None:
        if name != LIVE_MANIFEST:
            self.store.storage.put_live(ARTICLE, self.stream, name, data)
        elif b'"complete": false' in data[:400]:
            (self.folder / f"{self.count:06d}.json").write_bytes(data)
            (self.folder / f"{self.count - self.keep:06d}.json").unlink(missing_ok=True)
            self.count += 1

    def kept(self) -> list[Path]:
        return sorted(self.folder.glob("*.json"))


def set_up(home: Path, work: Path, copies: int, keep: int) -> tuple[Store, str, list[Path], dict]:
    """The long article with its job running and its stream narrated (see the module)."""
    store = Store(home)
    body = SEED.partition("\n\n")[2]
    text = "A long report on the year\n\n" + "\n\n".join(f"Part {i + 1}.\n\n{body}" for i in range(copies))
    article = extract_text(text)
    _, job = store.articles.create(article, "espeak", ARTICLE)
    assert store.jobs.claim(job.id, "bench-live-poll:0", lease_s=7 * 86400)  # nobody else runs it
    stream = live_stream(store.jobs.get(job.id))
    settings = Settings.from_env({"NARRATOR_HOME": str(home)})
    recorder = Recorder(store, stream, work / "manifests", keep)
    started = time.monotonic()
    result = narrate(article, get_voice("espeak"), work / "staging" / "long.mp3", settings,
                     cache=UnitCache.from_settings(settings), live=recorder)
    kept = recorder.kept()
    first = json.loads(kept[0].read_bytes())
    facts = {"chars": article.chars, "minutes": result.duration_ms / 60000, "manifests": recorder.count,
             "manifest_bytes": kept[0].stat().st_size, "segments": len(first["segments"]),
             "narrated_s": time.monotonic() - started}
    shutil.rmtree(work / "staging")
    return store, stream, kept, facts


def place(manifest: Path, target: Path) -> None:
    """Put a kept manifest in place as the worker does: a new file renamed over the old one."""
    tmp = target.with_name(f".{target.name}.bench")
    tmp.unlink(missing_ok=True)
    os.link(manifest, tmp)
    os.replace(tmp, target)


def baseline_tree(ref: str, work: Path) -> Path:
    """The code at `ref`, extracted beside the run (its `web` and `narrator` are imported from there)."""
    tree = work / f"code-{ref}"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


# The listeners -----------------------------------------------------------------------------------


class Connection:
    """One listener's keep-alive HTTP/1.1 connection (a player's fetches share one)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n{head}\r\n".encode())
        status = int((await self.reader.readline()).split()[1])
        answer: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            answer[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(answer.get("content-length", "0")))
        if answer.get("connection", "").lower() == "close":
            self.close()
        return status, answer, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class Tally:
    """What the listeners saw in one run."""

    joins: list[float] = field(default_factory=list)
    """Seconds each join (the first, whole answer) took."""
    polls: list[tuple[float, float, int]] = field(default_factory=list)
    """(sent at, seconds, status) of every later poll answered."""
    timeouts: int = 0
    errors: collections.Counter = field(default_factory=collections.Counter)
    """Requests that failed otherwise, by what went wrong."""


async def listener(port: int, path: str, join_at: float, end: float, timeout: float, tally: Tally) -> None:
    """A player: join at `join_at` (everything from the start), then poll what is new until `end`."""
    await asyncio.sleep(max(join_at - time.monotonic(), 0))
    connection, segments, paragraphs, etag, joined = Connection(port), 0, 0, None, False
    while time.monotonic() < end:
        query = f"{path}?from_segment={segments}&from_paragraph={max(paragraphs - 1, 0)}"
        sent = time.monotonic()
        try:
            status, headers, body = await asyncio.wait_for(
                connection.get(query, {"If-None-Match": etag} if etag else {}), timeout)
        except TimeoutError:
            tally.timeouts += 1
            connection.close()
            continue  # as the player, which tries again at once after a failed fetch (then waits)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as e:
            tally.errors[type(e).__name__] += 1
            connection.close()
            await asyncio.sleep(POLL_S)
            continue
        took = time.monotonic() - sent
        if status == 200:  # the cursor as the player keeps it (player-live.js merge)
            for n in SEGMENT_N.findall(body):
                segments += int(n) == segments
            paragraphs = max([paragraphs, *(int(i) + 1 for i in PARAGRAPH_INDEX.findall(body))])
            etag = headers.get("etag")
        elif status != 304:
            tally.errors[f"HTTP {status}"] += 1
        if joined:
            tally.polls.append((sent, took, status))
        else:
            tally.joins.append(took)
            joined = True
        await asyncio.sleep(POLL_S)
    connection.close()


def lone_poll(base: str, path: str, count: int = 30) -> float:
    """Median seconds of `count` sequential polls that find nothing new (no listener besides)."""
    with urllib.request.urlopen(base + path, timeout=120) as r:
        state = json.loads(r.read())
    cursor = f"{path}?from_segment={len(state['segments'])}&from_paragraph={len(state['paragraphs']) - 1}"
    times = []
    for _ in range(count):
        started = time.monotonic()
        with urllib.request.urlopen(base + cursor, timeout=120) as r:
            r.read()
        times.append(time.monotonic() - started)
    return statistics.median(times)


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by a process and its children (gunicorn's workers), /proc."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            todo += map(int, Path(f"/proc/{p}/task/{p}/children").read_text().split())
        except OSError:  # gone meanwhile
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def replay(manifests: list[Path], target: Path, every: float, stop_at: float, done: threading.Event) -> None:
    """The job going on: the next kept manifest in place every `every` seconds."""
    for manifest in manifests:
        if done.wait(every) or time.monotonic() >= stop_at:
            return
        place(manifest, target)


def run(code: Path, home: Path, work: Path, manifests: list[Path], target: Path, args: argparse.Namespace,
        ) -> dict:
    """One run against the code in `code` (see the module)."""
    place(manifests[0], target)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")}
    env |= {"NARRATOR_HOME": str(home), "NARRATOR_RUNNER": "none", "PYTHONDONTWRITEBYTECODE": "1"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (work / "gunicorn.log").open("a") as log:
        config = str(ROOT / "deploy" / "gunicorn.conf.py")  # the same server settings for every code base
        # The app's name in that code base: the Flask app became narrator.web in issue 24 (web/ before).
        app = ("narrator.web:create_app()" if '"narrator.web"' in (code / "pyproject.toml").read_text()
               else "web:create_app()")
        command = [sys.executable, "-m", "gunicorn", "-c", config, "--bind", f"127.0.0.1:{port}", app]
        server = subprocess.Popen(command, cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=log)
    path = f"/api/articles/{ARTICLE}/live"
    done = threading.Event()
    try:
        wait_up(base + "/api/voices", server, timeout=60)
        with urllib.request.urlopen(base + path, timeout=60) as r:
            etag = r.headers.get("ETag")
        alone = lone_poll(base, path)
        tally = Tally()
        start = time.monotonic()
        end = start + args.join_seconds + args.seconds
        writer = threading.Thread(target=replay, args=(manifests[1:], target, args.segment_every, end, done))
        writer.start()
        cpu: list[float] = []  # the server's CPU seconds when the steady polls start, and at the end

        def sample() -> None:
            for moment in (start + args.join_seconds, end):
                if done.wait(max(moment - time.monotonic(), 0)):
                    return
                cpu.append(cpu_seconds(server.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()

        async def listen() -> None:
            rng = random.Random(7)
            await asyncio.gather(*(listener(port, path, start + rng.uniform(0, args.join_seconds), end,
                                            args.timeout, tally) for _ in range(args.listeners)))

        asyncio.run(listen())
        sampler.join()
        steady = start + args.join_seconds
        polls = sorted(took for sent, took, _ in tally.polls if sent >= steady)
        answered_304 = sum(1 for sent, _, status in tally.polls if sent >= steady and status == 304)
        joins = sorted(tally.joins)
        return {"alone_ms": alone * 1000, "etag": bool(etag), "joins": len(joins),
                "join_p50": percentile(joins, 50), "join_p99": percentile(joins, 99), "polls": len(polls),
                "rate": len(polls) / args.seconds, "p50": percentile(polls, 50), "p99": percentile(polls, 99),
                "max": polls[-1] * 1000 if polls else float("nan"), "timeouts": tally.timeouts,
                "errors": sum(tally.errors.values()), "what_failed": dict(tally.errors),
                "cpu_ms": (cpu[1] - cpu[0]) * 1000 / len(polls) if len(cpu) == 2 and polls else float("nan"),
                "share_304": answered_304 / len(polls) if polls else 0.0}
    finally:
        done.set()
        stop(server)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile of sorted `values`, in ms (nearest rank)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30, help="steady polling measured, after the joins")
    parser.add_argument("--join-seconds", type=float, default=10, help="the listeners join over this long")
    parser.add_argument("--runs", type=int, default=3, help="runs of each code base")
    parser.add_argument("--copies", type=int, default=27, help="the seed article's body this many times")
    parser.add_argument("--segment-every", type=float, default=0.5, help="seconds between two new segments")
    parser.add_argument("--timeout", type=float, default=30, help="seconds unanswered: a time-out")
    parser.add_argument("--baseline-ref", default=BASELINE_REF, help="git ref of the baseline ('' for none)")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: the servers and files go too (finally)
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="narrator-live-poll-"))
    try:
        home = work / "home"
        keep = int((args.join_seconds + args.seconds) / args.segment_every) + 10
        store, stream, manifests, facts = set_up(home, work, args.copies, keep)
        print(f"narrated {facts['minutes']:.0f} minutes in {facts['narrated_s']:.0f} s; the first kept "
              f"manifest: {facts['manifest_bytes'] / 2**20:.2f} MB, {facts['segments']} segments",
              file=sys.stderr)
        target = store.storage.live_path(ARTICLE, stream, LIVE_MANIFEST)
        assert target is not None
        codes = {"this checkout": ROOT}
        if args.baseline_ref:
            codes = {f"baseline ({args.baseline_ref})": baseline_tree(args.baseline_ref, work), **codes}
        runs: dict[str, list[dict]] = {name: [] for name in codes}
        for i in range(args.runs):
            for name, code in codes.items():
                result = run(code, home, work, manifests, target, args)
                runs[name].append(result)
                shown = {k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}
                print(f"run {i + 1} {name}: {json.dumps(shown)}", file=sys.stderr)
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)

    def median(name: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[name])

    rows = ["| code | ETag | one poll alone, ms | joins | join p50 ms | join p99 ms | polls | polls/s | "
            "p50 ms | p99 ms | max ms | time-outs | errors | answered 304 | server CPU a poll, ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in runs:
        cells = [name, "yes" if runs[name][0]["etag"] else "no", f"{median(name, 'alone_ms'):.1f}",
                 *(f"{median(name, key):.0f}" for key in ("joins", "join_p50", "join_p99", "polls", "rate")),
                 f"{median(name, 'p50'):.1f}", f"{median(name, 'p99'):.1f}",
                 *(f"{median(name, key):.0f}" for key in ("max", "timeouts", "errors")),
                 f"{median(name, 'share_304') * 100:.0f} %", f"{median(name, 'cpu_ms'):.2f}"]
        rows.append("| " + " | ".join(cells) + " |")
    names = list(runs)
    ratio = ""
    if len(names) == 2:
        ratio = (f"p99 of the steady polls, this checkout / baseline: "
                 f"{median(names[1], 'p99') / median(names[0], 'p99'):.4f}; one poll alone: "
                 f"{median(names[1], 'alone_ms') / median(names[0], 'alone_ms'):.3f}.")
    each = "; ".join(f"{name}: p99 " + ", ".join(f"{r['p99']:.0f}" for r in rs) + " ms"
                     for name, rs in runs.items())
    failed = {name: sum((collections.Counter(r["what_failed"]) for r in rs), collections.Counter())
              for name, rs in runs.items()}
    each += "".join(f"; {name}, what failed in all runs: {dict(kinds)}"
                    for name, kinds in failed.items() if kinds)
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    command = ("python bench/bench_live_poll.py " + " ".join(sys.argv[1:])).strip()
    report = "\n".join([
        f"### {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: {args.listeners} listeners polling "
        f"a {facts['minutes']:.0f}-minute article's live stream",
        "",
        f"Machine: nproc {os.cpu_count()} ({cpu}), {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after "
        "(other sessions work on this machine too). gunicorn as deploy/gunicorn.conf.py (2 gthread workers x "
        "8 threads), the listeners (one asyncio process) on the same 2 cores, all on 127.0.0.1.",
        f"Command: `{command}`",
        "",
        f"The article: {facts['chars']:,} characters, {facts['minutes']:.0f} minutes of narration (espeak); "
        f"the manifest when the listeners join: {facts['manifest_bytes'] / 2**20:.2f} MB, "
        f"{facts['segments']} segments, a new one every {args.segment_every:g} s. {args.listeners} listeners "
        f"join over {args.join_seconds:g} s (each first asks for everything), then poll for "
        f"{args.seconds:g} s (a second after each answer, with the player's cursor and If-None-Match); "
        f"time-out {args.timeout:g} s. Medians of {args.runs} runs per code base, alternating.",
        "",
        *rows,
        "",
        ratio,
        f"Each run: {each}.",
        "",
    ])
    print(report)
    if not args.no_append:
        append_section(HEADING, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
