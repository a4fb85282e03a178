"""The podcast feed: RSS 2.0 with the iTunes tags Apple Podcasts requires, read as podcast apps read it
(feedparser), one item per article with a stable guid and date, exact enclosures."""

from __future__ import annotations

import dataclasses
import email.utils
import json
import struct
import xml.etree.ElementTree as ET

import feedparser
import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, BufferedClient, configure, narrated, wait_for

from narrator.errors import InputError
from narrator.web import close_app, create_app
from narrator.web.feed import categories

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def _feed(client) -> tuple[ET.Element, list[ET.Element], feedparser.FeedParserDict]:  # noqa: ANN001
    r = client.get("/feed.xml")
    assert r.status_code == 200 and r.mimetype == "application/rss+xml"
    parsed = feedparser.parse(r.data)
    assert not parsed.bozo, parsed.get("bozo_exception")  # well-formed, as a podcast app reads it
    rss = ET.fromstring(r.data)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    return channel, channel.findall("item"), parsed


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def apple_requirements(client, channel: ET.Element) -> None:  # noqa: ANN001
    """What Apple Podcasts checks before it lists a show (podcasters.apple.com, "Podcast RSS feed
    requirements"): the channel's title, description, language, artwork of 1400-3000 px square,
    one listed category, explicit as true/false; each episode's title, enclosure with URL, length and
    type, a guid, an RFC 2822 date."""
    for tag in ("title", "description", "language", "link"):
        assert (channel.findtext(tag) or "").strip(), tag
    image = channel.find(f"{ITUNES}image").get("href")
    assert image.startswith("http") and image.endswith("/feed-artwork.png")
    art = client.get("/feed-artwork.png")
    assert art.status_code == 200 and art.mimetype == "image/png"
    width, height = _png_size(art.data)
    assert width == height and 1400 <= width <= 3000
    category = channel.find(f"{ITUNES}category")
    known = categories()
    assert category.get("text") in known
    for sub in category.findall(f"{ITUNES}category"):
        assert sub.get("text") in known[category.get("text")]
    assert channel.findtext(f"{ITUNES}explicit") in ("true", "false")
    assert (channel.findtext(f"{ITUNES}author") or "").strip()
    for item in channel.findall("item"):
        assert (item.findtext("title") or "").strip() and (item.findtext("guid") or "").strip()
        enclosure = item.find("enclosure")
        assert enclosure.get("url").startswith("http") and int(enclosure.get("length")) > 0
        assert enclosure.get("type") == "audio/mpeg"
        assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        assert item.findtext(f"{ITUNES}explicit") == "false"


def test_empty_feed_is_valid(client) -> None:  # noqa: ANN001
    channel, items, parsed = _feed(client)
    assert items == [] and parsed.entries == []
    assert channel.findtext("title") == "narrator" and parsed.feed.title == "narrator"
    assert channel.find(f"{ITUNES}image").get("href") == "http://localhost/feed-artwork.png"
    assert channel.find(f"{ITUNES}category").get("text") == "News"
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.findtext(f"{ITUNES}author") == "narrator"
    assert channel.find(f"{ITUNES}owner") is None  # no e-mail configured: no owner
    assert channel.findtext("link") == "http://localhost/"
    apple_requirements(client, channel)


def test_one_item_per_article_whose_guid_and_date_survive_a_regeneration(app, client) -> None:  # noqa: ANN001
    narrated(client)
    client.post("/api/articles", json={"text": SHORT_TEXT, "id": "pending-one", "voice": "espeak"})
    configure(app, public_url="https://news.example/listen", feed_author="The Harbour Times",
              feed_email="podcast@news.example", feed_category="News/Daily News")
    wait_for(lambda: client.get("/api/articles/pending-one").json["status"] == "ready", 60)
    channel, items, parsed = _feed(client)
    apple_requirements(client, channel)
    assert channel.findtext(f"{ITUNES}author") == "The Harbour Times"
    owner = channel.find(f"{ITUNES}owner")
    assert owner.findtext(f"{ITUNES}email") == "podcast@news.example"
    assert owner.findtext(f"{ITUNES}name") == "The Harbour Times"
    assert channel.find(f"{ITUNES}category/{ITUNES}category").get("text") == "Daily News"
    assert parsed.feed.author_detail.email == "podcast@news.example"
    assert len(items) == 2 == len(parsed.entries)
    by_guid = {i.findtext("guid"): i for i in items}
    item = by_guid["narrator:a1"]
    assert item.find("guid").get("isPermaLink") == "false"
    enclosure = item.find("enclosure")
    mp3 = client.get("/audio/a1/1.mp3").data
    assert enclosure.get("url") == "https://news.example/listen/audio/a1/1.mp3"
    assert enclosure.get("length") == str(len(mp3)) and enclosure.get("type") == "audio/mpeg"
    assert item.findtext("title") == "Harbour bridge reopens after repairs"
    assert item.findtext("link") == "https://news.example/listen/articles/a1"
    assert item.findtext(f"{ITUNES}duration").startswith("0:00:")
    entry = next(e for e in parsed.entries if e.id == "narrator:a1")
    assert entry.enclosures[0].href == enclosure.get("url") and int(entry.enclosures[0].length) == len(mp3)
    first_date = item.findtext("pubDate")
    first_published = app.extensions["narrator"].store.articles.get("a1").first_published
    assert email.utils.parsedate_to_datetime(first_date).timestamp() == int(first_published)

    # A regeneration changes the enclosure; the item keeps its guid and date (no new episode).
    client.put("/api/articles/a1", json={"text": SHORT_TEXT.replace("noon", "one"), "voice": "espeak"})
    wait_for(lambda: client.get("/api/articles/a1").json["current_version"] == 2, 60)
    _, items, parsed = _feed(client)
    assert sorted(i.findtext("guid") for i in items) == ["narrator:a1", "narrator:pending-one"]
    item = next(i for i in items if i.findtext("guid") == "narrator:a1")
    assert item.find("enclosure").get("url") == "https://news.example/listen/audio/a1/2.mp3"
    assert item.find("enclosure").get("length") == str(len(client.get("/audio/a1/2.mp3").data))
    assert item.findtext("pubDate") == first_date
    assert [e.id for e in parsed.entries].count("narrator:a1") == 1


def test_a_control_character_in_a_stored_title_does_not_take_the_feed_down(app, client) -> None:  # noqa: ANN001
    """A title with ESC (stored before extraction stripped such characters, or written straight to
    the store): the feed still parses, without the character."""
    narrated(client)
    store = app.extensions["narrator"].store
    record = store.articles.get("a1")
    bad = dataclasses.replace(record.article, title="Breaking\x1b[31m news\x00 \ufffe today")
    with store.db.write() as db:
        db.execute("UPDATE articles SET content = ? WHERE id = 'a1'", (json.dumps(bad.to_dict()),))
    _, items, _ = _feed(client)
    assert items[0].findtext("title") == "Breaking[31m news today"


def test_feed_links_follow_the_host_header_only_for_that_client(app, client) -> None:  # noqa: ANN001
    r = client.get("/feed.xml", headers={"Host": "evil.example"})
    assert b"http://evil.example/" in r.data  # the links are this request's own...
    assert r.headers["Cache-Control"] == "private, no-store" and r.headers["Vary"] == "Host"  # ...not shared
    configure(app, public_url="https://audio.news.example")
    r = client.get("/feed.xml", headers={"Host": "evil.example"})
    assert b"evil.example" not in r.data and b"https://audio.news.example/feed.xml" in r.data
    assert r.headers["Cache-Control"] == "public, max-age=300"


def _square_png(path, side: int) -> str:  # noqa: ANN001
    """A valid PNG of side x side pixels (one grey row repeated)."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = (b"\0" + b"\x80" * side * 3) * side
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return str(path)


def test_artwork_and_category_are_checked_at_start(tmp_path) -> None:  # noqa: ANN001
    home = str(tmp_path / "home")
    for setting, value, message in (
        ("FEED_ARTWORK", _square_png(tmp_path / "small.png", 600), "600 x 600 px"),
        ("FEED_ARTWORK", str(tmp_path / "missing.png"), "No such file"),
        ("FEED_ARTWORK", __file__, "not a PNG or JPEG"),
        ("FEED_CATEGORY", "Newz", "not an Apple Podcasts category"),
        ("FEED_CATEGORY", "News/Gossip", "not an Apple Podcasts category"),
    ):
        with pytest.raises(InputError, match=message):
            create_app({"TESTING": True, "HOME": home, "RUNNER": "none", setting: value})


def test_a_publishers_artwork(tmp_path) -> None:  # noqa: ANN001
    art = _square_png(tmp_path / "show.png", 1500)
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none", "FEED_ARTWORK": art})
    app.test_client_class = BufferedClient
    try:
        client = app.test_client()
        channel, _, _ = _feed(client)
        assert channel.find(f"{ITUNES}image").get("href") == "http://localhost/feed-artwork.png"
        assert _png_size(client.get("/feed-artwork.png").data) == (1500, 1500)
        assert client.get("/feed-artwork.jpg").status_code == 404
    finally:
        close_app(app)
