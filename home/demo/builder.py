"""Builds the demo idempotently: what exists is kept as it is, what is missing is made.

Things are found by stable keys (territory slug, page slug under its
parent, partner name, image title in its collection, username), never
recreated and never overwritten, so running the seed again after editors
changed the content leaves their work alone. Each shop is built in its own
transaction: an interrupted run leaves whole shops, and the next run
completes the rest.

French pages are created and published first; their English versions come
from `home.demo.translation.translate` (wagtail-localize records).
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from wagtail.models import Collection, Locale, Site

from home.demo import content, images, orders
from home.demo.content import FAQ, HELP_PAGE_STEPS, TUTORIALS, Bi, TerritorySpec
from home.demo.indexing import deferred_indexing
from home.demo.plan import BundlePlan, ShopPlan, block_id, initials, plan_bundle, plan_shops, registration_plan
from home.demo.translation import copy_translation, english_copy, translate
from home.models import HomePage, LegalPage
from markets.editors import make_editor, territory_collection
from markets.merchants import make_merchant, shop_collection
from markets.models import (
    CommissionRate,
    HelpPage,
    MarketPage,
    MarketPagePartner,
    MerchantRegistration,
    PartnerContact,
    TermsAcceptance,
    TermsVersion,
    Territory,
)
from shops import bundles
from shops.models import (
    BundlePart,
    DeliveryOption,
    ProductKind,
    ProductPage,
    ProductStock,
    ShopOpeningHours,
    ShopPage,
)

DEMO_PASSWORD = "noel2026"
HELP_PAGE_SLUG = Bi("comment-acheter", "how-to-buy")
MOTIF_NAMES = {"star": "étoile", "tree": "sapin", "snowflake": "flocon", "bauble": "boule de Noël", "gift": "cadeau"}
# The platform's commission schedules: steps (first day, percent) per territory.
DEMO_COMMISSION_SCHEDULES = {
    "colmar": [(date(2026, 11, 1), Decimal("4.00")), (date(2026, 11, 30), Decimal("3.00")),
               (date(2026, 12, 14), Decimal("1.00"))],
    "annecy": [(date(2026, 11, 1), Decimal("3.00"))],
    "quimper": [(date(2026, 11, 1), Decimal("5.00"))],
}


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope: str


@dataclass
class SeedReport:
    created: Counter = field(default_factory=Counter)
    existing: Counter = field(default_factory=Counter)
    logins: list[Login] = field(default_factory=list)
    pending_registrations: list[str] = field(default_factory=list)

    def note(self, kind: str, created: bool, count: int = 1) -> None:
        (self.created if created else self.existing)[kind] += count


def _lang(text: Bi, lang: str) -> str:
    return text.fr if lang == "fr" else text.en


class DemoBuilder:
    def __init__(self, *, shops_per_territory: int = 12, products_min: int = 5, products_max: int = 15,
                 territories: tuple[TerritorySpec, ...] = content.TERRITORIES, orders: bool = True):
        self.shops_per_territory = shops_per_territory
        # The demo's fortnight of orders and bank accounts (the bench writes its own season instead).
        self.orders = orders
        self.products_min = products_min
        self.products_max = products_max
        self.territories = territories
        self.report = SeedReport()
        self._pictures: dict[str, list] = {}

    def build(self) -> SeedReport:
        self.fr = Locale.objects.get(language_code="fr")
        self.en = Locale.objects.get(language_code="en")
        self.home = self._french_home()
        admin = self._user("admin", "Admin", "Démo", "admin@marche-noel.example", superuser=True)
        self.report.logins.append(Login("admin", "superuser", "toute la plateforme"))
        with deferred_indexing(), transaction.atomic():
            self._home_pages(admin)
            self._legal_pages(admin)
        self.terms = self._terms()
        for spec in self.territories:
            self._territory(spec)
        return self.report

    # Home ----------------------------------------------------------------

    def _french_home(self) -> HomePage:
        site = Site.objects.select_related("root_page").get(is_default_site=True)
        home = site.root_page.specific
        if not isinstance(home, HomePage) or home.locale_id != self.fr.id:
            raise RuntimeError(f"The default site's root page is not the French HomePage: {home!r}")
        return home

    def _home_pages(self, admin) -> None:
        if self.home.get_translation_or_none(self.en) is not None:
            self.report.note("page", False, 2)
            return
        if not self.home.intro:
            hero, created = images.ensure_image(
                Collection.get_first_root_node(), "Marché de Noël numérique — bannière",
                # No lettering on banners: the page title is laid over them.
                filename="marche-de-noel-banniere", palette="portal", motif="gift",
                size=images.BANNER_SIZE,
            )
            self.report.note("image", created)
            self.home.intro = content.HOME_INTRO.fr
            self.home.hero_image = hero
            self.home.save_revision(user=admin).publish(user=admin, skip_permission_checks=True)
        self.report.note("page", False)
        english = english_copy(self.home, title="Digital Christmas market", slug="home",
                               intro=content.HOME_INTRO.en if self.home.intro == content.HOME_INTRO.fr
                               else self.home.intro)
        translate(self.home, english, self.en, user=admin)
        self.report.note("page", True)

    def _legal_pages(self, admin) -> None:
        """The platform's legal pages (`content.LEGAL_PAGES`) under the home, in French and English.

        Found by kind; an English version is added only to a French text
        still as seeded (an editor's rewrite is theirs to translate).
        """
        platform = {key: str(value).replace("\n", ", ") for key, value in settings.PLATFORM.items()}
        existing = {page.kind: page for page in LegalPage.objects.child_of(self.home)}
        for spec in content.LEGAL_PAGES:
            body = spec.body.format(**platform)
            page = existing.get(spec.kind)
            self.report.note("page", page is None)
            if page is None:
                page = LegalPage(title=spec.title.fr, slug=spec.slug.fr, kind=spec.kind, body=body.fr, owner=admin)
                self.home.add_child(instance=page)
                page.save_revision(user=admin).publish(user=admin, skip_permission_checks=True)
            if page.get_translation_or_none(self.en) is not None or page.body != body.fr:
                self.report.note("page", False)
                continue
            english = english_copy(page, title=spec.title.en, slug=spec.slug.en, body=body.en)
            translate(page, english, self.en, user=admin)
            self.report.note("page", True)

    # Territory, market, partners, help ----------------------------------

    def _territory(self, spec: TerritorySpec) -> None:
        with deferred_indexing(), transaction.atomic():
            territory, created = Territory.objects.get_or_create(slug=spec.slug, defaults={"name": spec.name})
            self.report.note("territory", created)
            for starts_on, rate in DEMO_COMMISSION_SCHEDULES.get(spec.slug, [(date(2026, 11, 1), Decimal("4.00"))]):
                CommissionRate.objects.get_or_create(territory=territory, starts_on=starts_on, defaults={"rate": rate})
            collection = territory_collection(territory)
            tourism_office = spec.partners[0]
            editor = self._user(f"editeur-{spec.slug}", *tourism_office.person.split(" ", 1),
                                f"editeur-{spec.slug}@marche-noel.example")
            partners = [self._partner(p, collection, editor, territory) for p in spec.partners]
            market = self._market(spec, territory, collection, partners, editor)
            self._help_page(spec, market, editor)
            make_editor(editor, territory)
            self.report.logins.append(Login(editor.username, "éditeur", spec.name))
        shop_plans = plan_shops(spec, self.shops_per_territory, self.products_min, self.products_max)
        for plan in shop_plans:
            with deferred_indexing(), transaction.atomic():
                self._shop(plan, market)
        bundle_plan = plan_bundle(spec, shop_plans)
        bundle = None
        if bundle_plan is not None:
            with deferred_indexing(), transaction.atomic():
                bundle = self._bundle(bundle_plan, market)
        with transaction.atomic():
            self._pending_registration(spec, territory)
        if self.orders:
            # Each order is its own transaction, as at the checkout.
            self.report.note("payout_account", True, orders.seed_payout_accounts(market))
            self.report.note("order", True, orders.seed_orders(territory, market, random.Random(f"demo:{spec.slug}")))
            # After the others: `seed_orders` makes none in a territory that has orders already.
            if bundle is not None:
                self.report.note("order", True, orders.seed_bundle_order(territory, bundle))

    # Onboarding: terms and a registration awaiting the editor ------------

    def _terms(self) -> TermsVersion:
        version, created = TermsVersion.objects.get_or_create(
            version=content.TERMS_VERSION, defaults={"text": content.TERMS_TEXT, "published_at": content.TERMS_DATE}
        )
        self.report.note("terms", created)
        return version

    def _pending_registration(self, spec, territory) -> None:
        plan = registration_plan(spec)
        registration = MerchantRegistration.objects.filter(territory=territory, siret=plan.siret).first()
        self.report.note("registration", registration is None)
        if registration is None:
            registration = MerchantRegistration(
                territory=territory, trade_name=plan.trade_name, legal_name=plan.legal_name, siret=plan.siret,
                vat_status=plan.vat_status, vat_number=plan.vat_number, street=plan.street,
                postcode=plan.town.postcode, city=plan.town.name, category=plan.category,
                contact_name=plan.contact_name, email=plan.email, phone=plan.phone, language="fr",
                declared_independent=True,
            )
            picture = images.draw(palette=plan.category, motif="gift", text=initials(plan.trade_name),
                                  seed=plan.siret)
            registration.photo.save("vitrine.png", ContentFile(picture), save=False)
            # Saved directly: no acknowledgement e-mail for demo data.
            registration.save()
        if registration.status == MerchantRegistration.Status.PENDING:
            self.report.pending_registrations.append(f"{registration.trade_name} ({spec.name})")

    def _partner(self, spec: content.PartnerSpec, collection, editor, territory) -> PartnerContact:
        partner = PartnerContact.objects.filter(locale=self.fr, name=spec.name.fr).first()
        self.report.note("partner", partner is None)
        if partner is None:
            logo, created = images.ensure_image(
                collection, f"Logo — {spec.name.fr}", filename=f"logo-{spec.email.split('@')[1].split('.')[0]}",
                palette="portal", motif="star", text=initials(spec.name.fr, 3), size=images.LOGO_SIZE,
            )
            self.report.note("image", created)
            partner = PartnerContact(
                locale=self.fr, kind=spec.kind, name=spec.name.fr, person=spec.person, role=spec.role.fr,
                email=spec.email, phone=spec.phone, website=spec.website, address=spec.address, logo=logo,
                territory=territory,
            )
            partner.save()
            partner.save_revision(user=editor).publish(user=editor, skip_permission_checks=True)
        self._translate(partner, english_copy(partner, name=spec.name.en, role=spec.role.en), editor, "partner")
        # Partners seeded before they had a territory get theirs, in both languages.
        PartnerContact.objects.filter(translation_key=partner.translation_key, territory__isnull=True).update(
            territory=territory
        )
        return partner

    def _market(self, spec, territory, collection, partners, editor) -> MarketPage:
        market = MarketPage.objects.child_of(self.home).filter(slug=spec.page_slug).first()
        self.report.note("page", market is None)
        if market is None:
            hero, created = images.ensure_image(
                collection, f"{spec.title.fr} — bannière", filename=f"{spec.slug}-banniere",
                palette="portal", motif="tree", size=images.BANNER_SIZE,
            )
            self.report.note("image", created)
            market = MarketPage(
                title=spec.title.fr, slug=spec.page_slug, territory=territory,
                tourism_office=spec.tourism_office.fr, market_opens=spec.opens, market_closes=spec.closes,
                intro=spec.intro.fr, hero_image=hero, contact_email=spec.contact_email,
                faq=self._faq(spec, "fr"), help=self._tutorials(spec, "fr"), owner=editor,
            )
            market.partners = [MarketPagePartner(partner=p, sort_order=i) for i, p in enumerate(partners)]
            self.home.add_child(instance=market)
            market.save_revision(user=editor).publish(user=editor, skip_permission_checks=True)
        else:
            market = market.specific
        already = market.get_translation_or_none(self.en)
        self.report.note("page", already is None)
        if already is None:
            english_partners = [p.get_translation(self.en) for p in partners]
            copy_translation(
                market, self.en, user=editor, title=spec.title.en, draft_title=spec.title.en,
                tourism_office=spec.tourism_office.en, intro=spec.intro.en, faq=self._faq(spec, "en"),
                help=self._tutorials(spec, "en"),
                child_relations={"partners": [MarketPagePartner(partner=p, sort_order=i)
                                              for i, p in enumerate(english_partners)]},
            )
        return market

    def _faq(self, spec, lang):
        closes = content.long_date(spec.closes)
        return [
            {"type": "entry", "id": block_id(spec.slug, "faq", i),
             "value": {"question": _lang(question, lang), "answer": _lang(answer.format(closes=closes), lang)}}
            for i, (question, answer) in enumerate(FAQ)
        ]

    def _tutorials(self, spec, lang, steps=TUTORIALS, key="help"):
        return [
            {"type": "tutorial", "id": block_id(spec.slug, key, i),
             "value": {"title": _lang(title, lang), "text": _lang(text, lang), "video": None}}
            for i, (title, text) in enumerate(steps)
        ]

    def _help_page(self, spec, market, editor) -> HelpPage:
        page = HelpPage.objects.child_of(market).filter(slug=HELP_PAGE_SLUG.fr).first()
        self.report.note("page", page is None)

        def body(lang):
            contact = content.HELP_PAGE_CONTACT.format(email=spec.contact_email)
            return self._tutorials(spec, lang, HELP_PAGE_STEPS, "how-to-buy") + [
                {"type": "text", "id": block_id(spec.slug, "how-to-buy", "contact"), "value": _lang(contact, lang)}
            ]

        if page is None:
            page = HelpPage(title=content.HELP_PAGE_TITLE.fr, slug=HELP_PAGE_SLUG.fr,
                            intro=content.HELP_PAGE_INTRO.fr, body=body("fr"), owner=editor)
            market.add_child(instance=page)
            page.save_revision(user=editor).publish(user=editor, skip_permission_checks=True)
        else:
            page = page.specific
        already = page.get_translation_or_none(self.en)
        self.report.note("page", already is None)
        if already is None:
            copy_translation(page, self.en, user=editor, title=content.HELP_PAGE_TITLE.en,
                             draft_title=content.HELP_PAGE_TITLE.en, slug=HELP_PAGE_SLUG.en,
                             intro=content.HELP_PAGE_INTRO.en, body=body("en"))
        return page

    # Shops and products ---------------------------------------------------

    def _shop(self, plan: ShopPlan, market: MarketPage) -> None:
        first_name, last_name = plan.manager
        merchant = self._user(plan.slug, first_name, last_name, plan.email)
        shop = ShopPage.objects.child_of(market).filter(slug=plan.slug).first()
        self.report.note("page", shop is None)
        shop = self._new_shop(plan, market, merchant) if shop is None else shop.specific
        english = english_copy(shop, description=plan.description.en, opening_hours=plan.opening_hours.en)
        english.delivery_options = [
            english_copy(option, instructions=d.instructions.en, area=d.area.en)
            for option, d in zip(shop.delivery_options.order_by("sort_order"), plan.deliveries, strict=True)
        ]
        self._translate(shop, english, merchant)
        self._products(plan, shop, merchant)
        make_merchant(merchant, shop)
        # Demo merchants have accepted the terms: their logins go straight in.
        TermsAcceptance.objects.get_or_create(user=merchant, version=self.terms)
        self.report.logins.append(Login(merchant.username, "commerçant", f"{plan.name} ({plan.town.name})"))

    def _new_shop(self, plan: ShopPlan, market: MarketPage, merchant) -> ShopPage:
        shop = ShopPage(
            title=plan.name, slug=plan.slug, legal_name=plan.legal_name, siret=plan.siret,
            vat_status=plan.vat_status, vat_number=plan.vat_number, category=plan.category,
            street=plan.street, postcode=plan.town.postcode, city=plan.town.name,
            description=plan.description.fr, opening_hours=plan.opening_hours.fr, phone=plan.phone,
            email=plan.email, owner=merchant, latitude=plan.coordinates[0], longitude=plan.coordinates[1],
        )
        shop.delivery_options = [
            DeliveryOption(kind=d.kind, instructions=d.instructions.fr, area=d.area.fr, postcodes=d.postcodes,
                           carrier=d.carrier, fee=d.fee, sort_order=i)
            for i, d in enumerate(plan.deliveries)
        ]
        # By day, then by time: the order a merchant would type them in.
        periods = sorted((day, p.opens, p.closes) for p in plan.opening_periods for day in p.days)
        shop.opening_periods = [
            ShopOpeningHours(weekday=day, opens=time.fromisoformat(opens), closes=time.fromisoformat(closes),
                             sort_order=i)
            for i, (day, opens, closes) in enumerate(periods)
        ]
        market.add_child(instance=shop)
        # The cover lives in the shop's own collection, which needs the page.
        shop.cover_image = self._shop_pictures(plan, shop)[0]
        shop.save_revision(user=merchant).publish(user=merchant, skip_permission_checks=True)
        return shop

    def _shop_pictures(self, plan: ShopPlan, shop: ShopPage) -> list:
        """The cover (with initials) and three product pictures, in the shop's collection.

        Per shop rather than per category: a merchant may choose images only
        from their own collection, so the pictures their products use are
        ones they can see and reuse.
        """
        if plan.slug in self._pictures:
            return self._pictures[plan.slug]
        collection = shop_collection(shop)
        turn = plan.index % len(images.MOTIFS)  # neighbouring shops get different covers
        motifs = images.MOTIFS[turn:] + images.MOTIFS[:turn]
        pictures = []
        for position, motif in enumerate(motifs[:4]):
            title = (f"{plan.name} — illustration de la boutique" if position == 0
                     else f"{plan.name} — illustration produit ({MOTIF_NAMES[motif]})")
            image, created = images.ensure_image(
                collection, title, filename=f"{plan.slug}-{position}", palette=plan.category, motif=motif,
                text=plan.initials if position == 0 else "",
            )
            self.report.note("image", created)
            pictures.append(image)
        self._pictures[plan.slug] = pictures
        return pictures

    def _products(self, plan: ShopPlan, shop: ShopPage, merchant) -> None:
        existing = {p.slug: p for p in ProductPage.objects.child_of(shop).specific()}
        pictures = None
        products = []
        for product_plan in plan.products:
            product = existing.get(product_plan.slug.fr)
            self.report.note("page", product is None)
            if product is None:
                pictures = pictures or self._shop_pictures(plan, shop)[1:]
                product = ProductPage(
                    title=product_plan.name.fr, slug=product_plan.slug.fr, kind=product_plan.kind,
                    price=product_plan.price, vat_rate=product_plan.vat_rate, valid_until=product_plan.valid_until,
                    cover_image=pictures[product_plan.picture % len(pictures)],
                    description=product_plan.description.fr,
                    options=self._options(plan, product_plan, "fr"), owner=merchant,
                )
                shop.add_child(instance=product)
                product.save_revision(user=merchant).publish(user=merchant, skip_permission_checks=True)
            products.append((product_plan, product))

        translated = set(
            ProductPage.objects.filter(translation_key__in=[p.translation_key for _, p in products], locale=self.en)
            .values_list("translation_key", flat=True)
        )
        for product_plan, product in products:
            self.report.note("page", product.translation_key not in translated)
            if product.translation_key not in translated:
                english = english_copy(
                    product, title=product_plan.name.en, slug=product_plan.slug.en,
                    description=product_plan.description.en, options=self._options(plan, product_plan, "en"),
                )
                translate(product, english, self.en, user=merchant)

        stocked = set(
            ProductStock.objects.filter(translation_key__in=[p.translation_key for _, p in products])
            .values_list("translation_key", flat=True)
        )
        missing = [
            ProductStock(translation_key=product.translation_key, quantity=product_plan.quantity)
            for product_plan, product in products
            if product.translation_key not in stocked
        ]
        ProductStock.objects.bulk_create(missing)
        self.report.note("stock", True, len(missing))
        self.report.note("stock", False, len(products) - len(missing))

    def _bundle(self, plan: BundlePlan, market: MarketPage) -> ProductPage:
        """The market's bundle, on sale: its participant accepted its part, as it would in its admin.

        Accepted only when the bundle is made; an answer given since (a
        declined or withdrawn part) is the participant's and stays.
        """
        User = get_user_model()
        seller = ShopPage.objects.child_of(market).get(slug=plan.seller.slug).specific
        participant = ShopPage.objects.child_of(market).get(slug=plan.participant.slug)
        merchant = User.objects.get(username=plan.seller.slug)
        bundle = ProductPage.objects.child_of(seller).filter(slug=plan.slug.fr).first()
        self.report.note("page", bundle is None)
        if bundle is None:
            cover, created = images.ensure_image(
                shop_collection(seller), f"{plan.name.fr} — illustration du coffret",
                filename=f"{plan.seller.slug}-coffret", palette=plan.seller.category, motif="gift",
            )
            self.report.note("image", created)
            bundle = ProductPage(
                title=plan.name.fr, slug=plan.slug.fr, kind=ProductKind.BUNDLE, price=plan.price,
                vat_rate=plan.vat_rate, valid_until=plan.valid_until, cover_image=cover,
                description=plan.description.fr, bundle_own_part=plan.own_part.fr, owner=merchant,
            )
            bundle.bundle_parts = [
                BundlePart(participant=participant, description=plan.part.fr, share_percent=plan.share_percent,
                           vat_rate=plan.part_vat_rate, sort_order=0),
            ]
            seller.add_child(instance=bundle)
            host = User.objects.get(username=plan.participant.slug)
            for consent in bundles.ask_consents(bundle):
                bundles.answer(consent.pk, host, accept=True)
            bundle.save_revision(user=merchant).publish(user=merchant, skip_permission_checks=True)
        else:
            bundle = bundle.specific
        already = bundle.get_translation_or_none(self.en)
        self.report.note("page", already is None)
        if already is None:
            english = english_copy(bundle, title=plan.name.en, slug=plan.slug.en, description=plan.description.en,
                                   bundle_own_part=plan.own_part.en)
            # The English rows of the parts, paired with the French ones by translation key (as delivery
            # options); a part the merchant added keeps its words until translated.
            english.bundle_parts = [
                english_copy(part, description=plan.part.en if part.description == plan.part.fr else part.description)
                for part in bundle.bundle_parts.order_by("sort_order")
            ]
            translate(bundle, english, self.en, user=merchant)
        # No stock limit: a dinner and a night are booked with each house.
        _stock, created = ProductStock.objects.get_or_create(
            translation_key=bundle.translation_key, defaults={"quantity": None}
        )
        self.report.note("stock", created)
        return bundle

    def _options(self, plan: ShopPlan, product_plan, lang: str) -> list[dict]:
        key = (plan.territory.slug, plan.slug, product_plan.slug.fr)
        return [
            {"type": "option", "id": block_id(*key, i), "value": {
                "name": _lang(option.name, lang),
                "values": [{"type": "item", "id": block_id(*key, i, j), "value": _lang(value, lang)}
                           for j, value in enumerate(option.values)],
            }}
            for i, option in enumerate(product_plan.options)
        ]

    # Helpers ---------------------------------------------------------------

    def _translate(self, source, english, user, kind: str = "page"):
        already = source.get_translation_or_none(self.en)
        self.report.note(kind, already is None)
        return already or translate(source, english, self.en, user=user)

    def _user(self, username, first_name, last_name, email, superuser=False):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        self.report.note("user", user is None)
        if user is None:
            user = User(username=username, first_name=first_name, last_name=last_name, email=email,
                        is_staff=superuser, is_superuser=superuser, password=self._password_hash())
            user.save()
        return user

    def _password_hash(self) -> str:
        # One PBKDF2 run for all demo accounts (40 runs took ~8 s). A shared
        # salt costs nothing here: the password itself is public.
        if not hasattr(self, "_demo_password_hash"):
            self._demo_password_hash = make_password(DEMO_PASSWORD)
        return self._demo_password_hash
