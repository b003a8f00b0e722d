"""The registration form cannot be used to mail strangers: limits per sender, a honeypot, and an
acknowledgement that repeats nothing the applicant typed but their name."""

import re
from pathlib import Path

import pytest
from django.core import mail

from markets import emails
from markets.forms import RegistrationForm
from markets.models import MerchantRegistration
from markets.registration_limits import limit
from tests.markets.onboarding_helpers import portal, registration_data, registration_url

IP_MESSAGE = "Trop d'inscriptions ont été envoyées depuis votre connexion. Merci de patienter une heure avant de réessayer."
EMAIL_MESSAGE = ("Trop d'inscriptions ont été envoyées avec cette adresse e-mail. Merci de patienter jusqu'à demain "
                 "avant de réessayer.")


@pytest.fixture
def morlaix(db):
    return portal()


def post(client, market, n=1, **kwargs):
    extra = {key: kwargs.pop(key) for key in list(kwargs) if key.startswith("HTTP_") or key == "REMOTE_ADDR"}
    return client.post(registration_url(market), registration_data(n, **kwargs), **extra)


def text(response) -> str:
    return response.content.decode().replace("&#x27;", "'").replace("&#39;", "'").replace("&quot;", '"')


# Limits ------------------------------------------------------------------------------------------


def test_the_limits_are_five_an_hour_per_address_and_three_a_day_per_email():
    assert (limit("ip").count, limit("ip").seconds) == (5, 3600)
    assert (limit("email").count, limit("email").seconds) == (3, 86400)


def test_the_sixth_registration_from_one_address_within_the_hour_is_refused_and_sends_nothing(
    client, morlaix, django_capture_on_commit_callbacks
):
    # Given five registrations from one address, each with its own SIRET and e-mail
    _territory, market_fr, _market_en = morlaix
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 6):
            assert post(client, market_fr, n).status_code == 302, n
    sent = len(mail.outbox)
    assert MerchantRegistration.objects.count() == 5 and sent == 5

    # When a sixth arrives from the same address
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, market_fr, 6)

    # Then it is refused with the message, stores and sends nothing
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert IP_MESSAGE in text(response)
    assert "corrigez les champs" not in text(response)
    assert MerchantRegistration.objects.count() == 5
    assert len(mail.outbox) == sent and callbacks == []

    # And another address is not affected
    assert post(client, market_fr, 7, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_the_refusal_is_in_english_on_the_english_page(client, morlaix):
    _territory, _market_fr, market_en = morlaix
    for n in range(1, 6):
        assert post(client, market_en, n).status_code == 302
    response = post(client, market_en, 6)
    assert response.status_code == 429
    assert "Too many registrations have been sent from your connection. Please wait an hour" in text(response)


def test_a_forged_forwarded_for_does_not_escape_the_address_limit(client, morlaix, settings):
    # Given clients connecting directly (no trusted proxy)
    settings.TRUSTED_PROXY_HOPS = 0
    _territory, market_fr, _market_en = morlaix

    # When one sender claims a new X-Forwarded-For on every registration
    answers = [
        post(client, market_fr, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(1, 7)
    ]

    # Then the sixth is refused all the same: the header is not believed
    assert answers == [302, 302, 302, 302, 302, 429]
    assert MerchantRegistration.objects.count() == 5


def test_a_fourth_registration_with_one_email_within_a_day_is_refused(
    client, morlaix, django_capture_on_commit_callbacks
):
    # Given three registrations with one e-mail address, from three addresses
    _territory, market_fr, _market_en = morlaix
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 4):
            response = post(client, market_fr, n, email="Cible@Example.org", REMOTE_ADDR=f"198.51.100.{n}")
            assert response.status_code == 302, n
    sent = len(mail.outbox)

    # When a fourth uses the same address, written differently, from yet another address
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, market_fr, 4, email="  cible@example.ORG ", REMOTE_ADDR="198.51.100.99")

    # Then it is refused with the e-mail's message; nothing is stored or sent
    assert response.status_code == 429
    assert EMAIL_MESSAGE in text(response)
    assert MerchantRegistration.objects.count() == 3
    assert len(mail.outbox) == sent


def test_a_form_with_errors_does_not_count(client, morlaix):
    # Given a merchant who gets the form wrong many times (no SIRET)
    _territory, market_fr, _market_en = morlaix
    for _attempt in range(8):
        assert post(client, market_fr, 1, siret="123").status_code == 200

    # Then their correct registration still goes through
    assert post(client, market_fr, 1).status_code == 302


# Honeypot ----------------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people_screen_readers_and_autofill(client, morlaix):
    _territory, market_fr, _market_en = morlaix
    page = client.get(registration_url(market_fr)).content.decode()

    trap = re.search(r'<div class="reg-trap" aria-hidden="true">(.*?)</div>', page, re.S)
    assert trap, "the honeypot's wrapper"
    assert '<label for="id_fax">Ne remplissez pas ce champ</label>' in trap.group(1)
    field = re.search(r"<input[^>]*name=\"fax\"[^>]*>", trap.group(1)).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field and "required" not in field
    # off screen by the form's stylesheet (no inline style: the public pages' policy forbids it)
    assert "markets/registration.css" in page
    css = (Path(__file__).resolve().parents[2] / "markets" / "static" / "markets" / "registration.css").read_text()
    assert ".reg-trap { position: absolute; left: -10000px;" in css


def test_a_filled_honeypot_is_answered_as_accepted_but_stores_and_sends_nothing(
    client, morlaix, django_capture_on_commit_callbacks
):
    # Given a robot that fills every field, the honeypot too
    _territory, market_fr, _market_en = morlaix

    # When it posts the form
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post(client, market_fr, 1, fax="https://spam.example/")

    # Then it gets the answer of an accepted registration
    assert response.status_code == 302
    assert response["Location"] == registration_url(market_fr) + "merci/"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Merci, votre inscription est envoyée" in text(thanks)
    # and nothing is stored, queued or sent
    assert MerchantRegistration.objects.count() == 0
    assert mail.outbox == [] and callbacks == []
    # and the thanks page is shown once, as for a real registration
    assert client.get(response["Location"]).status_code == 302


def test_a_filled_honeypot_with_invalid_fields_is_still_answered_as_accepted(client, morlaix):
    _territory, market_fr, _market_en = morlaix
    response = client.post(registration_url(market_fr), {"fax": "buy now", "trade_name": "x"})
    assert response.status_code == 302
    assert MerchantRegistration.objects.count() == 0


def test_a_person_leaving_the_honeypot_empty_registers_normally(client, morlaix):
    _territory, market_fr, _market_en = morlaix
    assert post(client, market_fr, 1, fax="   ").status_code == 302
    assert MerchantRegistration.objects.count() == 1


# The acknowledgement -----------------------------------------------------------------------------


def test_the_acknowledgement_repeats_nothing_typed_but_the_name_and_links_only_to_the_site(
    client, morlaix, settings, django_capture_on_commit_callbacks
):
    # Given a registration whose free-text fields carry a message and links for someone else
    settings.PORTAL_BASE_URL = "https://noel.example.org"
    _territory, market_fr, _market_en = morlaix
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, market_fr, 1,
            trade_name="Gagnez 1000 € sur https://arnaque.example/gain",
            legal_name="SARL www.arnaque.example",
            street="Cliquez http://arnaque.example/rue", city="arnaque.example",
            contact_name="Maïwenn <b>Le Bihan</b>",
        )
    # (a name with markup or a link is refused by the form)
    assert response.status_code == 200
    assert "sans adresse web ni e-mail" in text(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, market_fr, 1,
            trade_name="Gagnez 1000 € sur https://arnaque.example/gain",
            legal_name="SARL www.arnaque.example",
            street="Cliquez http://arnaque.example/rue", city="arnaque.example",
            contact_name="Maïwenn O'Bihan & fils",
        )
    assert response.status_code == 302

    # Then the acknowledgement names the applicant (escaped in HTML), and nothing else they typed
    ack = next(m for m in mail.outbox if m.to == ["maiwenn1@example.org"])
    html = ack.alternatives[0][0]
    assert ack.body.startswith("Bonjour Maïwenn O'Bihan & fils,")
    assert "Bonjour Maïwenn O&#x27;Bihan &amp; fils," in html
    for part in (ack.subject, ack.body, html):
        assert "Gagnez" not in part and "arnaque" not in part and "Cliquez" not in part
        assert "Morlaix 1" not in part  # no trade name
    assert "Merci pour l'inscription de votre commerce au marché de Noël de Pays de Morlaix." in ack.body
    # and its only link is the market's page on this site
    links = re.findall(r"https?://[^\s\"<>]+", ack.body + html)
    assert links and set(links) == {"https://noel.example.org" + market_fr.url}


@pytest.mark.parametrize("name", [
    "Marie https://evil.example", "evil.example", "Jean www.x.fr", "Jean jean@evil.example", "<script>", "ftp://x",
])
def test_a_name_that_a_mail_reader_would_show_as_a_link_is_refused(db, name):
    form = RegistrationForm(data={"contact_name": name})
    form.is_valid()
    assert form.errors["contact_name"] == [
        "Indiquez seulement votre prénom et votre nom, sans adresse web ni e-mail."
    ]


@pytest.mark.parametrize("name", ["Maïwenn Le Bihan", "J.-P. Martin", "Jean-Pierre O'Neil", "M. Dupont"])
def test_ordinary_names_are_accepted(db, name):
    form = RegistrationForm(data={"contact_name": name})
    form.is_valid()
    assert "contact_name" not in form.errors


def test_a_second_acknowledgement_run_sends_nothing(client, morlaix, django_capture_on_commit_callbacks):
    _territory, market_fr, _market_en = morlaix
    with django_capture_on_commit_callbacks(execute=True):
        post(client, market_fr, 1)
    registration = MerchantRegistration.objects.get()
    sent = len(mail.outbox)
    assert emails.send_registration_acknowledgement(registration.pk) is False
    assert len(mail.outbox) == sent
