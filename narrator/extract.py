"""Extract stage: an HTML page, plain text, a file or a URL becomes an Article."""
from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup, UnicodeDammit

from . import fetch as fetching
from .errors import ExtractionError
from .model import Article, Paragraph, Section

_SPACE = re.compile(r"\s+")
_SKIP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "figure",
         "form", "iframe", "svg", "button")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _looks_like_heading(block: str) -> bool:
    """A one-line block of at most 12 words with no closing punctuation reads as a sub-heading."""
    return "\n" not in block and len(block.split()) <= 12 and not re.search(r"[.!?:;,\"\u201d)]$", block)


def extract_text(text: str) -> Article:
    """Plain text: paragraphs split on blank lines, the first line is the title."""
    raw = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
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
    return Article(title=_clean(title), sections=tuple(sections))


def _decode(data: bytes | str, content_type: str = "") -> str:
    if isinstance(data, str):
        return data
    declared = []
    m = re.search(r"charset=([\w-]+)", content_type or "", re.I)
    if m:
        declared.append(m.group(1))
    dammit = UnicodeDammit(data, declared, is_html=True)
    if dammit.unicode_markup is None:
        raise ExtractionError("not HTML: the bytes do not decode as text")
    return dammit.unicode_markup


def extract_html(data: bytes | str, url: str = "", content_type: str = "") -> Article:
    """HTML -> Article: title, byline, language and the <p>/<h2> flow of the main body."""
    markup = _decode(data, content_type)
    if not markup.strip():
        raise ExtractionError("empty page")
    if "<" not in markup[:4096]:
        raise ExtractionError("not HTML: no markup found")
    soup = BeautifulSoup(markup, "lxml")
    html = soup.find("html")
    lang = (html.get("lang") if html else "") or "en"
    title_tag = soup.find("h1") or soup.find("title")
    title = _clean(title_tag.get_text(" ")) if title_tag else ""
    for tag in soup.find_all(_SKIP):
        tag.decompose()
    root = soup.find("article") or soup.body or soup
    sections: list[Section] = []
    heading: str | None = None
    paras: list[Paragraph] = []
    for el in root.find_all(["p", "h2", "h3", "li", "blockquote"]):
        text = _clean(el.get_text(" "))
        if not text:
            continue
        if el.name in ("h2", "h3"):
            if paras or heading:
                sections.append(Section(heading, tuple(paras)))
            heading, paras = text, []
        elif el.name == "p" and el.find_parent("blockquote") is None:
            paras.append(Paragraph(text))
    if paras or heading:
        sections.append(Section(heading, tuple(paras)))
    if not any(s.paragraphs for s in sections):
        raise ExtractionError("no article body found")
    return Article(title=title, sections=tuple(sections), language=str(lang).lower(), url=url)


def load(source: str) -> Article:
    """Read an article from an http(s) URL or a .html/.htm/.txt path."""
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, re.I):
        page = fetching.fetch(source)
        if page.content_type.lower().startswith("text/plain"):
            return extract_text(_decode(page.body, page.content_type))
        return extract_html(page.body, url=page.url, content_type=page.content_type)
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ExtractionError(f"cannot read {source}: {e.strerror}") from None
    if path.suffix.lower() in (".html", ".htm", ".xhtml"):
        return extract_html(data, url=path.resolve().as_uri())
    if path.suffix.lower() == ".txt":
        return extract_text(_decode(data))
    raise ExtractionError(f"unsupported file type {path.suffix or '(none)'}: use .html, .htm or .txt")
