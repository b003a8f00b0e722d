"""A shop its merchant closed is still paid what it is owed: statements and payouts read the ledger, not the login."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from checkout.billing.payouts import export_pending_payouts
from checkout.billing.statements import build_weekly_statements
from checkout.models import FulfilmentStatus, Invoice, LedgerEntry, Order, Payout, PayoutAccount, PayoutState, ShopOrder
from markets import closing
from markets.merchants import make_merchant
from tests.checkout.statement_helpers import order_paid_at, paris

WEEK = date(2026, 11, 23)
MONDAY_MORNING = paris(2026, 11, 30, 6, 0)
IBAN = "FR7630004000031234567890143"


def books():
    return {
        model.__name__: list(model.objects.order_by("pk").values_list("pk", flat=True))
        for model in (Order, ShopOrder, LedgerEntry, Invoice)
    }


def test_the_next_weekly_statement_pays_a_closed_shops_balance(market):
    # given a week's sale of the workshop, its bank account, and its merchant who then closes the shop
    merchant = User.objects.create_user("atelier", "atelier@example.org", "un mot de passe solide")
    make_merchant(merchant, market.atelier)
    PayoutAccount.objects.create(shop=market.atelier, holder="SARL Bois Flotté", iban=IBAN)
    sold = order_paid_at(market, market.atelier, market.santon, 2, paris(2026, 11, 25, 10, 0))
    ShopOrder.objects.filter(pk=sold.pk).update(fulfilment_status=FulfilmentStatus.COLLECTED)
    before = books()

    closing.close_shop(market.atelier.pk, merchant)

    # then the books are untouched by the closure
    merchant.refresh_from_db()
    market.atelier.refresh_from_db()
    assert (merchant.is_active, market.atelier.live) == (False, False)
    assert books() == before

    # when the Monday run states the week and exports the payouts
    [statement] = build_weekly_statements(WEEK, now=MONDAY_MORNING)
    batch = export_pending_payouts()

    # then the closed shop is paid its balance: 2 × 12.50, less 8 % commission and the 0.18 fee
    assert (statement.shop_id, statement.payout_amount, statement.merchant_email) == (
        market.atelier.pk,
        Decimal("22.82"),
        "atelier@example.org",
    )
    payout = Payout.objects.get(statement=statement)
    assert (payout.state, payout.batch_id, payout.amount, payout.iban) == (
        PayoutState.EXPORTED,
        batch.pk,
        Decimal("22.82"),
        IBAN,
    )


def test_a_shop_with_a_paid_order_still_to_hand_over_cannot_close(market):
    # given a paid order of the workshop, not yet shipped
    merchant = User.objects.create_user("atelier", "atelier@example.org", "un mot de passe solide")
    make_merchant(merchant, market.atelier)
    shop_order = order_paid_at(market, market.atelier, market.santon, 1, paris(2026, 11, 25, 10, 0))
    assert shop_order.delivery_kind == "pickup"

    # then closing is refused with the reason, and nothing changes
    with pytest.raises(closing.ClosingBlocked) as refused:
        closing.close_shop(market.atelier.pk, merchant)
    assert refused.value.reasons == [
        "1 commande payée attend d'être remise à son client : expédiez-la, faites-la retirer "
        "ou remboursez-la depuis « Commandes »."
    ]
    merchant.refresh_from_db()
    market.atelier.refresh_from_db()
    assert (merchant.is_active, market.atelier.live) == (True, True)

    # and once it is collected, the shop closes
    ShopOrder.objects.filter(pk=shop_order.pk).update(fulfilment_status=FulfilmentStatus.COLLECTED)
    assert closing.reasons_not_to_close(market.atelier) == []
    closing.close_shop(market.atelier.pk, merchant)
    market.atelier.refresh_from_db()
    assert market.atelier.live is False
