"""normalise_words: what is said for each written span, per semiotic class (for word-level read-along)."""
from __future__ import annotations

import dataclasses

import pytest

from narrator.normalise import SpokenWord, normalise_text, normalise_words
from narrator.speech.lexicon import Lexicon


def _pairs(text: str, language: str = "en-US", lexicon: Lexicon | None = None) -> list[tuple[str, str]]:
    """(written span, spoken text) for each word."""
    return [(text[w.start:w.end], w.text) for w in normalise_words(text, language, lexicon)]


@pytest.mark.parametrize("text, pairs", [
    # money: one written span, several spoken words
    ("It lost $2.4 million today.",
     [("It", "It"), ("lost", "lost"), ("$2.4 million", "two point four million dollars"),
      ("today", "today.")]),
    ("a $5 fee", [("a", "a"), ("$5", "five-dollar"), ("fee", "fee")]),
    # cardinal, ordinal, decimal, fraction, measure
    ("He is 26, the 3rd of 4.5 kids",
     [("He", "He"), ("is", "is"), ("26", "twenty six,"), ("the", "the"), ("3rd", "third"), ("of", "of"),
      ("4.5", "four point five"), ("kids", "kids")]),
    ("Add 3 1/2 cups", [("Add", "Add"), ("3 1/2", "three and a half"), ("cups", "cups")]),
    ("It is 5 km long", [("It", "It"), ("is", "is"), ("5 km", "five kilometers"), ("long", "long")]),
    # date and time
    ("On Jan. 6, 2021 at 10:30 a.m. ET",
     [("On", "On"), ("Jan. 6, 2021", "January sixth, twenty twenty one"), ("at", "at"),
      ("10:30 a.m. ET", "ten thirty A.M eastern")]),
    # range, telephone, electronic
    ("ages 18-34", [("ages", "ages"), ("18-34", "eighteen to thirty four")]),
    ("Call 555-0123.", [("Call", "Call"), ("555-0123", "five five five, zero one two three.")]),
    ("See www.cdc.gov/flu now",
     [("See", "See"), ("www.cdc.gov/flu", "cdc dot gov slash flu"), ("now", "now")]),
    # abbreviation, letters, roman, serial, party tags
    ("Gov. Hale and the FBI's Charles III",
     [("Gov.", "governor"), ("Hale", "Hale"), ("and", "and"), ("the", "the"), ("FBI's", "F B I's"),
      ("Charles", "Charles"), ("III", "the third")]),
    ("Sen. Ray, R-Texas, flew F-35s",
     [("Sen.", "senator"), ("Ray", "Ray,"), ("R-Texas", "Republican of Texas,"), ("flew", "flew"),
      ("F-35s", "F-thirty fives")]),
    # punctuation clings to its word in what is said, not in the span that is read; a hyphenated
    # compound is one span
    ('"We won," she said (mid-2023).', [("We", '"We'), ("won", 'won,"'), ("she", "she"), ("said", "said"),
                                        ("mid-2023", "(mid-twenty twenty three).")]),
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
        ("ﬁnal", "final"), ("score", "score:"), ("１２", "twelve")]
    assert ("4½", "four and a half,") in [(text[w.start:w.end], w.text) for w in words]


def test_a_lexicon_entry_is_one_span_even_across_words():
    lexicon = Lexicon.from_dict({"Yevgeny Prigozhin": "yev gay nee pree goh zhin",
                                 "B2B": "business to business", "Risnes": "[[ɹˈɪsnɪz]]"})
    text = "Yevgeny Prigozhin met Risnes at a B2B fair."
    assert _pairs(text, lexicon=lexicon) == [
        ("Yevgeny Prigozhin", "yev gay nee pree goh zhin"), ("met", "met"), ("Risnes", "[[ɹˈɪsnɪz]]"),
        ("at", "at"), ("a", "a"), ("B2B", "business to business"), ("fair", "fair.")]


def test_spoken_word_is_a_frozen_value():
    word = normalise_words("42", "en")[0]
    assert word == SpokenWord("forty two", 0, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        word.text = "x"  # type: ignore[misc]


# Per semiotic class: every written span of a sentence (exactly), and what is said for the span of the
# class. Sentences made for these tests (not from the corpora); the spans are what read-along highlights.
@pytest.mark.parametrize("cls, text, spans, span, spoken", [
    ("cardinal", "About 1,250 people and 3 dogs came.",
     ["About", "1,250", "people", "and", "3", "dogs", "came"], "1,250", "one thousand two hundred fifty"),
    ("money", "They paid €3.50, then £2 billion.",
     ["They", "paid", "€3.50", "then", "£2 billion"], "£2 billion", "two billion pounds."),
    ("money abbreviated", "A pipe cost $3.2bn in all.",
     ["A", "pipe", "cost", "$3.2bn", "in", "all"], "$3.2bn", "three point two billion dollars"),
    ("date", "It happened on March 3, 1998, in Ohio.",
     ["It", "happened", "on", "March 3, 1998", "in", "Ohio"], "March 3, 1998",
     "March third, nineteen ninety eight,"),
    ("date in digits", "Filed on 12/25/2020 by hand.",
     ["Filed", "on", "12/25/2020", "by", "hand"], "12/25/2020", "December twenty fifth twenty twenty"),
    ("time", "Doors open at 7:45 p.m. sharp.",
     ["Doors", "open", "at", "7:45 p.m.", "sharp"], "7:45 p.m.", "seven forty five P.M"),
    ("measure", "It runs 60 mph at 5°C.",
     ["It", "runs", "60 mph", "at", "5°C"], "60 mph", "sixty miles per hour"),
    ("ordinal", "She came 21st, he 2nd.", ["She", "came", "21st", "he", "2nd"], "21st", "twenty first,"),
    ("decimal and percent", "Rates rose 0.25 points to 3.75%.",
     ["Rates", "rose", "0.25", "points", "to", "3.75%"], "3.75%", "three point seven five percent."),
    ("fraction", "Add 2/3 cup of oats.", ["Add", "2/3", "cup", "of", "oats"], "2/3", "two thirds"),
    ("abbreviation", "Dr. Lee met Prof. Kahn.", ["Dr.", "Lee", "met", "Prof.", "Kahn"], "Prof.", "professor"),
    ("letters", "The envoys met the CEO of IBM.",
     ["The", "envoys", "met", "the", "CEO", "of", "IBM"], "IBM", "I.B.M."),
    ("e-mail", "Write to press@news.example.org today.",
     ["Write", "to", "press@news.example.org", "today"], "press@news.example.org",
     "press at news dot example dot org"),
    ("url", "Visit https://news.example.org/a/b?c=1 now.",
     ["Visit", "https://news.example.org/a/b?c=1", "now"], "https://news.example.org/a/b?c=1",
     "news dot example dot org"),
    ("telephone", "Call (202) 555-0147 today.",
     ["Call", "(202) 555-0147", "today"], "(202) 555-0147",
     "two zero two, five five five, zero one four seven"),
    ("roman numeral", "Pope John Paul II spoke.",
     ["Pope", "John", "Paul", "II", "spoke"], "II", "the second"),
    ("range", "A 2019-2021 study, pages 10–12.",
     ["A", "2019-2021", "study", "pages", "10–12"], "10–12", "ten to twelve."),
    ("hyphenated", "A well-known 5-year-old won.",
     ["A", "well-known", "5-year-old", "won"], "5-year-old", "five-year-old"),
    ("punctuation and decoration dropped", "Wow!!! 🎉 — (see below) *** ok ...",
     ["Wow", "see", "below", "ok"], "Wow", "Wow!!! —"),
])
def test_the_written_spans_of_each_semiotic_class(cls, text, spans, span, spoken):
    words = normalise_words(text, "en-US")
    assert [text[w.start:w.end] for w in words] == spans, cls
    assert dict((text[w.start:w.end], w.text) for w in words)[span] == spoken, cls


def test_a_lexicon_expansion_is_one_span_and_dropped_words_none():
    lexicon = Lexicon.from_dict({"WHO": "the World Health Organization", "Kyiv": "keev"})
    text = "The WHO ✨ praised Kyiv (★★★)."
    assert _pairs(text, lexicon=lexicon) == [
        ("The", "The"), ("WHO", "the World Health Organization"), ("praised", "praised"), ("Kyiv", "keev.")]


def test_spans_are_what_is_read_and_the_spoken_text_keeps_the_punctuation():
    # The span of each word holds at least one letter or digit and never starts or ends with the
    # punctuation that clings to it in the spoken text.
    text = '"Stop," he said -- (twice) -- [sic] «non», and left...'
    for w in normalise_words(text, "en-US"):
        written = text[w.start:w.end]
        assert any(ch.isalnum() for ch in written), written
        assert written[0] not in '"(«[,' and written[-1] not in '",)».]', written
