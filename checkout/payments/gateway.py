"""The payment gateway: the only module that imports `stripe`.

The rest of the code speaks of amounts in `Decimal` euros, payment ids and
our own small dataclasses; integer cents exist only inside this module.

Every call that makes or changes something at Stripe (create, update,
confirm, refund) takes an `idempotency_key` built by the helpers below from
our own ids: Stripe answers a repeated key with the first result instead of
acting twice, which is what makes the library's network retries, a reload of
the payment page and a customer's second click safe.

Errors: `PaymentDeclined` (the card was refused, with a message the
customer can act on), `GatewayTimeout` (no answer in time: the request may
or may not have taken effect, repeat it with the same key), `GatewayError`
(refused or broken, the parent of both).

Settings (read lazily, so tests can override them):

- STRIPE_SECRET_KEY       sk_... (any `sk_` string for localstripe)
- STRIPE_PUBLISHABLE_KEY  pk_... for Stripe.js
- STRIPE_WEBHOOK_SECRET   whsec_... shared with the webhook endpoint
- STRIPE_API_BASE         e.g. http://127.0.0.1:8420 to talk to localstripe;
                          empty for the real Stripe API
- STRIPE_CONNECT_TIMEOUT  seconds to open a connection to Stripe (3)
- STRIPE_READ_TIMEOUT     seconds to wait for Stripe's answer (10)
"""

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.utils.translation import gettext_lazy

from portal.money import from_cents, to_cents

# Each attempt may wait up to connect + read time-out; with two retries a
# customer waits at most three times that before the page says so.
MAX_NETWORK_RETRIES = 2
# Stripe refuses longer keys.
_MAX_KEY_LENGTH = 255


class GatewayError(Exception):
    """The provider refused or could not be reached; the message is for the log."""


class GatewayTimeout(GatewayError):
    """No answer from the provider (a time-out or a broken connection, after the library's retries).

    The outcome is unknown: the request may have taken effect. Repeating the
    call with the same idempotency key is safe.
    """


class PaymentDeclined(GatewayError):
    """The card was refused; `customer_message` says why, for the customer."""

    def __init__(self, message: str, customer_message: str):
        super().__init__(message)
        self.customer_message = customer_message


class InvalidSignature(Exception):
    """A webhook whose signature does not match its body, or signed too long ago."""


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
    """What a verified event says happened; its amounts are not trusted, ask `retrieve_payment_intent`."""

    event_id: str
    type: str
    payment_intent_id: str | None


# Idempotency keys ------------------------------------------------------------


def payment_key(order_id: int, payment_attempt: int, amount: Decimal) -> str:
    """The key of the PaymentIntent created for an order's `payment_attempt`-th payment (0 for the first).

    >>> payment_key(12, 3, Decimal("19.90"))
    'order-12-attempt-3-create-1990'
    """
    return _key(f"order-{order_id}-attempt-{payment_attempt}-create-{to_cents(amount)}")


def confirm_key(payment_intent_id: str, payment_method_id: str) -> str:
    """The key of paying a PaymentIntent with one card: the same card twice is one attempt."""
    return _key(f"{payment_intent_id}-pay-{payment_method_id}")


def refund_key(refund_id: int, amount: Decimal) -> str:
    """The key of a refund recorded as our Refund row `refund_id`.

    >>> refund_key(5, Decimal("13.30"))
    'refund-5-create-1330'
    """
    return _key(f"refund-{refund_id}-create-{to_cents(amount)}")


def full_refund_key(payment_id: int, amount: Decimal) -> str:
    """The key of giving back in full a payment we cannot honour (our Payment row `payment_id`)."""
    return _key(f"payment-{payment_id}-refund-{to_cents(amount)}")


def _key(text: str) -> str:
    # Ids come from Stripe.js or our rows and are short; a key that would be
    # too long still has to be stable, so it is shortened by its digest.
    if len(text) <= _MAX_KEY_LENGTH - 16:
        return text
    return f"{text[:150]}-{hashlib.sha256(text.encode()).hexdigest()}"


# The client ------------------------------------------------------------------


def _setting(name: str, default: str = "") -> str:
    return getattr(settings, name, default) or default


_http_clients: dict[tuple[float, float], stripe.HTTPClient] = {}


def http_client() -> stripe.HTTPClient:
    """The HTTP client every call goes through, with the configured (connect, read) time-outs.

    Kept per pair of time-outs so that connections to Stripe are reused
    (requests sessions are per thread inside the client).
    """
    # Seconds, read as numbers by the settings (a time-out, not an amount).
    timeout = (settings.STRIPE_CONNECT_TIMEOUT, settings.STRIPE_READ_TIMEOUT)
    if timeout not in _http_clients:
        _http_clients[timeout] = stripe.RequestsClient(timeout=timeout)
    return _http_clients[timeout]


def _client() -> stripe.StripeClient:
    secret_key = _setting("STRIPE_SECRET_KEY")
    if not secret_key:
        raise GatewayError("STRIPE_SECRET_KEY is not configured")
    api_base = _setting("STRIPE_API_BASE")
    base_addresses = {"api": api_base} if api_base else None
    return stripe.StripeClient(
        secret_key,
        base_addresses=base_addresses,
        max_network_retries=MAX_NETWORK_RETRIES,
        http_client=http_client(),
    )


def _gateway_error(error: stripe.StripeError) -> GatewayError:
    if isinstance(error, stripe.APIConnectionError):
        return GatewayTimeout(str(error))
    # localstripe sends its declines as 402 invalid_request_error, Stripe as 402 card_error.
    if isinstance(error, stripe.CardError) or getattr(error, "http_status", None) == 402:
        return PaymentDeclined(str(error), _declined_message(error))
    return GatewayError(str(error))


def publishable_key() -> str:
    return _setting("STRIPE_PUBLISHABLE_KEY")


def js_url() -> str:
    """Where the page loads Stripe.js from: localstripe serves a fake one."""
    api_base = _setting("STRIPE_API_BASE")
    return f"{api_base.rstrip('/')}/js.stripe.com/v3/" if api_base else "https://js.stripe.com/v3/"


def csp_sources() -> dict[str, list[str]]:
    """The hosts the payment page needs in its Content-Security-Policy (Stripe's list), or localstripe's."""
    api_base = _setting("STRIPE_API_BASE")
    if api_base:
        parts = urlsplit(api_base)
        origin = f"{parts.scheme}://{parts.netloc}"
        return {"script-src": [origin], "connect-src": [origin], "frame-src": [origin]}
    return {
        "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    }


# Payments --------------------------------------------------------------------


def _intent_info(intent) -> PaymentIntentInfo:
    return PaymentIntentInfo(
        intent.id, intent.status, int(intent.amount), intent.currency, getattr(intent, "client_secret", None) or ""
    )


def create_payment_intent(
    amount: Decimal, currency: str, metadata: dict[str, str], *, idempotency_key: str
) -> tuple[str, str]:
    """Create a card PaymentIntent for `amount`; returns (id, client_secret).

    Called again with the same `idempotency_key` (see `payment_key`) it
    returns the same PaymentIntent, so a create whose answer was lost
    (GatewayTimeout) can be repeated without making a second one.
    """
    try:
        intent = _client().v1.payment_intents.create(
            params={
                "amount": to_cents(amount),
                "currency": currency,
                "payment_method_types": ["card"],
                "metadata": metadata,
            },
            options={"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _gateway_error(error) from error
    return intent.id, intent.client_secret


def retrieve_payment_intent(payment_intent_id: str) -> PaymentIntentInfo:
    """The PaymentIntent as Stripe has it now: the one source of truth for its status and amount."""
    try:
        intent = _client().v1.payment_intents.retrieve(payment_intent_id)
    except stripe.StripeError as error:
        raise _gateway_error(error) from error
    return _intent_info(intent)


def confirm_with_payment_method(
    payment_intent_id: str, payment_method_id: str, *, idempotency_key: str
) -> PaymentIntentInfo:
    """Attach the card the page turned into a payment method to the PaymentIntent and confirm it.

    `payment_method_id` is a PaymentMethod made by Stripe.js
    (`createPaymentMethod`) or, with localstripe's fake Stripe.js which has
    none, the card of a `createToken` token: Stripe accepts both as a
    payment method. Returns the intent's state: `succeeded`, or
    `requires_action` when the bank asks for 3-D Secure, which the page then
    completes with `confirmCardPayment(client_secret)`. Raises
    PaymentDeclined when the card is refused, GatewayTimeout when Stripe did
    not answer (repeat with the same key, see `confirm_key`).
    """
    client = _client()
    try:
        # Two requests, so two keys; both follow from the one given.
        client.v1.payment_intents.update(
            payment_intent_id,
            params={"payment_method": payment_method_id},
            options={"idempotency_key": f"{idempotency_key}-attach"},
        )
        intent = client.v1.payment_intents.confirm(
            payment_intent_id, options={"idempotency_key": f"{idempotency_key}-confirm"}
        )
    except stripe.StripeError as error:
        raise _gateway_error(error) from error
    return _intent_info(intent)


def cancel_payment_intent(payment_intent_id: str) -> None:
    """Cancel an unpaid PaymentIntent so it can no longer be paid.

    Cancelling twice has one effect, so no key of ours is needed (the
    library still sends one of its own, the same on each of its retries).
    Raises GatewayError when it cannot be cancelled (for instance because
    it has just succeeded).
    """
    try:
        _client().v1.payment_intents.cancel(payment_intent_id)
    except stripe.StripeError as error:
        raise _gateway_error(error) from error


@dataclass(frozen=True)
class RefundInfo:
    """A refund as the provider has it; `metadata["refund"]` is our Refund row's id when we made it."""

    id: str
    amount: Decimal
    status: str  # pending, requires_action, succeeded, failed, canceled
    metadata: dict[str, str]


def _refund_error(error: stripe.StripeError) -> GatewayError:
    # Stripe asks to repeat with the same key after a 409 (the same key in use) or a 5xx: the
    # refund may have been made. Anything else it answered is a refusal.
    status = getattr(error, "http_status", None) or 0
    if status == 409 or status >= 500:
        return GatewayTimeout(str(error))
    return _gateway_error(error)


def refund(
    payment_intent_id: str, amount: Decimal, *, idempotency_key: str, metadata: dict[str, str] | None = None
) -> str:
    """Refund `amount` of a succeeded PaymentIntent; returns the refund id.

    With the same `idempotency_key` (see `refund_key`, `full_refund_key`)
    a repeated call returns the same refund instead of paying back twice.
    `metadata` goes on the provider's refund (put our Refund row's id under
    "refund"), so that `list_refunds` can tell which one it is.

    Raises GatewayTimeout when the outcome is unknown (no answer, a 5xx, the
    key in use by a concurrent call): the refund may have been made; repeat
    with the same key or look for it with `list_refunds`. Raises
    GatewayError when the provider refused it (or made it in a failed state).
    """
    params = {"payment_intent": payment_intent_id, "amount": to_cents(amount)}
    if metadata:
        params["metadata"] = metadata
    try:
        result = _client().v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        raise _refund_error(error) from error
    if result.status not in ("succeeded", "pending"):
        raise GatewayError(f"refund {result.id} is {result.status}")
    return result.id


def _metadata(metadata) -> dict[str, str]:
    values = metadata.to_dict() if isinstance(metadata, stripe.StripeObject) else metadata or {}
    return {str(key): str(value) for key, value in values.items()}


def list_refunds(payment_intent_id: str) -> list[RefundInfo]:
    """Every refund the provider holds for a PaymentIntent, newest first (all pages).

    Raises GatewayError (GatewayTimeout without an answer) when it cannot
    be asked; nothing is changed by asking.
    """
    try:
        page = _client().v1.refunds.list(params={"payment_intent": payment_intent_id, "limit": 100})
        found = [
            RefundInfo(
                id=item.id,
                amount=from_cents(int(item.amount)),
                status=item.status,
                metadata=_metadata(getattr(item, "metadata", None)),
            )
            for item in page.auto_paging_iter()
        ]
    except stripe.StripeError as error:
        raise _gateway_error(error) from error
    return found


# Declines --------------------------------------------------------------------

_GENERIC_DECLINE = gettext_lazy("Votre carte a été refusée. Essayez une autre carte ou contactez votre banque.")
_CHECK_NUMBER = gettext_lazy("Le numéro de votre carte est incorrect. Vérifiez-le et réessayez.")
_CHECK_CVC = gettext_lazy("Le cryptogramme de votre carte est incorrect. Vérifiez-le et réessayez.")
_CHECK_EXPIRY = gettext_lazy("La date d’expiration de votre carte est incorrecte. Vérifiez-la et réessayez.")
_TRY_AGAIN = gettext_lazy("Une erreur est survenue pendant le traitement de votre carte. Réessayez dans un instant.")
_LIMIT = gettext_lazy("Votre carte a atteint son plafond de paiement. Essayez une autre carte ou contactez votre banque.")

# Stripe's `decline_code` (from the bank) or `code` (from Stripe), to what the customer can do about it.
_DECLINE_MESSAGES = {
    "insufficient_funds": gettext_lazy("Le solde de votre carte est insuffisant. Essayez une autre carte."),
    "expired_card": gettext_lazy("Votre carte a expiré. Essayez une autre carte."),
    "incorrect_cvc": _CHECK_CVC,
    "invalid_cvc": _CHECK_CVC,
    "incorrect_number": _CHECK_NUMBER,
    "invalid_number": _CHECK_NUMBER,
    "invalid_expiry_month": _CHECK_EXPIRY,
    "invalid_expiry_year": _CHECK_EXPIRY,
    "card_not_supported": gettext_lazy("Votre carte n’accepte pas ce type d’achat. Essayez une autre carte."),
    "currency_not_supported": gettext_lazy("Votre carte n’accepte pas les paiements en euros. Essayez une autre carte."),
    "processing_error": _TRY_AGAIN,
    "try_again_later": _TRY_AGAIN,
    "issuer_not_available": _TRY_AGAIN,
    "reenter_transaction": _TRY_AGAIN,
    "authentication_required": gettext_lazy(
        "Votre banque demande de confirmer ce paiement. Réessayez et suivez les instructions de votre banque."
    ),
    "card_velocity_exceeded": _LIMIT,
    "withdrawal_count_limit_exceeded": _LIMIT,
}

# Telling a fraudster which check caught them helps the next attempt: these
# get the same words as any refusal, as Stripe advises.
_UNDISCLOSED_DECLINES = {
    "fraudulent",
    "stolen_card",
    "lost_card",
    "pickup_card",
    "restricted_card",
    "security_violation",
    "merchant_blacklist",
}


def decline_message(code: str | None, decline_code: str | None) -> str:
    """What to tell the customer, in the active language, for Stripe's `code` and `decline_code`.

    Unknown codes, plain refusals (`do_not_honor`, `generic_decline`,
    `card_declined`) and those that reveal a fraud check get the generic
    message.
    """
    if code in _UNDISCLOSED_DECLINES or decline_code in _UNDISCLOSED_DECLINES:
        return str(_GENERIC_DECLINE)
    for reason in (decline_code, code):
        if reason in _DECLINE_MESSAGES:
            return str(_DECLINE_MESSAGES[reason])
    return str(_GENERIC_DECLINE)


def _declined_message(error: stripe.StripeError) -> str:
    body = error.json_body if isinstance(error.json_body, dict) else {}
    details = body.get("error") if isinstance(body.get("error"), dict) else {}
    return decline_message(details.get("code") or error.code, details.get("decline_code"))


# Webhooks --------------------------------------------------------------------


def parse_webhook(payload: bytes, signature_header: str | None) -> WebhookEventInfo:
    """Verify a webhook's signature on the raw body, then read what we act on.

    Raises InvalidSignature when the signature or the body does not check
    out, or when it was signed more than Stripe's tolerance (five minutes)
    ago: a recorded event cannot be replayed later.
    """
    secret = _setting("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise InvalidSignature("STRIPE_WEBHOOK_SECRET is not configured")
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature_header or "", secret, tolerance=stripe.Webhook.DEFAULT_TOLERANCE
        )
        event = json.loads(payload)
        obj = event.get("data", {}).get("object", {})
        return WebhookEventInfo(
            event_id=str(event["id"]),
            type=str(event["type"]),
            payment_intent_id=str(obj["id"]) if obj.get("object") == "payment_intent" else None,
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidSignature(str(error)) from error
