#!/usr/bin/env python3
"""Pipeline benchmarks (issue 2): overhead over the raw engine, scaling, intelligibility.

Usage: .venv/bin/python bench/bench_pipeline.py [--reps 3] [--scales 1,4,16] [--no-asr] [--no-write]
                                                 [--sections cold,scaling,asr,words]

Every figure is a whole-process run (`narrator narrate` or the raw engine script), repeated
--reps times; medians are reported. The baseline (the raw engine speaking the same text in
one call, bench/raw_engine.py) is measured in the same run. Peak memory is the narrate
process's maximum resident set size (its pyttsx3 worker, if any, is a separate process).
The `words` section (issue 19) is what word timings cost: the cold narration with
NARRATOR_WORD_TIMINGS=1 and =0, runs alternating, in the same run; wall seconds and CPU seconds
(user + system, the process and the workers it waited for: less sensitive to other work on a
shared machine).
The table is printed and appended to bench/RESULTS.md with the date, machine and command.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "seed_article.txt"
SPOKEN = ROOT / "tests" / "fixtures" / "seed_article_spoken.txt"
ASR = ROOT.parent / "shared" / "bench" / "asr_roundtrip.py"
PY = sys.executable
sys.path.insert(0, str(ROOT / "bench"))
from report import publish  # noqa: E402

VOICES = {"joe": "piper", "espeak": "pyttsx3"}
DISCLAIMER = "Voice is AI-generated. Inconsistencies may occur."


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one whole-process run."""
    wall, mb, _ = measured(cmd, env)
    return wall, mb


def measured(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system) of one whole-process run."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.stderr and proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss // 1024, usage.ru_utime + usage.ru_stime


def repeated(text: str, times: int, folder: Path) -> Path:
    """The seed article with its body repeated `times` times (one title)."""
    title, _, body = text.partition("\n\n")
    path = folder / f"seed-x{times}.txt"
    path.write_text(title + "\n\n" + "\n\n".join([body.strip()] * times) + "\n", encoding="utf-8")
    return path


def wer(audio: Path, reference: str) -> float:
    out = subprocess.run([PY, str(ASR), str(audio), reference], capture_output=True, text=True, check=True)
    return float(re.findall(r"^WER ([\d.]+)", out.stdout, re.M)[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--scales", default="1,4,16")
    ap.add_argument("--no-asr", action="store_true")
    ap.add_argument("--asr-runs", type=int, default=2,
                    help="fresh narrations per voice for the WER (Piper's noise varies each run)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--sections", default="cold,scaling,asr,words",
                    help="which tables to make (comma-separated): cold, scaling, asr, words")
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    rows: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="narrator-bench-"))
    narrate = [PY, "-m", "narrator.cli", "narrate", "--no-cache"]  # cold: every sentence synthesised
    if "cold" in sections:
        rows += cold(args, tmp, narrate)
    if "scaling" in sections:
        rows += scaling(args, tmp, narrate)
    if "asr" in sections and not args.no_asr and ASR.exists():
        rows += intelligibility(args, tmp, narrate)
    if "words" in sections:
        rows += word_timings(args, tmp, narrate)
    title = "Word timings (issue 19)" if sections == {"words"} else "Pipeline (issue 2)"
    publish(title, rows, not args.no_write)


def word_timings(args: argparse.Namespace, tmp: Path, narrate: list[str]) -> list[str]:
    """What word timings cost a cold narration of the seed: on and off alternating, same run."""
    rows = ["", f"### Word timings: cold narration of the seed with and without (whole process, median of "
            f"{args.reps}, alternating)", "",
            "| voice | off: wall s | on: wall s | wall cost | off: CPU s | on: CPU s | CPU cost "
            "| peak MB off / on |", "|---|---|---|---|---|---|---|---|"]
    for voice in VOICES:
        runs: dict[str, list[tuple[float, int, float]]] = {"0": [], "1": []}
        for _ in range(args.reps):
            for setting in ("0", "1"):
                cmd = narrate + [str(SEED), "-o", str(tmp / f"w{setting}-{voice}.mp3"), "--voice", voice]
                runs[setting].append(measured(cmd, {"NARRATOR_WORD_TIMINGS": setting}))
        wall = {k: statistics.median(r[0] for r in v) for k, v in runs.items()}
        cpu = {k: statistics.median(r[2] for r in v) for k, v in runs.items()}
        mem = {k: max(r[1] for r in v) for k, v in runs.items()}
        cost = {"wall": 100 * (wall["1"] / wall["0"] - 1), "cpu": 100 * (cpu["1"] / cpu["0"] - 1)}
        rows.append(f"| {voice} | {wall['0']:.2f} | {wall['1']:.2f} | {cost['wall']:+.1f} % "
                    f"| {cpu['0']:.2f} | {cpu['1']:.2f} | {cost['cpu']:+.1f} % | {mem['0']} / {mem['1']} |")
    return rows


def cold(args: argparse.Namespace, tmp: Path, narrate: list[str]) -> list[str]:
    rows: list[str] = []
    rows += [f"### Cold narration of the seed article (whole process, median of {args.reps})", "",
             "| voice | narrator s | raw engine s | overhead s | overhead % of engine | peak MB |",
             "|---|---|---|---|---|---|"]
    for voice, engine in VOICES.items():
        ours, raw, mem = [], [], []
        for _ in range(args.reps):
            t, m = run(narrate + [str(SEED), "-o", str(tmp / f"{voice}.mp3"), "--voice", voice])
            ours.append(t)
            mem.append(m)
            raw.append(run([PY, str(ROOT / "bench" / "raw_engine.py"), engine, str(SEED),
                            str(tmp / f"raw-{voice}.wav")])[0])
        o, r = statistics.median(ours), statistics.median(raw)
        rows.append(f"| {voice} | {o:.2f} | {r:.2f} | {o - r:.2f} | {100 * (o - r) / r:.0f} % | {max(mem)} |")
    return rows


def scaling(args: argparse.Namespace, tmp: Path, narrate: list[str]) -> list[str]:
    rows: list[str] = []
    scales = [int(s) for s in args.scales.split(",")]
    rows += ["", f"### Scaling: the seed body repeated (voice joe, median of {args.reps})", "",
             "| repeats | seconds | x the 1x time | peak MB |", "|---|---|---|---|"]
    base = None
    text = SEED.read_text(encoding="utf-8")
    for n in scales:
        src = repeated(text, n, tmp)
        results = [run(narrate + [str(src), "-o", str(tmp / f"x{n}.mp3"), "--voice", "joe"])
                   for _ in range(args.reps)]
        t = statistics.median(r[0] for r in results)
        base = base or t / n
        rows.append(f"| {n}x | {t:.1f} | {t / base:.1f} | {max(r[1] for r in results)} |")
    return rows


def intelligibility(args: argparse.Namespace, tmp: Path, narrate: list[str]) -> list[str]:
    rows: list[str] = []
    spoken = SPOKEN.read_text(encoding="utf-8")
    # narrator says the disclaimer first, then the title, and reads the page's label once
    title, _, rest = spoken.strip().partition("\n")
    ours_ref = DISCLAIMER + " " + title + " " + rest.replace(DISCLAIMER, "", 1)
    rows += ["", f"### Intelligibility: pocketsphinx WER on the seed narration, mean of {args.asr_runs} "
             "fresh narrations (lower is better)", "",
             "| voice | narrator | raw engine | each run (narrator / raw) |", "|---|---|---|---|"]
    for voice, engine in VOICES.items():
        ours, raw = [], []
        for _ in range(args.asr_runs):
            run(narrate + [str(SEED), "-o", str(tmp / f"{voice}.mp3"), "--voice", voice])
            raw_wav = tmp / f"raw-{voice}.wav"
            run([PY, str(ROOT / "bench" / "raw_engine.py"), engine, str(SEED), str(raw_wav)])
            ours.append(wer(tmp / f"{voice}.mp3", ours_ref))
            raw.append(wer(raw_wav, spoken))
        each = ", ".join(f"{o:.3f} / {r:.3f}" for o, r in zip(ours, raw, strict=True))
        rows.append(f"| {voice} | {statistics.mean(ours):.3f} | {statistics.mean(raw):.3f} | {each} |")
    return rows


if __name__ == "__main__":
    main()
