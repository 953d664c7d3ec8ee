"""client_address: the connection's own address unless it is a trusted proxy; then
X-Forwarded-For, read from the right, past our own proxies only."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from safetyhub.core.net import client_address
from safetyhub.settings import proxies_from


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_client_address_is_the_connection_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.7")) == "203.0.113.7"
    # A client cannot choose its address by sending the header itself.
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_client_address_ignores_the_header_from_an_untrusted_connection(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_client_address_takes_the_forwarded_client_behind_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_address(request_from("10.0.0.1", "198.51.100.1")) == "198.51.100.1"


def test_client_address_reads_from_the_right_past_trusted_proxies_only(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "2001:db8::/32"]
    # The client put a made-up address first; our proxies appended what they saw.
    request = request_from("10.0.0.1", "6.6.6.6, 198.51.100.1, 2001:db8::5, 10.0.0.9")
    assert client_address(request) == "198.51.100.1"


def test_client_address_stops_at_a_malformed_entry(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    assert client_address(request_from("10.0.0.1", "6.6.6.6, not-an-address, 10.0.0.9")) == (
        "10.0.0.9")
    assert client_address(request_from("10.0.0.1", "")) == "10.0.0.1"


def test_client_address_understands_ports_ipv6_and_mapped_ipv4(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_address(request_from("10.0.0.1", "198.51.100.1:51000")) == "198.51.100.1"
    assert client_address(request_from("10.0.0.1", "[2001:db8::7]:443")) == "2001:db8::7"
    assert client_address(request_from("::ffff:10.0.0.1", "2001:db8::7")) == "2001:db8::7"
    assert client_address(request_from("not an address")) == ""


def test_trusted_proxies_setting_refuses_what_is_not_an_address():
    assert proxies_from(["10.0.0.1", "10.1.0.0/16", "::1"]) == ["10.0.0.1", "10.1.0.0/16", "::1"]
    with pytest.raises(ImproperlyConfigured, match=re.escape("'10.0.0.300'")):
        proxies_from(["10.0.0.300"])
