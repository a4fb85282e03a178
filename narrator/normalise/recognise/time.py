"""Times of day ("9:30 a.m. EDT", "5-6 p.m.", "0700 GMT") and times taken ("3:59.8", "2:01:09.35")."""
from __future__ import annotations

import re
from functools import cache

from ..scan import AMPM, Scan, Token, fragments


@cache
def _patterns(dashes: str) -> dict[str, re.Pattern[str]]:
    f = fragments(dashes)
    hours = rf"(?:\s?{AMPM})?{f.zone}?"
    return {
        # a time taken, to a fraction of a second: "3:59.8" (a mile), "2:01:09.35" (a marathon)
        "elapsed": re.compile(r"(?:(?P<h>\d{1,2}):(?=\d{2}:))?(?P<m>\d{1,2}):(?P<s>\d{2})\.(?P<f>\d{1,3})"
                              r"(?![\d:]|\.\d)"),
        "hms": re.compile(rf"(?P<h>\d{{1,2}}):(?P<m>\d{{2}}):(?P<s>\d{{2}})(?![\d:]){hours}"),
        "hm": re.compile(rf"(?P<h>\d{{1,2}})(?P<sep>[:.])(?P<m>\d{{2}})(?![\d:]){hours}"),
        "h_range": re.compile(rf"(?P<h>\d{{1,2}})\s?{f.dash}\s?(?P<h2>\d{{1,2}})\s?{AMPM}{f.zone}?"),
        "h": re.compile(rf"(?P<h>\d{{1,2}})\s?{AMPM}{f.zone}?"),
        "military": re.compile(r"(?P<h>[01]\d|2[0-3])(?P<m>[0-5]\d)\s"
                               r"(?:(?P<zone>GMT|UTC|Z)|(?P<hours>hours|hrs))(?![A-Za-z])"),
    }


def time(s: Scan, pos: int) -> Token | None:
    """A time of day or a time taken, tried from the longest shape to the shortest."""
    if s.prev_char(pos) in ":.," and pos > 1 and s.text[pos - 2].isdecimal():
        return None
    p = _patterns(s.var.range_dashes)
    m = s.match(p["elapsed"], pos)
    if m and int(m["s"]) < 60 and (m["h"] is None or int(m["m"]) < 60):
        return s.tok("time", pos, m.end(), h=int(m["h"] or 0), m=int(m["m"]), s=int(m["s"]),
                     fraction=m["f"], ap=None, zone=None, zone2=None, dot=False)
    m = s.match(p["hms"], pos)
    if m and int(m["m"]) < 60 and int(m["s"]) < 60:
        return _time_tok(s, pos, m, int(m["h"]), int(m["m"]), int(m["s"]))
    m = s.match(p["hm"], pos)
    if m:
        h, mi = int(m["h"]), int(m["m"])
        if mi < 60 and h <= 24 and (m["sep"] == ":" or m["ap"]) and not (m["ap"] and h > 12):
            return _time_tok(s, pos, m, h, mi, None)
    m = s.match(p["h_range"], pos)
    if m and int(m["h"]) <= 12 and int(m["h2"]) <= 12:  # "5-6 p.m."
        tok = _time_tok(s, pos, m, int(m["h"]), None, None)
        tok.fields["h2"] = int(m["h2"])
        return tok
    m = s.match(p["h"], pos)
    if m and int(m["h"]) <= 12:
        return _time_tok(s, pos, m, int(m["h"]), None, None)
    m = s.match(p["military"], pos)
    if m:
        end = m.end() - (len(m["hours"]) if m["hours"] else 0)  # "0700 hours": the word is read
        end = end - 1 if s.text[end - 1] == " " else end
        return s.tok("time", pos, end, h=int(m["h"]), m=int(m["m"]), s=None, ap=None,
                     military=m["h"] + m["m"], zone=m["zone"], zone2=None, dot=False)
    return None


def _time_tok(s: Scan, pos: int, m: re.Match[str], h: int, mi: int | None, sec: int | None) -> Token:
    g = m.groupdict()
    zone = (g.get("zone") or "").replace(".", "").upper() or None
    return s.tok("time", pos, m.end(), h=h, m=mi, s=sec, ap=(g.get("ap") or "").lower() or None,
                 zone=zone, zone2=g.get("zone2"), dot=bool(g.get("apdot")) and not zone, raw_h=m["h"])
