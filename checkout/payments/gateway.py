"""The payment gateway: the only module that imports `stripe`.

The rest of the code speaks of amounts in `Decimal` euros, payment ids and
our own small dataclasses; integer cents exist only inside this module.

Settings (read lazily, so tests can override them):

- STRIPE_SECRET_KEY       sk_... (any `sk_` string for localstripe)
- STRIPE_PUBLISHABLE_KEY  pk_... for Stripe.js
- STRIPE_WEBHOOK_SECRET   whsec_... shared with the webhook endpoint
- STRIPE_API_BASE         e.g. http://127.0.0.1:8420 to talk to localstripe;
                          empty for the real Stripe API
"""

import json
from dataclasses import dataclass
from decimal import Decimal

import stripe
from django.conf import settings
from django.utils.translation import gettext

from portal.money import from_cents, to_cents


class GatewayError(Exception):
    """The provider refused or could not be reached; the message is for the log."""


class PaymentDeclined(GatewayError):
    """The card was refused; `customer_message` says why, for the customer."""

    def __init__(self, message: str, customer_message: str):
        super().__init__(message)
        self.customer_message = customer_message


class InvalidSignature(Exception):
    """A webhook whose signature does not match its body."""


@dataclass(frozen=True)
class PaymentIntentInfo:
    id: str
    status: str  # requires_payment_method, requires_action, processing, succeeded, canceled…
    amount_cents: int
    currency: str
    client_secret: str = ""

    @property
    def amount(self) -> Decimal:
        return from_cents(self.amount_cents)


@dataclass(frozen=True)
class WebhookEventInfo:
    event_id: str
    type: str
    payment_intent_id: str | None
    amount_cents: int | None
    currency: str | None


def _setting(name: str, default: str = "") -> str:
    return getattr(settings, name, default) or default


def _client() -> stripe.StripeClient:
    secret_key = _setting("STRIPE_SECRET_KEY")
    if not secret_key:
        raise GatewayError("STRIPE_SECRET_KEY is not configured")
    api_base = _setting("STRIPE_API_BASE")
    base_addresses = {"api": api_base} if api_base else None
    # No automatic retries: a retried create would make a second PaymentIntent,
    # and localstripe has no idempotency keys to protect us.
    return stripe.StripeClient(secret_key, base_addresses=base_addresses, max_network_retries=0)


def publishable_key() -> str:
    return _setting("STRIPE_PUBLISHABLE_KEY")


def js_url() -> str:
    """Where the page loads Stripe.js from: localstripe serves a fake one."""
    api_base = _setting("STRIPE_API_BASE")
    return f"{api_base.rstrip('/')}/js.stripe.com/v3/" if api_base else "https://js.stripe.com/v3/"


def create_payment_intent(amount: Decimal, currency: str, metadata: dict[str, str]) -> tuple[str, str]:
    """Create a card PaymentIntent for `amount`; returns (id, client_secret)."""
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": to_cents(amount),
                "currency": currency,
                "payment_method_types": ["card"],
                "metadata": metadata,
            }
        )
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return intent.id, intent.client_secret


def retrieve_payment_intent(payment_intent_id: str) -> PaymentIntentInfo:
    try:
        intent = _client().v1.payment_intents.retrieve(payment_intent_id)
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    return PaymentIntentInfo(
        intent.id, intent.status, int(intent.amount), intent.currency, getattr(intent, "client_secret", None) or ""
    )


def confirm_with_payment_method(payment_intent_id: str, payment_method_id: str) -> PaymentIntentInfo:
    """Attach the card the page turned into a payment method to the PaymentIntent and confirm it.

    `payment_method_id` is a PaymentMethod made by Stripe.js
    (`createPaymentMethod`) or, with localstripe's fake Stripe.js which has
    none, the card of a `createToken` token: Stripe accepts both as a
    payment method. Returns the intent's state: `succeeded`, or
    `requires_action` when the bank asks for 3-D Secure, which the page then
    completes with `confirmCardPayment(client_secret)`. Raises
    PaymentDeclined when the card is refused.
    """
    client = _client()
    try:
        client.v1.payment_intents.update(payment_intent_id, params={"payment_method": payment_method_id})
        intent = client.v1.payment_intents.confirm(payment_intent_id)
    except stripe.CardError as error:
        raise PaymentDeclined(str(error), _declined_message(error)) from error
    except stripe.StripeError as error:
        if getattr(error, "http_status", None) == 402:
            raise PaymentDeclined(str(error), _declined_message(error)) from error
        raise GatewayError(str(error)) from error
    return PaymentIntentInfo(
        intent.id, intent.status, int(intent.amount), intent.currency, getattr(intent, "client_secret", None) or ""
    )


def _declined_message(error) -> str:
    return gettext("Votre carte a été refusée. Essayez une autre carte ou contactez votre banque.")


def cancel_payment_intent(payment_intent_id: str) -> None:
    """Cancel an unpaid PaymentIntent so it can no longer be paid.

    Raises GatewayError when it cannot be cancelled (for instance because it
    has just succeeded).
    """
    try:
        _client().v1.payment_intents.cancel(payment_intent_id)
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error


def refund(payment_intent_id: str, amount: Decimal) -> str:
    """Refund `amount` of a succeeded PaymentIntent; returns the refund id."""
    try:
        result = _client().v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": to_cents(amount)}
        )
    except stripe.StripeError as error:
        raise GatewayError(str(error)) from error
    if result.status not in ("succeeded", "pending"):
        raise GatewayError(f"refund {result.id} is {result.status}")
    return result.id


def parse_webhook(payload: bytes, signature_header: str | None) -> WebhookEventInfo:
    """Verify a webhook's signature on the raw body, then read what we act on.

    Raises InvalidSignature when the signature, its timestamp or the body
    does not check out.
    """
    secret = _setting("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise InvalidSignature("STRIPE_WEBHOOK_SECRET is not configured")
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature_header or "", secret)
        event = json.loads(payload)
        obj = event.get("data", {}).get("object", {})
        is_intent = obj.get("object") == "payment_intent"
        return WebhookEventInfo(
            event_id=str(event["id"]),
            type=str(event["type"]),
            payment_intent_id=obj.get("id") if is_intent else None,
            amount_cents=int(obj["amount"]) if is_intent and "amount" in obj else None,
            currency=obj.get("currency") if is_intent else None,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidSignature(str(error)) from error
