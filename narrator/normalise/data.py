"""The normaliser's word lists and variety settings, read once from the data files beside it."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def rows(name: str, columns: int, language: str = "en") -> list[list[str]]:
    """The rows of data/<language>/<name>.tsv: lines starting with '# ' (or just '#') are
    comments, so '#<TAB>...' is a row for the symbol '#'; missing columns are ''."""
    out = []
    for line in (DATA / language / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("# ") or line == "#":
            continue
        cells = line.split("\t")
        out.append([c.strip() for c in cells[:columns]] + [""] * (columns - len(cells)))
    return out


@dataclass(frozen=True)
class Variety:
    """How one language variety says what the shared English rules find (data/varieties.toml)."""

    name: str
    """The variety's tag as written in varieties.toml ("en", "en-US", "en-GB")."""
    and_in_numbers: bool
    """British "and" in numbers read from digits ("one hundred and twenty three")."""
    and_in_years: bool
    """"and" in the years 2001-2009 ("two thousand and six")."""
    urls: str
    """"full" (every part of the address) or "domain" (only the domain; DOIs dropped)."""
    hashtag: str
    """The word said for a hashtag's "#": "hash" or "hashtag"."""
    long_numbers: str
    """Unformatted numbers of five or more digits: "digits" always, or "context" (counts are cardinals)."""
    zone_names: bool
    """Time zones said by name ("pacific daylight time") rather than as letters."""
    clock_hundreds: bool
    """24-hour times on the hour said "twenty two hundred" (else "twenty two o'clock")."""
    plain_range: str
    """What a dash between two bare numbers says: "-" (kept, a pause) or "to" (a range, a score or a
    vote: "ages 18-34", "won 61-39"; a team's record after "to" or "at", or before "record", says
    "and": "improved to 10-7")."""
    range_dashes: str
    """The dashes that join a range ("-" alone, or "-" and the en dash "–"); any other dash is
    punctuation, a pause ("1961–1965" in NeMo's conventions)."""
    x_as_by: bool
    """"4x4" is "four by four" (else "four x four" unless a unit follows)."""
    roman_after_first_name: bool
    """A numeral after a first name (given_names.tsv) is a regnal ordinal, even one letter ("Sam I"
    -> "Sam the first"); after other capitalised words it is a number ("Street Fighter II" -> "two")."""
    decade_apostrophe: bool
    """"80's" is a decade ("eighties"), not "eighty's"."""
    markup: str
    """Markup-like text ("<noise/>"): "keep" or "drop"."""
    spell_initialisms: bool
    """Words in capitals are read by what they are (capitals.py): an acronym English can pronounce
    as a word in its usual case ("NASA" -> "Nasa"), an initialism spelled for the engine ("UDI" ->
    "U.D.I", "FBI's" -> "F B I's"), and capitals that shout in mixed-case text (datelines, bylines)
    as words ("CHICAGO" -> "Chicago"); else every word in capitals stays as written (NeMo's
    convention)."""
    plural_numbers: bool
    """A number with a plural "s" is said in the plural ("the 747s" -> "seven forty sevens")."""
    one_sentence_per_unit: bool
    """A "!" or "?" that a lower-case word continues (`Hands up!" he said`) is said as a comma, as is
    a full stop before a closing quote that one continues: the engine's text reader ends a sentence
    at each, cutting the voice off in mid-sentence (context.continued)."""
    join_initials: bool
    """A name's initials said as one unit: "C. S. Lewis" -> "CS Lewis"."""
    model_numbers: bool
    """Three- and four-digit numbers after a capitalised word or an identifier noun read in pairs."""
    numeric_dates: str
    """Order of numeric dates: "mdy" (US) or "dmy"; a first number above 12 is a day in both."""
    short_numeric_dates: bool
    """A month and a day without a year ("2/22") is a date; else it is a fraction ("two twenty
    seconds"), as NeMo reads it."""
    slash_over: bool
    """Two numbers joined by a slash, the first above the second and the second of two digits or
    more, are a reading, not a fraction: "120/80" (a blood pressure), "145/95" -> "over"."""
    lowercase_month_abbreviations: bool
    """A lower-case month abbreviation before a day is a month ("dec 31"); else only with a year."""
    country_code_digits: bool
    """A telephone country code digit by digit ("+44" -> "plus four four"); else as a number."""
    spaced_units: bool
    """A unit that is also a word or a letter counts after a space too ("30 min", "110 V"), unless it
    is an everyday word or a lone letter (units.tsv, "word")."""
    adjectival_units: bool
    """Amounts before the noun they describe take the singular unit ("a five kilometer run")."""
    average_decimals: bool
    """A decimal written without its zero and with three places is an average or a caliber, said as
    thousandths in pairs: ".287" -> "two eighty seven" (a batting average), ".300" -> "three hundred",
    ".357 Magnum"; else "point two eight seven"."""
    contextual_numbers: bool
    """Decide year-or-number by the words around a four-digit number (else its value decides)."""
    zero_digit: str = "oh"
    """The zero said digit by digit in a house number or a short year ("708 N 1st St" -> "seven
    zero eight" in NeMo's conventions, "seven oh eight" for a newsreader)."""
    hotlines: frozenset[str] = frozenset()
    """Service numbers always read digit by digit ("911", "988")."""
    symbols: tuple[tuple[str, str], ...] = ()
    """Symbols said otherwise than symbols.tsv says them, before a number ("~" -> "approximately"),
    as (symbol, spoken) pairs so that a Variety stays a hashable value."""

    def symbol(self, ch: str, default: str) -> str:
        """What this variety says for the symbol `ch` before a number."""
        return next((spoken for sym, spoken in self.symbols if sym == ch), default)


@cache
def varieties() -> dict[str, Variety]:
    """Every variety in data/varieties.toml, by lower-case tag."""
    table = tomllib.loads((DATA / "varieties.toml").read_text(encoding="utf-8"))
    out = {}
    for tag, flags in table.items():
        flags["hotlines"] = frozenset(flags.get("hotlines", ()))
        flags["symbols"] = tuple(flags.get("symbols", {}).items())
        out[tag.lower()] = Variety(name=tag, **flags)
    return out


_SPACES = " \u00a0\u202f\u2009"
"""The spaces that group digits: a plain, a no-break, a narrow no-break and a thin space."""


@cache
def _number_rows() -> dict[str, tuple[str, str, str]]:
    return {tag: (decimal, groups, ordinal)
            for tag, decimal, groups, ordinal in rows("number_marks.tsv", 4, language="")}


def _number_row(language: str) -> tuple[str, str, str]:
    """The row of data/number_marks.tsv for a language tag: the variety's, else its language's."""
    tag = language.replace("_", "-").lower()
    table = _number_rows()
    return table.get(tag, table.get(tag.split("-")[0], ("", "", "")))


@cache
def number_marks(language: str) -> tuple[str, str]:
    """(decimal mark, the marks that group thousands) of a language the English rules do not read
    (data/number_marks.tsv); ("", "") for one not listed."""
    decimal, groups, _ = _number_row(language)
    return decimal, "".join(_SPACES if mark == "space" else mark for mark in groups.split())


def ordinal_dot(language: str) -> bool:
    """Whether the language writes an ordinal as a number and a full stop ("3. März")."""
    return bool(language) and _number_row(language)[2] == "."


def variety(language: str) -> Variety | None:
    """The variety for a language tag ("en-us", "en_GB"), "en" for other English tags, None otherwise."""
    tag = language.replace("_", "-").lower()
    known = varieties()
    if tag in known:
        return known[tag]
    return known["en"] if tag.split("-")[0] == "en" else None


@dataclass(frozen=True)
class Abbreviation:
    """One row of abbreviations.tsv."""

    written: str
    """As written, with its dot where it has one ("Gov.")."""
    spoken: str
    """What is said ("governor")."""
    kind: str
    """The context that decides the reading: title, after-name, before-number, street, place,
    anywhere, between-names."""
    ends: str
    """Whether its period may also end a sentence: "opener" (only before a sentence opener),
    "number" (not before a number) or "never"."""


@dataclass(frozen=True)
class Unit:
    """One row of units.tsv."""

    singular: str
    """Said after one, and before the noun the amount describes ("kilometer")."""
    plural: str
    """Said after other amounts ("kilometers")."""
    attached: bool
    """Only a unit written against the number or with its dot (it is also a word or a letter), in
    the varieties without Variety.spaced_units."""
    word: bool
    """Only a unit written against the number or with its dot in every variety: an everyday word or
    a lone letter ("3 in the morning", "grade 5 C")."""
    dot: bool
    """May be written with an abbreviation dot ("ft.")."""
    decimal: bool = False
    """Only a unit after a decimal ("9.58s"): after a whole number the letter makes a plural ("the
    1990s", "in their 40s")."""


@dataclass(frozen=True)
class Currency:
    """One row of currencies.tsv."""

    singular: str
    """"dollar"; also the adjectival form."""
    plural: str
    """"dollars"."""
    minor: str
    """"cent"."""
    minor_plural: str
    """"cents"."""


@dataclass(frozen=True)
class Tables:
    """Every English word list, as lookups."""

    cardinals: dict[int, str]
    """0-19, the tens and 100 -> their words."""
    ordinals: dict[str, str]
    """Cardinal word -> ordinal word ("one" -> "first", "twenty" -> "twentieth")."""
    scales: tuple[str, ...]
    """"", "thousand", "million", ... by power of a thousand."""
    fraction_words: dict[int, tuple[str, str]]
    """Denominator -> (singular, plural) for the ones with their own word."""
    months: tuple[str, ...]
    """Month names, January first."""
    month_abbreviations: dict[str, int]
    """Lower-case abbreviation without its dot -> month number."""
    weekdays: tuple[str, ...]
    """Day names, Monday first."""
    weekday_abbreviations: dict[str, str]
    """Abbreviation without its dot -> day name."""
    abbreviations: dict[str, list[Abbreviation]]
    """Written form -> its readings, in file order ("St." is a title and a street)."""
    states: dict[str, str]
    """Postal code, AP abbreviation (with dots) or name -> state name."""
    postal_codes: frozenset[str]
    """The two-letter postal codes (a subset of `states`' keys)."""
    parties: dict[str, str]
    """Party letter -> spoken party."""
    units: dict[str, Unit]
    """Unit symbol -> unit."""
    currencies: dict[str, Currency]
    """Currency symbol or code -> currency."""
    magnitudes: dict[str, str]
    """Magnitude after an amount of money -> its word."""
    time_zones: dict[str, str]
    """Zone abbreviation -> name."""
    sentence_openers: frozenset[str]
    """Capitalised words that start a sentence after an abbreviation's period."""
    not_nouns: frozenset[str]
    """Words after an amount that keep its unit plural."""
    identifier_nouns: frozenset[str]
    """Lower-case nouns after which a number is an identifier."""
    roman: dict[str, str]
    """Lower-case context word -> cardinal, regnal, name or pronoun."""
    given_names: frozenset[str]
    """Lower-case common first names (given_names.tsv)."""
    symbols: dict[str, str]
    """Symbol -> spoken form ('' = not read)."""
    long_symbols: tuple[tuple[str, str], ...]
    """The symbols of more than one character ("+/-", "§§") with their spoken forms, longest first."""
    symbols_before_number: dict[str, str]
    """Symbol -> spoken form right before a number."""
    math_symbols: dict[str, str]
    """Operator -> spoken form inside an equation or a sum."""
    emoji: dict[str, str]
    """Emoji (without variation selector) -> name."""
    url_symbols: dict[str, str]
    """Character of an address -> its name."""
    url_words: dict[str, str]
    """Lower-case part of an address -> what is written for it (WWW, jpeg)."""
    tlds: dict[str, str]
    """Lower-case top-level domain -> word or spell."""
    fixed: dict[str, str]
    """Fixed expression -> spoken form."""
    context: dict[str, frozenset[str]]
    """Role -> the lower-case words of that role (context_words.tsv)."""
    periods: dict[str, str]
    """Period after a slash ("mo") -> its word ("month")."""
    measure_words: frozenset[str]
    """Units' and periods' words, singular and plural ("mile", "hours"): what a quantity counts."""
    directions: dict[str, str]
    """Compass abbreviation in an address -> its word."""
    street_types: dict[str, str]
    """Street word of an address, abbreviated or not ("Ave", "Avenue") -> its full form."""
    currency_prefixes: frozenset[str]
    """Letters written before "$" in a currency symbol ("US", "C")."""


def _number(text: str) -> int:
    return int(float(text)) if "e" in text else int(text)


@cache
def tables() -> Tables:
    """The English tables (read on first use)."""
    numbers = rows("number_words.tsv", 3)
    cardinals = {_number(v): c for v, c, _ in numbers if _number(v) <= 100}
    ordinals = {c: o for _, c, o in numbers}
    scales = ("",) + tuple(c for v, c, _ in numbers if _number(v) >= 1000)
    months = rows("months.tsv", 3)
    month_abbr = {a.lower(): int(n) for n, _, abbrs in months for a in abbrs.split(",") if a}
    weekdays = rows("weekdays.tsv", 2)
    abbreviations: dict[str, list[Abbreviation]] = {}
    for w, s, k, e in rows("abbreviations.tsv", 4):
        abbreviations.setdefault(w, []).append(Abbreviation(w, s, k, e))
    states: dict[str, str] = {}
    postal = set()
    for code, ap, name in rows("states.tsv", 3):
        states[code] = name
        postal.add(code)
        for a in ap.split(","):
            if a:
                states[a] = name
        states[name] = name
    units = {s: Unit(one, many, "attached" in flags or "word" in flags, "word" in flags, "dot" in flags,
                     "decimal" in flags)
             for s, one, many, flags in rows("units.tsv", 4)}
    currencies = {s: Currency(a, b, c, d) for s, a, b, c, d in rows("currencies.tsv", 5)}
    by_context: dict[str, dict[str, str]] = {"any": {}, "before-number": {}, "math": {}}
    for sym, spoken, where in rows("symbols.tsv", 3):
        by_context[where].setdefault(sym, spoken)
    electronic = rows("electronic.tsv", 3)
    roles: dict[str, set[str]] = {}
    for word, role in rows("context_words.tsv", 2):
        roles.setdefault(role, set()).add(word.lower())
    streets = {a.written.rstrip("."): a.spoken for options in abbreviations.values() for a in options
               if a.kind == "street"}
    streets.update({full: full for full in streets.values()})
    return Tables(
        cardinals=cardinals,
        ordinals=ordinals,
        scales=scales,
        fraction_words={int(d): (s, p) for d, s, p in rows("fractions.tsv", 3)},
        months=tuple(name for _, name, _ in months),
        month_abbreviations=month_abbr,
        weekdays=tuple(name for name, _ in weekdays),
        weekday_abbreviations={a: name for name, abbrs in weekdays for a in abbrs.split(",") if a},
        abbreviations=abbreviations,
        states=states,
        postal_codes=frozenset(postal),
        parties=dict(rows("parties.tsv", 2)),
        units=units,
        currencies=currencies,
        magnitudes=dict(rows("magnitudes.tsv", 2)),
        time_zones=dict(rows("time_zones.tsv", 2)),
        sentence_openers=frozenset(w for (w,) in rows("sentence_openers.tsv", 1)),
        not_nouns=frozenset(w for (w,) in rows("not_nouns.tsv", 1)),
        identifier_nouns=frozenset(w for (w,) in rows("identifier_nouns.tsv", 1)),
        roman={w.lower(): r for w, r in rows("roman.tsv", 2)},
        given_names=frozenset(w.lower() for (w,) in rows("given_names.tsv", 1)),
        symbols=by_context["any"],
        long_symbols=tuple(sorted(((k, v) for k, v in by_context["any"].items() if len(k) > 1),
                                  key=lambda kv: -len(kv[0]))),
        symbols_before_number=by_context["before-number"],
        math_symbols=by_context["math"],
        emoji=dict(rows("emoji.tsv", 2)),
        url_symbols={w: s for w, s, k in electronic if k == "symbol"},
        url_words={w: s for w, s, k in electronic if k != "symbol"},
        tlds=dict(rows("tlds.tsv", 2)),
        fixed=dict(rows("fixed.tsv", 2)),
        context={role: frozenset(words) for role, words in roles.items()},
        periods=dict(rows("periods.tsv", 2)),
        measure_words=frozenset(w for u in units.values() for w in (u.singular, u.plural))
        | frozenset(w + end for w in dict(rows("periods.tsv", 2)).values() for end in ("", "s")),
        directions=dict(rows("directions.tsv", 2)),
        street_types=streets,
        currency_prefixes=frozenset(k[:-1] for k in currencies if len(k) > 1 and k.endswith("$")),
    )


def abbreviation_periods() -> dict[str, str]:
    """Words written with a final period that need not be a full stop, for sentence splitting:
    lower-case form without its last dot -> "opener", "number" or "never" (Abbreviation.ends).

    Abbreviations, AP state abbreviations, month and weekday abbreviations and the common dotted
    initialisms; narrator/segment.py shares this list with the normaliser."""
    t = tables()
    out: dict[str, str] = {}
    rank = {"never": 0, "number": 1, "opener": 2}
    for written, options in t.abbreviations.items():
        if written.endswith("."):  # the most permissive reading: "Elm St. It was" may end
            ends = max((a.ends for a in options), key=rank.__getitem__)
            key = written[:-1].lower()
            out[key] = max(ends, out.get(key, "never"), key=rank.__getitem__)
    for written in t.states:
        if written.endswith("."):
            out.setdefault(written[:-1].lower(), "opener")
    for abbr in list(t.month_abbreviations) + [a.lower() for a in t.weekday_abbreviations]:
        out.setdefault(abbr, "opener")
    for time in ("a.m", "p.m"):
        out[time] = "time"
    return out
