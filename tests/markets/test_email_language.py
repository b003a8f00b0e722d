"""Registration e-mails are written in their reader's language, and name the territory in it.

The territory has one name (French); in English an e-mail names it by its
English market page's title. A merchant who has chosen a language for their
account is written to in that language from then on.
"""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from wagtail.users.models import UserProfile

from markets import emails
from markets.models import MerchantRegistration
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import portal

Status = MerchantRegistration.Status


def registration(territory, *, language="fr", status=Status.PENDING, **fields) -> MerchantRegistration:
    return MerchantRegistration.objects.create(
        territory=territory, status=status, trade_name="Les Délices de Morlaix", legal_name="SARL Délices",
        siret=f.siret_number(9001), vat_status="registered", street="3 place des Otages", postcode="29600",
        city="Morlaix", category="food", contact_name="Maïwenn Le Bihan", email="maiwenn@example.org",
        phone="02 61 91 12 34", photo="inscriptions/x.png", language=language, **fields,
    )


@pytest.fixture
def morlaix(db):
    return portal("Pays de Morlaix")


def test_an_english_acknowledgement_names_the_market_by_its_english_title(morlaix):
    territory, _market_fr, _market_en = morlaix
    entry = registration(territory, language="en")
    assert emails.send_registration_acknowledgement(entry.pk) is True
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert message.subject == "We have received your registration for the Christmas market of Pays de Morlaix"
    assert (
        "Thank you for registering your shop for the Christmas market of Pays de Morlaix. "
        "The tourism office is reviewing it" in message.body
    )
    assert "Pays de Morlaix Christmas market" not in message.body


def test_a_french_acknowledgement_names_the_territory(morlaix):
    territory, _market_fr, _market_en = morlaix
    entry = registration(territory, language="fr", status=Status.WAITLISTED)
    emails.send_registration_acknowledgement(entry.pk)
    [message] = mail.outbox
    assert message.subject == "Votre demande d'inscription au marché de Noël (Pays de Morlaix) est sur liste d'attente"
    assert "Les inscriptions au marché de Noël de Pays de Morlaix ne sont pas ouvertes" in message.body


def test_a_rejection_in_english_without_an_english_market_page_falls_back_to_the_french_title(db):
    home = f.french_home()
    f.english_home()
    territory = f.make_territory("Léon")
    f.make_market(home, territory, title="Marché de Noël du Léon")
    entry = registration(territory, language="en", status=Status.REJECTED, rejection_reason="Hors territoire.")
    emails.send_rejection(entry.pk)
    [message] = mail.outbox
    assert message.subject == "Your registration for the Marché de Noël du Léon"
    assert (
        "The tourism office of the Marché de Noël du Léon was unable to accept the registration of "
        "Les Délices de Morlaix, for the following reason:" in message.body
    )


def test_shop_online_goes_in_the_language_the_merchant_chose_for_their_account(morlaix):
    # given a registration made in French, whose merchant has since set their account to English
    territory, market_fr, _market_en = morlaix
    shop = f.make_shop(market_fr, "Les Délices de Morlaix", slug="delices")
    f.translate(shop, title="Morlaix Delights", slug="delights")
    user = User.objects.create_user("maiwenn", email="maiwenn@example.org")
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    entry = registration(territory, language="fr", status=Status.APPROVED, shop=shop, user=user)
    # when the shop goes online
    assert emails.send_shop_online(entry.pk) is True
    # then the e-mail is in English, with the English shop's name and address
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert message.subject == "Morlaix Delights is live on the Christmas market"
    assert "\nhttp://testserver/en/march%C3%A9-de-no%C3%ABl-de-pays-de-morlaix-en/delights/\n" in message.body


def test_an_invitation_follows_the_registration_language_while_the_account_has_no_choice(morlaix):
    territory, _market_fr, _market_en = morlaix
    user = User.objects.create_user("maiwenn", email="maiwenn@example.org")
    entry = registration(territory, language="en", status=Status.APPROVED, user=user)
    emails.send_invitation(entry.pk)
    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert (
        "Good news: the tourism office has accepted Les Délices de Morlaix into the Christmas market of "
        "Pays de Morlaix." in message.body
    )
