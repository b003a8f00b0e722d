"""The public registration form: bad input stores nothing; the territory's policy decides the waiting list."""

import pytest
from django.core import mail
from django.urls import reverse

from markets import emails, onboarding
from markets.models import MerchantRegistration
from shops.models import ShopCategory, VatStatus
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, photo, portal, registration_data, registration_url


@pytest.fixture
def market(db):
    territory, market_fr, _market_en = portal()
    return market_fr


def post(client, market, **overrides):
    return client.post(registration_url(market), registration_data(1, **overrides))


def test_the_form_shows_every_field_in_french(client, market):
    response = client.get(registration_url(market))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Nom commercial", "Raison sociale", "SIRET", "Franchise en base de TVA (art. 293 B du CGI)",
                  "Photo de la boutique", "réseau de franchise", "commerce indépendant"):
        assert label in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"siret": "73282932000075"}, "siret", "Ce numéro SIRET n'est pas valide"),
        ({"siret": "1234"}, "siret", "Ce numéro SIRET n'est pas valide"),
        ({"vat_number": "FR00999999999"}, "vat_number", "numéro de TVA intracommunautaire n'est pas valide"),
        ({"vat_number": ""}, "vat_number", "Indiquez le numéro de TVA"),
        ({"vat_number": f.vat_number_for(f.siret_number(1))}, "vat_number", "ne correspond pas au SIREN"),
        ({"photo": photo("cv.pdf", b"%PDF-1.4 not an image", "application/pdf")}, "photo",
         "pas une image lisible"),
        ({"photo": photo("fake.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200)}, "photo", "pas une image lisible"),
        ({"photo": photo("big.png", f.png_bytes() + b"\0" * (5 * 1024 * 1024))}, "photo", "dépasse 5 Mo"),
        ({"photo": None}, "photo", "Champ requis"),
        ({"declared_independent": None}, "declared_independent", "Cette déclaration est nécessaire"),
        ({"chain": "yes"}, "chain", "réservé aux commerces indépendants"),
        ({"postcode": "296"}, "postcode", "5 chiffres"),
        ({"email": "pas-une-adresse"}, "email", "adresse de courriel valide"),
        ({"trade_name": ""}, "trade_name", "Champ requis"),
    ],
    ids=["siret-checksum", "siret-short", "vat-checksum", "vat-missing", "vat-other-siren", "pdf", "truncated-png",
         "oversized", "no-photo", "no-declaration", "chain", "postcode", "email", "trade-name"],
)
def test_bad_input_is_refused_next_to_its_field_and_stores_nothing(client, market, overrides, field, message):
    # When the form is posted with one bad field
    response = post(client, market, **overrides)

    # Then the form comes back with the message on that field, and nothing is stored or sent
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    assert message.split("'")[0] in response.content.decode().replace("&#x27;", "'")
    assert MerchantRegistration.objects.count() == 0
    assert mail.outbox == []


def test_franchise_en_base_is_accepted_without_a_vat_number(client, market, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, market, vat_status=VatStatus.FRANCHISE, vat_number="")
    assert response.status_code == 302
    registration = MerchantRegistration.objects.get()
    assert (registration.vat_status, registration.vat_number, registration.status) == ("franchise", "", "pending")
    assert registration.photo.name.endswith(".png")
    assert [m.to for m in mail.outbox] == [["maiwenn1@example.org"]]
    assert mail.outbox[0].extra_headers["Content-Language"] == "fr"


def test_a_vat_number_given_with_the_franchise_is_dropped(client, market):
    post(client, market, vat_status=VatStatus.FRANCHISE)
    assert MerchantRegistration.objects.get().vat_number == ""


@pytest.mark.parametrize(
    ("policy", "category", "postcode", "status"),
    [
        ({"registration_open": False}, ShopCategory.FOOD, "29600", "waitlisted"),
        ({"registration_categories": [ShopCategory.RESTAURANT]}, ShopCategory.FOOD, "29600", "waitlisted"),
        ({"registration_categories": [ShopCategory.RESTAURANT]}, ShopCategory.RESTAURANT, "29600", "pending"),
        ({"registration_postcodes": "29600, 29670"}, ShopCategory.FOOD, "29670", "pending"),
        ({"registration_postcodes": "29600 29670"}, ShopCategory.FOOD, "29000", "waitlisted"),
        ({}, ShopCategory.STAY, "75001", "pending"),
    ],
    ids=["closed", "other-category", "listed-category", "listed-postcode", "other-postcode", "open-to-all"],
)
def test_requests_outside_the_policy_wait_with_an_acknowledgement(
    client, market, django_capture_on_commit_callbacks, policy, category, postcode, status
):
    # Given the territory's registration policy
    territory = market.territory
    for name, value in policy.items():
        setattr(territory, name, value)
    territory.save()

    # When a merchant registers
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, market, category=category, postcode=postcode)

    # Then the request is kept with the status the policy gives, and acknowledged once, saying so
    assert response.status_code == 302
    registration = MerchantRegistration.objects.get()
    assert registration.status == status
    thanks = client.get(response["Location"]).content.decode()
    assert ("liste d'attente" in thanks.replace("&#x27;", "'")) == (status == "waitlisted")
    assert len(mail.outbox) == 1
    assert ("liste d'attente" in mail.outbox[0].subject) == (status == "waitlisted")
    # a second run of the task sends nothing
    assert emails.send_registration_acknowledgement(registration.pk) is False
    assert len(mail.outbox) == 1


def test_waitlisted_registrations_appear_to_editors_and_can_be_approved(
    client, market, django_capture_on_commit_callbacks
):
    territory = market.territory
    territory.registration_open = False
    territory.save()
    post(client, market)
    editor = editor_of(territory)
    client.force_login(editor)
    listing = client.get(reverse("registrations:index") + "?status=waitlisted").content.decode()
    assert "Les Délices de Morlaix 1" in listing
    registration = MerchantRegistration.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        onboarding.approve_registration(registration.pk, editor)
    registration.refresh_from_db()
    assert registration.status == "approved" and registration.shop is not None


def test_reject_with_a_reason_emails_it_once_and_is_audited(client, market, django_capture_on_commit_callbacks):
    from wagtail.models.audit_log import ModelLogEntry

    post(client, market, email="refus@example.org")
    registration = MerchantRegistration.objects.get()
    editor = editor_of(market.territory)
    client.force_login(editor)
    mail.outbox.clear()

    # A reason is required
    response = client.post(reverse("registrations:reject", args=[registration.pk]), {"reason": ""})
    assert response.status_code == 200
    registration.refresh_from_db()
    assert registration.status == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registrations:reject", args=[registration.pk]),
                               {"reason": "Votre boutique est hors du territoire."})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.decided_by) == ("rejected", editor)
    assert [m.to for m in mail.outbox] == [["refus@example.org"]]
    assert "Votre boutique est hors du territoire." in mail.outbox[0].body
    assert ModelLogEntry.objects.filter(action="markets.registration.reject", object_id=str(registration.pk)).count() == 1
    # a rejected registration cannot then be approved
    with pytest.raises(onboarding.OnboardingError):
        onboarding.approve_registration(registration.pk, editor)
    assert emails.send_rejection(registration.pk) is False
    assert len(mail.outbox) == 1


def test_the_invitation_link_expires(client, market, django_capture_on_commit_callbacks, settings):
    post(client, market)
    editor = editor_of(market.territory)
    with django_capture_on_commit_callbacks(execute=True):
        registration = onboarding.approve_registration(MerchantRegistration.objects.get().pk, editor)
    invitation = [m for m in mail.outbox if "mot de passe" in m.subject][0]
    link = [w for w in invitation.body.split() if "/password_reset/confirm/" in w][0].replace("http://testserver", "")
    settings.PASSWORD_RESET_TIMEOUT = -1
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False
    registration.user.refresh_from_db()
    assert not registration.user.has_usable_password()
