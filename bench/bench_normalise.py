#!/usr/bin/env python3
"""Benchmark the text normaliser against the num2words baseline on the shared corpus.

Runs ../shared/bench/score_normalization.py (exact match after its normalisation) for
`python -m narrator.normalise` and for ../shared/bench/baseline_num2words.py, times both
(lines per second, process start included) and the seed article in-process, prints a
per-category table and appends it to bench/RESULTS.md under "## Normalisation (issue 4)".

    .venv/bin/python bench/bench_normalise.py [--no-append]
"""
from __future__ import annotations

import argparse
import datetime as dt
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "bench" / "score_normalization.py"
BASELINE = SHARED / "bench" / "baseline_num2words.py"
DEV = SHARED / "corpus" / "normalization" / "dev"
RESULTS = ROOT / "bench" / "RESULTS.md"
HEADING = "## Normalisation (issue 4)"


def score(command: list[str]) -> tuple[dict[str, tuple[int, int]], float]:
    """Per-category (ok, total) from the scorer's output, and its wall time."""
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, str(SCORER), str(DEV), "--", *command],
                       capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - t0
    rows = {}
    for line in p.stdout.splitlines():
        m = re.match(r"(\S+)\s+(\d+)/(\d+)\s+[\d.]+$", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return rows, seconds


def seed_timing() -> tuple[int, float]:
    """Lines of the seed article and milliseconds to normalise all of them in-process."""
    sys.path.insert(0, str(ROOT))
    from narrator.normalise import normalise_text

    lines = (SHARED / "seed" / "article.txt").read_text(encoding="utf-8").splitlines()
    normalise_text("warm up 1")
    t0 = time.perf_counter()
    for _ in range(10):
        for line in lines:
            normalise_text(line)
    return len(lines), (time.perf_counter() - t0) * 1000 / 10


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    args = ap.parse_args()
    if not DEV.is_dir():
        sys.exit(f"corpus not found: {DEV}")
    ours_cmd = [sys.executable, "-W", "ignore", "-m", "narrator.normalise"]
    base_cmd = [sys.executable, str(BASELINE)]
    ours, t_ours = score(ours_cmd)
    base, t_base = score(base_cmd)
    total_lines = ours["OVERALL"][1]
    seed_lines, seed_ms = seed_timing()

    lines = ["| category | cases | narrator | num2words baseline |", "| --- | ---: | ---: | ---: |"]
    for cat in sorted(k for k in ours if k != "OVERALL") + ["OVERALL"]:
        (ok, n), (bok, _) = ours[cat], base.get(cat, (0, 0))
        name = f"**{cat}**" if cat == "OVERALL" else cat
        lines.append(f"| {name} | {n} | {ok / n:.3f} | {bok / n:.3f} |")
    lines.append(f"| lines/s (whole scorer run, {total_lines} lines, process starts included) | | "
                 f"{total_lines / t_ours:.0f} | {total_lines / t_base:.0f} |")
    table = "\n".join(lines)
    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    machine = f"{platform.node()} ({platform.machine()}, {platform.system()} {platform.release()}, " \
              f"Python {platform.python_version()})"
    exe = Path(sys.executable)
    exe_name = exe.relative_to(ROOT) if ROOT in exe.parents else exe
    command = f"{exe_name} bench/bench_normalise.py"
    report = (f"\n### {now} on {machine}\n\nCommand: `{command}` (scores `python -m narrator.normalise` and "
              f"`../shared/bench/baseline_num2words.py` with `../shared/bench/score_normalization.py` on "
              f"`../shared/corpus/normalization/dev`)\n\n{table}\n\n"
              f"Seed article: {seed_lines} lines normalised in {seed_ms:.1f} ms in-process.\n")
    print(report)
    if not args.no_append:
        # Append only: read just before writing, other benchmarks write here too.
        text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        with RESULTS.open("a", encoding="utf-8") as f:
            if not text:
                f.write("# Benchmark results\n")
            if HEADING not in text:
                f.write(("" if not text or text.endswith("\n") else "\n") + f"\n{HEADING}\n")
            f.write(report)
        print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
