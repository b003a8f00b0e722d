"""The photo sent with a registration: kept privately, shown to the editors of its territory only."""

from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from markets.models import MerchantRegistration
from portal.private_storage import private_storage
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, portal, registration_data, registration_url


def test_the_photo_is_private_and_shown_to_the_territorys_editors_only(client, db):
    # given a registration sent to Morlaix with its photo
    territory, market_fr, _market_en = portal()
    client.post(registration_url(market_fr), registration_data(1))
    registration = MerchantRegistration.objects.get()
    name = registration.photo.name

    # then the file is in the private storage, not among the public media
    assert private_storage().exists(name) and not default_storage.exists(name)

    # the territory's editor sees it on the registration, through the checking view
    photo_url = reverse("registrations:photo", args=[registration.pk])
    editor = Client()
    editor.force_login(editor_of(territory))
    assert f'src="{photo_url}"' in editor.get(reverse("registrations:inspect", args=[registration.pk])).content.decode()
    with private_storage().open(name, "rb") as stored:
        sent = stored.read()
    response = editor.get(photo_url)
    assert b"".join(response.streaming_content) == sent and sent.startswith(b"\x89PNG")
    assert response["Content-Type"] == "image/png"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}

    # another territory's editor and a visitor do not
    other = Client()
    other.force_login(editor_of(f.make_territory("Pays de Brest"), "ailleurs"))
    assert other.get(photo_url).status_code in (302, 403, 404)
    assert b"".join(getattr(other.get(photo_url), "streaming_content", [b""])) == b""
    visitor = Client().get(photo_url)
    assert visitor.status_code == 302 and visitor["Location"].startswith("/admin/login/")
