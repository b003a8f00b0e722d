"""Refunding an order of vouchers: balances are refunded first and emptied vouchers cancelled; what was used stays."""

from decimal import Decimal

import pytest
from wagtail.models import ModelLogEntry

from checkout.models import OrderStatus, Redemption, RefundState, VoucherStatus
from checkout.payments import gateway as stripe_gateway
from checkout.services import (
    RefundRefused,
    confirm_payment,
    refund_shop_order,
    refundable_amount,
    start_payment,
)
from checkout.vouchers import services as v
from portal.money import to_cents
from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import client_for, order_of, vouchers_of

pytestmark = pytest.mark.urls("tests.checkout.urls")

atelier_merchant = voucher_fixtures.atelier_merchant
gift = voucher_fixtures.gift


@pytest.fixture
def paid_vouchers(market, gift, stripe):
    """Two 50.00 gift vouchers at the atelier, paid with the test card at localstripe."""
    order = order_of(market, [(gift, 2)])
    start_payment(order)
    payment = order.payments.get()
    assert stripe.pay(payment.provider_id) == "succeeded"
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order.shop_orders.get(), vouchers_of(order)


def state(voucher):
    voucher.refresh_from_db()
    return voucher.balance, voucher.status


def test_refunding_one_vouchers_worth_cancels_one_voucher(paid_vouchers, atelier_merchant):
    shop_order, (first, second) = paid_vouchers
    refund = refund_shop_order(shop_order.pk, Decimal("50.00"), by_user=atelier_merchant)
    assert refund.state == RefundState.SUCCEEDED
    assert state(first) == (Decimal("0.00"), VoucherStatus.CANCELLED)
    assert state(second) == (Decimal("50.00"), VoucherStatus.ACTIVE)
    assert list(Redemption.objects.values_list("voucher_id", "kind", "amount", "refund_id")) == [
        (first.pk, "refunded", Decimal("50.00"), refund.pk)
    ]
    assert list(ModelLogEntry.objects.for_instance(first).values_list("action", flat=True)) == ["checkout.voucher.cancel"]
    # and the cancelled voucher is refused at the shop
    with pytest.raises(v.VoucherCancelled):
        v.redeem(atelier_merchant, first.pk, "1.00")


def test_a_partly_used_voucher_is_refunded_only_for_its_balance(paid_vouchers, atelier_merchant):
    shop_order, (first, second) = paid_vouchers
    v.redeem(atelier_merchant, first.pk, "20.00")
    assert refundable_amount(shop_order) == Decimal("80.00")
    with pytest.raises(RefundRefused) as refused:
        refund_shop_order(shop_order.pk, Decimal("80.01"), by_user=atelier_merchant)
    assert str(refused.value) == "Vous pouvez rembourser au plus 80,00\xa0€."
    assert state(first) == (Decimal("30.00"), VoucherStatus.ACTIVE)
    refund_shop_order(shop_order.pk, Decimal("80.00"), by_user=atelier_merchant)
    assert state(first) == (Decimal("0.00"), VoucherStatus.CANCELLED)
    assert state(second) == (Decimal("0.00"), VoucherStatus.CANCELLED)
    assert refundable_amount(shop_order) == Decimal("0.00")
    assert sorted(Redemption.objects.values_list("kind", "amount")) == [
        ("redeemed", Decimal("20.00")),
        ("refunded", Decimal("30.00")),
        ("refunded", Decimal("50.00")),
    ]


def test_a_used_up_voucher_cannot_be_refunded(paid_vouchers, atelier_merchant):
    shop_order, (first, second) = paid_vouchers
    v.redeem(atelier_merchant, first.pk, None)
    v.redeem(atelier_merchant, second.pk, None)
    assert refundable_amount(shop_order) == Decimal("0.00")
    with pytest.raises(RefundRefused):
        refund_shop_order(shop_order.pk, Decimal("0.01"), by_user=atelier_merchant)


def test_a_partial_refund_leaves_the_rest_of_the_voucher_usable(paid_vouchers, atelier_merchant):
    shop_order, (first, second) = paid_vouchers
    refund_shop_order(shop_order.pk, Decimal("30.00"), by_user=atelier_merchant)
    assert state(first) == (Decimal("20.00"), VoucherStatus.ACTIVE)
    assert state(second) == (Decimal("50.00"), VoucherStatus.ACTIVE)


def test_a_refund_refused_by_the_provider_gives_the_vouchers_back(paid_vouchers, atelier_merchant, monkeypatch):
    shop_order, (first, second) = paid_vouchers

    def refuse(*args, **kwargs):
        raise stripe_gateway.GatewayError("card closed")

    monkeypatch.setattr(stripe_gateway, "refund", refuse)
    with pytest.raises(RefundRefused):
        refund_shop_order(shop_order.pk, Decimal("100.00"), by_user=atelier_merchant)
    assert state(first) == (Decimal("50.00"), VoucherStatus.ACTIVE)
    assert state(second) == (Decimal("50.00"), VoucherStatus.ACTIVE)
    assert Redemption.objects.count() == 0
    assert refundable_amount(shop_order) == Decimal("100.00")


def test_the_admin_refund_page_offers_only_what_was_not_used(paid_vouchers, atelier_merchant):
    shop_order, (first, _second) = paid_vouchers
    v.redeem(atelier_merchant, first.pk, "45.00")
    client = client_for(atelier_merchant)
    response = client.post(f"/admin/commandes/{shop_order.pk}/rembourser/", {"amount": "60,00"})
    assert response.status_code == 200
    assert "Vous pouvez rembourser au plus 55,00" in response.content.decode()
    response = client.post(f"/admin/commandes/{shop_order.pk}/rembourser/", {"amount": "55,00"})
    assert response.status_code == 302
    assert state(first) == (Decimal("0.00"), VoucherStatus.CANCELLED)
