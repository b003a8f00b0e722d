"""The operator's list of e-mails that came back undelivered ("E-mails non distribués"), newest first.

Superusers only: a bounce can concern any territory's orders, shops and
registrations, and this list does not sort them by territory. Read only:
the rows are written by `manage.py record_bounce`. Each row says when the
e-mail was sent, its template, what it was about (the order, shop order,
shop or registration, by its own name), the address, the status code
(RFC 3463: 5.x.x is permanent) and the server's diagnostic.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from portal.models import SentEmail


class SuperusersView(BasePermissionPolicy):
    """Active superusers may list the bounces; nobody may add, change or delete one here."""

    def user_has_permission(self, user, action):
        return bool(user.is_active and user.is_superuser and action == "view")

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return get_user_model().objects.filter(is_active=True, is_superuser=True)


def concerns(sent: SentEmail) -> str:
    """What the e-mail was about, by that row's own name ("Commande n° 000123"); its kind and id once deleted."""
    if sent.content_type_id is None:
        return "—"
    if sent.about is not None:
        return str(sent.about)
    return f"{sent.content_type.name} {sent.object_id} ({_('supprimé')})"


class BounceIndexView(IndexView):
    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .filter(bounced_at__isnull=False)
            .select_related("content_type")
            .prefetch_related("about")
        )


class BounceViewSet(ModelViewSet):
    model = SentEmail
    name = "bounces"
    url_prefix = "emails-non-distribues"
    icon = "mail"
    menu_label = _("E-mails non distribués")
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    index_view_class = BounceIndexView
    ordering = ["-bounced_at", "-pk"]
    list_per_page = 50
    list_filter = ["template"]
    search_fields = ["recipient", "template", "bounce_diagnostic"]

    @property
    def list_display(self):
        return [
            Column("template", label=_("Modèle")),
            DateColumn("sent_at", label=_("Envoyé le")),
            Column("concerns", label=_("Concerne"), accessor=concerns),
            Column("recipient", label=_("Destinataire")),
            DateColumn("bounced_at", label=_("Non distribué le")),
            Column("bounce_status", label=_("Code")),
            Column("bounce_diagnostic", label=_("Diagnostic")),
        ]

    @property
    def permission_policy(self):
        return SuperusersView(self.model)

    def get_permissions_to_register(self):
        return Permission.objects.none()

    def get_common_view_kwargs(self, **kwargs):
        read_only = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(**{**read_only, **kwargs})

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]


bounce_viewset = BounceViewSet()
