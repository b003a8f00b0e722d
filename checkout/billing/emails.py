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
from portal.emails import send_templated_email


def send_bank_details_changed(account_id: int, changed_by_id: int | None) -> int:
    """E-mail the shop's address and its owner's; returns how many e-mails went out."""
    account = PayoutAccount.objects.select_related("shop__owner", "shop__locale").filter(pk=account_id).first()
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
    recipients = {address.lower() for address in (shop.email, getattr(shop.owner, "email", "")) if address}
    for address in sorted(recipients):
        send_templated_email("checkout/emails/bank_details_changed", context, address, shop.locale.language_code)
    return len(recipients)
