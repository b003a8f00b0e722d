"""The logged-in customer downloads what the portal holds about them: one ZIP, a JSON document and CSV files."""

import csv
import io
import json
import zipfile

from django.test import Client
from wagtail.models import ModelLogEntry

from checkout.accounts.erasure import EXPORT_ACTION
from checkout.models import Voucher
from tests.checkout.accounts.scenario import ADDRESS, BENEFICIARY, MESSAGE, alice, bob  # noqa: F401 (fixtures)
from tests.checkout.voucher_fixtures import gift  # noqa: F401 (a fixture)

EXPORT = "/fr/compte/donnees/telecharger/"


def files_of(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_archive_holds_the_account_orders_vouchers_and_addresses(alice, market):
    # given Alice's account holding her two paid orders
    client = Client()
    client.force_login(alice.user)
    alice.user.refresh_from_db()
    voucher = Voucher.objects.get()
    first, second = f"{alice.first.pk:06d}", f"{alice.gift_order.pk:06d}"
    # when she downloads her data
    response = client.post(EXPORT)
    # then a private ZIP attachment with the JSON and the five CSV files
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="mes-donnees-')
    files = files_of(response)
    assert sorted(files) == [
        "adresses.csv",
        "bons.csv",
        "commandes.csv",
        "compte.csv",
        "donnees-personnelles.json",
        "lignes.csv",
    ]
    document = json.loads(files["donnees-personnelles.json"])
    assert sorted(document) == ["account", "delivery_addresses", "email", "generated_at", "orders", "vouchers"]
    assert document["account"] == {
        "username": "alice@example.org",
        "email": "alice@example.org",
        "first_name": "",
        "last_name": "",
        "date_joined": "2025-12-01T09:00:00+00:00",
        "last_login": alice.user.last_login.isoformat(),
    }
    assert document["email"] == "alice@example.org"
    assert [o["number"] for o in document["orders"]] == [first, second]
    order = document["orders"][0]
    assert {k: v for k, v in order.items() if k != "shop_orders"} == {
        "number": first,
        "created_at": "2025-12-10T14:00:00+00:00",
        "paid_at": "2025-12-10T14:00:00+00:00",
        "status": "paid",
        "customer_name": "Alice Le Goff",
        "customer_email": "alice@example.org",
        "customer_phone": "06 12 34 56 78",
        "language": "fr",
        "total": "38.30",
        "currency": "eur",
        "anonymised_at": None,
    }
    epicerie = order["shop_orders"][1]
    assert epicerie == {
        "shop": "Épicerie Kerjean",
        "merchant": market.epicerie.legal_name,
        "siret": market.epicerie.siret,
        "delivery_kind": "home",
        "delivery_label": "Livraison à domicile",
        "delivery_address": ADDRESS,
        "delivery_fee": "5.00",
        "subtotal": "8.30",
        "total": "13.30",
        "fulfilment_status": "delivered",
        "tracking_number": "",
        "lines": [
            {
                "name": "Miel de bruyère",
                "kind": "physical",
                "options": {},
                "quantity": 1,
                "unit_price": "8.30",
                "vat_rate": "20.00",
                "total": "8.30",
                "beneficiary_name": "",
                "gift_message": "",
            }
        ],
    }
    assert document["orders"][1]["shop_orders"][0]["lines"][0]["beneficiary_name"] == BENEFICIARY
    assert document["vouchers"] == [
        {
            "code": voucher.display_code,
            "order": second,
            "name": "Bon cadeau Atelier",
            "kind": "voucher",
            "amount": "50.00",
            "balance": "50.00",
            "valid_until": "2027-06-30",
            "status": "active",
            "buyer_name": "Alice Le Goff",
            "buyer_email": "alice@example.org",
            "beneficiary_name": BENEFICIARY,
            "gift_message": MESSAGE,
        }
    ]
    assert document["delivery_addresses"] == [{"address": ADDRESS, "orders": [first]}]
    # and the CSV files in the French spreadsheet format
    assert rows(files["commandes.csv"]) == [
        ["Commande", "Passée le", "Statut", "Nom", "E-mail", "Téléphone", "Total TTC"],
        [first, "10/12/2025 15:00", "Payée", "Alice Le Goff", "alice@example.org", "06 12 34 56 78", "38,30"],
        [second, "11/12/2025 11:00", "Payée", "Alice Le Goff", "alice@example.org", "06 12 34 56 78", "50,00"],
    ]
    assert rows(files["lignes.csv"]) == [
        [
            "Commande",
            "Boutique",
            "Désignation",
            "Options",
            "Quantité",
            "Prix unitaire TTC",
            "Taux de TVA",
            "Total TTC",
            "Bénéficiaire",
            "Message",
        ],
        [first, "Atelier du Bois Flotté", "Santon en bois", "", "2", "12,50", "20,00", "25,00", "", ""],
        [first, "Épicerie Kerjean", "Miel de bruyère", "", "1", "8,30", "20,00", "8,30", "", ""],
        [
            second,
            "Atelier du Bois Flotté",
            "Bon cadeau Atelier",
            "",
            "1",
            "50,00",
            "20,00",
            "50,00",
            BENEFICIARY,
            MESSAGE,
        ],
    ]
    assert rows(files["bons.csv"])[1] == [
        voucher.display_code,
        second,
        "Bon cadeau Atelier",
        "50,00",
        "50,00",
        "30/06/2027",
        "Valable",
        "Alice Le Goff",
        "alice@example.org",
        BENEFICIARY,
        MESSAGE,
    ]
    assert rows(files["adresses.csv"]) == [
        ["Commande", "Boutique", "Livraison", "Adresse de livraison"],
        [first, "Épicerie Kerjean", "Livraison à domicile", ADDRESS],
    ]
    assert rows(files["compte.csv"])[:3] == [
        ["Champ", "Valeur"],
        ["Identifiant", "alice@example.org"],
        ["E-mail", "alice@example.org"],
    ]
    # and the download is in the log, with order numbers and no personal data
    entry = ModelLogEntry.objects.get(action=EXPORT_ACTION)
    assert (entry.object_id, entry.label, entry.user_id) == (
        str(alice.user.pk),
        f"Compte client n° {alice.user.pk}",
        alice.user.pk,
    )
    assert entry.data == {"scope": "account", "orders": [first, second]}


def test_a_formula_typed_as_a_name_is_inert_in_the_csv(alice):
    from checkout.models import Order

    Order.objects.filter(pk=alice.first.pk).update(customer_name='=HYPERLINK("http://x","y")')
    client = Client()
    client.force_login(alice.user)
    files = files_of(client.post(EXPORT))
    assert rows(files["commandes.csv"])[1][3] == '\'=HYPERLINK("http://x","y")'


def test_each_customer_downloads_only_their_own_data(alice, bob):
    # given Bob logged in, Alice's orders existing
    bob_user, bob_order = bob
    client = Client()
    client.force_login(bob_user)
    # when Bob downloads his data
    document = json.loads(files_of(client.post(EXPORT))["donnees-personnelles.json"])
    # then only his order is in it
    assert [o["number"] for o in document["orders"]] == [f"{bob_order.pk:06d}"]
    assert document["vouchers"] == []
    assert "Alice" not in json.dumps(document) and "alice@" not in json.dumps(document)


def test_download_needs_a_login_and_a_post(alice):
    anonymous = Client().post(EXPORT)
    assert anonymous.status_code == 302 and anonymous["Location"] == f"/fr/compte/connexion/?next={EXPORT}"
    client = Client()
    client.force_login(alice.user)
    assert client.get(EXPORT).status_code == 405
    assert not ModelLogEntry.objects.filter(action=EXPORT_ACTION).exists()


def test_the_orders_page_offers_the_download_and_the_erasure(alice):
    client = Client()
    client.force_login(alice.user)
    html = client.get("/fr/compte/commandes/").content.decode()
    assert f'action="{EXPORT}"' in html and "Télécharger mes données" in html
    assert 'href="/fr/compte/supprimer/"' in html and "Supprimer mon compte" in html
