"""A customer without an account asks from their order's link; an e-mailed, signed, expiring link confirms by POST."""

import io
import json
import re
import time
import zipfile

from django.contrib.auth.models import User
from django.core import mail, signing
from django.test import Client
from wagtail.models import ModelLogEntry

from checkout.accounts import guest_requests
from checkout.accounts.erasure import ERASE_ACTION, ERASED, EXPORT_ACTION
from checkout.models import Order
from tests.checkout.accounts.scenario import BOB, FIRST_AT, gift_order, paid_at
from tests.checkout.helpers import one_product_order, two_shop_order
from tests.checkout.voucher_fixtures import gift  # noqa: F401 (a fixture)

LINK = re.compile(r"http://testserver(/fr/compte/donnees/confirmer/[^/\s]+/)")


def guest_orders(market, gift):
    """Alice's two orders placed without an account, and Bob's."""
    first = paid_at(two_shop_order(market), FIRST_AT)
    second = paid_at(gift_order(market, gift), FIRST_AT)
    bobs = paid_at(one_product_order(market, market.santon, customer=BOB), FIRST_AT)
    return first, second, bobs


def request_url(order) -> str:
    return f"/fr/compte/donnees/commande/{order.token}/"


def ask(client, order, action, capture) -> str:
    """Ask from the order's page; the confirmation link e-mailed (after the commit) to the order's address."""
    mail.outbox.clear()
    with capture(execute=True):
        response = client.post(request_url(order), {"action": action})
    assert response.status_code == 200 and response.context["sent"] is True
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    return LINK.search(mail.outbox[0].body).group(1)


def untouched(*orders) -> bool:
    return all(
        Order.objects.get(pk=o.pk).customer_email == o.customer_email
        and Order.objects.get(pk=o.pk).anonymised_at is None
        for o in orders
    )


def test_the_order_page_offers_the_request(market):
    order = paid_at(two_shop_order(market), FIRST_AT)
    html = Client().get(f"/fr/panier/commande/{order.token}/").content.decode()
    assert f'href="{request_url(order)}"' in html


def test_erasure_asked_by_a_guest_is_done_by_the_post_of_the_emailed_link(
    market, gift, django_capture_on_commit_callbacks
):
    first, second, bobs = guest_orders(market, gift)
    client = Client()
    # when Alice asks from her first order's page
    link = ask(client, first, "erase", django_capture_on_commit_callbacks)
    # then the e-mail says what it is for; nothing is erased yet, not even by opening the link
    assert mail.outbox[0].subject == "Confirmez l’effacement de vos données"
    assert untouched(first, second, bobs)
    page = client.get(link)
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert "2 commandes passées sans compte avec cette adresse." in page.content.decode()
    assert untouched(first, second, bobs)
    # when she confirms
    done = client.post(link)
    # then both her orders lose her data; Bob's order keeps his
    assert done.status_code == 200
    assert "Les données personnelles de 2 commandes ont été effacées." in done.content.decode()
    assert list(Order.objects.filter(pk__in=[first.pk, second.pk]).values_list("customer_name", "customer_email")) == [
        (ERASED, ""),
        (ERASED, ""),
    ]
    assert untouched(bobs)
    # and the log holds one entry on the order asked from, with the order numbers only
    entry = ModelLogEntry.objects.get(action=ERASE_ACTION)
    assert (entry.object_id, entry.label, entry.user_id) == (str(first.pk), f"Commande n° {first.pk:06d}", None)
    assert entry.data == {"scope": "email", "orders": [f"{first.pk:06d}", f"{second.pk:06d}"], "vouchers": 1}
    # and a replay of the link does nothing more
    client.post(link)
    assert ModelLogEntry.objects.filter(action=ERASE_ACTION).count() == 1
    # and the order's page no longer offers the request
    assert request_url(first) not in client.get(f"/fr/panier/commande/{first.token}/").content.decode()
    assert client.post(request_url(first), {"action": "erase"}).context.get("sent") is None


def test_export_asked_by_a_guest_holds_the_orders_of_that_address_only(
    market, gift, django_capture_on_commit_callbacks
):
    first, second, bobs = guest_orders(market, gift)
    client = Client()
    link = ask(client, second, "export", django_capture_on_commit_callbacks)
    assert mail.outbox[0].subject == "Téléchargez vos données"
    response = client.post(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    document = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("donnees-personnelles.json"))
    assert (document["account"], document["email"]) == (None, "alice@example.org")
    assert [o["number"] for o in document["orders"]] == [f"{first.pk:06d}", f"{second.pk:06d}"]
    assert "Bob" not in json.dumps(document)
    entry = ModelLogEntry.objects.get(action=EXPORT_ACTION)
    assert (entry.object_id, entry.data) == (
        str(second.pk),
        {"scope": "email", "orders": [f"{first.pk:06d}", f"{second.pk:06d}"]},
    )
    assert untouched(first, second, bobs)


def test_an_expired_or_forged_link_does_nothing(market, gift, monkeypatch, django_capture_on_commit_callbacks):
    first, second, bobs = guest_orders(market, gift)
    client = Client()
    link = ask(client, first, "erase", django_capture_on_commit_callbacks)
    token = link.rstrip("/").rsplit("/", 1)[1]
    # a link altered to name Bob's address, or signed with another key, or not signed at all
    forged = [
        signing.TimestampSigner(salt=guest_requests.SALT, key="not-our-key").sign_object(
            {"order": bobs.pk, "email": "bob@example.org", "action": "erase"}
        ),
        token.replace(
            token.split(":")[0], signing.b64_encode(b'{"order":1,"email":"bob@example.org","action":"erase"}').decode()
        ),
        "x" * 500,
        "nothing",
    ]
    for value in forged:
        response = client.post(f"/fr/compte/donnees/confirmer/{value}/")
        assert response.status_code == 400, value
    assert untouched(first, second, bobs)
    # the real link, once 24 hours have passed
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 24 * 3600 + 1)
    assert client.post(link).status_code == 400
    assert untouched(first, second, bobs)
    assert not ModelLogEntry.objects.filter(action=ERASE_ACTION).exists()


def test_asks_are_limited_per_address(market, gift, settings, django_capture_on_commit_callbacks):
    settings.PASSWORD_RESET_LIMIT_PER_EMAIL = 2
    first, second, _bobs = guest_orders(market, gift)
    client = Client()
    ask(client, first, "export", django_capture_on_commit_callbacks)
    ask(client, second, "erase", django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url(first), {"action": "erase"})
    assert response.status_code == 429
    assert mail.outbox == []


def test_an_order_in_an_account_or_an_unknown_action_sends_nothing(market, gift, django_capture_on_commit_callbacks):
    first, _second, _bobs = guest_orders(market, gift)
    client = Client()
    assert client.post(request_url(first), {"action": "delete-everything"}).status_code == 400
    user = User.objects.create_user("alice@example.org", email="alice@example.org", password="x-Sapin-2024")
    Order.objects.filter(pk=first.pk).update(customer=user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url(first), {"action": "erase"})
    assert response.status_code == 200 and response.context.get("sent") is None
    assert mail.outbox == []
    assert client.get("/fr/compte/donnees/commande/" + "x" * 43 + "/").status_code == 404
