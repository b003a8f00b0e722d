"""Vouchers for the voucher tests: a gift voucher at the atelier, orders paid without a provider."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client

from checkout.models import Voucher
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order
from markets.merchants import make_merchant
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, fake_payment
from tests.fixtures import factories as f

GIFT_VALID_UNTIL = datetime.date(2027, 6, 30)
SERVICE_VALID_UNTIL = datetime.date(2026, 12, 31)  # the factory's date for services


@pytest.fixture
def gift(market):
    """The atelier's 50.00 gift voucher, valid until 30 June 2027."""
    return f.make_product(
        market.atelier, "Bon cadeau Atelier", price="50.00", kind="voucher", stock=None, valid_until=GIFT_VALID_UNTIL
    )


def order_of(m, items, customer=ALICE, language="fr"):
    """`items`: [(product, quantity)], all of one shop; picked up there."""
    shop = m.atelier if items[0][0].get_parent().pk == m.atelier.pk else m.epicerie
    deliveries = {shop.pk: DeliveryChoice(m.option(shop, DeliveryKind.PICKUP).pk)}
    return place_order(m.territory.pk, [BasketLine(p.pk, q) for p, q in items], deliveries, customer, language)


def pay(order, provider_id=None):
    payment = fake_payment(order, provider_id)
    result = confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    order.refresh_from_db()
    return result


def vouchers_of(order):
    return list(Voucher.objects.filter(order_line__shop_order__order=order).order_by("pk"))


def merchant_of(shop, username):
    user = User.objects.create_user(username, password="secret", email=f"{username}@example.org")
    make_merchant(user, shop)
    return user


@pytest.fixture
def atelier_merchant(market):
    return merchant_of(market.atelier, "atelier")


@pytest.fixture
def epicerie_merchant(market):
    return merchant_of(market.epicerie, "epicerie")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client
