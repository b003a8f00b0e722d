"""Merchants are always reachable: new orders go to the shop's e-mail or else the merchant's account, with a link."""

import logging

from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse

from checkout.models import ShopOrder
from checkout.tasks import notify_merchants
from markets.merchants import make_merchant
from tests.checkout.helpers import two_shop_order
from tests.checkout.voucher_fixtures import client_for, merchant_of, pay
from tests.fixtures import factories as f

DASHBOARD_WARNING = (
    "Vos commandes ne peuvent pas vous être annoncées : ni la boutique ni votre compte n'ont d'adresse e-mail."
)


def without_email(shop):
    shop.email = ""
    f.publish(shop)


def paid_two_shop_order(m, django_capture_on_commit_callbacks):
    order = two_shop_order(m)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    return order


def merchant_mail(to):
    return [message for message in mail.outbox if message.to == [to]]


def test_new_order_goes_to_the_merchants_account_when_the_shop_has_no_email_and_links_to_the_order(
    market, django_capture_on_commit_callbacks
):
    # given the atelier has no e-mail of its own; its merchant's account has one, a second account has none
    m = market
    without_email(m.atelier)
    maiwenn = merchant_of(m.atelier, "maiwenn")
    make_merchant(User.objects.create_user("stagiaire", email=""), m.atelier)
    # when an order with an atelier part is paid
    order = paid_two_shop_order(m, django_capture_on_commit_callbacks)
    atelier = order.shop_orders.get(shop=m.atelier)
    # then the merchant's account is told, with a link to that order's page in the admin
    [message] = merchant_mail("maiwenn@example.org")
    assert message.subject == f"Nouvelle commande n° {order.number}"
    order_link = f"http://testserver/admin/commandes/{atelier.pk}/"
    assert message.body.endswith(f"Voir la commande : {order_link}\n")
    assert f'<a href="{order_link}">Voir la commande</a>' in message.alternatives[0][0]
    assert "http://testserver/admin/\n" not in message.body
    # and the épicerie, which has an e-mail, is told there
    assert len(merchant_mail("epicerie@example.org")) == 1
    # and the link opens the order for the merchant
    page = client_for(maiwenn).get(order_link.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert page.context["shop_order"] == atelier
    # and running the task again tells no one twice
    assert notify_merchants(order.pk) == 0
    assert len(mail.outbox) == 3  # the customer's confirmation and one e-mail per shop


def test_the_shops_email_stored_on_the_order_comes_first(market, django_capture_on_commit_callbacks):
    # given the atelier has an e-mail and a merchant account with another one
    m = market
    merchant_of(m.atelier, "maiwenn")
    order = two_shop_order(m)
    # when the shop changes its e-mail after the order was placed, and the order is then paid
    m.atelier.email = "nouvelle@example.org"
    f.publish(m.atelier)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    # then the e-mail stored on the order is used, not the account's nor the new one
    atelier = order.shop_orders.get(shop=m.atelier)
    [message] = merchant_mail("atelier@example.org")
    assert message.body.endswith(f"Voir la commande : http://testserver/admin/commandes/{atelier.pk}/\n")
    assert merchant_mail("maiwenn@example.org") == []
    assert merchant_mail("nouvelle@example.org") == []


def test_a_shop_with_no_email_and_no_merchant_email_is_logged_and_left_unclaimed(
    market, django_capture_on_commit_callbacks, caplog
):
    # given the atelier has no e-mail and no merchant account
    m = market
    without_email(m.atelier)
    # when an order is paid
    with caplog.at_level(logging.WARNING, logger="checkout.emails"):
        order = paid_two_shop_order(m, django_capture_on_commit_callbacks)
    atelier = order.shop_orders.get(shop=m.atelier)
    # then no e-mail leaves for the atelier, the order stays unannounced and the miss is logged
    assert sorted(message.to[0] for message in mail.outbox) == ["alice@example.org", "epicerie@example.org"]
    assert ShopOrder.objects.get(pk=atelier.pk).merchant_notified_at is None
    assert f"No e-mail address to announce shop order {atelier.pk} to its merchant" in caplog.messages


def test_dashboard_warns_when_the_merchant_cannot_be_reached(market):
    # given a merchant whose account has no e-mail, of a shop without e-mail
    m = market
    without_email(m.atelier)
    user = User.objects.create_user("maiwenn", password="secret", email="")
    make_merchant(user, m.atelier)
    client = client_for(user)
    # when they open the admin's home
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    # then the shop's panel warns them, with a link to the shop page's editor
    assert DASHBOARD_WARNING in page
    edit_url = reverse("wagtailadmin_pages:edit", args=[m.atelier.pk])
    assert f'<a href="{edit_url}">Indiquer l\'e-mail de la boutique</a>' in page
    # when their account gets an e-mail
    user.email = "maiwenn@example.org"
    user.save()
    # then the warning is gone
    assert DASHBOARD_WARNING not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_dashboard_does_not_warn_when_the_shop_has_an_email(market):
    # given a merchant without e-mail, of the épicerie which has one
    user = User.objects.create_user("yann", password="secret", email="")
    make_merchant(user, market.epicerie)
    # then their dashboard has no warning
    page = client_for(user).get(reverse("wagtailadmin_home")).content.decode()
    assert "Épicerie Kerjean" in page
    assert DASHBOARD_WARNING not in page
