"""The operator's list of failed-login counters (django-axes' AccessAttempt), to see and lift lock-outs.

Superusers only. A row is one (user name, address, browser) with its
failures within the cool-off; deleting it forgets them, which unlocks that
pair (and lowers the address's total). Nothing can be added or edited here:
the rows are written by axes alone.
"""

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from portal import converters  # noqa: F401 (registers <pk:...>)


class SuperusersViewAndDelete(BasePermissionPolicy):
    """Active superusers may list the counters and delete them; nobody may add or change one."""

    actions = frozenset({"view", "delete"})

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.is_superuser and action in self.actions)

    def users_with_any_permission(self, actions):
        if not self.actions.intersection(actions):
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


class LockoutViewSet(ModelViewSet):
    model = AccessAttempt
    name = "lockouts"
    icon = "lock"
    menu_label = _("Connexions bloquées")
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    pk_path_converter = "pk"  # portal.converters: an id out of range is a 404
    ordering = ["-attempt_time", "-pk"]
    list_per_page = 50

    @property
    def list_display(self):
        return [
            "username",  # the title column, which carries the row's delete button
            Column("ip_address", label=_("Adresse IP")),
            Column("failures_since_start", label=_("Échecs")),
            DateColumn("attempt_time", label=_("Dernier échec")),
            Column("path_info", label=_("Page")),
        ]

    @property
    def permission_policy(self):
        return SuperusersViewAndDelete(self.model)

    def get_permissions_to_register(self):
        return Permission.objects.none()

    def get_common_view_kwargs(self, **kwargs):
        read_only = dict.fromkeys(["add_url_name", "edit_url_name", "history_url_name", "usage_url_name"])
        return super().get_common_view_kwargs(**{**read_only, **kwargs})

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("delete/<pk:pk>/", self.delete_view, name="delete"),
        ]


lockout_viewset = LockoutViewSet()
