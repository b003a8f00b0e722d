"""Each demo market has a bundle of a restaurant and a guest house, on sale, bought once last week."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from checkout.billing import statements
from checkout.models import BundleSale, LedgerEntry, LedgerKind, Order, OrderStatus, Voucher, WeeklyStatement
from home.demo import content
from home.demo.builder import DemoBuilder
from home.demo.plan import plan_bundle, plan_shops
from shops import bundles
from shops.models import (
    BundleConsent,
    BundlePart,
    ConsentStatus,
    ProductKind,
    ProductPage,
    ProductStock,
    ShopCategory,
    VatRate,
    VatStatus,
)

COLMAR = content.TERRITORIES[0]
# The Winstub Hummel (index 6) sells it, Le Clos des Vignes (index 4) has a part: seven shops hold both.
BUNDLE_SHOPS = 7


@pytest.mark.parametrize("territory", content.TERRITORIES, ids=lambda t: t.slug)
def test_each_market_plans_a_restaurant_and_guest_house_bundle_at_the_default_size(territory):
    plan = plan_bundle(territory, plan_shops(territory, 12, 5, 15))

    assert plan is not None
    assert (plan.seller.category, plan.participant.category) == (ShopCategory.RESTAURANT, ShopCategory.STAY)
    assert plan.valid_until == date(2027, 3, 31)
    assert Decimal("0") < plan.share_percent < Decimal("100")
    # Each part at its shop's rate: 10 % for a meal or a night, none under the VAT franchise.
    for shop, rate in ((plan.seller, plan.vat_rate), (plan.participant, plan.part_vat_rate)):
        assert rate == (VatRate.NONE if shop.vat_status == VatStatus.FRANCHISE else VatRate.INTERMEDIATE)
    assert all(plan.name) and all(plan.own_part) and all(plan.part) and plan.slug.fr != plan.slug.en


def test_a_small_demo_without_both_shops_has_no_bundle():
    assert plan_bundle(COLMAR, plan_shops(COLMAR, BUNDLE_SHOPS - 1, 1, 1)) is None


@pytest.fixture
def colmar(db, django_capture_on_commit_callbacks):
    """Colmar seeded with its seven first shops, one product each; wagtail-localize publishes on commit."""

    def build():
        with django_capture_on_commit_callbacks(execute=True):
            return DemoBuilder(
                territories=(COLMAR,), shops_per_territory=BUNDLE_SHOPS, products_min=1, products_max=1
            ).build()

    build()
    return build


def test_the_bundle_is_on_sale_in_both_languages_was_bought_and_is_stated(colmar, django_capture_on_commit_callbacks):
    # Given Colmar seeded with its restaurant and guest house: the restaurant sells the bundle
    bundle = ProductPage.objects.live().get(kind=ProductKind.BUNDLE, locale__language_code="fr")
    assert (bundle.title, bundle.get_parent().title) == ("Soirée de Noël à Colmar", "Winstub Hummel")
    assert (bundle.price, bundle.vat_rate, bundle.valid_until) == (Decimal("165.00"), "10.00", date(2027, 3, 31))
    assert bundle.bundle_own_part == "Le dîner de Noël pour deux à la Winstub Hummel"
    (part,) = bundle.bundle_parts.all()
    assert (part.participant.title, part.share_percent, part.share_amount) == (
        "Le Clos des Vignes", Decimal("55"), None
    )
    # Le Clos des Vignes is under the VAT franchise: its night is sold without VAT.
    assert (part.participant.vat_status, part.vat_rate) == (VatStatus.FRANCHISE, VatRate.NONE)
    assert [(s.shop_id, s.unit_amount) for s in bundles.shares_of(bundle, bundle.get_parent().pk)] == [
        (bundle.get_parent().pk, Decimal("74.25")), (part.participant_id, Decimal("90.75"))
    ]

    # Its English page has the part's row in English, paired by translation key, with the same facts
    english = ProductPage.objects.live().get(translation_key=bundle.translation_key, locale__language_code="en")
    assert (english.title, english.price, english.bundle_own_part) == (
        "Christmas evening in Colmar", Decimal("165.00"), "Christmas dinner for two at Winstub Hummel"
    )
    (english_part,) = english.bundle_parts.all()
    assert english_part.translation_key == part.translation_key
    assert english_part.description == "A night for two with breakfast at Le Clos des Vignes"
    assert (english_part.participant_id, english_part.share_percent, english_part.vat_rate) == (
        part.participant_id, part.share_percent, part.vat_rate
    )

    # No stock limit, and the guest house accepted its part: a visitor can buy it now
    stock = ProductStock.objects.filter(translation_key=bundle.translation_key)
    assert list(stock.values_list("quantity", flat=True)) == [None]
    consent = BundleConsent.objects.get(bundle_key=bundle.translation_key)
    assert (consent.participant_id, consent.status, consent.answered_by.username) == (
        part.participant_id, ConsentStatus.ACCEPTED, "le-clos-des-vignes"
    )
    assert bundles.sale_refusal(bundle) == ""

    # It was bought last week by a demo customer, for two beneficiaries
    guest_house = part.participant
    sale = BundleSale.objects.get(product_key=bundle.translation_key)
    order = sale.order
    assert (order.status, order.total, order.customer_name) == (OrderStatus.PAID, Decimal("165.00"), "Thomas Keller")

    # Each shop's order has its own part, and its voucher for the beneficiary
    lines = {so.shop_id: [(line.name, line.total) for line in so.lines.all()] for so in order.shop_orders.all()}
    assert lines == {
        bundle.get_parent().pk: [("Soirée de Noël à Colmar — Le dîner de Noël pour deux à la Winstub Hummel",
                                  Decimal("74.25"))],
        guest_house.pk: [("Soirée de Noël à Colmar — Une nuit pour deux avec petit-déjeuner au Clos des Vignes",
                          Decimal("90.75"))],
    }
    vouchers = Voucher.objects.filter(order_line__shop_order__order=order)
    assert sorted(vouchers.values_list("shop_id", "kind", "amount", "beneficiary_name")) == sorted([
        (bundle.get_parent().pk, ProductKind.BUNDLE, Decimal("74.25"), "Julie et Marc Keller"),
        (guest_house.pk, ProductKind.BUNDLE, Decimal("90.75"), "Julie et Marc Keller"),
    ])

    # paid last week, so that the Monday run states both shops' parts
    last_week = statements.last_ended_week()
    sales = LedgerEntry.objects.filter(shop_order__order=order, kind=LedgerKind.SALE)
    start, end = statements.week_bounds(last_week)
    assert all(start <= entry.created_at < end for entry in sales)
    assert dict(sales.values_list("shop_id", "amount")) == {
        bundle.get_parent().pk: Decimal("74.25"), guest_house.pk: Decimal("90.75")
    }
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_weekly_statements", "--week", last_week.isoformat(), stdout=io.StringIO())
    stated = set(WeeklyStatement.objects.filter(week_start=last_week).values_list("shop_id", flat=True))
    assert {bundle.get_parent().pk, guest_house.pk} <= stated


def test_seeding_again_makes_no_second_bundle_and_leaves_a_declined_part_declined(colmar):
    # Given the seeded demo, where the guest house has declined its part since
    bundle = ProductPage.objects.get(kind=ProductKind.BUNDLE, locale__language_code="fr")
    BundleConsent.objects.filter(bundle_key=bundle.translation_key).update(
        status=ConsentStatus.DECLINED, answered_at=timezone.now() - timedelta(days=1)
    )
    models = (ProductPage, BundlePart, BundleConsent, BundleSale, Order, Voucher)
    counts = [model.objects.count() for model in models]

    # When the demo is seeded again
    report = colmar()

    # Then no page, part, answer, order or voucher was added
    assert [model.objects.count() for model in models] == counts
    assert (report.created["page"], report.created["order"], report.created["stock"]) == (0, 0, 0)
    # and the guest house's answer stands: nobody accepted for it, and the bundle is off sale
    assert list(BundleConsent.objects.filter(bundle_key=bundle.translation_key).values_list("status", flat=True)) == [
        ConsentStatus.DECLINED
    ]
    assert bundles.sale_refusal(bundle) != ""
