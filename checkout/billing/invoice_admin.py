"""Invoices in the Wagtail admin ("Factures"): list, filters, export, detail and PDF; nothing else.

Who sees what:
- the invoices and credit notes to customers of a shop: whoever manages
  the shop (`shops.access.shops_managed_by`: its merchant, its territory's
  editors, the operator);
- the platform's commission invoices (and credit notes) of a weekly
  statement: the statement's merchant and superusers only. It is a private
  document between the platform and the merchant; the territory's editors
  see the statement itself, not this invoice.
Any other id in a URL answers 404. An invoice is never added, edited or
deleted here (the model refuses it anyway).
"""

from collections import OrderedDict

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button
from wagtail.models import GroupPagePermission

from checkout.billing import invoice_pdf
from checkout.billing.invoices import vat_breakdown
from checkout.models import Invoice, InvoiceKind
from checkout.shop_scoped_admin import ShopScopedViewSet
from portal.money import euros
from shops.access import shops_managed_by
from shops.models import ShopPage


def shops_run_by(user) -> QuerySet[ShopPage]:
    """Shops whose own page `user`'s groups may change: the merchant's, not those an editor reaches from above."""
    if not user.is_authenticated or not user.is_active:
        return ShopPage.objects.none()
    pages = GroupPagePermission.objects.filter(group__user=user, permission__codename="change_page").values("page_id")
    return ShopPage.objects.filter(pk__in=pages)


def managed_invoices(user) -> QuerySet[Invoice]:
    """The invoices `user` may see and download; see the module's docstring."""
    if not user.is_authenticated or not user.is_active:
        return Invoice.objects.none()
    if user.is_superuser:
        return Invoice.objects.all()
    managed = shops_managed_by(user).values("translation_key")
    run = shops_run_by(user).values("translation_key")
    return Invoice.objects.filter(
        Q(statement__isnull=True, shop__translation_key__in=managed)
        | Q(statement__isnull=False, shop__translation_key__in=run)
    )


def _shop_name(invoice: Invoice) -> str:
    """The merchant's trade name: the seller of a sale or its credit note, the buyer of a commission invoice."""
    party = invoice.buyer if invoice.statement_id else invoice.seller
    return party.get("name", "")


def _counterpart(invoice: Invoice) -> str:
    """Who the merchant deals with on this document: the customer, or the platform."""
    party = invoice.seller if invoice.statement_id else invoice.buyer
    return party.get("name", "")


def _date(invoice: Invoice) -> str:
    return formats.date_format(timezone.localtime(invoice.issued_at), "SHORT_DATE_FORMAT")


class InvoiceFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Type"), choices=InvoiceKind.choices, empty_label=_("Tous"), widget=forms.RadioSelect
    )
    issued_at = django_filters.DateFromToRangeFilter(label=_("Émise le"), widget=DateRangePickerWidget)
    search = django_filters.CharFilter(label=_("Numéro"), method="filter_search")

    class Meta:
        model = Invoice
        fields = ["kind", "issued_at", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()[:40]
        return queryset.filter(number__icontains=value) if value else queryset


# The CSV/XLSX export for the accountant: one row per document, amounts as plain decimals ("12.50", "-3.00").
EXPORT_COLUMNS = OrderedDict(
    [
        ("number", (_("Numéro"), lambda x: x.number)),
        ("kind", (_("Type"), lambda x: x.get_kind_display())),
        ("date", (_("Date"), lambda x: timezone.localtime(x.issued_at).strftime("%Y-%m-%d"))),
        ("shop", (_("Boutique"), _shop_name)),
        ("counterpart", (_("Client ou émetteur"), _counterpart)),
        ("corrects", (_("Facture corrigée"), lambda x: x.corrects.number if x.corrects_id else "")),
        ("total_excl_vat", (_("Total HT"), lambda x: x.total_excl_vat)),
        ("total_vat", (_("TVA"), lambda x: x.total_vat)),
        ("total", (_("Total TTC"), lambda x: x.total)),
    ]
)


class InvoicePaginator(WagtailPaginator):
    verbose_name = _("facture")
    verbose_name_plural = _("factures")


class InvoiceIndexView(IndexView):
    page_title = _("Factures")
    verbose_name = _("facture")
    verbose_name_plural = _("factures")
    paginator_class = InvoicePaginator
    default_ordering = "-issued_at"
    pdf_url_name = None

    def get_base_queryset(self):
        return managed_invoices(self.request.user).select_related("corrects")

    def order_queryset(self, queryset):
        queryset = super().order_queryset(queryset)
        return queryset.order_by(*queryset.query.order_by, "-pk")

    def get_inspect_url(self, instance):
        # The queryset is already the user's invoices: no permission check per row.
        return reverse(self.inspect_url_name, args=(quote(instance.pk),))

    def get_list_more_buttons(self, instance):
        return [
            Button(gettext("Télécharger le PDF"), url=reverse(self.pdf_url_name, args=(quote(instance.pk),)),
                   icon_name="download", priority=10)
        ]

    def to_row_dict(self, item):
        return OrderedDict((field, EXPORT_COLUMNS[field][1](item)) for field in self.list_export)


def list_display(inspect_url_name: str):
    return [
        TitleColumn("number", label=_("Numéro"), url_name=inspect_url_name, sort_key="number"),
        Column("kind", label=_("Type"), accessor="get_kind_display", sort_key="kind"),
        Column("issued_at", label=_("Émise le"), accessor=_date, sort_key="issued_at"),
        Column("shop", label=_("Boutique"), accessor=_shop_name),
        Column("counterpart", label=_("Client ou émetteur"), accessor=_counterpart),
        Column("total", label=_("Total TTC"), accessor=lambda x: euros(x.total), sort_key="total"),
    ]


class InvoiceMixin:
    index_url_name = None
    inspect_url_name = None
    pdf_url_name = None

    def get_invoice(self, pk) -> Invoice:
        return get_object_or_404(managed_invoices(self.request.user).select_related("corrects"), pk=pk)


class InvoiceInspectView(InvoiceMixin, InspectView):
    page_title = _("Facture")

    def get_fields(self):
        return []

    def get_object(self, queryset=None):
        return self.get_invoice(self.pk)

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Factures")},
            {"url": "", "label": str(self.object)},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        invoice = self.object
        visible = managed_invoices(self.request.user)
        context.update(
            {
                "invoice": invoice,
                "breakdown": vat_breakdown(invoice.lines),
                "pdf_url": reverse(self.pdf_url_name, args=(quote(invoice.pk),)),
                # Links to related documents only when this user may open them.
                "corrects": visible.filter(pk=invoice.corrects_id).first() if invoice.corrects_id else None,
                "credit_notes": list(visible.filter(corrects=invoice).order_by("sequence_number")),
            }
        )
        return context


class InvoicePdfView(InvoiceMixin, PermissionCheckedMixin, View):
    """The PDF, rendered on first download and kept (see `checkout.billing.invoice_pdf`)."""

    any_permission_required = ["view"]
    http_method_names = ["get", "head"]

    def get(self, request, pk):
        return invoice_pdf.pdf_response(self.get_invoice(pk))


class InvoiceViewSet(ShopScopedViewSet):
    """The invoices, credit notes and commission invoices a user may see: view only, with their PDFs."""

    model = Invoice
    name = "factures"
    icon = "doc-full"
    menu_label = _("Factures")
    menu_name = "invoices"
    menu_order = 270
    managed_rows = staticmethod(managed_invoices)
    action_url_names = ("pdf",)

    index_view_class = InvoiceIndexView
    inspect_view_class = InvoiceInspectView
    inspect_template_name = "checkout/invoices/admin/inspect.html"

    filterset_class = InvoiceFilterSet
    list_export = list(EXPORT_COLUMNS)
    export_headings = {field: heading for field, (heading, _value) in EXPORT_COLUMNS.items()}
    export_filename = "factures"

    @property
    def list_display(self):
        return list_display(self.get_url_name("inspect"))

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/pdf/", self.construct_view(InvoicePdfView), name="pdf"),
        ]


@hooks.register("register_admin_viewset")
def register_invoice_viewset():
    return InvoiceViewSet()
