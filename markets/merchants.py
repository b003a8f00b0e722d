"""Who is a merchant of which shop, and what a merchant may do: their own shop, nothing else.

A merchant of shop S can, in the Wagtail admin:
- edit S's shop page, in French and in English (through wagtail-localize's
  translation editor for the English page);
- translate S and its products with wagtail-localize ("Translate", "Sync
  translated pages", the translation editor): they hold
  `wagtail_localize.submit_translation`, and markets.localize_access
  narrows every localize view to the pages they can edit;
- add, edit and delete S's products (pages under the shop page);
- publish S and its products once S has been published a first time: until
  then they submit S to the territory's editors ("Première mise en ligne"
  workflow, see markets.onboarding);
- upload, edit and choose images in S's own collection (under the
  territory's collection).

A merchant cannot:
- see or edit other shops, the market page, help pages or the home page
  (the page explorer shows only the path down to S);
- delete S's shop page while it has products (no bulk delete), move or
  copy pages outside S;
- see other collections' images (in their own collection, Wagtail's
  `change_image` lets them edit and delete any image);
- edit partner contacts or territories, or translate anything but S and
  its products (markets.localize_access refuses it and hides the buttons).

The shop's group and collection hang on a MerchantShop row keyed by the
shop's translation key (shared by its French and English pages): they are
made once and found by key afterwards, so renaming the shop (title or slug)
changes nobody's access, and a second merchant of the shop joins the same
group. Their names are labels, refreshed on each call. Each merchant
account is a Merchant row. This lives in markets, not shops, because it
builds on the territory's collection (markets.editors) and shops may not
import markets.

Every function here is idempotent; call `merchant_group` again after the
shop gains a translation so the new page gets the same permissions.
"""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.models import Collection, Locale

from markets.editors import (
    ADMIN_ACCESS,
    SUBMIT_TRANSLATION,
    add_to_group,
    grant_collection_permissions,
    grant_model_permissions,
    grant_page_permissions,
    group_label,
    is_editor,
    relabel_collection,
    relabel_group,
    territory_collection,
)
from markets.models import Merchant, MerchantShop
from shops.models import ShopPage

MERCHANT_PAGE_PERMISSIONS = ("add_page", "change_page")
# Granted once the shop has been published (its first publication is
# approved by the territory's editors, see markets.onboarding).
MERCHANT_PUBLISH_PERMISSION = "publish_page"
# A label for humans in the admin; access is never looked up by it.
MERCHANT_GROUP_PREFIX = "Commerce — "
MERCHANT_COLLECTION_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "change_image"),
    ("wagtailimages", "choose_image"),
)


def _source_shop(shop: ShopPage) -> ShopPage:
    """The shop in the default (French) locale when it exists: labels come from there."""
    return (
        ShopPage.objects.filter(translation_key=shop.translation_key, locale=Locale.get_default()).first()
        or shop
    )


def merchant_shop(shop: ShopPage) -> MerchantShop:
    """The shop's access row with its group and collection, made once and found by translation key.

    The group is labelled "Commerce — <slug>" and the collection after the
    shop's title, under the territory's collection; both labels follow the
    French page on each call.
    """
    return _access(_source_shop(shop))


@transaction.atomic
def _access(source: ShopPage) -> MerchantShop:
    access, _ = MerchantShop.objects.get_or_create(translation_key=source.translation_key)
    # Serialises the first creation: two approvals at once make one group.
    access = MerchantShop.objects.select_for_update(of=("self",)).select_related("group", "collection").get(pk=access.pk)
    changed = []
    group_name = f"{MERCHANT_GROUP_PREFIX}{source.slug}"
    if access.group is None:
        access.group = Group.objects.create(name=group_label(group_name))
        changed.append("group")
    else:
        relabel_group(access.group, group_name)
    if access.collection is None:
        territory = source.get_parent().specific.territory
        access.collection = territory_collection(territory).add_child(instance=Collection(name=source.title))
        changed.append("collection")
    else:
        relabel_collection(access.collection, source.title)
    if changed:
        access.save(update_fields=changed)
    return access


def shop_collection(shop: ShopPage) -> Collection:
    """The shop's own image collection, under its territory's collection."""
    return merchant_shop(shop).collection


@transaction.atomic
def _granted_access(shop: ShopPage) -> MerchantShop:
    source = _source_shop(shop)
    access = _access(source)
    grant_model_permissions(access.group, [ADMIN_ACCESS, SUBMIT_TRANSLATION])
    codenames = MERCHANT_PAGE_PERMISSIONS
    if source.first_published_at is not None:
        codenames += (MERCHANT_PUBLISH_PERMISSION,)
    grant_page_permissions(access.group, ShopPage.objects.filter(translation_key=source.translation_key), codenames)
    grant_collection_permissions(access.group, access.collection, MERCHANT_COLLECTION_PERMISSIONS)
    return access


def merchant_group(shop: ShopPage) -> Group:
    """The shop's merchants group with the rights described in this module."""
    return _granted_access(shop).group


@transaction.atomic
def make_merchant(user, shop: ShopPage) -> Merchant:
    """Let `user` run `shop` in the admin: they join the shop's group, recorded as a Merchant row."""
    access = _granted_access(shop)
    add_to_group(user, access.group)
    merchant, _ = Merchant.objects.get_or_create(user=user, shop=access)
    return merchant


def is_merchant(user) -> bool:
    """A user who runs a shop and nothing more (not an editor, not the operator).

    Membership of a shop's linked group decides, as it is what grants the
    page permissions: a group merely named like one proves nothing.
    """
    return (
        user.is_authenticated and not user.is_superuser
        and MerchantShop.objects.filter(group__in=user.groups.all()).exists()
        and not is_editor(user)
    )


def account_emails(shop_translation_key) -> list[str]:
    """The e-mail addresses of the shop's active merchant accounts, oldest account first, each once.

    Where a shop's orders are announced when the shop page has no e-mail of its own.
    """
    emails = (
        Merchant.objects.filter(shop__translation_key=shop_translation_key, user__is_active=True)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("user__email", flat=True)
    )
    return list(dict.fromkeys(emails))
