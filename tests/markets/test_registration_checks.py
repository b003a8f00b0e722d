"""Checks on merchant registrations: one open registration per SIRET, returning merchants, chain stores,
the territory's postcodes, the editors' notice, e-mail links, the editors' detail page, and the form's labels."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from wagtail.models import Site
from wagtail.users.models import UserProfile

from markets import emails, onboarding
from markets.chain_stores import name_matches
from markets.merchants import make_merchant
from markets.models import ChainStore, Merchant, MerchantRegistration
from shops.models import ShopPage, VatStatus
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, photo, portal, registration_data, registration_url


@pytest.fixture
def morlaix(db):
    return portal()


def post(client, market, n=1, **overrides):
    return client.post(registration_url(market), registration_data(n, **overrides))


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&#39;", "'").replace("&quot;", '"')


# One open registration per SIRET --------------------------------------------------------------


def test_a_second_registration_of_a_pending_siret_is_refused_with_a_clear_message(
    client, morlaix, django_capture_on_commit_callbacks
):
    # Given a pending registration
    _territory, market_fr, _market_en = morlaix
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, market_fr).status_code == 302
    sent = len(mail.outbox)

    # When the same SIRET is sent again (another e-mail, spaces in the number)
    siret = registration_data(1)["siret"]
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    response = post(client, market_fr, siret=spaced, email="autre@example.org")

    # Then it is refused on the SIRET field, saying why, and nothing is stored or sent
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["siret"]
    assert "Une inscription avec ce SIRET est déjà en cours d'examen" in text(response)
    assert MerchantRegistration.objects.count() == 1
    assert len(mail.outbox) == sent


def test_two_submissions_racing_past_the_form_make_one_registration(morlaix):
    # Given the form's check passed for two submissions of the same SIRET
    territory, _market_fr, _market_en = morlaix
    data = {**registration_data(1), "declared_independent": True}
    onboarding.submit_registration(territory, data, photo(), "png", "fr")

    # When the second one is stored, then the database refuses it
    with pytest.raises(onboarding.DuplicateRegistration):
        onboarding.submit_registration(territory, {**data, "email": "x@example.org"}, photo(), "png", "fr")
    assert MerchantRegistration.objects.count() == 1


def test_a_rejected_siret_may_register_again(client, morlaix):
    territory, market_fr, _market_en = morlaix
    assert post(client, market_fr).status_code == 302
    MerchantRegistration.objects.update(status=MerchantRegistration.Status.REJECTED)

    assert post(client, market_fr).status_code == 302
    assert MerchantRegistration.objects.filter(status="pending").count() == 1


# Returning merchants ----------------------------------------------------------------------


def test_a_returning_merchant_is_told_and_the_approval_reopens_their_shop_and_account(
    client, morlaix, django_capture_on_commit_callbacks
):
    # Given last season's shop of this SIRET on the market, with its merchant account
    territory, market_fr, _market_en = morlaix
    siret = registration_data(1)["siret"]
    shop = f.make_shop(market_fr, "Ty Gwechall", siret=siret)
    merchant = User.objects.create_user("tygwechall", email="ancien@example.org")
    make_merchant(merchant, shop)
    editor = editor_of(territory)
    shops_before, users_before = ShopPage.objects.count(), User.objects.count()

    # The form explains it before they register
    assert "Inscrivez-vous avec le même SIRET" in text(client.get(registration_url(market_fr)))

    # When they register again with the same SIRET
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, market_fr)

    # Then they are told their shop will be reopened, and the editor sees a returning merchant
    registration = MerchantRegistration.objects.get()
    assert (registration.status, registration.returning_shop_id) == ("pending", shop.pk)
    assert "votre boutique « Ty Gwechall » d'une saison passée sera rouverte" in text(client.get(response["Location"]))
    client.force_login(editor)
    assert "De retour : Ty Gwechall" in text(client.get(reverse("registrations:index")))
    assert "Commerçant de retour : sa boutique « Ty Gwechall »" in text(
        client.get(reverse("registrations:inspect", args=[registration.pk]))
    )

    # When the editor approves it
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations:approve", args=[registration.pk]))

    # Then the existing shop and account are reused: no new shop, no new user
    registration.refresh_from_db()
    assert (registration.status, registration.shop_id, registration.user_id) == ("approved", shop.pk, merchant.pk)
    assert (ShopPage.objects.count(), User.objects.count()) == (shops_before, users_before)
    assert Merchant.objects.filter(shop__translation_key=shop.translation_key).count() == 1
    [invitation] = mail.outbox
    assert invitation.to == ["maiwenn1@example.org"]
    assert "a rouvert votre boutique Ty Gwechall pour cette saison" in invitation.body
    assert "tygwechall" in invitation.body


def test_a_shop_of_the_same_siret_in_another_territory_is_not_a_return(client, morlaix):
    _territory, market_fr, _market_en = morlaix
    elsewhere = f.make_market(f.french_home(), f.make_territory("Pays de Brest"))
    f.make_shop(elsewhere, "Ailleurs", siret=registration_data(1)["siret"])

    assert post(client, market_fr).status_code == 302
    assert MerchantRegistration.objects.get().returning_shop is None


# Chain stores ---------------------------------------------------------------------------


def test_chain_names_match_whole_words_ignoring_case_and_accents():
    assert name_matches("Épicerie Dupré", "EPICERIE DUPRE Morlaix")
    assert name_matches("carrefour city", "SAS Carrefour-City Morlaix")
    assert not name_matches("Carrefour", "Les Carrefours du Goût")
    assert not name_matches("Fournil Express", "Le Fournil Exprès")


def test_a_chain_is_flagged_by_siren_and_by_name_not_refused(client, morlaix):
    # Given the platform's list: one chain by SIREN, one by name
    territory, market_fr, _market_en = morlaix
    chain_siret = f.siret_number(77)
    ChainStore.objects.create(name="Brioches Express", sirens=chain_siret[:9])
    ChainStore.objects.create(name="Épicerie Dupré", other_names="Dupré & Fils")

    # When three merchants register: the chain's SIREN, a chain's name, a near name
    post(client, market_fr, 1, siret=chain_siret, vat_number=f.vat_number_for(chain_siret))
    post(client, market_fr, 2, trade_name="EPICERIE DUPRE Morlaix")
    post(client, market_fr, 3, trade_name="Épicerie du Pré", legal_name="SARL Dupréaux")

    # Then the first two are flagged (and pending), the near name is not
    flags = dict(MerchantRegistration.objects.values_list("trade_name", "chain_flag"))
    assert flags == {
        "Les Délices de Morlaix 1": f"Brioches Express : SIREN {chain_siret[:9]}",
        "EPICERIE DUPRE Morlaix": "Épicerie Dupré : nom « EPICERIE DUPRE Morlaix »",
        "Épicerie du Pré": "",
    }
    assert set(MerchantRegistration.objects.values_list("status", flat=True)) == {"pending"}

    # and the editor sees the flag on the list and, with the platform's rule, on the detail page
    client.force_login(editor_of(territory))
    listing = text(client.get(reverse("registrations:index")))
    assert f"Chaîne ? Brioches Express : SIREN {chain_siret[:9]}" in listing
    flagged = MerchantRegistration.objects.get(trade_name="EPICERIE DUPRE Morlaix")
    detail = text(client.get(reverse("registrations:inspect", args=[flagged.pk])))
    assert "Épicerie Dupré : nom « EPICERIE DUPRE Morlaix »" in detail
    assert "seuls les commerces indépendants" in detail


def test_the_chain_list_is_the_platform_operators_only(client, morlaix):
    territory, _market_fr, _market_en = morlaix
    client.force_login(editor_of(territory))

    assert client.get(reverse("chain_stores:index")).status_code in (302, 403)
    response = client.post(reverse("chain_stores:add"), {"name": "Intrus", "other_names": "", "sirens": ""})
    assert response.status_code in (302, 403)
    assert ChainStore.objects.count() == 0

    client.force_login(User.objects.create_superuser("plateforme", "p@example.org"))
    assert client.get(reverse("chain_stores:index")).status_code == 200
    response = client.post(reverse("chain_stores:add"), {"name": "Brioches", "other_names": "", "sirens": "123"})
    assert response.status_code == 200 and "SIREN non valable : 123" in text(response)
    assert ChainStore.objects.count() == 0


# The territory's postcodes ---------------------------------------------------------------


def test_an_address_outside_the_territorys_postcodes_goes_to_the_waiting_list_saying_so(
    client, morlaix, django_capture_on_commit_callbacks
):
    territory, market_fr, _market_en = morlaix
    territory.registration_postcodes = "29600 29610"
    territory.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, market_fr, postcode="29200", city="Brest")

    registration = MerchantRegistration.objects.get()
    assert (registration.status, registration.waitlist_reason) == ("waitlisted", "postcode")
    message = "Le code postal 29200 de votre adresse n'est pas parmi ceux du territoire"
    assert message in text(client.get(response["Location"]))
    [ack] = mail.outbox
    # (the e-mail repeats nothing the applicant typed but their name: not the postcode)
    assert "Le code postal de votre adresse n'est pas parmi ceux du territoire" in ack.body
    assert "29200" not in ack.body and "liste d'attente" in ack.subject


def test_a_territory_without_postcodes_accepts_every_address(client, morlaix):
    _territory, market_fr, _market_en = morlaix
    assert post(client, market_fr, postcode="97400", city="Saint-Denis").status_code == 302
    assert MerchantRegistration.objects.get().status == "pending"


def test_an_editor_adds_postcodes_by_commune_name_for_their_territory_only(client, morlaix):
    # Given editors of two territories
    territory_a, _market_fr, _market_en = morlaix
    territory_b = f.make_territory("Pays de Brest")
    territory_b.registration_postcodes = "29200"
    territory_b.save()
    client.force_login(editor_of(territory_a))
    url_a = reverse("markets_territory_postcodes", args=[territory_a.pk])

    # The form says that no postcode means every address, and looks communes up
    page = text(client.get(url_a, {"q": "plourin les morl"}))
    assert "toutes les adresses sont acceptées" in page
    assert "<td>29600</td><td>Morlaix, Plourin-lès-Morlaix, Saint-Martin-des-Champs, Sainte-Sève</td>" in page

    # When the editor adds a commune by name and a postcode
    response = client.post(url_a, {"postcodes": "29610", "add": "saint martin des champs"})
    assert response.status_code == 302
    territory_a.refresh_from_db()
    assert territory_a.registration_postcodes == "29600 29610"

    # A commune name found in several départements, with none of them in the territory, asks for the postcode
    response = client.post(url_a, {"postcodes": "", "add": "Saint-Martin-des-Champs"})
    assert ("Plusieurs communes portent ce nom (18140, 29600, 77320, 78790, 89170) : "
            "saisissez le code postal voulu.") in text(response)
    territory_a.refresh_from_db()
    assert territory_a.registration_postcodes == "29600 29610"

    # Unknown codes are refused
    response = client.post(url_a, {"postcodes": "29610 99999", "add": ""})
    assert "Codes postaux inconnus : 99999." in text(response)
    territory_a.refresh_from_db()
    assert territory_a.registration_postcodes == "29600 29610"

    # Another territory's form does not exist for them, and its postcodes stay
    url_b = reverse("markets_territory_postcodes", args=[territory_b.pk])
    assert client.get(url_b).status_code == 404
    assert client.post(url_b, {"postcodes": "", "add": ""}).status_code == 404
    territory_b.refresh_from_db()
    assert territory_b.registration_postcodes == "29200"
    # and the index goes straight to their own territory
    assert client.get(reverse("markets_registration_postcodes"))["Location"] == url_a


def test_a_merchant_cannot_reach_the_postcodes(client, morlaix):
    territory, _market_fr, _market_en = morlaix
    client.force_login(User.objects.create_user("marchand"))
    response = client.get(reverse("markets_territory_postcodes", args=[territory.pk]))
    assert response.status_code in (302, 403, 404)


# The editors' notice and the e-mails' links ------------------------------------------------


def test_the_editors_are_told_once_each_in_their_language_with_the_configured_address(
    client, morlaix, settings, django_capture_on_commit_callbacks
):
    # Given a French and an English editor of this territory, an editor of another,
    # and a configured address different from the Site's root URL
    territory, market_fr, _market_en = morlaix
    settings.WAGTAILADMIN_BASE_URL = "https://noel.example.org"
    assert Site.objects.get(is_default_site=True).root_url != "https://noel.example.org"
    editor_of(territory, "editrice")
    english = editor_of(territory, "editor")
    profile = UserProfile.get_for_user(english)
    profile.preferred_language = "en"
    profile.save()
    editor_of(f.make_territory("Pays de Brest"), "ailleurs")

    # When a registration arrives
    with django_capture_on_commit_callbacks(execute=True):
        post(client, market_fr)

    # Then the merchant is acknowledged and each editor of the territory is told once, in their language
    registration = MerchantRegistration.objects.get()
    inspect_url = "https://noel.example.org" + reverse("registrations:inspect", args=[registration.pk])
    ack, *notices = mail.outbox
    assert [(m.to, m.extra_headers["Content-Language"]) for m in notices] == [
        (["editrice@example.org"], "fr"), (["editor@example.org"], "en"),
    ]
    assert notices[0].subject == "Nouvelle inscription : Les Délices de Morlaix 1 (Pays de Morlaix)"
    assert notices[1].subject.startswith("New registration: Les Délices de Morlaix 1")
    assert all(inspect_url in m.body for m in notices)
    # every link goes to the configured address
    for message in mail.outbox:
        links = re.findall(r"https?://[^\s\"<>]+", message.body + message.alternatives[0][0])
        assert links and all(link.startswith("https://noel.example.org/") for link in links), links
    assert "https://noel.example.org" + market_fr.url in ack.body

    # A re-save and a second run of the task send nothing more
    registration.save()
    assert emails.send_registration_notice(registration.pk) == 0
    assert len(mail.outbox) == 3


# The editors' detail page --------------------------------------------------------------------


def test_the_detail_page_reads_as_people_write_in_paris_time_like_the_list(client, morlaix):
    territory, market_fr, _market_en = morlaix
    post(client, market_fr)
    registration = MerchantRegistration.objects.get()
    # 13:05 UTC is 14:05 in Paris in November
    MerchantRegistration.objects.update(created_at=datetime.datetime(2026, 11, 27, 13, 5, tzinfo=datetime.UTC))
    client.force_login(editor_of(territory))

    detail = text(client.get(reverse("registrations:inspect", args=[registration.pk])))
    listing = text(client.get(reverse("registrations:index")))

    assert "27/11/2026 14:05" in detail and "27/11/2026 14:05" in listing
    fields = dict(re.findall(r"<dt[^>]*>\s*(.*?)\s*</dt>\s*<dd[^>]*>\s*(.*?)\s*</dd>", detail, re.S))
    assert fields["Commerce indépendant avec boutique physique"] == "Oui"
    assert fields["Décidée par"] == "—"
    assert fields["Décidée le"] == "—"
    assert "None" not in fields.values() and "True" not in fields.values() and "False" not in fields.values()


# The form's labels and help-text references --------------------------------------------------


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.described = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby"):
            self.described.extend(attrs["aria-describedby"].split())


def vat_optional_note(html: str) -> str:
    label = re.search(r'<label for="id_vat_number">.*?</label>', html, re.S).group(0)
    return re.search(r"<span[^>]*data-optional-note[^>]*>", label).group(0)


def test_the_vat_number_is_optional_only_without_vat(client, morlaix):
    _territory, market_fr, _market_en = morlaix

    # Unanswered: the note shows, the script hides it as soon as VAT is declared
    page = text(client.get(registration_url(market_fr)))
    assert "hidden" not in vat_optional_note(page)
    assert 'data-required-when="vat_status=registered"' in page
    assert "markets/registration.js" in page

    # Declared VAT-registered without a number: refused, and the label no longer says optional
    response = post(client, market_fr, vat_status=VatStatus.REGISTERED, vat_number="")
    assert list(response.context["form"].errors) == ["vat_number"]
    html = text(response)
    assert "hidden" in vat_optional_note(html)
    assert re.search(r'<input[^>]*aria-required="true"[^>]*id="id_vat_number"', html)

    # Franchise: optional, and the note shows
    response = post(client, market_fr, vat_status=VatStatus.FRANCHISE, vat_number="", photo=None)
    assert "hidden" not in vat_optional_note(text(response))


@pytest.mark.parametrize("bound", [False, True], ids=["empty", "with-errors"])
def test_every_aria_describedby_points_to_an_element(client, morlaix, bound):
    _territory, market_fr, _market_en = morlaix
    if bound:
        response = post(client, market_fr, siret="1", vat_number="", declared_independent=None, chain="yes")
    else:
        response = client.get(registration_url(market_fr))
    parser = _Ids()
    parser.feed(response.content.decode())

    assert parser.described
    assert [ref for ref in parser.described if ref not in parser.ids] == []
    if bound:
        assert {"id_siret_error", "id_siret_helptext", "id_declared_independent_error"} <= set(parser.described)
