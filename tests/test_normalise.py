"""The English normaliser: rules per category, the seed article, the CLI and the corpus gate."""
from __future__ import annotations

import io
import sys
import unicodedata
from pathlib import Path

import pytest

from narrator.lexicon import Lexicon
from narrator.model import Block, Script, Unit
from narrator.normalise import cardinal, main, normalise, normalise_text, ordinal, year

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "corpus" / "normalization" / "dev"
SEED = SHARED / "seed"

# Written -> spoken, our own cases (not copied from the corpus), by category.
CASES = {
    "cardinal": [
        ("7 people", "seven people"),
        ("She has 45 cats", "She has forty five cats"),
        ("about 3,400 homes", "about three thousand four hundred homes"),
        ("2,000,500 votes", "two million five hundred votes"),
        ("It fell to -5", "It fell to minus five"),
        ("a 45-year-old man", "a forty five-year-old man"),
    ],
    "ordinal": [
        ("the 2nd time", "the second time"),
        ("his 43rd birthday", "his forty third birthday"),
        ("the 112th Congress", "the one hundred twelfth Congress"),
        ("on the 20th", "on the twentieth"),
    ],
    "decimal": [
        ("rose 3.75 points", "rose three point seven five points"),
        ("0.5 of it", "zero point five of it"),
    ],
    "percent": [
        ("about 10% of", "about ten percent of"),
        ("10 percent", "ten percent"),
        ("fell 2.5%", "fell two point five percent"),
        ("from 5-7%", "from five to seven percent"),
    ],
    "money": [
        ("$5m deal", "five million dollars deal"),
        ("£2.3bn loss", "two point three billion pounds loss"),
        ("€40k salary", "forty thousand euros salary"),
        ("paid $3.50", "paid three dollars fifty cents"),
        ("a $1 coin", "a one dollar coin"),
        ("cost £12", "cost twelve pounds"),
        ("€0.05 each", "five cents each"),
        ("$3-4 billion", "three to four billion dollars"),
        ("USD 300", "three hundred US dollars"),
    ],
    "date": [
        ("July 6", "July sixth"),
        ("on 3 March 2021", "on the third of March twenty twenty one"),
        ("Jan. 13, 1999", "January thirteenth, nineteen ninety nine"),
        ("in 2014", "in twenty fourteen"),
        ("in 2008", "in two thousand eight"),
        ("the 1990s", "the nineteen nineties"),
        ("2021-03-09", "March ninth twenty twenty one"),
        ("12/25/2019", "December twenty fifth twenty nineteen"),
        ("May 2019", "May twenty nineteen"),
    ],
    "time": [
        ("2 a.m. last Friday", "two AM last Friday"),
        ("at 10:30am", "at ten thirty AM"),
        ("at 7:05 p.m. GMT", "at seven oh five PM GMT"),
        ("at 14:00", "at fourteen o'clock"),
        ("9am-5pm", "nine AM to five PM"),
    ],
    "measure": [
        ("a 5km run", "a five kilometers run"),
        ("1 kg of rice", "one kilogram of rice"),
        ("30 mph", "thirty miles per hour"),
        ("-3°C", "minus three degrees Celsius"),
        ("6 ft tall", "six feet tall"),
        ("3-4 kg", "three to four kilograms"),
    ],
    "fraction": [
        ("3/4 of voters", "three quarters of voters"),
        ("2/3", "two thirds"),
        ("5 1/2 miles", "five and a half miles"),
    ],
    "range": [
        ("2014-2016", "twenty fourteen to twenty sixteen"),
        ("pages 5-9", "pages five - nine"),
    ],
    "telephone": [
        ("call 212-555-0187", "call two one two, five five five, zero one eight seven"),
    ],
    "electronic": [
        ("j.dutton@newsweek.com", "j dot dutton at newsweek dot com"),
        ("Gulagu.net", "Gulagu dot net"),
        ("see https://example.org/a-b", "see HTTPS colon slash slash example dot org slash a dash b"),
    ],
    "abbreviation": [
        ("Mr. Smith", "mister Smith"),
        ("Dr. Jones and Gen. Milley", "doctor Jones and general Milley"),
        ("in St. Petersburg", "in Saint Petersburg"),
        ("on Main St. in", "on Main Street in"),
        ("the U.S. and the U.K. too", "the US and the UK too"),
        ("apples, e.g. these", "apples, for example these"),
        ("No. 10", "number ten"),
    ],
    "acronym": [
        ("the UDI said", "the U.D.I. said"),
        ("NATO and the BBC", "NATO and the BBC"),
        ("WHO IS ANDREI MEDVEDEV", "WHO IS ANDREI MEDVEDEV"),
    ],
    "roman": [
        ("World War II", "World War two"),
        ("Henry VIII", "Henry the eighth"),
        ("Chapter IV", "Chapter four"),
        ("Then I left", "Then I left"),
        ("You and I.", "You and I."),
    ],
    "symbols": [
        ("Tom & Jerry", "Tom and Jerry"),
        ("#1 hit", "number one hit"),
        ("a+b", "a plus b"),
        ("AT&T", "AT and T"),
    ],
    "emoji": [
        ("🎙️ Voice is AI-generated.", "Voice is AI-generated."),
        ("Great ★★★ news 🚀", "Great news"),
    ],
    "serial": [
        ("B2B magazine", "B two B magazine"),
        ("COVID-19", "COVID-nineteen"),
        ("G7 summit", "G seven summit"),
    ],
}


@pytest.mark.parametrize("written, spoken",
                         [case for cases in CASES.values() for case in cases],
                         ids=[f"{cat}-{i}" for cat, cases in CASES.items() for i in range(len(cases))])
def test_rules(written, spoken):
    assert normalise_text(written) == spoken


def test_number_words():
    assert cardinal(123) == "one hundred and twenty three"
    assert cardinal(123, and_=False) == "one hundred twenty three"
    assert cardinal(18052) == "eighteen thousand and fifty two"
    assert cardinal(1_000_000) == "one million"
    assert ordinal(21) == "twenty first"
    assert ordinal(12) == "twelfth"
    assert year(1905) == "nineteen oh five"
    assert year(2000) == "two thousand"
    assert year(1900) == "nineteen hundred"


def test_seed_sentences():
    assert normalise_text("Medvedev, 26, had fled") == "Medvedev, twenty six, had fled"
    assert normalise_text("shortly before 2 a.m. last Friday") == "shortly before two AM last Friday"
    assert normalise_text("about 10 percent of") == "about ten percent of"
    assert normalise_text("Founded in 2014, the group") == "Founded in twenty fourteen, the group"
    assert normalise_text("Telegram/Gulagu.Net") == "Telegram slash Gulagu dot Net"


def test_sentence_final_abbreviation_keeps_its_full_stop():
    assert normalise_text("He left at 2 a.m. Police came.") == "He left at two AM. Police came."
    assert normalise_text("in the U.S. Then") == "in the US. Then"


@pytest.mark.skipif(not (SEED / "article.txt").is_file(), reason="../shared/seed is not beside the repo")
def test_seed_article_is_idempotent_and_keeps_line_count():
    lines = (SEED / "article.txt").read_text(encoding="utf-8").splitlines()
    spoken = [normalise_text(line) for line in lines]
    assert len(spoken) == len(lines)
    assert "U.D.I." in spoken[6] and "twenty six" in spoken[6]
    assert [normalise_text(s) for s in spoken] == spoken


def test_idempotent_on_own_output():
    for cases in CASES.values():
        for written, _ in cases:
            once = normalise_text(written)
            assert normalise_text(once) == once, written


def test_other_languages_only_lose_emoji():
    assert normalise_text("Am 6. Juli 2014 🎉 kamen 10 %", language="de") == "Am 6. Juli 2014 kamen 10 %"


def test_lexicon_applied_whole_word_and_case_sensitive():
    lex = Lexicon.from_dict({"Prigozhin": "pree goh zhin", "UDI": "you dee eye"})
    assert normalise_text("Prigozhin's man, Prigozhinite, prigozhin", lexicon=lex) == \
        "pree goh zhin's man, Prigozhinite, prigozhin"
    assert normalise_text("The UDI said", lexicon=lex) == "The you dee eye said"
    # Entries win over the rules, and reach inside web addresses' spoken forms.
    assert normalise_text("Gulagu.net", lexicon=Lexicon.from_dict({"Gulagu": "goo lah goo"})) == \
        "goo lah goo dot net"
    assert normalise_text("Hallo UDI", language="de", lexicon=lex) == "Hallo you dee eye"


def test_normalise_script_keeps_text_and_fills_spoken():
    script = Script(blocks=(Block("p", "On July 6 at 2 a.m."),),
                    units=(Unit(text="On July 6 at 2 a.m.", spoken="", block=0),))
    out = normalise(script, Lexicon.from_dict({"July": "Joo lie"}))
    assert out.units[0].text == "On July 6 at 2 a.m."
    assert out.units[0].spoken == "On Joo lie sixth at two AM."
    # Entries with digits or punctuation are matched in the written text, before the rules.
    assert normalise_text("a B2B deal", lexicon=Lexicon.from_dict({"B2B": "business to business"})) == \
        "a business to business deal"
    assert out.blocks == script.blocks


def test_cli_prints_one_line_per_input_line(monkeypatch, capsys, tmp_path):
    lex = tmp_path / "lex.tsv"
    lex.write_text("Risnes\triss ness\n", encoding="utf-8")
    lines = ["July 6", "", "  ", "Risnes said 10%", "🎙️"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("".join(line + "\n" for line in lines)))
    assert main(["--lexicon", str(lex)]) == 0
    out = capsys.readouterr().out
    assert out.split("\n")[:-1] == ["July sixth", "", "", "riss ness said ten percent", ""]


# --- quality gate on the shared corpus (mirrors bench/score_normalization.py) -------------------

def _scorer_norm(s: str) -> str:
    """score_normalization.py's comparison: lower case, punctuation (but inner ') to spaces."""
    s = s.lower().replace("\u2019", "'").replace("\u2018", "'")
    out = []
    for i, ch in enumerate(s):
        if ch == "'" and 0 < i < len(s) - 1 and s[i - 1].isalnum() and s[i + 1].isalnum():
            out.append(ch)
        elif unicodedata.category(ch).startswith("P"):
            out.append(" ")
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _accuracy(path: Path) -> tuple[int, int]:
    ok = total = 0
    for line in path.read_text(encoding="utf-8").split("\n"):
        row = line.split("~")
        if len(row) < 2:
            continue
        total += 1
        ok += _scorer_norm(normalise_text(row[0])) in {_scorer_norm(r) for r in row[1:]}
    return ok, total


# Floors pinned a little below what the rules achieve on the dev split (see bench/RESULTS.md).
# Raising a floor is a commit of its own; lowering one needs a reason in the message.
OVERALL_FLOOR = 0.94
CATEGORY_FLOORS = {
    "cardinal": 1.0, "ordinal": 1.0, "decimal": 1.0, "money": 1.0, "date": 1.0, "time": 1.0,
    "measure": 1.0, "address": 1.0, "fraction": 1.0, "electronic": 0.93, "telephone": 1.0,
    "range": 0.87, "serial": 0.88, "punctuation": 0.9, "word": 1.0, "roman": 1.0,
    "whitelist": 1.0, "normalize_with_audio": 0.75,
}


@pytest.mark.slow
def test_dev_corpus_accuracy_floors():
    if not DEV.is_dir():
        pytest.skip(f"normalisation corpus not found at {DEV}")
    ok_all = total_all = 0
    below = []
    for path in sorted(DEV.glob("*.txt")):
        ok, total = _accuracy(path)
        ok_all += ok
        total_all += total
        floor = CATEGORY_FLOORS.get(path.stem)
        if floor is not None and ok / total < floor:
            below.append(f"{path.stem}: {ok}/{total} < {floor}")
    assert not below, below
    assert ok_all / total_all >= OVERALL_FLOOR, f"overall {ok_all}/{total_all}"


def test_american_english_drops_the_british_and_from_numbers_only():
    text = "Dr. Smith treated 250 patients for $1,005; one hundred and fifty came back."
    assert normalise_text(text, "en") == ("doctor Smith treated two hundred and fifty patients for one "
                                          "thousand and five dollars; one hundred and fifty came back.")
    # Digits become US readings; words the writer chose, and lexicon entries, stay as written.
    lexicon = Lexicon.from_dict({"ABC": "two hundred and two"})
    assert normalise_text(text + " ABC", "en-US", lexicon) == (
        "doctor Smith treated two hundred fifty patients for one thousand five dollars; "
        "one hundred and fifty came back. two hundred and two")

