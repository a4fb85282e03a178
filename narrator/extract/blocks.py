"""Scoring and reading blocks: the element holding most of the page's prose is the body; it is read
in order into blocks (paragraphs, list items, quotations, headings), widgets' headings and what they
head are skipped, and the page's body is reconciled with the publisher's JSON-LD articleBody."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import lxml.html

from ..errors import ExtractionError
from ..model import Paragraph, Section
from ..safetext import SPACE
from ..safetext import one_line as clean
from . import rules
from .embeds import POST, replace_posts
from .furniture import (
    call_to_action,
    drop_captions,
    drop_other_stories,
    furniture,
    in_signup_box,
    strip_boilerplate,
)
from .meta import Meta, title_tokens
from .page import WORD, parse
from .tables import is_data_table, read_table
from .tree import ELLIPSIS, Stats, measure, strip_tags, tlen


def _find_body(body: lxml.html.HtmlElement, st: Stats) -> lxml.html.HtmlElement:
    """From <body> down into the child holding DESCEND_SHARE of the prose; a container holding
    nothing but data tables is left for its parent: a table is read with the paragraphs around it."""
    node = body
    while True:
        here = st.prose[node]
        if here <= 0:
            break
        best = max(node, key=lambda c: st.prose[c], default=None)
        if best is None or st.prose[best] < here * rules.DESCEND_SHARE:
            break
        node = best
    while node is not body and st.prose[node] - st.tabular[node] <= 0 and st.tabular[node] > 0:
        node = node.getparent()
    return node


@dataclass
class _Block:
    kind: str  # 'p', 'li', 'quote', 'h' (sub-heading), 'h1' or 'row' (a line of a data table)
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    owner: lxml.html.HtmlElement | None = None  # the innermost block element holding the text
    opens_linked: bool | None = None  # whether its first words are a link's (None: no words yet)

    def text(self) -> str:
        return clean("".join(self.parts))


def _container_is_junk(el: lxml.html.HtmlElement, st: Stats) -> bool:
    """Inside the body: link lists, data tables and widgets."""
    tag = el.tag
    total = st.total.get(el, 0)
    if tag in rules.TABLE_TAGS:
        # a layout table is read for the prose it holds; one without prose is a box of links
        return st.prose.get(el, 0) < total * 0.5
    if tag in ("ul", "ol", "dl", "div", "section") and total:
        return st.links.get(el, 0) > total * rules.MAX_LINK_DENSITY_CONTAINER
    return False


def _read_blocks(container: lxml.html.HtmlElement, st: Stats) -> list[_Block]:
    """Walk the body in reading order and cut it into blocks (iteratively: pages nest deep)."""
    blocks: list[_Block] = []
    current = _Block("p", owner=container)
    kinds: list[str] = []  # the block kind of each open block-level ancestor
    owners: list[lxml.html.HtmlElement] = []  # and the element itself

    def flush(kind: str, owner: lxml.html.HtmlElement | None) -> None:
        nonlocal current
        if current.parts:
            text = "".join(current.parts)
            pieces = [t for t in re.split(r"\n\s*\n", text) if t.strip()] if "\n" in text else [text]
            if len(pieces) > 1:
                # paragraphs written as text between <br><br>: share the links out by length
                whole = sum(len(t) for t in pieces) or 1
                for piece in pieces:
                    blocks.append(_Block(current.kind, [piece], current.link_chars * len(piece) // whole,
                                         current.owner, current.opens_linked))
            else:
                blocks.append(current)
        current = _Block(kind, owner=owner)

    def block_kind(tag: str, inherited: str) -> str:
        if tag in rules.HEADING_TAGS or tag == "h1":
            return "h1" if tag == "h1" else "h"
        if tag in rules.QUOTE_TAGS:
            return "quote"
        if tag in rules.LIST_ITEM_TAGS:
            return "li"
        return inherited

    # explicit stack of (element, entering?) pairs
    stack: list[tuple[lxml.html.HtmlElement, bool]] = [(container, True)]
    link_depth = 0
    pre_depth = 0

    def add(text: str) -> None:
        """Text into the current block. Line breaks in the HTML source are spaces, except inside
        <pre>: a blank line between paragraphs comes from <br><br>."""
        current.parts.append(text if pre_depth else SPACE.sub(" ", text))
        if link_depth:
            current.link_chars += tlen(text)
        if current.opens_linked is None and text.strip():
            current.opens_linked = bool(link_depth)

    while stack:
        el, entering = stack.pop()
        tag = el.tag
        inline = tag in rules.INLINE_TAGS
        if entering:
            if el is not container and tag in rules.TABLE_TAGS and is_data_table(el):
                flush(kinds[-1] if kinds else "p", owners[-1] if owners else container)
                blocks.extend(_Block("row", [line], 0, el) for line in read_table(el))
                if el.tail:
                    add(el.tail)
                continue
            if el is not container and _container_is_junk(el, st):
                if el.tail:
                    add(el.tail)
                continue
            if tag == "br":
                current.parts.append("\n")
                if el.tail:
                    add(el.tail)
                continue
            if not inline:
                kind = block_kind(tag, kinds[-1] if kinds else "p")
                flush(kind, el)
                kinds.append(kind)
                owners.append(el)
            elif tag == "a":
                link_depth += 1
            if tag == "pre":
                pre_depth += 1
            if el.text:
                add(el.text)
            stack.append((el, False))
            for child in reversed(el):
                stack.append((child, True))
        else:
            if not inline:
                kinds.pop()
                owners.pop()
                flush(kinds[-1] if kinds else "p", owners[-1] if owners else container)
            elif tag == "a":
                link_depth -= 1
            if tag == "pre":
                pre_depth -= 1
            if el.tail and el is not container:
                add(el.tail)
    flush("p", container)
    return blocks


def _keep(block: _Block, text: str, meta: Meta) -> bool:
    n = len(text)
    if not n:
        return False
    linked = block.link_chars > n * rules.MAX_LINK_DENSITY and n - block.link_chars < rules.MIN_UNLINKED_CHARS
    if linked and not _sentence_with_link(block, text):
        return False
    if not WORD.search(text):
        return False  # nothing to read aloud: "* * *", "—", a lone emoji
    return not furniture(text, meta.byline) and not call_to_action(text, in_signup_box(block.owner),
                                                                    meta.site_name)


def _sentence_with_link(block: _Block, text: str) -> bool:
    """A sentence of the story that links part of itself ("The suspect was convicted and <a>sentenced
    to life in prison last Thursday</a>."): a paragraph opening with its own words, at least
    LINKED_SENTENCE_MIN_WORDS of them outside the link, ending like a sentence. A list of links, a
    linked headline or "Read more: <a>...</a>" (a widget label) opens with the link or has no sentence."""
    unlinked = len(WORD.findall(text)) - round(len(WORD.findall(text)) * block.link_chars / max(len(text), 1))
    return (block.kind == "p" and block.opens_linked is False and unlinked >= rules.LINKED_SENTENCE_MIN_WORDS
            and _SENTENCE_END.search(text) is not None)


def _is_prose(block: _Block, text: str, cjk: bool) -> bool:
    """A paragraph that plainly belongs to an article: long, few links."""
    least = rules.PROSE_RESUME_CHARS_CJK if cjk else rules.PROSE_RESUME_CHARS
    return (block.kind == "p" and len(text) >= least and block.link_chars <= len(text) * 0.2
            and not ELLIPSIS.search(text))  # a teaser's excerpt does not end the widget


@dataclass
class _Entry:
    """A heading or a paragraph the reader kept, before it is put into sections."""

    heading: str | None
    paragraph: Paragraph | None
    block: _Block


def _sections(blocks: list[_Block], meta: Meta, title: str, container: lxml.html.HtmlElement,
              cjk: bool) -> tuple[list[Section], set[Paragraph]]:
    """The kept blocks in sections, and the paragraphs read from a post or a data table."""
    entries: list[_Entry] = []
    skip_scope: set | None = None  # elements under a widget heading's parent, skipped
    skip_until_prose = False  # a widget heading directly in the body: skip up to the next prose
    skip_links = False  # a list label directly in the body: skip the list items and links under it
    headline: int | None = None  # how many entries came before the headline's <h1>
    for block in blocks:
        text = block.text()
        if not text:
            continue
        if text == title or (block.kind in ("h", "h1") and _same_title(text, title)):
            if headline is None:
                headline = len(entries)  # where the headline stands in the body (a sub-heading may repeat it)
            if text == title:
                continue
        if skip_scope is not None:
            if block.owner in skip_scope:
                continue
            skip_scope = None
        if block.kind == "h1" and (not entries or entries[-1].paragraph is None or _same_title(text, title)):
            continue  # the headline (an <h1> further down, after body text, is a sub-heading)
        label = len(text) < rules.LIST_LABEL_MAX_CHARS and bool(rules.LIST_LABEL_RE.match(text))
        if label or (block.kind in ("h", "h1") and len(text) <= rules.MAX_HEADING_CHARS):
            widget = bool(label or rules.BOILERPLATE_HEADING_RE.match(text) or call_to_action(text)
                          or (len(text) < 80 and rules.WIDGET_HEADING_WORDS_RE.search(text)))
            if widget or block.link_chars > len(text) * 0.5:
                if widget:
                    parent = block.owner.getparent() if block.owner is not None else None
                    while (parent is not None and parent is not container
                           and parent.getparent() is not container and clean(parent.text_content()) == text):
                        parent = parent.getparent()  # a box holding just the heading: the widget is around it
                    if parent is not None and parent is not container and container not in _ancestors(
                            container, parent):
                        skip_scope = set(parent.iter())  # the widget's own box
                    elif label:
                        skip_links = True  # a label in the running text heads the links under it
                    else:
                        skip_until_prose = True
                continue
            entries.append(_Entry(text, None, block))
            skip_until_prose = skip_links = False
            continue
        verbatim = block.kind == "row" or (block.owner is not None and block.owner.get(POST) is not None)
        if skip_until_prose:
            if not (verbatim or _is_prose(block, text, cjk)):
                continue
            skip_until_prose = False
        if skip_links:
            if block.kind == "li" or block.link_chars > len(text) * rules.MAX_LINK_DENSITY:
                continue
            skip_links = False
        if not verbatim and not _keep(block, text, meta):
            continue
        kind = "li" if block.kind == "row" else block.kind if block.kind in ("li", "quote") else "p"
        entries.append(_Entry(None, Paragraph(text, kind), block))
    entries = _without_teasers(entries, headline or 0)
    sections: list[Section] = []
    heading: str | None = None
    paras: list[Paragraph] = []
    for entry in entries:
        if entry.paragraph is None:
            if paras or heading:
                sections.append(Section(heading, tuple(paras)))
            heading, paras = entry.heading, []
        else:
            paras.append(entry.paragraph)
    if paras:
        sections.append(Section(heading, tuple(paras)))
    verbatim_paras = {e.paragraph for e in entries if e.paragraph is not None and _verbatim(e)}
    return [s for s in sections if s.paragraphs], verbatim_paras


_SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]]*$")


def _headline_like(entry: _Entry, linked: bool) -> bool:
    """A short paragraph that reads as a headline, not a sentence: no closing full stop, or half
    of it a link. With `linked`, only one with a link in it (a teaser's headline)."""
    para, block = entry.paragraph, entry.block
    if para is None or _verbatim(entry) or para.kind == "quote" or len(para.text) >= rules.TEASER_MAX_CHARS:
        return False
    if linked and block.link_chars < len(para.text) * rules.TEASER_LINK_SHARE:
        return False
    return block.link_chars >= len(para.text) * 0.5 or not _SENTENCE_END.search(para.text)


def _item_row(entry: _Entry) -> bool:
    """A paragraph that is a row of at least three items, not a sentence: parts between separators
    ("Home › News › Local"), or inline elements side by side with nothing but spaces between them
    (a ticker's <span>s), and no closing full stop."""
    para, owner = entry.paragraph, entry.block.owner
    if (para is None or _verbatim(entry) or para.kind == "quote" or _SENTENCE_END.search(para.text)
            or len(para.text) >= rules.TEASER_ROW_MAX_CHARS):
        return False
    if len(rules.TEASER_SEPARATOR_RE.split(para.text)) >= 3:
        return True
    if owner is None or (owner.text or "").strip() or clean(owner.text_content()) != para.text:
        return False
    items = [c for c in owner if c.tag in rules.INLINE_TAGS and not (c.tail or "").strip()]
    return len(items) == len(owner) and sum(1 for c in items if WORD.search(c.text_content())) >= 3


def _verbatim(entry: _Entry) -> bool:
    """Whether the entry was read from a data table or an embedded post (kept as read)."""
    owner = entry.block.owner
    return entry.block.kind == "row" or (owner is not None and owner.get(POST) is not None)


def _story_starts(entry: _Entry) -> bool:
    """The first sentence of the story: a paragraph of prose ending like a sentence (or a post or
    a table the story shows)."""
    para = entry.paragraph
    if para is None:
        return False
    return _verbatim(entry) or (
        para.kind == "p" and len(para.text) >= rules.MIN_PARAGRAPH_CHARS
        and entry.block.link_chars < len(para.text) * 0.5 and bool(_SENTENCE_END.search(para.text)))


def _without_teasers(entries: list[_Entry], headline: int) -> list[_Entry]:
    """Before the story's first sentence: a row of items (a ticker, breadcrumbs) is page furniture,
    and so is a run of at least TEASER_RUN_MIN headline-like paragraphs (a ticker's items, a list
    of other stories). Above the headline (the first `headline` entries) any such run is; below it,
    only a run of linked ones: a story may open with a box score or a list of what is new, never
    with links to other stories. Headings do not break a run."""
    start = next((i for i, e in enumerate(entries) if _story_starts(e)), len(entries))
    doomed = {i for i in range(start) if _item_row(entries[i])}
    run: list[int] = []
    for i in range(start + 1):
        entry = entries[i] if i < start else None
        if entry is not None and entry.paragraph is None:
            continue
        if entry is not None and _headline_like(entry, linked=i >= headline):
            run.append(i)
            continue
        if len(run) >= rules.TEASER_RUN_MIN:
            doomed.update(run)
        run = []
    return [e for i, e in enumerate(entries) if i not in doomed]


def _same_title(text: str, title: str) -> bool:
    words = title_tokens(text)
    return bool(words) and len(words & title_tokens(title)) / len(words) >= 0.8


def _ancestors(container: lxml.html.HtmlElement, el: lxml.html.HtmlElement) -> set:
    """`el`'s ancestors up to the root (`container` among them when `el` is outside it)."""
    return set(el.iterancestors())


def body_sections(body: lxml.html.HtmlElement, meta: Meta, title: str, cjk: bool,
                  whole: bool = False) -> tuple[list[Section], set[Paragraph]]:
    """The sections of the article under `body`: the container holding most of the prose, or
    all of `body` when `whole` (a JSON-LD articleBody is the article by declaration); and the
    paragraphs read from embedded posts and data tables (what reconcile keeps)."""
    replace_posts(body)
    strip_tags(body)
    st = measure(body, cjk)
    if not st.total.get(body):
        return [], set()
    drop_captions(body, st, cjk)
    drop_other_stories(body, st)
    strip_boilerplate(body, st)
    st = measure(body, cjk)
    container = body if whole else _find_body(body, st)
    return _sections(_read_blocks(container, st), meta, title, container, cjk)


_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")


_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def ld_sections(text: str, meta: Meta, title: str, cjk: bool) -> list[Section]:
    """The publisher's JSON-LD articleBody: read as HTML, like a page, when it holds markup
    (escaped once more or not); otherwise one paragraph per line."""
    for _ in range(2):  # "&lt;p&gt;" is markup escaped once more
        if _TAG.search(text):
            try:
                body = parse(f"<html><body>{text}</body></html>").find("body")
            except ExtractionError:
                return []  # the page's own body may still be read
            return [] if body is None else body_sections(body, meta, title, cjk, whole=True)[0]
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    paragraphs = [Paragraph(t) for t in map(clean, text.split("\n")) if t]
    return [Section(None, tuple(paragraphs))] if paragraphs else []


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in WORD.findall(text)]
    return {tuple(words[i:i + 4]) for i in range(max(1, len(words) - 3))}


def _chars(sections: list[Section]) -> int:
    return sum(len(p.text) for s in sections for p in s.paragraphs)


def reconcile(page: list[Section], ld: list[Section],
              verbatim: set[Paragraph] | None = None) -> list[Section]:
    """The page's own body, checked against the JSON-LD articleBody when there is one.

    The data wins only when the page shows a fraction of it (a teaser rendered, the story
    left to a script) and it is not one unbroken paragraph. When the data holds the whole
    story, it is the publisher's own account of what the article is: the page's blocks it
    does not contain (captions, prompts, teasers) are dropped, and the page's paragraphs and
    headings are kept. A data body much shorter than the page, or cut off with an ellipsis,
    is a summary and changes nothing. The page's `verbatim` paragraphs (posts and data tables,
    which a data body holds in other words or not at all) are kept."""
    if not ld:
        return page
    if not page:
        return ld
    ld_chars, page_chars = _chars(ld), _chars(page)
    unbroken = sum(len(s.paragraphs) for s in ld) == 1 and not any(s.heading for s in ld)
    if ld_chars >= page_chars * rules.LD_WINS_RATIO and not unbroken:
        return ld
    ld_text = " ".join(p.text for s in ld for p in s.paragraphs)
    if ld_chars < page_chars * rules.LD_COMPLETE_SHARE or ELLIPSIS.search(ld_text):
        return page
    known = _shingles(ld_text)
    words = " " + " ".join(w.lower() for w in WORD.findall(ld_text)) + " "
    out = []
    for section in page:
        kept = []
        for para in section.paragraphs:
            own = [w.lower() for w in WORD.findall(para.text)]
            if len(own) < 4:
                found = " " + " ".join(own) + " " in words
            else:
                grams = _shingles(para.text)
                found = len(grams & known) >= len(grams) * rules.LD_MATCH_SHARE
            if found or para in (verbatim or ()):
                kept.append(para)
        if kept:
            out.append(Section(section.heading, tuple(kept)))
    return out
