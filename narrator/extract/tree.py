"""The parsed tree measured and pruned: hidden and non-content elements dropped (images leave a
placeholder for the caption finder), and the text, link and prose characters of every element counted
bottom-up in one pass (what the block scoring and the furniture finders decide on)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from ..safetext import strip_unsafe
from . import rules
from .tables import is_data_table


def _is_hidden(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and rules.HIDDEN_STYLE_RE.search(style):
        return True
    cls = el.get("class")
    return bool(cls) and rules.HIDDEN_CLASS_RE.search(cls) is not None


def drop(el: lxml.html.HtmlElement) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = strip_unsafe((prev.tail or "") + tail)
        else:
            parent.text = strip_unsafe((parent.text or "") + tail)
    parent.remove(el)


def strip_tags(body: lxml.html.HtmlElement) -> None:
    """Drop non-content tags, hidden elements, and anything that is not an element. Images
    leave an empty placeholder behind, for drop_captions to find the line under them."""
    stack = [body]
    doomed: list[lxml.html.HtmlElement] = []
    images: list[lxml.html.HtmlElement] = []
    while stack:
        el = stack.pop()
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in rules.DROP_TAGS or _is_hidden(child):
                (images if tag in rules.IMAGE_TAGS and not _is_hidden(child) else doomed).append(child)
            else:
                stack.append(child)
    for el in doomed:
        if el.tag in rules.CONTROL_TAGS and (parent := el.getparent()) is not None:
            parent.set(CONTROL, "")  # for furniture.in_signup_box: a button or a field stood here
        drop(el)
    for el in images:
        placeholder = etree.Element(IMAGE)
        placeholder.tail = strip_unsafe(el.tail) if el.tail else None
        el.getparent().replace(el, placeholder)


IMAGE = "narrator-image"


CONTROL = "data-narrator-control"


@dataclass
class Stats:
    """Text measurements of every element, computed bottom-up in one pass."""

    inline: dict = field(default_factory=dict)  # element -> chars of text in its own block
    links: dict = field(default_factory=dict)  # element -> chars of link text in its subtree
    total: dict = field(default_factory=dict)  # element -> chars of text in its subtree
    prose: dict = field(default_factory=dict)  # element -> weighted prose chars in its subtree
    tabular: dict = field(default_factory=dict)  # element -> the part of its prose in data tables


def tlen(s: str | None) -> int:
    return len(s.strip()) if s else 0


def measure(body: lxml.html.HtmlElement, cjk: bool) -> Stats:
    st = Stats()
    inline, links, total, prose, tabular = st.inline, st.links, st.total, st.prose, st.tabular
    min_chars = rules.MIN_PARAGRAPH_CHARS_CJK if cjk else rules.MIN_PARAGRAPH_CHARS
    tables = []
    for el in reversed(list(body.iter())):
        own = tlen(el.text)
        t = own
        lk = own if el.tag == "a" else 0
        pr = 0.0
        for c in el:
            tail = tlen(c.tail)
            t += total[c] + tail
            own += tail
            if c.tag in rules.INLINE_TAGS:
                own += inline[c]
            lk += links[c]
            pr += prose[c]
        if el.tag == "a":
            lk = t
        total[el], links[el], inline[el] = t, lk, own
        if el.tag not in rules.INLINE_TAGS and own >= min_chars:
            # prose held directly by this block (inline children included); a teaser's
            # excerpt cut off with an ellipsis is not
            block_links = _inline_links(el, links)
            if block_links <= own * rules.MAX_PARAGRAPH_LINK_DENSITY and not _is_teaser(el):
                pr += own
        if el.tag in rules.TABLE_TAGS and is_data_table(el):
            tables.append(el)
        if pr and _hinted(el):
            pr *= rules.CONTENT_HINT_BONUS
        prose[el], tabular[el] = pr, 0.0
    for table in tables:
        if _beside_prose(table, st):
            # a results table or a poll among the story's paragraphs is the story's as much as
            # its prose: it counts where the body is looked for
            weight = float(total[table] - links[table])
            for el in (table, *table.iterancestors()):
                if el in prose:
                    if el is not table and _hinted(el):
                        weight *= rules.CONTENT_HINT_BONUS
                    prose[el] += weight
                    tabular[el] += weight
    return st


def _beside_prose(table: lxml.html.HtmlElement, st: Stats) -> bool:
    """Whether a data table stands among the story's paragraphs: the table, or the box holding
    nothing else around it, has a sibling with prose in it. A table beside only its heading (a
    league table in a side column, a market widget) is not the story's."""
    box = table
    while (parent := box.getparent()) is not None and st.total.get(parent) == st.total[box]:
        box = parent
    parent = box.getparent()
    return parent is not None and any(st.prose[c] - st.tabular[c] > 0 for c in parent if c is not box)


ELLIPSIS = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")


def _is_teaser(el: lxml.html.HtmlElement) -> bool:
    """True when the block's own text ends with an ellipsis (an excerpt of another page)."""
    last = el.text or ""
    for c in el:
        if c.tag in rules.INLINE_TAGS:
            last = c.tail if c.tail and c.tail.strip() else (c.text_content() if not last.strip() else last)
        if c.tail and c.tail.strip():
            last = c.tail
    return ELLIPSIS.search(last) is not None


def _inline_links(el: lxml.html.HtmlElement, links: dict) -> int:
    return sum(links[c] for c in el if c.tag in rules.INLINE_TAGS)


def _hinted(el: lxml.html.HtmlElement) -> bool:
    if el.get("itemprop") == "articleBody":
        return True
    names = (el.get("class") or "") + " " + (el.get("id") or "")
    return bool(names.strip()) and rules.CONTENT_HINT_RE.search(names) is not None
