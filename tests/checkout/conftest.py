"""A small market of two shops for the checkout tests, built with the shared factories."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from markets.models import CommissionRate
from shops.models import DeliveryOption, ProductPage, ShopPage
from tests.fixtures import factories as f


@dataclass
class Market:
    territory: object
    market: object
    atelier: ShopPage  # pick-up (free) and postal (7.90)
    epicerie: ShopPage  # pick-up and home delivery (5.00), inactive postal
    santon: ProductPage  # atelier, 12.50, stock 5
    bonnet: ProductPage  # atelier, 20.00, stock 10, option Taille S/M/L
    miel: ProductPage  # epicerie, 8.30, stock 3
    atelier_visite: ProductPage  # epicerie, service 15.00, unlimited stock

    def option(self, shop, kind, active=True) -> DeliveryOption:
        return shop.delivery_options.get(kind=kind, active=active)


@pytest.fixture
def market(db) -> Market:
    home = f.french_home()
    territory = f.make_territory("Pays de Morlaix")
    CommissionRate.objects.create(territory=territory, starts_on=date(2020, 1, 1), rate=Decimal("8.00"))
    market = f.make_market(home, territory)
    atelier = f.make_shop(
        market, "Atelier du Bois Flotté", email="atelier@example.org", delivery_options=[f.pickup(), f.postal()]
    )
    epicerie = f.make_shop(
        market,
        "Épicerie Kerjean",
        email="epicerie@example.org",
        delivery_options=[f.pickup(), f.home_delivery(), f.postal(active=False)],
    )
    santon = f.make_product(atelier, "Santon en bois", price="12.50", stock=5)
    bonnet = f.make_product(
        atelier,
        "Bonnet en laine",
        price="20.00",
        stock=10,
        options=[("option", {"name": "Taille", "values": ["S", "M", "L"]})],
    )
    miel = f.make_product(epicerie, "Miel de bruyère", price="8.30", stock=3)
    visite = f.make_product(epicerie, "Visite de la miellerie", price="15.00", kind="service", stock=None)
    return Market(territory, market, atelier, epicerie, santon, bonnet, miel, visite)


@pytest.fixture
def other_market(db):
    """A second territory with one shop and one product."""
    home = f.french_home()
    territory = f.make_territory("Pays de Brest")
    market = f.make_market(home, territory)
    shop = f.make_shop(market, "Boutique de Brest", delivery_options=[f.pickup()])
    product = f.make_product(shop, "Phare miniature", price="9.00", stock=4)
    return shop, product


# localstripe -----------------------------------------------------------------

import http.server  # noqa: E402
import json  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import urllib.error  # noqa: E402
import urllib.parse  # noqa: E402
import urllib.request  # noqa: E402
from pathlib import Path  # noqa: E402

WEBHOOK_SECRET = "whsec_test_checkout_suite"
SECRET_KEY = "sk_test_checkout_suite"
PUBLISHABLE_KEY = "pk_test_checkout_suite"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):
    """A localstripe of our own on a free loopback port, for the whole session."""
    port = _free_port()
    executable = Path(sys.executable).with_name("localstripe")
    log = (tmp_path_factory.mktemp("localstripe") / "localstripe.log").open("wb")
    process = subprocess.Popen(
        [str(executable), "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/js.stripe.com/v3/", timeout=1).read()
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("localstripe did not start") from None
            time.sleep(0.1)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


class _WebhookInbox(http.server.BaseHTTPRequestHandler):
    """Receives what localstripe sends, to hand it to Django's test client."""

    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def webhook_inbox_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebhookInbox)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class LocalStripe:
    def __init__(self, url):
        self.url = url

    def _call(self, method, path, data=None, key=SECRET_KEY):
        body = urllib.parse.urlencode(data or {}, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(self.url + path, data=body, method=method)
        if key:
            request.add_header("Authorization", f"Bearer {key}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def pay(self, payment_intent_id, card="4242424242424242"):
        """What Stripe.js does on the page: attach a card and confirm. Returns the intent's status."""
        status, method = self._call(
            "POST",
            "/v1/payment_methods",
            {"type": "card", "card[number]": card, "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123"},
        )
        assert status == 200, method
        status, _ = self._call("POST", f"/v1/payment_intents/{payment_intent_id}", {"payment_method": method["id"]})
        assert status == 200
        self._call("POST", f"/v1/payment_intents/{payment_intent_id}/confirm", {})
        return self.intent(payment_intent_id)["status"]

    def authenticate(self, payment_intent_id, client_secret, success=True):
        """The 3-D Secure window of the fake Stripe.js."""
        status, body = self._call(
            "POST",
            f"/v1/payment_intents/{payment_intent_id}/_authenticate?success={'true' if success else 'false'}",
            {"key": PUBLISHABLE_KEY, "client_secret": client_secret},
            key=None,
        )
        assert status == 200, body
        return body["status"]

    def intent(self, payment_intent_id):
        return self._call("GET", f"/v1/payment_intents/{payment_intent_id}")[1]

    def refunds(self, payment_intent_id):
        return self._call("GET", f"/v1/refunds?payment_intent={payment_intent_id}")[1]["data"]

    def webhooks(self, event_type, payment_intent_id, count=1, timeout=10):
        """The signed webhooks localstripe sent for this intent: [(body, signature header)]."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                (body, signature)
                for body, signature in list(_WebhookInbox.received)
                if json.loads(body)["type"] == event_type
                and json.loads(body)["data"]["object"]["id"] == payment_intent_id
            ]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@pytest.fixture
def stripe(localstripe_url, webhook_inbox_url, settings):
    """localstripe, flushed, with its webhook registered and the gateway pointed at it."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_url
    local = LocalStripe(localstripe_url)
    status, _ = local._call("DELETE", "/_config/data", key=None)
    assert status == 200
    status, _ = local._call(
        "POST", "/_config/webhooks/checkout-tests", {"url": webhook_inbox_url, "secret": WEBHOOK_SECRET}, key=None
    )
    assert status == 200
    _WebhookInbox.received.clear()
    return local
