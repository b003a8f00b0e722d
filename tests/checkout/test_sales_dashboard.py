"""The territories' sales dashboard: figures from the ledger, by Paris day, for those who edit the territory only.

Pays de Morlaix (commission 8 %), from Tuesday 24 to Thursday 26 November 2026:
- Tue 24 10:00, the atelier: 2 santons, 25.00 (commission 2.00);
- Thu 26 00:30 Paris (Wed 25 23:30 UTC), the épicerie: honey, 8.30 (commission 0.66);
- Thu 26 09:00: 10.00 of the santons refunded (commission returned 0.80);
- outside the range: Mon 23 23:59:59 and Fri 27 00:00:00, one santon each.
Pays de Brest (commission 5 %): Tue 24 12:00, a lighthouse, 9.00 (commission 0.45).
"""

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkout.billing import dashboard
from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order, refund_shop_order
from markets.editors import make_editor
from markets.models import CommissionRate, Territory
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, fake_payment
from tests.checkout.voucher_fixtures import client_for, merchant_of

PARIS = ZoneInfo("Europe/Paris")
START, END = date(2026, 11, 24), date(2026, 11, 26)
RANGE = {"start": "2026-11-24", "end": "2026-11-26"}
URL = "/admin/rapports/ventes/"


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def paid_order(territory, shop, product, quantity, at):
    deliveries = {shop.pk: DeliveryChoice(shop.delivery_options.get(kind=DeliveryKind.PICKUP, active=True).pk)}
    order = place_order(territory.pk, [BasketLine(product.pk, quantity)], deliveries, ALICE)
    confirm_payment(fake_payment(order).provider_id, to_cents(order.total), "eur", now=at)
    order.refresh_from_db()
    return order


@pytest.fixture
def sales(market, other_market, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "refund", lambda intent, amount, **options: f"re_test_{intent}")
    m = market
    brest_shop, lighthouse = other_market
    brest = Territory.objects.get(name="Pays de Brest")
    CommissionRate.objects.create(territory=brest, starts_on=date(2020, 1, 1), rate=Decimal("5.00"))

    paid_order(m.territory, m.atelier, m.santon, 1, paris(2026, 11, 23, 23, 59, 59))
    santons = paid_order(m.territory, m.atelier, m.santon, 2, paris(2026, 11, 24, 10, 0))
    paid_order(m.territory, m.epicerie, m.miel, 1, paris(2026, 11, 26, 0, 30))
    refund_shop_order(santons.shop_orders.get().pk, Decimal("10.00"), now=paris(2026, 11, 26, 9, 0))
    paid_order(m.territory, m.atelier, m.santon, 1, paris(2026, 11, 27, 0, 0, 0))
    paid_order(brest, brest_shop, lighthouse, 1, paris(2026, 11, 24, 12, 0))
    return {"morlaix": m.territory, "brest": brest, "market": m, "brest_shop": brest_shop, "lighthouse": lighthouse}


@pytest.fixture
def morlaix_editor(sales):
    user = User.objects.create_user("editrice-morlaix")
    make_editor(user, sales["morlaix"])
    return user


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operateur", "operateur@example.org", "secret")


def amounts(figures):
    return (figures.sales, figures.refunds, figures.commission, figures.orders)


# Figures --------------------------------------------------------------------------------------


def test_a_territorys_figures_over_two_days_with_a_refund(sales, django_assert_max_num_queries):
    # When the figures of Pays de Morlaix are read, in three queries whatever the number of shops and days
    with django_assert_max_num_queries(3):
        figures = dashboard.sales_dashboard([sales["morlaix"].pk], START, END)
    # Then the totals are, to the cent (Brest and the orders outside the range not counted)
    totals = figures.totals
    assert amounts(totals) == (Decimal("33.30"), Decimal("10.00"), Decimal("1.86"), 2)
    assert totals.active_shops == 2
    # By Paris day: the honey paid at 00:30 on the 26th is the 26th's, and the 25th is there with nothing
    assert [(d.day, *amounts(d)) for d in figures.days] == [
        (date(2026, 11, 24), Decimal("25.00"), Decimal("0.00"), Decimal("2.00"), 1),
        (date(2026, 11, 25), Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 0),
        (date(2026, 11, 26), Decimal("8.30"), Decimal("10.00"), Decimal("-0.14"), 1),
    ]
    # And the shops, best first
    assert [(s.name, *amounts(s)) for s in figures.top_shops] == [
        ("Atelier du Bois Flotté", Decimal("25.00"), Decimal("10.00"), Decimal("1.20"), 1),
        ("Épicerie Kerjean", Decimal("8.30"), Decimal("0.00"), Decimal("0.66"), 1),
    ]


def test_every_territory_for_the_platform(sales):
    figures = dashboard.sales_dashboard(None, START, END)
    assert amounts(figures.totals) == (Decimal("42.30"), Decimal("10.00"), Decimal("2.31"), 3)
    assert figures.totals.active_shops == 3
    assert [s.name for s in figures.top_shops] == ["Atelier du Bois Flotté", "Boutique de Brest", "Épicerie Kerjean"]


def test_the_range_edges_are_paris_midnights(sales):
    # Monday 23 alone holds the santon paid at 23:59:59; Friday 27 the one paid at 00:00:00
    monday = dashboard.sales_dashboard([sales["morlaix"].pk], date(2026, 11, 23), date(2026, 11, 23))
    friday = dashboard.sales_dashboard([sales["morlaix"].pk], date(2026, 11, 27), date(2026, 11, 27))
    assert amounts(monday.totals) == (Decimal("12.50"), Decimal("0.00"), Decimal("1.00"), 1)
    assert amounts(friday.totals) == (Decimal("12.50"), Decimal("0.00"), Decimal("1.00"), 1)


# The chart ------------------------------------------------------------------------------------


def test_the_chart_has_one_bar_per_day_and_says_what_it_shows(sales):
    figures = dashboard.sales_dashboard([sales["morlaix"].pk], START, END)
    svg = dashboard.sales_chart_svg(figures.days, title="Ventes par jour — Pays de Morlaix",
                                    desc=dashboard.chart_description(figures))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    ElementTree.fromstring(svg)  # well-formed
    assert svg.count('class="bar"') == 3
    assert 'role="img"' in svg and 'aria-labelledby="sales-chart-title sales-chart-desc"' in svg
    assert '<title id="sales-chart-title">Ventes par jour — Pays de Morlaix</title>' in svg
    assert (
        '<desc id="sales-chart-desc">Ventes TTC par jour du 24/11/2026 au 26/11/2026 : 33,30\xa0€ au total. '
        "Meilleur jour : 24/11/2026, 25,00\xa0€.</desc>"
    ) in svg
    # Each bar names its day and amount; the empty day is a bar of height 0; the axis is labelled
    assert "<title>24 nov. : 25,00\xa0€</title>" in svg
    assert 'height="0.0" fill="#9b1c2c"><title>25 nov. : 0,00\xa0€</title>' in svg
    assert ">26 nov.</text>" in svg and ">0\xa0€</text>" in svg and ">40\xa0€</text>" in svg
    # Nothing from elsewhere: no script, no link but the SVG namespace
    assert "<script" not in svg and svg.count("http") == 1


def test_the_tallest_bar_fills_the_axis_and_heights_are_proportional(sales):
    days = [dashboard.DayFigures(day=date(2026, 12, 1), sales=Decimal("100.00")),
            dashboard.DayFigures(day=date(2026, 12, 2), sales=Decimal("25.00"))]
    svg = dashboard.sales_chart_svg(days, title="t", desc="d")
    # Plot height 244 units; 100 € is the top of the axis (4 steps of 25 €)
    assert 'height="244.0"' in svg and 'height="61.0"' in svg
    assert ">100\xa0€</text>" in svg


@pytest.mark.parametrize(("maximum", "step"), [
    ("0", "1"), ("0.01", "1"), ("0.40", "1"), ("3.99", "1"), ("4.01", "2"), ("10", "5"), ("25", "10"), ("100", "25"),
    ("100.01", "50"), ("999", "250"), ("1234.56", "500"), ("40000", "10000"),
])
def test_the_axis_step_is_a_round_whole_amount(maximum, step):
    assert dashboard.nice_step(Decimal(maximum)) == Decimal(step)


def test_a_range_without_sales_draws_flat_bars(db):
    figures = dashboard.sales_dashboard([], START, END)
    svg = dashboard.sales_chart_svg(figures.days, title="t", desc=dashboard.chart_description(figures))
    assert svg.count('class="bar"') == 3 and svg.count('height="0.0"') == 3


# Who sees what ------------------------------------------------------------------------------


def test_an_editor_sees_their_territory(sales, morlaix_editor):
    response = client_for(morlaix_editor).get(URL, RANGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert response.context["figures"].totals.sales == Decimal("33.30")
    assert 'data-figure="sales">33,30\xa0€<' in content
    assert 'data-figure="orders">2<' in content
    assert 'data-figure="commission">1,86\xa0€<' in content
    assert 'data-figure="refunds">10,00\xa0€<' in content
    assert 'data-figure="active-shops">2<' in content
    assert content.count('class="bar"') == 3
    assert "Boutique de Brest" not in content
    # Only their territory is offered, not "all"
    assert [value for value, _label in response.context["form"].fields["territory"].choices] == [
        str(sales["morlaix"].pk)
    ]


def test_an_editor_cannot_ask_for_another_territory(sales, morlaix_editor):
    client = client_for(morlaix_editor)
    for territory in (sales["brest"].pk, "all", "x", 999_999):
        for export in ("", "days", "shops"):
            response = client.get(URL, {**RANGE, "territory": territory, "export": export})
            # Then the request is refused and shows no figure
            assert response.status_code == 400, (territory, export)
            assert response["Content-Type"].startswith("text/html")
            assert "figures" not in response.context
            assert "Boutique de Brest" not in response.content.decode()
            assert "9,00" not in response.content.decode()


def test_an_editor_of_brest_sees_only_brest(sales):
    user = User.objects.create_user("editeur-brest")
    make_editor(user, sales["brest"])
    response = client_for(user).get(URL, RANGE)
    assert response.status_code == 200
    assert amounts(response.context["figures"].totals) == (Decimal("9.00"), Decimal("0.00"), Decimal("0.45"), 1)
    assert "Atelier du Bois Flotté" not in response.content.decode()
    assert client_for(user).get(URL, {**RANGE, "territory": sales["morlaix"].pk}).status_code == 400


def test_the_platform_sees_all_and_can_pick_one(sales, operator):
    client = client_for(operator)
    everything = client.get(URL, RANGE)
    assert everything.status_code == 200
    assert everything.context["figures"].totals.sales == Decimal("42.30")
    brest = client.get(URL, {**RANGE, "territory": sales["brest"].pk})
    assert brest.context["figures"].totals.sales == Decimal("9.00")
    assert [label for _value, label in everything.context["form"].fields["territory"].choices] == [
        "Tous les territoires", "Pays de Brest", "Pays de Morlaix"
    ]


def test_a_merchant_is_refused_the_dashboard_and_does_not_see_it_in_the_menu(sales, morlaix_editor):
    merchant = merchant_of(sales["market"].atelier, "atelier")
    client = client_for(merchant)
    assert client.get(URL, RANGE).status_code == 403
    assert client.get(URL, {**RANGE, "export": "shops"}).status_code == 403
    assert URL not in client.get(reverse("wagtailadmin_home")).content.decode()
    # While the editor's menu has it
    assert URL in client_for(morlaix_editor).get(reverse("wagtailadmin_home")).content.decode()


def test_bad_dates_are_refused(sales, morlaix_editor):
    client = client_for(morlaix_editor)
    for bad in ({"start": "2026-11-26", "end": "2026-11-24"}, {"start": "2025-01-01", "end": "2026-11-26"},
                {"start": "hier", "end": "2026-11-26"}):
        response = client.get(URL, bad)
        assert response.status_code == 400, bad
        assert "figures" not in response.context


def test_the_default_range_is_the_last_30_days(sales, morlaix_editor):
    response = client_for(morlaix_editor).get(URL)
    figures = response.context["figures"]
    assert response.status_code == 200
    assert (figures.end - figures.start).days == 29 and len(figures.days) == 30


# CSV and queries ----------------------------------------------------------------------------


def test_csv_exports_by_day_and_by_shop(sales, morlaix_editor, django_assert_max_num_queries):
    client = client_for(morlaix_editor)
    # Session, user, admin access and the editor's territories take 8; the figures one
    with django_assert_max_num_queries(10):
        by_day = client.get(URL, {**RANGE, "export": "days"})
    assert by_day["Content-Disposition"] == 'attachment; filename="ventes-par-jour-2026-11-24-2026-11-26.csv"'
    assert list(csv.reader(io.StringIO(by_day.content.decode("utf-8-sig")), delimiter=";")) == [
        ["Jour", "Commandes payées", "Ventes TTC", "Remboursements", "Commission nette"],
        ["24/11/2026", "1", "25,00", "0,00", "2,00"],
        ["25/11/2026", "0", "0,00", "0,00", "0,00"],
        ["26/11/2026", "1", "8,30", "10,00", "-0,14"],
    ]
    with django_assert_max_num_queries(10):
        by_shop = client.get(URL, {**RANGE, "export": "shops"})
    assert list(csv.reader(io.StringIO(by_shop.content.decode("utf-8-sig")), delimiter=";")) == [
        ["Boutique", "Commandes payées", "Ventes TTC", "Remboursements", "Commission nette"],
        ["Atelier du Bois Flotté", "1", "25,00", "10,00", "1,20"],
        ["Épicerie Kerjean", "1", "8,30", "0,00", "0,66"],
    ]


def test_the_pages_queries_do_not_grow_with_shops_and_days(sales, operator, django_assert_max_num_queries):
    # Given the page's query count over the Morlaix sales
    client = client_for(operator)
    client.get(URL, RANGE)  # warm the per-process caches (content types, site)
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, RANGE).status_code == 200
    # When more shops sell on more days
    m = sales["market"]
    paid_order(m.territory, m.epicerie, m.atelier_visite, 1, paris(2026, 11, 25, 11, 0))
    paid_order(m.territory, m.atelier, m.santon, 1, paris(2026, 11, 25, 16, 0))
    paid_order(sales["brest"], sales["brest_shop"], sales["lighthouse"], 1, paris(2026, 11, 26, 18, 0))
    # Then the page makes no more queries than before
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(URL, RANGE)
    assert response.context["figures"].totals.active_shops == 3
