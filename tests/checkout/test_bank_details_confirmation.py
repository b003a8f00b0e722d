"""A change of the account a merchant is paid on is pending until a merchant of the shop confirms it.

An editor's (or a superuser's) change is stored apart and never reaches a
SEPA file; the merchants get a link, in their language, that applies it
once; the platform's accounting may approve it instead. The merchant's own
change asks for their password again and applies at once.
"""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone
from wagtail.models import ModelLogEntry
from wagtail.users.models import UserProfile

from checkout.billing import bank_details, payouts
from checkout.billing.bank_details import ChangeRefused
from checkout.models import BankDetailsChange, PayoutAccount
from markets.editors import ADMIN_ACCESS, grant_model_permissions, make_editor
from tests.checkout.test_payouts import account, make_payout
from tests.checkout.voucher_fixtures import client_for, merchant_of

OLD_IBAN = "FR7630004000031234567890143"
NEW_IBAN = "DE89370400440532013000"
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
LINK = re.compile(r"http://testserver(/admin/coordonnees-bancaires/confirmer/[\w-]+/)")


@pytest.fixture
def world(market, django_user_model):
    """The atelier paid on OLD_IBAN, its two merchants (one reads English), the épicerie's merchant, the actors."""
    atelier = market.atelier
    account(atelier, OLD_IBAN, holder="Atelier du Bois Flotté SARL")
    editor = django_user_model.objects.create_user("editrice", first_name="Anne", last_name="Le Roux")
    make_editor(editor, market.territory)
    accountant = django_user_model.objects.create_user("compta")
    group = Group.objects.create(name="Comptabilité")
    grant_model_permissions(group, [ADMIN_ACCESS, ("checkout", "change_payout")])
    accountant.groups.add(group)

    class World:
        pass

    w = World()
    w.market, w.atelier, w.editor, w.accountant = market, atelier, editor, accountant
    w.merchant = merchant_of(atelier, "atelier")
    w.partner = merchant_of(atelier, "associe")
    profile = UserProfile.get_for_user(w.partner)
    profile.preferred_language = "en"
    profile.save()
    w.other_merchant = merchant_of(market.epicerie, "epicerie")
    return w


def edit_url(shop):
    return f"/admin/coordonnees-bancaires/{shop.pk}/"


def applied(shop):
    row = PayoutAccount.objects.get(shop=shop)
    return (row.holder, row.iban.replace(" ", ""), row.bic)


def actions_of(change):
    return list(ModelLogEntry.objects.for_instance(change).order_by("pk").values_list("action", flat=True))


def editor_asks(w, mailoutbox, capture, iban=NEW_IBAN, holder="Atelier Nouveau Compte"):
    """The editor changes the atelier's account in the admin; returns the change and the link each merchant got."""
    mailoutbox.clear()
    with capture(execute=True):
        response = client_for(w.editor).post(edit_url(w.atelier), {"holder": holder, "iban": iban, "bic": ""})
    assert response.status_code == 302
    change = BankDetailsChange.objects.filter(status="pending").get()
    links = {message.to[0]: LINK.search(message.body).group(1) for message in mailoutbox}
    return change, links


def sepa_creditor_ibans(batch):
    root = ET.fromstring(bytes(batch.document))
    return [node.text for node in root.iterfind(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", NS)]


def test_an_editors_change_is_pending_absent_from_the_sepa_file_and_applied_when_the_merchant_confirms(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    w = world
    first_week = make_payout(w.atelier, "123.45")
    # when the editor types a new IBAN for the atelier
    change, links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks, iban="DE89 3704 0044 0532 0130 00")

    # then nothing is applied: the change waits, with the old and new details and a hashed token
    assert applied(w.atelier) == ("Atelier du Bois Flotté SARL", OLD_IBAN, "")
    assert (change.old_iban, change.new_iban, change.new_holder, change.requested_by) == (
        OLD_IBAN, NEW_IBAN, "Atelier Nouveau Compte", w.editor
    )
    assert change.expires_at - change.requested_at == datetime.timedelta(days=7)
    assert len(change.token_hash) == 64
    # each active merchant account got the link, in its language, with masked IBANs only
    assert sorted(links) == ["associe@example.org", "atelier@example.org"]
    assert links["associe@example.org"] == links["atelier@example.org"]
    token = links["atelier@example.org"].split("/")[-2]
    assert change.token_hash == bank_details.hash_token(token) and token not in change.token_hash
    by_address = {message.to[0]: message for message in mailoutbox}
    french, english = by_address["atelier@example.org"], by_address["associe@example.org"]
    assert french.subject == "Confirmez le changement de coordonnées bancaires de Atelier du Bois Flotté"
    assert "Nouveau compte demandé : DE89 •••• •••• 3000 (Atelier Nouveau Compte)." in french.body
    assert "Compte actuel : FR76 •••• •••• 0143 (Atelier du Bois Flotté SARL)." in french.body
    assert "Demande faite par Anne Le Roux." in french.body
    assert english.extra_headers["Content-Language"] == "en"
    assert english.subject == "Confirm the change of bank details of Atelier du Bois Flotté"  # no English page
    assert "New account requested: DE89 •••• •••• 3000 (Atelier Nouveau Compte)." in english.body
    for message in mailoutbox:
        assert NEW_IBAN not in message.body + message.alternatives[0][0]
    # and the Monday file still pays the old account
    batch = payouts.export_pending_payouts()
    assert sepa_creditor_ibans(batch) == [OLD_IBAN]
    assert NEW_IBAN.encode() not in bytes(batch.document)

    # when the merchant opens the link: the masked change, nothing applied yet
    client = client_for(w.merchant)
    page = client.get(links["atelier@example.org"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "DE89 •••• •••• 3000" in html and "FR76 •••• •••• 0143" in html
    assert NEW_IBAN not in html and OLD_IBAN not in html
    assert applied(w.atelier)[1] == OLD_IBAN
    # and confirms it
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(links["atelier@example.org"])
    assert response.status_code == 302
    assert response["Location"] == edit_url(w.atelier)
    assert applied(w.atelier) == ("Atelier Nouveau Compte", NEW_IBAN, "")
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("confirmed", w.merchant)
    assert PayoutAccount.objects.get(shop=w.atelier).updated_by == w.editor
    # the "bank details changed" notice follows, masked
    assert {m.subject for m in mailoutbox if m.to == ["atelier@example.org"]} == {
        "Coordonnées bancaires de Atelier du Bois Flotté modifiées"
    }
    assert all(NEW_IBAN not in m.body for m in mailoutbox)
    # the next file pays the new account; last week's, already exported, is untouched
    next_week = make_payout(w.atelier, "10.00", week_start=datetime.date(2026, 11, 30))
    batch = payouts.export_pending_payouts()
    assert sepa_creditor_ibans(batch) == [NEW_IBAN]
    assert list(batch.payouts.values_list("pk", flat=True)) == [next_week.pk]
    first_week.refresh_from_db()
    assert first_week.iban == OLD_IBAN
    # the log: requested then confirmed on the change, applied on the account, masked IBANs only
    assert actions_of(change) == ["checkout.bank_details_change.request", "checkout.bank_details_change.confirm"]
    account_entry = ModelLogEntry.objects.for_instance(PayoutAccount.objects.get(shop=w.atelier)).get()
    assert (account_entry.action, account_entry.user, account_entry.data["via"], account_entry.data["iban"]) == (
        "checkout.payout_account.change", w.merchant, "confirmed", "DE89 •••• •••• 3000"
    )
    for entry in ModelLogEntry.objects.all():
        assert NEW_IBAN not in json.dumps(entry.data) and "0312345678" not in json.dumps(entry.data)


def test_a_replayed_link_does_nothing(world, mailoutbox, django_capture_on_commit_callbacks):
    w = world
    change, links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    link = links["atelier@example.org"]
    client = client_for(w.merchant)
    assert client.post(link).status_code == 302
    # the merchant then sets another account themselves
    PayoutAccount.objects.filter(shop=w.atelier).update(iban="FR7630001007941234567890185")
    # when the used link is posted again (a second click, or someone who saw the e-mail)
    response = client.post(link)
    # then it says so and changes nothing
    assert response.status_code == 410
    assert "Cette modification a déjà été appliquée : ce lien ne sert plus." in response.content.decode()
    assert applied(w.atelier)[1] == "FR7630001007941234567890185"
    assert actions_of(change) == ["checkout.bank_details_change.request", "checkout.bank_details_change.confirm"]
    with pytest.raises(ChangeRefused):
        bank_details.confirm(link.split("/")[-2], w.merchant)


def test_an_expired_link_does_nothing_and_the_change_is_recorded_expired(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    w = world
    change, links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    BankDetailsChange.objects.filter(pk=change.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    client = client_for(w.merchant)
    # opening it: refused, nothing recorded yet
    response = client.get(links["atelier@example.org"])
    assert response.status_code == 410
    assert "Ce lien de confirmation a expiré." in response.content.decode()
    assert actions_of(change) == ["checkout.bank_details_change.request"]
    # posting it: refused, and the change is closed as expired
    response = client.post(links["atelier@example.org"])
    assert response.status_code == 410
    assert applied(w.atelier)[1] == OLD_IBAN
    change.refresh_from_db()
    assert change.status == "expired"
    assert actions_of(change) == ["checkout.bank_details_change.request", "checkout.bank_details_change.expire"]
    # the accounting cannot approve it either
    with pytest.raises(ChangeRefused):
        bank_details.approve(change, w.accountant)
    assert applied(w.atelier)[1] == OLD_IBAN


def test_expire_overdue_closes_only_overdue_changes(world, mailoutbox, django_capture_on_commit_callbacks):
    change, _links = editor_asks(world, mailoutbox, django_capture_on_commit_callbacks)
    assert bank_details.expire_overdue() == 0
    BankDetailsChange.objects.filter(pk=change.pk).update(expires_at=timezone.now())
    assert bank_details.expire_overdue() == 1
    assert bank_details.expire_overdue() == 0
    assert BankDetailsChange.objects.get().status == "expired"
    assert actions_of(change)[-1] == "checkout.bank_details_change.expire"


@pytest.mark.parametrize("who", ["other_merchant", "editor", "accountant", "superuser"])
def test_only_a_merchant_of_that_shop_can_confirm(world, mailoutbox, django_capture_on_commit_callbacks, who):
    w = world
    change, links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    user = User.objects.create_superuser("operateur") if who == "superuser" else getattr(w, who)
    client = client_for(user)
    for method in ("get", "post"):
        response = getattr(client, method)(links["atelier@example.org"])
        assert response.status_code == 403
        html = response.content.decode()
        assert "Seul un commerçant de la boutique concernée peut confirmer ce changement." in html
        assert "DE89 •••• •••• 3000" not in html
    assert applied(w.atelier)[1] == OLD_IBAN
    change.refresh_from_db()
    assert change.status == "pending"
    assert actions_of(change) == ["checkout.bank_details_change.request"]


def test_an_anonymous_visitor_is_sent_to_the_login(world, mailoutbox, django_capture_on_commit_callbacks):
    _change, links = editor_asks(world, mailoutbox, django_capture_on_commit_callbacks)
    from django.test import Client

    response = Client().post(links["atelier@example.org"])
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert applied(world.atelier)[1] == OLD_IBAN


@pytest.mark.parametrize("token", ["x" * 43, "", "../../", "a" * 500])
def test_an_unknown_link_does_nothing(world, token):
    response = client_for(world.merchant).get(f"/admin/coordonnees-bancaires/confirmer/{token}/")
    assert response.status_code in (404, 410)
    assert applied(world.atelier)[1] == OLD_IBAN
    assert BankDetailsChange.objects.count() == 0


def test_a_second_change_replaces_the_first_whose_link_then_does_nothing(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    w = world
    first, first_links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    second, second_links = editor_asks(
        w, mailoutbox, django_capture_on_commit_callbacks, iban="FR7630001007941234567890185", holder="Troisième"
    )
    first.refresh_from_db()
    assert (first.status, second.status) == ("cancelled", "pending")
    assert actions_of(first) == ["checkout.bank_details_change.request", "checkout.bank_details_change.cancel"]
    assert ModelLogEntry.objects.for_instance(first).order_by("pk").last().data["reason"] == "replaced"
    response = client_for(w.merchant).post(first_links["atelier@example.org"])
    assert response.status_code == 410
    assert applied(w.atelier)[1] == OLD_IBAN
    assert client_for(w.merchant).post(second_links["atelier@example.org"]).status_code == 302
    assert applied(w.atelier) == ("Troisième", "FR7630001007941234567890185", "")


def test_the_owner_changes_their_own_details_with_their_password(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    w = world
    client = client_for(w.merchant)
    data = {"holder": "Atelier SAS", "iban": "de89 3704 0044 0532 0130 00", "bic": ""}
    # the form asks for the password
    assert 'name="password"' in client.get(edit_url(w.atelier)).content.decode()
    # without it, or a wrong one: refused, nothing changed, nothing logged or sent
    mailoutbox.clear()
    for password in ("", "wrong"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(edit_url(w.atelier), {**data, "password": password})
        assert response.status_code == 200
        assert response.context["form"].errors["password"] == [
            "Indiquez votre mot de passe pour confirmer le changement." if not password
            else "Mot de passe incorrect : rien n'a été changé."
        ]
    assert applied(w.atelier) == ("Atelier du Bois Flotté SARL", OLD_IBAN, "")
    assert ModelLogEntry.objects.filter(action="checkout.payout_account.change").count() == 0
    assert BankDetailsChange.objects.count() == 0
    assert mailoutbox == []
    # with the right one: applied at once, no confirmation asked
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(edit_url(w.atelier), {**data, "password": "secret"})
    assert response.status_code == 302
    assert applied(w.atelier) == ("Atelier SAS", NEW_IBAN, "")
    assert BankDetailsChange.objects.count() == 0
    entry = ModelLogEntry.objects.get(action="checkout.payout_account.change")
    assert (entry.user, entry.data["via"], entry.data["iban"]) == (w.merchant, "merchant", "DE89 •••• •••• 3000")
    assert {m.subject for m in mailoutbox} == {"Coordonnées bancaires de Atelier du Bois Flotté modifiées"}


def test_the_owners_change_cancels_a_pending_one(world, mailoutbox, django_capture_on_commit_callbacks):
    w = world
    change, links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    client = client_for(w.merchant)
    client.post(edit_url(w.atelier), {"holder": "Atelier", "iban": "", "bic": "", "password": "secret"})
    change.refresh_from_db()
    assert change.status == "cancelled"
    assert ModelLogEntry.objects.for_instance(change).order_by("pk").last().data["reason"] == "merchant_change"
    assert client.post(links["atelier@example.org"]).status_code == 410
    assert applied(w.atelier) == ("Atelier", OLD_IBAN, "")


def test_the_accounting_approves_a_pending_change(world, mailoutbox, django_capture_on_commit_callbacks):
    w = world
    change, _links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    client = client_for(w.accountant)
    # the accounting finds it from the menu's page
    response = client.get("/admin/coordonnees-bancaires/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/coordonnees-bancaires/en-attente/"
    html = client.get("/admin/coordonnees-bancaires/en-attente/").content.decode()
    assert "Atelier du Bois Flotté" in html and "DE89 •••• •••• 3000" in html and NEW_IBAN not in html
    # an editor may not approve (only cancel)
    approve_url = f"/admin/coordonnees-bancaires/en-attente/{change.pk}/approuver/"
    assert client_for(w.editor).post(approve_url).status_code == 302
    assert applied(w.atelier)[1] == OLD_IBAN
    # a GET approves nothing
    assert client.get(approve_url).status_code == 405
    # when the accounting approves
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(approve_url)
    assert response.status_code == 302
    assert applied(w.atelier) == ("Atelier Nouveau Compte", NEW_IBAN, "")
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("approved", w.accountant)
    assert actions_of(change) == ["checkout.bank_details_change.request", "checkout.bank_details_change.approve"]
    # approving again changes nothing more
    client.post(approve_url)
    assert actions_of(change) == ["checkout.bank_details_change.request", "checkout.bank_details_change.approve"]
    assert ModelLogEntry.objects.filter(action="checkout.payout_account.change").count() == 1


def test_an_editor_cannot_approve_and_another_territory_does_not_see_the_change(
    world, other_market, mailoutbox, django_capture_on_commit_callbacks, django_user_model
):
    w = world
    change, _links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    with pytest.raises(ChangeRefused):
        bank_details.approve(change, w.editor)
    from markets.models import Territory

    brest_editor = django_user_model.objects.create_user("brest")
    make_editor(brest_editor, Territory.objects.get(name="Pays de Brest"))
    client = client_for(brest_editor)
    assert "Atelier du Bois Flotté" not in client.get("/admin/coordonnees-bancaires/en-attente/").content.decode()
    response = client.post(f"/admin/coordonnees-bancaires/en-attente/{change.pk}/annuler/")
    assert response.status_code == 404
    change.refresh_from_db()
    assert change.status == "pending"


def test_the_editor_cancels_their_request(world, mailoutbox, django_capture_on_commit_callbacks):
    w = world
    change, links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    html = client_for(w.editor).get(edit_url(w.atelier)).content.decode()
    assert "Changement en attente de confirmation" in html and "DE89 •••• •••• 3000" in html
    assert 'name="password"' not in html
    client_for(w.editor).post(f"/admin/coordonnees-bancaires/en-attente/{change.pk}/annuler/")
    change.refresh_from_db()
    assert (change.status, change.decided_by) == ("cancelled", w.editor)
    assert client_for(w.merchant).post(links["atelier@example.org"]).status_code == 410
    assert applied(w.atelier)[1] == OLD_IBAN


def test_an_editor_filling_in_a_shop_without_account_is_pending_too(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    w = world
    epicerie = w.market.epicerie
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(w.editor).post(edit_url(epicerie), {"holder": "Épicerie", "iban": NEW_IBAN, "bic": ""})
    assert not PayoutAccount.objects.filter(shop=epicerie).exists()
    change = BankDetailsChange.objects.get(shop=epicerie)
    assert (change.old_iban, change.status) == ("", "pending")
    (message,) = mailoutbox
    assert message.to == ["epicerie@example.org"]
    assert "Compte actuel" not in message.body
    link = LINK.search(message.body).group(1)
    # the atelier's merchant cannot take it, the épicerie's can
    assert client_for(w.merchant).post(link).status_code == 403
    assert client_for(w.other_merchant).post(link).status_code == 302
    assert applied(epicerie) == ("Épicerie", NEW_IBAN, "")


def test_the_confirmation_email_is_sent_once(world, mailoutbox, django_capture_on_commit_callbacks):
    from checkout.billing.emails import send_bank_details_confirmation

    change, _links = editor_asks(world, mailoutbox, django_capture_on_commit_callbacks)
    token_hash = BankDetailsChange.objects.get(pk=change.pk).token_hash
    mailoutbox.clear()
    assert send_bank_details_confirmation(change.pk) == 0
    assert mailoutbox == []
    assert BankDetailsChange.objects.get(pk=change.pk).token_hash == token_hash


def test_a_deactivated_merchant_gets_no_link_and_cannot_confirm(world, mailoutbox, django_capture_on_commit_callbacks):
    w = world
    User.objects.filter(pk=w.partner.pk).update(is_active=False)
    _change, links = editor_asks(w, mailoutbox, django_capture_on_commit_callbacks)
    assert sorted(links) == ["atelier@example.org"]
    assert not bank_details.is_shop_merchant(User.objects.get(pk=w.partner.pk), w.atelier)


def test_whoever_asked_for_a_change_cannot_approve_it_themselves(world, mailoutbox, django_capture_on_commit_callbacks):
    # given an accountant who also edits the territory, asking for a new account for the atelier
    w = world
    make_editor(w.accountant, w.market.territory)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(w.accountant).post(edit_url(w.atelier), {"holder": "Compte Tiers", "iban": NEW_IBAN, "bic": ""})
    change = BankDetailsChange.objects.get(status="pending")
    assert change.requested_by == w.accountant

    # when they approve it: refused, the account is unchanged
    with pytest.raises(bank_details.ChangeRefused, match="une autre personne doit l'approuver"):
        bank_details.approve(change, w.accountant)
    client_for(w.accountant).post(f"/admin/coordonnees-bancaires/en-attente/{change.pk}/approuver/")
    change.refresh_from_db()
    assert change.status == "pending"
    assert applied(w.atelier) == ("Atelier du Bois Flotté SARL", OLD_IBAN, "")


def test_the_password_of_the_owners_change_cannot_be_guessed_on_and_on(world):
    w = world
    client = client_for(w.merchant)
    data = {"holder": "Atelier SAS", "iban": NEW_IBAN, "bic": ""}
    for _ in range(5):
        response = client.post(edit_url(w.atelier), {**data, "password": "guess"})
        assert response.context["form"].errors["password"] == ["Mot de passe incorrect : rien n'a été changé."]
        # and the page still shows the saved account, not the one typed
        assert "DE89 •••• •••• 3000" not in response.content.decode()

    # the sixth try, even with the right password, is not checked
    response = client.post(edit_url(w.atelier), {**data, "password": "secret"})
    assert response.context["form"].errors["password"] == [
        "Trop de mots de passe incorrects : réessayez dans 15 minutes."
    ]
    assert applied(w.atelier) == ("Atelier du Bois Flotté SARL", OLD_IBAN, "")
