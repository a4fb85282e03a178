"""The listener's pages without a browser: the icon on every page, the publisher's name and logo, what
plays next (a watched feed, else the site), and the playlist embed's route."""

from __future__ import annotations

import json
import re
import time
from html.parser import HTMLParser

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, configure, narrated

from narrator.errors import InputError
from narrator.service.store import PageRecord
from narrator.web import create_app


class _Icons(HTMLParser):
    """The href of every <link rel="icon"> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.icons: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and "icon" in (a.get("rel") or "").split():
            self.icons.append(a.get("href") or "")


def test_every_page_has_an_icon(app, client) -> None:  # noqa: ANN001
    """Browsers ask for /favicon.ico unless a page names its icon: either way it must be there."""
    narrated(client)
    assert client.get("/favicon.ico").status_code == 200
    icon = client.get("/favicon.ico")
    assert icon.data[:4] == b"\0\0\1\0" and icon.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    pages = ["/", "/articles/a1", "/embed/a1", "/embed/playlist", "/embed/nobody", "/articles/nobody",
             "/editor/signin"]
    for path in pages:
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.mimetype == "text/html", path
        parser = _Icons()
        parser.feed(response.get_data(as_text=True))
        for href in parser.icons or ["/favicon.ico"]:
            assert client.get(href).status_code == 200, (path, href)


def test_the_bar_names_the_publisher_and_shows_its_logo(app, client, tmp_path) -> None:  # noqa: ANN001
    narrated(client)
    page = client.get("/articles/a1").get_data(as_text=True)
    assert '<span class="np-pub">narrator</span>' in page  # no publication, no address: the feed's title
    assert "np-logo" not in page
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="80" height="20">'
                    '<rect width="80" height="20"/></svg>')
    configure(app, publication="The Harbour Times", publisher_logo=str(logo))
    page = client.get("/articles/a1").get_data(as_text=True)
    assert '<span class="np-pub">The Harbour Times</span>' in page
    assert re.search(r'<img class="np-logo" src="/publisher-logo" alt="The Harbour Times">', page)
    served = client.get("/publisher-logo")
    assert served.status_code == 200 and served.mimetype == "image/svg+xml"
    assert served.data == logo.read_bytes()
    assert "sandbox" in served.headers["Content-Security-Policy"]  # an SVG opened by itself runs nothing
    configure(app, publisher_logo="https://cdn.news.example/logo.png")
    response = client.get("/articles/a1")
    assert 'src="https://cdn.news.example/logo.png"' in response.get_data(as_text=True)
    assert "img-src 'self' data: https://cdn.news.example;" in response.headers["Content-Security-Policy"]
    assert client.get("/publisher-logo").status_code == 404


@pytest.mark.parametrize("logo, message", [("/nowhere/logo.png", "no such file"), ("logo.txt", "not a URL")])
def test_a_logo_the_player_cannot_show_stops_the_start(  # noqa: ANN201
        tmp_path, engine_pool, logo: str, message: str) -> None:  # noqa: ANN001
    with pytest.raises(InputError, match=f"NARRATOR_PUBLISHER_LOGO .*{message}"):
        create_app({"HOME": str(tmp_path), "RUNNER": "none", "PUBLISHER_LOGO": logo,
                    "ENGINE_POOL": engine_pool})


def _submit(client, article_id: str, url: str = "") -> None:  # noqa: ANN001
    text = SHORT_TEXT.replace("Harbour bridge reopens", f"Story {article_id}")
    narrated(client, text, article_id)
    if url:
        store = client.application.extensions["narrator"].store
        record = store.articles.get(article_id)
        content = record.article.to_dict() | {"url": url}
        with store.db.write() as db:
            db.execute("UPDATE articles SET content = ?, source_url = ? WHERE id = ?",
                       (json.dumps(content), url, article_id))
    time.sleep(0.01)  # distinct publication times, in order


def test_up_next_is_the_next_older_article_of_the_same_feed_else_the_same_site(app, client) -> None:  # noqa: ANN001
    store = app.extensions["narrator"].store
    _submit(client, "s1", "https://news.example/a.html")
    _submit(client, "s2", "https://www.news.example/b.html")
    _submit(client, "o1", "https://other.example/c.html")
    _submit(client, "t1")  # no address: the articles sent as text are a group of their own
    _submit(client, "s3", "https://news.example/d.html")
    nexts = {a: client.get(f"/api/articles/{a}/next").json for a in ("s3", "s2", "s1", "o1", "t1")}
    assert nexts["s3"]["group"] == "site:news.example" and nexts["s3"]["next"]["article"] == "s2"
    assert nexts["s2"]["next"]["article"] == "s1"
    assert nexts["s1"]["next"] is None  # the oldest of its site
    assert nexts["o1"]["next"] is None and nexts["t1"]["group"] == "site:"
    item = nexts["s3"]["next"]
    assert item["audio_url"] == f"/audio/s2/{item['version']}.mp3" and item["title"].startswith("Story s2")
    assert item["duration_ms"] > 0 and item["next_url"] == "/api/articles/s2/next"

    # A watched feed is the section: its articles play one after another, whatever their site.
    source = store.sources.add("https://news.example/politics/feed.xml")
    for article, url in (("s1", "https://news.example/a.html"), ("o1", "https://other.example/c.html")):
        store.sources.record_page(PageRecord(url=url, article_id=article, source_id=source.id, etag=None,
                                     last_modified=None, lastmod=None, checked=time.time()))
    after_o1 = client.get("/api/articles/o1/next").json
    assert after_o1["group"] == f"source:{source.id}" and after_o1["next"]["article"] == "s1"
    assert client.get("/api/articles/s3/next").json["next"]["article"] == "s2"  # s1 left the site's group

    missing = client.get("/api/articles/nobody/next")
    assert missing.status_code == 404 and missing.json["message"]


def test_the_playlist_embed_lists_a_groups_newest_articles(app, client) -> None:  # noqa: ANN001
    _submit(client, "s1", "https://news.example/a.html")
    _submit(client, "o1", "https://other.example/c.html")
    _submit(client, "s2", "https://news.example/b.html")

    def listed(query: str) -> list[str]:
        page = client.get("/embed/playlist" + query)
        assert page.status_code == 200, query
        assert "frame-ancestors *" in page.headers["Content-Security-Policy"]  # publishers may frame it
        return re.findall(r'data-item="\{&#34;article&#34;: &#34;(\w+)&#34;', page.get_data(as_text=True))

    assert listed("?of=latest") == ["s2", "o1", "s1"]
    assert listed("") == ["s2", "o1", "s1"]
    assert listed("?of=news.example") == ["s2", "s1"]
    assert listed("?of=https://www.news.example/") == ["s2", "s1"]
    assert listed("?of=latest&limit=2") == ["s2", "o1"]
    assert listed("?of=latest&limit=0") == ["s2", "o1", "s1"]  # nonsense: the default length
    source = app.extensions["narrator"].store.sources.add("https://other.example/feed.xml")
    app.extensions["narrator"].store.sources.record_page(PageRecord(
        url="https://other.example/c.html", article_id="o1", source_id=source.id, etag=None,
        last_modified=None, lastmod=None, checked=time.time()))
    assert listed("?of=https://other.example/feed.xml") == ["o1"]
    for unknown in ("?of=nowhere.example", "?of=not a site", "?of=https://other.example/other.xml"):
        missing = client.get("/embed/playlist" + unknown)
        assert missing.status_code == 404 and b"data-missing" in missing.data, unknown
