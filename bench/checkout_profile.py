"""What each step of the basket-to-paid-order flow costs the portal: thread CPU ms and queries, per step.

    .venv/bin/python bench/checkout_profile.py [-n 20] [--profile "confirm card,return page"] [--sql STEP]

The same requests as `bench/locustfile.py`'s BasketToPaidOrder, through
Django's test client, on a fresh in-memory test database (two shops of one
market) and a localstripe of its own, plus the signed webhook localstripe
sends. Tasks are enqueued in the ORM broker and not run, as on the bench
server. CPU is `time.thread_time()` around each request (the machine is
shared: wall time says little); the first round warms caches and is not
counted. `--profile` prints cProfile's top functions of the named steps.
"""

import argparse
import cProfile
import http.server
import json
import logging
import os
import pstats
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.test"
os.environ.pop("DATABASE_URL", None)

import portal.settings.test as test_settings

# As on the bench server: tasks go to the ORM broker, no worker runs them in the request.
test_settings.Q_CLUSTER = {**test_settings.Q_CLUSTER, "sync": False}

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SECRET_KEY, PUBLISHABLE_KEY, WEBHOOK_SECRET = "sk_test_profile", "pk_test_profile", "whsec_test_profile"
STEPS = (
    "product page",
    "add to basket",
    "checkout page",
    "place order",
    "payment page",
    "confirm card",
    "return page",
    "order page",
    "webhook",
)


class Inbox(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((body, self.headers["Stripe-Signature"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url, method="POST", data=None, key=SECRET_KEY):
    body = urllib.parse.urlencode(data or {}).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def start_localstripe():
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("localstripe")), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/js.stripe.com/v3/", timeout=1).read()
            return process, url
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.1)


def seed():
    """Two shops of one market, a product each with stock for every round."""
    from datetime import date
    from decimal import Decimal

    from markets.models import CommissionRate
    from tests.fixtures import factories as f

    home = f.french_home()
    territory = f.make_territory("Pays de Morlaix")
    CommissionRate.objects.create(territory=territory, starts_on=date(2020, 1, 1), rate=Decimal("8.00"))
    market = f.make_market(home, territory)
    atelier = f.make_shop(
        market, "Atelier du Bois Flotté", email="atelier@example.org", delivery_options=[f.pickup(), f.postal()]
    )
    epicerie = f.make_shop(
        market, "Épicerie Kerjean", email="epicerie@example.org", delivery_options=[f.pickup(), f.home_delivery()]
    )
    santon = f.make_product(atelier, "Santon en bois", price="12.50", stock=100000)
    miel = f.make_product(epicerie, "Miel de bruyère", price="8.30", stock=100000)
    return (santon, atelier), (miel, epicerie)


class Flow:
    def __init__(self, stripe_url, products):
        self.stripe_url, self.products = stripe_url, products
        self.samples = {step: {"cpu": [], "queries": []} for step in STEPS}
        self.profiles: dict[str, cProfile.Profile] = {}
        self.record = False
        self.profile_steps: set[str] = set()
        self.sql_step = None

    def step(self, name, request, *args, **kwargs):
        profiler = (
            self.profiles.setdefault(name, cProfile.Profile()) if (self.record and name in self.profile_steps) else None
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.thread_time()
            if profiler:
                profiler.enable()
            response = request(*args, **kwargs)
            if profiler:
                profiler.disable()
            spent = time.thread_time() - started
        if self.record:
            self.samples[name]["cpu"].append(spent * 1000)
            self.samples[name]["queries"].append(len(queries))
            if name == self.sql_step:
                self.sql_step = None
                print(f"--- SQL of {name} ---")
                for query in queries.captured_queries:
                    print(" ", query["sql"][:300])
        return response

    def run(self):
        from checkout.models import Order

        client = Client()
        for product, _shop in self.products:
            page = self.step("product page", client.get, product.url)
            assert page.status_code == 200, page.status_code
            added = self.step(
                "add to basket",
                client.post,
                "/fr/panier/ajouter/",
                {"product": product.pk, "quantity": "1", "next": product.url},
            )
            assert added.status_code == 302, added.status_code
        checkout = self.step("checkout page", client.get, "/fr/panier/validation/")
        assert checkout.status_code == 200, checkout.status_code
        data = {"name": "Claire Bench", "email": "claire@bench.example", "phone": "", "accept_terms": "on"}
        for _product, shop in self.products:
            data[f"shop-{shop.pk}-option"] = shop.delivery_options.get(kind="pickup").pk
        placed = self.step("place order", client.post, "/fr/panier/validation/", data)
        assert placed.status_code == 302 and "/paiement/" in placed["Location"], (
            placed.status_code,
            placed.get("Location"),
        )
        payment_url = placed["Location"]
        payment = self.step("payment page", client.get, payment_url)
        assert payment.status_code == 200, payment.status_code
        token = call(
            self.stripe_url + "/v1/tokens",
            data={
                "card[number]": "4242424242424242",
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
                "key": PUBLISHABLE_KEY,
            },
            key=None,
        )
        confirmed = self.step(
            "confirm card", client.post, payment_url + "carte/", {"payment_method": token["card"]["id"]}
        )
        assert confirmed.json().get("status") == "succeeded", confirmed.content
        returned = self.step("return page", client.get, payment_url + "retour/")
        assert returned.status_code == 302 and "/commande/" in returned["Location"], returned.status_code
        order_page = self.step("order page", client.get, returned["Location"])
        assert order_page.status_code == 200
        order = Order.objects.get(token=payment_url.rstrip("/").rsplit("/", 1)[-1])
        intent_id = order.payments.get().provider_id
        deadline = time.monotonic() + 10
        while True:
            found = [
                (b, s)
                for b, s in list(Inbox.received)
                if json.loads(b)["type"] == "payment_intent.succeeded"
                and json.loads(b)["data"]["object"]["id"] == intent_id
            ]
            if found or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert found, "no webhook from localstripe"
        body, signature = found[0]
        answer = self.step(
            "webhook",
            Client().post,
            "/checkout/webhooks/stripe/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature,
        )
        assert answer.status_code == 200, answer.status_code
        assert order.__class__.objects.get(pk=order.pk).status == "paid"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="paid orders measured (after one warm-up)")
    parser.add_argument("--profile", default="", help="comma-separated steps to profile with cProfile")
    parser.add_argument("--sql", default=None, help="print the SQL of one request of this step")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    logging.disable(logging.INFO)  # the seed's page and task messages
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    process, stripe_url = start_localstripe()
    inbox = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    threading.Thread(target=inbox.serve_forever, daemon=True).start()
    try:
        settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = SECRET_KEY, PUBLISHABLE_KEY
        settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_API_BASE = WEBHOOK_SECRET, stripe_url
        call(
            f"{stripe_url}/_config/webhooks/profile",
            data={"url": f"http://127.0.0.1:{inbox.server_address[1]}/", "secret": WEBHOOK_SECRET},
            key=None,
        )
        flow = Flow(stripe_url, seed())
        flow.profile_steps = {s.strip() for s in args.profile.split(",") if s.strip()}
        flow.run()  # warm-up: imports, template loading, first queries of caches
        flow.record, flow.sql_step = True, args.sql
        for _ in range(args.n):
            flow.run()
    finally:
        process.terminate()
        process.wait(timeout=10)
        inbox.shutdown()

    print(f"{'step':<16}{'requests':>9}{'CPU ms median':>15}{'CPU ms mean':>13}{'queries':>9}")
    per_order = 0.0
    queries_per_order = 0
    for step in STEPS:
        cpu, queries = flow.samples[step]["cpu"], flow.samples[step]["queries"]
        per_flow = len(cpu) // args.n
        per_order += statistics.mean(cpu) * per_flow
        queries_per_order += statistics.mean(queries) * per_flow
        print(
            f"{step:<16}{per_flow:>9}{statistics.median(cpu):>15.1f}{statistics.mean(cpu):>13.1f}"
            f"{statistics.mean(queries):>9.1f}"
        )
    print(f"per paid order: {per_order:.1f} ms CPU, {queries_per_order:.0f} queries")
    for step, profiler in flow.profiles.items():
        print(f"\n=== cProfile: {step} (cumulative) ===")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
