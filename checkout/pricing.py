"""What a basket costs, computed from the database only.

The browser sends product ids, quantities, option choices and one delivery
option per shop; every price, fee and total comes from here. Anything the
client says about money is ignored.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page

from checkout.vouchers.services import VOUCHER_KINDS, BadAmount, free_amount_price
from markets.models import MarketPage
from portal.dates import long_date
from portal.money import ZERO, quantize_eur
from shops import bundles
from shops.bundles import PartShare
from shops.models import DeliveryKind, DeliveryOption, ProductKind, ProductPage, ShopPage

MAX_QUANTITY = 99
MAX_LINES = 100
MAX_ADDRESS_LENGTH = 500
MAX_BENEFICIARY_LENGTH = 200  # OrderLine.beneficiary_name
MAX_MESSAGE_LENGTH = 500  # OrderLine.gift_message


class BasketError(ValueError):
    """The basket cannot be priced as asked; the message is for the customer."""


@dataclass(frozen=True)
class BasketLine:
    product_id: int
    quantity: int
    options: Mapping[str, str] = field(default_factory=dict)
    # A gift voucher at a free amount: the amount asked, checked here against
    # the merchant's bounds (None: the amount shown first, its price).
    amount: str | None = None
    # A gift voucher or a service: who it is for and a message; ignored for other products.
    beneficiary: str = ""
    message: str = ""


@dataclass(frozen=True)
class DeliveryChoice:
    option_id: int
    address: str = ""


@dataclass(frozen=True)
class PricedLine:
    product: ProductPage
    quantity: int
    options: dict[str, str]
    unit_price: Decimal
    total: Decimal
    amount: str = ""  # the free amount chosen, as the basket keeps it; "" at a fixed price
    beneficiary: str = ""
    message: str = ""
    # A shop's part of a bundle (`product` is the bundle), and which of the basket's `bundles` it belongs to.
    part: PartShare | None = None
    bundle_index: int | None = None


@dataclass(frozen=True)
class PricedBundle:
    """A bundle line as the customer put it in the basket, sold by `seller`, and the shares of its parts."""

    seller: ShopPage
    line: PricedLine
    shares: list[PartShare]


def needs_delivery(lines: Iterable[PricedLine]) -> bool:
    """Whether any line is goods to hand over: vouchers and dated services go by e-mail."""
    return any(line.product.kind not in VOUCHER_KINDS for line in lines)


@dataclass(frozen=True)
class PricedItems:
    """One shop's lines of a basket, before a delivery is chosen (the basket page)."""

    shop: ShopPage
    lines: list[PricedLine]
    subtotal: Decimal

    @property
    def needs_delivery(self) -> bool:
        return needs_delivery(self.lines)


@dataclass(frozen=True)
class PricedShop:
    shop: ShopPage
    # None when the shop's lines are all vouchers or services: nothing to deliver, no fee.
    delivery: DeliveryOption | None
    address: str
    lines: list[PricedLine]
    subtotal: Decimal
    delivery_fee: Decimal
    total: Decimal


@dataclass(frozen=True)
class PricedBasket:
    """A priced basket, one entry per shop that sells or provides something: a bundle's parts are lines of their shops."""

    territory_id: int
    shops: list[PricedShop]
    total: Decimal
    bundles: tuple[PricedBundle, ...] = ()

    def quantities_by_key(self) -> dict:
        """Units asked per product translation key (one stock row each): a bundle and its parts' products count once."""
        wanted: dict = {}

        def add(key, quantity):
            wanted[key] = wanted.get(key, 0) + quantity

        for shop in self.shops:
            for line in shop.lines:
                if line.part is None:
                    add(line.product.translation_key, line.quantity)
        for bundle in self.bundles:
            add(bundle.line.product.translation_key, bundle.line.quantity)
            for share in bundle.shares:
                if share.product_key is not None:
                    add(share.product_key, bundle.line.quantity)
        return wanted


def _parent_path(page: Page) -> str:
    return page.path[: -Page.steplen]


def sale_refusal(product: ProductPage, market: MarketPage, today: date | None = None) -> str:
    """Why `product` of `market` cannot be bought today (Paris), for the customer; "" when it can.

    A service or voucher past its validity, and every product of a market
    closed or not yet open (unless it takes pre-orders), are not for sale.
    """
    today = today or timezone.localdate()
    refusal = product.expired_reason(today) or market.sales_closed_reason(today)
    if not refusal and product.kind == ProductKind.BUNDLE:
        refusal = bundles.sale_refusal(product)
    return refusal


def _checked_quantity(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BasketError(_("La quantité doit être un nombre entier."))
    if not 1 <= value <= MAX_QUANTITY:
        raise BasketError(_("La quantité doit être comprise entre 1 et %(max)d.") % {"max": MAX_QUANTITY})
    return value


def check_units_per_product(product: ProductPage, units: int) -> None:
    """Refuse more units of one product than a basket may hold (its stock is held for the basket)."""
    if product.kind in VOUCHER_KINDS:
        return  # nothing is held: vouchers and services have no stock to share
    cap = settings.CHECKOUT_MAX_UNITS_PER_PRODUCT
    if units > cap:
        raise BasketError(
            _("Un panier peut contenir au plus %(max)d « %(product)s ».") % {"max": cap, "product": product.title}
        )


def _checked_options(product: ProductPage, chosen: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(chosen, Mapping):
        raise BasketError(_("Options invalides."))
    offered = {block.value["name"]: list(block.value["values"]) for block in product.options}
    unknown = set(chosen) - set(offered)
    if unknown:
        raise BasketError(_("Option inconnue pour « %(product)s ».") % {"product": product.title})
    result = {}
    for name, values in offered.items():
        value = chosen.get(name)
        if value not in values:
            raise BasketError(
                _("Choisissez « %(option)s » pour « %(product)s ».") % {"option": name, "product": product.title}
            )
        result[name] = value
    return result


def free_amount(product: ProductPage, asked) -> Decimal:
    """The unit price of a free-amount gift voucher at the amount asked, or `BasketError`."""
    try:
        return quantize_eur(free_amount_price(product, asked))
    except BadAmount as error:
        raise BasketError(
            _("« %(product)s » : %(error)s") % {"product": product.title, "error": error}
        ) from error


def gift_details(product: ProductPage, beneficiary, message) -> tuple[str, str]:
    """(beneficiary, message) trimmed for a voucher or a service, ("", "") for another product."""
    if product.kind not in VOUCHER_KINDS:
        return "", ""
    if not isinstance(beneficiary, str) or not isinstance(message, str):
        raise BasketError(_("Bénéficiaire ou message invalide."))
    beneficiary, message = " ".join(beneficiary.split()), message.strip()
    if len(beneficiary) > MAX_BENEFICIARY_LENGTH:
        raise BasketError(
            _("Le nom du bénéficiaire ne doit pas dépasser %(max)d caractères.") % {"max": MAX_BENEFICIARY_LENGTH}
        )
    if len(message) > MAX_MESSAGE_LENGTH:
        raise BasketError(_("Le message ne doit pas dépasser %(max)d caractères.") % {"max": MAX_MESSAGE_LENGTH})
    return beneficiary, message


def _default_locale_products(ids: set[int]) -> dict[int, ProductPage]:
    """Live products by the id asked, each read from its default-locale (French) page.

    A translation copies the price only when it is next synchronized, so an
    English page may hold a stale price: the French page is the price list,
    and its shop is the one that sells. A product whose French page is not
    live is not for sale.
    """
    asked = {p.pk: p for p in ProductPage.objects.live().filter(pk__in=ids)}
    default_locale_id = Locale.get_default().pk
    translated_keys = {p.translation_key for p in asked.values() if p.locale_id != default_locale_id}
    sources = {}
    if translated_keys:
        sources = {
            p.translation_key: p
            for p in ProductPage.objects.live().filter(translation_key__in=translated_keys, locale_id=default_locale_id)
        }
    products = {}
    for pk, product in asked.items():
        source = product if product.locale_id == default_locale_id else sources.get(product.translation_key)
        if source is not None:
            products[pk] = source
    return products


def price_items(territory_id: int, lines: Iterable[BasketLine]) -> list[PricedItems]:
    """Price a basket's lines of one territory, grouped by shop in basket order, or raise `BasketError`.

    Product ids may be of any locale; prices, names and shops come from
    the default-locale pages (see `_default_locale_products`).
    """
    lines = list(lines)
    if not lines:
        raise BasketError(_("Votre panier est vide."))
    if len(lines) > MAX_LINES:
        raise BasketError(_("Votre panier contient trop d'articles."))

    ids = set()
    for line in lines:
        if isinstance(line.product_id, bool) or not isinstance(line.product_id, int):
            raise BasketError(_("Produit inconnu."))
        _checked_quantity(line.quantity)
        ids.add(line.product_id)

    products = _default_locale_products(ids)
    if len(products) != len(ids):
        raise BasketError(_("Un produit de votre panier n'est plus en vente."))

    shops = {s.path: s for s in ShopPage.objects.live().filter(path__in={_parent_path(p) for p in products.values()})}
    markets = {
        m.path: m
        for m in MarketPage.objects.filter(path__in={_parent_path(s) for s in shops.values()}).only(
            "path", "territory_id", "market_opens", "market_closes", "allow_preorders"
        )
    }
    today = timezone.localdate()

    by_shop: dict[int, list[PricedLine]] = {}
    shop_by_id: dict[int, ShopPage] = {}
    for line in lines:
        product = products[line.product_id]
        shop = shops.get(_parent_path(product))
        market = markets.get(_parent_path(shop)) if shop is not None else None
        if market is None or market.territory_id != territory_id:
            raise BasketError(
                _("« %(product)s » ne fait pas partie de ce marché.") % {"product": product.title}
            )
        refusal = sale_refusal(product, market, today)
        if refusal:
            raise BasketError(refusal)
        options = _checked_options(product, line.options)
        amount = ""
        if product.has_free_amount and line.amount not in (None, ""):
            unit_price = free_amount(product, line.amount)
            amount = str(unit_price)
        elif product.has_free_amount:
            unit_price = free_amount(product, product.price)
        else:
            unit_price = quantize_eur(product.price)  # an amount sent for a fixed price is ignored
        beneficiary, message = gift_details(product, line.beneficiary, line.message)
        by_shop.setdefault(shop.pk, []).append(
            PricedLine(
                product=product,
                quantity=line.quantity,
                options=options,
                unit_price=unit_price,
                total=quantize_eur(unit_price * line.quantity),
                amount=amount,
                beneficiary=beneficiary,
                message=message,
            )
        )
        shop_by_id[shop.pk] = shop
    units: dict = {}
    for line in lines:
        product = products[line.product_id]
        units[product.translation_key] = (product, units.get(product.translation_key, (None, 0))[1] + line.quantity)
    for product, count in units.values():
        check_units_per_product(product, count)
    return [
        PricedItems(shop=shop_by_id[shop_id], lines=shop_lines, subtotal=sum((line.total for line in shop_lines), ZERO))
        for shop_id, shop_lines in by_shop.items()
    ]


def price_basket(
    territory_id: int,
    lines: Iterable[BasketLine],
    deliveries: Mapping[int, DeliveryChoice],
    *,
    items: list[PricedItems] | None = None,
    delivery_options: Iterable[DeliveryOption] | None = None,
) -> PricedBasket:
    """Price a basket of one territory, or raise `BasketError`.

    `deliveries` maps each shop's page id (the default-locale shop page) to
    the customer's delivery choice; a shop selling only vouchers and
    services needs none, and a choice given for it is ignored. Products
    must be live, in a live shop of a market of `territory_id`.

    A caller that has just priced these lines in the same request may pass
    what it read, so that nothing is read twice: `items`, what
    `price_items(territory_id, lines)` returned, and `delivery_options`, the
    active options of the basket's shops.
    """
    items, priced_bundles = split_bundles(items if items is not None else price_items(territory_id, lines))
    if delivery_options is None:
        delivery_options = DeliveryOption.objects.filter(page_id__in=[i.shop.pk for i in items], active=True)
    options_by_id = {o.pk: o for o in delivery_options if o.active}
    priced_shops = []
    for item in items:
        shop, shop_id = item.shop, item.shop.pk
        if not item.needs_delivery:
            priced_shops.append(
                PricedShop(shop=shop, delivery=None, address="", lines=item.lines, subtotal=item.subtotal,
                           delivery_fee=ZERO, total=item.subtotal)
            )
            continue
        choice = deliveries.get(shop_id)
        option = options_by_id.get(choice.option_id) if choice is not None else None
        if option is None or option.page_id != shop_id:
            raise BasketError(_("Choisissez un mode de livraison proposé par « %(shop)s ».") % {"shop": shop.title})
        if option.kind in (DeliveryKind.HOME, DeliveryKind.POSTAL) and not shop.takes_delivery_orders():
            raise BasketError(
                _(
                    "« %(shop)s » ne prend plus de commande à livrer ou à envoyer avant Noël "
                    "(dernier jour de commande : %(date)s). Choisissez le retrait en boutique s'il est proposé."
                ) % {"shop": shop.title, "date": long_date(shop.last_delivery_order_date)}
            )
        address = (choice.address or "").strip()
        if option.kind in (DeliveryKind.HOME, DeliveryKind.POSTAL):
            if not address:
                raise BasketError(_("Indiquez l'adresse de livraison pour « %(shop)s ».") % {"shop": shop.title})
            if len(address) > MAX_ADDRESS_LENGTH:
                raise BasketError(_("L'adresse de livraison est trop longue."))
        else:
            address = ""
        fee = quantize_eur(option.fee)
        priced_shops.append(
            PricedShop(
                shop=shop,
                delivery=option,
                address=address,
                lines=item.lines,
                subtotal=item.subtotal,
                delivery_fee=fee,
                total=item.subtotal + fee,
            )
        )

    return PricedBasket(
        territory_id=territory_id,
        shops=priced_shops,
        total=sum((s.total for s in priced_shops), ZERO),
        bundles=tuple(priced_bundles),
    )


def split_bundles(items: list[PricedItems]) -> tuple[list[PricedItems], list[PricedBundle]]:
    """Each shop's lines with every bundle line replaced by its parts, each in the shop that provides it.

    A part is a line of its shop at its share of the unit price; the
    parts of a line add up to the line's total. A participant with nothing
    else in the basket gets an entry of its own, after the others.
    """
    found = [(item, line) for item in items for line in item.lines if line.product.kind == ProductKind.BUNDLE]
    if not found:
        return items, []
    try:
        priced_bundles = [
            PricedBundle(seller=item.shop, line=line, shares=bundles.shares_of(line.product, item.shop.pk, line.unit_price))
            for item, line in found
        ]
    except bundles.BadSplit as error:  # terms the form refuses, published by code
        raise BasketError(_("Ce coffret n'est pas en vente pour le moment.")) from error
    shops = {item.shop.pk: item.shop for item in items}
    participant_ids = {share.shop_id for b in priced_bundles for share in b.shares} - set(shops)
    shops.update({shop.pk: shop for shop in ShopPage.objects.live().filter(pk__in=participant_ids)})
    lines_by_shop = {item.shop.pk: [line for line in item.lines if line.product.kind != ProductKind.BUNDLE]
                     for item in items}
    for index, bundle in enumerate(priced_bundles):
        for share in bundle.shares:
            if share.shop_id not in shops:
                raise BasketError(_("« %(product)s » n'est pas en vente pour le moment.")
                                  % {"product": bundle.line.product.title})
            lines_by_shop.setdefault(share.shop_id, []).append(replace(
                bundle.line, unit_price=share.unit_amount, total=quantize_eur(share.unit_amount * bundle.line.quantity),
                options={}, amount="", part=share, bundle_index=index,
            ))
    split = [
        PricedItems(shop=shops[shop_id], lines=shop_lines, subtotal=sum((line.total for line in shop_lines), ZERO))
        for shop_id, shop_lines in lines_by_shop.items()
        if shop_lines
    ]
    return split, priced_bundles
