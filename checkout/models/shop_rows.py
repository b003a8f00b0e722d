"""Who sees which rows of checkout: `Model.objects.managed_by(user)`, one rule per model.

Every admin listing, export, detail page and action starts from it, so
a rule is written once, on the model's queryset: here for the rows that
belong to one shop, on `WeeklyStatement`, `Payout` and `Invoice` for
their extra readers.
"""

from django.db import models

from shops.access import shops_managed_by


def managed_shop_keys(user) -> models.QuerySet:
    """The translation keys of the shops `user` manages (`shops.access.shops_managed_by`), as a subquery."""
    return shops_managed_by(user).values("translation_key")


class ShopRowQuerySet(models.QuerySet):
    """Rows with a `shop`: orders, vouchers, bank accounts, ledger entries."""

    def managed_by(self, user):
        """The rows of every shop `user` manages, whichever language's page the row points at.

        A merchant's shop, an editor's territory's shops, every shop for a
        superuser; nothing for an anonymous or inactive user, nor for a row
        whose shop page was deleted.
        """
        return self.filter(shop__translation_key__in=managed_shop_keys(user))
