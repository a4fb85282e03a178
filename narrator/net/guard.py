"""The fetch guard against server-side request forgery: only public http(s) addresses are fetched.

A URL given by a stranger must not make narrator talk to the machine it runs on, its private
network or a cloud metadata service. `NetGuard` checks a URL before each request (the first and
every redirect target) and is also the socket factory the fetcher connects through, so the
address connected to is always one it has just checked (no second DNS lookup an attacker's
name server could answer differently: DNS rebinding), and the socket's peer is checked again
after connecting.

Refused: schemes other than http and https; credentials in the URL (``user:pass@``); hosts that
are not valid names; and any host with an address that is loopback, private (RFC 1918, unique
local, shared address space), link-local, multicast, reserved, unspecified, broadcast or a
known cloud metadata address, including IPv4 written in decimal, octal or hex
(``http://2130706433/``, ``http://0x7f.1/``, ``http://0177.0.0.1/``) and IPv4 inside IPv6
(mapped ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4, Teredo).
A name with several addresses is refused if any of them is refused.

``allow_private`` (``NARRATOR_ALLOW_PRIVATE_URLS=1``) lets loopback and private networks through
for tests and development; link-local, metadata, multicast and reserved addresses stay refused.
Outgoing proxies are not used by the guarded fetcher (a proxy would connect on our behalf to
addresses we never see).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import ExtractionError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

Resolver = Callable[[str, int], list[str]]
"""(host, port) -> the host's addresses as strings; the seam tests use to map names to loopback."""
Connector = Callable[..., socket.socket]
"""socket.create_connection's signature: ((ip, port), timeout, source_address) -> a connected socket."""

METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, DigitalOcean, OpenStack instance metadata
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud (classic)
        "168.63.129.16",  # Azure WireServer: a public address only reachable inside Azure
        "fd00:ec2::254",  # AWS IMDS over IPv6
        "fd20:ce::254",  # GCP metadata over IPv6
    )
)
"""Cloud metadata endpoints, refused even when private addresses are allowed."""
METADATA_NAMES = frozenset(
    {"metadata", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"}
)
"""Names that mean the metadata service whatever they resolve to."""

NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
"""NAT64 prefixes: the last 32 bits are an IPv4 address the gateway connects to."""

PRIVATE = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                 "100.64.0.0/10", "fc00::/7"))
"""Private networks (RFC 1918, carrier-grade NAT shared space, IPv6 unique local): allowed only with
allow_private."""

_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_HOST_NAME = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$")


def system_resolve(host: str, port: int) -> list[str]:
    """The host's addresses from the operating system's resolver."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_ipv4_spelling(host: str) -> ipaddress.IPv4Address | None:
    """The address inet_aton(3) (and so the C library's resolver) reads in `host`: 1 to 4 parts,
    each decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes
    (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``). None if `host` is not numeric-looking;
    ExtractionError if it looks numeric but is no valid address (``1.2.3.4.5``, ``09.1``)."""
    parts = host.lower().removesuffix(".").split(".")
    if not all(_NUMERIC_PART.match(p) for p in parts):
        return None
    try:
        values = [int(p, 16) if p.startswith("0x") else int(p, 8) if len(p) > 1 and p[0] == "0" else int(p)
                  for p in parts]
    except ValueError:
        raise ExtractionError(f"'{host}' is not a valid IPv4 address") from None
    if len(values) > 4 or any(v > 255 for v in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        raise ExtractionError(f"'{host}' is not a valid IPv4 address")
    number = 0
    for v in values[:-1]:
        number = number * 256 + v
    number = number * 256 ** (5 - len(values)) + values[-1]
    return ipaddress.IPv4Address(number)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, NAT64, 6to4), if any."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if any(ip in net for net in NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress, allow_private: bool = False) -> str | None:
    """Why a connection to `ip` is refused (e.g. 'a loopback address'), or None if it is allowed."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return "an address with a zone index"
        if int(ip) >> 32 == 0 and int(ip) > 1:
            return "an IPv4-compatible IPv6 address"  # ::a.b.c.d, deprecated; some stacks route it as IPv4
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = refusal(inner, allow_private)
            return f"{why} inside an IPv6 address" if why else None
        if ip.teredo:
            return "a Teredo tunnel address"
    if ip in METADATA:
        return "a cloud metadata address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_loopback:
        return None if allow_private else "a loopback address"
    if any(ip in net for net in PRIVATE):
        return None if allow_private else "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved or non-public address"
    return None


@dataclass(frozen=True)
class NetGuard:
    """Checks URLs and opens the fetcher's connections to checked addresses only."""

    allow_private: bool = False
    """Also allow loopback and private networks (tests, development); never metadata or link-local."""
    resolve: Resolver = system_resolve
    """Name -> addresses; tests map public-looking names to a loopback server here."""
    connect: Connector = socket.create_connection
    """Opens a TCP connection to an (ip, port) that has passed the checks; tests record calls here."""

    def __call__(self, url: str) -> None:
        """Raise ExtractionError if `url` may not be fetched (fetch's guard hook)."""
        self.check(url)

    def check(self, url: str, resolve: bool = True) -> list[IPAddress]:
        """The addresses `url` would be fetched from; ExtractionError if the URL or any address is
        refused. With resolve=False a host name is not looked up (nothing is returned for it): the
        quick check a request makes before a job fetches the page."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise ExtractionError(f"fetching {url!r} refused: {e}") from None
        if parts.scheme.lower() not in ("http", "https"):
            raise ExtractionError(f"only http and https URLs can be fetched: {url}")
        if "@" in parts.netloc:
            raise ExtractionError("refused to fetch a URL with credentials (user:password@) in it")
        if not parts.hostname:
            raise ExtractionError(f"refused to fetch {url!r}: no host")
        if port is None:
            port = 443 if parts.scheme.lower() == "https" else 80
        return self.addresses(parts.hostname, port, resolve)

    def addresses(self, host: str, port: int, resolve: bool = True) -> list[IPAddress]:
        """`host`'s addresses, each checked; ExtractionError if the host or any address is refused
        (the message never says which addresses a name has: DNS answers stay on the server)."""
        name = self._host(host)
        literal = self._literal(name)
        if literal is not None:
            found = [literal]
        elif not resolve:
            return []
        else:
            try:
                found = [ipaddress.ip_address(a) for a in self.resolve(name, port)]
            except (OSError, UnicodeError, ValueError) as e:
                reason = getattr(e, "strerror", None) or e
                raise ExtractionError(f"could not resolve {host}: {reason}") from None
            if not found:
                raise ExtractionError(f"could not resolve {host}")
        for ip in found:
            if refusal(ip, self.allow_private):
                raise ExtractionError(f"refused to fetch from {host}: the address is not allowed")
        return found

    def create_connection(self, address: tuple[str, int], timeout: object = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                          source_address: tuple[str, int] | None = None) -> socket.socket:
        """socket.create_connection for http.client: resolve and check `address`'s host once, connect
        to a checked address, then check the socket's peer is that address."""
        host, port = address
        error: OSError | None = None
        for ip in self.addresses(host, port):
            try:
                sock = self.connect((str(ip), port), timeout, source_address)
            except OSError as e:
                error = e
                continue
            try:
                peer = ipaddress.ip_address(sock.getpeername()[0])
            except (OSError, ValueError) as e:
                sock.close()
                raise ExtractionError(f"connection to {host} failed: {e}") from None
            if peer != ip or refusal(peer, self.allow_private):
                sock.close()
                raise ExtractionError(f"refused to fetch from {host}: the address is not allowed")
            return sock
        raise error or OSError(f"could not connect to {host}")

    @staticmethod
    def _host(host: str) -> str:
        """The host in ASCII (IDNA), lower case; ExtractionError if it is no valid name or address."""
        try:
            name = host.encode("idna").decode("ascii").lower() if not host.isascii() else host.lower()
        except UnicodeError:
            raise ExtractionError(f"'{host}' is not a valid host name") from None
        if name.removesuffix(".") in METADATA_NAMES:
            raise ExtractionError(f"refused to fetch from {host}: the address is not allowed")
        if ":" in name:
            return name  # an IPv6 literal, checked by _literal
        if not _HOST_NAME.match(name) or len(name) > 254:
            raise ExtractionError(f"'{host}' is not a valid host name")
        return name

    @staticmethod
    def _literal(name: str) -> IPAddress | None:
        """The address `name` spells, if it is an IP literal in any spelling the C library accepts."""
        if ":" in name:
            try:
                return ipaddress.IPv6Address(name)
            except ValueError:
                raise ExtractionError(f"'{name}' is not a valid IPv6 address") from None
        return parse_ipv4_spelling(name)


def default_guard() -> NetGuard:
    """The guard `fetch` uses unless given another: public addresses only."""
    return NetGuard(allow_private=False)


__all__ = ["METADATA", "NetGuard", "default_guard", "parse_ipv4_spelling", "refusal", "system_resolve"]
