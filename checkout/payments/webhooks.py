"""The Stripe webhook: a trigger to act on our own rows, verified and recorded once.

The event id is recorded in the same transaction as its effect: if the
effect fails (a lock wait that times out answers 503), the record goes too
and Stripe's retry is processed; a replay of a processed event finds the id
taken and changes nothing.
"""

import logging

from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from checkout import services
from checkout.models import WebhookEvent
from checkout.payments import gateway

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    try:
        event = gateway.parse_webhook(request.body, request.headers.get("Stripe-Signature"))
    except gateway.InvalidSignature as error:
        logger.warning("Stripe webhook with a bad signature refused: %s", error)
        return HttpResponseBadRequest("invalid signature")

    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    WebhookEvent.objects.create(event_id=event.event_id, type=event.type)
            except IntegrityError:
                return HttpResponse("already processed")
            _dispatch(event)
    except OperationalError as error:
        logger.warning("Stripe webhook %s postponed: %s", event.event_id, error)
        return HttpResponse("busy, retry later", status=503)
    return HttpResponse("ok")


def _dispatch(event: gateway.WebhookEventInfo) -> None:
    if event.payment_intent_id is None:
        return
    try:
        if event.type == "payment_intent.succeeded":
            services.confirm_payment(event.payment_intent_id, event.amount_cents, event.currency)
        elif event.type == "payment_intent.payment_failed":
            services.fail_payment(event.payment_intent_id)
    except services.UnknownPayment:
        logger.info("Stripe webhook %s for an unknown payment %s", event.event_id, event.payment_intent_id)
    except services.PaymentMismatch as error:
        # Retrying would not change the amount: keep the event, alert a human.
        logger.error("Stripe webhook %s refused: %s", event.event_id, error)
