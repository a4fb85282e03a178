"""Extract stage: an HTML page, plain text, a file or a URL becomes an Article."""
from __future__ import annotations

import argparse
import codecs
import html
import json
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import lxml.html
from bs4 import UnicodeDammit
from lxml import etree

from . import extract_rules as rules
from . import fetch as fetching
from .errors import ExtractionError
from .model import Article, Paragraph, Section
from .safetext import SPACE as _SPACE
from .safetext import one_line as _clean
from .safetext import remove_unsafe as _remove_unsafe
from .safetext import strip_unsafe

# --- Plain text ---------------------------------------------------------------------------

def _looks_like_heading(block: str) -> bool:
    """A one-line block of at most 12 words with no closing punctuation reads as a sub-heading."""
    return "\n" not in block and len(block.split()) <= 12 and not re.search(r"[.!?:;,\"\u201d)]$", block)


def extract_text(text: str) -> Article:
    """Plain text: paragraphs split on blank lines, the first line is the title."""
    raw = [b.strip() for b in re.split(r"\n\s*\n", strip_unsafe(text)) if b.strip()]
    if not raw:
        raise ExtractionError("empty article: the text has no words")
    title, _, rest = raw[0].partition("\n")
    blocks = ([rest] if rest.strip() else []) + raw[1:]
    sections: list[Section] = []
    heading: str | None = None
    paras: list[Paragraph] = []
    for i, block in enumerate(blocks):
        if _looks_like_heading(block) and i + 1 < len(blocks) and paras:
            sections.append(Section(heading, tuple(paras)))
            heading, paras = _clean(block), []
        else:
            paras.append(Paragraph(_clean(block)))
    sections.append(Section(heading, tuple(paras)))
    if not any(s.paragraphs for s in sections):
        raise ExtractionError("empty article: only a title")
    return Article(title=_clean(title), sections=tuple(sections), language=detect_language(text) or "en")


# --- Decoding -----------------------------------------------------------------------------

_BINARY_MAGIC = (
    (b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"), (b"PK\x03\x04", "a ZIP archive"), (b"\x1f\x8b", "gzip data"),
    (b"RIFF", "a RIFF (audio/video) file"), (b"ID3", "an MP3 file"), (b"\x7fELF", "a program"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_:.-]+)", re.I)
_WINDOWS_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252",
                    "iso8859-1": "cp1252", "latin1": "cp1252"}
"""As the HTML standard says, pages labelled Latin-1 or ASCII are decoded as Windows-1252."""


def _codec(label: str) -> str | None:
    label = label.strip().lower()
    label = _WINDOWS_ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WINDOWS_ALIASES.get(name, name)


def decode(data: bytes | str, content_type: str = "") -> str:
    """Bytes -> text: BOM, then the HTTP header charset, the <meta> charset, UTF-8, and
    finally bs4's UnicodeDammit guess. Raises ExtractionError on binary data."""
    if isinstance(data, str):
        return data
    if not data.strip():
        raise ExtractionError("empty page: no bytes to read")
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise ExtractionError(f"not HTML: the data is {what}")
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(name, "replace")
    head = data[:4096]
    if head.count(b"\x00") > len(head) // 10:
        raise ExtractionError("not HTML: the data is binary")
    labels: list[str] = []
    if header := _HEADER_CHARSET.search(content_type or ""):
        labels.append(header.group(1))
    if meta := _META_CHARSET.search(head):
        labels.append(meta.group(1).decode("ascii", "replace"))
    labels.append("utf-8")
    for label in labels:
        codec = _codec(label)
        if codec is None or codec.startswith("utf-16") or codec.startswith("utf-32"):
            continue
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    dammit = UnicodeDammit(data, ["utf-8", "cp1252"], is_html=True)
    if dammit.unicode_markup is None:
        raise ExtractionError("not HTML: the bytes do not decode as text")
    return dammit.unicode_markup


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffd]")


def _check_markup(markup: str) -> None:
    if not markup.strip():
        raise ExtractionError("empty page")
    head = markup[:4096]
    if len(_CONTROL.findall(head)) > len(head) // 20:
        raise ExtractionError("not HTML: the data is binary")
    if not re.search(r"<\s*[a-zA-Z!?/]", head) and not re.search(r"<\s*[a-zA-Z]", markup[:200_000]):
        raise ExtractionError("not HTML: no markup found")


# --- Parsing ------------------------------------------------------------------------------

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_KEEP_WHEN_FLAT = re.compile(
    r"<(/?)(?!(?:p|h[1-6]|br|li|ul|ol|blockquote|title|meta|html|head|body|script|style|article)\b)"
    r"[a-zA-Z][^>]*>")


def _parse(markup: str) -> lxml.html.HtmlElement:
    markup = _remove_unsafe(_XML_DECL.sub("", markup, count=1))  # line breaks are the parser's
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            root = lxml.html.document_fromstring(markup, parser=parser)
        except (etree.ParserError, ValueError) as e:
            raise ExtractionError(f"not HTML: {e}") from None
        if any("Excessive depth" in err.message for err in parser.error_log):
            # libxml2 stops at 2048 levels and drops the rest: keep the text, flatten the
            # generic containers and try once more.
            flat = _KEEP_WHEN_FLAT.sub(lambda m: "\n" if m.group(1) else " ", markup)
            parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                          huge_tree=True)
            try:
                root = lxml.html.document_fromstring(flat, parser=parser)
            except (etree.ParserError, ValueError) as e:
                raise ExtractionError(f"not HTML: {e}") from None
            if any("Excessive depth" in err.message for err in parser.error_log):
                raise ExtractionError("not HTML: the page is nested too deeply to read")
    return root


# --- Metadata -----------------------------------------------------------------------------

@dataclass
class _Meta:
    title: str = ""
    og_title: str = ""
    doc_title: str = ""
    byline: str = ""
    date: str = ""
    language: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)


_ARTICLE_TYPES = {"article", "newsarticle", "blogposting", "reportagenewsarticle", "webpage",
                  "analysisnewsarticle", "opinionnewsarticle", "reviewnewsarticle", "socialmediaposting",
                  "liveblogposting", "techarticle", "scholarlyarticle", "report", "posting"}


def _ld_objects(data: object) -> list[dict]:
    """Flatten JSON-LD (lists, @graph) into its objects, without recursion."""
    out: list[dict] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            out.append(item)
            if "@graph" in item:
                stack.append(item["@graph"])
    return out


_BY_PREFIX = re.compile(r"^(?:(?:analysis|written|words|reporting|text)\s+)?(?:by|von|por|di|oleh)\s+", re.I)


def _names(value: object) -> list[str]:
    """Author names from JSON-LD or meta values; organisations only when no person is named."""
    people: list[str] = []
    others: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        kind = ""
        if isinstance(item, dict):
            kind = str(item.get("@type", "")).lower()
            item = item.get("name", "")
        if isinstance(item, str):
            name = _BY_PREFIX.sub("", _clean(html.unescape(item)))
            if name and not name.startswith("http") and len(name) < 80:
                (others if kind == "organization" else people).append(name)
    return people or others


def _join_names(names: list[str]) -> str:
    unique = list(dict.fromkeys(names))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def _iso_date(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        m = re.match(r"(\d{4})-\d{2}-\d{2}", value)
        return m.group(0) if m and int(m.group(1)) >= 1990 else ""
    return parsed.isoformat() if parsed.year >= 1990 else ""  # CMS placeholders say 0001-01-01


def _read_meta(root: lxml.html.HtmlElement) -> _Meta:
    meta = _Meta()
    props: dict[str, str] = {}
    for el in root.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or "")
        content = el.get("content")
        if key and content and key.lower() not in props:
            props[key.lower()] = content.strip()
    for el in root.iter("script"):
        if (el.get("type") or "").lower() != "application/ld+json" or not el.text:
            continue
        try:
            data = json.loads(el.text)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            kind = obj.get("@type", "")
            kinds = {k.lower() for k in (kind if isinstance(kind, list) else [kind]) if isinstance(k, str)}
            if not kinds & _ARTICLE_TYPES:
                continue
            if not meta.title and isinstance(obj.get("headline"), str):
                meta.title = _clean(html.unescape(obj["headline"]))
            if not meta.authors:
                meta.authors = _names(obj.get("author"))
            if not meta.date and isinstance(obj.get("datePublished"), str):
                meta.date = _iso_date(obj["datePublished"])
            if not meta.body and isinstance(obj.get("articleBody"), str):
                meta.body = obj["articleBody"]
            if not meta.language and isinstance(obj.get("inLanguage"), str):
                meta.language = obj["inLanguage"]
    meta.og_title = _clean(props.get("og:title", "") or props.get("twitter:title", ""))
    title_el = root.find(".//title")
    meta.doc_title = _clean(title_el.text_content()) if title_el is not None else ""
    if not meta.authors:
        for key in ("author", "article:author", "dc.creator", "byl", "parsely-author", "sailthru.author"):
            names = _names([n for n in re.split(r"\s*(?:,|;| and )\s*", props.get(key, "")) if n])
            if names:
                meta.authors = [re.sub(r"^by\s+", "", n, flags=re.I) for n in names]
                break
    meta.byline = _join_names(meta.authors)
    if not meta.date:
        for key in ("article:published_time", "datepublished", "og:published_time", "date", "pubdate",
                    "publish-date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date"):
            if props.get(key):
                meta.date = _iso_date(props[key])
                if meta.date:
                    break
    if not meta.date:
        for el in root.iter("time"):
            if el.get("datetime"):
                meta.date = _iso_date(el.get("datetime", ""))
                if meta.date:
                    break
    html_lang = root.get("lang") or root.get("xml:lang") or ""
    meta.language = (html_lang or props.get("og:locale", "") or props.get("content-language", "")
                     or props.get("language", "") or meta.language)
    return meta


def _norm_lang(tag: str) -> str:
    tag = tag.strip().replace("_", "-").lower().split(",")[0].strip()
    return tag if re.fullmatch(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*", tag) else ""


_STOPWORD_SETS = {lang: frozenset(words) for lang, words in rules.STOPWORDS.items()}
_WORD = re.compile(r"\w+")


def detect_language(text: str) -> str:
    """A small detector for the languages narrator reads: script first, then stopwords.
    Returns '' when unsure."""
    sample = text[:20000]
    letters = sum(1 for c in sample if c.isalpha()) or 1
    kana = sum(1 for c in sample if "\u3040" <= c <= "\u30ff")
    hangul = sum(1 for c in sample if "\uac00" <= c <= "\ud7af")
    han = sum(1 for c in sample if "\u4e00" <= c <= "\u9fff")
    if kana > letters * 0.05:
        return "ja"
    if hangul > letters * 0.2:
        return "ko"
    if han > letters * 0.3:
        return "zh"
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 5:
        return ""
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(counts, key=counts.__getitem__)
    second = max((v for k, v in counts.items() if k != best), default=0)
    if counts[best] >= max(3, len(words) * 0.05) and counts[best] > second * 1.3:
        return best
    return ""


# --- Cleaning -----------------------------------------------------------------------------

def _is_hidden(el: lxml.html.HtmlElement) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    if style and rules.HIDDEN_STYLE_RE.search(style):
        return True
    cls = el.get("class")
    return bool(cls) and rules.HIDDEN_CLASS_RE.search(cls) is not None


def _drop(el: lxml.html.HtmlElement) -> None:
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


def _strip_tags(body: lxml.html.HtmlElement) -> None:
    """Drop non-content tags, hidden elements, and anything that is not an element. Images
    leave an empty placeholder behind, for _drop_captions to find the line under them."""
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
        _drop(el)
    for el in images:
        placeholder = etree.Element(_IMAGE)
        placeholder.tail = strip_unsafe(el.tail) if el.tail else None
        el.getparent().replace(el, placeholder)


_IMAGE = "narrator-image"
_TERMINAL = re.compile(r"[.!?…:;。！？」』）\"'”’»)]\W*$")


def _drop_captions(body: lxml.html.HtmlElement, st: _Stats, cjk: bool) -> None:
    """Drop the caption under each image, and the image placeholders. The caption is the
    element after the image (or after the wrappers holding nothing but it), or the text after
    the image in a block that opens with it, when it is short and reads like a caption: a
    credit's words, or set apart from the story's paragraphs (another tag than theirs) and
    without closing punctuation or all in italics."""
    prose_tag = _prose_tag(body, st, cjk)
    for image in list(body.iter(_IMAGE)):
        el = image
        for _ in range(rules.CAPTION_CLIMB):
            parent = el.getparent()
            if parent is None or parent is body or st.total.get(parent, 0) or (el.tail or "").strip():
                break
            el = parent
        parent = el.getparent()
        # <p><img>Caption</p>, <div><img><p>Caption</p></div>: a short block opening with the image
        opens = (parent is not None and parent is not body and el.getprevious() is None
                 and not (parent.text or "").strip() and st.total.get(parent, 0) <= rules.CAPTION_MAX_CHARS)
        if (el.tail or "").strip():
            if opens and _caption_like(parent, st, prose_tag, True):
                _drop(parent)
        else:
            after = el.getnext()
            while after is not None and not st.total.get(after, 0) and not (after.tail or "").strip():
                after = after.getnext()
            if after is not None and _caption_like(after, st, prose_tag, opens):
                _drop(after)
    for image in list(body.iter(_IMAGE)):
        _drop(image)


def _prose_tag(body: lxml.html.HtmlElement, st: _Stats, cjk: bool) -> str:
    """The tag holding most of the page's prose (usually "p")."""
    least = rules.MIN_PARAGRAPH_CHARS_CJK if cjk else rules.MIN_PARAGRAPH_CHARS
    chars: dict[str, int] = {}
    for el in body.iter():
        if el.tag not in rules.INLINE_TAGS and st.inline.get(el, 0) >= least:
            chars[el.tag] = chars.get(el.tag, 0) + st.inline[el]
    return max(chars, key=chars.__getitem__, default="p")


def _caption_like(el: lxml.html.HtmlElement, st: _Stats, prose_tag: str, opens_with_image: bool) -> bool:
    if el.tag not in rules.CAPTION_TAGS or not 0 < st.total.get(el, 0) <= rules.CAPTION_MAX_CHARS:
        return False
    text = _clean(el.text_content())
    if rules.CAPTION_CREDIT_RE.search(text):
        return True
    block = el  # the element holding the text: <div><p>text</p></div> is a <p>
    while len(block) == 1 and not (block.text or "").strip() and block[0].tag not in rules.INLINE_TAGS:
        block = block[0]
    children = [c for c in block if c.tag != _IMAGE and c.tag != "br"]
    if block.tag in rules.CAPTION_STYLE_TAGS or (
            not (block.text or "").strip() and len(children) == 1
            and children[0].tag in rules.CAPTION_STYLE_TAGS and not (children[0].tail or "").strip()):
        return True  # all of it in italics or small print
    if block.tag == prose_tag and not opens_with_image:
        return False  # a short paragraph of the story, after a picture
    return not _TERMINAL.search(text)


@dataclass
class _Stats:
    """Text measurements of every element, computed bottom-up in one pass."""

    inline: dict = field(default_factory=dict)  # element -> chars of text in its own block
    links: dict = field(default_factory=dict)  # element -> chars of link text in its subtree
    total: dict = field(default_factory=dict)  # element -> chars of text in its subtree
    prose: dict = field(default_factory=dict)  # element -> weighted prose chars in its subtree


def _tlen(s: str | None) -> int:
    return len(s.strip()) if s else 0


def _measure(body: lxml.html.HtmlElement, cjk: bool) -> _Stats:
    st = _Stats()
    inline, links, total, prose = st.inline, st.links, st.total, st.prose
    min_chars = rules.MIN_PARAGRAPH_CHARS_CJK if cjk else rules.MIN_PARAGRAPH_CHARS
    for el in reversed(list(body.iter())):
        own = _tlen(el.text)
        t = own
        lk = own if el.tag == "a" else 0
        pr = 0.0
        for c in el:
            tail = _tlen(c.tail)
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
        if pr and _hinted(el):
            pr *= rules.CONTENT_HINT_BONUS
        prose[el] = pr
    return st


_ELLIPSIS = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")


def _is_teaser(el: lxml.html.HtmlElement) -> bool:
    """True when the block's own text ends with an ellipsis (an excerpt of another page)."""
    last = el.text or ""
    for c in el:
        if c.tag in rules.INLINE_TAGS:
            last = c.tail if c.tail and c.tail.strip() else (c.text_content() if not last.strip() else last)
        if c.tail and c.tail.strip():
            last = c.tail
    return _ELLIPSIS.search(last) is not None


def _inline_links(el: lxml.html.HtmlElement, links: dict) -> int:
    return sum(links[c] for c in el if c.tag in rules.INLINE_TAGS)


def _hinted(el: lxml.html.HtmlElement) -> bool:
    if el.get("itemprop") == "articleBody":
        return True
    names = (el.get("class") or "") + " " + (el.get("id") or "")
    return bool(names.strip()) and rules.CONTENT_HINT_RE.search(names) is not None


_CAMEL = re.compile(r"([a-z])([A-Z])")


def _boilerplate_kind(el: lxml.html.HtmlElement) -> str:
    """'strong' for a widget by class/id/role, 'weak' for a name that is a widget only
    when it holds no prose, '' otherwise."""
    if el.get("itemprop") == "articleBody":
        return ""
    role = el.get("role")
    if role and role.lower() in rules.BOILERPLATE_ROLES:
        return "strong"
    names = " ".join(filter(None, (el.get("class"), el.get("id"), el.get("data-component"))))
    if not names:
        return ""
    names += " " + _CAMEL.sub(r"\1-\2", names)  # "NewsletterModule" and "imageEmbedCaption" name words too
    if rules.BOILERPLATE_RE.search(names):
        return "strong"
    if rules.WEAK_BOILERPLATE_RE.search(names):
        return "weak"
    return ""


def _in_running_text(el: lxml.html.HtmlElement, running: set) -> bool:
    """An inline element with words on either side inside its block ("Gov. <a class=
    "rollover-people">Kristi Noem</a> is"), or the first thing inside such an element: part of a
    sentence, whatever its class says. (The hover card that follows the name is not.)"""
    if el.tag not in rules.INLINE_TAGS:
        return False
    parent = el.getparent()
    before = el.getprevious()
    if before is None and parent in running:
        return True
    text_before = (before.tail if before is not None else parent.text) or ""
    return bool(text_before.strip()) or bool((el.tail or "").strip())


def _strip_boilerplate(body: lxml.html.HtmlElement, st: _Stats) -> None:
    """Drop widgets named by class/id/role and small <header>/<footer>s, unless they hold
    most of the page's prose."""
    page_prose = st.prose.get(body, 0.0) or 1.0
    stack = [body]
    doomed = []
    running: set = set()
    while stack:
        el = stack.pop()
        for child in el:
            drop = False
            if child.tag in rules.HEADER_TAGS:
                drop = st.total[child] < rules.HEADER_MAX_CHARS or st.prose[child] < page_prose * 0.2
            elif _in_running_text(child, running):
                running.add(child)
            else:
                kind = _boilerplate_kind(child)
                if kind == "strong":
                    drop = st.prose[child] <= page_prose * rules.PROTECT_SHARE
                elif kind == "weak":
                    drop = st.prose[child] == 0
            if drop:
                doomed.append(child)
            else:
                stack.append(child)
    for el in doomed:
        _drop(el)


# --- Finding the body ---------------------------------------------------------------------

def _find_body(body: lxml.html.HtmlElement, st: _Stats) -> lxml.html.HtmlElement:
    node = body
    while True:
        here = st.prose[node]
        if here <= 0:
            return node
        best = max(node, key=lambda c: st.prose[c], default=None)
        if best is None or st.prose[best] < here * rules.DESCEND_SHARE:
            return node
        node = best


# --- Reading blocks -----------------------------------------------------------------------

@dataclass
class _Block:
    kind: str  # 'p', 'li', 'quote', 'h' (sub-heading) or 'h1'
    parts: list[str] = field(default_factory=list)
    link_chars: int = 0
    owner: lxml.html.HtmlElement | None = None  # the innermost block element holding the text

    def text(self) -> str:
        return _clean("".join(self.parts))


def _container_is_junk(el: lxml.html.HtmlElement, st: _Stats) -> bool:
    """Inside the body: link lists, data tables and widgets."""
    tag = el.tag
    total = st.total.get(el, 0)
    if tag in rules.TABLE_TAGS:
        # a layout table holding the prose is read; a data table is skipped
        return st.prose.get(el, 0) < total * 0.5
    if tag in ("ul", "ol", "dl", "div", "section") and total:
        return st.links.get(el, 0) > total * rules.MAX_LINK_DENSITY_CONTAINER
    return False


def _read_blocks(container: lxml.html.HtmlElement, st: _Stats) -> list[_Block]:
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
                                         current.owner))
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

    def source(text: str) -> str:
        """Line breaks in the HTML source are spaces, except inside <pre>: a blank line
        between paragraphs comes from <br><br>."""
        return text if pre_depth else _SPACE.sub(" ", text)

    while stack:
        el, entering = stack.pop()
        tag = el.tag
        inline = tag in rules.INLINE_TAGS
        if entering:
            if el is not container and _container_is_junk(el, st):
                if el.tail:
                    current.parts.append(source(el.tail))
                continue
            if tag == "br":
                current.parts.append("\n")
                if el.tail:
                    current.parts.append(source(el.tail))
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
                current.parts.append(source(el.text))
                if link_depth:
                    current.link_chars += _tlen(el.text)
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
                current.parts.append(source(el.tail))
                if link_depth:
                    current.link_chars += _tlen(el.tail)
    flush("p", container)
    return blocks


def furniture(text: str, byline: str = "") -> str:
    """What kind of page furniture a block of text is ("reading time", "newsletter prompt",
    ...), or "" when it may be the story's. `byline` is the article's, when known."""
    n = len(text)
    for kind, longest, patterns in rules.FURNITURE:
        if n < longest and all(p.search(text) for p in patterns):
            return kind
    if (byline and text == byline) or (n < 120 and _is_dateline(text)):
        return "byline"
    return ""


_TIME = re.compile(r"\d{1,2}:\d{2}")
_NUMERIC_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def _is_dateline(text: str) -> bool:
    words = [w.lower() for w in _TOKEN.findall(text)]
    dated = [w for w in words if w in rules.DATE_NAMES or w in rules.DATE_FILLERS
             or w.isdigit() or w.rstrip("stndrh").isdigit()]
    if len(words) - len(dated) > rules.DATE_LINE_MAX_OTHER_WORDS or len(dated) <= len(words) / 2:
        return False
    named = any(w in rules.DATE_NAMES for w in words) and any(w.isdigit() for w in words)
    signed = any(w in ("by", "por", "von") for w in words)
    return named or bool(_NUMERIC_DATE.search(text) and (signed or _TIME.search(text)))


def _keep(block: _Block, text: str, meta: _Meta) -> bool:
    n = len(text)
    if not n:
        return False
    if block.link_chars > n * rules.MAX_LINK_DENSITY and n - block.link_chars < rules.MIN_UNLINKED_CHARS:
        return False
    if not _TOKEN.search(text):
        return False  # nothing to read aloud: "* * *", "—", a lone emoji
    return not furniture(text, meta.byline)


def _is_prose(block: _Block, text: str, cjk: bool) -> bool:
    """A paragraph that plainly belongs to an article: long, few links."""
    least = rules.PROSE_RESUME_CHARS_CJK if cjk else rules.PROSE_RESUME_CHARS
    return (block.kind == "p" and len(text) >= least and block.link_chars <= len(text) * 0.2
            and not _ELLIPSIS.search(text))  # a teaser's excerpt does not end the widget


def _sections(blocks: list[_Block], meta: _Meta, title: str, container: lxml.html.HtmlElement,
              cjk: bool) -> list[Section]:
    sections: list[Section] = []
    heading: str | None = None
    paras: list[Paragraph] = []
    skip_scope: set | None = None  # elements under a widget heading's parent, skipped
    skip_until_prose = False  # a widget heading directly in the body: skip up to the next prose
    skip_links = False  # a list label directly in the body: skip the list items and links under it
    for block in blocks:
        text = block.text()
        if not text or text == title:
            continue
        if skip_scope is not None:
            if block.owner in skip_scope:
                continue
            skip_scope = None
        if block.kind == "h1" and (not paras or _same_title(text, title)):
            continue  # the headline (an <h1> further down, after body text, is a sub-heading)
        label = len(text) < rules.LIST_LABEL_MAX_CHARS and bool(rules.LIST_LABEL_RE.match(text))
        if label or (block.kind in ("h", "h1") and len(text) <= rules.MAX_HEADING_CHARS):
            widget = bool(label or rules.BOILERPLATE_HEADING_RE.match(text)
                          or (len(text) < 80 and rules.WIDGET_HEADING_WORDS_RE.search(text)))
            if widget or block.link_chars > len(text) * 0.5:
                if widget:
                    parent = block.owner.getparent() if block.owner is not None else None
                    if parent is not None and parent is not container and container not in _ancestors(
                            container, parent):
                        skip_scope = set(parent.iter())  # the widget's own box
                    elif label:
                        skip_links = True  # a label in the running text heads the links under it
                    else:
                        skip_until_prose = True
                continue
            if paras or heading:
                sections.append(Section(heading, tuple(paras)))
            heading, paras, skip_until_prose, skip_links = text, [], False, False
            continue
        if skip_until_prose:
            if not _is_prose(block, text, cjk):
                continue
            skip_until_prose = False
        if skip_links:
            if block.kind == "li" or block.link_chars > len(text) * rules.MAX_LINK_DENSITY:
                continue
            skip_links = False
        if not _keep(block, text, meta):
            continue
        kind = block.kind if block.kind in ("li", "quote") else "p"
        paras.append(Paragraph(text, kind))
    if paras:
        sections.append(Section(heading, tuple(paras)))
    return [s for s in sections if s.paragraphs]


def _same_title(text: str, title: str) -> bool:
    words = _title_tokens(text)
    return bool(words) and len(words & _title_tokens(title)) / len(words) >= 0.8


def _ancestors(container: lxml.html.HtmlElement, el: lxml.html.HtmlElement) -> set:
    """`el`'s ancestors up to the root (`container` among them when `el` is outside it)."""
    return set(el.iterancestors())


# --- Titles -------------------------------------------------------------------------------

def _title_tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _choose_title(root: lxml.html.HtmlElement, meta: _Meta) -> str:
    """The <h1> that best matches the page's declared titles; else JSON-LD headline,
    og:title, the <title> without its site name, or the first <h1>."""
    h1s = [_clean(h.text_content()) for h in root.iter("h1")]
    h1s = [h for h in h1s if h and len(h) < 400]
    refs = _title_tokens(" ".join((meta.title, meta.og_title, meta.doc_title)))
    best, best_score = "", 0.0
    for h in h1s:
        words = _title_tokens(h)
        shared = len(words & refs)
        if words and shared / len(words) >= 0.5 and shared > best_score:
            best, best_score = h, shared
    if best:
        return best
    if meta.title:
        return meta.title
    if meta.og_title:
        return meta.og_title
    if meta.doc_title:
        parts = re.split(r"\s+[|–—:-]\s+|\s+[|]\s*", meta.doc_title)
        return max(parts, key=len)
    return h1s[0] if h1s else ""


# --- The body -----------------------------------------------------------------------------

def _body_sections(body: lxml.html.HtmlElement, meta: _Meta, title: str, cjk: bool,
                   whole: bool = False) -> list[Section]:
    """The sections of the article under `body`: the container holding most of the prose, or
    all of `body` when `whole` (a JSON-LD articleBody is the article by declaration)."""
    _strip_tags(body)
    st = _measure(body, cjk)
    if not st.total.get(body):
        return []
    _drop_captions(body, st, cjk)
    _drop_other_stories(body, st)
    _strip_boilerplate(body, st)
    st = _measure(body, cjk)
    container = body if whole else _find_body(body, st)
    return _sections(_read_blocks(container, st), meta, title, container, cjk)


def _drop_other_stories(container: lxml.html.HtmlElement, st: _Stats) -> None:
    """<article> elements beside the story: teaser cards and listed posts (HTML's own meaning
    of the element is a composition that stands alone). The story is the <article> with the
    most prose of its own; another one, neither around it nor a large part of the page, is
    dropped when it is a card: short, with a headline link, or with no prose of its own."""
    articles = list(container.iterdescendants("article"))
    if len(articles) < 2:
        return
    own = {el: st.prose.get(el, 0.0) for el in articles}  # prose outside nested <article>s
    for el in articles:
        outer = next(el.iterancestors("article"), None)
        if outer in own:
            own[outer] -= st.prose.get(el, 0.0)
    story = max(articles, key=own.__getitem__)
    least = own[story] * rules.OTHER_STORY_SHARE
    around = set(story.iterancestors())
    doomed = {el for el in articles if el is not story and el not in around and own[el] < least
              and (own[el] <= 0 or (st.total.get(el, 0) < rules.CARD_MAX_CHARS
                                    and st.links.get(el, 0) >= st.total.get(el, 0) * rules.CARD_LINK_SHARE))}
    for el in doomed:
        if not any(a in doomed for a in el.iterancestors("article")):
            _drop(el)


# --- The JSON-LD articleBody --------------------------------------------------------------

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TOKEN = re.compile(r"\w+")


def _ld_sections(text: str, meta: _Meta, title: str, cjk: bool) -> list[Section]:
    """The publisher's JSON-LD articleBody: read as HTML, like a page, when it holds markup
    (escaped once more or not); otherwise one paragraph per line."""
    for _ in range(2):  # "&lt;p&gt;" is markup escaped once more
        if _TAG.search(text):
            try:
                body = _parse(f"<html><body>{text}</body></html>").find("body")
            except ExtractionError:
                return []  # the page's own body may still be read
            return [] if body is None else _body_sections(body, meta, title, cjk, whole=True)
        if not _ENTITY.search(text):
            break
        text = html.unescape(text)
    paragraphs = [Paragraph(t) for t in map(_clean, text.split("\n")) if t]
    return [Section(None, tuple(paragraphs))] if paragraphs else []


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = [w.lower() for w in _TOKEN.findall(text)]
    return {tuple(words[i:i + 4]) for i in range(max(1, len(words) - 3))}


def _chars(sections: list[Section]) -> int:
    return sum(len(p.text) for s in sections for p in s.paragraphs)


def _reconcile(page: list[Section], ld: list[Section]) -> list[Section]:
    """The page's own body, checked against the JSON-LD articleBody when there is one.

    The data wins only when the page shows a fraction of it (a teaser rendered, the story
    left to a script) and it is not one unbroken paragraph. When the data holds the whole
    story, it is the publisher's own account of what the article is: the page's blocks it
    does not contain (captions, prompts, teasers) are dropped, and the page's paragraphs and
    headings are kept. A data body much shorter than the page, or cut off with an ellipsis,
    is a summary and changes nothing."""
    if not ld:
        return page
    if not page:
        return ld
    ld_chars, page_chars = _chars(ld), _chars(page)
    unbroken = sum(len(s.paragraphs) for s in ld) == 1 and not any(s.heading for s in ld)
    if ld_chars >= page_chars * rules.LD_WINS_RATIO and not unbroken:
        return ld
    ld_text = " ".join(p.text for s in ld for p in s.paragraphs)
    if ld_chars < page_chars * rules.LD_COMPLETE_SHARE or _ELLIPSIS.search(ld_text):
        return page
    known = _shingles(ld_text)
    words = " " + " ".join(w.lower() for w in _TOKEN.findall(ld_text)) + " "
    out = []
    for section in page:
        kept = []
        for para in section.paragraphs:
            own = [w.lower() for w in _TOKEN.findall(para.text)]
            if len(own) < 4:
                found = " " + " ".join(own) + " " in words
            else:
                grams = _shingles(para.text)
                found = len(grams & known) >= len(grams) * rules.LD_MATCH_SHARE
            if found:
                kept.append(para)
        if kept:
            out.append(Section(section.heading, tuple(kept)))
    return out


# --- Entry points -------------------------------------------------------------------------

def extract_html(data: bytes | str, url: str = "", content_type: str = "") -> Article:
    """HTML -> Article: title, byline, date, language and the sections of the main body."""
    markup = decode(data, content_type)
    _check_markup(markup)
    root = _parse(markup)
    meta = _read_meta(root)
    title = _choose_title(root, meta)
    body = root.find("body")
    if body is None:
        body = root
    lang = _norm_lang(meta.language)
    cjk = lang[:2] in ("ja", "ko", "zh")
    page = _body_sections(body, meta, title, cjk)
    ld = _ld_sections(meta.body, meta, title, cjk) if meta.body.strip() else []
    sections = _reconcile(page, ld)
    if not sections:
        raise ExtractionError("no article body found: the page has no readable text")
    detected = detect_language(" ".join(p.text for s in sections for p in s.paragraphs))
    if detected and detected != lang.split("-")[0]:
        lang = detected  # the text says otherwise (a German edition running an English story)
    return Article(title=title, sections=tuple(sections), byline=meta.byline, date=meta.date, url=_clean(url),
                   language=lang or "en")


def from_page(page: fetching.Page) -> Article:
    """The article of a fetched page (HTML, or plain text), remembering where it came from."""
    if page.content_type.lower().startswith("text/plain"):
        return replace(extract_text(decode(page.body, page.content_type)), url=page.url)
    return extract_html(page.body, url=page.url, content_type=page.content_type)


def load(source: str, guard: Callable[[str], None] | None = None) -> Article:
    """Read an article from an http(s) URL (fetched through `guard`, default: public addresses
    only) or a .html/.htm/.txt path."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I):
        return from_page(fetching.fetch(source, guard))
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ExtractionError(f"cannot read {source}: {e.strerror}") from None
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return extract_html(data, url=path.resolve().as_uri())
    if path.suffix.lower() == ".txt":
        return extract_text(decode(data))
    raise ExtractionError(f"unsupported file type {path.suffix or '(none)'}: use .html, .htm or .txt")


def main(argv: list[str] | None = None) -> int:
    """`extract [--body] PATH`: print the body text, or the whole article as JSON."""
    parser = argparse.ArgumentParser(prog="narrator extract", description=main.__doc__)
    parser.add_argument("--body", action="store_true", help="print only the body text (for scoring)")
    parser.add_argument("path", help="a .html, .htm or .txt file, or an http(s) URL")
    args = parser.parse_args(argv)
    try:
        article = load(args.path)
    except ExtractionError as e:
        print(f"narrator extract: {e}", file=sys.stderr)
        return 2
    out = article.body_text() if args.body else json.dumps(article.to_dict(), ensure_ascii=False, indent=2)
    sys.stdout.write(out + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
