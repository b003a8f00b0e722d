"""Who may do what in the admin: every URL a merchant or an editor could reach × every kind of actor.

Actors: the merchant owning shop A1, another merchant of the same territory
(shop A2), an editor of territory A, an editor of territory B, and an
anonymous visitor. Each case asserts the exact outcome — allowed, denied
(403 or sent back to the dashboard), or sent to the login page — and, for a
refused change, that nothing changed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, WorkflowPage

from checkout.billing import invoices
from checkout.models import Payout, PayoutAccount, WeeklyStatement
from markets import onboarding
from markets.editors import make_editor, territory_collection
from markets.merchants import make_merchant, shop_collection
from markets.models import CommissionRate, MerchantRegistration, PartnerContact, TermsAcceptance, TermsVersion
from shops.models import ProductStock
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import registration_data

ACTORS = ("owner", "other_merchant", "editor_a", "editor_b", "anonymous")


@dataclass
class World:
    ids: dict

    def __getattr__(self, name):
        return self.ids[name]


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
    leaf_a1 = f.make_product(shop_a1, "Produit A1 bis", stock=2)
    draft_a1 = f.make_product(shop_a1, "Brouillon A1", stock=1, live=False)
    product_a2 = f.make_product(shop_a2, "Produit A2", stock=7)
    f.make_product(shop_b1, "Produit B1", stock=9)

    owner = User.objects.create_user("owner", email="owner@example.org")
    other = User.objects.create_user("other", email="other@example.org")
    editor_a = User.objects.create_user("editor_a")
    editor_b = User.objects.create_user("editor_b")
    newcomer = User.objects.create_user("newcomer")
    make_merchant(owner, shop_a1)
    make_merchant(other, shop_a2)
    make_editor(editor_a, territory_a)
    make_editor(editor_b, territory_b)
    for page in Page.objects.filter(pk__in=[shop_a1.pk, leaf_a1.pk, product_a1.pk]):
        page.owner = owner
        page.save(update_fields=["owner"])
    version = TermsVersion.objects.create(version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    for merchant in (owner, other):
        TermsAcceptance.objects.create(user=merchant, version=version)

    # A newcomer's draft shop in territory A, submitted for its first publication
    draft_a = f.make_shop(market_a, "Boutique en attente", live=False)
    make_merchant(newcomer, draft_a)
    workflow = onboarding.first_publication_workflow(territory_a)
    WorkflowPage.objects.create(workflow=workflow, page=draft_a)
    workflow_state = workflow.start(draft_a, newcomer)

    partner_a = PartnerContact.objects.create(kind="tourism_office", name="Office A", territory=territory_a,
                                              locale=f.locale("fr"))
    partner_b = PartnerContact.objects.create(kind="tourism_office", name="Office B", territory=territory_b,
                                              locale=f.locale("fr"))
    image_a1 = get_image_model().objects.create(
        title="Vitrine A1", file=ContentFile(f.png_bytes(), name="a1.png"), collection=shop_collection(shop_a1)
    )
    document_a = get_document_model().objects.create(
        title="Règlement A", file=ContentFile(b"%PDF-1.4", name="reglement.pdf"),
        collection=territory_collection(territory_a),
    )
    data = registration_data(7)
    registration_a = MerchantRegistration.objects.create(
        territory=territory_a, photo=data.pop("photo"),
        **{k: v for k, v in data.items() if k not in ("chain", "declared_independent")},
    )
    statement_a1, payout_a1, invoice_a1 = paid_statement(shop_a1, territory_a)
    PayoutAccount.objects.create(shop=shop_a1, holder="Boutique A1", iban="FR7630006000011234567890189")
    step_a = CommissionRate.objects.create(territory=territory_a, starts_on=datetime.date(2099, 1, 1), rate=Decimal("4"))
    return {
        "step_a": step_a.pk,
        "statement_a1": statement_a1.pk, "payout_a1": payout_a1.pk, "invoice_a1": invoice_a1.pk,
        "territory_a": territory_a.pk, "market_a": market_a.pk, "shop_a1": shop_a1.pk, "shop_a2": shop_a2.pk,
        "shop_b1": shop_b1.pk, "product_a1": product_a1.pk, "leaf_a1": leaf_a1.pk, "draft_a1": draft_a1.pk, "product_a2": product_a2.pk,
        "draft_a": draft_a.pk, "task_state": workflow_state.current_task_state.pk,
        "partner_a": partner_a.pk, "partner_b": partner_b.pk, "image_a1": image_a1.pk,
        "document_a": document_a.pk, "registration_a": registration_a.pk,
        "users": {"owner": owner.pk, "other_merchant": other.pk, "editor_a": editor_a.pk, "editor_b": editor_b.pk},
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


@pytest.fixture
def world(_world, db):
    return World(_world)


def client_for(world, actor) -> Client:
    client = Client()
    if actor != "anonymous":
        client.force_login(User.objects.get(pk=world.users[actor]))
    return client


def outcome(response, url="") -> str:
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith(reverse("wagtailadmin_login")):
        return "login"
    if response.status_code == 403 or (response.status_code == 302 and location == reverse("wagtailadmin_home")):
        return "denied"
    # An admin 404 (a row outside the user's reach) is sent by LocaleMiddleware to /fr/…, where no page is either.
    if response.status_code == 404 or (response.status_code == 302 and url and location == f"/fr{url}"):
        return "denied"
    if response.status_code in (200, 302):
        return "ok"
    return str(response.status_code)


def live(pk):
    return Page.objects.get(pk=pk).live


def exists(pk):
    return Page.objects.filter(pk=pk).exists()


def parent_of(pk):
    return Page.objects.get(pk=pk).get_parent().pk


def stock(pk):
    return ProductStock.objects.get(translation_key=Page.objects.get(pk=pk).translation_key).quantity


def registration_status(pk):
    return MerchantRegistration.objects.get(pk=pk).status


@dataclass(frozen=True)
class Case:
    method: str
    url: Callable
    expected: dict  # actor -> outcome
    data: Callable | None = None
    state: Callable | None = None  # what must not change when refused
    contains: dict | None = None  # actor -> (text that must appear, text that must not)
    changes: dict | None = None  # actor -> whether the state changes, when the outcome alone does not say


OWNER_AND_EDITOR_A = {"owner": "ok", "other_merchant": "denied", "editor_a": "ok", "editor_b": "denied",
                      "anonymous": "login"}
EDITOR_A_ONLY = {"owner": "denied", "other_merchant": "denied", "editor_a": "ok", "editor_b": "denied",
                 "anonymous": "login"}
OWNER_ONLY = {"owner": "ok", "other_merchant": "denied", "editor_a": "denied", "editor_b": "denied",
              "anonymous": "login"}
NOBODY = {"owner": "denied", "other_merchant": "denied", "editor_a": "denied", "editor_b": "denied",
          "anonymous": "login"}

CASES = {
    "page-edit": Case("get", lambda w: reverse("wagtailadmin_pages:edit", args=[w.shop_a1]), OWNER_AND_EDITOR_A),
    # Wagtail's bulk publish answers everyone alike and publishes only what the user may publish
    "page-publish": Case(
        "post", lambda w: reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
        + f"?id={w.draft_a1}", {"owner": "ok", "other_merchant": "ok", "editor_a": "ok", "editor_b": "ok",
                                "anonymous": "login"},
        state=lambda w: live(w.draft_a1),
        changes={"owner": True, "other_merchant": False, "editor_a": True, "editor_b": False, "anonymous": False}),
    "page-unpublish": Case("post", lambda w: reverse("wagtailadmin_pages:unpublish", args=[w.shop_a1]),
                           OWNER_AND_EDITOR_A, state=lambda w: live(w.shop_a1)),
    # a shop with products: nobody but a superuser deletes it (no bulk delete)
    "page-delete-shop": Case("post", lambda w: reverse("wagtailadmin_pages:delete", args=[w.shop_a1]),
                             NOBODY, state=lambda w: exists(w.shop_a1)),
    "page-delete-product": Case("post", lambda w: reverse("wagtailadmin_pages:delete", args=[w.leaf_a1]),
                                OWNER_AND_EDITOR_A, state=lambda w: exists(w.leaf_a1)),
    # moving a product into another merchant's shop
    "page-move": Case("post", lambda w: reverse("wagtailadmin_pages:move_confirm", args=[w.product_a1, w.shop_a2]),
                      EDITOR_A_ONLY, state=lambda w: parent_of(w.product_a1)),
    "page-copy": Case("get", lambda w: reverse("wagtailadmin_pages:copy", args=[w.shop_a1]), OWNER_AND_EDITOR_A),
    "page-revisions": Case("get", lambda w: reverse("wagtailadmin_pages:history", args=[w.shop_a1]),
                           OWNER_AND_EDITOR_A),
    "page-preview": Case("get", lambda w: reverse("wagtailadmin_pages:preview_on_edit", args=[w.shop_a1]),
                         OWNER_AND_EDITOR_A),
    "workflow-approve": Case(
        "post", lambda w: reverse("wagtailadmin_pages:workflow_action", args=[w.draft_a, "approve", w.task_state]),
        EDITOR_A_ONLY, data=lambda w: {"comment": ""}, state=lambda w: live(w.draft_a)),
    "partners-list": Case(
        "get", lambda w: reverse("wagtailsnippets_markets_partnercontact:list"),
        {"owner": "denied", "other_merchant": "denied", "editor_a": "ok", "editor_b": "ok", "anonymous": "login"},
        contains={"editor_a": ("Office A", "Office B"), "editor_b": ("Office B", "Office A")}),
    "partner-edit": Case("get", lambda w: reverse("wagtailsnippets_markets_partnercontact:edit", args=[w.partner_a]),
                         EDITOR_A_ONLY),
    "partner-delete": Case(
        "post", lambda w: reverse("wagtailsnippets_markets_partnercontact:delete", args=[w.partner_a]),
        EDITOR_A_ONLY, state=lambda w: PartnerContact.objects.filter(pk=w.partner_a).exists()),
    "partner-history": Case(
        "get", lambda w: reverse("wagtailsnippets_markets_partnercontact:history", args=[w.partner_a]),
        EDITOR_A_ONLY),
    "territories": Case("get", lambda w: reverse("wagtailsnippets_markets_territory:list"), NOBODY),
    "territory-edit": Case("get", lambda w: reverse("wagtailsnippets_markets_territory:edit", args=[w.territory_a]),
                           NOBODY),
    "terms": Case("get", lambda w: reverse("wagtailsnippets_markets_termsversion:list"), NOBODY),
    "terms-add": Case("get", lambda w: reverse("wagtailsnippets_markets_termsversion:add"), NOBODY),
    "image-edit": Case("get", lambda w: reverse("wagtailimages:edit", args=[w.image_a1]), OWNER_AND_EDITOR_A),
    # the merchant's own collection: Wagtail's `change_image` there includes deleting
    "image-delete": Case("post", lambda w: reverse("wagtailimages:delete", args=[w.image_a1]), OWNER_AND_EDITOR_A,
                         state=lambda w: get_image_model().objects.filter(pk=w.image_a1).exists()),
    "document-edit": Case("get", lambda w: reverse("wagtaildocs:edit", args=[w.document_a]), EDITOR_A_ONLY),
    "registrations": Case(
        "get", lambda w: reverse("registrations:index"),
        {"owner": "denied", "other_merchant": "denied", "editor_a": "ok", "editor_b": "ok", "anonymous": "login"},
        contains={"editor_a": ("Les Délices de Morlaix 7", None), "editor_b": (None, "Les Délices de Morlaix 7")}),
    "registration-detail": Case("get", lambda w: reverse("registrations:inspect", args=[w.registration_a]),
                                EDITOR_A_ONLY),
    # the audit trail of a registration is the platform operator's (editors hold `view` only)
    "registration-history": Case("get", lambda w: reverse("registrations:history", args=[w.registration_a]),
                                 NOBODY),
    "registration-edit": Case("get", lambda w: reverse("registrations:edit", args=[w.registration_a]), NOBODY),
    "registration-approve": Case("post", lambda w: reverse("registrations:approve", args=[w.registration_a]),
                                 EDITOR_A_ONLY, state=lambda w: registration_status(w.registration_a)),
    "registration-reject": Case("post", lambda w: reverse("registrations:reject", args=[w.registration_a]),
                                EDITOR_A_ONLY, data=lambda w: {"reason": "Hors territoire."},
                                state=lambda w: registration_status(w.registration_a)),
    "stock-list": Case(
        "get", lambda w: reverse("shops_stock"),
        {"owner": "ok", "other_merchant": "ok", "editor_a": "ok", "editor_b": "ok", "anonymous": "login"},
        contains={"owner": ("Produit A1", "Produit A2"), "other_merchant": ("Produit A2", "Produit A1"),
                  "editor_b": ("Produit B1", "Produit A1")}),
    "stock-form": Case("post", lambda w: reverse("shops_stock_edit", args=[w.product_a1]), OWNER_AND_EDITOR_A,
                       data=lambda w: {"operation": "add", "quantity": "3"}, state=lambda w: stock(w.product_a1)),
    # Money: statements, payouts and invoices follow the shop; moving money is the platform's alone.
    "statement-list": Case(
        "get", lambda w: reverse("releves:index"),
        {"owner": "ok", "other_merchant": "ok", "editor_a": "ok", "editor_b": "ok", "anonymous": "login"},
        contains={"owner": ("Boutique A1", None), "other_merchant": (None, "Boutique A1"),
                  "editor_b": (None, "Boutique A1")}),
    "statement-detail": Case("get", lambda w: reverse("releves:inspect", args=[w.statement_a1]), OWNER_AND_EDITOR_A),
    "statement-csv": Case("get", lambda w: reverse("statement_csv", args=[w.statement_a1]), OWNER_AND_EDITOR_A),
    "statement-pdf": Case("get", lambda w: reverse("statement_pdf", args=[w.statement_a1]), OWNER_AND_EDITOR_A),
    "payout-detail": Case("get", lambda w: reverse("versements:inspect", args=[w.payout_a1]), OWNER_AND_EDITOR_A),
    "payout-export": Case("post", lambda w: reverse("versements:export"), NOBODY,
                          state=lambda w: Payout.objects.get(pk=w.payout_a1).state),
    "payout-mark-paid": Case("post", lambda w: reverse("versements:mark_paid", args=[w.payout_a1]), NOBODY,
                             state=lambda w: Payout.objects.get(pk=w.payout_a1).state),
    # a commission invoice is between the platform and the merchant: the tourism office has no part in it
    "invoice-detail": Case("get", lambda w: reverse("factures:inspect", args=[w.invoice_a1]), OWNER_ONLY),
    "invoice-pdf": Case("get", lambda w: reverse("factures:pdf", args=[w.invoice_a1]), OWNER_ONLY),
    "bank-details": Case("get", lambda w: reverse("coordonnees-bancaires:edit", args=[w.shop_a1]), OWNER_AND_EDITOR_A),
    "bank-details-change": Case(
        "post", lambda w: reverse("coordonnees-bancaires:edit", args=[w.shop_a1]), OWNER_AND_EDITOR_A,
        data=lambda w: {"holder": "Pirate", "iban": "DE89370400440532013000", "bic": ""},
        state=lambda w: PayoutAccount.objects.get(shop=w.shop_a1).iban),
    # the tourism office sets its own territory's schedule (future steps only)
    "commission-schedule-add": Case(
        "get", lambda w: reverse("commission_schedule:add"),
        {"owner": "denied", "other_merchant": "denied", "editor_a": "ok", "editor_b": "ok", "anonymous": "login"}),
    "commission-step-change": Case(
        "post", lambda w: reverse("commission_schedule:edit", args=[w.step_a]), EDITOR_A_ONLY,
        data=lambda w: {"territory": w.territory_a, "starts_on": "2099-01-01", "rate": "9.99"},
        state=lambda w: CommissionRate.objects.get(pk=w.step_a).rate),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", list(CASES))
def test_isolation(world, name, actor):
    case = CASES[name]
    expected = case.expected[actor]
    before = case.state(world) if case.state else None
    client = client_for(world, actor)
    url = case.url(world)
    data = case.data(world) if case.data else {}
    response = client.get(url) if case.method == "get" else client.post(url, data)

    assert outcome(response, url) == expected, (name, actor, response.status_code, response.get("Location"))
    if case.state:
        should_change = case.changes[actor] if case.changes else expected == "ok" and case.method == "post"
        if should_change:
            assert case.state(world) != before, f"{name}: {actor} was allowed but nothing happened"
        else:
            assert case.state(world) == before, f"{name}: {actor} changed something"
    if case.contains and actor in case.contains:
        html = response.content.decode()
        present, absent = case.contains[actor]
        if present:
            assert present in html
        if absent:
            assert absent not in html
