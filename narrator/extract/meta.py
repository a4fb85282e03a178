"""The page's metadata: headline, authors, date and language from JSON-LD, <meta> tags and <time>;
the title chosen among the page's headings and its declared titles; a small language detector."""
from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

import lxml.html

from ..safetext import one_line as clean
from . import rules
from .page import WORD


@dataclass
class Meta:
    """What the page says about itself, before its body is read."""

    title: str = ""
    """The JSON-LD headline."""
    og_title: str = ""
    """og:title, else twitter:title."""
    doc_title: str = ""
    """The <title>."""
    site_name: str = ""
    """og:site_name, else application-name: what a site-logo heading says."""
    byline: str = ""
    """The authors as one line."""
    date: str = ""
    """The publication date, ISO 8601."""
    language: str = ""
    """The declared language tag."""
    body: str = ""
    """The JSON-LD articleBody."""
    authors: list[str] = field(default_factory=list)
    """The authors' names."""


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
            name = _BY_PREFIX.sub("", clean(html.unescape(item)))
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


def read_meta(root: lxml.html.HtmlElement) -> Meta:
    meta = Meta()
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
                meta.title = clean(html.unescape(obj["headline"]))
            if not meta.authors:
                meta.authors = _names(obj.get("author"))
            if not meta.date and isinstance(obj.get("datePublished"), str):
                meta.date = _iso_date(obj["datePublished"])
            if not meta.body and isinstance(obj.get("articleBody"), str):
                meta.body = obj["articleBody"]
            if not meta.language and isinstance(obj.get("inLanguage"), str):
                meta.language = obj["inLanguage"]
    meta.og_title = clean(props.get("og:title", "") or props.get("twitter:title", ""))
    meta.site_name = clean(props.get("og:site_name", "") or props.get("application-name", ""))
    title_el = root.find(".//title")
    meta.doc_title = clean(title_el.text_content()) if title_el is not None else ""
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


def norm_lang(tag: str) -> str:
    tag = tag.strip().replace("_", "-").lower().split(",")[0].strip()
    return tag if re.fullmatch(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*", tag) else ""


_STOPWORD_SETS = {lang: frozenset(words) for lang, words in rules.STOPWORDS.items()}


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
    words = [w.lower() for w in WORD.findall(sample)]
    if len(words) < 5:
        return ""
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORD_SETS.items()}
    best = max(counts, key=counts.__getitem__)
    second = max((v for k, v in counts.items() if k != best), default=0)
    if counts[best] >= max(3, len(words) * 0.05) and counts[best] > second * 1.3:
        return best
    return ""


def title_tokens(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


_TITLE_PARTS = re.compile(r"\s+[|–—:-]\s+|\s+[|]\s*")


def _without_site_name(title: str, site: str) -> str:
    """A declared title without the site's name at either end ("Headline | Riverside Daily")."""
    if not site:
        return title
    name = re.escape(site)
    m = (re.fullmatch(rf"(.+?)\s*[|–—:-]\s*{name}", title, re.I)
         or re.fullmatch(rf"{name}\s*[|–—:-]\s*(.+)", title, re.I))
    return m.group(1) if m else title


def _links_home(h1: lxml.html.HtmlElement) -> bool:
    """Whether a heading is all one link to the site's front page (a logo: href "/", "./",
    "/index.html" or a site's root address)."""
    links = list(h1.iter("a"))
    if len(links) != 1 or clean(links[0].text_content()) != clean(h1.text_content()):
        return False
    return _HOME.fullmatch((links[0].get("href") or "x").strip()) is not None


_HOME = re.compile(r"(?:https?://[^/?#]+)?(?:/|\./|/?index\.\w+)?")


def choose_title(root: lxml.html.HtmlElement, meta: Meta) -> str:
    """The headline: the <h1> that matches the page's headline metadata (JSON-LD headline, og:title;
    the <title> when neither is given), else that metadata itself. An <h1> matches when most of its
    words are the headline's and it covers at least TITLE_MIN_COVER of the headline's words: a
    site-logo <h1> ("Riverside Daily") shares the site's name with a "Headline | Riverside Daily"
    title, never the headline; nor is an <h1> that is the site's name (og:site_name, or the words
    of an <h1> that is all one link to the front page: a logo)."""
    h1s = [clean(h.text_content()) for h in root.iter("h1")]
    h1s = [h for h in h1s if h and len(h) < 400]
    logos = [clean(h.text_content()) for h in root.iter("h1") if _links_home(h)]
    site_name = meta.site_name or next(iter(logos), "")
    site = title_tokens(meta.site_name)
    names = [title_tokens(n) for n in (meta.site_name, *logos) if title_tokens(n)]
    declared = [t for t in (meta.title, meta.og_title) if t] or [t for t in (meta.doc_title,) if t]
    refs = [title_tokens(t) - site or title_tokens(t) for t in declared]
    best, best_score = "", 0.0
    for h in h1s:
        words = title_tokens(h)
        if not words or words in names:
            continue
        for ref in refs:
            shared = len(words & ref)
            if (shared / len(words) >= 0.5 and shared >= len(ref) * rules.TITLE_MIN_COVER
                    and shared > best_score):
                best, best_score = h, shared
    if best:
        return best
    if meta.title:
        return meta.title
    if meta.og_title:
        return _without_site_name(meta.og_title, site_name)
    if meta.doc_title:
        bare = _without_site_name(meta.doc_title, site_name)
        return bare if bare != meta.doc_title else max(_TITLE_PARTS.split(meta.doc_title), key=len)
    return next((h for h in h1s if title_tokens(h) not in names), "")

