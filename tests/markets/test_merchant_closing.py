"""A merchant closes their shop from their account: pages unpublished in both languages, login off, editors told."""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from wagtail.models import Page, PageLogEntry, WorkflowState

from markets import closing
from markets.editors import make_editor
from markets.merchants import make_merchant
from markets.onboarding import first_publication_workflow
from tests.fixtures import factories as f

PASSWORD = "un mot de passe solide"


@pytest.fixture
def world(db):
    home = f.french_home()
    f.english_home()
    territory = f.make_territory("Pays de Morlaix")
    market = f.make_market(home, territory, title="Marché de Noël du Pays de Morlaix")
    f.translate(market, title="Christmas market of the Pays de Morlaix", slug="christmas-market-morlaix")
    shop = f.make_shop(market, "Atelier du Bois Flotté", legal_name="SARL Bois Flotté")
    shop_en = f.translate(shop, title="Driftwood Workshop")
    product = f.make_product(shop, "Santon en bois", price="12.50", stock=5)
    product_en = f.translate(product, title="Wooden santon")
    other = f.make_shop(market, "Épicerie Kerjean")
    merchant = User.objects.create_user("atelier", "atelier@example.org", PASSWORD, first_name="Yann")
    make_merchant(merchant, shop)
    neighbour = User.objects.create_user("kerjean", "kerjean@example.org", PASSWORD)
    make_merchant(neighbour, other)
    editor = User.objects.create_user("editeur", "editeur@example.org", PASSWORD, first_name="Gwen")
    make_editor(editor, territory)
    return {
        "shop": shop,
        "shop_en": shop_en,
        "product": product,
        "product_en": product_en,
        "other": other,
        "merchant": merchant,
        "neighbour": neighbour,
        "editor": editor,
        "market": market,
    }


def close_url(shop) -> str:
    return reverse("markets_shop_close", args=[shop.pk])


def live(*pages) -> list[bool]:
    return list(Page.objects.filter(pk__in=[p.pk for p in pages]).order_by("pk").values_list("live", flat=True))


def test_closing_unpublishes_the_shop_and_its_products_in_both_languages_and_ends_the_login(
    client, world, django_capture_on_commit_callbacks
):
    # given the merchant logged in, their shop and product live in French and English
    w = world
    client.force_login(w["merchant"])
    assert client.get(close_url(w["shop"])).status_code == 200

    # when they confirm with their password
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(close_url(w["shop"]), {"password": PASSWORD})

    # then they are sent to the login page, logged out, their account inactive
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_login")
    w["merchant"].refresh_from_db()
    assert w["merchant"].is_active is False
    assert client.get(reverse("wagtailadmin_home")).status_code == 302
    # every page of the shop is offline, the neighbour's shop untouched
    assert live(w["shop"], w["shop_en"], w["product"], w["product_en"]) == [False, False, False, False]
    assert live(w["other"]) == [True]
    assert client.get("/fr/" + w["market"].slug + "/" + w["shop"].slug + "/").status_code == 404
    w["neighbour"].refresh_from_db()
    assert w["neighbour"].is_active is True
    # the closure is in the shop's history, by the merchant
    entry = PageLogEntry.objects.get(action=closing.CLOSE_ACTION)
    assert (entry.page_id, entry.user_id) == (w["shop"].pk, w["merchant"].pk)
    assert entry.data["deactivated"] == [w["merchant"].pk]
    assert sorted(entry.data["unpublished"]) == sorted(
        p.pk for p in (w["shop"], w["shop_en"], w["product"], w["product_en"])
    )
    assert entry.message == "Boutique fermée par son commerçant"
    # and the territory's editor alone is told, once
    assert [m.to for m in mail.outbox] == [["editeur@example.org"]]
    assert mail.outbox[0].subject == "Boutique fermée : Atelier du Bois Flotté (Pays de Morlaix)"
    assert "Le commerçant de Atelier du Bois Flotté (SARL Bois Flotté) a fermé sa boutique" in mail.outbox[0].body
    assert closing.send_closure_notice(entry.pk) == 0
    assert len(mail.outbox) == 1
    assert PageLogEntry.objects.filter(action=closing.CLOSURE_NOTICE_ACTION).count() == 1


def test_a_wrong_password_or_a_get_closes_nothing(client, world):
    w = world
    client.force_login(w["merchant"])

    shown = client.get(close_url(w["shop"]), {"password": PASSWORD})
    wrong = client.post(close_url(w["shop"]), {"password": "pas le bon"})
    empty = client.post(close_url(w["shop"]), {})

    assert shown.status_code == wrong.status_code == empty.status_code == 200
    assert wrong.context["form"].errors == {"password": ["Mot de passe incorrect : votre boutique reste ouverte."]}
    assert empty.context["form"].errors == {"password": ["Indiquez votre mot de passe pour fermer votre boutique."]}
    assert live(w["shop"], w["shop_en"], w["product"], w["product_en"]) == [True, True, True, True]
    w["merchant"].refresh_from_db()
    assert w["merchant"].is_active is True
    assert not PageLogEntry.objects.filter(action=closing.CLOSE_ACTION).exists()


def test_password_guesses_are_counted(client, world):
    w = world
    client.force_login(w["merchant"])
    for _ in range(5):
        client.post(close_url(w["shop"]), {"password": "pas le bon"})

    # even the right password is no longer checked
    response = client.post(close_url(w["shop"]), {"password": PASSWORD})

    assert response.status_code == 200
    assert response.context["form"].errors["password"] == [
        "Trop de mots de passe incorrects : réessayez dans 15 minutes."
    ]
    assert live(w["shop"]) == [True]


def test_nobody_closes_a_shop_they_are_not_the_merchant_of(client, world):
    w = world
    shop_pages = (w["shop"], w["shop_en"], w["product"], w["product_en"])
    # another merchant, with their own password, on this shop's id
    client.force_login(w["neighbour"])
    assert client.get(close_url(w["shop"])).status_code == 404
    assert client.post(close_url(w["shop"]), {"password": PASSWORD}).status_code == 404
    # the territory's editor, who may edit the shop page but is not its merchant
    client.force_login(w["editor"])
    assert client.post(close_url(w["shop"]), {"password": PASSWORD}).status_code == 404
    assert client.get(reverse("markets_shop_close_index")).status_code == 404
    # the merchant themself through the English page's id, a product's id, or an unknown one
    client.force_login(w["merchant"])
    for pk in (w["shop_en"].pk, w["product"].pk, 999999, 2**63):
        assert client.post(f"/admin/boutique/fermer/{pk}/", {"password": PASSWORD}).status_code == 404, pk

    assert live(*shop_pages) == [True, True, True, True]
    assert User.objects.filter(is_active=False).count() == 0
    with pytest.raises(closing.ClosingRefused):
        closing.close_shop(w["shop"].pk, w["neighbour"])


def test_the_account_menu_offers_closing_to_merchants_only(client, world):
    w = world
    client.force_login(w["merchant"])
    account = client.get(reverse("wagtailadmin_account")).content.decode()
    assert f'href="{reverse("markets_shop_close_index")}"' in account
    assert client.get(reverse("markets_shop_close_index")).url == close_url(w["shop"])

    client.force_login(w["editor"])
    assert reverse("markets_shop_close_index") not in client.get(reverse("wagtailadmin_account")).content.decode()


def test_a_pending_first_publication_is_cancelled(world):
    # given the shop submitted for its first publication, still waiting for the editors
    w = world
    shop = w["shop"]
    shop.unpublish()
    workflow = first_publication_workflow(w["market"].territory)
    workflow.start(Page.objects.get(pk=shop.pk), w["merchant"])
    assert WorkflowState.objects.get(object_id=str(shop.pk)).status == WorkflowState.STATUS_IN_PROGRESS

    closing.close_shop(shop.pk, w["merchant"])

    assert WorkflowState.objects.get(object_id=str(shop.pk)).status == WorkflowState.STATUS_CANCELLED
