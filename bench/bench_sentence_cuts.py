#!/usr/bin/env python3
"""Sentences the voice cuts in two (issue 27): what narrator sends the engine as one sentence, read by
espeak-ng's text reader as more than one.

Piper phonemizes with espeak-ng, and espeak-ng ends a sentence at a full stop before a capital ("the
U.E.F.A. Champions League"): the voice stops, pauses and starts a new intonation in mid-sentence. The
espeak voice reads through the same text reader. For every sentence narrator would speak (the spoken
form, after the normaliser and the lexicons, as `narrator script` shows it), this counts those that
`PiperVoice.phonemize` returns as more than one sentence: for joe, with joe's espeak voice, and for the
espeak profile, with its own (en-us).

Sources: the extraction dev pages in English (../shared/corpus/extraction/dev), the news-dev sentences
and the round-trip sentences (../shared/corpus), and our own sentences written for the purpose
(tests/fixtures/cuts_own.txt: initialisms, datelines, abbreviations before names, one per line).

Prints a table (sentences, cut, share, examples) and appends it to bench/RESULTS.md.

    .venv/bin/python bench/bench_sentence_cuts.py [--examples 5] [--no-append]
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import platform
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
RESULTS = ROOT / "bench" / "RESULTS.md"
OWN = ROOT / "tests" / "fixtures" / "cuts_own.txt"

sys.path.insert(0, str(ROOT))
from piper.phonemize_espeak import EspeakPhonemizer  # noqa: E402

from narrator.config import Settings  # noqa: E402
from narrator.errors import ExtractionError  # noqa: E402
from narrator.extract import extract_html, extract_text  # noqa: E402
from narrator.pipeline import prepare  # noqa: E402
from narrator.speech.voices import get_voice  # noqa: E402

_PHONEMES = re.compile(r"\[\[.*?\]\]")
_SAID = re.compile(r"[^\W\d_]")
"""A sentence the reader returns with something said in it (a closing quote after the full stop comes
back as a sentence of its own, with nothing said: no cut a listener hears)."""


def articles() -> Iterator[tuple[str, object]]:
    """(source, Article) for every English text narrator would read here."""
    for page in sorted((SHARED / "corpus" / "extraction" / "dev").glob("*.html")):
        try:
            article = extract_html(page.read_bytes())
        except ExtractionError:
            continue
        if article.language.split("-")[0] == "en":
            yield "dev pages", article
    news = SHARED / "corpus" / "normalization" / "news-dev" / "cases.tsv"
    with news.open(encoding="utf-8") as f:
        lines = [row["written"] for row in csv.DictReader(f, delimiter="\t")]
    yield "news-dev sentences", extract_text("News\n\n" + "\n\n".join(lines))
    roundtrip = (SHARED / "corpus" / "roundtrip" / "sentences.txt").read_text(encoding="utf-8").splitlines()
    yield "round-trip sentences", extract_text("Numbers\n\n" + "\n\n".join(x for x in roundtrip if x.strip()))
    if OWN.is_file():
        own = [x for x in OWN.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]
        yield "own sentences", extract_text("Cuts\n\n" + "\n\n".join(own))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=5)
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    settings = Settings(disclaimer="")
    phonemizer = EspeakPhonemizer()
    voices = {name: get_voice(name) for name in ("joe", "espeak")}
    espeak_voice = {"joe": "en-us", "espeak": "en-us"}
    counts: dict[tuple[str, str], list[int]] = {}
    examples: dict[str, list[str]] = {name: [] for name in voices}
    for source, article in articles():
        for name, voice in voices.items():
            script = prepare(article, voice, settings)  # type: ignore[arg-type]
            row = counts.setdefault((source, name), [0, 0])
            for unit in script.units:
                text = _PHONEMES.sub("", unit.spoken).strip()
                if not text:
                    continue
                row[0] += 1
                said = [x for x in phonemizer.phonemize(espeak_voice[name], text) if _SAID.search("".join(x))]
                if len(said) > 1:
                    row[1] += 1
                    if len(examples[name]) < args.examples and source != "own sentences":
                        examples[name].append(unit.spoken)
    lines = ["| source | voice | sentences | cut in two | share |", "|---|---|---|---|---|"]
    totals: dict[str, list[int]] = {}
    for (source, name), (n, cut) in counts.items():
        lines.append(f"| {source} | {name} | {n:,} | {cut} | {cut / max(n, 1):.2%} |")
        if source != "own sentences":
            total = totals.setdefault(name, [0, 0])
            total[0] += n
            total[1] += cut
    for name, (n, cut) in totals.items():
        lines.append(f"| **all but own** | {name} | {n:,} | {cut} | **{cut / max(n, 1):.2%}** |")
    table = "\n".join(lines)
    shown = "\n".join(f"- {name}: " + " / ".join(f"`{e}`" for e in ex) for name, ex in examples.items() if ex)
    print(table)
    print(shown)
    if not args.no_append:
        when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        with RESULTS.open("a", encoding="utf-8") as f:
            f.write(f"\n## Sentences cut in two by the voice's text reader (issue 27)\n\n{when}; "
                    f"Python {platform.python_version()}; command: "
                    "`.venv/bin/python bench/bench_sentence_cuts.py`\n\n"
                    f"{table}\n\nExamples of cut sentences (spoken form):\n{shown or '- none'}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
