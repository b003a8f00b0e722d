"""Wagtail's site-wide reports and the image chooser's format step, seen by users of territory A.

The site history lists, to an editor, the log entries of their own
territory's rows and pages and their own actions, never B's; the
page-types usage report is the platform's; the image chooser's format step
answers 404 for an image of another collection. The admin walk
(tests/test_admin_walk.py) asks the same screens with B's ids; these tests
show what each user does get.
"""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from checkout.models import Payout
from markets.admin_reports import log_entries_in_scope
from markets.models import PartnerContact
from shops.models import ShopPage
from tests.markets.scoping_world import (
    PARTNER_B_NAME,
    World,
    b_secrets_in,
    client_for,
    world_fixture,
)

_world = world_fixture()

SITE_HISTORY = "/admin/reports/site-history/"
PAGE_TYPES_USAGE = "/admin/reports/page-types-usage/"


@pytest.fixture
def world(_world, db):
    return World(_world)


@pytest.fixture
def superuser_client(db):
    client = Client()
    client.force_login(User.objects.create_superuser("plateforme", "plateforme@example.org"))
    return client


def shown_b_texts(response) -> list[str]:
    text = response.content.decode()
    return b_secrets_in(text)


def test_an_editor_reads_the_history_of_their_territory_and_not_of_b(world):
    # Given an entry on A's partner contact by editor A, beside B's entries (partner contact, commission step)
    editor_a = User.objects.get(pk=world.users["editor_a"])
    log(instance=PartnerContact.objects.get(pk=world.partner_a), action="wagtail.edit", user=editor_a)
    client = client_for(world, "editor_a")

    for url in (SITE_HISTORY, SITE_HISTORY + "results/", SITE_HISTORY + "?export=csv"):
        # When editor A reads the site history, its results and its export
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content

        # Then A's entry is there, nothing of B
        assert response.status_code == 200, url
        assert "Office Alpha" in body.decode(), url
        assert b_secrets_in(body.decode()) == [], url


def test_the_site_history_filters_name_only_the_editors_own_people_and_types(world):
    response = client_for(world, "editor_a").get(SITE_HISTORY)

    # Editor B created B's partner contact and commission step: neither their name nor those types are offered.
    assert response.status_code == 200
    assert "Bothorel" not in response.content.decode()
    assert shown_b_texts(response) == []


def test_filtering_the_site_history_on_b_reveals_nothing(world):
    editor_b = world.users["editor_b"]
    client = client_for(world, "editor_a")

    response = client.get(SITE_HISTORY + f"results/?user={editor_b}&label=B%C3%A9l%C3%A9nos")

    assert response.status_code == 200
    assert shown_b_texts(response) == []


def test_the_editor_of_b_and_the_platform_read_b_s_entries(world, superuser_client):
    for client in (client_for(world, "editor_b"), superuser_client):
        response = client.get(SITE_HISTORY)

        assert response.status_code == 200
        assert PARTNER_B_NAME in response.content.decode()


def test_an_editor_who_once_acted_on_b_s_row_no_longer_reads_its_entries(world):
    # Given editor A's entry on B's partner contact (as if they once edited territory B)
    log(
        instance=PartnerContact.objects.get(pk=world.partner_b),
        action="wagtail.edit",
        user=User.objects.get(pk=world.users["editor_a"]),
    )

    response = client_for(world, "editor_a").get(SITE_HISTORY)

    assert response.status_code == 200
    assert shown_b_texts(response) == []


def test_entries_of_platform_wide_models_follow_wagtail_s_rule(world):
    # Given an entry on B's payout, and the accounting (a model-wide permission: platform-wide)
    payout = Payout.objects.get(pk=world.payout_b)
    log(instance=payout, action="wagtail.edit", user=User.objects.get(pk=world.users["editor_b"]))
    accountant = User.objects.create_user("compta")
    accountant.user_permissions.add(
        Permission.objects.get(codename="change_payout"), Permission.objects.get(codename="access_admin")
    )
    accountant = User.objects.get(pk=accountant.pk)

    def readable_by(user):
        entries = log_entries_in_scope(user, ModelLogEntry.objects.viewable_by_user(user))
        return list(entries.filter(object_id=str(payout.pk), content_type__model="payout").values_list("action"))

    # Then the accounting reads it, editor A (no permission on payouts) does not
    assert readable_by(accountant) == [("wagtail.edit",)]
    assert readable_by(User.objects.get(pk=world.users["editor_a"])) == []


@pytest.mark.parametrize("actor", ["merchant_a", "editor_a", "editor_b"])
def test_the_page_types_usage_report_is_the_platform_s(world, actor):
    client = client_for(world, actor)

    for url in (PAGE_TYPES_USAGE, PAGE_TYPES_USAGE + "results/"):
        response = client.get(url)

        # Wagtail's refusal: back to the dashboard, with a message.
        assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home")), url
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert PAGE_TYPES_USAGE not in home
    assert SITE_HISTORY in home


def test_the_platform_reads_the_page_types_usage(world, superuser_client):
    response = superuser_client.get(PAGE_TYPES_USAGE)

    assert response.status_code == 200
    counts = {row.model: row.count for row in response.context["object_list"]}
    assert counts["shoppage"] == ShopPage.objects.count() == 5  # A1, A2, B1 and the English A1 and B1
    assert PAGE_TYPES_USAGE in superuser_client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_image_format_step_is_refused_for_another_collection_s_image(world):
    client = client_for(world, "merchant_a")
    url_b = reverse("wagtailimages_chooser:select_format", args=[world.image_b])
    title_before = get_image_model().objects.get(pk=world.image_b).title

    get_b = client.get(url_b)
    post_b = client.post(
        url_b, {"image-chooser-insertion-format": "fullwidth", "image-chooser-insertion-alt_text": "x"}
    )

    assert (get_b.status_code, post_b.status_code) == (404, 404)
    assert shown_b_texts(get_b) == shown_b_texts(post_b) == []
    assert get_image_model().objects.get(pk=world.image_b).title == title_before


def test_the_image_format_step_serves_the_user_s_own_image(world):
    client = client_for(world, "merchant_a")

    response = client.get(reverse("wagtailimages_chooser:select_format", args=[world.image_a1]))

    assert response.status_code == 200
    assert "Vitrine A1" in response.content.decode()
