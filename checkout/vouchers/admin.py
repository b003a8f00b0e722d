"""The merchant's vouchers in the Wagtail admin: check a code and redeem it, list what was sold, export it.

As for orders, which vouchers a user sees follows from
`shops.access.shops_managed_by` only (`Voucher.objects.managed_by`):
the pk of another shop's voucher in a URL answers 404. Redeeming goes
through `checkout.vouchers.services.redeem`, which locks, checks and logs.
"""

from collections import OrderedDict

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.db.models import Q, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import HeaderButton

from checkout.models import Voucher, VoucherStatus
from checkout.shop_scoped_admin import (
    ManagedRowMixin,
    PlainColumn,
    PlainStatusTagColumn,
    PlainTitleColumn,
    ShopScopedIndexView,
    ShopScopedInspectView,
    ShopScopedViewSet,
    date_column,
    log_entries,
    money_column,
)
from checkout.vouchers import services as vouchers
from portal import converters  # noqa: F401 (registers <pk:...>)
from portal.client_ip import client_ip
from portal.money import euros
from shops.models import ProductKind

# List, filters, export ------------------------------------------------------------


def status_filter(queryset: QuerySet, value: str, today) -> QuerySet:
    """Expiry is not stored: an active voucher past its date is expired."""
    if value == VoucherStatus.ACTIVE:
        return queryset.filter(status=VoucherStatus.ACTIVE, valid_until__gte=today)
    if value == VoucherStatus.EXPIRED:
        return queryset.filter(status=VoucherStatus.ACTIVE, valid_until__lt=today)
    if value in (VoucherStatus.USED, VoucherStatus.CANCELLED):
        return queryset.filter(status=value)
    return queryset


class VoucherFilterSet(WagtailFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("Statut"), choices=VoucherStatus.choices, empty_label=_("Tous"), method="filter_state",
        widget=forms.RadioSelect,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Type"),
        choices=[(ProductKind.VOUCHER.value, ProductKind.VOUCHER.label), (ProductKind.SERVICE.value, ProductKind.SERVICE.label)],
        empty_label=_("Tous"),
        widget=forms.RadioSelect,
    )
    valid_until = django_filters.DateFromToRangeFilter(label=_("Valable jusqu'au"), widget=DateRangePickerWidget)
    search = django_filters.CharFilter(label=_("Acheteur ou bénéficiaire"), method="filter_search")

    class Meta:
        model = Voucher
        fields = ["state", "kind", "valid_until", "search"]

    def filter_state(self, queryset, name, value):
        return status_filter(queryset, value, timezone.localdate())

    def filter_search(self, queryset, name, value):
        value = value.strip()[:100]
        if not value:
            return queryset
        return queryset.filter(
            Q(buyer_name__icontains=value) | Q(buyer_email__icontains=value) | Q(beneficiary_name__icontains=value)
        )


def _status_label(voucher: Voucher) -> str:
    return voucher.status_label_on(timezone.localdate())


# The CSV/XLSX export replaces the weekly "beneficiaries list" file: one row per voucher.
EXPORT_COLUMNS = OrderedDict(
    [
        ("code", (_("Code"), lambda x: x.display_code)),
        ("name", (_("Désignation"), lambda x: x.name)),
        ("kind", (_("Type"), lambda x: x.get_kind_display())),
        ("buyer_name", (_("Acheteur"), lambda x: x.buyer_name)),
        ("buyer_email", (_("E-mail de l'acheteur"), lambda x: x.buyer_email)),
        ("beneficiary_name", (_("Bénéficiaire"), lambda x: x.beneficiary_name)),
        ("amount", (_("Montant"), lambda x: x.amount)),
        ("balance", (_("Solde"), lambda x: x.balance)),
        ("status", (_("Statut"), _status_label)),
        ("valid_until", (_("Valable jusqu'au"), lambda x: x.valid_until)),
        ("order", (_("N° de commande"), lambda x: x.order_line.shop_order.order.number)),
        ("created", (_("Émis le"), lambda x: x.created_at)),
    ]
)


class VoucherIndexView(ShopScopedIndexView):
    page_title = _("Bons et prestations vendus")
    verbose_name = _("bon")
    verbose_name_plural = _("bons")
    default_ordering = "-created_at"
    lookup_url_name = None

    @property
    def list_select_related(self):
        # The order's number is in the export only: the list reads the voucher's own row.
        return ("order_line__shop_order__order",) if getattr(self, "is_export", False) else ()

    @property
    def header_buttons(self):
        return [HeaderButton(gettext("Vérifier un code"), url=reverse(self.lookup_url_name), icon_name="search")]


def list_display(inspect_url_name: str):
    return [
        PlainTitleColumn("code", label=_("Code"), accessor="display_code", url_name=inspect_url_name, sort_key="code"),
        PlainColumn("name", label=_("Désignation"), sort_key="name"),
        PlainColumn("buyer_name", label=_("Acheteur"), sort_key="buyer_name"),
        PlainColumn("beneficiary_name", label=_("Bénéficiaire"), sort_key="beneficiary_name"),
        money_column("amount", _("Montant")),
        money_column("balance", _("Solde")),
        PlainStatusTagColumn(
            "status",
            label=_("Statut"),
            accessor=_status_label,
            primary=lambda x: x.status_on(timezone.localdate()) == VoucherStatus.ACTIVE,
            sort_key="status",
        ),
        date_column("valid_until", _("Valable jusqu'au"), sort_key="valid_until"),
    ]


# One voucher: detail and redemption --------------------------------------------------


class RedeemServiceForm(forms.Form):
    """Use a service (once, whole): only the balance the merchant was shown, so that a second submit takes nothing."""

    shown_balance = forms.DecimalField(
        widget=forms.HiddenInput,
        max_digits=10,
        decimal_places=2,
        error_messages={"required": _("Rechargez la page du bon, puis recommencez.")},
    )

    def __init__(self, voucher: Voucher, *args, **kwargs):
        self.voucher = voucher
        kwargs.setdefault("initial", {"shown_balance": voucher.balance})
        super().__init__(*args, **kwargs)


class RedeemForm(RedeemServiceForm):
    """Take part or all of a gift voucher's balance; taking all of it must be confirmed with the checkbox."""

    amount = forms.CharField(
        label=_("Montant utilisé (€)"),
        max_length=20,
        help_text=_("Par exemple 12,50. Pour utiliser tout le solde, saisissez-le et cochez la case ci-dessous."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": _("Indiquez le montant utilisé, par exemple 12,50.")},
    )
    whole_balance = forms.BooleanField(label=_("Je confirme utiliser tout le solde"), required=False)

    field_order = ["amount", "whole_balance", "shown_balance"]

    def clean_amount(self):
        try:
            return vouchers.amount_to_redeem(self.cleaned_data["amount"], self.voucher.balance)
        except vouchers.BadAmount as refusal:
            raise forms.ValidationError(str(refusal)) from None

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount") == self.voucher.balance and not cleaned.get("whole_balance"):
            self.add_error(
                "whole_balance",
                gettext("Ce montant est tout le solde du bon (%(balance)s) : cochez « Je confirme utiliser tout le solde » pour l'utiliser.")
                % {"balance": euros(self.voucher.balance)},
            )
        return cleaned


def redeem_form_for(voucher: Voucher, data=None) -> RedeemServiceForm:
    """The redemption form of a voucher: an amount for a gift voucher, nothing to type for a service."""
    form_class = RedeemServiceForm if voucher.is_service else RedeemForm
    return form_class(voucher, data)


class VoucherMixin(ManagedRowMixin):
    index_url_name = None
    lookup_url_name = None
    redeem_url_name = None
    row_select_related = ("order_line__shop_order__order",)


class VoucherInspectView(VoucherMixin, ShopScopedInspectView):
    page_title = _("Bon")
    template_name = "checkout/vouchers/admin/inspect.html"

    def get_page_subtitle(self):
        return self.object.display_code

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Bons et prestations")},
            {"url": "", "label": self.object.display_code, "sublabel": self.object.name},
        ]

    def get_context_data(self, redeem_form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        voucher = self.object
        today = timezone.localdate()
        refusal = vouchers.refusal_for(voucher, today)
        if refusal is None and redeem_form is None:
            redeem_form = redeem_form_for(voucher)
        context.update(
            {
                "voucher": voucher,
                "order": voucher.order_line.shop_order.order,
                "status_label": voucher.status_label_on(today),
                "is_usable": refusal is None,
                "refusal": str(refusal) if refusal else "",
                "redeem_form": redeem_form if refusal is None else None,
                "redeem_url": reverse(self.redeem_url_name, args=(quote(voucher.pk),)),
                "lookup_url": reverse(self.lookup_url_name),
                "redemptions": list(voucher.redemptions.select_related("by").order_by("pk")),
                "log_entries": log_entries(voucher),
            }
        )
        return context


class RedeemView(VoucherInspectView):
    """POST only: take the amount from the voucher and go back to it, or show the voucher again saying why not.

    The form carries the balance the merchant was shown; `redeem` refuses
    when it is no longer the balance, so sending the form twice (double
    click, reload, back button) takes the amount once.
    """

    any_permission_required = ["view"]
    http_method_names = ["post"]

    def post(self, request, pk):
        voucher = self.object
        form = redeem_form_for(voucher, request.POST)
        if not form.is_valid():
            messages.error(request, gettext("Le bon n'a pas été utilisé : corrigez le formulaire ci-dessous."))
            return self.render_to_response(self.get_context_data(redeem_form=form))
        amount = None if voucher.is_service else form.cleaned_data["amount"]
        try:
            result = vouchers.redeem(
                request.user, voucher.pk, amount, expected_balance=form.cleaned_data["shown_balance"]
            )
        except vouchers.VoucherRefused as refusal:
            messages.error(request, str(refusal))
            return redirect(self.get_inspect_url())
        messages.success(
            request,
            gettext("%(amount)s utilisés sur le bon %(code)s ; solde restant : %(balance)s.")
            % {
                "amount": euros(result.redemption.amount),
                "code": result.voucher.display_code,
                "balance": euros(result.voucher.balance),
            },
        )
        return redirect(self.get_inspect_url())


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Code du bon"),
        max_length=40,
        help_text=_("Tapez le code imprimé sur le bon, ou lisez son QR code avec une douchette."),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "autocapitalize": "characters",
                                      "spellcheck": "false"}),
        error_messages={"required": _("Tapez le code du bon.")},
    )


class LookupView(VoucherMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET: the code form; POST: find the voucher among the user's shops and open it, or say why not.

    A code that matches none of the user's vouchers counts against the
    user's limit and the address's (`vouchers.find_voucher`); past it the
    answer is 429. A code of the user's vouchers is always found.
    """

    any_permission_required = ["view"]
    page_title = _("Vérifier un bon")
    header_icon = "tag"
    template_name = "checkout/vouchers/admin/lookup.html"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Bons et prestations")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form if form is not None else LookupForm()
        context["index_url"] = reverse(self.index_url_name)
        return context

    def post(self, request):
        form = LookupForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            # The address as the trusted proxies saw it: a forged X-Forwarded-For changes nobody's limit.
            voucher = vouchers.find_voucher(request.user, form.cleaned_data["code"], client_ip(request))
        except vouchers.VoucherRefused as refusal:
            form.add_error("code", str(refusal))
            status = 429 if isinstance(refusal, vouchers.TooManyLookups) else 200
            return self.render_to_response(self.get_context_data(form=form), status=status)
        return redirect(reverse(self.inspect_url_name, args=(quote(voucher.pk),)))


class VoucherViewSet(ShopScopedViewSet):
    """The vouchers of the shops a user manages: list with filters and export, detail, check a code, redeem.

    No add, edit, delete, copy or history URL: a voucher changes only by
    redemption (logged) or through a refund of its order.
    """

    model = Voucher
    name = "bons"
    icon = "tag"
    menu_label = _("Bons et prestations")
    menu_name = "vouchers"
    menu_order = 260

    index_view_class = VoucherIndexView
    inspect_view_class = VoucherInspectView
    inspect_template_name = "checkout/vouchers/admin/inspect.html"
    filterset_class = VoucherFilterSet
    list_columns = list_display
    export_columns = EXPORT_COLUMNS
    actions = (
        ("verifier/", LookupView, "lookup"),
        ("<pk:pk>/utiliser/", RedeemView, "redeem"),
    )
