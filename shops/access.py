"""Who may manage which shop: Wagtail's page permissions are the only source.

A merchant's group holds `change_page` on their ShopPage (see
`markets.merchants`); a territory's editors hold it on the market page and so
on every shop below; a superuser on everything. Orders, vouchers, stock and
reports of a shop are visible to exactly those users.
"""

from django.conf import settings
from django.db.models import QuerySet
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.permission_policies.pages import PagePermissionPolicy

from shops.models import ShopPage


def shops_managed_by(user) -> QuerySet[ShopPage]:
    """Shops (default-locale pages) whose page `user` may change."""
    if not user.is_authenticated or not user.is_active:
        return ShopPage.objects.none()
    editable = PagePermissionPolicy().instances_user_has_any_permission_for(user, ["change"])
    editable_keys = ShopPage.objects.filter(pk__in=editable.values("pk")).values("translation_key")
    # The default locale by its code, joined rather than fetched: one query less on every call.
    default_language = get_supported_content_language_variant(settings.LANGUAGE_CODE)
    return ShopPage.objects.filter(translation_key__in=editable_keys, locale__language_code=default_language)


def manages_a_shop(user) -> bool:
    """Whether `user` may change at least one shop, asked once per user object (once per request).

    The admin's menu items, permission policies and views all ask it; the
    answer is kept on the user object, which a request builds afresh.
    """
    if not hasattr(user, "_manages_a_shop"):
        user._manages_a_shop = shops_managed_by(user).exists()
    return user._manages_a_shop


def can_manage_shop(user, shop: ShopPage) -> bool:
    return shops_managed_by(user).filter(translation_key=shop.translation_key).exists()
