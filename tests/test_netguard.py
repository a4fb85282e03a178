"""The SSRF guard: refused URLs never reach a socket; allowed ones connect only to the address checked.

No test here opens a connection outside 127.0.0.0/8 and ::1: names are resolved through the guard's
resolver seam, connections go through its connector seam (recorded), and an audit hook refuses, while
these tests run, any socket connection or name lookup that is not loopback, so a broken guard fails
a test instead of sending traffic.
"""

from __future__ import annotations

import http.server
import ipaddress
import socket
import sys
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from web_fixtures import BufferedClient, configure, wait_for

from narrator.config import Settings
from narrator.errors import ExtractionError, InputError
from narrator.net.fetch import fetch
from narrator.net.guard import METADATA_NAMES, NetGuard, default_guard, parse_ipv4_spelling, refusal
from narrator.web import close_app, create_app
from narrator.web.security import fetch_guard

PUBLIC = "93.184.215.34"
"""A public address the seam hands out; nothing ever connects to it."""

PAGE = (b"<html><head><title>Guarded</title></head><body><article><h1>Guarded news</h1>"
        b"<p>The council met on Tuesday and agreed to repair the bridge before the winter floods.</p>"
        b"<p>Work starts next month and should take six weeks, the engineer in charge said.</p>"
        b"</article></body></html>")

# --- the tripwire -------------------------------------------------------------------------------

_watching = threading.Event()
_outside: list[tuple[str, object]] = []
_LOOPBACK_NAMES = {"127.0.0.1", "::1", "localhost", None}


def _is_loopback(host: object) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _tripwire(event: str, args: tuple) -> None:
    if not _watching.is_set():
        return
    if event == "socket.connect":
        address = args[1]
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            _outside.append((event, address))
            raise ConnectionRefusedError(f"test tripwire: connection to {address} refused")
    elif event == "socket.getaddrinfo":
        host = args[0]
        host = host.decode() if isinstance(host, bytes) else host
        if host not in _LOOPBACK_NAMES and not _is_loopback(host):
            _outside.append((event, host))
            raise socket.gaierror(f"test tripwire: lookup of {host!r} refused")


sys.addaudithook(_tripwire)


@pytest.fixture(autouse=True)
def tripwire() -> Iterator[None]:
    """Refuse and record any non-loopback connection or DNS lookup made during the test."""
    _outside.clear()
    _watching.set()
    yield
    _watching.clear()
    assert _outside == [], f"the test tried to leave loopback: {_outside}"


# --- seams --------------------------------------------------------------------------------------

class Seams:
    """A resolver that maps names from a table and a connector that records and only connects to loopback."""

    def __init__(self, names: dict[str, list[str]] | None = None):
        self.names = names or {}
        self.lookups: list[str] = []
        self.connections: list[tuple[str, int]] = []

    def resolve(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.names:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(self.names[host])

    def connect(self, address: tuple[str, int], timeout: object = None, source: object = None
                ) -> socket.socket:
        self.connections.append(address)
        assert _is_loopback(address[0]), f"the guard let a connection to {address} through"
        return socket.create_connection(address, timeout)  # type: ignore[arg-type]

    def guard(self, allow_private: bool = False) -> NetGuard:
        return NetGuard(allow_private=allow_private, resolve=self.resolve, connect=self.connect)


class Server:
    """A loopback HTTP server that records the Host header of every request; /go?to=URL redirects."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.hosts.append(self.headers.get("Host", ""))
                if self.path.startswith("/go?to="):
                    self.send_response(302)
                    self.send_header("Location", self.path.removeprefix("/go?to="))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


# --- refused forms ------------------------------------------------------------------------------

REFUSED = [
    # loopback, in every spelling the C library accepts
    ("http://127.0.0.1/", "loopback"),
    ("http://127.9.9.9:8080/x", "loopback"),
    ("http://localhost/", "loopback"),  # through the seam, like the system's /etc/hosts
    ("http://LOCALHOST./", "loopback"),
    ("http://2130706433/", "loopback"),  # decimal
    ("http://0x7f.1/", "loopback"),  # hex and short form
    ("http://0177.0.0.1/", "loopback"),  # octal
    ("http://0x7f000001/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://017700000001/", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[64:ff9b::7f00:1]/", "loopback"),  # NAT64
    ("http://[2002:7f00:1::]/", "loopback"),  # 6to4
    ("http://[::127.0.0.1]/", "IPv4-compatible"),
    # private networks
    ("http://10.0.0.5/", "private"),
    ("http://172.16.3.4/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://0xc0.0xa8.1.1/", "private"),
    ("http://100.64.0.1/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://intranet.example/", "private"),  # a name resolving to a private address
    ("http://mixed.example/", "loopback"),  # one public and one loopback address: refused
    # cloud metadata and link-local
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://2852039166/latest/meta-data/", "metadata"),  # 169.254.169.254 in decimal
    ("http://[::ffff:169.254.169.254]/", "metadata"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://100.100.100.200/", "metadata"),
    ("http://metadata.google.internal/computeMetadata/v1/", "metadata"),
    ("http://meta.example/", "metadata"),  # a name resolving to the metadata address
    ("http://169.254.1.1/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "zone"),
    # multicast, unspecified, broadcast, reserved
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://255.255.255.255/", "reserved"),
    ("http://240.0.0.1/", "reserved"),
    ("http://192.0.2.10/", "reserved"),  # documentation range
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "Teredo"),
    # malformed hosts and numbers
    ("http://1.2.3.4.5/", "not a valid IPv4"),
    ("http://08.0.0.1/", "not a valid IPv4"),
    ("http://256.0.0.1/", "not a valid IPv4"),
    ("http://bad_host!.example/", "not a valid host"),
    ("http://news.example:99999/", "out of range"),
    ("http:///path-only", "no host"),
    # credentials and schemes
    ("http://user:pass@news.example/", "credentials"),
    ("http://user@news.example/", "credentials"),
    ("http://news.example@127.0.0.1/", "credentials"),
    ("ftp://news.example/file", "http and https"),
    ("file:///etc/passwd", "http and https"),
    ("gopher://news.example/", "http and https"),
    # a name that does not resolve
    ("http://nowhere.example/", "could not resolve"),
]

NAMES = {
    "news.example": [PUBLIC],
    "localhost": ["127.0.0.1", "::1"],
    "localhost.": ["127.0.0.1"],
    "intranet.example": ["10.1.2.3"],
    "mixed.example": [PUBLIC, "127.0.0.1"],
    "meta.example": ["169.254.169.254"],
}


@pytest.mark.parametrize(("url", "why"), REFUSED, ids=[u for u, _ in REFUSED])
def test_refused_before_any_connection(url: str, why: str) -> None:
    """Refused for the reason given, with no connection made; a refused address is only 'not allowed'
    in the message (no DNS answer or classification reaches the client), and `refusal` gives why."""
    seams = Seams(NAMES)
    syntax = why in ("not a valid IPv4", "not a valid host", "out of range", "no host", "credentials",
                     "http and https", "could not resolve")
    with pytest.raises(ExtractionError, match=why if syntax else "the address is not allowed") as refused:
        fetch(url, guard=seams.guard())
    assert seams.connections == []
    if not syntax:
        host = urlsplit(url).hostname or ""
        if host.rstrip(".") in METADATA_NAMES:
            return  # refused by name: no address was looked up
        literal = NetGuard._literal(NetGuard._host(host)) if host.lower() not in NAMES else None
        found = [literal] if literal else [ipaddress.ip_address(a) for a in NAMES[host.lower()]]
        assert any(why in (refusal(ip) or "") for ip in found)
        if literal is None:  # a name: its addresses are not echoed
            assert not any(str(ip) in str(refused.value) for ip in found)


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://[fe80::1]/", "http://224.0.0.1/",
                                 "http://meta.example/", "http://user:pw@localhost/", "http://0.0.0.0/"])
def test_allowing_private_networks_still_refuses_metadata_and_link_local(url: str) -> None:
    seams = Seams(NAMES)
    with pytest.raises(ExtractionError):
        fetch(url, guard=seams.guard(allow_private=True))
    assert seams.connections == []


def test_public_looking_name_through_the_seam_is_fetched(server: Server) -> None:
    """news.example resolves (through the seam) to the loopback test server: allowed (loopback is allowed
    by configuration here), connected to the checked address, Host header still the name."""
    seams = Seams({"news.example": ["127.0.0.1"]})
    page = fetch(f"http://news.example:{server.port}/story", guard=seams.guard(allow_private=True))
    assert page.body == PAGE and page.url == f"http://news.example:{server.port}/story"
    assert seams.connections == [("127.0.0.1", server.port)]
    assert server.hosts == [f"news.example:{server.port}"]
    assert set(seams.lookups) == {"news.example"}


def test_default_guard_accepts_a_public_address_and_connects_to_exactly_it() -> None:
    """Without allow_private, a public name passes; the connection goes to the address that was checked
    (a fake socket stands in: nothing leaves the machine)."""
    seams = Seams({"news.example": [PUBLIC]})
    assert seams.guard().check("https://news.example/a") == [ipaddress.ip_address(PUBLIC)]
    opened: list[tuple[str, int]] = []

    class FakeSocket:
        def getpeername(self) -> tuple[str, int]:
            return (PUBLIC, 443)

        def close(self) -> None:
            pass

    def connect(address: tuple[str, int], timeout: object = None, source: object = None) -> FakeSocket:
        opened.append(address)
        return FakeSocket()

    guard = NetGuard(resolve=seams.resolve, connect=connect)  # type: ignore[arg-type]
    guard.create_connection(("news.example", 443), 5)
    assert opened == [(PUBLIC, 443)]


def test_every_redirect_is_checked_before_it_is_followed(server: Server) -> None:
    seams = Seams({"news.example": ["127.0.0.1"], "meta.example": ["169.254.169.254"]})
    base = f"http://news.example:{server.port}"
    for target in ("http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://meta.example/",
                   "http://user:pw@news.example/", "file:///etc/passwd", "http://0xa9fea9fe/"):
        with pytest.raises(ExtractionError):
            fetch(f"{base}/go?to={target}", guard=seams.guard(allow_private=True))
    # one request each (the redirect), never a connection to the target
    assert seams.connections == [("127.0.0.1", server.port)] * 6
    page = fetch(f"{base}/go?to={base}/story", guard=seams.guard(allow_private=True))
    assert page.body == PAGE and page.url == f"{base}/story"


def test_dns_rebinding_connects_only_to_a_checked_address(server: Server) -> None:
    """A name server that answers a public address to the check and the metadata address to the
    connection: the connection-time lookup is checked too, so nothing is connected."""
    answers = iter([[PUBLIC], ["169.254.169.254"], ["169.254.169.254"]])
    connections: list[tuple[str, int]] = []

    def resolve(host: str, port: int) -> list[str]:
        return next(answers)

    def connect(address: tuple[str, int], timeout: object = None, source: object = None) -> socket.socket:
        connections.append(address)
        raise AssertionError("no connection should be attempted")

    with pytest.raises(ExtractionError, match="not allowed"):
        fetch("http://rebind.example/", guard=NetGuard(resolve=resolve, connect=connect))
    assert connections == []


def test_the_connected_peer_is_checked(server: Server) -> None:
    """If the socket ends up connected anywhere but the checked address, the guard drops it."""
    seams = Seams({"news.example": [PUBLIC]})

    def misrouted(address: tuple[str, int], timeout: object = None, source: object = None) -> socket.socket:
        return socket.create_connection(("127.0.0.1", server.port), 5)  # not the PUBLIC address checked

    guard = NetGuard(resolve=seams.resolve, connect=misrouted)
    with pytest.raises(ExtractionError, match="not allowed"):
        fetch(f"http://news.example:{server.port}/story", guard=guard)
    assert server.hosts == []  # dropped before a byte of the request was sent


def test_https_goes_to_the_checked_address_with_the_name_for_tls() -> None:
    """TCP to the resolved loopback address, TLS server name = the URL's host (the ClientHello's SNI)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    hello: list[bytes] = []

    def accept() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            hello.append(conn.recv(4096))

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    seams = Seams({"secure.example": ["127.0.0.1"]})
    try:
        with pytest.raises(ExtractionError):  # no TLS server there: the handshake fails
            fetch(f"https://secure.example:{port}/", guard=seams.guard(allow_private=True), timeout=5)
        thread.join(5)
    finally:
        listener.close()
    assert seams.connections == [("127.0.0.1", port)]
    assert hello and hello[0][:1] == b"\x16" and b"secure.example" in hello[0]  # TLS handshake with SNI


def test_fetch_uses_the_guard_by_default(server: Server) -> None:
    with pytest.raises(ExtractionError, match="not allowed"):
        fetch(f"http://127.0.0.1:{server.port}/story")
    with pytest.raises(ExtractionError, match="not allowed"):
        fetch(f"http://2130706433:{server.port}/story")
    assert server.hosts == []
    assert not default_guard().allow_private
    assert fetch(f"http://127.0.0.1:{server.port}/story", guard=NetGuard(allow_private=True)).body == PAGE


def test_settings_parsing() -> None:
    assert Settings.from_env({}).allow_private_urls == 0
    assert Settings.from_env({"NARRATOR_ALLOW_PRIVATE_URLS": "1"}).allow_private_urls == 1
    with pytest.raises(InputError, match="NARRATOR_ALLOW_PRIVATE_URLS must be a int"):
        Settings.from_env({"NARRATOR_ALLOW_PRIVATE_URLS": "yes please"})
    assert str(parse_ipv4_spelling("0x7f.1")) == "127.0.0.1" and parse_ipv4_spelling("news.example") is None
    assert refusal(ipaddress.ip_address("8.8.8.8")) is None
    assert refusal(ipaddress.ip_address("2002:808:808::")) is None  # 6to4 of a public address


# --- the web API --------------------------------------------------------------------------------

@pytest.fixture
def guarded_app(tmp_path):  # noqa: ANN001, ANN201
    """The app as configured by default (loopback refused), with the guard's seams in place."""
    seams = Seams({"news.example": ["127.0.0.1"], "intranet.example": ["10.0.0.8"]})
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "home"), "RUNNER": "none",
                      "FETCH_RESOLVE": seams.resolve, "FETCH_CONNECT": seams.connect})
    app.test_client_class = BufferedClient  # with an editor's credential once the API asks for one
    yield app, seams
    close_app(app)


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "[::1]",
                                  "[::ffff:127.0.0.1]", "169.254.169.254", "intranet.example",
                                  "news.example", "user:pw@news.example"])
def test_api_refuses_private_urls_by_default(guarded_app, server: Server, host: str) -> None:  # noqa: ANN001
    """An address or credentials plain to see are refused by the request (422); a name is resolved
    and refused by the job that would fetch it (the request answers 202 without waiting for DNS)."""
    app, seams = guarded_app
    assert app.extensions["narrator"].settings.allow_private_urls == 0
    client = app.test_client()
    r = client.post("/api/articles", json={"url": f"http://{host}:{server.port}/story", "id": "x"})
    if host in ("intranet.example", "news.example"):  # a name: the job resolves and refuses it
        assert r.status_code == 202, r.data
        app.extensions["narrator"].runner.start_in_process()
        article = lambda: client.get("/api/articles/x").json  # noqa: E731
        job = wait_for(lambda: (a := article())["status"] == "failed" and a["job"], 30)
        assert job["error"].endswith("not allowed") and job["attempts"] == 1  # bad input is not retried
    else:
        assert r.status_code == 422 and r.is_json, r.data
        assert "refused" in r.json["message"]
    assert seams.connections == [] and server.hosts == []


def test_api_fetches_through_the_guard_when_private_urls_are_allowed(guarded_app, server: Server) -> None:  # noqa: ANN001
    app, seams = guarded_app
    configure(app, allow_private_urls=1)
    client = app.test_client()
    url = f"http://news.example:{server.port}/story"
    r = client.post("/api/articles", json={"url": url, "voice": "espeak", "id": "g"})
    assert r.status_code == 202, r.data
    app.extensions["narrator"].runner.start_in_process()
    done = wait_for(lambda: (a := client.get("/api/articles/g").json)["current_version"] and a, 60)
    assert done["title"] == "Guarded news" and server.hosts == [f"news.example:{server.port}"]
    assert seams.connections == [("127.0.0.1", server.port)]
    r = client.post("/api/articles", json={"url": "http://169.254.169.254/latest/meta-data/"})
    assert r.status_code == 422 and "not allowed" in r.json["message"]


def test_web_settings_refuse_private_urls_unless_told(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("NARRATOR_ALLOW_PRIVATE_URLS", "1")
    app = create_app({"TESTING": True, "HOME": str(tmp_path / "h"), "RUNNER": "none"})
    try:
        assert app.extensions["narrator"].settings.allow_private_urls == 1
        assert fetch_guard(app)().allow_private
    finally:
        close_app(app)
