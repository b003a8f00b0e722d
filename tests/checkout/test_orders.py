from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from checkout.models import (
    LedgerEntry,
    LedgerImmutable,
    LedgerKind,
    Order,
    OrderLine,
    OrderStatus,
    PaymentState,
    ShopOrder,
)
from checkout.pricing import BasketError, BasketLine, DeliveryChoice
from checkout.services import (
    CheckoutError,
    Confirmation,
    Customer,
    OutOfStock,
    PaymentMismatch,
    confirm_payment,
    expire_unpaid_orders,
    fail_payment,
    place_order,
)
from checkout.tasks import notify_merchants, send_order_confirmation
from shops.models import DeliveryKind, ProductStock
from tests.checkout.helpers import ALICE, fake_payment, one_product_order, stock, two_shop_order
from tests.fixtures import factories as f


def test_place_order_copies_prices_names_merchant_and_delivery(market):
    # given a basket from two shops
    m = market
    # when the order is placed
    order = two_shop_order(m, santons=2, miels=1)
    # then it copies what it charges and reserves the stock
    assert order.status == OrderStatus.PENDING
    assert order.total == Decimal("38.30")  # 2 × 12.50 + 8.30 + 5.00 delivery
    assert len(order.token) >= 40
    atelier, epicerie = order.shop_orders.order_by("pk")
    assert (atelier.trade_name, atelier.legal_name, atelier.siret) == (
        "Atelier du Bois Flotté", m.atelier.legal_name, m.atelier.siret
    )
    assert atelier.vat_number == m.atelier.vat_number
    assert (atelier.delivery_kind, atelier.delivery_fee, atelier.total) == ("pickup", Decimal("0.00"), Decimal("25.00"))
    assert atelier.delivery_detail == m.option(m.atelier, DeliveryKind.PICKUP).instructions
    assert (epicerie.delivery_kind, epicerie.delivery_fee, epicerie.total) == ("home", Decimal("5.00"), Decimal("13.30"))
    assert epicerie.delivery_address == "2 place des Otages\n29600 Morlaix"
    assert atelier.commission_amount is None
    line = atelier.lines.get()
    assert (line.name, line.unit_price, line.quantity, line.total, line.vat_rate) == (
        "Santon en bois", Decimal("12.50"), 2, Decimal("25.00"), Decimal("20.00")
    )
    assert stock(m.santon) == (3, 0)
    assert stock(m.miel) == (2, 0)


def test_later_edits_of_shop_and_product_leave_the_order_unchanged(market):
    m = market
    order = two_shop_order(m)
    # when the merchant renames the product, changes its price and the shop's name
    m.santon.title, m.santon.price = "Santon (nouveau)", Decimal("99.00")
    f.publish(m.santon)
    m.atelier.title = "Nouvel atelier"
    f.publish(m.atelier)
    # then the order says what was bought
    atelier = order.shop_orders.order_by("pk").first()
    assert atelier.trade_name == "Atelier du Bois Flotté"
    assert atelier.lines.get().unit_price == Decimal("12.50")
    assert atelier.lines.get().name == "Santon en bois"


def test_out_of_stock_names_the_product_and_changes_nothing(market):
    # given 5 santons and 3 honey jars in stock
    m = market
    # when a basket asks for 2 santons and 4 honey jars
    with pytest.raises(OutOfStock) as error:
        two_shop_order(m, santons=2, miels=4)
    # then the error names the product and nothing is reserved nor recorded
    assert "Miel de bruyère" in str(error.value)
    assert stock(m.santon) == (5, 0)
    assert stock(m.miel) == (3, 0)
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0


def test_last_units_can_be_bought_then_nothing(market):
    m = market
    one_product_order(m, m.miel, 3)
    assert stock(m.miel) == (0, 0)
    with pytest.raises(OutOfStock):
        one_product_order(m, m.miel, 1)
    assert Order.objects.count() == 1


def test_product_without_stock_row_is_not_for_sale(market):
    m = market
    bougie = f.make_product(m.atelier, "Bougie parfumée", stock=False)
    with pytest.raises(OutOfStock, match="Bougie"):
        one_product_order(m, bougie)
    assert Order.objects.count() == 0


def test_unlimited_product_is_sold_without_touching_quantity(market):
    m = market
    order = one_product_order(m, m.atelier_visite, 4)
    assert stock(m.atelier_visite) == (None, 0)
    fake_payment(order)
    confirm_payment(f"pi_test_{order.pk}", 6000, "eur")
    assert stock(m.atelier_visite) == (None, 4)


@pytest.mark.parametrize(
    "customer",
    [Customer("", "a@example.org"), Customer("Alice", "not-an-email"), Customer("Alice", "a@example.org", "0" * 31)],
)
def test_bad_contact_details_refused(market, customer):
    with pytest.raises(CheckoutError):
        one_product_order(market, market.santon, 1, customer)
    assert stock(market.santon) == (5, 0)
    assert Order.objects.count() == 0


def test_bad_basket_changes_nothing(market):
    m = market
    deliveries = {m.atelier.pk: DeliveryChoice(m.option(m.atelier, DeliveryKind.PICKUP).pk)}
    for lines in ([BasketLine(m.santon.pk, -2)], [BasketLine(m.santon.pk, 10**6)], [BasketLine(123456789, 1)]):
        with pytest.raises(BasketError):
            place_order(m.territory.pk, lines, deliveries, ALICE)
    assert stock(m.santon) == (5, 0)
    assert Order.objects.count() == 0


def test_confirm_marks_paid_counts_sold_and_writes_the_ledger(market, django_capture_on_commit_callbacks):
    # given a placed order of 38.30 in a territory at 8 %
    m = market
    order = two_shop_order(m)
    payment = fake_payment(order)
    # when the payment is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        result = confirm_payment(payment.provider_id, 3830, "eur")
    # then
    assert result == Confirmation.CONFIRMED
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    assert payment.state == PaymentState.SUCCEEDED
    assert stock(m.santon) == (3, 2)
    assert stock(m.miel) == (2, 1)
    atelier, epicerie = order.shop_orders.order_by("pk")
    assert (atelier.commission_rate, atelier.commission_amount) == (Decimal("8.00"), Decimal("2.00"))
    assert (epicerie.commission_rate, epicerie.commission_amount) == (Decimal("8.00"), Decimal("1.06"))  # 1.064
    entries = list(LedgerEntry.objects.values_list("shop_order_id", "kind", "amount"))
    assert entries == [
        (atelier.pk, "sale", Decimal("25.00")),
        (atelier.pk, "commission", Decimal("-2.00")),
        (epicerie.pk, "sale", Decimal("13.30")),
        (epicerie.pk, "commission", Decimal("-1.06")),
    ]
    merchant_shares = sum(e.amount for e in LedgerEntry.objects.all())
    platform = -sum(e.amount for e in LedgerEntry.objects.filter(kind=LedgerKind.COMMISSION))
    assert merchant_shares + platform == order.total
    # and e-mails: one to the customer, one to each merchant
    assert sorted(message.to[0] for message in mail.outbox) == [
        "alice@example.org",
        "atelier@example.org",
        "epicerie@example.org",
    ]


def test_confirm_twice_has_one_effect(market, django_capture_on_commit_callbacks):
    m = market
    order = two_shop_order(m)
    payment = fake_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(payment.provider_id, 3830, "eur")
    # when the return page and then the webhook confirm again
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = confirm_payment(payment.provider_id, 3830, "eur")
    # then nothing more happens
    assert again == Confirmation.ALREADY_PAID
    assert callbacks == []
    assert LedgerEntry.objects.count() == 4
    assert stock(m.santon) == (3, 2)
    assert len(mail.outbox) == 3


def test_amount_mismatch_refused_and_nothing_changes(market, django_capture_on_commit_callbacks):
    m = market
    order = two_shop_order(m)
    payment = fake_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(PaymentMismatch):
            confirm_payment(payment.provider_id, 3829, "eur")
        with pytest.raises(PaymentMismatch):
            confirm_payment(payment.provider_id, 3830, "usd")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert payment.state == PaymentState.PENDING
    assert stock(m.santon) == (3, 0)
    assert LedgerEntry.objects.count() == 0
    assert mail.outbox == []


def test_a_failed_attempt_fails_once_and_keeps_the_order_payable_with_its_stock_held(market):
    m = market
    order = two_shop_order(m)
    payment = fake_payment(order)
    assert fail_payment(payment.provider_id) is True
    assert fail_payment(payment.provider_id) is False
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.state) == (OrderStatus.PENDING, PaymentState.FAILED)
    assert stock(m.santon) == (3, 0)
    assert stock(m.miel) == (2, 0)


def test_success_after_failure_takes_the_stock_again(market, django_capture_on_commit_callbacks):
    # given a first card refused, then another card accepted on the same intent
    m = market
    order = two_shop_order(m)
    payment = fake_payment(order)
    fail_payment(payment.provider_id)
    with django_capture_on_commit_callbacks(execute=True):
        result = confirm_payment(payment.provider_id, 3830, "eur")
    assert result == Confirmation.CONFIRMED
    assert stock(m.santon) == (3, 2)
    assert stock(m.miel) == (2, 1)


def test_expiry_releases_only_holds_past_their_time(market):
    m = market
    old = one_product_order(m, m.santon, 2)
    recent = one_product_order(m, m.santon, 1)
    now = timezone.now()
    Order.objects.filter(pk=old.pk).update(hold_expires_at=now - timedelta(minutes=1))
    assert stock(m.santon) == (2, 0)
    # when the scheduled task runs, twice
    assert expire_unpaid_orders(now) == 1
    assert expire_unpaid_orders(now) == 0
    # then only the old hold is given back, once
    assert stock(m.santon) == (4, 0)
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == (OrderStatus.EXPIRED, OrderStatus.PENDING)


def test_paid_order_never_expires(market):
    m = market
    order = one_product_order(m, m.santon, 2)
    fake_payment(order)
    confirm_payment(f"pi_test_{order.pk}", 2500, "eur")
    assert expire_unpaid_orders(timezone.now() + timedelta(days=1)) == 0
    assert stock(m.santon) == (3, 2)


def test_emails_run_twice_send_once_in_the_customer_language(market, django_capture_on_commit_callbacks):
    m = market
    order = two_shop_order(m, language="en")
    fake_payment(order)
    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(f"pi_test_{order.pk}", 3830, "eur")
    # when the tasks run again (a retried worker)
    assert send_order_confirmation(order.pk) is False
    assert notify_merchants(order.pk) == 0
    assert len(mail.outbox) == 3
    customer = next(message for message in mail.outbox if message.to == ["alice@example.org"])
    assert "38.30" in customer.body
    assert "Santon en bois" in customer.body and "Miel de bruyère" in customer.body
    assert "2 place des Otages" in customer.body
    assert customer.alternatives[0][1] == "text/html"
    merchant = next(message for message in mail.outbox if message.to == ["atelier@example.org"])
    assert "Santon en bois" in merchant.body and "Miel" not in merchant.body


def test_no_email_for_an_unpaid_order(market):
    order = two_shop_order(market)
    assert send_order_confirmation(order.pk) is False
    assert notify_merchants(order.pk) == 0
    assert mail.outbox == []


def test_ledger_is_append_only(market):
    m = market
    order = one_product_order(m, m.santon, 1)
    fake_payment(order)
    confirm_payment(f"pi_test_{order.pk}", 1250, "eur")
    entry = LedgerEntry.objects.first()
    entry.amount = Decimal("0.00")
    with pytest.raises(LedgerImmutable):
        entry.save()
    with pytest.raises(LedgerImmutable):
        entry.delete()
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.update(amount=0)
    with pytest.raises(LedgerImmutable):
        LedgerEntry.objects.all().delete()
    assert list(LedgerEntry.objects.values_list("amount", flat=True)) == [Decimal("12.50"), Decimal("-1.00")]


def test_shop_order_keeps_its_identity_if_the_shop_is_deleted(market):
    m = market
    order = one_product_order(m, m.santon, 1)
    m.santon.delete()
    m.atelier.delete()
    shop_order = ShopOrder.objects.get(order=order)
    assert shop_order.shop is None
    assert shop_order.trade_name == "Atelier du Bois Flotté"
    assert shop_order.lines.get().product is None
    assert ProductStock.objects.filter(translation_key=shop_order.lines.get().product_key).exists()
