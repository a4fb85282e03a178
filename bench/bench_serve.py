"""Serving benchmark (issue 5): 64 concurrent listeners fetching random byte ranges of one narration.

Three set-ups, measured in one run on loopback with wrk (Debian package), each for a bounded time:
  app     the Flask app alone under gunicorn (deploy/gunicorn.conf.py), ranges answered by the app;
  accel   nginx (deploy/nginx.conf) in front, the app answering with X-Accel-Redirect;
  static  the same nginx serving the same file directly from a static location.
Prints a table and appends it to bench/RESULTS.md.

    .venv/bin/python bench/bench_serve.py [--seconds 10] [--connections 64] [--chunk 65536] [--no-append]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import append_section  # noqa: E402

from narrator.config import Settings  # noqa: E402
from narrator.extract import extract_text  # noqa: E402
from narrator.service.generation import EnginePool, Generator  # noqa: E402
from narrator.service.store import Store  # noqa: E402

HEADING = "## Serving (issue 5)"

WRK_SCRIPT = """
local size = %(size)d
local chunk = %(chunk)d
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(os.time() * 1000 + seed) end
function request()
  local first = math.random(0, size - 1)
  local last = math.min(size - 1, first + chunk - 1)
  return wrk.format("GET", nil, {["Range"] = "bytes=" .. first .. "-" .. last})
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout} s")


def check_range(url: str, size: int) -> dict[str, str]:
    """One range request: must be a 206 with the right Content-Range. The response headers."""
    request = urllib.request.Request(url, headers={"Range": "bytes=100-199"})
    with urllib.request.urlopen(request, timeout=5) as r:
        body = r.read()
        assert r.status == 206 and len(body) == 100, (url, r.status, len(body))
        assert r.headers["Content-Range"] == f"bytes 100-199/{size}", r.headers["Content-Range"]
        return dict(r.headers)


def narration(home: Path, voice: str | None) -> tuple[Path, int]:
    """Narrate the seed article into a store; the MP3's path and size."""
    store = Store(home)
    article = extract_text((ROOT / "tests" / "fixtures" / "seed_article.txt").read_text(encoding="utf-8"))
    _, job = store.articles.create(article, voice, "bench")
    started = time.monotonic()
    engines = EnginePool()
    try:
        outcome = Generator(store, Settings(home=str(home)), engines).run(job.id)
    finally:
        engines.close()
    version = outcome.version if outcome else None
    if version is None:
        raise SystemExit(f"narration failed: {store.jobs.get(job.id).error}")
    path = store.versions.files("bench", version).audio
    print(
        f"narrated the seed article in {time.monotonic() - started:.1f} s: {path} "
        f"({path.stat().st_size} bytes)",
        file=sys.stderr,
    )
    return path, path.stat().st_size


def gunicorn(home: Path, port: int, accel: bool, log: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        NARRATOR_HOME=str(home),
        NARRATOR_RUNNER="none",
        NARRATOR_ACCEL_REDIRECT="/_narrator_audio/" if accel else "",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


def nginx_config(work: Path, home: Path, app_port: int, port: int, static_port: int,
                 accel_port: int) -> Path:
    """deploy/nginx.conf with this run's ports and paths in a minimal main config (on `port`), the
    same site without its direct-versioned block (every request asks the app: X-Accel-Redirect
    only, on `accel_port`), plus a plain static server (on `static_port`)."""
    shipped = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    shipped = shipped.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
    shipped = shipped.replace("alias /var/lib/narrator/audio/;", f"alias {home / 'audio'}/;")
    shipped = shipped.replace("root /var/lib/narrator;", f"root {home};")
    site = shipped.replace("listen 80;", f"listen 127.0.0.1:{port};")
    head, _, rest = shipped.partition("    # BEGIN direct-versioned")
    accel_only = head + rest.partition("# END direct-versioned\n")[2]
    accel_only = accel_only.replace("listen 80;", f"listen 127.0.0.1:{accel_port};")
    accel_only = accel_only.split("server {", 1)[1]  # drop the upstream block: it is in `site` already
    site = site + "\n    server {" + accel_only
    user = "user root;" if os.geteuid() == 0 else ""
    conf = f"""{user}
worker_processes auto;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
    keepalive_requests 100000;
{site}
    server {{
        listen 127.0.0.1:{static_port};
        location /audio/ {{
            alias {home / "audio"}/;
            types {{ audio/mpeg mp3; }}
            sendfile on;
            add_header Cache-Control "public, max-age=31536000, immutable" always;
        }}
    }}
}}
"""
    path = work / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def parse_ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, size: int, chunk: int, connections: int, seconds: int, work: Path) -> dict:
    script = work / "ranges.lua"
    script.write_text(WRK_SCRIPT % {"size": size, "chunk": chunk}, encoding="utf-8")
    threads = min(2, connections)
    out = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50": parse_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "p99": parse_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),  # type: ignore[union-attr]
        "mbps": _transfer(out),
        "errors": errors,
    }


def _transfer(out: str) -> float:
    m = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out)
    if not m:
        return 0.0
    return float(m.group(1)) * {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}[m.group(2)]


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="duration of each measurement")
    parser.add_argument("--connections", type=int, default=64, help="concurrent listeners")
    parser.add_argument("--chunk", type=int, default=65536, help="bytes per range request")
    parser.add_argument("--rounds", type=int, default=2, help="accel/static measurements, interleaved")
    parser.add_argument("--voice", default=None, help="voice for the narration (default: the default voice)")
    parser.add_argument("--no-append", action="store_true", help="print only, do not append to RESULTS.md")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path("/usr/sbin/nginx").exists():
            raise SystemExit(f"{tool} is not installed (apt-get install -y wrk nginx)")
    nginx_bin = shutil.which("nginx") or "/usr/sbin/nginx"

    work = Path(tempfile.mkdtemp(prefix="narrator-bench-"))
    home = work / "home"
    procs: list[subprocess.Popen] = []
    try:
        path, size = narration(home, args.voice)
        rows: dict[str, list[dict]] = {"app": [], "production": [], "accel": [], "static": []}

        app_port = free_port()
        app = gunicorn(home, app_port, accel=False, log=work / "gunicorn-app.log")
        procs.append(app)
        app_url = f"http://127.0.0.1:{app_port}/audio/bench/1.mp3"
        wait_up(f"http://127.0.0.1:{app_port}/api/voices", app)
        check_range(app_url, size)
        rows["app"].append(wrk(app_url, size, args.chunk, args.connections, args.seconds, work))
        stop(app)
        procs.remove(app)

        accel_app_port, nginx_port, static_port, accel_port = (free_port() for _ in range(4))
        accel_app = gunicorn(home, accel_app_port, accel=True, log=work / "gunicorn-accel.log")
        procs.append(accel_app)
        wait_up(f"http://127.0.0.1:{accel_app_port}/api/voices", accel_app)
        conf = nginx_config(work, home, accel_app_port, nginx_port, static_port, accel_port)
        nginx = subprocess.Popen(
            [nginx_bin, "-p", str(work), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(work / "nginx-stderr.log").open("w"),
        )
        procs.append(nginx)
        production_url = f"http://127.0.0.1:{nginx_port}/audio/bench/1.mp3"
        accel_url = f"http://127.0.0.1:{accel_port}/audio/bench/1.mp3"
        static_url = f"http://127.0.0.1:{static_port}/audio/bench/1.mp3"
        wait_up(f"http://127.0.0.1:{nginx_port}/api/voices", nginx)
        for url in (production_url, accel_url):
            headers = check_range(url, size)
            assert headers.get("Content-Type") == "audio/mpeg", headers
            assert "immutable" in headers.get("Cache-Control", ""), headers
        check_range(static_url, size)
        for _ in range(args.rounds):
            for key, url in (("production", production_url), ("accel", accel_url)):
                rows[key].append(wrk(url, size, args.chunk, args.connections, args.seconds, work))
            rows["static"].append(wrk(static_url, size, args.chunk, args.connections, args.seconds, work))
    finally:
        for proc in procs:
            stop(proc)
        shutil.rmtree(work, ignore_errors=True)

    def mean(runs: list[dict], key: str) -> float:
        return sum(r[key] for r in runs) / len(runs)

    lines = [
        "| set-up | requests | req/s | MB/s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "app": "app alone (gunicorn, ranges in Python)",
        "production": "deploy/nginx.conf as shipped (published versions from disk, the rest X-Accel)",
        "accel": "nginx asking the app on every request (X-Accel-Redirect only)",
        "static": "nginx static file",
    }
    for key, runs in rows.items():
        lines.append(
            f"| {names[key]} | {sum(r['requests'] for r in runs)} | {mean(runs, 'rps'):.0f} | "
            f"{mean(runs, 'mbps'):.1f} | {mean(runs, 'p50'):.2f} | {max(r['p99'] for r in runs):.2f} | "
            f"{sum(r['errors'] for r in runs)} |"
        )
    ratio = mean(rows["production"], "rps") / mean(rows["static"], "rps")
    accel_ratio = mean(rows["accel"], "rps") / mean(rows["static"], "rps")
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    command = "python bench/bench_serve.py " + " ".join(sys.argv[1:])
    report = "\n".join(
        [
            f"### {datetime.date.today().isoformat()}: {args.connections} listeners, "
            f"random {args.chunk // 1024} KiB "
            f"ranges of a {size / 2**20:.1f} MB narration, {args.seconds} s per measurement",
            "",
            f"Machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load generator wrk on the same machine (loopback).",
            f"Command: `{command.strip()}`",
            "",
            *lines,
            "",
            f"Production set-up throughput is {ratio:.0%} of nginx serving the file statically "
            f"(target >= 80 %); with the app asked on every request (X-Accel-Redirect only) "
            f"{accel_ratio:.0%}; app alone p99 {max(r['p99'] for r in rows['app']):.1f} ms "
            f"(target < 100 ms).",
            "",
        ]
    )
    print(report)
    if not args.no_append:
        append_section(HEADING, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
