"""normalise_words: what is said for each written span, per semiotic class (for word-level read-along)."""
from __future__ import annotations

import dataclasses

import pytest

from narrator.lexicon import Lexicon
from narrator.normalise import SpokenWord, normalise_text, normalise_words


def _pairs(text: str, language: str = "en-US", lexicon: Lexicon | None = None) -> list[tuple[str, str]]:
    """(written span, spoken text) for each word."""
    return [(text[w.start:w.end], w.text) for w in normalise_words(text, language, lexicon)]


@pytest.mark.parametrize("text, pairs", [
    # money: one written span, several spoken words
    ("It lost $2.4 million today.",
     [("It", "It"), ("lost", "lost"), ("$2.4 million", "two point four million dollars"),
      ("today.", "today.")]),
    ("a $5 fee", [("a", "a"), ("$5", "five dollar"), ("fee", "fee")]),
    # cardinal, ordinal, decimal, fraction, measure
    ("He is 26, the 3rd of 4.5 kids",
     [("He", "He"), ("is", "is"), ("26,", "twenty six,"), ("the", "the"), ("3rd", "third"), ("of", "of"),
      ("4.5", "four point five"), ("kids", "kids")]),
    ("Add 3 1/2 cups", [("Add", "Add"), ("3 1/2", "three and a half"), ("cups", "cups")]),
    ("It is 5 km long", [("It", "It"), ("is", "is"), ("5 km", "five kilometers"), ("long", "long")]),
    # date and time
    ("On Jan. 6, 2021 at 10:30 a.m. ET",
     [("On", "On"), ("Jan. 6, 2021", "January sixth, twenty twenty one"), ("at", "at"),
      ("10:30 a.m. ET", "ten thirty AM eastern")]),
    # range, telephone, electronic
    ("ages 18-34", [("ages", "ages"), ("18-34", "eighteen to thirty four")]),
    ("Call 555-0123.", [("Call", "Call"), ("555-0123.", "five five five, zero one two three.")]),
    ("See www.cdc.gov/flu now", [("See", "See"), ("www.cdc.gov/flu", "cdc dot gov"), ("now", "now")]),
    # abbreviation, letters, roman, serial, party tags
    ("Gov. Hale and the FBI's Charles III",
     [("Gov.", "governor"), ("Hale", "Hale"), ("and", "and"), ("the", "the"), ("FBI's", "F B I's"),
      ("Charles", "Charles"), ("III", "the third")]),
    ("Sen. Ray, R-Texas, flew F-35s",
     [("Sen.", "senator"), ("Ray,", "Ray,"), ("R-Texas,", "Republican of Texas,"), ("flew", "flew"),
      ("F-35s", "F-thirty fives")]),
    # punctuation clings to its word; a hyphenated compound is one span
    ('"We won," she said (mid-2023).', [('"We', '"We'), ('won,"', 'won,"'), ("she", "she"), ("said", "said"),
                                        ("(mid-2023).", "(mid-twenty twenty three).")]),
])
def test_each_written_span_and_what_is_said_for_it(text, pairs):
    assert _pairs(text) == pairs


def test_words_join_to_normalise_text_and_spans_are_ordered():
    text = "On Jan. 6, the U.S. paid $2.4 million 🎉 to 1,250 people (see irs.gov) — 24/7."
    for language in ("en", "en-US", "en-GB", "de"):
        words = normalise_words(text, language)
        assert " ".join(w.text for w in words) == normalise_text(text, language)
        assert all(0 <= w.start < w.end <= len(text) for w in words)
        assert all(a.end <= b.start for a, b in zip(words, words[1:], strict=False))


def test_dropped_pieces_have_no_words():
    text = "Great 🎉 news (doi:10.1038/abc) ★★★ today"
    assert _pairs(text) == [("Great", "Great"), ("news", "news"), ("today", "today")]
    assert normalise_words("🎉 ★", "en-US") == [] and normalise_words("", "en") == []


def test_spans_point_into_the_input_through_unicode_folding():
    # NFKC changes lengths ("ﬁ" -> "fi", "１２" -> "12"); spans stay offsets of the input
    text = "The ﬁnal score: １２ to 4½, by ＵＳ teams"
    words = normalise_words(text, "en-US")
    assert [(text[w.start:w.end], w.text) for w in words][1:4] == [
        ("ﬁnal", "final"), ("score:", "score:"), ("１２", "twelve")]
    assert ("4½,", "four and a half,") in [(text[w.start:w.end], w.text) for w in words]


def test_a_lexicon_entry_is_one_span_even_across_words():
    lexicon = Lexicon.from_dict({"Yevgeny Prigozhin": "yev gay nee pree goh zhin",
                                 "B2B": "business to business", "Risnes": "[[ɹˈɪsnɪz]]"})
    text = "Yevgeny Prigozhin met Risnes at a B2B fair."
    assert _pairs(text, lexicon=lexicon) == [
        ("Yevgeny Prigozhin", "yev gay nee pree goh zhin"), ("met", "met"), ("Risnes", "[[ɹˈɪsnɪz]]"),
        ("at", "at"), ("a", "a"), ("B2B", "business to business"), ("fair.", "fair.")]


def test_spoken_word_is_a_frozen_value():
    word = normalise_words("42", "en")[0]
    assert word == SpokenWord("forty two", 0, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        word.text = "x"  # type: ignore[misc]
