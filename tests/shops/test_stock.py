import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from wagtail.models import PageLogEntry

from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from shops.models import DEFAULT_ALERT_THRESHOLD, ProductStock
from shops.stock import NOT_SET, Availability, StockLevel, availability_of, stock_levels
from shops.stock_admin import ALERT_THRESHOLD_ACTION
from tests.fixtures import factories as f


@pytest.mark.parametrize(
    ("quantity", "in_stock", "unlimited", "low"),
    [(None, True, True, False), (0, False, False, False), (1, True, False, True), (3, True, False, True), (4, True, False, False)],
)
def test_availability_flags(quantity, in_stock, unlimited, low):
    availability = Availability(quantity)

    assert (availability.in_stock, availability.unlimited, availability.low) == (in_stock, unlimited, low)


def test_a_product_without_stock_row_is_not_for_sale():
    assert Availability(0) == NOT_SET
    assert NOT_SET.in_stock is False
    assert NOT_SET.unlimited is False


class Product:
    def __init__(self, key):
        self.translation_key = key


def test_availability_of_reads_every_product_in_one_query(db, django_assert_num_queries):
    # given products with a counted stock, an unlimited one, an empty one and one without row
    counted, unlimited, empty, unset = (uuid.uuid4() for _ in range(4))
    ProductStock.objects.create(translation_key=counted, quantity=7, sold=3)
    ProductStock.objects.create(translation_key=unlimited, quantity=None)
    ProductStock.objects.create(translation_key=empty, quantity=0, sold=12)
    ProductStock.objects.create(translation_key=uuid.uuid4(), quantity=99)  # another product

    # when their availability is read
    with django_assert_num_queries(1):
        result = availability_of([Product(counted), Product(unlimited), Product(empty), Product(unset)])

    # then each gets its own, and only those asked for are returned
    assert result == {
        counted: Availability(7),
        unlimited: Availability(None),
        empty: Availability(0),
        unset: NOT_SET,
    }


def test_stock_row_is_unique_per_translation_key(db):
    from django.db import IntegrityError, transaction

    key = uuid.uuid4()
    ProductStock.objects.create(translation_key=key, quantity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductStock.objects.create(translation_key=key, quantity=2)
    assert ProductStock.objects.get(translation_key=key).quantity == 1


@pytest.mark.parametrize(
    ("quantity", "threshold", "alert", "sold_out"),
    [(4, 3, False, False), (3, 3, True, False), (2, 3, True, False), (0, 0, True, True), (1, 0, False, False),
     (None, 9999, False, False)],
)
def test_stock_level_is_in_alert_at_or_under_its_threshold(quantity, threshold, alert, sold_out):
    level = StockLevel(quantity=quantity, sold=0, alert_threshold=threshold)

    assert (level.alert, level.sold_out) == (alert, sold_out)


def test_stock_levels_reads_the_rows_in_one_query_and_leaves_out_products_without_one(db, django_assert_num_queries):
    counted, unlimited, unset = (uuid.uuid4() for _ in range(3))
    ProductStock.objects.create(translation_key=counted, quantity=2, sold=5, alert_threshold=2)
    ProductStock.objects.create(translation_key=unlimited, quantity=None)

    with django_assert_num_queries(1):
        levels = stock_levels([counted, unlimited, unset])

    assert levels == {counted: StockLevel(2, 5, 2), unlimited: StockLevel(None, 0, DEFAULT_ALERT_THRESHOLD)}


# The stock screen: a merchant sets the alert threshold of their own products, next to the quantity.


@pytest.fixture
def merchants(db):
    """Two shops of one market, each with its merchant (terms accepted) and products."""
    home = f.french_home()
    market = f.make_market(home, f.make_territory("Pays de Morlaix"), title="Marché de Morlaix")
    version = TermsVersion.objects.create(version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    world = {}
    for key, title in (("own", "Fromagerie Kuehn"), ("other", "Atelier voisin")):
        shop = f.make_shop(market, title)
        user = User.objects.create_user(f"merchant_{key}")
        make_merchant(user, shop)
        TermsAcceptance.objects.create(user=user, version=version)
        client = Client()
        client.force_login(user)
        world[key] = {"shop": shop, "user": user, "client": client,
                      "product": f.make_product(shop, f"Tomme {key}", stock=8)}
    world["unset"] = f.make_product(world["own"]["shop"], "Munster fermier", stock=False)
    return world


def stock_row(product):
    return ProductStock.objects.filter(translation_key=product.translation_key).values_list(
        "quantity", "alert_threshold").first()


def threshold_logs(product):
    return list(PageLogEntry.objects.filter(page=product, action=ALERT_THRESHOLD_ACTION).values_list("data", flat=True))


def test_a_merchant_sets_the_threshold_of_their_product_without_touching_its_quantity(merchants):
    own = merchants["own"]
    url = reverse("shops_stock_edit", args=[own["product"].pk])
    # Given the form open with the quantity at 8, then a sale of 3 units while the merchant types
    form = own["client"].get(url)
    assert form.status_code == 200
    assert 'name="alert_threshold" value="3"' in form.content.decode()
    ProductStock.objects.filter(translation_key=own["product"].translation_key).update(quantity=5)

    # When they set the threshold alone
    response = own["client"].post(url, {"operation": "set", "quantity": "", "alert_threshold": "6"}, follow=True)

    # Then the threshold is theirs, the sale is kept, the change is logged once and said
    assert response.redirect_chain == [(reverse("shops_stock"), 302)]
    assert stock_row(own["product"]) == (5, 6)
    assert threshold_logs(own["product"]) == [{"alert_threshold": 6}]
    assert [str(m).strip() for m in response.context["messages"]] == [
        "Alerte de stock de « Tomme own » : à 6 unité(s) ou moins."]
    # and the stock screen shows the product in alert, next to its threshold
    row = response.content.decode().split(f'id="stock-{own["product"].pk}"')[1].split("</tr>")[0]
    assert "<td>5 <span" in row and "à réapprovisionner" in row and "6 unités ou moins" in row

    # When the same threshold comes again with a stock change, only the stock changes
    own["client"].post(url, {"operation": "add", "quantity": "10", "alert_threshold": "6"})
    assert stock_row(own["product"]) == (15, 6)
    assert len(threshold_logs(own["product"])) == 1


def test_setting_the_threshold_of_a_product_without_stock_row_makes_one_not_for_sale(merchants):
    own = merchants["own"]

    response = own["client"].post(reverse("shops_stock_edit", args=[merchants["unset"].pk]),
                                  {"operation": "set", "alert_threshold": "0"})

    assert response.status_code == 302
    assert stock_row(merchants["unset"]) == (0, 0)


def test_a_merchant_cannot_set_another_merchants_threshold(merchants):
    own, other = merchants["own"], merchants["other"]

    response = own["client"].post(reverse("shops_stock_edit", args=[other["product"].pk]),
                                  {"operation": "set", "quantity": "1", "alert_threshold": "50"})
    page = own["client"].get(reverse("shops_stock_edit", args=[other["product"].pk]))
    listing = own["client"].get(reverse("shops_stock")).content.decode()

    assert (response.status_code, page.status_code) == (404, 404)
    assert stock_row(other["product"]) == (8, DEFAULT_ALERT_THRESHOLD)
    assert threshold_logs(other["product"]) == []
    assert "Tomme other" not in listing and "Tomme own" in listing


@pytest.mark.parametrize("value", ["-1", "10000", "abc", "2.5", "99999999999999999999"])
def test_a_bad_threshold_is_refused_with_a_message_and_changes_nothing(merchants, value):
    own = merchants["own"]

    response = own["client"].post(reverse("shops_stock_edit", args=[own["product"].pk]),
                                  {"operation": "set", "quantity": "2", "alert_threshold": value})

    assert response.status_code == 400
    assert response.context["form"].errors == {"alert_threshold": ["Le seuil d'alerte est un nombre entier de 0 à 9999."]}
    assert "Le seuil d&#x27;alerte est un nombre entier de 0 à 9999." in response.content.decode()
    assert stock_row(own["product"]) == (8, DEFAULT_ALERT_THRESHOLD)


def test_neither_a_quantity_nor_a_threshold_is_refused(merchants):
    own = merchants["own"]

    response = own["client"].post(reverse("shops_stock_edit", args=[own["product"].pk]),
                                  {"operation": "set", "quantity": "", "alert_threshold": ""})

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Indiquez une quantité ou un seuil d'alerte."]
    assert stock_row(own["product"]) == (8, DEFAULT_ALERT_THRESHOLD)


@pytest.mark.parametrize("path", ["/admin/stock/99999999999999999999/", "/admin/stock/2147483648/",
                                  "/admin/stock/-1/", "/admin/stock/0/"])
def test_out_of_range_product_ids_are_not_found(merchants, path):
    own = merchants["own"]

    for response in (own["client"].get(path), own["client"].post(path, {"operation": "set", "alert_threshold": "1"})):
        assert response.status_code == 404, response
    assert stock_row(own["product"]) == (8, DEFAULT_ALERT_THRESHOLD)
