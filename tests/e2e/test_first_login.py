"""A merchant's first login: invitation link, password, the terms once, the dashboard, a first draft.

Screenshots of the terms screen and of the dashboard after acceptance go
to $E2E_SCREENSHOTS when it is set (a folder), for a person to look at.
"""

import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from markets.models import MerchantRegistration, TermsAcceptance
from shops.models import ShopPage
from tests.markets.onboarding_helpers import editor_of, photo, portal, registration_data, terms

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "Sapin-de-Noel-2026"
# What Chromium shows instead of a page when it is handed an XML document (the admin's icon sprite).
XML_VIEWER_TEXT = ("This XML file does not appear to have any style information", "This page contains the following errors")


def pending_registration(territory) -> MerchantRegistration:
    data = registration_data(1, contact_name="Maïwenn Le Bihan", email="maiwenn@example.org")
    for name in ("chain", "photo", "declared_independent"):
        data.pop(name)
    return MerchantRegistration.objects.create(
        territory=territory, photo=photo(), declared_independent=True, language="fr", **data
    )


def screenshot(page, name: str) -> None:
    folder = os.environ.get("E2E_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def log_in(page, username: str, password: str) -> None:
    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form button[type=submit]").click()


def watch_admin_responses(page) -> list:
    """Every admin response the tab receives, as (resource type, status, content type, URL)."""
    seen = []
    page.on("response", lambda r: seen.append(
        (r.request.resource_type, r.status, r.headers.get("content-type", ""), r.url)
    ) if "/admin/" in r.url else None)
    return seen


def assert_no_xml_or_error_page(page) -> None:
    text = page.locator("body").inner_text()
    assert not any(sign in text for sign in XML_VIEWER_TEXT), text[:500]
    assert "Erreur serveur" not in text and "Server Error" not in text


def test_an_invited_merchant_sets_a_password_accepts_the_terms_once_and_saves_a_draft(web, live_server, browser):
    # Given a territory with its market, its editor, the terms v1 and a pending registration
    territory, _market_fr, _market_en = portal()
    editor = editor_of(territory)
    editor.set_password("Office-de-tourisme-2026")
    editor.save()
    version = terms("v1")
    registration = pending_registration(territory)

    # When the editor approves it in the admin
    log_in(web, "editeur", "Office-de-tourisme-2026")
    web.wait_for_url("**/admin/")
    web.goto(f"/admin/inscriptions/inspect/{registration.pk}/")
    web.get_by_role("button", name="Accepter et créer la boutique").click()
    web.wait_for_url(f"**/admin/inscriptions/inspect/{registration.pk}/")
    assert "Inscription acceptée" in web.locator("body").inner_text()

    # Then the merchant is invited by e-mail with a link to choose a password
    registration.refresh_from_db()
    merchant, shop = registration.user, registration.shop.specific
    [invitation] = [m for m in mail.outbox if m.to == ["maiwenn@example.org"] and "Content-Language" in m.extra_headers]
    link = re.search(r"https?://\S+/admin/password_reset/confirm/\S+", invitation.body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)

    # When the merchant follows it, in their own browser, and chooses a password
    tab = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = tab.new_page()
    page.set_default_timeout(15_000)
    responses = watch_admin_responses(page)
    page.goto(path)
    page.wait_for_url("**/set-password/")
    page.locator("#id_new_password1").fill(PASSWORD)
    page.locator("#id_new_password2").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url("**/admin/password_reset/complete/")
    merchant.refresh_from_db()
    assert merchant.check_password(PASSWORD)

    # And logs in
    log_in(page, merchant.username, PASSWORD)

    # Then the terms come first, once, with one form to accept them
    page.wait_for_url("**/admin/conditions/?next=%2Fadmin%2F")
    page.wait_for_load_state("networkidle")
    assert_no_xml_or_error_page(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Conditions générales"
    assert page.locator("form:has(input[name=accept])").count() == 1
    assert page.get_by_label("J'ai lu et j'accepte ces conditions générales.").count() == 1
    assert page.get_by_text("Conditions générales du marché.").count() == 1
    # (the icon sprite is icons, not a second copy of this page)
    assert page.locator("[data-sprite] form").count() == 0
    assert page.locator("[data-sprite] symbol").count() > 50
    screenshot(page, "terms")

    # When they accept
    page.get_by_label("J'ai lu et j'accepte ces conditions générales.").check()
    page.get_by_role("button", name="Accepter et continuer").click()

    # Then the dashboard shows the shop's next steps, and no terms step
    page.wait_for_url(re.compile(r".*/admin/$"))
    page.wait_for_load_state("networkidle")
    assert_no_xml_or_error_page(page)
    panel = page.locator(".merchant-panel")
    assert "Merci, vous avez accepté les conditions générales (version v1)." in page.locator("body").inner_text()
    assert "Les Délices de Morlaix 1" in panel.inner_text()
    assert "Conditions générales acceptées" in panel.inner_text()
    steps = panel.locator(".merchant-panel__steps li")
    assert [s.split("\n")[0] for s in steps.all_inner_texts()] == [
        "Ajouter vos produits",
        "Compléter la présentation, les horaires et les modes de livraison",
    ]
    screenshot(page, "dashboard")
    acceptance = TermsAcceptance.objects.get()
    assert (acceptance.user, acceptance.version, acceptance.ip_address) == (merchant, version, "127.0.0.1")

    # When they open their shop from the next steps and save a draft change
    panel.get_by_role("link", name="Compléter la présentation, les horaires et les modes de livraison").click()
    page.wait_for_url(f"**/admin/pages/{shop.pk}/edit/")
    assert_no_xml_or_error_page(page)
    page.locator("#id_opening_hours").fill("Du mardi au samedi, 10 h – 19 h")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.wait_for_url(f"**/admin/pages/{shop.pk}/edit/")
    assert_no_xml_or_error_page(page)

    # Then the draft holds the change, the shop stays offline, and the terms were accepted once
    shop = ShopPage.objects.get(pk=shop.pk)
    assert shop.get_latest_revision_as_object().opening_hours == "Du mardi au samedi, 10 h – 19 h"
    assert shop.live is False and shop.has_unpublished_changes
    assert TermsAcceptance.objects.filter(user=merchant).count() == 1
    assert get_user_model().objects.filter(email="maiwenn@example.org").count() == 1
    # and the browser was never handed anything else than it asked for
    assert [r for r in responses if r[1] >= 400] == []
    documents = [r for r in responses if r[0] == "document"]
    assert documents and all(r[2].startswith("text/html") for r in documents), documents
    sprites = [r for r in responses if "/admin/sprite/" in r[3]]
    assert sprites and all((r[1], r[2]) == (200, "image/svg+xml; charset=utf-8") for r in sprites), sprites
    tab.close()
