import uuid

import pytest

from shops.models import ProductStock
from shops.stock import NOT_SET, Availability, availability_of


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
