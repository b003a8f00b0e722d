"""The merchants' side of shared bundles: answering the terms of a part, withdrawing it, and being asked again."""

from dataclasses import dataclass
from decimal import Decimal
from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser, Permission, User
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from markets import bundle_emails
from markets.editors import make_editor
from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from shops.bundles import sale_refusal
from shops.models import BundleConsent, ConsentStatus, ProductPage
from shops.wagtail_hooks import BundlesMenuItem
from tests.fixtures import factories as f


@dataclass
class World:
    epicerie: object  # sells the bundle
    atelier: object  # provides a part of it
    voisin: object  # another shop of the market
    santon: object
    users: dict

    def client(self, name) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client


@pytest.fixture
def world(db) -> World:
    home = f.french_home()
    f.english_home()
    territory = f.make_territory("Pays de Morlaix")
    market = f.make_market(home, territory)
    epicerie = f.make_shop(market, "Épicerie Kerjean", email="epicerie@example.org")
    atelier = f.make_shop(market, "Atelier du Bois Flotté", email="atelier@example.org")
    voisin = f.make_shop(market, "Crêperie voisine", email="creperie@example.org")
    santon = f.make_product(atelier, "Santon en bois", price="12.50", stock=5)
    other_territory = f.make_territory("Pays de Brest")
    f.make_shop(f.make_market(home, other_territory), "Boutique de Brest")

    version = TermsVersion.objects.create(version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    users = {}
    for name, shop in (("atelier", atelier), ("epicerie", epicerie), ("voisin", voisin)):
        users[name] = User.objects.create_user(name, f"{name}.merchant@example.org")
        make_merchant(users[name], shop)
        TermsAcceptance.objects.create(user=users[name], version=version)
    for name, where in (("editor_a", territory), ("editor_b", other_territory)):
        users[name] = User.objects.create_user(name, f"{name}@example.org")
        make_editor(users[name], where)
    return World(epicerie, atelier, voisin, santon, users)


def make_bundle(w: World, accepted=False):
    """The épicerie's 60.00 bundle; the atelier provides a santon for 30 % (18.00) at 20 % VAT."""
    return f.make_bundle(
        w.epicerie, "Coffret Noël breton", price="60.00", accepted=accepted,
        parts=[{"participant": w.atelier, "share_percent": Decimal("30"), "vat_rate": "20.00",
                "description": "Un santon sculpté", "product": w.santon}],
        bundle_own_part="Un pot de miel", vat_rate="5.50",
    )


def current(bundle, status=None):
    rows = BundleConsent.objects.filter(bundle_key=bundle.translation_key, superseded_at__isnull=True)
    return rows.filter(status=status) if status else rows


def actions(consent) -> list[str]:
    return list(ModelLogEntry.objects.for_instance(consent).order_by("pk").values_list("action", flat=True))


def messages_of(response) -> list[str]:
    return [unescape(str(m)).strip() for m in response.context["messages"]]


def test_the_participant_sees_the_terms_and_accepts_them(world):
    # given a bundle whose part the atelier was asked about
    bundle = make_bundle(world)
    consent = current(bundle).get()
    assert sale_refusal(bundle) != ""
    client = world.client("atelier")

    # when its merchant opens the screen
    page = client.get(reverse("shops_bundles"))

    # then they see who asks and every term of their part
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("Coffret Noël breton", "Épicerie Kerjean", "60,00\xa0€", "30 % du prix, soit 18,00\xa0€",
                 "Un santon sculpté", "Santon en bois", "30 juin 2027", "Pas de rétractation (prestation à date fixe)",
                 reverse("shops_bundle_accept", args=[consent.pk])):
        assert text in html, text

    # when they accept, twice (a double click)
    response = client.post(reverse("shops_bundle_accept", args=[consent.pk]), follow=True)
    again = client.post(reverse("shops_bundle_accept", args=[consent.pk]), follow=True)

    # then the part is accepted once, by them, and the bundle sells
    consent.refresh_from_db()
    assert (consent.status, consent.answered_by) == (ConsentStatus.ACCEPTED, world.users["atelier"])
    assert messages_of(response) == ["Vous participez au coffret « Coffret Noël breton »."]
    assert messages_of(again) == ["Vous avez déjà répondu à cette demande."]
    assert actions(consent) == ["shops.bundle.accept"]
    assert sale_refusal(ProductPage.objects.get(pk=bundle.pk)) == ""


def test_the_participant_declines_and_the_seller_sees_it(world):
    bundle = make_bundle(world)
    consent = current(bundle).get()
    seller = world.client("epicerie")
    waiting = seller.get(reverse("shops_bundles")).content.decode()
    assert "En attente de réponse" in waiting and "En attente de : Atelier du Bois Flotté" in waiting

    response = world.client("atelier").post(reverse("shops_bundle_decline", args=[consent.pk]), follow=True)

    consent.refresh_from_db()
    assert consent.status == ConsentStatus.DECLINED
    assert messages_of(response) == ["Vous avez refusé de participer au coffret « Coffret Noël breton »."]
    assert actions(consent) == ["shops.bundle.decline"]
    assert sale_refusal(bundle) == "« Coffret Noël breton » n'est pas en vente pour le moment."
    seen = seller.get(reverse("shops_bundles")).content.decode()
    assert "Atelier du Bois Flotté — Un santon sculpté (30 %, 18,00\xa0€)" in seen
    assert "Refusée" in seen


def test_answers_are_post_only(world):
    consent = current(make_bundle(world)).get()

    response = world.client("atelier").get(reverse("shops_bundle_accept", args=[consent.pk]))

    assert response.status_code == 405
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.ASKED


def test_withdrawing_asks_for_confirmation_then_takes_the_bundle_off_sale(world):
    # given an accepted part of a bundle on sale
    bundle = make_bundle(world, accepted=True)
    consent = current(bundle).get()
    assert sale_refusal(bundle) == ""
    client = world.client("atelier")
    url = reverse("shops_bundle_withdraw", args=[consent.pk])

    # when the merchant follows "Retirer ma part"
    confirmation = client.get(url)

    # then they are told what it does, and nothing changed yet
    html = confirmation.content.decode()
    assert confirmation.status_code == 200
    assert "Le coffret n'est plus en vente dès que vous retirez votre part" in html
    assert "n'ont pas encore utilisé votre part en sont remboursés" in html
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.ACCEPTED

    # when they confirm
    response = client.post(url, follow=True)

    # then the part is withdrawn and the bundle off sale
    consent.refresh_from_db()
    assert (consent.status, consent.answered_by) == (ConsentStatus.WITHDRAWN, world.users["atelier"])
    assert messages_of(response) == [
        "Votre part du coffret « Coffret Noël breton » est retirée : le coffret n'est plus en vente, et les "
        "clients qui n'ont pas encore utilisé votre part sont remboursés."
    ]
    assert actions(consent) == ["shops.bundle.withdraw"]
    assert sale_refusal(bundle) != ""
    # and a second confirmation withdraws nothing more
    assert messages_of(client.post(url, follow=True)) == ["Seule une participation acceptée peut être retirée."]
    assert actions(consent) == ["shops.bundle.withdraw"]


@pytest.mark.parametrize("intruder", ["voisin", "epicerie", "editor_b"])
def test_another_shops_consent_is_not_found(world, intruder):
    # given the atelier's part, asked and accepted in two bundles
    asked = current(make_bundle(world)).get()
    accepted = current(f.make_bundle(world.epicerie, "Coffret accepté", price="40.00",
                                     parts=[{"participant": world.atelier, "share_amount": Decimal("10.00")}])).get()
    client = world.client(intruder)

    # when another merchant of the market, the seller itself or another territory's editor tries them
    answers = [
        client.post(reverse("shops_bundle_accept", args=[asked.pk])).status_code,
        client.post(reverse("shops_bundle_decline", args=[asked.pk])).status_code,
        client.get(reverse("shops_bundle_withdraw", args=[accepted.pk])).status_code,
        client.post(reverse("shops_bundle_withdraw", args=[accepted.pk])).status_code,
    ]

    # then the consents are unknown to them, and unchanged
    assert answers == [404, 404, 404, 404]
    assert list(BundleConsent.objects.order_by("pk").values_list("status", flat=True)) == ["asked", "accepted"]
    listed = client.get(reverse("shops_bundles")).content.decode()
    assert f'id="consent-{asked.pk}"' not in listed and f'id="consent-{accepted.pk}"' not in listed


def test_the_editor_of_the_territory_may_answer_for_a_shop_of_it(world):
    consent = current(make_bundle(world)).get()
    client = world.client("editor_a")

    assert f"consent-{consent.pk}" in client.get(reverse("shops_bundles")).content.decode()
    client.post(reverse("shops_bundle_accept", args=[consent.pk]))

    consent.refresh_from_db()
    assert (consent.status, consent.answered_by) == (ConsentStatus.ACCEPTED, world.users["editor_a"])


def test_the_screen_and_its_menu_are_for_those_who_manage_a_shop(world):
    nobody = User.objects.create_user("nobody")
    nobody.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    item = BundlesMenuItem("Coffrets partagés", reverse("shops_bundles"))
    request = RequestFactory().get("/admin/")

    shown = {}
    for name, user in (("atelier", world.users["atelier"]), ("editor_b", world.users["editor_b"]),
                       ("nobody", nobody), ("anonymous", AnonymousUser())):
        request.user = user
        shown[name] = item.is_shown(request)
    client = Client()
    client.force_login(nobody)

    assert shown == {"atelier": True, "editor_b": True, "nobody": False, "anonymous": False}
    # Wagtail turns the view's PermissionDenied into a return to the dashboard
    assert client.get(reverse("shops_bundles")).url == reverse("wagtailadmin_home")


def test_republishing_an_old_revision_does_not_bring_its_acceptance_back(world, django_capture_on_commit_callbacks):
    # given an accepted bundle at 60.00, its revision kept
    bundle = make_bundle(world, accepted=True)
    old_revision = bundle.latest_revision
    assert sale_refusal(bundle) == ""

    # when its price changes to 80.00, published, and the atelier accepts the new terms
    bundle.price = Decimal("80.00")
    with django_capture_on_commit_callbacks(execute=True):
        bundle.save_revision().publish()
    new = current(bundle, ConsentStatus.ASKED).get()
    world.client("atelier").post(reverse("shops_bundle_accept", args=[new.pk]))
    assert sale_refusal(ProductPage.objects.get(pk=bundle.pk)) == ""

    # when the old revision (60.00, whose terms the atelier once accepted) is published again
    with django_capture_on_commit_callbacks(execute=True):
        old_revision.publish()

    # then the old acceptance does not count: the atelier is asked again, and the bundle is off sale
    bundle = ProductPage.objects.get(pk=bundle.pk)
    assert bundle.price == Decimal("60.00")
    assert sale_refusal(bundle) == "« Coffret Noël breton » n'est pas en vente pour le moment."
    assert [(c.status, c.terms["price"]) for c in current(bundle)] == [(ConsentStatus.ASKED, "60.00")]
    assert BundleConsent.objects.filter(status=ConsentStatus.ACCEPTED, superseded_at__isnull=True).count() == 0


def test_a_changed_part_is_asked_again_by_e_mail(world, django_capture_on_commit_callbacks):
    # given an accepted bundle
    bundle = make_bundle(world, accepted=True)
    accepted = current(bundle).get()

    # when the seller gives the atelier 40 % instead of 30 %, and publishes
    parts = list(bundle.bundle_parts.all())
    parts[0].share_percent = Decimal("40")
    bundle.bundle_parts = parts
    with django_capture_on_commit_callbacks(execute=True):
        bundle.save_revision().publish()

    # then the old acceptance is superseded, a new answer is asked, and the bundle is off sale until then
    accepted.refresh_from_db()
    assert accepted.superseded_at is not None
    asked = current(bundle).get()
    assert (asked.status, asked.terms["share_percent"]) == (ConsentStatus.ASKED, "40.00")
    assert sale_refusal(ProductPage.objects.get(pk=bundle.pk)) != ""
    # and the atelier is written to, at the shop's address, once
    assert [m.to for m in mail.outbox] == [["atelier@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "Épicerie Kerjean vous propose une part de son coffret « Coffret Noël breton »"
    for text in ("Épicerie Kerjean vend sur le marché de Noël le coffret « Coffret Noël breton » et propose à "
                 "Atelier du Bois Flotté d'en fournir une part.",
                 "- Ce que vous fournissez : Un santon sculpté",
                 "- Votre part : 40 % du prix, soit 24,00\xa0€ par coffret vendu",
                 "- Taux de TVA de votre part : 20 %",
                 "- Produit pris sur votre stock : Santon en bois",
                 "- Valable jusqu'au : 30 juin 2027",
                 f"http://testserver/admin/coffrets/#consent-{asked.pk}"):
        assert text in message.body, text
    assert actions(asked) == [bundle_emails.CONSENT_REQUEST_ACTION]
    assert bundle_emails.send_consent_request(asked.pk) == 0
    assert len(mail.outbox) == 1


def test_the_request_is_written_in_the_language_of_the_account_with_the_shops_address(
    world, django_capture_on_commit_callbacks
):
    # given the atelier's merchant reads English, and their account has the shop's address
    user = world.users["atelier"]
    user.email = "atelier@example.org"
    user.save()
    UserProfile.objects.update_or_create(user=user, defaults={"preferred_language": "en"})

    # when a bundle asks the atelier
    with django_capture_on_commit_callbacks(execute=True):
        make_bundle(world)

    # then the e-mail is in English
    assert [m.to for m in mail.outbox] == [["atelier@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "Épicerie Kerjean offers you a part of its box “Coffret Noël breton”"
    assert "Your share: 30% of the price, that is €18.00 per box sold" in message.body


def test_no_e_mail_for_a_request_answered_before_the_task_ran(world):
    consent = current(make_bundle(world)).get()
    world.client("atelier").post(reverse("shops_bundle_accept", args=[consent.pk]))

    assert bundle_emails.send_consent_request(consent.pk) == 0
    assert mail.outbox == []


def test_the_seller_is_told_once_when_a_participant_withdraws(world, django_capture_on_commit_callbacks):
    from markets.bundle_emails import send_withdrawal_notice

    bundle = make_bundle(world, accepted=True)
    consent = current(bundle).get()
    mail.outbox.clear()

    # when the atelier withdraws its part
    with django_capture_on_commit_callbacks(execute=True):
        world.client("atelier").post(reverse("shops_bundle_withdraw", args=[consent.pk]))

    # then the épicerie, which sells the bundle, is told at its shop's address (and the task run again sends nothing)
    notices = [m for m in mail.outbox if m.to == ["epicerie@example.org"]]
    assert [m.subject for m in notices] == ["Atelier du Bois Flotté a retiré sa part de votre coffret « Coffret Noël breton »"]
    assert "Le coffret n'est plus en vente." in notices[0].body
    assert send_withdrawal_notice(str(bundle.translation_key), world.atelier.pk) == 0
