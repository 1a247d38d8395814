"""POSTs to addresses outside our network (webhook receivers), made so that a receiver
cannot turn them against the inside of it:

- the host name is resolved once, every address it gives is checked, and the connection
  goes to a checked address, so a DNS answer that changes after the check (rebinding)
  cannot steer it to a private one;
- no redirect is followed: a 3xx is the receiver's answer, reported with its Location;
- an IPv6 address that carries an IPv4 one (IPv4-mapped or -compatible, 6to4, Teredo,
  NAT64) is judged by the IPv4 address it carries.
"""

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from dataclasses import dataclass

from webapp.services.refusal import Refused

EXCERPT_BYTES = 500
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class DestinationRefused(Refused):
    """The address is inside a private network (or the URL has no host)."""


@dataclass
class Answer:
    status: int
    excerpt: str  # the first EXCERPT_BYTES of the body, as text
    location: str | None  # where a redirect pointed (not followed)


def is_private(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Not an address on the internet: loopback, private, link-local, reserved,
    multicast, or an IPv6 form of such an IPv4 address."""
    if isinstance(ip, ipaddress.IPv6Address):
        carried = _carried_ipv4(ip)
        if carried is not None and is_private(carried):
            return True
    return not ip.is_global or ip.is_multicast


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if any(ip in network for network in (*_NAT64, _IPV4_COMPATIBLE)):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def checked_addresses(host: str, port: int, allow_private: bool) -> list[str]:
    """Every address `host` resolves to, once; refused when any of them is private
    (unless `allow_private`). A name that does not resolve raises socket.gaierror."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if is_private(ip) and not allow_private:
            raise DestinationRefused(
                f"{host} is an address inside a private network ({ip}); webhooks go "
                "to systems reachable on the internet."
            )
    return addresses


class _PinnedHTTP(http.client.HTTPConnection):
    """Speaks to `host` (its Host header) at one checked address."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, timeout: float, allow_private: bool) -> Answer:
    """POST `body` to `url` at a checked address; OSError when no address answers."""
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname:
        raise DestinationRefused("The address has no host name.")
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    connection_class = _PinnedHTTPS if secure else _PinnedHTTP
    failure: OSError | None = None
    for address in checked_addresses(parts.hostname, port, allow_private):
        connection = connection_class(parts.hostname, port, address, timeout)
        try:
            connection.connect()
        except OSError as refused:
            failure = refused
            connection.close()
            continue  # the next address; nothing has been sent yet
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            excerpt = response.read(EXCERPT_BYTES).decode(errors="replace")
            return Answer(response.status, excerpt, response.getheader("Location"))
        finally:
            connection.close()
    raise failure or OSError(f"{parts.hostname} has no address")
