"""Deterministic choices for the demo: which shops and products, and their identifiers.

Everything here is a pure function of the content tables and the sizes asked
for. Each shop draws from its own `random.Random` seeded with the territory
and the shop's position, so shop n of Colmar is the same whether 3 or 30
shops are seeded, and a second run plans exactly what the first one built.
"""

import math
import random
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.text import slugify
from stdnum import luhn
from stdnum.eu import vat as eu_vat
from stdnum.fr import siret as fr_siret

from home.demo.content import (
    ARCHETYPES,
    ARCHETYPES_BY_KEY,
    FIRST_NAMES,
    GIFT_VOUCHERS,
    HOME_DELIVERY_FEES,
    OPENING_HOURS,
    OPENING_PERIODS,
    PICKUP_INSTRUCTIONS,
    POSTAL_CARRIERS,
    SHOP_SECOND_PARAGRAPH,
    TOWN_CENTRES,
    Bi,
    BundleSpec,
    OpeningSpec,
    OptionSpec,
    ProductSpec,
    ShopArchetype,
    TerritorySpec,
    Town,
    long_date,
)
from shops.models import DeliveryKind, ProductKind, ShopCategory, VatRate, VatStatus

# Namespace of the demo's StreamField block ids: French and English pages
# share them, which is what lets their strings be paired (see translation.py).
BLOCK_NAMESPACE = uuid.UUID("6f1c1c2e-4d0a-4b8e-9a51-3f6a2f0c7d11")


def block_id(*parts) -> str:
    return str(uuid.uuid5(BLOCK_NAMESPACE, ":".join(str(p) for p in parts)))


# Identifiers -------------------------------------------------------------


def make_siren(rng: random.Random) -> str:
    """Nine digits whose last is the Luhn key, as INSEE numbers them."""
    body = f"{rng.randint(30_000_000, 99_999_999):08d}"
    return body + luhn.calc_check_digit(body)


def make_siret(siren: str, establishment: int = 1) -> str:
    """SIREN + NIC (4 digits + a key making all 14 digits Luhn-valid)."""
    body = f"{siren}{establishment:04d}"
    siret = body + luhn.calc_check_digit(body)
    assert fr_siret.is_valid(siret), siret
    return siret


def vat_number_for(siren: str) -> str:
    """The French intra-community VAT number of a SIREN: FR + key + SIREN.

    key = (12 + 3 × (SIREN mod 97)) mod 97, the formula `stdnum.fr.tva` checks.
    """
    number = f"FR{int(siren + '12') % 97:02d}{siren}"
    assert eu_vat.is_valid(number), number
    return number


# Plans -------------------------------------------------------------------


@dataclass(frozen=True)
class ProductPlan:
    name: Bi
    slug: Bi
    kind: str
    price: Decimal
    vat_rate: str
    valid_until: date | None
    description: Bi
    options: tuple[OptionSpec, ...]
    quantity: int | None  # None: no stock limit
    picture: int  # index into the category's picture pool


@dataclass(frozen=True)
class DeliveryPlan:
    kind: str
    instructions: Bi = Bi("", "")
    area: Bi = Bi("", "")
    postcodes: str = ""  # home delivery: the codes of the area ("delivers to my postcode")
    carrier: str = ""
    fee: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ShopPlan:
    territory: TerritorySpec
    index: int
    name: str
    slug: str
    archetype: ShopArchetype
    town: Town
    street: str
    legal_name: str
    siret: str
    vat_status: str
    vat_number: str
    manager: tuple[str, str]
    phone: str
    email: str
    opening_hours: Bi  # remarks beside the hours by day
    opening_periods: tuple[OpeningSpec, ...]
    description: Bi
    deliveries: tuple[DeliveryPlan, ...]
    products: tuple[ProductPlan, ...]

    @property
    def category(self) -> str:
        return self.archetype.category

    @property
    def initials(self) -> str:
        return initials(self.name)

    @property
    def coordinates(self) -> tuple[Decimal, Decimal]:
        """Where the shop stands: on a spiral around its town's centre, a few hundred metres out, by its index."""
        return coordinates_near(TOWN_CENTRES[self.town.name], self.index)


def coordinates_near(centre: tuple[str, str], n: int) -> tuple[Decimal, Decimal]:
    """The n-th point of a sunflower spiral around `centre`: about 70 m x sqrt(n + 1) away, never two alike."""
    latitude, longitude = (float(value) for value in centre)
    distance = 70 * math.sqrt(n + 1)  # metres
    angle = n * math.pi * (3 - math.sqrt(5))  # the golden angle spreads the points evenly
    north = distance * math.cos(angle) / 111_320
    east = distance * math.sin(angle) / (111_320 * math.cos(math.radians(latitude)))
    place = Decimal("0.000001")
    return Decimal(latitude + north).quantize(place), Decimal(longitude + east).quantize(place)


def initials(name: str, letters: int = 2) -> str:
    """'Fromagerie Le Gall' -> 'FG': first letters of the capitalised words, articles skipped."""
    small = {"Le", "La", "Les", "L", "Au", "Aux", "Du", "De", "Des", "D", "Et"}
    words = [w for w in name.replace("'", " ").split() if w[:1].isupper() and w not in small]
    return "".join(w[0] for w in words[:letters]) or name[:letters].upper()


def plan_shops(territory: TerritorySpec, count: int, products_min: int, products_max: int) -> list[ShopPlan]:
    plans = [_plan_shop(territory, i, products_min, products_max) for i in range(count)]
    slugs = [p.slug for p in plans]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"Two demo shops of {territory.name} share a slug: {sorted(slugs)}")
    return plans


def _shop_identity(territory: TerritorySpec, index: int) -> tuple[str, ShopArchetype, int]:
    if index < len(territory.shops):
        shop = territory.shops[index]
        return shop.name, ARCHETYPES_BY_KEY[shop.archetype], shop.town
    extra = index - len(territory.shops)
    name, archetype = _generated_shops(territory)[extra]
    return name, archetype, extra % len(territory.towns)


def _generated_shops(territory: TerritorySpec) -> list[tuple[str, ShopArchetype]]:
    """Shops past the hand-written ones: "<trade> <local surname>", in a fixed order.

    Archetypes cycle fastest, then surnames; names that would clash with a
    hand-written shop are skipped.
    """
    taken = {slugify(shop.name) for shop in territory.shops}
    shops = []
    for surname in territory.surnames:
        for archetype in ARCHETYPES:
            name = f"{archetype.trade_prefix} {surname}"
            if slugify(name) not in taken:
                taken.add(slugify(name))
                shops.append((name, archetype))
    return shops


def max_shops(territory: TerritorySpec) -> int:
    return len(territory.shops) + len(_generated_shops(territory))


def _plan_shop(territory: TerritorySpec, index: int, products_min: int, products_max: int) -> ShopPlan:
    rng = random.Random(f"seed-demo:{territory.slug}:shop:{index}")
    name, archetype, town_index = _shop_identity(territory, index)
    town = territory.towns[town_index]
    slug = slugify(name)
    first_name = rng.choice(FIRST_NAMES)
    last_name = rng.choice(territory.surnames)
    siren = make_siren(rng)
    franchise = rng.random() < archetype.franchise_share
    if franchise:
        # Micro-entrepreneurs trade under their own name, followed by "EI".
        legal_name = f"{first_name} {last_name} EI"
    else:
        legal_name = f"{rng.choice(('SARL', 'SAS', 'EURL', 'SASU'))} {name}"
    closes = long_date(territory.closes)
    description = Bi(
        "<p>" + archetype.pitch.fr.format(town=town.name) + "</p>",
        "<p>" + archetype.pitch.en.format(town=town.name) + "</p>",
    )
    second = SHOP_SECOND_PARAGRAPH.format(person=f"{first_name} {last_name}", closes=closes)
    description = Bi(description.fr + second.fr, description.en + second.en)
    products = _plan_products(territory, archetype, franchise, index, products_min, products_max)
    sells_goods = any(p.kind == ProductKind.PHYSICAL for p in products)
    return ShopPlan(
        territory=territory,
        index=index,
        name=name,
        slug=slug,
        archetype=archetype,
        town=town,
        street=f"{rng.randint(1, 48)} {rng.choice(town.streets)}",
        legal_name=legal_name,
        siret=make_siret(siren),
        vat_status=VatStatus.FRANCHISE if franchise else VatStatus.REGISTERED,
        vat_number="" if franchise else vat_number_for(siren),
        manager=(first_name, last_name),
        phone=f"{territory.phone_prefix} {rng.randint(10, 99):02d} {rng.randint(10, 99):02d}",
        email=f"contact@{slug}.example",
        opening_hours=OPENING_HOURS[archetype.category],
        opening_periods=OPENING_PERIODS[archetype.category],
        description=description,
        deliveries=_plan_deliveries(rng, territory, archetype, sells_goods),
        products=products,
    )


def _plan_deliveries(rng, territory, archetype, sells_goods) -> tuple[DeliveryPlan, ...]:
    pickup = DeliveryPlan(
        DeliveryKind.PICKUP, instructions=PICKUP_INSTRUCTIONS["goods" if sells_goods else "services"]
    )
    if not (sells_goods and archetype.other_deliveries) or rng.random() < 0.3:
        return (pickup,)
    kind = rng.choice(archetype.other_deliveries)
    if kind == DeliveryKind.HOME:
        # The territory's towns are the area the words describe.
        postcodes = " ".join(sorted({town.postcode for town in territory.towns}))
        other = DeliveryPlan(
            kind, area=territory.delivery_area, postcodes=postcodes, fee=Decimal(rng.choice(HOME_DELIVERY_FEES))
        )
    else:
        carrier, fee = rng.choice(POSTAL_CARRIERS)
        other = DeliveryPlan(kind, carrier=carrier, fee=Decimal(fee))
    return (pickup, other)


def vat_rate_for(spec: ProductSpec, franchise: bool) -> str:
    """A shop under the VAT franchise charges no VAT on anything it sells."""
    return VatRate.NONE if franchise else spec.vat_rate


def _plan_products(territory, archetype, franchise, shop_index, products_min, products_max):
    rng = random.Random(f"seed-demo:{territory.slug}:shop:{shop_index}:products")
    catalogue = [p for p in archetype.products if not p.regions or territory.slug in p.regions]
    wanted = rng.randint(products_min, products_max)
    vouchers = list(GIFT_VOUCHERS[: rng.choice((0, 1, 1, 2))]) if wanted > 1 else []
    chosen_items = sorted(rng.sample(range(len(catalogue)), min(wanted - len(vouchers), len(catalogue))))
    specs = [catalogue[i] for i in chosen_items] + vouchers
    plans = []
    for position, spec in enumerate(specs):
        plans.append(
            ProductPlan(
                name=spec.name,
                slug=Bi(slugify(spec.name.fr), slugify(spec.name.en)),
                kind=spec.kind,
                price=_shop_price(rng, spec),
                vat_rate=vat_rate_for(spec, franchise),
                valid_until=_valid_until(rng, spec.kind),
                description=Bi(f"<p>{spec.description.fr}</p>", f"<p>{spec.description.en}</p>"),
                options=spec.options,
                quantity=_stock(rng, spec.kind),
                picture=position,
            )
        )
    return tuple(plans)


def _shop_price(rng, spec: ProductSpec) -> Decimal:
    """Each shop prices the same item a little differently; vouchers keep their face value."""
    if spec.kind == ProductKind.VOUCHER or spec.price < Decimal("5"):
        return spec.price
    return spec.price + rng.choice((Decimal("-0.50"), Decimal("0.00"), Decimal("0.00"), Decimal("1.00")))


def _valid_until(rng, kind) -> date | None:
    if kind == ProductKind.SERVICE:
        return rng.choice((date(2027, 3, 31), date(2027, 6, 30), date(2027, 12, 31)))
    if kind == ProductKind.VOUCHER:
        return date(2027, 12, 31)
    return None


def _stock(rng, kind) -> int | None:
    if kind != ProductKind.PHYSICAL:
        return None
    draw = rng.random()
    if draw < 0.08:
        return 0
    if draw < 0.2:
        return rng.randint(1, 3)
    return rng.randint(4, 40)


@dataclass(frozen=True)
class BundlePlan:
    """The market's bundle: sold by `seller`, with `participant`'s part at `share_percent` of the price."""

    seller: ShopPlan
    participant: ShopPlan
    name: Bi
    slug: Bi
    price: Decimal
    vat_rate: str  # the seller's own part
    valid_until: date
    description: Bi
    own_part: Bi
    part: Bi
    share_percent: Decimal
    part_vat_rate: str


def plan_bundle(territory: TerritorySpec, shops: list[ShopPlan]) -> BundlePlan | None:
    """The territory's bundle, when both its shops are among `shops` (a small demo may leave one out)."""
    spec: BundleSpec | None = territory.bundle
    planned = {plan.index: plan for plan in shops}
    if spec is None or spec.seller not in planned or spec.participant not in planned:
        return None
    seller, participant = planned[spec.seller], planned[spec.participant]
    return BundlePlan(
        seller=seller,
        participant=participant,
        name=spec.name,
        slug=Bi(slugify(spec.name.fr), slugify(spec.name.en)),
        price=spec.price,
        vat_rate=_shop_vat_rate(spec.own_vat_rate, seller),
        valid_until=spec.valid_until,
        description=Bi(f"<p>{spec.description.fr}</p>", f"<p>{spec.description.en}</p>"),
        own_part=spec.own_part,
        part=spec.part,
        share_percent=spec.share_percent,
        part_vat_rate=_shop_vat_rate(spec.part_vat_rate, participant),
    )


def _shop_vat_rate(rate: str, shop: ShopPlan) -> str:
    """A part is taxed at its shop's rate: none under the VAT franchise."""
    return VatRate.NONE if shop.vat_status == VatStatus.FRANCHISE else rate


@dataclass(frozen=True)
class RegistrationPlan:
    """A merchant who asked to join a territory's market and awaits its editors."""

    trade_name: str
    legal_name: str
    siret: str
    vat_status: str
    vat_number: str
    category: str
    town: Town
    street: str
    contact_name: str
    email: str
    phone: str


def registration_plan(territory: TerritorySpec) -> RegistrationPlan:
    rng = random.Random(f"seed-demo:{territory.slug}:registration")
    surname = territory.surnames[-1]
    trade_name = f"Biscuiterie {surname}"
    siren = make_siren(rng)
    town = territory.towns[0]
    return RegistrationPlan(
        trade_name=trade_name,
        legal_name=f"SAS {trade_name}",
        siret=make_siret(siren),
        vat_status=VatStatus.REGISTERED,
        vat_number=vat_number_for(siren),
        category=ShopCategory.FOOD,
        town=town,
        street=f"{rng.randint(1, 30)} {rng.choice(town.streets)}",
        contact_name=f"{rng.choice(FIRST_NAMES)} {surname}",
        email=f"contact@{slugify(trade_name)}.example",
        phone=f"{territory.phone_prefix} {rng.randint(10, 99):02d} {rng.randint(10, 99):02d}",
    )
