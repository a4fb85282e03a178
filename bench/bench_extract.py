#!/usr/bin/env python3
"""Benchmark article extraction: narrator vs trafilatura on the shared dev pages, one run.

Usage (from the repository root):
    .venv/bin/python bench/bench_extract.py [--corpus DIR] [--repeat N] [--no-scorer] [--worst N]
                                            [--no-append] [--no-trafilatura] [--section TITLE]

trafilatura is a benchmark-only dependency (not one of narrator's): install it into the
project's .venv with `.venv/bin/pip install trafilatura lxml_html_clean` (trafilatura 2.x needs
lxml's html-clean part, a separate package since lxml 5.2), or pass --no-trafilatura.

Each extractor runs over all pages inside this one process, --repeat times (default 3);
pages/s is the median over the runs of pages / seconds spent in the extractor calls (reading
files excluded). The outputs are scored with the shared scorer's own functions
(../shared/bench/score_extraction.py: 4-token shingles, precision averaged over non-empty
outputs, recall over all pages, F1 their harmonic mean), on all pages and on a held-out third
(the pages whose sha256(id), its first 8 hex digits read as a number, is divisible by 3) and
on the other two thirds: a rule that holds on one part only is fitted to pages, not general.
Beside them: the mean and median of the pages' own F1 and how many pages score below 0.8.
"pages with markup" counts the pages whose body holds an HTML tag, a character reference or
JSON. Unless --no-scorer is given, the shared scorer is
also run as a program on narrator's command line (`python -m narrator.extract --body {path}`)
to check that the CLI gives the same F1. The table is printed and appended to
bench/RESULTS.md under "## Extraction (issue 15)" (--section names another heading).
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import html.entities as html_entities
import importlib.util
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "bench" / "score_extraction.py"
sys.path.insert(0, str(ROOT))

from lxml.html import defs  # noqa: E402

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


def held_out(pid: str) -> bool:
    """The held-out third of the dev pages, chosen by hash."""
    return int(hashlib.sha256(pid.encode()).hexdigest()[:8], 16) % 3 == 0


_TAGS = "|".join(sorted(defs.tags | {"body", "html", "head"}, key=len, reverse=True))
MARKUP = re.compile(rf"</?(?:{_TAGS})(?:\s[^<>]*)?/?>|<(?:{_TAGS})\s+[\w-]+=", re.I)
ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|(?:{}));".format("|".join(html_entities.name2codepoint)))
JSON = re.compile(r'\{\s*"@|"@(?:context|type|graph)"|\{\s*"[\w@]+"\s*:\s*["{\[\d]')


def has_markup(text: str) -> bool:
    """An HTML tag (by its name: "<The Palace>" is text), a character reference, or JSON."""
    return any(p.search(text) for p in (MARKUP, ENTITY, JSON))


def run(extractor, pages: dict[str, bytes], repeat: int) -> tuple[dict[str, str], float]:
    outputs = {}
    speeds = []
    for _ in range(repeat):
        spent = 0.0
        for pid, html in pages.items():
            start = time.perf_counter()
            outputs[pid] = extractor(html)
            spent += time.perf_counter() - start
        speeds.append(len(pages) / spent)
    return outputs, statistics.median(speeds)


def score(scorer, gold: dict, outputs: dict[str, str], ids: list[str]) -> dict:
    rows = {pid: scorer.page_scores(gold[pid].get("articleBody", ""), outputs[pid], 4) for pid in ids}
    precision = scorer.mean([r[0] for r in rows.values() if r[0] is not None])
    recall = scorer.mean([r[1] for r in rows.values()])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    page_f1 = [r[2] for r in rows.values()]
    return {"precision": precision, "recall": recall, "f1": f1, "rows": rows,
            "mean": statistics.mean(page_f1), "median": statistics.median(page_f1),
            "below": sum(1 for f in page_f1 if f < 0.8),
            "markup": sum(1 for pid in ids if has_markup(outputs[pid]))}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "corpus" / "extraction" / "dev"))
    ap.add_argument("--no-scorer", action="store_true", help="skip the shared scorer's CLI run")
    ap.add_argument("--no-append", action="store_true", help="do not append to bench/RESULTS.md")
    ap.add_argument("--no-trafilatura", action="store_true", help="narrator only (development)")
    ap.add_argument("--worst", type=int, default=0, help="list narrator's N worst pages")
    ap.add_argument("--repeat", type=int, default=3, help="runs over the pages per extractor (median)")
    ap.add_argument("--section", default="Extraction (issue 15)", help="the heading of the appended section")
    a = ap.parse_args()

    corpus = Path(a.corpus)
    scorer = load_scorer()
    gold = json.loads((corpus / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {pid: (corpus / f"{pid}.html").read_bytes() for pid in sorted(gold)}

    if not a.no_trafilatura and importlib.util.find_spec("trafilatura") is None:
        print("trafilatura is not installed (a benchmark-only dependency): "
              ".venv/bin/pip install trafilatura lxml_html_clean, or pass --no-trafilatura", file=sys.stderr)
        return 2
    held = [pid for pid in pages if held_out(pid)]
    seen = [pid for pid in pages if not held_out(pid)]
    results = {}
    out, speed = run(narrator_body, pages, a.repeat)
    results["narrator"] = {"speed": speed, "all": score(scorer, gold, out, list(pages)),
                           "held": score(scorer, gold, out, held), "seen": score(scorer, gold, out, seen)}
    if not a.no_trafilatura:
        import trafilatura

        tout, tspeed = run(trafilatura_body, pages, a.repeat)
        results[f"trafilatura {trafilatura.__version__} (comments off)"] = {
            "speed": tspeed, "all": score(scorer, gold, tout, list(pages)),
            "held": score(scorer, gold, tout, held), "seen": score(scorer, gold, tout, seen)}

    cli_f1 = None
    cmd = f"{shlex.quote(sys.executable)} -m narrator.extract --body {{path}}"
    if not a.no_scorer:
        proc = subprocess.run([sys.executable, str(SCORER), "--corpus", str(corpus), "--cmd", cmd,
                               "--jobs", str(os.cpu_count() or 1)],
                              cwd=ROOT, capture_output=True, text=True, check=False)
        last = proc.stdout.strip().splitlines()[-1:] or ["?"]
        cli_f1 = last[0]

    lines = ["| extractor | pages | F1 | precision | recall | page F1 mean | median | pages below 0.8 "
             f"| pages with markup | pages/s (median of {a.repeat}) |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        for part, label in (("all", f"all {len(pages)}"), ("held", f"held-out third, {len(held)}"),
                            ("seen", f"other two thirds, {len(seen)}")):
            x = r[part]
            speed = f"{r['speed']:.1f}" if part == "all" else ""
            lines.append(f"| {name} | {label} | {x['f1']:.3f} | {x['precision']:.3f} | {x['recall']:.3f} "
                         f"| {x['mean']:.3f} | {x['median']:.3f} | {x['below']} | {x['markup']} | {speed} |")
    table = "\n".join(lines)
    print(table)
    if len(results) == 2:
        (_, nr), (_, tr) = results.items()
        print(f"narrator / trafilatura speed: {nr['speed'] / tr['speed']:.2f}x")
    if cli_f1:
        print(f"shared scorer on the CLI command: {cli_f1}")
    if a.worst:
        rows = results["narrator"]["all"]["rows"]
        for pid, (p, r, f) in sorted(rows.items(), key=lambda kv: kv[1][2])[:a.worst]:
            print(f"  {f:.3f}  P {'-----' if p is None else f'{p:.3f}'}  R {r:.3f}  {pid[:12]}  "
                  f"{'H' if held_out(pid) else ' '} {gold[pid].get('url', '')}")

    if not a.no_append:
        when = datetime.date.today().isoformat()
        machine = f"{os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, {platform.machine()}"
        command = "python " + " ".join(shlex.quote(x) for x in ["bench/bench_extract.py", *sys.argv[1:]])
        section = (f"\n## {a.section}\n\n{when}; {machine}; {len(pages)} dev pages "
                   f"({corpus.name}); command: `{command}`\n\n{table}\n")
        if len(results) == 2:
            section += f"\nnarrator / trafilatura speed: {nr['speed'] / tr['speed']:.2f}x\n"
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
