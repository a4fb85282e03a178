"""Street addresses ("1428 Elm St.", "708 N 1st St, San City, CA 90210", "1600 Pennsylvania Ave. NW")
and party affiliations ("D-N.Y.", "R-Texas")."""
from __future__ import annotations

import re
from functools import cache

from ..data import tables
from ..scan import Scan, Token, alt


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    t = tables()
    street_abbr = alt(k for k, full in t.street_types.items() if k != full)
    street_full = alt({full for full in t.street_types.values()})
    return {
        "address": re.compile(
            rf"(?P<num>\d{{1,5}})\s+(?:(?P<dir>{alt(t.directions)})\.?\s+)?"
            r"(?P<name>(?:(?:[A-Z][A-Za-z'’]{0,20}|\d{1,3}(?:st|nd|rd|th))\s+){1,3}?)"
            rf"(?:(?P<abbr>(?i:{street_abbr}))(?![A-Za-z])(?P<dot>\.?)|(?P<full>{street_full})(?![A-Za-z]))"
            r"(?:\s(?P<quad>[NS][EW]|[NS]\.[EW]\.)(?![\w]))?"
            r"(?P<tail>(?:,\s(?:[A-Z][a-z]{1,20}\s){0,2}[A-Z][a-z]{1,20})?,\s(?P<state>[A-Z]{2})"
            r"(?:\s(?P<zip>\d{5}(?:-\d{4})?))?(?![\w]))?"),
        "party": re.compile(r"(?P<p>[A-Z])-(?P<st>[A-Z]\.[A-Z]\.|[A-Z][a-z]{1,4}\.|[A-Z]\.[A-Z][a-z]\.|"
                            r"[A-Z]{2}(?![A-Za-z])|[A-Z][a-z]{2,13}(?:\s[A-Z][a-z]{2,13})?)"),
    }


def address(s: Scan, pos: int) -> Token | None:
    """A house number, a street name and a street word: "1428 Elm St.", "708 N 1st St, San City",
    with the city quadrant after it ("1600 Pennsylvania Ave. NW")."""
    if s.prev_char(pos) in ",." or s.text[max(0, pos - 2):pos] == ", ":
        return None
    m = s.match(_patterns()["address"], pos)
    if not m:
        return None
    name = m["name"].split()
    if any(w.lower() in s.t.sentence_openers and w not in ("A",) for w in name):
        return None
    return s.tok("address", pos, m.end(), num=m["num"], dir=m["dir"], name=name,
                 street=m["abbr"] or m["full"], dot=bool(m["dot"]), quad=m["quad"], tail=m["tail"],
                 state=m["state"], zip=m["zip"])


def party(s: Scan, pos: int) -> Token | None:
    """A party letter and a state after a name: "D-N.Y.", "R-Texas"."""
    m = s.match(_patterns()["party"], pos)
    if not m or s.prev_char(pos) in "-" or s.next_char(m.end()).isalnum():
        return None
    state = s.t.states.get(m["st"])
    if state is None or (len(m["st"]) == 2 and m["st"] not in s.t.postal_codes):
        return None
    return s.tok("party", pos, m.end(), party=s.t.parties[m["p"]], state=state)
