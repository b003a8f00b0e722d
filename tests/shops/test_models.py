import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from stdnum.eu import vat as eu_vat
from stdnum.fr import siret as fr_siret

from shops.models import DeliveryKind, DeliveryOption, ProductKind, VatStatus
from shops.validators import normalize_siret, normalize_vat_number, validate_eu_vat_number, validate_siret
from tests.fixtures import factories as f

VALID_VAT = f.vat_number_for(f.VALID_SIRET)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as refused:
        call()
    return refused.value.message_dict


@pytest.fixture
def shop(home_fr):
    return f.make_shop(f.make_market(home_fr), "Atelier du Bois Flotté", siret=f.VALID_SIRET, vat_number=VALID_VAT)


def test_fixture_identifiers_are_valid_for_stdnum():
    assert fr_siret.is_valid(f.VALID_SIRET)
    assert VALID_VAT == "FR44732829320"
    assert eu_vat.is_valid(VALID_VAT)
    assert all(fr_siret.is_valid(f.siret_number(n)) for n in range(1, 200))


def test_registered_shop_without_vat_number_is_refused(shop):
    # given a VAT-registered shop / when its number is removed
    shop.vat_status = VatStatus.REGISTERED
    shop.vat_number = ""

    # then validation asks for it
    assert list(errors_of(shop.clean)) == ["vat_number"]


def test_franchise_shop_with_vat_number_is_refused(shop):
    shop.vat_status = VatStatus.FRANCHISE
    shop.vat_number = VALID_VAT

    assert list(errors_of(shop.clean)) == ["vat_number"]


@pytest.mark.parametrize(("status", "number"), [(VatStatus.REGISTERED, VALID_VAT), (VatStatus.FRANCHISE, "")])
def test_consistent_vat_status_is_accepted(shop, status, number):
    shop.vat_status = status
    shop.vat_number = number

    shop.full_clean()  # no error


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "ABCDEFGHIJKLMN", "00000000000001"])
def test_invalid_siret_is_refused_by_full_clean(shop, siret):
    shop.siret = siret

    errors = errors_of(shop.full_clean)

    assert list(errors) == ["siret"]


def test_invalid_vat_number_is_refused_by_full_clean(shop):
    shop.vat_number = "FR00732829320"  # wrong key

    assert list(errors_of(shop.full_clean)) == ["vat_number"]


def test_identifier_validators_and_normalizers():
    validate_siret("73282932000074")
    validate_siret("732 829 320 00074")
    validate_eu_vat_number("FR 44 732829320")
    with pytest.raises(ValidationError) as bad_siret:
        validate_siret("73282932000075")
    with pytest.raises(ValidationError) as bad_vat:
        validate_eu_vat_number("FR45732829320")
    assert (bad_siret.value.code, bad_vat.value.code) == ("invalid_siret", "invalid_vat")
    assert normalize_siret("732 829 320 00074") == "73282932000074"
    assert normalize_vat_number("fr 44 732 829 320") == "FR44732829320"


@pytest.mark.parametrize(
    ("option", "field"),
    [
        (DeliveryOption(kind=DeliveryKind.PICKUP, instructions=""), "instructions"),
        (DeliveryOption(kind=DeliveryKind.PICKUP, instructions="   \n"), "instructions"),
        (DeliveryOption(kind=DeliveryKind.PICKUP, instructions="En boutique", fee=Decimal("2.00")), "fee"),
        (DeliveryOption(kind=DeliveryKind.PICKUP, instructions="En boutique", fee=Decimal("0.01")), "fee"),
        (DeliveryOption(kind=DeliveryKind.HOME, area="", fee=Decimal("5.00")), "area"),
        (DeliveryOption(kind=DeliveryKind.POSTAL, carrier="", fee=Decimal("7.90")), "carrier"),
        (DeliveryOption(kind=DeliveryKind.POSTAL, carrier=" ", fee=Decimal("7.90")), "carrier"),
    ],
)
def test_delivery_option_missing_what_the_customer_needs_is_refused(option, field):
    assert list(errors_of(option.clean)) == [field]


@pytest.mark.parametrize(
    "option",
    [
        DeliveryOption(kind=DeliveryKind.PICKUP, instructions="En boutique, 10 h – 19 h"),
        DeliveryOption(kind=DeliveryKind.HOME, area="Morlaix", fee=Decimal("0.00")),
        DeliveryOption(kind=DeliveryKind.HOME, area="Morlaix", fee=Decimal("5.00")),
        DeliveryOption(kind=DeliveryKind.POSTAL, carrier="Colissimo", fee=Decimal("7.90")),
    ],
)
def test_complete_delivery_option_is_accepted(option):
    option.clean()  # no error


def test_delivery_option_fee_cannot_be_negative(shop):
    option = DeliveryOption(page=shop, kind=DeliveryKind.HOME, area="Morlaix", fee=Decimal("-1.00"))

    assert list(errors_of(option.full_clean)) == ["fee"]


@pytest.mark.parametrize(
    ("kind", "valid_until", "refused"),
    [
        (ProductKind.SERVICE, None, True),
        (ProductKind.PHYSICAL, datetime.date(2026, 1, 31), True),
        (ProductKind.SERVICE, datetime.date(2026, 1, 31), False),
        (ProductKind.PHYSICAL, None, False),
    ],
)
def test_product_validity_date_follows_its_kind(shop, kind, valid_until, refused):
    # given a product of the shop
    product = f.make_product(shop, "Santon en bois")

    # when its kind and validity are set
    product.kind = kind
    product.valid_until = valid_until

    # then a service needs a date, a physical product must not have one
    if refused:
        assert list(errors_of(product.clean)) == ["valid_until"]
    else:
        product.clean()


@pytest.mark.parametrize(("price", "refused"), [("0.00", True), ("0.01", False), ("10000.00", False), ("10000.01", True)])
def test_product_price_bounds(shop, price, refused):
    product = f.make_product(shop, "Santon en bois")
    product.price = Decimal(price)

    if refused:
        assert list(errors_of(product.full_clean)) == ["price"]
    else:
        product.full_clean()
