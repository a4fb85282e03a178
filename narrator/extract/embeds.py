"""Social posts embedded in a story (X, Instagram, Bluesky, Threads, TikTok, Facebook), found by the
platforms' own embed markup and each read as a quotation with who posted it, never its addresses."""
from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from ..safetext import one_line as clean

# --- Social posts embedded in the story (issue 27) ----------------------------------------

SOCIAL_EMBEDS = {
    "twitter-tweet": "X", "twitter-video": "X", "instagram-media": "Instagram", "bluesky-embed": "Bluesky",
    "text-post-media": "Threads", "tiktok-embed": "TikTok", "fb-xfbml-parse-ignore": "Facebook",
}
"""A <blockquote> with one of these class tokens is a platform's own embed code (what its "embed
this post" button gives a publisher), named by the platform it shows. Its script draws the post
in a browser; the blockquote is the post's words for everyone else, and the story quotes them.
Taken from each platform's published embed markup, not from any one site."""

POST_LABEL_MAX_CHARS = 80
"""A box around an embedded post with fewer characters than this beside it (a label such as
"Embedded post" or "From Twitter", a caption) is the post's box: the post is taken out of it, so
that dropping the box as furniture does not drop the post. A box with more is part of the story."""

POST_AUTHOR_RES = (
    re.compile(r"^\W*?[—–-]+\s*(?P<name>[^()]*?)\s*\(\s*(?P<handle>@[\w.-]+)\s*\)"),  # X, Bluesky
    re.compile(r"\bpost\s+shared\s+by\s+(?P<name>[^()@]*?)\s*(?:\(\s*)?(?P<handle>@[\w.]+)?\s*\)?(?:\s+on\b.*)?$",
               re.I),  # Instagram
    re.compile(r"^\W*(?:post|thread)\s+by\s+(?P<handle>@[\w.]+)", re.I),  # Threads
    re.compile(r"^\W*posted\s+by\s+(?P<name>.+?)(?:\s+on\s+.*)?$", re.I),  # Facebook
    re.compile(r"^\s*(?P<handle>@[\w.]+)\s*$"),  # TikTok: the author's handle on a line of its own
)
"""The line of an embed that says who posted it: "— Jane Doe (@jane) May 1, 2024" (X, Bluesky),
"A post shared by Jane Doe (@jane)" (Instagram), "Post by @jane" (Threads), "Posted by Jane Doe on
Monday" (Facebook), "@jane" (TikTok). The first line that matches gives the author; it is not read."""

POST_CHROME_RE = re.compile(
    r"""^\W*(?:view\s+(?:this\s+post\s+)?on\s+\w+|view\s+more\s+on\s+\w+|watch\s+on\s+\w+|
        (?:see|view)\s+(?:this\s+)?(?:post|profile|photo|video)\b.*|\[\s*(?:image|video|embed|image\s+or\s+embed)\s*\]|
        like,?\s+comment.*|add\s+a\s+comment.*|loading.*|♬.*)\W*$""",
    re.X | re.I,
)
"""An embed's buttons and placeholders ("View this post on Instagram", "View on Threads", "[image or
embed]", a TikTok's "♬ original sound"): words of the widget, not of the post."""

POST_URL_RE = re.compile(
    r"(?:(?:^|(?<=[.!?]\s))(?:\w+\s){0,2}\w+:\s*)?"
    r"(?:https?://\S*|www\.\S*|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*|…))", re.I)
"""Addresses in a post's text: a scheme or "www." and what follows, or a host with a path or cut
short ("pic.twitter.com/AbC", "bbc.co.uk/news/uk-1…", the display form X gives a t.co link); with
the label of one to three words that opens a sentence to introduce it ("Details: https://..."):
never read. A name with a dot and no path ("Node.js", "St.Andrews") is not an address."""

POST_DATE_RE = re.compile(
    r"^\W*(?:[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[a-z]{3,9}\.?\s+\d{4}|\d{4}-\d{2}-\d{2})"
    r"(?:\s*(?:at|,)?\s*\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?)?\W*$", re.I)
"""A post's date on a line of its own (the permalink's text): left out, like any date line."""

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
        if token in SOCIAL_EMBEDS:
            return SOCIAL_EMBEDS[token]
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
            address = node.tag == "a" and POST_URL_RE.fullmatch(clean(node.text_content()) or "-")
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
            match = next((m for r in POST_AUTHOR_RES if (m := r.search(line))), None)
            if match:
                author = _author(match)
                continue
        if POST_CHROME_RE.match(line) or POST_DATE_RE.match(line):
            continue
        line = clean(POST_URL_RE.sub("", line)).strip(" -—–|")
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
    of the wrappers that hold nothing else, and of a <figure> around it. Then out of every small box
    around it (one whose other words, a label or a caption, are fewer than POST_LABEL_MAX_CHARS):
    such a box ("social-embed", an <aside>, "Embedded post") may be dropped as furniture, and the
    post must not go with it. Returns how many posts were read."""
    embeds = [(el, p) for el in body.iter("blockquote") if (p := platform_of(el))]
    boxes: dict[lxml.html.HtmlElement, _Box] = {}

    def box(el: lxml.html.HtmlElement) -> _Box:
        if el not in boxes:
            boxes[el] = _Box.of(el)
        return boxes[el]

    count = 0
    for el, platform in embeds:
        if el.getparent() is None or any(platform_of(a) for a in el.iterancestors()):
            continue  # a post quoted inside another post is read with it
        post = read_post(el, platform)
        outer = el
        while _wrapper(parent := outer.getparent(), body):
            if parent.tag != "figure" and box(parent).beside(outer):
                break  # the box holds words of its own beside the post
            outer = parent
        quote = etree.Element("blockquote", {POST: platform})
        quote.text = post.spoken()
        quote.tail = outer.tail
        holder = outer.getparent()
        holder.replace(outer, quote)
        box(holder).swap(outer, quote)
        while (_wrapper(holder, body) and (up := holder.getparent()) is not None
               and box(holder).beside(quote) < POST_LABEL_MAX_CHARS):
            _hoist(quote, holder, box(holder).words_after(quote))
            box(holder).remove(quote)
            box(up).add(quote)
            holder = up
        count += 1
    return count


def _wrapper(el: lxml.html.HtmlElement | None, body: lxml.html.HtmlElement) -> bool:
    """Whether `el` may be a post's box: not the page's body, nor an article, a cell or an item."""
    return el is not None and el is not body and el.tag not in _NEVER_WRAPPERS


@dataclass
class _Box:
    """What a box around a post shows beside it, worked out once per box (a page of a thousand
    posts in one box is read in linear time)."""

    own: int
    """Characters of the box's own text, between its children."""
    worded: dict
    """Each child that shows words -> how many characters (scripts and styles show none)."""

    @classmethod
    def of(cls, el: lxml.html.HtmlElement) -> _Box:
        own = len(clean(el.text or "")) + sum(len(clean(c.tail or "")) for c in el)
        return cls(own, {c: n for c in el if isinstance(c.tag, str) and c.tag not in _UNREAD
                         and (n := len(_readable(c)))})

    def beside(self, child: lxml.html.HtmlElement) -> int:
        """Characters the box shows beside `child`, counted up to POST_LABEL_MAX_CHARS."""
        n = self.own
        for c, chars in self.worded.items():
            if n >= POST_LABEL_MAX_CHARS:
                break
            if c is not child:
                n += chars
        return n

    def words_after(self, child: lxml.html.HtmlElement) -> bool:
        """Whether a child showing words follows `child` in the box."""
        return child.getnext() is not None and any(c in self.worded for c in child.itersiblings())

    def swap(self, old: lxml.html.HtmlElement, new: lxml.html.HtmlElement) -> None:
        self.worded = {new if c is old else c: n for c, n in self.worded.items()}

    def remove(self, child: lxml.html.HtmlElement) -> None:
        self.worded.pop(child, None)

    def add(self, child: lxml.html.HtmlElement) -> None:
        self.worded[child] = len(child.text or "")


def _hoist(quote: lxml.html.HtmlElement, box: lxml.html.HtmlElement, before: bool) -> None:
    """Move `quote` out of `box`, before it when words follow it in the box (the box's label comes
    after), else after it; the text around each keeps its place."""
    if quote.tail:
        prev = quote.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + quote.tail
        else:
            box.text = (box.text or "") + quote.tail
        quote.tail = None
    if before:
        box.addprevious(quote)
    else:
        quote.tail, box.tail = box.tail, None
        box.addnext(quote)


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
