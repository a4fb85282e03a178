"""Context rules: the reading a tagged token gets from the tokens around it.

Each rule is a small function over the token sequence (the previous and next words and their
classes), documented with the reasoning a newsreader follows. `resolve` applies them all and
records each decision in the token's fields, where the verbaliser reads it.
"""
from __future__ import annotations

import re
from functools import cache

from .data import Tables, Variety, tables
from .neighbours import (
    NUMBER_CLASSES,
    WORD_CLASSES,
    is_capitalised,
    is_noun,
    is_plural_noun,
    is_titlecase,
    neighbour,
    next_word,
    prev_word,
    sentence_initial,
)
from .numbers import roman_value
from .roman import roman_reading
from .scan import Token

# --- amounts -----------------------------------------------------------------------------------

def adjectival(tokens: list[Token], i: int, t: Tables) -> bool:
    """An amount before the noun it describes is an adjective, and its unit is singular:
    "a $2.4 million loss", "an 87W charger", "$15-an-hour", "12-ounce can". The amount is
    followed by a noun (is_noun), or joined to the next word by a hyphen; after "a" or "an", by any
    word ("a 55" TV"). A comparative after it is no noun: "$60 cheaper (than)" says "sixty dollars"
    (a word in -er after an amount with no article before it, or before "than")."""
    j, nxt, gap = neighbour(tokens, i, 1)
    if nxt is None:
        return False
    if gap == "-":
        return nxt.cls in ("plain", "cardinal")
    if gap == " " and len(nxt.text) == 1 and nxt.text.isupper():  # "a $5 T-shirt", "a $40 X-ray"
        return neighbour(tokens, j, 1)[2] == "-"
    prev, pgap = prev_word(tokens, i)
    article = prev is not None and pgap == " " and prev.text.lower() in ("a", "an")
    if gap == " " and nxt.text.lower().endswith("er") and nxt.text.islower():
        than = next_word(tokens, j)[0]
        if (than is not None and than.text.lower() == "than") or not (
                article or (prev is not None and prev.text.lower() in t.context["determiner"])):
            return False  # "$60 cheaper", "10 km longer than"
    if gap == " " and article and nxt.cls in ("letters", "abbreviation"):
        return True
    return gap == " " and is_noun(nxt, t)


def shared_magnitude(tokens: list[Token], i: int) -> bool:
    """"between $2 and $3 billion": an amount without a magnitude joined by "and", "to", "or" or
    "through" to an amount in the same currency with one shares it, and is said as a bare number
    ("between two and three billion dollars")."""
    tok = tokens[i]
    if tok.fields.get("mag") or tok.fields.get("num2"):
        return False
    j, word, gap = neighbour(tokens, i, 1)
    if word is None or gap != " " or word.text.lower() not in ("and", "to", "or", "through"):
        return False
    _, other, gap = neighbour(tokens, j, 1)
    return (other is not None and gap == " " and other.cls == "money" and bool(other.fields.get("mag"))
            and other.fields.get("cur") == tok.fields.get("cur"))


# --- numbers -----------------------------------------------------------------------------------

def _quantity_of(tokens: list[Token], j: int, t: Tables) -> bool:
    """Token j is "of" after a quantity word: "a crowd of 1500 fans" counts, "the class of 2027" not."""
    before, _ = prev_word(tokens, j)
    return before is not None and before.text.lower() in t.context["quantity"]


def _plural_name(word: str) -> bool:
    """A capitalised plural, a party or a team ("the Tories 121", "Democrats 51"): what follows is a
    count, not a model number ("Boeing 737", "Airbus 320")."""
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def cardinal_reading(tokens: list[Token], i: int, var: Variety, t: Tables) -> str:
    """How a number written without commas or a decimal point is read: "cardinal", "year",
    "digits" or "pairs". Plain "en" (NeMo): a leading zero or five or more digits digit by digit,
    1000-2999 without a sign as a year ("2500" -> "twenty five hundred"). Newsreader varieties
    decide by context, in order:
      1. a leading zero: digits ("007");
      2. a hotline number of the variety: digits ("call 911", "the 988 lifeline");
      3. after "No.", "#" or "number": a cardinal ("No. 162");
      4. after an identifier noun ("Flight 1282", "Room 1203", "ZIP code 90210"), after a
         capitalised word that is not the first of its sentence (a model or a name: "Boeing 737",
         "Route 128"; three or four digits), or three digits before a capitalised name ("the 787
         Dreamliner"): in pairs, digit by digit from five digits;
      5. five or more digits: a cardinal when a noun follows ("21757 ballots": a count), else
         digits (a code: "text 741741 to", "ZIP code 90210.");
      6. four digits from 1000 to 2099: a year, unless a plural noun follows with neither a
         determiner nor a year preposition before ("1250 homes" is a count; "the 2020 elections",
         "in 2027 starts" and "the class of 2027" are years, "a crowd of 1500 fans" a count).
    In every variety the last digits of a card or an account ("ending in 8876") are digits.
    """
    tok = tokens[i]
    s = tok.fields["num"]
    if not s.isdecimal():
        return "cardinal"
    n = int(s)
    if len(s) > 1 and s[0] == "0":
        return "digits"
    year_shaped = len(s) == 4 and 1000 <= n < 2100
    if ending_in(tokens, neighbour(tokens, i, -1)[0], year_shaped, t):
        return "digits"
    if not var.contextual_numbers:
        if len(s) >= 5:
            return "digits"
        if len(s) == 4 and 1000 <= n < 3000 and not tok.fields.get("sign"):
            return "year"  # NeMo reads any 1000-2999 as a year: "1900" -> "nineteen hundred"
        return "cardinal"
    if tok.fields.get("sign"):
        return "cardinal"
    if s in var.hotlines:
        return "digits"
    j, prev, gap = neighbour(tokens, i, -1)
    nxt, ngap = next_word(tokens, i)
    prev_text = prev.text.lower() if prev is not None else ""
    after_number_word = prev is not None and (
        prev_text in ("#", "number")
        or any(a.kind == "before-number" and a.spoken.startswith("number")
               for a in t.abbreviations.get(prev.fields.get("written", ""), ())))
    if after_number_word:
        return "cardinal"
    model = (var.model_numbers and 3 <= len(s) <= 4 and is_capitalised(prev) and prev is not None
             and not prev.text.endswith(("'s", "’s")) and prev.cls != "abbreviation"
             and not _plural_name(prev.text)
             and not sentence_initial(tokens, j) and prev.text not in t.months
             and prev.text not in t.weekdays)
    identifier = prev is not None and gap == " " and prev.cls in WORD_CLASSES and (
        prev_text.rstrip(".") in t.identifier_nouns or model)
    named = (var.model_numbers and len(s) == 3 and ngap == " " and nxt is not None and is_titlecase(nxt)
             and not nxt.text.endswith("s") and nxt.cls == "plain")
    if identifier or named:
        return "pairs"  # "Boeing 737", "the 787 Dreamliner", "Route 128"
    if len(s) >= 5:
        return "cardinal" if ngap == " " and is_noun(nxt, t) else "digits"
    if len(s) == 4 and 1000 <= n < 2100:
        determiner = prev is not None and (prev_text in t.context["determiner"]
                                           or prev_text.endswith(("'s", "’s")))
        before_year = prev_text in t.context["year-before"] or (
            prev_text == "of" and not _quantity_of(tokens, j, t))
        if ngap == " " and is_plural_noun(nxt, t) and not determiner and not before_year:
            return "cardinal"
        return "year"
    return "cardinal"


def ending_in(tokens: list[Token], j: int, year_shaped: bool, t: Tables) -> bool:
    """Token j is the "in" or "with" of "ending in", "ends with": the last digits of a card or an
    account number follow, read digit by digit ("card ending in 8876"). A number that could be a
    year needs a card, account or number named just before ("the season ends in 2025" is a year)."""
    if j < 0 or tokens[j].text.lower() not in ("in", "with"):
        return False
    k, before, _ = neighbour(tokens, j, -1)
    if before is None or before.text.lower() not in ("ending", "ends", "ended"):
        return False
    if not year_shaped:
        return True
    for _ in range(3):
        k, before, _ = neighbour(tokens, k, -1)
        if before is None:
            return False
        if before.text.lower().rstrip("s'’") in t.context["card"]:
            return True
    return False


# --- abbreviations -----------------------------------------------------------------------------

def period_ends_sentence(ends: str, next_text: str | None) -> bool:
    """Whether the period of an abbreviation is also the full stop of its sentence.

    `ends` is the abbreviation's rule (data/en/abbreviations.tsv): "never" (titles: a name must
    follow); "number" (not before a number: "No. 3"); "opener": the period ends the sentence only
    at the end of the text or before a word that commonly opens a sentence
    (data/en/sentence_openers.tsv): "in the U.S. The next day" ends, "U.S. Attorney" does not;
    "time" (a.m., p.m.): ends before any capitalised word but a weekday, month or time zone ("2
    a.m. Police said" ends, "2 a.m. Friday" does not).
    """
    if ends == "never":
        return False
    if next_text is None:
        return True
    if not next_text[:1].isupper():
        return next_text[:1] in "\"“'‘" and ends != "number"
    if ends == "number":
        return not next_text[:1].isdecimal()
    t = tables()
    if ends == "time":
        continues = (next_text in t.months or next_text in t.weekdays or next_text in t.time_zones
                     or next_text.lower() in t.context["time-continues"])
        return not continues
    return next_text in t.sentence_openers


def _stop(tokens: list[Token], i: int, ends: str) -> bool:
    nxt, _ = next_word(tokens, i)
    if nxt is not None and nxt.cls == "punct" and nxt.text not in "\"“'‘([":
        return False  # "Inc.," : the comma follows, no full stop
    text = None if nxt is None else nxt.text
    return period_ends_sentence(ends, text)


def abbreviation_reading(tokens: list[Token], i: int, t: Tables) -> str | None:
    """The spoken form of a table abbreviation in its context, or None to leave it as written.

    title: with its dot always a title ("Gov.", "Mr. and Mrs."); without the dot ("Mr") only
    before a capitalised name. "St."/"Dr." after a capitalised word or a number, and not before a
    name, are the street ("Main St. to", "Elm Dr."). after-name: after a capitalised word
    ("Haynes Jr."). before-number: before a number ("No. 3"). place: before a capitalised name
    ("Mt. Rainier"). between-names: between capitalised words ("Roe v. Wade"). anywhere: always.
    """
    tok = tokens[i]
    written = tok.fields["written"]
    if tok.fields.get("spoken"):
        return tok.fields["spoken"]
    options = t.abbreviations.get(written)
    if not options:
        return None
    prev, pgap = prev_word(tokens, i)
    nxt, ngap = next_word(tokens, i)
    dotted = written.endswith(".")
    street = next((a for a in options if a.kind == "street"), None)
    name_follows = is_titlecase(nxt) and ngap == " "
    after_name = prev is not None and pgap == " " and (
        is_capitalised(prev) or prev.cls in ("ordinal", "cardinal", "address"))
    if street is not None and after_name and not (name_follows and not _stop(tokens, i, street.ends)):
        tok.fields["ends"] = street.ends
        return street.spoken
    for a in options:
        tok.fields["ends"] = a.ends
        if a.kind == "title" and (dotted or name_follows):
            if dotted or nxt is None or name_follows:
                return a.spoken
        elif a.kind == "after-name" and prev is not None and is_capitalised(prev) or (
                a.kind == "after-name" and prev is not None and prev.text == ","):
            return a.spoken
        elif a.kind == "before-number" and nxt is not None and ngap in (" ", "") and (
                nxt.cls in NUMBER_CLASSES or nxt.text == "#"):
            return a.spoken
        elif a.kind == "place" and is_capitalised(nxt):
            return a.spoken
        elif a.kind == "between-names" and is_capitalised(prev) and is_capitalised(nxt):
            return a.spoken
        elif a.kind in ("anywhere", "street"):
            return a.spoken
    tok.fields["ends"] = "number" if options[0].kind == "before-number" else "opener"
    return None


# --- initialisms -------------------------------------------------------------------------------

def initial(tokens: list[Token], i: int) -> bool:
    """Token i is a letter alone before its dot and a capitalised word: an initial ("John M. Ford",
    "L. Patikas scored") or an abbreviation of one letter ("Viera d. Melbourne"). The dot is no full
    stop unless a word that opens sentences follows (period_ends_sentence, as the sentence splitter
    decides), and is then not said: the engine would end the sentence there."""
    dot = tokens[i + 1] if i + 1 < len(tokens) else None
    if dot is None or dot.cls != "punct" or dot.text != ".":
        return False
    _, nxt, gap = neighbour(tokens, i + 1, 1)
    if nxt is None or gap != " " or not nxt.text[:1].isupper():
        return False
    if not period_ends_sentence("opener", nxt.text):
        dot.fields["spoken"] = ""
    return True


def single_letter(tokens: list[Token], i: int) -> None:
    """A capital letter alone: an initial (`initial`), or an "A" inside a sentence before a lower-case
    word or punctuation ("a Type A personality", "Plan A."), which is the letter, not the article."""
    tok = tokens[i]
    if initial(tokens, i):
        tok.fields["kind"] = "initial"
        return
    if tok.text != "A":
        return
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if after is not None and after.text == "-" and (i + 2 >= len(tokens) or tokens[i + 2].cls == "space"):
        tok.fields["kind"] = "letter"  # "A- " is how the letter is written for the engine (LETTER_A)
        after.fields["spoken"] = ""
        return
    prev, _ = prev_word(tokens, i)
    nxt, _ = next_word(tokens, i)
    inside = not sentence_initial(tokens, i) and not (prev is not None and prev.text in "—–")
    before_lower = nxt is None or (nxt.cls == "punct" and nxt.text not in _OPENERS) or nxt.text[:1].islower()
    if inside and before_lower:
        tok.fields["kind"] = "letter"


def run_together(tokens: list[Token], i: int) -> bool:
    """A full stop between two words with no space ("IQ.LIGHT"): no sentence ends there (the splitter
    would have cut it), so it is not said, or the engine would end one."""
    return (0 < i < len(tokens) - 1 and tokens[i].text == "." and tokens[i - 1].cls in WORD_CLASSES
            and tokens[i + 1].cls in WORD_CLASSES)


_PLURAL_CAPITALS = re.compile(r"[A-Z]+(?:s|['’]s)\.?")
"""Capitals with a plural or a possessive ending ("Ms" in "M&Ms", "Bs" in "B&Bs")."""


def ampersand_letters(tokens: list[Token], i: int) -> bool:
    """Capitals joined to an ampersand are letters of an initialism ("AT&T", "S&P", "M&A", "Texas
    A&M"), whatever else they could be ("AT" the word, "A" the article)."""
    prev, pgap = prev_word(tokens, i)
    nxt, ngap = next_word(tokens, i)
    return ((prev is not None and not pgap and prev.text == "&")
            or (nxt is not None and not ngap and nxt.text == "&"))


_TERMINAL = ".!?"
_CLOSERS = "\"'”’)]»"
_OPENERS = "\"“'‘([«"
_CONTINUES = ",;:-–—"


@cache
def _speaker() -> re.Pattern[str]:
    verbs = sorted(tables().context["speech"], key=len, reverse=True)
    return re.compile(r"(?:[A-Z][\w.'’-]*\s+){1,3}(?:" + "|".join(verbs)
                      + r")(?:\s+[\w'’-]+){0,2}(?:[.,;:]|$)")


def speaker_follows(text: str) -> bool:
    """`text` (what follows a quotation's closing "?" or "!" and spaces) is who asked or cried it:
    up to three capitalised words, a verb of saying (context_words.tsv, "speech") and at most two
    more words before the clause ends (`Smith asked.`, `Sen. Ann Lee asked reporters.`); not a new
    sentence that reports something ("Officials said the risk is low.")."""
    return _speaker().match(text) is not None


def continued(tokens: list[Token], i: int) -> bool:
    """A "!" or "?" inside a sentence, or a full stop before a closing quote or bracket: what follows
    it (after closing marks and spaces) is a lower-case word or punctuation that carries the sentence
    on (`Hands up!" an officer said`, `It's on.” campaign`, `right?), and`). The sentence splitter keeps
    these in one sentence, but espeak-ng (Piper's phonemizer too) ends one at each: the voice stops,
    pauses and starts again in mid-sentence. Said as a comma instead. So is a quotation's closing
    mark before who said it (`"Why now?" Smith asked`, speaker_follows)."""
    tok = tokens[i]
    if tok.text not in _TERMINAL or (i > 0 and tokens[i - 1].text == ".") or (
            i + 1 < len(tokens) and tokens[i + 1].text == "." and tok.text == "."):
        return False  # an ellipsis
    closed = False
    j = i + 1
    while j < len(tokens) and (tokens[j].cls == "space" or (
            tokens[j].cls == "punct" and tokens[j].text in _TERMINAL + _CLOSERS)):
        closed = closed or tokens[j].text in _CLOSERS
        j += 1
    if j >= len(tokens) or (tok.text == "." and not closed):
        return False
    nxt = tokens[j]
    if nxt.cls == "punct":
        return nxt.text in _CONTINUES
    if closed and tok.text != "." and nxt.text[:1].isupper():  # `"Why now?" Smith asked`
        return speaker_follows("".join(t.text for t in tokens[j:j + 12]))
    return nxt.text[:1].islower()


def bearing(tokens: list[Token], i: int, t: Tables) -> bool:
    """A compass abbreviation between a distance and "of" is a direction: "12 mi. NE of Ridgecrest",
    "30 miles SW of Reno" (not the state "NE" or the letter "N")."""
    if tokens[i].text not in t.directions:
        return False
    before, gap = prev_word(tokens, i)
    after, gap_after = next_word(tokens, i)
    if before is None or gap != " " or after is None or gap_after != " " or after.text != "of":
        return False
    return before.cls == "measure" or before.text.lower() in t.measure_words


def street_direction(tokens: list[Token], i: int, t: Tables) -> bool:
    """"W." before a street's name and its street word is "West": "W. 34th St.", "N. Michigan Ave."
    (not the initial of "George W. Bush", which no street word follows)."""
    tok = tokens[i]
    if len(tok.text) != 1 or tok.text not in t.directions or tokens[i + 1:i + 2] == [] or (
            tokens[i + 1].text != "."):
        return False
    j, name, gap = neighbour(tokens, i + 1, 1)
    if name is None or gap != " " or not (name.cls == "ordinal" or is_capitalised(name)):
        return False
    _, street, gap = neighbour(tokens, j, 1)
    return (street is not None and gap == " "
            and (street.text.rstrip(".") in t.street_types or street.text in t.street_types.values()))


# --- everything --------------------------------------------------------------------------------

def resolve(tokens: list[Token], var: Variety) -> None:
    """Apply the context rules to every token (decisions go into token.fields)."""
    t = tables()
    for i, tok in enumerate(tokens):
        if (var.spell_initialisms and tok.cls in ("plain", "abbreviation")
                and _PLURAL_CAPITALS.fullmatch(tok.text) and ampersand_letters(tokens, i)):
            dot = tok.text.endswith(".")  # "M&Ms." at a sentence's end
            tok.cls, tok.fields = "letters", {"dot": dot}  # "M&Ms", "B&Bs": capitals and a plural, not "Ms"
            tok.text = tok.text.rstrip(".")
        if bearing(tokens, i, t):
            tok.cls, tok.fields = "fixed", {"spoken": t.directions[tok.text].lower()}
        elif street_direction(tokens, i, t):
            tok.cls, tok.fields = "fixed", {"spoken": t.directions[tok.text]}
            tokens[i + 1].cls = "drop"  # its dot
        if tok.cls in ("serial", "letters", "plain") and var.spell_initialisms and typed_code(tokens, i, t):
            tok.cls, tok.fields = "instrument", {"code": tok.text, "angled": False, "typed": True}
        cls = tok.cls
        f = tok.fields
        if cls == "punct" and tok.text in var.range_dashes and dash_range(tokens, i, t):
            f["spoken"] = "to"
        elif cls == "punct" and var.one_sentence_per_unit and "spoken" not in f and continued(tokens, i):
            f["spoken"] = ","
            for after in tokens[i + 1:]:  # the rest of a run ("?!"): the comma says it
                if after.cls != "punct" or after.text not in _TERMINAL:
                    break
                after.fields["spoken"] = ""
        elif cls == "punct" and var.one_sentence_per_unit and run_together(tokens, i):
            f["spoken"] = ""
        elif cls == "plain" and var.one_sentence_per_unit and len(tok.text) == 1 and tok.text.isalpha():
            initial(tokens, i)
        elif cls == "range" and f.get("kind") == "number":
            f["record"] = record(tokens, i, t)
        elif cls == "cardinal" and "reading" not in f:  # unless its recogniser knew it ("'03": a year)
            f["reading"] = cardinal_reading(tokens, i, var, t)
        elif cls == "address":
            if f.get("dot"):
                f["stop"] = _stop(tokens, i, "opener")
        elif cls in ("money", "measure"):
            f["adjectival"] = var.adjectival_units and (f.get("hyphen") or adjectival(tokens, i, t))
            f["shared_magnitude"] = cls == "money" and shared_magnitude(tokens, i)
            if f.get("dot"):
                f["stop"] = _stop(tokens, i, "opener")
        elif cls == "abbreviation":
            f["reading"] = abbreviation_reading(tokens, i, t)
            if f.get("dot"):
                f["stop"] = _stop(tokens, i, f.get("ends", "opener"))
        elif cls in ("roman", "letters", "state_code"):
            if cls == "state_code":
                j, prev, _ = neighbour(tokens, i, -1)
                nxt, _ = next_word(tokens, i)
                place = prev is not None and prev.text == "," and is_capitalised(prev_word(tokens, j)[0])
                end = nxt is None or nxt.cls == "punct" or (nxt.cls == "cardinal" and len(nxt.text) == 5)
                if place and end:
                    f["state"] = t.states[tok.text]
                    continue
                tok.cls = "roman" if roman_value(tok.text) else "letters"
            if tok.cls == "roman":
                f["reading"] = roman_reading(tokens, i, var, t)
                if f["reading"] is None:
                    tok.cls = "letters"
            if tok.cls == "letters" and var.spell_initialisms and ampersand_letters(tokens, i):
                f["kind"] = "letter" if len(tok.text) == 1 else "spelled"
            elif tok.cls == "letters" and var.spell_initialisms and len(tok.text) == 1 and tok.text.isupper():
                single_letter(tokens, i)
            if f.get("dot"):
                ends = "time" if f.get("kind") == "ampm" else "opener"
                f["stop"] = _stop(tokens, i, ends)
        elif cls in ("state", "month", "date", "time"):
            prev, _ = prev_word(tokens, i)
            f["after_the"] = prev is not None and prev.text.lower() == "the"
            if f.get("dot"):
                f["stop"] = _stop(tokens, i, "time" if cls == "time" else "opener")
        elif cls == "fraction" and numeric_date(tokens, i, var, t):
            tok.cls = "date"
            tok.fields = {"month": f["num"], "day": f["den"], "year": None, "order": "mdy",
                          "style": "numeric"}
        elif cls == "fraction":
            # "a 1/4 cup", and any determiner before a fraction that is half of a compound ("the
            # 1/2-inch pipe"): the article stands for "one" ("a quarter cup", "the half-inch pipe")
            prev, gap = prev_word(tokens, i)
            word = prev.text.lower() if prev is not None and gap == " " else ""
            compound = next_word(tokens, i)[1] == "-"
            f["after_a"] = word in ("a", "an") or (compound and word in t.context["determiner"])
        elif cls == "instrument":
            f["drop"] = not f.get("typed") and (f["angled"] or bracketed(tokens, i))
        elif cls == "emoji":
            f["word_position"] = _word_position(tokens, i)
        elif cls == "electronic" and f.get("kind") == "hashtag":
            prev, _ = prev_word(tokens, i)
            f["after_hashtag"] = prev is not None and prev.text.lower() in t.context["hashtag"]
        elif cls == "electronic" and f.get("kind") == "handle" and var.urls == "domain":
            prev, _ = prev_word(tokens, i)
            f["after_at"] = prev is not None and prev.text.lower() in t.context["handle"]
            nxt, _ = next_word(tokens, i)
            if prev is not None and prev.text == "(" and nxt is not None and nxt.text == ")":
                f["drop"] = True


def record(tokens: list[Token], i: int, t: Tables) -> bool:
    """Two numbers joined by a dash that are a team's wins and losses, said "ten and seven": after
    "to" or "at" with the wins first ("improved to 10-7", "at 4-7"), or before a word that names a
    record ("a 10-7 record", "3-4 on the season"). A score or a vote ("won 24-17") says "to"."""
    f = tokens[i].fields
    prev, pgap = prev_word(tokens, i)
    nxt, ngap = next_word(tokens, i)
    if nxt is not None and ngap == " " and nxt.text.lower() in t.context["record-after"]:
        return True
    wins, losses = int(f["a"].replace(",", "")), int(f["b"].replace(",", ""))
    return (prev is not None and pgap == " " and prev.text.lower() in t.context["record-before"]
            and wins >= losses and wins < 200)


def typed_code(tokens: list[Token], i: int, t: Tables) -> bool:
    """A code in capitals (and digits) after a word that names one to type ("promo code SAVE20",
    "coupon FALL25"): spelled letter by letter and digit by digit, not read as words."""
    text = tokens[i].text
    if not (any(c.isalpha() for c in text) and text.replace("-", "").isalnum() and text.upper() == text):
        return False
    prev, gap = prev_word(tokens, i)
    return prev is not None and gap == " " and prev.text.lower() in t.context["code"]


def bracketed(tokens: list[Token], i: int) -> bool:
    """Token i stands alone in brackets: "(.DJI)", "(EUR=)"."""
    return (0 < i < len(tokens) - 1 and tokens[i - 1].text in "([" and tokens[i + 1].text in ")]")


def numeric_date(tokens: list[Token], i: int, var: Variety, t: Tables) -> bool:
    """A fraction that can be a month and day ("8/9") is the date after a word that dates what
    follows ("on 8/9", "since 3/4", "Friday 8/9"), unless "of" or a unit after it shows a quantity
    ("on 2/3 of days", "after 1/2 hour"). (A day above 12, "2/22", is a date for the tagger already.)"""
    f = tokens[i].fields
    if not var.short_numeric_dates or "num" not in f or f.get("whole") or f.get("sign"):
        return False
    if not 1 <= f["num"] <= 12:
        return False
    prev, gap = prev_word(tokens, i)
    nxt, _ = next_word(tokens, i)
    word = prev.text.lower() if prev is not None and gap == " " else ""
    dating = word in t.context["date-before"] or prev is not None and prev.text in t.weekdays
    quantity = nxt is not None and (nxt.text.lower() == "of" or nxt.text.lower() in t.measure_words)
    return dating and 1 <= f["den"] <= 12 and not quantity


def dash_range(tokens: list[Token], i: int, t: Tables) -> bool:
    """A dash between two tokens of the same class says "to": "9am-5pm", "1960s-80s", "Jan. 6-Feb.
    3", "Monday-Friday", "Mon.-Fri." (spaces on both sides of the dash or on neither)."""
    j, a, left = neighbour(tokens, i, -1)
    k, b, right = neighbour(tokens, i, 1)
    if a is None or b is None or left != right:
        return False
    if a.cls == b.cls and a.cls in ("time", "date", "decade", "money", "measure", "month"):
        return True
    days = set(t.weekdays) | set(t.months)
    return all(x.text in days or x.fields.get("spoken") in days for x in (a, b))


def _word_position(tokens: list[Token], i: int) -> bool:
    """A single emoji between two words with spaces around it ("I ❤️ NY"): it stands for a word."""
    prev, pgap = prev_word(tokens, i)
    nxt, ngap = next_word(tokens, i)
    return (prev is not None and nxt is not None and pgap == " " and ngap == " "
            and prev.cls in WORD_CLASSES and nxt.cls in WORD_CLASSES)
