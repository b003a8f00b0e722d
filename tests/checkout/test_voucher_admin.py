"""The merchant's "Bons et prestations": check a code, redeem, list, export; other shops' vouchers stay out of reach."""

import csv
import html
import io
from decimal import Decimal

import pytest
from wagtail.admin.menu import admin_menu

from checkout.models import Redemption, Voucher, VoucherStatus
from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import client_for, order_of, pay, vouchers_of

INDEX = "/admin/bons/"
LOOKUP = "/admin/bons/verifier/"

atelier_merchant = voucher_fixtures.atelier_merchant
epicerie_merchant = voucher_fixtures.epicerie_merchant
gift = voucher_fixtures.gift


def inspect_url(voucher):
    return f"/admin/bons/{voucher.pk}/"


def redeem_url(voucher):
    return f"/admin/bons/{voucher.pk}/utiliser/"


@pytest.fixture
def sold(market, gift):
    """Two atelier gift vouchers bought by Alice (one for Yann), one épicerie service."""
    order = order_of(market, [(gift, 2)])
    order.shop_orders.get().lines.update(beneficiary_name="Yann")
    pay(order)
    service_order = order_of(market, [(market.atelier_visite, 1)])
    pay(service_order)
    return vouchers_of(order), vouchers_of(service_order)[0]


def test_menu_shows_vouchers_to_merchants_only(rf, sold, atelier_merchant, django_user_model):
    from django.urls import reverse

    reverse("bons:index")  # the viewset's menu item exists once the admin URLs are loaded
    request = rf.get("/admin/")
    request.user = atelier_merchant
    assert "vouchers" in [item.name for item in admin_menu.menu_items_for_request(request)]
    request.user = django_user_model.objects.create_user("visitor")
    assert "vouchers" not in [item.name for item in admin_menu.menu_items_for_request(request)]


def test_lookup_opens_the_voucher_and_redeem_takes_part_of_it(sold, atelier_merchant):
    (first, _second), _service = sold
    client = client_for(atelier_merchant)
    # when the merchant types the code in groups, lower case
    response = client.post(LOOKUP, {"code": first.display_code.lower()})
    # then they land on the voucher
    assert response.status_code == 302
    assert response["Location"] == inspect_url(first)
    page = client.get(inspect_url(first))
    assert page.status_code == 200
    html = page.content.decode()
    assert first.display_code in html
    assert "Yann" in html
    assert "50,00\xa0€" in html
    # when they take 12,50 (French decimal comma) from the 50,00 they were shown
    response = client.post(redeem_url(first), {"amount": "12,50", "shown_balance": "50.00"}, follow=True)
    first.refresh_from_db()
    assert first.balance == Decimal("37.50")
    assert "12,50\xa0€ utilisés sur le bon" in response.content.decode()
    assert list(Redemption.objects.values_list("voucher_id", "amount", "by__username")) == [
        (first.pk, Decimal("12.50"), "atelier")
    ]


def test_lookup_refusals_are_shown(sold, atelier_merchant, epicerie_merchant):
    (first, _second), service = sold
    client = client_for(atelier_merchant)
    response = client.post(LOOKUP, {"code": "ABCD"})
    assert response.status_code == 200
    assert "Ce code n&#x27;est pas valide" in response.content.decode()
    response = client.post(LOOKUP, {"code": service.code})
    assert "Ce bon a été émis par une autre boutique" in response.content.decode()


def test_lookup_is_rate_limited_with_429_but_a_real_code_still_opens(sold, atelier_merchant, settings):
    from checkout.vouchers.services import generate_code

    settings.VOUCHER_LOOKUP_LIMIT = 3
    (first, _second), _service = sold
    client = client_for(atelier_merchant)
    for _ in range(3):
        assert "Aucun bon ne correspond" in client.post(LOOKUP, {"code": generate_code()}).content.decode()
    response = client.post(LOOKUP, {"code": generate_code()})
    assert response.status_code == 429
    assert response.context["form"].errors["code"] == [
        "Trop de codes inconnus saisis : réessayez dans 10 minutes. Les codes des bons de votre boutique restent reconnus."
    ]
    response = client.post(LOOKUP, {"code": first.code})
    assert (response.status_code, response["Location"]) == (302, inspect_url(first))


def test_redeeming_a_service_takes_it_whole(sold, epicerie_merchant):
    _gifts, service = sold
    client = client_for(epicerie_merchant)
    page = client.get(inspect_url(service)).content.decode()
    assert '<input type="hidden" name="shown_balance" value="15.00"' in page
    assert 'name="amount"' not in page
    client.post(redeem_url(service), {"shown_balance": "15.00"})
    service.refresh_from_db()
    assert (service.balance, service.status) == (Decimal("0.00"), VoucherStatus.USED)
    # the same form sent again takes nothing
    response = client.post(redeem_url(service), {"shown_balance": "15.00"}, follow=True)
    assert "Ce bon a déjà été entièrement utilisé." in response.content.decode()
    assert list(Redemption.objects.values_list("voucher_id", "amount")) == [(service.pk, Decimal("15.00"))]


def test_over_balance_is_refused_in_the_admin(sold, atelier_merchant):
    (first, _second), _service = sold
    response = client_for(atelier_merchant).post(redeem_url(first), {"amount": "60", "shown_balance": "50.00"})
    assert response.status_code == 200
    assert response.context["redeem_form"].errors == {
        "amount": ["Le solde de ce bon est de 50,00\xa0€ : vous ne pouvez pas utiliser 60,00\xa0€."]
    }
    assert messages_of(response) == ["Le bon n'a pas été utilisé : corrigez le formulaire ci-dessous."]
    first.refresh_from_db()
    assert first.balance == Decimal("50.00")
    assert Redemption.objects.count() == 0


def redeem_post(client, voucher, amount, shown="50.00", **extra):
    return client.post(redeem_url(voucher), {"amount": amount, "shown_balance": shown, **extra})


def messages_of(response):
    # Wagtail's admin messages are HTML-escaped when stored.
    return [html.unescape(str(m)).strip() for m in response.context["messages"]]


def test_an_empty_amount_is_refused_and_nothing_is_redeemed(sold, atelier_merchant):
    (first, _second), _service = sold
    client = client_for(atelier_merchant)
    for empty in ({"amount": ""}, {"amount": "   "}, {}):
        response = client.post(redeem_url(first), {"shown_balance": "50.00", "whole_balance": "on", **empty})
        assert response.status_code == 200
        assert response.context["redeem_form"].errors == {
            "amount": ["Indiquez le montant utilisé, par exemple 12,50."]
        }
    first.refresh_from_db()
    assert (first.balance, first.status) == (Decimal("50.00"), VoucherStatus.ACTIVE)
    assert Redemption.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("0", "Indiquez un montant positif, au centime près."),
        ("-5", "Indiquez un montant positif, au centime près."),
        ("12,505", "Indiquez un montant positif, au centime près."),
        ("douze", "Indiquez un montant en euros, par exemple 12,50."),
        ("NaN", "Indiquez un montant en euros, par exemple 12,50."),
        ("1e100", "Montant invalide."),
        ("50,01", "Le solde de ce bon est de 50,00\xa0€ : vous ne pouvez pas utiliser 50,01\xa0€."),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_redeemed(sold, atelier_merchant, amount, error):
    (first, _second), _service = sold
    response = redeem_post(client_for(atelier_merchant), first, amount, whole_balance="on")
    assert response.context["redeem_form"].errors == {"amount": [error]}
    first.refresh_from_db()
    assert first.balance == Decimal("50.00")
    assert Redemption.objects.count() == 0


def test_the_whole_balance_needs_the_confirmation(sold, atelier_merchant):
    (first, _second), _service = sold
    client = client_for(atelier_merchant)
    page = client.get(inspect_url(first)).content.decode()
    assert "Je confirme utiliser tout le solde" in page
    # when the merchant types the whole balance without ticking the box
    response = redeem_post(client, first, "50")
    # then nothing is taken and the box is asked for
    assert response.status_code == 200
    assert response.context["redeem_form"].errors == {
        "whole_balance": [
            "Ce montant est tout le solde du bon (50,00\xa0€) : cochez « Je confirme utiliser tout le solde » pour l'utiliser."
        ]
    }
    first.refresh_from_db()
    assert (first.balance, first.status) == (Decimal("50.00"), VoucherStatus.ACTIVE)
    assert Redemption.objects.count() == 0
    # when they tick it
    response = redeem_post(client, first, "50,00", whole_balance="on")
    # then exactly the balance is taken and the voucher is used
    assert (response.status_code, response["Location"]) == (302, inspect_url(first))
    first.refresh_from_db()
    assert (first.balance, first.status) == (Decimal("0.00"), VoucherStatus.USED)
    assert list(Redemption.objects.values_list("voucher_id", "amount")) == [(first.pk, Decimal("50.00"))]


def test_the_box_alone_takes_only_the_amount_typed(sold, atelier_merchant):
    (first, _second), _service = sold
    redeem_post(client_for(atelier_merchant), first, "10", whole_balance="on")
    first.refresh_from_db()
    assert (first.balance, first.status) == (Decimal("40.00"), VoucherStatus.ACTIVE)


def test_the_same_form_sent_twice_takes_the_amount_once(sold, atelier_merchant):
    (first, _second), _service = sold
    client = client_for(atelier_merchant)
    # given the form shown with a balance of 50,00, sent twice (double click, reload)
    response = client.post(redeem_url(first), {"amount": "12,50", "shown_balance": "50.00"}, follow=True)
    assert messages_of(response) == [f"12,50\xa0€ utilisés sur le bon {first.display_code} ; solde restant : 37,50\xa0€."]
    response = client.post(redeem_url(first), {"amount": "12,50", "shown_balance": "50.00"}, follow=True)
    # then the second one takes nothing and says why
    assert messages_of(response) == [
        "Le solde de ce bon a changé entre-temps : il est maintenant de 37,50\xa0€. Rien n'a été utilisé ; vérifiez-le avant de recommencer."
    ]
    first.refresh_from_db()
    assert first.balance == Decimal("37.50")
    assert list(Redemption.objects.values_list("amount", flat=True)) == [Decimal("12.50")]
    # and a form without the balance shown is refused too
    response = client.post(redeem_url(first), {"amount": "1"})
    assert response.context["redeem_form"].errors == {"shown_balance": ["Rechargez la page du bon, puis recommencez."]}
    first.refresh_from_db()
    assert first.balance == Decimal("37.50")


def test_the_whole_balance_sent_twice_is_taken_once(sold, atelier_merchant):
    (first, _second), _service = sold
    client = client_for(atelier_merchant)
    redeem_post(client, first, "50", whole_balance="on")
    response = redeem_post(client, first, "50", whole_balance="on")
    # the voucher is used up: no form any more, the page says so
    assert response.status_code == 200
    assert response.context["redeem_form"] is None
    assert "Ce bon a déjà été entièrement utilisé." in response.content.decode()
    assert list(Redemption.objects.values_list("amount", flat=True)) == [Decimal("50.00")]


def test_other_shops_vouchers_answer_404_and_change_nothing(sold, epicerie_merchant):
    (first, second), service = sold
    client = client_for(epicerie_merchant)
    for voucher in (first, second):
        assert client.get(inspect_url(voucher), follow=True).status_code == 404
        assert client.post(redeem_url(voucher), {"amount": "1"}, follow=True).status_code == 404
    assert Voucher.objects.get(pk=first.pk).balance == Decimal("50.00")
    assert Redemption.objects.count() == 0
    listed = client.get(INDEX)
    assert [x.pk for x in listed.context["object_list"]] == [service.pk]


def test_a_visitor_without_a_shop_is_refused(sold, django_user_model):
    (first, _second), _service = sold
    user = django_user_model.objects.create_user("visitor")
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = client_for(user)
    for url in (INDEX, LOOKUP):
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get(inspect_url(first), follow=True).status_code == 404


def test_list_filters_and_csv_export(sold, atelier_merchant):
    (first, second), _service = sold
    client = client_for(atelier_merchant)
    Voucher.objects.filter(pk=second.pk).update(balance=0, status=VoucherStatus.USED)
    listed = client.get(INDEX)
    assert sorted(x.pk for x in listed.context["object_list"]) == sorted([first.pk, second.pk])
    assert [x.pk for x in client.get(INDEX, {"state": "used"}).context["object_list"]] == [second.pk]
    assert [x.pk for x in client.get(INDEX, {"state": "active"}).context["object_list"]] == [first.pk]
    assert [x.pk for x in client.get(INDEX, {"state": "expired"}).context["object_list"]] == []
    assert [x.pk for x in client.get(INDEX, {"search": "yann"}).context["object_list"]] == sorted(
        [first.pk, second.pk], reverse=True
    )

    response = client.get(INDEX, {"export": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0] == [
        "Code", "Désignation", "Type", "Acheteur", "E-mail de l'acheteur", "Bénéficiaire", "Montant", "Solde",
        "Statut", "Valable jusqu'au", "N° de commande", "Émis le",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert set(by_code) == {first.display_code, second.display_code}
    assert by_code[first.display_code][1:10] == [
        "Bon cadeau Atelier", "Bon cadeau", "Alice Le Goff", "alice@example.org", "Yann", "50,00", "50,00",
        "Valable", "30/06/2027",
    ]
    assert by_code[second.display_code][7:9] == ["0,00", "Utilisé"]
