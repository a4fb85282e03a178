"""Phoneme lexicon entries: parsed, checked against the voice's engine, spoken as phonemes."""
import shutil
from pathlib import Path

import pytest

from narrator.audio.synthesise import trim
from narrator.config import Settings
from narrator.errors import InputError
from narrator.model import Article, Paragraph, Section
from narrator.normalise import normalise_text
from narrator.pipeline import lexicon_for
from narrator.speech.lexicon import dump_lexicon, parse_lexicon
from narrator.speech.voices import get_voice

VOICES = Path(__file__).resolve().parent.parent / "voices"


def test_phoneme_flag_wraps_the_entry_and_round_trips():
    lex = parse_lexicon("Risnes\tɹˈɪsnɪz\tphonemes\nNATO\tnay toe\tnocase\n")
    assert lex.lookup("Risnes") == "[[ɹˈɪsnɪz]]"
    assert parse_lexicon(dump_lexicon(lex)).entries == lex.entries
    assert "Risnes\tɹˈɪsnɪz\tphonemes" in dump_lexicon(lex)


@pytest.mark.parametrize("line, message", [
    ("Risnes\t[[x]]\tphonemes", "without \\[\\[ \\]\\]"),
    ("Risnes\tx\tphonemes,loud", "unknown flag 'loud'"),
])
def test_bad_phoneme_lines_are_refused(line, message):
    with pytest.raises(InputError, match=f"line 2: .*{message}"):
        parse_lexicon("# header\n" + line + "\n", "test.tsv")


def test_voice_refuses_symbols_its_engine_does_not_know(tmp_path):
    folder = tmp_path / "voices"
    shutil.copytree(VOICES, folder)
    (folder / "lexicons" / "joe.tsv").write_text("# ok\nRisnes\tɹˈɪsnɪz\tphonemes\nNuzhin\tnu☃in\tphonemes\n")
    with pytest.raises(InputError, match=r"joe.tsv, line 3: invalid phonemes for 'Nuzhin': .*☃"):
        lexicon_for(get_voice("joe", extra=folder), Settings())
    (folder / "lexicons" / "espeak.tsv").write_text("Nuzhin\tnuːʒin\tphonemes\n")
    with pytest.raises(InputError, match=r"espeak.tsv, line 1: .*ASCII"):
        lexicon_for(get_voice("espeak", extra=folder), Settings())


@pytest.mark.parametrize("which", ["joe", "espeak"])
def test_engines_speak_phoneme_entries_as_phonemes(which, request):
    voice, engine = request.getfixturevalue(which)
    spoken = normalise_text("Brynjulf", "en", lexicon_for(voice, Settings()))
    assert spoken.startswith("[[") and spoken.endswith("]]")  # the voice's shipped phoneme entry
    as_phonemes = trim(engine.synthesize(spoken)).duration_ms
    as_word = trim(engine.synthesize("Brynjulf")).duration_ms
    as_letters = trim(engine.synthesize(spoken[2:-2])).duration_ms  # what reading the symbols costs
    assert abs(as_phonemes - as_word) < 0.4 * as_word
    assert as_letters > 1.8 * as_phonemes


def test_article_entries_win_over_every_lexicon():
    voice = get_voice("espeak")
    article = Article("T", (Section(None, (Paragraph("Risnes spoke."),)),),
                      pronunciations=(("Risnes", "rees ness"),))
    own = lexicon_for(voice, Settings(), article)
    assert normalise_text("Risnes spoke.", "en", own) == "rees ness spoke."
    assert normalise_text("Risnes spoke.", "en", lexicon_for(voice, Settings())) == "riss ness spoke."
