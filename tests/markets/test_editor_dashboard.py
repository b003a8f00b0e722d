"""The tourism office's dashboard panel: waiting registrations, shops to validate, the 4-day promise, per territory."""

import pytest
from django.contrib.auth.models import User
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from markets.editor_dashboard import EditorPanel
from markets.editors import territories_edited_by
from markets.models import MerchantRegistration
from shops.models import ShopPage
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, portal
from tests.markets.promise_helpers import DAY, HOUR, T0, approve, register, submit

TITLE = "Mise en ligne des boutiques en 4 jours"


def panel_for(user, now=None):
    request = RequestFactory().get("/admin/")
    request.user = user
    panel = EditorPanel.for_request(request)
    if panel is not None and now is not None:
        panel.now = now
    return panel, request


def names(items):
    return [item.registration.trade_name for item in items]


@pytest.fixture
def markets(db):
    """Morlaix: a registration at each step, on time and late, one rejected, one online; Brest: one late.

    Seen at T0 + 1 h.
    """
    morlaix, _fr, _en = portal()
    editor = editor_of(morlaix)
    brest = f.make_territory("Pays de Brest")
    brest_editor = editor_of(brest, "editeur-brest")
    register(morlaix, 1, at=T0 - 2 * DAY)  # waiting, late since T0 - 1 day
    register(morlaix, 2, at=T0)  # waiting, on time
    approve(register(morlaix, 3, at=T0 - 3 * DAY), editor, T0 - 3 * DAY + HOUR)  # merchant late since T0 - 1 day + 1 h
    submit(approve(register(morlaix, 4, at=T0 - DAY), editor, T0 - DAY + HOUR), T0 - 2 * HOUR)  # office, on time
    register(morlaix, 5, at=T0 - 5 * DAY, status=MerchantRegistration.Status.REJECTED)
    online = approve(register(morlaix, 6, at=T0 - 6 * DAY), editor, T0 - 6 * DAY + HOUR)
    ShopPage.objects.filter(pk=online.shop_id).update(
        live=True, first_published_at=T0 - 4 * DAY, last_published_at=T0 - 4 * DAY
    )
    register(brest, 7, at=T0 - 3 * DAY)  # waiting, late
    return {"morlaix": morlaix, "brest": brest, "editor": editor, "brest_editor": brest_editor}


def test_an_editor_sees_their_territory_exactly_and_nothing_of_another(markets):
    panel, request = panel_for(markets["editor"], now=T0 + HOUR)

    context = panel.get_context_data({"request": request})

    [group] = context["groups"]
    assert group["territory"] == markets["morlaix"]
    assert names(group["waiting"]) == ["Les Délices de Morlaix 1", "Les Délices de Morlaix 2"]
    assert [item.since for item in group["waiting"]] == [T0 - 2 * DAY, T0]
    assert names(group["moderation"]) == ["Les Délices de Morlaix 4"]
    assert [item.since for item in group["moderation"]] == [T0 - 2 * HOUR]
    assert [(item.registration.trade_name, item.step, item.holder, item.late) for item in group["promise"]] == [
        ("Les Délices de Morlaix 1", "approval", "editors", True),
        ("Les Délices de Morlaix 3", "submission", "merchant", True),
        ("Les Délices de Morlaix 4", "moderation", "editors", False),
        ("Les Délices de Morlaix 2", "approval", "editors", False),
    ]
    assert (group["late"], context["late"]) == (2, 2)


def test_the_other_territorys_editor_sees_only_theirs(markets):
    panel, request = panel_for(markets["brest_editor"], now=T0 + HOUR)

    context = panel.get_context_data({"request": request})

    [group] = context["groups"]
    assert group["territory"] == markets["brest"]
    assert names(group["waiting"]) == ["Les Délices de Morlaix 7"]
    assert names(group["promise"]) == ["Les Délices de Morlaix 7"] and group["moderation"] == []
    assert context["late"] == 1


def test_the_platform_sees_every_territory_grouped_by_territory(markets):
    operator = User.objects.create_superuser("operateur", "operateur@example.org", "x")
    panel, request = panel_for(operator, now=T0 + HOUR)

    context = panel.get_context_data({"request": request})

    assert [group["territory"].name for group in context["groups"]] == ["Pays de Brest", "Pays de Morlaix"]
    assert [len(group["promise"]) for group in context["groups"]] == [1, 4]
    assert [group["late"] for group in context["groups"]] == [1, 2]
    assert context["late"] == 3


def test_merchants_and_other_users_never_see_it(markets):
    merchant = MerchantRegistration.objects.get(trade_name="Les Délices de Morlaix 3").user
    nobody = User.objects.create_user("visiteur")

    assert panel_for(merchant)[0] is None
    assert panel_for(nobody)[0] is None


def test_the_dashboard_shows_the_panel_to_the_editor_only(client, db):
    # Given two territories with a registration each, received two days ago
    morlaix, _fr, _en = portal()
    editor = editor_of(morlaix)
    brest = f.make_territory("Pays de Brest")
    two_days_ago = timezone.now() - 2 * DAY
    register(morlaix, 1, at=two_days_ago)
    register(brest, 2, at=two_days_ago)
    merchant = approve(register(morlaix, 3, at=timezone.now()), editor, timezone.now()).user

    # When the editor opens the dashboard
    client.force_login(editor)
    page = client.get(reverse("wagtailadmin_home")).content.decode()

    # Then they see their territory's late registration, and nothing of the other territory
    assert TITLE in page
    assert "Les Délices de Morlaix 1" in page and "Les Délices de Morlaix 2" not in page
    assert "2 étapes en retard" not in page and "1 étape en retard" in page
    assert reverse("registrations:inspect", args=[MerchantRegistration.objects.get(trade_name="Les Délices de Morlaix 1").pk]) in page

    # When the merchant opens theirs, the panel is not there
    client.force_login(merchant)
    assert TITLE not in client.get(reverse("wagtailadmin_home")).content.decode()


def _queries_of_panel(user, django_assert_max_num_queries, limit) -> int:
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(limit) as captured:
        panel, request = panel_for(user, now=T0 + HOUR)
        panel.render_html({"request": request})
    return len(captured.captured_queries)


def test_the_panel_reads_a_fixed_number_of_queries_for_any_number_of_registrations(
    markets, django_assert_max_num_queries
):
    # Given the platform's view of both territories
    operator = User.objects.create_superuser("operateur", "operateur@example.org", "x")
    few = _queries_of_panel(operator, django_assert_max_num_queries, 8)

    # When more registrations arrive, at every step
    for n in range(10, 16):
        register(markets["morlaix"], n, at=T0 - n * HOUR)
        submit(approve(register(markets["morlaix"], n + 10, at=T0 - DAY), markets["editor"], T0 - DAY), T0 - HOUR)

    # Then the panel costs the same
    many = _queries_of_panel(operator, django_assert_max_num_queries, 8)
    assert many == few
    assert len(territories_edited_by(operator)) == 2
