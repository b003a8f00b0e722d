"""Admin of rows that belong to a shop: orders, vouchers, invoices, statements, payouts.

Which rows a user sees is `Model.objects.managed_by(user)` and nothing
else (see `checkout.models.shop_rows`): the list, its export, the detail
page and every action start from it, so another shop's pk in a URL
answers 404. The rows are never added, edited or deleted in the admin:
they change only through the viewset's own POST actions, each logged.
Access follows page permissions, so no model permission is registered
for them.

`ShopScopedViewSet` holds what their viewsets share: the queryset, the
permission policy, the CSV/XLSX export, the list and detail views and
their URLs. The column helpers below write amounts, shops and dates the
same way in every list.
"""

import datetime
from collections import OrderedDict
from collections.abc import Callable, Mapping

from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.coreutils import multigetattr
from wagtail.models import ModelLogEntry
from wagtail.permission_policies.base import BasePermissionPolicy

from portal import converters  # noqa: F401 (registers <pk:...>)
from portal.money import euros
from portal.spreadsheets import SpreadsheetExportMixin
from shops.access import manages_a_shop


def log_entries(instance) -> list[ModelLogEntry]:
    """What was done to `instance` and by whom, newest first, for its detail page."""
    return list(ModelLogEntry.objects.for_instance(instance).select_related("user").order_by("-timestamp", "-pk"))


# Columns ----------------------------------------------------------------------------------


def short_date(value: datetime.date | datetime.datetime | None) -> str:
    """A day as the admin writes it ("24/12/2025"); an instant gives its day in local time."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, "SHORT_DATE_FORMAT")


def short_datetime(value: datetime.datetime | None) -> str:
    """An instant in local time ("24/12/2025 18:30"), or "" for none."""
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else ""


class PlainColumn(Column):
    """A `Column` whose cells are written in Python, not through Wagtail's cell template.

    The same `<td>` as "wagtailadmin/tables/cell.html" (escaped value, the
    column's class), without its whitespace: a template rendered per row and
    column was the largest cost of a 50-row list.
    """

    def render_cell_html(self, instance, parent_context):
        value = self.get_value(instance)
        if value is None or not str(value).strip():
            value = self.empty_value_display
        elif isinstance(value, int) and not isinstance(value, bool):
            value = str(value)  # unlocalized, as Wagtail's Column writes numbers
        elif not isinstance(value, str):
            value = formats.localize(value)
        if self.classname:
            return format_html('<td class="{}">{}</td>', self.classname, value)
        return format_html("<td>{}</td>", value)


class PlainStatusTagColumn(StatusTagColumn):
    """A `StatusTagColumn` written in Python: the `<td>` and status tag of Wagtail's templates, without whitespace."""

    def render_cell_html(self, instance, parent_context):
        label = self.get_value(instance)
        classname = "w-status w-status--primary" if self.get_primary(instance) else "w-status"
        tag = format_html('<span class="{}">{}</span>', classname, label or "")
        if self.classname:
            return format_html('<td class="{}">{}</td>', self.classname, tag)
        return format_html("<td>{}</td>", tag)


class PlainTitleColumn(TitleColumn):
    """A `TitleColumn` linking to the row's page, written in Python as "wagtailadmin/tables/title_cell.html" writes it.

    Lines of help under the title: `help_lines` in the cell's context, each
    in a `<div class="{help_line_classname}">`. A cell with more than a link
    (buttons, labels, ids, link classes) goes through the template.
    """

    help_line_classname = "w-help-text"

    def render_cell_html(self, instance, parent_context):
        context = self.get_cell_context_data(instance, parent_context)
        plain = context["link_url"] and set(context["link_attrs"]) == {"href"}
        if not plain or context.get("buttons") or context["title_id"] or context["label_id"]:
            return super().render_cell_html(instance, parent_context)
        lines = format_html_join(
            "", '<div class="{}">{}</div>', ((self.help_line_classname, line) for line in context.get("help_lines", ()))
        )
        return format_html(
            '<td class="{}title"><div class="title-wrapper"><a href="{}">{}</a></div>{}</td>',
            f"{self.classname} " if self.classname else "",
            context["link_url"],
            context["value"],
            lines,
        )


def money_column(field: str, label, *, sortable: bool = True) -> Column:
    """The amount in `field`, in euros as `portal.money.euros` writes them in the user's language."""
    return PlainColumn(
        field, label=label, accessor=lambda row: euros(getattr(row, field)), sort_key=field if sortable else None
    )


def shop_column(accessor: str | Callable = "trade_name", *, name: str = "trade_name", sort_key: str | None = "trade_name") -> Column:
    """The merchant's trade name as the row recorded it, not the shop page's title of today."""
    return PlainColumn(name, label=_("Boutique"), accessor=accessor, sort_key=sort_key)


def date_column(
    name: str, label, *, path: str | None = None, sort_key: str | None = None, with_time: bool = False, blank: str = ""
) -> Column:
    """The date (or, `with_time`, the local date and time) at the dotted `path` of a row; `blank` when there is none."""
    written = short_datetime if with_time else short_date
    return PlainColumn(
        name, label=label, accessor=lambda row: written(multigetattr(row, path or name)) or blank, sort_key=sort_key
    )


# Permissions ----------------------------------------------------------------------------------


class ShopScopedPermissionPolicy(BasePermissionPolicy):
    """"view" on the rows `model.objects.managed_by(user)` returns; no other action on any row."""

    def user_has_permission(self, user, action):
        return action == "view" and manages_a_shop(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and self.model.objects.managed_by(user).filter(pk=instance.pk).exists()

    def instances_user_has_permission_for(self, user, action):
        if action != "view":
            return self.model.objects.none()
        return self.model.objects.managed_by(user)

    def users_with_any_permission(self, actions):
        raise NotImplementedError("Who sees these rows follows from page permissions; ask shops.access.")


class ShopScopedURLFinder(ModelAdminURLFinder):
    """Where a log entry or a search result links: the row's detail, for those who see it."""

    def get_edit_url(self, instance):
        if self.user and not self.permission_policy.user_has_permission_for_instance(self.user, "view", instance):
            return None
        return self.construct_edit_url(instance)


# Views ----------------------------------------------------------------------------------


class ManagedRowMixin:
    """A view of one row, found among the rows the user sees only (404 otherwise)."""

    model = None
    inspect_url_name = None
    # What the view reads of each row besides the row itself.
    row_select_related: tuple[str, ...] = ()

    def get_inspect_url(self):
        return reverse(self.inspect_url_name, args=(quote(self.object.pk),))

    def get_managed_row(self, pk):
        rows = self.model.objects.managed_by(self.request.user)
        if self.row_select_related:
            rows = rows.select_related(*self.row_select_related)
        return get_object_or_404(rows, pk=pk)


class ShopScopedIndexView(SpreadsheetExportMixin, IndexView):
    """The list and its CSV/XLSX export: the rows `managed_by(user)` returns, filtered and ordered.

    The CSV is written by `portal.spreadsheets` in the user's language; an
    export column gives typed values (Decimal, date, datetime), never text
    formatted by hand, so the CSV and the XLSX each write them their way.
    """

    # Filled in by the viewset: field → (heading, value of a row).
    export_columns: Mapping[str, tuple] = {}
    list_select_related: tuple[str, ...] = ()
    # After the chosen ordering, so that rows of equal values keep their place from one page to the next.
    tie_breakers: tuple[str, ...] = ("-pk",)

    def get_base_queryset(self):
        queryset = self.model.objects.managed_by(self.request.user)
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, *self.tie_breakers)

    def get_paginator(self, *args, **kwargs):
        # "2 commandes", in the list's words rather than the model's ("2 commandes boutique").
        paginator = super().get_paginator(*args, **kwargs)
        paginator.verbose_name, paginator.verbose_name_plural = self.verbose_name, self.verbose_name_plural
        return paginator

    def get_inspect_url(self, instance):
        # The queryset is already the user's rows: no permission check per row.
        return reverse(self.inspect_url_name, args=(quote(instance.pk),))

    def get_list_more_buttons(self, instance):
        return []

    def to_row_dict(self, item):
        return OrderedDict((field, self.export_columns[field][1](item)) for field in self.list_export)


class ShopScopedInspectView(ManagedRowMixin, InspectView):
    """The detail page of one of the user's rows; its template shows what matters, not a list of fields."""

    def get_fields(self):
        return []

    def get_object(self, queryset=None):
        return self.get_managed_row(self.pk)


# The viewset ----------------------------------------------------------------------------------


class ShopScopedViewSet(ModelViewSet):
    """List, CSV/XLSX export and detail of the rows `model.objects.managed_by(user)` returns, plus `actions`.

    A subclass names its model, menu, views and templates, and gives:
    - `list_columns(inspect_url_name)`: the list's columns;
    - `export_columns`: field → (heading, value of a row), in the export's order;
      a value is a Decimal, int, date or datetime where it is one (see `portal.spreadsheets`);
    - `actions`: (route, view class, URL name) of its other views. Every
      view gets each action's URL name as `<name>_url_name`.
    The export is named after the viewset (`name`), like its URLs.
    """

    list_columns: Callable[[str], list[Column]]
    export_columns: Mapping[str, tuple[str, Callable]] = {}
    actions: tuple[tuple[str, type, str], ...] = ()
    permission_policy_class = ShopScopedPermissionPolicy
    pk_path_converter = "pk"  # portal.converters: an id out of range is a 404

    index_view_class = ShopScopedIndexView
    inspect_view_class = ShopScopedInspectView
    add_to_admin_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = 50

    @cached_property
    def permission_policy(self):
        return self.permission_policy_class(self.model)

    @property
    def url_finder_class(self):
        return type(
            f"{self.model.__name__}URLFinder",
            (ShopScopedURLFinder,),
            {"permission_policy": self.permission_policy, "edit_url_name": self.get_url_name("inspect")},
        )

    def get_permissions_to_register(self):
        return Permission.objects.none()

    @property
    def list_display(self):
        # Read from the class: a plain function stored on it is not a method.
        return type(self).list_columns(self.get_url_name("inspect"))

    @property
    def list_export(self):
        return list(self.export_columns)

    @property
    def export_headings(self):
        return {field: heading for field, (heading, _value) in self.export_columns.items()}

    @property
    def export_filename(self):
        return self.name

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(export_columns=self.export_columns, **kwargs)

    def get_common_view_kwargs(self, **kwargs):
        no_generic_views = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        names = ("inspect", *(name for _route, _view, name in self.actions))
        action_urls = {f"{name}_url_name": self.get_url_name(name) for name in names}
        return super().get_common_view_kwargs(**{**no_generic_views, **action_urls, **kwargs})

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<pk:pk>/", self.inspect_view, name="inspect"),
            *(path(route, self.construct_view(view_class), name=name) for route, view_class, name in self.actions),
        ]
