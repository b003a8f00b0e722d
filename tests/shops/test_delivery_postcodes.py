"""A home delivery's area as postcodes and départements: validated, normalised, a fact shared with English."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Locale
from wagtail_localize.fields import get_translatable_fields

from home.demo.translation import english_copy, translate
from shops.models import DeliveryKind, DeliveryOption, ShopPage
from shops.validators import normalize_delivery_postcodes, validate_delivery_postcodes
from tests.fixtures import factories as f


def home(postcodes: str, active: bool = True) -> DeliveryOption:
    return DeliveryOption(kind=DeliveryKind.HOME, area="Colmar et alentours", postcodes=postcodes, active=active)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("68000", "68000"),
        ("68000, 68;  67600\n68000", "67600 68 68000"),
        ("974,20", "20 974"),
        ("", ""),
        (" , ; ", ""),
    ],
)
def test_a_delivery_area_is_stored_as_unique_sorted_codes(typed, stored):
    validate_delivery_postcodes(typed)
    assert normalize_delivery_postcodes(typed) == stored


@pytest.mark.parametrize(
    ("typed", "wrong"),
    [
        ("6800", "6800"),
        ("680001", "680001"),
        ("ABCDE 68000", "ABCDE"),
        ("00", "00"),
        ("7", "7"),
        ("68000 Colmar", "Colmar"),
        ("123", "123"),
        ("-68", "-68"),
    ],
)
def test_codes_that_are_neither_a_postcode_nor_a_departement_are_refused_and_named(typed, wrong):
    with pytest.raises(ValidationError) as refused:
        validate_delivery_postcodes(typed)
    assert refused.value.code == "invalid_delivery_postcodes"
    assert wrong in refused.value.messages[0]


def test_clean_normalises_the_codes_of_a_home_delivery():
    option = home("68000,67600  68")
    option.clean()
    assert option.postcodes == "67600 68 68000"


@pytest.mark.parametrize(
    "option",
    [
        DeliveryOption(kind=DeliveryKind.PICKUP, instructions="En boutique", postcodes="68000"),
        DeliveryOption(kind=DeliveryKind.POSTAL, carrier="Colissimo", postcodes="68"),
    ],
)
def test_only_a_home_delivery_has_postcodes(option):
    with pytest.raises(ValidationError) as refused:
        option.clean()
    assert list(refused.value.message_dict) == ["postcodes"]


@pytest.mark.parametrize(
    ("option", "postcode", "delivers"),
    [
        (home("68"), "68000", True),
        (home("68"), "67000", False),
        (home("67000 67100"), "67100", True),
        (home("67000 67100"), "67200", False),
        (home("974"), "97400", True),
        (home("974"), "97100", False),
        (home("68", active=False), "68000", False),
        (home(""), "68000", False),
        (DeliveryOption(kind=DeliveryKind.POSTAL, carrier="Colissimo"), "20000", True),
        (DeliveryOption(kind=DeliveryKind.POSTAL, carrier="Colissimo", active=False), "20000", False),
        (DeliveryOption(kind=DeliveryKind.PICKUP, instructions="En boutique"), "68000", False),
    ],
)
def test_which_postcodes_an_option_delivers_to(option, postcode, delivers):
    assert option.delivers_to(postcode) is delivers


@pytest.mark.django_db
def test_codes_are_normalised_on_save_whatever_the_way_in(home_fr):
    market = f.make_market(home_fr)
    shop = f.make_shop(market, delivery_options=[f.pickup(), home("68100;68000,68000")])
    assert DeliveryOption.objects.get(page=shop, kind=DeliveryKind.HOME).postcodes == "68000 68100"


def test_the_admin_panel_offers_the_postcodes_with_their_help():
    panel = DeliveryOption.panels
    names = [getattr(p, "field_name", None) for p in panel]
    assert "postcodes" in names
    field = DeliveryOption._meta.get_field("postcodes")
    assert "68000" in str(field.help_text) and "(68)" in str(field.help_text)


@pytest.mark.django_db
def test_postcodes_are_a_fact_the_english_page_takes_from_the_french_one(home_fr):
    # given a shop translated into English through wagtail-localize
    english = Locale.objects.get(language_code="en")
    translate(home_fr, english_copy(home_fr, title="Digital Christmas market"), english)
    market = f.make_market(home_fr)
    translate(market, english_copy(market, title="Christmas market", slug="christmas-market"), english)
    shop = f.make_shop(market, delivery_options=[f.pickup(), home("68000")])
    english_shop = english_copy(shop)
    english_shop.delivery_options = [
        english_copy(option, area="Colmar and around" if option.area else "")
        for option in shop.delivery_options.order_by("sort_order")
    ]
    translate(shop, english_shop, english)

    # when the merchant widens the French area and publishes
    shop = ShopPage.objects.get(pk=shop.pk)
    row = shop.delivery_options.get(kind=DeliveryKind.HOME)
    row.postcodes, row.fee = "68 67600", Decimal("4.00")
    shop.delivery_options = [shop.delivery_options.get(kind=DeliveryKind.PICKUP), row]
    shop.save_revision().publish()

    # then the English row delivers to the same codes, keeping its English words
    english_row = DeliveryOption.objects.get(page__locale=english, translation_key=row.translation_key)
    assert (english_row.postcodes, english_row.area) == ("67600 68", "Colmar and around")
    # and no translator may give the English page other codes
    overridable = {fd.field_name for fd in get_translatable_fields(DeliveryOption) if fd.is_overridable(row)}
    assert "postcodes" not in overridable
