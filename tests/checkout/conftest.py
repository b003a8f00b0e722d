"""A small market of two shops for the checkout tests, built with the shared factories."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from checkout.models import TerritoryCommission
from shops.models import DeliveryOption, ProductPage, ShopPage
from tests.fixtures import factories as f


@dataclass
class Market:
    territory: object
    market: object
    atelier: ShopPage  # pick-up (free) and postal (7.90)
    epicerie: ShopPage  # pick-up and home delivery (5.00), inactive postal
    santon: ProductPage  # atelier, 12.50, stock 5
    bonnet: ProductPage  # atelier, 20.00, stock 10, option Taille S/M/L
    miel: ProductPage  # epicerie, 8.30, stock 3
    atelier_visite: ProductPage  # epicerie, service 15.00, unlimited stock

    def option(self, shop, kind, active=True) -> DeliveryOption:
        return shop.delivery_options.get(kind=kind, active=active)


@pytest.fixture
def market(db) -> Market:
    home = f.french_home()
    territory = f.make_territory("Pays de Morlaix")
    TerritoryCommission.objects.create(territory=territory, rate=Decimal("8.00"))
    market = f.make_market(home, territory)
    atelier = f.make_shop(
        market, "Atelier du Bois Flotté", email="atelier@example.org", delivery_options=[f.pickup(), f.postal()]
    )
    epicerie = f.make_shop(
        market,
        "Épicerie Kerjean",
        email="epicerie@example.org",
        delivery_options=[f.pickup(), f.home_delivery(), f.postal(active=False)],
    )
    santon = f.make_product(atelier, "Santon en bois", price="12.50", stock=5)
    bonnet = f.make_product(
        atelier,
        "Bonnet en laine",
        price="20.00",
        stock=10,
        options=[("option", {"name": "Taille", "values": ["S", "M", "L"]})],
    )
    miel = f.make_product(epicerie, "Miel de bruyère", price="8.30", stock=3)
    visite = f.make_product(epicerie, "Visite de la miellerie", price="15.00", kind="service", stock=None)
    return Market(territory, market, atelier, epicerie, santon, bonnet, miel, visite)


@pytest.fixture
def other_market(db):
    """A second territory with one shop and one product."""
    home = f.french_home()
    territory = f.make_territory("Pays de Brest")
    market = f.make_market(home, territory)
    shop = f.make_shop(market, "Boutique de Brest", delivery_options=[f.pickup()])
    product = f.make_product(shop, "Phare miniature", price="9.00", stock=4)
    return shop, product
