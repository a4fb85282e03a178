#!/usr/bin/env python3
"""Intelligibility of numbers (issue 4): speech-recognition WER of news sentences with numbers
written as digits and as words, spoken by each voice raw and through narrator's normaliser.

Usage: .venv/bin/python bench/bench_roundtrip.py [--noise 100] [--runs 4] [--no-write]

Needs ../shared (corpus/roundtrip/numbers.tsv and bench/asr_roundtrip.py, pocketsphinx).
Each engine speaks every row four ways: digits raw, digits through narrator, words raw, words
through narrator; WER is pooled over the rows, always against the spoken (words) form. The same
text does not always sound the same (Piper adds random noise; espeak-ng's output depends on what
it said before), and pocketsphinx turns small differences into different words, so each figure
is pooled over --runs passes of the whole set.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(SHARED / "bench")]

from asr_roundtrip import edit_ops, norm_words, transcribe  # noqa: E402
from report import publish  # noqa: E402

from narrator.config import Settings  # noqa: E402
from narrator.normalise import normalise_text  # noqa: E402
from narrator.pipeline import lexicon_for  # noqa: E402
from narrator.speech.engines import open_engine  # noqa: E402
from narrator.speech.voices import get_voice  # noqa: E402


def to_16k(pcm: bytes, rate: int) -> bytes:
    import subprocess

    return subprocess.run(["ffmpeg", "-v", "error", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "-",
                           "-f", "s16le", "-ar", "16000", "-ac", "1", "-"], input=pcm, capture_output=True,
                          check=True).stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--noise", type=float, default=100.0)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--voices", default="joe,espeak", help="comma-separated voice names")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    rows_tsv = (SHARED / "corpus" / "roundtrip" / "numbers.tsv").read_text(encoding="utf-8").splitlines()[1:]
    pairs = [line.split("\t") for line in rows_tsv if "\t" in line]
    table = [f"### Numbers read aloud: pocketsphinx WER over {len(pairs)} sentences (noise {args.noise:g}; "
             "lower is better)", "",
             "| voice | digits, raw engine | digits, narrator | words, raw engine | words, narrator | "
             "narrator digits - words |", "|---|---|---|---|---|---|"]
    for name in args.voices.split(","):
        voice = get_voice(name)
        lexicon = lexicon_for(voice, Settings.from_env())
        engine = open_engine(voice)
        errors = {k: [0, 0] for k in ("dr", "dn", "wr", "wn")}
        runs = args.runs
        try:
            for _ in range(runs):
                for written, spoken in pairs:
                    ref = norm_words(spoken)
                    said = (normalise_text(written, voice.language, lexicon),
                            normalise_text(spoken, voice.language, lexicon))
                    for key, text in (("dr", written), ("dn", said[0]), ("wr", spoken), ("wn", said[1])):
                        chunk = engine.synthesize(text)
                        hyp = norm_words(transcribe(to_16k(chunk.pcm, chunk.sample_rate), args.noise)[0])
                        errors[key][0] += sum(edit_ops(ref, hyp))
                        errors[key][1] += len(ref)
        finally:
            engine.close()
        wer = {k: e / n for k, (e, n) in errors.items()}
        table.append(f"| {name} | {wer['dr']:.3f} | {wer['dn']:.3f} | {wer['wr']:.3f} | {wer['wn']:.3f} | "
                     f"{wer['dn'] - wer['wn']:+.3f} |")
    table.append("")
    table.append("Target: narrator's digits version within 0.03 of its spelled-out version, per voice.")
    publish("Numbers intelligibility (issue 4)", table, not args.no_write)


if __name__ == "__main__":
    main()
