"""Give the existing editors and merchant groups wagtail-localize's `submit_translation`.

New groups get it from markets.editors.editors_group and
markets.merchants.merchant_group; this gives it to the groups linked before
(Territory.editors_group, MerchantShop.group). markets.localize_access
narrows what the permission reaches to the pages and partner contacts each
group may edit. Adding is idempotent; reversing takes it back from those
groups only.
"""

from django.db import migrations


def _groups(apps):
    Group = apps.get_model("auth", "Group")
    Territory = apps.get_model("markets", "Territory")
    MerchantShop = apps.get_model("markets", "MerchantShop")
    ids = set(Territory.objects.exclude(editors_group=None).values_list("editors_group_id", flat=True))
    ids |= set(MerchantShop.objects.exclude(group=None).values_list("group_id", flat=True))
    return Group.objects.filter(pk__in=ids).order_by("pk")


def _permission(apps):
    Permission = apps.get_model("auth", "Permission")
    # Made by wagtail_localize 0006 on a content type of its own.
    return Permission.objects.filter(
        content_type__app_label="wagtail_localize", codename="submit_translation"
    ).first()


def grant(apps, schema_editor):
    permission = _permission(apps)
    if permission is None:
        return
    for group in _groups(apps):
        group.permissions.add(permission)


def revoke(apps, schema_editor):
    permission = _permission(apps)
    if permission is None:
        return
    for group in _groups(apps):
        group.permissions.remove(permission)


class Migration(migrations.Migration):

    dependencies = [
        ("markets", "0007_market_preorders"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
