"""What a listener hears on pages nobody tuned for (issue 27): no stop in mid-sentence, capitals said
as a newsreader says them, numbers a newsreader's way, numbers and sentences of other languages.

Every example here was written for this test, of the kinds the issue names; the expectations are
written out by hand, never read from the normaliser.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from piper.phonemize_espeak import EspeakPhonemizer

from narrator.normalise import normalise_text
from narrator.normalise.capitals import exceptions, pronounceable
from narrator.segment import split_sentences

FIXTURES = Path(__file__).resolve().parent / "fixtures"
_SAID = re.compile(r"[^\W\d_]")


@pytest.fixture(scope="module")
def phonemizer() -> EspeakPhonemizer:
    return EspeakPhonemizer()


def _sentences_heard(phonemizer: EspeakPhonemizer, spoken: str) -> list[str]:
    """The sentences Piper's phonemizer (espeak-ng's text reader) makes of `spoken`, those with
    something said (a closing quote alone after a full stop is no cut anyone hears)."""
    return [p for p in ("".join(x) for x in phonemizer.phonemize("en-us", spoken)) if _SAID.search(p)]


# --- mid-sentence stops -------------------------------------------------------------------------

MID_SENTENCE = [
    # dotted initialisms before a capitalised word
    "The N.H.L. Board of Governors met in Florida.",
    "An I.R.S. Agent visited the shop twice.",
    "The U.K. Parliament rose for the summer.",
    # initialisms in capitals before a capitalised word, with endings and ampersands
    "The NTSB Chair and two FAA Officials toured the site.",
    "Three CEOs' letters reached the SEC Commissioner on Monday.",
    "The S&P Dow Jones Indices team and AT&T Labs agreed.",
    # middle initials and initials of names, the letter A among them
    "The prize went to Laura A. Whitfield of Reno.",
    "Judge Thomas E. Brandt ruled on Friday.",
    "A. Kowalczyk and R. J. Osei scored for the hosts.",
    # ! and ? before a closing quote and a lower-case word
    '"Stay back!" a firefighter yelled at the crowd.',
    '"Where is the money?" the auditor asked.',
    # ... or before who asked or cried it
    '"Why wait?" Councilman Ray Ortiz asked reporters.',
    '“Enough!” Martinez shouted.',
    # times, titles, datelines and bylines
    "Voting ends at 7 p.m. Central on Tuesday.",
    "Lt. Gov. Maria Reyes and Sgt. Paul Chu spoke.",
    "DAYTON, Ohio (AP) — A tornado damaged two schools.",
    "By KEVIN O'BRIEN and LENA PARK, Associated Press",
]


@pytest.mark.parametrize("written", MID_SENTENCE)
def test_one_written_sentence_is_one_sentence_for_the_voice(phonemizer, written):
    """The spoken form reaches espeak-ng (Piper's phonemizer and the espeak voice) as one sentence:
    no stop, pause and new intonation in its middle."""
    assert split_sentences(written) == [written]
    spoken = normalise_text(written, "en-US")
    assert len(_sentences_heard(phonemizer, spoken)) == 1, spoken


def test_own_sentences_of_every_cut_kind_stay_whole(phonemizer):
    """The sentences of tests/fixtures/cuts_own.txt (the bench's own set) each stay one sentence."""
    lines = [x for x in (FIXTURES / "cuts_own.txt").read_text(encoding="utf-8").splitlines()
             if x.strip() and not x.startswith("#")]
    assert len(lines) > 60
    cut = []
    for line in lines:
        for sentence in split_sentences(line):
            spoken = normalise_text(sentence, "en-US")
            if len(_sentences_heard(phonemizer, spoken)) > 1:
                cut.append(spoken)
    assert cut == []


def test_a_real_sentence_end_after_an_initialism_still_ends_it(phonemizer):
    spoken = normalise_text("The talks were held in the U.K. The next round is in May.", "en-US")
    assert len(_sentences_heard(phonemizer, spoken)) == 2


# --- capitals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("written, spoken", [
    # datelines and bylines in their usual case
    ("DAYTON, Ohio (AP) — A tornado damaged two schools.",
     "Dayton, Ohio (A.P) — A tornado damaged two schools."),
    ("TORONTO (Reuters) - Shares rose.", "Toronto (Reuters) - Shares rose."),
    ("By KEVIN MARSH and ANA DIAZ, Associated Press", "By Kevin Marsh and Ana Diaz, Associated Press"),
    # a dateline's place and a byline's names are names, pronounceable by the rule or not
    ("LVIV, Ukraine (AP) — Sirens sounded at dawn.", "Lviv, Ukraine (A.P) — Sirens sounded at dawn."),
    ("By LI NG and DMITRY SOKOLOV", "By Li Ng and Dmitry Sokolov"),
    ("By ROSA KIM and the NTSB staff", "By Rosa Kim and the N.T.S.B staff"),
    ("Signed, NERVOUS IN NASHVILLE", "Signed, Nervous In Nashville"),
    # plurals and possessives of initialisms, ampersands
    ("Two MPs and the BBC's editor left.", "Two M P's and the B B C's editor left."),
    ("The S&P 500 and H&M fell.", "The S and P five hundred and H and M fell."),
    ("Two B&Bs sold M&Ms.", "Two B and B's sold M and M's."),
    # market codes left out, promo codes spelled: never "equals"
    ("The Nasdaq (.IXIC) rose and the yen (JPY=) fell.", "The Nasdaq rose and the yen fell."),
    ("Gold (XAU=) and copper (HGc1) gained.", "Gold and copper gained."),
    ("The dollar index (=USD) and the yuan (CNY=CFXS) were flat.",
     "The dollar index and the yuan were flat."),
    ("Enter code SPRING30 at checkout.", "Enter code S.P.R.I.N.G three zero at checkout."),
])
def test_capitals_said_as_a_newsreader_says_them(written, spoken):
    assert normalise_text(written, "en-US") == spoken


@pytest.mark.parametrize("word, said", [
    ("UNESCO", True), ("NAFTA", True), ("BAFTA", True), ("NORAD", True), ("LASIK", True), ("SEPTA", True),
    ("DARPA", True), ("ASEAN", True), ("BRICS", True), ("ICANN", True),
    ("NCAA", False), ("IMF", False), ("ACLU", False), ("USDA", False), ("NHTSA", False), ("HSBC", False),
    ("GCHQ", False), ("UCLA", False),
])
def test_an_acronym_is_a_word_when_english_can_pronounce_it(word, said):
    """The rule decides, not a list: none of these is in the exceptions table."""
    assert word not in exceptions()
    assert pronounceable(word) is said
    heard = normalise_text(f"He met the {word} team.", "en-US")
    assert (f"the {word.capitalize()} team" in heard) is said


# --- numbers a newsreader's way -------------------------------------------------------------------

@pytest.mark.parametrize("written, spoken", [
    ("The Senate voted 53-47 and the Nets won 118-111.",
     "The Senate voted fifty three to forty seven and the Nets won one hundred eighteen to one hundred "
     "eleven."),
    ("He hit .318 last year.", "He hit three eighteen last year."),
    ("Sales in fiscal 2029 fell; Fiscal 2040 targets and fiscal 2035 results.",
     "Sales in fiscal twenty twenty nine fell; Fiscal twenty forty targets and fiscal twenty thirty five "
     "results."),
    ("The 2024/25 season opens in August.", "The twenty twenty four to twenty five season opens in August."),
    ("Stir in 2-1/4 cups of milk.", "Stir in two and a quarter cups of milk."),
    ('A 55" screen, he said, was "too big".', 'A fifty five inch screen, he said, was "too big".'),
    ("A 27” screen, he said, was “too big”.", "A twenty seven inch screen, he said, was “too big”."),
    ("He wanted “a 43” set” for the den.", "He wanted “a forty three inch set” for the den."),
    ("The 32″ model sold out.", "The thirty two inch model sold out."),
    ("She won a $25 voucher.", "She won a twenty five-dollar voucher."),
    ("It was $40 cheaper online.", "It was forty dollars cheaper online."),
    ("The summit runs 9-11 October.", "The summit runs the ninth to the eleventh of October."),
    ("The fair runs May 2-6.", "The fair runs May second to sixth."),
    ("The flat sold for Rs 45 lakh, and the fund raised ₹2 crore.",
     "The flat sold for forty five lakh rupees, and the fund raised two crore rupees."),
    # digits grouped the South Asian way are said in lakhs and crores, as their writer counts
    ("The bill came to Rs 3,45,600 and 2,00,00,000 voters.",
     "The bill came to three lakh forty five thousand six hundred rupees and two crore voters."),
    ("Turnout was 64pc.", "Turnout was sixty four percent."),
    ("Exports reached 3 million kg and 2 billion km.",
     "Exports reached three million kilograms and two billion kilometers."),
    ("They wed on the 14th’s eve.", "They wed on the fourteenth's eve."),
    ("Hits of the 1970 s and the ’80s and the 90’s.",
     "Hits of the nineteen seventies and the eighties and the nineties."),
    ("Go to example.net/storm/shelters now.", "Go to example dot net slash storm slash shelters now."),
])
def test_numbers_the_way_a_newsreader_says_them(written, spoken):
    assert normalise_text(written, "en-US") == spoken


# --- other languages ------------------------------------------------------------------------------

@pytest.mark.parametrize("language, written, spoken", [
    # the language's thousands mark: one number for the engine, never "40. 000"
    ("de", "Es kamen 40.000 Menschen.", "Es kamen 40000 Menschen."),
    ("de", "Der Bau kostet 2.750.000,80 Euro.", "Der Bau kostet 2750000,80 Euro."),
    ("es", "Llegaron 12.500 personas y el 3,5 %.", "Llegaron 12500 personas y el 3,5 %."),
    ("fr", "Il y avait 40 000 spectateurs.", "Il y avait 40000 spectateurs."),
    ("fr", "Un budget de 1\u202f200\u202f000 euros.", "Un budget de 1200000 euros."),
    ("ru", "Пришли 15 000 человек.", "Пришли 15000 человек."),
    ("de-CH", "Es kostet 1’250.50 Franken.", "Es kostet 1250.50 Franken."),
    ("es-MX", "Asistieron 40,000 personas.", "Asistieron 40000 personas."),
    # digits joined by marks in a language whose marks are not known stay one word
    ("xx", "Tulos 3.5 ja 12.03.2024.", "Tulos 3.5 ja 12.03.2024."),
])
def test_numbers_of_other_languages_reach_the_engine_whole(language, written, spoken):
    assert normalise_text(written, language) == spoken


@pytest.mark.parametrize("language, written, plain", [
    ("de", "Es kamen 40.000 Menschen.", "Es kamen 40000 Menschen."),
    ("fr", "Il y avait 40 000 spectateurs.", "Il y avait 40000 spectateurs."),
    ("ru", "Пришли 15 000 человек.", "Пришли 15000 человек."),
])
def test_a_thousands_number_is_heard_as_one_number(phonemizer, language, written, plain):
    """The engine reads the normalised sentence as one sentence, the number as the plain digits."""
    heard = ["".join(x) for x in phonemizer.phonemize(language, normalise_text(written, language))]
    assert heard == ["".join(x) for x in phonemizer.phonemize(language, plain)]
    assert len(heard) == 1


@pytest.mark.parametrize("text, sentences", [
    ("Жители собрались у мэрии. Мэр вышел к ним! Что будет дальше?",
     ["Жители собрались у мэрии.", "Мэр вышел к ним!", "Что будет дальше?"]),
    ("上海今天有雨。明天转晴！会冷吗？", ["上海今天有雨。", "明天转晴！", "会冷吗？"]),
    ("大阪で祭りがあった。人が多かった。", ["大阪で祭りがあった。", "人が多かった。"]),
    ("부산에 비가 왔다. 내일은 맑다.", ["부산에 비가 왔다.", "내일은 맑다."]),
    ("मुंबई में बारिश हुई। सड़कें बंद रहीं।", ["मुंबई में बारिश हुई।", "सड़कें बंद रहीं।"]),
    ("افتتح الجسر الجديد. هل سيخفف الزحام؟ يأمل السكان ذلك.",
     ["افتتح الجسر الجديد.", "هل سيخفف الزحام؟", "يأمل السكان ذلك."]),
    ("Το λιμάνι έκλεισε. Πότε θα ανοίξει; Κανείς δεν ξέρει.",
     ["Το λιμάνι έκλεισε.", "Πότε θα ανοίξει;", "Κανείς δεν ξέρει."]),
    ("ฝนตกหนักในกรุงเทพ ถนนหลายสายปิด", ["ฝนตกหนักในกรุงเทพ", "ถนนหลายสายปิด"]),
    ("Он переехал в 2001 г. в Казань. Там он работал.",
     ["Он переехал в 2001 г. в Казань.", "Там он работал."]),
])
def test_sentences_split_in_every_script(text, sentences):
    """A paragraph in Cyrillic, CJK, Hangul, Devanagari, Arabic, Greek or Thai is not one sentence."""
    assert split_sentences(text) == sentences


def test_an_ordinal_written_with_a_full_stop_is_no_sentence_end(phonemizer):
    """German writes "am 7. Juni": the splitter keeps the sentence whole, and the engine reads an
    ordinal, in one sentence, where "7. Juni" as written is "sieben." and a new sentence."""
    text = "Am 7. Juni trat der 4. Kandidat zurück. Die Wahl endete 2021. Danach kam der Herbst."
    assert split_sentences(text, "de") == ["Am 7. Juni trat der 4. Kandidat zurück.", "Die Wahl endete 2021.",
                                           "Danach kam der Herbst."]
    spoken = normalise_text("Am 7. Juni trat der 4. Kandidat zurück.", "de")
    heard = ["".join(x) for x in phonemizer.phonemize("de", spoken)]
    assert len(heard) == 1, heard
    assert "zˈiːbtə" in heard[0] and "fˈiːɾtə" in heard[0], heard  # siebte(n), vierte: ordinals
    as_written = ["".join(x) for x in phonemizer.phonemize("de", "Am 7. Juni trat er zurück.")]
    assert len(as_written) == 2  # what the engine would make of it unchanged


def test_a_quotation_before_a_new_sentence_still_ends_one():
    """Who-said-it is a short clause; a sentence that reports something starts anew."""
    assert split_sentences('"Is the water safe?" Officials said the tests came back clean.') == [
        '"Is the water safe?"', "Officials said the tests came back clean."]
    assert split_sentences('"We did it!" The players hugged on the field.') == [
        '"We did it!"', "The players hugged on the field."]
