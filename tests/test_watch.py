"""Watching a site's feeds and sitemaps (issue 18): a small news site on loopback with a feed, sitemaps
and three article pages; the watcher creates, updates and leaves alone, politely and within its cap."""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import configure, wait_for

from narrator.config import Settings
from narrator.net.feeds import parse_feed, parse_sitemap
from narrator.net.guard import NetGuard
from narrator.service.jobs import JobQueue
from narrator.service.store import Store
from narrator.service.watch import Watcher

PARAGRAPHS = {
    "harbour": ["The old harbour bridge opened again on Monday after repairs.",
                "Engineers replaced two steel cables over the summer.",
                "Buses return to the bridge next week."],
    "library": ["The city library will stay open until nine on weekdays.",
                "The council found the money in this year's budget.",
                "Readers had asked for longer hours for years."],
    "market": ["The farmers' market moves to the station square in spring.",
               "Stallholders voted for the move last month.",
               "The old car park will become a playground."],
}
"""The site's three articles (slug -> paragraphs)."""


class Site:
    """A news site on loopback: /feed.xml (RSS), /atom.xml, /sitemap.xml, /sitemap-index.xml,
    /news-sitemap.xml, /big-feed.xml (10,000 entries) and /news/<slug>.html, with ETags; pages can be
    edited or removed, and every request is recorded."""

    def __init__(self) -> None:
        self.pages = {slug: list(paras) for slug, paras in PARAGRAPHS.items()}
        self.broken: set[str] = set()
        self.requests: list[tuple[str, str, float]] = []  # (path, If-None-Match, time)
        self.full: list[str] = []  # paths answered in full (not 304)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append((self.path, self.headers.get("If-None-Match", ""), time.monotonic()))
                status, ctype, body = outer.answer(self.path)
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                outer.full.append(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page_html(self, slug: str) -> bytes:
        paras = "".join(f"<p>{p}</p>" for p in self.pages[slug])
        title = f"{slug.title()} news"
        return (f"<html lang='en'><head><title>{title}</title></head><body><nav>Home | News</nav>"
                f"<article><h1>{title}</h1>{paras}</article><footer>(c) Town News</footer>"
                "</body></html>").encode()

    def lastmod(self, slug: str) -> str:
        return f"2026-11-{10 + len(' '.join(self.pages[slug])) % 19:02d}T08:00:00Z"

    def answer(self, path: str) -> tuple[int, str, bytes]:
        slugs = [s for s in PARAGRAPHS if s in self.pages]
        if path.startswith("/news/"):
            slug = path.removeprefix("/news/").removesuffix(".html")
            if slug in self.broken or slug not in self.pages:
                return 404, "text/html", b"<html><body><h1>Not found</h1></body></html>"
            return 200, "text/html; charset=utf-8", self.page_html(slug)
        if path == "/feed.xml":
            def date(i: int) -> str:
                return email.utils.formatdate(1_780_000_000 - i * 60, usegmt=True)

            items = "".join(f"<item><title>{s}</title><link>{self.base}/news/{s}.html</link>"
                            f"<pubDate>{date(i)}</pubDate></item>"
                            for i, s in enumerate(slugs + sorted(self.broken)))
            rss = f"<rss version='2.0'><channel><title>Town</title>{items}</channel></rss>"
            return 200, "application/rss+xml", rss.encode()
        if path == "/atom.xml":
            entries = "".join(f"<entry><title>{s}</title><link href='/news/{s}.html'/><id>{s}</id>"
                              f"<updated>{self.lastmod(s)}</updated></entry>" for s in slugs)
            return 200, "application/atom+xml", (f"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>"
                                                f"<title>Town</title>{entries}</feed>").encode()
        if path in ("/sitemap.xml", "/news-sitemap.xml"):
            news = "xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'"
            urls = "".join(
                f"<url><loc>{self.base}/news/{s}.html</loc>"
                + (f"<news:news><news:publication_date>{self.lastmod(s)}</news:publication_date></news:news>"
                   if path == "/news-sitemap.xml" else f"<lastmod>{self.lastmod(s)}</lastmod>")
                + "</url>" for s in slugs)
            return 200, "application/xml", (f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/"
                                           f"sitemap/0.9' {news}>{urls}</urlset>").encode()
        if path == "/sitemap-index.xml":
            return 200, "application/xml", (
                f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                f"<sitemap><loc>{self.base}/sitemap.xml</loc><lastmod>2026-11-30</lastmod></sitemap>"
                "</sitemapindex>").encode()
        if path == "/big-feed.xml":
            items = "".join(f"<item><title>Story {i}</title><link>{self.base}/news/story-{i}.html</link>"
                            "</item>" for i in range(10_000))
            return 200, "application/rss+xml", (f"<rss version='2.0'><channel><title>Big</title>{items}"
                                               "</channel></rss>").encode()
        return 404, "text/plain", b"no such page"

    def fetched(self, prefix: str = "/news/") -> list[str]:
        """Paths of the full answers the site gave (not 304s) since the last call."""
        paths = [p for p in self.full if p.startswith(prefix)]
        self.full.clear()
        return paths

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


@pytest.fixture
def watched(tmp_path: Path, engine_pool):  # noqa: ANN001, ANN201
    """A store, a queue running jobs in this process (espeak), and a watcher allowed onto loopback."""
    settings = Settings(home=str(tmp_path / "home"), watch_delay_s=0.05, allow_private_urls=1)
    store = Store.from_settings(settings)
    queue = JobQueue(store, settings, engines=engine_pool)
    queue._start(queue.consumer())
    watcher = Watcher(store, settings, queue.submit, lambda: NetGuard(allow_private=True))
    yield store, queue, watcher
    queue.close()


def _settle(store: Store) -> None:
    """Wait until no job is queued or running."""
    wait_for(lambda: not any(j.status in ("queued", "running") for r in store.articles.all()
                             if (j := store.jobs.latest(r.id))), 120, what="the jobs to end")


def _pass(store: Store, watcher: Watcher, url: str) -> dict:
    source = store.sources.add(url, "espeak")
    outcome = watcher.run(store.sources.get(source.id)).as_dict()
    _settle(store)
    return outcome


def test_parsers_read_rss_atom_sitemaps_and_google_news(site: Site) -> None:
    for path, kind in (("/feed.xml", "feed"), ("/atom.xml", "feed"), ("/sitemap.xml", "sitemap"),
                       ("/news-sitemap.xml", "sitemap"), ("/sitemap-index.xml", "index")):
        body = site.answer(path)[2]
        if kind == "feed":
            urls = [e.url for e in parse_feed(body, site.base)]
        else:
            pages, children = parse_sitemap(body)
            urls = [e.url for e in (children if kind == "index" else pages)]
            assert all(e.lastmod for e in (children if kind == "index" else pages))
        assert urls == ([f"{site.base}/sitemap.xml"] if kind == "index"
                        else [f"{site.base}/news/{s}.html" for s in PARAGRAPHS]), path
    assert parse_sitemap(b"<html><body>no sitemap</body></html>") is None
    assert parse_feed(b"just text", site.base) is None


@pytest.mark.parametrize("path", ["/feed.xml", "/sitemap-index.xml"])
def test_first_pass_creates_second_starts_nothing_an_edit_makes_one_version(watched, site: Site,  # noqa: ANN001
                                                                           path: str) -> None:
    store, queue, watcher = watched
    first = _pass(store, watcher, site.base + path)
    assert (first["created"], first["updated"], first["failed"]) == (3, 0, 0), first
    records = {r.article.url: r for r in store.articles.all()}
    assert sorted(records) == [f"{site.base}/news/{s}.html" for s in sorted(PARAGRAPHS)]
    assert all(r.current_version == 1 for r in store.articles.all())
    library = records[f"{site.base}/news/library.html"].article
    assert [p.text for p in library.paragraphs] == PARAGRAPHS["library"]
    site.fetched()

    second = _pass(store, watcher, site.base + path)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert site.fetched() == []  # unchanged: each page answered 304, or not asked at all
    assert all(store.jobs.latest(r.id).version == 1 for r in store.articles.all())  # no job started

    site.pages["library"][1] = "The council found the money after a long debate."
    cache_before = queue.cache.stats().units
    third = _pass(store, watcher, site.base + path)
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 2)
    library = store.articles.from_url(f"{site.base}/news/library.html")[0]
    assert library.current_version == 2 and library.article.paragraphs[1].text.endswith("long debate.")
    assert [r.current_version for r in store.articles.all() if r.id != library.id] == [1, 1]
    assert queue.cache.stats().units == cache_before + 1  # only the edited paragraph was synthesised


def test_conditional_requests_and_sitemap_lastmod_spare_the_site(watched, site: Site) -> None:  # noqa: ANN001
    store, _, watcher = watched
    _pass(store, watcher, site.base + "/feed.xml")
    site.requests.clear()
    _pass(store, watcher, site.base + "/feed.xml")
    asked = [(p, etag) for p, etag, _ in site.requests]
    assert asked[0][0] == "/feed.xml" and asked[0][1]  # the feed itself is asked conditionally
    assert all(etag for _, etag in asked)  # so is every page (answered 304)
    _pass(store, watcher, site.base + "/sitemap.xml")  # the same pages, known now
    site.requests.clear()
    _pass(store, watcher, site.base + "/sitemap.xml")
    assert [p for p, _, _ in site.requests] == ["/sitemap.xml"]  # <lastmod> unchanged: pages not asked


def test_a_missing_page_is_reported_and_the_pass_goes_on(watched, site: Site) -> None:  # noqa: ANN001
    store, _, watcher = watched
    site.broken.add("gone")
    site.pages["gone"] = []
    outcome = _pass(store, watcher, site.base + "/feed.xml")
    assert (outcome["created"], outcome["failed"]) == (3, 1)
    assert "gone.html" in outcome["errors"][0] and "HTTP 404" in outcome["errors"][0]
    source = store.sources.all()[0]
    assert "1 of 4 pages failed" in source.error and source.outcome["created"] == 3


def test_a_feed_of_ten_thousand_entries_is_read_within_the_cap(watched, site: Site) -> None:  # noqa: ANN001
    store, _, watcher = watched
    outcome = _pass(store, watcher, site.base + "/big-feed.xml")
    assert outcome["entries"] == 10_000 and outcome["skipped"] == 10_000 - 50
    assert outcome["failed"] == 50  # the stories do not exist: 50 tried, reported, no more
    asked = [p for p, _, _ in site.requests if p.startswith("/news/")]
    assert asked == [f"/news/story-{i}.html" for i in range(50)]  # newest (the feed's first) first
    times = [t for p, _, t in site.requests if p.startswith("/news/")]
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.04  # polite: one at a time


def test_one_watcher_at_a_time_across_processes(watched, site: Site) -> None:  # noqa: ANN001
    store, _, _ = watched
    source = store.sources.add(site.base + "/feed.xml")
    assert store.sources.claim(source.id, "host-a:1", 600)
    assert not store.sources.claim(source.id, "host-b:2", 600, due_only=False)  # held
    store.sources.finish(source.id, {"entries": 0}, None, time.time() + 300)
    assert not store.sources.claim(source.id, "host-b:2", 600)  # released, but not due
    assert store.sources.claim(source.id, "host-b:2", 600, due_only=False)


def test_narrator_watch_once_from_the_command_line(tmp_path: Path, site: Site) -> None:
    env = {"NARRATOR_HOME": str(tmp_path / "home"), "NARRATOR_ALLOW_PRIVATE_URLS": "1",
           "NARRATOR_WATCH_DELAY_S": "0", "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-m", "narrator.cli", "watch", site.base + "/feed.xml", "--once",
                          "--voice", "espeak"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{site.base}/feed.xml: 3 entries, 3 new, 0 updated, 0 unchanged, 0 failed"
    store = Store(tmp_path / "home")
    assert len(store.articles.all()) == 3 and all(store.jobs.latest(r.id).status == "queued"
                                                   for r in store.articles.all())  # for a worker to run
    bad = subprocess.run([sys.executable, "-m", "narrator.cli", "watch", "ftp://example.com/feed", "--once"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


def test_sources_added_through_the_api_are_watched_by_the_service(app, client, site: Site) -> None:  # noqa: ANN001
    configure(app, allow_private_urls=1, watch_delay_s=0.05)
    r = client.post("/api/sources", json={"url": site.base + "/feed.xml", "voice": "espeak"})
    assert r.status_code == 201 and r.json["url"] == site.base + "/feed.xml"
    runner = app.extensions["narrator"].runner
    runner.watching.watcher.settings = app.extensions["narrator"].settings  # the settings just changed
    runner.watching.watcher.guard = lambda: NetGuard(allow_private=True)
    wait_for(lambda: len(client.get("/api/articles").json["articles"]) == 3, 60, what="the watched articles")
    market = f"{site.base}/news/market.html"
    found = client.get("/api/articles", query_string={"url": market}).json["articles"]
    assert len(found) == 1 and found[0]["url"] == market
    # The listener page, its player and the feed point at the page the article came from.
    page = client.get(f"/articles/{found[0]['id']}").text
    assert f'Read the original: <a href="{market}"' in page and f'class="np-source" href="{market}"' in page
    wait_for(lambda: client.get(f"/api/articles/{found[0]['id']}").json["current_version"], 60)
    assert f"<link>{market}</link>" in client.get("/feed.xml").text
    source = client.get("/api/sources").json["sources"][0]
    wait_for(lambda: client.get("/api/sources").json["sources"][0]["last_pass"], 30, what="the pass to end")
    assert client.delete(f"/api/sources/{source['id']}").status_code == 204
    assert client.get("/api/sources").json["sources"] == []
    assert client.get("/api/sources", headers={"Authorization": ""}).status_code == 401


def test_sources_on_the_dashboard(app, client) -> None:  # noqa: ANN001
    """Editors add and remove sources on /editor/sources and see what each pass did."""
    import re

    app.extensions["narrator"].accounts.create_user("ed", "correct horse")
    browser = app.test_client(role=None)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/editor/signin").text).group(1)
    browser.post("/editor/signin", data={"name": "ed", "password": "correct horse", "csrf_token": token})
    page = browser.get("/editor/sources")
    assert page.status_code == 200 and "No sources yet" in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    feed = "https://news.example/feed.xml"
    added = browser.post("/editor/sources", data={"url": feed, "csrf_token": token})
    assert added.status_code == 200 and "Watching https://news.example/feed.xml" in added.text
    bad = browser.post("/editor/sources", data={"url": "http://127.0.0.1/feed", "csrf_token": token})
    assert bad.status_code == 400 and "not allowed" in bad.text
    store = app.extensions["narrator"].store
    source = store.sources.all()[0]
    outcome = {"created": 2, "updated": 1, "unchanged": 4, "failed": 1}
    store.sources.finish(source.id, outcome, "1 of 8 failed", time.time() + 300)
    shown = browser.get("/editor/sources").text
    assert "2 new, 1 updated, 4 unchanged" in shown and "1 failed" in shown and "1 of 8 failed" in shown
    removed = browser.post(f"/editor/sources/{source.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302 and store.sources.all() == []


def test_a_source_that_cannot_be_read_says_so_on_the_dashboard(app, site: Site) -> None:  # noqa: ANN001
    """A pass that could not read the feed itself is shown as failed, with its reason, never as
    "0 new, 0 updated, 0 unchanged"; a pass that read it shows what it did."""
    import re

    configure(app, allow_private_urls=1, watch_delay_s=0.05)
    svc = app.extensions["narrator"]
    store = svc.store
    watcher = Watcher(store, svc.settings, svc.runner.submit, lambda: NetGuard(allow_private=True))
    urls = {"missing": site.base + "/gone.xml", "page": site.base + "/news/harbour.html",
            "feed": site.base + "/feed.xml"}
    for url in urls.values():
        watcher.run(store.sources.get(store.sources.add(url, "espeak").id))
    _settle(store)
    svc.accounts.create_user("ed", "correct horse")
    browser = app.test_client(role=None)
    token = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/editor/signin").text).group(1)
    browser.post("/editor/signin", data={"name": "ed", "password": "correct horse", "csrf_token": token})
    page = browser.get("/editor/sources").text
    rows = dict(re.findall(r'<a href="([^"]+)" rel="noopener noreferrer">.*?'
                           r'<td data-label="What it did" class="ed-pass">(.*?)</td>', page, re.S))
    assert set(rows) == set(urls.values())
    for key in ("missing", "page"):
        assert "Could not be read" in rows[urls[key]] and "0 new" not in rows[urls[key]], rows[urls[key]]
    assert "404" in rows[urls["missing"]]
    assert "neither an RSS or Atom feed nor a sitemap" in rows[urls["page"]]
    assert "3 new, 0 updated, 0 unchanged" in rows[urls["feed"]]
    assert "Could not be read" not in rows[urls["feed"]]
