#!/usr/bin/env python3
"""Benchmark article extraction: narrator vs trafilatura on the shared dev pages, one run.

Usage (from the repository root):
    .venv/bin/python bench/bench_extract.py [--corpus DIR] [--no-scorer] [--worst N] [--no-append]

Each extractor runs over all pages inside this one process (pages/s = pages / seconds spent
in the extractor calls, reading files excluded). The outputs are scored with the shared
scorer's own functions (../shared/bench/score_extraction.py: 4-token shingles, precision
averaged over non-empty outputs, recall over all pages, F1 their harmonic mean). Unless
--no-scorer is given, the shared scorer is also run as a program on narrator's command
line (`python -m narrator.extract --body {path}`) to check that the CLI gives the same F1.
The table is printed and appended to bench/RESULTS.md under "## Extraction (issue 3)".
trafilatura is a benchmark-only dependency (not one of narrator's).
"""
from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "bench" / "score_extraction.py"
sys.path.insert(0, str(ROOT))

from narrator.errors import ExtractionError  # noqa: E402
from narrator.extract import extract_html  # noqa: E402


def load_scorer():
    spec = importlib.util.spec_from_file_location("score_extraction", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def narrator_body(html: bytes) -> str:
    try:
        return extract_html(html).body_text()
    except ExtractionError:
        return ""


def trafilatura_body(html: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html, include_comments=False) or ""


def run(extractor, pages: dict[str, bytes]) -> tuple[dict[str, str], float]:
    outputs = {}
    spent = 0.0
    for pid, html in pages.items():
        start = time.perf_counter()
        outputs[pid] = extractor(html)
        spent += time.perf_counter() - start
    return outputs, len(pages) / spent


def score(scorer, gold: dict, outputs: dict[str, str]) -> dict:
    rows = {pid: scorer.page_scores(gold[pid].get("articleBody", ""), text, 4)
            for pid, text in outputs.items()}
    precision = scorer.mean([r[0] for r in rows.values() if r[0] is not None])
    recall = scorer.mean([r[1] for r in rows.values()])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "rows": rows}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "extraction" / "dev"))
    ap.add_argument("--no-scorer", action="store_true", help="skip the shared scorer's CLI run")
    ap.add_argument("--no-append", action="store_true", help="do not append to bench/RESULTS.md")
    ap.add_argument("--no-trafilatura", action="store_true", help="narrator only (development)")
    ap.add_argument("--worst", type=int, default=0, help="list narrator's N worst pages")
    a = ap.parse_args()

    corpus = Path(a.corpus)
    scorer = load_scorer()
    gold = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {pid: (corpus / f"{pid}.html").read_bytes() for pid in sorted(gold)}

    results = {}
    out, speed = run(narrator_body, pages)
    results["narrator"] = score(scorer, gold, out) | {"speed": speed}
    if not a.no_trafilatura:
        tout, tspeed = run(trafilatura_body, pages)
        results["trafilatura 2.3.1 (comments off)"] = score(scorer, gold, tout) | {"speed": tspeed}

    cli_f1 = None
    cmd = f"{shlex.quote(sys.executable)} -m narrator.extract --body {{path}}"
    if not a.no_scorer:
        proc = subprocess.run([sys.executable, str(SCORER), "--corpus", str(corpus), "--cmd", cmd,
                               "--jobs", str(os.cpu_count() or 1)],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        last = proc.stdout.strip().splitlines()[-1:] or ["?"]
        cli_f1 = last[0]

    lines = ["| extractor | F1 | precision | recall | pages/s |", "| --- | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['f1']:.3f} | {r['precision']:.3f} | {r['recall']:.3f} "
                     f"| {r['speed']:.1f} |")
    table = "\n".join(lines)
    print(table)
    if cli_f1:
        print(f"shared scorer on the CLI command: {cli_f1}")
    if a.worst:
        rows = results["narrator"]["rows"]
        for pid, (p, r, f) in sorted(rows.items(), key=lambda kv: kv[1][2])[:a.worst]:
            print(f"  {f:.3f}  P {'-----' if p is None else f'{p:.3f}'}  R {r:.3f}  {pid[:12]}  "
                  f"{gold[pid].get('url', '')}")

    if not a.no_append:
        when = datetime.date.today().isoformat()
        machine = f"{os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, {platform.machine()}"
        command = "python " + " ".join(shlex.quote(x) for x in ["bench/bench_extract.py", *sys.argv[1:]])
        section = (f"\n## Extraction (issue 3)\n\n{when}; {machine}; {len(pages)} dev pages "
                   f"({corpus.name}); command: `{command}`\n\n{table}\n")
        if cli_f1:
            section += ("\nShared scorer run as a program on narrator's command "
                        f"`python -m narrator.extract --body {{path}}`: {cli_f1}\n")
        results_md = ROOT / "bench" / "RESULTS.md"
        # re-read just before writing and only append: other benchmarks add their own sections
        with open(results_md, "a", encoding="utf-8") as f:
            f.write(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
