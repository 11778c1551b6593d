"""Fetching web pages safely: the address guard, redirects, size and time limits.

A server that fetches URLs for its users must not become a way into its own
network (server-side request forgery).  So :func:`fetch_page` only speaks http(s),
resolves the host name itself and refuses the request when any address it
resolves to is private, loopback, link-local, multicast, reserved or
unspecified; it then connects to the address it checked, not to a fresh
resolution (which a hostile DNS server could point elsewhere), and follows
redirects by hand, checking every target the same way.  ``allow_private=True``
lifts the address check, for a tool run on one's own machine.

Responses are read in chunks and abandoned past ``max_bytes`` or past the
overall ``timeout``, so a huge or slow page cannot hold the process.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

logger = logging.getLogger(__name__)

USER_AGENT = "newsbrief/0.1 (news brief summariser; +https://pypi.org/project/newsbrief/)"
#: Redirects followed before giving up.
MAX_REDIRECTS = 5

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class FetchError(Exception):
    """A URL or feed could not be read as an article; the message says why."""


@dataclass
class Page:
    """A fetched response body with where it finally came from."""

    url: str
    content_type: str
    charset: str | None
    body: bytes


# --- address guard -------------------------------------------------------------


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address must not be fetched from, or ``None`` if it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    for name in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if not ip.is_global:  # shared address space (100.64/10) and the like
        return "non-global"
    return None


def check_url(url: str, allow_private: bool = False) -> list[str]:
    """Check that ``url`` may be fetched; return the addresses it resolves to.

    Raises :class:`FetchError` for a scheme other than http(s), a URL without a
    host, a host that does not resolve, or (unless ``allow_private``) a host
    with any address that is not public.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchError(f"only http and https URLs can be fetched, not {parts.scheme or 'a schemeless'!r} ({url})")
    host = parts.hostname
    if not host:
        raise FetchError(f"the URL has no host name: {url}")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise FetchError(f"bad port in {url}: {exc}") from exc
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for address in addresses:
            reason = _refusal(ipaddress.ip_address(address.split("%", 1)[0]))
            if reason:
                raise FetchError(
                    f"refusing to fetch {url}: {host} resolves to {reason} address {address} "
                    "(pass allow_private=True to allow local and private addresses)"
                )
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to an address already checked, whatever DNS says now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


# --- fetching ------------------------------------------------------------------


def _open(url: str, addresses: list[str], timeout: float, accept: str) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip, deflate"}
    last: Exception | None = None
    for address in addresses:
        cls = _PinnedHTTPS if https else _PinnedHTTP
        connection = cls(parts.hostname or "", port, address, timeout)
        try:
            connection.request("GET", target, headers=headers)
            return connection, connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            last = exc
    if isinstance(last, (socket.timeout, TimeoutError)):
        raise FetchError(f"timed out after {timeout:g} s connecting to {url}") from last
    raise FetchError(f"cannot connect to {url}: {last}") from last


def _read_limited(response: http.client.HTTPResponse, url: str, max_bytes: int, deadline: float, timeout: float) -> bytes:
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding not in {"identity", "gzip", "x-gzip", "deflate"}:
        raise FetchError(f"{url} sent an unsupported content encoding {encoding!r}")
    inflate = None if encoding == "identity" else zlib.decompressobj(47)  # 47: gzip or zlib header
    too_big = FetchError(f"{url} is larger than the limit of {max_bytes:,} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise FetchError(f"timed out after {timeout:g} s reading {url}")
        try:
            # read1 returns after one receive, so a server trickling bytes meets the deadline.
            chunk = response.read1(_CHUNK)
        except TimeoutError as exc:
            raise FetchError(f"timed out after {timeout:g} s reading {url}") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"error reading {url}: {exc}") from exc
        if not chunk:
            break
        if inflate is not None:
            try:
                # max_length bounds the output, so a small compressed bomb cannot fill memory.
                chunk = inflate.decompress(chunk, max_bytes - size + 1)
            except zlib.error as exc:
                raise FetchError(f"{url} sent a corrupt compressed body: {exc}") from exc
            if inflate.unconsumed_tail:
                raise too_big
        size += len(chunk)
        if size > max_bytes:
            raise too_big
        chunks.append(chunk)
    return b"".join(chunks)


def fetch_page(
    url: str,
    *,
    timeout: float = 10,
    max_bytes: int = 5_000_000,
    allow_private: bool = False,
    accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
) -> Page:
    """GET ``url`` through the address guard (see the module docstring).

    ``timeout`` bounds every socket operation and the whole fetch, redirects
    included.  Raises :class:`FetchError` on a refused or bad URL, a network
    error, a timeout, an HTTP error status, more than :data:`MAX_REDIRECTS`
    redirects or a body over ``max_bytes``.
    """
    deadline = time.monotonic() + timeout
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        addresses = check_url(current, allow_private)
        remaining = max(0.1, deadline - time.monotonic())
        connection, response = _open(current, addresses, min(timeout, remaining), accept)
        try:
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"{current} redirects (HTTP {response.status}) without a Location")
                logger.debug("%s redirects to %s", current, location)
                current = urljoin(current, location.strip())
                continue
            if response.status >= 400:
                raise FetchError(f"{current} answered HTTP {response.status} {response.reason}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{current} is {int(length):,} bytes, over the limit of {max_bytes:,} bytes")
            body = _read_limited(response, current, max_bytes, deadline, timeout)
            message = response.msg
            return Page(current, message.get_content_type(), message.get_content_charset(), body)
        finally:
            connection.close()
    raise FetchError(f"{url} redirects more than {MAX_REDIRECTS} times")
