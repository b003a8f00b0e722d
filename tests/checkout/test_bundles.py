"""A bundle sold by one shop with another's part: the order, the stock and the money of each part."""

from decimal import Decimal

import pytest
from django.utils import timezone

from checkout import services
from checkout.models import BundleSale, LedgerEntry, LedgerKind, Voucher
from checkout.pricing import BasketError, BasketLine
from shops.bundles import withdraw
from shops.models import BundleConsent, ConsentStatus
from tests.checkout.helpers import ALICE, breton_bundle, fake_payment, stock
from tests.fixtures import factories as f


@pytest.fixture
def bundle(market):
    """The épicerie sells 60.00 of bundle: the atelier provides a santon for 30 % (18.00) at 20 % VAT."""
    return breton_bundle(market)


def buy(market, product, quantity=1):
    return services.place_order(market.territory.pk, [BasketLine(product.pk, quantity)], {}, ALICE)


def test_each_part_is_a_line_of_its_shop_and_they_add_up_to_the_price(market, bundle):
    order = buy(market, bundle, 3)

    assert order.total == Decimal("180.00")
    parts = {so.shop_id: [(line.name, line.unit_price, line.vat_rate, line.quantity, line.total)
                          for line in so.lines.all()] for so in order.shop_orders.all()}
    assert parts == {
        market.epicerie.pk: [("Coffret Noël breton — Un pot de miel et une visite", Decimal("42.00"),
                              Decimal("5.50"), 3, Decimal("126.00"))],
        market.atelier.pk: [("Coffret Noël breton — Un santon sculpté", Decimal("18.00"), Decimal("20.00"), 3,
                             Decimal("54.00"))],
    }
    sale = BundleSale.objects.get(order=order)
    assert (sale.total, sale.quantity, [p["trade_name"] for p in sale.parts]) == (
        Decimal("180.00"), 3, ["Épicerie Kerjean", "Atelier du Bois Flotté"]
    )
    # The bundle's stock is unlimited; the santon's 5 lose the 3 the bundles take.
    assert stock(market.santon) == (2, 0)


def test_paid_bundle_gives_each_shop_its_sale_commission_and_vouchers(market, bundle):
    order = buy(market, bundle, 1)
    payment = fake_payment(order)
    services.confirm_payment(payment.provider_id, 6000, "eur")

    sales = dict(LedgerEntry.objects.filter(kind=LedgerKind.SALE).values_list("shop_id", "amount"))
    commissions = dict(LedgerEntry.objects.filter(kind=LedgerKind.COMMISSION).values_list("shop_id", "amount"))
    assert sales == {market.epicerie.pk: Decimal("42.00"), market.atelier.pk: Decimal("18.00")}
    assert commissions == {market.epicerie.pk: Decimal("-3.36"), market.atelier.pk: Decimal("-1.44")}
    vouchers = sorted(Voucher.objects.values_list("shop_id", "amount", "kind"))
    assert vouchers == sorted([(market.epicerie.pk, Decimal("42.00"), "bundle"), (market.atelier.pk, Decimal("18.00"), "bundle")])
    assert stock(market.santon) == (4, 1)


def test_a_bundle_is_not_sold_before_every_participant_accepted(market):
    bundle = f.make_bundle(
        market.epicerie, price="40.00", accepted=False,
        parts=[{"participant": market.atelier, "share_amount": Decimal("15.00")}],
    )
    with pytest.raises(BasketError):
        buy(market, bundle)
    consent = BundleConsent.objects.get(participant=market.atelier)
    assert consent.status == ConsentStatus.ASKED


def test_a_withdrawn_part_takes_the_bundle_off_sale(market, bundle):
    consent = BundleConsent.objects.get(participant=market.atelier, status=ConsentStatus.ACCEPTED)
    withdraw(consent.pk, None, timezone.now())
    with pytest.raises(BasketError):
        buy(market, bundle)


def test_a_part_withdrawn_after_the_order_was_placed_stops_its_payment(market, bundle):
    order = buy(market, bundle)
    consent = BundleConsent.objects.get(participant=market.atelier, status=ConsentStatus.ACCEPTED)
    withdraw(consent.pk, None)

    with pytest.raises(services.CheckoutError, match="n'est pas en vente"):
        services.start_payment(order)
    with pytest.raises(services.CheckoutError, match="n'est pas en vente"):
        services.pay_by_card(order, "pm_card_visa")


def test_a_refund_of_named_vouchers_is_refused_when_one_was_used_meanwhile(market, bundle):
    # Given a paid order of two bundles: the atelier's part is two vouchers of 18.00
    order = buy(market, bundle, 2)
    services.confirm_payment(fake_payment(order).provider_id, 12000, "eur")
    atelier_order = order.shop_orders.get(shop=market.atelier)
    first, second = Voucher.objects.filter(shop=market.atelier).order_by("pk")
    # When one is used at the atelier while a refund of both is asked
    Voucher.objects.filter(pk=first.pk).update(balance=Decimal("0.00"), status="used")

    with pytest.raises(services.RefundRefused, match="utilisée entre-temps"):
        services.refund_shop_order(atelier_order.pk, Decimal("36.00"), voucher_ids={first.pk, second.pk})

    # Then nothing was refunded and the other voucher is still usable
    assert not atelier_order.refunds.exists()
    second.refresh_from_db()
    assert (second.status, second.balance) == ("active", Decimal("18.00"))


def test_a_payment_that_succeeds_after_a_withdrawal_refunds_that_part(market, bundle, django_capture_on_commit_callbacks):
    # Given an order whose payment started before the atelier withdrew its part
    order = buy(market, bundle)
    payment = fake_payment(order)
    withdraw(BundleConsent.objects.get(participant=market.atelier, status=ConsentStatus.ACCEPTED).pk, None)

    # When the payment succeeds afterwards
    with django_capture_on_commit_callbacks() as callbacks:
        services.confirm_payment(payment.provider_id, 6000, "eur")

    # Then the refund of the atelier's part is asked for this order too
    tasks = [c.__closure__ and [cell.cell_contents for cell in c.__closure__] for c in callbacks]
    assert any("checkout.tasks.refund_withdrawn_part" in str(cells) and str(market.atelier.pk) in str(cells)
               for cells in tasks)


def test_a_share_that_rounds_to_nothing_is_refused():
    from shops.bundles import BadSplit, unit_shares

    assert unit_shares(Decimal("0.05"), [(None, Decimal("20"))]) == (Decimal("0.04"), [Decimal("0.01")])
    with pytest.raises(BadSplit, match="au moins 0,01"):
        unit_shares(Decimal("0.05"), [(None, Decimal("0.01"))])


def test_a_withdrawal_leaves_the_bundle_with_every_version_of_its_terms(market, bundle):
    from shops.bundles import answer, ask_consents, sale_refusal

    # Given the atelier accepted the live terms and a draft's new price
    draft = bundle.get_latest_revision_as_object()
    draft.price = Decimal("70.00")
    draft.save_revision()
    for consent in ask_consents(draft):
        answer(consent.pk, None, accept=True)

    # When it withdraws its live part, then the draft is published
    withdraw(BundleConsent.objects.get(participant=market.atelier, terms__price="60.00").pk, None)
    draft.save_revision().publish()

    # Then it does not come back with the draft it had accepted
    assert set(BundleConsent.objects.values_list("status", flat=True)) == {ConsentStatus.WITHDRAWN}
    assert sale_refusal(type(bundle).objects.get(pk=bundle.pk)) != ""


def test_a_late_payment_of_an_expired_order_whose_part_product_sold_out_is_given_back(market, bundle):
    from checkout.models import Order, OrderStatus
    from shops.models import ProductStock

    # Given an order expired (its stock given back) while its payment was under way, and the santon sold since
    order = buy(market, bundle)
    payment = fake_payment(order)
    services._release_stock(order)
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.EXPIRED)
    ProductStock.objects.filter(translation_key=market.santon.translation_key).update(quantity=0)

    # Then the payment that succeeds late is given back, not recorded

    assert services.confirm_payment(payment.provider_id, 6000, "eur") == services.Confirmation.UNFULFILLABLE


def test_a_bundle_moved_to_another_market_is_off_sale(market, bundle, other_market):
    from shops.bundles import sale_refusal

    shop, _product = other_market
    bundle.move(shop, pos="last-child")

    assert sale_refusal(type(bundle).objects.get(pk=bundle.pk)) != ""
