"""Whose address a request comes from: only what the trusted proxies wrote is believed."""

import pytest
from django.test import RequestFactory

from portal.client_ip import client_ip


def request(remote="10.0.0.5", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_proxies_the_connection_address_is_the_client(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(request("203.0.113.7")) == "203.0.113.7"


@pytest.mark.parametrize("forged", ["198.51.100.1", "198.51.100.1, 198.51.100.2", "garbage", ""])
def test_without_proxies_a_forged_forwarded_for_changes_nothing(settings, forged):
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(request("203.0.113.7", forged)) == "203.0.113.7"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request("10.0.0.5", "203.0.113.7")) == "203.0.113.7"


@pytest.mark.parametrize("forged", ["198.51.100.1", "198.51.100.1, 192.0.2.9", "1.1.1.1,2.2.2.2,3.3.3.3"])
def test_behind_one_proxy_what_the_client_wrote_before_it_is_ignored(settings, forged):
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request("10.0.0.5", f"{forged}, 203.0.113.7")) == "203.0.113.7"


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(request("10.0.0.5", "198.51.100.1, 203.0.113.7, 10.0.0.4")) == "203.0.113.7"


def test_a_proxy_chain_shorter_than_configured_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert client_ip(request("10.0.0.5", "203.0.113.7")) == "10.0.0.5"
