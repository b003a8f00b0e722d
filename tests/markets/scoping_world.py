"""Two territories, their shops, people and private rows, for the admin scoping tests.

Territory A: market A, shop A1 (merchant_a), shop A2 (merchant_a2), editor_a.
Territory B: market B, shop B1 (merchant_b, owner of B's pages), editor_b.
Each territory has a partner contact, a future commission step (with its
log entry), a registration, an image and a document; shop B1 has a draft
product, an order, a weekly statement, a payout and an invoice.
`B_PRIVATE` lists texts of B's rows that no user of A may ever be shown.

`world_fixture()` builds it once per test module (rolled back at its end);
each test then runs in its own transaction.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import Page
from wagtail_localize.models import StringSegment, Translation, TranslationSource
from wagtail_localize.operations import translate_object

from checkout.billing import invoices
from checkout.models import Payout, WeeklyStatement
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import Customer, place_order
from markets import onboarding
from markets.editors import make_editor, territory_collection
from markets.merchants import make_merchant, shop_collection
from markets.models import (
    ChainStore,
    CommissionRate,
    MerchantRegistration,
    PartnerContact,
    TermsAcceptance,
    TermsVersion,
)
from shops.models import DeliveryKind
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import registration_data

ACTORS = ("merchant_a", "merchant_a2", "editor_a", "editor_b", "anonymous")
# Users of territory A: nothing of B may reach them.
A_USERS = ("merchant_a", "merchant_a2", "editor_a")

PARTNER_B_NAME = "Office de Bélénos"
PARTNER_B_EMAIL = "belenos@office-b.example"
PARTNER_B_PERSON = "Tanguy Bélénos"
STEP_B_RATE = Decimal("6.83")
MERCHANT_B_FIRST, MERCHANT_B_LAST = "Gwenaëlle", "Quéméner"
DRAFT_B_TITLE = "Brouillon secret Bélénos"
REGISTRATION_B_NAME = "Les Délices de Morlaix 88"
IMAGE_B_TITLE = "Vitrine Bélénos"
DOCUMENT_B_TITLE = "Règlement Bélénos"
CUSTOMER_B = Customer("Bérénice Kerjean", "berenice.kerjean@example.org", "06 98 76 54 32")
B_PRIVATE = (
    PARTNER_B_NAME, PARTNER_B_EMAIL, PARTNER_B_PERSON, "6,83", "6.83", MERCHANT_B_LAST, DRAFT_B_TITLE,
    REGISTRATION_B_NAME, IMAGE_B_TITLE, DOCUMENT_B_TITLE, CUSTOMER_B.name, CUSTOMER_B.email,
)
# B's commission rate as a page shows it (6,83 or 6.83), not inside a longer number: the seconds and
# microseconds of a timestamp ("12:00:06.834") are no secret of B's.
B_RATE_SHOWN = re.compile(r"(?<![\d:.,])6[.,]83(?![\d])")


def b_secrets_in(text: str) -> list[str]:
    """The texts of B_PRIVATE that `text` shows."""
    return [
        secret for secret in B_PRIVATE
        if (B_RATE_SHOWN.search(text) is not None if secret in ("6,83", "6.83") else secret in text)
    ]


@dataclass
class World:
    ids: dict

    def __getattr__(self, name):
        try:
            return self.ids[name]
        except KeyError as error:
            raise AttributeError(name) from error


def build_world() -> dict:
    home = f.french_home()
    f.english_home()
    territory_a, territory_b = f.make_territory("Pays A"), f.make_territory("Pays B")
    market_a = f.make_market(home, territory_a, title="Marché A")
    market_b = f.make_market(home, territory_b, title="Marché B")
    shop_a1 = f.make_shop(market_a, "Boutique A1")
    shop_a2 = f.make_shop(market_a, "Boutique A2")
    shop_b1 = f.make_shop(market_b, "Boutique B1")
    product_a1 = f.make_product(shop_a1, "Produit A1", stock=5)
    f.make_product(shop_a2, "Produit A2", stock=5)
    product_b1 = f.make_product(shop_b1, "Produit B1", stock=9)
    draft_b1 = f.make_product(shop_b1, DRAFT_B_TITLE, stock=1, live=False)
    # English versions before the groups are made, so that their permissions reach them: a merchant
    # of A1 then explores from the tree's root, where Wagtail's own checks let every page through.
    f.translate(market_a, "en", title="Market A")
    f.translate(shop_a1, "en", title="Shop A1")
    f.translate(market_b, "en", title="Market B")
    f.translate(shop_b1, "en", title="Shop B1")

    merchant_a = User.objects.create_user("merchant_a", first_name="Anne", last_name="Aléno")
    merchant_a2 = User.objects.create_user("merchant_a2", first_name="Alan", last_name="Aubry")
    merchant_b = User.objects.create_user("merchant_b", first_name=MERCHANT_B_FIRST, last_name=MERCHANT_B_LAST)
    editor_a = User.objects.create_user("editor_a", first_name="Armelle", last_name="Abgrall")
    editor_b = User.objects.create_user("editor_b", first_name="Bleuenn", last_name="Bothorel")
    make_merchant(merchant_a, shop_a1)
    make_merchant(merchant_a2, shop_a2)
    make_merchant(merchant_b, shop_b1)
    make_editor(editor_a, territory_a)
    make_editor(editor_b, territory_b)
    Page.objects.filter(pk__in=[shop_a1.pk, product_a1.pk]).update(owner=merchant_a)
    Page.objects.descendant_of(market_b, inclusive=True).update(owner=merchant_b)
    version = TermsVersion.objects.create(version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    for merchant in (merchant_a, merchant_a2, merchant_b):
        TermsAcceptance.objects.create(user=merchant, version=version)

    partner_a = PartnerContact.objects.create(kind="tourism_office", name="Office Alpha", territory=territory_a,
                                              email="alpha@office-a.example", locale=f.locale("fr"))
    partner_a2 = PartnerContact.objects.create(kind="chamber", name="CCI Alpha", territory=territory_a,
                                               locale=f.locale("fr"))
    partner_b = PartnerContact.objects.create(kind="tourism_office", name=PARTNER_B_NAME, territory=territory_b,
                                              email=PARTNER_B_EMAIL, person=PARTNER_B_PERSON, locale=f.locale("fr"))
    step_a = CommissionRate.objects.create(territory=territory_a, starts_on=datetime.date(2099, 1, 1),
                                           rate=Decimal("4"))
    step_b = CommissionRate.objects.create(territory=territory_b, starts_on=datetime.date(2099, 2, 1), rate=STEP_B_RATE)
    log(instance=step_b, action="wagtail.create", user=editor_b)
    log(instance=partner_b, action="wagtail.create", user=editor_b)
    data = registration_data(88)
    registration_b = MerchantRegistration.objects.create(
        territory=territory_b, photo=data.pop("photo"),
        **{k: v for k, v in data.items() if k not in ("chain", "declared_independent")},
    )
    chain = ChainStore.objects.create(name="Grande Enseigne")
    image_b = get_image_model().objects.create(
        title=IMAGE_B_TITLE, file=ContentFile(f.png_bytes(), name="b1.png"), collection=shop_collection(shop_b1))
    image_a1 = get_image_model().objects.create(
        title="Vitrine A1", file=ContentFile(f.png_bytes(), name="a1.png"), collection=shop_collection(shop_a1))
    document_b = get_document_model().objects.create(
        title=DOCUMENT_B_TITLE, file=ContentFile(b"%PDF-1.4", name="reglement-b.pdf"),
        collection=territory_collection(territory_b))
    pickup = shop_b1.delivery_options.get(kind=DeliveryKind.PICKUP)
    order_b = place_order(territory_b.pk, [BasketLine(product_b1.pk, 1)], {shop_b1.pk: DeliveryChoice(pickup.pk)},
                          CUSTOMER_B, "fr")
    statement_b, payout_b, invoice_b = paid_statement(shop_b1, territory_b)
    localize_b = submitted_for_english(partner_b)
    workflow_b = onboarding.first_publication_workflow(territory_b)
    return {
        "workflow_b": workflow_b.pk, "task_b": workflow_b.tasks.first().pk, "user_b": merchant_b.pk,
        "territory_a": territory_a.pk, "territory_b": territory_b.pk, "market_a": market_a.pk,
        "market_b": market_b.pk, "shop_a1": shop_a1.pk, "shop_a2": shop_a2.pk, "shop_b1": shop_b1.pk,
        "product_a1": product_a1.pk, "product_b1": product_b1.pk, "draft_b1": draft_b1.pk,
        "partner_a": partner_a.pk, "partner_a2": partner_a2.pk, "partner_b": partner_b.pk,
        "step_a": step_a.pk, "step_b": step_b.pk, "registration_b": registration_b.pk, "chain": chain.pk,
        "image_a1": image_a1.pk, "image_b": image_b.pk, "document_b": document_b.pk, "terms": version.pk,
        "order_b": order_b.pk, "shop_order_b": order_b.shop_orders.get().pk, "statement_b": statement_b.pk,
        "payout_b": payout_b.pk, "invoice_b": invoice_b.pk, "localize_b": localize_b,
        "editors_group_b": territory_b.editors_group_id, "collection_b": shop_collection(shop_b1).pk,
        "users": {"merchant_a": merchant_a.pk, "merchant_a2": merchant_a2.pk, "merchant_b": merchant_b.pk,
                  "editor_a": editor_a.pk, "editor_b": editor_b.pk},
    }


def submitted_for_english(instance) -> dict:
    """`instance` submitted for translation into English, as localize's "Translate" button does."""
    translate_object(instance, [f.locale("en")])
    source = TranslationSource.objects.get_for_instance(instance)
    translation = Translation.objects.get(source=source, target_locale=f.locale("en"))
    return {
        "source": source.pk, "translation": translation.pk,
        "string": StringSegment.objects.filter(source=source).order_by("order").first().pk,
    }


def paid_statement(shop, territory):
    """Last week's statement of `shop` with its pending payout and its commission invoice."""
    statement = WeeklyStatement.objects.create(
        shop=shop, territory=territory, week_start=datetime.date(2026, 11, 23),
        period_end=datetime.datetime(2026, 11, 29, 23, 0, tzinfo=datetime.UTC),
        trade_name=shop.title, legal_name=shop.legal_name, siret=shop.siret, vat_status=shop.vat_status,
        carried_in=Decimal("0.00"), sales=Decimal("100.00"), refunds=Decimal("0.00"), commission=Decimal("4.00"),
        commission_returned=Decimal("0.00"), transfer_fee=Decimal("0.18"), payout_amount=Decimal("95.82"),
        carried_out=Decimal("0.00"),
    )
    payout = Payout.objects.create(statement=statement, shop=shop, territory=territory, amount=Decimal("95.82"),
                                   end_to_end_id=f"MN-{statement.pk}-2026W48")
    return statement, payout, invoices.issue_commission_invoice(statement)


def world_fixture():
    """A module-scoped fixture building the world once; use it as `_world = world_fixture()`."""

    @pytest.fixture(scope="module")
    def _world(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                ids = build_world()
            except BaseException:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
                raise
        yield ids
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)

    return _world


def client_for(world, actor) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(User.objects.get(pk=world.users[actor]))
    return client


def b_rows(world) -> dict:
    """What A's users must never change: B's rows, counted and read."""
    partner = PartnerContact.objects.filter(pk=world.partner_b).values("name", "email", "territory_id").first()
    return {
        "partners": PartnerContact.objects.filter(territory_id=world.territory_b).count(),
        "partner_b": partner,
        "steps": list(CommissionRate.objects.filter(territory_id=world.territory_b).values_list("starts_on", "rate")),
        "registration": MerchantRegistration.objects.filter(pk=world.registration_b).values_list("status").first(),
        "pages": list(Page.objects.descendant_of(Page.objects.get(pk=world.market_b), inclusive=True)
                      .order_by("pk").values_list("pk", "title", "live", "path", "owner_id", "locked")),
        "images": get_image_model().objects.filter(pk=world.image_b).values_list("title", "collection_id").first(),
        "documents": get_document_model().objects.filter(pk=world.document_b).count(),
        "payout": Payout.objects.filter(pk=world.payout_b).values_list("state").first(),
        "translations": Translation.objects.filter(source_id=world.localize_b["source"]).values_list("enabled").first(),
    }
