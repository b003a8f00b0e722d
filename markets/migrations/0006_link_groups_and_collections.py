"""Link the groups and collections made before 0005 (found by name then) to their territories and shops.

Before, a territory's editors were the group "Éditeurs — <territory name>",
its images the collection "Boutiques — <territory name>" under the root; a
shop's merchants the group "Commerce — <French shop slug>", its images the
collection named after the shop's title under the territory's collection.
This finds them by those names once, and from then on they are linked by
key. Rows already linked are left alone and missing ones are skipped, so
running it again, or on a database made after 0005, changes nothing.
Reversing it is a no-op: reversing 0005 drops the links themselves.
"""

from django.conf import settings
from django.db import migrations
from wagtail.coreutils import get_supported_content_language_variant

EDITORS_GROUP_PREFIX = "Éditeurs — "
TERRITORY_COLLECTION_PREFIX = "Boutiques — "
MERCHANT_GROUP_PREFIX = "Commerce — "


def _child_named(Collection, parent, name):
    if parent is None:
        return None
    return (
        Collection.objects.filter(path__startswith=parent.path, depth=parent.depth + 1, name=name)
        .order_by("path").first()
    )


def link_territories(apps):
    Group = apps.get_model("auth", "Group")
    Collection = apps.get_model("wagtailcore", "Collection")
    Territory = apps.get_model("markets", "Territory")
    root = Collection.objects.filter(depth=1).order_by("path").first()
    for territory in Territory.objects.order_by("pk"):
        changed = []
        if territory.editors_group_id is None:
            group = Group.objects.filter(name=f"{EDITORS_GROUP_PREFIX}{territory.name}").first()
            if group is not None and not Territory.objects.filter(editors_group=group).exists():
                territory.editors_group = group
                changed.append("editors_group")
        if territory.image_collection_id is None:
            collection = _child_named(Collection, root, f"{TERRITORY_COLLECTION_PREFIX}{territory.name}")
            if collection is not None and not Territory.objects.filter(image_collection=collection).exists():
                territory.image_collection = collection
                changed.append("image_collection")
        if changed:
            territory.save(update_fields=changed)


def _french_shop(apps, group):
    """The French shop named by the group's slug; slugs are unique only under one market, so
    the shops the group holds page permissions on come first."""
    Locale = apps.get_model("wagtailcore", "Locale")
    ShopPage = apps.get_model("shops", "ShopPage")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    locale = Locale.objects.filter(
        language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE)
    ).first()
    shops = ShopPage.objects.filter(slug=group.name.removeprefix(MERCHANT_GROUP_PREFIX), locale=locale)
    permitted = shops.filter(pk__in=GroupPagePermission.objects.filter(group=group).values("page_id"))
    return permitted.order_by("path").first() or shops.order_by("path").first()


def _shop_collection(apps, shop):
    """The child named after the shop of its territory's (now linked) collection."""
    Collection = apps.get_model("wagtailcore", "Collection")
    MarketPage = apps.get_model("markets", "MarketPage")
    steplen = len(shop.path) // shop.depth
    market = MarketPage.objects.filter(path=shop.path[:-steplen]).select_related("territory").first()
    if market is None:
        return None
    return _child_named(Collection, market.territory.image_collection, shop.title)


def link_merchants(apps):
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    MerchantShop = apps.get_model("markets", "MerchantShop")
    Merchant = apps.get_model("markets", "Merchant")
    for group in Group.objects.filter(name__startswith=MERCHANT_GROUP_PREFIX).order_by("pk"):
        if MerchantShop.objects.filter(group=group).exists():
            continue
        shop = _french_shop(apps, group)
        if shop is None:
            continue
        access, _ = MerchantShop.objects.get_or_create(translation_key=shop.translation_key)
        if access.group_id is not None:
            # The shop is already linked to another group: leave this one alone.
            continue
        access.group = group
        changed = ["group"]
        if access.collection_id is None:
            collection = _shop_collection(apps, shop)
            if collection is not None and not MerchantShop.objects.filter(collection=collection).exists():
                access.collection = collection
                changed.append("collection")
        access.save(update_fields=changed)
        for user in User.objects.filter(groups=group).order_by("pk"):
            Merchant.objects.get_or_create(user=user, shop=access)


def link_existing(apps, schema_editor):
    link_territories(apps)
    link_merchants(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("markets", "0005_identity_by_key"),
        ("shops", "0002_voucher_free_amount"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(link_existing, migrations.RunPython.noop)]
