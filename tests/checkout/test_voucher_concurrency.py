"""Two redemptions of one voucher at the same moment: PostgreSQL only (SQLite serialises all writers)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from checkout.models import Redemption, Voucher, VoucherStatus
from checkout.vouchers import services as v
from tests.checkout import voucher_fixtures
from tests.checkout.races import POSTGRES_RACES, in_own_connection
from tests.checkout.voucher_fixtures import merchant_of, order_of, pay, vouchers_of

pytestmark = POSTGRES_RACES

CASHIERS = 8

gift = voucher_fixtures.gift


@pytest.fixture
def voucher(market, gift):
    order = order_of(market, [(gift, 1)])
    pay(order)
    return vouchers_of(order)[0]


def test_without_the_lock_two_cashiers_spend_more_than_the_balance(voucher):
    """Read, check, write: each cashier sees 50.00 and takes 30.00; the voucher pays 240.00."""
    barrier = threading.Barrier(CASHIERS)

    @in_own_connection
    def naive_redeem(_):
        row = Voucher.objects.get(pk=voucher.pk)
        barrier.wait(timeout=10)
        if row.balance >= Decimal("30.00"):
            row.balance -= Decimal("30.00")
            row.save(update_fields=["balance"])
            return True
        return False

    with ThreadPoolExecutor(CASHIERS) as pool:
        accepted = sum(pool.map(naive_redeem, range(CASHIERS)))
    assert accepted == CASHIERS
    assert Voucher.objects.get(pk=voucher.pk).balance == Decimal("20.00")  # the last write wins


def test_concurrent_redemptions_never_exceed_the_balance(market, voucher):
    cashiers = [merchant_of(market.atelier, f"cashier{n}") for n in range(CASHIERS)]
    barrier = threading.Barrier(CASHIERS)

    @in_own_connection
    def redeem(n):
        barrier.wait(timeout=10)
        try:
            v.redeem(cashiers[n], voucher.pk, "30.00")
            return "taken"
        except v.BadAmount:
            return "refused"

    with ThreadPoolExecutor(CASHIERS) as pool:
        outcomes = list(pool.map(redeem, range(CASHIERS)))
    assert sorted(outcomes) == ["refused"] * (CASHIERS - 1) + ["taken"]
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.status) == (Decimal("20.00"), VoucherStatus.ACTIVE)
    assert list(Redemption.objects.values_list("amount", flat=True)) == [Decimal("30.00")]


def test_concurrent_full_redemptions_take_the_balance_once(market, voucher):
    cashiers = [merchant_of(market.atelier, f"till{n}") for n in range(CASHIERS)]
    barrier = threading.Barrier(CASHIERS)

    @in_own_connection
    def redeem_all(n):
        barrier.wait(timeout=10)
        try:
            return v.redeem(cashiers[n], voucher.pk, "10.00").redemption.amount
        except v.VoucherRefused:
            return Decimal("0.00")

    with ThreadPoolExecutor(CASHIERS) as pool:
        taken = list(pool.map(redeem_all, range(CASHIERS)))
    assert sum(taken) == Decimal("50.00")
    assert sorted(taken).count(Decimal("10.00")) == 5
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.status) == (Decimal("0.00"), VoucherStatus.USED)
