"""The customer's basket, kept in the session.

It holds what the customer chose and nothing about money: per line a
product's translation key, a quantity and the options chosen, plus the
territory all lines belong to (one market per basket). Prices, fees and
totals come from `checkout.pricing` every time. The session survives login
(Django cycles its key), so the basket does too.

Options are stored as the default-locale (French) page names them: an
add-to-basket form posts the index of each choice, which is the same on
every translation of the page.
"""

import hashlib
import json
import secrets
from dataclasses import dataclass, field, replace
from uuid import UUID

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from checkout.pricing import (
    MAX_LINES,
    MAX_QUANTITY,
    BasketError,
    BasketLine,
    PricedItems,
    check_units_per_product,
    free_amount,
    gift_details,
    price_items,
    sale_refusal,
)
from markets.models import MarketPage
from portal.converters import valid_id
from portal.emails import site_language
from shops.models import ProductPage, ShopPage
from shops.stock import availability_of

SESSION_KEY = "checkout_basket"


@dataclass(frozen=True)
class BasketEntry:
    key: str  # the product's translation key
    quantity: int
    options: dict[str, str] = field(default_factory=dict)
    # Gift vouchers and services: the free amount chosen ("75.50", checked when added
    # and again when priced), who it is for and a message.
    amount: str = ""
    beneficiary: str = ""
    message: str = ""

    @property
    def gift(self) -> list[str]:
        return [self.amount, self.beneficiary, self.message] if (self.amount or self.beneficiary or self.message) else []

    @property
    def line_id(self) -> str:
        """A short stable id for forms: the same product with other options, amount or beneficiary is another line."""
        raw = json.dumps([self.key, self.options, *self.gift], sort_keys=True)
        return hashlib.sha256(raw.encode()).hexdigest()[:12]

    def as_dict(self) -> dict:
        data = {"key": self.key, "quantity": self.quantity, "options": self.options}
        if self.gift:
            data.update(amount=self.amount, beneficiary=self.beneficiary, message=self.message)
        return data


def _parent_path(page: Page) -> str:
    return page.path[: -Page.steplen]


def shown_names(products) -> dict:
    """The name of each default-locale product as the visitor reads it, by translation key.

    Its live translation's title in the active language, else the French
    title: one query, none in the default language. For the messages that
    name a product; prices and checks stay on the French pages.
    """
    products = list(products)
    names = {product.translation_key: product.title for product in products}
    language = site_language(get_language())
    if products and language != settings.LANGUAGE_CODE:
        names.update(
            ProductPage.objects.live()
            .filter(translation_key__in=names, locale__language_code=language)
            .values_list("translation_key", "title")
        )
    return names


def _shown_name(product: ProductPage) -> str:
    return shown_names([product])[product.translation_key]


def _default_locale_product(product_id) -> ProductPage:
    """The live French page of the live product `product_id` (any locale), or BasketError."""
    if not isinstance(product_id, int) or valid_id(product_id) is None:
        raise BasketError(_("Produit inconnu."))
    product = ProductPage.objects.live().filter(pk=product_id).only("translation_key").first()
    if product is None:
        raise BasketError(_("Ce produit n'est pas en vente."))
    source = ProductPage.objects.live().filter(
        translation_key=product.translation_key, locale=Locale.get_default()
    ).first()
    if source is None:
        raise BasketError(_("Ce produit n'est pas en vente."))
    return source


def _no_longer_for_sale(name: str) -> str:
    return _("« %(product)s » n'est plus en vente et a été retiré de votre panier.") % {"product": name}


def _market_of(product: ProductPage) -> MarketPage:
    """The market selling `product` now, or BasketError (unpublished shop, closed market, validity ended)."""
    shop = ShopPage.objects.live().filter(path=_parent_path(product)).first()
    market = MarketPage.objects.filter(path=_parent_path(shop)).first() if shop is not None else None
    if market is None:
        raise BasketError(_("Ce produit n'est pas en vente."))
    refusal = sale_refusal(product, market)
    if refusal:
        raise BasketError(refusal)
    return market


def _chosen_options(product: ProductPage, indexes: dict[int, int]) -> dict[str, str]:
    """{option name: value} from the index of each choice, as the French page names them."""
    offered = [block.value for block in product.options]
    if set(indexes) - set(range(len(offered))):
        raise BasketError(_("Option inconnue pour « %(product)s ».") % {"product": _shown_name(product)})
    chosen = {}
    for position, option in enumerate(offered):
        values = list(option["values"])
        index = indexes.get(position)
        if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(values):
            raise BasketError(
                _("Choisissez « %(option)s » pour « %(product)s ».")
                % {"option": option["name"], "product": _shown_name(product)}
            )
        chosen[option["name"]] = values[index]
    return chosen


def _amount_still_offered(product: ProductPage, amount: str) -> bool:
    """Whether a free amount chosen earlier is still within the merchant's bounds."""
    if not product.has_free_amount:
        return False
    try:
        free_amount(product, amount)
    except BasketError:
        return False
    return True


class _LazyNames:
    """`shown_names` of a basket's products, looked up once, on the first message that needs one."""

    def __init__(self, products):
        self.products, self.names = list(products), None

    def __getitem__(self, product: ProductPage) -> str:
        if self.names is None:
            self.names = shown_names(self.products)
        return self.names[product.translation_key]


class Basket:
    def __init__(self, session):
        self.session = session
        data = session.get(SESSION_KEY) or {}
        self.territory_id: int | None = data.get("territory")
        # Names this basket for its whole life (until emptied), so that it has one payable order.
        self.key: str = data.get("key", "")
        self.entries: list[BasketEntry] = [
            BasketEntry(
                line["key"], line["quantity"], dict(line.get("options") or {}),
                line.get("amount", ""), line.get("beneficiary", ""), line.get("message", ""),
            )
            for line in data.get("lines", [])
        ]

    def __len__(self) -> int:
        return len(self.entries)

    def _save(self) -> None:
        if not self.entries:
            self.session.pop(SESSION_KEY, None)
            self.territory_id, self.key = None, ""
            return
        self.key = self.key or secrets.token_urlsafe(24)
        self.session[SESSION_KEY] = {
            "key": self.key,
            "territory": self.territory_id,
            "lines": [e.as_dict() for e in self.entries],
        }

    def add(
        self,
        product_id: int,
        quantity: int,
        option_indexes: dict[int, int] | None = None,
        *,
        amount: str | None = None,
        beneficiary: str = "",
        message: str = "",
    ) -> ProductPage:
        """Add `quantity` units of a live product; raises BasketError and changes nothing when refused.

        `amount` is the buyer's amount for a free-amount gift voucher (checked
        against the merchant's bounds; ignored for a fixed price);
        `beneficiary` and `message` are kept for vouchers and services only.
        """
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            raise BasketError(_("La quantité doit être comprise entre 1 et %(max)d.") % {"max": MAX_QUANTITY})
        product = _default_locale_product(product_id)
        options = _chosen_options(product, option_indexes or {})
        chosen_amount = str(free_amount(product, "" if amount is None else amount)) if product.has_free_amount else ""
        beneficiary, message = gift_details(product, beneficiary or "", message or "")
        territory_id = _market_of(product).territory_id
        if self.territory_id is not None and self.entries and territory_id != self.territory_id:
            raise BasketError(
                _(
                    "Votre panier contient des articles d'un autre marché. Un panier regroupe les boutiques "
                    "d'un seul territoire : validez-le ou videz-le avant d'ajouter ce produit."
                )
            )
        key = str(product.translation_key)
        new = BasketEntry(key, quantity, options, chosen_amount, beneficiary, message)
        entries = list(self.entries)
        for position, entry in enumerate(entries):
            if entry.line_id == new.line_id:
                new = replace(new, quantity=entry.quantity + quantity)
                entries[position] = new
                break
        else:
            entries.append(new)
        if len(entries) > MAX_LINES:
            raise BasketError(_("Votre panier contient trop d'articles."))
        self._check_quantity(product, new.quantity, others=sum(e.quantity for e in entries if e.key == key) - new.quantity)
        self.entries, self.territory_id = entries, territory_id
        self._save()
        return product

    def _check_quantity(self, product: ProductPage, quantity: int, others: int = 0) -> None:
        if quantity > MAX_QUANTITY:
            raise BasketError(_("La quantité doit être comprise entre 1 et %(max)d.") % {"max": MAX_QUANTITY})
        check_units_per_product(product, quantity + others)
        availability = availability_of([product])[product.translation_key]
        if not availability.unlimited and availability.quantity < quantity + others:
            if availability.quantity <= 0:
                raise BasketError(_("« %(product)s » est épuisé.") % {"product": _shown_name(product)})
            raise BasketError(
                _("Il reste %(count)d « %(product)s » en stock.")
                % {"count": availability.quantity, "product": _shown_name(product)}
            )

    def update(self, line_id: str, quantity: int) -> None:
        """Set a line's quantity (0 removes it); raises BasketError and changes nothing when refused."""
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_QUANTITY:
            raise BasketError(_("La quantité doit être comprise entre 1 et %(max)d.") % {"max": MAX_QUANTITY})
        position = self._position(line_id)
        entry = self.entries[position]
        if quantity == 0:
            self.remove(line_id)
            return
        if quantity > entry.quantity:
            product = ProductPage.objects.filter(translation_key=entry.key, locale=Locale.get_default()).first()
            if product is not None:
                others = sum(e.quantity for e in self.entries if e.key == entry.key) - entry.quantity
                self._check_quantity(product, quantity, others)
        entries = list(self.entries)
        entries[position] = replace(entry, quantity=quantity)
        self.entries = entries
        self._save()

    def remove(self, line_id: str) -> None:
        position = self._position(line_id)
        self.entries = self.entries[:position] + self.entries[position + 1 :]
        self._save()

    def clear(self) -> None:
        self.entries = []
        self._save()

    def _position(self, line_id: str) -> int:
        for position, entry in enumerate(self.entries):
            if entry.line_id == line_id:
                return position
        raise BasketError(_("Cet article n'est plus dans votre panier."))

    # Pricing -----------------------------------------------------------------

    def products_by_key(self) -> dict[str, ProductPage]:
        """Live French product pages of the basket's lines, by translation key.

        Read once per basket object (one request) for the same lines: pruning,
        pricing and placing the order all ask for them.
        """
        keys = frozenset(UUID(e.key) for e in self.entries)
        cached = getattr(self, "_products", None)
        if cached is not None and cached[0] == keys:
            return dict(cached[1])
        pages = ProductPage.objects.live().filter(translation_key__in=keys, locale=Locale.get_default())
        found = {str(page.translation_key): page for page in pages}
        self._products = (keys, found)
        return dict(found)

    def prune(self) -> list[str]:
        """Drop lines no longer for sale as chosen; a message for the customer per line dropped.

        A line goes when its product or shop is unpublished, its options or
        free amount are no longer offered, its validity has ended or its
        market does not sell today.
        """
        if not self.entries:
            return []
        products = self.products_by_key()
        live_shop_paths = set(
            ShopPage.objects.live()
            .filter(path__in={_parent_path(p) for p in products.values()})
            .values_list("path", flat=True)
        )
        market_paths = {path[: -Page.steplen] for path in live_shop_paths}
        markets = {m.path: m for m in MarketPage.objects.filter(path__in=market_paths)}
        today = timezone.localdate()
        kept, dropped = [], []
        names = _LazyNames(products.values())
        for entry in self.entries:
            product = products.get(entry.key)
            if product is None or _parent_path(product) not in live_shop_paths:
                name = names[product] if product is not None else _("un produit retiré de la vente")
                dropped.append(_no_longer_for_sale(name))
                continue
            refusal = sale_refusal(product, markets[_parent_path(product)[: -Page.steplen]], today)
            if refusal:
                dropped.append(_("%(reason)s Il a été retiré de votre panier.") % {"reason": refusal})
                continue
            offered = {block.value["name"]: list(block.value["values"]) for block in product.options}
            if set(entry.options) != set(offered) or any(entry.options[n] not in v for n, v in offered.items()):
                dropped.append(_no_longer_for_sale(names[product]))
                continue
            if entry.amount and not _amount_still_offered(product, entry.amount):
                dropped.append(_no_longer_for_sale(names[product]))
                continue
            kept.append(entry)
        if dropped:
            self.entries = kept
            self._save()
        return dropped

    def lines(self, products: dict[str, ProductPage] | None = None) -> list[BasketLine]:
        products = self.products_by_key() if products is None else products
        return [
            BasketLine(products[e.key].pk, e.quantity, e.options, e.amount or None, e.beneficiary, e.message)
            for e in self.entries
            if e.key in products
        ]

    def priced(self) -> list[PricedItems]:
        """The basket's lines priced by shop (pricing raises BasketError when it cannot be sold as is)."""
        if not self.entries:
            return []
        return price_items(self.territory_id, self.lines())
