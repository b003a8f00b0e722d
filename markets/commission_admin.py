"""Admin of the commission schedule: one list of steps per territory ("4 % from D, 3 % from D+14…").

Who may do what (CommissionSchedulePolicy):
- the platform — superusers and users holding the `markets.*_commissionrate`
  model permissions — sees every territory's schedule and adds, edits and
  deletes steps, as far as the money rules below allow;
- a territory editor (markets.editors) sees, adds, edits and deletes their
  own territories' steps (DESIGN.md: the tourism office sets its commission
  schedule), as far as the same rules allow; another territory's step is
  refused (403) on every URL and never offered in the form;
- anyone else (merchants) sees nothing: no menu item, 403 on every URL.

Rules that protect money, enforced both by the policy (no link, 403) and by
the form (a page left open across midnight):
- a step that has started (first day on or before today, Europe/Paris, the
  day `checkout.services` asks `rate_in_force` about) may have charged
  orders: it is never edited or deleted, only future steps are;
- a step is never created or moved before today;
- one step per territory and day: a French form error, also when two
  editors save the same day at once (the database constraint decides).

Create, edit and delete are logged by Wagtail (wagtail.create / edit / delete).
"""

from datetime import date, timedelta

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusTagColumn, Table, TitleColumn
from wagtail.admin.views.generic import history, usage
from wagtail.admin.views.generic import models as generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from markets import admin_scoping
from markets.editors import territories_edited_by
from markets.models import CommissionRate, Territory
from portal import converters  # noqa: F401 (registers <pk:...>)
from portal.dates import short_date
from portal.money import percent
from portal.spreadsheets import SpreadsheetExportMixin

FUTURE_ONLY_ACTIONS = ("change", "delete")
EDITOR_ACTIONS = ("view", "add", "change", "delete")
IN_FORCE_ROW_CLASS = "commission-in-force"


def today() -> date:
    """Today in Europe/Paris (settings.TIME_ZONE): the day checkout looks the rate up for."""
    return timezone.localdate()


def has_started(step: CommissionRate, day: date | None = None) -> bool:
    """Whether orders may have been charged at `step`: its first day is today or earlier."""
    return step.starts_on <= (day or today())


# Who ----------------------------------------------------------------------------------


class CommissionSchedulePolicy(ModelPermissionPolicy):
    """Model permissions for the platform; "view" of their own territories for editors.

    Change and delete exist for future steps only, whoever asks.
    `users_with_any_permission` (inherited) names the platform only: editors
    see the schedule through their group (markets.editors), not a permission.
    """

    def is_platform(self, user, action="view") -> bool:
        """Superuser or model permission; any of them lets the platform see every step."""
        actions = ("add", "change", "delete", "view") if action == "view" else (action,)
        return any(ModelPermissionPolicy.user_has_permission(self, user, a) for a in actions)

    @staticmethod
    def edited_territory_ids(user) -> frozenset[int]:
        # Asked for every row of the listing (its links and buttons): once per request user.
        if not hasattr(user, "_edited_territory_ids"):
            user._edited_territory_ids = frozenset(territories_edited_by(user).values_list("pk", flat=True))
        return user._edited_territory_ids

    def user_has_permission(self, user, action):
        if self.is_platform(user, action):
            return True
        return action in EDITOR_ACTIONS and bool(self.edited_territory_ids(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if action in FUTURE_ONLY_ACTIONS and has_started(instance):
            return False
        if self.is_platform(user, action):
            return True
        return action in EDITOR_ACTIONS and instance.territory_id in self.edited_territory_ids(user)

    def instances_user_has_permission_for(self, user, action):
        steps = CommissionRate.objects.all()
        if action in FUTURE_ONLY_ACTIONS:
            steps = steps.filter(starts_on__gt=today())
        if self.is_platform(user, action):
            return steps
        if action not in EDITOR_ACTIONS:
            return steps.none()
        return steps.filter(territory__in=territories_edited_by(user))


def territories_seen_by(user):
    if CommissionSchedulePolicy(CommissionRate).is_platform(user):
        return Territory.objects.all()
    return territories_edited_by(user)


# Form ---------------------------------------------------------------------------------


class CommissionRateForm(WagtailAdminModelForm):
    """A future step of the schedule; refuses the past, a started step and a taken day."""

    duplicate_message = _("Ce territoire a déjà un palier qui commence le %(day)s : modifiez-le plutôt.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today()
        if self.for_user is not None and "territory" in self.fields:
            # An editor schedules their own territories only.
            self.fields["territory"].queryset = territories_seen_by(self.for_user)
        # As stored: validation writes the posted values onto the instance.
        self.stored_starts_on = self.instance.starts_on if self.instance.pk else None
        self.fields["rate"].help_text = _(
            "Pourcentage TTC prélevé sur chaque commande payée à partir de ce jour, de 0 à 100, "
            "deux décimales au plus (ex. 4 ou 3,50)."
        )
        self.fields["starts_on"].help_text = _(
            "Le taux s'applique de ce jour jusqu'à la veille du palier suivant (ou jusqu'à la fin de la "
            "saison). Aujourd'hui ou plus tard : un palier commencé ne se modifie plus."
        )

    def clean(self):
        cleaned_data = super().clean()
        if self.stored_starts_on is not None and self.stored_starts_on <= self.today:
            raise ValidationError(
                _("Ce palier a commencé le %(day)s : des commandes ont pu être payées à ce taux, il ne peut plus "
                  "être modifié. Ajoutez un nouveau palier à partir d'aujourd'hui.")
                % {"day": short_date(self.stored_starts_on)}
            )
        starts_on = cleaned_data.get("starts_on")
        if starts_on is not None and starts_on < self.today:
            self.add_error("starts_on", _("Un palier ne peut pas commencer dans le passé : choisissez le %(day)s "
                                          "ou une date plus tardive.") % {"day": short_date(self.today)})
            return cleaned_data
        territory = cleaned_data.get("territory")
        if territory is not None and starts_on is not None:
            taken = CommissionRate.objects.filter(territory=territory, starts_on=starts_on).exclude(pk=self.instance.pk)
            if taken.exists():
                self.add_duplicate_error(starts_on)
        return cleaned_data

    def add_duplicate_error(self, starts_on: date):
        self.add_error("starts_on", self.duplicate_message % {"day": short_date(starts_on)})


# Views --------------------------------------------------------------------------------


class InstancePermissionMixin:
    """Refuses (403) an object URL unless the policy allows `instance_action` on that very step.

    Wagtail's generic views check the model-level permission only; the
    territory and the started/future rule live on the instance.
    """

    instance_action = "view"

    def get_object(self, queryset=None):
        step = super().get_object(queryset)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, self.instance_action, step):
            raise PermissionDenied
        return step


class SaveOnceMixin:
    """Two saves of the same territory and day at once: the loser gets the form error, not a 500."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except IntegrityError:
            form.add_duplicate_error(form.cleaned_data["starts_on"])
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


def step_period(step) -> str:
    """ "du 01/12/2026 au 14/12/2026 : 4 %": until the day before the next step, or the season's end."""
    start, rate = short_date(step.starts_on), percent(step.rate)
    if step.next_starts_on is None:
        return _("du %(start)s à la fin de la saison : %(rate)s %%") % {"start": start, "rate": rate}
    end = short_date(step.next_starts_on - timedelta(days=1))
    return _("du %(start)s au %(end)s : %(rate)s %%") % {"start": start, "end": end, "rate": rate}


def step_status(step, day: date) -> str:
    if step.starts_on > day:
        return "upcoming"
    if step.next_starts_on is None or step.next_starts_on > day:
        return "in_force"
    return "over"


STATUS_LABELS = {"upcoming": _("À venir"), "in_force": _("En vigueur"), "over": _("Terminé")}


class CommissionScheduleTable(Table):
    """Marks the row of the rate in force today in each territory."""

    def get_row_classname(self, instance):
        return IN_FORCE_ROW_CLASS if instance.status == "in_force" else ""


class TerritoryFilterSet(WagtailFilterSet):
    territory = django_filters.ModelChoiceFilter(label=_("Territoire"), queryset=lambda request: (
        territories_seen_by(request.user) if request else Territory.objects.none()
    ))

    class Meta:
        model = CommissionRate
        fields = ["territory"]


class CommissionScheduleIndexView(SpreadsheetExportMixin, generic.IndexView):
    # The CSV export in the editor's language, like every CSV of the portal.
    table_class = CommissionScheduleTable
    filterset_class = TerritoryFilterSet

    def get_base_queryset(self):
        next_step = CommissionRate.objects.filter(
            territory=OuterRef("territory"), starts_on__gt=OuterRef("starts_on")
        ).order_by("starts_on")
        return (
            self.permission_policy.instances_user_has_permission_for(self.request.user, "view")
            .select_related("territory")
            .annotate(next_starts_on=Subquery(next_step.values("starts_on")[:1]))
        )

    def get_table(self, object_list):
        day = today()
        steps = list(object_list)
        for step in steps:
            step.status = step_status(step, day)
        return super().get_table(steps)

    @property
    def columns(self):
        title_column_class = self._get_title_column_class(TitleColumn)

        def get_url(step):
            return self.get_edit_url(step) or self.get_inspect_url(step)

        return [
            title_column_class("period", label=_("Palier"), accessor=step_period, get_url=get_url,
                               sort_key="starts_on"),
            Column("territory", label=_("Territoire"), sort_key="territory__name"),
            StatusTagColumn("status", label=_("Statut"), accessor=lambda step: STATUS_LABELS[step.status],
                            primary=lambda step: step.status == "in_force"),
        ]

    # Links to edit and delete only where the policy allows it on this step (future ones).
    def get_edit_url(self, instance):
        if self.user_has_permission_for_instance("change", instance):
            return super().get_edit_url(instance)

    def get_delete_url(self, instance):
        if self.user_has_permission_for_instance("delete", instance):
            return super().get_delete_url(instance)


class CommissionRateCreateView(SaveOnceMixin, generic.CreateView):
    pass


class CommissionRateEditView(SaveOnceMixin, InstancePermissionMixin, generic.EditView):
    instance_action = "change"


class CommissionRateDeleteView(InstancePermissionMixin, generic.DeleteView):
    instance_action = "delete"


class CommissionRateInspectView(InstancePermissionMixin, generic.InspectView):
    instance_action = "view"


class CommissionScheduleViewSet(ModelViewSet):
    model = CommissionRate
    icon = "calendar-alt"
    menu_label = _("Commissions")
    menu_order = 260
    add_to_admin_menu = True
    url_prefix = "commissions"
    # portal.converters: an id out of the database's range is a 404, not an overflow.
    pk_path_converter = "pk"
    url_namespace = "commission_schedule"
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_reference_index = False
    list_per_page = 100
    list_export = ["territory", "starts_on", "rate"]
    export_filename = "calendrier-commissions"

    index_view_class = CommissionScheduleIndexView
    add_view_class = CommissionRateCreateView
    edit_view_class = CommissionRateEditView
    delete_view_class = CommissionRateDeleteView
    inspect_view_class = CommissionRateInspectView
    # Wagtail's history and usage views ask the model permission only: another territory's step is a 404.
    history_view_class = admin_scoping.policy_scoped(history.HistoryView)
    usage_view_class = admin_scoping.policy_scoped(usage.UsageView)
    index_template_name = "markets/commission/index.html"
    inspect_view_fields = ["territory", "starts_on", "rate"]

    edit_handler = ObjectList(
        [FieldPanel("territory"), FieldRowPanel([FieldPanel("starts_on"), FieldPanel("rate")])],
        base_form_class=CommissionRateForm,
    )

    @property
    def permission_policy(self):
        return CommissionSchedulePolicy(self.model)


@hooks.register("register_admin_viewset")
def register_commission_schedule_viewset():
    return CommissionScheduleViewSet("commission_schedule")
