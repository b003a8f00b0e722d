"""Statements, payouts and bank details in the admin: who sees what, who exports and confirms, the IBAN form."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.admin.menu import admin_menu
from wagtail.models import ModelLogEntry

from checkout.billing import payouts
from checkout.models import BankDetailsChange, Payout, PayoutAccount, PayoutBatch
from markets.editors import ADMIN_ACCESS, grant_model_permissions, make_editor
from markets.models import Territory
from shops.models import ShopPage
from tests.checkout import test_payouts
from tests.checkout.test_payouts import WEEK, account, make_payout, states
from tests.checkout.voucher_fixtures import client_for, merchant_of

STATEMENTS = "/admin/releves/"
PAYOUTS = "/admin/versements/"
EXPORT = "/admin/versements/exporter/"
BATCHES = "/admin/versements/lots/"
ACCOUNTS = "/admin/coordonnees-bancaires/"

ATELIER_IBAN_COMPACT = "FR7630004000031234567890143"


def statement_url(statement):
    return f"{STATEMENTS}{statement.pk}/"


def payout_url(payout):
    return f"{PAYOUTS}{payout.pk}/"


def batch_url(batch):
    return f"{BATCHES}{batch.pk}/"


@pytest.fixture
def world(market, other_market, django_user_model):
    """Atelier and épicerie (Morlaix), a Brest shop; their payouts for the week of 23/11/2026; the actors."""
    brest_shop, _product = other_market
    brest = Territory.objects.get(name="Pays de Brest")
    atelier = make_payout(market.atelier, "123.45")
    epicerie = make_payout(market.epicerie, "46.90")
    brest_payout = make_payout(brest_shop, "30.00")
    editor_morlaix = django_user_model.objects.create_user("editrice_morlaix")
    make_editor(editor_morlaix, market.territory)
    editor_brest = django_user_model.objects.create_user("editeur_brest")
    make_editor(editor_brest, brest)
    accountant = django_user_model.objects.create_user("compta")
    group = Group.objects.create(name="Comptabilité")
    grant_model_permissions(group, [ADMIN_ACCESS, ("checkout", "change_payout")])
    accountant.groups.add(group)

    class World:
        pass

    w = World()
    w.market, w.brest_shop = market, brest_shop
    w.atelier, w.epicerie, w.brest = atelier, epicerie, brest_payout
    w.atelier_merchant = merchant_of(market.atelier, "atelier")
    w.epicerie_merchant = merchant_of(market.epicerie, "epicerie")
    w.editor_morlaix, w.editor_brest, w.accountant = editor_morlaix, editor_brest, accountant
    w.superuser = django_user_model.objects.create_superuser("operateur")
    return w


def answer(client, method, url, data=None) -> int:
    """The final status; an unknown admin path is first sent by LocaleMiddleware to its /fr/ twin (a 404 too)."""
    return getattr(client, method)(url, data or {}, follow=True).status_code


def denied(response) -> bool:
    """Refused the Wagtail way: the admin turns PermissionDenied into a redirect to the dashboard with a message
    (an XMLHttpRequest gets a plain 403, see `test_a_script_gets_a_plain_403`)."""
    return response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# Who sees which statements and payouts ----------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "seen", "unseen"),
    [
        ("atelier_merchant", ["atelier"], ["epicerie", "brest"]),
        ("epicerie_merchant", ["epicerie"], ["atelier", "brest"]),
        ("editor_morlaix", ["atelier", "epicerie"], ["brest"]),
        ("editor_brest", ["brest"], ["atelier", "epicerie"]),
        ("superuser", ["atelier", "epicerie", "brest"], []),
        ("accountant", ["atelier", "epicerie", "brest"], []),
    ],
)
def test_each_actor_sees_exactly_their_statements_and_payouts(world, actor, seen, unseen):
    client = client_for(getattr(world, actor))
    statements_html = listed(client, STATEMENTS)
    payouts_html = listed(client, PAYOUTS)
    for name in seen:
        payout = getattr(world, name)
        assert payout.statement.trade_name in statements_html
        assert payout.end_to_end_id in payouts_html
        assert client.get(statement_url(payout.statement)).status_code == 200
        assert client.get(payout_url(payout)).status_code == 200
    for name in unseen:
        payout = getattr(world, name)
        assert payout.statement.trade_name not in statements_html
        assert payout.end_to_end_id not in payouts_html
        # another's row by its id: not found
        assert answer(client, "get", statement_url(payout.statement)) == 404
        assert answer(client, "get", payout_url(payout)) == 404


def test_statement_detail_shows_the_week_figures(world):
    client = client_for(world.atelier_merchant)
    html = listed(client, statement_url(world.atelier.statement))
    # carried in 31.63 + sales 100.00 − commission 8.00 = 123.63; − fee 0.18 = 123.45 paid
    for figure in ["31,63\xa0€", "100,00\xa0€", "8,00\xa0€", "0,18\xa0€", "123,63\xa0€", "123,45\xa0€"]:
        assert figure in html
    assert "du lundi 23/11/2026 au dimanche 29/11/2026" in html
    assert world.atelier.end_to_end_id in html
    assert "À exporter" in html


def test_statements_filter_by_any_day_of_the_week(world):
    later = test_payouts.make_statement(world.market.atelier, "10.00", week_start=WEEK + datetime.timedelta(days=7))
    client = client_for(world.atelier_merchant)
    html = listed(client, STATEMENTS + "?week=2026-11-26")  # a Thursday
    assert statement_url(world.atelier.statement) in html
    assert statement_url(later) not in html
    html = listed(client, STATEMENTS + "?week=2026-12-06")  # the Sunday of the next week
    assert statement_url(later) in html
    assert statement_url(world.atelier.statement) not in html


def test_the_statements_csv_has_the_merchant_rows_only(world):
    response = client_for(world.atelier_merchant).get(STATEMENTS + "?export=csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("\ufeffSemaine du;Boutique;")
    assert lines[1].startswith("23/11/2026;Atelier du Bois Flotté;")
    assert lines[1].endswith(";31,63;100,00;0,00;8,00;0,00;0,18;123,45;0,00")


def test_menu_is_shown_to_merchants_and_accounting_not_to_others(world, rf, django_user_model):
    reverse("versements:index")
    request = rf.get("/admin/")
    for user in (world.atelier_merchant, world.editor_morlaix, world.accountant):
        request.user = user
        assert "statements_and_payouts" in [item.name for item in admin_menu.menu_items_for_request(request)]
    request.user = django_user_model.objects.create_user("visiteur")
    assert "statements_and_payouts" not in [item.name for item in admin_menu.menu_items_for_request(request)]


# Export and payment: the accounting only ------------------------------------------------------


@pytest.mark.parametrize("actor", ["atelier_merchant", "editor_morlaix", "editor_brest"])
def test_merchants_and_editors_cannot_export_confirm_or_download(world, actor):
    account(world.market.atelier, test_payouts.ATELIER_IBAN)
    batch = payouts.export_pending_payouts()
    account(world.market.epicerie, test_payouts.EPICERIE_IBAN)
    client = client_for(getattr(world, actor))
    # no export button on their list
    assert "Exporter les virements SEPA" not in listed(client, PAYOUTS)
    # and each accounting URL refuses them
    assert denied(client.get(EXPORT))
    assert denied(client.post(EXPORT))
    assert denied(client.get(BATCHES))
    assert denied(client.get(batch_url(batch)))
    assert denied(client.get(f"{batch_url(batch)}fichier/"))
    assert denied(client.post(f"{batch_url(batch)}payer/"))
    assert denied(client.post(f"{payout_url(world.atelier)}payer/"))
    # nothing changed
    assert states(world.atelier, world.epicerie, world.brest) == ["exported", "pending", "pending"]
    assert PayoutBatch.objects.count() == 1


def test_a_script_gets_a_plain_403(world):
    client = client_for(world.atelier_merchant)
    assert client.post(EXPORT, headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403
    assert client.post(f"{payout_url(world.atelier)}payer/", headers={"x-requested-with": "XMLHttpRequest"}).status_code == 403
    assert PayoutBatch.objects.count() == 0
    assert states(world.atelier) == ["pending"]


def test_the_merchant_does_not_see_the_batch_or_the_full_iban(world):
    account(world.market.atelier, test_payouts.ATELIER_IBAN)
    batch = payouts.export_pending_payouts()
    html = listed(client_for(world.atelier_merchant), payout_url(world.atelier))
    assert batch.reference in html
    assert batch_url(batch) not in html
    assert "FR76 •••• •••• 0143" in html
    assert ATELIER_IBAN_COMPACT not in html
    assert "Marquer comme payé" not in html


def test_the_accounting_exports_downloads_and_confirms(world):
    account(world.market.atelier, test_payouts.ATELIER_IBAN, holder="Atelier du Bois Flotté SARL")
    account(world.market.epicerie, test_payouts.EPICERIE_IBAN, bic="COBADEFFXXX")
    client = client_for(world.accountant)
    assert "Exporter les virements SEPA" in listed(client, PAYOUTS)
    # the export page lists what goes and what waits, with why
    html = listed(client, EXPORT)
    assert "2 virements, 170,35\xa0€ au total." in html
    assert world.brest.end_to_end_id in html
    assert "Aucune coordonnée bancaire enregistrée." in html
    # when exporting
    response = client.post(EXPORT)
    batch = PayoutBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch_url(batch)
    assert states(world.atelier, world.epicerie, world.brest) == ["exported", "exported", "pending"]
    html = listed(client, batch_url(batch))
    assert f"Télécharger virements-{batch.reference}.xml" in html
    assert "170,35\xa0€" in html
    # the file downloads as the bank wants it
    response = client.get(f"{batch_url(batch)}fichier/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="virements-{batch.reference}.xml"'
    assert b"<CtrlSum>170.35</CtrlSum>" in response.content
    assert ATELIER_IBAN_COMPACT.encode() in response.content
    # a second export finds nothing more to export
    response = client.post(EXPORT, follow=True)
    assert "Aucun versement à exporter." in response.content.decode()
    assert PayoutBatch.objects.count() == 1
    # when the bank confirms the atelier's transfer, then the rest of the batch
    client.post(f"{payout_url(world.atelier)}payer/")
    assert states(world.atelier, world.epicerie) == ["paid", "exported"]
    response = client.post(f"{batch_url(batch)}payer/", follow=True)
    assert "1 virement(s) du lot" in response.content.decode()
    assert states(world.atelier, world.epicerie, world.brest) == ["paid", "paid", "pending"]
    assert Payout.objects.get(pk=world.epicerie.pk).paid_by == world.accountant
    # confirming again is refused and says so
    response = client.post(f"{batch_url(batch)}payer/", follow=True)
    assert "Tous les virements de ce lot sont déjà marqués comme payés." in response.content.decode()
    assert ModelLogEntry.objects.filter(action=payouts.PAID_ACTION).count() == 2


def test_mark_paid_refuses_a_pending_payout(world):
    client = client_for(world.superuser)
    response = client.post(f"{payout_url(world.brest)}payer/", follow=True)
    assert "pas encore été exporté" in response.content.decode()
    assert states(world.brest) == ["pending"]
    assert client.get(f"{payout_url(world.brest)}payer/").status_code == 405


def test_batch_urls_of_unknown_ids_are_not_found(world):
    client = client_for(world.superuser)
    assert answer(client, "get", f"{BATCHES}999999/") == 404
    assert answer(client, "get", f"{BATCHES}999999/fichier/") == 404
    assert answer(client, "post", f"{BATCHES}999999/payer/") == 404


# Bank details --------------------------------------------------------------------------


def account_url(shop):
    return f"{ACCOUNTS}{shop.pk}/"


def test_a_merchant_goes_straight_to_their_form(world):
    response = client_for(world.atelier_merchant).get(ACCOUNTS)
    assert response.status_code == 302
    assert response["Location"] == account_url(world.market.atelier)


def test_the_merchant_saves_an_iban_then_sees_it_masked_and_the_log_keeps_it_masked(world):
    client = client_for(world.atelier_merchant)
    url = account_url(world.market.atelier)
    # when they type the IBAN as on their RIB, spaces and lower case
    response = client.post(url, {"holder": "  Atelier du  Bois Flotté ", "iban": "fr76 3000 4000 0312 3456 7890 143",
                                 "bic": "", "password": "secret"})
    assert response.status_code == 302
    saved = PayoutAccount.objects.get()
    assert (saved.shop_id, saved.holder, saved.iban, saved.bic, saved.updated_by) == (
        world.market.atelier.pk, "Atelier du Bois Flotté", ATELIER_IBAN_COMPACT, "", world.atelier_merchant
    )
    # then the page shows it masked, never in full, not even in the form
    html = listed(client, url)
    assert "FR76 •••• •••• 0143" in html
    assert ATELIER_IBAN_COMPACT not in html
    assert "3000 4000 0312" not in html
    # and the change is logged without the full IBAN
    entry = ModelLogEntry.objects.for_instance(saved).get()
    assert entry.action == "checkout.payout_account.change"
    assert entry.user == world.atelier_merchant
    assert entry.data["iban"] == "FR76 •••• •••• 0143"
    assert "0312345678" not in json.dumps(entry.data)
    # changing only the holder keeps the IBAN
    client.post(url, {"holder": "SARL Bois Flotté", "iban": "", "bic": "bnpafrpp", "password": "secret"})
    saved.refresh_from_db()
    assert (saved.holder, saved.iban, saved.bic) == ("SARL Bois Flotté", ATELIER_IBAN_COMPACT, "BNPAFRPP")
    assert ModelLogEntry.objects.for_instance(saved).count() == 2
    # and the payout then gets exported with it
    batch = payouts.export_pending_payouts()
    assert list(batch.payouts.values_list("pk", "holder", "iban")) == [
        (world.atelier.pk, "SARL Bois Flotté", ATELIER_IBAN_COMPACT)
    ]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"holder": "Atelier", "iban": test_payouts.BAD_IBAN, "bic": ""}, "iban",
         "IBAN invalide : vérifiez-le sur votre RIB."),
        ({"holder": "Atelier", "iban": "FR76", "bic": ""}, "iban", "IBAN invalide : vérifiez-le sur votre RIB."),
        ({"holder": "Atelier", "iban": "", "bic": ""}, "iban", "Indiquez l'IBAN du compte."),
        ({"holder": "Atelier", "iban": ATELIER_IBAN_COMPACT, "bic": "BNP"}, "bic", "BIC invalide."),
        ({"holder": "", "iban": ATELIER_IBAN_COMPACT, "bic": ""}, "holder", "Champ requis."),
    ],
)
def test_bad_bank_details_get_a_french_error_and_save_nothing(world, data, field, message):
    data = {**data, "password": "secret"}
    response = client_for(world.atelier_merchant).post(account_url(world.market.atelier), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert PayoutAccount.objects.count() == 0
    assert ModelLogEntry.objects.filter(action="checkout.payout_account.change").count() == 0


def test_an_invalid_new_iban_keeps_the_old_one(world):
    account(world.market.atelier, ATELIER_IBAN_COMPACT, holder="Atelier")
    client_for(world.atelier_merchant).post(
        account_url(world.market.atelier),
        {"holder": "Atelier", "iban": test_payouts.BAD_IBAN, "bic": "", "password": "secret"},
    )
    assert PayoutAccount.objects.get().iban == ATELIER_IBAN_COMPACT


def test_bank_details_of_another_shop_are_out_of_reach(world, django_user_model):
    epicerie_url = account_url(world.market.epicerie)
    data = {"holder": "Pirate", "iban": ATELIER_IBAN_COMPACT, "bic": ""}
    # another merchant of the same territory
    client = client_for(world.atelier_merchant)
    assert answer(client, "get", epicerie_url) == 404
    assert answer(client, "post", epicerie_url, data) == 404
    # an editor of another territory
    client = client_for(world.editor_brest)
    assert answer(client, "get", epicerie_url) == 404
    assert answer(client, "post", epicerie_url, data) == 404
    assert PayoutAccount.objects.count() == 0
    assert BankDetailsChange.objects.count() == 0
    # someone with the admin who manages no shop and is not the accounting
    visitor = django_user_model.objects.create_user("visiteur")
    visitors = Group.objects.create(name="Visiteurs")
    grant_model_permissions(visitors, [ADMIN_ACCESS])
    visitor.groups.add(visitors)
    assert denied(client_for(visitor).get(ACCOUNTS))
    # the accounting, who manages no shop, is sent to the changes waiting for approval
    response = client_for(world.accountant).get(ACCOUNTS)
    assert (response.status_code, response["Location"]) == (302, f"{ACCOUNTS}en-attente/")


def test_an_editor_picks_one_of_their_shops(world):
    account(world.market.epicerie, test_payouts.EPICERIE_IBAN, holder="Épicerie Kerjean")
    client = client_for(world.editor_morlaix)
    html = listed(client, ACCOUNTS)
    assert account_url(world.market.atelier) in html
    assert account_url(world.market.epicerie) in html
    assert account_url(world.brest_shop) not in html
    assert "DE89 •••• •••• 3000" in html
    assert "Non renseigné" in html
    response = client.post(account_url(world.market.atelier), {"holder": "Atelier", "iban": ATELIER_IBAN_COMPACT})
    assert response.status_code == 302
    # an editor's change waits for the merchant's confirmation: nothing is applied yet
    assert not PayoutAccount.objects.filter(shop=world.market.atelier).exists()
    change = BankDetailsChange.objects.get(shop=world.market.atelier)
    assert (change.status, change.new_iban, change.requested_by) == ("pending", ATELIER_IBAN_COMPACT, world.editor_morlaix)


def test_only_the_payout_change_permission_is_offered_to_groups(db):
    from checkout.billing.payout_admin import PayoutViewSet, StatementViewSet

    assert list(PayoutViewSet().get_permissions_to_register().values_list("codename", flat=True)) == ["change_payout"]
    assert StatementViewSet().get_permissions_to_register().count() == 0
    assert Permission.objects.filter(codename="change_payout").exists()


def test_amounts_add_up_on_the_export_page(world):
    for shop, iban in ((world.market.atelier, test_payouts.ATELIER_IBAN),
                       (world.market.epicerie, test_payouts.EPICERIE_IBAN),
                       (world.brest_shop, "FR7630001007941234567890185")):
        account(shop, iban)
    html = listed(client_for(world.superuser), EXPORT)
    assert "3 virements, 200,35\xa0€ au total." in html
    batch = payouts.export_pending_payouts(user=world.superuser)
    assert batch.total == Decimal("200.35")


def test_the_accounting_downloads_the_csv_and_pdf_of_any_statement_it_lists(world):
    client = client_for(world.accountant)
    for payout in (world.atelier, world.brest):
        csv_response = client.get(reverse("statement_csv", args=[payout.statement_id]))
        assert (csv_response.status_code, csv_response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert client.get(reverse("statement_pdf", args=[world.brest.statement_id])).status_code == 200


def test_the_merchant_is_told_when_an_editor_changes_their_bank_details(world, mailoutbox, django_capture_on_commit_callbacks):
    account(world.market.atelier, test_payouts.ATELIER_IBAN, holder="Atelier du Bois Flotté SARL")
    world.editor_morlaix.first_name, world.editor_morlaix.last_name = "Anne", "Le Roux"
    world.editor_morlaix.save()
    ShopPage.objects.filter(pk=world.market.atelier.pk).update(owner=world.atelier_merchant)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.editor_morlaix).post(
            account_url(world.market.atelier), {"holder": "Autre titulaire", "iban": test_payouts.EPICERIE_IBAN, "bic": ""}
        )
    assert response.status_code == 302
    # the editor's change is pending: the merchant is asked to confirm it, and told once it applies
    (request,) = mailoutbox
    assert request.to == [world.atelier_merchant.email]
    link = re.search(r"http://testserver(/admin/coordonnees-bancaires/confirmer/[\w-]+/)", request.body).group(1)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for(world.atelier_merchant).post(link).status_code == 302

    # the shop's address and its owner's
    assert sorted(m.to[0] for m in mailoutbox) == sorted({world.market.atelier.email, world.atelier_merchant.email})
    message = mailoutbox[0]
    assert message.subject == "Coordonnées bancaires de Atelier du Bois Flotté modifiées"
    masked = payouts.mask_iban(PayoutAccount.objects.get(shop=world.market.atelier).iban)
    assert "Modification faite par Anne Le Roux." in message.body
    assert f"Vos prochains versements iront au compte {masked} (Autre titulaire)." in message.body
    assert "comptabilite@marche-noel.localhost" in message.body
    assert test_payouts.EPICERIE_IBAN.replace(" ", "") not in message.body + message.alternatives[0][0]
