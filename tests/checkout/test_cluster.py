"""Several web hosts and task workers behave as one, and a task whose worker dies is done once anyway.

Real processes on loopback (tests.cluster.servers): two gunicorn servers
and two django-q2 clusters on this run's PostgreSQL test database and Redis,
localstripe as Stripe. The rows the test writes are committed (a
transactional test) so that the servers see them. PostgreSQL and Redis
only: the production shape, which SQLite and a local-memory cache are not.
"""

import html
import os
import re
import subprocess
import sys
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django_q.models import Schedule, Task
from wagtail.models import Page

from checkout.billing.statements import last_ended_week
from checkout.models import Order, OrderStatus, Payment, PaymentState, WeeklyStatement
from shops.models import DeliveryKind, ProductStock
from tests.checkout.conftest import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, LocalStripe
from tests.checkout.helpers import two_shop_order
from tests.checkout.invoice_fixtures import PARIS, pay_at
from tests.cluster.mail import SLOW_SEND_ENV, sent_messages
from tests.cluster.servers import Cluster, wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"),
        reason="a cluster shares PostgreSQL and Redis: run with DATABASE_URL (PostgreSQL) and REDIS_URL",
    ),
]

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VISITOR_STATE = re.compile(r'data-visitor-state="([^"]+)"')
CARD = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123"}
PASSWORD = "sapin-2026-cluster"
WEEKLY_RUN = "checkout.tasks.run_weekly_statements"


@pytest.fixture
def cluster(tmp_path, localstripe_url, webhook_inbox_url):
    """Two web servers and two workers; localstripe's webhooks reach the second server."""
    stripe = {
        "STRIPE_API_BASE": localstripe_url,
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    running = Cluster(tmp_path, os.environ["REDIS_URL"], stripe)
    local = LocalStripe(localstripe_url)
    try:
        running.start_server()
        second = running.start_server()
        assert (
            local._call(
                "POST",
                "/_config/webhooks/cluster",
                {"url": f"{second}/checkout/webhooks/stripe/", "secret": WEBHOOK_SECRET},
                key=None,
            )[0]
            == 200
        )
        running.wait_until_serving()
        yield running
    finally:
        local._call("POST", "/_config/webhooks/cluster", {"url": webhook_inbox_url, "secret": WEBHOOK_SECRET}, key=None)
        running.stop()


class Visitor:
    """A browser with one cookie jar, whose requests reach the servers in turn as through one proxy.

    The proxy passes the site's host name to every server (nginx's `Host
    $host`): the same host, so the same page cache entries and cookies.
    """

    def __init__(self, cluster: Cluster):
        self.session = requests.Session()
        self.session.headers["Host"] = "127.0.0.1"
        self.cluster = cluster

    def get(self, server: int, path: str, **kwargs) -> requests.Response:
        response = self.session.get(self.cluster.servers[server] + path, allow_redirects=False, timeout=30, **kwargs)
        assert response.status_code < 500, self.cluster.logs()
        return response

    def post(self, server: int, path: str, data: dict, **kwargs) -> requests.Response:
        response = self.session.post(
            self.cluster.servers[server] + path, data=data, allow_redirects=False, timeout=30, **kwargs
        )
        assert response.status_code < 500, self.cluster.logs()
        return response

    def csrf(self, server: int, body: str) -> str:
        """The form's token, or the visitor state's when the page came from the page cache (as its script does)."""
        found = CSRF_INPUT.search(body)
        if found:
            return found.group(1)
        state = self.get(server, html.unescape(VISITOR_STATE.search(body).group(1)))
        return state.json()["csrf_token"]

    def add(self, server: int, product) -> None:
        page = self.get(server, product.url)
        assert page.status_code == 200
        added = self.post(
            server,
            reverse("checkout:add"),
            {
                "csrfmiddlewaretoken": self.csrf(server, page.text),
                "product": product.pk,
                "quantity": "1",
                "next": product.url,
            },
        )
        assert added.status_code == 302

    def basket_count(self, server: int) -> int:
        return self.get(server, reverse("checkout:visitor_state")).json()["basket_count"]

    def log_in(self, server: int, username: str) -> None:
        login = self.get(server, reverse("wagtailadmin_login"))
        done = self.post(
            server,
            reverse("wagtailadmin_login"),
            {
                "csrfmiddlewaretoken": self.csrf(server, login.text),
                "username": username,
                "password": PASSWORD,
            },
        )
        assert done.status_code == 302, done.text[:500]


def pay_by_card(visitor: Visitor, server: int, payment_url: str) -> None:
    """What Stripe.js does on the payment page: a card token at localstripe, then the portal's confirmation."""
    page = visitor.get(server, payment_url)
    assert page.status_code == 200
    csrf = visitor.csrf(server, page.text)
    token = requests.post(
        visitor.cluster.env["STRIPE_API_BASE"] + "/v1/tokens", data={**CARD, "key": PUBLISHABLE_KEY}, timeout=10
    )
    confirmed = visitor.post(
        server, payment_url + "carte/", {"payment_method": token.json()["card"]["id"]}, headers={"X-CSRFToken": csrf}
    )
    assert confirmed.json()["status"] == "succeeded", confirmed.text


def titled(messages, start: str) -> list:
    return [m for m in messages if m["Subject"].startswith(start)]


def test_a_purchase_across_two_servers_is_paid_once_with_each_email_sent_once(cluster, market):
    cluster.start_worker()
    cluster.start_worker()
    shopper = Visitor(cluster)
    with translation.override("fr"):
        checkout_path = reverse("checkout:checkout")

    # the basket filled on the first server is the one the second sees
    shopper.add(0, market.santon)
    shopper.add(1, market.miel)
    assert (shopper.basket_count(0), shopper.basket_count(1)) == (2, 2)

    # the order placed on the second, paid on the first, confirmed by the return page on the second
    form = shopper.get(1, checkout_path)
    pickup = market.option(market.atelier, DeliveryKind.PICKUP)
    home = market.option(market.epicerie, DeliveryKind.HOME)
    placed = shopper.post(
        1,
        checkout_path,
        {
            "csrfmiddlewaretoken": shopper.csrf(1, form.text),
            "name": "Claire Cluster",
            "email": "claire@example.org",
            "phone": "",
            "accept_terms": "on",
            f"shop-{market.atelier.pk}-option": pickup.pk,
            f"shop-{market.epicerie.pk}-option": home.pk,
            f"shop-{market.epicerie.pk}-address": "2 place des Otages, 29600 Morlaix",
        },
    )
    assert placed.status_code == 302 and "/paiement/" in placed.headers["Location"], placed.text[:2000]
    payment_url = placed.headers["Location"]
    pay_by_card(shopper, 0, payment_url)
    returned = shopper.get(1, payment_url + "retour/")
    assert returned.status_code == 302 and "/commande/" in returned.headers["Location"]

    # the card confirmation (first server), the return page and the webhook (second) all saw the payment:
    # one paid order, one succeeded payment
    order = Order.objects.get(customer_email="claire@example.org")
    assert order.status == OrderStatus.PAID
    assert order.total == Decimal("12.50") + Decimal("8.30") + Decimal("5.00")
    assert list(Payment.objects.filter(order=order).values_list("state", flat=True)) == [PaymentState.SUCCEEDED]
    stock = dict(
        ProductStock.objects.filter(
            translation_key__in=[market.santon.translation_key, market.miel.translation_key]
        ).values_list("translation_key", "sold")
    )
    assert stock == {market.santon.translation_key: 1, market.miel.translation_key: 1}
    assert shopper.basket_count(0) == 0

    # the workers of both clusters took the e-mails from one queue: each sent once
    def all_sent():
        messages = sent_messages(cluster.mail_dir)
        return messages if len(messages) >= 3 else None

    wait_for(all_sent, 60, "the order's three e-mails", cluster)
    wait_for(
        lambda: not Task.objects.filter(success=False).exists() and _queue_empty(), 30, "the queue drained", cluster
    )
    messages = sent_messages(cluster.mail_dir)
    recipients = sorted(address.addr_spec for m in messages for address in m["To"].addresses)
    assert recipients == ["atelier@example.org", "claire@example.org", "epicerie@example.org"]
    assert len(titled(messages, "Votre commande")) == 1


def _queue_empty() -> bool:
    from django_q.models import OrmQ

    return not OrmQ.objects.exists()


def test_a_page_cached_by_one_server_is_renewed_by_a_publish_on_the_other(cluster, market):
    visitor, editor = Visitor(cluster), Visitor(cluster)
    get_user_model().objects.create_superuser("editrice", "editrice@example.org", PASSWORD)
    miel = market.miel

    first = visitor.get(0, miel.url)
    assert first.status_code == 200 and "Miel de bruyère" in first.text
    # Changed behind the signals' back: a server that renders the page would show it, a cached page does not.
    Page.objects.filter(pk=miel.pk).update(title="Miel changé sans publication")
    for server in (0, 1):  # the other server reads the same cache
        served = visitor.get(server, miel.url).text
        assert "Miel de bruyère" in served and "Miel changé sans publication" not in served

    # An editor logged in on the second server is still logged in on the first (sessions are shared).
    editor.log_in(1, "editrice")
    assert editor.get(0, reverse("wagtailadmin_home")).status_code == 200

    # A new text as a draft, published through the second server's admin.
    draft = miel.specific
    draft.title = "Miel de bruyère, récolte 2026"
    draft.save_revision()
    publish_url = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish")) + f"?id={miel.pk}"
    confirm = editor.get(1, publish_url)
    assert confirm.status_code == 200
    published = editor.post(1, publish_url, {"csrfmiddlewaretoken": editor.csrf(1, confirm.text)})
    assert published.status_code == 302, published.text[:1000]

    assert "Miel de bruyère, récolte 2026" in visitor.get(0, miel.url).text
    # and the editor, logged in, never gets the anonymous copy
    assert "Miel de bruyère, récolte 2026" in editor.get(0, miel.url).text


def test_the_weekly_run_due_while_two_schedulers_run_is_enqueued_once(cluster, market):
    # a sale in the week that last ended: both shops have a statement to make
    last_week = last_ended_week()
    pay_at(two_shop_order(market), now=datetime.combine(last_week + timedelta(days=2), time(15), tzinfo=PARIS))
    mail.outbox.clear()
    schedule = Schedule.objects.get(func=WEEKLY_RUN)
    Schedule.objects.filter(pk=schedule.pk).update(next_run=timezone.now() - timedelta(minutes=1))
    # Two schedulers started together, each waiting for a file to exist, then running django-q2's scheduler.
    go = cluster.folder / "go"
    code = (
        "import time, pathlib\n"
        f"go = pathlib.Path({str(go)!r})\n"
        "while not go.exists(): time.sleep(0.01)\n"
        "from django_q.scheduler import scheduler\n"
        "scheduler()\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            env=cluster.env,
            cwd=cluster.env["PYTHONPATH"],
        )
        for _ in range(2)
    ]
    go.touch()
    assert [process.wait(timeout=60) for process in processes] == [0, 0]

    cluster.start_worker()
    cluster.start_worker()
    wait_for(
        lambda: Task.objects.filter(func="checkout.tasks.export_weekly_payouts").exists(),
        60,
        "the Monday run's last task",
        cluster,
    )
    wait_for(_queue_empty, 30, "the queue drained", cluster)
    assert Task.objects.filter(func=WEEKLY_RUN).count() == 1
    assert Task.objects.filter(func="checkout.tasks.make_weekly_statements_batch").count() == 1
    assert Task.objects.filter(func="checkout.tasks.export_weekly_payouts").count() == 1
    assert Schedule.objects.get(pk=schedule.pk).next_run > timezone.now()
    statements = WeeklyStatement.objects.filter(week_start=last_week)
    assert sorted(statements.values_list("shop_id", flat=True)) == sorted([market.atelier.pk, market.epicerie.pk])
    wait_for(lambda: len(sent_messages(cluster.mail_dir)) >= 2, 30, "the two weekly reports", cluster)
    wait_for(_queue_empty, 30, "the queue drained", cluster)
    assert sorted(m["To"].addresses[0].addr_spec for m in sent_messages(cluster.mail_dir)) == [
        "atelier@example.org",
        "epicerie@example.org",
    ]


def test_an_email_whose_worker_dies_while_sending_is_sent_once_by_another(cluster, market):
    order = two_shop_order(market)
    pay_at(order)  # the suite's tasks run inline: the confirmation went out here; forget it was sent
    Order.objects.filter(pk=order.pk).update(confirmation_sent_at=None)

    enqueued_at = timezone.now()
    dying = cluster.start_worker(**{SLOW_SEND_ENV: "30"})
    cluster.run(
        f"from django_q.tasks import async_task; async_task('checkout.tasks.send_order_confirmation', {order.pk})"
    )
    wait_for(lambda: list(cluster.mail_dir.glob("*.sending")), 30, "the worker began to send", cluster)
    cluster.kill(dying)
    assert sent_messages(cluster.mail_dir) == []
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is None  # its transaction died with it

    cluster.start_worker()  # after the broker's retry delay, the task is handed out again
    wait_for(lambda: sent_messages(cluster.mail_dir), 60, "the confirmation sent by the second worker", cluster)
    wait_for(_queue_empty, 30, "the queue drained", cluster)
    messages = sent_messages(cluster.mail_dir)
    assert [(m["To"].addresses[0].addr_spec, m["Subject"].split(" ")[0]) for m in messages] == [
        ("alice@example.org", "Votre")
    ]
    assert Order.objects.get(pk=order.pk).confirmation_sent_at is not None
    runs = Task.objects.filter(func="checkout.tasks.send_order_confirmation", started__gte=enqueued_at)
    assert list(runs.values_list("success", flat=True)) == [True]
