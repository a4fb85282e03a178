"""Pronunciation lexicons: parsing, whole-word matching, versions, merging, saving."""
from __future__ import annotations

from pathlib import Path

import pytest

from narrator.errors import InputError
from narrator.speech.lexicon import Lexicon, load_lexicon, merge, parse_lexicon, save_lexicon

ROOT = Path(__file__).resolve().parent.parent


def apply(lexicon: Lexicon, text: str) -> str:
    """`text` with every whole-word occurrence of an entry of `lexicon` replaced by its spoken form."""
    out, at = [], 0
    for m in lexicon.finditer(text):
        out += [text[at:m.start()], lexicon.lookup(m.group(0)) or m.group(0)]
        at = m.end()
    return "".join(out) + text[at:]


def test_parse_skips_comments_and_blank_lines():
    lex = parse_lexicon("# comment\n\nPrigozhin\tpree goh zhin\nnato\tNATO\tnocase\n")
    assert lex.as_dict() == {"Prigozhin": "pree goh zhin", "nato": "NATO"}
    assert lex.nocase == frozenset({"nato"})


def test_whole_words_only_and_case_sensitive_by_default():
    lex = Lexicon.from_dict({"Prig": "prig", "UDI": "U D I"})
    assert apply(lex, "Prigozhin met UDI staff") == "Prigozhin met U D I staff"
    assert apply(lex, "udi and Udi") == "udi and Udi"
    assert apply(lex, "(UDI), UDI.") == "(U D I), U D I."


def test_nocase_entries_match_any_case():
    lex = parse_lexicon("nato\tNATO\tnocase\n")
    assert apply(lex, "Nato and nato and NATO") == "NATO and NATO and NATO"


def test_phrase_beats_the_word_it_contains():
    lex = Lexicon.from_dict({"New": "noo", "New York": "noo york"})
    assert apply(lex, "New York is new") == "noo york is new"


@pytest.mark.parametrize("content, needle", [
    ("Prigozhin pree goh zhin\n", "line 1"),          # no tab
    ("\tsomething\n", "empty written"),
    ("word\t\n", "empty spoken"),
    ("a\tb\n# c\na\tc\n", "line 3"),                  # same word, different reading
    ("a\tb\tloud\n", "unknown flag"),
])
def test_bad_lines_name_the_file_and_line(content, needle, tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_lexicon(path)
    assert str(path) in str(err.value)
    assert needle in str(err.value)


def test_duplicate_with_same_reading_is_fine():
    assert len(parse_lexicon("a\tb\na\tb\n")) == 1


def test_missing_or_none_is_empty(tmp_path):
    assert not load_lexicon(None)
    assert not load_lexicon(tmp_path / "nope.tsv")
    assert apply(load_lexicon(None), "UDI") == "UDI"


def test_version_follows_content_not_order():
    a = Lexicon.from_dict({"x": "ex", "y": "why"})
    b = Lexicon.from_dict({"y": "why", "x": "ex"})
    c = Lexicon.from_dict({"x": "ex", "y": "wye"})
    assert a.version == b.version != c.version
    assert Lexicon().version == "empty"


def test_merge_later_wins():
    publication = Lexicon.from_dict({"Risnes": "riss ness", "UDI": "U D I"})
    voice = Lexicon.from_dict({"Risnes": "ree snes"})
    merged = merge(publication, None, voice)
    assert merged.as_dict() == {"UDI": "U D I", "Risnes": "ree snes"}
    assert merge(voice, publication).lookup("Risnes") == "riss ness"


def test_save_writes_aside_then_renames_and_round_trips(tmp_path):
    lex = parse_lexicon("Prigozhin\tpree goh zhin\nnato\tNATO\tnocase\n")
    path = tmp_path / "lexicons" / "pub.tsv"
    save_lexicon(lex, path)
    assert load_lexicon(path) == lex
    assert [p.name for p in path.parent.iterdir()] == ["pub.tsv"]  # no temporary file left


def test_shipped_lexicons_load():
    for path in (ROOT / "voices" / "lexicons").glob("*.tsv"):
        lex = load_lexicon(path)
        assert lex, path
        assert lex.lookup("Prigozhin") or path.name != "en.tsv"
