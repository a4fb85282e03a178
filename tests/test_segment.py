import pytest

from narrator.config import Settings
from narrator.model import Article, Paragraph, Section
from narrator.segment import segment, split_sentences
from narrator.speech.voices import get_voice

DISCLAIMER = "Voice is AI-generated. Inconsistencies may occur."
"""The notice every narration opens with, as the product promises it (written out, not read from the code)."""


def test_split_keeps_abbreviations_initials_and_times_together():
    text = ('He crossed shortly before 2 a.m. last Friday. Then Mr. Smith left! "Be careful," he said. '
            "J. R. Tolkien wrote it in the U.S. in 1937. Done")
    assert split_sentences(text) == [
        "He crossed shortly before 2 a.m. last Friday.",
        "Then Mr. Smith left!",
        '"Be careful," he said.',
        "J. R. Tolkien wrote it in the U.S. in 1937.",
        "Done",
    ]


@pytest.mark.parametrize("text, sentences", [
    # abbreviation periods inside a sentence never split it
    ("The U.S. Attorney declined to comment. Officials agreed.",
     ["The U.S. Attorney declined to comment.", "Officials agreed."]),
    ("A 2019 study by Patel et al. found a similar effect. It was small.",
     ["A 2019 study by Patel et al. found a similar effect.", "It was small."]),
    ("Gonzaga vs. Baylor tips off at 9 p.m. Friday in Phoenix.",
     ["Gonzaga vs. Baylor tips off at 9 p.m. Friday in Phoenix."]),
    ("Gov. Hale signed it. Sen. Ortiz, R-Texas, did not.",
     ["Gov. Hale signed it.", "Sen. Ortiz, R-Texas, did not."]),
    ("SACRAMENTO, Calif. — Gov. Rebecca Hale signed the bill.",
     ["SACRAMENTO, Calif. — Gov. Rebecca Hale signed the bill."]),
    ("The No. 3 seed advanced. No. 4 did not.", ["The No. 3 seed advanced.", "No. 4 did not."]),
    ("Shares of Meridian Corp. Class B fell.", ["Shares of Meridian Corp. Class B fell."]),
    ("An E. coli outbreak spread. J. R. Tolkien wrote it.",
     ["An E. coli outbreak spread.", "J. R. Tolkien wrote it."]),
    # ... while a real sentence end after one still splits: before a word that opens sentences,
    # and after a.m./p.m. before anything but a weekday, month or time zone
    ("The chipmaker is now the largest in the U.S. The next day its shares fell.",
     ["The chipmaker is now the largest in the U.S.", "The next day its shares fell."]),
    ("It ended at 2 a.m. Police arrived later.", ["It ended at 2 a.m.", "Police arrived later."]),
    ("Shares of Halvorsen Inc. But not for long.", ["Shares of Halvorsen Inc.", "But not for long."]),
    ("He lives on Elm St. It is quiet. She said no. Then she left.",
     ["He lives on Elm St.", "It is quiet.", "She said no.", "Then she left."]),
    ("Wait... What happened?", ["Wait...", "What happened?"]),
])
def test_abbreviation_periods_split_only_at_sentence_ends(text, sentences):
    assert split_sentences(text) == sentences


@pytest.mark.parametrize("text, sentences", [
    # text run together after a word, a year, a percentage or a closing quote
    ("The ferry sank.Rescuers arrived at dawn.", ["The ferry sank.", "Rescuers arrived at dawn."]),
    ("Sales fell in 2023.The board met.", ["Sales fell in 2023.", "The board met."]),
    ("Rates rose 4%.Markets fell.", ["Rates rose 4%.", "Markets fell."]),
    ('She said "we are done."Then she left.', ['She said "we are done."', "Then she left."]),
    # ... but not inside initials, decimals or addresses
    ("The U.S.Navy ship and version 2.5 shipped.", ["The U.S.Navy ship and version 2.5 shipped."]),
    ("Read it at example.com today.", ["Read it at example.com today."]),
])
def test_text_run_together_is_split_at_its_sentence_ends(text, sentences):
    assert split_sentences(text) == sentences


def test_splitter_reads_the_normalisers_abbreviation_list():
    from narrator.normalise.data import abbreviation_periods

    periods = abbreviation_periods()
    assert periods["gov"] == "never" and periods["no"] == "number" and periods["inc"] == "opener"
    assert periods["calif"] == "opener" and periods["a.m"] == "time" and periods["et al"] == "opener"


def _article():
    return Article(
        title="A title",
        byline="Jane Doe",
        sections=(
            Section(None, (Paragraph("🎙️ Voice is AI-generated. Inconsistencies may occur."),
                           Paragraph("First. Second sentence."))),
            Section("A heading", (Paragraph("Under the heading."), Paragraph("An item", "li"))),
        ),
    )


def test_order_disclaimer_first_and_printed_label_not_read_twice():
    script = segment(_article(), get_voice("espeak"), Settings().disclaimer)
    kinds = [b.kind for b in script.blocks]
    assert kinds == ["disclaimer", "title", "byline", "p", "heading", "p", "li"]
    assert script.blocks[0].text == DISCLAIMER
    assert script.blocks[2].text == "By Jane Doe"
    assert [b.text for b in script.blocks].count(DISCLAIMER) == 1
    assert script.chapters == ((4, "A heading"),)


def test_pauses_sentence_paragraph_heading():
    voice = get_voice("espeak")
    script = segment(_article(), voice, Settings().disclaimer)
    pauses = {u.text: u.pause_after_ms for u in script.units}
    assert pauses["First."] == voice.sentence_pause_ms
    assert pauses["Second sentence."] == voice.heading_pause_ms  # next block is a heading
    assert pauses["A heading"] == voice.heading_pause_ms
    assert pauses["Under the heading."] == voice.paragraph_pause_ms
    assert [u.block for u in script.units] == sorted(u.block for u in script.units)


def test_custom_and_empty_disclaimer():
    voice = get_voice("espeak")
    assert segment(_article(), voice, "Read by a machine.").blocks[0].text == "Read by a machine."
    assert segment(_article(), voice, "").blocks[0].kind == "title"


def test_script_speaks_the_voice_variety_of_the_article_language():
    article = Article("T", (Section(None, (Paragraph("It cost $250."),)),), language="en")
    assert segment(article, get_voice("joe"), "").language == "en-US"
    german = Article("T", (Section(None, (Paragraph("Es kostet 250 Euro."),)),), language="de")
    assert segment(german, get_voice(None, "de"), "").language == "de"
    assert segment(german, get_voice("joe"), "").language == "de"  # an English voice does not make it English
