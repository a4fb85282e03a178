"""The podcast feed: RSS 2.0 with the iTunes tags Apple Podcasts requires, one item per narrated article.

An item's guid is the article's (``narrator:<id>``) and its date the day its narration was first
published: a regeneration changes the enclosure (URL and length of the current version) and never
shows as a new episode. The channel's author, owner e-mail, artwork and category are settings
(NARRATOR_FEED_*); `check_settings` refuses artwork or a category Apple would refuse, at start.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from flask import Blueprint, Response, abort, request, send_file, url_for

from narrator.config import Settings
from narrator.errors import InputError
from narrator.safetext import strip_unsafe

from .context import service

bp = Blueprint("feed", __name__)

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("atom", ATOM)

DEFAULT_ARTWORK = Path(__file__).with_name("static") / "podcast.png"
"""narrator's own artwork, 1400 x 1400 px (made by script/artwork.py)."""
ARTWORK_PX = (1400, 3000)
"""The artwork's side Apple Podcasts accepts, smallest and largest."""

CATEGORIES_FILE = Path(__file__).with_name("podcast_categories.tsv")
"""Apple Podcasts' categories and subcategories, one a line (data: the list directories accept)."""


def categories() -> dict[str, set[str]]:
    """Category -> its subcategories, from CATEGORIES_FILE."""
    found: dict[str, set[str]] = {}
    for line in CATEGORIES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            main, _, sub = line.partition("\t")
            found.setdefault(main.strip(), set()).update([sub.strip()] if sub.strip() else [])
    return found


@dataclass(frozen=True)
class Artwork:
    """The podcast's artwork file."""

    path: Path
    """Where it is."""
    mimetype: str
    """image/png or image/jpeg."""
    size: tuple[int, int]
    """Width and height in pixels."""


def image_size(path: Path) -> tuple[str, tuple[int, int]]:
    """The type and (width, height) of a PNG or JPEG file; InputError for anything else."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"NARRATOR_FEED_ARTWORK {path}: {e.strerror}") from None
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return "image/png", struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":  # JPEG: the size is in the start-of-frame segment
        i = 2
        while i + 9 < len(data) and data[i] == 0xFF:
            marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return "image/jpeg", (width, height)
            i += 2 + length
    raise InputError(f"NARRATOR_FEED_ARTWORK {path}: not a PNG or JPEG image")


def artwork(settings: Settings) -> Artwork:
    """The configured artwork, checked: square, 1400 to 3000 px (InputError naming the setting)."""
    path = Path(settings.feed_artwork) if settings.feed_artwork else DEFAULT_ARTWORK
    mimetype, (width, height) = image_size(path)
    low, high = ARTWORK_PX
    if width != height or not low <= width <= high:
        raise InputError(f"NARRATOR_FEED_ARTWORK {path}: {width} x {height} px; podcast apps want a square "
                         f"of {low} to {high} px")
    return Artwork(path, mimetype, (width, height))


def category(settings: Settings) -> tuple[str, str | None]:
    """The configured category and subcategory (InputError for one Apple does not list)."""
    main, _, sub = (part.strip() for part in settings.feed_category.partition("/"))
    known = categories()
    if main not in known or (sub and sub not in known[main]):
        raise InputError(f"NARRATOR_FEED_CATEGORY {settings.feed_category!r} is not an Apple Podcasts "
                         "category (for example 'News' or 'News/Politics')")
    return main, sub or None


def check_settings(settings: Settings) -> None:
    """Refuse, at start, feed settings that podcast directories would refuse."""
    artwork(settings)
    category(settings)


def _absolute(path: str) -> str:
    """An absolute link: under NARRATOR_PUBLIC_URL, else under the request's own host (then the feed
    is not cached for anyone else: a Host header chosen by one client must not reach another)."""
    base = service().settings.public_url.rstrip("/") or request.url_root.rstrip("/")
    return base + path


def _line(text: str) -> str:
    """One line of text an XML parser accepts (what extraction gives; a store written by an older
    narrator, or by hand, may hold control characters)."""
    return " ".join(strip_unsafe(text).split())


def _duration(ms: int) -> str:
    s = round(ms / 1000)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = text
    return element


def _date(t: float) -> str:
    return format_datetime(datetime.fromtimestamp(t, UTC))


@bp.get("/feed.xml")
def feed() -> Response:
    svc = service()
    store, settings = svc.store, svc.settings
    title, label = _line(settings.feed_title) or "narrator", _line(settings.player_label)
    author = _line(settings.feed_author or settings.publication or title)
    rss = ET.Element("rss", {"version": "2.0"})
    channel = _add(rss, "channel")
    _add(channel, "title", title)
    _add(channel, "link", _absolute(url_for("player.index")))
    _add(channel, f"{{{ATOM}}}link", href=_absolute(url_for("feed.feed")), rel="self",
         type="application/rss+xml")
    _add(channel, "description", f"Narrated articles from {title}. {label}".strip())
    _add(channel, "language", "en")
    _add(channel, "generator", "narrator")
    _add(channel, f"{{{ITUNES}}}author", author)
    if settings.feed_email:
        owner = _add(channel, f"{{{ITUNES}}}owner")
        _add(owner, f"{{{ITUNES}}}name", author)
        _add(owner, f"{{{ITUNES}}}email", _line(settings.feed_email))
    art = artwork(settings)
    art_url = _absolute(url_for("feed.artwork_file", ext="png" if art.mimetype == "image/png" else "jpg"))
    _add(channel, f"{{{ITUNES}}}image", href=art_url)
    image = _add(channel, "image")
    _add(image, "url", art_url)
    _add(image, "title", title)
    _add(image, "link", _absolute(url_for("player.index")))
    main, sub = category(settings)
    top = ET.SubElement(channel, f"{{{ITUNES}}}category", {"text": main})  # the name is an attribute
    if sub:
        ET.SubElement(top, f"{{{ITUNES}}}category", {"text": sub})
    _add(channel, f"{{{ITUNES}}}explicit", "false")
    _add(channel, f"{{{ITUNES}}}type", "episodic")
    items = store.versions.current()
    items.sort(key=lambda pair: pair[0].first_published or pair[1].created, reverse=True)
    for record, version in items:
        a = record.article
        first = _line(a.paragraphs[0].text) if a.paragraphs else ""
        item = _add(channel, "item")
        _add(item, "title", _line(a.title) or record.id)
        # The article where it was published (a feed or page narrator read), else its page here.
        page = a.url if a.url.startswith(("http://", "https://")) else ""
        _add(item, "link", page or _absolute(url_for("player.article", article_id=record.id)))
        _add(item, "guid", f"narrator:{record.id}", isPermaLink="false")
        _add(item, "description", f"{first}\n\n{label}".strip())
        audio = _absolute(url_for("audio.mp3", article_id=record.id, version=version.version))
        _add(item, "enclosure", url=audio, length=str(version.size), type="audio/mpeg")
        _add(item, "pubDate", _date(record.first_published or version.created))
        _add(item, f"{{{ITUNES}}}duration", _duration(version.duration_ms))
        _add(item, f"{{{ITUNES}}}explicit", "false")
        _add(item, f"{{{ITUNES}}}episodeType", "full")
        if a.byline:
            _add(item, f"{{{ITUNES}}}author", _line(a.byline))
    ET.indent(rss)
    body = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    response = Response(body, mimetype="application/rss+xml")
    if settings.public_url:
        response.headers["Cache-Control"] = "public, max-age=300"
    else:  # links made from this request's Host header: for this client only
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Vary"] = "Host"
    return response


@bp.get("/feed-artwork.<any('png', 'jpg'):ext>")
def artwork_file(ext: str) -> Response:
    """The podcast's artwork (the configured file, or narrator's own)."""
    art = artwork(service().settings)
    if ext != ("png" if art.mimetype == "image/png" else "jpg"):
        abort(404, description="no such artwork")
    response = send_file(art.path, mimetype=art.mimetype, max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
