"""Filters of the merchant's order list.

A merchant opens the list to prepare what was paid: by default it shows
paid, non-archived orders. Orders whose customer never paid, and archived
ones, appear only when a filter asks for them. The defaults are put into
the filter form's data and initial values, so they are not reported as
active filters and the form shows them selected.
"""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from checkout.models import FulfilmentStatus, OrderStatus, ShopOrder
from shops.models import DeliveryKind

ALL = "all"
ARCHIVED_NO, ARCHIVED_YES = "no", "yes"

# What the list shows when no filter (or an invalid one) is given.
DEFAULTS = {"status": OrderStatus.PAID.value, "archived": ARCHIVED_NO}
DEFAULT_LOOKUPS = {"order__status": OrderStatus.PAID, "archived": False}


class ShopOrderFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Paiement"),
        choices=[*OrderStatus.choices, (ALL, _("Tous"))],
        empty_label=None,
        method="filter_status",
        widget=forms.RadioSelect,
    )
    fulfilment_status = django_filters.ChoiceFilter(
        label=_("Préparation"),
        choices=FulfilmentStatus.choices,
        empty_label=_("Tous"),
        widget=forms.RadioSelect,
    )
    delivery_kind = django_filters.ChoiceFilter(
        label=_("Mode de livraison"),
        choices=DeliveryKind.choices,
        empty_label=_("Tous"),
        widget=forms.RadioSelect,
    )
    created = django_filters.DateFromToRangeFilter(
        label=_("Date de commande"),
        field_name="order__created_at",
        widget=DateRangePickerWidget,
    )
    archived = django_filters.ChoiceFilter(
        label=_("Archivage"),
        choices=[(ARCHIVED_NO, _("En cours")), (ARCHIVED_YES, _("Archivées")), (ALL, _("Toutes"))],
        empty_label=None,
        method="filter_archived",
        widget=forms.RadioSelect,
    )

    class Meta:
        model = ShopOrder
        fields = ["status", "fulfilment_status", "delivery_kind", "created", "archived"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        for name, value in DEFAULTS.items():
            if not data.get(name):
                data[name] = value
        super().__init__(data, *args, **kwargs)
        for name, value in DEFAULTS.items():
            self.form.fields[name].initial = value

    def filter_status(self, queryset, name, value):
        if value == ALL:
            return queryset
        return queryset.filter(order__status=value)

    def filter_archived(self, queryset, name, value):
        if value == ALL:
            return queryset
        return queryset.filter(archived=value == ARCHIVED_YES)
