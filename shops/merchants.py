"""What a merchant may do: their own shop, nothing else.

A merchant of shop S can, in the Wagtail admin:
- edit S's shop page, in French and in English (through wagtail-localize's
  translation editor for the English page);
- add, edit and delete S's products (pages under the shop page);
- publish S and its products once S has been published a first time: until
  then they submit S to the territory's editors ("Première mise en ligne"
  workflow, see markets.onboarding);
- upload, edit and choose images in S's own collection ("<shop title>",
  under the territory's collection).

A merchant cannot:
- see or edit other shops, the market page, help pages or the home page
  (the page explorer shows only the path down to S);
- delete S's shop page while it has products (no bulk delete), move or
  copy pages outside S;
- see other collections' images (in their own collection, Wagtail's
  `change_image` lets them edit and delete any image);
- edit partner contacts or territories, or submit/sync translations
  (see markets.editors for why `submit_translation` is withheld).

Every function here is idempotent; call `merchant_group` again after the
shop gains a translation so the new page gets the same permissions.
"""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import Collection, Locale

from markets.editors import (
    ADMIN_ACCESS,
    add_to_group,
    grant_collection_permissions,
    grant_model_permissions,
    grant_page_permissions,
    territory_collection,
)
from shops.models import ShopPage

MERCHANT_PAGE_PERMISSIONS = ("add_page", "change_page")
# Granted once the shop has been published (its first publication is
# approved by the territory's editors, see markets.onboarding).
MERCHANT_PUBLISH_PERMISSION = "publish_page"
MERCHANT_GROUP_PREFIX = "Commerce — "
MERCHANT_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
)


def _source_shop(shop: ShopPage) -> ShopPage:
    """The shop in the default (French) locale when it exists: names come from there."""
    return (
        ShopPage.objects.filter(translation_key=shop.translation_key, locale=Locale.get_default()).first()
        or shop
    )


def shop_collection(shop: ShopPage) -> Collection:
    """The shop's own image collection, named after the shop, under its territory's collection."""
    shop = _source_shop(shop)
    territory = shop.get_parent().specific.territory
    parent = territory_collection(territory)
    existing = parent.get_children().filter(name=shop.title).first()
    if existing is not None:
        return existing
    return parent.add_child(instance=Collection(name=shop.title))


@transaction.atomic
def merchant_group(shop: ShopPage) -> Group:
    """The group "Commerce — <shop slug>" with the rights described in this module."""
    shop = _source_shop(shop)
    group, _ = Group.objects.get_or_create(name=f"{MERCHANT_GROUP_PREFIX}{shop.slug}")
    grant_model_permissions(group, [ADMIN_ACCESS])
    codenames = MERCHANT_PAGE_PERMISSIONS
    if shop.first_published_at is not None:
        codenames += (MERCHANT_PUBLISH_PERMISSION,)
    grant_page_permissions(group, ShopPage.objects.filter(translation_key=shop.translation_key), codenames)
    grant_collection_permissions(group, shop_collection(shop), MERCHANT_COLLECTION_PERMISSIONS)
    return group


def is_merchant(user) -> bool:
    """A user who runs a shop and nothing more (not an editor, not the operator)."""
    from markets.editors import is_editor

    return (
        user.is_authenticated and not user.is_superuser
        and user.groups.filter(name__startswith=MERCHANT_GROUP_PREFIX).exists()
        and not is_editor(user)
    )


def make_merchant(user, shop: ShopPage) -> None:
    """Let `user` run `shop` in the admin."""
    add_to_group(user, merchant_group(shop))
