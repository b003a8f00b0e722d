"""Tasks can run twice without harm: a queue that hands a task out again (a worker died) sends nothing twice.

Each task is run twice with the same arguments on a small market with a
paid two-shop order; the second run must change no row of the apps and
send no e-mail. Covered here: the order's e-mails and fulfilment notices,
and every scheduled task without arguments of checkout and markets.
"""

import datetime

from django.apps import apps
from django.core import mail
from django.utils import timezone

from checkout import tasks
from checkout.accounts import tasks as account_tasks
from checkout.models import FulfilmentStatus, Order, OrderStatus, ShopOrder
from markets import tasks as market_tasks
from shops.models import DeliveryKind, ProductStock
from tests.checkout.helpers import two_shop_order
from tests.checkout.invoice_fixtures import pay_at

APPS = ("checkout", "markets", "shops")


def snapshot():
    """Rows of every model of the apps (count and latest id), stock and order states, and the e-mails sent so far."""
    rows = {
        "stock": sorted(ProductStock.objects.values_list("pk", "quantity", "sold")),
        "orders": sorted(Order.objects.values_list("pk", "status")),
    }
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model._meta.proxy:
                continue
            manager = model._base_manager
            rows[model._meta.label] = (manager.count(), manager.order_by("-pk").values_list("pk", flat=True).first())
    return rows, [(m.subject, tuple(m.to)) for m in mail.outbox]


def run_twice(task, *args):
    task(*args)
    first = snapshot()
    task(*args)
    return first, snapshot()


def test_order_emails_and_notices_are_sent_once_however_often_their_task_runs(market):
    # given a paid order: santons picked up at the atelier, honey delivered by the épicerie
    order = two_shop_order(market)
    pay_at(order)
    pickup = order.shop_orders.get(delivery_kind=DeliveryKind.PICKUP)
    delivery = order.shop_orders.get(delivery_kind=DeliveryKind.HOME)
    ShopOrder.objects.filter(pk=pickup.pk).update(fulfilment_status=FulfilmentStatus.READY_FOR_PICKUP)
    ShopOrder.objects.filter(pk=delivery.pk).update(fulfilment_status=FulfilmentStatus.SHIPPED)
    mail.outbox.clear()

    for task, argument, sent in (
        (tasks.send_order_confirmation, order.pk, 1),
        (tasks.notify_merchants, order.pk, 2),
        (tasks.send_ready_for_pickup_notice, pickup.pk, 1),
        (tasks.send_shipped_notice, delivery.pk, 1),
    ):
        before = len(mail.outbox)
        # when the task runs, then runs again with the same argument
        first, second = run_twice(task, argument)

        # then the first run sent its e-mails, the second sent nothing and changed no row
        assert len(first[1]) - before == sent, task.__name__
        assert second == first, task.__name__
    assert sorted(to for _, to in snapshot()[1]) == sorted(
        [("alice@example.org",), ("atelier@example.org",), ("epicerie@example.org",), ("alice@example.org",),
         ("alice@example.org",)]
    )


def test_scheduled_tasks_change_nothing_on_their_second_run(market):
    # given a paid order and an unpaid one whose hold has passed
    pay_at(two_shop_order(market))
    unpaid = two_shop_order(market, santons=1, miels=1)
    Order.objects.filter(pk=unpaid.pk).update(hold_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    mail.outbox.clear()

    for task in (
        tasks.expire_unpaid_orders,
        tasks.send_voucher_expiry_reminders,
        tasks.reconcile_refunds,
        tasks.export_weekly_payouts,
        account_tasks.anonymise_expired_customers,
        market_tasks.send_promise_reminders,
    ):
        first, second = run_twice(task)

        assert second == first, task.__name__
    # and the first run did expire the unpaid order (its stock back on sale), once
    assert Order.objects.get(pk=unpaid.pk).status == OrderStatus.EXPIRED
