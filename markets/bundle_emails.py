"""E-mail to a shop asked to provide a part of another shop's bundle: who asks, the terms, where to answer.

`shops.bundles` sends `consent_asked` after the commit of the new consent
rows; the receiver enqueues one task per row. The task writes to the
participant shop's own address, in the language of the merchant account
that has it, else in the shop's language (`merchant_languages`); a shop
without an address is written to through its merchants' accounts, each in
its own language. The task claims the row under its lock and records the
sending in Wagtail's log, so a second run sends nothing; a row answered or
replaced by other terms before the task runs is not written about.
"""

from functools import partial

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django_q.tasks import async_task
from wagtail import hooks
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from markets.emails import base_url, merchant_accounts, merchant_languages
from portal.emails import send_templated_email
from shops.bundle_admin import bundles_by_key, product_names, read_terms, sellers_of
from shops.bundles import consent_asked, part_withdrawn
from shops.models import BundleConsent, ConsentStatus, ShopPage

CONSENT_REQUEST_ACTION = "markets.bundle.consent_request"
WITHDRAWAL_NOTICE_ACTION = "markets.bundle.withdrawal_notice"
SEND_TASK = "markets.bundle_emails.send_consent_request"
WITHDRAWAL_TASK = "markets.bundle_emails.send_withdrawal_notice"


def on_consent_asked(sender, consents, **kwargs):
    # Sent after the commit already; on_commit still, should a caller ever send it inside a transaction.
    for consent in consents:
        transaction.on_commit(partial(async_task, SEND_TASK, consent.pk))


def on_part_withdrawn(sender, bundle_key, participant_id, **kwargs):
    transaction.on_commit(partial(async_task, WITHDRAWAL_TASK, str(bundle_key), participant_id))


def connect() -> None:
    consent_asked.connect(on_consent_asked, dispatch_uid="markets.bundle_emails.consent_asked")
    part_withdrawn.connect(on_part_withdrawn, dispatch_uid="markets.bundle_emails.part_withdrawn")


def shop_recipients(shop: ShopPage) -> list[tuple[str, str]]:
    """(address, language) to write to about `shop`: its own address, else its merchants' accounts."""
    accounts = merchant_accounts(shop.translation_key)
    if shop.email:
        languages = {email.lower(): language for email, language in accounts}
        language = languages.get(shop.email.lower()) or merchant_languages([shop.translation_key])[shop.translation_key]
        return [(shop.email, language)]
    return accounts


def send_consent_request(consent_id: int) -> int:
    """Task: ask the participant of consent `consent_id` to answer; once. Returns how many e-mails went out."""
    with transaction.atomic():
        consent = (
            BundleConsent.objects.select_for_update(of=("self",)).select_related("participant")
            .filter(pk=consent_id).first()
        )
        if consent is None or consent.status != ConsentStatus.ASKED or consent.superseded_at is not None:
            return 0
        if ModelLogEntry.objects.for_instance(consent).filter(action=CONSENT_REQUEST_ACTION).exists():
            return 0
        bundle = bundles_by_key([consent.bundle_key]).get(consent.bundle_key)
        seller = sellers_of([bundle]).get(bundle.pk) if bundle is not None else None
        recipients = shop_recipients(consent.participant)
        if seller is None or not recipients:
            return 0
        context = {
            "consent": consent,
            "participant": consent.participant,
            "seller": seller,
            "terms": read_terms(consent.terms, product_names([consent.terms])),
            "admin_url": f"{base_url()}{reverse('shops_bundles')}#consent-{consent.pk}",
        }
        for address, language in recipients:
            send_templated_email(
                "markets/emails/bundle_consent_request", context, address, language, about=consent.participant
            )
        log(instance=consent, action=CONSENT_REQUEST_ACTION, user=None,
            data={"to": [address for address, _language in recipients]})
    return len(recipients)


def send_withdrawal_notice(bundle_key: str, participant_id: int) -> int:
    """Task: tell the seller that a participant withdrew its part of their bundle; once per withdrawal.

    The bundle is off sale from then on; the customers who had not used the
    part are refunded by checkout (they are told by their own e-mail).
    """
    with transaction.atomic():
        consent = (
            BundleConsent.objects.select_for_update(of=("self",)).select_related("participant")
            .filter(bundle_key=bundle_key, participant_id=participant_id, status=ConsentStatus.WITHDRAWN)
            .order_by("-answered_at", "-pk").first()
        )
        if consent is None or ModelLogEntry.objects.for_instance(consent).filter(
            action=WITHDRAWAL_NOTICE_ACTION
        ).exists():
            return 0
        bundle = bundles_by_key([consent.bundle_key]).get(consent.bundle_key)
        seller = sellers_of([bundle]).get(bundle.pk) if bundle is not None else None
        recipients = shop_recipients(seller) if seller is not None else []
        if not recipients:
            return 0
        context = {
            "participant": consent.participant, "seller": seller, "bundle_name": consent.terms.get("bundle", ""),
            "admin_url": f"{base_url()}{reverse('shops_bundles')}",
        }
        for address, language in recipients:
            send_templated_email("markets/emails/bundle_part_withdrawn", context, address, language, about=seller)
        log(instance=consent, action=WITHDRAWAL_NOTICE_ACTION, user=None,
            data={"to": [address for address, _language in recipients]})
    return len(recipients)


@hooks.register("register_log_actions")
def register_consent_request_action(actions):
    actions.register_action(
        CONSENT_REQUEST_ACTION, gettext_lazy("Demander une part de coffret"),
        gettext_lazy("Demande de participation envoyée par e-mail"),
    )
    actions.register_action(
        WITHDRAWAL_NOTICE_ACTION, gettext_lazy("Prévenir le vendeur d'une part retirée"),
        gettext_lazy("Vendeur prévenu par e-mail du retrait d'une part"),
    )
