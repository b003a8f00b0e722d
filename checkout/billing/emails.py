"""The merchant is told each time the account they are paid on changes, whoever changed it.

Editors of the territory may fill in a merchant's bank details for them;
this e-mail is what lets a merchant notice a change they did not make
before the next Monday transfer goes to it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from checkout.billing.payouts import mask_iban
from checkout.models import PayoutAccount
from markets.emails import merchant_accounts, merchant_languages, shop_in
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
    """E-mail the shop's address and its owner's, each in its reader's language; returns how many went out."""
    account = PayoutAccount.objects.select_related("shop__owner").filter(pk=account_id).first()
    if account is None:
        return 0
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
            "checkout/emails/bank_details_changed", {**context, "shop_name": shop_name}, address, language
        )
    return len(recipients)
