"""A customer erases their account: personal data gone from orders, vouchers, exports and the admin; the books kept."""

import csv
import io

from django.contrib.auth.models import User
from django.core import mail
from django.db.models import Sum
from django.test import Client
from wagtail.models import ModelLogEntry

from checkout import emails
from checkout.accounts.erasure import ERASE_ACTION, ERASED
from checkout.models import FulfilmentStatus, Invoice, LedgerEntry, Order, OrderLine, ShopOrder, Voucher
from checkout.vouchers.emails import send_voucher_reminder
from tests.checkout.accounts.scenario import PASSWORD, alice, bob  # noqa: F401 (fixtures)
from tests.checkout.voucher_fixtures import client_for, gift, merchant_of  # noqa: F401 (gift is a fixture)

ERASE = "/fr/compte/supprimer/"
PERSONAL = ("Alice", "Le Goff", "alice@example.org", "06 12 34 56 78", "Otages", "Yann", "Joyeux")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invoice_snapshot(orders) -> list:
    return list(Invoice.objects.filter(shop_order__order__in=orders).order_by("pk").values())


def pdf_bytes(orders) -> dict:
    found = {}
    for invoice in Invoice.objects.filter(shop_order__order__in=orders).order_by("pk"):
        with invoice.pdf.open("rb") as stored:
            found[invoice.number] = stored.read()
    return found


def ledger_sums() -> list:
    return list(
        LedgerEntry.objects.values("kind", "shop_order").annotate(total=Sum("amount")).order_by("shop_order", "kind")
    )


def merchant_csv(client) -> str:
    response = client.get("/admin/commandes/", {"export": "csv", "payment": "", "fulfilment_status": ""})
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8")


def without_personal_data(text: str) -> bool:
    return not [word for word in PERSONAL if word in text]


def test_erasure_needs_the_password_and_a_post(alice):
    client = logged_in(alice.user)
    # when she opens the page, then posts a wrong password
    page = client.get(ERASE)
    wrong = client.post(ERASE, {"password": "not-my-password"})
    # then the page shows what goes, the wrong password is refused and nothing changed
    assert page.status_code == 200 and page["Cache-Control"] == "private, no-store"
    assert "les données personnelles de 2 commandes seront effacés" in page.content.decode()
    assert wrong.status_code == 200
    assert wrong.context["form"].errors["password"] == ["Mot de passe incorrect : rien n'a été effacé."]
    assert User.objects.filter(pk=alice.user.pk).exists()
    assert Order.objects.filter(customer_name="Alice Le Goff", anonymised_at__isnull=True).count() == 2
    assert Voucher.objects.get().buyer_email == "alice@example.org"
    assert not ModelLogEntry.objects.filter(action=ERASE_ACTION).exists()
    # and nobody logged out cannot erase anything
    anonymous = Client().post(ERASE, {"password": PASSWORD})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/fr/compte/connexion/")
    assert Order.objects.filter(anonymised_at__isnull=True).count() == 2


def test_erasure_keeps_the_books_and_leaves_no_personal_data(alice, market):
    # given both merchants, Alice's invoices rendered and stored, and the ledger as it is
    orders = [alice.first, alice.gift_order]
    atelier = client_for(merchant_of(market.atelier, "atelier"))
    epicerie = client_for(merchant_of(market.epicerie, "epicerie"))
    for invoice in Invoice.objects.filter(shop_order__order__in=orders):
        response = Client().get(f"/fr/panier/commande/{invoice.shop_order.order.token}/factures/{invoice.pk}.pdf")
        assert response.status_code == 200
    invoices_before, pdfs_before, ledger_before = invoice_snapshot(orders), pdf_bytes(orders), ledger_sums()
    assert len(invoices_before) == 3 and all(pdfs_before.values())
    assert "Alice Le Goff" in merchant_csv(epicerie)
    assert atelier.get("/admin/bons/", {"search": "Le Goff"}).context["object_list"].count() == 1
    client = logged_in(alice.user)
    # when Alice confirms with her password
    response = client.post(ERASE, {"password": PASSWORD})
    # then she is logged out and her account is gone
    assert response.status_code == 200
    assert "Votre compte est supprimé" in response.content.decode()
    assert client.session.get("_auth_user_id") is None
    assert not User.objects.filter(pk=alice.user.pk).exists()
    # and the orders keep what was sold, not who bought it
    assert list(
        Order.objects.order_by("pk").values_list(
            "customer_name", "customer_email", "customer_phone", "customer_id", "total"
        )
    ) == [(ERASED, "", "", None, alice.first.total), (ERASED, "", "", None, alice.gift_order.total)]
    assert Order.objects.filter(anonymised_at__isnull=True).count() == 0
    assert list(ShopOrder.objects.order_by("pk").values_list("delivery_address", flat=True)) == ["", ERASED, ""]
    assert set(OrderLine.objects.values_list("beneficiary_name", "gift_message")) == {("", "")}
    voucher = Voucher.objects.get()
    assert (voucher.buyer_name, voucher.buyer_email, voucher.beneficiary_name, voucher.gift_message) == (
        ERASED,
        "",
        "",
        "",
    )
    assert (voucher.balance, voucher.status) == (voucher.amount, "active")
    # and invoices (rows and stored PDFs) and the ledger are exactly as they were
    assert invoice_snapshot(orders) == invoices_before
    assert invoices_before[0]["buyer"]["name"] == "Alice Le Goff"
    assert pdf_bytes(orders) == pdfs_before
    assert ledger_sums() == ledger_before
    # and the merchants' export, order page and voucher search show nothing of her
    exported = merchant_csv(epicerie)
    assert without_personal_data(exported) and ERASED in exported
    rows = list(csv.reader(io.StringIO(exported[1:]), delimiter=";"))
    assert rows[1][3:6] == [ERASED, "", ""] and rows[1][8] == ERASED
    shop_order = alice.first.shop_orders.get(shop__translation_key=market.epicerie.translation_key)
    detail = epicerie.get(f"/admin/commandes/{shop_order.pk}/").content.decode()
    assert without_personal_data(detail) and ERASED in detail
    listing = epicerie.get("/admin/commandes/").content.decode()
    assert without_personal_data(listing)
    assert atelier.get("/admin/bons/", {"search": "Le Goff"}).context["object_list"].count() == 0
    assert without_personal_data(atelier.get(f"/admin/bons/{voucher.pk}/").content.decode())
    # and the customer's order page says so
    page = Client().get(f"/fr/panier/commande/{alice.first.token}/").content.decode()
    assert without_personal_data(page) and "Données personnelles effacées." in page
    # and the erasure is in the log, without her name or address
    entry = ModelLogEntry.objects.get(action=ERASE_ACTION)
    assert (entry.object_id, entry.label, entry.user_id) == (
        str(alice.user.pk),
        f"Compte client n° {alice.user.pk}",
        None,
    )
    assert entry.data == {
        "scope": "account",
        "orders": [f"{alice.first.pk:06d}", f"{alice.gift_order.pk:06d}"],
        "vouchers": 1,
    }


def test_no_mail_reaches_an_erased_address(alice, market):
    # given Alice's account erased while her honey is still to be shipped
    logged_in(alice.user).post(ERASE, {"password": PASSWORD})
    mail.outbox.clear()
    shop_order = alice.first.shop_orders.get(shop__translation_key=market.epicerie.translation_key)
    ShopOrder.objects.filter(pk=shop_order.pk).update(fulfilment_status=FulfilmentStatus.SHIPPED)
    # when the shipping notice and a voucher reminder go out
    emails.send_shipped_notice(shop_order.pk)
    send_voucher_reminder(Voucher.objects.select_related("order_line__shop_order__order").get())
    # then no message is sent to anyone
    assert mail.outbox == []


def test_each_customer_erases_only_their_own_account(alice, bob):
    bob_user, bob_order = bob
    client = logged_in(bob_user)
    # Alice's password does not erase Bob's account, nor Alice's
    assert client.post(ERASE, {"password": "not-bobs"}).status_code == 200
    # Bob's own erasure touches his order only
    client.post(ERASE, {"password": PASSWORD})
    assert not User.objects.filter(pk=bob_user.pk).exists()
    assert User.objects.filter(pk=alice.user.pk).exists()
    assert list(Order.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True)) == [bob_order.pk]
    assert Order.objects.filter(customer=alice.user, customer_name="Alice Le Goff").count() == 2


def test_an_account_of_the_admin_cannot_be_erased_here(market):
    merchant = merchant_of(market.atelier, "atelier")
    client = logged_in(merchant)
    assert client.get(ERASE).status_code == 403
    assert client.post(ERASE, {"password": "secret"}).status_code == 403
    assert User.objects.filter(pk=merchant.pk, is_active=True).exists()


def test_erasure_forgets_the_login_throttles_records_of_the_account(alice, bob):
    from axes.models import AccessAttempt, AccessLog

    for name in ("alice@example.org", "bob@example.org"):
        AccessAttempt.objects.create(username=name, ip_address="203.0.113.9", failures_since_start=2,
                                     get_data="", post_data="", http_accept="", path_info="/fr/compte/connexion/")
        AccessLog.objects.create(username=name, ip_address="203.0.113.9", http_accept="", path_info="/fr/compte/")
    # when Alice erases her account
    response = logged_in(alice.user).post(ERASE, {"password": PASSWORD})
    # then the throttle no longer holds her address, and still holds Bob's
    assert response.status_code == 200 and not User.objects.filter(pk=alice.user.pk).exists()
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["bob@example.org"]
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["bob@example.org"]


def test_erasure_waits_for_an_order_the_merchant_has_still_to_hand_over(alice, market):
    from tests.checkout.accounts.scenario import FIRST_AT, paid_at
    from tests.checkout.helpers import two_shop_order

    # Given a third order of Alice's, paid and still to prepare
    third = paid_at(two_shop_order(market), FIRST_AT, handed_over=False)
    Order.objects.filter(pk=third.pk).update(customer=alice.user)
    client = logged_in(alice.user)
    # when she opens the page and posts her password anyway
    page = client.get(ERASE)
    refused = client.post(ERASE, {"password": PASSWORD})
    # then the page names the order, offers no form, and nothing is erased
    assert f"La commande n° {third.pk:06d} est en cours de paiement ou de préparation" in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    assert refused.status_code == 409
    assert User.objects.filter(pk=alice.user.pk).exists()
    assert not Order.objects.filter(anonymised_at__isnull=False).exists()
    # and once both shops have shipped, she can
    ShopOrder.objects.filter(order=third).update(fulfilment_status=FulfilmentStatus.SHIPPED)
    assert client.post(ERASE, {"password": PASSWORD}).status_code == 200
    assert Order.objects.filter(customer_name=ERASED).count() == 3
