"""Buying a gift voucher: a free amount checked on the server, a beneficiary and a message up to the voucher."""

from decimal import Decimal

import pytest

from checkout.basket import SESSION_KEY, BasketEntry
from checkout.models import Order, OrderLine
from checkout.pricing import BasketError, BasketLine, price_items
from shops.models import DeliveryKind
from tests.checkout import voucher_fixtures
from tests.checkout.voucher_fixtures import pay, vouchers_of
from tests.fixtures import factories as f

ADD = "/fr/panier/ajouter/"
BASKET = "/fr/panier/"
CHECKOUT = "/fr/panier/validation/"

gift = voucher_fixtures.gift  # the atelier's fixed 50.00 voucher


@pytest.fixture
def free_gift(market):
    """The atelier's voucher at a free amount from 10.00 to 200.00 (50.00 shown first)."""
    return f.make_product(
        market.atelier, "Bon cadeau libre", price="50.00", kind="voucher", stock=None,
        voucher_min_amount=Decimal("10.00"), voucher_max_amount=Decimal("200.00"),
    )


def lines_of(client) -> list[dict]:
    return (client.session.get(SESSION_KEY) or {}).get("lines", [])


def add(client, product, quantity=1, **extra):
    return client.post(ADD, {"product": product.pk, "quantity": quantity, **extra}, follow=True)


def check_out(client, m) -> Order:
    """Checkout of a basket of atelier lines, picked up; the order placed."""
    response = client.post(
        CHECKOUT,
        {
            f"shop-{m.atelier.pk}-option": m.option(m.atelier, DeliveryKind.PICKUP).pk,
            "name": "Alice Le Goff",
            "email": "alice@example.org",
            "phone": "",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_free_amount_in_range_is_accepted_and_charged(client, market, free_gift):
    response = add(client, free_gift, 2, amount="75,50")
    assert lines_of(client) == [
        {"key": str(free_gift.translation_key), "quantity": 2, "options": {}, "amount": "75.50",
         "beneficiary": "", "message": ""}
    ]
    assert messages_of(response) == ["Ajouté à votre panier : Bon cadeau libre."]
    assert "151,00" in response.content.decode()  # the basket page: 2 × 75,50 €

    order = check_out(client, market)
    line = OrderLine.objects.get()
    assert (line.unit_price, line.quantity, line.total) == (Decimal("75.50"), 2, Decimal("151.00"))
    assert order.total == Decimal("151.00")
    pay(order)
    assert [(v.amount, v.balance) for v in vouchers_of(order)] == [(Decimal("75.50"), Decimal("75.50"))] * 2


@pytest.mark.parametrize("amount", ["10", "200.00"])
def test_the_bounds_themselves_are_accepted(client, market, free_gift, amount):
    add(client, free_gift, 1, amount=amount)
    assert [line["amount"] for line in lines_of(client)] == [str(Decimal(amount).quantize(Decimal("0.01")))]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("9.99", "« Bon cadeau libre » : Choisissez un montant entre 10,00\xa0€ et 200,00\xa0€."),
        ("200.01", "« Bon cadeau libre » : Choisissez un montant entre 10,00\xa0€ et 200,00\xa0€."),
        ("1e3", "« Bon cadeau libre » : Choisissez un montant entre 10,00\xa0€ et 200,00\xa0€."),
        ("-20", "« Bon cadeau libre » : Indiquez un montant positif, au centime près."),
        ("0", "« Bon cadeau libre » : Indiquez un montant positif, au centime près."),
        ("20.005", "« Bon cadeau libre » : Indiquez un montant positif, au centime près."),
        ("NaN", "« Bon cadeau libre » : Indiquez un montant en euros, par exemple 12,50."),
        ("vingt", "« Bon cadeau libre » : Indiquez un montant en euros, par exemple 12,50."),
        ("", "« Bon cadeau libre » : Indiquez un montant en euros, par exemple 12,50."),
        (None, "« Bon cadeau libre » : Indiquez un montant en euros, par exemple 12,50."),
    ],
)
def test_a_bad_amount_is_refused_with_nothing_added(client, market, free_gift, amount, message):
    add(client, market.santon, 1)
    before = lines_of(client)
    extra = {} if amount is None else {"amount": amount}
    response = add(client, free_gift, 1, **extra)
    assert lines_of(client) == before
    assert messages_of(response) == [message]


def test_a_tampered_price_is_ignored(client, market, gift, free_gift):
    # a fixed-price voucher and a product with an amount and a price posted: both ignored
    add(client, gift, 1, amount="1.00", price="1.00", unit_price="1.00")
    add(client, market.santon, 1, amount="1.00", price="1.00")
    # a free-amount voucher with a price posted beside its amount: the amount is what is charged
    add(client, free_gift, 1, amount="20", price="1.00", total="1.00")
    assert [line.get("amount", "") for line in lines_of(client)] == ["", "", "20.00"]
    order = check_out(client, market)
    assert order.total == Decimal("82.50")  # 50.00 + 12.50 + 20.00
    assert sorted(OrderLine.objects.values_list("unit_price", flat=True)) == [
        Decimal("12.50"), Decimal("20.00"), Decimal("50.00")
    ]


def test_pricing_checks_the_amount_again(market, gift, free_gift):
    territory = market.territory.pk
    with pytest.raises(BasketError, match="entre 10,00\xa0€ et 200,00\xa0€"):
        price_items(territory, [BasketLine(free_gift.pk, 1, amount="500")])
    with pytest.raises(BasketError):
        price_items(territory, [BasketLine(free_gift.pk, 1, amount=0.5)])  # never a float
    [item] = price_items(territory, [BasketLine(gift.pk, 1, amount="1"), BasketLine(free_gift.pk, 1)])
    # a fixed price ignores any amount; a free amount not given is the amount shown first
    assert [line.unit_price for line in item.lines] == [Decimal("50.00"), Decimal("50.00")]


def test_a_bound_narrowed_after_adding_drops_the_line(client, market, free_gift):
    add(client, free_gift, 1, amount="150")
    free_gift.voucher_max_amount = Decimal("100.00")
    free_gift.save_revision().publish()
    response = client.get(BASKET)
    assert lines_of(client) == []
    assert messages_of(response) == ["« Bon cadeau libre » n'est plus en vente et a été retiré de votre panier."]


def test_beneficiary_and_message_reach_the_order_line_and_the_voucher(client, market, free_gift):
    add(client, free_gift, 1, amount="30", beneficiary="  Yann   Le Goff ", message="Joyeux Noël !\nÀ bientôt.")
    add(client, free_gift, 1, amount="30", beneficiary="Nolwenn Kerjean", message="")
    add(client, free_gift, 1, amount="30", beneficiary="Yann Le Goff", message="Joyeux Noël !\nÀ bientôt.")
    # two beneficiaries, two lines; the same beneficiary and message again, one more unit
    assert [(line["quantity"], line["beneficiary"]) for line in lines_of(client)] == [
        (2, "Yann Le Goff"), (1, "Nolwenn Kerjean")
    ]
    html = client.get(BASKET).content.decode()
    assert "Pour Yann Le Goff" in html and "Pour Nolwenn Kerjean" in html

    order = check_out(client, market)
    assert order.total == Decimal("90.00")
    assert list(OrderLine.objects.order_by("pk").values_list("beneficiary_name", "gift_message", "quantity")) == [
        ("Yann Le Goff", "Joyeux Noël !\nÀ bientôt.", 2),
        ("Nolwenn Kerjean", "", 1),
    ]
    pay(order)
    assert [(v.beneficiary_name, v.gift_message, v.amount) for v in vouchers_of(order)] == [
        ("Yann Le Goff", "Joyeux Noël !\nÀ bientôt.", Decimal("30.00")),
        ("Yann Le Goff", "Joyeux Noël !\nÀ bientôt.", Decimal("30.00")),
        ("Nolwenn Kerjean", "", Decimal("30.00")),
    ]
    # the order page lists the vouchers, for whom, with their codes
    page = client.get(f"/fr/panier/commande/{order.token}/").content.decode()
    assert "Vos bons et prestations" in page and "pour Nolwenn Kerjean" in page
    for voucher in vouchers_of(order):
        assert voucher.code[:4] in page


def test_a_service_keeps_a_beneficiary_a_product_does_not(client, market):
    add(client, market.atelier_visite, 1, beneficiary="Yann", message="Bonne visite", amount="1")
    add(client, market.miel, 1, beneficiary="Yann", message="Bonne dégustation")
    assert [(line.get("amount", ""), line.get("beneficiary", ""), line.get("message", "")) for line in lines_of(client)] == [
        ("", "Yann", "Bonne visite"),
        ("", "", ""),
    ]


@pytest.mark.parametrize(("field", "length"), [("beneficiary", 201), ("message", 501)])
def test_too_long_beneficiary_or_message_refused_with_nothing_added(client, market, gift, field, length):
    response = add(client, gift, 1, **{field: "x" * length})
    assert lines_of(client) == []
    assert "ne doit pas dépasser" in messages_of(response)[0]


def test_a_fixed_amount_voucher_is_unchanged(client, market, gift):
    add(client, gift, 2)
    # stored and identified as before free amounts existed
    assert lines_of(client) == [{"key": str(gift.translation_key), "quantity": 2, "options": {}}]
    entry = BasketEntry(str(gift.translation_key), 2)
    assert f'value="{entry.line_id}"' in client.get(BASKET).content.decode()
    order = check_out(client, market)
    assert order.total == Decimal("100.00")
    pay(order)
    assert [(v.amount, v.beneficiary_name) for v in vouchers_of(order)] == [(Decimal("50.00"), "")] * 2


def test_the_product_page_asks_an_amount_only_for_a_free_amount_voucher(client, market, gift, free_gift):
    free_html = client.get(free_gift.url).content.decode()
    assert 'name="amount"' in free_html and 'min="10.00"' in free_html and 'max="200.00"' in free_html
    assert "Montant libre, de 10,00\xa0€ à 200,00\xa0€" in free_html
    assert 'name="beneficiary"' in free_html and 'name="message"' in free_html
    fixed_html = client.get(gift.url).content.decode()
    assert 'name="amount"' not in fixed_html and 'name="beneficiary"' in fixed_html
    product_html = client.get(market.santon.url).content.decode()
    assert 'name="amount"' not in product_html and 'name="beneficiary"' not in product_html
