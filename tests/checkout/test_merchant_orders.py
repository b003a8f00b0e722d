"""The merchant's orders in the Wagtail admin: who sees what, filters, export, fulfilment, archive, refunds."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.admin.menu import admin_menu
from wagtail.models import ModelLogEntry

from checkout.models import FulfilmentStatus, LedgerEntry, Order, OrderStatus, Refund, RefundState, ShopOrder
from checkout.payments.gateway import GatewayError
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order, start_payment
from markets.editors import ADMIN_ACCESS, grant_model_permissions, make_editor
from markets.merchants import make_merchant
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, fake_payment, one_product_order, two_shop_order
from tests.fixtures.queries import explain_difference

INDEX = "/admin/commandes/"


def url(shop_order, action=""):
    suffix = f"{action}/" if action else ""
    return f"/admin/commandes/{shop_order.pk}/{suffix}"


ACTIONS = ["preparation", "archiver", "desarchiver", "rembourser"]


def paid(order):
    """Pay `order` as the webhook would, without a provider."""
    payment = fake_payment(order)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    order.refresh_from_db()
    return order


def user_of(shop, username):
    user = User.objects.create_user(username, password="secret", email=f"{username}@example.org")
    make_merchant(user, shop)
    return user


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def listed(response):
    assert response.status_code == 200
    return [shop_order.pk for shop_order in response.context["object_list"]]


def not_found(response) -> bool:
    """A 404, possibly after LocaleMiddleware's redirect of an unknown path to its /fr/ twin (a 404 too)."""
    hops = [target for target, _status in response.redirect_chain]
    return response.status_code == 404 and all(target.startswith("/fr/admin/commandes/") for target in hops)


def logs(shop_order):
    return list(ModelLogEntry.objects.for_instance(shop_order).order_by("pk").values_list("action", "data"))


def shop_order_of(order, shop):
    return order.shop_orders.get(shop__translation_key=shop.translation_key)


@pytest.fixture
def atelier_merchant(market):
    return user_of(market.atelier, "atelier")


@pytest.fixture
def epicerie_merchant(market):
    return user_of(market.epicerie, "epicerie")


# Who sees what ---------------------------------------------------------------


def test_merchant_lists_only_their_shops_orders(market, atelier_merchant):
    # given a paid order across the atelier and the épicerie
    order = paid(two_shop_order(market))
    atelier, epicerie = shop_order_of(order, market.atelier), shop_order_of(order, market.epicerie)
    # when the atelier's merchant opens the list
    response = client_for(atelier_merchant).get(INDEX)
    # then only the atelier's part is there, with its number, customer, delivery, total and state
    assert listed(response) == [atelier.pk]
    assert list(response.context["table"].columns) == [
        "number", "created", "customer", "delivery_kind", "total", "fulfilment_status"
    ]
    html = response.content.decode()
    assert f"{order.pk:06d}" in html
    assert "Alice Le Goff" in html
    assert "Retrait en boutique" in html
    assert "25,00\xa0€" in html
    assert "À préparer" in html
    assert "Épicerie Kerjean" not in html
    assert epicerie.pk not in listed(response)


def test_another_shops_order_answers_404_everywhere_and_nothing_changes(
    market, stripe, atelier_merchant, django_capture_on_commit_callbacks
):
    # given a paid order; its épicerie part is not the atelier's
    order = paid_through_stripe(market, stripe)
    epicerie = shop_order_of(order, market.epicerie)
    client = client_for(atelier_merchant)
    mail.outbox.clear()
    # when the atelier's merchant tries its detail and every action
    with django_capture_on_commit_callbacks(execute=True):
        responses = [client.get(url(epicerie), follow=True)]
        responses += [client.get(url(epicerie, action), follow=True) for action in ACTIONS]
        responses += [client.post(url(epicerie, "preparation"), {"status": "shipped"}, follow=True)]
        responses += [client.post(url(epicerie, "archiver"), follow=True)]
        responses += [client.post(url(epicerie, "desarchiver"), follow=True)]
        responses += [client.post(url(epicerie, "rembourser"), {"amount": "13.30"}, follow=True)]
    # then every answer is 404 and the order is as it was
    assert [not_found(r) for r in responses] == [True] * 9
    epicerie.refresh_from_db()
    assert (epicerie.fulfilment_status, epicerie.archived) == (FulfilmentStatus.TO_PREPARE, False)
    assert Refund.objects.count() == 0
    assert stripe.refunds(order.payments.get().provider_id) == []
    assert epicerie.ledger_entries.count() == 2
    assert logs(epicerie) == []
    assert mail.outbox == []


def test_territory_editor_sees_their_territorys_orders_only(market, other_market):
    # given paid orders in Morlaix (two shops) and in Brest
    brest_shop, phare = other_market
    morlaix_order = paid(two_shop_order(market))
    brest_order = paid(
        place_order(
            brest_shop.get_parent().specific.territory.pk,
            [BasketLine(phare.pk, 1)],
            {brest_shop.pk: DeliveryChoice(brest_shop.delivery_options.get().pk)},
            ALICE,
        )
    )
    editor = User.objects.create_user("office-morlaix")
    make_editor(editor, market.territory)
    client = client_for(editor)
    # when the Morlaix editor opens the list and the Brest order
    response = client.get(INDEX)
    brest = brest_order.shop_orders.get()
    # then they see both Morlaix shop orders, with a shop column, and not Brest's
    assert sorted(listed(response)) == sorted(morlaix_order.shop_orders.values_list("pk", flat=True))
    assert list(response.context["table"].columns) == [
        "number", "created", "trade_name", "customer", "delivery_kind", "total", "fulfilment_status"
    ]
    assert not_found(client.get(url(brest), follow=True))
    assert not_found(client.post(url(brest, "archiver"), follow=True))
    brest.refresh_from_db()
    assert brest.archived is False


def test_anonymous_is_sent_to_login_and_changes_nothing(market):
    order = paid(two_shop_order(market))
    atelier = shop_order_of(order, market.atelier)
    client = Client()
    # when someone not logged in asks for the list, a detail and an action
    responses = [client.get(INDEX), client.get(url(atelier)), client.post(url(atelier, "archiver"))]
    # then each is redirected to the admin login
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert all(r["Location"].startswith("/admin/login/?next=") for r in responses)
    atelier.refresh_from_db()
    assert atelier.archived is False


def test_menu_shown_to_those_who_manage_a_shop_only(market, atelier_merchant, rf):
    # given a merchant and an admin user who manages no shop
    stranger = User.objects.create_user("stranger")
    group = Group.objects.create(name="Admin only")
    grant_model_permissions(group, [ADMIN_ACCESS])
    stranger.groups.add(group)

    def menu_names(user):
        reverse("commandes:index")  # the viewset's menu item exists once the admin URLs are loaded
        request = rf.get("/admin/")
        request.user = user
        return [item.name for item in admin_menu.menu_items_for_request(request)]

    # then only the merchant has the "Commandes" menu, and the stranger cannot open the list
    assert "orders" in menu_names(atelier_merchant)
    assert "orders" not in menu_names(stranger)
    response = client_for(stranger).get(INDEX)
    assert (response.status_code, response["Location"]) == (302, "/admin/")  # Wagtail's "permission denied"


# Filters ---------------------------------------------------------------------


def test_list_shows_paid_current_orders_by_default_and_filters_show_the_rest(market, epicerie_merchant):
    # given épicerie orders: paid, pending, failed, expired-later-shown, and paid-then-archived
    m = market
    paid_order = shop_order_of(paid(one_product_order(m, m.atelier_visite)), m.epicerie)
    pending = shop_order_of(one_product_order(m, m.atelier_visite), m.epicerie)
    failed_order = one_product_order(m, m.atelier_visite)
    # A payment refused before declined attempts kept the order payable.
    Order.objects.filter(pk=failed_order.pk).update(status=OrderStatus.FAILED)
    failed = shop_order_of(failed_order, m.epicerie)
    archived = shop_order_of(paid(one_product_order(m, m.atelier_visite)), m.epicerie)
    ShopOrder.objects.filter(pk=archived.pk).update(archived=True)
    client = client_for(epicerie_merchant)
    # then the default list is the paid, non-archived order only
    assert listed(client.get(INDEX)) == [paid_order.pk]
    # and filters bring the others in
    assert listed(client.get(INDEX, {"status": "pending"})) == [pending.pk]
    assert listed(client.get(INDEX, {"status": "failed"})) == [failed.pk]
    assert sorted(listed(client.get(INDEX, {"status": "all"}))) == sorted([paid_order.pk, pending.pk, failed.pk])
    assert listed(client.get(INDEX, {"archived": "yes"})) == [archived.pk]
    assert sorted(listed(client.get(INDEX, {"archived": "all"}))) == sorted([paid_order.pk, archived.pk])
    # and a malformed filter falls back to the default, never to everything
    assert listed(client.get(INDEX, {"status": "bogus", "archived": "bogus"})) == [paid_order.pk]


def test_filters_by_fulfilment_delivery_mode_and_date(market, atelier_merchant):
    m = market
    pickup = shop_order_of(paid(one_product_order(m, m.santon)), m.atelier)
    postal_order = place_order(
        m.territory.pk,
        [BasketLine(m.santon.pk, 1)],
        {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.POSTAL).pk, "1 rue du Port\n29600 Morlaix")},
        ALICE,
    )
    postal = shop_order_of(paid(postal_order), m.atelier)
    ShopOrder.objects.filter(pk=postal.pk).update(fulfilment_status=FulfilmentStatus.SHIPPED)
    Order.objects.filter(pk=pickup.order_id).update(created_at=datetime.datetime(2025, 12, 1, 10, tzinfo=datetime.UTC))
    Order.objects.filter(pk=postal.order_id).update(created_at=datetime.datetime(2025, 12, 10, 10, tzinfo=datetime.UTC))
    client = client_for(atelier_merchant)

    assert listed(client.get(INDEX)) == [postal.pk, pickup.pk]  # newest first
    assert listed(client.get(INDEX, {"fulfilment_status": "shipped"})) == [postal.pk]
    assert listed(client.get(INDEX, {"fulfilment_status": "ready"})) == [pickup.pk]
    assert listed(client.get(INDEX, {"delivery_kind": "pickup"})) == [pickup.pk]
    assert listed(client.get(INDEX, {"delivery_kind": "postal"})) == [postal.pk]
    assert listed(client.get(INDEX, {"created_from": "2025-12-05"})) == [postal.pk]
    assert listed(client.get(INDEX, {"created_to": "2025-12-01"})) == [pickup.pk]
    assert listed(client.get(INDEX, {"created_from": "2025-12-02", "created_to": "2025-12-09"})) == []


def test_list_query_count_does_not_grow_with_orders(market, epicerie_merchant):
    # given 3 paid orders, then 30
    m = market
    client = client_for(epicerie_merchant)

    def make(n):
        for _ in range(n):
            paid(one_product_order(m, m.atelier_visite))

    def count(params=None):
        client.get(INDEX, params)  # warm-up: sessions, content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(INDEX, params)
            assert response.status_code == 200
            if params and "export" in params:
                b"".join(response.streaming_content)
        return [q["sql"] for q in captured.captured_queries]

    make(3)
    small, small_export = count(), count({"export": "csv"})
    make(27)
    large, large_export = count(), count({"export": "csv"})
    # then the list and the export cost the same number of queries
    assert len(listed(client.get(INDEX))) == 30
    assert len(large) == len(small), explain_difference(small, large)
    assert len(large_export) == len(small_export), explain_difference(small_export, large_export)


# Export ------------------------------------------------------------------------


def test_csv_export_has_exact_columns_and_lines(market, atelier_merchant):
    # given a paid postal order of 2 santons and a bonnet in size M, placed on 12 December at 14:30 in Paris
    m = market
    order = place_order(
        m.territory.pk,
        [BasketLine(m.santon.pk, 2), BasketLine(m.bonnet.pk, 1, {"Taille": "M"})],
        {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.POSTAL).pk, "1 rue du Port\n29600 Morlaix")},
        ALICE,
    )
    paid(order)
    Order.objects.filter(pk=order.pk).update(created_at=datetime.datetime(2025, 12, 12, 13, 30, tzinfo=datetime.UTC))
    # when the merchant downloads the CSV
    response = client_for(atelier_merchant).get(INDEX, {"export": "csv"})
    # then it has one row with exactly these values
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="commandes.csv"'
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows == [
        [
            "N° de commande", "Date", "Boutique", "Client", "E-mail", "Téléphone", "Paiement",
            "Mode de livraison", "Adresse de livraison", "Articles", "Sous-total", "Frais de livraison",
            "Total TTC", "Commission", "Remboursé", "Préparation", "Archivée",
        ],
        [
            f"{order.pk:06d}", "12/12/2025 14:30", "Atelier du Bois Flotté", "Alice Le Goff", "alice@example.org",
            "06 12 34 56 78", "Payée", "Envoi postal", "1 rue du Port\n29600 Morlaix",
            "2 × Santon en bois à 12,50\xa0€ = 25,00\xa0€ | 1 × Bonnet en laine (Taille : M) à 20,00\xa0€ = 20,00\xa0€",
            "45,00", "7,90", "52,90", "4,23", "0,00", "À préparer", "non",
        ],
    ]
    # and the spreadsheet export of the same list works too
    xlsx = client_for(atelier_merchant).get(INDEX, {"export": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == 'attachment; filename="commandes.xlsx"'


# Detail ------------------------------------------------------------------------


def test_detail_shows_contact_delivery_lines_commission_and_refundable(market, epicerie_merchant):
    # given a paid order whose épicerie part is honey, delivered at home for 5.00
    order = paid(two_shop_order(market))
    epicerie = shop_order_of(order, market.epicerie)
    # when the épicerie opens it
    response = client_for(epicerie_merchant).get(url(epicerie))
    # then everything needed to prepare and deliver it is there
    assert response.status_code == 200
    html = response.content.decode()
    for text in [
        "Alice Le Goff", "alice@example.org", "06 12 34 56 78", "Livraison à domicile",
        "2 place des Otages<br>29600 Morlaix", "Miel de bruyère", "8,30\xa0€", "5,00\xa0€", "13,30\xa0€",
        "1,06\xa0€ (8 %)", "À préparer", "Marquer comme expédiée", "Archiver", "Rembourser",
    ]:
        assert text in html, text
    assert response.context["refundable"] == Decimal("13.30")
    assert response.context["refunded"] == Decimal("0.00")
    assert "Marquer comme retirée" not in html


def test_detail_of_a_pickup_shows_instructions_and_options(market, atelier_merchant):
    m = market
    order = place_order(
        m.territory.pk,
        [BasketLine(m.bonnet.pk, 3, {"Taille": "L"})],
        {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)},
        ALICE,
    )
    atelier = shop_order_of(paid(order), m.atelier)
    html = client_for(atelier_merchant).get(url(atelier)).content.decode()
    assert "En boutique, du mardi au samedi, 10 h – 19 h" in html
    assert "Taille : L" in html
    assert "60,00\xa0€" in html
    assert "Marquer comme retirée" in html
    assert "Marquer comme expédiée" not in html


# Fulfilment, archive -----------------------------------------------------------


def test_pickup_order_is_collected_then_back_to_ready_each_step_logged(market, atelier_merchant):
    order = paid(two_shop_order(market))
    atelier = shop_order_of(order, market.atelier)
    client = client_for(atelier_merchant)
    # when the merchant marks it collected
    response = client.post(url(atelier, "preparation"), {"status": "collected"})
    # then it is, and the log says who did what
    assert response.status_code == 302
    assert response["Location"] == url(atelier)
    atelier.refresh_from_db()
    assert atelier.fulfilment_status == FulfilmentStatus.COLLECTED
    entry = ModelLogEntry.objects.for_instance(atelier).get()
    assert (entry.action, entry.data, entry.user) == (
        "checkout.shop_order.fulfilment",
        {"from": "ready", "to": "collected"},
        atelier_merchant,
    )
    assert entry.message == "Préparation : À préparer → Retirée"
    # when they go back to ready
    client.post(url(atelier, "preparation"), {"status": "ready"})
    atelier.refresh_from_db()
    assert atelier.fulfilment_status == FulfilmentStatus.TO_PREPARE
    assert logs(atelier) == [
        ("checkout.shop_order.fulfilment", {"from": "ready", "to": "collected"}),
        ("checkout.shop_order.fulfilment", {"from": "collected", "to": "ready"}),
    ]


def test_pickup_cannot_be_shipped_nor_home_delivery_collected(market, atelier_merchant, epicerie_merchant):
    order = paid(two_shop_order(market))
    atelier, epicerie = shop_order_of(order, market.atelier), shop_order_of(order, market.epicerie)
    # when each merchant asks for a step that does not fit the delivery mode, or nonsense
    responses = [
        client_for(atelier_merchant).post(url(atelier, "preparation"), {"status": "shipped"}),
        client_for(atelier_merchant).post(url(atelier, "preparation"), {"status": "ready"}),
        client_for(atelier_merchant).post(url(atelier, "preparation"), {"status": "lost"}),
        client_for(epicerie_merchant).post(url(epicerie, "preparation"), {"status": "collected"}),
        client_for(epicerie_merchant).post(url(epicerie, "preparation"), {}),
    ]
    # then nothing changes and nothing is logged
    assert [r.status_code for r in responses] == [302] * 5
    atelier.refresh_from_db()
    epicerie.refresh_from_db()
    assert (atelier.fulfilment_status, epicerie.fulfilment_status) == ("ready", "ready")
    assert logs(atelier) == [] and logs(epicerie) == []


def test_home_delivery_is_shipped(market, epicerie_merchant):
    order = paid(two_shop_order(market))
    epicerie = shop_order_of(order, market.epicerie)
    client_for(epicerie_merchant).post(url(epicerie, "preparation"), {"status": "shipped"})
    epicerie.refresh_from_db()
    assert epicerie.fulfilment_status == FulfilmentStatus.SHIPPED
    assert logs(epicerie) == [("checkout.shop_order.fulfilment", {"from": "ready", "to": "shipped"})]


def test_unpaid_order_cannot_be_marked_collected(market, atelier_merchant):
    order = two_shop_order(market)
    atelier = shop_order_of(order, market.atelier)
    client_for(atelier_merchant).post(url(atelier, "preparation"), {"status": "collected"})
    atelier.refresh_from_db()
    assert atelier.fulfilment_status == FulfilmentStatus.TO_PREPARE
    assert logs(atelier) == []


def test_archive_then_unarchive_each_logged_once(market, atelier_merchant):
    order = paid(two_shop_order(market))
    atelier = shop_order_of(order, market.atelier)
    client = client_for(atelier_merchant)
    # when archived (twice: a double click)
    client.post(url(atelier, "archiver"))
    client.post(url(atelier, "archiver"))
    # then it leaves the default list, shows under the archived filter, and is logged once
    atelier.refresh_from_db()
    assert atelier.archived is True
    assert listed(client.get(INDEX)) == []
    archived_list = client.get(INDEX, {"archived": "yes"})
    assert listed(archived_list) == [atelier.pk]
    assert "À préparer, archivée" in archived_list.content.decode()
    assert logs(atelier) == [("checkout.shop_order.archive", {})]
    # when unarchived
    response = client.post(url(atelier, "desarchiver"))
    assert response.status_code == 302
    atelier.refresh_from_db()
    assert atelier.archived is False
    assert listed(client.get(INDEX)) == [atelier.pk]
    assert logs(atelier) == [("checkout.shop_order.archive", {}), ("checkout.shop_order.unarchive", {})]


def test_get_on_action_urls_changes_nothing(market, atelier_merchant):
    order = paid(two_shop_order(market))
    atelier = shop_order_of(order, market.atelier)
    client = client_for(atelier_merchant)
    # when the actions are fetched with GET (a link, a prefetch)
    responses = {action: client.get(url(atelier, action), {"status": "collected"}) for action in ACTIONS}
    # then the state-changing ones refuse the method, the refund one shows its form, and nothing changes
    assert {a: r.status_code for a, r in responses.items()} == {
        "preparation": 405, "archiver": 405, "desarchiver": 405, "rembourser": 200
    }
    assert "Montant à rembourser" in responses["rembourser"].content.decode()
    atelier.refresh_from_db()
    assert (atelier.fulfilment_status, atelier.archived) == (FulfilmentStatus.TO_PREPARE, False)
    assert Refund.objects.count() == 0
    assert logs(atelier) == []


def test_actions_need_the_csrf_token(market, atelier_merchant):
    order = paid(two_shop_order(market))
    atelier = shop_order_of(order, market.atelier)
    client = Client(enforce_csrf_checks=True)
    client.force_login(atelier_merchant)
    responses = [
        client.post(url(atelier, "preparation"), {"status": "collected"}),
        client.post(url(atelier, "archiver")),
        client.post(url(atelier, "rembourser"), {"amount": "1.00"}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    atelier.refresh_from_db()
    assert (atelier.fulfilment_status, atelier.archived) == (FulfilmentStatus.TO_PREPARE, False)
    assert Refund.objects.count() == 0


# Refunds through localstripe ---------------------------------------------------


def paid_through_stripe(m, stripe):
    """Two-shop order of 38.30 paid with the test card; the épicerie's 13.30 carries 1.06 commission."""
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    assert stripe.pay(payment.provider_id) == "succeeded"
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def ledger_of(shop_order):
    return list(shop_order.ledger_entries.order_by("pk").values_list("kind", "amount"))


def test_full_refund_by_the_merchant(market, stripe, epicerie_merchant, django_capture_on_commit_callbacks):
    # given the épicerie's paid part of 13.30
    order = paid_through_stripe(market, stripe)
    epicerie = shop_order_of(order, market.epicerie)
    mail.outbox.clear()
    client = client_for(epicerie_merchant)
    # when the merchant refunds it all, typing the amount the French way
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(epicerie, "rembourser"), {"amount": "13,30"})
    # then Stripe refunded 13.30, the ledger returns the commission, Alice gets one e-mail, the log says so
    assert response.status_code == 302
    assert response["Location"] == url(epicerie)
    assert [r["amount"] for r in stripe.refunds(order.payments.get().provider_id)] == [1330]
    refund = Refund.objects.get()
    assert (refund.shop_order_id, refund.amount, refund.state, refund.created_by) == (
        epicerie.pk, Decimal("13.30"), RefundState.SUCCEEDED, epicerie_merchant
    )
    assert ledger_of(epicerie) == [
        ("sale", Decimal("13.30")),
        ("commission", Decimal("-1.06")),
        ("refund", Decimal("-13.30")),
        ("commission_returned", Decimal("1.06")),
    ]
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert logs(epicerie) == [("checkout.shop_order.refund", {"amount": "13.30", "refund": refund.pk})]
    # and the detail shows nothing left to refund, and no refund form
    detail = client.get(url(epicerie))
    assert detail.context["refundable"] == Decimal("0.00")
    assert detail.context["refunded"] == Decimal("13.30")
    assert detail.context["refund_form"] is None
    assert "Remboursement de 13,30\xa0€" in detail.content.decode()


def test_partial_refund_by_the_merchant(market, stripe, epicerie_merchant, django_capture_on_commit_callbacks):
    order = paid_through_stripe(market, stripe)
    epicerie = shop_order_of(order, market.epicerie)
    mail.outbox.clear()
    # when 5.00 of 13.30 is refunded
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(epicerie_merchant).post(url(epicerie, "rembourser"), {"amount": "5.00"})
    # then the commission on 5.00 comes back (1.06 × 5.00 / 13.30 = 0.398 → 0.40), 8.30 is left
    assert response.status_code == 302
    assert [r["amount"] for r in stripe.refunds(order.payments.get().provider_id)] == [500]
    assert ledger_of(epicerie)[2:] == [("refund", Decimal("-5.00")), ("commission_returned", Decimal("0.40"))]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    detail = client_for(epicerie_merchant).get(url(epicerie))
    assert detail.context["refundable"] == Decimal("8.30")
    assert detail.context["net_commission"] == Decimal("0.66")
    # and the list shows the refund beside the total
    assert "13,30\xa0€ (remboursé : 5,00\xa0€)" in client_for(epicerie_merchant).get(INDEX).content.decode()


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("13.31", "Vous pouvez rembourser au plus 13,30\xa0€."),
        ("100", "Vous pouvez rembourser au plus 13,30\xa0€."),
        ("1e2", "Vous pouvez rembourser au plus 13,30\xa0€."),
        ("0", "Indiquez un montant positif."),
        ("0,00", "Indiquez un montant positif."),
        ("-1.00", "Indiquez un montant positif."),
        ("1.005", "Indiquez le montant au centime près (deux décimales au plus)."),
        ("abc", "Indiquez un montant en euros, par exemple 12,50."),
        ("NaN", "Indiquez un montant en euros, par exemple 12,50."),
        ("Infinity", "Indiquez un montant en euros, par exemple 12,50."),
        ("", "Indiquez le montant à rembourser."),
    ],
)
def test_refund_beyond_refundable_or_malformed_is_refused_and_changes_nothing(
    market, stripe, epicerie_merchant, django_capture_on_commit_callbacks, amount, error
):
    order = paid_through_stripe(market, stripe)
    epicerie = shop_order_of(order, market.epicerie)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(epicerie_merchant).post(url(epicerie, "rembourser"), {"amount": amount})
    # then the form comes back with the reason and nothing moved
    assert response.status_code == 200
    assert response.context["form"].errors == {"amount": [error]}
    assert Refund.objects.count() == 0
    assert stripe.refunds(order.payments.get().provider_id) == []
    assert ledger_of(epicerie) == [("sale", Decimal("13.30")), ("commission", Decimal("-1.06"))]
    assert mail.outbox == []
    assert logs(epicerie) == []


def test_refund_beyond_what_is_left_after_a_partial_refund(
    market, stripe, epicerie_merchant, django_capture_on_commit_callbacks
):
    order = paid_through_stripe(market, stripe)
    epicerie = shop_order_of(order, market.epicerie)
    client = client_for(epicerie_merchant)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(epicerie, "rembourser"), {"amount": "10.00"})
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(epicerie, "rembourser"), {"amount": "3.31"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"amount": ["Vous pouvez rembourser au plus 3,30\xa0€."]}
    assert Refund.objects.count() == 1
    assert len(stripe.refunds(order.payments.get().provider_id)) == 1
    assert mail.outbox == []


def test_unpaid_order_cannot_be_refunded(market, epicerie_merchant):
    order = two_shop_order(market)
    epicerie = shop_order_of(order, market.epicerie)
    response = client_for(epicerie_merchant).post(url(epicerie, "rembourser"), {"amount": "1.00"})
    assert response.status_code == 200
    assert response.context["refusal"] == "Seule une commande payée peut être remboursée."
    assert "Seule une commande payée peut être remboursée." in response.content.decode()
    assert Refund.objects.count() == 0
    assert LedgerEntry.objects.count() == 0
    assert logs(epicerie) == []


def test_refund_refused_by_the_provider_is_shown_on_the_form(
    market, stripe, epicerie_merchant, django_capture_on_commit_callbacks, monkeypatch
):
    # given a paid order, and the payment provider refusing the refund (no answer at all is another
    # story, the refund's outcome is then unknown: see test_refund_recovery)
    order = paid_through_stripe(market, stripe)
    epicerie = shop_order_of(order, market.epicerie)

    def refuse(*args, **kwargs):
        raise GatewayError("Charge ch_3QxRecorded0Charge has already been refunded.")

    monkeypatch.setattr("checkout.payments.gateway.refund", refuse)
    mail.outbox.clear()
    # when the merchant refunds 5.00
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(epicerie_merchant).post(url(epicerie, "rembourser"), {"amount": "5.00"})
    # then the refusal is on the form, and no money moved on our side
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "amount": ["Le remboursement a été refusé par le prestataire de paiement."]
    }
    assert list(Refund.objects.values_list("amount", "state")) == [(Decimal("5.00"), RefundState.FAILED)]
    assert ledger_of(epicerie) == [("sale", Decimal("13.30")), ("commission", Decimal("-1.06"))]
    assert mail.outbox == []
    assert logs(epicerie) == []

