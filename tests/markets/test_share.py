"""The merchant's "Share my shop" panel and the cover visual (1640x624) of a shop."""

import io

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from PIL import Image, ImageChops

from markets.merchants import make_merchant
from markets.models import TermsAcceptance, TermsVersion
from markets.visuals import COVER_SIZE, COVER_TEXT_WIDTH, shop_cover_png
from tests.fixtures import factories as f

GREEN = (30, 120, 60)


def cover(name: str, market: str = "Marché de Noël du Pays de Morlaix", photo=None) -> Image.Image:
    return Image.open(io.BytesIO(shop_cover_png(name, market, photo))).convert("RGB")


def test_the_cover_has_the_stated_size_and_draws_the_shops_name_on_its_text_band():
    with_name, without_name, other_name = cover("Ty Gwechall"), cover(""), cover("Fromagerie Le Gall")

    assert with_name.size == COVER_SIZE == (1640, 624)
    # The name changes pixels of the text band only, from its first line down (the market's name follows it),
    # never the garland above nor the tagline below; another name draws other pixels
    name_area = (60, 130, COVER_TEXT_WIDTH, 480)
    changed = ImageChops.difference(with_name, without_name).getbbox()
    assert changed is not None
    left, top, right, bottom = changed
    assert name_area[0] <= left and name_area[1] <= top and right <= name_area[2] and bottom <= name_area[3]
    assert ImageChops.difference(with_name, other_name).getbbox() is not None


def test_the_cover_shows_the_shops_photo_beside_the_text():
    photo = io.BytesIO(f.png_bytes(400, 300, GREEN))

    image = cover("Ty Gwechall", photo=photo)

    assert image.getpixel((1300, 312)) == GREEN  # right of the band: the photo, filling the cover
    assert image.getpixel((COVER_TEXT_WIDTH - 20, 312)) != GREEN  # the band, over the photo


def test_the_cover_of_a_live_shop_is_served_and_not_that_of_a_draft(tree, client):
    response = client.get(reverse("markets:shop_cover_visual", kwargs={"shop_id": tree.atelier_fr.pk}))

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1640, 624)
    draft = reverse("markets:shop_cover_visual", kwargs={"shop_id": tree.draft_shop.pk})
    assert client.get(draft).status_code == 404
    assert client.get(reverse("markets:shop_cover_visual", kwargs={"shop_id": 987654})).status_code == 404


@pytest.fixture
def merchant(tree):
    user = User.objects.create_user("kuehn", email="kuehn@example.org")
    for shop in (tree.atelier_fr, tree.draft_shop):
        make_merchant(user, shop)
    version = TermsVersion.objects.first() or TermsVersion.objects.create(
        version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z"
    )
    TermsAcceptance.objects.create(user=user, version=version)
    return user


def test_the_merchant_gets_the_link_texts_in_both_languages_and_the_visuals_of_their_live_shop(tree, client, merchant):
    client.force_login(merchant)

    html = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Partager ma boutique" in html
    french_url, english_url = tree.atelier_fr.full_url, tree.atelier_en.full_url
    assert f'value="{french_url}"' in html
    assert (
        "Atelier du Bois Flotté est sur le Marché de Noël du Pays de Morlaix ! Découvrez nos idées cadeaux et "
        f"commandez en ligne, à retirer en boutique ou livrées chez vous : {french_url}"
    ) in html
    assert (
        "Driftwood Workshop is on the Christmas market of the Morlaix area! Discover our gift ideas and order "
        f"online, for pick-up in store or delivery: {english_url}"
    ) in html
    assert f'href="/marches/visuel/{tree.atelier_fr.pk}.png" download' in html
    assert f'href="/marches/visuel/{tree.atelier_fr.pk}/couverture.png" download' in html
    # the draft has nothing to share yet, and another merchant's shop is not there
    assert tree.draft_shop.title not in html.split("share-panel-title")[1]
    assert "Café des Halles" not in html


def test_an_operator_has_no_share_panel(tree, client):
    client.force_login(User.objects.create_superuser("operator"))

    assert "share-panel-title" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_cover_of_a_shop_whose_photo_file_is_gone_is_drawn_without_it(tree, client):
    # Given the shop's photo file deleted from the storage (a media restore that missed it)
    image = tree.atelier_fr.cover_image
    image.file.storage.delete(image.file.name)
    image.renditions.all().delete()

    response = client.get(reverse("markets:shop_cover_visual", kwargs={"shop_id": tree.atelier_fr.pk}))

    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (1640, 624)
