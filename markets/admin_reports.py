"""Wagtail's site-wide reports, narrowed to what the reader may reach.

Wagtail 7.4 offers two reports that read across territories and has no
hook to narrow them:

- the site history (`/admin/reports/site-history/`) lists the log entries
  of every model the user holds any permission on: an editor of A, who
  may change partner contacts, would read B's partner contacts, commission
  steps and registrations, and its user filter names everyone who ever
  edited a page. `ScopedLogEntriesView` keeps the page entries Wagtail
  already limits to the pages the user may explore, and narrows the
  entries of territory-scoped rows, images and documents to the rows the
  user reaches (`log_entries_in_scope`);
- the page-types usage (`/admin/reports/page-types-usage/`) counts every
  page of the site by type and names each type's last edited page, which
  may be another territory's draft. Nobody but the platform needs the
  whole tree's figures: an editor's or merchant's own pages, by type, are
  what the (scoped) explorer and its type filter show. The report is
  therefore the superusers' (`PlatformPageTypesUsageView`), and its menu
  item is hidden from the others.

Both views are routed before Wagtail's own (markets.admin_urls).
"""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from wagtail import hooks
from wagtail.admin.filters import ContentTypeFilter
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.documents import get_document_model
from wagtail.documents.permissions import permission_policy as documents_permission_policy
from wagtail.images import get_image_model
from wagtail.images.permissions import permission_policy as images_permission_policy
from wagtail.log_actions import registry as log_action_registry
from wagtail.models import PageLogEntry

from markets.admin_scoping import TERRITORY_SCOPED_MODELS, in_territories_of


def is_platform(user) -> bool:
    return user.is_active and user.is_superuser


def rows_in_reach(user) -> list:
    """(model, queryset of the rows `user` reaches) for each model whose log entries others may not read."""
    return [
        *((model, in_territories_of(user, model)) for model in TERRITORY_SCOPED_MODELS),
        (get_image_model(), images_permission_policy.instances_user_has_any_permission_for(user, ["change", "choose"])),
        (
            get_document_model(),
            documents_permission_policy.instances_user_has_any_permission_for(user, ["change", "choose"]),
        ),
    ]


def log_entries_in_scope(user, entries):
    """`entries` (a queryset of one log entry model) narrowed to those `user` may read; all for a superuser.

    Page entries are left as Wagtail narrowed them (`viewable_by_user`: the
    pages the user may explore). Entries on the models of `rows_in_reach`
    are kept for the rows the user reaches. Entries on other models are
    left to Wagtail's rule (a permission on the model): here a model-wide
    permission is a platform-wide grant (the accounting's "change payout"),
    territory and shop rights being given by collections, page permissions
    and the territory-scoped models' own checks.
    """
    if is_platform(user) or issubclass(entries.model, PageLogEntry):
        return entries
    reachable = Q()
    scoped_types = []
    for model, rows in rows_in_reach(user):
        content_type = ContentType.objects.get_for_model(model)
        scoped_types.append(content_type.pk)
        # `object_id` holds the row's key as text.
        keys = rows.order_by().annotate(key_text=Cast("pk", CharField())).values("key_text")
        reachable |= Q(content_type=content_type, object_id__in=keys)
    return entries.filter(reachable | ~Q(content_type__in=scoped_types))


def readable_entries(user):
    """The log entries `user` may read, one queryset per registered log entry model."""
    return [
        log_entries_in_scope(user, model.objects.viewable_by_user(user))
        for model in log_action_registry.get_log_entry_models()
    ]


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    """The site history's filters, offering only the types, actions and people of entries the user may read."""

    object_type = ContentTypeFilter(
        label=SiteHistoryReportFilterSet.base_filters["object_type"].label,
        method="filter_object_type",
        queryset=lambda request: ContentType.objects.filter(
            pk__in={pk for entries in readable_entries(request.user) for pk in entries.get_content_type_ids()}
        ).order_by("model"),
    )

    class Meta(SiteHistoryReportFilterSet.Meta):
        pass

    def get_action_choices(self):
        used = {action for entries in readable_entries(self.request.user) for action in entries.get_actions()}
        return [choice for choice in log_action_registry.get_choices() if choice[0] in used]

    def get_users_queryset(self):
        # Wagtail's lists the authors of every page entry of the site.
        user_model = get_user_model()
        ids = {pk for entries in readable_entries(self.request.user) for pk in entries.get_user_ids()}
        return user_model.objects.filter(pk__in=ids).order_by(user_model.USERNAME_FIELD)


class ScopedLogEntriesView(LogEntriesView):
    """The site history, listing (and exporting) only the entries `log_entries_in_scope` lets the user read."""

    filterset_class = ScopedSiteHistoryFilterSet

    def filter_queryset(self, queryset):
        # Called once per log entry model, on that model's entries (Wagtail then joins them).
        return super().filter_queryset(log_entries_in_scope(self.request.user, queryset))


class PlatformPageTypesUsageView(PageTypesUsageReportView):
    """The page-types usage report, for superusers only (see the module's docstring): Wagtail refuses the others."""

    def user_has_any_permission(self, permissions):
        return is_platform(self.request.user)


@hooks.register("construct_reports_menu")
def hide_page_types_usage(request, menu_items):
    if not is_platform(request.user):
        menu_items[:] = [item for item in menu_items if item.name != "page-types-usage"]
