"""Invoices in the Wagtail admin ("Factures"): list, filters, export, detail and PDF; nothing else.

Who sees what is `Invoice.objects.managed_by(user)`:
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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import View
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button

from checkout.billing import invoice_pdf
from checkout.billing.invoices import vat_breakdown
from checkout.models import Invoice, InvoiceKind
from checkout.shop_scoped_admin import (
    ManagedRowMixin,
    ShopScopedIndexView,
    ShopScopedInspectView,
    ShopScopedViewSet,
    date_column,
    money_column,
    shop_column,
)
from portal import converters  # noqa: F401 (registers <pk:...>)


def _shop_name(invoice: Invoice) -> str:
    """The merchant's trade name: the seller of a sale or its credit note, the buyer of a commission invoice."""
    party = invoice.buyer if invoice.statement_id else invoice.seller
    return party.get("name", "")


def _counterpart(invoice: Invoice) -> str:
    """Who the merchant deals with on this document: the customer, or the platform."""
    party = invoice.seller if invoice.statement_id else invoice.buyer
    return party.get("name", "")


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
        ("date", (_("Date"), lambda x: timezone.localtime(x.issued_at).date())),
        ("shop", (_("Boutique"), _shop_name)),
        ("counterpart", (_("Client ou émetteur"), _counterpart)),
        ("corrects", (_("Facture corrigée"), lambda x: x.corrects.number if x.corrects_id else "")),
        ("total_excl_vat", (_("Total HT"), lambda x: x.total_excl_vat)),
        ("total_vat", (_("TVA"), lambda x: x.total_vat)),
        ("total", (_("Total TTC"), lambda x: x.total)),
    ]
)


class InvoiceIndexView(ShopScopedIndexView):
    page_title = _("Factures")
    verbose_name = _("facture")
    verbose_name_plural = _("factures")
    default_ordering = "-issued_at"
    list_select_related = ("corrects",)
    pdf_url_name = None

    def get_list_more_buttons(self, instance):
        return [
            Button(gettext("Télécharger le PDF"), url=reverse(self.pdf_url_name, args=(quote(instance.pk),)),
                   icon_name="download", priority=10)
        ]


def list_display(inspect_url_name: str):
    return [
        TitleColumn("number", label=_("Numéro"), url_name=inspect_url_name, sort_key="number"),
        Column("kind", label=_("Type"), accessor="get_kind_display", sort_key="kind"),
        date_column("issued_at", _("Émise le"), sort_key="issued_at"),
        shop_column(_shop_name, name="shop", sort_key=None),
        Column("counterpart", label=_("Client ou émetteur"), accessor=_counterpart),
        money_column("total", _("Total TTC")),
    ]


class InvoiceMixin(ManagedRowMixin):
    index_url_name = None
    inspect_url_name = None
    pdf_url_name = None
    row_select_related = ("corrects",)


class InvoiceInspectView(InvoiceMixin, ShopScopedInspectView):
    page_title = _("Facture")

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
        visible = Invoice.objects.managed_by(self.request.user)
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
        return invoice_pdf.pdf_response(self.get_managed_row(pk))


class InvoiceViewSet(ShopScopedViewSet):
    """The invoices, credit notes and commission invoices a user may see: view only, with their PDFs."""

    model = Invoice
    name = "factures"
    icon = "doc-full"
    menu_label = _("Factures")
    menu_name = "invoices"
    menu_order = 270

    index_view_class = InvoiceIndexView
    inspect_view_class = InvoiceInspectView
    inspect_template_name = "checkout/invoices/admin/inspect.html"
    filterset_class = InvoiceFilterSet
    list_columns = list_display
    export_columns = EXPORT_COLUMNS
    actions = (("<pk:pk>/pdf/", InvoicePdfView, "pdf"),)


@hooks.register("register_admin_viewset")
def register_invoice_viewset():
    return InvoiceViewSet()
