"""Long adversarial tokens: no pattern of the normaliser is worse than linear (issue 14, item 7).

Each family repeats the characters that one of the recognisers reads (dots and letters for
addresses, digits and commas for numbers, capitals and dots for initialisms, @ and / for handles
and paths...). Two kinds of check, neither timed:
  - structure: the tagger matches every pattern inside a bounded window after an atom, a bounded
    number of times per atom, and examines a chunk as an address at most once;
  - no hang: a 60 KB token of each family is normalised by `python -m narrator.normalise` in a
    child process that must finish within a deadline far above its linear time (well under a
    second each here); the old e-mail pattern took 6 s on 60 KB and 105 s on 198 KB.
The times against plain text of the same length are measured by bench/bench_normalise.py.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from narrator.normalise import electronic, normalise_text, scan

SIZE = 60_000
DEADLINE_S = 60
FAMILIES = {
    "dots+letters": "a.bb.",
    "mailbox": "a.bb.bb",
    "digits+commas": "1,234,",
    "digits+hyphens": "12-3-",
    "capitals+dots": "A.B.",
    "at+slash": "@/a",
    "digits+dots": "1.2.",
    "digits+slashes": "1/2/",
    "digits+colons": "1:2:",
    "letters+digits": "a1b2",
    "hash+letters": "#a",
    "dollars": "$1",
    "percent": "1%",
    "decades": "'90s",
    "months": "Jan.1,",
    "ordinals": "1st",
    "party tags": "R-TX-",
    "www": "www.",
    "schemes": "http://",
    "brackets": "[[",
    "angles": "<a",
    "a.m.": "a.m.",
    "roman chains": "I-I-",
    "No.": "No.1",
    "vulgar fractions": "½",
    "dashes": "-",
    "apostrophes": "a'a'",
    "emoji": "🎉",
    "combining marks": "e\u0301",
    "quotes+digits": '1"',
    "phone-like": "(1)-1-",
}


def _token(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_a_60kb_token_does_not_hang(family):
    token = _token(FAMILIES[family])
    if family == "mailbox":
        token = token[:-1] + "@"  # the shape that made the old e-mail pattern quadratic
    done = subprocess.run([sys.executable, "-m", "narrator.normalise", "--language", "en-US"],
                          input=token + "\n", capture_output=True, text=True, timeout=DEADLINE_S)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout.rstrip("\n")
    assert "\n" not in out
    assert len(out) <= 16 * len(token) + 40  # the fuzzer's growth bound (tests/test_fuzz.py)
    assert "[" not in out and "]" not in out


def test_every_match_reads_a_bounded_window_a_bounded_number_of_times(monkeypatch):
    seen: list[int] = []
    original = scan.Scan.match

    def spy(self, pattern, pos):  # noqa: ANN001
        found = original(self, pattern, pos)
        seen.append(found.end() - pos if found else 0)
        return found

    monkeypatch.setattr(scan.Scan, "match", spy)
    matched = 0
    for unit in FAMILIES.values():
        for language in ("en", "en-US"):
            seen.clear()
            token = _token(unit, 3000)
            normalise_text(token, language)
            assert max(seen, default=0) <= scan.WINDOW  # no match reaches past the window
            assert len(seen) <= 40 * len(token), (unit, len(seen))
            matched += sum(1 for n in seen if n)
    assert matched  # the spy saw the recognisers match


def test_a_chunk_is_examined_as_an_address_at_most_once(monkeypatch):
    calls: list[int] = []
    original = electronic.classify

    def spy(cand: str) -> str | None:
        calls.append(len(cand))
        return original(cand)

    monkeypatch.setattr(electronic, "classify", spy)
    long_chunk = _token("a.bb/", 10_000)
    assert electronic.find(long_chunk) == []  # longer than MAX_CHUNK: not an address, not examined
    assert calls == []
    chunk = _token("a.bb/", electronic.MAX_CHUNK)
    electronic.find(chunk)
    assert sum(calls) <= 2 * len(chunk)  # the whole chunk, then its slash-separated parts once
