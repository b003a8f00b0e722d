"""The merchants are asked to confirm a change of their bank details, and told each time one applies.

Editors of the territory may fill in a merchant's bank details for them:
such a change waits for a merchant of the shop to confirm it with the link
of `send_bank_details_confirmation` (see `checkout.billing.bank_details`).
`send_bank_details_changed` then tells the shop that its account changed,
whoever changed it, so that nobody learns it from a missing transfer.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from checkout.billing import bank_details
from checkout.billing.payouts import mask_iban
from checkout.models import PayoutAccount
from markets.emails import base_url, merchant_accounts, merchant_languages, shop_in
from portal.emails import account_language, send_templated_email


def _recipients(shop) -> list[tuple[str, str]]:
    """(address, language) of the shop's e-mail and its owner's, each address once.

    The owner reads theirs in their account's language; the shop's own
    address in the language of the account with that address, else of the
    shop's merchants (see `markets.emails.merchant_languages`).
    """
    owner = shop.owner
    languages = {}
    if owner is not None and owner.email:
        languages[owner.email.lower()] = account_language(owner)
    address = shop.email.lower()
    if address and address not in languages:
        accounts = {email.lower(): language for email, language in merchant_accounts(shop.translation_key)}
        languages[address] = accounts.get(address) or merchant_languages([shop.translation_key])[shop.translation_key]
    return sorted(languages.items())


def send_bank_details_changed(account_id: int, changed_by_id: int | None) -> int:
    """E-mail the shop's address and its owner's, each in its reader's language; returns how many went out.

    Once per state of the account: the task claims `change_notified_for`
    (the `updated_at` told of) with a conditional UPDATE, which locks the
    row, then sends in the same transaction. A second run finds it claimed
    and sends nothing; a failed send rolls the claim back for the retry.
    Two changes close together may be told as one, of the latest details.
    """
    with transaction.atomic():
        claimed = (
            PayoutAccount.objects.filter(pk=account_id)
            .exclude(change_notified_for=F("updated_at"))
            .update(change_notified_for=F("updated_at"))
        )
        if not claimed:
            return 0
        return _send_bank_details_changed(account_id, changed_by_id)


def _send_bank_details_changed(account_id: int, changed_by_id: int | None) -> int:
    account = PayoutAccount.objects.select_related("shop__owner").get(pk=account_id)
    shop = account.shop
    changed_by = get_user_model().objects.filter(pk=changed_by_id).first() if changed_by_id else None
    context = {
        "shop": shop,
        "holder": account.holder,
        "iban": mask_iban(account.iban),
        "changed_at": timezone.localtime(account.updated_at),
        "changed_by": (changed_by.get_full_name() or changed_by.get_username()) if changed_by else "",
        "platform_email": settings.PLATFORM["email"],
    }
    recipients = _recipients(shop)
    for address, language in recipients:
        shop_name = shop_in(shop, language).title
        send_templated_email(
            "checkout/emails/bank_details_changed", {**context, "shop_name": shop_name}, address, language, about=shop
        )
    return len(recipients)


def send_bank_details_confirmation(change_id: int) -> int:
    """E-mail the confirmation link of a pending change to each active merchant account of the shop.

    Each in its account's language; returns how many went out. The token
    is made here, in the transaction that sends (see
    `bank_details.claim_token`): a second run sends nothing, a failed send
    leaves the change without a token for the retry.
    """
    with transaction.atomic():
        claimed = bank_details.claim_token(change_id)
        if claimed is None:
            return 0
        change, token = claimed
        shop = change.shop
        requested_by = change.requested_by
        context = {
            "shop": shop,
            "old_holder": change.old_holder,
            "old_iban": mask_iban(change.old_iban) if change.old_iban else "",
            "new_holder": change.new_holder,
            "new_iban": mask_iban(change.new_iban),
            "requested_at": timezone.localtime(change.requested_at),
            "expires_at": timezone.localtime(change.expires_at),
            "requested_by": (requested_by.get_full_name() or requested_by.get_username()) if requested_by else "",
            "confirm_url": base_url() + reverse("coordonnees-bancaires:confirm", args=[token]),
            "platform_email": settings.PLATFORM["email"],
        }
        recipients = merchant_accounts(shop.translation_key)
        for address, language in recipients:
            send_templated_email(
                "checkout/emails/bank_details_confirmation",
                {**context, "shop_name": shop_in(shop, language).title},
                address,
                language,
                about=shop,
            )
    return len(recipients)
