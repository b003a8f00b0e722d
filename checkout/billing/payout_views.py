"""Statements ("Relevés") and payouts ("Versements") in the Wagtail admin.

Who sees what (`WeeklyStatement.objects.managed_by(user)`, the same for `Payout`):
- a merchant, the rows of their shop; a territory's editor, the rows of
  its shops (both through `shops.access.shops_managed_by`);
- the platform's accounting (superusers, or users holding
  `checkout.change_payout`: `is_accountant`), every row. Only they export payouts to the
  bank, mark them paid, and see or download a batch: a batch file holds
  every merchant's full IBAN.

Another shop's row in a URL answers 404; an accounting page or action
refused to a user raises PermissionDenied (Wagtail answers with a redirect
to the dashboard and a message, a script with 403). Exports and payments
go through `checkout.billing.payouts`, which locks and logs.
"""

from collections import OrderedDict
from datetime import timedelta

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from checkout.billing import payouts
from checkout.models import Payout, PayoutBatch, PayoutState, WeeklyStatement
from checkout.models.payouts import is_accountant
from checkout.shop_scoped_admin import (
    ManagedRowMixin,
    ShopScopedIndexView,
    ShopScopedInspectView,
    ShopScopedPermissionPolicy,
    date_column,
    log_entries,
    money_column,
    shop_column,
    short_date,
)
from portal.money import ZERO, euros
from shops.access import manages_a_shop


def payout_permissions():
    """The one permission the operator may grant an accounting group; add and delete play no part."""
    return Permission.objects.filter(content_type__app_label="checkout", codename="change_payout")


class AccountingPermissionPolicy(ShopScopedPermissionPolicy):
    """"view" on the rows of the shops a user manages, or on all of them for the accounting; "change" for the accounting."""

    def user_has_permission(self, user, action):
        if action == "change":
            return is_accountant(user)
        return action == "view" and (is_accountant(user) or manages_a_shop(user))

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "change":
            return is_accountant(user)
        return super().user_has_permission_for_instance(user, action, instance)


def _week_label(week_start) -> str:
    return gettext("Semaine du %(day)s") % {"day": short_date(week_start)}


class WeekFilterMixin(WagtailFilterSet):
    """Filter by week: any day of it will do (the statements' weeks start on Monday)."""

    week = django_filters.DateFilter(
        label=_("Semaine contenant le"),
        method="filter_week",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    week_field = "week_start"

    def filter_week(self, queryset, name, value):
        monday = value - timedelta(days=value.weekday())
        return queryset.filter(**{self.week_field: monday})


# Statements ---------------------------------------------------------------------


class StatementFilterSet(WeekFilterMixin):
    class Meta:
        model = WeeklyStatement
        fields = ["week"]


STATEMENT_FIGURES = (
    ("carried_in", _("Report de la semaine précédente")),
    ("sales", _("Ventes")),
    ("refunds", _("Remboursements")),
    ("commission", _("Commission")),
    ("commission_returned", _("Commission restituée")),
    ("transfer_fee", _("Frais de virement TTC")),
    ("payout_amount", _("Net versé")),
    ("carried_out", _("Reporté à la semaine suivante")),
)

STATEMENT_EXPORT = OrderedDict(
    [
        ("week_start", (_("Semaine du"), lambda s: s.week_start)),
        ("trade_name", (_("Boutique"), lambda s: s.trade_name)),
        ("siret", (_("SIRET"), lambda s: s.siret)),
        ("orders_count", (_("Commandes"), lambda s: s.orders_count)),
        *[(field, (label, (lambda f: lambda s: getattr(s, f))(field))) for field, label in STATEMENT_FIGURES],
    ]
)


class StatementIndexView(ShopScopedIndexView):
    page_title = _("Relevés")
    verbose_name = _("relevé")
    verbose_name_plural = _("relevés")
    default_ordering = "-week_start"
    list_select_related = ("payout",)
    tie_breakers = ("trade_name", "-pk")


def _payout_state(statement) -> str:
    payout = getattr(statement, "payout", None)
    return payout.get_state_display() if payout else gettext("Pas de versement")


def statement_columns(inspect_url_name: str):
    return [
        TitleColumn(
            "week_start", label=_("Semaine"), accessor=lambda s: _week_label(s.week_start),
            url_name=inspect_url_name, sort_key="week_start",
        ),
        shop_column(),
        money_column("sales", _("Ventes")),
        money_column("commission", _("Commission"), sortable=False),
        money_column("payout_amount", _("Net versé")),
        money_column("carried_out", _("Reporté"), sortable=False),
        Column("payout", label=_("Versement"), accessor=_payout_state),
    ]


class StatementInspectView(ShopScopedInspectView):
    page_title = _("Relevé")
    index_url_name = None
    payout_inspect_url_name = None

    def get_page_subtitle(self):
        return f"{self.object.trade_name}, {_week_label(self.object.week_start).lower()}"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Relevés")},
            {"url": "", "label": _week_label(self.object.week_start), "sublabel": self.object.trade_name},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = self.object
        payout = Payout.objects.filter(statement=statement).select_related("batch").first()
        context.update(
            {
                "statement": statement,
                "week_end": statement.week_start + timedelta(days=6),
                "figures": [(label, getattr(statement, field), field) for field, label in STATEMENT_FIGURES],
                "balance": statement.balance,
                "payout": payout,
                "payout_url": reverse(self.payout_inspect_url_name, args=(payout.pk,)) if payout else "",
            }
        )
        return context


# Payouts ------------------------------------------------------------------------


class PayoutFilterSet(WeekFilterMixin):
    state = django_filters.ChoiceFilter(
        label=_("État"), choices=PayoutState.choices, empty_label=_("Tous"), widget=forms.RadioSelect
    )
    week_field = "statement__week_start"

    class Meta:
        model = Payout
        fields = ["state", "week"]


PAYOUT_EXPORT = OrderedDict(
    [
        ("end_to_end_id", (_("Référence"), lambda p: p.end_to_end_id)),
        ("week_start", (_("Semaine du"), lambda p: p.statement.week_start)),
        ("trade_name", (_("Boutique"), lambda p: p.statement.trade_name)),
        ("amount", (_("Montant"), lambda p: p.amount)),
        ("state", (_("État"), lambda p: p.get_state_display())),
        ("batch", (_("Lot"), lambda p: p.batch.reference if p.batch else "")),
        ("exported_at", (_("Exporté le"), lambda p: p.exported_at)),
        ("paid_at", (_("Payé le"), lambda p: p.paid_at)),
    ]
)


class PayoutIndexView(ShopScopedIndexView):
    page_title = _("Versements")
    verbose_name = _("versement")
    verbose_name_plural = _("versements")
    default_ordering = "-created_at"
    list_select_related = ("statement", "batch")
    export_url_name = None
    batches_url_name = None

    @property
    def header_buttons(self):
        if not is_accountant(self.request.user):
            return []
        return [
            HeaderButton(gettext("Exporter les virements SEPA"), url=reverse(self.export_url_name), icon_name="download"),
            HeaderButton(gettext("Lots de virements"), url=reverse(self.batches_url_name), icon_name="list-ul"),
        ]


def payout_columns(inspect_url_name: str):
    return [
        TitleColumn("end_to_end_id", label=_("Référence"), url_name=inspect_url_name, sort_key="end_to_end_id"),
        Column("week", label=_("Semaine"), accessor=lambda p: _week_label(p.statement.week_start),
               sort_key="statement__week_start"),
        shop_column("statement.trade_name", sort_key="statement__trade_name"),
        money_column("amount", _("Montant")),
        StatusTagColumn("state", label=_("État"), accessor="get_state_display",
                        primary=lambda p: p.state == PayoutState.PAID, sort_key="state"),
        Column("batch", label=_("Lot"), accessor=lambda p: p.batch.reference if p.batch else "—"),
        date_column("paid_at", _("Payé le"), sort_key="paid_at", with_time=True, blank="—"),
    ]


class PayoutMixin(ManagedRowMixin):
    index_url_name = None
    inspect_url_name = None
    mark_paid_url_name = None
    batch_url_name = None
    statement_inspect_url_name = None
    row_select_related = ("statement", "batch")


class PayoutInspectView(PayoutMixin, ShopScopedInspectView):
    page_title = _("Versement")

    def get_page_subtitle(self):
        return self.object.end_to_end_id

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Versements")},
            {"url": "", "label": self.object.end_to_end_id, "sublabel": self.object.statement.trade_name},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        payout = self.object
        accountant = is_accountant(self.request.user)
        context.update(
            {
                "payout": payout,
                "statement": payout.statement,
                "masked_iban": payouts.mask_iban(payout.iban),
                "is_accountant": accountant,
                "can_mark_paid": accountant and payout.state == PayoutState.EXPORTED,
                "mark_paid_url": reverse(self.mark_paid_url_name, args=(quote(payout.pk),)),
                "batch_url": reverse(self.batch_url_name, args=(payout.batch_id,)) if accountant and payout.batch_id else "",
                "statement_url": reverse(self.statement_inspect_url_name, args=(payout.statement_id,)),
                "log_entries": log_entries(payout),
            }
        )
        return context


class AccountingView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """A page or a POST for the accounting only (403 for anyone else)."""

    permission_required = "change"
    header_icon = "doc-full"
    index_url_name = None
    inspect_url_name = None
    export_url_name = None
    batches_url_name = None
    batch_url_name = None
    batch_download_url_name = None
    batch_mark_paid_url_name = None

    def index_breadcrumbs(self):
        return self.breadcrumbs_items + [{"url": reverse(self.index_url_name), "label": gettext("Versements")}]


class MarkPayoutPaidView(PayoutMixin, AccountingView):
    http_method_names = ["post"]

    def post(self, request, pk):
        payout = self.get_managed_row(pk)
        try:
            payouts.mark_paid(payout, request.user)
        except payouts.PayoutRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                gettext("Versement %(reference)s de %(amount)s marqué comme payé.")
                % {"reference": payout.end_to_end_id, "amount": euros(payout.amount)},
            )
        return redirect(reverse(self.inspect_url_name, args=(quote(payout.pk),)))


class ExportView(AccountingView):
    """GET: what an export would take and what it would leave; POST: export, then to the batch and its file."""

    page_title = _("Exporter les virements SEPA")
    template_name = "checkout/payouts/export.html"

    def get_breadcrumbs_items(self):
        return self.index_breadcrumbs() + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unpayable = payouts.unpayable_payouts()
        left_out = {payout.pk for payout, _reason in unpayable}
        payable = [p for p in Payout.objects.filter(state=PayoutState.PENDING).select_related("statement").order_by("pk")
                   if p.pk not in left_out]
        context.update(
            {
                "payable": payable,
                "payable_total": sum((p.amount for p in payable), ZERO),
                "unpayable": unpayable,
                "backend": payouts.get_backend(),
            }
        )
        return context

    def post(self, request):
        batch = payouts.export_pending_payouts(user=request.user)
        left = len(payouts.unpayable_payouts())
        if left:
            messages.warning(
                request,
                gettext("%(count)s versement(s) restent à exporter : coordonnées bancaires manquantes ou invalides.")
                % {"count": left},
            )
        if batch is None:
            messages.error(request, gettext("Aucun versement à exporter."))
            return redirect(reverse(self.export_url_name))
        messages.success(
            request,
            gettext("Lot %(reference)s créé : %(count)s virements, %(total)s. Téléchargez le fichier pour votre banque.")
            % {"reference": batch.reference, "count": batch.payouts_count, "total": euros(batch.total)},
        )
        return redirect(reverse(self.batch_url_name, args=(batch.pk,)))


class BatchIndexView(AccountingView):
    page_title = _("Lots de virements")
    template_name = "checkout/payouts/batch_index.html"

    def get_breadcrumbs_items(self):
        return self.index_breadcrumbs() + [{"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batches = PayoutBatch.objects.select_related("created_by").defer("document")[:200]
        context["batches"] = [
            (batch, reverse(self.batch_url_name, args=(batch.pk,)), reverse(self.batch_download_url_name, args=(batch.pk,)))
            for batch in batches
        ]
        return context


class BatchView(AccountingView):
    page_title = _("Lot de virements")
    template_name = "checkout/payouts/batch.html"

    def get(self, request, pk):
        self.batch = get_object_or_404(PayoutBatch.objects.defer("document"), pk=pk)
        return self.render_to_response(self.get_context_data())

    def get_page_subtitle(self):
        return self.batch.reference

    def get_breadcrumbs_items(self):
        return self.index_breadcrumbs() + [
            {"url": reverse(self.batches_url_name), "label": gettext("Lots de virements")},
            {"url": "", "label": self.batch.reference},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = self.batch
        rows = list(batch.payouts.select_related("statement").order_by("pk"))
        context.update(
            {
                "batch": batch,
                "payouts": [(p, payouts.mask_iban(p.iban), reverse(self.inspect_url_name, args=(p.pk,))) for p in rows],
                "can_mark_paid": any(p.state == PayoutState.EXPORTED for p in rows),
                "download_url": reverse(self.batch_download_url_name, args=(batch.pk,)),
                "mark_paid_url": reverse(self.batch_mark_paid_url_name, args=(batch.pk,)),
                "log_entries": log_entries(batch),
            }
        )
        return context


class BatchDownloadView(AccountingView):
    http_method_names = ["get"]

    def get(self, request, pk):
        batch = get_object_or_404(PayoutBatch, pk=pk)
        if not batch.document:
            return HttpResponse(status=404)
        response = HttpResponse(bytes(batch.document), content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{batch.filename or batch.reference + ".xml"}"'
        response["Cache-Control"] = "no-store"
        return response


class MarkBatchPaidView(AccountingView):
    http_method_names = ["post"]

    def post(self, request, pk):
        batch = get_object_or_404(PayoutBatch.objects.defer("document"), pk=pk)
        try:
            moved = payouts.mark_paid(batch, request.user)
        except payouts.PayoutRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                gettext("%(count)s virement(s) du lot %(reference)s marqués comme payés.")
                % {"count": len(moved), "reference": batch.reference},
            )
        return redirect(reverse(self.batch_url_name, args=(batch.pk,)))
