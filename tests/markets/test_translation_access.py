"""Editors translate their territory's pages and partner contacts, merchants their shop and products,
through wagtail-localize's own views, as they would in the admin; nobody else's.

Each flow goes through HTTP with the test client logged in as that user:
the submit view, the translation editor's JSON endpoint for each string,
the translation editor's "publish", then the public English page.
"""

from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import override as language
from wagtail import hooks
from wagtail.admin.menu import reports_menu
from wagtail.models import Page
from wagtail.users.models import UserProfile
from wagtail_localize.models import StringSegment, StringTranslation, Translation, TranslationSource
from wagtail_localize.operations import translate_object

from markets.editors import make_editor
from markets.localize_access import may_translate
from markets.merchants import make_merchant
from markets.models import HelpPage, PartnerContact
from shops.models import ProductPage
from tests.fixtures import factories as f

# The help page of territory A, with a tutorial without video (wagtail-localize#875 was about those).
HELP_ENGLISH = {
    "Vendre en anglais": "Selling in English",
    "vendre-en-anglais": "selling-in-english",
    "Votre boutique parle aussi anglais.": "Your shop speaks English too.",
    "Traduire sa boutique": "Translating your shop",
    "Ouvrez la page de votre boutique, puis « Traduire cette page ».": 'Open your shop\'s page, then "Translate this page".',
    "Une question ? Écrivez à l'office de tourisme.": "A question? Write to the tourist office.",
}
PARTNER_ENGLISH = {
    "Office de tourisme A": "Tourist office A",
    "Directrice": "Director",
    # Facts: the same in both languages when wagtail-localize offers them at all.
    "Anne Kerbrat": "Anne Kerbrat",
    "02 98 62 14 94": "02 98 62 14 94",
    "1 place des Otages": "1 place des Otages",
}
PRODUCT_ENGLISH = {
    "Santon en bois": "Wooden figurine",
    "santon-en-bois": "wooden-figurine",
    "Sculpté à la main.": "Hand carved.",
}


@pytest.fixture
def territories(db):
    """Territories A and B, each with a French market, its English version, and one editor."""
    home = f.french_home()
    f.english_home()
    world = {}
    for key in ("a", "b"):
        territory = f.make_territory(f"Pays {key.upper()}")
        market = f.make_market(home, territory, title=f"Marché {key.upper()}")
        f.translate(market, "en", title=f"Market {key.upper()}", slug=f"market-{key}")
        editor = User.objects.create_user(f"editor_{key}")
        # After the English market exists: the editors group gets both.
        make_editor(editor, territory)
        world[key] = {"territory": territory, "market": market, "editor": editor}
    return world


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def new_help_page(market, title="Vendre en anglais", slug="vendre-en-anglais") -> HelpPage:
    return f.add_page(market, HelpPage(
        title=title, slug=slug, intro="<p>Votre boutique parle aussi anglais.</p>",
        body=[
            ("tutorial", {"title": "Traduire sa boutique",
                          "text": "<p>Ouvrez la page de votre boutique, puis « Traduire cette page ».</p>",
                          "video": ""}),
            ("text", "<p>Une question ? Écrivez à l'office de tourisme.</p>"),
        ],
    ))


def new_partner(territory) -> PartnerContact:
    return PartnerContact.objects.create(
        territory=territory, kind="tourism_office", name="Office de tourisme A", person="Anne Kerbrat",
        role="Directrice", phone="02 98 62 14 94", address="1 place des Otages", locale=f.locale("fr"),
    )


def english_locale_id() -> int:
    return f.locale("en").pk


def translation_of(instance) -> Translation:
    source = TranslationSource.objects.get_for_instance(instance)
    return Translation.objects.get(source=source, target_locale__language_code="en")


def put(client, url, value):
    return client.put(url, urlencode({"value": value}), content_type="application/x-www-form-urlencoded")


def fill_strings(client, translation: Translation, english: dict) -> list[int]:
    """PUT each string of the translation through the editor's endpoint; the status codes."""
    statuses = []
    for segment in StringSegment.objects.filter(source=translation.source).select_related("string").order_by("order"):
        url = reverse("wagtail_localize:edit_string_translation", args=[translation.pk, segment.pk])
        statuses.append(put(client, url, english[segment.string.data]).status_code)
    return statuses


def english_strings(translation: Translation) -> list[str]:
    return sorted(StringTranslation.objects.filter(
        locale=translation.target_locale, context__object_id=translation.source.object_id,
    ).values_list("data", flat=True))


def submit_page(client, page):
    return client.post(reverse("wagtail_localize:submit_page_translation", args=[page.pk]),
                       {"locales": [english_locale_id()]})


def submit_partner(client, partner):
    return client.post(reverse("wagtail_localize:submit_snippet_translation",
                               args=["markets", "partnercontact", partner.pk]), {"locales": [english_locale_id()]})


def test_an_editor_translates_a_new_help_page_into_english(territories, django_capture_on_commit_callbacks):
    # Given a new French help page of territory A
    a = territories["a"]
    page = new_help_page(a["market"])
    client = client_for(a["editor"])

    # When A's editor submits it, fills every string in the translation editor, and publishes
    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit_page(client, page)
    english = page.get_translation(f.locale("en"))
    translation = translation_of(page)
    statuses = fill_strings(client, translation, HELP_ENGLISH)
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(reverse("wagtailadmin_pages:edit", args=[english.pk]), {"action": "publish"})

    # Then the English page is live at its English address with the English text only
    assert submitted.status_code == 302 and submitted["Location"] == reverse("wagtailadmin_pages:edit", args=[english.pk])
    assert statuses == [201] * 6
    assert published.status_code == 302
    english = HelpPage.objects.get(pk=english.pk)
    assert (english.live, english.title, english.url) == (True, "Selling in English", "/en/market-a/selling-in-english/")
    html = client.get(english.url).content.decode()
    assert "Your shop speaks English too." in html
    assert "Translating your shop" in html
    assert "A question? Write to the tourist office." in html
    assert "Votre boutique parle aussi anglais" not in html and "Traduire sa boutique" not in html
    # and the French page is untouched
    assert HelpPage.objects.get(pk=page.pk).title == "Vendre en anglais"


def test_an_editor_translates_a_partner_contact_into_english(territories, django_capture_on_commit_callbacks):
    a = territories["a"]
    partner = new_partner(a["territory"])
    client = client_for(a["editor"])

    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit_partner(client, partner)
    translation = translation_of(partner)
    english = partner.get_translation(f.locale("en"))
    statuses = fill_strings(client, translation, PARTNER_ENGLISH)
    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(reverse("wagtailsnippets_markets_partnercontact:edit", args=[english.pk]),
                                {"action": "publish"})

    assert submitted.status_code == 302
    assert statuses and set(statuses) == {201}
    assert published.status_code == 302
    english = PartnerContact.objects.get(pk=english.pk)
    assert (english.name, english.role, english.person, english.phone) == (
        "Tourist office A", "Director", "Anne Kerbrat", "02 98 62 14 94")
    assert (english.locale.language_code, english.territory_id, english.live) == ("en", a["territory"].pk, True)
    assert PartnerContact.objects.get(pk=partner.pk).name == "Office de tourisme A"


@pytest.mark.parametrize("video", ["", None])
def test_tutorials_without_a_video_can_be_submitted(territories, video):
    # wagtail-localize 1.14 fails on an empty EmbedBlock (wagtail-localize#875); the tutorial's
    # video is a URLBlock (markets/0002), which localize extracts, empty or not.
    a = territories["a"]
    page = f.add_page(a["market"], HelpPage(title="Tutoriels", body=[
        ("tutorial", {"title": "Commander", "text": "<p>Ajoutez au panier.</p>", "video": video}),
    ]))

    response = submit_page(client_for(a["editor"]), page)

    english = page.get_translation(f.locale("en"))
    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_pages:edit", args=[english.pk]))
    assert [s.string.data for s in StringSegment.objects.filter(source=translation_of(page).source)
            .select_related("string").order_by("order")] == ["Tutoriels", "tutoriels", "Commander", "Ajoutez au panier."]


def test_another_territorys_editor_is_refused_on_every_translation_url(territories, django_capture_on_commit_callbacks):
    # Given A's help page and partner contact submitted by A's editor, one string translated each
    a, b = territories["a"], territories["b"]
    page, partner = new_help_page(a["market"]), new_partner(a["territory"])
    editor_a = client_for(a["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        submit_page(editor_a, page)
        submit_partner(editor_a, partner)
    help_translation, partner_translation = translation_of(page), translation_of(partner)
    english_page = page.get_translation(f.locale("en"))
    english_partner = partner.get_translation(f.locale("en"))
    help_segment = StringSegment.objects.filter(source=help_translation.source).order_by("order").first()
    partner_segment = StringSegment.objects.filter(source=partner_translation.source).order_by("order").first()
    put(editor_a, reverse("wagtail_localize:edit_string_translation", args=[help_translation.pk, help_segment.pk]),
        "Selling in English")
    put(editor_a, reverse("wagtail_localize:edit_string_translation",
                          args=[partner_translation.pk, partner_segment.pk]), "Tourist office A")
    strings_before = (english_strings(help_translation), english_strings(partner_translation))
    revision_before = Page.objects.get(pk=english_page.pk).latest_revision_id
    partner_revision_before = PartnerContact.objects.get(pk=english_partner.pk).latest_revision_id
    dashboard = reverse("wagtailadmin_home")

    # When B's editor tries every URL of the flow on A's objects
    editor_b = client_for(b["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        pages = [
            editor_b.get(reverse("wagtail_localize:submit_page_translation", args=[page.pk])),
            submit_page(editor_b, page),
            editor_b.get(reverse("wagtail_localize:submit_snippet_translation",
                                 args=["markets", "partnercontact", partner.pk])),
            submit_partner(editor_b, partner),
            editor_b.get(reverse("wagtail_localize:update_translations", args=[help_translation.source_id])),
            editor_b.post(reverse("wagtail_localize:update_translations", args=[help_translation.source_id]),
                          {"publish_translations": "on"}),
            editor_b.post(reverse("wagtail_localize:update_translations", args=[partner_translation.source_id]),
                          {"publish_translations": "on"}),
            editor_b.get(reverse("wagtailadmin_pages:edit", args=[english_page.pk])),
            editor_b.post(reverse("wagtailadmin_pages:edit", args=[english_page.pk]), {"action": "publish"}),
            editor_b.post(reverse("wagtailsnippets_markets_partnercontact:edit", args=[english_partner.pk]),
                          {"action": "publish"}),
        ]
        strings = [
            put(editor_b, reverse("wagtail_localize:edit_string_translation",
                                  args=[help_translation.pk, help_segment.pk]), "Hijacked"),
            put(editor_b, reverse("wagtail_localize:edit_string_translation",
                                  args=[partner_translation.pk, partner_segment.pk]), "Hijacked"),
            editor_b.delete(reverse("wagtail_localize:edit_string_translation",
                                    args=[help_translation.pk, help_segment.pk])),
        ]

    # Then each is refused and nothing changed
    assert [(r.status_code, r["Location"]) for r in pages] == [(302, dashboard)] * 10
    assert [r.status_code for r in strings] == [403, 403, 403]
    assert (english_strings(help_translation), english_strings(partner_translation)) == strings_before
    assert strings_before == (["Selling in English"], ["Tourist office A"])
    assert Page.objects.get(pk=english_page.pk).latest_revision_id == revision_before
    assert PartnerContact.objects.get(pk=english_partner.pk).latest_revision_id == partner_revision_before
    assert Page.objects.filter(translation_key=page.translation_key).count() == 2
    assert Translation.objects.filter(source__object_id=page.translation_key).count() == 1


@pytest.fixture
def shops(territories):
    """Shops A1 and A2 of territory A, each in French and English, each with its merchant."""
    a = territories["a"]
    world = {}
    for key in ("a1", "a2"):
        shop = f.make_shop(a["market"], f"Boutique {key.upper()}")
        f.translate(shop, "en", title=f"Shop {key.upper()}", slug=f"shop-{key}")
        merchant = User.objects.create_user(f"merchant_{key}")
        make_merchant(merchant, shop)
        product = f.make_product(shop, "Santon en bois", slug="santon-en-bois", description="<p>Sculpté à la main.</p>")
        world[key] = {"shop": shop, "merchant": merchant, "product": product}
    return world


def accept_terms(user):
    from markets.models import TermsAcceptance, TermsVersion

    version = TermsVersion.objects.first() or TermsVersion.objects.create(
        version="v1", text="<p>CGU</p>", published_at="2025-01-01T00:00Z")
    TermsAcceptance.objects.create(user=user, version=version)


def test_a_merchant_translates_their_product_and_not_another_shops(shops, django_capture_on_commit_callbacks):
    own, other = shops["a1"], shops["a2"]
    accept_terms(own["merchant"])
    client = client_for(own["merchant"])

    with django_capture_on_commit_callbacks(execute=True):
        submitted = submit_page(client, own["product"])
    translation = translation_of(own["product"])
    english = own["product"].get_translation(f.locale("en"))
    statuses = fill_strings(client, translation, PRODUCT_ENGLISH)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=[english.pk]), {"action": "publish"})
        refused = submit_page(client, other["product"])

    assert submitted.status_code == 302
    assert statuses and set(statuses) == {201}
    english = ProductPage.objects.get(pk=english.pk)
    assert (english.live, english.title, english.get_parent().pk) == (
        True, "Wooden figurine", own["shop"].get_translation(f.locale("en")).pk)
    assert "Hand carved." in client.get(english.url).content.decode()
    assert (refused.status_code, refused["Location"]) == (302, reverse("wagtailadmin_home"))
    assert not TranslationSource.objects.filter(object_id=other["product"].translation_key).exists()


def test_a_merchant_is_refused_on_another_shops_translation_editor(shops, django_capture_on_commit_callbacks):
    own, other = shops["a1"], shops["a2"]
    accept_terms(own["merchant"])
    accept_terms(other["merchant"])
    with django_capture_on_commit_callbacks(execute=True):
        submit_page(client_for(other["merchant"]), other["product"])
    translation = translation_of(other["product"])
    segment = StringSegment.objects.filter(source=translation.source).order_by("order").first()
    client = client_for(own["merchant"])

    edited = put(client, reverse("wagtail_localize:edit_string_translation", args=[translation.pk, segment.pk]),
                 "Hijacked")
    synced = client.post(reverse("wagtail_localize:update_translations", args=[translation.source_id]),
                         {"publish_translations": "on"})

    assert edited.status_code == 403
    assert (synced.status_code, synced["Location"]) == (302, reverse("wagtailadmin_home"))
    assert english_strings(translation) == []


@pytest.mark.parametrize(("language_code", "heading", "how", "facts"), [
    ("fr", "Traduire votre boutique en anglais", "Choisissez « Traduire cette page » sur votre boutique",
     "Les prix, le stock et les frais de livraison suivent automatiquement la page française"),
    ("en", "Translate your shop into English", "Choose “Translate this page” on your shop",
     "Prices, stock and delivery fees follow the French page automatically"),
])
def test_the_merchants_dashboard_tells_how_to_translate_the_shop(shops, language_code, heading, how, facts):
    # Given a merchant whose admin is in French or in English
    merchant = shops["a1"]["merchant"]
    accept_terms(merchant)
    profile = UserProfile.get_for_user(merchant)
    profile.preferred_language = language_code
    profile.save()

    # When they open their dashboard
    html = client_for(merchant).get(reverse("wagtailadmin_home")).content.decode()

    # Then the merchant panel explains translating, in their language, with the link to what is left to translate
    link = f'<a href="{reverse("markets_english_out_of_date")}">'
    assert heading in html and how in html and facts in html
    assert html.count(link) == 1
    assert html.index("merchant-panel__english") > html.index("merchant-panel-title")


def test_an_editors_dashboard_has_no_merchant_translation_help(territories):
    html = client_for(territories["a"]["editor"]).get(reverse("wagtailadmin_home")).content.decode()

    assert "merchant-panel__english" not in html and "Traduire votre boutique en anglais" not in html


def test_the_guard_is_what_refuses(territories, settings):
    # wagtail-localize alone checks only the global permission: without the
    # middleware, B's editor would translate A's help page.
    a, b = territories["a"], territories["b"]
    page = new_help_page(a["market"])
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if "localize_access" not in name]

    response = submit_page(client_for(b["editor"]), page)

    assert response.status_code == 302 and response["Location"] != reverse("wagtailadmin_home")
    assert Translation.objects.filter(source__object_id=page.translation_key).count() == 1


def test_may_translate_follows_page_permissions_and_territories(territories, shops):
    a, b = territories["a"], territories["b"]
    own = shops["a1"]
    partner_a = new_partner(a["territory"])
    operators = PartnerContact.objects.create(kind="elected", name="Région", locale=f.locale("fr"))
    superuser = User.objects.create_superuser("operator")

    assert [may_translate(a["editor"], obj) for obj in (a["market"], own["product"], partner_a, operators)] == [
        True, True, True, False]
    assert [may_translate(b["editor"], obj) for obj in (a["market"], own["product"], partner_a)] == [
        False, False, False]
    # the merchant: their shop and products, not the market above, not another shop, no partner contact
    assert [may_translate(own["merchant"], obj) for obj in (
        own["shop"], own["product"], a["market"], shops["a2"]["product"], partner_a)] == [
        True, True, False, False, False]
    assert may_translate(superuser, operators) is True
    # the home page: nobody but the operator
    assert may_translate(a["editor"], f.french_home()) is False


def test_a_page_whose_english_parent_the_user_cannot_add_under_is_refused(territories):
    # The editor of A can edit a market page whose English version is missing,
    # but localize would create it under the English home page, which is the operator's.
    a = territories["a"]
    lone = f.make_market(f.french_home(), a["territory"], title="Marché sans anglais")
    make_editor(a["editor"], a["territory"])

    assert lone.permissions_for_user(a["editor"]).can_edit() is True
    assert may_translate(a["editor"], lone) is False


def linked_fields(model) -> list[str]:
    """Translated fields of `model` through which wagtail-localize would submit another object with it."""
    from wagtail import blocks
    from wagtail.fields import StreamField
    from wagtail.models import TranslatableMixin
    from wagtail.snippets.blocks import SnippetChooserBlock
    from wagtail_localize.fields import TranslatableField, get_translatable_fields

    def links(block) -> bool:
        if isinstance(block, SnippetChooserBlock):
            return issubclass(block.target_model, TranslatableMixin)
        children = getattr(block, "child_blocks", None) or {}
        if isinstance(block, blocks.ListBlock):
            children = {"item": block.child_block}
        return any(links(child) for child in children.values())

    found = []
    for definition in get_translatable_fields(model):
        if not isinstance(definition, TranslatableField):
            continue
        field = model._meta.get_field(definition.field_name)
        if field.is_relation and field.many_to_one and issubclass(field.related_model, TranslatableMixin) \
                and not issubclass(field.related_model, Page):
            found.append(f"{model.__name__}.{field.name}")
        if isinstance(field, StreamField) and links(field.stream_block):
            found.append(f"{model.__name__}.{field.name}")
    return found


def test_no_translatable_model_links_another_object_localize_would_submit_with_it():
    # markets.localize_access checks the submitted object only: a link like
    # this would make a submission translate an object the rule never saw.
    from django.apps import apps
    from wagtail.models import TranslatableMixin

    ours = [model for app in ("home", "markets", "shops", "checkout") for model in apps.get_app_config(app).get_models()
            if issubclass(model, TranslatableMixin)]

    assert len(ours) >= 5
    assert [name for model in ours for name in linked_fields(model)] == []


# Buttons ------------------------------------------------------------------


def page_buttons(hook_name, page, user) -> list[str]:
    extra = {"view_name": "index"} if hook_name == "register_page_header_buttons" else {}
    labels = []
    for hook in hooks.get_hooks(hook_name):
        labels += [str(button.label) for button in hook(page=page, user=user, next_url="/admin/", **extra)]
    return labels


def snippet_buttons(snippet, user) -> list[str]:
    labels = []
    for hook in hooks.get_hooks("register_snippet_listing_buttons"):
        labels += [str(button.label) for button in hook(snippet, user, "/admin/")]
    return labels


def test_translate_buttons_show_only_where_the_user_may_translate(shops, territories):
    a, b = territories["a"], territories["b"]
    own = shops["a1"]
    partner_a = new_partner(a["territory"])
    translate, sync = "Traduire cette page", "Synchroniser les pages traduites"
    # The market submitted through localize: without the guard, localize offers "Sync" to anyone holding the permission.
    translate_object(a["market"], [f.locale("en")])

    with language("fr"):
        # the product has no English version: "Translate" for its merchant and A's editor only
        assert translate in page_buttons("register_page_listing_more_buttons", own["product"], own["merchant"])
        assert translate in page_buttons("register_page_listing_more_buttons", own["product"], a["editor"])
        assert translate not in page_buttons("register_page_listing_more_buttons", own["product"], b["editor"])
        assert translate not in page_buttons("register_page_listing_more_buttons", own["product"],
                                             shops["a2"]["merchant"])
        # the page header of the market: for its editor, not for a merchant who sees it in the explorer's path
        assert sync in page_buttons("register_page_header_buttons", a["market"], a["editor"])
        header = page_buttons("register_page_header_buttons", a["market"], own["merchant"])
        assert translate not in header and sync not in header
        # snippets
        assert "Traduire" in snippet_buttons(partner_a, a["editor"])
        assert snippet_buttons(partner_a, b["editor"]) == []
        # "Sync" once the product was submitted, for the next request's user (answers are memoised on the user object)
        translate_object(own["product"], [f.locale("en")])
        merchant, editor_b = User.objects.get(pk=own["merchant"].pk), User.objects.get(pk=b["editor"].pk)
        assert sync in page_buttons("register_page_header_buttons", own["product"], merchant)
        assert sync not in page_buttons("register_page_header_buttons", own["product"], editor_b)


def test_the_explorer_shows_a_merchant_no_translate_button_on_the_market(shops, territories, django_capture_on_commit_callbacks):
    a = territories["a"]
    own = shops["a1"]
    accept_terms(own["merchant"])
    # The market submitted through localize: without the guard, localize offers "Sync" to anyone holding the permission.
    translate_object(a["market"], [f.locale("en")])
    sync_url = reverse("wagtail_localize:update_translations",
                       args=[TranslationSource.objects.get_for_instance(a["market"]).pk])

    merchant_view = client_for(own["merchant"]).get(reverse("wagtailadmin_explore", args=[a["market"].pk]))
    editor_view = client_for(a["editor"]).get(reverse("wagtailadmin_explore", args=[a["market"].pk]))

    assert merchant_view.status_code == 200 and editor_view.status_code == 200
    assert sync_url not in merchant_view.content.decode()
    assert sync_url in editor_view.content.decode()


def listing(client, url) -> tuple[int, str]:
    """The number of queries a listing page costs, and its HTML."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_explorer_costs_an_editor_the_same_queries_for_3_or_6_shops(territories):
    # Given market A with 3 shops, every other one submitted through localize ("Sync"), the others not ("Translate")
    a = territories["a"]
    client = client_for(a["editor"])
    url = reverse("wagtailadmin_explore", args=[a["market"].pk])
    shops = []

    def add_shops(count):
        for _ in range(count):
            shop = f.make_shop(a["market"])
            if len(shops) % 2 == 0:
                translate_object(shop, [f.locale("en")])
            shops.append(shop)

    def buttons(html):
        sync = [reverse("wagtail_localize:update_translations", args=[TranslationSource.objects.get_for_instance(shop).pk])
                for shop in shops[::2]]
        translate = [reverse("wagtail_localize:submit_page_translation", args=[shop.pk]) for shop in shops[1::2]]
        return [u in html for u in sync], [u in html for u in translate]

    add_shops(3)
    client.get(url)  # the first request fills the process's caches (content types, site root paths)

    # When A's editor lists the market's pages with 3 shops, then with 6
    three, html = listing(client, url)
    with_three = buttons(html)
    add_shops(3)
    six, html = listing(client, url)

    # Then each shop has its button, at the same cost
    assert with_three == ([True, True], [True])
    assert buttons(html) == ([True] * 3, [True] * 3)
    assert six == three


def test_the_partner_listing_costs_an_editor_the_same_queries_for_3_or_6_contacts(territories):
    a, b = territories["a"], territories["b"]
    client = client_for(a["editor"])
    url = reverse("wagtailsnippets_markets_partnercontact:list")
    other = new_partner(b["territory"])
    partners = [new_partner(a["territory"]) for _ in range(3)]
    client.get(url)  # the first request fills the process's caches

    three, html_three = listing(client, url)
    partners += [new_partner(a["territory"]) for _ in range(3)]
    six, html_six = listing(client, url)

    def submit_url(partner):
        return reverse("wagtail_localize:submit_snippet_translation", args=["markets", "partnercontact", partner.pk])

    assert [submit_url(partner) in html_three for partner in partners] == [True] * 3 + [False] * 3
    assert [submit_url(partner) in html_six for partner in partners] == [True] * 6
    assert submit_url(other) not in html_six
    assert six == three


def test_localize_report_is_the_operators_and_english_out_of_date_is_everyones(shops, territories):
    own = shops["a1"]
    editor = territories["a"]["editor"]
    superuser = User.objects.create_superuser("operator")

    # By address: a menu item's label is in the language active when the menu was first built.
    def urls(user):
        request = RequestFactory().get("/admin/")
        request.user = user
        return [item.url for item in reports_menu.menu_items_for_request(request)]

    ours, localize_report = reverse("markets_english_out_of_date"), reverse("wagtail_localize:translations_report")
    with language("fr"):
        assert ours in urls(own["merchant"])
        assert ours in urls(editor)
        assert localize_report not in urls(editor)
        assert localize_report in urls(superuser)


def submit_translation_groups() -> set[str]:
    permission = Permission.objects.get(content_type__app_label="wagtail_localize", codename="submit_translation")
    return set(Group.objects.filter(permissions=permission).values_list("name", flat=True))


def test_editors_and_merchants_groups_hold_the_translation_permission(shops, territories):
    # "Editors" and "Moderators": Wagtail's sample groups, given it by wagtail-localize's own migration.
    assert submit_translation_groups() - {"Editors", "Moderators"} == {
        "Éditeurs — Pays A", "Éditeurs — Pays B", "Commerce — boutique-a1", "Commerce — boutique-a2",
    }


def test_the_migration_gives_the_permission_to_groups_made_before(shops, territories):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("markets.migrations.0008_translation_permission")
    permission = Permission.objects.get(content_type__app_label="wagtail_localize", codename="submit_translation")
    permission.group_set.clear()
    unrelated = Group.objects.create(name="Comptables")

    migration.grant(apps, None)
    migration.grant(apps, None)  # a second run changes nothing

    assert submit_translation_groups() == {
        "Éditeurs — Pays A", "Éditeurs — Pays B", "Commerce — boutique-a1", "Commerce — boutique-a2",
    }
    assert not unrelated.permissions.exists()
    migration.revoke(apps, None)
    assert submit_translation_groups() == set()
