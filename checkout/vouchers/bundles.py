"""What a customer holds of each bundle bought: its parts, each shop's voucher per unit, and where each stands.

A bundle sold is one `BundleSale` whose parts are lines of each providing
shop's order; each part line has one voucher per unit (`index` 1..n), so
the vouchers of one unit of the bundle are those of its sale's lines with
the same index. The parts' words come from the sale's snapshot in the
language asked (the order's), the shops' names from their shop orders.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from checkout.models import BundleSale, Order, OrderLine, Redemption, RedemptionKind, Voucher, VoucherStatus
from checkout.vouchers.services import format_code
from portal.emails import site_language
from shops.models import ProductKind, withdrawal_notice


class UnitState:
    """Where one unit of a part stands, as the customer is told (templates name them)."""

    TO_USE = "to_use"
    USED = "used"
    REFUNDED = "refunded"
    EXPIRED = "expired"


@dataclass(frozen=True)
class PartUnit:
    """One unit of a part: its voucher and where it stands; `used_on` the day it was used."""

    voucher: Voucher
    state: str
    used_on: date | None = None

    @property
    def code(self) -> str:
        return format_code(self.voucher.code)


@dataclass(frozen=True)
class HeldPart:
    """One shop's part of a bundle bought, with a unit per bundle (none before the order is paid)."""

    shop_name: str
    description: str
    withdrawal: str
    is_seller: bool
    units: list[PartUnit] = field(default_factory=list)

    @property
    def withdrawal_notice(self) -> str:
        return withdrawal_notice(self.withdrawal)


@dataclass(frozen=True)
class HeldBundle:
    sale: BundleSale
    name: str
    parts: list[HeldPart]


def _state(voucher: Voucher, today: date) -> PartUnit:
    if voucher.status == VoucherStatus.CANCELLED:
        return PartUnit(voucher, UnitState.REFUNDED)
    if voucher.status == VoucherStatus.USED:
        used = [row.at for row in voucher.redemptions.all() if row.kind == RedemptionKind.REDEEMED]
        return PartUnit(voucher, UnitState.USED, timezone.localdate(max(used)) if used else None)
    if voucher.valid_until < today:
        return PartUnit(voucher, UnitState.EXPIRED)
    return PartUnit(voucher, UnitState.TO_USE)


def _line_of(part: dict, lines: list[OrderLine]) -> OrderLine | None:
    """The order line of a part of the snapshot: its shop's (by id, or by SIRET once the shop is deleted)."""
    same_shop = [line for line in lines if line.shop_order.shop_id == part["shop_id"]] or [
        line for line in lines if line.shop_order.shop_id is None and line.shop_order.siret == part["siret"]
    ]
    for line in same_shop:
        if str(line.unit_price) == part["unit_amount"]:
            return line
    return same_shop[0] if same_shop else None


def _held(sales: list[BundleSale], language: str, today: date) -> dict[int, HeldBundle]:
    """Each sale, by id, with its parts and their units (three queries whatever their number)."""
    if not sales:
        return {}
    lines_by_sale: dict[int, list[OrderLine]] = {}
    vouchers = Prefetch(
        "vouchers", queryset=Voucher.objects.prefetch_related(
            Prefetch("redemptions", queryset=Redemption.objects.order_by("at", "pk"))
        ).order_by("index", "pk"),
    )
    for line in (
        OrderLine.objects.filter(bundle_sale__in=sales).select_related("shop_order").prefetch_related(vouchers)
        .order_by("pk")
    ):
        lines_by_sale.setdefault(line.bundle_sale_id, []).append(line)
    held = {}
    for sale in sales:
        lines = lines_by_sale.get(sale.pk, [])
        parts = []
        for part in sale.parts:
            line = _line_of(part, lines)
            words = (part.get("translations") or {}).get(language) or {}
            parts.append(HeldPart(
                shop_name=line.shop_order.text_in("trade_name", language) if line else part["trade_name"],
                description=words.get("description") or part["description"],
                withdrawal=part.get("withdrawal", ""),
                is_seller=bool(part.get("is_seller")),
                units=[_state(voucher, today) for voucher in line.vouchers.all()] if line else [],
            ))
        held[sale.pk] = HeldBundle(sale=sale, name=sale.text_in("name", language), parts=parts)
    return held


def bundles_of_orders(orders: Iterable[Order], language: str | None = None, today: date | None = None) -> dict:
    """{order id: [HeldBundle]} for the order page, its e-mail and the account's list, in `language`.

    Words in `language` as the orders kept them (default: each order's own
    language). Four queries whatever the number of orders, bundles and
    parts; one when none holds a bundle.
    """
    orders = {order.pk: order for order in orders}
    today = today or timezone.localdate()
    sales = list(BundleSale.objects.filter(order_id__in=orders).order_by("pk")) if orders else []
    found: dict[int, list[HeldBundle]] = {order_id: [] for order_id in orders}
    by_language: dict[str, list[BundleSale]] = {}
    for sale in sales:
        by_language.setdefault(site_language(language or orders[sale.order_id].language), []).append(sale)
    for code, grouped in by_language.items():
        for held in _held(grouped, code, today).values():
            found[held.sale.order_id].append(held)
    for bundles in found.values():
        bundles.sort(key=lambda held: held.sale.pk)
    return found


@dataclass(frozen=True)
class VoucherInBundle:
    """A part's voucher within its unit of a bundle: which bundle, this part, and the other parts with their codes."""

    bundle: HeldBundle
    part: HeldPart
    others: list[tuple[HeldPart, PartUnit]]


def in_bundles(held: Iterable[HeldBundle]) -> dict[int, VoucherInBundle]:
    """Each part's voucher of the bundles `held`, by voucher id, with its bundle and the other parts of its unit."""
    found = {}
    for bundle in held:
        units = [(part, unit) for part in bundle.parts for unit in part.units]
        for part, unit in units:
            others = [
                (other_part, other) for other_part, other in units
                if other.voucher.index == unit.voucher.index and other.voucher.pk != unit.voucher.pk
            ]
            found[unit.voucher.pk] = VoucherInBundle(bundle=bundle, part=part, others=others)
    return found


def voucher_in_bundle(voucher: Voucher, language: str | None = None) -> VoucherInBundle | None:
    """For a voucher of a bundle's part: its bundle and the other parts of the same unit; None for another voucher."""
    if voucher.kind != ProductKind.BUNDLE or not voucher.order_line.bundle_sale_id:
        return None
    sale = BundleSale.objects.get(pk=voucher.order_line.bundle_sale_id)
    held = _held([sale], site_language(language or voucher.language), timezone.localdate())
    return in_bundles(held.values()).get(voucher.pk)
