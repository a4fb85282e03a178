"""Extract stage: an HTML page, plain text, a file or a URL becomes an Article.

  page.py       decode the bytes, check they are markup, parse them; strip what cannot be read;
  meta.py       headline, authors, date and language from the page's metadata; the title;
  tree.py       drop non-content elements and measure every element's text, links and prose;
  furniture.py  captions, credits, bylines, calls to action, widgets and other stories' cards;
  embeds.py     social posts embedded in the story (X, Instagram, Bluesky, Threads...) read as quotations;
  tables.py     data tables told from layout tables by their structure, read row by row;
  blocks.py     find the body, read it into blocks and sections (tickers and teasers before the
                story left out), reconcile it with JSON-LD;
  rules.py      the tags, patterns and thresholds all of these decide by (data, with how each was tuned).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..errors import ExtractionError
from ..model import Article, Paragraph, Section
from ..net import fetch as fetching
from ..safetext import one_line as clean
from ..safetext import strip_unsafe
from .blocks import body_sections, ld_sections, reconcile
from .furniture import furniture
from .meta import choose_title, detect_language, norm_lang, read_meta
from .page import check_markup, decode, parse

__all__ = ["decode", "detect_language", "extract_html", "extract_text", "from_page", "furniture", "load",
           "main", "strip_unsafe"]


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
            heading, paras = clean(block), []
        else:
            paras.append(Paragraph(clean(block)))
    sections.append(Section(heading, tuple(paras)))
    if not any(s.paragraphs for s in sections):
        raise ExtractionError("empty article: only a title")
    return Article(title=clean(title), sections=tuple(sections), language=detect_language(text) or "en")


def extract_html(data: bytes | str, url: str = "", content_type: str = "") -> Article:
    """HTML -> Article: title, byline, date, language and the sections of the main body."""
    markup = decode(data, content_type)
    check_markup(markup)
    root = parse(markup)
    meta = read_meta(root)
    title = choose_title(root, meta)
    body = root.find("body")
    if body is None:
        body = root
    lang = norm_lang(meta.language)
    cjk = lang[:2] in ("ja", "ko", "zh")
    page, verbatim = body_sections(body, meta, title, cjk)
    ld = ld_sections(meta.body, meta, title, cjk) if meta.body.strip() else []
    sections = reconcile(page, ld, verbatim)
    if not sections:
        raise ExtractionError("no article body found: the page has no readable text")
    detected = detect_language(" ".join(p.text for s in sections for p in s.paragraphs))
    if detected and detected != lang.split("-")[0]:
        lang = detected  # the text says otherwise (a German edition running an English story)
    return Article(title=title, sections=tuple(sections), byline=meta.byline, date=meta.date, url=clean(url),
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
