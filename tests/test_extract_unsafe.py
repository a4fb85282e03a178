"""Extract stage, issue 14 item 4: no string of an Article holds a character that XML, WebVTT or
JSON consumers refuse (C0/C1 controls, NUL, lone surrogates, noncharacters), whether it came
raw, as a character reference, or escaped in JSON-LD; titles and bylines are single-line."""
from __future__ import annotations

import html as html_module
import json
import random
import unicodedata

import pytest
from lxml import etree

from narrator.extract import extract_html, extract_text, strip_unsafe
from narrator.model import Article

BAD = {
    "ESC": "\x1b", "NUL": "\x00", "BEL": "\x07", "DEL": "\x7f", "C1 CSI": "\x9b", "C1 PAD": "\x80",
    "lone high surrogate": "\ud800", "lone low surrogate": "\udfff", "U+FFFE": "\ufffe", "U+FFFF": "\uffff",
    "U+FDD0": "\ufdd0", "U+1FFFF": "\U0001ffff", "U+10FFFE": "\U0010fffe",
}
SPACES = {"VT": "\x0b", "FF": "\x0c", "NEL": "\x85", "LINE SEPARATOR": "\u2028", "CR": "\r"}
"""Whitespace that XML refuses or a consumer may break a line on: a space in one-line fields."""


def unsafe(ch: str) -> bool:
    """Independent of the implementation: what an XML 1.0 / WebVTT / UTF-8 JSON consumer refuses."""
    cp = ord(ch)
    return ((unicodedata.category(ch) == "Cc" and ch not in "\t\n") or unicodedata.category(ch) == "Cs"
            or 0xFDD0 <= cp <= 0xFDEF or cp & 0xFFFE == 0xFFFE or ch == "\ufffd")


def strings(article: Article) -> list[tuple[str, str]]:
    """(field, value) for every string the Article carries."""
    out = [("title", article.title), ("byline", article.byline), ("date", article.date),
           ("url", article.url), ("language", article.language)]
    for i, section in enumerate(article.sections):
        if section.heading is not None:
            out.append((f"heading {i}", section.heading))
        out.extend((f"paragraph {i}.{j}", p.text) for j, p in enumerate(section.paragraphs))
        out.extend((f"kind {i}.{j}", p.kind) for j, p in enumerate(section.paragraphs))
    return out


def assert_consumable(article: Article) -> None:
    for name, value in strings(article):
        assert not any(unsafe(c) or c in "\x0b\x0c" for c in value), (name, value)
        assert "\n" not in value and "\r" not in value and "\t" not in value, (name, value)  # one line each
        etree.Element("t").text = value  # lxml refuses what XML 1.0 cannot hold
        value.encode("utf-8")  # a lone surrogate cannot be encoded
    json.loads(json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8"))


PROSE = "The council met on Tuesday and voted to mend the old bridge over the river before winter."


def page(title: str, author: str, heading: str, para: str, ld_headline: str = "Council votes") -> str:
    ld = json.dumps({"@type": "NewsArticle", "headline": ld_headline, "author": {"name": author}})
    return (f'<html lang="en"><head><title>{title}</title><script type="application/ld+json">{ld}</script>'
            f'<meta name="author" content="{author}"></head><body><article><h1>{title}</h1>'
            f"<p>{PROSE}</p><h2>{heading}</h2><p>{para}</p><p>{PROSE}</p></article></body></html>")


@pytest.mark.parametrize("name", sorted(BAD))
@pytest.mark.parametrize("form", ["raw", "reference"])
def test_html_fields_are_clean(name: str, form: str) -> None:
    ch = BAD[name]
    mark = ch if form == "raw" else f"&#x{ord(ch):x};"
    html = page(f"Council{mark} votes", f"Jane{mark} Doe", f"What{mark} happens next",
                f"Work starts{mark} in March, the engineer said, and will take the whole of spring.")
    html = html.replace("</article>", f"<p>A picture:</p><img src=a.jpg>{mark}<p>{PROSE}</p></article>")
    article = extract_html(html, url=f"https://example.org/a{ch}b")
    assert_consumable(article)
    # a reference to 0x80-0x9F means the Windows-1252 character (HTML standard): "&#x80;" is "€"
    kept = "".join(c for c in html_module.unescape(mark) if not unsafe(c)) if form == "reference" else ""
    assert article.title == f"Council{kept} votes"
    assert article.byline == f"Jane{kept} Doe"
    assert [s.heading for s in article.sections] == [None, f"What{kept} happens next"]
    assert article.paragraphs[1].text == (f"Work starts{kept} in March, the engineer said, and will take the "
                                          "whole of spring.")
    assert article.url == "https://example.org/ab"


@pytest.mark.parametrize("name", sorted(BAD))
def test_json_ld_escapes_are_clean(name: str) -> None:
    """JSON can spell any code point, lone surrogates included ("\\ud800")."""
    ch = BAD[name]
    escape = f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else json.dumps(ch)[1:-1]  # a pair above U+FFFF
    ld = ('{"@type": "NewsArticle", "headline": "Council' + escape + ' votes", '
          '"author": [{"@type": "Person", "name": "Jane' + escape + ' Doe"}], '
          '"articleBody": "Only' + escape + ' here.\\nA second paragraph of it."}')
    html = f'<html><head><script type="application/ld+json">{ld}</script></head><body><div></div></body>'
    article = extract_html(html)
    assert_consumable(article)
    assert (article.title, article.byline) == ("Council votes", "Jane Doe")
    assert [p.text for p in article.paragraphs] == ["Only here.", "A second paragraph of it."]


@pytest.mark.parametrize("name", sorted(SPACES))
def test_whitespace_controls_are_spaces(name: str) -> None:
    ch = SPACES[name]
    html = page(f"Council{ch}votes", f"Jane{ch}Doe", f"What{ch}happens next", f"Work{ch}starts in March.")
    html = html.replace("</article>", f"<p>A picture:</p><img src=a.jpg>{ch}<p>{PROSE}</p></article>")
    article = extract_html(html)
    assert_consumable(article)
    assert (article.title, article.byline, article.sections[1].heading, article.paragraphs[1].text) == (
        "Council votes", "Jane Doe", "What happens next", "Work starts in March.")
    posted = extract_text(f"Council votes\n\nWork{ch}starts in March.")
    assert_consumable(posted)
    assert [p.text for p in posted.paragraphs] == ["Work starts in March."]


def test_titles_are_single_line() -> None:
    html = page("Council\nvotes", "Jane\r\nDoe", "What\u2028happens\tnext", "Work starts in March.",
                ld_headline="Council\nvotes")
    article = extract_html(html)
    assert (article.title, article.byline, article.sections[1].heading) == (
        "Council votes", "Jane Doe", "What happens next")


@pytest.mark.parametrize("name", sorted(BAD))
def test_plain_text_fields_are_clean(name: str) -> None:
    ch = BAD[name]
    article = extract_text(f"Council{ch} votes\r\n\r\nThe council{ch} met on Tuesday.\n\n"
                           f"Work starts{ch} in March.")
    assert_consumable(article)
    assert article.title == "Council votes"
    assert [p.text for p in article.paragraphs] == ["The council met on Tuesday.", "Work starts in March."]


def test_nul_in_posted_text_does_not_fail() -> None:
    article = extract_text("Title\x00\n\n\x00\x00First\x00 paragraph.\x00\n\nSecond.")
    assert (article.title, [p.text for p in article.paragraphs]) == ("Title", ["First paragraph.", "Second."])


def test_strip_unsafe_keeps_text_and_line_breaks() -> None:
    assert strip_unsafe("a\x1bb\tc\r\nd\re\x85f\u2028g\x00h\ud800i\ufffej") == "ab\tc\nd\ne\nf\ng" + "hij"
    text = "Ünïcödé — “quotes”, emoji 🎙️, CJK 日本語, Hangul 한국어, ZWJ 👩\u200d💻"
    assert strip_unsafe(text) == text


def test_random_mixtures_are_clean() -> None:
    """A property check: 200 random titles, bylines and paragraphs mixing text with every
    kind of bad character, raw and as references, give consumable Articles."""
    rng = random.Random(14)
    alphabet = [*BAD.values(), *"abc XYZ éü—“”", "&#x1b;", "&#0;", "&#xd800;", "&#xffff;", "&amp;"]

    def noise(n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    for _ in range(200):
        html = page(noise(12), noise(8), noise(10), PROSE + noise(20))
        assert_consumable(extract_html(html))
        assert_consumable(extract_text(noise(15) + "\n\n" + noise(40) + "\n\n" + noise(30) + " words"))
