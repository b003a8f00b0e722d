"""Fulfilment follows the delivery mode, and the customer is told: ready for collection, shipped (with tracking)."""

import datetime
import html

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format
from wagtail.models import ModelLogEntry

from checkout import tasks
from checkout.emails import order_url
from checkout.models import FulfilmentStatus, ShopOrder
from checkout.order_admin import next_fulfilment_statuses
from checkout.pricing import BasketError, BasketLine, DeliveryChoice, price_basket
from checkout.services import place_order
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE
from tests.checkout.voucher_fixtures import atelier_merchant, client_for, epicerie_merchant, pay  # noqa: F401
from tests.fixtures import factories as f

ATELIER_STREET = "12 quai de Léon"
ATELIER_HOURS = "Du mardi au samedi, 10 h – 19 h\nLe dimanche 21 décembre, 14 h – 18 h"
PICKUP_INSTRUCTIONS = "En boutique, du mardi au samedi, 10 h – 19 h"  # the factory's pick-up option
TRACKING_URL = "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
ADDRESS = "1 rue du Port\n29600 Morlaix"


def action_url(shop_order):
    return f"/admin/commandes/{shop_order.pk}/preparation/"


def detail_url(shop_order):
    return f"/admin/commandes/{shop_order.pk}/"


def with_atelier_address(m):
    m.atelier.street = ATELIER_STREET
    m.atelier.opening_hours = ATELIER_HOURS
    f.publish(m.atelier)


def paid_order(m, shop, kind, *, product=None, language="fr"):
    """A paid order of one product of `shop` (2 santons at the atelier, 1 honey at the épicerie), sent by `kind`."""
    product = product or (m.santon if shop.pk == m.atelier.pk else m.miel)
    quantity = 2 if product.pk == m.santon.pk else 1
    address = "" if kind == DeliveryKind.PICKUP else ADDRESS
    order = place_order(
        m.territory.pk,
        [BasketLine(product.pk, quantity)],
        {shop.pk: DeliveryChoice(m.option(shop, kind).pk, address)},
        ALICE,
        language,
    )
    pay(order)
    return order.shop_orders.get()


def at(shop_order, status):
    ShopOrder.objects.filter(pk=shop_order.pk).update(fulfilment_status=status)
    shop_order.refresh_from_db()
    return shop_order


def messages_of(response):
    """The admin's messages as the merchant reads them (Wagtail stores them as HTML)."""
    return [html.unescape(str(message)).strip() for message in response.context["messages"]]


def logged_steps(shop_order):
    return list(
        ModelLogEntry.objects.for_instance(shop_order).order_by("pk").values_list("data", flat=True)
    )


# Steps per mode ------------------------------------------------------------------


def test_steps_offered_follow_the_delivery_mode(market):
    # given paid orders collected in the shop, delivered at home and posted
    m = market
    pickup = paid_order(m, m.atelier, DeliveryKind.PICKUP)
    home = paid_order(m, m.epicerie, DeliveryKind.HOME)
    postal = paid_order(m, m.atelier, DeliveryKind.POSTAL)
    # then a pick-up is made ready then collected (or collected at once), each step undoable
    assert next_fulfilment_statuses(pickup) == ["ready_for_pickup", "collected"]
    assert next_fulfilment_statuses(at(pickup, "ready_for_pickup")) == ["collected", "ready"]
    assert next_fulfilment_statuses(at(pickup, "collected")) == ["ready_for_pickup", "ready"]
    # and a delivery is shipped, then possibly delivered; never "ready for collection" nor "collected"
    for shop_order in (home, postal):
        assert next_fulfilment_statuses(at(shop_order, "ready")) == ["shipped"]
        assert next_fulfilment_statuses(at(shop_order, "shipped")) == ["delivered", "ready"]
        assert next_fulfilment_statuses(at(shop_order, "delivered")) == ["shipped"]


def test_order_page_offers_a_note_and_postal_tracking_with_the_step(market, atelier_merchant):
    m = market
    pickup = paid_order(m, m.atelier, DeliveryKind.PICKUP)
    postal = paid_order(m, m.atelier, DeliveryKind.POSTAL)
    client = client_for(atelier_merchant)
    # when the merchant opens a pick-up order and a postal one
    pickup_page = client.get(detail_url(pickup)).content.decode()
    postal_page = client.get(detail_url(postal)).content.decode()
    # then the pick-up offers "ready" with a note, and "collected"; no tracking
    assert "Marquer comme prête à retirer" in pickup_page
    assert "Marquer comme retirée" in pickup_page
    assert 'name="note"' in pickup_page
    assert 'name="tracking_number"' not in pickup_page
    assert "Marquer comme expédiée" not in pickup_page
    # and the parcel offers "shipped" with a note, a tracking number and a tracking link
    assert "Marquer comme expédiée" in postal_page
    assert 'name="note"' in postal_page
    assert 'name="tracking_number"' in postal_page
    assert 'name="tracking_url"' in postal_page
    assert "Marquer comme prête à retirer" not in postal_page


def test_a_vouchers_only_shop_order_has_no_step_and_no_notice(market, epicerie_merchant, django_capture_on_commit_callbacks):
    # given a paid order of a service only (sent by e-mail, nothing to deliver)
    m = market
    order = place_order(m.territory.pk, [BasketLine(m.atelier_visite.pk, 1)], {}, ALICE)
    pay(order)
    shop_order = order.shop_orders.get()
    assert shop_order.delivery_kind == ""
    client = client_for(epicerie_merchant)
    # then nothing is offered, and the page says why
    assert next_fulfilment_statuses(shop_order) == []
    page = client.get(detail_url(shop_order)).content.decode()
    assert "Rien à préparer : les bons et prestations de cette commande ont été envoyés au client par e-mail." in page
    assert f'action="{action_url(shop_order)}"' not in page
    assert "Envoyée par e-mail" in client.get("/admin/commandes/").content.decode()
    # when steps are posted anyway, and the notice tasks run
    with django_capture_on_commit_callbacks(execute=True):
        for status in ("ready_for_pickup", "shipped", "collected", "delivered"):
            client.post(action_url(shop_order), {"status": status})
    assert tasks.send_ready_for_pickup_notice(shop_order.pk) is False
    assert tasks.send_shipped_notice(shop_order.pk) is False
    # then nothing changed, nothing was logged and no e-mail left
    shop_order.refresh_from_db()
    assert shop_order.fulfilment_status == FulfilmentStatus.TO_PREPARE
    assert (shop_order.ready_notified_at, shop_order.shipped_notified_at) == (None, None)
    assert logged_steps(shop_order) == []
    assert mail.outbox == []


# "Ready for collection" -------------------------------------------------------------


def test_ready_email_in_french_gives_the_shops_address_hours_and_instructions_once(
    market, atelier_merchant, django_capture_on_commit_callbacks
):
    # given the atelier at 12 quai de Léon with its hours, and a paid pick-up order of two santons
    m = market
    with_atelier_address(m)
    shop_order = paid_order(m, m.atelier, DeliveryKind.PICKUP)
    order = shop_order.order
    client = client_for(atelier_merchant)
    # when the merchant marks it ready, with a note
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            action_url(shop_order), {"status": "ready_for_pickup", "note": "Demandez Maïwenn au comptoir."}, follow=True
        )
    # then the order is ready, the merchant is told the customer is informed
    shop_order.refresh_from_db()
    assert shop_order.fulfilment_status == FulfilmentStatus.READY_FOR_PICKUP
    assert shop_order.fulfilment_note == "Demandez Maïwenn au comptoir."
    assert shop_order.ready_notified_at is not None
    assert messages_of(response) == [
        f"Commande n° {order.number} : Prête à retirer. Le client en est informé par e-mail."
    ]
    # and the customer gets one e-mail, in French, saying where, when and how to collect it
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == f"Votre commande n° {order.number} est prête chez Atelier du Bois Flotté"
    assert message.body == (
        "Bonjour Alice Le Goff,\n\n"
        f"Votre commande n° {order.number} est prête chez Atelier du Bois Flotté : vous pouvez venir la retirer.\n\n"
        "2 × Santon en bois\n\n"
        "Adresse de la boutique :\n12 quai de Léon\n29600 Morlaix\n\n"
        f"Horaires d'ouverture :\n{ATELIER_HOURS}\n\n"
        f"Instructions de retrait :\n{PICKUP_INSTRUCTIONS}\n\n"
        "Message de Atelier du Bois Flotté :\nDemandez Maïwenn au comptoir.\n\n"
        "Donnez votre nom ou le numéro de commande au retrait.\n\n"
        f"Retrouvez votre commande à tout moment : {order_url(order)}\n"
    )
    html = message.alternatives[0][0]
    assert "12 quai de Léon<br>29600 Morlaix" in html
    assert "Le dimanche 21 décembre, 14 h – 18 h" in html
    assert message.extra_headers["Content-Language"] == "fr"

    # when the action is replayed (a second tab), undone and done again, and the task runs twice more
    with django_capture_on_commit_callbacks(execute=True):
        replay = client.post(action_url(shop_order), {"status": "ready_for_pickup"}, follow=True)
        undo = client.post(action_url(shop_order), {"status": "ready"}, follow=True)
        redo = client.post(action_url(shop_order), {"status": "ready_for_pickup"}, follow=True)
    assert tasks.send_ready_for_pickup_notice(shop_order.pk) is False
    assert tasks.send_ready_for_pickup_notice(shop_order.pk) is False
    # then the replay is refused, the redo is made without promising an e-mail, and no second e-mail left
    assert messages_of(replay) == [
        "Ce changement de préparation n'est pas possible pour cette commande."
    ]
    assert messages_of(undo) == [f"Commande n° {order.number} : À préparer."]
    assert messages_of(redo) == [f"Commande n° {order.number} : Prête à retirer."]
    assert len(mail.outbox) == 1
    assert logged_steps(shop_order) == [
        {"from": "ready", "to": "ready_for_pickup"},
        {"from": "ready_for_pickup", "to": "ready"},
        {"from": "ready", "to": "ready_for_pickup"},
    ]


def test_ready_email_in_english_for_an_english_order(market, atelier_merchant, django_capture_on_commit_callbacks):
    # given a pick-up order placed on the English site
    m = market
    with_atelier_address(m)
    shop_order = paid_order(m, m.atelier, DeliveryKind.PICKUP, language="en")
    order = shop_order.order
    # when the merchant, in French, marks it ready without a note
    with django_capture_on_commit_callbacks(execute=True):
        client_for(atelier_merchant).post(action_url(shop_order), {"status": "ready_for_pickup", "note": ""})
    # then the customer's e-mail is in English, with the shop's address, hours and instructions as the shop wrote them
    [message] = mail.outbox
    assert message.subject == f"Your order no. {order.number} is ready at Atelier du Bois Flotté"
    assert message.extra_headers["Content-Language"] == "en"
    assert message.body == (
        "Hello Alice Le Goff,\n\n"
        f"Your order no. {order.number} is ready at Atelier du Bois Flotté: you can come and collect it.\n\n"
        "2 × Santon en bois\n\n"
        "Shop address:\n12 quai de Léon\n29600 Morlaix\n\n"
        f"Opening hours:\n{ATELIER_HOURS}\n\n"
        f"Collection instructions:\n{PICKUP_INSTRUCTIONS}\n\n"
        "Give your name or the order number when you collect it.\n\n"
        f"View your order at any time: {order_url(order)}\n"
    )
    assert "/en/" in order_url(order)


def test_the_ready_email_is_not_sent_once_the_order_is_collected(market, atelier_merchant):
    # given a pick-up marked ready, then collected before the queued task ran
    m = market
    shop_order = at(paid_order(m, m.atelier, DeliveryKind.PICKUP), FulfilmentStatus.COLLECTED)
    # when the task runs
    sent = tasks.send_ready_for_pickup_notice(shop_order.pk)
    # then the customer, who has their order, is not told to come
    assert sent is False
    assert mail.outbox == []
    shop_order.refresh_from_db()
    assert shop_order.ready_notified_at is None


def test_pickup_confirmation_gives_the_shops_address_hours_and_instructions(
    market, django_capture_on_commit_callbacks
):
    # given the atelier's address and hours
    m = market
    with_atelier_address(m)
    # when a pick-up order is paid
    with django_capture_on_commit_callbacks(execute=True):
        shop_order = paid_order(m, m.atelier, DeliveryKind.PICKUP)
    # then the order keeps the address of the day, and the confirmation gives it
    assert (shop_order.shop_street, shop_order.shop_postcode, shop_order.shop_city, shop_order.shop_opening_hours) == (
        ATELIER_STREET, "29600", "Morlaix", ATELIER_HOURS
    )
    confirmation = next(message for message in mail.outbox if message.to == ["alice@example.org"])
    assert (
        f"Livraison : Retrait en boutique\n{PICKUP_INSTRUCTIONS}\n"
        "Adresse de la boutique :\n12 quai de Léon\n29600 Morlaix\n"
        f"Horaires d'ouverture :\n{ATELIER_HOURS}\n"
        "Vous recevrez un e-mail dès que votre commande sera prête à retirer.\n"
    ) in confirmation.body
    # and a later move of the shop changes neither the order nor what the customer is told
    m.atelier.street = "3 place Allende"
    f.publish(m.atelier)
    shop_order.refresh_from_db()
    assert shop_order.shop_address == "12 quai de Léon\n29600 Morlaix"


# "Shipped" ---------------------------------------------------------------------------


def test_shipped_email_of_a_parcel_gives_its_tracking(market, atelier_merchant, django_capture_on_commit_callbacks):
    # given a paid postal order
    m = market
    shop_order = paid_order(m, m.atelier, DeliveryKind.POSTAL)
    order = shop_order.order
    # when the merchant marks it shipped with the parcel's number and tracking link
    with django_capture_on_commit_callbacks(execute=True):
        client_for(atelier_merchant).post(
            action_url(shop_order),
            {
                "status": "shipped",
                "note": "Emballé dans du papier recyclé.",
                "tracking_number": " 6A12345678901 ",
                "tracking_url": TRACKING_URL,
            },
        )
    # then the order records them and the customer is told once, with the tracking
    shop_order.refresh_from_db()
    assert (shop_order.fulfilment_status, shop_order.tracking_number, shop_order.tracking_url) == (
        FulfilmentStatus.SHIPPED, "6A12345678901", TRACKING_URL
    )
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert message.subject == f"Votre commande n° {order.number} chez Atelier du Bois Flotté est en route"
    assert message.body == (
        "Bonjour Alice Le Goff,\n\n"
        f"Atelier du Bois Flotté a expédié votre commande n° {order.number} par envoi postal.\n\n"
        "2 × Santon en bois\n\n"
        f"Adresse de livraison :\n{ADDRESS}\n\n"
        "Transporteur : La Poste Colissimo\n"
        "N° de suivi : 6A12345678901\n"
        f"Suivre le colis : {TRACKING_URL}\n\n"
        "Message de Atelier du Bois Flotté :\nEmballé dans du papier recyclé.\n\n"
        f"Retrouvez votre commande à tout moment : {order_url(order)}\n"
    )
    assert f'<a href="{TRACKING_URL.replace("&", "&amp;")}">Suivre le colis</a>' in message.alternatives[0][0]
    # and running the task again sends nothing
    assert tasks.send_shipped_notice(shop_order.pk) is False
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "tracking_url", ["javascript:alert(1)", "ftp://colis.example.org/6A12345678901", "https://", "pas un lien"]
)
def test_a_tracking_link_that_is_not_http_is_refused_and_nothing_changes(
    market, atelier_merchant, django_capture_on_commit_callbacks, tracking_url
):
    m = market
    shop_order = paid_order(m, m.atelier, DeliveryKind.POSTAL)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(atelier_merchant).post(
            action_url(shop_order),
            {"status": "shipped", "tracking_number": "6A12345678901", "tracking_url": tracking_url},
            follow=True,
        )
    assert messages_of(response) == [
        "Rien n'a été modifié : Indiquez l'adresse complète de la page de suivi, commençant par https://."
    ]
    shop_order.refresh_from_db()
    assert (shop_order.fulfilment_status, shop_order.tracking_number, shop_order.tracking_url) == ("ready", "", "")
    assert logged_steps(shop_order) == []
    assert mail.outbox == []


def test_home_delivery_is_shipped_then_delivered_with_one_email(
    market, epicerie_merchant, django_capture_on_commit_callbacks
):
    # given a paid home delivery of honey
    m = market
    shop_order = paid_order(m, m.epicerie, DeliveryKind.HOME)
    order = shop_order.order
    client = client_for(epicerie_merchant)
    # when the merchant ships it (tracking fields sent by a crafted form are ignored), then marks it delivered
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(shop_order), {"status": "shipped", "tracking_number": "X", "tracking_url": TRACKING_URL})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(action_url(shop_order), {"status": "delivered"})
    # then it is delivered, with no tracking, and the customer had one e-mail: the departure
    shop_order.refresh_from_db()
    assert (shop_order.fulfilment_status, shop_order.tracking_number, shop_order.tracking_url) == ("delivered", "", "")
    [message] = mail.outbox
    assert message.subject == f"Votre commande n° {order.number} chez Épicerie Kerjean est en route"
    assert f"Épicerie Kerjean a remis votre commande n° {order.number} en livraison à domicile." in message.body
    assert "Suivre le colis" not in message.body and "Transporteur" not in message.body
    assert logged_steps(shop_order) == [{"from": "ready", "to": "shipped"}, {"from": "shipped", "to": "delivered"}]


# Last order date for delivery before Christmas ----------------------------------------------


def french_date(day: datetime.date) -> str:
    with translation.override("fr"):
        return date_format(day, "DATE_FORMAT")


def set_last_delivery_date(shop, day):
    shop.last_delivery_order_date = day
    f.publish(shop)


def test_last_order_date_is_shown_on_the_product_page(client, market):
    m = market
    today = timezone.localdate()
    # given the atelier's last day for delivery is tomorrow
    set_last_delivery_date(m.atelier, today + datetime.timedelta(days=1))
    # then the santon's page says until when to order
    page = client.get(m.santon.url).content.decode()
    expected = f"Livraison et envoi postal avant Noël : commandez au plus tard le {french_date(today + datetime.timedelta(days=1))}."
    assert expected in page
    # when that day has passed
    set_last_delivery_date(m.atelier, today - datetime.timedelta(days=1))
    page = client.get(m.santon.url).content.decode()
    # then the page says it is over, and the santon is still for sale (pick-up)
    assert (
        "Plus de livraison ni d'envoi postal avant Noël : le dernier jour de commande était le "
        f"{french_date(today - datetime.timedelta(days=1))}."
    ) in page.replace("&#x27;", "'")
    assert "Ajouter au panier" in page


def test_last_order_date_at_checkout_hides_home_delivery_once_passed(client, market):
    m = market
    today = timezone.localdate()
    client.post("/fr/panier/ajouter/", {"product": m.miel.pk, "quantity": 1})
    home = m.option(m.epicerie, DeliveryKind.HOME)
    pickup = m.option(m.epicerie, DeliveryKind.PICKUP)
    # given the épicerie's last day for delivery is today: home delivery is still offered
    set_last_delivery_date(m.epicerie, today)
    page = client.get("/fr/panier/validation/").content.decode()
    assert f"Livraison et envoi postal avant Noël : commandez au plus tard le {french_date(today)}." in page
    assert f'value="{home.pk}"' in page and f'value="{pickup.pk}"' in page
    # when the day has passed
    set_last_delivery_date(m.epicerie, today - datetime.timedelta(days=1))
    page = client.get("/fr/panier/validation/").content.decode().replace("&#x27;", "'")
    # then only the pick-up is offered, and the page says why
    assert (
        "Plus de livraison ni d'envoi postal avant Noël : le dernier jour de commande était le "
        f"{french_date(today - datetime.timedelta(days=1))}."
    ) in page
    assert f'value="{home.pk}"' not in page
    assert f'value="{pickup.pk}"' in page


def test_home_delivery_is_refused_after_the_last_order_date_while_pickup_still_sells(market):
    m = market
    today = timezone.localdate()
    home = m.option(m.epicerie, DeliveryKind.HOME)
    pickup = m.option(m.epicerie, DeliveryKind.PICKUP)
    lines = [BasketLine(m.miel.pk, 1)]
    # given the last day for delivery is today: home delivery is priced
    set_last_delivery_date(m.epicerie, today)
    basket = price_basket(m.territory.pk, lines, {m.epicerie.pk: DeliveryChoice(home.pk, ADDRESS)})
    assert basket.total == m.miel.price + home.fee
    # when it was yesterday
    set_last_delivery_date(m.epicerie, today - datetime.timedelta(days=1))
    # then home delivery is refused with a clear message, and nothing is placed
    with pytest.raises(BasketError) as refused:
        price_basket(m.territory.pk, lines, {m.epicerie.pk: DeliveryChoice(home.pk, ADDRESS)})
    assert str(refused.value) == (
        "« Épicerie Kerjean » ne prend plus de commande à livrer ou à envoyer avant Noël "
        f"(dernier jour de commande : {french_date(today - datetime.timedelta(days=1))}). "
        "Choisissez le retrait en boutique s'il est proposé."
    )
    with pytest.raises(BasketError):
        place_order(m.territory.pk, lines, {m.epicerie.pk: DeliveryChoice(home.pk, ADDRESS)}, ALICE)
    assert ShopOrder.objects.count() == 0
    # and the pick-up and the épicerie's service still sell
    basket = price_basket(
        m.territory.pk,
        [*lines, BasketLine(m.atelier_visite.pk, 1)],
        {m.epicerie.pk: DeliveryChoice(pickup.pk)},
    )
    assert basket.total == m.miel.price + m.atelier_visite.price
