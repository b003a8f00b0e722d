"""A shop withdraws its part of a bundle already sold: what customers have not used of it is refunded, from its sales."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from wagtail.models import PageLogEntry

from checkout import bundle_refunds, services
from checkout.models import (
    BundleSale,
    Invoice,
    InvoiceKind,
    LedgerEntry,
    LedgerKind,
    OrderStatus,
    Refund,
    RefundState,
    Voucher,
    VoucherStatus,
)
from checkout.pricing import BasketLine
from checkout.vouchers import services as vouchers
from markets import closing
from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from portal.money import to_cents
from shops.bundles import sale_refusal, withdraw
from shops.models import BundleConsent, ConsentStatus
from tests.checkout.helpers import ALICE, breton_bundle
from tests.fixtures import factories as f

ACTIVE, USED, CANCELLED = VoucherStatus.ACTIVE, VoucherStatus.USED, VoucherStatus.CANCELLED
PASSWORD = "un mot de passe solide"


@pytest.fixture
def bundle(market):
    """The épicerie sells 60.00 of bundle: the atelier provides a santon for 30 % (18.00) at 20 % VAT."""
    return breton_bundle(market)


@pytest.fixture
def workshop(market):
    """A service of the atelier's own, bought in the same order: its voucher is not the bundle's."""
    return f.make_product(market.atelier, "Atelier de sculpture", price="25.00", kind="service", stock=None)


@pytest.fixture
def atelier_merchant(market):
    user = User.objects.create_user("atelier", "yann@example.org", PASSWORD)
    make_merchant(user, market.atelier)
    return user


def paid_order(market, stripe, lines, language="fr"):
    """`lines`: [(product, quantity)], paid with the test card at localstripe."""
    order = services.place_order(market.territory.pk, [BasketLine(p.pk, q) for p, q in lines], {}, ALICE, language)
    services.start_payment(order)
    payment = order.payments.get()
    assert stripe.pay(payment.provider_id) == "succeeded"
    services.confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def vouchers_of(order, shop, kind="bundle"):
    return list(Voucher.objects.filter(order_line__shop_order__order=order, shop=shop, kind=kind).order_by("pk"))


def states(vouchers_list):
    return [(v.balance, v.status) for v in Voucher.objects.filter(pk__in=[v.pk for v in vouchers_list]).order_by("pk")]


def accepted_consent(market, bundle):
    return BundleConsent.objects.get(
        bundle_key=bundle.translation_key, participant=market.atelier, status=ConsentStatus.ACCEPTED
    )


def refund_rows():
    return sorted(
        LedgerEntry.objects.filter(kind__in=[LedgerKind.REFUND, LedgerKind.COMMISSION_RETURNED])
        .values_list("shop_id", "kind", "amount")
    )


def test_a_withdrawal_refunds_the_unused_part_only_from_the_participants_sales(
    market, stripe, bundle, workshop, atelier_merchant, django_capture_on_commit_callbacks
):
    # given 3 bundles and the atelier's own workshop in one paid order, one santon already collected
    order = paid_order(market, stripe, [(workshop, 1), (bundle, 3)])
    atelier_order = order.shop_orders.get(shop=market.atelier)
    assert atelier_order.total == Decimal("79.00")  # 25.00 + 3 × 18.00
    parts = vouchers_of(order, market.atelier)
    (own,) = vouchers_of(order, market.atelier, kind="service")
    seller_parts = vouchers_of(order, market.epicerie)
    # the workshop's voucher comes first: a refund of the shop order by amount would take it first
    assert own.pk < parts[0].pk
    vouchers.redeem(atelier_merchant, parts[0].pk)
    mail.outbox.clear()

    # when the atelier withdraws its part
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(accepted_consent(market, bundle).pk, atelier_merchant)

    # then the two santons not collected are refunded, from the atelier's shop order
    refund = Refund.objects.get()
    assert (refund.shop_order_id, refund.amount, refund.state) == (atelier_order.pk, Decimal("36.00"), RefundState.SUCCEEDED)
    assert [r["amount"] for r in stripe.refunds(order.payments.get().provider_id)] == [3600]
    assert states(parts) == [
        (Decimal("0.00"), USED), (Decimal("0.00"), CANCELLED), (Decimal("0.00"), CANCELLED)
    ]
    # and nothing else: the workshop and the épicerie's parts stay to use
    assert states([own]) == [(Decimal("25.00"), ACTIVE)]
    assert states(seller_parts) == [(Decimal("42.00"), ACTIVE)] * 3
    # the atelier's books alone: the refund, and its commission given back (8 % of 79.00 = 6.32, × 36 / 79)
    assert refund_rows() == [
        (market.atelier.pk, LedgerKind.COMMISSION_RETURNED, Decimal("2.88")),
        (market.atelier.pk, LedgerKind.REFUND, Decimal("-36.00")),
    ]
    credit_note = Invoice.objects.get(refund=refund)
    assert (credit_note.kind, credit_note.shop_id, credit_note.total) == (
        InvoiceKind.CREDIT_NOTE, market.atelier.pk, Decimal("-36.00")
    )
    # and the bundle is off sale
    assert sale_refusal(bundle) == "« Coffret Noël breton » n'est pas en vente pour le moment."


def test_the_customer_is_told_which_part_was_withdrawn_and_refunded(
    market, stripe, bundle, atelier_merchant, django_capture_on_commit_callbacks
):
    order = paid_order(market, stripe, [(bundle, 2)])
    parts = vouchers_of(order, market.atelier)
    vouchers.redeem(atelier_merchant, parts[0].pk)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(accepted_consent(market, bundle).pk, atelier_merchant)

    # the refund notice with its credit note, and the reason, both to the customer (the seller is told apart)
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted([
        ("alice@example.org", f"Remboursement de votre commande n° {order.number}"),
        ("alice@example.org",
         f"Votre coffret « Coffret Noël breton » : une part remboursée (commande n° {order.number})"),
        ("epicerie@example.org", "Atelier du Bois Flotté a retiré sa part de votre coffret « Coffret Noël breton »"),
    ])
    (notice,) = [m for m in mail.outbox if m.subject.startswith("Votre coffret")]
    assert notice.to == ["alice@example.org"]
    for text in (
        f"Atelier du Bois Flotté ne participe plus au coffret « Coffret Noël breton » de votre commande n° {order.number}.",
        "Remboursé : 18,00\xa0€ pour 1 × Coffret Noël breton — Un santon sculpté.",
        "Ce code ne peut plus être utilisé :",
        f"- {parts[1].display_code}",
        "Les autres parts de votre coffret restent valables.",
    ):
        assert text in notice.body, text
    assert parts[0].display_code not in notice.body  # collected: still sold, not mentioned


def test_the_notice_is_in_the_orders_language(market, stripe, bundle, django_capture_on_commit_callbacks):
    order = paid_order(market, stripe, [(bundle, 1)], language="en")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(accepted_consent(market, bundle).pk, None)

    (notice,) = [m for m in mail.outbox if m.subject.startswith("Your box")]
    assert notice.subject == f"Your box “Coffret Noël breton”: a part refunded (order no. {order.number})"
    assert "Refunded: €18.00 for 1 × Coffret Noël breton — Un santon sculpté." in notice.body


def test_running_the_refund_twice_refunds_once(market, stripe, bundle, django_capture_on_commit_callbacks):
    paid_order(market, stripe, [(bundle, 2)])
    with django_capture_on_commit_callbacks(execute=True):
        withdraw(accepted_consent(market, bundle).pk, None)
    refund = Refund.objects.get()
    sent = len(mail.outbox)

    # the task again (a retry), and the notice again
    with django_capture_on_commit_callbacks(execute=True):
        again = bundle_refunds.refund_withdrawn_part(str(bundle.translation_key), market.atelier.pk)
        notice_again = bundle_refunds.send_part_withdrawn_notice(refund.pk)

    assert (again, notice_again) == ([], False)
    assert list(Refund.objects.values_list("amount", flat=True)) == [Decimal("36.00")]
    assert len(mail.outbox) == sent
    assert refund_rows() == [
        (market.atelier.pk, LedgerKind.COMMISSION_RETURNED, Decimal("2.88")),
        (market.atelier.pk, LedgerKind.REFUND, Decimal("-36.00")),
    ]


def test_an_expired_part_is_not_refunded(market, stripe, bundle, django_capture_on_commit_callbacks):
    # given a paid bundle whose part expired unused: it was the customer's to use in time
    order = paid_order(market, stripe, [(bundle, 1)])
    (part,) = vouchers_of(order, market.atelier)
    Voucher.objects.filter(pk=part.pk).update(valid_until=datetime.date(2020, 1, 1))

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(accepted_consent(market, bundle).pk, None)

    assert not Refund.objects.exists()
    assert states([part]) == [(Decimal("18.00"), ACTIVE)]


def test_an_order_placed_after_the_withdrawal_is_not_refunded(market, stripe, bundle, django_capture_on_commit_callbacks):
    # given an order placed after the atelier's withdrawal (it accepted the bundle again since)
    order = paid_order(market, stripe, [(bundle, 1)])
    yesterday = timezone.now() - datetime.timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        withdraw(accepted_consent(market, bundle).pk, None, now=yesterday)

    assert not Refund.objects.exists()
    assert states(vouchers_of(order, market.atelier)) == [(Decimal("18.00"), ACTIVE)]


def test_closing_the_shop_withdraws_its_parts_and_refunds_them(
    market, stripe, bundle, atelier_merchant, django_capture_on_commit_callbacks
):
    # given a paid bundle, the atelier's part not used yet
    order = paid_order(market, stripe, [(bundle, 1)])
    parts = vouchers_of(order, market.atelier)

    # when the atelier's merchant closes the shop
    with django_capture_on_commit_callbacks(execute=True):
        result = closing.close_shop(market.atelier.pk, atelier_merchant)

    # then its part is withdrawn, logged with the closure, and refunded from its sales
    consent = BundleConsent.objects.get(participant=market.atelier, superseded_at__isnull=True)
    assert (consent.status, consent.answered_by) == (ConsentStatus.WITHDRAWN, atelier_merchant)
    assert result.shop.pk == market.atelier.pk
    assert PageLogEntry.objects.get(pk=result.log_entry_id).data["bundle_parts_withdrawn"] == 1
    assert list(Refund.objects.values_list("shop_order__shop_id", "amount", "state")) == [
        (market.atelier.pk, Decimal("18.00"), RefundState.SUCCEEDED)
    ]
    assert states(parts) == [(Decimal("0.00"), CANCELLED)]
    assert states(vouchers_of(order, market.epicerie)) == [(Decimal("42.00"), ACTIVE)]


def test_refunding_a_whole_bundle_refunds_each_part_in_its_own_shop_order(
    market, stripe, bundle, workshop, atelier_merchant, django_capture_on_commit_callbacks
):
    # given 2 bundles and the workshop in one paid order, one santon collected
    order = paid_order(market, stripe, [(workshop, 1), (bundle, 2)])
    parts = vouchers_of(order, market.atelier)
    vouchers.redeem(atelier_merchant, parts[0].pk)
    sale = BundleSale.objects.get(order=order)

    # when the seller refunds the bundle sale, twice
    with django_capture_on_commit_callbacks(execute=True):
        done = bundle_refunds.refund_bundle_sale(sale.pk, None)
        again = bundle_refunds.refund_bundle_sale(sale.pk, None)

    # then each shop refunds its unused parts, once
    assert sorted((r.shop_order.shop_id, r.amount) for r in done.refunds) == sorted([
        (market.epicerie.pk, Decimal("84.00")), (market.atelier.pk, Decimal("18.00"))
    ])
    assert (done.amount, done.refused_lines, again.refunds) == (Decimal("102.00"), [], [])
    assert states(vouchers_of(order, market.epicerie)) == [(Decimal("0.00"), CANCELLED)] * 2
    assert states(parts) == [(Decimal("0.00"), USED), (Decimal("0.00"), CANCELLED)]
    assert states(vouchers_of(order, market.atelier, kind="service")) == [(Decimal("25.00"), ACTIVE)]
    assert [kind for _shop, kind, _amount in refund_rows()].count(LedgerKind.REFUND) == 2


def test_the_seller_refunds_a_whole_bundle_from_its_order_and_a_participant_cannot(
    market, stripe, bundle, atelier_merchant, django_capture_on_commit_callbacks
):
    order = paid_order(market, stripe, [(bundle, 1)])
    sale = BundleSale.objects.get(order=order)
    seller = User.objects.create_user("epicerie", "epicerie.merchant@example.org", PASSWORD)
    make_merchant(seller, market.epicerie)
    seller_order, atelier_order = order.shop_orders.get(shop=market.epicerie), order.shop_orders.get(shop=market.atelier)
    version = TermsVersion.objects.create(version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    for user in (seller, atelier_merchant):
        TermsAcceptance.objects.create(user=user, version=version)
    atelier, epicerie = Client(), Client()
    atelier.force_login(atelier_merchant)
    epicerie.force_login(seller)

    # The participant's order shows no such button, and its POST is refused
    assert "Rembourser tout le coffret" not in atelier.get(
        f"/admin/commandes/{atelier_order.pk}/").content.decode()
    atelier.post(f"/admin/commandes/{atelier_order.pk}/rembourser-coffret/",
                 {"bundle_sale": sale.pk, "confirm": "1"})
    # Without the confirmation, the seller refunds nothing either
    epicerie.post(f"/admin/commandes/{seller_order.pk}/rembourser-coffret/", {"bundle_sale": sale.pk})
    assert not Refund.objects.exists()

    # The seller's confirmed refund gives each shop's part back from its own order
    page = epicerie.get(f"/admin/commandes/{seller_order.pk}/").content.decode()
    assert "Rembourser tout le coffret « Coffret Noël breton »" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = epicerie.post(f"/admin/commandes/{seller_order.pk}/rembourser-coffret/",
                                 {"bundle_sale": sale.pk, "confirm": "1"}, follow=True)
    assert sorted(Refund.objects.values_list("shop_order__shop_id", "amount", "state")) == sorted([
        (market.epicerie.pk, Decimal("42.00"), RefundState.SUCCEEDED),
        (market.atelier.pk, Decimal("18.00"), RefundState.SUCCEEDED),
    ])
    assert "60,00" in " ".join(str(m) for m in response.context["messages"])
