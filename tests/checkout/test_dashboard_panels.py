"""The money panels of the admin's home page: a merchant's orders, sales, vouchers and payouts; a territory's week.

Now is Thursday 10 December 2026, 15:00 Paris. This week: Monday 7 December
00:00 to now; last week's same span: Monday 30 November 00:00 to Thursday
3 December 15:00.

Pays de Morlaix (commission 8 %):
- the atelier (merchant "atelier"), santons at 12.50, picked up:
  A1 Mon 30 Nov 10:00, 2 santons, 25.00, archived;
  A5 Thu 3 Dec 15:00:00 (the very end of last week's span: out of it), 12.50;
  A2 Fri 4 Dec 11:00, 12.50;
  — statement of the week of 30 Nov: 50.00 − 4.00 = 46.00, paid 45.82 (fee 0.15 + VAT = 0.18);
  A3 Mon 7 Dec 09:00, 3 santons, 37.50; 12.50 refunded Wed 9 Dec 10:00 (commission 1.00 returned);
  G  Tue 8 Dec 12:00, two gift vouchers of 50.00: 100.00 (nothing to hand over);
  A4 Thu 10 Dec 10:00, 12.50, made ready for collection;
  a pending order never paid; voucher 1: 5.00 used Fri 4 Dec, 20.00 used
  Wed 9 Dec (25.00 left); voucher 2 expired Wed 9 Dec (50.00 left, not outstanding).
- the épicerie (merchant "epicerie"): honey 8.30, E2 Tue 1 Dec 10:00, E1 Tue 8 Dec 10:00.
Pays de Brest (commission 5 %), the lighthouse shop (merchant "brest"): 9.00 each,
B2 Wed 2 Dec 11:00 (2 lighthouses, 18.00), B1 Wed 9 Dec 11:00.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from checkout.billing import merchant_dashboard as md
from checkout.billing import statements
from checkout.models import FulfilmentStatus, Redemption, ShopOrder, Voucher
from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order, refund_shop_order
from checkout.vouchers import services as voucher_services
from markets.editors import make_editor
from markets.merchants import make_merchant
from markets.models import CommissionRate, Territory
from portal.money import to_cents
from shops.models import DeliveryKind, ProductStock
from tests.checkout.helpers import ALICE, fake_payment
from tests.checkout.voucher_fixtures import client_for, merchant_of
from tests.fixtures import factories as f

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


NOW = paris(2026, 12, 10, 15, 0)
# The panel's own queries, whatever the number of shops: the counts, two sales sums, two voucher sums,
# the shops, their last statements and their balances, plus what `managed_by` asks for each scope.
MERCHANT_PANEL_QUERIES = 13
D = Decimal


def paid(territory, shop, product, quantity, at):
    """`quantity` × `product` from `shop`, picked up (nothing for a voucher), paid at `at`; its shop order."""
    deliveries = {shop.pk: DeliveryChoice(shop.delivery_options.get(kind=DeliveryKind.PICKUP, active=True).pk)}
    order = place_order(territory.pk, [BasketLine(product.pk, quantity)], deliveries, ALICE)
    confirm_payment(fake_payment(order).provider_id, to_cents(order.total), "eur", now=at)
    return order.shop_orders.get()


def redeem_at(user, voucher, amount, at):
    result = voucher_services.redeem(user, voucher.pk, D(amount), now=at)
    Redemption.objects.filter(pk=result.redemption.pk).update(at=at)


@pytest.fixture
def books(market, other_market, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "refund", lambda intent, amount, **options: f"re_test_{intent}_{amount}")
    m = market
    brest_shop, lighthouse = other_market
    brest = Territory.objects.get(name="Pays de Brest")
    CommissionRate.objects.create(territory=brest, starts_on=date(2020, 1, 1), rate=D("5.00"))
    ProductStock.objects.filter(translation_key=m.santon.translation_key).update(quantity=50)
    gift = f.make_product(m.atelier, "Bon cadeau Atelier", price="50.00", kind="voucher", stock=None,
                          valid_until=date(2027, 6, 30))
    atelier, epicerie = merchant_of(m.atelier, "atelier"), merchant_of(m.epicerie, "epicerie")
    brest_merchant = merchant_of(brest_shop, "brest")

    a1 = paid(m.territory, m.atelier, m.santon, 2, paris(2026, 11, 30, 10, 0))
    ShopOrder.objects.filter(pk=a1.pk).update(archived=True)
    paid(m.territory, m.atelier, m.santon, 1, paris(2026, 12, 3, 15, 0, 0))
    paid(m.territory, m.atelier, m.santon, 1, paris(2026, 12, 4, 11, 0))
    paid(m.territory, m.epicerie, m.miel, 1, paris(2026, 12, 1, 10, 0))
    paid(brest, brest_shop, lighthouse, 2, paris(2026, 12, 2, 11, 0))
    gift_order = paid(m.territory, m.atelier, gift, 2, paris(2026, 12, 8, 12, 0))
    voucher_1, voucher_2 = Voucher.objects.filter(order_line__shop_order=gift_order).order_by("pk")
    redeem_at(atelier, voucher_1, "5.00", paris(2026, 12, 4, 16, 0))
    # Last week's statement run, Monday morning.
    statements.build_weekly_statements(date(2026, 11, 30), now=paris(2026, 12, 7, 6, 0))

    a3 = paid(m.territory, m.atelier, m.santon, 3, paris(2026, 12, 7, 9, 0))
    refund_shop_order(a3.pk, D("12.50"), now=paris(2026, 12, 9, 10, 0))
    paid(m.territory, m.epicerie, m.miel, 1, paris(2026, 12, 8, 10, 0))
    paid(brest, brest_shop, lighthouse, 1, paris(2026, 12, 9, 11, 0))
    redeem_at(atelier, voucher_1, "20.00", paris(2026, 12, 9, 17, 0))
    Voucher.objects.filter(pk=voucher_2.pk).update(valid_until=date(2026, 12, 9))
    a4 = paid(m.territory, m.atelier, m.santon, 1, paris(2026, 12, 10, 10, 0))
    ShopOrder.objects.filter(pk=a4.pk).update(fulfilment_status=FulfilmentStatus.READY_FOR_PICKUP)
    # Placed, never paid: nothing to prepare, no sale.
    place_order(
        m.territory.pk, [BasketLine(m.santon.pk, 1)],
        {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)}, ALICE,
    )
    return {
        "m": m, "brest": brest, "brest_shop": brest_shop, "atelier": atelier, "epicerie": epicerie,
        "brest_merchant": brest_merchant, "a3": a3, "gift_order": gift_order,
    }


@pytest.fixture
def frozen(monkeypatch):
    """Django's clock stopped at NOW, for the views."""
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(ZoneInfo("UTC")))


# The merchant's figures ------------------------------------------------------------------------


def test_orders_to_prepare_and_ready_count_the_merchants_paid_current_orders(books):
    counts = md.order_counts(books["atelier"])

    # A2, A3, A5: A1 is archived, the gift order has nothing to hand over, the pending one is unpaid.
    assert (counts.to_prepare, counts.ready_for_pickup) == (3, 1)
    assert counts.to_prepare_url == "/admin/commandes/?fulfilment_status=ready"
    assert counts.ready_for_pickup_url == "/admin/commandes/?fulfilment_status=ready_for_pickup"
    # The épicerie's merchant counts only their own two honey orders.
    epicerie = md.order_counts(books["epicerie"])
    assert (epicerie.to_prepare, epicerie.ready_for_pickup) == (2, 0)


def test_sales_of_today_and_of_the_week_are_the_merchants_only(books):
    sales = md.merchant_sales(books["atelier"], NOW)

    assert sales.week_start == date(2026, 12, 7)
    assert (sales.today.sales, sales.today.orders, sales.today.refunds) == (D("12.50"), 1, D("0.00"))
    # A3 37.50 + gift 100.00 + A4 12.50; the épicerie's 8.30 and Brest's 9.00 are not the atelier's.
    assert (sales.week.sales, sales.week.orders, sales.week.refunds) == (D("150.00"), 3, D("12.50"))
    assert sales.week.commission == D("11.00")  # 12.00 − 1.00 returned

    brest = md.merchant_sales(books["brest_merchant"], NOW)
    assert (brest.week.sales, brest.week.orders, brest.today.sales) == (D("9.00"), 1, D("0.00"))


def test_a_sale_after_now_or_before_monday_is_not_this_weeks(books):
    m = books["m"]
    paid(m.territory, m.atelier, m.santon, 1, paris(2026, 12, 6, 23, 59, 59))  # Sunday night

    week = md.merchant_sales(books["atelier"], NOW).week
    assert week.sales == D("150.00")
    earlier = md.merchant_sales(books["atelier"], paris(2026, 12, 10, 9, 59)).week
    assert earlier.sales == D("137.50")  # A4 (10:00) not yet


def test_vouchers_outstanding_and_redeemed_this_week(books):
    figures = md.voucher_figures(books["atelier"], NOW)

    # Voucher 1 has 25.00 left; voucher 2 expired yesterday, its 50.00 is not outstanding.
    assert (figures.outstanding, figures.outstanding_value) == (1, D("25.00"))
    # Friday's 5.00 was last week.
    assert (figures.redeemed, figures.redeemed_amount) == (1, D("20.00"))
    assert figures.outstanding_url == "/admin/bons/?state=active"
    # Another merchant sees none of the atelier's vouchers.
    other = md.voucher_figures(books["epicerie"], NOW)
    assert (other.outstanding, other.outstanding_value, other.redeemed, other.redeemed_amount) == (
        0, D("0.00"), 0, D("0.00")
    )


def test_next_payout_is_what_next_mondays_statement_pays(books):
    [payout] = md.next_payouts(books["atelier"], NOW)

    last = payout.last_statement
    assert (last.week_start, last.sales, last.payout_amount) == (date(2026, 11, 30), D("50.00"), D("45.82"))
    assert payout.last_statement_url == f"/admin/releves/{last.pk}/"
    # 150.00 − 12.00 commission − 12.50 refunded + 1.00 returned; minus the 0.18 transfer fee.
    assert (payout.week_start, payout.balance, payout.fee, payout.payout) == (
        date(2026, 12, 7), D("126.50"), D("0.18"), D("126.32")
    )
    assert not payout.carried_over

    # The statement made next Monday pays exactly that.
    made = statements.build_weekly_statements(date(2026, 12, 7), now=paris(2026, 12, 14, 6, 0))
    statement = next(s for s in made if s.shop_id == books["m"].atelier.pk)
    assert (statement.balance, statement.payout_amount) == (payout.balance, payout.payout)


def test_next_payout_before_the_monday_run_is_last_weeks_statement(books):
    """On Monday 14 at 03:00 the week of 7 December is not stated yet: the next statement is that one."""
    m = books["m"]
    paid(m.territory, m.atelier, m.santon, 1, paris(2026, 12, 14, 2, 0))  # next week's

    [payout] = md.next_payouts(books["atelier"], paris(2026, 12, 14, 3, 0))

    assert (payout.week_start, payout.balance, payout.payout) == (date(2026, 12, 7), D("126.50"), D("126.32"))


def test_a_balance_under_the_fee_is_carried_over(books):
    # The lighthouse shop: 18.00 − 0.90 stated and paid last week; this week 9.00 − 0.45 = 8.55.
    [brest] = md.next_payouts(books["brest_merchant"], NOW)
    assert (brest.balance, brest.payout, brest.carried_over) == (D("8.55"), D("8.37"), False)

    # A new shop with a 0.10 sale: 0.10 − 0.01 commission = 0.09 ≤ 0.18, carried over.
    m = books["m"]
    shop = f.make_shop(m.market, "Petite Échoppe", delivery_options=[f.pickup()])
    sweet = f.make_product(shop, "Berlingot", price="0.10", stock=10)
    owner = merchant_of(shop, "echoppe")
    paid(m.territory, shop, sweet, 1, paris(2026, 12, 9, 9, 0))

    [payout] = md.next_payouts(owner, NOW)
    assert (payout.balance, payout.payout, payout.carried_over, payout.last_statement) == (
        D("0.09"), D("0.00"), True, None
    )


def test_a_merchant_of_two_shops_sees_both_in_bounded_queries(books, django_assert_max_num_queries):
    m = books["m"]
    # A fresh user object each time, as each request has: Wagtail caches page permissions on it.
    atelier = User.objects.get(pk=books["atelier"].pk)
    with django_assert_max_num_queries(MERCHANT_PANEL_QUERIES) as one_shop:
        md.MerchantMoneyPanel(atelier, NOW).render_html({})
    make_merchant(atelier, m.epicerie)
    atelier = User.objects.get(pk=atelier.pk)

    # As many queries for two shops as for one.
    with django_assert_max_num_queries(len(one_shop.captured_queries)):
        html = md.MerchantMoneyPanel(atelier, NOW).render_html({})
    figures = md.merchant_dashboard(atelier, NOW)

    assert (figures.orders.to_prepare, figures.orders.ready_for_pickup) == (5, 1)
    assert (figures.sales.week.sales, figures.sales.week.orders) == (D("158.30"), 4)
    assert [(p.shop_name, p.balance) for p in figures.payouts] == [
        ("Atelier du Bois Flotté", D("126.50")), ("Épicerie Kerjean", D("7.64")),
    ]
    assert html.count('class="money-panel__payout"') == 2


# The territories' week ------------------------------------------------------------------------------


def test_editor_sees_their_territory_this_week_against_last_weeks_same_span(books):
    comparison = md.week_comparison([books["m"].territory], NOW)

    [row] = comparison.rows
    # A3 37.50 + gift 100.00 + A4 12.50 + E1 8.30 ; A1 25.00 + E2 8.30 (A5 at 15:00:00 and A2 are later).
    assert (row.this_week.sales, row.this_week.orders) == (D("158.30"), 4)
    assert (row.last_week.sales, row.last_week.orders) == (D("33.30"), 2)
    assert (row.change, row.change_ratio) == (D("125.00"), D("3.75"))
    assert comparison.total is None
    assert comparison.last_week_until == paris(2026, 12, 3, 15, 0)
    with translation.override("fr"):
        assert row.change_label == "+375\u00a0%"
    with translation.override("en"):
        assert row.change_label == "+375%"


def test_platform_sees_every_territory_and_the_total(books):
    territories = list(Territory.objects.order_by("name"))
    comparison = md.week_comparison(territories, NOW)

    assert [(r.name, r.this_week.sales, r.last_week.sales, r.change) for r in comparison.rows] == [
        ("Pays de Brest", D("9.00"), D("18.00"), D("-9.00")),
        ("Pays de Morlaix", D("158.30"), D("33.30"), D("125.00")),
    ]
    assert comparison.rows[0].change_ratio == D("-0.50")
    total = comparison.total
    assert (total.this_week.sales, total.last_week.sales, total.change) == (D("167.30"), D("51.30"), D("116.00"))
    assert (total.this_week.orders, total.last_week.orders) == (5, 3)


def test_nothing_sold_last_week_gives_no_ratio(books):
    [row] = md.week_comparison([books["brest"]], paris(2026, 12, 3, 9, 0)).rows
    # Monday 30 Nov to Thursday 3, 09:00: B2 18.00; the week before: nothing.
    assert (row.this_week.sales, row.last_week.sales, row.change_ratio, row.change_label) == (
        D("18.00"), D("0.00"), None, ""
    )


def test_same_time_last_week_is_paris_wall_clock_across_a_dst_change(db):
    """Sunday 29 March 2026 has 23 hours: a week later is the same Paris time, not 168 hours."""
    comparison = md.week_comparison([], paris(2026, 4, 2, 15, 0))
    assert comparison.last_week_until == paris(2026, 3, 26, 15, 0)
    assert comparison.last_week_until.utcoffset() == timedelta(hours=1)


# The dashboard page ---------------------------------------------------------------------------------


def _panel(html: str, css_class: str) -> str:
    start = html.index(f'class="w-mb-8 {css_class}"')
    return html[start: html.index("</section>", start)]


def test_merchant_home_page_shows_their_money_panel_and_no_territory_panel(books, frozen):
    response = client_for(books["atelier"]).get("/admin/")

    assert response.status_code == 200
    html = response.content.decode()
    panel = _panel(html, "money-panel")
    assert 'class="money-panel__to-prepare" data-count="3" href="/admin/commandes/?fulfilment_status=ready"' in panel
    assert "3 à préparer" in panel
    assert 'data-count="1" href="/admin/commandes/?fulfilment_status=ready_for_pickup">1 prête à retirer' in panel
    assert "Aujourd'hui : 12,50\u00a0€" in panel
    assert "Depuis lundi 07/12/2026 : 150,00\u00a0€, 3 commandes" in panel
    assert "Remboursé cette semaine : 12,50\u00a0€" in panel
    assert "1 bon en cours : 25,00\u00a0€" in panel
    assert "1 utilisation cette semaine : 20,00\u00a0€" in panel
    assert "126,32\u00a0€ (frais de virement 0,18\u00a0€ déduits)" in panel
    assert "Semaine du 30/11/2026 : 45,82\u00a0€ versés" in panel
    # Only the atelier's figures: the épicerie's honey (8,30 €) is nowhere.
    assert "8,30" not in panel and "Épicerie" not in panel
    assert "week-sales-panel" not in html


def test_merchant_panel_in_english(books, frozen):
    # The admin's language is the account's.
    profile = UserProfile.get_for_user(books["atelier"])
    profile.preferred_language = "en"
    profile.save()

    response = client_for(books["atelier"]).get("/admin/")

    panel = _panel(response.content.decode(), "money-panel")
    assert "3 to prepare" in panel
    assert "Today: €12.50" in panel
    assert "Since Monday 07/12/2026: €150.00, 3 orders" in panel
    assert "€126.32 (transfer fee €0.18 deducted)" in panel
    assert "Week of 30/11/2026: €45.82 paid" in panel


def test_editor_home_page_shows_their_territory_only(books, frozen):
    editor = User.objects.create_user("editrice-morlaix")
    make_editor(editor, books["m"].territory)

    html = client_for(editor).get("/admin/").content.decode()

    panel = _panel(html, "week-sales-panel")
    assert f'data-territory="{books["m"].territory.pk}" data-this-week="158.30" data-last-week="33.30" data-change="125.00"' in panel
    assert "+125,00\u00a0€ (+375\u00a0%)" in panel
    assert "Pays de Brest" not in panel and "week-sales-panel__total" not in panel
    assert "money-panel" not in html


def test_superuser_home_page_shows_every_territory_and_the_total(books, frozen, django_assert_max_num_queries):
    operator = User.objects.create_superuser("operateur", "operateur@example.org", "secret")
    client = client_for(operator)

    html = client.get("/admin/").content.decode()

    panel = _panel(html, "week-sales-panel")
    assert f'data-territory="{books["brest"].pk}" data-this-week="9.00" data-last-week="18.00" data-change="-9.00"' in panel
    assert "-9,00\u00a0€ (-50\u00a0%)" in panel
    assert 'class="week-sales-panel__total" data-this-week="167.30" data-last-week="51.30" data-change="116.00"' in panel
    # The list of territories and four sums, whatever the number of territories.
    request = RequestFactory().get("/admin/")
    request.user = operator
    with django_assert_max_num_queries(5):
        md.TerritorySalesPanel.for_request(request).render_html({})
