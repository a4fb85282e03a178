#!/usr/bin/env python3
"""Benchmark the normaliser (issue 15, generality pass): both dev sets and our own NeMo-style cases,
before and after, a held-out estimate, its speed against Piper on the seed article, and long
adversarial tokens against plain text.

- Accuracy: ../shared/bench/score_normalization.py on ../shared/corpus/normalization/dev
  (`--language en`, NeMo's conventions) and on tests/fixtures/normalise_nemo_own.txt (our own
  NeMo-style cases, by class), ../shared/corpus/normalization/news-dev/score_news.py (`--language
  en-US`); for `python -m narrator.normalise` and for the normaliser of --before (default: the
  tagger -> verbaliser package as first merged, before the generality pass), taken from git.
- Held out: each dev file split by sha1("own-holdout:" + line) % 3; rules were developed on the
  two thirds where it is not 0, and the other third only scored now and then.
- Speed: the seed article normalised in-process (median of --runs), against Piper speaking the
  same text (bench/raw_engine.py, whole process, median of --piper-runs; 0 skips it).
- Adversarial: a 60 KB token of each family against 60 KB of plain prose, timed alternately (so
  both see the same machine load), median of --runs each.

Prints the tables and appends them to bench/RESULTS.md under HEADING.

    .venv/bin/python bench/bench_normalise.py [--runs 5] [--piper-runs 3] [--before REV] [--no-append]
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NEMO_SCORER = SHARED / "bench" / "score_normalization.py"
NEMO_DEV = SHARED / "corpus" / "normalization" / "dev"
NEWS_DIR = SHARED / "corpus" / "normalization" / "news-dev"
OWN = ROOT / "tests" / "fixtures" / "normalise_nemo_own.txt"
SEED = SHARED / "seed" / "article.txt"
RESULTS = ROOT / "bench" / "RESULTS.md"
HEADING = "## Normalisation, generality pass (issue 15)"
BEFORE = "d57d78c"
"""The merge of the tagger -> verbaliser normaliser (branch norm), before the generality pass."""
SIZE = 60_000
FAMILIES = {
    "dots+letters": "a.bb.", "mailbox (a.bb.bb...@)": "a.bb.bb", "digits+commas": "1,234,",
    "digits+hyphens": "12-3-", "capitals+dots": "A.B.", "@ and / mixture": "@/a", "digits+dots": "1.2.",
    "digits+slashes": "1/2/", "digits+colons": "1:2:", "letters+digits": "a1b2", "hash+letters": "#a",
}

sys.path.insert(0, str(ROOT))
from narrator.normalise import normalise_text  # noqa: E402


def held_out(line: str) -> bool:
    """The own hold-out third of the dev data."""
    return int(hashlib.sha1(("own-holdout:" + line).encode()).hexdigest(), 16) % 3 == 0


def baseline_package(tmp: Path, rev: str) -> tuple[Path, str]:
    """The normaliser of commit `rev` as a package tree in tmp (run from there, `narrator` is that
    copy; its voice data still come from the installed package)."""
    tree = tmp / "before"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", rev, "narrator"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    short = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip()
    return tree, short


def splits(tmp: Path) -> dict[str, tuple[Path, Path]]:
    """(all, held-out) cases for each set, as files the scorers read."""
    nemo_held = tmp / "nemo-held"
    nemo_held.mkdir()
    for path in sorted(NEMO_DEV.glob("*.txt")):
        lines = [line for line in path.read_text(encoding="utf-8").split("\n") if "~" in line]
        held = [line for line in lines if held_out(line)]
        if held:
            (nemo_held / path.name).write_text("".join(line + "\n" for line in held), encoding="utf-8")
    rows = (NEWS_DIR / "cases.tsv").read_text(encoding="utf-8").split("\n")
    news_held = tmp / "news-held.tsv"
    news_held.write_text("\n".join([rows[0]] + [r for r in rows[1:] if r.strip() and held_out(r)]) + "\n",
                         encoding="utf-8")
    own = tmp / "own"
    own.mkdir()
    by_class: dict[str, list[str]] = {}
    cls = ""
    for line in OWN.read_text(encoding="utf-8").splitlines():
        if line.startswith("# class: "):
            cls = line[len("# class: "):].strip()
        elif line and not line.startswith("# "):
            by_class.setdefault(cls, []).append(line)
    for cls, lines in by_class.items():
        (own / f"{cls}.txt").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return {"nemo": (NEMO_DEV, nemo_held), "news": (NEWS_DIR / "cases.tsv", news_held), "own": (own, own)}


def score(kind: str, cases: Path, command: str) -> dict[str, tuple[int, int]]:
    """Per-category (ok, total) from the scorer's table."""
    if kind in ("nemo", "own"):
        out = subprocess.run([sys.executable, str(NEMO_SCORER), str(cases), "--cmd", command],
                             capture_output=True, text=True, check=True).stdout
        rows = re.findall(r"^(\S+)\s+(\d+)/(\d+)\s+[\d.]+$", out, re.M)
        return {cat: (int(ok), int(n)) for cat, ok, n in rows if cat != "OVERALL"}
    out = subprocess.run([sys.executable, str(NEWS_DIR / "score_news.py"), command, str(cases)],
                         capture_output=True, text=True, check=True).stdout
    rows = re.findall(r"^(\S+)\s+(\d+)\s+([\d.]+)$", out, re.M)
    return {cat: (round(float(acc) * int(n)), int(n)) for cat, n, acc in rows if cat != "all"}


def overall(scores: dict[str, tuple[int, int]]) -> tuple[int, int]:
    return sum(ok for ok, _ in scores.values()), sum(n for _, n in scores.values())


def table(before: dict, after: dict) -> str:
    lines = ["| category | cases | before | after |", "| --- | ---: | ---: | ---: |"]
    for cat in after:
        (bok, n), (aok, _) = before.get(cat, (0, after[cat][1])), after[cat]
        lines.append(f"| {cat} | {n} | {bok / n:.3f} | {aok / n:.3f} |")
    (bok, n), (aok, _) = overall(before), overall(after)
    lines.append(f"| **all** | {n} | {bok / n:.3f} | {aok / n:.3f} |")
    return "\n".join(lines)


def median_seconds(fn, runs: int) -> float:  # noqa: ANN001
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="repetitions for in-process timings (median)")
    ap.add_argument("--piper-runs", type=int, default=1,
                    help="whole-process Piper runs on the seed (0: skip)")
    ap.add_argument("--before", default=BEFORE, help="commit whose normaliser is the baseline")
    ap.add_argument("--no-append", action="store_true", help="print only, do not touch RESULTS.md")
    args = ap.parse_args()
    for need in (NEMO_DEV, NEWS_DIR, SEED):
        if not need.exists():
            sys.exit(f"not found: {need}")
    py = sys.executable
    new = {"nemo": f"{py} -m narrator.normalise --language en",
           "news": f"{py} -m narrator.normalise --language en-US"}
    report = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        pkg_dir, rev = baseline_package(tmp, args.before)
        old = {kind: f"cd {pkg_dir} && {py} -m narrator.normalise --language {lang}"
               for kind, lang in (("nemo", "en"), ("news", "en-US"), ("own", "en"))}
        new["own"] = new["nemo"]
        sets = splits(tmp)
        held = {}
        for kind, title in (("nemo", "NeMo-style dev set (`--language en`)"),
                            ("own", "Own NeMo-style cases (`tests/fixtures/normalise_nemo_own.txt`, en)"),
                            ("news", "News dev set (`--language en-US`)")):
            everything, held_part = sets[kind]
            before, after = score(kind, everything, old[kind]), score(kind, everything, new[kind])
            report.append(f"#### {title}\n\n{table(before, after)}\n")
            if kind != "own":
                held[kind] = (overall(score(kind, held_part, old[kind])),
                              overall(score(kind, held_part, new[kind])))
    lines = ["| set | held-out cases | before | after |", "| --- | ---: | ---: | ---: |"]
    for kind, name in (("nemo", "NeMo-style (en)"), ("news", "news (en-US)")):
        (bok, n), (aok, _) = held[kind]
        lines.append(f"| {name} | {n} | {bok / n:.3f} | {aok / n:.3f} |")
    report.append("#### Own hold-out third (sha1(\"own-holdout:\" + line) % 3 == 0)\n\n"
                  + "\n".join(lines) + "\n")

    seed_lines = SEED.read_text(encoding="utf-8").splitlines()
    normalise_text("warm up 1", "en-US")
    seed_s = median_seconds(lambda: [normalise_text(line, "en-US") for line in seed_lines], args.runs)
    speed = [f"Seed article ({len(seed_lines)} lines, {len(SEED.read_text(encoding='utf-8'))} characters) "
             f"normalised in {seed_s * 1000:.1f} ms in-process (median of {args.runs})."]
    if args.piper_runs:
        with tempfile.TemporaryDirectory() as tmp_name:
            wav = Path(tmp_name) / "seed.wav"
            piper_s = median_seconds(lambda: subprocess.run(
                [py, str(ROOT / "bench" / "raw_engine.py"), "piper", str(SEED), str(wav)], check=True,
                capture_output=True), args.piper_runs)
        speed.append(f"Piper speaking the same text (`bench/raw_engine.py piper`, whole process, median of "
                     f"{args.piper_runs}): {piper_s:.2f} s, so normalising costs "
                     f"{100 * seed_s / piper_s:.2f} % of Piper's time (target: under 5 %).")
    report.append("#### Speed\n\n" + " ".join(speed) + "\n")

    prose = (" ".join(seed_lines) + " ") * (SIZE // len(" ".join(seed_lines)) + 1)
    prose = prose[:SIZE]
    lines = ["| 60 KB token | token s | plain prose s (same runs) | x plain text |",
             "| --- | ---: | ---: | ---: |"]
    for name, unit in FAMILIES.items():
        token = (unit * (SIZE // len(unit) + 1))[:SIZE]
        if name.startswith("mailbox"):
            token = token[:-1] + "@"
        token_s, plain_s = [], []
        for _ in range(args.runs):
            plain_s.append(median_seconds(lambda: normalise_text(prose, "en-US"), 1))
            token_s.append(median_seconds(lambda token=token: normalise_text(token, "en-US"), 1))
        t, p = statistics.median(token_s), statistics.median(plain_s)
        lines.append(f"| {name} | {t:.3f} | {p:.3f} | {t / p:.1f} |")
    report.append(f"#### Long adversarial tokens against plain prose of the same length (`--language en-US`, "
                  f"median of {args.runs} alternate runs; target: within 5x)\n\n" + "\n".join(lines) + "\n")

    now = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    machine = (f"{platform.node()} ({platform.machine()}, {platform.system()} {platform.release()}, "
               f"Python {platform.python_version()})")
    exe = Path(py)
    exe_name = exe.relative_to(ROOT) if ROOT in exe.parents else exe
    command = f"{exe_name} bench/bench_normalise.py --runs {args.runs} --piper-runs {args.piper_runs}"
    text = (f"\n### {now} on {machine}\n\nCommand: `{command}`. Before = the normaliser of "
            f"commit {rev}, after = this one; both scored by the shared scorers (NeMo-style: "
            f"`score_normalization.py --cmd 'python -m narrator.normalise --language en'`, news: "
            f"`score_news.py 'python -m narrator.normalise --language en-US'`).\n\n" + "\n".join(report))
    print(text)
    if not args.no_append:
        current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
        with RESULTS.open("a", encoding="utf-8") as f:
            if HEADING not in current:
                f.write(("" if current.endswith("\n") else "\n") + f"\n{HEADING}\n")
            f.write(text)
        print(f"appended to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
