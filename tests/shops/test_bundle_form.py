"""The merchant's form of a bundle: who may take part, how the price splits, and publication held until all accept."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from shops.bundles import answer, ask_consents, sale_refusal
from shops.models import BundleConsent, BundlePart, ConsentStatus, ProductPage
from tests.fixtures import factories as f


@pytest.fixture
def world(db):
    home = f.french_home()
    market = f.make_market(home, f.make_territory("Colmar"), title="Marché de Colmar")
    other_market = f.make_market(home, f.make_territory("Annecy"), title="Marché d'Annecy")
    restaurant = f.make_shop(market, "Winstub du Sapin", category="restaurant")
    guest_house = f.make_shop(market, "Chambres du Rempart", category="stay")
    faraway = f.make_shop(other_market, "Fromagerie d'Annecy")
    user = User.objects.create_user("winstub")
    make_merchant(user, restaurant)
    version = TermsVersion.objects.create(version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    TermsAcceptance.objects.create(user=user, version=version)
    return {"restaurant": restaurant, "guest_house": guest_house, "faraway": faraway, "user": user}


def bundle_data(parts, action="action-publish", price="120.00", initial=0):
    data = nested_form_data({
        "title": "Soirée de Noël", "slug": "soiree-de-noel", "kind": "bundle", "valid_until": "2027-03-31",
        "withdrawal": "", "price": price, "vat_rate": "10.00", "voucher_min_amount": "", "voucher_max_amount": "",
        "cover_image": "", "description": rich_text(""), "bundle_own_part": "Un dîner pour deux",
        "photos": inline_formset([]), "options": streamfield([]),
        "bundle_parts": inline_formset(parts, initial=initial),
        "comments": inline_formset([]),
    })
    data[action] = "1"
    return data


def part(shop, **fields):
    return {"participant": shop.pk, "description": "Une nuit pour deux", "share_amount": "", "share_percent": "",
            "vat_rate": "10.00", "withdrawal": "dated_service", "product": "", **fields}


def test_the_participant_list_holds_the_other_shops_of_the_market_only(world, client):
    client.force_login(world["user"])
    html = client.get(reverse("wagtailadmin_pages:add", args=["shops", "productpage", world["restaurant"].pk])).content.decode()

    assert "Chambres du Rempart" in html
    assert "Fromagerie d&#x27;Annecy" not in html and "Fromagerie d'Annecy" not in html


def test_a_shop_of_another_market_is_refused(world, client):
    client.force_login(world["user"])
    url = reverse("wagtailadmin_pages:add", args=["shops", "productpage", world["restaurant"].pk])

    response = client.post(url, bundle_data([part(world["faraway"], share_percent="40")]))

    assert response.status_code == 200
    assert not ProductPage.objects.filter(slug="soiree-de-noel").exists()


@pytest.mark.parametrize(("fields", "message"), [
    ({"share_amount": "130.00"}, "Les parts des participants dépassent le prix du coffret."),
    ({"share_amount": "30.00", "share_percent": "20"}, "un montant ou un pourcentage, pas les deux"),
    ({}, "un montant ou un pourcentage, pas les deux"),
])
def test_a_split_that_cannot_be_paid_is_refused(world, client, fields, message):
    client.force_login(world["user"])
    url = reverse("wagtailadmin_pages:add", args=["shops", "productpage", world["restaurant"].pk])

    response = client.post(url, bundle_data([part(world["guest_house"], **fields)]))

    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not ProductPage.objects.filter(slug="soiree-de-noel").exists()


def test_publication_waits_for_the_participant_then_goes_through(world, client):
    client.force_login(world["user"])
    url = reverse("wagtailadmin_pages:add", args=["shops", "productpage", world["restaurant"].pk])

    # When the merchant publishes a new bundle
    response = client.post(url, bundle_data([part(world["guest_house"], share_percent="40")]), follow=True)

    # Then it is kept as a draft and the guest house is asked about its part (40 % of 120.00 = 48.00)
    bundle = ProductPage.objects.get(slug="soiree-de-noel")
    assert not bundle.live
    assert "En attente de : Chambres du Rempart" in response.content.decode()
    consent = BundleConsent.objects.get(bundle_key=bundle.translation_key)
    assert (consent.participant_id, consent.status, consent.terms["share_percent"], consent.terms["price"]) == (
        world["guest_house"].pk, ConsentStatus.ASKED, "40.00", "120.00"
    )

    # When the guest house accepts and the merchant publishes again
    answer(consent.pk, None, accept=True)
    edit = reverse("wagtailadmin_pages:edit", args=[bundle.pk])
    client.post(edit, bundle_data([{**part(world["guest_house"], share_percent="40"), "id": BundlePart.objects.get().pk}],
                                  initial=1))

    # Then it is live and for sale
    bundle.refresh_from_db()
    assert bundle.live
    assert sale_refusal(bundle) == ""


def test_a_new_price_asks_again_and_the_live_terms_stay_on_sale_meanwhile(world, client):
    bundle = f.make_bundle(world["restaurant"], price="120.00",
                           parts=[{"participant": world["guest_house"], "share_percent": Decimal("40")}])
    assert sale_refusal(bundle) == ""

    # When the merchant saves a draft at a new price
    draft = bundle.get_latest_revision_as_object()
    draft.price = Decimal("140.00")
    draft.save_revision()
    ask_consents(draft)

    # Then the guest house is asked about it, and the live bundle still sells at 120.00
    assert BundleConsent.objects.filter(status=ConsentStatus.ASKED, terms__price="140.00").count() == 1
    assert sale_refusal(ProductPage.objects.get(pk=bundle.pk)) == ""

    # When the new price goes live (a schedule, code) without an answer, it is off sale
    draft.save_revision().publish()
    assert sale_refusal(ProductPage.objects.get(pk=bundle.pk)) != ""


def test_an_old_revision_published_again_does_not_bring_its_acceptance_back(world):
    bundle = f.make_bundle(world["restaurant"], price="120.00",
                           parts=[{"participant": world["guest_house"], "share_percent": Decimal("40")}])
    old_revision = bundle.latest_revision
    changed = ProductPage.objects.get(pk=bundle.pk)
    changed.price = Decimal("150.00")
    changed.save_revision().publish()
    for consent in BundleConsent.objects.filter(status=ConsentStatus.ASKED):
        answer(consent.pk, None, accept=True)
    assert sale_refusal(ProductPage.objects.get(pk=bundle.pk)) == ""

    # When the 120.00 revision, accepted once, is published again
    old_revision.publish()

    # Then it needs a new answer
    bundle = ProductPage.objects.get(pk=bundle.pk)
    assert bundle.price == Decimal("120.00")
    assert sale_refusal(bundle) != ""
    assert BundleConsent.objects.filter(status=ConsentStatus.ASKED, superseded_at__isnull=True,
                                        terms__price="120.00").count() == 1


def test_a_second_part_for_the_same_shop_slipped_past_the_existing_rows_is_refused(world, client):
    # Given a live bundle with the guest house's part
    bundle = f.make_bundle(world["restaurant"], price="120.00",
                           parts=[{"participant": world["guest_house"], "share_percent": Decimal("40")}])
    client.force_login(world["user"])

    # When a submission says nothing of the existing row and adds another part for the same shop
    response = client.post(reverse("wagtailadmin_pages:edit", args=[bundle.pk]),
                           bundle_data([part(world["guest_house"], share_amount="1.00")]))

    # Then it is refused, and the bundle keeps one part
    assert response.status_code == 200
    assert "a déjà une part du coffret" in response.content.decode().replace("&#x27;", "'")
    assert BundlePart.objects.filter(page=bundle).count() == 1
