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


def managed_shop_pages(user) -> list[tuple[int, object]]:
    """(pk, translation key) of the pages, in every language, of the shops `user` manages: one query.

    `Model.objects.of_shop_pages(pks)` with their pks selects the same rows
    as `managed_by(user)`, but as a list of values on the indexed `shop_id`:
    the database then starts from the shops' own rows, where with the
    subquery SQLite starts from the whole territory's (e.g. every paid
    order) and keeps the merchant's few.
    """
    from shops.models import ShopPage

    pages = ShopPage.objects.filter(translation_key__in=managed_shop_keys(user))
    return list(pages.values_list("pk", "translation_key"))


def managed_shop_page_ids(user) -> list[int]:
    """The pks of the pages, in every language, of the shops `user` manages (see `managed_shop_pages`)."""
    return [pk for pk, _key in managed_shop_pages(user)]


class ShopRowQuerySet(models.QuerySet):
    """Rows with a `shop`: orders, vouchers, bank accounts, ledger entries."""

    def managed_by(self, user):
        """The rows of every shop `user` manages, whichever language's page the row points at.

        A merchant's shop, an editor's territory's shops, every shop for a
        superuser; nothing for an anonymous or inactive user, nor for a row
        whose shop page was deleted.
        """
        return self.filter(shop__translation_key__in=managed_shop_keys(user))

    def of_shop_pages(self, shop_page_ids: list[int]):
        """The rows of these shop pages: with `managed_shop_page_ids(user)`, the rows `managed_by(user)` selects."""
        return self.filter(shop_id__in=shop_page_ids)
