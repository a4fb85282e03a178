"""Hostile feeds (issue 23, items 1 and 3): a body is never opened as a path or URL, entities and DTDs
resolve nothing, shapes that make feedparser quadratic are refused before it runs, and what parses is
parsed in a child process under limits, the source's last pass saying why a feed was not read."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hostile_web import *  # noqa: F403 - the web fixture
from hostile_web import Web, rss
from web_fixtures import wait_for

from narrator.config import Settings
from narrator.net.feeds import Listing, check_shape, listing, parse_feed, parse_sitemap
from narrator.net.guard import NetGuard
from narrator.service.store import Store
from narrator.service.watch import Watcher

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://news.example/feed.xml"

_AUDIT: dict = {"forbidden": set(), "opened": [], "children": None}
"""What the audit hook watches: paths no parser may open, and (when a list) the child processes started."""


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _AUDIT["forbidden"] and isinstance(args[0], str | bytes):
        name = os.fsdecode(args[0])
        if name in _AUDIT["forbidden"]:
            _AUDIT["opened"].append(name)
            raise PermissionError(f"the test forbids opening {name}")  # and /dev/zero is never read
    elif event == "subprocess.Popen" and _AUDIT["children"] is not None:
        _AUDIT["children"].append([os.fsdecode(a) for a in args[1]])


sys.addaudithook(_audit)  # hooks cannot be removed: this one does nothing unless a test arms it


@contextmanager
def forbidden(*paths: str) -> Iterator[list[str]]:
    """Any attempt of this process to open one of `paths` is refused and listed."""
    _AUDIT["forbidden"], _AUDIT["opened"] = set(paths), []
    try:
        yield _AUDIT["opened"]
    finally:
        _AUDIT["forbidden"] = set()


@contextmanager
def children() -> Iterator[list[list[str]]]:
    """The command lines of the processes this process starts meanwhile."""
    _AUDIT["children"] = []
    try:
        yield _AUDIT["children"]
    finally:
        _AUDIT["children"] = None


def _watcher(tmp_path: Path, **settings: object) -> tuple[Store, Watcher]:
    """A store and a watcher allowed onto loopback (the hostile site); jobs are left queued."""
    config = Settings(home=str(tmp_path / "home"), watch_delay_s=0, allow_private_urls=1, **settings)  # type: ignore[arg-type]
    store = Store.from_settings(config)
    return store, Watcher(store, config, lambda job_id: None, lambda: NetGuard(allow_private=True))


def _pass(store: Store, watcher: Watcher, url: str) -> tuple[dict, str | None]:
    """One pass over `url`: what it did, and the source's error."""
    source = store.sources.add(url)
    outcome = watcher.run(store.sources.get(source.id)).as_dict()
    return outcome, store.sources.get(source.id).error


# Item 1: a body is data, never a name --------------------------------------------------------------


def test_a_body_naming_a_file_is_read_as_text_and_nothing_is_opened(tmp_path: Path) -> None:
    local = tmp_path / "local-feed.xml"
    local.write_bytes(rss("http://127.0.0.1:9/secret.html"))
    names = ["/dev/zero", str(local)]
    with forbidden(*names) as opened:
        for name in names:
            for body in (name.encode(), name.encode() + b"\n"):
                assert parse_feed(body, BASE) is None
                assert parse_sitemap(body) is None
                assert check_shape(body) == ""
                assert listing(body, BASE) == Listing("")
    assert opened == []  # before issue 23, feedparser opened both (and read /dev/zero until memory ran out)
    assert [e.url for e in parse_feed(local.read_bytes(), BASE)] == ["http://127.0.0.1:9/secret.html"]


def test_a_watched_feed_whose_body_names_local_files_reads_and_fetches_nothing(tmp_path: Path,
                                                                               web: Web) -> None:
    local = tmp_path / "local-feed.xml"
    local.write_bytes(rss(f"{web.base}/secret.html"))  # a real feed, one link: to the hostile site
    web.pages |= {"/zero.xml": b"/dev/zero", "/named.xml": str(local).encode(), "/secret.html": b"<p>x</p>"}
    store, watcher = _watcher(tmp_path)
    for path in ("/zero.xml", "/named.xml"):
        outcome, error = _pass(store, watcher, web.base + path)
        # Read as the text it is (had /dev/zero been read, the reader would have run out of memory)
        assert error == f"{web.base}{path} is neither an RSS or Atom feed nor a sitemap"
        assert outcome["entries"] == outcome["created"] == 0
    assert "/secret.html" not in web.requested and web.requested == ["/zero.xml", "/named.xml"]
    assert store.articles.all() == []


def test_entities_dtds_and_xinclude_resolve_nothing(tmp_path: Path, web: Web) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("leaked.example")
    web.pages |= {p: b"leaked.example" for p in ("/entity", "/dtd", "/param", "/xinclude")}
    item = "<item><link>https://news.example/&e;.html</link></item>"
    url = "<url><loc>https://news.example/&e;.html</loc></url>"
    sitemap = "<urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{}</urlset>"
    docs = {
        "rss, entity from the web": f"<!DOCTYPE rss [<!ENTITY e SYSTEM '{web.base}/entity'>]>"
                                    f"<rss version='2.0'><channel>{item}</channel></rss>",
        "rss, entity from a file": f"<!DOCTYPE rss [<!ENTITY e SYSTEM 'file://{secret}'>]>"
                                   f"<rss version='2.0'><channel>{item}</channel></rss>",
        "rss, external DTD": f"<!DOCTYPE rss SYSTEM '{web.base}/dtd'><rss version='2.0'><channel>"
                             "<item><link>https://news.example/a.html</link></item></channel></rss>",
        "rss, parameter entity": f"<!DOCTYPE rss [<!ENTITY % p SYSTEM '{web.base}/param'> %p;]>"
                                 f"<rss version='2.0'><channel>{item}</channel></rss>",
        "sitemap, entity from the web": f"<!DOCTYPE urlset [<!ENTITY e SYSTEM '{web.base}/entity'>]>"
                                        + sitemap.format(url),
        "sitemap, entity from a file": f"<!DOCTYPE urlset [<!ENTITY e SYSTEM 'file://{secret}'>]>"
                                       + sitemap.format(url),
        "sitemap, XInclude": sitemap.format(f"<xi:include xmlns:xi='http://www.w3.org/2001/XInclude' "
                                            f"href='{web.base}/xinclude' parse='text'/>{url}"),
    }
    with forbidden(str(secret)) as opened:
        for name, doc in docs.items():
            found = listing(doc.encode(), BASE)
            assert found.kind in ("feed", "sitemap"), name
            assert not any("leaked" in e.url for e in found.pages), (name, found.pages)
    assert opened == [] and web.requested == []


# Item 3: bounded before parsing, parsed out of the web process -------------------------------------

FIVE_MB = 5 * 2**20 - 64
"""Just under the fetch's 5 MB cap."""
SHAPES = {
    "40,000 attributes on one element": (
        b"<rss version='2.0'><channel><item " + b" ".join(b'a%d="x"' % i for i in range(40_000))
        + b"><link>https://news.example/a.html</link></item></channel></rss>",
        "an element has 40,000 attributes (at most 50 are read)"),
    "5 MB of unclosed tags": (b"<rss version='2.0'><channel>" + b"<a>" * (FIVE_MB // 3),
                              "its elements are nested more than 100 deep (unclosed tags?)"),
    "a million empty elements": (b"<rss version='2.0'><channel>" + b"<x/>" * 1_000_000 + b"</channel></rss>",
                                 "it has more than 250,000 elements"),
    "60 namespace declarations": (b"<rss version='2.0' " + b" ".join(b'xmlns:n%d="urn:n%d"' % (i, i)
                                                                      for i in range(60)) + b"/>",
                                  "an element has 61 attributes (at most 50 are read)"),  # and version
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_costly_shape_is_refused_in_the_reader_and_the_source_says_why(tmp_path: Path, web: Web,
                                                                        shape: str) -> None:
    body, reason = SHAPES[shape]
    web.pages["/hostile.xml"] = body
    store, watcher = _watcher(tmp_path)
    with children() as started:
        outcome, error = _pass(store, watcher, web.base + "/hostile.xml")
    assert error == f"{web.base}/hostile.xml was not read: {reason}"
    assert outcome["entries"] == 0
    # Read by one child process (`python -m narrator.feeds`), never in this one.
    assert [argv[1:3] for argv in started] == [["-m", "narrator.net.feeds"]]


def test_feeds_of_the_sizes_sites_publish_pass_the_checks(tmp_path: Path, web: Web) -> None:
    """The bounds leave real feeds alone: 10,000 entries with media and nine namespaces."""
    namespaces = " ".join(f'xmlns:{p}="urn:{p}"' for p in ("content", "wfw", "dc", "atom", "sy", "slash",
                                                          "georss", "geo"))
    media = ('<media:content url="https://cdn.example/a.jpg" type="image/jpeg" medium="image" width="1200" '
             'height="800" fileSize="1" duration="0" bitrate="1" framerate="1" samplingrate="1" channels="1" '
             'expression="full" isDefault="true" lang="en"/>')
    items = "".join(f"<item><title>Story {i}</title><link>https://news.example/{i}.html</link>{media}</item>"
                    for i in range(10_000))
    web.pages["/big.xml"] = (f'<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" {namespaces}>'
                             f"<channel><title>Big</title>{items}</channel></rss>").encode()
    store, watcher = _watcher(tmp_path, watch_max_entries=0)
    outcome, error = _pass(store, watcher, web.base + "/big.xml")
    assert (outcome["kind"], outcome["entries"], error) == ("feed", 10_000, None)


def test_a_feed_over_its_time_budget_fails_and_the_source_says_so(tmp_path: Path, web: Web) -> None:
    web.pages["/feed.xml"] = rss("https://news.example/a.html")
    store, watcher = _watcher(tmp_path, watch_parse_s=0.01)  # less than a Python takes to start
    outcome, error = _pass(store, watcher, web.base + "/feed.xml")
    assert error == (f"{web.base}/feed.xml was not read: reading it took longer than 0.01 s "
                     "(NARRATOR_WATCH_PARSE_S)")
    assert outcome["entries"] == 0


def test_a_feed_beyond_its_memory_fails_and_the_source_says_so(tmp_path: Path, web: Web) -> None:
    items = "".join(f"<item><title>Story {i}</title><link>https://news.example/{i}.html</link>"
                    f"<description>{'word ' * 40}</description></item>" for i in range(15_000))
    web.pages["/feed.xml"] = f"<rss version='2.0'><channel>{items}</channel></rss>".encode()  # 4.3 MB
    store, watcher = _watcher(tmp_path, watch_parse_mb=64)  # a 4 MB feed needs about 100 MB to parse
    outcome, error = _pass(store, watcher, web.base + "/feed.xml")
    assert error == (f"{web.base}/feed.xml was not read: reading it needs more than 64 MB "
                     "(NARRATOR_WATCH_PARSE_MB)")
    assert outcome["entries"] == 0


def _limits(pid: int) -> dict[str, tuple[str, str]]:
    """/proc/<pid>/limits: name -> (soft, hard)."""
    text = Path(f"/proc/{pid}/limits").read_text()
    rows = re.finditer(r"^(Max [a-z ]+?)\s{2,}(\S+)\s+(\S+)", text, re.M)
    return {m[1].strip(): (m[2], m[3]) for m in rows}


def _nice(pid: int) -> int:
    """The nice value of `pid` (/proc/<pid>/stat, field 19)."""
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def test_the_reader_sets_its_limits_before_it_reads_a_byte() -> None:
    reader = subprocess.Popen([sys.executable, "-m", "narrator.net.feeds", BASE, "96", "7"], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # It waits for its input, its limits and its lower priority in place (the last thing it sets).
        expected_nice = min(os.getpriority(os.PRIO_PROCESS, 0) + 10, 19)
        wait_for(lambda: _nice(reader.pid) == expected_nice, 30, what="the reader's limits")
        limits = _limits(reader.pid)
        out, _ = reader.communicate(rss("/a.html"), timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.communicate()
    assert limits["Max address space"] == (str(96 * 2**20), str(96 * 2**20))
    assert limits["Max cpu time"] == ("7", "8")  # SIGXCPU at 7 s of CPU, SIGKILL at 8
    assert limits["Max core file size"] == ("0", "0")
    assert json.loads(out) == {"kind": "feed", "pages": [["https://news.example/a.html", "", 0.0]],
                               "children": []}
