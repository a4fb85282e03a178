"""Audio delivery: immutable versioned URLs, validators, single byte ranges and their edge cases."""

from __future__ import annotations

import pytest
from web_fixtures import *  # noqa: F403
from web_fixtures import configure, narrated

from narrator.web.audio import UNSATISFIABLE, parse_range

MP3 = "/audio/a1/1.mp3"


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 1000, None),
        ("bytes=0-", 1000, (0, 999)),
        ("bytes=0-0", 1000, (0, 0)),
        ("bytes=10-19", 1000, (10, 19)),
        ("bytes=-500", 1000, (500, 999)),
        ("bytes=-5000", 1000, (0, 999)),  # suffix longer than the file: all of it
        ("bytes=990-5000", 1000, (990, 999)),  # end past the file: clamped
        ("bytes=999-", 1000, (999, 999)),
        ("BYTES = 5-6", 1000, (5, 6)),
        ("bytes=1000-", 1000, UNSATISFIABLE),  # starts at the end
        ("bytes=5000-6000", 1000, UNSATISFIABLE),
        ("bytes=-0", 1000, UNSATISFIABLE),
        ("bytes=0-", 0, UNSATISFIABLE),  # nothing in an empty file can be satisfied
        ("bytes=0-1,5-6", 1000, None),  # several ranges: ignored, whole file
        ("bytes=9-5", 1000, None),  # malformed: ignored
        ("bytes=a-b", 1000, None),
        ("bytes=-", 1000, None),
        ("bytes=5", 1000, None),
        ("items=0-5", 1000, None),  # another unit
        ("bytes=" + "9" * 5000 + "-", 1000, UNSATISFIABLE),  # a 5,000-digit start: past the file
        ("bytes=10-" + "9" * 5000, 1000, (10, 999)),  # a 5,000-digit end: clamped
        ("bytes=-" + "9" * 5000, 1000, (0, 999)),  # a 5,000-digit suffix: the whole file
        ("bytes=0000000000000000000000000005-6", 1000, (5, 6)),
        ("bytes=\u00b2-", 1000, None),  # superscript two: a digit to str.isdigit(), not to int()
        ("bytes=\u0663-\u0665", 1000, None),  # Arabic-Indic digits: not a byte position
    ],
)
def test_parse_range(header, size, expected) -> None:  # noqa: ANN001
    assert parse_range(header, size) == expected


@pytest.fixture
def mp3(client) -> bytes:  # noqa: ANN001
    narrated(client)
    data = client.get(MP3).data
    assert data[:3] == b"ID3" and len(data) > 10_000
    return data


def test_whole_file_headers(client, mp3) -> None:  # noqa: ANN001
    r = client.get(MP3)
    assert r.status_code == 200 and r.data == mp3
    assert r.headers["Content-Type"] == "audio/mpeg"
    assert r.headers["Content-Length"] == str(len(mp3))
    assert r.headers["Accept-Ranges"] == "bytes"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    etag = r.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    assert r.headers["Last-Modified"].endswith("GMT")
    assert (
        client.get(MP3 + "?download=1").headers["Content-Disposition"] == 'attachment; filename="a1-v1.mp3"'
    )


def test_head(client, mp3) -> None:  # noqa: ANN001
    r = client.head(MP3)
    assert r.status_code == 200 and r.data == b""
    assert r.headers["Content-Length"] == str(len(mp3)) and r.headers["Accept-Ranges"] == "bytes"
    r = client.head(MP3, headers={"Range": "bytes=-500"})
    assert r.status_code == 206 and r.headers["Content-Length"] == "500" and r.data == b""


def test_ranges(client, mp3) -> None:  # noqa: ANN001
    size = len(mp3)
    cases = {
        "bytes=0-": (0, size - 1),  # what browsers send first: 206 for the whole file
        "bytes=0-1": (0, 1),  # Safari's probe
        "bytes=100-4195": (100, 4195),
        "bytes=-500": (size - 500, size - 1),
        f"bytes={size - 10}-{size + 1000}": (size - 10, size - 1),
    }
    for header, (first, last) in cases.items():
        r = client.get(MP3, headers={"Range": header})
        assert r.status_code == 206, header
        assert r.headers["Content-Range"] == f"bytes {first}-{last}/{size}", header
        assert r.headers["Content-Length"] == str(last - first + 1)
        assert r.data == mp3[first : last + 1], header
        assert r.headers["Cache-Control"].endswith("immutable") and r.headers["ETag"]


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size2}-{size3}", "bytes=-0"])
def test_unsatisfiable_ranges(client, mp3, header) -> None:  # noqa: ANN001
    size = len(mp3)
    r = client.get(MP3, headers={"Range": header.format(size=size, size2=size * 2, size3=size * 3)})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{size}" and r.data == b""


def test_multiple_ranges_get_the_whole_file(client, mp3) -> None:  # noqa: ANN001
    r = client.get(MP3, headers={"Range": "bytes=0-99,200-299"})
    assert r.status_code == 200 and r.data == mp3 and "Content-Range" not in r.headers


def test_conditional_requests(client, mp3) -> None:  # noqa: ANN001
    first = client.get(MP3)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    r = client.get(MP3, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.data == b"" and r.headers["ETag"] == etag
    assert client.get(MP3, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(MP3, headers={"If-Modified-Since": modified}).status_code == 304
    # If-Range: the range applies only while the validator still matches.
    r = client.get(MP3, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert r.status_code == 206 and r.data == mp3[:10]
    r = client.get(MP3, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert r.status_code == 200 and r.data == mp3
    r = client.get(MP3, headers={"Range": "bytes=0-9", "If-Range": modified})
    assert r.status_code == 206


def test_unknown_files_are_404(client, mp3) -> None:  # noqa: ANN001
    for path in (
        "/audio/a1/2.mp3",
        "/audio/nobody/1.mp3",
        "/audio/a1/1.wav",
        "/audio/..%2Fx/1.mp3",
        "/audio/a1/.staging-x/audio.mp3",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.is_json


def test_timing_and_vtt_are_immutable_too(client, mp3) -> None:  # noqa: ANN001
    for path, mime in (("/audio/a1/1.timing.json", "application/json"), ("/audio/a1/1.vtt", "text/vtt")):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == mime
        assert r.headers["Cache-Control"].endswith("immutable") and r.headers["Accept-Ranges"] == "bytes"


def test_vtt_answers_carry_one_charset(app, client, mp3, live_server) -> None:  # noqa: ANN001
    """Issue 23, item 13: `.vtt` answers said 'charset=utf-8; charset=utf-8'. Over HTTP, for the whole
    file, a range, a download, and through nginx (X-Accel-Redirect)."""
    import urllib.request

    with urllib.request.urlopen(live_server + "/audio/a1/1.vtt", timeout=10) as r:
        assert r.headers.get_all("Content-Type") == ["text/vtt; charset=utf-8"]
        assert r.read().startswith(b"WEBVTT")
    for headers, query in (({"Range": "bytes=0-5"}, ""), ({}, "?download=1")):
        r = client.get("/audio/a1/1.vtt" + query, headers=headers)
        assert r.status_code in (200, 206) and r.headers["Content-Type"] == "text/vtt; charset=utf-8"
    configure(app, accel_redirect="/_narrator_audio/")
    r = client.get("/audio/a1/1.vtt")
    assert r.headers["X-Accel-Redirect"] == "/_narrator_audio/a1/1.vtt"
    assert r.headers["Content-Type"] == "text/vtt; charset=utf-8"


def test_accel_redirect_mode(app, client, mp3) -> None:  # noqa: ANN001
    configure(app, accel_redirect="/_narrator_audio/")
    r = client.get(MP3, headers={"Range": "bytes=0-9"})
    assert r.status_code == 200 and r.data == b""  # nginx sends the bytes and handles the range
    assert r.headers["X-Accel-Redirect"] == "/_narrator_audio/a1/1.mp3"
    assert r.headers["Content-Type"] == "audio/mpeg"
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/audio/a1/9.mp3").status_code == 404
