"""Checking voucher codes: only misses are limited, per merchant first and per address second; real codes always open."""

import html

import pytest
from django.contrib.auth.models import User

from checkout.vouchers import services as v
from markets.merchants import make_merchant
from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import client_for, order_of, pay, vouchers_of

LOOKUP = "/admin/bons/verifier/"
LOCKED = "Trop de codes inconnus saisis : réessayez dans 10 minutes. Les codes des bons de votre boutique restent reconnus."
LAST = "Aucun bon ne correspond à ce code. Limite de codes inconnus atteinte : les prochains seront refusés pendant 10 minutes."

atelier_merchant = voucher_fixtures.atelier_merchant
epicerie_merchant = voucher_fixtures.epicerie_merchant
gift = voucher_fixtures.gift


@pytest.fixture
def voucher(market, gift):
    order = order_of(market, [(gift, 1)])
    pay(order)
    return vouchers_of(order)[0]


@pytest.fixture
def small_limits(settings):
    settings.VOUCHER_LOOKUP_LIMIT = 3
    settings.VOUCHER_LOOKUP_IP_LIMIT = 6
    settings.TRUSTED_PROXY_HOPS = 0


def look_up(client, code, **headers):
    response = client.post(LOOKUP, {"code": code}, **headers)
    errors = response.context["form"].errors.get("code", []) if response.status_code != 302 else []
    return response.status_code, [html.unescape(e) for e in errors]


def colleague_of(shop, name):
    user = User.objects.create_user(name)
    make_merchant(user, shop)
    return user


def test_other_peoples_misses_at_the_same_address_do_not_block_a_merchant(voucher, atelier_merchant, small_limits, market):
    # given two other merchants behind the same address who locked themselves out
    for name in ("voisin1", "voisin2"):
        other = client_for(colleague_of(market.epicerie, name))
        for _ in range(3):
            assert look_up(other, v.generate_code())[0] == 200
        assert look_up(other, v.generate_code()) == (429, [LOCKED])
    # when the atelier merchant types their first, real code, then a wrong one
    client = client_for(atelier_merchant)
    assert look_up(client, voucher.code)[0] == 302
    # then the real code opens and the wrong one is answered (the address's 6 misses are used up: refused)
    assert look_up(client, v.generate_code()) == (429, [LOCKED])
    assert look_up(client, voucher.display_code)[0] == 302


def test_one_neighbour_cannot_use_up_the_address_limit(voucher, atelier_merchant, small_limits, market):
    other = client_for(colleague_of(market.epicerie, "voisin"))
    for _ in range(10):
        look_up(other, v.generate_code())
    # the neighbour counted 3 misses at the address, not 10: the merchant's misses are still answered
    assert look_up(client_for(atelier_merchant), v.generate_code()) == (200, ["Aucun bon ne correspond à ce code."])


def test_a_merchants_own_misses_lock_them_out_with_the_wait_shown(voucher, atelier_merchant, small_limits):
    client = client_for(atelier_merchant)
    assert look_up(client, v.generate_code()) == (200, ["Aucun bon ne correspond à ce code."])
    assert look_up(client, v.generate_code()) == (200, ["Aucun bon ne correspond à ce code."])
    assert look_up(client, v.generate_code()) == (200, [LAST])
    assert look_up(client, v.generate_code()) == (429, [LOCKED])
    # from another address too: the limit is the merchant's
    assert look_up(client, v.generate_code(), REMOTE_ADDR="198.51.100.9") == (429, [LOCKED])


def test_the_wait_counts_down_from_the_window_start(voucher, atelier_merchant, small_limits, monkeypatch):
    import time

    start = time.time()
    for _ in range(3):
        with pytest.raises(v.UnknownCode):
            v.find_voucher(atelier_merchant, v.generate_code(), "10.0.0.1")
    monkeypatch.setattr(time, "time", lambda: start + 8 * 60 + 30)
    with pytest.raises(v.TooManyLookups) as refused:
        v.find_voucher(atelier_merchant, v.generate_code(), "10.0.0.1")
    assert str(refused.value) == (
        "Trop de codes inconnus saisis : réessayez dans 2 minutes. Les codes des bons de votre boutique restent reconnus."
    )


def test_a_valid_code_is_never_refused_and_never_counted(voucher, atelier_merchant, small_limits):
    client = client_for(atelier_merchant)
    for _ in range(20):
        assert look_up(client, voucher.code)[0] == 302
    for _ in range(3):
        look_up(client, v.generate_code())
    assert look_up(client, v.generate_code()) == (429, [LOCKED])
    # locked out: the real code still opens
    response = client.post(LOOKUP, {"code": voucher.code})
    assert (response.status_code, response["Location"]) == (302, f"/admin/bons/{voucher.pk}/")


def test_another_merchants_voucher_is_not_found_and_counts_as_a_miss(voucher, epicerie_merchant, small_limits):
    client = client_for(epicerie_merchant)
    foreign = "Ce bon a été émis par une autre boutique : il ne peut pas être utilisé chez vous."
    assert look_up(client, voucher.code) == (200, [foreign])
    assert look_up(client, voucher.code) == (200, [foreign])
    look_up(client, voucher.code)
    # once locked out, the answer says nothing about the code any more
    assert look_up(client, voucher.code) == (429, [LOCKED])
    assert client.post(f"/admin/bons/{voucher.pk}/utiliser/", {"amount": "1", "shown_balance": "50.00"}).status_code == 404
    voucher.refresh_from_db()
    assert voucher.balance == voucher.amount


def test_a_forged_header_changes_no_limit_without_a_proxy(voucher, atelier_merchant, small_limits, market):
    # TRUSTED_PROXY_HOPS=0: X-Forwarded-For is never read; the limit follows REMOTE_ADDR
    for n in range(2):
        other = client_for(colleague_of(market.epicerie, f"voisin{n}"))
        for _ in range(3):
            look_up(other, v.generate_code(), REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    client = client_for(atelier_merchant)
    # the address is used up whatever the merchant claims in the header
    assert look_up(client, v.generate_code(), REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.1")[0] == 429
    # and someone forging the merchant's address in the header did not count against it
    assert look_up(client, v.generate_code(), REMOTE_ADDR="192.0.2.50")[0] == 200


def test_a_forged_header_changes_no_limit_behind_one_proxy(voucher, atelier_merchant, small_limits, settings, market):
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    # neighbours at 203.0.113.7 use up that address, each forging another address on the left of the header
    for n in range(2):
        other = client_for(colleague_of(market.epicerie, f"voisin{n}"))
        for _ in range(3):
            look_up(other, v.generate_code(), HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7", **proxy)
    client = client_for(atelier_merchant)
    # the merchant at 203.0.113.7 cannot escape by forging: the proxy's entry is the one counted
    assert look_up(client, v.generate_code(), HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy)[0] == 429
    # the merchant elsewhere (192.0.2.1) was not locked out by the neighbours' forged "192.0.2.1"
    assert look_up(client, v.generate_code(), HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy)[0] == 200
    # and the proxy's own address is no one's limit
    assert look_up(client, v.generate_code(), HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy)[0] == 200
