"""Who may do what in the admin: every URL a merchant or an editor could reach × every kind of actor.

Actors: the merchant owning shop A1, another merchant of the same territory
(shop A2), an editor of territory A, an editor of territory B, and an
anonymous visitor. Each case asserts the exact outcome — allowed, denied
(403 or sent back to the dashboard), or sent to the login page — and, for a
refused change, that nothing changed.

A bundle sold by shop A3 (its merchant, "seller", is an actor of these
cases only) with a part provided by A1 has its cases too: A1's merchant
sees its part's order, voucher and invoice; A2's, of the same market,
nothing of them; the seller only its own shop order.

Every wagtail-localize URL (`/admin/localize/…`) has its cases, on A's
help page (editors of A), A1's product (its merchant and editors of A) and
A's partner contact (editors of A), each already submitted for translation
into English; `test_every_localize_url_has_a_case` keeps the list whole.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, WorkflowPage
from wagtail_localize.models import (
    OverridableSegment,
    SegmentOverride,
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)
from wagtail_localize.operations import translate_object

from checkout.billing import invoices
from checkout.models import BankDetailsChange, Invoice, InvoiceKind, Payout, PayoutAccount, Voucher, WeeklyStatement
from checkout.pricing import BasketLine
from checkout.services import Customer, confirm_payment, place_order
from markets import onboarding
from markets.editors import make_editor, territory_collection
from markets.merchants import make_merchant, shop_collection
from markets.models import (
    CommissionRate,
    HelpPage,
    MerchantRegistration,
    PartnerContact,
    TermsAcceptance,
    TermsVersion,
)
from portal.money import to_cents
from shops.models import ProductStock
from tests.checkout.helpers import fake_payment
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import registration_data

ACTORS = ("owner", "other_merchant", "editor_a", "editor_b", "anonymous")
# The bundle's buyer: named in the orders listed, the phone for the seller only.
BUNDLE_BUYER = Customer("Gwenaëlle Coffret", "gwenaelle@example.org", "06 99 88 77 66")


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
    # English versions before the groups are made, so that their permissions reach them.
    f.translate(market_a, "en", title="Market A")
    f.translate(shop_a1, "en", title="Shop A1")
    help_a = f.add_page(market_a, HelpPage(title="Aide A", body=[
        ("tutorial", {"title": "Commander", "text": "<p>Ajoutez au panier.</p>", "video": "https://video.example.org/a"}),
    ]))

    owner = User.objects.create_user("owner", email="owner@example.org", password="secret")
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
    partner_a2 = PartnerContact.objects.create(kind="chamber", name="CCI A", territory=territory_a,
                                               locale=f.locale("fr"))
    localize = {
        name: submitted_for_english(instance)
        for name, instance in (("help_a", help_a), ("product_a1", product_a1), ("partner_a", partner_a))
    }
    # One string of the help page translated already: there is something to change and to delete.
    segment = StringSegment.objects.get(pk=localize["help_a"]["string"])
    StringTranslation.objects.create(translation_of_id=segment.string_id, context_id=segment.context_id,
                                     locale=f.locale("en"), data="Order")
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
    # an editor's change of A1's bank details, waiting for the owner's confirmation
    bank_change_a1 = BankDetailsChange.objects.create(
        shop=shop_a1, old_holder="Boutique A1", old_iban="FR7630006000011234567890189", new_holder="Boutique A1",
        new_iban="DE89370400440532013000", requested_by=editor_a,
        expires_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC),
    )
    step_a = CommissionRate.objects.create(territory=territory_a, starts_on=datetime.date(2099, 1, 1), rate=Decimal("4"))
    seller = User.objects.create_user("seller")
    TermsAcceptance.objects.create(user=seller, version=version)
    bundle_sale = sold_bundle(market_a, territory_a, seller, shop_a1)
    return {
        **bundle_sale,
        "step_a": step_a.pk, "bank_change_a1": bank_change_a1.pk,
        "statement_a1": statement_a1.pk, "payout_a1": payout_a1.pk, "invoice_a1": invoice_a1.pk,
        "territory_a": territory_a.pk, "market_a": market_a.pk, "shop_a1": shop_a1.pk, "shop_a2": shop_a2.pk,
        "shop_b1": shop_b1.pk, "product_a1": product_a1.pk, "leaf_a1": leaf_a1.pk, "draft_a1": draft_a1.pk, "product_a2": product_a2.pk,
        "draft_a": draft_a.pk, "task_state": workflow_state.current_task_state.pk,
        "partner_a": partner_a.pk, "partner_b": partner_b.pk, "image_a1": image_a1.pk,
        "document_a": document_a.pk, "registration_a": registration_a.pk,
        "market_a_fr": market_a.pk, "partner_a2": partner_a2.pk, "localize": localize,
        "users": {"owner": owner.pk, "other_merchant": other.pk, "editor_a": editor_a.pk, "editor_b": editor_b.pk,
                  "seller": seller.pk},
    }


def submitted_for_english(instance) -> dict:
    """`instance` submitted for translation into English with localize, as its "Translate" button does."""
    translate_object(instance, [f.locale("en")])
    source = TranslationSource.objects.get_for_instance(instance)
    translation = Translation.objects.get(source=source, target_locale=f.locale("en"))
    override = OverridableSegment.objects.filter(source=source).order_by("order").first()
    return {
        "source": source.pk, "translation": translation.pk, "target": translation.get_target_instance().pk,
        "string": StringSegment.objects.filter(source=source).order_by("order").first().pk,
        "override": override.pk if override else None,
    }


def sold_bundle(market, territory, seller, participant) -> dict:
    """A paid bundle of a new shop A3 (run by `seller`), with a part of `participant`: the ids of what it made."""
    shop_a3 = f.make_shop(market, "Boutique A3")
    make_merchant(seller, shop_a3)
    bundle = f.make_bundle(shop_a3, "Coffret A3", price="30.00", parts=[
        {"participant": participant, "share_amount": Decimal("10.00"), "description": "Part A1"},
    ])
    order = place_order(territory.pk, [BasketLine(bundle.pk, 1)], {}, BUNDLE_BUYER)
    confirm_payment(fake_payment(order).provider_id, to_cents(order.total), "eur")
    part_order, seller_order = order.shop_orders.get(shop=participant), order.shop_orders.get(shop=shop_a3)
    part_voucher = Voucher.objects.get(order_line__shop_order=part_order)
    return {
        "bundle_part_order": part_order.pk, "bundle_seller_order": seller_order.pk,
        "bundle_part_voucher": part_voucher.pk, "bundle_part_voucher_code": part_voucher.code,
        "bundle_seller_voucher": Voucher.objects.get(order_line__shop_order=seller_order).pk,
        "bundle_part_invoice": Invoice.objects.get(kind=InvoiceKind.SALE, shop_order=part_order).pk,
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


def outcome(response, url="", missing_is_denied=True) -> str:
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith(reverse("wagtailadmin_login")):
        return "login"
    if response.status_code == 403 or (response.status_code == 302 and location == reverse("wagtailadmin_home")):
        return "denied"
    # An admin 404 (a row outside the user's reach) is sent by LocaleMiddleware to /fr/…, where no page is either.
    if response.status_code == 404 or (response.status_code == 302 and url and location == f"/fr{url}"):
        return "denied" if missing_is_denied else "missing"
    # 201: a JSON endpoint created the row.
    if response.status_code in (200, 201, 302):
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
    settings: dict | None = None  # settings the URL needs to do anything
    # a 404 is the view's own answer once past the access checks: told apart from a refusal ("missing")
    missing: bool = False
    # where a look-up that found the row sends the actor ("found"), told apart from a refusal on the form ("ok")
    finds: Callable | None = None


OWNER_AND_EDITOR_A = {"owner": "ok", "other_merchant": "denied", "editor_a": "ok", "editor_b": "denied",
                      "anonymous": "login"}
EDITOR_A_ONLY = {"owner": "denied", "other_merchant": "denied", "editor_a": "ok", "editor_b": "denied",
                 "anonymous": "login"}
OWNER_ONLY = {"owner": "ok", "other_merchant": "denied", "editor_a": "denied", "editor_b": "denied",
              "anonymous": "login"}
NOBODY = {"owner": "denied", "other_merchant": "denied", "editor_a": "denied", "editor_b": "denied",
          "anonymous": "login"}

ALL_ADMIN_USERS = {"owner": "ok", "other_merchant": "ok", "editor_a": "ok", "editor_b": "ok", "anonymous": "login"}


def lz(name, key):
    """An id of what `submitted_for_english` made for `name` (help_a, product_a1, partner_a)."""
    return lambda w: w.localize[name][key]


def english_strings(name):
    """The English string translations of `name`'s source, in a stable order."""
    def state(w):
        source = TranslationSource.objects.get(pk=w.localize[name]["source"])
        return list(StringTranslation.objects.filter(locale__language_code="en", context__object_id=source.object_id)
                    .order_by("pk").values_list("data", flat=True))
    return state


def latest_revision(name):
    return lambda w: Page.objects.get(pk=w.localize[name]["target"]).latest_revision_id


def translations(model, key):
    """How many translations localize records for the object (an English alias page, if any, is none)."""
    return lambda w: Translation.objects.filter(source__object_id=model.objects.get(pk=w.ids[key]).translation_key).count()


def back_to_editor(w, name) -> str:
    # These views go back to `next`; without it, to the dashboard, which would read as a refusal.
    return "?next=" + reverse("wagtailadmin_pages:edit", args=[w.localize[name]["target"]])


def english(w) -> dict:
    return {"locales": [f.locale("en").pk]}


def po_file(name):
    """localize's PO export of `name`'s translation with every string filled in, as a translator sends it back."""
    def data(w):
        po = Translation.objects.get(pk=w.localize[name]["translation"]).export_po()
        for entry in po:
            entry.msgstr = f"PO {entry.msgid}"
        return {"file": SimpleUploadedFile("traduction.po", str(po).encode(), content_type="text/x-gettext-translation")}
    return data


DUMMY_TRANSLATOR = {"WAGTAILLOCALIZE_MACHINE_TRANSLATOR": {
    "CLASS": "wagtail_localize.machine_translators.dummy.DummyTranslator"}}

LOCALIZE_CASES = {
    "jsi18n": Case("get", lambda w: reverse("wagtail_localize:javascript_catalog"), ALL_ADMIN_USERS),
    # submitting: a page needs its every version editable, a partner contact its territory
    "submit-product": Case("get", lambda w: reverse("wagtail_localize:submit_page_translation", args=[w.product_a1]),
                           OWNER_AND_EDITOR_A),
    "submit-market": Case("get", lambda w: reverse("wagtail_localize:submit_page_translation", args=[w.market_a_fr]),
                          EDITOR_A_ONLY),
    "submit-product-post": Case(
        "post", lambda w: reverse("wagtail_localize:submit_page_translation", args=[w.leaf_a1]), OWNER_AND_EDITOR_A,
        data=english, state=translations(Page, "leaf_a1")),
    "submit-partner": Case(
        "get", lambda w: reverse("wagtail_localize:submit_snippet_translation",
                                 args=["markets", "partnercontact", w.partner_a]), EDITOR_A_ONLY),
    "submit-partner-post": Case(
        "post", lambda w: reverse("wagtail_localize:submit_snippet_translation",
                                  args=["markets", "partnercontact", w.partner_a2]), EDITOR_A_ONLY,
        data=english, state=translations(PartnerContact, "partner_a2")),
    # "Sync translated pages"
    "update-help": Case("get", lambda w: reverse("wagtail_localize:update_translations", args=[lz("help_a", "source")(w)]),
                        EDITOR_A_ONLY),
    "update-product-post": Case(
        "post", lambda w: reverse("wagtail_localize:update_translations", args=[lz("product_a1", "source")(w)]),
        OWNER_AND_EDITOR_A, data=lambda w: {"publish_translations": "on"}, state=latest_revision("product_a1")),
    # the translation editor's endpoints
    "edit-string-help": Case(
        "put", lambda w: reverse("wagtail_localize:edit_string_translation",
                                 args=[lz("help_a", "translation")(w), lz("help_a", "string")(w)]),
        EDITOR_A_ONLY, data=lambda w: {"value": "Ordering"}, state=english_strings("help_a")),
    "edit-string-product": Case(
        "put", lambda w: reverse("wagtail_localize:edit_string_translation",
                                 args=[lz("product_a1", "translation")(w), lz("product_a1", "string")(w)]),
        OWNER_AND_EDITOR_A, data=lambda w: {"value": "Product A1"}, state=english_strings("product_a1")),
    "edit-string-partner": Case(
        "put", lambda w: reverse("wagtail_localize:edit_string_translation",
                                 args=[lz("partner_a", "translation")(w), lz("partner_a", "string")(w)]),
        EDITOR_A_ONLY, data=lambda w: {"value": "Tourist office A"}, state=english_strings("partner_a")),
    "delete-string-help": Case(
        "delete", lambda w: reverse("wagtail_localize:edit_string_translation",
                                    args=[lz("help_a", "translation")(w), lz("help_a", "string")(w)]),
        EDITOR_A_ONLY, state=english_strings("help_a")),
    "edit-override-help": Case(
        "put", lambda w: reverse("wagtail_localize:edit_override",
                                 args=[lz("help_a", "translation")(w), lz("help_a", "override")(w)]),
        EDITOR_A_ONLY, data=lambda w: {"value": "https://video.example.org/en"},
        state=lambda w: SegmentOverride.objects.filter(locale__language_code="en").count()),
    "po-download": Case(
        "get", lambda w: reverse("wagtail_localize:download_pofile", args=[lz("help_a", "translation")(w)]),
        EDITOR_A_ONLY),
    "po-upload": Case(
        "post", lambda w: reverse("wagtail_localize:upload_pofile", args=[lz("help_a", "translation")(w)])
        + back_to_editor(w, "help_a"),
        EDITOR_A_ONLY, data=po_file("help_a"), state=english_strings("help_a")),
    "machine-translate": Case(
        "post", lambda w: reverse("wagtail_localize:machine_translate", args=[lz("product_a1", "translation")(w)])
        + back_to_editor(w, "product_a1"),
        OWNER_AND_EDITOR_A, state=english_strings("product_a1"), settings=DUMMY_TRANSLATOR),
    "preview": Case(
        "get", lambda w: reverse("wagtail_localize:preview_translation", args=[lz("help_a", "translation")(w)]),
        EDITOR_A_ONLY),
    # help pages have one preview mode, the default: a named one is the view's 404, once past the checks
    "preview-mode": Case(
        "get", lambda w: reverse("wagtail_localize:preview_translation",
                                 args=[lz("help_a", "translation")(w), "mobile"]),
        {**EDITOR_A_ONLY, "editor_a": "missing"}, missing=True),
    "stop": Case(
        "post", lambda w: reverse("wagtail_localize:stop_translation", args=[lz("help_a", "translation")(w)])
        + back_to_editor(w, "help_a"),
        EDITOR_A_ONLY, state=lambda w: Translation.objects.get(pk=w.localize["help_a"]["translation"]).enabled),
    "convert-to-alias": Case(
        "get", lambda w: reverse("wagtail_localize:convert_to_alias", args=[lz("help_a", "target")(w)]),
        EDITOR_A_ONLY),
    "convert-to-alias-post": Case(
        "post", lambda w: reverse("wagtail_localize:convert_to_alias", args=[lz("help_a", "target")(w)]),
        EDITOR_A_ONLY, state=lambda w: Page.objects.get(pk=w.localize["help_a"]["target"]).alias_of_id),
    # every territory's translations: the operator's
    "report": Case("get", lambda w: reverse("wagtail_localize:translations_report"), NOBODY),
    "report-results": Case("get", lambda w: reverse("wagtail_localize:translations_report_results"), NOBODY),
    "snippets-api-list": Case(
        "get", lambda w: reverse("wagtail_localize:snippets_api_listing", args=["markets", "partnercontact"]), NOBODY),
    "snippets-api-detail": Case(
        "get", lambda w: reverse("wagtail_localize:snippets_api_detail", args=["markets", "partnercontact", w.partner_a]),
        EDITOR_A_ONLY),
    # the English versions' edit views, which localize turns into its translation editor
    "editor-help": Case("get", lambda w: reverse("wagtailadmin_pages:edit", args=[lz("help_a", "target")(w)]),
                        EDITOR_A_ONLY),
    "editor-help-publish": Case(
        "post", lambda w: reverse("wagtailadmin_pages:edit", args=[lz("help_a", "target")(w)]), EDITOR_A_ONLY,
        data=lambda w: {"action": "publish"}, state=latest_revision("help_a")),
    "editor-product": Case("get", lambda w: reverse("wagtailadmin_pages:edit", args=[lz("product_a1", "target")(w)]),
                           OWNER_AND_EDITOR_A),
    "editor-partner": Case(
        "get", lambda w: reverse("wagtailsnippets_markets_partnercontact:edit", args=[lz("partner_a", "target")(w)]),
        EDITOR_A_ONLY),
    # the project's own list, scoped like the rest
    "english-out-of-date": Case(
        "get", lambda w: reverse("markets_english_out_of_date"), ALL_ADMIN_USERS,
        contains={"owner": ("Produit A1", "Aide A"), "other_merchant": (None, "Produit A1"),
                  "editor_a": ("Office A", None), "editor_b": (None, "Aide A")}),
}

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
    # the owner's change applies (with their password); editor A's waits for the owner's confirmation
    "bank-details-change": Case(
        "post", lambda w: reverse("coordonnees-bancaires:edit", args=[w.shop_a1]), OWNER_AND_EDITOR_A,
        data=lambda w: {"holder": "Pirate", "iban": "DE89370400440532013000", "bic": "", "password": "secret"},
        state=lambda w: (PayoutAccount.objects.get(shop=w.shop_a1).iban,
                         list(BankDetailsChange.objects.filter(shop=w.shop_a1).values_list("status", "new_iban")))),
    "bank-details-pending": Case(
        "get", lambda w: reverse("coordonnees-bancaires:pending"), ALL_ADMIN_USERS,
        contains={"owner": ("DE89 •••• •••• 3000", None), "editor_a": ("DE89 •••• •••• 3000", None),
                  "other_merchant": (None, "DE89 •••• •••• 3000"), "editor_b": (None, "DE89 •••• •••• 3000")}),
    # only the platform's accounting approves a change in the merchant's stead
    "bank-details-approve": Case(
        "post", lambda w: reverse("coordonnees-bancaires:approve", args=[w.bank_change_a1]), NOBODY,
        state=lambda w: (PayoutAccount.objects.get(shop=w.shop_a1).iban,
                         BankDetailsChange.objects.get(pk=w.bank_change_a1).status)),
    "bank-details-cancel": Case(
        "post", lambda w: reverse("coordonnees-bancaires:cancel", args=[w.bank_change_a1]), OWNER_AND_EDITOR_A,
        state=lambda w: BankDetailsChange.objects.get(pk=w.bank_change_a1).status),
    # the tourism office sets its own territory's schedule (future steps only)
    "commission-schedule-add": Case(
        "get", lambda w: reverse("commission_schedule:add"),
        {"owner": "denied", "other_merchant": "denied", "editor_a": "ok", "editor_b": "ok", "anonymous": "login"}),
    "commission-step-change": Case(
        "post", lambda w: reverse("commission_schedule:edit", args=[w.step_a]), EDITOR_A_ONLY,
        data=lambda w: {"territory": w.territory_a, "starts_on": "2099-01-01", "rate": "9.99"},
        state=lambda w: CommissionRate.objects.get(pk=w.step_a).rate),
    **{f"localize-{name}": case for name, case in LOCALIZE_CASES.items()},
}


# A bundle of A3 with a part of A1: the owner (A1) is the participant, the other merchant (A2) has no part
# in it, "seller" runs A3. Every actor but the seller is an actor of `test_isolation`, the seller of its own test.
OTHER_SHOP_REFUSED = "émis par une autre boutique"
PART = "Part du coffret « Coffret A3 » vendu par Boutique A3"
BUNDLE_CASES = {
    "bundle-orders": Case(
        "get", lambda w: reverse("commandes:index"), {**ALL_ADMIN_USERS, "seller": "ok"},
        contains={"owner": (PART, BUNDLE_BUYER.phone), "other_merchant": (None, BUNDLE_BUYER.name),
                  "seller": (BUNDLE_BUYER.name, "Part du coffret"), "editor_b": (None, BUNDLE_BUYER.name)}),
    # the participant: the customer's name and e-mail, not the phone
    "bundle-part-order": Case(
        "get", lambda w: reverse("commandes:inspect", args=[w.bundle_part_order]), {**OWNER_AND_EDITOR_A, "seller": "denied"},
        contains={"owner": (BUNDLE_BUYER.email, BUNDLE_BUYER.phone)}),
    "bundle-seller-order": Case(
        "get", lambda w: reverse("commandes:inspect", args=[w.bundle_seller_order]),
        {**EDITOR_A_ONLY, "seller": "ok"}, contains={"seller": (BUNDLE_BUYER.phone, None)}),
    "bundle-part-refund": Case(
        "get", lambda w: reverse("commandes:refund", args=[w.bundle_part_order]), {**OWNER_AND_EDITOR_A, "seller": "denied"}),
    "bundle-part-voucher": Case(
        "get", lambda w: reverse("bons:inspect", args=[w.bundle_part_voucher]), {**OWNER_AND_EDITOR_A, "seller": "denied"}),
    "bundle-seller-voucher": Case(
        "get", lambda w: reverse("bons:inspect", args=[w.bundle_seller_voucher]), {**EDITOR_A_ONLY, "seller": "ok"}),
    # the code of the participant's voucher, typed at each counter: only the participant's opens it
    "bundle-part-voucher-lookup": Case(
        "post", lambda w: reverse("bons:lookup"),
        {"owner": "found", "other_merchant": "ok", "editor_a": "found", "editor_b": "ok", "anonymous": "login",
         "seller": "ok"},
        data=lambda w: {"code": w.bundle_part_voucher_code},
        finds=lambda w: reverse("bons:inspect", args=[w.bundle_part_voucher]),
        contains={"other_merchant": (OTHER_SHOP_REFUSED, "Part A1"), "editor_b": (OTHER_SHOP_REFUSED, "Part A1"),
                  "seller": (OTHER_SHOP_REFUSED, "Part A1")}),
    "bundle-part-invoice": Case(
        "get", lambda w: reverse("factures:inspect", args=[w.bundle_part_invoice]),
        {**OWNER_AND_EDITOR_A, "seller": "denied"}),
    "bundle-part-invoice-pdf": Case(
        "get", lambda w: reverse("factures:pdf", args=[w.bundle_part_invoice]), {**OWNER_AND_EDITOR_A, "seller": "denied"}),
}
CASES.update(BUNDLE_CASES)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name", list(CASES))
def test_isolation(world, name, actor):
    check_case(world, name, actor)


@pytest.mark.parametrize("name", list(BUNDLE_CASES))
def test_bundle_isolation_for_its_seller(world, name):
    check_case(world, name, "seller")


def check_case(world, name, actor):
    case = CASES[name]
    expected = case.expected[actor]
    before = case.state(world) if case.state else None
    client = client_for(world, actor)
    url = case.url(world)
    data = case.data(world) if case.data else {}
    with override_settings(**(case.settings or {})):
        response = request(client, case.method, url, data)

    found = case.finds is not None and response.status_code == 302 and response["Location"] == case.finds(world)
    assert ("found" if found else outcome(response, url, missing_is_denied=not case.missing)) == expected, (
        name, actor, response.status_code, response.get("Location"))
    if case.state:
        should_change = case.changes[actor] if case.changes else expected == "ok" and case.method != "get"
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


def request(client, method, url, data):
    if method == "get":
        return client.get(url)
    if method == "post":
        return client.post(url, data)
    # the translation editor's JSON endpoints take form-encoded PUT and DELETE
    return getattr(client, method)(url, urlencode(data), content_type="application/x-www-form-urlencoded")


def localize_routes(patterns=None, prefix=""):
    """Every route of the `wagtail_localize` namespace, as Django's resolver writes it."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from localize_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif prefix.startswith("admin/localize/"):
            yield prefix + str(pattern.pattern)


def test_every_localize_url_has_a_case(world):
    covered = {resolve(urlsplit(case.url(world)).path).route for case in LOCALIZE_CASES.values()}

    assert sorted(set(localize_routes()) - covered) == []
    assert len(set(localize_routes())) == 17
