"""The bench's visitors, one user class per scenario, for locust headless.

`bench/run.py` starts locust once per scenario:
`locust -f bench/locustfile.py --headless -u N -r N -t 20s --host http://127.0.0.1:PORT ScenarioClass`
with `BENCH_TARGETS` naming a JSON file of URLs and logins taken from the
seeded database, and `BENCH_OUT` the JSON file this run writes: each
request's latency, outcome, query count and server CPU time (the server's
`X-Bench-Queries` and `X-Bench-Cpu-Us` headers), by request name.
`BENCH_HOSTS_URLS`, comma-separated, names the servers when there are more
than one: each user sends each request to the next server in turn, so one
visitor's basket, order and payment go through all of them. Locust's own statistics are not used: its
percentiles are rounded into buckets.

No wait time: each user sends its next request as soon as the last one is
answered, so requests per second measure what the server sustains with N
requests in flight. `BENCH_MAX_REQUESTS` bounds a scenario's requests
whatever its duration.
"""

import html
import json
import os
import random
import re
import time
from pathlib import Path

from locust import constant, events, task
from locust.contrib.fasthttp import FastHttpUser

TARGETS = json.loads(Path(os.environ["BENCH_TARGETS"]).read_text()) if os.environ.get("BENCH_TARGETS") else {}
MAX_REQUESTS = int(os.environ.get("BENCH_MAX_REQUESTS", "20000"))
# The scenario's length: what the page cache did is also counted over its second half apart (steady state).
SCENARIO_SECONDS = float(os.environ.get("BENCH_SCENARIO_SECONDS", "0"))
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
VISITOR_STATE = re.compile(r'data-visitor-state="([^"]+)"')
PRODUCT_INPUT = re.compile(r'name="product" value="(\d+)"')
OPTION_SELECT = re.compile(r'name="(option-\d+)"')
DELIVERY_RADIO = re.compile(r'name="(shop-\d+)-option"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="(shop-\d+)-option"')
HOSTS = [h for h in os.environ.get("BENCH_HOSTS_URLS", "").split(",") if h]
TEST_CARD = {"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123"}

samples: dict[str, dict] = {}
started_at = time.monotonic()


@events.test_start.add_listener
def _start(environment, **kwargs):
    global started_at
    started_at = time.monotonic()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kwargs):
    entry = samples.setdefault(name, {"times": [], "errors": 0, "queries": [], "cpu": [], "error_examples": [],
                                      "page_cache": {}, "page_cache_second_half": {}})
    entry["times"].append(response_time)
    if exception is not None:
        entry["errors"] += 1
        if len(entry["error_examples"]) < 3:
            entry["error_examples"].append(repr(exception)[:300])
    queries = response.headers.get("X-Bench-Queries") if response is not None and response.headers else None
    if queries is not None:
        entry["queries"].append(int(queries))
    cpu = response.headers.get("X-Bench-Cpu-Us") if response is not None and response.headers else None
    if cpu is not None:
        entry["cpu"].append(int(cpu))
    cached = response.headers.get("X-Bench-Page-Cache") if response is not None and response.headers else None
    if cached is not None:
        entry["page_cache"][cached] = entry["page_cache"].get(cached, 0) + 1
        if SCENARIO_SECONDS and time.monotonic() - started_at > SCENARIO_SECONDS / 2:
            late = entry["page_cache_second_half"]
            late[cached] = late.get(cached, 0) + 1
    if sum(len(e["times"]) for e in samples.values()) >= MAX_REQUESTS:
        runner = kwargs.get("context", {}).get("runner") or _runner
        if runner is not None:
            runner.quit()


_runner = None


@events.init.add_listener
def _init(environment, **kwargs):
    global _runner
    _runner = environment.runner


@events.quitting.add_listener
def _write(environment, **kwargs):
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "w") as handle:
            json.dump({"elapsed": time.monotonic() - started_at, "samples": samples}, handle)


class Visitor(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    _turn = 0

    def at(self, path: str) -> str:
        """The path on the next server in turn (the only one with a single server)."""
        if len(HOSTS) < 2 or "://" in path:
            return path
        self._turn += 1
        return HOSTS[self._turn % len(HOSTS)] + path

    def csrf(self, body: str, name: str) -> str:
        """The form's CSRF token; a page from the page cache has none, and its script asks the visitor state for it."""
        found = CSRF_INPUT.search(body)
        if found and found.group(1):
            return found.group(1)
        state = VISITOR_STATE.search(body)
        if state is None:
            raise ValueError(f"{name}: no CSRF token and no visitor state")
        response = self.client.get(self.at(html.unescape(state.group(1))), name=name,
                                   headers={"Accept": "application/json"})
        return json.loads(response.text)["csrf_token"]

    def page(self, url: str, name: str):
        with self.client.get(self.at(url), name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{url}: HTTP {response.status_code}")
            return response


class Floor(Visitor):
    @task
    def floor(self):
        self.page("/bench/floor", "floor")


class Home(Visitor):
    @task
    def home(self):
        self.page(random.choice(TARGETS["home"]), "home")


class MarketFirstPage(Visitor):
    @task
    def market(self):
        self.page(random.choice(TARGETS["markets"]), "market (page 1)")


class MarketDeepPage(Visitor):
    @task
    def market(self):
        self.page(random.choice(TARGETS["markets_deep"]), "market (deep page)")


class Shop(Visitor):
    @task
    def shop(self):
        self.page(random.choice(TARGETS["shops"]), "shop")


class Product(Visitor):
    @task
    def product(self):
        self.page(random.choice(TARGETS["products"]), "product")


class Browse(Visitor):
    """Anonymous visitors going from page to page, half of them with a basket, on the server with the page cache.

    Pages are drawn as visitors ask for them: the home page now and then, a
    market, then shops and products, each list in a fixed order where the
    first entries are asked for more often than the last (a long tail:
    some shops and products are much more popular than others).
    """

    def on_start(self):
        if random.random() < 0.5:  # a basket: a session cookie, which must not keep the pages from the cache
            product = TARGETS["products"][0]
            body = self.page(product, "browse: product (setup)").text
            data = {"csrfmiddlewaretoken": self.csrf(body, "browse: visitor state (setup)"),
                    "product": PRODUCT_INPUT.search(body).group(1), "quantity": "1", "next": product}
            for option in OPTION_SELECT.findall(body):
                data[option] = "0"
            self.client.post(self.at(TARGETS["basket_add"]), data=data, name="browse: add to basket (setup)",
                             allow_redirects=False)

    @task
    def browse(self):
        kind = random.choices(("home", "markets", "shops", "products"), weights=(1, 2, 3, 4))[0]
        urls = TARGETS[kind]
        weights = [1 / (rank + 1) for rank in range(len(urls))]
        self.page(random.choices(urls, weights=weights)[0], "browse")


class MerchantOrders(Visitor):
    """A merchant logged in to the admin, opening their orders list again and again."""

    def on_start(self):
        login = TARGETS["merchant_login"]
        response = self.client.get(self.at(login), name="merchant login (setup)")
        token = self.csrf(response.text, "merchant login (setup)")
        self.client.post(self.at(login), data={"csrfmiddlewaretoken": token, "username": TARGETS["merchant"],
                                      "password": TARGETS["password"], "next": TARGETS["merchant_orders"]},
                         name="merchant login (setup)")

    @task
    def orders(self):
        self.page(TARGETS["merchant_orders"], "merchant orders list")


class BasketToPaidOrder(Visitor):
    """A resident fills a basket from two shops of one market, checks out and pays with the test card.

    The same requests as the browser, in order: product page, add to
    basket (twice, two shops), checkout page, checkout form (places the
    order), payment page (creates the PaymentIntent), the card made a
    token at localstripe as its fake Stripe.js does, card confirmation,
    return page (confirms the order) and the order page.
    """

    def on_start(self):
        self.baskets = TARGETS["baskets"]

    def _add(self, url: str) -> bool:
        response = self.page(url, "checkout: product page")
        if response.status_code != 200:
            return False
        body = response.text
        data = {"csrfmiddlewaretoken": self.csrf(body, "checkout: visitor state"),
                "product": PRODUCT_INPUT.search(body).group(1), "quantity": "1", "next": url}
        for option in OPTION_SELECT.findall(body):
            data[option] = "0"
        with self.client.post(self.at(TARGETS["basket_add"]), data=data, name="checkout: add to basket",
                              allow_redirects=False, catch_response=True) as posted:
            if posted.status_code != 302:
                posted.failure(f"add: HTTP {posted.status_code}")
                return False
        return True

    @task
    def buy(self):
        started = time.perf_counter()
        if not all(self._add(url) for url in random.choice(self.baskets)):
            return
        checkout = self.page(TARGETS["checkout"], "checkout: checkout page")
        if checkout.status_code != 200:
            return
        body = checkout.text
        data = {"csrfmiddlewaretoken": self.csrf(body, "checkout: visitor state"), "name": "Claire Bench",
                "email": "claire@bench.example", "phone": "", "accept_terms": "on"}
        for match in DELIVERY_RADIO.finditer(body):
            prefix, option = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
            data.setdefault(f"{prefix}-option", option)
            data[f"{prefix}-address"] = "3 rue des Bench, 68000 Colmar"
        with self.client.post(self.at(TARGETS["checkout"]), data=data, name="checkout: place order",
                              allow_redirects=False, catch_response=True) as placed:
            if placed.status_code != 302 or "/paiement/" not in placed.headers.get("Location", ""):
                placed.failure(f"place order: HTTP {placed.status_code} {placed.headers.get('Location')}")
                return
            payment_url = placed.headers["Location"]
        payment = self.page(payment_url, "checkout: payment page")
        if payment.status_code != 200:
            return
        csrf = self.csrf(payment.text, "checkout: visitor state")
        with self.client.post(f"{TARGETS['stripe']}/v1/tokens", data={**TEST_CARD, "key": TARGETS["stripe_pk"]},
                              name="localstripe: card token", catch_response=True) as token:
            if token.status_code != 200:
                token.failure(f"token: HTTP {token.status_code}")
                return
            card_id = json.loads(token.text)["card"]["id"]
        path = payment_url.split("://", 1)[-1]
        path = path[path.index("/"):] if "://" in payment_url else payment_url
        with self.client.post(self.at(path + "carte/"), data={"payment_method": card_id}, headers={"X-CSRFToken": csrf},
                              name="checkout: confirm card", catch_response=True) as confirmed:
            if confirmed.status_code != 200 or json.loads(confirmed.text).get("status") != "succeeded":
                confirmed.failure(f"confirm: HTTP {confirmed.status_code} {confirmed.text[:200]}")
                return
        with self.client.get(self.at(path + "retour/"), name="checkout: return page", allow_redirects=False,
                             catch_response=True) as returned:
            if returned.status_code != 302 or "/commande/" not in returned.headers.get("Location", ""):
                returned.failure(f"return: HTTP {returned.status_code}")
                return
            order_url = returned.headers["Location"]
        self.page(order_url, "checkout: order page")
        # One sample per paid order, for orders per second and the whole flow's latency.
        events.request.fire(request_type="FLOW", name="basket-to-paid-order", response_time=(time.perf_counter() - started) * 1000,
                            response_length=0, response=None, exception=None, context={})
