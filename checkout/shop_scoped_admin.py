"""Admin of rows that belong to a shop (orders, vouchers).

Such rows are seen by those who manage their shop (`shops.access`), never
added, edited or deleted in the admin: they change only through the
viewset's own POST actions, each logged. Access follows page permissions,
so no model permission is registered for them.
"""

from collections.abc import Callable

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from shops.access import shops_managed_by


def manages_a_shop(user) -> bool:
    # Asked by the menu, the permission check and the list: once per request user.
    if not hasattr(user, "_manages_a_shop"):
        user._manages_a_shop = shops_managed_by(user).exists()
    return user._manages_a_shop


class ShopScopedPermissionPolicy(BasePermissionPolicy):
    """"view" on the rows `managed(user)` returns; no other action on any row."""

    def __init__(self, model, managed: Callable[..., QuerySet]):
        super().__init__(model)
        self.managed = managed

    def user_has_permission(self, user, action):
        return action == "view" and manages_a_shop(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and self.managed(user).filter(pk=instance.pk).exists()

    def instances_user_has_permission_for(self, user, action):
        if action != "view":
            return self.model.objects.none()
        return self.managed(user)

    def users_with_any_permission(self, actions):
        raise NotImplementedError("Who sees these rows follows from page permissions; ask shops.access.")


class ShopScopedURLFinder(ModelAdminURLFinder):
    """Where a log entry or a search result links: the row's detail, for those who see it."""

    def get_edit_url(self, instance):
        if self.user and not self.permission_policy.user_has_permission_for_instance(self.user, "view", instance):
            return None
        return self.construct_edit_url(instance)


class ShopScopedViewSet(ModelViewSet):
    """List, export and detail of the rows `managed_rows(user)` returns, plus `action_url_names`."""

    managed_rows: Callable[..., QuerySet]
    # URL names of the viewset's actions, passed to every view as `<name>_url_name`.
    action_url_names: tuple[str, ...] = ()

    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = 50

    @property
    def permission_policy(self):
        return ShopScopedPermissionPolicy(self.model, type(self).managed_rows)

    @property
    def url_finder_class(self):
        return type(
            f"{self.model.__name__}URLFinder",
            (ShopScopedURLFinder,),
            {"permission_policy": self.permission_policy, "edit_url_name": self.get_url_name("inspect")},
        )

    def get_permissions_to_register(self):
        return Permission.objects.none()

    def get_common_view_kwargs(self, **kwargs):
        no_generic_views = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        actions = {f"{name}_url_name": self.get_url_name(name) for name in ("inspect", *self.action_url_names)}
        return super().get_common_view_kwargs(**{**no_generic_views, **actions, **kwargs})
