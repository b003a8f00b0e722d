"""Refunds that survive Stripe's silences and our crashes: requested → asked → succeeded, failed or unknown.

Failures are injected where they happen: Stripe's answers lost on the way
back (`LostAnswers`, the recording client of test_gateway in front of
localstripe), recorded Stripe responses for what localstripe cannot do
(a refund Stripe failed, a 500), a crash while recording a refund Stripe
made, a crash before Stripe was asked. Reconciliation runs with `now` past
CHECKOUT_REFUND_RECONCILE_AFTER_MINUTES (5).
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from checkout import services
from checkout.billing import invoices
from checkout.models import (
    Invoice,
    InvoiceKind,
    LedgerEntry,
    LedgerKind,
    OrderStatus,
    Payment,
    PaymentState,
    Redemption,
    Refund,
    RefundState,
    VoucherStatus,
)
from checkout.payments import gateway
from checkout.services import (
    Confirmation,
    Reconciliation,
    RefundRefused,
    complete_refund,
    confirm_payment,
    reconcile_refunds,
    refund_shop_order,
    refund_unfulfilled_payment,
    refundable_amount,
    start_payment,
)
from portal.money import to_cents
from tests.checkout import voucher_fixtures
from tests.checkout.helpers import fake_payment, two_shop_order
from tests.checkout.races import NO_RACE_ON_SQLITE, in_own_connection
from tests.checkout.test_gateway import RecordingClient, read_timeout
from tests.checkout.voucher_fixtures import client_for, merchant_of, order_of, vouchers_of

gift = voucher_fixtures.gift
atelier_merchant = voucher_fixtures.atelier_merchant

LATER = timedelta(minutes=6)  # past the reconciliation delay
SOON = timedelta(minutes=4)  # within it


class LostAnswers(RecordingClient):
    """Stripe makes each refund, but its answer is lost on the way back for the next `lose` requests.

    The first request reaches localstripe; the library's retries carry the
    same key, which Stripe (here the recorder) answers by replaying the
    first refund, answers that are lost too: one refund at Stripe, and a
    GatewayTimeout for us.
    """

    def __init__(self, lose: int = 3):
        super().__init__()
        self.lose = lose

    def request(self, method, url, headers, post_data=None):
        if method == "post" and urlsplit(url).path == "/v1/refunds" and self.lose > 0:
            self.lose -= 1
            super().request(method, url, headers, post_data)
            raise read_timeout()
        return super().request(method, url, headers, post_data)


@pytest.fixture
def lost_answers(stripe, monkeypatch):
    client = LostAnswers()
    monkeypatch.setattr(gateway, "http_client", lambda: client)
    return client


@pytest.fixture
def recorder(stripe, monkeypatch):
    client = RecordingClient()
    monkeypatch.setattr(gateway, "http_client", lambda: client)
    return client


def paid_order(m, stripe):
    """Two-shop order of 38.30 paid at localstripe; the épicerie's 13.30 carries 1.06 commission."""
    order = two_shop_order(m)
    start_payment(order)
    payment = order.payments.get()
    assert stripe.pay(payment.provider_id) == "succeeded"
    assert confirm_payment(payment.provider_id, to_cents(order.total), "eur") == Confirmation.CONFIRMED
    return order, payment


def epicerie_of(order):
    return order.shop_orders.get(trade_name="Épicerie Kerjean")


def ledger_of(shop_order):
    return list(shop_order.ledger_entries.order_by("pk").values_list("kind", "amount"))


def credit_notes(refund):
    return list(Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, refund=refund).values_list("total", flat=True))


def stripe_refunds(stripe, payment):
    return [(r["amount"], r["metadata"]) for r in stripe.refunds(payment.provider_id)]


SALE_ONLY = [("sale", Decimal("13.30")), ("commission", Decimal("-1.06"))]
REFUNDED_5 = SALE_ONLY + [("refund", Decimal("-5.00")), ("commission_returned", Decimal("0.40"))]


# Stripe refunds but its answer is lost -----------------------------------------


def test_a_timeout_after_stripe_refunded_leaves_the_refund_unknown_and_its_amount_taken(
    market, stripe, lost_answers, django_capture_on_commit_callbacks
):
    # given the épicerie's paid 13.30, and Stripe's answers to the refund lost on the way back
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    mail.outbox.clear()
    now = timezone.now()
    # when the merchant refunds 5.00
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_shop_order(epicerie.pk, Decimal("5.00"), now=now)
    # then the refund is unknown, asked with its own key three times, made once at Stripe with our id
    assert (refund.state, refund.provider_id, refund.provider_asked_at) == (RefundState.UNKNOWN, None, now)
    assert refund.idempotency_key == f"refund-{refund.pk}-create-500"
    assert lost_answers.keys("post", "/v1/refunds") == [f"refund-{refund.pk}-create-500"] * 3
    assert stripe_refunds(stripe, payment) == [(500, {"refund": str(refund.pk)})]
    # and its 5.00 stays taken: 8.30 is left, one cent more is refused and asks Stripe nothing
    assert refundable_amount(epicerie) == Decimal("8.30")
    with pytest.raises(RefundRefused) as refused:
        refund_shop_order(epicerie.pk, Decimal("8.31"))
    assert str(refused.value) == "Vous pouvez rembourser au plus 8,30\xa0€."
    assert len(lost_answers.keys("post", "/v1/refunds")) == 3
    # and nothing is booked, no credit note, no e-mail, the payment is still paid
    assert ledger_of(epicerie) == SALE_ONLY
    assert credit_notes(refund) == []
    assert mail.outbox == []
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED


def test_reconciliation_completes_the_refund_stripe_made_without_answering(
    market, stripe, lost_answers, django_capture_on_commit_callbacks
):
    # given a 5.00 refund left unknown by lost answers
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    now = timezone.now()
    refund = refund_shop_order(epicerie.pk, Decimal("5.00"), now=now)
    mail.outbox.clear()
    # when reconciliation runs within the delay, it leaves the refund alone and asks Stripe nothing
    assert reconcile_refunds(now + SOON) == Reconciliation()
    refund.refresh_from_db()
    assert refund.state == RefundState.UNKNOWN
    assert lost_answers.keys("get", "/v1/refunds") == []
    # when it runs past the delay
    with django_capture_on_commit_callbacks(execute=True):
        result = reconcile_refunds(now + LATER)
    # then it found the refund at Stripe by our id and completed it, once
    [made] = stripe.refunds(payment.provider_id)
    assert result == Reconciliation(completed=1)
    refund.refresh_from_db()
    assert (refund.state, refund.provider_id) == (RefundState.SUCCEEDED, made["id"])
    assert ledger_of(epicerie) == REFUNDED_5
    assert credit_notes(refund) == [Decimal("-5.00")]
    assert [message.to for message in mail.outbox] == [["alice@example.org"]]
    assert refundable_amount(epicerie) == Decimal("8.30")
    # and Stripe was asked for the list, not for a second refund
    assert len(lost_answers.keys("post", "/v1/refunds")) == 3
    assert len(stripe.refunds(payment.provider_id)) == 1


def test_reconciling_twice_changes_nothing_the_second_time(
    market, stripe, lost_answers, django_capture_on_commit_callbacks
):
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    now = timezone.now()
    refund = refund_shop_order(epicerie.pk, Decimal("5.00"), now=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_refunds(now + LATER) == Reconciliation(completed=1)
    mail.outbox.clear()
    # when reconciliation runs again
    with django_capture_on_commit_callbacks(execute=True):
        again = reconcile_refunds(now + LATER + LATER)
    # then it has nothing to do: no entry, no credit note, no e-mail, no call to Stripe
    assert again == Reconciliation()
    assert ledger_of(epicerie) == REFUNDED_5
    assert credit_notes(refund) == [Decimal("-5.00")]
    assert mail.outbox == []
    assert len(lost_answers.keys("get", "/v1/refunds")) == 1
    assert len(stripe.refunds(payment.provider_id)) == 1


def test_completing_a_refund_twice_records_it_once(market, stripe, lost_answers, django_capture_on_commit_callbacks):
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    refund = refund_shop_order(epicerie.pk, Decimal("5.00"))
    [made] = stripe.refunds(payment.provider_id)
    mail.outbox.clear()
    # when the completion runs twice (the merchant's request and reconciliation, say)
    with django_capture_on_commit_callbacks(execute=True):
        first = complete_refund(refund.pk, made["id"])
        second = complete_refund(refund.pk, made["id"])
    # then one refund entry, one commission returned, one credit note, one e-mail
    assert first.state == second.state == RefundState.SUCCEEDED
    assert ledger_of(epicerie) == REFUNDED_5
    assert credit_notes(refund) == [Decimal("-5.00")]
    assert len(mail.outbox) == 1


# We crash ------------------------------------------------------------------------


def test_a_crash_while_recording_a_refund_stripe_made_is_completed_once_by_reconciliation(
    market, stripe, recorder, monkeypatch, django_capture_on_commit_callbacks
):
    # given recording a refund fails once, after Stripe made it (here the credit note, last of the completion)
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    real_credit_note = invoices.issue_credit_note
    crashes = []

    def crash_once(refund, now):
        if not crashes:
            crashes.append(refund.pk)
            raise RuntimeError("database gone")
        return real_credit_note(refund, now)

    monkeypatch.setattr(invoices, "issue_credit_note", crash_once)
    mail.outbox.clear()
    now = timezone.now()
    # when the merchant refunds 5.00
    with django_capture_on_commit_callbacks(execute=True):
        refund = refund_shop_order(epicerie.pk, Decimal("5.00"), now=now)
    # then Stripe refunded, our record was rolled back whole, and the refund is still requested and taken
    assert crashes == [refund.pk]
    assert (refund.state, refund.provider_id) == (RefundState.REQUESTED, None)
    assert [r["amount"] for r in stripe.refunds(payment.provider_id)] == [500]
    assert ledger_of(epicerie) == SALE_ONLY
    assert credit_notes(refund) == []
    assert mail.outbox == []
    assert refundable_amount(epicerie) == Decimal("8.30")
    # when reconciliation runs, twice
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_refunds(now + LATER) == Reconciliation(completed=1)
        assert reconcile_refunds(now + LATER) == Reconciliation()
    # then the refund is recorded once, and Stripe was never asked to refund again
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert ledger_of(epicerie) == REFUNDED_5
    assert credit_notes(refund) == [Decimal("-5.00")]
    assert len(mail.outbox) == 1
    assert recorder.keys("post", "/v1/refunds") == [f"refund-{refund.pk}-create-500"]


def test_a_refund_never_sent_is_sent_by_reconciliation_with_its_own_key(
    market, stripe, recorder, monkeypatch, django_capture_on_commit_callbacks
):
    # given the process dies after the refund is committed, before Stripe is asked
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)

    ask_provider = services._ask_provider

    def killed(refund_id, now):
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "_ask_provider", killed)
    with pytest.raises(SystemExit):
        refund_shop_order(epicerie.pk, Decimal("5.00"))
    monkeypatch.setattr(services, "_ask_provider", ask_provider)  # the next process
    refund = Refund.objects.get()
    # then it is requested with its key, never asked, its amount taken, nothing at Stripe
    assert (refund.state, refund.provider_asked_at) == (RefundState.REQUESTED, None)
    assert refund.idempotency_key == f"refund-{refund.pk}-create-500"
    assert refundable_amount(epicerie) == Decimal("8.30")
    assert stripe.refunds(payment.provider_id) == []
    # when reconciliation runs past the delay
    later = timezone.now() + LATER
    with django_capture_on_commit_callbacks(execute=True):
        result = reconcile_refunds(later)
    # then it sent the refund once, with the key recorded at the request, and completed it
    assert result == Reconciliation(completed=1, sent=1)
    assert recorder.keys("post", "/v1/refunds") == [f"refund-{refund.pk}-create-500"]
    assert stripe_refunds(stripe, payment) == [(500, {"refund": str(refund.pk)})]
    refund.refresh_from_db()
    assert (refund.state, refund.provider_asked_at) == (RefundState.SUCCEEDED, later)
    assert ledger_of(epicerie) == REFUNDED_5


# Stripe did not refund -----------------------------------------------------------


@pytest.fixture
def paid_vouchers(market, gift, stripe):
    """Two 50.00 gift vouchers at the atelier, paid at localstripe."""
    order = order_of(market, [(gift, 2)])
    start_payment(order)
    payment = order.payments.get()
    assert stripe.pay(payment.provider_id) == "succeeded"
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order.shop_orders.get(), payment, vouchers_of(order)


def balances(vouchers):
    for voucher in vouchers:
        voucher.refresh_from_db()
    return [(voucher.balance, voucher.status) for voucher in vouchers]


def recorded_refund_list(*refunds) -> dict:
    """Stripe's answer to GET /v1/refunds?payment_intent=… (2025 API version), trimmed of nulls we never read."""
    return {"object": "list", "url": "/v1/refunds", "has_more": False, "data": list(refunds)}


def recorded_refund(refund_id, amount, status, intent_id, metadata=None) -> dict:
    return {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": None if status == "failed" else "txn_3QxRecorded",
        "charge": "ch_3QxRecorded0Charge",
        "created": 1733052111,
        "currency": "eur",
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "failure_reason": "expired_or_canceled_card" if status == "failed" else None,
        "metadata": metadata or {},
        "payment_intent": intent_id,
        "reason": None,
        "status": status,
    }


def test_a_refund_stripe_failed_gives_the_vouchers_back_and_the_amount_is_refundable_again(
    paid_vouchers, atelier_merchant, recorder, django_capture_on_commit_callbacks
):
    # given two 50.00 vouchers, and a full refund whose answer never came (it never reached localstripe)
    shop_order, payment, vouchers = paid_vouchers
    recorder.queue("post", "/v1/refunds", read_timeout(), read_timeout(), read_timeout())
    now = timezone.now()
    refund = refund_shop_order(shop_order.pk, Decimal("100.00"), by_user=atelier_merchant, now=now)
    # then, while unknown, the vouchers stay taken and nothing is refundable
    assert refund.state == RefundState.UNKNOWN
    assert balances(vouchers) == [(Decimal("0.00"), VoucherStatus.CANCELLED)] * 2
    assert refundable_amount(shop_order) == Decimal("0.00")
    # when reconciliation finds that Stripe failed it (a recorded answer: the card was closed)
    recorder.queue(
        "get",
        "/v1/refunds",
        (200, recorded_refund_list(
            recorded_refund("re_3QxFailed", 10000, "failed", payment.provider_id, {"refund": str(refund.pk)})
        )),
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = reconcile_refunds(now + LATER)
    # then the refund failed, the vouchers are whole and usable again, and 100.00 is refundable again
    assert result == Reconciliation(failed=1)
    refund.refresh_from_db()
    assert (refund.state, refund.provider_id) == (RefundState.FAILED, None)
    assert balances(vouchers) == [(Decimal("50.00"), VoucherStatus.ACTIVE)] * 2
    assert Redemption.objects.count() == 0
    assert refundable_amount(shop_order) == Decimal("100.00")
    # and nothing was booked or sent
    assert list(shop_order.ledger_entries.values_list("kind", flat=True)) == ["sale", "commission"]
    assert credit_notes(refund) == []
    assert mail.outbox == []


def test_a_refund_stripe_never_got_is_failed_after_the_grace_period(paid_vouchers, atelier_merchant, stripe, recorder):
    # given a 30.00 refund whose three tries never reached Stripe
    shop_order, payment, vouchers = paid_vouchers
    recorder.queue("post", "/v1/refunds", read_timeout(), read_timeout(), read_timeout())
    now = timezone.now()
    refund = refund_shop_order(shop_order.pk, Decimal("30.00"), by_user=atelier_merchant, now=now)
    assert refund.state == RefundState.UNKNOWN
    assert balances(vouchers) == [(Decimal("20.00"), VoucherStatus.ACTIVE), (Decimal("50.00"), VoucherStatus.ACTIVE)]
    # when reconciliation runs within the grace period, nothing changes
    assert reconcile_refunds(now + SOON) == Reconciliation()
    refund.refresh_from_db()
    assert refund.state == RefundState.UNKNOWN
    # when it runs after it, and Stripe has no refund for the payment
    result = reconcile_refunds(now + LATER)
    # then the refund failed, was not sent again, and the vouchers have their 30.00 back
    assert result == Reconciliation(failed=1)
    refund.refresh_from_db()
    assert refund.state == RefundState.FAILED
    assert recorder.keys("post", "/v1/refunds") == [f"refund-{refund.pk}-create-3000"] * 3
    assert stripe.refunds(payment.provider_id) == []
    assert balances(vouchers) == [(Decimal("50.00"), VoucherStatus.ACTIVE)] * 2
    assert refundable_amount(shop_order) == Decimal("100.00")


def test_a_refund_made_without_our_id_is_matched_by_its_amount(
    market, stripe, recorder, django_capture_on_commit_callbacks
):
    # given an unknown refund of 5.00, and Stripe listing a 3.00 refund and a 5.00 one without metadata
    # (as refunds were made before they carried our id)
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    recorder.queue("post", "/v1/refunds", read_timeout(), read_timeout(), read_timeout())
    now = timezone.now()
    refund = refund_shop_order(epicerie.pk, Decimal("5.00"), now=now)
    recorder.queue(
        "get",
        "/v1/refunds",
        (200, recorded_refund_list(
            recorded_refund("re_3QxFive", 500, "pending", payment.provider_id),
            recorded_refund("re_3QxThree", 300, "succeeded", payment.provider_id),
        )),
    )
    # when reconciliation runs
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_refunds(now + LATER) == Reconciliation(completed=1)
    # then the 5.00 one is ours: a refund pending at the bank is made
    refund.refresh_from_db()
    assert (refund.state, refund.provider_id) == (RefundState.SUCCEEDED, "re_3QxFive")
    assert ledger_of(epicerie) == REFUNDED_5


def test_stripe_unreachable_during_reconciliation_leaves_the_refund_for_the_next_run(
    market, stripe, recorder
):
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    recorder.queue("post", "/v1/refunds", read_timeout(), read_timeout(), read_timeout())
    now = timezone.now()
    refund = refund_shop_order(epicerie.pk, Decimal("5.00"), now=now)
    recorder.queue("get", "/v1/refunds", read_timeout(), read_timeout(), read_timeout())
    # when reconciliation cannot list the payment's refunds
    result = reconcile_refunds(now + LATER)
    # then the refund stays unknown and taken
    assert result == Reconciliation(unresolved=1)
    refund.refresh_from_db()
    assert refund.state == RefundState.UNKNOWN
    assert refundable_amount(epicerie) == Decimal("8.30")


# The books -----------------------------------------------------------------------


def test_after_a_recovered_refund_the_ledger_adds_up_to_what_the_merchant_keeps(
    market, stripe, lost_answers, django_capture_on_commit_callbacks
):
    # given the épicerie's 13.30 (commission 1.06), 5.00 refunded through a lost answer and reconciliation
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    now = timezone.now()
    refund_shop_order(epicerie.pk, Decimal("5.00"), now=now)
    reconcile_refunds(now + LATER)
    # and 3.30 more refunded with Stripe answering
    lost_answers.lose = 0
    assert refund_shop_order(epicerie.pk, Decimal("3.30")).state == RefundState.SUCCEEDED
    # then sale − refunds − commission + commission returned is what the merchant keeps, to the cent
    sums = {
        kind: sum(epicerie.ledger_entries.filter(kind=kind).values_list("amount", flat=True))
        for kind in (LedgerKind.SALE, LedgerKind.REFUND, LedgerKind.COMMISSION, LedgerKind.COMMISSION_RETURNED)
    }
    assert sums == {
        LedgerKind.SALE: Decimal("13.30"),
        LedgerKind.REFUND: Decimal("-8.30"),
        LedgerKind.COMMISSION: Decimal("-1.06"),
        LedgerKind.COMMISSION_RETURNED: Decimal("0.66"),  # 1.06 × 8.30 / 13.30 = 0.6615 → 0.66
    }
    merchant_keeps = Decimal("5.00") - Decimal("0.40")  # what is left paid, less the commission on it (0.40)
    assert sum(sums.values()) == merchant_keeps == Decimal("4.60")
    # and the merchant's share plus the platform's commission is what the customer paid net
    platform = -(sums[LedgerKind.COMMISSION] + sums[LedgerKind.COMMISSION_RETURNED])
    assert sum(sums.values()) + platform == sums[LedgerKind.SALE] + sums[LedgerKind.REFUND] == Decimal("5.00")
    # and Stripe holds exactly the two refunds, one each
    assert sorted(r["amount"] for r in stripe.refunds(payment.provider_id)) == [330, 500]
    refunds = LedgerEntry.objects.filter(kind=LedgerKind.REFUND).order_by("pk")
    assert list(refunds.values_list("refund__amount", flat=True)) == [
        Decimal("5.00"),
        Decimal("3.30"),
    ]


# Stripe is called outside our transactions -----------------------------------------


def test_stripe_is_asked_outside_any_transaction_of_ours(market, stripe, monkeypatch):
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    outside = len(connection.atomic_blocks)  # the test's own transaction
    depths = []
    real_refund = gateway.refund

    def watched(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        assert Refund.objects.get().state == RefundState.REQUESTED  # committed before the call
        return real_refund(*args, **kwargs)

    monkeypatch.setattr(gateway, "refund", watched)
    refund_shop_order(epicerie.pk, Decimal("5.00"))
    assert depths == [outside]


# The merchant's refund page ------------------------------------------------------


def test_the_merchant_is_told_the_refund_is_being_checked_when_stripe_does_not_answer(
    market, stripe, recorder, django_capture_on_commit_callbacks
):
    # given the épicerie's paid part, and Stripe not answering the refund
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    merchant = merchant_of(market.epicerie, "epicerie")
    recorder.queue("post", "/v1/refunds", read_timeout(), read_timeout(), read_timeout())
    mail.outbox.clear()
    client = client_for(merchant)
    # when the merchant refunds 5.00
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/admin/commandes/{epicerie.pk}/rembourser/", {"amount": "5,00"}, follow=True)
    # then the page says the refund is being checked, not refused, and the order shows it as such
    html = response.content.decode()
    assert response.redirect_chain == [(f"/admin/commandes/{epicerie.pk}/", 302)]
    assert "Le remboursement est en cours de vérification auprès du prestataire de paiement." in html
    assert "Le remboursement a été refusé" not in html
    assert "En vérification" in html
    assert response.context["refundable"] == Decimal("8.30")
    assert response.context["refunded"] == Decimal("0.00")
    refund = Refund.objects.get()
    assert (refund.amount, refund.state, refund.created_by) == (Decimal("5.00"), RefundState.UNKNOWN, merchant)
    # and the merchant's action is in the log, the customer is not told yet
    assert list(ModelLogEntry.objects.for_instance(epicerie).values_list("action", "data")) == [
        ("checkout.shop_order.refund", {"amount": "5.00", "refund": refund.pk})
    ]
    assert mail.outbox == []


def test_a_merchant_using_the_admin_in_english_reads_it_in_english(market, stripe, recorder):
    # given a merchant whose admin is in English, and Stripe not answering the refund
    order, payment = paid_order(market, stripe)
    epicerie = epicerie_of(order)
    merchant = merchant_of(market.epicerie, "epicerie")
    profile = UserProfile.get_for_user(merchant)
    profile.preferred_language = "en"
    profile.save()
    recorder.queue("post", "/v1/refunds", read_timeout(), read_timeout(), read_timeout())
    # when they refund 5.00
    response = client_for(merchant).post(f"/admin/commandes/{epicerie.pk}/rembourser/", {"amount": "5.00"}, follow=True)
    # then the message and the refund's state are in English
    html = response.content.decode()
    assert "The refund is being checked with the payment provider." in html
    assert "Being checked" in html


# A payment we cannot honour ------------------------------------------------------


def test_a_payment_that_cannot_be_honoured_is_refunded_as_a_request_and_reconciled(
    market, stripe, lost_answers, monkeypatch, django_capture_on_commit_callbacks
):
    # given an order paid twice: its second PaymentIntent is to be given back in full
    order, first = paid_order(market, stripe)
    intent_id, _secret = gateway.create_payment_intent(
        order.total, "eur", {"order": str(order.pk)}, idempotency_key=f"order-{order.pk}-attempt-1-create-3830"
    )
    second = Payment.objects.create(
        order=order, provider_id=intent_id, amount=order.total, currency="eur", state=PaymentState.PENDING
    )
    assert stripe.pay(intent_id) == "succeeded"
    assert confirm_payment(intent_id, to_cents(order.total), "eur") == Confirmation.UNFULFILLABLE
    outside = len(connection.atomic_blocks)
    depths = []
    real_refund = gateway.refund

    def watched(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return real_refund(*args, **kwargs)

    monkeypatch.setattr(gateway, "refund", watched)
    ledger_before = list(LedgerEntry.objects.order_by("pk").values_list("kind", "amount"))
    mail.outbox.clear()
    now = timezone.now()
    # when the refund task runs twice, Stripe's answers lost
    first_run = refund_unfulfilled_payment(second.pk, now=now)
    second_run = refund_unfulfilled_payment(second.pk, now=now)
    # then one request row, without a shop order, unknown; Stripe asked outside our transaction, refunded once
    assert first_run.pk == second_run.pk
    refund = Refund.objects.get(payment=second)
    assert (refund.shop_order, refund.amount, refund.state) == (None, Decimal("38.30"), RefundState.UNKNOWN)
    assert refund.idempotency_key == f"payment-{second.pk}-refund-3830"
    assert depths == [outside]
    assert stripe_refunds(stripe, second) == [(3830, {"refund": str(refund.pk)})]
    second.refresh_from_db()
    assert second.state == PaymentState.SUCCEEDED
    # when reconciliation runs
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_refunds(now + LATER) == Reconciliation(completed=1)
    # then the second payment is refunded, the first untouched, and nothing was booked or sent
    second.refresh_from_db()
    first.refresh_from_db()
    refund.refresh_from_db()
    assert (refund.state, second.state, first.state) == (
        RefundState.SUCCEEDED,
        PaymentState.REFUNDED,
        PaymentState.SUCCEEDED,
    )
    assert list(LedgerEntry.objects.order_by("pk").values_list("kind", "amount")) == ledger_before
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 0
    assert mail.outbox == []
    assert len(stripe.refunds(second.provider_id)) == 1
    # and a merchant's refund goes to the payment that paid the order
    lost_answers.lose = 0
    partial = refund_shop_order(epicerie_of(order).pk, Decimal("1.00"))
    assert partial.payment_id == first.pk


# The gateway ---------------------------------------------------------------------


def test_the_gateway_lists_a_payments_refunds_with_their_amounts_and_our_ids(market, stripe):
    order, payment = paid_order(market, stripe)
    made = gateway.refund(payment.provider_id, Decimal("3.33"), idempotency_key="k1", metadata={"refund": "41"})
    other = gateway.refund(payment.provider_id, Decimal("5.00"), idempotency_key="k2")
    listed = gateway.list_refunds(payment.provider_id)
    assert sorted(listed, key=lambda info: info.amount) == [
        gateway.RefundInfo(made, Decimal("3.33"), "succeeded", {"refund": "41"}),
        gateway.RefundInfo(other, Decimal("5.00"), "succeeded", {}),
    ]


def test_the_gateway_reads_stripes_recorded_refund_list(recorded_only_client):
    recorded_only_client.queue(
        "get",
        "/v1/refunds",
        (200, recorded_refund_list(
            recorded_refund("re_3QxB", 1330, "pending", "pi_3QxA", {"refund": "7"}),
            recorded_refund("re_3QxC", 1, "failed", "pi_3QxA"),
        )),
    )
    assert gateway.list_refunds("pi_3QxA") == [
        gateway.RefundInfo("re_3QxB", Decimal("13.30"), "pending", {"refund": "7"}),
        gateway.RefundInfo("re_3QxC", Decimal("0.01"), "failed", {}),
    ]


@pytest.mark.parametrize(
    ("status", "body", "unknown"),
    [
        (500, {"error": {"type": "api_error", "message": "Something went wrong on Stripe's end."}}, True),
        (409, {"error": {"type": "idempotency_error", "message": "There is currently another in-progress request using this Stripe API key and idempotency key."}}, True),
        (400, {"error": {"type": "invalid_request_error", "code": "charge_already_refunded", "message": "Charge ch_3QxRecorded0Charge has already been refunded."}}, False),
    ],
)
def test_a_refund_answered_with_a_server_error_or_a_key_conflict_is_of_unknown_outcome(
    recorded_only_client, status, body, unknown
):
    recorded_only_client.queue("post", "/v1/refunds", *[(status, body)] * 3)
    with pytest.raises(gateway.GatewayError) as raised:
        gateway.refund("pi_3QxA", Decimal("5.00"), idempotency_key="refund-1-create-500")
    assert isinstance(raised.value, gateway.GatewayTimeout) is unknown


@pytest.fixture
def recorded_only_client(settings, monkeypatch):
    from tests.checkout.conftest import SECRET_KEY

    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    client = RecordingClient(forward=False)
    monkeypatch.setattr(gateway, "http_client", lambda: client)
    return client


# Concurrent completions: PostgreSQL only ------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason=NO_RACE_ON_SQLITE)
def test_concurrent_completions_of_one_refund_record_it_once(market, monkeypatch):
    # given a paid order and an unknown 5.00 refund (no provider: the gateway times out)
    order = two_shop_order(market)
    payment = fake_payment(order)
    confirm_payment(payment.provider_id, to_cents(order.total), "eur")
    epicerie = epicerie_of(order)

    def timeout(*args, **kwargs):
        raise gateway.GatewayTimeout("Read timed out")

    monkeypatch.setattr(gateway, "refund", timeout)
    refund = refund_shop_order(epicerie.pk, Decimal("5.00"))
    assert refund.state == RefundState.UNKNOWN
    workers = 6
    barrier = threading.Barrier(workers)

    @in_own_connection
    def complete(_):
        barrier.wait(timeout=10)
        return complete_refund(refund.pk, "re_3QxConcurrent").state

    # when six workers complete it at once
    with ThreadPoolExecutor(workers) as pool:
        states = list(pool.map(complete, range(workers)))
    # then it is recorded once
    assert states == [RefundState.SUCCEEDED] * workers
    assert ledger_of(epicerie) == REFUNDED_5
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, refund=refund).count() == 1
