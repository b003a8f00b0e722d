"""Who sees which rows: `Model.objects.managed_by(user)` for every model of checkout, and the admin built on it.

The world: the atelier and the épicerie (Pays de Morlaix), a Brest shop;
each with a paid order, a voucher, a sale invoice, a weekly statement with
its payout and commission invoice, a bank account and ledger entries. The
atelier's order is partly refunded (a credit note) and its bank account
sits on the English page of the shop.
"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from checkout.billing import invoices
from checkout.models import (
    Invoice,
    InvoiceKind,
    LedgerEntry,
    Payout,
    PayoutAccount,
    ShopOrder,
    Voucher,
    WeeklyStatement,
)
from checkout.payments import gateway as stripe_gateway
from checkout.pricing import BasketLine, DeliveryChoice
from checkout.services import confirm_payment, place_order, refund_shop_order
from checkout.shop_scoped_admin import ShopScopedViewSet
from markets.editors import ADMIN_ACCESS, grant_model_permissions, make_editor
from markets.models import Territory
from portal.money import to_cents
from shops.models import DeliveryKind
from tests.checkout.helpers import ALICE, fake_payment
from tests.checkout.test_payouts import make_payout
from tests.checkout.voucher_fixtures import merchant_of
from tests.fixtures import factories as f

SHOPS = ("atelier", "epicerie", "brest")
ROWS_OF_A_SHOP = (ShopOrder, Voucher, PayoutAccount, LedgerEntry)
ACCOUNTING_ROWS = (WeeklyStatement, Payout)
ALL_MODELS = (*ROWS_OF_A_SHOP, *ACCOUNTING_ROWS, Invoice)

# The shops whose rows each actor manages (shops.access): the rule every model starts from.
MANAGED = {
    "atelier_merchant": {"atelier"},
    "editor_morlaix": {"atelier", "epicerie"},
    "editor_brest": {"brest"},
    "accountant": set(),
    "superuser": set(SHOPS),
    "anonymous": set(),
    "inactive_merchant": set(),
    "inactive_superuser": set(),
}


def paid_order(territory, shop, products):
    """A paid order of one unit of each of `products`, all from `shop`, picked up there."""
    option = shop.delivery_options.get(kind=DeliveryKind.PICKUP, active=True)
    order = place_order(
        territory.pk, [BasketLine(p.pk, 1) for p in products], {shop.pk: DeliveryChoice(option.pk)}, ALICE
    )
    payment = fake_payment(order)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    return order.shop_orders.get()


@pytest.fixture
def world(market, other_market, django_user_model, monkeypatch):
    monkeypatch.setattr(stripe_gateway, "refund", lambda intent, amount, **options: "re_test_managed_by")
    brest_shop, phare = other_market
    brest = Territory.objects.get(name="Pays de Brest")
    shops = {"atelier": market.atelier, "epicerie": market.epicerie, "brest": brest_shop}

    gift = f.make_product(market.atelier, "Bon cadeau", price="30.00", kind="voucher", stock=None)
    brest_gift = f.make_product(brest_shop, "Bon Brest", price="20.00", kind="voucher", stock=None)
    shop_orders = {
        "atelier": paid_order(market.territory, market.atelier, [market.santon, gift]),
        "epicerie": paid_order(market.territory, market.epicerie, [market.miel, market.atelier_visite]),
        "brest": paid_order(brest, brest_shop, [phare, brest_gift]),
    }
    operator = django_user_model.objects.create_superuser("operateur")
    refund_shop_order(shop_orders["atelier"].pk, Decimal("5.00"), by_user=operator)
    payouts = {name: make_payout(shop, "40.00") for name, shop in shops.items()}
    commission_invoices = {name: invoices.issue_commission_invoice(p.statement) for name, p in payouts.items()}

    f.english_home()
    f.translate(market.market, "en")
    atelier_en = f.translate(market.atelier, "en", title="Driftwood Workshop")
    accounts = {
        "atelier": PayoutAccount.objects.create(shop=atelier_en, holder="Atelier", iban="FR7630004000031234567890143"),
        "epicerie": PayoutAccount.objects.create(shop=market.epicerie, holder="Épicerie", iban="DE89370400440532013000"),
        "brest": PayoutAccount.objects.create(shop=brest_shop, holder="Brest", iban="FR7630001007941234567890185"),
    }

    rows = {
        ShopOrder: {name: {so.pk} for name, so in shop_orders.items()},
        Voucher: {name: set(Voucher.objects.filter(order_line__shop_order=so).values_list("pk", flat=True))
                  for name, so in shop_orders.items()},
        PayoutAccount: {name: {account.pk} for name, account in accounts.items()},
        LedgerEntry: {name: set(LedgerEntry.objects.filter(shop=shop).values_list("pk", flat=True))
                      for name, shop in shops.items()},
        WeeklyStatement: {name: {p.statement_id} for name, p in payouts.items()},
        Payout: {name: {p.pk} for name, p in payouts.items()},
    }
    customer_documents = {
        name: set(Invoice.objects.filter(shop_order=so).values_list("pk", flat=True))
        for name, so in shop_orders.items()
    }
    assert all(rows[model][name] for model in rows for name in SHOPS)
    assert len(customer_documents["atelier"]) == 2  # the sale invoice and the refund's credit note
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, shop_order=shop_orders["atelier"]).count() == 1

    editor_morlaix = django_user_model.objects.create_user("editrice_morlaix")
    make_editor(editor_morlaix, market.territory)
    editor_brest = django_user_model.objects.create_user("editeur_brest")
    make_editor(editor_brest, brest)
    accountant = django_user_model.objects.create_user("compta")
    group = Group.objects.create(name="Comptabilité")
    grant_model_permissions(group, [ADMIN_ACCESS, ("checkout", "change_payout")])
    accountant.groups.add(group)
    inactive_merchant = merchant_of(market.epicerie, "epicerie")
    inactive_merchant.is_active = False
    inactive_merchant.save()
    inactive_superuser = django_user_model.objects.create_superuser("ancien_operateur", is_active=False)

    class World:
        pass

    w = World()
    w.rows, w.customer_documents = rows, customer_documents
    w.commission_invoices = {name: {invoice.pk} for name, invoice in commission_invoices.items()}
    w.actors = {
        "atelier_merchant": merchant_of(market.atelier, "atelier"),
        "editor_morlaix": editor_morlaix,
        "editor_brest": editor_brest,
        "accountant": accountant,
        "superuser": operator,
        "anonymous": AnonymousUser(),
        "inactive_merchant": inactive_merchant,
        "inactive_superuser": inactive_superuser,
    }
    return w


def union(rows_by_shop, shops) -> set[int]:
    return set().union(*(rows_by_shop[name] for name in shops))


def expected_rows(world, actor) -> dict:
    """What `actor` should see of each model, from the rules in the models' docstrings."""
    managed = MANAGED[actor]
    expected = {model: union(world.rows[model], managed) for model in ROWS_OF_A_SHOP}
    for model in ACCOUNTING_ROWS:
        # The platform's accounting reads every statement and payout, though it manages no shop.
        expected[model] = union(world.rows[model], SHOPS if actor == "accountant" else managed)
    # A commission invoice: the merchant whose own page the shop is, and superusers; not editors, not the accounting.
    runs = {"atelier_merchant": {"atelier"}, "superuser": set(SHOPS)}.get(actor, set())
    expected[Invoice] = union(world.customer_documents, managed) | union(world.commission_invoices, runs)
    return expected


@pytest.mark.parametrize("actor", list(MANAGED))
def test_each_actor_sees_exactly_the_rows_of_what_they_manage(world, actor):
    # given the world's rows, when each model is asked what `actor` sees
    user = world.actors[actor]
    seen = {model: set(model.objects.managed_by(user).values_list("pk", flat=True)) for model in ALL_MODELS}
    # then exactly these rows, model by model
    assert seen == expected_rows(world, actor)


def test_the_superuser_sees_every_row_and_a_stranger_none(world, django_user_model):
    stranger = django_user_model.objects.create_user("passant")
    for model in ALL_MODELS:
        assert model.objects.managed_by(world.actors["superuser"]).count() == model.objects.count() > 0
        assert not model.objects.managed_by(stranger).exists()


def test_managed_by_narrows_a_queryset_already_filtered(world):
    # given the editor of Morlaix, whose two shops each have one statement
    editor = world.actors["editor_morlaix"]
    atelier_statement = next(iter(world.rows[WeeklyStatement]["atelier"]))
    # when a filter comes first, then the rule
    rows = WeeklyStatement.objects.filter(pk__in=[atelier_statement, *world.rows[WeeklyStatement]["brest"]])
    # then the rule still applies: the Brest statement stays out
    assert set(rows.managed_by(editor).values_list("pk", flat=True)) == {atelier_statement}


# The admin: every shop-scoped viewset starts from managed_by ----------------------------------------------


def shop_scoped_viewsets() -> list[ShopScopedViewSet]:
    from wagtail.admin.viewsets import viewsets

    reverse("wagtailadmin_home")  # the admin's URLs, and so its viewsets, are loaded on first use
    return [viewset for viewset in viewsets.viewsets if isinstance(viewset, ShopScopedViewSet)]


def view_of(view_function, user, **kwargs):
    request = RequestFactory().get("/")
    request.user = user
    view = view_function.view_class(**view_function.view_initkwargs)
    view.setup(request, **kwargs)
    return view


def test_every_shop_scoped_list_detail_and_policy_starts_from_managed_by(world):
    viewsets = shop_scoped_viewsets()
    assert {viewset.name: viewset.model for viewset in viewsets} == {
        "commandes": ShopOrder, "bons": Voucher, "factures": Invoice, "releves": WeeklyStatement, "versements": Payout,
    }
    for viewset in viewsets:
        model = viewset.model
        for actor in ("atelier_merchant", "editor_morlaix", "accountant", "superuser"):
            user = world.actors[actor]
            managed = set(model.objects.managed_by(user).values_list("pk", flat=True))
            # the list and its export
            listed = set(view_of(viewset.index_view, user).get_base_queryset().values_list("pk", flat=True))
            assert listed == managed, (viewset.name, actor)
            # the permission policy, asked by Wagtail's search, log and URL finder
            policy = viewset.permission_policy
            allowed = set(policy.instances_user_has_permission_for(user, "view").values_list("pk", flat=True))
            assert allowed == managed, (viewset.name, actor)
            # the detail page: each row the user sees, and none other
            for pk in model.objects.values_list("pk", flat=True):
                if pk in managed:
                    assert view_of(viewset.inspect_view, user, pk=pk).object.pk == pk
                    assert policy.user_has_permission_for_instance(user, "view", model.objects.get(pk=pk))
                else:
                    with pytest.raises(Http404):
                        view_of(viewset.inspect_view, user, pk=pk)


def test_the_export_is_named_after_the_viewset_and_has_a_heading_per_column(world):
    for viewset in shop_scoped_viewsets():
        assert viewset.export_filename == viewset.name
        assert viewset.list_export == list(viewset.export_columns)
        assert list(viewset.export_headings) == viewset.list_export
