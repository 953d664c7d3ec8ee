"""Where a request comes from.

`client_address(request)` is the one answer to "which address is this?" for lockout,
throttles and the audit trail. It is the connection's own address (REMOTE_ADDR) unless that
address is a proxy the operator named in settings.TRUSTED_PROXIES; only then is
X-Forwarded-For read, from the right (the entries our own proxies appended) to the left,
skipping trusted proxies, so a client can never choose its address by sending the header.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """'10.0.0.1', '10.0.0.0/8', '::1' → networks; ValueError names a value that is not one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
            ) from None
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def _address(value: str) -> Address | None:
    """An address from a header entry: '203.0.113.7', '2001:db8::1', '[2001:db8::1]:443' or
    '203.0.113.7:51000' (some load balancers add the port); None if it is none of these."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket is the IPv4 client.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent `request`, as a string ("" if unknown)."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return ""
    trusted = _trusted(tuple(settings.TRUSTED_PROXIES))

    def is_trusted(address: Address) -> bool:
        return any(address in network for network in trusted)

    client = remote
    if not is_trusted(client):
        return str(client)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        hop = _address(entry)
        if hop is None:
            # Our proxies write addresses; anything else came from further left, from
            # someone we do not trust. The last hop we could vouch for is the answer.
            break
        client = hop
        if not is_trusted(hop):
            break
    return str(client)
