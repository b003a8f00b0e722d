"""The demo's hand-written content, in French and English.

Places, postcodes and streets are real; shops, people, partners' contact
persons and identifiers are invented. E-mail addresses and websites use the
reserved `.example` domain, phone numbers the blocks ARCEP keeps for fiction
(01 99 00…, 02 61 91…, 03 53 01…, 04 65 71…).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple

from markets.models import PartnerContact
from shops.models import DeliveryKind, ProductKind, ShopCategory, VatRate


class Bi(NamedTuple):
    """A text in French and in English."""

    fr: str
    en: str

    def format(self, **values) -> "Bi":
        """Fill placeholders; a `Bi` value gives each language its own text."""
        return Bi(
            self.fr.format(**{k: v.fr if isinstance(v, Bi) else v for k, v in values.items()}),
            self.en.format(**{k: v.en if isinstance(v, Bi) else v for k, v in values.items()}),
        )


@dataclass(frozen=True)
class OptionSpec:
    name: Bi
    values: tuple[Bi, ...]


@dataclass(frozen=True)
class ProductSpec:
    name: Bi
    kind: str
    price: Decimal
    vat_rate: str  # for a VAT-registered shop; see plan.vat_rate_for
    description: Bi
    options: tuple[OptionSpec, ...] = ()
    # Territory slugs where this product makes sense; empty means anywhere.
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class ShopArchetype:
    key: str
    category: str
    trade_prefix: str  # "Fromagerie" in "Fromagerie Kuehn", for generated names
    label: Bi
    pitch: Bi  # first paragraph of the description; {town} is replaced
    other_deliveries: tuple[str, ...]  # besides pickup, which every shop offers
    franchise_share: float  # share of such shops under the VAT franchise
    products: tuple[ProductSpec, ...]


@dataclass(frozen=True)
class Town:
    name: str
    postcode: str
    streets: tuple[str, ...]


# Where each demo town's centre is (latitude, longitude): its shops are spread a few hundred metres around it.
TOWN_CENTRES: dict[str, tuple[str, str]] = {
    "Colmar": ("48.0794", "7.3585"),
    "Eguisheim": ("48.0428", "7.3064"),
    "Kaysersberg Vignoble": ("48.1389", "7.2636"),
    "Turckheim": ("48.0872", "7.2786"),
    "Riquewihr": ("48.1667", "7.2975"),
    "Annecy": ("45.8992", "6.1294"),
    "Talloires-Montmin": ("45.8408", "6.2125"),
    "Sévrier": ("45.8644", "6.1397"),
    "Veyrier-du-Lac": ("45.8836", "6.1753"),
    "Menthon-Saint-Bernard": ("45.8592", "6.1953"),
    "Quimper": ("47.9960", "-4.1024"),
    "Locronan": ("48.0978", "-4.2086"),
    "Ergué-Gabéric": ("47.9969", "-4.0217"),
    "Plomelin": ("47.9333", "-4.1525"),
    "Briec": ("48.1019", "-3.9969"),
}


@dataclass(frozen=True)
class PartnerSpec:
    kind: str
    name: Bi
    person: str
    role: Bi
    email: str
    phone: str
    website: str
    address: str


@dataclass(frozen=True)
class SignatureShop:
    name: str
    archetype: str
    town: int  # index into TerritorySpec.towns


@dataclass(frozen=True)
class BundleSpec:
    """A bundle a signature shop sells with another signature shop's part (see shops.bundles)."""

    seller: int  # index into TerritorySpec.shops
    participant: int  # index into TerritorySpec.shops
    name: Bi
    price: Decimal
    description: Bi
    own_part: Bi  # what the seller provides, for the rest of the price
    part: Bi  # what the participant provides
    share_percent: Decimal  # the participant's share of the price
    # For a VAT-registered shop; see plan.vat_rate_for.
    own_vat_rate: str
    part_vat_rate: str
    valid_until: date


@dataclass(frozen=True)
class TerritorySpec:
    slug: str  # stable key: editor username, page slug lookups
    name: str  # Territory.name
    short_name: str
    page_slug: str
    title: Bi
    tourism_office: Bi
    opens: date
    closes: date
    intro: Bi
    contact_email: str
    phone_prefix: str  # a fiction block: "03 53 01"
    towns: tuple[Town, ...]
    surnames: tuple[str, ...]
    delivery_area: Bi
    partners: tuple[PartnerSpec, ...]
    shops: tuple[SignatureShop, ...]
    bundle: BundleSpec | None = None


def physical(fr, en, price, vat, dfr, den, *, options=(), regions=()):
    return ProductSpec(Bi(fr, en), ProductKind.PHYSICAL, Decimal(price), vat, Bi(dfr, den), options, regions)


def service(fr, en, price, vat, dfr, den, *, regions=()):
    return ProductSpec(Bi(fr, en), ProductKind.SERVICE, Decimal(price), vat, Bi(dfr, den), (), regions)


def option(name: tuple[str, str], *values: tuple[str, str] | str) -> OptionSpec:
    return OptionSpec(Bi(*name), tuple(Bi(v, v) if isinstance(v, str) else Bi(*v) for v in values))


R = VatRate
COLOUR = ("Couleur", "Colour")
SIZE = ("Taille", "Size")
SIZES = ("S", "M", "L", "XL")

GIFT_VOUCHERS = tuple(
    ProductSpec(
        Bi(f"Bon cadeau {amount} €", f"Gift voucher €{amount}"),
        ProductKind.VOUCHER,
        Decimal(amount),
        # A multi-purpose voucher is not taxed when sold, only when spent.
        R.NONE,
        Bi(
            f"Un bon de {amount} € à utiliser dans la boutique, envoyé par e-mail avec un code à présenter.",
            f"A €{amount} voucher to spend in the shop, sent by e-mail with a code to show.",
        ),
    )
    for amount in (20, 50, 100)
)


ARCHETYPES: tuple[ShopArchetype, ...] = (
    ShopArchetype(
        key="fromagerie",
        category=ShopCategory.FOOD,
        trade_prefix="Fromagerie",
        label=Bi("Fromagerie", "Cheese shop"),
        pitch=Bi(
            "Fromagerie de quartier à {town} : fromages fermiers affinés dans notre cave, "
            "plateaux sur commande pour les fêtes.",
            "A neighbourhood cheese shop in {town}: farmhouse cheeses ripened in our cellar, "
            "festive boards made to order.",
        ),
        other_deliveries=(DeliveryKind.HOME,),
        franchise_share=0.2,
        products=(
            physical("Comté AOP 18 mois (250 g)", "Comté PDO aged 18 months (250 g)", "8.90", R.REDUCED,
                     "Fruité, long en bouche, coupé à la commande.", "Fruity with a long finish, cut to order."),
            physical("Plateau de fromages de Noël (6 personnes)", "Christmas cheese board (serves 6)", "42.00",
                     R.REDUCED, "Sept fromages de saison, noix et fruits secs.",
                     "Seven seasonal cheeses with nuts and dried fruit."),
            physical("Beurre de baratte demi-sel (250 g)", "Churned salted butter (250 g)", "4.80", R.REDUCED,
                     "Baratté à l'ancienne par une laiterie voisine.", "Churned the old way by a nearby dairy."),
            physical("Brie de Meaux AOP (300 g)", "Brie de Meaux PDO (300 g)", "7.50", R.REDUCED,
                     "À point pour le réveillon.", "Ripe in time for Christmas Eve."),
            physical("Chèvre frais aux herbes", "Fresh goat's cheese with herbs", "4.20", R.REDUCED,
                     "Ciboulette, ail des ours et poivre.", "Chives, wild garlic and pepper."),
            physical("Coffret découverte 4 fromages", "Discovery box, 4 cheeses", "29.00", R.REDUCED,
                     "Quatre fromages de la région, avec leur fiche de dégustation.",
                     "Four regional cheeses with tasting notes.",
                     options=(option(("Emballage", "Packaging"), ("Papier kraft", "Kraft paper"),
                                     ("Caisse en bois", "Wooden crate")),)),
            physical("Confiture de cerises noires pour fromages", "Black cherry jam for cheese", "6.50", R.REDUCED,
                     "Le compagnon des pâtes pressées.", "Made for hard cheeses."),
            physical("Couteau à fromage en bois de hêtre", "Beech-wood cheese knife", "18.00", R.STANDARD,
                     "Lame inox, manche tourné par un artisan.", "Stainless blade, handle turned by a craftsman."),
            physical("Crème fraîche fermière (50 cl)", "Farmhouse crème fraîche (50 cl)", "5.60", R.REDUCED,
                     "Épaisse et légèrement acidulée.", "Thick and slightly tangy."),
            physical("Munster fermier AOP", "Farmhouse Munster PDO", "9.80", R.REDUCED,
                     "Affiné cinq semaines, croûte lavée.", "Ripened five weeks, washed rind.",
                     regions=("colmar",)),
            physical("Munster au cumin", "Munster with cumin seeds", "10.20", R.REDUCED,
                     "Comme on le sert en vallée de Munster.", "The way it is served in the Munster valley.",
                     regions=("colmar",)),
            physical("Barkas de la vallée (300 g)", "Barkas from the valley (300 g)", "12.50", R.REDUCED,
                     "Pâte pressée des fermes-auberges.", "A pressed cheese from the mountain farms.",
                     regions=("colmar",)),
            physical("Reblochon fermier AOP", "Farmhouse Reblochon PDO", "11.50", R.REDUCED,
                     "Pastille verte, lait cru du jour.", "Green label, raw milk from the same day.",
                     regions=("annecy",)),
            physical("Tomme de Savoie IGP (500 g)", "Tomme de Savoie PGI (500 g)", "10.90", R.REDUCED,
                     "Croûte grise, pâte souple et douce.", "Grey rind, soft and mild.",
                     regions=("annecy",)),
            physical("Beaufort d'été AOP (300 g)", "Summer Beaufort PDO (300 g)", "12.90", R.REDUCED,
                     "Lait d'alpage, affiné dix-huit mois.", "Alpine-pasture milk, aged eighteen months.",
                     regions=("annecy",)),
            physical("Tomme de Bretagne au lait cru", "Raw-milk Breton tomme", "9.40", R.REDUCED,
                     "D'une ferme du pays glazik.", "From a farm in the Glazik country.",
                     regions=("quimper",)),
            physical("Beurre au sel de Guérande (250 g)", "Butter with Guérande salt (250 g)", "4.60", R.REDUCED,
                     "Cristaux de sel dans un beurre de baratte.", "Salt crystals in churned butter.",
                     regions=("quimper",)),
            physical("Fromage affiné au cidre", "Cider-washed cheese", "8.90", R.REDUCED,
                     "Croûte lavée au cidre fermier.", "Rind washed with farmhouse cider.",
                     regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="chocolaterie",
        category=ShopCategory.FOOD,
        trade_prefix="Chocolaterie",
        label=Bi("Chocolaterie", "Chocolate shop"),
        pitch=Bi(
            "Chocolats faits main à {town}, de la fève à la tablette : pralinés, "
            "ganaches et sujets de Noël.",
            "Handmade chocolates in {town}, from bean to bar: pralines, ganaches and Christmas figures.",
        ),
        other_deliveries=(DeliveryKind.POSTAL, DeliveryKind.HOME),
        franchise_share=0.2,
        products=(
            physical("Ballotin de pralinés (250 g)", "Box of pralines (250 g)", "19.50", R.STANDARD,
                     "Amande, noisette et sésame grillé.", "Almond, hazelnut and toasted sesame.",
                     options=(option(("Assortiment", "Assortment"), ("Noir", "Dark"), ("Lait", "Milk"),
                                     ("Mélangé", "Mixed")),)),
            physical("Tablette noir 70 % Équateur", "70% Ecuador dark chocolate bar", "5.90", R.REDUCED,
                     "Notes de fruits rouges.", "Hints of red berries."),
            physical("Tablette lait aux noisettes", "Milk chocolate bar with hazelnuts", "5.50", R.REDUCED,
                     "Noisettes entières torréfiées.", "Whole roasted hazelnuts."),
            physical("Mendiants (150 g)", "Chocolate mendiants (150 g)", "9.80", R.STANDARD,
                     "Palets noirs aux fruits secs.", "Dark discs topped with dried fruit."),
            physical("Truffes à l'ancienne (200 g)", "Traditional truffles (200 g)", "14.90", R.STANDARD,
                     "Roulées à la main dans le cacao.", "Rolled by hand in cocoa."),
            physical("Calendrier de l'Avent en chocolat", "Chocolate Advent calendar", "24.00", R.STANDARD,
                     "Vingt-quatre bouchées, une par jour.", "Twenty-four bites, one a day."),
            physical("Sapin en chocolat à décorer", "Chocolate Christmas tree to decorate", "16.50", R.STANDARD,
                     "Livré avec ses décors en sucre.", "Comes with sugar decorations."),
            physical("Orangettes (200 g)", "Chocolate orange peel (200 g)", "13.50", R.STANDARD,
                     "Écorces confites enrobées de noir.", "Candied peel coated in dark chocolate."),
            physical("Pâte à tartiner noisette (250 g)", "Hazelnut spread (250 g)", "8.40", R.REDUCED,
                     "Sans huile de palme.", "No palm oil."),
            physical("Chocolat chaud à l'ancienne (250 g)", "Old-fashioned hot chocolate (250 g)", "9.90",
                     R.REDUCED, "Copeaux à fondre dans le lait.", "Flakes to melt in milk."),
            service("Atelier « Mon sapin en chocolat » (enfants, 1 h 30)",
                    "“My chocolate tree” workshop (children, 1.5 h)", "35.00", R.STANDARD,
                    "Les enfants moulent et décorent leur sapin.", "Children mould and decorate their own tree."),
            physical("Coffret prestige de Noël", "Christmas prestige box", "45.00", R.STANDARD,
                     "Quarante bonbons de chocolat assortis.", "Forty assorted chocolates."),
        ),
    ),
    ShopArchetype(
        key="cave",
        category=ShopCategory.FOOD,
        trade_prefix="Cave",
        label=Bi("Cave", "Wine and cider shop"),
        pitch=Bi(
            "Caviste indépendant à {town} : vins et boissons de petits producteurs de la région, "
            "conseils pour le repas de fête.",
            "An independent wine shop in {town}: drinks from small local producers and advice "
            "for the festive meal.",
        ),
        other_deliveries=(DeliveryKind.POSTAL, DeliveryKind.HOME),
        franchise_share=0.1,
        products=(
            physical("Coffret dégustation 3 bouteilles", "Tasting box, 3 bottles", "49.00", R.STANDARD,
                     "Trois bouteilles choisies par la maison.", "Three bottles chosen by the shop."),
            physical("Tire-bouchon de sommelier", "Waiter's corkscrew", "24.00", R.STANDARD,
                     "Double levier, manche en bois.", "Double lever, wooden handle."),
            physical("Jus de raisin pétillant (75 cl)", "Sparkling grape juice (75 cl)", "6.50", R.REDUCED,
                     "Sans alcool, pour toute la famille.", "Alcohol-free, for the whole family."),
            physical("Vin chaud maison (1 l)", "Home-made mulled wine (1 l)", "9.90", R.STANDARD,
                     "Cannelle, orange et badiane.", "Cinnamon, orange and star anise."),
            service("Atelier dégustation (2 h)", "Tasting session (2 h)", "35.00", R.STANDARD,
                    "Six vins commentés, fromages et pain.", "Six wines explained, with cheese and bread."),
            physical("Verres à dégustation (lot de 2)", "Tasting glasses (set of 2)", "16.00", R.STANDARD,
                     "Verre fin, passe au lave-vaisselle.", "Thin glass, dishwasher safe."),
            physical("Panier apéritif", "Aperitif basket", "39.00", R.STANDARD,
                     "Une bouteille, des biscuits salés et une terrine.", "A bottle, savoury biscuits and a terrine."),
            physical("Riesling grand cru (75 cl)", "Riesling grand cru (75 cl)", "21.50", R.STANDARD,
                     "Sec et minéral.", "Dry and mineral.", regions=("colmar",)),
            physical("Gewurztraminer vendanges tardives (50 cl)", "Late-harvest Gewurztraminer (50 cl)", "32.00",
                     R.STANDARD, "Pour le foie gras.", "Made for foie gras.", regions=("colmar",)),
            physical("Crémant d'Alsace brut (75 cl)", "Crémant d'Alsace brut (75 cl)", "12.90", R.STANDARD,
                     "Bulles fines, méthode traditionnelle.", "Fine bubbles, traditional method.",
                     regions=("colmar",)),
            physical("Pinot noir d'Alsace (75 cl)", "Alsace Pinot noir (75 cl)", "14.50", R.STANDARD,
                     "Fruits rouges et légèreté.", "Light, with red fruit.", regions=("colmar",)),
            physical("Eau-de-vie de mirabelle (35 cl)", "Mirabelle plum brandy (35 cl)", "28.00", R.STANDARD,
                     "Distillée au village.", "Distilled in the village.", regions=("colmar",)),
            physical("Apremont (75 cl)", "Apremont (75 cl)", "9.80", R.STANDARD,
                     "Blanc de Savoie vif, pour la fondue.", "A crisp Savoy white for fondue.",
                     regions=("annecy",)),
            physical("Mondeuse (75 cl)", "Mondeuse (75 cl)", "12.50", R.STANDARD,
                     "Rouge poivré des coteaux savoyards.", "A peppery red from the Savoy slopes.",
                     regions=("annecy",)),
            physical("Chignin-Bergeron (75 cl)", "Chignin-Bergeron (75 cl)", "18.90", R.STANDARD,
                     "Roussanne ample et florale.", "A rich, floral Roussanne.", regions=("annecy",)),
            physical("Crémant de Savoie (75 cl)", "Crémant de Savoie (75 cl)", "13.50", R.STANDARD,
                     "Pour l'apéritif du réveillon.", "For the Christmas Eve aperitif.", regions=("annecy",)),
            physical("Génépi (50 cl)", "Génépi liqueur (50 cl)", "27.00", R.STANDARD,
                     "Liqueur de plantes des alpages.", "An alpine herb liqueur.", regions=("annecy",)),
            physical("Cidre brut fermier (75 cl)", "Farmhouse dry cider (75 cl)", "5.80", R.STANDARD,
                     "Pommes du verger, fermentation lente.", "Orchard apples, slow fermentation.",
                     regions=("quimper",)),
            physical("Chouchen (75 cl)", "Chouchen mead (75 cl)", "14.90", R.STANDARD,
                     "Hydromel breton au miel de sarrasin.", "Breton mead made with buckwheat honey.",
                     regions=("quimper",)),
            physical("Pommeau de Bretagne (75 cl)", "Pommeau de Bretagne (75 cl)", "17.50", R.STANDARD,
                     "Moût de pommes et eau-de-vie de cidre.", "Apple must and cider brandy.",
                     regions=("quimper",)),
            physical("Lambig (50 cl)", "Lambig cider brandy (50 cl)", "34.00", R.STANDARD,
                     "Eau-de-vie de cidre vieillie en fût.", "Cask-aged cider brandy.", regions=("quimper",)),
            physical("Bière de Noël bretonne (75 cl)", "Breton Christmas ale (75 cl)", "6.90", R.STANDARD,
                     "Ambrée, épicée, brassée à Quimper.", "Amber and spiced, brewed in Quimper.",
                     regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="biscuiterie",
        category=ShopCategory.FOOD,
        trade_prefix="Biscuiterie",
        label=Bi("Biscuiterie", "Biscuit bakery"),
        pitch=Bi(
            "Biscuits et douceurs de Noël cuits chaque matin à {town}, selon les recettes de famille.",
            "Christmas biscuits and treats baked every morning in {town}, from family recipes.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.3,
        products=(
            physical("Pain d'épices au miel (400 g)", "Honey gingerbread (400 g)", "7.90", R.REDUCED,
                     "Miel de la région et épices douces.", "Local honey and mild spices."),
            physical("Boîte métal de biscuits de Noël", "Tin of Christmas biscuits", "14.50", R.REDUCED,
                     "Une boîte à garder, des biscuits à partager.", "A tin to keep, biscuits to share."),
            physical("Sablés à la cannelle (200 g)", "Cinnamon shortbread (200 g)", "5.80", R.REDUCED,
                     "Pur beurre.", "All butter."),
            physical("Caramels au beurre salé (150 g)", "Salted-butter caramels (150 g)", "7.20", R.STANDARD,
                     "Cuits au chaudron de cuivre.", "Cooked in a copper pan."),
            physical("Nougat aux amandes (200 g)", "Almond nougat (200 g)", "8.90", R.STANDARD,
                     "Tendre, au miel de lavande.", "Soft, made with lavender honey."),
            physical("Confiture de Noël (pomme, cannelle, orange)", "Christmas jam (apple, cinnamon, orange)",
                     "6.20", R.REDUCED, "Cuite en petites bassines.", "Cooked in small batches."),
            physical("Miel de sapin (250 g)", "Fir honey (250 g)", "9.50", R.REDUCED,
                     "Miel de miellat, sombre et boisé.", "Dark, woody honeydew honey."),
            physical("Coffret gourmand", "Gourmet gift box", "34.00", R.REDUCED,
                     "Biscuits, confiture et pain d'épices.", "Biscuits, jam and gingerbread.",
                     options=(option(("Taille", "Size"), ("Petit", "Small"), ("Grand", "Large")),)),
            service("Atelier biscuits de Noël (enfants, 2 h)", "Christmas biscuit workshop (children, 2 h)",
                    "25.00", R.STANDARD, "Pâte, emporte-pièces et glaçage.", "Dough, cutters and icing."),
            physical("Bredele assortis (300 g)", "Assorted bredele biscuits (300 g)", "11.50", R.REDUCED,
                     "Butterbredele, spritz, étoiles à la cannelle.", "Butter bredele, spritz, cinnamon stars.",
                     regions=("colmar",)),
            physical("Kougelhopf (6 personnes)", "Kougelhopf (serves 6)", "12.00", R.REDUCED,
                     "Brioche aux raisins et amandes.", "Brioche with raisins and almonds.", regions=("colmar",)),
            physical("Mannele de Saint-Nicolas", "Saint Nicholas brioche man", "3.20", R.REDUCED,
                     "Petit bonhomme en brioche du 6 décembre.", "The little brioche man of 6 December.",
                     regions=("colmar",)),
            physical("Gâteau de Savoie", "Savoy sponge cake", "9.50", R.REDUCED,
                     "Léger comme un nuage.", "Light as a cloud.", regions=("annecy",)),
            physical("Croquants aux noix (200 g)", "Walnut crunchies (200 g)", "6.80", R.REDUCED,
                     "Noix de la vallée, croquant garanti.", "Walnuts from the valley, guaranteed crunch.",
                     regions=("annecy",)),
            physical("Tarte aux myrtilles (6 personnes)", "Blueberry tart (serves 6)", "18.00", R.REDUCED,
                     "Myrtilles des alpages.", "Mountain blueberries.", regions=("annecy",)),
            physical("Kouign-amann (4 personnes)", "Kouign-amann (serves 4)", "14.00", R.REDUCED,
                     "Beurre, sucre et patience.", "Butter, sugar and patience.", regions=("quimper",)),
            physical("Galettes pur beurre (boîte de 20)", "All-butter galettes (tin of 20)", "7.40", R.REDUCED,
                     "Le biscuit breton par excellence.", "The Breton biscuit.", regions=("quimper",)),
            physical("Far breton aux pruneaux", "Breton far with prunes", "12.00", R.REDUCED,
                     "Cuit au four à bois.", "Baked in a wood-fired oven.", regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="librairie",
        category=ShopCategory.SHOP,
        trade_prefix="Librairie",
        label=Bi("Librairie", "Bookshop"),
        pitch=Bi(
            "Librairie indépendante à {town} : romans, jeunesse, beaux livres et auteurs de la région, "
            "avec un conseil pour chaque lecteur.",
            "An independent bookshop in {town}: novels, children's books, gift books and local authors, "
            "with advice for every reader.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.2,
        products=(
            physical("Beau livre « Noëls d'autrefois »", "Gift book “Christmases of Old”", "35.00", R.REDUCED,
                     "Traditions et images des fêtes d'antan.", "Traditions and pictures of past Christmases."),
            physical("Album jeunesse « La nuit de Saint-Nicolas »", "Picture book “Saint Nicholas' Night”",
                     "14.90", R.REDUCED, "À lire dès 4 ans.", "For ages 4 and up."),
            physical("Polar régional « Meurtre au marché de Noël »",
                     "Local crime novel “Murder at the Christmas Market”", "9.50", R.REDUCED,
                     "Format poche.", "Paperback."),
            physical("Guide de randonnées d'hiver", "Winter walking guide", "19.90", R.REDUCED,
                     "Trente itinéraires autour de chez nous.", "Thirty routes close to home."),
            physical("Livre de recettes de Noël", "Christmas recipe book", "24.90", R.REDUCED,
                     "Des bredele aux bûches.", "From biscuits to Yule logs."),
            physical("Bande dessinée « Le sapin perdu »", "Comic book “The Lost Fir Tree”", "15.50", R.REDUCED,
                     "Une aventure dans la forêt enneigée.", "An adventure in the snowy forest."),
            physical("Carnet de notes illustré", "Illustrated notebook", "12.00", R.STANDARD,
                     "Papier recyclé, couverture en toile.", "Recycled paper, cloth cover."),
            physical("Calendrier illustré 2027", "Illustrated 2027 calendar", "16.00", R.STANDARD,
                     "Douze aquarelles d'un artiste local.", "Twelve watercolours by a local artist."),
            physical("Jeu de société coopératif", "Cooperative board game", "29.90", R.STANDARD,
                     "De 2 à 5 joueurs, dès 7 ans.", "2 to 5 players, ages 7 and up."),
            physical("Marque-pages en bois (lot de 3)", "Wooden bookmarks (set of 3)", "9.00", R.STANDARD,
                     "Gravés au laser.", "Laser-engraved."),
            service("Heure du conte de Noël (enfants, 45 min)", "Christmas story hour (children, 45 min)", "8.00",
                    R.REDUCED, "Lecture à voix haute et chocolat chaud.", "Stories read aloud, and hot chocolate."),
            physical("Puzzle « Village sous la neige » (1000 pièces)", "Puzzle “Village in the Snow” (1,000 pieces)",
                     "22.00", R.STANDARD, "Pour les longues soirées.", "For long evenings."),
        ),
    ),
    ShopArchetype(
        key="textile",
        category=ShopCategory.SHOP,
        trade_prefix="Maison",
        label=Bi("Boutique de vêtements et linge", "Clothing and linen shop"),
        pitch=Bi(
            "Vêtements chauds et linge de maison choisis chez des fabricants français, à {town}.",
            "Warm clothes and household linen from French makers, in {town}.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.3,
        products=(
            physical("Bonnet en laine mérinos", "Merino wool beanie", "29.00", R.STANDARD,
                     "Doux, ne gratte pas.", "Soft and itch-free.",
                     options=(option(COLOUR, ("Rouge", "Red"), ("Bleu marine", "Navy blue"),
                                     ("Gris chiné", "Heather grey")),)),
            physical("Écharpe tricotée", "Knitted scarf", "39.00", R.STANDARD,
                     "Tricotée en France.", "Knitted in France.",
                     options=(option(COLOUR, ("Rouge", "Red"), ("Vert sapin", "Fir green"), ("Écru", "Ecru")),)),
            physical("Chaussettes de Noël", "Christmas socks", "12.00", R.STANDARD,
                     "Coton peigné, motifs de flocons.", "Combed cotton with a snowflake pattern.",
                     options=(option(("Pointure", "Shoe size"), "36-38", "39-41", "42-45"),)),
            physical("Gants en laine", "Wool gloves", "24.00", R.STANDARD,
                     "Doublés polaire.", "Fleece-lined.", options=(option(SIZE, "S", "M", "L"),)),
            physical("Tote bag brodé", "Embroidered tote bag", "18.00", R.STANDARD,
                     "Coton épais, broderie de la ville.", "Heavy cotton, embroidered with the town."),
            physical("Pyjama en flanelle", "Flannel pyjamas", "49.00", R.STANDARD,
                     "Carreaux rouges et verts.", "Red and green check.", options=(option(SIZE, *SIZES),)),
            physical("Plaid en laine", "Wool throw", "79.00", R.STANDARD,
                     "Laine des Pyrénées, 130 × 170 cm.", "Pyrenean wool, 130 × 170 cm."),
            physical("Tablier de cuisine en lin", "Linen kitchen apron", "26.00", R.STANDARD,
                     "Poche ventrale, liens longs.", "Front pocket, long ties."),
            physical("Mitaines tricotées", "Knitted fingerless mittens", "19.00", R.STANDARD,
                     "Pour écrire ses cartes de vœux au chaud.", "To write greeting cards with warm hands."),
            physical("Nappe en kelsch", "Kelsch tablecloth", "65.00", R.STANDARD,
                     "Le tissu alsacien à carreaux, 150 × 250 cm.", "The checked Alsatian fabric, 150 × 250 cm.",
                     regions=("colmar",)),
            physical("Torchons en kelsch (lot de 2)", "Kelsch tea towels (set of 2)", "22.00", R.STANDARD,
                     "Lin et coton tissés dans les Vosges.", "Linen and cotton woven in the Vosges.",
                     regions=("colmar",)),
            physical("Coussin brodé cigogne", "Stork-embroidered cushion", "34.00", R.STANDARD,
                     "Housse amovible, 40 × 40 cm.", "Removable cover, 40 × 40 cm.", regions=("colmar",)),
            physical("Pull jacquard", "Jacquard jumper", "89.00", R.STANDARD,
                     "Motif montagne, laine d'agneau.", "Mountain pattern, lambswool.",
                     options=(option(SIZE, *SIZES),), regions=("annecy",)),
            physical("Chaussons en feutre", "Felt slippers", "42.00", R.STANDARD,
                     "Feutre de laine, semelle cuir.", "Wool felt, leather soles.",
                     options=(option(("Pointure", "Shoe size"), "36", "38", "40", "42", "44"),),
                     regions=("annecy",)),
            physical("Veste polaire brodée", "Embroidered fleece jacket", "59.00", R.STANDARD,
                     "Brodée « Lac d'Annecy ».", "Embroidered “Lac d'Annecy”.",
                     options=(option(SIZE, *SIZES),), regions=("annecy",)),
            physical("Marinière en coton", "Cotton Breton striped top", "55.00", R.STANDARD,
                     "Coton épais, rayures marine.", "Heavy cotton, navy stripes.",
                     options=(option(SIZE, "XS", *SIZES),), regions=("quimper",)),
            physical("Ciré jaune", "Yellow oilskin", "89.00", R.STANDARD,
                     "Le vrai, coupé pour la pluie bretonne.", "The real thing, cut for Breton rain.",
                     options=(option(SIZE, *SIZES),), regions=("quimper",)),
            physical("Vareuse de marin", "Fisherman's smock", "69.00", R.STANDARD,
                     "Toile de coton, trois boutons.", "Cotton canvas, three buttons.",
                     options=(option(SIZE, *SIZES),), regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="poterie",
        category=ShopCategory.ARTISAN,
        trade_prefix="Poterie",
        label=Bi("Atelier de poterie", "Pottery studio"),
        pitch=Bi(
            "Atelier-boutique de céramique à {town} : pièces tournées et émaillées à la main, "
            "cuites dans notre four.",
            "A ceramics studio and shop in {town}: pieces thrown and glazed by hand, fired in our own kiln.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.6,
        products=(
            physical("Bol à café", "Coffee bowl", "22.00", R.STANDARD, "Grès émaillé, 35 cl.",
                     "Glazed stoneware, 35 cl.",
                     options=(option(COLOUR, ("Bleu", "Blue"), ("Vert d'eau", "Sea green"), ("Miel", "Honey")),)),
            physical("Tasse et soucoupe", "Cup and saucer", "28.00", R.STANDARD, "Pour le thé de l'après-midi.",
                     "For afternoon tea."),
            physical("Assiette plate", "Dinner plate", "26.00", R.STANDARD, "27 cm, passe au four.",
                     "27 cm, oven-safe."),
            physical("Vase soliflore", "Bud vase", "32.00", R.STANDARD, "Pour une branche de houx.",
                     "For a sprig of holly."),
            physical("Photophore étoilé", "Star-cut candle holder", "35.00", R.STANDARD,
                     "Des étoiles découpées laissent passer la lumière.", "Cut-out stars let the light through."),
            physical("Boule de Noël en céramique", "Ceramic Christmas bauble", "14.00", R.STANDARD,
                     "Chaque boule est unique.", "Every bauble is unique.",
                     options=(option(COLOUR, ("Blanc", "White"), ("Rouge", "Red"), ("Or", "Gold")),)),
            physical("Beurrier", "Butter dish", "38.00", R.STANDARD, "Couvercle ajusté à la main.",
                     "Hand-fitted lid."),
            physical("Plat à four", "Baking dish", "48.00", R.STANDARD, "Pour six personnes.", "Serves six."),
            service("Initiation au tour (2 h)", "Pottery wheel taster (2 h)", "55.00", R.STANDARD,
                    "Vous repartez avec deux pièces cuites.", "You take home two fired pieces."),
            physical("Moule à kougelhopf en terre cuite", "Earthenware kougelhopf mould", "39.00", R.STANDARD,
                     "Vernissé à l'intérieur.", "Glazed inside.", regions=("colmar",)),
            physical("Terrine à baeckeoffe", "Baeckeoffe casserole", "65.00", R.STANDARD,
                     "Pour le plat mijoté du dimanche.", "For the Sunday stew.", regions=("colmar",)),
            physical("Pot à épices décor cigogne", "Spice jar with stork design", "19.00", R.STANDARD,
                     "Bouchon en liège.", "Cork stopper.", regions=("colmar",)),
            physical("Caquelon à fondue", "Fondue pot", "69.00", R.STANDARD,
                     "Grès réfractaire, six fourchettes.", "Flameproof stoneware, six forks.", regions=("annecy",)),
            physical("Pichet « Lac »", "“Lake” jug", "36.00", R.STANDARD,
                     "Émail bleu profond.", "Deep blue glaze.", regions=("annecy",)),
            physical("Plat à tartiflette", "Tartiflette dish", "45.00", R.STANDARD,
                     "Pour quatre gourmands.", "For four hearty eaters.", regions=("annecy",)),
            physical("Bol à oreilles peint à la main", "Hand-painted eared bowl", "24.00", R.STANDARD,
                     "Le bol breton traditionnel.", "The traditional Breton bowl.", regions=("quimper",)),
            physical("Assiette décor breton", "Plate with Breton design", "42.00", R.STANDARD,
                     "Peinte au pinceau, pièce unique.", "Brush-painted, one of a kind.", regions=("quimper",)),
            physical("Pichet à cidre", "Cider jug", "34.00", R.STANDARD,
                     "Et ses deux bolées.", "With two cider cups.", regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="bois",
        category=ShopCategory.ARTISAN,
        trade_prefix="Atelier bois",
        label=Bi("Atelier du bois", "Woodworking shop"),
        pitch=Bi(
            "Jouets et objets en bois massif fabriqués à {town}, avec des essences de nos forêts.",
            "Toys and objects in solid wood made in {town}, from trees of our own forests.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.6,
        products=(
            physical("Toupie en hêtre", "Beech spinning top", "9.00", R.STANDARD, "Tournée et cirée.",
                     "Turned and waxed."),
            physical("Train en bois (4 wagons)", "Wooden train (4 carriages)", "49.00", R.STANDARD,
                     "Peinture à l'eau, dès 2 ans.", "Water-based paint, ages 2 and up."),
            physical("Planche à découper en noyer", "Walnut chopping board", "45.00", R.STANDARD,
                     "Huilée, avec rigole.", "Oiled, with a juice groove."),
            physical("Étoiles en bois à suspendre (lot de 3)", "Hanging wooden stars (set of 3)", "15.00",
                     R.STANDARD, "Pour le sapin ou la fenêtre.", "For the tree or the window."),
            physical("Crèche en bois (8 personnages)", "Wooden nativity set (8 figures)", "89.00", R.STANDARD,
                     "Sculptée et peinte à la main.", "Carved and painted by hand."),
            physical("Spatules en hêtre (lot de 3)", "Beech spatulas (set of 3)", "18.00", R.STANDARD,
                     "Pour la cuisine de tous les jours.", "For everyday cooking."),
            physical("Boîte à bijoux marquetée", "Marquetry jewellery box", "75.00", R.STANDARD,
                     "Marqueterie de bois clairs et foncés.", "Light and dark wood inlay."),
            physical("Cheval à bascule", "Rocking horse", "190.00", R.STANDARD,
                     "Frêne massif, assise en cuir.", "Solid ash, leather seat."),
            service("Stage de sculpture sur bois (1 journée)", "Wood-carving course (1 day)", "90.00",
                    R.STANDARD, "Outils et bois fournis.", "Tools and wood provided."),
            physical("Jeu de quilles en bois", "Wooden skittles set", "32.00", R.STANDARD,
                     "Neuf quilles et deux boules.", "Nine skittles and two balls."),
            physical("Moule à springerle en poirier", "Pear-wood springerle mould", "38.00", R.STANDARD,
                     "Pour les biscuits anisés de Noël.", "For Christmas aniseed biscuits.", regions=("colmar",)),
            physical("Cigogne articulée", "Jointed wooden stork", "29.00", R.STANDARD,
                     "Le jouet qui claque du bec.", "The toy that clacks its beak.", regions=("colmar",)),
            physical("Skis miniatures décoratifs", "Decorative miniature skis", "24.00", R.STANDARD,
                     "À accrocher au mur du chalet.", "To hang in the chalet.", regions=("annecy",)),
            physical("Sabots savoyards", "Savoy clogs", "55.00", R.STANDARD, "Creusés dans le bouleau.",
                     "Hollowed out of birch.",
                     options=(option(("Pointure", "Shoe size"), "36", "38", "40", "42", "44"),),
                     regions=("annecy",)),
            physical("Maquette de bateau de pêche", "Fishing boat model", "85.00", R.STANDARD,
                     "Un dundee de Concarneau au 1/50.", "A Concarneau dundee at 1:50.", regions=("quimper",)),
            physical("Boîte à sardines en bois", "Wooden sardine box", "21.00", R.STANDARD,
                     "Pour ranger les petits trésors.", "For little treasures.", regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="bijoux",
        category=ShopCategory.ARTISAN,
        trade_prefix="Bijoux",
        label=Bi("Bijouterie artisanale", "Jewellery workshop"),
        pitch=Bi(
            "Bijoux en argent et en or recyclés, dessinés et façonnés dans notre atelier de {town}.",
            "Jewellery in recycled silver and gold, designed and made in our {town} workshop.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.5,
        products=(
            physical("Bague en argent martelé", "Hammered silver ring", "65.00", R.STANDARD,
                     "Argent 925 recyclé.", "Recycled sterling silver.",
                     options=(option(("Taille de doigt", "Ring size"), "50", "52", "54", "56", "58"),)),
            physical("Boucles d'oreilles flocon", "Snowflake earrings", "45.00", R.STANDARD,
                     "Découpées à la scie de bijoutier.", "Cut with a jeweller's saw."),
            physical("Collier étoile", "Star necklace", "59.00", R.STANDARD, "Chaîne de 42 cm.", "42 cm chain."),
            physical("Bracelet jonc", "Bangle", "72.00", R.STANDARD, "Forgé à la main.", "Hand-forged.",
                     options=(option(SIZE, "S", "M", "L"),)),
            physical("Pendentif gravé", "Engraved pendant", "49.00", R.STANDARD,
                     "Gravure d'une initiale au choix en boutique.", "An initial of your choice engraved in the shop."),
            physical("Broche sapin émaillée", "Enamel fir-tree brooch", "35.00", R.STANDARD,
                     "Émail vert cuit au four.", "Kiln-fired green enamel."),
            physical("Boutons de manchette", "Cufflinks", "55.00", R.STANDARD, "Argent brossé.",
                     "Brushed silver."),
            service("Atelier création de bague (3 h)", "Make your own ring (3 h)", "120.00", R.STANDARD,
                    "Vous repartez avec votre bague.", "You leave wearing your ring."),
            physical("Porte-clés en laiton", "Brass key ring", "19.00", R.STANDARD, "Patiné à la main.",
                     "Hand-patinated."),
            physical("Pochette à bijoux en lin", "Linen jewellery pouch", "22.00", R.STANDARD,
                     "Pour voyager avec ses bijoux.", "To travel with your jewellery."),
            physical("Bague en or recyclé", "Recycled gold ring", "290.00", R.STANDARD, "Or 750 recyclé.",
                     "Recycled 18-carat gold.",
                     options=(option(("Taille de doigt", "Ring size"), "50", "52", "54", "56", "58"),)),
            physical("Boucles d'oreilles cigogne", "Stork earrings", "48.00", R.STANDARD,
                     "La cigogne d'Alsace, en argent.", "The Alsace stork, in silver.", regions=("colmar",)),
            physical("Collier edelweiss", "Edelweiss necklace", "52.00", R.STANDARD,
                     "La fleur des alpages.", "The alpine flower.", regions=("annecy",)),
            physical("Pendentif triskell", "Triskelion pendant", "48.00", R.STANDARD,
                     "Le symbole breton, en argent.", "The Breton symbol, in silver.", regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="salon_de_the",
        category=ShopCategory.RESTAURANT,
        trade_prefix="Salon de thé",
        label=Bi("Salon de thé", "Tea room"),
        pitch=Bi(
            "Salon de thé à {town} : pâtisseries maison, thés choisis et chocolat chaud épais, "
            "sur place ou à emporter.",
            "A tea room in {town}: home-made pastries, fine teas and thick hot chocolate, "
            "to stay or to take away.",
        ),
        other_deliveries=(DeliveryKind.HOME,),
        franchise_share=0.2,
        products=(
            physical("Thé de Noël en vrac (100 g)", "Loose-leaf Christmas tea (100 g)", "8.50", R.REDUCED,
                     "Thé noir, orange et épices.", "Black tea with orange and spices."),
            physical("Coffret 3 thés", "Box of 3 teas", "24.00", R.REDUCED, "Noir, vert et rooibos.",
                     "Black, green and rooibos."),
            physical("Théière en fonte", "Cast-iron teapot", "45.00", R.STANDARD, "80 cl, avec filtre.",
                     "80 cl, with strainer.",
                     options=(option(COLOUR, ("Noir", "Black"), ("Rouge", "Red")),)),
            physical("Bûche de Noël (6 personnes)", "Yule log (serves 6)", "32.00", R.REDUCED,
                     "Chocolat et marrons, à retirer le 24.", "Chocolate and chestnut, to collect on the 24th.",
                     options=(option(("Parfum", "Flavour"), ("Chocolat-marron", "Chocolate-chestnut"),
                                     ("Vanille-framboise", "Vanilla-raspberry")),)),
            physical("Tarte du jour entière", "Whole tart of the day", "22.00", R.REDUCED,
                     "Pour huit personnes.", "Serves eight."),
            service("Goûter pour deux", "Afternoon tea for two", "19.00", R.INTERMEDIATE,
                    "Deux boissons chaudes et deux pâtisseries, sur place.",
                    "Two hot drinks and two pastries, served in the tea room."),
            service("Brunch de Noël pour deux", "Christmas brunch for two", "48.00", R.INTERMEDIATE,
                    "Le dimanche, sur réservation.", "On Sundays, booking required."),
            physical("Confiture maison", "Home-made jam", "6.00", R.REDUCED, "Fruits de saison.",
                     "Seasonal fruit."),
            physical("Tasse en porcelaine", "Porcelain cup", "14.00", R.STANDARD, "La tasse du salon.",
                     "The tea room's own cup."),
            physical("Sachet de biscuits maison", "Bag of home-made biscuits", "6.50", R.REDUCED,
                     "Sablés et macarons.", "Shortbread and macaroons."),
            physical("Sirop d'épices de Noël (50 cl)", "Christmas spice syrup (50 cl)", "9.00", R.REDUCED,
                     "Pour le lait chaud ou le vin chaud.", "For hot milk or mulled wine."),
            physical("Chocolat chaud épais à emporter (1 l)", "Thick hot chocolate to take away (1 l)", "11.00",
                     R.INTERMEDIATE, "À réchauffer doucement.", "Warm it gently."),
        ),
    ),
    ShopArchetype(
        key="restaurant",
        category=ShopCategory.RESTAURANT,
        trade_prefix="Restaurant",
        label=Bi("Restaurant", "Restaurant"),
        pitch=Bi(
            "Cuisine de saison et recettes du pays à {town}, à table ou à emporter pour les fêtes.",
            "Seasonal cooking and local recipes in {town}, at the table or to take home for the holidays.",
        ),
        other_deliveries=(DeliveryKind.HOME,),
        franchise_share=0.1,
        products=(
            service("Repas de Noël pour deux", "Christmas meal for two", "78.00", R.INTERMEDIATE,
                    "Menu de fête en trois plats, hors boissons.", "A three-course festive menu, drinks extra."),
            physical("Menu de fête à emporter (2 personnes)", "Festive takeaway menu (for 2)", "58.00",
                     R.INTERMEDIATE, "Entrée, plat et dessert, à réchauffer.", "Starter, main and dessert to reheat."),
            physical("Foie gras maison (180 g)", "Home-made foie gras (180 g)", "29.00", R.REDUCED,
                     "Mi-cuit, en bocal.", "Lightly cooked, in a jar."),
            physical("Terrine de gibier", "Game terrine", "12.50", R.REDUCED, "Chevreuil et noisettes.",
                     "Venison and hazelnuts."),
            physical("Vin chaud de la maison (1 l)", "House mulled wine (1 l)", "9.00", R.STANDARD,
                     "À servir bien chaud.", "Serve piping hot."),
            physical("Tablier du chef", "Chef's apron", "25.00", R.STANDARD, "Brodé au nom de la maison.",
                     "Embroidered with the restaurant's name."),
            service("Déjeuner du dimanche pour deux", "Sunday lunch for two", "64.00", R.INTERMEDIATE,
                    "Valable le dimanche midi.", "Valid for Sunday lunch."),
            physical("Pâté en croûte (6 personnes)", "Pâté en croûte (serves 6)", "32.00", R.REDUCED,
                     "Volaille et pistaches.", "Poultry and pistachio."),
            physical("Coffret d'épices du chef", "Chef's spice box", "15.00", R.REDUCED,
                     "Les mélanges de la cuisine.", "The kitchen's own blends."),
            physical("Choucroute garnie à emporter (2 personnes)", "Choucroute garnie to take away (for 2)",
                     "34.00", R.INTERMEDIATE, "Six garnitures, pommes vapeur.", "Six meats, steamed potatoes.",
                     regions=("colmar",)),
            physical("Baeckeoffe (4 personnes)", "Baeckeoffe (serves 4)", "56.00", R.INTERMEDIATE,
                     "Trois viandes marinées au riesling.", "Three meats marinated in Riesling.",
                     regions=("colmar",)),
            physical("Tarte flambée à emporter", "Tarte flambée to take away", "11.50", R.INTERMEDIATE,
                     "Crème, oignons, lardons.", "Cream, onions, bacon.", regions=("colmar",)),
            physical("Kit fondue savoyarde (2 personnes)", "Savoy fondue kit (for 2)", "36.00", R.REDUCED,
                     "Trois fromages râpés et le pain.", "Three grated cheeses and bread.",
                     regions=("annecy",)),
            physical("Tartiflette à emporter (4 personnes)", "Tartiflette to take away (serves 4)", "42.00",
                     R.INTERMEDIATE, "Au reblochon fermier.", "With farmhouse Reblochon.", regions=("annecy",)),
            physical("Diots au vin blanc (4)", "Diots sausages in white wine (4)", "13.50", R.REDUCED,
                     "La saucisse de Savoie.", "The Savoy sausage.", regions=("annecy",)),
            physical("Galettes complètes à emporter (lot de 4)", "Ham, egg and cheese galettes (4)", "26.00",
                     R.INTERMEDIATE, "Blé noir de Bretagne.", "Breton buckwheat.", regions=("quimper",)),
            physical("Pâte à crêpes maison (1 l)", "Home-made crêpe batter (1 l)", "7.50", R.REDUCED,
                     "Pour une douzaine de crêpes.", "Makes a dozen crêpes.", regions=("quimper",)),
            physical("Cotriade (1 l)", "Cotriade fish soup (1 l)", "16.00", R.REDUCED,
                     "La soupe de poissons des pêcheurs.", "The fishermen's fish soup.", regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="atelier_cuisine",
        category=ShopCategory.ACTIVITY,
        trade_prefix="Atelier cuisine",
        label=Bi("Atelier de cuisine", "Cooking school"),
        pitch=Bi(
            "Cours de cuisine en petits groupes à {town} : on cuisine, on goûte et on repart avec les recettes.",
            "Small-group cooking classes in {town}: cook, taste and leave with the recipes.",
        ),
        other_deliveries=(),
        franchise_share=0.4,
        products=(
            service("Cours « Menu de fête » (3 h)", "“Festive menu” class (3 h)", "75.00", R.STANDARD,
                    "Entrée, plat et dessert du réveillon.", "Starter, main and dessert for Christmas Eve."),
            service("Atelier parent-enfant (2 h)", "Parent and child class (2 h)", "55.00", R.STANDARD,
                    "Pour un adulte et un enfant dès 6 ans.", "For one adult and one child aged 6+."),
            service("Cours de pâtisserie : la bûche (3 h)", "Pastry class: the Yule log (3 h)", "69.00",
                    R.STANDARD, "Biscuit roulé, crème et décor.", "Rolled sponge, cream and decoration."),
            service("Cours « Foie gras maison » (2 h 30)", "“Home-made foie gras” class (2.5 h)", "89.00",
                    R.STANDARD, "Vous repartez avec votre terrine.", "You take home your terrine."),
            service("Atelier accords mets et vins (2 h)", "Food and wine pairing (2 h)", "60.00", R.STANDARD,
                    "Cinq bouchées, cinq vins.", "Five bites, five wines."),
            service("Carnet de 5 ateliers", "Book of 5 classes", "300.00", R.STANDARD,
                    "À utiliser dans l'année.", "To use within the year."),
            physical("Tablier brodé", "Embroidered apron", "26.00", R.STANDARD, "Coton bio.", "Organic cotton.",
                     options=(option(SIZE, "S", "M", "L"),)),
            physical("Livre de recettes de l'atelier", "The school's recipe book", "22.00", R.REDUCED,
                     "Quarante recettes testées en cours.", "Forty recipes tested in class."),
            physical("Kit d'épices de Noël", "Christmas spice kit", "12.00", R.REDUCED,
                     "Cannelle, badiane, cardamome, muscade.", "Cinnamon, star anise, cardamom, nutmeg."),
            physical("Couteau d'office", "Paring knife", "35.00", R.STANDARD, "Forgé en France.",
                     "Forged in France."),
            service("Cours « Bredele de Noël » (2 h)", "“Christmas bredele” class (2 h)", "45.00", R.STANDARD,
                    "Quatre sortes de petits gâteaux alsaciens.", "Four kinds of Alsatian biscuits.",
                    regions=("colmar",)),
            service("Atelier tarte flambée (2 h)", "Tarte flambée class (2 h)", "49.00", R.STANDARD,
                    "La pâte, la garniture et le four.", "Dough, topping and oven.", regions=("colmar",)),
            service("Cours fondue et raclette (2 h)", "Fondue and raclette class (2 h)", "59.00", R.STANDARD,
                    "Les secrets des plats savoyards.", "The secrets of Savoy dishes.", regions=("annecy",)),
            service("Atelier tartes aux fruits des bois (2 h)", "Wild berry tart class (2 h)", "49.00", R.STANDARD,
                    "Pâte sablée et myrtilles.", "Shortcrust and blueberries.", regions=("annecy",)),
            service("Cours galettes et crêpes (2 h)", "Galettes and crêpes class (2 h)", "49.00", R.STANDARD,
                    "Le tour de main au bilig.", "Learning the knack on the griddle.", regions=("quimper",)),
            service("Atelier kouign-amann (2 h 30)", "Kouign-amann class (2.5 h)", "55.00", R.STANDARD,
                    "Tourage, pliage, cuisson.", "Laminating, folding, baking.", regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="balade",
        category=ShopCategory.ACTIVITY,
        trade_prefix="Balades",
        label=Bi("Balades et sorties", "Tours and outings"),
        pitch=Bi(
            "Sorties guidées à {town} et alentour, pour découvrir le pays autrement pendant les fêtes.",
            "Guided outings in and around {town}, to see the area differently during the holidays.",
        ),
        other_deliveries=(),
        franchise_share=0.4,
        products=(
            service("Visite guidée aux lanternes (1 h 30)", "Lantern-lit guided walk (1.5 h)", "14.00",
                    R.STANDARD, "Les légendes de Noël de la vieille ville.", "Christmas legends of the old town."),
            service("Balade contée pour enfants (1 h)", "Storytelling walk for children (1 h)", "9.00",
                    R.STANDARD, "De 5 à 10 ans, accompagnés.", "Ages 5 to 10, with an adult."),
            service("Chasse au trésor de Noël en famille", "Family Christmas treasure hunt", "25.00", R.STANDARD,
                    "Jusqu'à six joueurs.", "Up to six players."),
            service("Sortie photo au coucher du soleil (2 h)", "Sunset photo walk (2 h)", "35.00", R.STANDARD,
                    "Conseils de cadrage et de lumière.", "Tips on framing and light."),
            service("Location de vélo électrique (journée)", "E-bike hire (one day)", "38.00", R.STANDARD,
                    "Casque et antivol fournis.", "Helmet and lock included."),
            service("Balade à vélo guidée (2 h)", "Guided bike ride (2 h)", "32.00", R.STANDARD,
                    "Rythme tranquille, pauses gourmandes.", "Gentle pace, tasty stops."),
            physical("Gourde isotherme", "Insulated bottle", "24.00", R.STANDARD, "Garde chaud douze heures.",
                     "Keeps drinks hot for twelve hours.",
                     options=(option(COLOUR, ("Rouge", "Red"), ("Vert", "Green"), ("Blanc", "White")),)),
            physical("Carte illustrée des balades", "Illustrated walking map", "6.00", R.STANDARD,
                     "Dessinée à la main.", "Hand-drawn."),
            service("Promenade en calèche (30 min)", "Horse-drawn carriage ride (30 min)", "18.00",
                    R.INTERMEDIATE, "Plaids fournis.", "Blankets provided."),
            service("Promenade en barque dans la Petite Venise (25 min)", "Boat ride in Little Venice (25 min)",
                    "9.00", R.INTERMEDIATE, "Au fil de la Lauch.", "Along the Lauch river.", regions=("colmar",)),
            service("Le vignoble en 2 CV (2 h)", "The vineyards by 2CV (2 h)", "65.00", R.STANDARD,
                    "Route des vins et dégustation.", "Wine route and tasting.", regions=("colmar",)),
            service("Tour des marchés de Noël à vélo", "Christmas markets by bike", "29.00", R.STANDARD,
                    "Trois villages en une après-midi.", "Three villages in one afternoon.", regions=("colmar",)),
            service("Croisière sur le lac (1 h)", "Lake cruise (1 h)", "19.00", R.INTERMEDIATE,
                    "Le tour du petit lac.", "Around the southern lake.", regions=("annecy",)),
            service("Randonnée en raquettes au Semnoz (demi-journée)", "Snowshoe hike on the Semnoz (half day)",
                    "39.00", R.STANDARD, "Raquettes et bâtons fournis.", "Snowshoes and poles provided.",
                    regions=("annecy",)),
            service("Baptême de parapente", "Tandem paragliding flight", "110.00", R.STANDARD,
                    "Vol biplace au-dessus du lac.", "A tandem flight over the lake.", regions=("annecy",)),
            service("Balade en kayak sur l'Odet (2 h)", "Kayak trip on the Odet (2 h)", "35.00", R.STANDARD,
                    "Combinaison fournie.", "Wetsuit provided.", regions=("quimper",)),
            service("Pêche à pied accompagnée (2 h)", "Guided shore fishing (2 h)", "15.00", R.STANDARD,
                    "À marée basse, bottes conseillées.", "At low tide, boots advised.", regions=("quimper",)),
            service("Visite guidée de Locronan", "Guided tour of Locronan", "8.00", R.STANDARD,
                    "La petite cité de caractère.", "The little town of character.", regions=("quimper",)),
        ),
    ),
    ShopArchetype(
        key="musee",
        category=ShopCategory.CULTURE,
        trade_prefix="Musée",
        label=Bi("Musée", "Museum"),
        pitch=Bi(
            "Un musée de {town} consacré aux arts et traditions du pays, avec une exposition de Noël "
            "et des ateliers pour les enfants.",
            "A museum in {town} devoted to local arts and traditions, with a Christmas exhibition "
            "and workshops for children.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.0,
        products=(
            service("Entrée adulte", "Adult admission", "9.00", R.REDUCED, "Collections et exposition.",
                    "Collections and exhibition."),
            service("Entrée enfant (6-17 ans)", "Child admission (6-17)", "5.00", R.REDUCED,
                    "Gratuit pour les moins de 6 ans.", "Free under 6."),
            service("Pass famille", "Family pass", "24.00", R.REDUCED, "Deux adultes, deux enfants.",
                    "Two adults, two children."),
            service("Visite guidée (1 h)", "Guided tour (1 h)", "12.00", R.REDUCED, "Le samedi à 15 h.",
                    "Saturdays at 3 pm."),
            service("Atelier créatif enfants (1 h 30)", "Children's craft workshop (1.5 h)", "10.00", R.REDUCED,
                    "Décorations de Noël à fabriquer.", "Making Christmas decorations."),
            service("Abonnement annuel", "Annual pass", "35.00", R.REDUCED, "Entrées illimitées pendant un an.",
                    "Unlimited visits for a year."),
            physical("Catalogue de l'exposition", "Exhibition catalogue", "29.00", R.REDUCED, "160 pages illustrées.",
                     "160 illustrated pages."),
            physical("Affiche de l'exposition", "Exhibition poster", "12.00", R.STANDARD, "50 × 70 cm.",
                     "50 × 70 cm."),
            physical("Cartes postales (lot de 6)", "Postcards (set of 6)", "7.00", R.STANDARD,
                     "Les œuvres de la collection.", "Works from the collection."),
            physical("Carnet de coloriage", "Colouring book", "8.50", R.REDUCED, "Les motifs du musée à colorier.",
                     "The museum's patterns to colour in."),
            physical("Boule à neige", "Snow globe", "15.00", R.STANDARD, "Avec le musée sous la neige.",
                     "With the museum under snow."),
            physical("Tote bag du musée", "Museum tote bag", "12.00", R.STANDARD, "Coton bio.", "Organic cotton."),
        ),
    ),
    ShopArchetype(
        key="galerie",
        category=ShopCategory.CULTURE,
        trade_prefix="Galerie",
        label=Bi("Galerie d'art", "Art gallery"),
        pitch=Bi(
            "Galerie d'art à {town} : peintres, graveurs et céramistes de la région, "
            "des petits formats pour offrir.",
            "An art gallery in {town}: painters, printmakers and ceramicists from the region, "
            "with small pieces to give.",
        ),
        other_deliveries=(DeliveryKind.POSTAL,),
        franchise_share=0.5,
        products=(
            physical("Estampe numérotée (30 × 40 cm)", "Numbered print (30 × 40 cm)", "120.00", R.STANDARD,
                     "Tirage limité à 50 exemplaires.", "Limited to 50 copies."),
            physical("Aquarelle originale", "Original watercolour", "280.00", R.STANDARD,
                     "Paysage d'hiver, encadrée.", "A winter landscape, framed."),
            physical("Affiche d'artiste", "Artist's poster", "25.00", R.STANDARD, "Sérigraphie, 40 × 60 cm.",
                     "Screen print, 40 × 60 cm."),
            physical("Cartes d'art (lot de 5)", "Art cards (set of 5)", "12.00", R.STANDARD,
                     "Avec enveloppes.", "With envelopes."),
            physical("Petit bronze", "Small bronze", "650.00", R.STANDARD, "Fonte à la cire perdue.",
                     "Lost-wax casting."),
            physical("Photographie, tirage d'art", "Fine-art photographic print", "180.00", R.STANDARD,
                     "Papier baryté, signé.", "Baryta paper, signed.",
                     options=(option(("Format", "Format"), "30 × 40 cm", "40 × 60 cm"),)),
            physical("Carnet de croquis", "Sketchbook", "14.00", R.STANDARD, "Papier 200 g.", "200 gsm paper."),
            physical("Céramique d'artiste", "Artist's ceramic", "85.00", R.STANDARD, "Pièce unique.",
                     "One of a kind."),
            service("Atelier d'aquarelle (2 h)", "Watercolour workshop (2 h)", "45.00", R.STANDARD,
                    "Matériel fourni.", "Materials provided."),
            service("Visite commentée de l'exposition", "Guided visit of the exhibition", "8.00", R.STANDARD,
                    "Avec un artiste exposé.", "With one of the artists."),
            physical("Livre d'artiste", "Artist's book", "35.00", R.REDUCED, "Tirage à 100 exemplaires.",
                     "Edition of 100."),
            physical("Cadre en chêne", "Oak frame", "40.00", R.STANDARD, "Pour les formats 30 × 40 cm.",
                     "For 30 × 40 cm works."),
        ),
    ),
    ShopArchetype(
        key="hebergement",
        category=ShopCategory.STAY,
        trade_prefix="Chambres d'hôtes",
        label=Bi("Chambre d'hôtes", "Bed and breakfast"),
        pitch=Bi(
            "Chambres d'hôtes à {town}, dans une maison ancienne restaurée : petit-déjeuner maison "
            "et conseils pour visiter la région.",
            "Bed and breakfast in {town}, in a restored old house: home-made breakfast "
            "and tips for exploring the area.",
        ),
        other_deliveries=(),
        franchise_share=0.5,
        products=(
            service("Nuit pour deux avec petit-déjeuner", "Night for two with breakfast", "95.00",
                    R.INTERMEDIATE, "Hors vacances scolaires d'été.", "Outside the summer school holidays."),
            service("Week-end pour deux (2 nuits)", "Weekend for two (2 nights)", "180.00", R.INTERMEDIATE,
                    "Arrivée le vendredi ou le samedi.", "Arrive on Friday or Saturday."),
            service("Soirée étape (dîner, nuit, petit-déjeuner)", "Dinner, bed and breakfast", "145.00",
                    R.INTERMEDIATE, "Pour deux personnes.", "For two people."),
            service("Séjour de Noël (3 nuits)", "Christmas stay (3 nights)", "270.00", R.INTERMEDIATE,
                    "Du 23 au 26 décembre 2027.", "From 23 to 26 December 2027."),
            service("Petit-déjeuner gourmand", "Gourmet breakfast", "14.00", R.INTERMEDIATE,
                    "En supplément, par personne.", "Extra, per person."),
            physical("Panier garni du terroir", "Hamper of local produce", "45.00", R.REDUCED,
                     "Les produits servis au petit-déjeuner.", "What we serve at breakfast."),
            physical("Confiture de la maison", "House jam", "6.00", R.REDUCED, "Fruits du jardin.",
                     "Fruit from the garden."),
            service("Nuit en chambre familiale (4 personnes)", "Night in a family room (4 people)", "130.00",
                    R.INTERMEDIATE, "Petit-déjeuner compris.", "Breakfast included."),
            service("Location de vélos pour le séjour", "Bike hire for your stay", "20.00", R.STANDARD,
                    "Deux vélos, toute la durée du séjour.", "Two bikes for your whole stay."),
            service("Massage relaxant (1 h)", "Relaxing massage (1 h)", "70.00", R.STANDARD,
                    "Sur rendez-vous.", "By appointment."),
            physical("Bougie parfumée de la maison", "House scented candle", "22.00", R.STANDARD,
                     "Cire de colza, senteur sapin.", "Rapeseed wax, fir scent."),
            service("Dîner aux chandelles (2 personnes)", "Candlelit dinner (for 2)", "70.00", R.INTERMEDIATE,
                    "Sur réservation, 48 h avant.", "Book 48 hours ahead."),
        ),
    ),
)

ARCHETYPES_BY_KEY = {a.key: a for a in ARCHETYPES}


# A period a shop is open: its days (0 is Monday, as shops.models.Weekday), opening and closing times.
class OpeningSpec(NamedTuple):
    days: tuple[int, ...]
    opens: str
    closes: str


TUESDAY_TO_SATURDAY = (1, 2, 3, 4, 5)
EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

# The week of each kind of shop, by day (ShopOpeningHours rows): the lunch break is two periods.
OPENING_PERIODS = {
    ShopCategory.SHOP: (
        OpeningSpec(TUESDAY_TO_SATURDAY, "10:00", "12:30"),
        OpeningSpec(TUESDAY_TO_SATURDAY, "14:00", "19:00"),
        OpeningSpec((6,), "14:00", "18:00"),
    ),
    ShopCategory.ARTISAN: (
        OpeningSpec((2, 3, 4, 5), "10:00", "12:30"),
        OpeningSpec((2, 3, 4, 5), "14:00", "19:00"),
    ),
    ShopCategory.FOOD: (
        OpeningSpec(TUESDAY_TO_SATURDAY, "08:30", "12:30"),
        OpeningSpec(TUESDAY_TO_SATURDAY, "15:00", "19:00"),
        OpeningSpec((6,), "09:00", "12:30"),
    ),
    ShopCategory.RESTAURANT: (
        OpeningSpec((1, 2, 3, 4, 5, 6), "11:30", "14:00"),
        OpeningSpec((1, 2, 3, 4, 5, 6), "18:30", "22:00"),
    ),
    ShopCategory.ACTIVITY: (OpeningSpec(EVERY_DAY, "09:00", "18:00"),),
    ShopCategory.CULTURE: (OpeningSpec((0, 2, 3, 4, 5, 6), "10:00", "18:00"),),
    ShopCategory.STAY: (
        OpeningSpec(EVERY_DAY, "08:00", "11:00"),
        OpeningSpec(EVERY_DAY, "16:00", "20:00"),
    ),
}

# The merchant's remarks beside the hours by day (ShopPage.opening_hours); "" for none.
OPENING_HOURS = {
    ShopCategory.SHOP: Bi("Ouvert le dimanche en décembre seulement.\nFermé le 25 décembre.",
                          "Open on Sundays in December only.\nClosed on 25 December."),
    ShopCategory.ARTISAN: Bi("", ""),
    ShopCategory.FOOD: Bi("Ouvert le dimanche matin en décembre.\nFermé les 25 décembre et 1er janvier.",
                          "Open on Sunday mornings in December.\nClosed on 25 December and 1 January."),
    ShopCategory.RESTAURANT: Bi("Réservation conseillée le week-end.", "Booking advised at weekends."),
    ShopCategory.ACTIVITY: Bi("Sur réservation.", "By booking."),
    ShopCategory.CULTURE: Bi("Fermé le 25 décembre.", "Closed on 25 December."),
    ShopCategory.STAY: Bi("Accueil aux heures indiquées : arrivée à partir de 16 h, départ avant 11 h.",
                          "Reception at the hours shown: check-in from 4 pm, check-out by 11 am."),
}

PICKUP_INSTRUCTIONS = {
    "goods": Bi(
        "Au comptoir de la boutique, aux heures d'ouverture, sur présentation du numéro de commande.",
        "At the shop's counter, during opening hours, on showing the order number.",
    ),
    "services": Bi(
        "Rien à retirer : la réservation ou le bon arrive par e-mail, à présenter sur place.",
        "Nothing to collect: the booking or voucher comes by e-mail, to show on the spot.",
    ),
}

POSTAL_CARRIERS = (
    ("La Poste — Colissimo", "6.90"),
    ("La Poste — Lettre suivie", "3.50"),
    ("Mondial Relay", "4.90"),
)

HOME_DELIVERY_FEES = ("0.00", "3.00", "4.90", "6.00")

FIRST_NAMES = (
    "Anne", "Camille", "Claire", "Élodie", "Hélène", "Julie", "Léa", "Marie", "Nathalie", "Sophie",
    "Antoine", "Bruno", "Christophe", "Denis", "Julien", "Laurent", "Marc", "Nicolas", "Pierre", "Thomas",
)


def _fiction_phone(prefix: str, n: int) -> str:
    return f"{prefix} {n // 100:02d} {n % 100:02d}"


TERRITORIES: tuple[TerritorySpec, ...] = (
    TerritorySpec(
        slug="colmar",
        name="Colmar et sa région",
        short_name="Colmar",
        page_slug="colmar",
        title=Bi("Marché de Noël de Colmar et sa région", "Colmar and its region Christmas market"),
        tourism_office=Bi("Office de tourisme de Colmar et sa région", "Colmar and region tourist office"),
        opens=date(2026, 11, 27),
        closes=date(2026, 12, 24),
        intro=Bi(
            "<p>Des winstubs de la Petite Venise aux caves de Turckheim, les commerçants indépendants "
            "de <b>Colmar et de ses villages</b> ouvrent leur boutique en ligne pour Noël.</p>"
            "<p>Un seul panier pour toutes les boutiques, retrait sur place ou livraison.</p>",
            "<p>From the winstubs of Little Venice to the wine cellars of Turckheim, the independent shops "
            "of <b>Colmar and its villages</b> open their online doors for Christmas.</p>"
            "<p>One basket for every shop, with pickup or delivery.</p>",
        ),
        contact_email="marche-noel@tourisme-colmar.example",
        phone_prefix="03 53 01",
        towns=(
            Town("Colmar", "68000", ("rue des Marchands", "Grand'Rue", "rue des Tanneurs",
                                     "quai de la Poissonnerie", "rue des Clefs", "rue Vauban", "rue Saint-Jean",
                                     "rue des Boulangers", "place de l'Ancienne Douane", "rue Berthe Molly")),
            Town("Eguisheim", "68420", ("Grand'Rue", "rue du Rempart Sud", "place du Château Saint-Léon")),
            Town("Kaysersberg Vignoble", "68240", ("rue du Général de Gaulle", "rue de l'Église")),
            Town("Turckheim", "68230", ("Grand'Rue", "rue du Conseil", "place Turenne")),
            Town("Riquewihr", "68340", ("rue du Général de Gaulle", "rue des Cordiers")),
        ),
        surnames=("Kuehn", "Zimmermann", "Hummel", "Gsell", "Ehrhart", "Lutz", "Baumann", "Meyer",
                  "Schmitt", "Muller", "Wagner", "Koenig", "Wurtz", "Bischoff"),
        delivery_area=Bi("Colmar et les communes à moins de 15 km", "Colmar and the villages within 15 km"),
        partners=(
            PartnerSpec(PartnerContact.Kind.TOURISM_OFFICE,
                        Bi("Office de tourisme de Colmar et sa région", "Colmar and region tourist office"),
                        "Claire Schaeffer", Bi("Responsable du marché de Noël numérique",
                                               "Digital Christmas market manager"),
                        "marche-noel@tourisme-colmar.example", _fiction_phone("03 53 01", 1001),
                        "https://www.tourisme-colmar.example", "Place Unterlinden\n68000 Colmar"),
            PartnerSpec(PartnerContact.Kind.CHAMBER_OF_COMMERCE,
                        Bi("CCI Alsace Eurométropole — Colmar", "Alsace Eurométropole Chamber of Commerce — Colmar"),
                        "Marc Haller", Bi("Conseiller commerce de proximité", "Local retail adviser"),
                        "commerce@cci-colmar.example", _fiction_phone("03 53 01", 1002),
                        "https://www.cci-colmar.example", "1 place de la Gare\n68000 Colmar"),
            PartnerSpec(PartnerContact.Kind.TRADE_ASSOCIATION,
                        Bi("Les Vitrines de Colmar", "Les Vitrines de Colmar (traders' association)"),
                        "Sophie Wurtz", Bi("Présidente", "Chair"),
                        "bonjour@vitrines-colmar.example", _fiction_phone("03 53 01", 1003),
                        "https://www.vitrines-colmar.example", "12 rue des Clefs\n68000 Colmar"),
            PartnerSpec(PartnerContact.Kind.ELECTED_BODY, Bi("Ville de Colmar", "Town of Colmar"),
                        "Julien Roth", Bi("Adjoint au commerce", "Deputy mayor for trade"),
                        "commerce@ville-colmar.example", _fiction_phone("03 53 01", 1004),
                        "https://www.ville-colmar.example", "Hôtel de ville\n1 place de la Mairie\n68000 Colmar"),
        ),
        shops=(
            SignatureShop("Fromagerie Kuehn", "fromagerie", 0),
            SignatureShop("Librairie de la Petite Venise", "librairie", 0),
            SignatureShop("Poterie Zimmermann", "poterie", 1),
            SignatureShop("Maison des Traditions de Noël", "musee", 2),
            SignatureShop("Le Clos des Vignes", "hebergement", 1),
            SignatureShop("Salon de thé Au Kougelhopf", "salon_de_the", 0),
            SignatureShop("Winstub Hummel", "restaurant", 0),
            SignatureShop("Atelier Bredele et Cie", "atelier_cuisine", 0),
            SignatureShop("Chocolaterie Gsell", "chocolaterie", 3),
            SignatureShop("Cave Ehrhart", "cave", 3),
            SignatureShop("Les Barques de la Lauch", "balade", 0),
            SignatureShop("Bijoux Lutz", "bijoux", 0),
            SignatureShop("Atelier bois Baumann", "bois", 4),
            SignatureShop("Galerie du Koïfhus", "galerie", 0),
            SignatureShop("Biscuiterie Meyer", "biscuiterie", 4),
            SignatureShop("Kelsch et Cie", "textile", 0),
        ),
        bundle=BundleSpec(
            seller=6,  # Winstub Hummel
            participant=4,  # Le Clos des Vignes
            name=Bi("Soirée de Noël à Colmar", "Christmas evening in Colmar"),
            price=Decimal("165.00"),
            description=Bi(
                "Un dîner de fête pour deux à la Winstub Hummel, au cœur de Colmar, puis une nuit au calme "
                "au Clos des Vignes, à Eguisheim, avec le petit-déjeuner. Un bon par maison, à présenter "
                "en réservant.",
                "A festive dinner for two at Winstub Hummel, in the heart of Colmar, then a quiet night "
                "at Le Clos des Vignes in Eguisheim, breakfast included. One voucher for each house, "
                "to show when you book.",
            ),
            own_part=Bi("Le dîner de Noël pour deux à la Winstub Hummel",
                        "Christmas dinner for two at Winstub Hummel"),
            part=Bi("Une nuit pour deux avec petit-déjeuner au Clos des Vignes",
                    "A night for two with breakfast at Le Clos des Vignes"),
            share_percent=Decimal("55"),
            own_vat_rate=R.INTERMEDIATE,
            part_vat_rate=R.INTERMEDIATE,
            valid_until=date(2027, 3, 31),
        ),
    ),
    TerritorySpec(
        slug="annecy",
        name="Grand Annecy",
        short_name="Annecy",
        page_slug="grand-annecy",
        title=Bi("Marché de Noël du Grand Annecy", "Grand Annecy Christmas market"),
        tourism_office=Bi("Office de tourisme du Lac d'Annecy", "Lake Annecy tourist office"),
        opens=date(2026, 11, 28),
        closes=date(2026, 12, 24),
        intro=Bi(
            "<p>Fromagers de la vieille ville, artisans du bord du lac, chalets du Semnoz : "
            "le <b>Grand Annecy</b> fait son marché de Noël en ligne.</p>"
            "<p>Commandez chez plusieurs commerçants en une fois, et retirez vos achats en ville.</p>",
            "<p>Cheesemongers of the old town, lakeside craftspeople, chalets on the Semnoz: "
            "<b>Grand Annecy</b> holds its Christmas market online.</p>"
            "<p>Order from several shops at once and collect your purchases in town.</p>",
        ),
        contact_email="marche-noel@lac-annecy-tourisme.example",
        phone_prefix="04 65 71",
        towns=(
            Town("Annecy", "74000", ("rue Sainte-Claire", "rue Royale", "quai de l'Île", "rue Carnot",
                                     "rue Filaterie", "rue Jean-Jacques Rousseau", "rue Vaugelas",
                                     "rue de la République", "passage de l'Île", "faubourg Sainte-Claire")),
            Town("Talloires-Montmin", "74290", ("route du Port", "place de la Mairie")),
            Town("Sévrier", "74320", ("route d'Albertville", "chemin de la Planche")),
            Town("Veyrier-du-Lac", "74290", ("route d'Annecy", "rue de la Tournette")),
            Town("Menthon-Saint-Bernard", "74290", ("route des Bains", "rue du Lac")),
        ),
        surnames=("Mermillod", "Dupraz", "Favre", "Bouvier", "Tissot", "Perrissin", "Burnier", "Mugnier",
                  "Duparc", "Chappaz", "Gruffaz", "Bozon", "Vuillet", "Pollet"),
        delivery_area=Bi("Annecy et les communes du tour du lac", "Annecy and the villages around the lake"),
        partners=(
            PartnerSpec(PartnerContact.Kind.TOURISM_OFFICE,
                        Bi("Office de tourisme du Lac d'Annecy", "Lake Annecy tourist office"),
                        "Hélène Chappaz", Bi("Chargée du marché de Noël", "Christmas market officer"),
                        "marche-noel@lac-annecy-tourisme.example", _fiction_phone("04 65 71", 2001),
                        "https://www.lac-annecy-tourisme.example", "1 rue Jean Jaurès\n74000 Annecy"),
            PartnerSpec(PartnerContact.Kind.CHAMBER_OF_COMMERCE,
                        Bi("CCI Haute-Savoie", "Haute-Savoie Chamber of Commerce"),
                        "Nicolas Gruffaz", Bi("Conseiller commerce", "Retail adviser"),
                        "commerce@cci-haute-savoie.example", _fiction_phone("04 65 71", 2002),
                        "https://www.cci-haute-savoie.example", "5 rue du 27e BCA\n74000 Annecy"),
            PartnerSpec(PartnerContact.Kind.TRADE_ASSOCIATION,
                        Bi("Les Vitrines d'Annecy", "Les Vitrines d'Annecy (traders' association)"),
                        "Julie Bozon", Bi("Présidente", "Chair"),
                        "bonjour@vitrines-annecy.example", _fiction_phone("04 65 71", 2003),
                        "https://www.vitrines-annecy.example", "8 rue Royale\n74000 Annecy"),
            PartnerSpec(PartnerContact.Kind.ELECTED_BODY, Bi("Ville d'Annecy", "Town of Annecy"),
                        "Laurent Vuillet", Bi("Adjoint au commerce et à l'artisanat",
                                              "Deputy mayor for trade and crafts"),
                        "commerce@ville-annecy.example", _fiction_phone("04 65 71", 2004),
                        "https://www.ville-annecy.example", "Esplanade de l'Hôtel de ville\n74000 Annecy"),
        ),
        shops=(
            SignatureShop("Fromagerie Mermillod", "fromagerie", 0),
            SignatureShop("Librairie du Thiou", "librairie", 0),
            SignatureShop("Céramiques du Semnoz", "poterie", 2),
            SignatureShop("Musée des Traditions savoyardes", "musee", 0),
            SignatureShop("Le Chalet de la Tournette", "hebergement", 1),
            SignatureShop("Salon de thé La Myrtille", "salon_de_the", 0),
            SignatureShop("Restaurant Le Caquelon", "restaurant", 0),
            SignatureShop("L'Atelier gourmand du Lac", "atelier_cuisine", 3),
            SignatureShop("Chocolaterie Favre", "chocolaterie", 0),
            SignatureShop("Cave Bouvier", "cave", 4),
            SignatureShop("Lac et Montagne Découvertes", "balade", 1),
            SignatureShop("Bijouterie Perrissin", "bijoux", 0),
            SignatureShop("Sabots et Jouets Burnier", "bois", 2),
            SignatureShop("Galerie de la Vieille Ville", "galerie", 0),
            SignatureShop("Biscuiterie Mugnier", "biscuiterie", 0),
            SignatureShop("Le Comptoir du Lac", "textile", 0),
        ),
        bundle=BundleSpec(
            seller=6,  # Restaurant Le Caquelon
            participant=4,  # Le Chalet de la Tournette
            name=Bi("Soirée savoyarde au bord du lac", "Savoyard evening by the lake"),
            price=Decimal("160.00"),
            description=Bi(
                "Une fondue aux trois fromages pour deux au Restaurant Le Caquelon, dans la vieille ville "
                "d'Annecy, puis une nuit face au lac au Chalet de la Tournette, à Talloires, avec le "
                "petit-déjeuner. Un bon par maison, à présenter en réservant.",
                "A three-cheese fondue for two at Restaurant Le Caquelon, in Annecy's old town, then a night "
                "facing the lake at Le Chalet de la Tournette in Talloires, breakfast included. One voucher "
                "for each house, to show when you book.",
            ),
            own_part=Bi("La fondue aux trois fromages pour deux au Restaurant Le Caquelon",
                        "Three-cheese fondue for two at Restaurant Le Caquelon"),
            part=Bi("Une nuit pour deux avec petit-déjeuner au Chalet de la Tournette",
                    "A night for two with breakfast at Le Chalet de la Tournette"),
            share_percent=Decimal("60"),
            own_vat_rate=R.INTERMEDIATE,
            part_vat_rate=R.INTERMEDIATE,
            valid_until=date(2027, 3, 31),
        ),
    ),
    TerritorySpec(
        slug="quimper",
        name="Quimper Cornouaille",
        short_name="Quimper",
        page_slug="quimper-cornouaille",
        title=Bi("Marché de Noël de Quimper Cornouaille", "Quimper Cornouaille Christmas market"),
        tourism_office=Bi("Quimper Cornouaille Tourisme", "Quimper Cornouaille Tourism"),
        opens=date(2026, 11, 28),
        closes=date(2026, 12, 23),
        intro=Bi(
            "<p>Faïenciers, crêpiers, cidriers et libraires de <b>Quimper et de la Cornouaille</b> "
            "vous attendent sur leur marché de Noël en ligne.</p>"
            "<p>Un panier commun, un paiement unique, et le choix du retrait ou de l'envoi.</p>",
            "<p>Faience makers, crêpe makers, cider makers and booksellers of <b>Quimper and Cornouaille</b> "
            "welcome you to their online Christmas market.</p>"
            "<p>One basket, one payment, and the choice of pickup or shipping.</p>",
        ),
        contact_email="marche-noel@quimper-tourisme.example",
        phone_prefix="02 61 91",
        towns=(
            Town("Quimper", "29000", ("rue Kéréon", "rue du Guéodet", "place Saint-Corentin", "rue des Boucheries",
                                      "rue Élie Fréron", "quai de l'Odet", "place au Beurre", "rue Saint-Mathieu",
                                      "rue du Parc", "rue des Gentilshommes")),
            Town("Locronan", "29180", ("place de l'Église", "rue Moal", "rue Saint-Maurice")),
            Town("Ergué-Gabéric", "29500", ("route de Coray", "rue de la Mairie")),
            Town("Plomelin", "29700", ("rue de la Mairie", "route de Quimper")),
            Town("Briec", "29510", ("rue de la Gare", "place de la Mairie")),
        ),
        surnames=("Le Gall", "Le Bihan", "Kerjean", "Le Goff", "Quéré", "Tanguy", "Le Floc'h", "Guéguen",
                  "Cornec", "Le Corre", "Riou", "Hascoët", "Le Berre", "Kervella"),
        delivery_area=Bi("Quimper et les communes de l'agglomération", "Quimper and the surrounding towns"),
        partners=(
            PartnerSpec(PartnerContact.Kind.TOURISM_OFFICE,
                        Bi("Quimper Cornouaille Tourisme", "Quimper Cornouaille Tourism"),
                        "Anne Riou", Bi("Responsable partenariats", "Partnerships manager"),
                        "marche-noel@quimper-tourisme.example", _fiction_phone("02 61 91", 3001),
                        "https://www.quimper-tourisme.example", "8 rue Élie Fréron\n29000 Quimper"),
            PartnerSpec(PartnerContact.Kind.TRADE_ASSOCIATION,
                        Bi("Quimper Cœur de Ville", "Quimper Cœur de Ville (traders' association)"),
                        "Pierre Hascoët", Bi("Président", "Chair"),
                        "bonjour@quimper-coeur-de-ville.example", _fiction_phone("02 61 91", 3002),
                        "https://www.quimper-coeur-de-ville.example", "4 rue Kéréon\n29000 Quimper"),
            PartnerSpec(PartnerContact.Kind.ELECTED_BODY, Bi("Ville de Quimper", "Town of Quimper"),
                        "Élodie Le Berre", Bi("Adjointe au commerce", "Deputy mayor for trade"),
                        "commerce@ville-quimper.example", _fiction_phone("02 61 91", 3003),
                        "https://www.ville-quimper.example", "44 place Saint-Corentin\n29000 Quimper"),
        ),
        shops=(
            SignatureShop("Fromagerie Le Gall", "fromagerie", 0),
            SignatureShop("Librairie Ar Stêr", "librairie", 0),
            SignatureShop("Faïences Le Bihan", "poterie", 0),
            SignatureShop("Maison de la Broderie de Cornouaille", "musee", 1),
            SignatureShop("Chambres d'hôtes Ti Glaz", "hebergement", 3),
            SignatureShop("Salon de thé Kouign et Cie", "salon_de_the", 0),
            SignatureShop("Crêperie Kerjean", "restaurant", 0),
            SignatureShop("Cuisine et Galettes Le Floc'h", "atelier_cuisine", 2),
            SignatureShop("Chocolaterie Quéré", "chocolaterie", 0),
            SignatureShop("Cidrerie Tanguy", "cave", 2),
            SignatureShop("Odet Aventures", "balade", 0),
            SignatureShop("Bijoux Guéguen", "bijoux", 0),
            SignatureShop("Atelier bois Cornec", "bois", 4),
            SignatureShop("Galerie du Guéodet", "galerie", 0),
            SignatureShop("Biscuiterie Le Corre", "biscuiterie", 1),
            SignatureShop("Marinières Le Goff", "textile", 0),
        ),
        bundle=BundleSpec(
            seller=6,  # Crêperie Kerjean
            participant=4,  # Chambres d'hôtes Ti Glaz
            name=Bi("Escale de Noël en Cornouaille", "Christmas stopover in Cornouaille"),
            price=Decimal("140.00"),
            description=Bi(
                "Un dîner de galettes et de crêpes pour deux à la Crêperie Kerjean, à Quimper, puis une nuit "
                "aux Chambres d'hôtes Ti Glaz, à Plomelin, au bord de l'Odet, avec le petit-déjeuner. "
                "Un bon par maison, à présenter en réservant.",
                "A galette and crêpe dinner for two at Crêperie Kerjean in Quimper, then a night at "
                "Chambres d'hôtes Ti Glaz in Plomelin, on the Odet, breakfast included. One voucher "
                "for each house, to show when you book.",
            ),
            own_part=Bi("Le dîner galettes et crêpes pour deux à la Crêperie Kerjean",
                        "Galette and crêpe dinner for two at Crêperie Kerjean"),
            part=Bi("Une nuit pour deux avec petit-déjeuner aux Chambres d'hôtes Ti Glaz",
                    "A night for two with breakfast at Chambres d'hôtes Ti Glaz"),
            share_percent=Decimal("60"),
            own_vat_rate=R.INTERMEDIATE,
            part_vat_rate=R.INTERMEDIATE,
            valid_until=date(2027, 3, 31),
        ),
    ),
)


HOME_INTRO = Bi(
    "<p>Les marchés de Noël de nos territoires, ouverts en ligne jusqu'au 24 décembre : "
    "achetez chez les commerçants indépendants de la région, en <b>un seul panier</b>.</p>",
    "<p>The Christmas markets of our regions, open online until 24 December: "
    "buy from independent local shops in <b>one basket</b>.</p>",
)

# {closes} is replaced per territory.
FAQ: tuple[tuple[Bi, Bi], ...] = (
    (Bi("Puis-je acheter dans plusieurs boutiques en une seule commande ?",
        "Can I buy from several shops in one order?"),
     Bi("<p>Oui : votre panier réunit les articles de toutes les boutiques du marché. Vous choisissez "
        "le mode de livraison de chaque boutique, puis vous payez une seule fois.</p>",
        "<p>Yes: your basket holds items from every shop of the market. You choose the delivery for each "
        "shop, then pay once.</p>")),
    (Bi("Comment se passe le paiement ?", "How do I pay?"),
     Bi("<p>Par carte bancaire, sur une page sécurisée. Chaque commerçant reçoit sa part ; "
        "le marché ne retient qu'une commission de service.</p>",
        "<p>By card, on a secure page. Each shop receives its share; the market keeps only a service "
        "commission.</p>")),
    (Bi("Comment recevoir un bon cadeau ?", "How do I receive a gift voucher?"),
     Bi("<p>Le bon arrive par e-mail juste après le paiement, avec un code à présenter en boutique. "
        "Vous le retrouvez aussi dans votre compte.</p>",
        "<p>The voucher arrives by e-mail right after payment, with a code to show in the shop. "
        "It is also in your account.</p>")),
    (Bi("Jusqu'à quand puis-je commander ?", "Until when can I order?"),
     Bi("<p>Le marché est ouvert jusqu'au {closes}. Pour un envoi postal avant Noël, commandez "
        "au plus tard le 18 décembre.</p>",
        "<p>The market is open until {closes}. For delivery by post before Christmas, order "
        "by 18 December.</p>")),
    (Bi("Puis-je retourner un article ?", "Can I return an item?"),
     Bi("<p>Vous disposez de 14 jours pour changer d'avis sur un produit livré, sauf denrées périssables "
        "et prestations datées. Contactez directement la boutique.</p>",
        "<p>You have 14 days to change your mind about a delivered product, except perishable food and "
        "dated services. Contact the shop directly.</p>")),
)

TUTORIALS: tuple[tuple[Bi, Bi], ...] = (
    (Bi("Trouver une boutique", "Finding a shop"),
     Bi("<p>Filtrez les boutiques par catégorie ou par mode de livraison depuis la page du marché.</p>",
        "<p>Filter shops by category or delivery method from the market page.</p>")),
    (Bi("Remplir son panier", "Filling your basket"),
     Bi("<p>Choisissez les options (taille, couleur) puis la quantité. Le panier garde vos articles "
        "pendant toute votre visite.</p>",
        "<p>Choose the options (size, colour), then the quantity. The basket keeps your items for "
        "your whole visit.</p>")),
    (Bi("Choisir la livraison", "Choosing delivery"),
     Bi("<p>Pour chaque boutique : retrait sur place, livraison à domicile ou envoi postal, selon "
        "ce que propose le commerçant.</p>",
        "<p>For each shop: pickup, home delivery or shipping by post, depending on what the shop "
        "offers.</p>")),
)

HELP_PAGE_TITLE = Bi("Comment acheter ?", "How to buy")
HELP_PAGE_INTRO = Bi(
    "<p>Quatre étapes pour faire vos achats de Noël chez les commerçants du marché.</p>",
    "<p>Four steps to do your Christmas shopping with the market's shops.</p>",
)
HELP_PAGE_STEPS: tuple[tuple[Bi, Bi], ...] = (
    (Bi("1. Parcourir les boutiques", "1. Browse the shops"),
     Bi("<p>Chaque boutique présente ses produits, ses horaires et ses modes de livraison.</p>",
        "<p>Each shop shows its products, opening hours and delivery methods.</p>")),
    (Bi("2. Ajouter au panier", "2. Add to your basket"),
     Bi("<p>Un seul panier pour toutes les boutiques du marché.</p>",
        "<p>One basket for every shop of the market.</p>")),
    (Bi("3. Payer en une fois", "3. Pay once"),
     Bi("<p>Paiement par carte sur une page sécurisée ; vous recevez une confirmation par e-mail.</p>",
        "<p>Card payment on a secure page; you receive a confirmation by e-mail.</p>")),
    (Bi("4. Retirer ou recevoir", "4. Collect or receive"),
     Bi("<p>Retrait en boutique avec votre numéro de commande, ou livraison selon l'option choisie.</p>",
        "<p>Pick up in the shop with your order number, or receive it as chosen.</p>")),
)
HELP_PAGE_CONTACT = Bi(
    "<p>Une question ? Écrivez à {email}.</p>",
    "<p>A question? Write to {email}.</p>",
)

SHOP_SECOND_PARAGRAPH = Bi(
    "<p>Une adresse tenue par {person}, à retrouver sur le marché de Noël numérique jusqu'au {closes}.</p>",
    "<p>Run by {person}; find us on the digital Christmas market until {closes}.</p>",
)

MONTHS = (
    Bi("janvier", "January"), Bi("février", "February"), Bi("mars", "March"), Bi("avril", "April"),
    Bi("mai", "May"), Bi("juin", "June"), Bi("juillet", "July"), Bi("août", "August"),
    Bi("septembre", "September"), Bi("octobre", "October"), Bi("novembre", "November"),
    Bi("décembre", "December"),
)


def long_date(day: date) -> Bi:
    """A date as people write it, '24 décembre' / '24 December', whatever the process locale."""
    month = MONTHS[day.month - 1]
    return Bi(f"{day.day} {month.fr}", f"{day.day} {month.en}")


# Terms (CGU/CGV) accepted by every demo merchant ------------------------

TERMS_VERSION = "v1 — novembre 2025"
TERMS_DATE = datetime(2025, 11, 1, 0, 0, tzinfo=UTC)

MERCHANT_TERMS = Bi(
    "<h2>1. Objet</h2>"
    "<p>Le Marché de Noël numérique est une place de marché en ligne animée par les offices de tourisme "
    "partenaires. Les présentes conditions régissent l'utilisation de la plateforme par les commerçants "
    "indépendants qui y vendent leurs produits, prestations et bons cadeaux.</p>"
    "<h2>2. Inscription et boutique</h2>"
    "<p>Le commerçant certifie exploiter un commerce indépendant disposant d'une boutique physique sur le "
    "territoire. L'office de tourisme examine chaque inscription et approuve la première mise en ligne de la "
    "boutique. Le commerçant est seul responsable des informations de sa boutique, de ses prix (TTC) et de "
    "ses stocks, qu'il tient à jour.</p>"
    "<h2>3. Ventes et encaissement</h2>"
    "<p>Les ventes sont conclues entre le commerçant et l'acheteur. La plateforme encaisse les paiements "
    "pour le compte du commerçant et lui reverse chaque semaine le montant des ventes, déduction faite de la "
    "commission prévue par le barème de son territoire et des frais de virement ; un relevé et une facture "
    "de commission accompagnent chaque versement.</p>"
    "<h2>4. Retrait, livraison et rétractation</h2>"
    "<p>Le commerçant honore les modes de retrait et de livraison qu'il propose et respecte le droit de "
    "rétractation de quatorze jours applicable à la vente à distance, sauf exceptions prévues par le Code de "
    "la consommation (denrées périssables, prestations datées).</p>"
    "<h2>5. Données personnelles</h2>"
    "<p>Le commerçant reçoit les coordonnées des acheteurs de ses commandes et ne les utilise que pour "
    "exécuter ces commandes : préparation, retrait, livraison et service après-vente. Il ne les utilise pas "
    "pour de la prospection sans leur accord et ne les transmet à personne.</p>"
    "<h2>6. Fermeture du compte</h2>"
    "<p>Le commerçant peut fermer son compte à tout moment depuis son espace commerçant, en confirmant avec "
    "son mot de passe. Sa boutique est aussitôt retirée du site et son accès désactivé ; les sommes qui lui "
    "restent dues lui sont versées avec les relevés hebdomadaires suivants. Les commandes, factures et "
    "relevés sont conservés pendant les durées prévues par la loi.</p>"
    "<h2>7. Durée et modification</h2>"
    "<p>Toute nouvelle version de ces conditions est soumise à l'acceptation du commerçant lors de sa "
    "connexion suivante.</p>",
    "<h2>1. Purpose</h2>"
    "<p>The digital Christmas market is an online marketplace run by the partner tourism offices. These "
    "terms govern the use of the platform by the independent merchants who sell their products, services and "
    "gift vouchers on it.</p>"
    "<h2>2. Registration and shop</h2>"
    "<p>The merchant certifies that they run an independent business with a physical shop in the territory. "
    "The tourism office reviews each registration and approves the shop's first publication. The merchant "
    "alone is responsible for their shop's information, prices (all taxes included) and stock, which they "
    "keep up to date.</p>"
    "<h2>3. Sales and collection of payments</h2>"
    "<p>Sales are made between the merchant and the buyer. The platform collects payments on the merchant's "
    "behalf and pays them the proceeds of their sales every week, less the commission set by their "
    "territory's schedule and the transfer fee; each payout comes with a statement and a commission "
    "invoice.</p>"
    "<h2>4. Collection, delivery and withdrawal</h2>"
    "<p>The merchant honours the collection and delivery options they offer and respects the fourteen-day "
    "right of withdrawal that applies to distance selling, save for the exceptions of the French Consumer "
    "Code (perishable goods, services on a set date).</p>"
    "<h2>5. Personal data</h2>"
    "<p>The merchant receives the details of the buyers of their orders and uses them only to fulfil those "
    "orders: preparation, collection, delivery and after-sales service. They do not use them for marketing "
    "without the buyers' consent and pass them on to no one.</p>"
    "<h2>6. Closing the account</h2>"
    "<p>The merchant may close their account at any time from their merchant area, confirming with their "
    "password. Their shop is withdrawn from the site at once and their login deactivated; the sums still "
    "owed to them are paid with the following weekly statements. Orders, invoices and statements are kept "
    "for the periods the law requires.</p>"
    "<h2>7. Term and changes</h2>"
    "<p>Each new version of these terms must be accepted by the merchant the next time they log in.</p>",
)
# What merchants accept on first login is the French text of their terms page.
TERMS_TEXT = MERCHANT_TERMS.fr


# The platform's legal pages (home.LegalPage), under each home --------------
# {name}, {legal_name}, {address}, {siret}, {vat_number} and {email} come from settings.PLATFORM.
# French and English have the same elements in the same order: wagtail-localize pairs them one by one.


@dataclass(frozen=True)
class LegalPageSpec:
    kind: str
    title: Bi
    slug: Bi
    body: Bi


LEGAL_NOTICE = Bi(
    "<h2>Éditeur</h2>"
    "<p>Le site {name} est édité par {legal_name}, {address}. SIRET {siret}, "
    "n° de TVA intracommunautaire {vat_number}.</p>"
    "<p>Contact : {email}</p>"
    "<h2>Hébergement</h2>"
    "<p>Le site est hébergé par son éditeur, {legal_name}, {address}.</p>"
    "<h2>Les boutiques</h2>"
    "<p>Chaque boutique est tenue par un commerçant indépendant, seul vendeur de ses produits : sa raison "
    "sociale, son SIRET et son adresse figurent sur sa page, dans la rubrique « Informations légales ».</p>"
    "<h2>Données personnelles</h2>"
    "<p>Vos coordonnées servent à exécuter vos commandes : elles sont transmises à la boutique qui vous vend, "
    "et à personne d'autre. Vous pouvez exporter ou effacer vos données depuis votre compte, ou en écrivant "
    "à {email}.</p>",
    "<h2>Publisher</h2>"
    "<p>{name} is published by {legal_name}, {address}. SIRET {siret}, EU VAT number {vat_number}.</p>"
    "<p>Contact: {email}</p>"
    "<h2>Hosting</h2>"
    "<p>The site is hosted by its publisher, {legal_name}, {address}.</p>"
    "<h2>The shops</h2>"
    "<p>Each shop is run by an independent merchant, the sole seller of its products: its company name, "
    "SIRET number and address are shown on its page, under “Legal information”.</p>"
    "<h2>Personal data</h2>"
    "<p>Your details are used to fulfil your orders: they are passed on to the shop that sells to you, "
    "and to no one else. You can export or erase your data from your account, or by writing to {email}.</p>",
)

TERMS_OF_SALE = Bi(
    "<h2>1. Qui vend ?</h2>"
    "<p>Sur {name}, chaque produit est vendu par la boutique qui le propose : le commerçant est le vendeur, "
    "seul responsable de ses produits, de ses prix, de leur livraison et des garanties. Son identité figure "
    "sur la page de sa boutique et sur votre confirmation de commande.</p>"
    "<p>{legal_name}, qui exploite la plateforme, est un intermédiaire : elle présente les offres des "
    "boutiques, réunit vos achats en un seul panier et encaisse le paiement pour le compte de chaque "
    "commerçant. Elle n'est pas partie au contrat de vente.</p>"
    "<h2>2. Commande et prix</h2>"
    "<p>Les prix sont indiqués en euros, toutes taxes comprises ; les frais de livraison de chaque boutique "
    "sont affichés avant le paiement. La vente est conclue quand le paiement par carte est accepté ; vous "
    "recevez alors une confirmation par e-mail.</p>"
    "<h2>3. Retrait et livraison</h2>"
    "<p>Chaque boutique propose ses modes de retrait et de livraison. Les bons cadeaux et les prestations "
    "sont envoyés par e-mail dès le paiement.</p>"
    "<h2>4. Droit de rétractation</h2>"
    "<p>Vous disposez de 14 jours pour vous rétracter d'un achat à distance, sauf pour les denrées "
    "périssables, les biens personnalisés et les prestations de loisirs à date fixe ; chaque produit indique "
    "la règle qui s'applique. Les modalités et le formulaire figurent sur la page « Droit de rétractation ».</p>"
    "<h2>5. Garanties</h2>"
    "<p>Le vendeur répond des défauts de conformité (articles L217-3 et suivants du Code de la consommation) "
    "et des vices cachés (articles 1641 et suivants du Code civil).</p>"
    "<h2>6. Conditions propres à une boutique</h2>"
    "<p>Une boutique peut préciser ses propres conditions de vente sur sa page ; pour tout ce qu'elles ne "
    "prévoient pas, les présentes conditions s'appliquent.</p>"
    "<h2>7. Réclamations</h2>"
    "<p>Adressez-vous d'abord à la boutique. Sans réponse satisfaisante, écrivez à {email} : nous vous "
    "aiderons à trouver une solution. Vous pouvez aussi recourir gratuitement à un médiateur de la "
    "consommation.</p>",
    "<h2>1. Who sells?</h2>"
    "<p>On {name}, each product is sold by the shop that offers it: the merchant is the seller, solely "
    "responsible for its products, prices, delivery and guarantees. The merchant's identity is shown on "
    "the shop's page and in your order confirmation.</p>"
    "<p>{legal_name}, which runs the platform, is an intermediary: it presents the shops' offers, gathers "
    "your purchases in one basket and collects the payment on behalf of each merchant. It is not a party "
    "to the contract of sale.</p>"
    "<h2>2. Orders and prices</h2>"
    "<p>Prices are in euros, all taxes included; each shop's delivery fees are shown before payment. The "
    "sale is made when the card payment is accepted; you then receive a confirmation by e-mail.</p>"
    "<h2>3. Collection and delivery</h2>"
    "<p>Each shop offers its own ways of collection and delivery. Gift vouchers and services are sent by "
    "e-mail as soon as you have paid.</p>"
    "<h2>4. Right of withdrawal</h2>"
    "<p>You have 14 days to withdraw from a distance purchase, except for perishable food, personalised "
    "goods and leisure services on a set date; each product says which rule applies. How to withdraw, and "
    "the form, are on the “Right of withdrawal” page.</p>"
    "<h2>5. Guarantees</h2>"
    "<p>The seller is liable for lack of conformity (articles L217-3 and following of the French Consumer "
    "Code) and for hidden defects (articles 1641 and following of the French Civil Code).</p>"
    "<h2>6. A shop's own terms</h2>"
    "<p>A shop may set out its own terms of sale on its page; these terms apply to anything they do not "
    "cover.</p>"
    "<h2>7. Complaints</h2>"
    "<p>Contact the shop first. If its answer does not satisfy you, write to {email}: we will help you find "
    "a solution. You may also turn to a consumer mediator, free of charge.</p>",
)

WITHDRAWAL = Bi(
    "<h2>Votre droit de rétractation</h2>"
    "<p>Vous avez le droit de vous rétracter d'un achat sans donner de motif dans un délai de quatorze jours "
    "(article L221-18 du Code de la consommation). Ce délai court à partir du jour où vous, ou un tiers autre "
    "que le transporteur désigné par vous, prenez physiquement possession du bien ; pour un bon cadeau, à "
    "partir du jour de l'achat.</p>"
    "<p>Pour exercer ce droit, informez la boutique qui vous a vendu le produit de votre décision par une "
    "déclaration dénuée d'ambiguïté (lettre ou e-mail, à l'adresse indiquée sur sa page et dans votre "
    "confirmation de commande). Vous pouvez utiliser le modèle de formulaire ci-dessous, mais ce n'est pas "
    "obligatoire. Il suffit d'envoyer votre décision avant la fin du délai.</p>"
    "<h2>Exceptions</h2>"
    "<p>Selon l'article L221-28 du Code de la consommation, le droit de rétractation ne peut pas être exercé "
    "pour :</p>"
    "<ul><li>les denrées périssables ou qui se dégradent rapidement ;</li>"
    "<li>les biens confectionnés selon vos spécifications ou nettement personnalisés ;</li>"
    "<li>les prestations de loisirs à fournir à une date ou à une période déterminée.</li></ul>"
    "<p>La règle qui s'applique est indiquée pour chaque produit : sur sa page, au moment de commander et "
    "dans votre confirmation de commande.</p>"
    "<h2>Effets de la rétractation</h2>"
    "<p>La boutique vous rembourse tous les paiements reçus, frais de livraison standard compris, au plus "
    "tard quatorze jours après avoir été informée de votre décision, sur la carte utilisée pour la commande. "
    "Elle peut différer le remboursement jusqu'à ce qu'elle ait récupéré le bien ou que vous ayez fourni une "
    "preuve de son expédition. Renvoyez ou rapportez le bien à la boutique au plus tard quatorze jours après "
    "lui avoir communiqué votre décision ; les frais directs de renvoi sont à votre charge.</p>"
    "<h2>Modèle de formulaire de rétractation</h2>"
    "<p>(Annexe à l'article R221-1 du Code de la consommation. Veuillez compléter et renvoyer le présent "
    "formulaire uniquement si vous souhaitez vous rétracter du contrat.)</p>"
    "<ul><li>À l'attention de [nom, adresse et adresse électronique de la boutique, indiqués sur sa page et "
    "dans votre confirmation de commande] :</li>"
    "<li>Je/nous (*) vous notifie/notifions (*) par la présente ma/notre (*) rétractation du contrat portant "
    "sur la vente du bien (*)/pour la prestation de services (*) ci-dessous :</li>"
    "<li>Commandé le (*)/reçu le (*) :</li>"
    "<li>Nom du (des) consommateur(s) :</li>"
    "<li>Adresse du (des) consommateur(s) :</li>"
    "<li>Signature du (des) consommateur(s) (uniquement en cas de notification du présent formulaire sur "
    "papier) :</li>"
    "<li>Date :</li></ul>"
    "<p>(*) Rayez la mention inutile.</p>",
    "<h2>Your right of withdrawal</h2>"
    "<p>You have the right to withdraw from a purchase without giving any reason within fourteen days "
    "(article L221-18 of the French Consumer Code). The period runs from the day on which you, or a third "
    "party other than the carrier and indicated by you, take physical possession of the goods; for a gift "
    "voucher, from the day of purchase.</p>"
    "<p>To exercise this right, inform the shop that sold you the product of your decision by an "
    "unequivocal statement (a letter or an e-mail, to the address shown on its page and in your order "
    "confirmation). You may use the model form below, but it is not obligatory. Sending your decision "
    "before the period has expired is enough.</p>"
    "<h2>Exceptions</h2>"
    "<p>Under article L221-28 of the French Consumer Code, the right of withdrawal does not apply to:</p>"
    "<ul><li>goods that are perishable or liable to deteriorate rapidly;</li>"
    "<li>goods made to your specifications or clearly personalised;</li>"
    "<li>leisure services to be provided on a specific date or within a specific period.</li></ul>"
    "<p>The rule that applies is stated for each product: on its page, when you order and in your order "
    "confirmation.</p>"
    "<h2>Effects of withdrawal</h2>"
    "<p>The shop reimburses all payments received from you, including standard delivery costs, no later "
    "than fourteen days after being informed of your decision, to the card used for the order. It may "
    "withhold the reimbursement until it has received the goods back or you have supplied evidence of "
    "having sent them. Send back or bring the goods to the shop no later than fourteen days after telling it "
    "of your decision; you bear the direct cost of returning them.</p>"
    "<h2>Model withdrawal form</h2>"
    "<p>(Annex to article R221-1 of the French Consumer Code. Complete and return this form only if you "
    "wish to withdraw from the contract.)</p>"
    "<ul><li>To [the shop's name, address and e-mail address, as shown on its page and in your order "
    "confirmation]:</li>"
    "<li>I/We (*) hereby give notice that I/We (*) withdraw from my/our (*) contract of sale of the "
    "following goods (*)/for the provision of the following service (*),</li>"
    "<li>Ordered on (*)/received on (*),</li>"
    "<li>Name of consumer(s),</li>"
    "<li>Address of consumer(s),</li>"
    "<li>Signature of consumer(s) (only if this form is notified on paper),</li>"
    "<li>Date</li></ul>"
    "<p>(*) Delete as appropriate.</p>",
)

PRIVACY = Bi(
    "<h2>Qui traite vos données ?</h2>"
    "<p>{legal_name}, {address}, exploite {name} avec les offices de tourisme partenaires : elle est "
    "responsable des données collectées sur le site. Pour toute question : {email}.</p>"
    "<p>Chaque boutique auprès de laquelle vous commandez reçoit les données de sa commande et en est "
    "responsable pour l'exécuter : préparation, retrait, livraison et service après-vente.</p>"
    "<h2>Quelles données ?</h2>"
    "<ul>"
    "<li>Clients : nom, adresse e-mail, téléphone si vous le donnez, adresse de livraison pour un envoi, "
    "contenu et montant de vos commandes, bons cadeaux et leur utilisation ; votre mot de passe, chiffré, si "
    "vous créez un compte.</li>"
    "<li>Paiement : votre carte est saisie dans le formulaire de Stripe ; nous ne voyons ni ne gardons "
    "jamais son numéro, seulement la référence et le résultat du paiement.</li>"
    "<li>Commerçants : identité de l'entreprise (raison sociale, SIRET, TVA, adresse), nom et coordonnées de "
    "la personne qui inscrit le commerce, photo de la boutique, coordonnées bancaires pour les "
    "versements.</li>"
    "<li>Sécurité : identifiant et adresse IP des tentatives de connexion, pour bloquer les essais de mots "
    "de passe.</li></ul>"
    "<h2>Pour quoi faire ?</h2>"
    "<ul>"
    "<li>Exécuter vos commandes et vous envoyer confirmations et bons cadeaux (exécution du contrat).</li>"
    "<li>Verser aux commerçants le produit de leurs ventes et établir les factures (obligation légale).</li>"
    "<li>Protéger le site et les comptes contre la fraude (intérêt légitime).</li></ul>"
    "<p>Nous ne vendons aucune donnée et n'en utilisons aucune pour de la publicité ; le site n'a ni mesure "
    "d'audience ni outil de suivi.</p>"
    "<h2>Qui les reçoit ?</h2>"
    "<ul>"
    "<li>Les boutiques de votre commande, chacune pour sa part de la commande seulement.</li>"
    "<li>Stripe, notre prestataire de paiement, qui traite le paiement par carte et la lutte contre la "
    "fraude.</li>"
    "<li>L'office de tourisme du territoire, qui anime le marché et accompagne les commerçants.</li>"
    "<li>Le fournisseur des fonds de carte (OpenStreetMap, sauf mention contraire sous la carte) : "
    "votre navigateur lui demande les images des cartes des marchés et des boutiques, et lui transmet donc "
    "votre adresse IP ; aucun cookie n'est déposé.</li>"
    "<li>Notre hébergeur et notre service d'envoi d'e-mails, qui n'agissent que sur nos "
    "instructions.</li></ul>"
    "<h2>Combien de temps ?</h2>"
    "<ul>"
    "<li>Les données personnelles de vos commandes sont anonymisées trois ans après votre dernière "
    "commande ; un compte client sans connexion ni commande depuis trois ans est supprimé.</li>"
    "<li>Les factures sont conservées dix ans, comme l'exige le droit comptable français (article L123-22 du "
    "Code de commerce) : les coordonnées qu'elles portent restent jusqu'à la fin de ce délai.</li>"
    "<li>Les tentatives de connexion ne sont gardées que le temps de protéger les comptes.</li>"
    "<li>Quand un commerçant ferme son compte, sa boutique est retirée du site ; ses commandes, factures et "
    "relevés sont conservés pendant les mêmes durées légales.</li></ul>"
    "<h2>Vos droits</h2>"
    "<p>Vous pouvez accéder à vos données, les faire corriger ou effacer, en recevoir une copie, vous "
    "opposer à leur traitement ou en demander la limitation.</p>"
    "<ul>"
    "<li>Avec un compte client : téléchargez vos données et supprimez votre compte depuis la page de votre "
    "compte.</li>"
    "<li>Sans compte : demandez l'export ou l'effacement depuis le lien privé de votre commande (dans votre "
    "e-mail de confirmation) ; nous vous demandons de confirmer par e-mail.</li>"
    "<li>Commerçants : fermez votre compte depuis votre espace commerçant, menu « Compte » ; les sommes qui "
    "vous restent dues vous sont versées.</li>"
    "<li>Dans tous les cas, vous pouvez aussi écrire à {email}.</li></ul>"
    "<p>Si vous estimez que vos droits ne sont pas respectés, vous pouvez adresser une réclamation à la CNIL "
    "(cnil.fr).</p>"
    "<h2>Cookies</h2>"
    "<p>Le site ne dépose que les cookies nécessaires à son fonctionnement ; la page « Cookies » les "
    "détaille.</p>",
    "<h2>Who processes your data?</h2>"
    "<p>{legal_name}, {address}, runs {name} with the partner tourism offices: it is the controller of the "
    "data collected on the site. For any question: {email}.</p>"
    "<p>Each shop you order from receives the data of its order and is responsible for it to fulfil the "
    "order: preparation, collection, delivery and after-sales service.</p>"
    "<h2>What data?</h2>"
    "<ul>"
    "<li>Customers: name, e-mail address, telephone if you give it, delivery address for a shipment, content "
    "and amount of your orders, gift vouchers and their use; your password, encrypted, if you create an "
    "account.</li>"
    "<li>Payment: your card is typed into Stripe's form; we never see or keep its number, only the payment's "
    "reference and result.</li>"
    "<li>Merchants: the business's identity (company name, SIRET, VAT, address), name and contact details of "
    "the person who registers the business, a photo of the shop, bank details for the payouts.</li>"
    "<li>Security: user name and IP address of login attempts, to block password guessing.</li></ul>"
    "<h2>What for?</h2>"
    "<ul>"
    "<li>To fulfil your orders and send you confirmations and gift vouchers (performance of the "
    "contract).</li>"
    "<li>To pay merchants the proceeds of their sales and issue the invoices (legal obligation).</li>"
    "<li>To protect the site and the accounts against fraud (legitimate interest).</li></ul>"
    "<p>We sell no data and use none for advertising; the site has no audience measurement and no tracking "
    "tool.</p>"
    "<h2>Who receives it?</h2>"
    "<ul>"
    "<li>The shops of your order, each for its own part of the order only.</li>"
    "<li>Stripe, our payment provider, which processes card payments and fights fraud.</li>"
    "<li>The territory's tourism office, which runs the market and supports the merchants.</li>"
    "<li>The map tile provider (OpenStreetMap unless the map says otherwise): your browser asks it for "
    "the images of the market and shop maps, and so sends it your IP address; it sets no cookie.</li>"
    "<li>Our host and our e-mail service, which act only on our instructions.</li></ul>"
    "<h2>For how long?</h2>"
    "<ul>"
    "<li>The personal data of your orders is anonymised three years after your last order; a customer "
    "account with neither a log-in nor an order for three years is deleted.</li>"
    "<li>Invoices are kept for ten years, as French accounting law requires (article L123-22 of the French "
    "Commercial Code): the details they carry remain until that period ends.</li>"
    "<li>Login attempts are kept only as long as needed to protect the accounts.</li>"
    "<li>When a merchant closes their account, their shop is withdrawn from the site; their orders, invoices "
    "and statements are kept for the same legal periods.</li></ul>"
    "<h2>Your rights</h2>"
    "<p>You may access your data, have it corrected or erased, receive a copy of it, object to its "
    "processing or ask for it to be restricted.</p>"
    "<ul>"
    "<li>With a customer account: download your data and delete your account from your account page.</li>"
    "<li>Without an account: ask for the export or the erasure from your order's private link (in your "
    "confirmation e-mail); we ask you to confirm by e-mail.</li>"
    "<li>Merchants: close your account from your merchant area, “Account” menu; the sums still owed to you "
    "are paid.</li>"
    "<li>In every case, you may also write to {email}.</li></ul>"
    "<p>If you believe your rights are not respected, you may lodge a complaint with the CNIL, the French "
    "data protection authority (cnil.fr).</p>"
    "<h2>Cookies</h2>"
    "<p>The site sets only the cookies it needs to work; the “Cookies” page lists them.</p>",
)

COOKIES = Bi(
    "<h2>Seulement des cookies nécessaires</h2>"
    "<p>{name} ne dépose que des cookies indispensables : garder votre panier, protéger les formulaires, "
    "vous garder connecté et sécuriser le paiement. Aucun ne sert à la publicité ni à la mesure d'audience, "
    "et aucun ne vous suit sur d'autres sites.</p>"
    "<p>Ces cookies sont dispensés de consentement (article 82 de la loi Informatique et Libertés) : c'est "
    "pourquoi le site ne vous montre aucun bandeau de cookies.</p>"
    "<h2>Le paiement</h2>"
    "<p>Sur la page de paiement, le formulaire de carte est fourni par Stripe, notre prestataire de "
    "paiement. Stripe.js y dépose deux cookies qui l'aident à reconnaître les paiements frauduleux ; ils ne "
    "servent qu'à la sécurité du paiement (politique de confidentialité de Stripe : stripe.com/privacy).</p>"
    "<h2>La liste complète</h2>"
    "<p>Voici tous les cookies que vous pouvez recevoir. Vous pouvez les supprimer à tout moment dans les "
    "réglages de votre navigateur : vous perdrez alors votre panier et votre connexion.</p>",
    "<h2>Only the cookies the site needs</h2>"
    "<p>{name} sets only essential cookies: to keep your basket, protect the forms, keep you logged in and "
    "secure the payment. None is used for advertising or audience measurement, and none follows you on other "
    "sites.</p>"
    "<p>These cookies need no consent (article 82 of the French Data Protection Act): that is why the site "
    "shows you no cookie banner.</p>"
    "<h2>The payment</h2>"
    "<p>On the payment page, the card form is provided by Stripe, our payment provider. Stripe.js sets two "
    "cookies there that help it recognise fraudulent payments; they serve only the payment's security "
    "(Stripe's privacy policy: stripe.com/privacy).</p>"
    "<h2>The full list</h2>"
    "<p>Here are all the cookies you may receive. You can delete them at any time in your browser's "
    "settings: you will then lose your basket and your login.</p>",
)

LEGAL_PAGES: tuple[LegalPageSpec, ...] = (
    LegalPageSpec("legal_notice", Bi("Mentions légales", "Legal notice"),
                  Bi("mentions-legales", "legal-notice"), LEGAL_NOTICE),
    LegalPageSpec("terms", Bi("Conditions générales de vente", "Terms of sale"),
                  Bi("conditions-generales-de-vente", "terms-of-sale"), TERMS_OF_SALE),
    LegalPageSpec("withdrawal", Bi("Droit de rétractation", "Right of withdrawal"),
                  Bi("droit-de-retractation", "right-of-withdrawal"), WITHDRAWAL),
    LegalPageSpec("privacy", Bi("Données personnelles", "Personal data"),
                  Bi("donnees-personnelles", "personal-data"), PRIVACY),
    LegalPageSpec("cookies", Bi("Cookies", "Cookies"), Bi("cookies", "cookies"), COOKIES),
    LegalPageSpec("merchant_terms", Bi("Conditions d'utilisation des commerçants", "Merchants' terms of use"),
                  Bi("conditions-utilisation-commercants", "merchants-terms-of-use"), MERCHANT_TERMS),
)
