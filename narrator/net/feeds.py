"""Feeds and sitemaps read from the bytes a site sent: bounded before parsing, parsed in a child process.

Why (issue 23). `feedparser.parse(body)` treats a str or bytes as a URL or a file path to open: a feed
whose body was the text `/dev/zero` made the service read /dev/zero (216 MB to 2.7 GB in 7 s), and a
body naming a local feed file made it read that file and fetch the links inside. And feedparser is
quadratic on shapes no feed has: its strict parser scans an element's attributes once per attribute
(40,000 attributes took 39 s), its loose parser walks the open elements at every unclosed tag (5 MB
of them: 100 s of CPU and 905 MB). So here:

1. Every parser gets a file-like object (io.BytesIO), never bytes it could take for a name, with
   entities, DTDs and the network off (lxml: resolve_entities, load_dtd, no_network; feedparser's own
   SAX parser has external entities off, and it replaces the DOCTYPE, keeping only plain-text entities).
   Nothing read here fetches anything: the links a feed lists are fetched by the watcher, through the
   fetch guard, and only http(s).
2. `check_shape` reads the document once with libxml2's pull parser (C, linear, constant memory: an
   element is dropped once closed) and refuses what no feed needs: more than MAX_DEPTH levels,
   MAX_ATTRIBUTES attributes on one element, MAX_ELEMENTS elements. The fetch has capped the size
   (narrator.net.fetch.MAX_BYTES, 5 MB).
3. `read_listing` runs both in a child process (`python -m narrator.feeds`) with an address-space
   limit (NARRATOR_WATCH_PARSE_MB), a CPU limit and a wall-clock budget (NARRATOR_WATCH_PARSE_S), at a
   lower CPU priority. `narrator serve` watches its sources in the web process, so this is what keeps
   a shape the checks miss from costing listeners anything: a runaway takes the child down, and the
   source's last pass says why.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import resource
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import lxml.etree

from ..errors import ExtractionError

log = logging.getLogger(__name__)

MAX_DEPTH = 100
"""Deepest nesting read. RSS nests 4 to 6 levels (rss/channel/item/media:group/media:content), an Atom
entry with XHTML content some 20 more. At 100, feedparser's loose parser (a pass over the open elements
per unclosed tag) stays linear: 30 KB of unclosed tags already took it 0.66 s, 5 MB 100 s."""
MAX_ATTRIBUTES = 50
"""Most attributes (namespace declarations included) on one element. In real feeds media:content has up
to 14 and a WordPress <rss> declares 9 namespaces. feedparser's strict parser costs attributes squared
per element: with 50 on every element, 5 MB of them parse in 1.7 s (40,000 on one element: 39 s)."""
MAX_ELEMENTS = 250_000
"""Most elements read. A feed of 10,000 entries has about 60,000, a sitemap of 40,000 URLs (near the
5 MB fetch cap) 120,000. feedparser reads 250,000 empty elements in 2.5 s on an idle core (8 s on a busy
2-core machine), the 1.3 million that fit in 5 MB in 15 s (idle)."""
CHUNK = 64 * 1024
"""Bytes fed to the pull parser at a time: a refusal comes within a chunk of the offending element."""
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class Entry:
    """A page a source lists."""

    url: str
    """The page."""
    lastmod: str = ""
    """When a sitemap says it last changed (<lastmod>): while it stays the same the page is not asked
    for. Feeds give none here: their dates say when a story was published, not when it was edited."""
    order: float = 0.0
    """A sort key, larger for newer (a Unix time where one is known)."""


@dataclass(frozen=True)
class Listing:
    """What a feed or sitemap lists."""

    kind: str
    """'feed', 'sitemap' (a urlset or a sitemap index), or '' when the document is neither."""
    pages: tuple[Entry, ...] = ()
    """The pages it lists."""
    children: tuple[Entry, ...] = ()
    """The child sitemaps a sitemap index lists."""

    def to_json(self) -> str:
        """What the child process prints."""
        return json.dumps({"kind": self.kind, "pages": [[e.url, e.lastmod, e.order] for e in self.pages],
                           "children": [[e.url, e.lastmod, e.order] for e in self.children]})

    @classmethod
    def from_dict(cls, data: dict) -> Listing:
        """The inverse of to_json (after json.loads)."""
        return cls(data["kind"], tuple(Entry(*e) for e in data["pages"]),
                   tuple(Entry(*e) for e in data["children"]))


def _when(text: str) -> float:
    """A date from a sitemap or a feed as a Unix time (0 if there is none or it does not parse)."""
    text = (text or "").strip()
    if not text:
        return 0.0
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return 0.0


def _xml_parser(**options: bool) -> dict:
    """lxml parser options that resolve nothing: no entities, no DTD, no network, libxml2's own limits."""
    return {"resolve_entities": False, "load_dtd": False, "no_network": True, "huge_tree": False,
            "recover": True, **options}


def _events(body: bytes):  # noqa: ANN202 - an iterator of lxml's (event, element) pairs
    """libxml2's pull parser over `body`, a chunk at a time, resolving nothing."""
    parser = lxml.etree.XMLPullParser(events=("start", "end", "start-ns"), **_xml_parser())
    for at in range(0, len(body), CHUNK):
        parser.feed(body[at:at + CHUNK])
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def check_shape(body: bytes) -> str:
    """What makes `body` too costly to give feedparser ('' when nothing does): see MAX_DEPTH,
    MAX_ATTRIBUTES and MAX_ELEMENTS. One linear pass; whether it is a feed at all is the parsers' call."""
    depth = elements = declared = 0
    try:
        for event, element in _events(body):
            if event == "start-ns":  # a declaration of the element whose start comes next
                declared += 1
            elif event == "end":
                depth -= 1
                element.clear()  # memory stays flat: nothing is needed after an element's end
                parent = element.getparent()
                while parent is not None and element.getprevious() is not None:
                    del parent[0]
            else:
                depth += 1
                elements += 1
                attributes, declared = len(element.attrib) + declared, 0
                if attributes > MAX_ATTRIBUTES:
                    return f"an element has {attributes:,} attributes (at most {MAX_ATTRIBUTES} are read)"
                if depth > MAX_DEPTH:
                    return f"its elements are nested more than {MAX_DEPTH} deep (unclosed tags?)"
                if elements > MAX_ELEMENTS:
                    return f"it has more than {MAX_ELEMENTS:,} elements"
    except lxml.etree.XMLSyntaxError:
        pass  # not XML at all: the parsers say what it is
    return ""


def parse_sitemap(body: bytes) -> tuple[list[Entry], list[Entry]] | None:
    """The pages and child sitemaps a sitemap lists, or None if `body` is no sitemap."""
    try:
        root = lxml.etree.parse(io.BytesIO(body), lxml.etree.XMLParser(**_xml_parser())).getroot()
    except lxml.etree.XMLSyntaxError:
        return None
    if root is None or lxml.etree.QName(root).localname not in ("urlset", "sitemapindex"):
        return None
    pages: list[Entry] = []
    children: list[Entry] = []
    for item in root:
        if not isinstance(item.tag, str):
            continue
        kind = lxml.etree.QName(item).localname
        loc = (item.findtext(f"{SITEMAP_NS}loc") or item.findtext("loc") or "").strip()
        if not loc:
            continue
        lastmod = (item.findtext(f"{SITEMAP_NS}lastmod") or item.findtext("lastmod") or
                   item.findtext(f"{NEWS_NS}news/{NEWS_NS}publication_date") or "").strip()
        entry = Entry(loc, lastmod, _when(lastmod))
        (children if kind == "sitemap" else pages).append(entry)
    return pages, children


def parse_feed(body: bytes, base: str) -> list[Entry] | None:
    """The pages an RSS or Atom feed lists (relative links against `base`), or None if `body` is no feed.

    feedparser gets a file-like object: given bytes or a str it would open them as a file path or
    URL. Only the entries' links and dates are read, so it neither sanitises nor rewrites content."""
    parsed = feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        return None
    entries = []
    for item in parsed.entries:
        link = item.get("link") or next((x.get("href") for x in item.get("links", []) if x.get("href")), "")
        if not link:
            continue
        keys = set(item.keys())  # item.get("updated") would fall back to "published" with a warning
        stamp = next((item[k] for k in ("updated_parsed", "published_parsed") if k in keys and item[k]), None)
        entries.append(Entry(urljoin(base, link), "", time.mktime(stamp) if stamp else 0.0))
    return entries


def listing(body: bytes, base: str) -> Listing:
    """What `body` lists, read in this process: ExtractionError for a shape check_shape refuses."""
    problem = check_shape(body)
    if problem:
        raise ExtractionError(problem)
    sitemap = parse_sitemap(body)
    if sitemap is not None:
        return Listing("sitemap", tuple(sitemap[0]), tuple(sitemap[1]))
    feed = parse_feed(body, base)
    return Listing("feed", tuple(feed)) if feed is not None else Listing("")


def read_listing(body: bytes, base: str, seconds: float, megabytes: int) -> Listing:
    """What `body` (fetched from `base`) lists, read in a child process with at most `megabytes` of
    address space and `seconds` of CPU and of wall-clock time. ExtractionError saying why when the
    document was refused or the child ran out of time or memory."""
    package_root = Path(__file__).resolve().parent.parent  # `-m narrator.feeds` finds this narrator
    command = [sys.executable, "-m", __name__, base, str(megabytes), f"{seconds:g}"]
    try:
        run = subprocess.run(command, input=body, capture_output=True, timeout=seconds, cwd=package_root,
                             check=False)
    except subprocess.TimeoutExpired:  # subprocess.run has killed and reaped the child
        raise ExtractionError(f"reading it took longer than {seconds:g} s (NARRATOR_WATCH_PARSE_S)") from None
    if run.returncode == 0:
        data = json.loads(run.stdout)
        if "error" in data:
            raise ExtractionError(data["error"])
        return Listing.from_dict(data)
    if run.returncode == -signal.SIGXCPU:
        raise ExtractionError(f"reading it took more than {_cpu_s(seconds)} s of CPU "
                              "(NARRATOR_WATCH_PARSE_S)")
    if b"MemoryError" in run.stderr:
        raise ExtractionError(_memory_message(megabytes))
    last = (run.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[-1]
    log.warning("the feed reader stopped (exit code %s): %s", run.returncode, last)
    raise ExtractionError(f"the feed reader stopped (exit code {run.returncode})")


def _cpu_s(seconds: float) -> int:
    return max(1, math.ceil(seconds))


def _memory_message(megabytes: int) -> str:
    return f"reading it needs more than {megabytes} MB (NARRATOR_WATCH_PARSE_MB)"


def _lower(limit: int, soft: int, hard: int) -> None:
    """Set a resource limit to `soft` and `hard`, keeping any lower one the process already has."""
    _, now = resource.getrlimit(limit)
    if now != resource.RLIM_INFINITY:
        soft, hard = min(soft, now), min(hard, now)
    resource.setrlimit(limit, (soft, hard))


def _child(argv: list[str]) -> int:
    """The child process: limits first, then the body from stdin, the listing (or error) as JSON on
    stdout. A CPU overrun ends it with SIGXCPU; an allocation beyond the address space is a MemoryError."""
    import xml.sax.expatreader  # noqa: F401 - feedparser imports it on first use: before the limits, not under them

    base, megabytes, seconds = argv[0], int(argv[1]), float(argv[2])
    _lower(resource.RLIMIT_CORE, 0, 0)  # a child stopped at its CPU limit leaves no core file
    _lower(resource.RLIMIT_CPU, _cpu_s(seconds), _cpu_s(seconds) + 1)  # SIGXCPU, then SIGKILL a second later
    _lower(resource.RLIMIT_AS, megabytes * 2**20, megabytes * 2**20)
    os.nice(10)  # behind the web process's threads for the CPU
    body = sys.stdin.buffer.read()
    try:
        result = listing(body, base).to_json()
    except ExtractionError as e:
        result = json.dumps({"error": str(e)})
    except MemoryError:
        result = json.dumps({"error": _memory_message(megabytes)})
    except Exception as e:  # a parser's own failure on a hostile document: the source says which
        result = json.dumps({"error": f"the parser failed ({type(e).__name__})"})
    sys.stdout.write(result)
    return 0


__all__ = ["Entry", "Listing", "MAX_ATTRIBUTES", "MAX_DEPTH", "MAX_ELEMENTS", "check_shape", "listing",
           "parse_feed", "parse_sitemap", "read_listing"]


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
