"""The merchant's orders in the Wagtail admin: list, detail, fulfilment, archive, refund.

Which orders a user may see is decided by `shops.access.shops_managed_by`
only. Every view starts from `ShopOrder.objects.managed_by(user)` (the list
from the same rows found by their shops' pages, `of_shop_pages`), so the
pk of another shop's order in a URL answers 404, and the ShopOrder model
permissions (add, change, delete) play no part: they are not even offered
in the group editor (see `checkout.shop_scoped_admin.ShopScopedViewSet`).

Actions are POST only, change a row with a conditional UPDATE (so two
clicks or two tabs have one effect) and leave an entry in Wagtail's log.
Money goes through `checkout.services.refund_shop_order`, never here.
"""

from collections import OrderedDict
from decimal import Decimal

from django import forms
from django.contrib.admin.utils import quote
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import DecimalField, OuterRef, Prefetch, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_q.tasks import async_task
from wagtail.admin import messages
from wagtail.admin.views.generic.base import (
    BaseOperationView,
    WagtailAdminTemplateMixin,
)
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.log_actions import log

from checkout.bundle_refunds import refund_bundle_sale
from checkout.filters import DEFAULT_LOOKUPS
from checkout.models import (
    BundleSale,
    FulfilmentStatus,
    LedgerKind,
    OrderLine,
    OrderStatus,
    Refund,
    RefundState,
    ShopOrder,
)
from checkout.models.shop_rows import managed_shop_pages
from checkout.services import RefundRefused, refund_shop_order, refundable_amount
from checkout.shop_scoped_admin import (
    ManagedRowMixin,
    PlainColumn,
    PlainStatusTagColumn,
    PlainTitleColumn,
    ShopScopedIndexView,
    ShopScopedInspectView,
    date_column,
    log_entries,
    shop_column,
)
from portal.converters import valid_id
from portal.money import ZERO, euros, quantize_eur
from shops.models import DeliveryKind

FULFILMENT_ACTION = "checkout.shop_order.fulfilment"
ARCHIVE_ACTION = "checkout.shop_order.archive"
UNARCHIVE_ACTION = "checkout.shop_order.unarchive"
REFUND_ACTION = "checkout.shop_order.refund"

# What a merchant may do next, per delivery mode. A pick-up is made ready
# (the customer is told to come) then collected; it may also be collected
# straight away, when the customer comes before being told. A parcel or a
# home delivery is shipped (the customer is told, with the tracking of a
# postal parcel), then delivered if the merchant wants to record it. Each
# step can be undone after a wrong click: back one step, or back to "to
# prepare" as before these steps existed. A shop order without delivery
# (vouchers and services, sent by e-mail) has no step at all.
FULFILMENT_STEPS = {
    DeliveryKind.PICKUP: {
        FulfilmentStatus.TO_PREPARE: [FulfilmentStatus.READY_FOR_PICKUP, FulfilmentStatus.COLLECTED],
        FulfilmentStatus.READY_FOR_PICKUP: [FulfilmentStatus.COLLECTED, FulfilmentStatus.TO_PREPARE],
        FulfilmentStatus.COLLECTED: [FulfilmentStatus.READY_FOR_PICKUP, FulfilmentStatus.TO_PREPARE],
    },
    DeliveryKind.HOME: {
        FulfilmentStatus.TO_PREPARE: [FulfilmentStatus.SHIPPED],
        FulfilmentStatus.SHIPPED: [FulfilmentStatus.DELIVERED, FulfilmentStatus.TO_PREPARE],
        FulfilmentStatus.DELIVERED: [FulfilmentStatus.SHIPPED],
    },
    DeliveryKind.POSTAL: {
        FulfilmentStatus.TO_PREPARE: [FulfilmentStatus.SHIPPED],
        FulfilmentStatus.SHIPPED: [FulfilmentStatus.DELIVERED, FulfilmentStatus.TO_PREPARE],
        FulfilmentStatus.DELIVERED: [FulfilmentStatus.SHIPPED],
    },
}
FULFILMENT_BUTTONS = {
    FulfilmentStatus.TO_PREPARE: _("Remettre « À préparer »"),
    FulfilmentStatus.READY_FOR_PICKUP: _("Marquer comme prête à retirer"),
    FulfilmentStatus.SHIPPED: _("Marquer comme expédiée"),
    FulfilmentStatus.COLLECTED: _("Marquer comme retirée"),
    FulfilmentStatus.DELIVERED: _("Marquer comme livrée"),
}
# How far along each status is: a step to a lower rank is an undo.
FULFILMENT_RANK = {
    FulfilmentStatus.TO_PREPARE: 0,
    FulfilmentStatus.READY_FOR_PICKUP: 1,
    FulfilmentStatus.SHIPPED: 1,
    FulfilmentStatus.COLLECTED: 2,
    FulfilmentStatus.DELIVERED: 2,
}
# The steps the customer is told about, by the task that tells them (each e-mail at most once).
FULFILMENT_NOTICE_TASKS = {
    FulfilmentStatus.READY_FOR_PICKUP: "checkout.tasks.send_ready_for_pickup_notice",
    FulfilmentStatus.SHIPPED: "checkout.tasks.send_shipped_notice",
}


def next_fulfilment_statuses(shop_order: ShopOrder) -> list[str]:
    """The statuses a merchant may set now; none before the order is paid, none without delivery."""
    if shop_order.order.status != OrderStatus.PAID:
        return []
    steps = FULFILMENT_STEPS.get(shop_order.delivery_kind, {})
    return [str(status) for status in steps.get(shop_order.fulfilment_status, [])]


class FulfilmentDetailsForm(forms.Form):
    """What the merchant may add when an order is made ready or shipped; all optional.

    The tracking fields exist for a postal parcel only. A tracking link is
    an http(s) address: it is put in an e-mail as a link.
    """

    note = forms.CharField(
        label=_("Message au client (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Repris dans l'e-mail envoyé au client, par exemple : « Demandez Marie au comptoir »."),
    )
    tracking_number = forms.CharField(label=_("N° de suivi (facultatif)"), required=False, max_length=60)
    # A CharField, not a URLField: one validator, http(s) only, and no scheme guessed for the merchant.
    tracking_url = forms.CharField(
        label=_("Lien de suivi du transporteur (facultatif)"),
        required=False,
        max_length=500,
        validators=[
            URLValidator(
                schemes=["http", "https"],
                message=_("Indiquez l'adresse complète de la page de suivi, commençant par https://."),
            )
        ],
        widget=forms.URLInput,
    )

    def __init__(self, *args, delivery_kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if delivery_kind != DeliveryKind.POSTAL:
            del self.fields["tracking_number"]
            del self.fields["tracking_url"]

    @classmethod
    def for_shop_order(cls, shop_order: ShopOrder, data=None) -> "FulfilmentDetailsForm":
        return cls(
            data,
            delivery_kind=shop_order.delivery_kind,
            initial={
                "note": shop_order.fulfilment_note,
                "tracking_number": shop_order.tracking_number,
                "tracking_url": shop_order.tracking_url,
            },
        )

    def changes(self) -> dict:
        """The ShopOrder fields to set with the new status."""
        changes = {"fulfilment_note": self.cleaned_data["note"].strip()}
        if "tracking_number" in self.fields:
            changes["tracking_number"] = self.cleaned_data["tracking_number"].strip()
            changes["tracking_url"] = self.cleaned_data["tracking_url"]
        return changes


def fulfilment_actions(shop_order: ShopOrder) -> list[dict]:
    """The buttons of the order's page: each next status, its label, whether it undoes, its details form."""
    current = FULFILMENT_RANK.get(shop_order.fulfilment_status, 0)
    return [
        {
            "status": status,
            "label": FULFILMENT_BUTTONS[status],
            "undo": FULFILMENT_RANK[status] < current,
            "form": FulfilmentDetailsForm.for_shop_order(shop_order) if status in FULFILMENT_NOTICE_TASKS else None,
        }
        for status in next_fulfilment_statuses(shop_order)
    ]


def _refunded_subquery():
    refunds = (
        Refund.objects.filter(shop_order=OuterRef("pk"), state=RefundState.SUCCEEDED)
        .values("shop_order")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(refunds), Value(ZERO), output_field=DecimalField(max_digits=10, decimal_places=2))


def _fulfilment_label(shop_order: ShopOrder) -> str:
    """The fulfilment status, or that there is none: vouchers and services only go by e-mail."""
    if not shop_order.delivery_kind:
        return gettext("Envoyée par e-mail")
    return shop_order.get_fulfilment_status_display()


# The state labels already written, per language and state: a list of 50 rows has a handful of them.
_STATE_LABELS: dict[tuple, str] = {}


def _state_label(shop_order: ShopOrder) -> str:
    """Fulfilment for a paid order; for an unpaid one, why there is nothing to prepare."""
    key = (
        get_language(),
        shop_order.order.status,
        bool(shop_order.delivery_kind),
        shop_order.fulfilment_status,
        shop_order.archived,
    )
    label = _STATE_LABELS.get(key)
    if label is None:
        label = _STATE_LABELS[key] = _written_state_label(shop_order)
    return label


def _written_state_label(shop_order: ShopOrder) -> str:
    if shop_order.order.status != OrderStatus.PAID:
        state = shop_order.order.get_status_display()
    else:
        state = _fulfilment_label(shop_order)
    if shop_order.archived:
        return gettext("%(state)s, archivée") % {"state": state}
    return state


def _total_label(shop_order: ShopOrder) -> str:
    refunded = quantize_eur(getattr(shop_order, "refunded", ZERO))
    if refunded:
        return gettext("%(total)s (remboursé : %(refunded)s)") % {
            "total": euros(shop_order.total),
            "refunded": euros(refunded),
        }
    return euros(shop_order.total)


def _line_label(line, shop_order: ShopOrder) -> str:
    options = "".join(f" ({name} : {value})" for name, value in line.options.items())
    label = gettext("%(quantity)s × %(name)s à %(unit_price)s = %(total)s") % {
        "quantity": line.quantity,
        "name": f"{line.name}{options}",
        "unit_price": euros(line.unit_price),
        "total": euros(line.total),
    }
    part = bundle_part_label(line, shop_order)
    return f"{label} ({part})" if part else label


# Bundles: a participant's shop order holds its part of a bundle another shop sold. --------------


def order_lines() -> Prefetch:
    """The lines of each shop order listed, with their bundle sale and its seller: what the labels below read."""
    return Prefetch("lines", queryset=OrderLine.objects.select_related("bundle_sale__seller"))


def _seller_name(sale: BundleSale) -> str:
    """The selling shop as the sale recorded it; its page's title when it had no part of its own."""
    for part in sale.parts:
        if part.get("is_seller"):
            return part.get("trade_name", "")
    return sale.seller.title if sale.seller is not None else ""


def _is_others_part(line, shop_order: ShopOrder) -> bool:
    return line.bundle_sale_id is not None and line.bundle_sale.seller_id != shop_order.shop_id


def bundle_part_label(line, shop_order: ShopOrder) -> str:
    """"Part of the bundle « … » sold by …" for a participant's part; "" for any other line, the seller's own part too."""
    if not _is_others_part(line, shop_order):
        return ""
    sale = line.bundle_sale
    return gettext("Part du coffret « %(bundle)s » vendu par %(seller)s") % {
        "bundle": sale.display_name, "seller": _seller_name(sale),
    }


def bundle_part_labels(shop_order: ShopOrder) -> list[str]:
    """The labels of the bundle parts a shop order provides for other shops, each once, in the order of its lines."""
    labels = (bundle_part_label(line, shop_order) for line in shop_order.lines.all())
    return list(dict.fromkeys(label for label in labels if label))


def holds_only_others_parts(shop_order: ShopOrder, lines=None) -> bool:
    """Whether the shop order (its `lines`, default: all) is only parts of bundles other shops sold.

    Its merchant provides those parts on the customer's voucher, and
    needs the customer's name and e-mail to recognise them, never their
    phone or address: those stay with the seller, who sold the bundle.
    """
    lines = list(shop_order.lines.all()) if lines is None else lines
    return bool(lines) and all(_is_others_part(line, shop_order) for line in lines)


def _customer_phone(shop_order: ShopOrder) -> str:
    return "" if holds_only_others_parts(shop_order) else shop_order.order.customer_phone


def _yes_no(value: bool) -> str:
    return gettext("oui") if value else gettext("non")


# The CSV/XLSX export: one row per shop order, its lines in one cell. Amounts are Decimals and
# the date a datetime: `portal.spreadsheets` writes them in the user's language ("12,50", local time).
EXPORT_COLUMNS = OrderedDict(
    [
        ("number", (_("N° de commande"), lambda so: so.order.number)),
        ("date", (_("Date"), lambda so: so.order.created_at)),
        ("shop", (_("Boutique"), lambda so: so.trade_name)),
        ("customer_name", (_("Client"), lambda so: so.order.customer_name)),
        ("customer_email", (_("E-mail"), lambda so: so.order.customer_email)),
        ("customer_phone", (_("Téléphone"), _customer_phone)),
        ("status", (_("Paiement"), lambda so: so.order.get_status_display())),
        ("delivery", (_("Mode de livraison"), lambda so: so.get_delivery_kind_display())),
        ("delivery_address", (_("Adresse de livraison"), lambda so: so.delivery_address)),
        ("lines", (_("Articles"), lambda so: " | ".join(_line_label(line, so) for line in so.lines.all()))),
        ("subtotal", (_("Sous-total"), lambda so: so.subtotal)),
        ("delivery_fee", (_("Frais de livraison"), lambda so: so.delivery_fee)),
        ("total", (_("Total TTC"), lambda so: so.total)),
        ("commission", (_("Commission"), lambda so: so.commission_amount if so.commission_amount is not None else "")),
        ("refunded", (_("Remboursé"), lambda so: quantize_eur(so.refunded))),
        ("fulfilment", (_("Préparation"), _fulfilment_label)),
        ("archived", (_("Archivée"), lambda so: _yes_no(so.archived))),
    ]
)


class ShopOrderIndexView(ShopScopedIndexView):
    page_title = _("Commandes")
    # "2 commandes", not the model's "2 commandes boutique": a merchant has one shop.
    verbose_name = _("commande")
    verbose_name_plural = _("commandes")
    default_ordering = "-order__created_at"
    list_select_related = ("order",)

    def get_base_queryset(self):
        # The user's rows as `managed_by` selects them, found from the shops' pages (see
        # `managed_shop_page_ids`): the list and its count read the shop's orders, not the territory's.
        queryset = ShopOrder.objects.of_shop_pages([pk for pk, _key in self.managed_shop_pages])
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        # The lines, for the export's and for the list's labels of bundle parts.
        return queryset.annotate(refunded=_refunded_subquery()).prefetch_related(order_lines())

    def filter_queryset(self, queryset):
        if not self.filters or not self.filters.is_valid():
            # A malformed filter never widens the list beyond its default.
            return queryset.filter(**DEFAULT_LOOKUPS)
        return self.filters.filter_queryset(queryset)

    @cached_property
    def managed_shop_pages(self) -> list[tuple[int, object]]:
        """(pk, translation key) of the user's shops' pages in every language: asked once per request."""
        return managed_shop_pages(self.request.user)

    @cached_property
    def manages_several_shops(self) -> bool:
        # One translation key per shop, whatever the languages of its pages.
        return len({key for _pk, key in self.managed_shop_pages}) > 1

    @cached_property
    def columns(self):
        columns = list(super().columns)
        if self.manages_several_shops:
            columns.insert(2, shop_column())
        return columns


class OrderNumberColumn(PlainTitleColumn):
    """The order's number, linked to its page, and under it which bundles the order is a part of, if any."""

    cell_template_name = "checkout/admin/order_number_cell.html"
    help_line_classname = "w-help-text order-bundle-part"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["bundle_parts"] = context["help_lines"] = bundle_part_labels(instance)
        return context


def list_display(inspect_url_name: str):
    """The list's columns: what a merchant needs to pick the next order to prepare."""
    return [
        OrderNumberColumn(
            "number", label=_("Commande"), accessor="order.number", sort_key="order__pk", url_name=inspect_url_name
        ),
        date_column(
            "created", _("Passée le"), path="order.created_at", sort_key="order__created_at", with_time=True
        ),
        PlainColumn("customer", label=_("Client"), accessor="order.customer_name", sort_key="order__customer_name"),
        PlainColumn(
            "delivery_kind", label=_("Livraison"), accessor="get_delivery_kind_display", sort_key="delivery_kind"
        ),
        PlainColumn("total", label=_("Total"), accessor=_total_label, sort_key="total"),
        PlainStatusTagColumn(
            "fulfilment_status",
            label=_("Préparation"),
            accessor=_state_label,
            primary=lambda so: so.order.status == OrderStatus.PAID
            and so.fulfilment_status == FulfilmentStatus.TO_PREPARE
            and bool(so.delivery_kind),
            sort_key="fulfilment_status",
        ),
    ]


class ShopOrderMixin(ManagedRowMixin):
    """A view of one shop order, found among the user's orders only (404 otherwise)."""

    index_url_name = None
    fulfilment_url_name = None
    archive_url_name = None
    unarchive_url_name = None
    refund_url_name = None
    bundle_refund_url_name = None
    row_select_related = ("order",)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Commandes")},
            {"url": self.get_inspect_url(), "label": str(self.object.order)},
            {"url": "", "label": self.get_page_title(), "sublabel": str(self.object.order)},
        ]


class ShopOrderInspectView(ShopOrderMixin, ShopScopedInspectView):
    page_title = _("Commande")

    def get_page_subtitle(self):
        return str(self.object.order)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Commandes")},
            {"url": "", "label": str(self.object.order), "sublabel": self.object.trade_name},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shop_order = self.object
        refunds = list(shop_order.refunds.order_by("pk").select_related("created_by"))
        refunded = sum((r.amount for r in refunds if r.state == RefundState.SUCCEEDED), ZERO)
        paid = shop_order.order.status == OrderStatus.PAID
        refundable = refundable_amount(shop_order) if paid else ZERO
        pk = quote(shop_order.pk)
        lines = list(shop_order.lines.select_related("bundle_sale__seller"))
        for line in lines:
            line.bundle_part = bundle_part_label(line, shop_order)
        context.update(
            {
                "shop_order": shop_order,
                "order": shop_order.order,
                "is_paid": paid,
                "lines": lines,
                "bundle_parts_only": holds_only_others_parts(shop_order, lines),
                "bundle_parts": list(dict.fromkeys(line.bundle_part for line in lines if line.bundle_part)),
                "refunds": refunds,
                "refunded": refunded,
                "refundable": refundable,
                "net_commission": (
                    shop_order.commission_amount
                    - _commission_returned(shop_order)
                    if shop_order.commission_amount is not None
                    else None
                ),
                "fulfilment_actions": fulfilment_actions(shop_order),
                "fulfilment_url": reverse(self.fulfilment_url_name, args=(pk,)),
                "archive_url": reverse(self.archive_url_name, args=(pk,)),
                "unarchive_url": reverse(self.unarchive_url_name, args=(pk,)),
                "refund_url": reverse(self.refund_url_name, args=(pk,)),
                "refund_form": RefundForm(refundable=refundable) if refundable > 0 else None,
                # The bundles this shop sold in the order: the seller may refund each whole, every shop's part.
                "sold_bundles": list(BundleSale.objects.filter(order=shop_order.order, seller_id=shop_order.shop_id))
                if paid and shop_order.shop_id else [],
                "bundle_refund_url": reverse(self.bundle_refund_url_name, args=(pk,)),
                "log_entries": log_entries(shop_order),
            }
        )
        return context


def _commission_returned(shop_order: ShopOrder) -> Decimal:
    total = shop_order.ledger_entries.filter(kind=LedgerKind.COMMISSION_RETURNED).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


class ShopOrderOperationView(ShopOrderMixin, PermissionCheckedMixin, BaseOperationView):
    """A POST that changes one of the user's orders, then back to its detail page (GET: 405)."""

    any_permission_required = ["view"]

    def get_object(self):
        return self.get_managed_row(self.pk)

    def get_success_url(self):
        return self.next_url or self.get_inspect_url()

    def post(self, request, *args, **kwargs):
        self.perform_operation()
        return redirect(self.get_success_url())


class FulfilmentView(ShopOrderOperationView):
    def perform_operation(self):
        shop_order = self.object
        target = self.request.POST.get("status", "")
        if target not in next_fulfilment_statuses(shop_order):
            messages.error(self.request, gettext("Ce changement de préparation n'est pas possible pour cette commande."))
            return
        changes = {}
        if target in FULFILMENT_NOTICE_TASKS:
            form = FulfilmentDetailsForm.for_shop_order(shop_order, self.request.POST)
            if not form.is_valid():
                errors = " ".join(error for field_errors in form.errors.values() for error in field_errors)
                messages.error(self.request, gettext("Rien n'a été modifié : %(errors)s") % {"errors": errors})
                return
            changes = form.changes()
        changed = ShopOrder.objects.filter(
            pk=shop_order.pk, fulfilment_status=shop_order.fulfilment_status
        ).update(fulfilment_status=target, **changes)
        if not changed:
            messages.error(self.request, gettext("La commande a été modifiée entre-temps ; vérifiez son état."))
            return
        log(
            instance=shop_order,
            action=FULFILMENT_ACTION,
            user=self.request.user,
            data={"from": shop_order.fulfilment_status, "to": target},
        )
        message = gettext("Commande n° %(number)s : %(status)s.") % {
            "number": shop_order.order.number, "status": FulfilmentStatus(target).label,
        }
        task = FULFILMENT_NOTICE_TASKS.get(target)
        if task is not None:
            # The task claims its e-mail once: undoing and redoing a step tells the customer once.
            transaction.on_commit(lambda: async_task(task, shop_order.pk))
            already_told = {
                FulfilmentStatus.READY_FOR_PICKUP: shop_order.ready_notified_at,
                FulfilmentStatus.SHIPPED: shop_order.shipped_notified_at,
            }[target]
            if already_told is None:
                message += " " + gettext("Le client en est informé par e-mail.")
        messages.success(self.request, message)


class ArchiveView(ShopOrderOperationView):
    archived = True

    def perform_operation(self):
        shop_order = self.object
        changed = ShopOrder.objects.filter(pk=shop_order.pk, archived=not self.archived).update(archived=self.archived)
        if changed:
            log(
                instance=shop_order,
                action=ARCHIVE_ACTION if self.archived else UNARCHIVE_ACTION,
                user=self.request.user,
            )
        if self.archived:
            message = gettext("Commande n° %(number)s archivée.")
        else:
            message = gettext("Commande n° %(number)s remise dans les commandes en cours.")
        messages.success(self.request, message % {"number": shop_order.order.number})


class UnarchiveView(ArchiveView):
    archived = False


class BundleRefundView(ShopOrderOperationView):
    """POST: refund a bundle the shop sold, whole: what is still to use of each shop's part, in that shop's order.

    For the seller only (the shop order holding the bundle's sale is theirs);
    a part already used at its shop stays sold.
    """

    def perform_operation(self):
        shop_order = self.object
        sale = BundleSale.objects.filter(
            pk=valid_id(self.request.POST.get("bundle_sale")), order_id=shop_order.order_id,
            seller_id=shop_order.shop_id, order__status=OrderStatus.PAID,
        ).first() if shop_order.shop_id else None
        if sale is None:
            messages.error(self.request, gettext("Ce coffret n'a pas été vendu par votre boutique dans cette commande."))
            return
        if not self.request.POST.get("confirm"):
            messages.error(self.request, gettext("Cochez la case pour confirmer le remboursement du coffret."))
            return
        result = refund_bundle_sale(sale.pk, self.request.user)
        for refund in result.refunds:
            log(instance=refund.shop_order, action=REFUND_ACTION, user=self.request.user,
                data={"amount": str(refund.amount), "refund": refund.pk, "bundle_sale": sale.pk})
        if result.refunds:
            messages.success(self.request, gettext(
                "Coffret « %(bundle)s » : %(amount)s remboursés au client, part par part. Les parts déjà utilisées "
                "restent dues à leur commerçant."
            ) % {"bundle": sale.name, "amount": euros(result.amount)})
        elif not result.refused_lines:
            messages.info(self.request, gettext("Il ne reste aucune part à rembourser sur ce coffret."))
        if result.refused_lines:
            messages.error(self.request, gettext(
                "Le prestataire de paiement a refusé le remboursement d'une part ; réessayez plus tard."
            ))


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Montant à rembourser (€)"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        help_text=_("Le montant total de la commande boutique ou une partie, au centime près."),
        error_messages={
            "required": _("Indiquez le montant à rembourser."),
            "invalid": _("Indiquez un montant en euros, par exemple 12,50."),
            "min_value": _("Indiquez un montant positif."),
            "max_decimal_places": _("Indiquez le montant au centime près (deux décimales au plus)."),
        },
    )

    def __init__(self, *args, refundable: Decimal, **kwargs):
        # No amount filled in: a refund cannot be undone, the merchant types what they mean.
        super().__init__(*args, **kwargs)
        self.refundable = refundable

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.refundable:
            raise forms.ValidationError(
                gettext("Vous pouvez rembourser au plus %(amount)s.") % {"amount": euros(self.refundable)}
            )
        return amount


class RefundView(ShopOrderMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET: the refund form; POST: refund through the payment provider, or say why not."""

    any_permission_required = ["view"]
    page_title = _("Rembourser")
    header_icon = "clipboard-list"
    template_name = "checkout/admin/shop_order_refund.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_managed_row(kwargs["pk"])

    def get_page_subtitle(self):
        return str(self.object.order)

    @cached_property
    def refundable(self) -> Decimal:
        if self.object.order.status != OrderStatus.PAID:
            return ZERO
        return refundable_amount(self.object)

    @cached_property
    def refusal(self) -> str:
        """Why this order cannot be refunded at all, or ""."""
        if self.object.order.status != OrderStatus.PAID:
            return gettext("Seule une commande payée peut être remboursée.")
        if self.refundable <= 0:
            return gettext("Il ne reste rien à rembourser sur cette commande.")
        return ""

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "shop_order": self.object,
                "order": self.object.order,
                "refundable": self.refundable,
                "refusal": self.refusal,
                "form": form if form is not None else RefundForm(refundable=self.refundable),
                "inspect_url": self.get_inspect_url(),
            }
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.refusal:
            return self.render_to_response(self.get_context_data())
        form = RefundForm(request.POST, refundable=self.refundable)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        amount = form.cleaned_data["amount"]
        try:
            refund = refund_shop_order(self.object.pk, amount, by_user=request.user)
        except RefundRefused as error:
            form.add_error("amount", str(error))
            return self.render_to_response(self.get_context_data(form=form))
        log(
            instance=self.object,
            action=REFUND_ACTION,
            user=request.user,
            data={"amount": str(refund.amount), "refund": refund.pk},
        )
        if refund.state != RefundState.SUCCEEDED:
            # No answer from Stripe, or not recorded yet: checkout.services.reconcile_refunds settles it.
            messages.warning(
                request,
                gettext(
                    "Le remboursement est en cours de vérification auprès du prestataire de paiement. Les "
                    "%(amount)s restent réservés pour ce remboursement : le résultat s’affichera sur la commande "
                    "dans quelques minutes et le client sera informé par e-mail s’il aboutit. Inutile de le "
                    "refaire."
                )
                % {"amount": euros(refund.amount)},
            )
            return redirect(self.get_inspect_url())
        messages.success(
            request,
            gettext("Remboursement de %(amount)s effectué ; le client en est informé par e-mail.")
            % {"amount": euros(refund.amount)},
        )
        return redirect(self.get_inspect_url())
