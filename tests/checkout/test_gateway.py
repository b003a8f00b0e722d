"""The Stripe gateway's robustness: idempotency keys, time-outs, decline reasons, webhook read-back.

What goes over the wire is seen through `RecordingClient`, Stripe's own
HTTP client with a recorder in front: it notes every request the library
sends (with its `Idempotency-Key`), answers recorded Stripe responses when
a test queued some, replays a POST whose key it has already answered (what
Stripe does and localstripe does not), and otherwise goes on to localstripe.
"""

import http.server
import json
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe as stripe_lib
from django.core import mail
from django.utils import translation

from checkout import services
from checkout.models import LedgerEntry, Order, OrderStatus, Payment, PaymentState, WebhookEvent
from checkout.payments import gateway
from checkout.services import Confirmation, refund_shop_order, start_payment, sync_payment
from tests.checkout.conftest import PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET
from tests.checkout.helpers import fake_payment, stock, two_shop_order

WEBHOOK_URL = "/checkout/webhooks/stripe/"


# The recording client ---------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    method: str
    path: str
    idempotency_key: str | None
    params: dict


def read_timeout() -> stripe_lib.APIConnectionError:
    """What the library's RequestsClient raises when Stripe does not answer within the read time-out."""
    return stripe_lib.APIConnectionError(
        "Unexpected error communicating with Stripe.  If this problem persists,\nlet us know at support@stripe.com.\n\n"
        "(Network error: ReadTimeout: HTTPSConnectionPool(host='api.stripe.com', port=443): Read timed out. "
        "(read timeout=10.0))",
        should_retry=True,
    )


class RecordingClient(stripe_lib.RequestsClient):
    def __init__(self, *, forward: bool = True):
        super().__init__(timeout=(3, 10))
        self.forward = forward
        self.sent: list[Sent] = []
        self.queued: dict[tuple[str, str], list] = {}
        self.answered: dict[str, tuple] = {}

    def queue(self, method: str, path: str, *answers) -> None:
        """Answer the next requests to `path` with these: (status, JSON body) pairs or exceptions to raise."""
        self.queued.setdefault((method, path), []).extend(answers)

    def request(self, method, url, headers, post_data=None):
        path = urlsplit(url).path
        key = (headers or {}).get("Idempotency-Key")
        self.sent.append(Sent(method, path, key, dict(parse_qsl(post_data or ""))))
        if self.queued.get((method, path)):
            answer = self.queued[(method, path)].pop(0)
            if isinstance(answer, Exception):
                raise answer
            status, body = answer
            return json.dumps(body).encode(), status, {"Request-Id": "req_recorded", "Content-Type": "application/json"}
        if method == "post" and key in self.answered:
            content, status, response_headers = self.answered[key]
            return content, status, {**response_headers, "Idempotent-Replayed": "true"}
        assert self.forward, f"unexpected request {method} {path}"
        content, status, response_headers = super().request(method, url, headers, post_data)
        if method == "post":
            self.answered[key] = (content, status, dict(response_headers))
        return content, status, response_headers

    def _sleep_time_seconds(self, num_retries):
        return 0  # the library's back-off between retries is not what these tests are about

    def keys(self, method: str, path: str) -> list[str | None]:
        return [sent.idempotency_key for sent in self.sent if sent.method == method and sent.path == path]


@pytest.fixture
def recorder(stripe, monkeypatch):
    """Every gateway call goes through a RecordingClient in front of localstripe."""
    client = RecordingClient()
    monkeypatch.setattr(gateway, "http_client", lambda: client)
    return client


@pytest.fixture
def recorded_only(settings, monkeypatch):
    """Every gateway call goes through a RecordingClient that only answers what a test queued."""
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    client = RecordingClient(forward=False)
    monkeypatch.setattr(gateway, "http_client", lambda: client)
    return client


def card_payment_method(stripe, number="4242424242424242"):
    """What the page does with localstripe's fake Stripe.js: a token, whose card is the payment method."""
    status, token = stripe._call(
        "POST",
        "/v1/tokens",
        {"card[number]": number, "card[exp_month]": "12", "card[exp_year]": "2030", "card[cvc]": "123", "key": PUBLISHABLE_KEY},
        key=None,
    )
    assert status == 200, token
    return token["card"]["id"]


# Idempotency keys -------------------------------------------------------------


def test_keys_are_built_from_our_ids_the_attempt_and_the_amount():
    assert gateway.payment_key(12, 3, Decimal("19.90")) == "order-12-attempt-3-create-1990"
    assert gateway.payment_key(12, 3, Decimal("19.91")) == "order-12-attempt-3-create-1991"
    assert gateway.payment_key(12, 4, Decimal("19.90")) == "order-12-attempt-4-create-1990"
    assert gateway.confirm_key("pi_3QxA", "pm_1QxB") == "pi_3QxA-pay-pm_1QxB"
    assert gateway.refund_key(5, Decimal("13.30")) == "refund-5-create-1330"
    assert gateway.refund_key(5, Decimal("13.31")) == "refund-5-create-1331"
    assert gateway.full_refund_key(7, Decimal("38.30")) == "payment-7-refund-3830"


def test_an_overlong_key_is_shortened_the_same_way_each_time():
    # given a payment method id as long as the confirm view accepts (200 characters)
    long_method = "pm_" + "a" * 200
    # then its key still fits Stripe's 255 characters, is stable, and differs from another card's
    key = gateway.confirm_key("pi_3QxA", long_method)
    assert len(key) == 215
    assert key == gateway.confirm_key("pi_3QxA", long_method)
    assert key != gateway.confirm_key("pi_3QxA", "pm_" + "a" * 199 + "b")


def test_create_sends_the_order_attempt_and_amount_key_and_a_retry_sends_the_same(market, stripe, recorder):
    # given an order of 38.30 whose first create gets no answer, even after the library's two retries
    order = two_shop_order(market)
    recorder.queue("post", "/v1/payment_intents", read_timeout(), read_timeout(), read_timeout())
    with pytest.raises(gateway.GatewayTimeout):
        start_payment(order)
    assert Payment.objects.count() == 0
    # when the payment is started again
    client_secret = start_payment(order)
    # then every request carried the same key, so Stripe makes one PaymentIntent whatever happened to the first
    expected = f"order-{order.pk}-attempt-0-create-3830"
    assert recorder.keys("post", "/v1/payment_intents") == [expected] * 4
    payment = order.payments.get()
    assert client_secret.startswith(payment.provider_id + "_secret_")
    # and once that intent is cancelled, the next attempt is a new request with a new key
    assert stripe._call("POST", f"/v1/payment_intents/{payment.provider_id}/cancel", {})[0] == 200
    start_payment(order)
    assert recorder.keys("post", "/v1/payment_intents") == [expected] * 4 + [f"order-{order.pk}-attempt-1-create-3830"]
    assert order.payments.count() == 2


def test_confirm_sends_the_intent_and_card_keys_and_a_double_click_charges_once(
    client, market, stripe, recorder, monkeypatch
):
    # given an order with its PaymentIntent and a card from the page
    order = two_shop_order(market)
    start_payment(order)
    intent_id = order.payments.get().provider_id
    card = card_payment_method(stripe)
    url = f"/fr/panier/paiement/{order.token}/carte/"
    # when the customer clicks "Payer" twice with the same card, the second click arriving before
    # the first one recorded the payment (the card step records it once Stripe answered)
    record_payment = services.confirm_payment
    monkeypatch.setattr(services, "confirm_payment", lambda *args, **kwargs: None)
    first = client.post(url, {"payment_method": card})
    monkeypatch.setattr(services, "confirm_payment", record_payment)
    second = client.post(url, {"payment_method": card})
    # then both clicks sent the same two keys, Stripe replays the first answer, and the card is charged once
    assert first.json()["status"] == second.json()["status"] == "succeeded"
    assert recorder.keys("post", f"/v1/payment_intents/{intent_id}") == [f"{intent_id}-pay-{card}-attach"] * 2
    assert recorder.keys("post", f"/v1/payment_intents/{intent_id}/confirm") == [f"{intent_id}-pay-{card}-confirm"] * 2
    charges = stripe._call("GET", "/v1/charges")[1]["data"]  # localstripe is emptied before each test
    assert [charge["amount"] for charge in charges] == [3830]
    # and the order is paid once
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.get().state == PaymentState.SUCCEEDED


def test_refunds_send_their_row_and_amount_keys_and_a_repeat_refunds_once(market, stripe, recorder):
    # given a paid order; the épicerie's part is 13.30
    order = two_shop_order(market)
    start_payment(order)
    intent_id = order.payments.get().provider_id
    assert stripe.pay(intent_id) == "succeeded"
    assert sync_payment(intent_id) == Confirmation.CONFIRMED
    epicerie = order.shop_orders.get(trade_name="Épicerie Kerjean")
    # when the merchant refunds 3.33 then 5.00
    first = refund_shop_order(epicerie.pk, Decimal("3.33"))
    second = refund_shop_order(epicerie.pk, Decimal("5.00"))
    # then each refund carried its own row and amount
    assert recorder.keys("post", "/v1/refunds") == [f"refund-{first.pk}-create-333", f"refund-{second.pk}-create-500"]
    # and the same refund sent again (its answer lost) is the same refund at Stripe, not a second one
    again = gateway.refund(intent_id, Decimal("5.00"), idempotency_key=f"refund-{second.pk}-create-500")
    assert again == second.provider_id
    assert sorted(r["amount"] for r in stripe.refunds(intent_id)) == [333, 500]


# Time-outs --------------------------------------------------------------------


class _SilentStripe(http.server.BaseHTTPRequestHandler):
    """Reads the request, then says nothing: a Stripe that does not answer."""

    keys: list = []
    released = threading.Event()

    def do_POST(self):
        self.keys.append((self.path, self.headers["Idempotency-Key"]))
        self.released.wait(10)

    def log_message(self, *args):
        pass


@pytest.fixture
def silent_stripe(settings):
    _SilentStripe.keys = []
    _SilentStripe.released.clear()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SilentStripe)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    yield _SilentStripe
    _SilentStripe.released.set()
    server.shutdown()
    server.server_close()


def test_stripe_not_answering_within_the_read_timeout_is_a_gateway_timeout(silent_stripe, settings, monkeypatch):
    # given a Stripe that accepts connections and never answers, and a read time-out of 0.2 s
    settings.STRIPE_READ_TIMEOUT = 0.2
    monkeypatch.setattr(stripe_lib.HTTPClient, "INITIAL_DELAY", 0)
    monkeypatch.setattr(stripe_lib.HTTPClient, "MAX_DELAY", 0)
    # when a PaymentIntent is created
    with pytest.raises(gateway.GatewayTimeout) as raised:
        gateway.create_payment_intent(Decimal("38.30"), "eur", {"order": "1"}, idempotency_key="order-1-attempt-0-create-3830")
    # then the gateway gave up after the library's two retries, all with our key, and says the outcome is unknown
    assert silent_stripe.keys == [("/v1/payment_intents", "order-1-attempt-0-create-3830")] * 3
    assert isinstance(raised.value, gateway.GatewayError)
    assert "Read timed out" in str(raised.value)


def test_the_http_client_takes_the_configured_timeouts(settings):
    settings.STRIPE_CONNECT_TIMEOUT = 2.5
    settings.STRIPE_READ_TIMEOUT = 7
    assert gateway.http_client()._timeout == (2.5, 7.0)
    assert gateway.http_client() is gateway.http_client()


def test_payment_page_says_stripe_is_unavailable_and_the_order_stays_payable(client, market, stripe, recorder):
    # given a pending order and a Stripe that does not answer
    m = market
    order = two_shop_order(m)
    recorder.queue("post", "/v1/payment_intents", read_timeout(), read_timeout(), read_timeout())
    # when the customer opens the payment page
    response = client.get(f"/fr/panier/paiement/{order.token}/")
    # then the page says so and offers to try again; nothing is charged, the order keeps its stock
    html = response.content.decode()
    assert response.status_code == 200
    assert "Le paiement par carte est momentanément indisponible" in html
    assert f'href="/fr/panier/paiement/{order.token}/"' in html
    assert "client_secret" not in response.context
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert Payment.objects.count() == 0
    assert stock(m.santon) == (3, 0)
    # when the customer tries again with Stripe back, the order is payable
    response = client.get(f"/fr/panier/paiement/{order.token}/")
    assert response.context["client_secret"]
    payment = order.payments.get()
    assert recorder.keys("post", "/v1/payment_intents") == [f"order-{order.pk}-attempt-0-create-3830"] * 4
    assert stripe.pay(payment.provider_id) == "succeeded"
    assert sync_payment(payment.provider_id) == Confirmation.CONFIRMED


def test_confirm_without_an_answer_asks_to_try_again_and_charges_nothing(client, market, recorded_only):
    # given an order with its PaymentIntent, and a confirm that gets no answer
    order = two_shop_order(market)
    fake_payment(order, "pi_3QxTimeout")
    recorded_only.queue("post", "/v1/payment_intents/pi_3QxTimeout", (200, recorded_intent("pi_3QxTimeout", "requires_confirmation")))
    recorded_only.queue("post", "/v1/payment_intents/pi_3QxTimeout/confirm", read_timeout(), read_timeout(), read_timeout())
    # when the page confirms the card
    answer = client.post(f"/fr/panier/paiement/{order.token}/carte/", {"payment_method": "pm_1QxCard"})
    # then the customer is asked to try again, which is safe: the same card sends the same keys
    assert answer.status_code == 502
    assert answer.json() == {"error": "Le paiement n'a pas pu être effectué. Réessayez dans un instant."}
    assert recorded_only.keys("post", "/v1/payment_intents/pi_3QxTimeout/confirm") == ["pi_3QxTimeout-pay-pm_1QxCard-confirm"] * 3
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


# Decline reasons, on responses recorded from Stripe --------------------------


def recorded_intent(intent_id: str, status: str, amount: int = 3830, last_payment_error=None) -> dict:
    """A PaymentIntent as Stripe's API returns it (2025 API version), trimmed of nulls we never read."""
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": amount if status == "succeeded" else 0,
        "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_Rk2rWq7hJ0sBqU3n",
        "confirmation_method": "automatic",
        "created": 1733052011,
        "currency": "eur",
        "last_payment_error": last_payment_error,
        "latest_charge": "ch_3QxRecorded0Charge",
        "livemode": False,
        "metadata": {"order": "1"},
        "payment_method": "pm_1QxCard",
        "payment_method_types": ["card"],
        "status": status,
    }


def recorded_card_error(code: str, decline_code: str, message: str, param: str | None = None) -> dict:
    """The body of Stripe's 402 answer to a PaymentIntent confirm whose card was refused."""
    error = {
        "charge": "ch_3QxRecorded0Charge",
        "code": code,
        "decline_code": decline_code,
        "doc_url": f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}",
        "message": message,
        "payment_method": {
            "id": "pm_1QxCard",
            "object": "payment_method",
            "card": {"brand": "visa", "country": "FR", "exp_month": 12, "exp_year": 2030, "funding": "credit", "last4": "0002"},
            "type": "card",
        },
        "request_log_url": "https://dashboard.stripe.com/test/logs/req_Rk2rWq7hJ0sBqU?t=1733052012",
        "type": "card_error",
    }
    if param:
        error["param"] = param
    error["payment_intent"] = recorded_intent(
        "pi_3QxDeclined", "requires_payment_method", last_payment_error={k: v for k, v in error.items() if k != "request_log_url"}
    )
    return {"error": error}


DECLINES = {
    "insufficient_funds": recorded_card_error("card_declined", "insufficient_funds", "Your card has insufficient funds."),
    "expired_card": recorded_card_error("expired_card", "expired_card", "Your card has expired.", "exp_month"),
    "incorrect_cvc": recorded_card_error("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect.", "cvc"),
    "incorrect_number": recorded_card_error("incorrect_number", "incorrect_number", "Your card number is incorrect.", "number"),
    "card_not_supported": recorded_card_error("card_declined", "card_not_supported", "Your card does not support this type of purchase."),
    "currency_not_supported": recorded_card_error("card_declined", "currency_not_supported", "Your card does not support this currency."),
    "processing_error": recorded_card_error(
        "processing_error", "processing_error", "An error occurred while processing your card. Try again in a little bit."
    ),
    "authentication_required": recorded_card_error(
        "card_declined", "authentication_required", "Your card was declined. This transaction requires authentication."
    ),
    "card_velocity_exceeded": recorded_card_error(
        "card_declined",
        "card_velocity_exceeded",
        "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
    ),
    "do_not_honor": recorded_card_error("card_declined", "do_not_honor", "Your card was declined."),
    "generic_decline": recorded_card_error("card_declined", "generic_decline", "Your card was declined."),
    "fraudulent": recorded_card_error("card_declined", "fraudulent", "Your card was declined."),
    "stolen_card": recorded_card_error("card_declined", "stolen_card", "Your card was declined."),
    "lost_card": recorded_card_error("card_declined", "lost_card", "Your card was declined."),
    "pickup_card": recorded_card_error("card_declined", "pickup_card", "Your card was declined."),
    "merchant_blacklist": recorded_card_error("card_declined", "merchant_blacklist", "Your card was declined."),
    "a_code_stripe_adds_later": recorded_card_error("card_declined", "a_code_stripe_adds_later", "Your card was declined."),
}

GENERIC_FR = "Votre carte a été refusée. Essayez une autre carte ou contactez votre banque."
GENERIC_EN = "Your card was declined. Try another card or contact your bank."


@pytest.mark.parametrize(
    ("reason", "french", "english"),
    [
        (
            "insufficient_funds",
            "Le solde de votre carte est insuffisant. Essayez une autre carte.",
            "Your card has insufficient funds. Try another card.",
        ),
        ("expired_card", "Votre carte a expiré. Essayez une autre carte.", "Your card has expired. Try another card."),
        (
            "incorrect_cvc",
            "Le cryptogramme de votre carte est incorrect. Vérifiez-le et réessayez.",
            "Your card’s security code is incorrect. Check it and try again.",
        ),
        (
            "incorrect_number",
            "Le numéro de votre carte est incorrect. Vérifiez-le et réessayez.",
            "Your card number is incorrect. Check it and try again.",
        ),
        (
            "card_not_supported",
            "Votre carte n’accepte pas ce type d’achat. Essayez une autre carte.",
            "Your card does not accept this kind of purchase. Try another card.",
        ),
        (
            "currency_not_supported",
            "Votre carte n’accepte pas les paiements en euros. Essayez une autre carte.",
            "Your card does not accept payments in euros. Try another card.",
        ),
        (
            "processing_error",
            "Une erreur est survenue pendant le traitement de votre carte. Réessayez dans un instant.",
            "An error occurred while processing your card. Try again in a moment.",
        ),
        (
            "authentication_required",
            "Votre banque demande de confirmer ce paiement. Réessayez et suivez les instructions de votre banque.",
            "Your bank asks you to confirm this payment. Try again and follow your bank’s instructions.",
        ),
        (
            "card_velocity_exceeded",
            "Votre carte a atteint son plafond de paiement. Essayez une autre carte ou contactez votre banque.",
            "Your card has reached its spending limit. Try another card or contact your bank.",
        ),
        ("do_not_honor", GENERIC_FR, GENERIC_EN),
        ("generic_decline", GENERIC_FR, GENERIC_EN),
        ("fraudulent", GENERIC_FR, GENERIC_EN),
        ("stolen_card", GENERIC_FR, GENERIC_EN),
        ("lost_card", GENERIC_FR, GENERIC_EN),
        ("pickup_card", GENERIC_FR, GENERIC_EN),
        ("merchant_blacklist", GENERIC_FR, GENERIC_EN),
        ("a_code_stripe_adds_later", GENERIC_FR, GENERIC_EN),
    ],
)
def test_a_declined_card_says_what_the_customer_can_do(recorded_only, reason, french, english):
    for language, expected in (("fr", french), ("en", english)):
        # given Stripe's recorded answer to a confirm refused for this reason
        recorded_only.queue("post", "/v1/payment_intents/pi_3QxDeclined", (200, recorded_intent("pi_3QxDeclined", "requires_confirmation")))
        recorded_only.queue("post", "/v1/payment_intents/pi_3QxDeclined/confirm", (402, DECLINES[reason]))
        # when the card is confirmed in this language
        with translation.override(language), pytest.raises(gateway.PaymentDeclined) as declined:
            gateway.confirm_with_payment_method("pi_3QxDeclined", "pm_1QxCard", idempotency_key=f"pi_3QxDeclined-pay-pm_1QxCard-{language}")
        # then the customer reads what to do, and the log keeps Stripe's own words
        assert declined.value.customer_message == expected
        assert DECLINES[reason]["error"]["message"] in str(declined.value)
    # and a refusal is never retried by the library: one request per confirm
    assert len(recorded_only.keys("post", "/v1/payment_intents/pi_3QxDeclined/confirm")) == 2


def test_the_payment_page_shows_the_reason_in_the_visitors_language(client, market, recorded_only):
    # given two orders, each with its PaymentIntent, and cards Stripe refuses as expired, then as fraudulent
    answers = {}
    for language, intent_id, answer in (("fr", "pi_3QxDeclinedFr", "expired_card"), ("en", "pi_3QxDeclinedEn", "fraudulent")):
        order = two_shop_order(market)
        fake_payment(order, intent_id)
        recorded_only.queue("post", f"/v1/payment_intents/{intent_id}", (200, recorded_intent(intent_id, "requires_confirmation")))
        recorded_only.queue("post", f"/v1/payment_intents/{intent_id}/confirm", (402, DECLINES[answer]))
        recorded_only.queue("post", f"/v1/payment_intents/{intent_id}/cancel", (200, recorded_intent(intent_id, "canceled")))
        # when the page in that language confirms the card
        response = client.post(f"/{language}/panier/paiement/{order.token}/carte/", {"payment_method": "pm_1QxCard"})
        answers[language] = (response.status_code, response.json())
        # then the attempt failed and was cancelled, and the order waits for another card
        order.refresh_from_db()
        assert (order.status, order.payments.get().state) == (OrderStatus.PENDING, PaymentState.FAILED)
    # and each says why in its language, without telling a fraudster which check caught them
    assert answers == {
        "fr": (402, {"error": "Votre carte a expiré. Essayez une autre carte."}),
        "en": (402, {"error": GENERIC_EN}),
    }


# Webhooks ---------------------------------------------------------------------


def signed(payload: dict, *, timestamp: int | None = None) -> tuple[bytes, str]:
    body = json.dumps(payload).encode()
    return body, stripe_lib.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET, timestamp)


def succeeded_event(event_id: str, intent_id: str, amount: int, currency: str = "eur") -> dict:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": int(time.time()),
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": intent_id, "object": "payment_intent", "amount": amount, "currency": currency, "status": "succeeded"}},
    }


def post_webhook(client, body, signature):
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def test_an_event_signed_thirty_days_ago_is_refused_and_changes_nothing(market, stripe, client, django_capture_on_commit_callbacks):
    # given an order paid at Stripe, and Stripe's real event for it, signed again as it was 30 days ago
    m = market
    order = two_shop_order(m)
    start_payment(order)
    intent_id = order.payments.get().provider_id
    assert stripe.pay(intent_id) == "succeeded"
    [(body, _signature)] = stripe.webhooks("payment_intent.succeeded", intent_id)
    thirty_days_ago = int(time.time()) - 30 * 24 * 3600
    old_signature = stripe_lib.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET, thirty_days_ago)
    # when it is posted to the webhook
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook(client, body, old_signature)
    # then it is refused and nothing happens
    assert response.status_code == 400
    assert callbacks == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert WebhookEvent.objects.count() == 0
    assert LedgerEntry.objects.count() == 0
    assert stock(m.santon) == (3, 0)
    assert mail.outbox == []
    # while the same body signed four minutes ago, within Stripe's five, is taken
    recent = stripe_lib.WebhookSignature.generate_signature_header(body.decode(), WEBHOOK_SECRET, int(time.time()) - 240)
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, body, recent).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_succeeded_event_is_paid_with_the_amount_stripe_has_not_the_one_it_claims(
    market, stripe, recorder, client, django_capture_on_commit_callbacks
):
    # given an order of 38.30 paid at Stripe, and an event claiming 0.01 in dollars for it
    m = market
    order = two_shop_order(m)
    start_payment(order)
    intent_id = order.payments.get().provider_id
    assert stripe.pay(intent_id) == "succeeded"
    body, signature = signed(succeeded_event("evt_claims_a_cent", intent_id, 1, "usd"))
    # when it is delivered twice
    with django_capture_on_commit_callbacks(execute=True):
        first = post_webhook(client, body, signature)
        second = post_webhook(client, body, signature)
    # then the PaymentIntent was read back, and its 38.30 in euros paid the order, once
    assert (first.status_code, second.status_code) == (200, 200)
    assert recorder.keys("get", f"/v1/payment_intents/{intent_id}") == [None]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert LedgerEntry.objects.count() == 4
    assert stock(m.santon) == (3, 2)
    assert len(mail.outbox) == 3
    assert list(WebhookEvent.objects.values_list("event_id", flat=True)) == ["evt_claims_a_cent"]


def test_a_succeeded_event_for_an_intent_stripe_has_not_paid_changes_nothing(market, stripe, recorder, client):
    # given an order whose PaymentIntent is still waiting for a card, and an event saying it succeeded for the right amount
    m = market
    order = two_shop_order(m)
    start_payment(order)
    intent_id = order.payments.get().provider_id
    body, signature = signed(succeeded_event("evt_not_paid", intent_id, 3830))
    # when it is delivered
    response = post_webhook(client, body, signature)
    # then it is acknowledged (Stripe's answer will not change) and the order stays unpaid
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert LedgerEntry.objects.count() == 0
    assert stock(m.santon) == (3, 0)
    assert WebhookEvent.objects.count() == 1


def test_when_stripe_cannot_be_read_back_the_webhook_answers_503_and_the_retry_pays(
    market, stripe, recorder, client, django_capture_on_commit_callbacks
):
    # given an order paid at Stripe and its signed event, while Stripe's API does not answer
    m = market
    order = two_shop_order(m)
    start_payment(order)
    intent_id = order.payments.get().provider_id
    assert stripe.pay(intent_id) == "succeeded"
    [(body, signature)] = stripe.webhooks("payment_intent.succeeded", intent_id)
    recorder.queue("get", f"/v1/payment_intents/{intent_id}", read_timeout(), read_timeout(), read_timeout())
    # when the event is delivered
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_webhook(client, body, signature)
    # then Stripe is told to retry, and nothing is recorded or paid
    assert response.status_code == 503
    assert callbacks == []
    assert WebhookEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert LedgerEntry.objects.count() == 0
    # when Stripe delivers it again, with its API back
    with django_capture_on_commit_callbacks(execute=True):
        assert post_webhook(client, body, signature).status_code == 200
    # then the order is paid, once
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert LedgerEntry.objects.count() == 4
    assert WebhookEvent.objects.count() == 1
    assert len(mail.outbox) == 3


def test_an_event_for_a_payment_not_ours_is_acknowledged_without_asking_stripe(db, stripe, recorder, client):
    body, signature = signed(succeeded_event("evt_other_app", "pi_3QxSomeoneElse", 100))
    assert post_webhook(client, body, signature).status_code == 200
    assert recorder.sent == []
    assert Order.objects.count() == 0
