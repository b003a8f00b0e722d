"""The Stripe webhook: a trigger to act on our own rows, verified and recorded once.

The event id is recorded in the same transaction as its effect: if the
effect fails (a lock wait that times out answers 503), the record goes too
and Stripe's retry is processed; a replay of a processed event finds the id
taken and changes nothing.

A `payment_intent.succeeded` event is not taken at its word: the
PaymentIntent is read back from Stripe, before any transaction opens, and
its own status, amount and currency decide. When Stripe cannot be read the
webhook answers 503 without recording the event, so Stripe's retry is
processed.
"""

import contextlib
import json
import logging
import time

from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from checkout import services
from checkout.models import OrderStatus, Payment, PaymentState, WebhookEvent
from checkout.payments import gateway
from portal import metrics

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = gateway.parse_webhook(request.body, request.headers.get("Stripe-Signature"))
    except gateway.InvalidSignature as error:
        logger.warning("Stripe webhook with a bad signature refused: %s", error)
        return HttpResponseBadRequest("invalid signature")
    _observe_lag(request.body)

    if WebhookEvent.objects.filter(event_id=event.event_id).exists():
        return HttpResponse("already processed")
    intent = None
    ours = None
    if event.type == "payment_intent.succeeded" and event.payment_intent_id:
        ours = Payment.objects.filter(provider_id=event.payment_intent_id).values_list("state", "order__status").first()
    if ours == (PaymentState.SUCCEEDED, OrderStatus.PAID):
        # The card confirmation (or the return page) recorded this very payment already: confirming it
        # again would change nothing, so Stripe is not asked again; the event is recorded all the same.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            WebhookEvent.objects.create(event_id=event.event_id, type=event.type)
        return HttpResponse("ok")
    # Only our own payments are read back: an event for another application
    # on the same Stripe account is acknowledged without a call to Stripe.
    if ours is not None:
        try:
            intent = gateway.retrieve_payment_intent(event.payment_intent_id)
        except gateway.GatewayError as error:
            logger.warning("Stripe webhook %s postponed, PaymentIntent not read: %s", event.event_id, error)
            return HttpResponse("provider unavailable, retry later", status=503)

    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    WebhookEvent.objects.create(event_id=event.event_id, type=event.type)
            except IntegrityError:
                return HttpResponse("already processed")
            _dispatch(event, intent)
    except OperationalError as error:
        logger.warning("Stripe webhook %s postponed: %s", event.event_id, error)
        return HttpResponse("busy, retry later", status=503)
    return HttpResponse("ok")


def _dispatch(event: gateway.WebhookEventInfo, intent: gateway.PaymentIntentInfo | None) -> None:
    if event.payment_intent_id is None:
        return
    try:
        if event.type == "payment_intent.succeeded":
            if intent is None:  # not one of our payments, see stripe_webhook
                raise services.UnknownPayment(event.payment_intent_id)
            if intent.status != "succeeded":
                # A succeeded PaymentIntent stays succeeded: Stripe says otherwise, so nothing was paid.
                logger.error(
                    "Stripe webhook %s says %s succeeded, Stripe has it %s", event.event_id, intent.id, intent.status
                )
                return
            services.confirm_payment(intent.id, intent.amount_cents, intent.currency)
        elif event.type == "payment_intent.payment_failed":
            services.fail_payment(event.payment_intent_id)
    except services.UnknownPayment:
        logger.info("Stripe webhook %s for an unknown payment %s", event.event_id, event.payment_intent_id)
    except services.PaymentMismatch as error:
        # Retrying would not change the amount: keep the event, alert a human.
        logger.error("Stripe webhook %s refused: %s", event.event_id, error)


def _observe_lag(body: bytes) -> None:
    """How late Stripe's event reaches us (its retries included), from the verified body's `created`."""
    created = json.loads(body).get("created")
    if isinstance(created, int | float):
        metrics.WEBHOOK_LAG.observe(max(0.0, time.time() - created))
