"""Text built to hurt (issue 14): nothing a page or the API sends makes an engine take unbounded memory
or time, reads phonemes, or fails a narration for good."""

from __future__ import annotations

import pytest

from narrator.config import Settings
from narrator.extract import extract_text
from narrator.normalise import JUNK_CHARS, normalise_text, normalise_words
from narrator.pipeline import narrate
from narrator.speech.engines import PiperEngine
from narrator.speech.pieces import MAX_WORD_CHARS, cut

RUN_ON = "A run on\n\n" + "and then the rain came " * 220  # 4,800 characters, no , ; :
BRACKETS = "Brackets\n\nIt said [[" + "a" * 20_000 + " and more."
DOTTED = "Dots\n\nThe code " + "a." * 3000 + " was read."


@pytest.mark.parametrize("token", ["a." * 3000, "x" * 5000, "A1B2" * 40, "[[" + "b" * 2000 + "]]",
                                   "ab-" * 60, "%" * 300])
def test_a_junk_run_is_not_said(token: str) -> None:
    words = normalise_words(f"Before {token} after.", "en-US")
    assert [w.text for w in words] == ["Before", "after."]
    assert len(token) > JUNK_CHARS


def test_addresses_and_long_words_are_still_read() -> None:
    url = "https://example.com/" + "a" * 200
    assert normalise_text(f"See {url} now.", "en-US") == "See example dot com now."
    german = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"
    assert normalise_text(f"The {german} passed.", "en") == f"The {german} passed."


@pytest.mark.parametrize("text", [RUN_ON, BRACKETS, DOTTED])
def test_what_reaches_an_engine_is_capped_whatever_the_text(text: str) -> None:
    spoken = normalise_text(extract_text(text).paragraphs[0].text, "en-US")
    assert "[[" not in spoken and "]]" not in spoken
    for piece in (p.text for p in cut(spoken, PiperEngine.MAX_CHARS)):
        assert len(piece) <= PiperEngine.MAX_CHARS and max(map(len, piece.split())) <= MAX_WORD_CHARS


@pytest.mark.slow
def test_the_attacks_narrate_with_the_default_voice(joe, tmp_path) -> None:  # noqa: ANN001
    """The run-on sentence, the bracket text and the dotted token through the whole pipeline with
    Piper (memory is measured in bench/bench_hostile.py): each narrates, and says its real words."""
    voice, engine = joe
    for i, text in enumerate((RUN_ON, BRACKETS, DOTTED)):
        out = tmp_path / f"{i}.mp3"
        result = narrate(extract_text(text), voice, out, Settings(disclaimer=""), engine=engine)
        said = " ".join(u.spoken for u in result.script.units)
        assert result.narration.duration_ms > 1000 and "[[" not in said
    assert said.endswith("The code was read.")
