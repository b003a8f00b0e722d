"""Reading a product's availability and its merchant's stock alert from its stock row."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from shops.models import ProductStock


@dataclass(frozen=True)
class Availability:
    """What a customer may buy now. `quantity` None means no stock limit."""

    quantity: int | None

    @property
    def unlimited(self) -> bool:
        return self.quantity is None

    @property
    def in_stock(self) -> bool:
        return self.quantity is None or self.quantity > 0

    @property
    def low(self) -> bool:
        return self.quantity is not None and 0 < self.quantity <= 3


# A product whose merchant has not set a stock yet is not for sale.
NOT_SET = Availability(quantity=0)


def availability_of(products: Iterable) -> dict[UUID, Availability]:
    """Availability of each product by translation key, in one query."""
    keys = {p.translation_key for p in products}
    rows = ProductStock.objects.filter(translation_key__in=keys).values_list("translation_key", "quantity")
    found = {key: Availability(quantity) for key, quantity in rows}
    return {key: found.get(key, NOT_SET) for key in keys}


@dataclass(frozen=True)
class StockLevel:
    """A product's stock row as its merchant sees it. `quantity` None means no stock limit."""

    quantity: int | None
    sold: int
    alert_threshold: int

    @property
    def alert(self) -> bool:
        """At or under the merchant's threshold: time to restock. Never for what has no limit."""
        return self.quantity is not None and self.quantity <= self.alert_threshold

    @property
    def sold_out(self) -> bool:
        return self.quantity == 0


def stock_levels(keys: Iterable[UUID]) -> dict[UUID, StockLevel]:
    """The stock row of each product by translation key, in one query.

    A product without a row is absent: its stock was never set (not for sale).
    """
    rows = ProductStock.objects.filter(translation_key__in=set(keys)).values_list(
        "translation_key", "quantity", "sold", "alert_threshold"
    )
    return {key: StockLevel(quantity, sold, threshold) for key, quantity, sold, threshold in rows}
