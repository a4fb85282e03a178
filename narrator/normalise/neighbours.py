"""A token's neighbours: the words before and after it, whether they are capitalised, nouns, or
begin a sentence (what the context rules and the recognisers look at)."""
from __future__ import annotations

from .data import Tables
from .scan import Token, plural_noun

NUMBER_CLASSES = ("cardinal", "decimal", "ordinal", "fraction", "serial")
WORD_CLASSES = ("plain", "letters", "abbreviation", "roman", "state_code", "month")


def neighbour(tokens: list[Token], i: int, step: int) -> tuple[int, Token | None, str]:
    """The nearest token in direction `step` (1 or -1) that is not a space, its index, and the
    gap: " " (spaces), "-" (a hyphen joining the two, no spaces), or "" (nothing between)."""
    gap = ""
    j = i + step
    while 0 <= j < len(tokens):
        tok = tokens[j]
        if tok.cls == "space":
            gap = " "
        elif tok.cls == "punct" and tok.text in "-‐‑" and not gap:
            k = j + step
            if 0 <= k < len(tokens) and tokens[k].cls != "space":
                return k, tokens[k], "-"
            return j, tok, ""
        else:
            return j, tok, gap
        j += step
    return -1, None, gap


def next_word(tokens: list[Token], i: int) -> tuple[Token | None, str]:
    """The token after token i (skipping spaces) and what separates them (" ", "-" or "")."""
    _, tok, gap = neighbour(tokens, i, 1)
    return tok, gap


def prev_word(tokens: list[Token], i: int) -> tuple[Token | None, str]:
    """The token before token i (skipping spaces) and what separates them (" ", "-" or "")."""
    _, tok, gap = neighbour(tokens, i, -1)
    return tok, gap


def is_capitalised(tok: Token | None) -> bool:
    """A word starting with a capital letter ("Main", "FBI")."""
    return tok is not None and tok.cls in WORD_CLASSES and tok.text[:1].isupper()


def is_titlecase(tok: Token | None) -> bool:
    """A capital then lower-case letters ("Smith"), as names are written."""
    return (tok is not None and tok.cls in WORD_CLASSES and len(tok.text) > 1 and tok.text[0].isupper()
            and tok.text[1:2].islower())


def sentence_initial(tokens: list[Token], i: int) -> bool:
    """Token i starts a sentence: nothing before it but opening quotes or brackets, or a full
    stop, ?, !, : or ; (or an abbreviation whose period ends the sentence)."""
    j, prev, _ = neighbour(tokens, i, -1)
    while prev is not None and prev.cls == "punct" and prev.text in "\"“'‘(":
        j, prev, _ = neighbour(tokens, j, -1)
    if prev is None:
        return True
    if prev.cls == "punct":
        return prev.text in ".?!:;"
    return bool(prev.fields.get("stop"))


def is_noun(tok: Token | None, t: Tables) -> bool:
    """A lower-case word that can be the noun an amount describes: not a function word, not an
    adverb in -ly, not a participle in -ed (data/en/not_nouns.tsv)."""
    if tok is None or tok.cls != "plain" or not tok.text[:1].islower():
        return False
    w = tok.text.lower()
    if w in t.not_nouns or w.endswith("ly") or (w.endswith("ed") and len(w) >= 5):
        return False
    return True


def is_plural_noun(tok: Token | None, t: Tables) -> bool:
    """A noun in the plural: ends in -s (not -ss, -us, -is, 's) or an irregular plural."""
    return tok is not None and is_noun(tok, t) and plural_noun(tok.text.lower(), t)
