"""Social posts embedded in a story (X, Instagram, Bluesky, Threads, TikTok, Facebook), found by the
platforms' own embed markup and each read as a quotation with who posted it, never its addresses."""
from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from . import rules
from .page import clean

POST = "data-narrator-post"
"""The attribute on the <blockquote> that stands in for an embed once it is read: the block
reader keeps it as a quotation, whatever the page's furniture finders would say of its words."""


@dataclass(frozen=True)
class Post:
    """One embedded post, as a listener hears it."""

    platform: str
    """"X", "Instagram", "Bluesky", "Threads", "TikTok" or "Facebook"."""
    author: str
    """Who posted it: the name on the embed's author line, else the handle ("@jane"), else ""."""
    text: str
    """The post's own words without addresses, buttons or its date; "" when the embed shows none."""

    def spoken(self) -> str:
        """ "In a post on X, Jane Doe wrote: ..."; a post without words is said to have been shared."""
        if self.text and self.author:
            return f"In a post on {self.platform}, {self.author} wrote: {self.text}"
        if self.text:
            return f"In a post on {self.platform}: {self.text}"
        if self.author:
            return f"{self.author} shared a post on {self.platform}."
        return f"A post on {self.platform}."


def platform_of(el: lxml.html.HtmlElement) -> str:
    """The platform whose embed code `el` is, or ""."""
    if el.tag != "blockquote":
        return ""
    for token in (el.get("class") or "").split():
        if token in rules.SOCIAL_EMBEDS:
            return rules.SOCIAL_EMBEDS[token]
    return ""


_BLOCK_TAGS = frozenset({"p", "div", "section", "blockquote", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
                         "h6", "header", "footer", "figure", "figcaption", "table", "tr", "td", "th"})


def _lines(el: lxml.html.HtmlElement) -> list[str]:
    """The embed's text cut into its lines (block elements and <br>), links whose text is an
    address left out, a linked hashtag or mention kept apart from the word before it, scripts and
    styles skipped (iteratively: an embed may nest deep)."""
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        text = clean("".join(parts))
        if text:
            lines.append(text)
        parts.clear()

    stack: list[tuple[lxml.html.HtmlElement, bool]] = [(el, True)]
    while stack:
        node, entering = stack.pop()
        block = node.tag in _BLOCK_TAGS
        if entering:
            if not isinstance(node.tag, str) or node.tag in _UNREAD:
                if node.tail and node is not el:
                    parts.append(node.tail)
                continue
            if block or node.tag == "br":
                flush()
            address = node.tag == "a" and rules.POST_URL_RE.fullmatch(clean(node.text_content()) or "-")
            stack.append((node, False))
            if address:
                continue
            if node.tag == "a" and (node.text or " ")[0] in "#@" and parts and not parts[-1][-1:].isspace():
                parts.append(" ")  # a hashtag or a mention linked right after a word ("day.#Vote")
            if node.text:
                parts.append(node.text)
            stack.extend((child, True) for child in reversed(node))
        else:
            if block:
                flush()
            if node.tail and node is not el:
                parts.append(node.tail)
    flush()
    return lines


_UNREAD = frozenset({"script", "style", "svg", "noscript", "template"})


def _author(match: re.Match[str]) -> str:
    groups = match.groupdict()
    name = clean(groups.get("name") or "").strip(" -—–:")
    return name if name and not name.startswith("@") else (groups.get("handle") or name)


def read_post(el: lxml.html.HtmlElement, platform: str) -> Post:
    """The post an embed's blockquote shows: its author line, its text, its chrome left out."""
    author = ""
    words: list[str] = []
    for line in _lines(el):
        if not author:
            match = next((m for r in rules.POST_AUTHOR_RES if (m := r.search(line))), None)
            if match:
                author = _author(match)
                continue
        if rules.POST_CHROME_RE.match(line) or rules.POST_DATE_RE.match(line):
            continue
        line = clean(rules.POST_URL_RE.sub("", line)).strip(" -—–|")
        if not re.search(r"\w", line):
            continue
        if words and re.search(r"\w$", words[-1]):
            words[-1] += "."  # the post's line breaks are pauses
        words.append(line)
    if not author:
        author = _author_from_link(el)
    return Post(platform, author, " ".join(words))


_PROFILE = re.compile(r"https?://(?:www\.)?(?:twitter\.com|x\.com|instagram\.com|threads\.net|tiktok\.com)/"
                      r"@?(?P<handle>[A-Za-z0-9_.]{1,30})/(?:status|post|video|p|reel)\b")


def _author_from_link(el: lxml.html.HtmlElement) -> str:
    """The handle in the post's own address ("twitter.com/jane/status/..."), when no line names it."""
    for value in [el.get("cite"), el.get("data-instgrm-permalink"), el.get("data-text-post-permalink"),
                  *(a.get("href") for a in el.iter("a"))]:
        if value and (m := _PROFILE.match(value)):
            return "@" + m.group("handle")
    return ""


def replace_posts(body: lxml.html.HtmlElement) -> int:
    """Put each embedded post's spoken form where its embed stood: in place of the blockquote and
    of the wrappers that hold nothing else, and of a <figure> around it (a "social-embed" box or a
    figure would be dropped as furniture, the post with it). Returns how many posts were read."""
    embeds = [(el, p) for el in body.iter("blockquote") if (p := platform_of(el))]
    boxes: dict[lxml.html.HtmlElement, list[lxml.html.HtmlElement] | None] = {}
    count = 0
    for el, platform in embeds:
        if el.getparent() is None or any(platform_of(a) for a in el.iterancestors()):
            continue  # a post quoted inside another post is read with it
        post = read_post(el, platform)
        outer = el
        while (parent := outer.getparent()) is not None and parent is not body:
            if parent.tag in _NEVER_WRAPPERS:
                break
            if parent not in boxes:
                boxes[parent] = _worded_children(parent)
            worded = boxes[parent]
            if parent.tag != "figure" and (worded is None or any(c is not outer for c in worded)):
                break  # the box holds words of its own beside the post
            outer = parent
        quote = etree.Element("blockquote", {POST: platform})
        quote.text = post.spoken()
        quote.tail = outer.tail
        holder = outer.getparent()
        holder.replace(outer, quote)
        if boxes.get(holder):
            boxes[holder] = [quote if c is outer else c for c in boxes[holder] or ()]
        count += 1
    return count


def _worded_children(box: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement] | None:
    """The children of `box` that show words (scripts and styles show none), or None when `box`
    holds words of its own, between its children. Worked out once per box: a page of a thousand
    posts in one box is read in linear time."""
    if (box.text or "").strip() or any((c.tail or "").strip() for c in box):
        return None
    return [c for c in box if isinstance(c.tag, str) and c.tag not in _UNREAD and _readable(c)]


_NEVER_WRAPPERS = frozenset({"body", "html", "article", "main", "td", "th", "li"})


def _readable(el: lxml.html.HtmlElement) -> str:
    """The words `el` shows, without the text of scripts and styles (an embed's script tag
    beside its blockquote adds none)."""
    out: list[str] = []
    stack = [el]
    while stack:
        node = stack.pop()
        if node is not el and node.tail:
            out.append(node.tail)
        if not isinstance(node.tag, str) or node.tag in _UNREAD:
            continue
        if node.text:
            out.append(node.text)
        stack.extend(node)
    return "".join(clean(t) for t in out)
