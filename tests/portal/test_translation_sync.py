"""A French publication puts its facts on the English pages at once; prose falls back; drafts stay drafts.

English pages here are made the two ways the portal meets: through
wagtail-localize (home.demo.translation.translate, as the "Translate"
button does) and as a plain `copy_for_translation` (the test factories).
"""

import datetime
from decimal import Decimal

import pytest
from wagtail.models import Locale

from home.demo.translation import english_copy, translate
from markets.models import PartnerContact
from shops.models import DeliveryKind, DeliveryOption, ProductPage, ShopOpeningHours, ShopPage, Weekday
from tests.fixtures import factories as f

pytestmark = pytest.mark.django_db

DESCRIPTION_FR = "<p>Un gâteau breton au beurre.</p><p>Cuit le matin même.</p>"
DESCRIPTION_EN = "<p>A Breton butter cake.</p><p>Baked the same morning.</p>"


@pytest.fixture
def english():
    return Locale.objects.get(language_code="en")


@pytest.fixture
def shop(english):
    home_fr = f.french_home()
    translate(home_fr, english_copy(home_fr, title="Digital Christmas market"), english)
    market = f.make_market(home_fr)
    translate(market, english_copy(market, title="Christmas market", slug="christmas-market"), english)
    shop = f.make_shop(
        market, "Ty Gwechall", opening_hours="Du mardi au samedi",
        delivery_options=[
            DeliveryOption(kind=DeliveryKind.PICKUP, instructions="Au comptoir, 10 h – 19 h"),
            DeliveryOption(kind=DeliveryKind.HOME, area="Morlaix et 10 km", fee=Decimal("5.00")),
        ],
    )
    french_options = list(shop.delivery_options.order_by("sort_order"))
    english_options = [
        english_copy(french_options[0], instructions="At the counter, 10am – 7pm"),
        english_copy(french_options[1], area="Morlaix and 10 km around"),
    ]
    english_shop = english_copy(shop, title="Ty Gwechall", opening_hours="Tuesday to Saturday")
    english_shop.delivery_options = english_options
    translate(shop, english_shop, english)
    return shop


@pytest.fixture
def product(shop, english):
    product = f.make_product(shop, "Kouign-amann", price="18.50", description=DESCRIPTION_FR)
    translate(product, english_copy(product, title="Kouign-amann cake", description=DESCRIPTION_EN), english)
    return product


def live_english(page):
    return type(page).objects.get(translation_key=page.translation_key, locale__language_code="en")


def republish(page, **changes):
    page = type(page).objects.get(pk=page.pk)
    for name, value in changes.items():
        setattr(page, name, value)
    page.save_revision().publish()
    return page


def test_a_french_price_reaches_the_english_page_and_its_revision_at_once(product, client):
    republish(product, price=Decimal("21.90"), valid_until=None)

    english = live_english(product)
    assert (english.price, english.title) == (Decimal("21.90"), "Kouign-amann cake")
    # The live revision holds it too: republishing that revision cannot bring 18.50 back
    assert english.live_revision.as_object().price == Decimal("21.90")
    english.live_revision.publish()
    assert live_english(product).price == Decimal("21.90")
    response = client.get(english.url)
    assert response.context["page"].price == Decimal("21.90")


def test_the_copy_does_not_loop_and_touches_the_french_page_once(product):
    revisions_before = live_english(product).revisions.count()
    french_before = product.revisions.count()

    republish(product, price=Decimal("19.00"))

    assert live_english(product).revisions.count() == revisions_before + 1
    assert ProductPage.objects.get(pk=product.pk).revisions.count() == french_before + 1
    # Publishing the English page copies nothing back
    english = live_english(product)
    english.title = "Kouign-amann (English)"
    english.save_revision().publish()
    assert ProductPage.objects.get(pk=product.pk).title == "Kouign-amann"
    assert ProductPage.objects.get(pk=product.pk).revisions.count() == french_before + 1


def test_a_changed_french_paragraph_falls_back_to_french_and_the_others_stay_english(product):
    republish(product, description="<p>Un gâteau breton au beurre.</p><p>Cuit à midi.</p>")

    english = live_english(product)
    assert english.description == "<p>A Breton butter cake.</p><p>Cuit à midi.</p>"
    assert english.title == "Kouign-amann cake"


def test_an_unpublished_english_draft_stays_a_draft_with_the_new_facts(product):
    english = live_english(product)
    english.title = "Kouign-amann, draft"
    english.save_revision()

    republish(product, price=Decimal("22.00"))

    english = live_english(product)
    assert (english.title, english.price) == ("Kouign-amann cake", Decimal("22.00"))
    assert english.has_unpublished_changes
    draft = english.latest_revision.as_object()
    assert (draft.title, draft.price) == ("Kouign-amann, draft", Decimal("22.00"))


def test_an_english_draft_translation_is_not_published(shop, english):
    product = f.make_product(shop, "Far breton", price="9.00")
    draft = product.copy_for_translation(english, copy_parents=False)
    draft.live = False
    draft.title = "Breton far"
    draft.save()
    draft.save_revision()

    republish(product, price=Decimal("9.50"))

    assert (live_english(product).live, live_english(product).price) == (False, Decimal("9.00"))


def test_delivery_options_switch_off_and_change_fee_in_english_keeping_their_english_text(shop):
    options = {o.kind: o for o in shop.delivery_options.all()}
    shop = ShopPage.objects.get(pk=shop.pk)
    home, pickup = shop.delivery_options.get(kind=DeliveryKind.HOME), shop.delivery_options.get(kind=DeliveryKind.PICKUP)
    home.active, home.fee = False, Decimal("6.50")
    shop.delivery_options = [pickup, home]
    shop.save_revision().publish()

    english = live_english(shop)
    rows = {o.kind: o for o in english.delivery_options.all()}
    assert (rows["home"].active, rows["home"].fee, rows["home"].area) == (False, Decimal("6.50"), "Morlaix and 10 km around")
    assert (rows["pickup"].active, rows["pickup"].instructions) == (True, "At the counter, 10am – 7pm")
    assert {o.translation_key for o in rows.values()} == {o.translation_key for o in options.values()}
    assert all(o.locale.language_code == "en" for o in rows.values())
    # Opening hours unchanged in French: still English
    assert english.opening_hours == "Tuesday to Saturday"


def test_a_new_french_delivery_option_appears_in_english_in_french_and_a_removed_one_goes(shop):
    shop = ShopPage.objects.get(pk=shop.pk)
    pickup = shop.delivery_options.get(kind=DeliveryKind.PICKUP)
    shop.delivery_options = [
        pickup, DeliveryOption(kind=DeliveryKind.POSTAL, carrier="La Poste Colissimo", fee=Decimal("7.90")),
    ]
    shop.save_revision().publish()

    rows = sorted(live_english(shop).delivery_options.all(), key=lambda o: o.kind)
    assert [(o.kind, o.fee, o.carrier) for o in rows] == [
        ("pickup", Decimal("0.00"), ""), ("postal", Decimal("7.90"), "La Poste Colissimo"),
    ]
    assert rows[0].instructions == "At the counter, 10am – 7pm"


def test_shop_facts_follow_and_a_translator_cannot_override_them(shop):
    republish(shop, phone="02 98 00 00 01", last_delivery_order_date=datetime.date(2026, 12, 19), category="food")

    english = live_english(shop)
    assert (english.phone, english.last_delivery_order_date, english.category) == (
        "02 98 00 00 01", datetime.date(2026, 12, 19), "food"
    )
    from wagtail_localize.fields import get_translatable_fields

    overridable = {f.field_name for f in get_translatable_fields(ShopPage) if f.is_overridable(shop)}
    assert not overridable & {"phone", "email", "website", "siret", "legal_name", "cover_image", "street"}
    overridable = {f.field_name for f in get_translatable_fields(DeliveryOption) if f.is_overridable(pickup_row(shop))}
    assert not overridable & {"kind", "active", "fee", "carrier"}


def pickup_row(shop):
    return shop.delivery_options.get(kind=DeliveryKind.PICKUP)


def hours(*rows):
    return [ShopOpeningHours(weekday=day, opens=datetime.time(*opens), closes=datetime.time(*closes))
            for day, opens, closes in rows]


def hours_of(page) -> list:
    return sorted((p.weekday, p.opens, p.closes) for p in page.opening_periods.all())


TUESDAY_MORNING = (Weekday.TUESDAY, (10,), (12, 30))
TUESDAY_AFTERNOON = (Weekday.TUESDAY, (14,), (19,))
SUNDAY = (Weekday.SUNDAY, (14,), (18,))


def test_opening_periods_are_copied_to_the_english_page_as_they_are(shop):
    # Given the French shop publishes its hours by day
    shop = ShopPage.objects.get(pk=shop.pk)
    shop.opening_periods = hours(TUESDAY_MORNING, TUESDAY_AFTERNOON, SUNDAY)
    shop.save_revision().publish()

    # Then the English page has the same rows, its text untouched, in its live revision too
    english = live_english(shop)
    assert hours_of(english) == hours_of(shop) == [
        (Weekday.TUESDAY, datetime.time(10), datetime.time(12, 30)),
        (Weekday.TUESDAY, datetime.time(14), datetime.time(19)),
        (Weekday.SUNDAY, datetime.time(14), datetime.time(18)),
    ]
    assert english.opening_hours == "Tuesday to Saturday"
    assert hours_of(english.live_revision.as_object()) == hours_of(shop)
    # the English rows are the English page's own (deleting the French page's would not empty it)
    assert not {p.pk for p in english.opening_periods.all()} & {p.pk for p in shop.opening_periods.all()}

    # When the French shop closes on Sundays again
    shop = ShopPage.objects.get(pk=shop.pk)
    shop.opening_periods = hours(TUESDAY_MORNING, TUESDAY_AFTERNOON)
    shop.save_revision().publish()

    # Then so does the English one
    assert [day for day, _opens, _closes in hours_of(live_english(shop))] == [Weekday.TUESDAY, Weekday.TUESDAY]


def test_a_translator_cannot_change_the_opening_periods(shop):
    from wagtail_localize.fields import get_translatable_fields
    from wagtail_localize.segments.extract import extract_segments

    shop = ShopPage.objects.get(pk=shop.pk)
    shop.opening_periods = hours(TUESDAY_MORNING)
    shop.save_revision().publish()

    # The translation editor offers nothing of them, to translate or to override
    (declared,) = [d for d in get_translatable_fields(ShopPage) if d.field_name == "opening_periods"]
    assert declared.is_overridable(shop) is False
    assert not [s.path for s in extract_segments(shop) if s.path.startswith("opening_periods")]

    # and hours typed on the English page in the normal editor go back to the French ones
    english = live_english(shop)
    english.opening_periods = hours(SUNDAY, (Weekday.MONDAY, (9,), (12,)))
    english.save_revision().publish()
    english = live_english(shop)
    assert hours_of(english) == [(Weekday.TUESDAY, datetime.time(10), datetime.time(12, 30))]
    assert hours_of(english.live_revision.as_object()) == hours_of(english)


def test_an_english_shop_copied_outside_localize_gets_the_french_hours(shop):
    other = f.make_shop(shop.get_parent().specific, "Crêperie du Port")
    f.translate(other, "en", title="Harbour crêpe house")

    other = ShopPage.objects.get(pk=other.pk)
    other.opening_periods = hours(SUNDAY)
    other.save_revision().publish()

    english = live_english(other)
    assert (hours_of(english), english.title) == (hours_of(other), "Harbour crêpe house")
    assert hours_of(english) == [(Weekday.SUNDAY, datetime.time(14), datetime.time(18))]


def test_pages_copied_outside_localize_get_the_facts_and_keep_their_text(shop, english):
    product = f.make_product(shop, "Galettes", price="6.00")
    f.translate(product, "en", title="Butter biscuits")
    market = shop.get_parent().specific
    english_market = live_english(market)

    republish(product, price=Decimal("6.40"), title="Galettes pur beurre")
    republish(market, market_closes=datetime.date(2027, 1, 6))

    assert (live_english(product).price, live_english(product).title) == (Decimal("6.40"), "Butter biscuits")
    assert live_english(market).market_closes == datetime.date(2027, 1, 6)
    assert live_english(market).title == english_market.title


def test_a_partner_contacts_phone_follows_in_english(english):
    territory = f.make_territory()
    contact = PartnerContact.objects.create(
        territory=territory, kind="tourism_office", name="Office de tourisme", phone="02 98 62 14 94"
    )
    contact.save_revision().publish()
    translate(contact, english_copy(contact, name="Tourist office"), english)

    contact = PartnerContact.objects.get(pk=contact.pk)
    contact.phone = "02 98 62 14 95"
    contact.save_revision().publish()

    translated = PartnerContact.objects.get(translation_key=contact.translation_key, locale=english)
    assert (translated.phone, translated.name) == ("02 98 62 14 95", "Tourist office")


def test_a_product_withdrawn_in_french_goes_off_line_in_english_and_comes_back_with_it(product, client):
    english = live_english(product)
    ProductPage.objects.get(pk=product.pk).unpublish()

    assert live_english(product).live is False
    assert client.get(english.url).status_code == 404

    republish(product, price=Decimal("20.00"))

    english = live_english(product)
    assert (english.live, english.price, english.title) == (True, Decimal("20.00"), "Kouign-amann cake")
    assert english.has_unpublished_changes is False


def test_an_english_page_its_translator_took_off_line_stays_off_line(product):
    live_english(product).unpublish()

    republish(product, price=Decimal("20.00"))

    assert live_english(product).live is False


def test_the_english_page_and_the_english_basket_show_the_new_french_price(product, client):
    from django.urls import reverse
    from django.utils import translation

    from portal.money import euros

    republish(product, price=Decimal("23.40"))
    english = live_english(product)
    with translation.override("en"):
        new_price, old_price = euros(Decimal("23.40")), euros(Decimal("18.50"))
        basket_url, add_url = reverse("checkout:basket"), reverse("checkout:add")

    page = client.get(english.url).content.decode()
    assert new_price in page and old_price not in page
    client.post(add_url, {"product": english.pk, "quantity": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    basket = client.get(basket_url).content.decode()
    assert "Kouign-amann cake" in basket and new_price in basket and old_price not in basket


def test_a_price_typed_on_the_english_page_in_the_normal_editor_does_not_go_on_line(shop):
    product = f.make_product(shop, "Galettes", price="6.00")
    english = f.translate(product, "en", title="Butter biscuits")

    english.price, english.title = Decimal("1.00"), "Butter biscuits, a tin"
    english.save_revision().publish()

    english = live_english(product)
    assert (english.price, english.title) == (Decimal("6.00"), "Butter biscuits, a tin")
    assert english.live_revision.as_object().price == Decimal("6.00")


def test_an_english_delivery_fee_typed_in_the_normal_editor_goes_back_to_the_french_one(shop, english):
    english_shop = live_english(shop)
    home = english_shop.delivery_options.get(kind=DeliveryKind.HOME)
    home.fee, home.area = Decimal("0.50"), "Morlaix and around"
    english_shop.delivery_options = [english_shop.delivery_options.get(kind=DeliveryKind.PICKUP), home]
    english_shop.save_revision().publish()

    row = live_english(shop).delivery_options.get(kind=DeliveryKind.HOME)
    assert (row.fee, row.area) == (Decimal("5.00"), "Morlaix and around")


def test_a_scheduled_french_publication_does_not_reach_english_before_it_goes_live(product):
    from datetime import timedelta

    from django.utils import timezone

    page = ProductPage.objects.get(pk=product.pk)
    page.price = Decimal("30.00")
    page.go_live_at = timezone.now() + timedelta(days=2)
    page.save_revision().publish()

    assert live_english(product).price == Decimal("18.50")


def test_english_follows_french_and_loading_that_setting_raw_builds_no_page():
    from django.core import serializers
    from wagtail.models import Page
    from wagtail_localize.models import LocaleSynchronization

    row = LocaleSynchronization.objects.get(locale__language_code="en")
    assert row.sync_from.language_code == "fr"
    data = serializers.serialize("json", [row])
    row.delete()

    # when the row comes back as a fixture or a test database's serialized rows do
    for loaded in serializers.deserialize("json", data):
        loaded.save()
    # then no page is made from a tree that may be half loaded
    assert not Page.objects.filter(locale__language_code="en").exists()

    # while saving it for real aliases the French tree into English
    LocaleSynchronization.objects.get(locale__language_code="en").save()
    english_home = Page.objects.get(locale__language_code="en", depth=2)
    assert english_home.alias_of == f.french_home().page_ptr
