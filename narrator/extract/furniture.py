"""Furniture and captions: what a page holds beside the story (reading times, newsletter prompts,
bylines, datelines, captions and photo credits, widgets named by class or role, other stories' cards),
found by what each block is and says, and dropped before the body is read."""
from __future__ import annotations

import re

import lxml.html

from ..safetext import one_line as clean
from . import rules
from .page import WORD
from .tree import CONTROL, IMAGE, Stats, drop


def furniture(text: str, byline: str = "") -> str:
    """What kind of page furniture a block of text is ("reading time", "newsletter prompt",
    ...), or "" when it may be the story's. `byline` is the article's, when known."""
    n = len(text)
    for kind, longest, patterns in rules.FURNITURE:
        if n < longest and all(p.search(text) for p in patterns):
            return kind
    if call_to_action(text):
        return "newsletter prompt"
    if n < rules.PROMPT_BLOCK_MAX_CHARS and (opening := _OPENING.match(text)) and opening.end() < n:
        # a prompt whose first sentence asks, and the rest tells the offer's terms
        if call_to_action(opening.group()):
            return "newsletter prompt"
        if rules.SOCIAL_PROMPT_RE.match(opening.group()):
            return "social prompt"
    if (byline and text == byline) or (n < 120 and _is_dateline(text)):
        return "byline"
    return ""


_OPENING = re.compile(r"[^.!?]{8,}?[.!?](?=\s+[\"“‘(]?[A-Z])")
"""A block's first sentence (up to a full stop before a capital)."""


def call_to_action(text: str, in_signup_box: bool = False, site: str = "") -> bool:
    """Whether a block is a call to action, by what it does rather than the words it contains: a
    short block, not reported speech, that tells the reader to sign up for what the publisher
    offers ("Sign up for our newsletter", "Get the Evening Post in your inbox", "Subscribe to
    `site` for £1 a week"), offers it ("We'll send you an email every morning"), or is a button's
    label ("Subscribe now"). In a box with a form, a button or a link to a sign-up page
    (`in_signup_box`), an imperative opening is enough."""
    if len(text) >= rules.CTA_MAX_CHARS or rules.REPORTED_SPEECH_RE.search(text):
        return False
    if rules.CTA_LABEL_RE.match(text) or rules.CTA_OFFER_RE.search(text):
        return True
    for m in rules.CTA_OPENING_RE.finditer(text):
        if in_signup_box or m.group("foreign"):
            return True
        sign = m.group("sign") or m.group("modal")
        product = rules.CTA_PRODUCT_RE if sign else rules.CTA_PRODUCT_NOUN_RE
        rest = text[m.end():]
        if product.search(rest) or (sign and (rules.CTA_PRICE_RE.search(rest) or _names(rest, site))):
            return True
    return False


def _names(text: str, site: str) -> bool:
    """Whether `text` names the site (its og:site_name, without a leading "The")."""
    name = re.sub(r"^the\s+", "", site.strip(), flags=re.I)
    return len(name) > 2 and re.search(rf"\b{re.escape(name)}\b", text, re.I) is not None


def in_signup_box(el: lxml.html.HtmlElement | None) -> bool:
    """Whether `el`, or a small box around it, holds a form, a button or input (marked by
    tree.strip_tags when it dropped them) or a button-like link: a sign-up page's address under
    a button's words ("Sign up", "Subscribe now"). A link in a sentence is not one."""
    for _ in range(rules.CTA_BOX_CLIMB):
        if el is None or len(el.text_content()) > rules.CTA_MAX_CHARS * 2:
            return False
        if el.tag == "form" or el.get(CONTROL) is not None or el.find(".//form") is not None:
            return True
        if any(rules.SIGNUP_HREF_RE.search(a.get("href") or "") and rules.CTA_LABEL_RE.match(a.text_content())
               for a in el.iter("a")):
            return True
        el = el.getparent()
    return False


_TIME = re.compile(r"\d{1,2}:\d{2}")


_NUMERIC_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")


def _is_dateline(text: str) -> bool:
    words = [w.lower() for w in WORD.findall(text)]
    dated = [w for w in words if w in rules.DATE_NAMES or w in rules.DATE_FILLERS
             or w.isdigit() or w.rstrip("stndrh").isdigit()]
    if len(words) - len(dated) > rules.DATE_LINE_MAX_OTHER_WORDS or len(dated) <= len(words) / 2:
        return False
    named = any(w in rules.DATE_NAMES for w in words) and any(w.isdigit() for w in words)
    signed = any(w in ("by", "por", "von") for w in words)
    return named or bool(_NUMERIC_DATE.search(text) and (signed or _TIME.search(text)))


_TERMINAL = re.compile(r"[.!?…:;。！？」』）\"'”’»)]\W*$")


def drop_captions(body: lxml.html.HtmlElement, st: Stats, cjk: bool) -> None:
    """Drop the caption under each image, and the image placeholders. The caption is the
    element after the image (or after the wrappers holding nothing but it), or the text after
    the image in a block that opens with it, when it is short and reads like a caption: a
    credit's words, or set apart from the story's paragraphs (another tag than theirs) and
    without closing punctuation or all in italics."""
    prose_tag = _prose_tag(body, st, cjk)
    for image in list(body.iter(IMAGE)):
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
                drop(parent)
        else:
            after = el.getnext()
            while after is not None and not st.total.get(after, 0) and not (after.tail or "").strip():
                after = after.getnext()
            if after is not None and _caption_like(after, st, prose_tag, opens):
                drop(after)
    for image in list(body.iter(IMAGE)):
        drop(image)


def _prose_tag(body: lxml.html.HtmlElement, st: Stats, cjk: bool) -> str:
    """The tag holding most of the page's prose (usually "p")."""
    least = rules.MIN_PARAGRAPH_CHARS_CJK if cjk else rules.MIN_PARAGRAPH_CHARS
    chars: dict[str, int] = {}
    for el in body.iter():
        if el.tag not in rules.INLINE_TAGS and st.inline.get(el, 0) >= least:
            chars[el.tag] = chars.get(el.tag, 0) + st.inline[el]
    return max(chars, key=chars.__getitem__, default="p")


def _caption_like(el: lxml.html.HtmlElement, st: Stats, prose_tag: str, opens_with_image: bool) -> bool:
    if el.tag not in rules.CAPTION_TAGS or not 0 < st.total.get(el, 0) <= rules.CAPTION_MAX_CHARS:
        return False
    text = clean(el.text_content())
    if rules.CAPTION_CREDIT_RE.search(text):
        return True
    block = el  # the element holding the text: <div><p>text</p></div> is a <p>
    while len(block) == 1 and not (block.text or "").strip() and block[0].tag not in rules.INLINE_TAGS:
        block = block[0]
    children = [c for c in block if c.tag != IMAGE and c.tag != "br"]
    if block.tag in rules.CAPTION_STYLE_TAGS or (
            not (block.text or "").strip() and len(children) == 1
            and children[0].tag in rules.CAPTION_STYLE_TAGS and not (children[0].tail or "").strip()):
        return True  # all of it in italics or small print
    if block.tag == prose_tag and not opens_with_image:
        return False  # a short paragraph of the story, after a picture
    return not _TERMINAL.search(text)


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


def strip_boilerplate(body: lxml.html.HtmlElement, st: Stats) -> None:
    """Drop widgets named by class/id/role and small <header>/<footer>s, unless they hold
    most of the page's prose."""
    page_prose = st.prose.get(body, 0.0) or 1.0
    stack = [body]
    doomed = []
    running: set = set()
    while stack:
        el = stack.pop()
        for child in el:
            junk = False
            if child.tag in rules.HEADER_TAGS:
                junk = st.total[child] < rules.HEADER_MAX_CHARS or st.prose[child] < page_prose * 0.2
            elif _in_running_text(child, running):
                running.add(child)
            else:
                kind = _boilerplate_kind(child)
                if kind == "strong":
                    junk = st.prose[child] <= page_prose * rules.PROTECT_SHARE
                elif kind == "weak":
                    junk = st.prose[child] == 0
            if junk:
                doomed.append(child)
            else:
                stack.append(child)
    for el in doomed:
        drop(el)


def drop_other_stories(container: lxml.html.HtmlElement, st: Stats) -> None:
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
            drop(el)
