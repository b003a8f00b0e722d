"""English out of date: translations with French text not translated yet, listed for those who may translate them."""

from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from markets.translation_status import english_out_of_date
from tests.fixtures import factories as f
from tests.markets.test_translation_access import (  # noqa: F401 (fixtures)
    HELP_ENGLISH,
    PRODUCT_ENGLISH,
    accept_terms,
    client_for,
    fill_strings,
    new_help_page,
    new_partner,
    shops,
    submit_page,
    submit_partner,
    territories,
    translation_of,
)

LIST_URL = "/admin/traductions/anglais/"


def translated_help_page(territory, title, slug, english_title, english_slug, capture):
    """A help page of `territory`, translated into English by its editor through the admin, and published."""
    client = client_for(territory["editor"])
    page = new_help_page(territory["market"], title=title, slug=slug)
    with capture(execute=True):
        submit_page(client, page)
    translation = translation_of(page)
    fill_strings(client, translation, {**HELP_ENGLISH, title: english_title, slug: english_slug})
    with capture(execute=True):
        client.post(reverse("wagtailadmin_pages:edit", args=[page.get_translation(f.locale("en")).pk]),
                    {"action": "publish"})
    return page, translation


def change_french_intro(page, territory, intro, capture):
    """The editor changes the French introduction, publishes, and syncs the translations ("Sync translated pages")."""
    page.intro = intro
    page.save_revision().publish()
    with capture(execute=True):
        response = client_for(territory["editor"]).post(
            reverse("wagtail_localize:update_translations", args=[translation_of(page).source_id]), {})
    assert response.status_code == 302


def rows(user):
    return [(t.source.object_repr, t.untranslated_segments, t.total_segments) for t in english_out_of_date(user)]


def test_a_page_whose_french_changed_after_translation_is_listed_with_its_count(
    territories, django_capture_on_commit_callbacks,
):
    # Given a help page in A and one in B, both fully translated into English
    a, b = territories["a"], territories["b"]
    capture = django_capture_on_commit_callbacks
    page_a, translation_a = translated_help_page(a, "Vendre en anglais", "vendre-en-anglais", "Selling in English",
                                                 "selling-in-english", capture)
    page_b, translation_b = translated_help_page(b, "Aide du marché B", "aide-b", "Help of market B", "help-b",
                                                 capture)
    assert rows(a["editor"]) == [] and translation_a.get_progress() == (6, 6)

    # When their French introductions change and are synchronised
    change_french_intro(page_a, a, "<p>Votre boutique parle anglais et allemand.</p>", capture)
    change_french_intro(page_b, b, "<p>Autre texte.</p>", capture)

    # Then each editor's list shows their own page, with one of six texts to translate
    assert rows(a["editor"]) == [("Vendre en anglais", 1, 6)]
    assert rows(b["editor"]) == [("Aide du marché B", 1, 6)]
    assert translation_a.get_progress() == (6, 5)
    superuser = User.objects.create_superuser("operator")
    assert rows(superuser) == [("Aide du marché B", 1, 6), ("Vendre en anglais", 1, 6)]
    # and the admin page says so, with the link to the translation editor, and nothing of B
    html = client_for(a["editor"]).get(LIST_URL).content.decode()
    assert "Vendre en anglais" in html and "1 sur 6" in html
    assert reverse("wagtailadmin_pages:edit", args=[page_a.get_translation(f.locale("en")).pk]) in html
    assert "Aide du marché B" not in html


def test_partner_contacts_are_listed_for_their_territorys_editors(territories, django_capture_on_commit_callbacks):
    a, b = territories["a"], territories["b"]
    partner = new_partner(a["territory"])
    with django_capture_on_commit_callbacks(execute=True):
        submit_partner(client_for(a["editor"]), partner)

    # nothing translated yet: every string is to translate
    total = translation_of(partner).get_progress()[0]
    assert rows(a["editor"]) == [("Office de tourisme A", total, total)]
    assert rows(b["editor"]) == []
    html = client_for(a["editor"]).get(LIST_URL).content.decode()
    english = partner.get_translation(f.locale("en"))
    assert reverse("wagtailsnippets_markets_partnercontact:edit", args=[english.pk]) in html


def test_merchants_see_their_own_products(shops, territories, django_capture_on_commit_callbacks):
    own, other = shops["a1"], shops["a2"]
    for key in ("a1", "a2"):
        accept_terms(shops[key]["merchant"])
    client = client_for(own["merchant"])
    with django_capture_on_commit_callbacks(execute=True):
        submit_page(client, own["product"])
    fill_strings(client, translation_of(own["product"]), PRODUCT_ENGLISH)
    product = own["product"]
    product.description = "<p>Sculpté à la main, en hêtre.</p>"
    product.save_revision().publish()
    client.post(reverse("wagtail_localize:update_translations", args=[translation_of(product).source_id]), {})

    assert rows(own["merchant"]) == [("Santon en bois", 1, 3)]
    assert rows(other["merchant"]) == []
    assert rows(territories["a"]["editor"]) == [("Santon en bois", 1, 3)]
    assert rows(territories["b"]["editor"]) == []
    html = client.get(LIST_URL).content.decode()
    assert "Santon en bois" in html and "1 sur 3" in html


def test_the_list_costs_the_same_queries_for_one_row_and_for_three(territories, django_capture_on_commit_callbacks):
    a = territories["a"]
    capture = django_capture_on_commit_callbacks
    client = client_for(a["editor"])
    pages = [
        translated_help_page(a, f"Aide {n}", f"aide-{n}", f"Help {n}", f"help-{n}", capture)[0] for n in range(3)
    ]

    def queries() -> int:
        client.get(LIST_URL)  # warm-up: session, permissions cached per request anyway
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST_URL)
        assert response.status_code == 200
        return len(captured.captured_queries), response.content.decode().count("english-out-of-date__count")

    change_french_intro(pages[0], a, "<p>Un.</p>", capture)
    one = queries()
    for page in pages[1:]:
        change_french_intro(page, a, "<p>Deux.</p>", capture)
    three = queries()

    assert (one[1], three[1]) == (1, 3)
    assert one[0] == three[0]


def test_the_list_is_for_those_who_translate(db):
    nobody = User.objects.create_user("nobody")
    from django.contrib.auth.models import Permission

    nobody.user_permissions.add(Permission.objects.get(codename="access_admin"))

    response = client_for(nobody).get(LIST_URL)

    assert (response.status_code, response["Location"]) == (302, reverse("wagtailadmin_home"))
