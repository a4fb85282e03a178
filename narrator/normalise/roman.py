"""Roman numerals: whether "II", "XIV" or "I" is a number here (a monarch, a war, a chapter) or a word,
and how it is read."""
from __future__ import annotations

from .data import Tables, Variety
from .neighbours import WORD_CLASSES, is_capitalised, is_titlecase, neighbour, next_word, prev_word
from .numbers import roman_value
from .scan import Token


def roman_reading(tokens: list[Token], i: int, var: Variety, t: Tables) -> str | None:
    """"ordinal" ("Henry VIII" -> "Henry the eighth"), "cardinal" ("World War II" -> "two") or
    None (not a numeral: "Malcolm X", "Plan B", "I think"). data/en/roman.tsv names the words:
      1. after a cardinal context word (war, title, phase, bowl, vol....): a cardinal;
      2. after a regnal name, or a name after a regnal title ("King George V"): an ordinal;
      3. after another capitalised word, a numeral of two or more letters of I, V, X is a number
         in a title ("Grand Theft Auto VI", "Artemis II").
    A one-letter "I" is a numeral only when no word follows it ("Pope John Paul I."), and only
    I, V and X (the letters names and titles use) are numerals outside rule 1. In NeMo's
    conventions (Variety.roman_after_first_name) a first name counts as a regnal name, even
    before one letter ("Sam I" -> "Sam the first"), and a numeral of two or more letters is a
    number wherever it stands ("Part II", "(IV)", "III").
    """
    tok = tokens[i]
    s = tok.text
    value = roman_value(s)
    if value is None or (len(s) == 1 and s not in "IVX"):
        return None  # "Type C", "Plan D": one letter other than I, V, X is a letter
    as_number = "cardinal" if var.roman_after_first_name and len(s) > 1 and not set(s) - set("IVX") else None
    j, prev, gap = neighbour(tokens, i, -1)
    if prev is None or gap != " " or prev.cls not in WORD_CLASSES:
        return as_number
    role = t.roman.get(prev.text.lower().rstrip("."))
    if role == "cardinal":
        return "cardinal"
    if not is_titlecase(prev) and not (prev.text.isupper() and role == "cardinal"):
        return as_number
    if set(s) - set("IVX"):
        return None
    nxt, ngap = next_word(tokens, i)
    if role == "pronoun":
        return None
    k, before, bgap = neighbour(tokens, j, -1)
    first_name = var.roman_after_first_name and prev.text.lower() in t.given_names
    regnal = role == "name" or first_name or (
        before is not None and t.roman.get(before.text.lower()) == "regnal")
    if regnal:
        return "ordinal"  # "Elizabeth I ruled", "King George V"
    if s == "I" and nxt is not None and nxt.cls != "punct":
        return None
    generational = s in ("II", "III", "IV") and is_titlecase(before) and bgap == " " and not is_capitalised(
        prev_word(tokens, k)[0])
    if generational and var.roman_after_first_name:  # with a list of first names, a known one
        generational = before is not None and before.text.lower() in t.given_names
    if generational:
        return "ordinal"  # a generational suffix after a first name and a surname: "John Smith III"
    return "cardinal" if len(s) > 1 else None
