"""Find web and e-mail addresses, handles, hashtags and DOIs: one look at each chunk of text
between spaces, so the cost is linear however long a chunk is."""
from __future__ import annotations

import re

from .data import tables

MAX_CHUNK = 2048
"""A chunk longer than this is not an address (the longest URLs in news copy are a few hundred
characters); it is left to the tagger, atom by atom."""

_LEADING = "([{\"'“‘<.,;:"
_TRAILING = ".,;:!?\"'”’]}>…"
_SCHEME = re.compile(r"(?i:https?|ftp|file)://")
# Each pattern is matched once against a whole candidate (fullmatch), and its repeated groups
# are separated by a character the group cannot contain, so no input makes it backtrack more
# than linearly.
_EMAIL = re.compile(r"[A-Za-z0-9][\w.&+%-]{0,63}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"
                    r"(?:/[\w./-]{0,200})?")
_HOST = re.compile(r"(?:[A-Za-z0-9][A-Za-z0-9-]{0,62}\.){1,8}(?P<tld>[A-Za-z]{2,24})")
_HANDLE = re.compile(r"@[A-Za-z0-9_]{1,30}")
_HASHTAG = re.compile(r"#[^\W_][^\W_]{0,60}")
_DOI = re.compile(r"(?i:doi:)\S{1,300}|10\.\d{4,9}/\S{1,300}")


def _is_host(host: str) -> bool:
    """A domain name whose ending is a top-level domain: "weather.gov", "Gulagu.Net", "test.abc"
    (lower case); not "U.S", "e.g" or "end.The" (a missing space after a full stop)."""
    m = _HOST.fullmatch(host)
    if not m:
        return False
    tld = m["tld"]
    first = host.split(".")[0]
    if len(first) < 2 or first.isdecimal():
        return False
    known = tables().tlds.get(tld.lower())
    if tld.islower():
        return known is not None or (host.islower() and len(tld) <= 6)
    return known == "word"


def classify(cand: str) -> str | None:
    """url, email, domain, handle, hashtag or doi for a candidate chunk, else None."""
    if not cand:
        return None
    if _DOI.fullmatch(cand):
        return "doi"
    if _SCHEME.match(cand):
        return "url"
    if cand[:4].lower() == "www." and "." in cand[4:]:
        return "url"
    if "@" in cand:
        if cand[0] == "@":
            return "handle" if _HANDLE.fullmatch(cand) else None
        return "email" if _EMAIL.fullmatch(cand) else None
    if cand[0] == "#":
        body = cand[1:]
        return "hashtag" if _HASHTAG.fullmatch(cand) and any(c.isalpha() for c in body) else None
    host, _, path = cand.partition("/")
    if _is_host(host) and (not path or re.fullmatch(r"[\w./%?=&~+#-]{0,300}", path)):
        return "domain"
    return None


def find(text: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every address in `text`, in order."""
    out = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        if j - i <= MAX_CHUNK:
            out.extend(_in_chunk(text, i, j))
        i = j
    return out


def _in_chunk(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    s, e = start, end
    while s < e and text[s] in _LEADING:
        s += 1
    opened, closed = text.count("(", s, e), text.count(")", s, e)
    while e > s and (text[e - 1] in _TRAILING or (text[e - 1] == ")" and opened < closed)):
        closed -= text[e - 1] == ")"
        e -= 1
    if text[e - 2:e] in ("'s", "’s"):
        e -= 2
    kind = classify(text[s:e])
    if kind:
        return [(s, e, kind)]
    # "Telegram/Gulagu.Net": a domain after a slash
    out = []
    pos = s
    for part in text[s:e].split("/"):
        if "." in part and classify(part) == "domain":
            out.append((pos, pos + len(part), "domain"))
        pos += len(part) + 1
    return out
