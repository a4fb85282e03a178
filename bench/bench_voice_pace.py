"""The voice profiles' live-stream constants (issue 16): `gain_db`, the loudness gain that brings each
voice's speech to the -16 LUFS target (the live stream is played before the narration is measured), and
`ms_per_char`, milliseconds of speech per spoken character (the estimated length of a narration).

Narrates the seed article and the demo page with each voice (synthesis cache off) and prints, per text,
the gain the assembler measured and the pace, then the medians to copy into voices/*.toml.

    .venv/bin/python bench/bench_voice_pace.py [--voices joe espeak]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from narrator.config import Settings  # noqa: E402
from narrator.extract import extract_html, extract_text  # noqa: E402
from narrator.pipeline import narrate  # noqa: E402
from narrator.voices import get_voice  # noqa: E402

TEXTS = {
    "seed article": lambda: extract_text((ROOT / "tests" / "fixtures" / "seed_article.txt").read_text()),
    "demo page": lambda: extract_html((ROOT / "web" / "demo" / "article.html").read_text()),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", nargs="+", default=["joe", "espeak"])
    args = parser.parse_args()
    print("| voice | text | gain dB | ms per spoken character |\n|---|---|---|---|")
    for name in args.voices:
        voice = get_voice(name)
        gains, paces = [], []
        for label, load in TEXTS.items():
            with tempfile.TemporaryDirectory() as home:
                settings = Settings(home=home, cache_max_mb=0)
                result = narrate(load(), voice, Path(home) / "out.mp3", settings)
            speech = sum(s.end_ms - s.start_ms for b in result.narration.blocks for s in b.sentences)
            chars = sum(len(u.spoken) for u in result.script.units)
            gains.append(result.narration.gain_db)
            paces.append(speech / chars)
            print(f"| {name} | {label} | {gains[-1]:+.2f} | {paces[-1]:.1f} |")
        gain, pace = statistics.median(gains), statistics.median(paces)
        print(f"| {name} | **median** | **{gain:+.2f}** | **{pace:.1f}** |")


if __name__ == "__main__":
    main()
