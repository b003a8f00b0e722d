"""The card helpers of portal_tags: `choice_label` and `{% card_image %}` write what Django's and Wagtail's would."""

import pytest
from django.template import Context, Template
from django.utils import translation
from wagtail.images import get_image_model

from shops.models import DeliveryKind, DeliveryOption, ShopCategory, ShopPage
from tests.fixtures.factories import make_image

pytestmark = pytest.mark.django_db  # a page instance reads its default locale


def render(source: str, **context) -> str:
    return Template("{% load wagtailimages_tags portal_tags %}" + source).render(Context(context))


def test_choice_label_is_the_display_of_the_active_language():
    """Labels are kept per process and language: switching language gives the other language's label."""
    shop = ShopPage(category=ShopCategory.FOOD)
    option = DeliveryOption(kind=DeliveryKind.PICKUP)
    with translation.override("fr"):
        assert render('{{ shop|choice_label:"category" }}', shop=shop) == "Épicerie et produits du terroir"
        assert render('{{ option|choice_label:"kind" }}', option=option) == option.get_kind_display()
    with translation.override("en"):
        assert render('{{ shop|choice_label:"category" }}', shop=shop) == "Grocery and local produce"
        assert render('{{ shop|choice_label:"category" }}', shop=shop) == shop.get_category_display()
    with translation.override("fr"):
        assert render('{{ shop|choice_label:"category" }}', shop=shop) == "Épicerie et produits du terroir"


def test_choice_label_of_a_value_outside_the_choices_is_the_value():
    assert render('{{ shop|choice_label:"category" }}', shop=ShopPage(category="gone")) == "gone"


def test_card_image_writes_the_image_tags_img(settings, tmp_path):
    """Prefetched or not, the same <img> as `{% image %}`, with the same rendition."""
    settings.MEDIA_ROOT = tmp_path
    image = make_image("Vitrine")
    expected = render('{% image image fill-480x320 class="card__image" loading="lazy" %}', image=image)
    assert expected.startswith("<img ") and 'class="card__image"' in expected

    assert render('{% card_image image "fill-480x320" class="card__image" loading="lazy" %}', image=image) == expected
    prefetched = get_image_model().objects.prefetch_renditions("fill-480x320").get(pk=image.pk)
    assert (
        render('{% card_image image "fill-480x320" class="card__image" loading="lazy" %}', image=prefetched) == expected
    )
    # Another size than the one prefetched: found or made as `{% image %}` would.
    other = render('{% card_image image "fill-120x80" alt="" %}', image=prefetched)
    assert other == render('{% image image fill-120x80 alt="" %}', image=image)
    assert 'width="16"' in other or 'width="120"' in other


def test_card_image_of_no_image_is_empty():
    assert render('{% card_image image "fill-480x320" %}', image=None) == ""
