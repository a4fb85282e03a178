"""Verbalisers of codes and addresses: telephone numbers, web and e-mail addresses, handles and
hashtags, serial numbers and versions, sums, street addresses."""
from __future__ import annotations

import re

from .capitals import reading, spelled_letters, usual_case
from .data import Tables, Variety, tables
from .numbers import cardinal, digits, number, ordinal, pairs, plural_words, year
from .scan import Token


class CodeVerbaliser:
    """Says the tokens that are codes or addresses, for one variety."""

    def __init__(self, variety: Variety):
        self.var = variety
        self.t: Tables = tables()
        self.and_ = variety.and_in_numbers

    def telephone(self, tok: Token) -> str:
        f = tok.fields
        shape = f["shape"]
        if shape == "words":  # "1-800-GO-U-HAUL": letters as written, a group per number
            code = f["code"]
            groups = ["one, " + (cardinal(int(code), False) if code.endswith("00") else digits(code))]
            words: list[str] = []
            for part in f["rest"].split("-"):
                if part.isdigit():
                    words.append(cardinal(int(part), False) if len(part) < 3 else digits(part))
                    groups.append(" ".join(words))
                    words = []
                else:
                    words.append(part)
            if words:
                groups.append(" ".join(words))
            return ", ".join(groups)
        cc = f.get("cc")
        head = ""
        if cc:
            head = f"plus {digits(cc) if self.var.country_code_digits else cardinal(int(cc))}, "
        elif f.get("one"):
            head = "one, "
        groups = [g for g in f["groups"] if g]
        if shape == "nanp" and len(groups) >= 3 and groups[0].endswith("00"):
            # a toll-free area code is said as the round number it is: "1-800" -> "one, eight hundred"
            groups[0] = cardinal(int(groups[0]), False)
        out = head + ", ".join(g if not g.isdecimal() else digits(g) for g in groups)
        if f.get("ext"):
            out += ", extension " + digits(f["ext"])
        return out

    def electronic(self, tok: Token) -> str:
        f = tok.fields
        kind = f["kind"]
        if f.get("drop"):
            return ""
        if kind == "ip":
            return " dot ".join(digits(p) for p in tok.text.split("."))
        if kind == "hashtag":
            body = tok.text[1:]
            if self.var.hashtag == "hash":  # NeMo's: the body as written, its numbers said
                said = re.sub(r"\d+", lambda m: f" {_hashtag_words(m[0], self.and_)[0]} ", body)
                return "hash " + " ".join(said.split())
            words = " ".join(self._said(_hashtag_words(body, self.and_)))
            return words if f.get("after_hashtag") else "hashtag " + words
        if kind == "handle":  # "@NASAWebb" -> "at NASA Webb"; "on X at @NASAWebb" says "at" once
            words = " ".join(self._said(_hashtag_words(tok.text[1:], self.and_)))
            return words if f.get("after_at") else "at " + words
        if kind == "doi" and self.var.urls == "domain":
            return ""
        if self.var.urls == "domain":
            return self._domain_reading(tok.text, kind)
        return _electronic_words(tok.text, self.t)

    def _letters(self, run: str) -> str:
        """Letters of a code ("PM" of "PM2.5", "A" of "A320") as capitals are read elsewhere."""
        if not self.var.spell_initialisms or not run.isupper() or not run.isalpha():
            return run
        if len(run) == 1:
            return spelled_letters(run)
        return usual_case(run) if reading(run) == "word" else spelled_letters(run)

    def _said(self, words: list[str]) -> list[str]:
        """The words of a hashtag or handle; its capitals read as any others are (capitals.reading):
        "#NASAWebb" -> "Nasa Webb", "@NWS" -> "N.W.S"."""
        if not self.var.spell_initialisms:
            return words
        return [self._letters(w) if len(w) > 1 else w for w in words]

    def _domain_reading(self, s: str, kind: str) -> str:
        """A newsreader's reading: the domain without scheme, "www." and path ("https://www.cdc.gov/flu/
        index.html" -> "cdc dot gov": a link, its path for the eye); an address written to be typed
        keeps its path of words ("example.org/help/floods" -> "example dot org slash help slash
        floods", "www.irs.gov/refunds" -> "irs dot gov slash refunds"); an e-mail address in full ("tips at
        example dot com")."""
        if kind == "email":
            local, _, domain = s.partition("@")
            return f"{_label_words(local)} at {self._host(domain.split('/')[0])}"
        host = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", s).split("/")[0].split("?")[0].split("#")[0]
        host = host.split("@")[-1].split(":")[0]
        if host.lower().startswith("www."):
            host = host[4:]
        typed = kind == "domain" or s[:4].lower() == "www."  # no scheme: written to be typed
        path = s.split("/", 1)[1].rstrip("/") if typed and "/" in s else ""
        if path and _WORD_PATH.fullmatch(path):  # "example.org/help/floods": an address to type
            return " slash ".join([self._host(host)] + [_label_words(part) for part in path.split("/")])
        return self._host(host)

    def _host(self, host: str) -> str:
        labels = [lab for lab in host.split(".") if lab]
        return " dot ".join(_label_words(lab) for lab in labels)

    def serial(self, tok: Token) -> str:
        f = tok.fields
        if f.get("kind") == "section":
            out = f"{pairs(f['n'])} {f['a']}"
            return out + (f" {f['b']}" if f.get("b") else "")
        if f.get("kind") == "version":
            return " point ".join(self._serial_part([part]) for part in f["parts"])
        parts = f["parts"]
        model = self.var.model_numbers and any(not p[0].isdecimal() for p in parts)
        return "-".join(self._serial_part(part, model) for part in parts)

    def _serial_part(self, runs: list[str], model: bool = False) -> str:
        if len(runs) == 2 and runs[0].isdecimal() and runs[1] == "s":  # "F-35s": plural
            return plural_words(self._serial_part(runs[:1], model))
        if len(runs) == 1:
            r = runs[0]
            if _DECIMAL.fullmatch(r):
                return number(r, and_=False)
            if not r.isdecimal():
                return self._letters(r)
            if r[0] == "0" or len(r) >= 5:
                return digits(r)
            if model and len(r) >= 3:
                return pairs(r)  # "F-150" -> "F one fifty", "C-130"
            return cardinal(int(r), and_=False)
        words = []
        for k, r in enumerate(runs):
            if r.isdecimal():
                if r[0] == "0" or len(r) > 4:
                    words.append(digits(r))
                elif len(r) >= 3:
                    words.append(pairs(r, "oh" if r[-2] != "0" else "zero"))
                else:
                    words.append(cardinal(int(r)))
            elif _DECIMAL.fullmatch(r):
                words.append(number(r, and_=False))  # "PM2.5"
            elif r in ("x", "X") and self.var.x_as_by and 0 < k < len(runs) - 1 and runs[k - 1].isdecimal() \
                    and runs[k + 1].isdecimal():
                words.append("by")  # "4x4"
            else:
                words.append(self._letters(r))
        return " ".join(words)

    def instrument(self, tok: Token) -> str:
        """A market code: left out alone in brackets (a wire's reference for its own readers, "the Dow
        (.DJI)"), else spelled, letters one by one and digits one by one ("LCOc1" -> "L.C.O.C one");
        its "=" and "." are never said."""
        if tok.fields.get("drop"):
            return ""
        return " ".join(spelled_letters(run.upper()) if run.isalpha() else digits(run)
                        for run in re.findall(r"[A-Za-z]+|\d+", tok.fields["code"]))

    def math(self, tok: Token) -> str:
        names = self.t.math_symbols
        out = []
        for part in re.findall(r"\d+(?:\.\d+)?|\w+|[-+*/=×÷]", tok.text):
            if part in names:
                out.append(names[part])
            elif part[0].isdigit():
                out.append(number(part, self.and_))
            else:
                out.append(part)
        return " ".join(out)

    def address(self, tok: Token) -> str:
        f = tok.fields
        words = [pairs(f["num"], self.var.zero_digit)]
        if f.get("dir"):
            words.append(self.t.directions[f["dir"]])
        for w in f["name"]:
            om = re.fullmatch(r"(\d+)(st|nd|rd|th)", w)
            words.append(ordinal(int(om.group(1))) if om else w)
        street = f["street"]
        words.append(self.t.street_types.get(street) or self.t.street_types.get(street.title(), street))
        if f.get("quad"):
            words.append(self.t.directions[f["quad"].replace(".", "")])
        out = " ".join(words)
        if f.get("tail"):
            tail = f["tail"]
            state = f.get("state")
            if state in self.t.postal_codes:
                head = tail[:tail.rindex(state)]
                out += head + self.t.states[state]
                if f.get("zip"):
                    out += " " + digits(f["zip"])
            else:
                out += tail
        return out


_DECIMAL = re.compile(r"\d+\.\d+")
_WORD_PATH = re.compile(r"[A-Za-z][A-Za-z-]{0,30}(?:/[A-Za-z][A-Za-z-]{0,30}){0,3}")
"""The path of an address written to be typed: up to four segments of letters and hyphens (no file
name, no query, no numbers of a link)."""


def _hashtag_words(body: str, and_: bool) -> list[str]:
    """'WorldSeries' -> ['World', 'Series'], 'MeToo' -> ['Me', 'Too'], 'COVID19' -> ['COVID', 'nineteen'],
    'Election2024' -> ['Election', 'twenty twenty four'] (four digits from 1900 to 2099 are a year)."""
    out = []
    for run in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+|[^\W\d_]+", body):
        if run.isdecimal() and len(run) == 4 and 1900 <= int(run) < 2100:
            out.append(year(int(run)))
        elif run.isdecimal():
            out.append(cardinal(int(run), and_) if len(run) <= 4 and run[0] != "0" else digits(run))
        else:
            out.append(run)
    return out


def _label_words(label: str) -> str:
    """A part of a domain or a mailbox read as words: letters as written, digits one by one,
    separators by name ('988lifeline' -> 'nine eight eight lifeline', 'j.dutton' -> 'j dot dutton')."""
    t = tables()
    out = []
    for run in re.findall(r"[^\W\d_]+|\d+|.", label):
        if run.isdecimal():
            out.append(digits(run))
        elif run in t.url_symbols:
            out.append(t.url_symbols[run])
        elif not run.isspace():
            out.append(run)
    return " ".join(out)


def _electronic_words(s: str, t: Tables) -> str:
    """A web or e-mail address read in full, NeMo's way: every symbol by name, digits one by one
    (round thousands as numbers), known parts in capitals ("HTTPS", "WWW"), a two-letter
    country domain spelled."""
    parts = re.findall(r"[A-Za-z]+|\d+|.", s)
    host = re.split(r"/", re.sub(r"^\w+://", "", s))[0].split("@")[-1]
    host_tld = host.rsplit(".", 1)[-1] if "." in host else None
    out = []
    for p in parts:
        if p.isalpha():
            low = p.lower()
            if low in t.url_words:
                out.append(t.url_words[low])
            elif p == host_tld and len(p) == 2 and t.tlds.get(low) != "word":
                out.append(p.upper())
            else:
                out.append(p)
        elif p.isdigit():
            n = int(p)
            out.append(cardinal(n, False) if n and n % 1000 == 0 and p[0] != "0" else digits(p))
        elif p in t.url_symbols:
            out.append(t.url_symbols[p])
        elif not p.isspace():
            out.append(p)
    return " ".join(out)
