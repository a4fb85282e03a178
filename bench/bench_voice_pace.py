"""The profiles' live-stream constants (issue 16): `gain_db`, the loudness gain that brings each
voice's speech to the -16 LUFS target (the live stream is played before the narration is measured), and
`ms_per_char`, milliseconds of speech per spoken character (the estimated length of a narration).

Narrates the seed article and the demo page with each voice (synthesis cache off) and prints, per text,
the gain the assembler measured and the pace, then the medians to copy into voices/*.toml.

With --clips (issue 23): the spread of each sentence's pace around its voice's `ms_per_char`, on news
pages (the seed, the demo page and the extraction fixtures) and on the normaliser's test lines (hostile,
punctuation-heavy fragments), and how many sentences the pace check before caching
(narrator.audio.synthesise.check_pace) would refuse: the evidence for its bounds.

    .venv/bin/python bench/bench_voice_pace.py [--voices joe espeak] [--clips]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator.audio.synthesise import check_pace  # noqa: E402
from narrator.config import Settings  # noqa: E402
from narrator.extract import extract_html, extract_text  # noqa: E402
from narrator.pipeline import narrate  # noqa: E402
from narrator.speech.engines import AudioChunk  # noqa: E402
from narrator.speech.voices import get_voice  # noqa: E402

TEXTS = {
    "seed article": lambda: extract_text((ROOT / "tests" / "fixtures" / "seed_article.txt").read_text()),
    "demo page": lambda: extract_html((ROOT / "web" / "demo" / "article.html").read_text()),
}
PAGES = ("aljazeera_more_links", "furniture_news", "jsonld_unbroken_body", "albawaba_hidden_label")
"""English fixture pages read for --clips, besides TEXTS."""
HOSTILE = ROOT / "tests" / "fixtures" / "normalise_nemo_own.txt"


def _narrated(article, voice):  # noqa: ANN001, ANN202 - an Article and a Voice; the pipeline's Result
    with tempfile.TemporaryDirectory() as home:
        return narrate(article, voice, Path(home) / "out.mp3", Settings(home=home, cache_max_mb=0))


def constants(names: list[str]) -> None:
    print("| voice | text | gain dB | ms per spoken character |\n|---|---|---|---|")
    for name in names:
        voice = get_voice(name)
        gains, paces = [], []
        for label, load in TEXTS.items():
            result = _narrated(load(), voice)
            speech = sum(s.end_ms - s.start_ms for b in result.narration.blocks for s in b.sentences)
            chars = sum(len(u.spoken) for u in result.script.units)
            gains.append(result.narration.gain_db)
            paces.append(speech / chars)
            print(f"| {name} | {label} | {gains[-1]:+.2f} | {paces[-1]:.1f} |")
        gain, pace = statistics.median(gains), statistics.median(paces)
        print(f"| {name} | **median** | **{gain:+.2f}** | **{pace:.1f}** |")


def clips(names: list[str]) -> None:
    texts = {"news pages": [load() for load in TEXTS.values()] + [
        extract_html((ROOT / "tests" / "fixtures" / "pages" / f"{p}.html").read_text()) for p in PAGES],
        "normaliser lines": [extract_text(HOSTILE.read_text())]}
    print("| voice | texts | sentences | pace / ms_per_char: min | 5 % | median | 95 % | max "
          "| refused by check_pace |\n|---|---|---|---|---|---|---|---|---|")
    for name in names:
        voice = get_voice(name)
        for label, articles in texts.items():
            ratios, refused, seen = [], 0, set()
            for article in articles:
                for block in _narrated(article, voice).narration.blocks:
                    for s in block.sentences:
                        if not s.spoken.strip() or s.end_ms <= s.start_ms or s.spoken in seen:
                            continue
                        seen.add(s.spoken)
                        ms = s.end_ms - s.start_ms
                        ratios.append(ms / len(s.spoken) / voice.ms_per_char)
                        # A clip of that length (silence: only its duration matters to the check).
                        refused += check_pace(AudioChunk(bytes(2 * 22050 * ms // 1000), 22050), s.spoken,
                                              voice) is not None
            ratios.sort()
            n = len(ratios)
            spread = (ratios[0], ratios[n // 20], statistics.median(ratios), ratios[-1 - n // 20], ratios[-1])
            print(f"| {name} | {label} | {n} | " + " | ".join(f"{r:.2f}" for r in spread) + f" | {refused} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", nargs="+", default=["joe", "espeak"])
    parser.add_argument("--clips", action="store_true", help="each sentence's pace, and the pace check")
    args = parser.parse_args()
    (clips if args.clips else constants)(args.voices)


if __name__ == "__main__":
    main()
