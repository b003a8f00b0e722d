"""A bundle in the merchants' admin: the participant finds its part, with what it needs to provide it, and no more.

The épicerie sells the "Coffret Noël breton" (60.00); the atelier provides
a santon for 30 % of it (18.00).
"""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from checkout.billing import reports
from checkout.billing.statements import build_weekly_statements
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, breton_bundle, fake_payment
from tests.checkout.statement_helpers import paris
from tests.checkout.test_merchant_orders import INDEX, client_for, listed, not_found, paid, url, user_of
from tests.fixtures.queries import explain_difference

PART = "Part du coffret « Coffret Noël breton » vendu par Épicerie Kerjean"
PHONE = "06 12 34 56 78"


@pytest.fixture
def bundle(market):
    return breton_bundle(market, with_santon=False)


@pytest.fixture
def atelier_merchant(market):
    return user_of(market.atelier, "atelier")


@pytest.fixture
def epicerie_merchant(market):
    return user_of(market.epicerie, "epicerie")


def bundle_order(market, bundle, *, santon=False):
    """A paid order of one bundle; with `santon`, a santon of the atelier too, picked up."""
    lines = [BasketLine(bundle.pk, 1)]
    deliveries = {}
    if santon:
        lines.append(BasketLine(market.santon.pk, 1))
        deliveries[market.atelier.pk] = DeliveryChoice(market.option(market.atelier, DeliveryKind.PICKUP).pk)
    return paid(place_order(market.territory.pk, lines, deliveries, ALICE))


def test_the_participant_lists_the_order_of_its_part_labelled_with_the_bundle_and_its_seller(
    market, bundle, atelier_merchant, epicerie_merchant
):
    order = bundle_order(market, bundle)
    atelier_so, epicerie_so = order.shop_orders.get(shop=market.atelier), order.shop_orders.get(shop=market.epicerie)

    response = client_for(atelier_merchant).get(INDEX)

    assert listed(response) == [atelier_so.pk]
    html = response.content.decode()
    assert PART in html
    assert "18,00\xa0€" in html and "Envoyée par e-mail" in html
    # the seller lists its own part, as any order of its own: no label
    seller = client_for(epicerie_merchant).get(INDEX)
    assert listed(seller) == [epicerie_so.pk]
    assert "Part du coffret" not in seller.content.decode()


def test_the_participant_sees_only_the_customers_name_and_email(market, bundle, atelier_merchant):
    order = bundle_order(market, bundle)
    atelier_so = order.shop_orders.get(shop=market.atelier)

    response = client_for(atelier_merchant).get(url(atelier_so))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ["Alice Le Goff", "alice@example.org", "Coffret Noël breton — Un santon sculpté", PART,
                 "18,00\xa0€", "1,44\xa0€ (8 %)"]:
        assert text in html, text
    # neither the phone nor anything of an address or a delivery
    for text in [PHONE, "Téléphone", "Adresse de livraison", "Mode de livraison"]:
        assert text not in html, text
    assert response.context["bundle_parts_only"] is True


def test_the_sellers_view_of_its_part_is_unchanged(market, bundle, epicerie_merchant):
    order = bundle_order(market, bundle)
    epicerie_so = order.shop_orders.get(shop=market.epicerie)

    response = client_for(epicerie_merchant).get(url(epicerie_so))

    html = response.content.decode()
    for text in ["Alice Le Goff", "alice@example.org", PHONE, "Mode de livraison",
                 "Coffret Noël breton — Un pot de miel et une visite", "42,00\xa0€"]:
        assert text in html, text
    assert "Part du coffret" not in html
    assert response.context["bundle_parts_only"] is False


def test_a_participant_with_its_own_products_in_the_order_sees_the_whole_contact(market, bundle, atelier_merchant):
    # given the customer also bought a santon at the atelier, to pick up
    order = bundle_order(market, bundle, santon=True)
    atelier_so = order.shop_orders.get(shop=market.atelier)

    html = client_for(atelier_merchant).get(url(atelier_so)).content.decode()

    # then the atelier has the phone and the pick-up to prepare, and the part is still labelled
    for text in [PHONE, "Retrait en boutique", "Santon en bois", PART, "30,50\xa0€"]:
        assert text in html, text


def test_the_participants_export_has_the_label_and_no_phone(market, bundle, atelier_merchant):
    order = bundle_order(market, bundle)

    response = client_for(atelier_merchant).get(INDEX, {"export": "csv"})

    content = b"".join(response.streaming_content).decode("utf-8")
    header, row = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    values = dict(zip(header, row, strict=True))
    assert values["N° de commande"] == f"{order.pk:06d}"
    assert (values["Client"], values["E-mail"], values["Téléphone"], values["Adresse de livraison"]) == (
        "Alice Le Goff", "alice@example.org", "", ""
    )
    assert values["Articles"] == f"1 × Coffret Noël breton — Un santon sculpté à 18,00\xa0€ = 18,00\xa0€ ({PART})"


def test_the_seller_does_not_open_the_participants_order(market, bundle, epicerie_merchant):
    order = bundle_order(market, bundle)
    atelier_so = order.shop_orders.get(shop=market.atelier)

    response = client_for(epicerie_merchant).get(url(atelier_so), follow=True)

    assert not_found(response)


def test_the_list_costs_the_same_queries_with_more_bundle_parts(market, bundle, atelier_merchant):
    client = client_for(atelier_merchant)

    def count(params=None):
        client.get(INDEX, params)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(INDEX, params)
            if params:
                b"".join(response.streaming_content)
        return [query["sql"] for query in captured.captured_queries]

    for _ in range(2):
        bundle_order(market, bundle)
    small, small_export = count(), count({"export": "csv"})
    for _ in range(6):
        bundle_order(market, bundle)
    large, large_export = count(), count({"export": "csv"})

    assert client.get(INDEX).content.decode().count(PART) == 8
    assert len(large) == len(small), explain_difference(small, large)
    assert len(large_export) == len(small_export), explain_difference(small_export, large_export)


def test_the_weekly_report_names_each_shops_part(market, bundle):
    order = place_order(market.territory.pk, [BasketLine(bundle.pk, 2)], {}, ALICE)
    payment = fake_payment(order)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur", now=paris(2026, 11, 24, 10, 0))

    statements = {s.shop_id: s for s in build_weekly_statements(date(2026, 11, 23), now=paris(2026, 11, 30, 6, 0))}

    atelier = reports.weekly_report(statements[market.atelier.pk])
    assert [(m.label, m.amount, m.commission) for m in atelier.movements] == [
        ("Vente", Decimal("36.00"), Decimal("-2.88"))
    ]
    assert [(v.name, v.amount) for v in atelier.vouchers] == [("Coffret Noël breton — Un santon sculpté",
                                                               Decimal("18.00"))] * 2
    html = reports.render_statement_html(statements[market.atelier.pk])
    assert "Coffret Noël breton — Un santon sculpté" in html
    epicerie = reports.weekly_report(statements[market.epicerie.pk])
    assert {v.name for v in epicerie.vouchers} == {"Coffret Noël breton — Un pot de miel et une visite"}
    assert epicerie.totals.amount == Decimal("84.00")
