"""The podcast feed: RSS 2.0 with iTunes tags, one item per narrated article, exact enclosures."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from web_fixtures import *  # noqa: F403
from web_fixtures import SHORT_TEXT, configure, narrated, wait_for

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def _items(client) -> tuple[ET.Element, list[ET.Element]]:  # noqa: ANN001
    r = client.get("/feed.xml")
    assert r.status_code == 200 and r.mimetype == "application/rss+xml"
    rss = ET.fromstring(r.data)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    channel = rss.find("channel")
    assert channel is not None
    return channel, channel.findall("item")


def test_empty_feed_is_valid(client) -> None:  # noqa: ANN001
    channel, items = _items(client)
    assert items == []
    assert channel.findtext("title") == "narrator"
    assert channel.find(f"{ITUNES}image").get("href") == "http://localhost/static/artwork.png"
    assert channel.find(f"{ITUNES}category").get("text") == "News"
    assert channel.findtext(f"{ITUNES}explicit") == "no"
    assert channel.findtext("link") == "http://localhost/"


def test_items_follow_current_versions(app, client) -> None:  # noqa: ANN001
    narrated(client)
    client.post("/api/articles", json={"text": SHORT_TEXT, "id": "pending-one", "voice": "espeak"})
    configure(app, public_url="https://news.example/listen")
    wait_for(lambda: client.get("/api/articles/pending-one").json["status"] == "ready", 60)
    _, items = _items(client)
    assert len(items) == 2
    by_guid = {i.findtext("guid"): i for i in items}
    item = by_guid["narrator:a1:v1"]
    assert item.find("guid").get("isPermaLink") == "false"
    enclosure = item.find("enclosure")
    mp3 = client.get("/audio/a1/1.mp3").data
    assert enclosure.get("url") == "https://news.example/listen/audio/a1/1.mp3"
    assert enclosure.get("length") == str(len(mp3)) and enclosure.get("type") == "audio/mpeg"
    assert item.findtext("title") == "Harbour bridge reopens after repairs"
    assert item.findtext("link") == "https://news.example/listen/articles/a1"
    assert item.findtext(f"{ITUNES}duration").startswith("0:00:")
    assert item.findtext("pubDate")

    # A new version gets a new guid (podcast apps fetch it again); the old item is gone.
    client.put("/api/articles/a1", json={"text": SHORT_TEXT.replace("noon", "one"), "voice": "espeak"})
    wait_for(lambda: client.get("/api/articles/a1").json["current_version"] == 2, 60)
    _, items = _items(client)
    assert {i.findtext("guid") for i in items} == {"narrator:a1:v2", "narrator:pending-one:v1"}


def test_a_control_character_in_a_stored_title_does_not_take_the_feed_down(app, client) -> None:  # noqa: ANN001
    """A title with ESC (stored before extraction stripped such characters, or written straight to
    the store): the feed still parses, without the character."""
    narrated(client)
    store = app.extensions["narrator"].store
    record = store.get_article("a1")
    import dataclasses

    bad = dataclasses.replace(record.article, title="Breaking\x1b[31m news\x00 \ufffe today")
    with store.db.write() as db:
        db.execute("UPDATE articles SET content = ? WHERE id = 'a1'", (json.dumps(bad.to_dict()),))
    _, items = _items(client)
    assert items[0].findtext("title") == "Breaking[31m news today"


def test_feed_links_follow_the_host_header_only_for_that_client(app, client) -> None:  # noqa: ANN001
    r = client.get("/feed.xml", headers={"Host": "evil.example"})
    assert b"http://evil.example/" in r.data  # the links are this request's own...
    assert r.headers["Cache-Control"] == "private, no-store" and r.headers["Vary"] == "Host"  # ...not shared
    configure(app, public_url="https://audio.news.example")
    r = client.get("/feed.xml", headers={"Host": "evil.example"})
    assert b"evil.example" not in r.data and b"https://audio.news.example/feed.xml" in r.data
    assert r.headers["Cache-Control"] == "public, max-age=300"
