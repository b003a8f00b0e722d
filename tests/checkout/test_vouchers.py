"""Vouchers: codes, issue on payment, look-up, redemption and every refusal, rate limiting."""

import datetime
from decimal import Decimal

import pytest
from wagtail.models import ModelLogEntry

from checkout.models import Order, OrderStatus, Redemption, Voucher, VoucherStatus
from checkout.services import Confirmation, confirm_payment, fail_payment
from checkout.vouchers import services as v
from portal.money import to_cents
from tests.checkout import voucher_fixtures
from tests.checkout.helpers import fake_payment
from tests.checkout.voucher_fixtures import (
    GIFT_VALID_UNTIL,
    SERVICE_VALID_UNTIL,
    order_of,
    pay,
    vouchers_of,
)

DEC_1 = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)
LOOK_ALIKES = set("0O1IL")

atelier_merchant = voucher_fixtures.atelier_merchant
epicerie_merchant = voucher_fixtures.epicerie_merchant
gift = voucher_fixtures.gift


# Codes -------------------------------------------------------------------------


def test_codes_are_long_unambiguous_checked_and_unique():
    codes = [v.generate_code() for _ in range(2000)]
    assert len(set(codes)) == 2000
    for code in codes:
        assert len(code) == 16
        assert set(code) <= set(v.ALPHABET)
        assert not set(code) & LOOK_ALIKES
        assert v.is_valid_code(code)
    assert len(v.ALPHABET) == 31
    assert not set(v.ALPHABET) & LOOK_ALIKES


def test_the_check_character_catches_every_single_typo():
    code = v.generate_code()
    for position in range(len(code)):
        for char in v.ALPHABET:
            if char != code[position]:
                typo = code[:position] + char + code[position + 1 :]
                assert not v.is_valid_code(typo), typo


def test_the_check_character_catches_every_swap_of_two_characters():
    code = v.generate_code()
    for i in range(len(code)):
        for j in range(i + 1, len(code)):
            if code[i] != code[j]:
                swapped = list(code)
                swapped[i], swapped[j] = swapped[j], swapped[i]
                assert not v.is_valid_code("".join(swapped))


def test_the_check_character_is_a_weighted_sum_modulo_31():
    # "2" is worth 0, so a payload of "2"s checks with "2".
    assert v.check_character("222222222222222") == "2"
    # "3" (worth 1) in 15th place weighs 15; 16 × c ≡ −15 (mod 31) gives c = 1 → "3".
    assert v.check_character("222222222222223") == "3"
    # "3" in first place weighs 1; 16 × c ≡ −1 (mod 31) gives c = 29 → "Y".
    assert v.check_character("322222222222222") == "Y"


def test_codes_are_read_in_groups_and_typed_in_any_form():
    assert v.format_code("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"
    assert v.normalize_code(" abcd-efgh jkmn\tpqrs ") == "ABCDEFGHJKMNPQRS"


# Issue on payment -----------------------------------------------------------------


def test_one_voucher_per_unit_when_the_order_is_paid(market, gift):
    # given an order of two gift vouchers of 50.00 and a santon
    order = order_of(market, [(gift, 2), (market.santon, 1)])
    assert vouchers_of(order) == []
    # when it is paid
    assert pay(order) == Confirmation.CONFIRMED
    # then two vouchers exist, one per unit, full balance, none for the santon
    issued = vouchers_of(order)
    assert [(x.index, x.kind, x.name, x.amount, x.balance, x.status) for x in issued] == [
        (1, "voucher", "Bon cadeau Atelier", Decimal("50.00"), Decimal("50.00"), VoucherStatus.ACTIVE),
        (2, "voucher", "Bon cadeau Atelier", Decimal("50.00"), Decimal("50.00"), VoucherStatus.ACTIVE),
    ]
    for voucher in issued:
        assert voucher.valid_until == GIFT_VALID_UNTIL
        assert voucher.shop_id == market.atelier.pk
        assert voucher.buyer_email == "alice@example.org"
        assert voucher.buyer_name == "Alice Le Goff"
        assert v.is_valid_code(voucher.code)
    assert issued[0].code != issued[1].code


def test_a_service_gives_one_voucher_per_unit_valid_until_its_date(market):
    order = order_of(market, [(market.atelier_visite, 3)])
    pay(order)
    issued = vouchers_of(order)
    assert [(x.index, x.kind, x.amount, x.valid_until, x.shop_id) for x in issued] == [
        (i, "service", Decimal("15.00"), SERVICE_VALID_UNTIL, market.epicerie.pk) for i in (1, 2, 3)
    ]


def test_beneficiary_and_message_of_the_line_are_on_the_voucher(market, gift):
    order = order_of(market, [(gift, 1)])
    order.shop_orders.get().lines.update(beneficiary_name="Yann", gift_message="Joyeux Noël !")
    pay(order)
    [voucher] = vouchers_of(order)
    assert (voucher.beneficiary_name, voucher.gift_message) == ("Yann", "Joyeux Noël !")


def test_no_voucher_when_the_payment_fails(market, gift):
    order = order_of(market, [(gift, 2)])
    payment = fake_payment(order)
    assert fail_payment(payment.provider_id) is True
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING
    assert Voucher.objects.count() == 0


def test_no_voucher_twice_when_the_confirmation_is_replayed(market, gift):
    # given a paid order of two vouchers
    order = order_of(market, [(gift, 2)])
    payment = fake_payment(order)
    assert confirm_payment(payment.provider_id, to_cents(order.total), "eur") == Confirmation.CONFIRMED
    codes = [x.code for x in vouchers_of(order)]
    # when the webhook replays the confirmation, and issuing is asked again directly
    assert confirm_payment(payment.provider_id, to_cents(order.total), "eur") == Confirmation.ALREADY_PAID
    assert v.issue_vouchers_for_order(order) == []
    # then the same two vouchers, and no other
    assert [x.code for x in vouchers_of(order)] == codes
    assert Voucher.objects.count() == 2


def test_a_refused_amount_issues_nothing(market, gift):
    from checkout.services import PaymentMismatch

    order = order_of(market, [(gift, 1)])
    payment = fake_payment(order)
    with pytest.raises(PaymentMismatch):
        confirm_payment(payment.provider_id, 100, "eur")
    assert Voucher.objects.count() == 0


# Look-up ------------------------------------------------------------------------------


@pytest.fixture
def voucher(market, gift):
    order = order_of(market, [(gift, 1)])
    pay(order)
    return vouchers_of(order)[0]


def test_the_merchant_finds_their_voucher_as_typed_or_scanned(voucher, atelier_merchant):
    typed = v.format_code(voucher.code).lower().replace("-", " ")
    assert v.find_voucher(atelier_merchant, typed, "10.0.0.1").pk == voucher.pk
    assert v.find_voucher(atelier_merchant, voucher.code, "10.0.0.1").pk == voucher.pk


def test_a_malformed_code_is_refused_before_any_lookup(voucher, atelier_merchant, django_assert_num_queries):
    wrong_check = voucher.code[:-1] + ("2" if voucher.code[-1] != "2" else "3")
    for text in [wrong_check, voucher.code[:-1], voucher.code + "2", "O" + voucher.code[1:], ""]:
        with django_assert_num_queries(0), pytest.raises(v.MalformedCode) as refused:
            v.find_voucher(atelier_merchant, text, "10.0.0.1")
        assert str(refused.value) == (
            "Ce code n'est pas valide : vérifiez sa saisie (16 caractères, sans 0, O, 1, I ni L)."
        )


def test_an_unknown_code_is_refused(voucher, atelier_merchant):
    with pytest.raises(v.UnknownCode) as refused:
        v.find_voucher(atelier_merchant, v.generate_code(), "10.0.0.1")
    assert str(refused.value) == "Aucun bon ne correspond à ce code."


def test_another_merchants_voucher_is_refused(voucher, epicerie_merchant):
    with pytest.raises(v.ForeignVoucher) as refused:
        v.find_voucher(epicerie_merchant, voucher.code, "10.0.0.1")
    assert str(refused.value) == "Ce bon a été émis par une autre boutique : il ne peut pas être utilisé chez vous."
    with pytest.raises(v.ForeignVoucher):
        v.redeem(epicerie_merchant, voucher.pk, "10.00", now=DEC_1)
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("50.00")
    assert Redemption.objects.count() == 0
    assert list(Voucher.objects.managed_by(epicerie_merchant)) == []


# Rate limiting --------------------------------------------------------------------------


def test_twenty_unknown_codes_then_unknown_codes_stop_for_the_user_but_their_real_codes_do_not(voucher, atelier_merchant):
    # given a user who typed 20 well-formed codes that match nothing
    for _ in range(20):
        with pytest.raises(v.UnknownCode):
            v.find_voucher(atelier_merchant, v.generate_code(), "10.0.0.1")
    # when they type a 21st unknown one, from this address or another, it is refused unread
    for ip in ("10.0.0.1", "10.0.0.2"):
        with pytest.raises(v.TooManyLookups):
            v.find_voucher(atelier_merchant, v.generate_code(), ip)
    # but a voucher of their own shop is still found: guessing is what the limit stops
    assert v.find_voucher(atelier_merchant, voucher.code, "10.0.0.1").pk == voucher.pk


def test_foreign_codes_count_towards_the_limit(voucher, epicerie_merchant):
    for _ in range(20):
        with pytest.raises(v.ForeignVoucher):
            v.find_voucher(epicerie_merchant, voucher.code, "10.0.0.9")
    with pytest.raises(v.TooManyLookups):
        v.find_voucher(epicerie_merchant, voucher.code, "10.0.0.9")


def test_a_merchant_looking_up_real_codes_is_never_slowed_down(voucher, atelier_merchant):
    for _ in range(50):
        assert v.find_voucher(atelier_merchant, voucher.code, "10.0.0.1").pk == voucher.pk


def test_the_window_ends(voucher, atelier_merchant, settings):
    from django.core.cache import cache

    settings.VOUCHER_LOOKUP_LIMIT = 2
    for _ in range(2):
        with pytest.raises(v.UnknownCode):
            v.find_voucher(atelier_merchant, v.generate_code(), "10.0.0.1")
    with pytest.raises(v.TooManyLookups):
        v.find_voucher(atelier_merchant, v.generate_code(), "10.0.0.1")
    cache.clear()  # the window's counters expire
    with pytest.raises(v.UnknownCode):
        v.find_voucher(atelier_merchant, v.generate_code(), "10.0.0.1")


# Redemption ------------------------------------------------------------------------------


def redemptions(voucher):
    return list(voucher.redemptions.order_by("pk").values_list("kind", "amount", "by__username"))


def test_partial_then_full_redemption_of_a_gift_voucher(voucher, atelier_merchant):
    # when the merchant takes 20.00, then the rest
    first = v.redeem(atelier_merchant, voucher.pk, "20,00", now=DEC_1)
    assert (first.voucher.balance, first.voucher.status) == (Decimal("30.00"), VoucherStatus.ACTIVE)
    second = v.redeem(atelier_merchant, voucher.pk, None, now=DEC_1)
    # then the balance is zero, the voucher used, each redemption recorded and logged
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.status) == (Decimal("0.00"), VoucherStatus.USED)
    assert second.redemption.amount == Decimal("30.00")
    assert redemptions(voucher) == [
        ("redeemed", Decimal("20.00"), "atelier"),
        ("redeemed", Decimal("30.00"), "atelier"),
    ]
    logged = list(ModelLogEntry.objects.for_instance(voucher).order_by("pk").values_list("action", "data", "user__username"))
    assert [(a, d["amount"], d["balance"], u) for a, d, u in logged] == [
        ("checkout.voucher.redeem", "20.00", "30.00", "atelier"),
        ("checkout.voucher.redeem", "30.00", "0.00", "atelier"),
    ]


def test_a_used_up_voucher_is_refused(voucher, atelier_merchant):
    v.redeem(atelier_merchant, voucher.pk, "50.00", now=DEC_1)
    with pytest.raises(v.VoucherUsedUp) as refused:
        v.redeem(atelier_merchant, voucher.pk, "1.00", now=DEC_1)
    assert str(refused.value) == "Ce bon a déjà été entièrement utilisé."
    assert len(redemptions(voucher)) == 1


def test_an_expired_voucher_is_refused(voucher, atelier_merchant):
    last_day = datetime.datetime(2027, 6, 30, 20, 0, tzinfo=datetime.UTC)  # 21:00 in Paris, still the 30th
    day_after = datetime.datetime(2027, 6, 30, 22, 30, tzinfo=datetime.UTC)  # 00:30 on 1 July in Paris
    v.redeem(atelier_merchant, voucher.pk, "5.00", now=last_day)
    with pytest.raises(v.VoucherExpired) as refused:
        v.redeem(atelier_merchant, voucher.pk, "5.00", now=day_after)
    assert str(refused.value) == "Ce bon a expiré le 30 juin 2027."
    voucher.refresh_from_db()
    assert voucher.balance == Decimal("45.00")
    assert voucher.status_on(datetime.date(2027, 7, 1)) == VoucherStatus.EXPIRED
    assert voucher.status_on(datetime.date(2027, 6, 30)) == VoucherStatus.ACTIVE


def test_a_cancelled_voucher_is_refused(voucher, atelier_merchant):
    Voucher.objects.filter(pk=voucher.pk).update(status=VoucherStatus.CANCELLED, balance=0)
    with pytest.raises(v.VoucherCancelled) as refused:
        v.redeem(atelier_merchant, voucher.pk, "5.00", now=DEC_1)
    assert str(refused.value) == "Ce bon a été annulé (remboursé) : il ne peut plus être utilisé."
    assert redemptions(voucher) == []


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("50.01", "Le solde de ce bon est de 50,00\xa0€ : vous ne pouvez pas utiliser 50,01\xa0€."),
        ("0", "Indiquez un montant positif, au centime près."),
        ("-5", "Indiquez un montant positif, au centime près."),
        ("1.005", "Indiquez un montant positif, au centime près."),
        ("NaN", "Indiquez un montant en euros, par exemple 12,50."),
        ("douze", "Indiquez un montant en euros, par exemple 12,50."),
        (12.5, "Montant invalide."),
    ],
)
def test_a_bad_amount_is_refused_and_changes_nothing(voucher, atelier_merchant, amount, message):
    with pytest.raises(v.BadAmount) as refused:
        v.redeem(atelier_merchant, voucher.pk, amount, now=DEC_1)
    assert str(refused.value) == message
    voucher.refresh_from_db()
    assert (voucher.balance, voucher.status) == (Decimal("50.00"), VoucherStatus.ACTIVE)
    assert redemptions(voucher) == []
    assert not ModelLogEntry.objects.for_instance(voucher).exists()


def test_a_service_is_used_once_for_its_whole_value(market, epicerie_merchant):
    order = order_of(market, [(market.atelier_visite, 1)])
    pay(order)
    [service] = vouchers_of(order)
    with pytest.raises(v.BadAmount) as refused:
        v.redeem(epicerie_merchant, service.pk, "5.00", now=DEC_1)
    assert str(refused.value) == "Une prestation s'utilise en une seule fois, pour sa valeur entière."
    v.redeem(epicerie_merchant, service.pk, None, now=DEC_1)
    service.refresh_from_db()
    assert (service.balance, service.status) == (Decimal("0.00"), VoucherStatus.USED)
    with pytest.raises(v.VoucherUsedUp):
        v.redeem(epicerie_merchant, service.pk, None, now=DEC_1)
    assert redemptions(service) == [("redeemed", Decimal("15.00"), "epicerie")]


def test_the_database_refuses_a_negative_balance(voucher):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(balance=Decimal("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Voucher.objects.filter(pk=voucher.pk).update(balance=Decimal("50.01"))


# Free amount ---------------------------------------------------------------------------


def test_a_free_amount_voucher_sells_at_the_chosen_amount_within_its_bounds(market):
    from django.core.exceptions import ValidationError

    from tests.fixtures import factories as f

    product = f.make_product(
        market.atelier, "Bon libre", price="30.00", kind="voucher", stock=None,
        voucher_min_amount=Decimal("10.00"), voucher_max_amount=Decimal("200.00"),
    )
    assert product.has_free_amount
    assert v.free_amount_price(product, "75,50") == Decimal("75.50")
    assert v.free_amount_price(product, "10") == Decimal("10")
    for asked in ("9.99", "200.01"):
        with pytest.raises(v.BadAmount) as refused:
            v.free_amount_price(product, asked)
        assert str(refused.value) == "Choisissez un montant entre 10,00\xa0€ et 200,00\xa0€."
    with pytest.raises(v.BadAmount) as refused:
        v.free_amount_price(market.santon, "20")
    assert str(refused.value) == "Ce bon cadeau a un montant fixe."
    # the merchant's bounds are checked on the page
    product.voucher_max_amount = Decimal("5.00")
    with pytest.raises(ValidationError) as invalid:
        product.full_clean()
    assert "Le maximum doit être supérieur ou égal au minimum." in str(invalid.value)
    market.santon.voucher_min_amount, market.santon.voucher_max_amount = Decimal("1.00"), Decimal("5.00")
    with pytest.raises(ValidationError) as invalid:
        market.santon.full_clean()
    assert "Seul un bon cadeau a un montant libre." in str(invalid.value)
