"""The whole onboarding path, through the public form and the real admin views."""

import re

from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import GroupPagePermission, PageLogEntry, WorkflowPage
from wagtail.models.audit_log import ModelLogEntry

from markets import onboarding
from markets.merchants import merchant_group, shop_collection
from markets.models import MerchantRegistration, TermsAcceptance
from shops.models import ProductPage, ProductStock, ShopPage
from tests.markets.onboarding_helpers import (
    editor_of,
    harvest_form,
    portal,
    registration_data,
    registration_url,
    terms,
)


def ours():
    """Our e-mails (Wagtail's own workflow notifications aside)."""
    return [m for m in mail.outbox if "Content-Language" in m.extra_headers]


def _link(body: str, pattern: str) -> str:
    match = re.search(r"(https?://\S*" + pattern + r"\S*)", body)
    assert match, body
    return match.group(1)


def test_register_approve_invite_accept_terms_edit_submit_approve_goes_live(
    db, client, django_capture_on_commit_callbacks
):
    # Given a territory with its market in French and English, its editor, and terms v1
    territory, market_fr, market_en = portal()
    editor = editor_of(territory)
    v1 = terms("v1")

    # When a merchant registers from the English market page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(registration_url(market_en), registration_data(1))
    assert response.status_code == 302
    assert response["Location"] == registration_url(market_en).replace("inscription/", "inscription/merci/")
    # (the visitor registered from the English page: the thanks are in English)
    assert "Thank you, your registration has been sent" in client.get(response["Location"]).content.decode()

    # Then the registration is pending, in English, and acknowledged once, in English
    registration = MerchantRegistration.objects.get()
    assert (registration.status, registration.language, registration.territory) == ("pending", "en", territory)
    assert registration.vat_number.startswith("FR") and registration.siret == registration_data(1)["siret"]
    # (and the territory's editor is told, in their own language: French)
    assert [(m.to, m.extra_headers["Content-Language"]) for m in mail.outbox] == [
        (["maiwenn1@example.org"], "en"), (["editeur@example.org"], "fr")
    ]
    ack = mail.outbox[0]
    assert ack.to == ["maiwenn1@example.org"]
    assert ack.extra_headers["Content-Language"] == "en"
    assert "Pays de Morlaix" in ack.subject
    assert "http://testserver" + market_en.url in ack.body

    # When the territory's editor lists registrations and approves this one
    client.force_login(editor)
    listing = client.get(reverse("registrations:index"))
    assert listing.status_code == 200 and "Les Délices de Morlaix 1" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registrations:approve", args=[registration.pk]))
    assert response.status_code == 302

    # Then a draft shop is made under the French market from the registration, with its photo
    registration.refresh_from_db()
    shop = registration.shop.specific
    assert registration.status == "approved" and registration.decided_by == editor
    assert (shop.live, shop.get_parent().pk, shop.title, shop.siret, shop.city) == (
        False, market_fr.pk, "Les Délices de Morlaix 1", registration.siret, "Morlaix"
    )
    assert shop.cover_image.collection == shop_collection(shop)
    assert get_image_model().objects.filter(collection=shop_collection(shop)).count() == 1
    assert [o.kind for o in shop.delivery_options.all()] == ["pickup"]
    assert WorkflowPage.objects.get(page=shop).workflow.name == "Première mise en ligne — Pays de Morlaix"
    # a merchant account without a password, in the shop's group, not yet allowed to publish
    merchant = registration.user
    assert merchant.username == shop.slug and not merchant.has_usable_password()
    group = merchant_group(shop)
    assert merchant.groups.filter(pk=group.pk).exists()
    assert set(GroupPagePermission.objects.filter(group=group).values_list("permission__codename", flat=True)) == {
        "add_page", "change_page"
    }
    # audited
    assert ModelLogEntry.objects.filter(action="markets.registration.approve", object_id=str(registration.pk),
                                        user=editor).count() == 1
    # and invited once, in English, with a set-password link
    assert len(mail.outbox) == 3
    invitation = mail.outbox[2]
    assert invitation.to == ["maiwenn1@example.org"] and invitation.extra_headers["Content-Language"] == "en"
    assert merchant.username in invitation.body
    link = _link(invitation.body, "/admin/password_reset/confirm/")

    # Approving again changes nothing and sends nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("registrations:approve", args=[registration.pk]))
    assert ShopPage.objects.filter(title="Les Délices de Morlaix 1", locale__language_code="fr").count() == 1
    # The shop made at approval has its English alias page, under the English market, a draft like it
    alias = ShopPage.objects.get(translation_key=shop.translation_key, locale__language_code="en")
    assert (alias.alias_of_id, alias.get_parent().pk, alias.live) == (shop.pk, market_en.pk, False)
    assert User.objects.filter(email="maiwenn1@example.org").count() == 1
    assert len(mail.outbox) == 3

    # When the merchant follows the link and chooses a password
    client.logout()
    path = link.replace("http://testserver", "")
    set_password_page = client.get(path, follow=True)
    assert set_password_page.context["validlink"] is True
    form_url = set_password_page.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "Sapin-de-Noel-2026", "new_password2": "Sapin-de-Noel-2026"})
    assert response.status_code == 302
    merchant.refresh_from_db()
    assert merchant.check_password("Sapin-de-Noel-2026")

    # Then the link no longer works
    again = client.get(path, follow=True)
    assert again.context["validlink"] is False

    # When the merchant logs in, every admin page sends them to the terms first
    login = client.post(reverse("wagtailadmin_login"), {"username": merchant.username, "password": "Sapin-de-Noel-2026"})
    assert login.status_code == 302 and client.session.get("_auth_user_id") == str(merchant.pk)
    response = client.get(reverse("wagtailadmin_pages:edit", args=[shop.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("markets_terms_accept"))
    response = client.post(reverse("markets_terms_accept"), {"accept": "on", "next": "/admin/"},
                           REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    acceptance = TermsAcceptance.objects.get(user=merchant)
    assert (acceptance.version, acceptance.ip_address) == (v1, "203.0.113.7")

    # And the dashboard shows a draft shop and the next steps
    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()
    # (in English: the language they registered in is their account's)
    assert "Draft" in dashboard and "Add your products" in dashboard

    # When the merchant adds a product (a draft: they cannot publish yet)
    add_url = reverse("wagtailadmin_pages:add", args=["shops", "productpage", shop.pk])
    data = harvest_form(client.get(add_url).content.decode(), "page-edit-form")
    data.update({"title": "Kouign-amann", "slug": "kouign-amann", "price": "18.50", "kind": "physical",
                 "options-count": "0"})  # a StreamField is rendered by JavaScript
    response = client.post(add_url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    product = ProductPage.objects.child_of(shop).get()
    assert (product.title, product.live) == ("Kouign-amann", False)

    # and sets its stock from the stock form
    response = client.post(reverse("shops_stock_edit", args=[product.pk]), {"operation": "set", "quantity": "12"})
    assert response.status_code == 302
    assert ProductStock.objects.get(translation_key=product.translation_key).quantity == 12

    # and edits the shop, then submits it to the office
    edit_url = reverse("wagtailadmin_pages:edit", args=[shop.pk])
    page = client.get(edit_url).content.decode()
    assert 'name="action-publish"' not in page
    data = harvest_form(page, "page-edit-form")
    data.update({"opening_hours": "Du mardi au samedi, 9 h – 19 h", "action-submit": "Soumettre"})
    response = client.post(edit_url, data)
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.workflow_in_progress and not shop.live
    assert "Awaiting approval by the tourism office" in client.get(reverse("wagtailadmin_home")).content.decode()

    # When the editor approves the first publication
    client.force_login(editor)
    task_state = shop.current_workflow_task_state
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("wagtailadmin_pages:workflow_action", args=[shop.pk, "approve", task_state.pk]), {"comment": ""}
        )
    assert response.status_code in (200, 302)

    # Then the shop is live with the merchant's edits, off the workflow, and the merchant may publish
    shop.refresh_from_db()
    assert shop.live and shop.opening_hours == "Du mardi au samedi, 9 h – 19 h"
    assert not WorkflowPage.objects.filter(page=shop).exists()
    assert "publish_page" in set(
        GroupPagePermission.objects.filter(group=group).values_list("permission__codename", flat=True)
    )
    assert client.get(shop.url).status_code == 200
    assert ModelLogEntry.objects.filter(action="markets.shop.first_publication").count() == 1
    # and its English alias went live with it, showing the French text until translated
    alias.refresh_from_db()
    assert (alias.live, alias.opening_hours) == (True, "Du mardi au samedi, 9 h – 19 h")
    assert client.get(alias.url).status_code == 200

    # and the merchant is told, once, in English, with the shop's link and share links
    assert len(ours()) == 4
    online = ours()[3]
    assert online.to == ["maiwenn1@example.org"] and online.extra_headers["Content-Language"] == "en"
    # (the English page: its alias is live)
    assert "http://testserver" + alias.url in online.body
    assert "https://www.facebook.com/sharer/sharer.php?u=" in online.body
    visual = _link(online.body, "/marches/visuel/")
    response = client.get(visual.replace("http://testserver", ""))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert onboarding.first_publication_approved(shop.pk) is False
    assert len(ours()) == 4

    # When the merchant publishes a change directly
    client.force_login(merchant)
    data = harvest_form(client.get(edit_url).content.decode(), "page-edit-form")
    data.update({"phone": "02 61 91 99 99", "action-publish": "Publier"})
    response = client.post(edit_url, data)
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.phone == "02 61 91 99 99" and shop.live
    assert PageLogEntry.objects.filter(page=shop, action="wagtail.publish", user=merchant).exists()
