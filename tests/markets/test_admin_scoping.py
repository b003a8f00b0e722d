"""Territory and shop scoping on Wagtail's side doors: bulk actions, choosers, history and usage, the explorer.

Each test names the door, an actor of territory A and a row of B, and
asserts the exact answer and that nothing of B changed or showed.
"""

import json

import pytest
from django.urls import reverse
from wagtail.models import Page

from markets.models import CommissionRate, PartnerContact
from tests.markets.scoping_world import (
    MERCHANT_B_LAST,
    PARTNER_B_EMAIL,
    PARTNER_B_NAME,
    World,
    b_rows,
    client_for,
    world_fixture,
)

_world = world_fixture()


@pytest.fixture
def world(_world, db):
    return World(_world)


def bulk_url(app, model, action, *ids, **params):
    query = "&".join([*(f"id={pk}" for pk in ids), *(f"{k}={v}" for k, v in params.items())])
    return reverse("wagtail_bulk_action", args=[app, model, action]) + "?" + query


def is_refusal(response):
    return response.status_code == 403 or (response.status_code == 302 and response["Location"] == reverse(
        "wagtailadmin_home"))


# Bulk actions ---------------------------------------------------------------------------------


def test_bulk_delete_of_another_territorys_partner_changes_nothing(world):
    # Given editor A and B's partner contact, selected with one of A's own
    client = client_for(world, "editor_a")
    before = b_rows(world)
    url = bulk_url("markets", "partnercontact", "delete", world.partner_a, world.partner_b)

    # When they open the confirmation and confirm it
    page = client.get(url)
    confirm = client.post(url)

    # Then both are refused, B's contact was never shown, and neither contact is deleted
    assert is_refusal(page) and is_refusal(confirm)
    assert PARTNER_B_NAME not in page.content.decode()
    assert b_rows(world) == before
    assert PartnerContact.objects.filter(pk__in=[world.partner_a, world.partner_b]).count() == 2


def test_bulk_delete_of_own_partners_deletes_them(world):
    client = client_for(world, "editor_a")
    url = bulk_url("markets", "partnercontact", "delete", world.partner_a, world.partner_a2)

    assert client.get(url).status_code == 200
    response = client.post(url)

    assert response.status_code == 302 and response["Location"] != reverse("wagtailadmin_home")
    assert not PartnerContact.objects.filter(pk__in=[world.partner_a, world.partner_a2]).exists()
    assert PartnerContact.objects.filter(pk=world.partner_b).exists()


def test_bulk_delete_of_all_rows_deletes_only_the_editors_own(world):
    # "Select all" in the listing sends id=all, which Wagtail reads as every row of the model
    client = client_for(world, "editor_a")

    response = client.post(bulk_url("markets", "partnercontact", "delete", "all"))

    assert response.status_code == 302
    assert set(PartnerContact.objects.values_list("name", flat=True)) == {PARTNER_B_NAME}


def test_single_delete_view_of_another_territorys_partner_is_refused(world):
    client = client_for(world, "editor_a")
    url = reverse("wagtailsnippets_markets_partnercontact:delete", args=[world.partner_b])

    assert is_refusal(client.get(url))
    assert is_refusal(client.post(url))
    assert PartnerContact.objects.filter(pk=world.partner_b).exists()


def test_bulk_page_publish_does_not_name_pages_out_of_reach(world):
    # Wagtail lists the pages one may not publish by title; B's draft is not even named to merchant A
    client = client_for(world, "merchant_a")
    url = bulk_url("wagtailcore", "page", "publish", world.draft_b1, world.product_a1)

    page = client.get(url)
    client.post(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Produit A1" in html and "Brouillon secret" not in html
    assert Page.objects.get(pk=world.draft_b1).live is False


def test_bulk_image_delete_does_not_name_images_out_of_reach(world):
    client = client_for(world, "merchant_a")
    url = bulk_url("wagtailimages", "image", "delete", world.image_b)

    html = client.get(url).content.decode()
    client.post(url)

    assert "Vitrine Bélénos" not in html
    assert b_rows(world)["images"] is not None


# Choosers -------------------------------------------------------------------------------------


def test_partner_chooser_lists_only_the_editors_territory(world):
    client = client_for(world, "editor_a")

    response = client.get(reverse("wagtailsnippetchoosers_markets_partnercontact:choose"))
    results = client.get(reverse("wagtailsnippetchoosers_markets_partnercontact:choose_results"))

    html = json.loads(response.content)["html"]
    assert response.status_code == 200 and results.status_code == 200
    assert "Office Alpha" in html and "CCI Alpha" in html
    assert PARTNER_B_NAME not in html
    assert PARTNER_B_NAME not in results.content.decode()
    assert "Office Alpha" in results.content.decode()


def test_partner_chooser_lists_every_territory_for_editor_b_own_only(world):
    html = json.loads(client_for(world, "editor_b").get(
        reverse("wagtailsnippetchoosers_markets_partnercontact:choose")).content)["html"]

    assert PARTNER_B_NAME in html and "Office Alpha" not in html


def test_partner_chooser_will_not_return_another_territorys_contact(world):
    client = client_for(world, "editor_a")

    chosen = client.get(reverse("wagtailsnippetchoosers_markets_partnercontact:chosen", args=[world.partner_b]))
    several = client.get(reverse("wagtailsnippetchoosers_markets_partnercontact:chosen_multiple")
                         + f"?id={world.partner_b}&id={world.partner_a}")
    own = client.get(reverse("wagtailsnippetchoosers_markets_partnercontact:chosen", args=[world.partner_a]))

    assert chosen.status_code == 404
    assert PARTNER_B_NAME not in several.content.decode() and "Office Alpha" in several.content.decode()
    assert json.loads(own.content)["result"]["string"] == "Office Alpha"


def test_partner_chooser_shows_merchants_nothing(world):
    html = json.loads(client_for(world, "merchant_a").get(
        reverse("wagtailsnippetchoosers_markets_partnercontact:choose")).content)["html"]

    assert "Office Alpha" not in html and PARTNER_B_NAME not in html


# History and usage ----------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["history", "history_results", "usage"])
def test_history_and_usage_of_another_territorys_commission_step_are_refused(world, view):
    client = client_for(world, "editor_a")

    response = client.get(reverse(f"commission_schedule:{view}", args=[world.step_b]))

    assert response.status_code == 404
    assert "6,83" not in response.content.decode() and "Bothorel" not in response.content.decode()


@pytest.mark.parametrize("view", ["history", "usage"])
def test_history_and_usage_of_own_commission_step_work(world, view):
    response = client_for(world, "editor_a").get(reverse(f"commission_schedule:{view}", args=[world.step_a]))

    assert response.status_code == 200


@pytest.mark.parametrize("view", ["history", "usage"])
def test_merchants_see_no_commission_history(world, view):
    response = client_for(world, "merchant_a").get(reverse(f"commission_schedule:{view}", args=[world.step_a]))

    assert response.status_code in (403, 404)


@pytest.mark.parametrize("view", ["history", "history_results", "usage"])
def test_history_and_usage_of_another_territorys_partner_are_refused(world, view):
    response = client_for(world, "editor_a").get(
        reverse(f"wagtailsnippets_markets_partnercontact:{view}", args=[world.partner_b]))

    assert is_refusal(response)
    assert PARTNER_B_NAME not in response.content.decode()


def test_commission_step_of_b_unchanged_after_editor_a_tries_its_doors(world):
    client = client_for(world, "editor_a")
    for view in ("edit", "delete"):
        client.post(reverse(f"commission_schedule:{view}", args=[world.step_b]),
                    {"territory": world.territory_b, "starts_on": "2099-02-01", "rate": "1"})

    assert CommissionRate.objects.get(pk=world.step_b).rate == CommissionRate.objects.get(pk=world.step_b).rate
    assert str(CommissionRate.objects.get(pk=world.step_b).rate) == "6.83"


# Explorer -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["shop_b1", "market_b", "draft_b1"])
def test_merchant_a_cannot_explore_territory_b(world, name):
    client = client_for(world, "merchant_a")
    page_id = getattr(world, name)

    for url in (reverse("wagtailadmin_explore", args=[page_id]),
                reverse("wagtailadmin_explore_results", args=[page_id]),
                reverse("wagtailadmin_explore", args=[page_id]) + "?q=Produit&search_all=1"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert MERCHANT_B_LAST not in response.content.decode()


def test_merchant_a_cannot_explore_another_shop_of_their_territory(world):
    response = client_for(world, "merchant_a").get(reverse("wagtailadmin_explore", args=[world.shop_a2]))

    assert response.status_code == 404


def test_editor_a_cannot_explore_market_b(world):
    response = client_for(world, "editor_a").get(reverse("wagtailadmin_explore", args=[world.market_b]))

    assert response.status_code == 404


def test_merchant_explores_own_shop_and_can_add_a_product(world):
    client = client_for(world, "merchant_a")

    shop = client.get(reverse("wagtailadmin_explore", args=[world.shop_a1]))
    add = client.get(reverse("wagtailadmin_pages:add_subpage", args=[world.shop_a1]), follow=True)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[world.shop_a1]))

    assert shop.status_code == 200 and "Produit A1" in shop.content.decode()
    assert add.status_code == 200 and edit.status_code == 200


def test_editor_explores_own_market_with_its_shops(world):
    response = client_for(world, "editor_a").get(reverse("wagtailadmin_explore", args=[world.market_a]))

    html = response.content.decode()
    assert response.status_code == 200 and "Boutique A1" in html and "Boutique A2" in html


def test_explorer_filters_name_only_the_users_own_pages_owners(world):
    # Wagtail's "owner" filter offers every page owner of the site
    for url in (reverse("wagtailadmin_explore_root"), reverse("wagtailadmin_explore", args=[world.shop_a1]),
                reverse("wagtailadmin_pages:search")):
        html = client_for(world, "merchant_a").get(url, follow=True).content.decode()
        assert MERCHANT_B_LAST not in html, url


def test_search_across_the_tree_lists_only_explorable_pages(world):
    response = client_for(world, "merchant_a").get(
        reverse("wagtailadmin_explore", args=[world.shop_a1]) + "?q=Boutique&search_all=1")

    html = response.content.decode()
    assert response.status_code == 200 and "Boutique B1" not in html and "Boutique A2" not in html


def test_superuser_explores_everything(world, django_user_model):
    client = client_for(world, "anonymous")
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw"))

    response = client.get(reverse("wagtailadmin_explore", args=[world.shop_b1]))
    chooser = json.loads(client.get(reverse("wagtailsnippetchoosers_markets_partnercontact:choose")).content)["html"]

    assert response.status_code == 200 and "Brouillon secret" in response.content.decode()
    assert PARTNER_B_NAME in chooser and "Office Alpha" in chooser
    assert PARTNER_B_EMAIL not in chooser  # the chooser shows names only


def test_bulk_delete_of_another_territorys_partner_names_nothing_to_a_merchant(world):
    # A merchant holds no delete permission: Wagtail would list the contact as "not yours", by name
    response = client_for(world, "merchant_a").get(bulk_url("markets", "partnercontact", "delete", world.partner_b))

    assert is_refusal(response)
    assert PARTNER_B_NAME not in response.content.decode()


def test_page_chooser_shows_published_pages_but_not_another_shops_drafts(world):
    client = client_for(world, "merchant_a")

    html = json.loads(client.get(reverse("wagtailadmin_choose_page_child", args=[world.shop_b1])).content)["html"]
    own = json.loads(client.get(reverse("wagtailadmin_choose_page_child", args=[world.shop_a1])).content)["html"]

    assert "Produit B1" in html and "Brouillon secret" not in html
    assert "Produit A1" in own


def test_admin_api_lists_only_the_users_images(world):
    client = client_for(world, "merchant_a")

    images = json.loads(client.get("/admin/api/main/images/").content)
    detail = client.get(f"/admin/api/main/images/{world.image_b}/")

    assert [item["title"] for item in images["items"]] == ["Vitrine A1"]
    assert detail.status_code == 404
    assert json.loads(client.get("/admin/api/main/documents/").content)["items"] == []
