"""Load test (issue 8): 200 concurrent listeners on loopback while 10 articles regenerate.

Starts the app under gunicorn (deploy/gunicorn.conf.py, bound to 127.0.0.1 only, NARRATOR_RUNNER=none)
and one `narrator worker` process, with NARRATOR_HOME in a temporary folder and an API key made with
`narrator keys create`. It narrates ARTICLES articles with the espeak voice, then runs three wrk
processes at once (one per request kind, so each kind has its own latency figures):

  ranges  random 64 KiB byte ranges of the articles' MP3s (/audio/<id>/1.mp3)
  pages   the article pages (/articles/<id>)
  timing  the timing maps (/audio/<id>/1.timing.json)

and, a second after they start, edits all ARTICLES articles through PUT /api/articles/<id> with the key
and follows their jobs. Bounded: wrk stops after --seconds or --max-requests per kind, whichever comes
first; every wait has a deadline; every process started is stopped at the end. Reports requests, req/s,
p50/p99 per kind, 5xx (must be 0), regenerations completed, and the peak RSS (VmHWM) of every process
(gunicorn master and workers, the worker and its engine subprocess). Appends to bench/RESULTS.md.

    .venv/bin/python bench/bench_load.py [--seconds 25] [--listeners 200] [--no-append]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
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

from bench_serve import free_port, stop, wait_up  # noqa: E402
from report import append_section  # noqa: E402

HEADING = "## Load (issue 8)"
ARTICLES = 10
SEED = (ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8")

WRK_SCRIPT = """
local paths = {%(paths)s}
local sizes = {%(sizes)s}
local chunk = %(chunk)d
local max_requests = %(max_requests)d
local threads = {}
function setup(thread) table.insert(threads, thread); thread:set("id", #threads) end
function init(args) math.randomseed(os.time() * 1000 + id); n = 0; s5 = 0; s4 = 0; s3 = 0 end
function request()
  local i = math.random(1, #paths)
  if sizes[i] > 0 then
    local first = math.random(0, sizes[i] - 1)
    local last = math.min(sizes[i] - 1, first + chunk - 1)
    return wrk.format("GET", paths[i], {["Range"] = "bytes=" .. first .. "-" .. last})
  end
  return wrk.format("GET", paths[i])
end
function response(status, headers, body)
  n = n + 1
  if status >= 500 then s5 = s5 + 1 elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1 end
  if n >= max_requests then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local t5, t4, t3 = 0, 0, 0
  for _, t in ipairs(threads) do t5 = t5 + t:get("s5"); t4 = t4 + t:get("s4"); t3 = t3 + t:get("s3") end
  local e = summary.errors
  io.write(string.format("RESULT requests=%%d us=%%d p50=%%d p99=%%d max=%%d s5=%%d s4=%%d s3=%%d " ..
    "connect=%%d read=%%d write=%%d timeout=%%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max, t5, t4, t3,
    e.connect, e.read, e.write, e.timeout))
end
"""


def clean_env(home: Path) -> dict[str, str]:
    """This run's environment: no NARRATOR_* settings from the caller (no Redis, PostgreSQL or S3)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NARRATOR_")}
    env.update(NARRATOR_HOME=str(home), NARRATOR_RUNNER="none")
    return env


def api(base: str, method: str, path: str, key: str | None = None, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read() or b"{}")


def wait_jobs(base: str, job_ids: dict[str, str], deadline: float, done_at: dict[str, float]) -> None:
    """Poll each job until it is done or failed (recorded in done_at as a time, or -1 for failed)."""
    while len(done_at) < len(job_ids) and time.monotonic() < deadline:
        for article, job in job_ids.items():
            if article in done_at:
                continue
            try:
                status = api(base, "GET", f"/api/jobs/{job}")["status"]
            except (OSError, urllib.error.HTTPError):
                continue
            if status == "done":
                done_at[article] = time.monotonic()
            elif status == "failed":
                done_at[article] = -1.0
        time.sleep(0.2)


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            children = []
        for child in map(int, children):
            found.append(child)
            todo.append(child)
    return found


def memory(pid: int) -> tuple[float, float]:
    """(VmHWM, VmRSS) in MB of a live process."""
    status = Path(f"/proc/{pid}/status").read_text()
    hwm = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    rss = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    return hwm / 1024, rss / 1024


def label(pid: int) -> str:
    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    return cmd.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=25, help="duration of the load (each wrk run)")
    parser.add_argument("--listeners", type=int, default=200, help="concurrent connections in all")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="per kind: wrk stops at this")
    parser.add_argument("--chunk", type=int, default=65536, help="bytes per range request")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    load_before = os.getloadavg()

    work = Path(tempfile.mkdtemp(prefix="narrator-load-"))
    home = work / "home"
    home.mkdir()
    env = clean_env(home)
    procs: list[subprocess.Popen] = []
    try:
        key = subprocess.run([sys.executable, "-m", "narrator.cli", "keys", "create", "bench-load"], env=env,
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(work / "gunicorn.log").open("w"))
        procs.append(gunicorn)
        worker = subprocess.Popen([sys.executable, "-m", "narrator.cli", "worker"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=(work / "worker.log").open("w"))
        procs.append(worker)
        wait_up(f"{base}/api/voices", gunicorn)

        # Narrate the articles (the first pays for synthesis; the shared body is then in the cache).
        started = time.monotonic()
        jobs: dict[str, str] = {}
        for i in range(ARTICLES):
            text = f"Load test story number {i + 1}\n\nThis is story {i + 1} of {ARTICLES}.\n\n" \
                   + SEED.partition("\n\n")[2]
            jobs[f"load{i + 1}"] = api(base, "POST", "/api/articles", key,
                                       {"id": f"load{i + 1}", "text": text, "voice": "espeak"})["job"]["id"]
        first: dict[str, float] = {}
        wait_jobs(base, jobs, time.monotonic() + 300, first)
        if len(first) < ARTICLES or min(first.values()) < 0:
            raise SystemExit(f"narration failed or timed out: {first}; see {work}/worker.log")
        print(f"narrated {ARTICLES} articles in {time.monotonic() - started:.1f} s", file=sys.stderr)
        sizes = {a: (home / "audio" / a / "1.mp3").stat().st_size for a in jobs}

        # The load: three wrk processes at once, one per request kind.
        kinds = {
            "ranges": ([f"/audio/{a}/1.mp3" for a in jobs], list(sizes.values())),
            "pages": ([f"/articles/{a}" for a in jobs], [0] * ARTICLES),
            "timing": ([f"/audio/{a}/1.timing.json" for a in jobs], [0] * ARTICLES),
        }
        share = {"ranges": 0.6, "pages": 0.2, "timing": 0.2}
        connections = {k: max(1, round(args.listeners * share[k])) for k in kinds}
        connections["ranges"] += args.listeners - sum(connections.values())
        runs: dict[str, subprocess.Popen] = {}
        for kind, (paths, kind_sizes) in kinds.items():
            script = work / f"{kind}.lua"
            script.write_text(WRK_SCRIPT % {
                "paths": ", ".join(f'"{p}"' for p in paths), "sizes": ", ".join(map(str, kind_sizes)),
                "chunk": args.chunk, "max_requests": args.max_requests}, encoding="utf-8")
            runs[kind] = subprocess.Popen(
                ["wrk", "-t1", f"-c{connections[kind]}", f"-d{args.seconds}s", "--timeout", "10s",
                 "-s", str(script), base], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        load_started = time.monotonic()

        # Regenerations: every article edited a second into the load, through the API with the key.
        time.sleep(1)
        regen_started = time.monotonic()
        regen_jobs: dict[str, str] = {}
        for i, article in enumerate(jobs):
            text = f"Load test story number {i + 1}\n\nThis is story {i + 1}, updated during the load.\n\n" \
                   + SEED.partition("\n\n")[2]
            regen_jobs[article] = api(base, "PUT", f"/api/articles/{article}", key,
                                      {"text": text, "voice": "espeak"})["job"]["id"]
        regen_done: dict[str, float] = {}
        poller = threading.Thread(target=wait_jobs, args=(base, regen_jobs, load_started + args.seconds + 120,
                                                          regen_done))
        poller.start()

        outputs = {kind: proc.communicate(timeout=args.seconds + 60)[0] for kind, proc in runs.items()}
        load_ended = time.monotonic()
        during = sum(1 for t in regen_done.values() if 0 <= t <= load_ended)
        poller.join()  # the rest finish after the load (deadline: 120 s after it)
        regen_failed = sum(1 for t in regen_done.values() if t < 0)
        regen_ok = [t - regen_started for t in regen_done.values() if t >= 0]

        # Peak memory of every process, read while they are all alive.
        memory_rows = []
        for name, pid in (("gunicorn master", gunicorn.pid), ("narrator worker", worker.pid)):
            memory_rows.append((name, pid, *memory(pid)))
            for child in descendants(pid):
                kind = "gunicorn worker" if name == "gunicorn master" else \
                    f"worker's child ({label(child).split()[-1][:40]})"
                memory_rows.append((kind, child, *memory(child)))
        versions = [api(base, "GET", f"/api/articles/{a}")["current_version"] for a in jobs]
    finally:
        for proc in procs:
            stop(proc)
        load_after = os.getloadavg()
        kept = work if os.environ.get("BENCH_KEEP") else None
        if not kept:
            shutil.rmtree(work, ignore_errors=True)

    rows = [
        "| kind | connections | requests | req/s | p50 ms | p99 ms | max ms | 5xx | 4xx | 3xx | "
        "socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    total_5xx = total = 0
    for kind, out in outputs.items():
        m = re.search(r"RESULT (.*)", out)
        if not m:
            raise SystemExit(f"wrk ({kind}) gave no result:\n{out}")
        r = {k: int(v) for k, v in (pair.split("=") for pair in m.group(1).split())}
        errors = r["connect"] + r["read"] + r["write"] + r["timeout"]
        total_5xx += r["s5"]
        total += r["requests"]
        rate = r["requests"] / (r["us"] / 1e6)
        rows.append(f"| {kind} | {connections[kind]} | {r['requests']} | {rate:.0f} | "
                    f"{r['p50'] / 1000:.1f} | {r['p99'] / 1000:.1f} | {r['max'] / 1000:.1f} | {r['s5']} | "
                    f"{r['s4']} | {r['s3']} | {errors} |")
    mem = ["| process | pid | peak RSS MB (VmHWM) | RSS at end MB |", "|---|---:|---:|---:|"]
    mem += [f"| {name} | {pid} | {hwm:.0f} | {rss:.0f} |" for name, pid, hwm, rss in memory_rows]
    regen = (f"Regenerations: {len(regen_jobs)} submitted (PUT /api/articles/<id>, 1 s into the load); "
             f"{during} completed during the load, {len(regen_ok)} in all, {regen_failed} failed; "
             f"each finished {min(regen_ok, default=0):.1f}-{max(regen_ok, default=0):.1f} s after "
             "submission; "
             f"current versions afterwards: {versions}.")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    command = ("python bench/bench_load.py " + " ".join(sys.argv[1:])).strip()
    report = "\n".join([
        f"### {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: {args.listeners} listeners for "
        f"{args.seconds} s while {ARTICLES} articles regenerate",
        "",
        f"Machine: nproc {os.cpu_count()} ({cpu}), {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after "
        "(other sessions work on this machine too). gunicorn as deploy/gunicorn.conf.py (2 gthread "
        "workers x 8 threads), one `narrator worker`, wrk on the same cores, all on 127.0.0.1.",
        f"Command: `{command}`",
        "",
        *rows,
        "",
        f"{total} requests, {total / (load_ended - load_started):.0f} req/s in all; 5xx: {total_5xx}. "
        "3xx/4xx: none expected (versioned URLs, kept versions).",
        regen,
        "",
        *mem,
        "",
    ])
    print(report)
    if not args.no_append:
        append_section(HEADING, report)
    return 1 if total_5xx else 0


if __name__ == "__main__":
    sys.exit(main())
