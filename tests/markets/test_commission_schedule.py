"""The commission schedule in the admin: who edits it, who only sees it, and the rules that protect money.

Dates are relative to today (Europe/Paris, as checkout looks the rate up):
no clock is frozen, so each test builds its own D from `today()`.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from wagtail.models import ModelLogEntry

from checkout.billing.commissions import rate_in_force
from markets.commission_admin import CommissionRateForm, CommissionScheduleViewSet, today
from markets.editors import make_editor
from markets.merchants import make_merchant
from markets.models import CommissionRate
from tests.fixtures import factories as f

INDEX = "commission_schedule:index"
ADD = "commission_schedule:add"
EDIT = "commission_schedule:edit"
DELETE = "commission_schedule:delete"
INSPECT = "commission_schedule:inspect"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name, step=None):
    return reverse(name, args=[step.pk]) if step is not None else reverse(name)


def fr(day) -> str:
    return day.strftime("%d/%m/%Y")


def step_data(territory, starts_on, rate) -> dict:
    return {"territory": territory.pk, "starts_on": starts_on.isoformat(), "rate": rate}


def outcome(response):
    """ "refused" for Wagtail's answer to a PermissionDenied (back to the dashboard, or 403 to a script)."""
    if response.status_code == 403:
        return "refused"
    if response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home"):
        return "refused"
    return response.status_code


def form_errors(response) -> dict:
    form = response.context["form"]
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("operator", email="operator@example.org")


@pytest.fixture
def morlaix(db):
    return f.make_territory("Pays de Morlaix")


@pytest.fixture
def brest(db):
    return f.make_territory("Pays de Brest")


def test_the_platform_builds_a_schedule_and_the_rate_in_force_follows_its_edges(operator, morlaix):
    # Given today D
    d = today()
    client = client_for(operator)

    # When the platform adds 4 % from D, 3 % from D+14, 1 % from D+28
    responses = [
        client.post(url(ADD), step_data(morlaix, d, "4.00")),
        client.post(url(ADD), step_data(morlaix, d + timedelta(days=14), "3")),
        client.post(url(ADD), step_data(morlaix, d + timedelta(days=28), "1.00")),
    ]

    # Then three steps exist, each logged, and the rate on each edge is the right one
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert list(CommissionRate.objects.values_list("starts_on", "rate")) == [
        (d, Decimal("4.00")), (d + timedelta(days=14), Decimal("3.00")), (d + timedelta(days=28), Decimal("1.00")),
    ]
    assert ModelLogEntry.objects.filter(action="wagtail.create", content_type__model="commissionrate").count() == 3
    assert rate_in_force(morlaix.pk, d - timedelta(days=1)) == Decimal("0")  # before the first step: the default
    assert rate_in_force(morlaix.pk, d) == Decimal("4.00")
    assert rate_in_force(morlaix.pk, d + timedelta(days=13)) == Decimal("4.00")
    assert rate_in_force(morlaix.pk, d + timedelta(days=14)) == Decimal("3.00")
    assert rate_in_force(morlaix.pk, d + timedelta(days=27)) == Decimal("3.00")
    assert rate_in_force(morlaix.pk, d + timedelta(days=28)) == Decimal("1.00")
    assert rate_in_force(morlaix.pk, d + timedelta(days=400)) == Decimal("1.00")

    # And the listing shows each step's period, today's step highlighted as in force
    listing = client.get(url(INDEX)).content.decode()
    assert f"du {fr(d)} au {fr(d + timedelta(days=13))} : 4 %" in listing
    assert f"du {fr(d + timedelta(days=14))} au {fr(d + timedelta(days=27))} : 3 %" in listing
    assert f"du {fr(d + timedelta(days=28))} à la fin de la saison : 1 %" in listing
    assert listing.count('class="commission-in-force"') == 1
    assert listing.count("En vigueur") == 1
    assert listing.count("À venir") == 2


def test_the_listing_highlights_the_step_in_force_today_not_a_finished_or_future_one(operator, morlaix, brest):
    # Given a step that has ended, one in force, one to come in Morlaix; one in force in Brest
    d = today()
    CommissionRate.objects.create(territory=morlaix, starts_on=d - timedelta(days=20), rate=Decimal("5.00"))
    in_force = CommissionRate.objects.create(territory=morlaix, starts_on=d - timedelta(days=3), rate=Decimal("3.50"))
    CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=3), rate=Decimal("1.00"))
    CommissionRate.objects.create(territory=brest, starts_on=d - timedelta(days=1), rate=Decimal("2.00"))

    # When the platform lists Morlaix's schedule only
    response = client_for(operator).get(url(INDEX), {"territory": morlaix.pk})
    listing = response.content.decode()

    # Then Morlaix's three steps show, one in force, with French decimals; Brest's does not
    rows = list(response.context["object_list"])
    assert [(s.starts_on, s.rate) for s in rows] == [
        (d - timedelta(days=20), Decimal("5.00")), (d - timedelta(days=3), Decimal("3.50")),
        (d + timedelta(days=3), Decimal("1.00")),
    ]
    assert f"du {fr(d - timedelta(days=20))} au {fr(d - timedelta(days=4))} : 5 %" in listing
    assert f"du {fr(d - timedelta(days=3))} au {fr(d + timedelta(days=2))} : 3,5 %" in listing
    assert listing.count('class="commission-in-force"') == 1
    assert listing.count("Terminé") == 1
    assert "2 %" not in listing
    # Only the future step links to its edit and delete pages
    assert url(EDIT, in_force) not in listing
    assert url(DELETE, in_force) not in listing
    assert url(INSPECT, in_force) in listing
    future = CommissionRate.objects.get(starts_on=d + timedelta(days=3))
    assert url(EDIT, future) in listing
    assert url(DELETE, future) in listing


def test_a_started_step_cannot_be_edited_a_future_one_can(operator, morlaix):
    # Given a step that started today and one starting tomorrow
    d = today()
    started = CommissionRate.objects.create(territory=morlaix, starts_on=d, rate=Decimal("4.00"))
    future = CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=1), rate=Decimal("3.00"))
    client = client_for(operator)

    # When the platform opens and posts the started one
    opened = client.get(url(EDIT, started))
    posted = client.post(url(EDIT, started), step_data(morlaix, d, "1.00"))

    # Then both are refused and the rate is unchanged, with no log entry
    assert (outcome(opened), outcome(posted)) == ("refused", "refused")
    # (a script gets the bare 403)
    assert client.get(url(EDIT, started), HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403
    started.refresh_from_db()
    assert started.rate == Decimal("4.00")
    assert not ModelLogEntry.objects.filter(action="wagtail.edit").exists()

    # When it edits the future one
    response = client.post(url(EDIT, future), step_data(morlaix, d + timedelta(days=2), "2.50"))

    # Then the change is saved and logged
    assert response.status_code == 302
    future.refresh_from_db()
    assert (future.starts_on, future.rate) == (d + timedelta(days=2), Decimal("2.50"))
    assert ModelLogEntry.objects.filter(action="wagtail.edit", object_id=str(future.pk)).count() == 1


def test_a_future_step_cannot_be_moved_into_the_past(operator, morlaix):
    d = today()
    future = CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=5), rate=Decimal("3.00"))

    response = client_for(operator).post(url(EDIT, future), step_data(morlaix, d - timedelta(days=1), "3.00"))

    assert response.status_code == 200
    assert form_errors(response) == {
        "starts_on": [f"Un palier ne peut pas commencer dans le passé : choisissez le {fr(d)} ou une date plus tardive."]
    }
    future.refresh_from_db()
    assert future.starts_on == d + timedelta(days=5)


def test_a_step_that_starts_while_its_form_is_open_is_refused_on_save(morlaix):
    # Given the edit form of a step, opened when the step was still to come
    d = today()
    step = CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=1), rate=Decimal("3.00"))
    form_class = CommissionScheduleViewSet.edit_handler.bind_to_model(CommissionRate).get_form_class()
    assert issubclass(form_class, CommissionRateForm)
    form = form_class(data=step_data(morlaix, d + timedelta(days=1), "9.00"), instance=step)
    # When midnight passes before the save (the step is now today's)
    form.today = d + timedelta(days=1)

    # Then the form refuses it, in French
    assert not form.is_valid()
    assert form.non_field_errors() == [
        f"Ce palier a commencé le {fr(d + timedelta(days=1))} : des commandes ont pu être payées à ce taux, il ne "
        "peut plus être modifié. Ajoutez un nouveau palier à partir d'aujourd'hui."
    ]


def test_a_started_step_cannot_be_deleted_a_future_one_can(operator, morlaix):
    d = today()
    past = CommissionRate.objects.create(territory=morlaix, starts_on=d - timedelta(days=10), rate=Decimal("5.00"))
    started = CommissionRate.objects.create(territory=morlaix, starts_on=d, rate=Decimal("4.00"))
    future = CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=7), rate=Decimal("3.00"))
    client = client_for(operator)

    refused = [
        outcome(client.get(url(DELETE, started))),
        outcome(client.post(url(DELETE, started))),
        outcome(client.post(url(DELETE, past))),
    ]
    deleted = client.post(url(DELETE, future))

    assert refused == ["refused"] * 3
    assert deleted.status_code == 302
    assert list(CommissionRate.objects.order_by("starts_on").values_list("pk", flat=True)) == [past.pk, started.pk]
    assert rate_in_force(morlaix.pk, d + timedelta(days=7)) == Decimal("4.00")
    assert ModelLogEntry.objects.filter(action="wagtail.delete").count() == 1


def test_a_new_step_in_the_past_is_refused_with_a_french_error(operator, morlaix):
    d = today()

    response = client_for(operator).post(url(ADD), step_data(morlaix, d - timedelta(days=1), "4.00"))

    assert response.status_code == 200
    assert form_errors(response) == {
        "starts_on": [f"Un palier ne peut pas commencer dans le passé : choisissez le {fr(d)} ou une date plus tardive."]
    }
    assert not CommissionRate.objects.exists()


def test_one_step_per_territory_and_day_gives_a_form_error(operator, morlaix, brest):
    d = today() + timedelta(days=3)
    CommissionRate.objects.create(territory=morlaix, starts_on=d, rate=Decimal("4.00"))
    client = client_for(operator)

    duplicate = client.post(url(ADD), step_data(morlaix, d, "3.00"))
    other_territory = client.post(url(ADD), step_data(brest, d, "3.00"))

    assert duplicate.status_code == 200
    assert form_errors(duplicate) == {
        "starts_on": [f"Ce territoire a déjà un palier qui commence le {fr(d)} : modifiez-le plutôt."]
    }
    assert other_territory.status_code == 302
    assert sorted(CommissionRate.objects.values_list("territory__name", "rate")) == [
        ("Pays de Brest", Decimal("3.00")), ("Pays de Morlaix", Decimal("4.00")),
    ]


def test_two_saves_of_the_same_day_at_once_give_the_loser_a_form_error_not_a_500(operator, morlaix, monkeypatch):
    # Given another save of the same territory and day that commits between our check and our insert
    d = today() + timedelta(days=3)
    original_save = CommissionRateForm.save

    def save_after_the_other_one(form, *args, **kwargs):
        CommissionRate.objects.create(territory=morlaix, starts_on=d, rate=Decimal("4.00"))
        return original_save(form, *args, **kwargs)

    monkeypatch.setattr(CommissionRateForm, "save", save_after_the_other_one)

    # When ours is saved
    response = client_for(operator).post(url(ADD), step_data(morlaix, d, "3.00"))

    # Then the database constraint refuses it, shown as the same French form error; nothing of ours is kept
    assert response.status_code == 200
    assert form_errors(response) == {
        "starts_on": [f"Ce territoire a déjà un palier qui commence le {fr(d)} : modifiez-le plutôt."]
    }
    assert not CommissionRate.objects.exists()  # the other save was rolled back with ours here (one transaction)
    assert not ModelLogEntry.objects.filter(action="wagtail.create").exists()


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("-0.01", "Assurez-vous que cette valeur est supérieure ou égale à 0."),
        ("100.01", "Assurez-vous que cette valeur est inférieure ou égale à 100."),
        ("4.555", "Assurez-vous qu’il n’y a pas plus de 2 chiffres après la virgule."),
        ("", "Champ requis."),
    ],
)
def test_a_rate_outside_0_100_or_with_more_than_two_decimals_is_refused(operator, morlaix, rate, message):
    response = client_for(operator).post(url(ADD), step_data(morlaix, today(), rate))

    assert response.status_code == 200
    assert form_errors(response) == {"rate": [message]}
    assert not CommissionRate.objects.exists()


@pytest.mark.parametrize("rate", ["0", "100", "0.01", "99.99"])
def test_rates_from_0_to_100_with_two_decimals_are_accepted(operator, morlaix, rate):
    response = client_for(operator).post(url(ADD), step_data(morlaix, today(), rate))

    assert response.status_code == 302
    assert CommissionRate.objects.get().rate == Decimal(rate)


def test_an_editor_sets_their_territorys_schedule_and_nothing_of_another(morlaix, brest):
    # Given an editor of Morlaix (DESIGN.md: the tourism office sets its commission schedule);
    # steps in Morlaix (one started, one to come) and in Brest
    d = today()
    editor = User.objects.create_user("editor-morlaix")
    make_editor(editor, morlaix)
    own_started = CommissionRate.objects.create(territory=morlaix, starts_on=d, rate=Decimal("4.00"))
    own_future = CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=14), rate=Decimal("3.00"))
    other = CommissionRate.objects.create(territory=brest, starts_on=d + timedelta(days=1), rate=Decimal("7.00"))
    client = client_for(editor)

    # When they open the listing
    listing = client.get(url(INDEX))
    html = listing.content.decode()

    # Then they see Morlaix's steps, not Brest's; the future step may be edited, the started one not
    assert listing.status_code == 200
    assert [s.pk for s in listing.context["object_list"]] == [own_started.pk, own_future.pk]
    assert f"du {fr(d)} au {fr(d + timedelta(days=13))} : 4 %" in html
    assert f"du {fr(d + timedelta(days=14))} à la fin de la saison : 3 %" in html
    assert "7 %" not in html
    assert url(ADD) in html
    assert url(EDIT, own_future) in html
    assert url(EDIT, own_started) not in html
    # Nor can they filter on Brest
    filter_choices = [str(t) for t in listing.context["filters"].form.fields["territory"].queryset]
    assert filter_choices == ["Pays de Morlaix"]
    assert [s.pk for s in client.get(url(INDEX), {"territory": brest.pk}).context["object_list"]] == [
        own_started.pk, own_future.pk,
    ]  # an unknown choice is ignored by the filter, the scope stays
    # Nor export it
    export = client.get(url(INDEX), {"export": "csv"})
    assert export.status_code == 200
    csv_text = b"".join(export.streaming_content).decode() if export.streaming else export.content.decode()
    assert "Pays de Morlaix" in csv_text
    assert "Pays de Brest" not in csv_text
    # The add form offers their territory only, and a step posted for Brest is refused
    assert [str(t) for t in client.get(url(ADD)).context["form"].fields["territory"].queryset] == ["Pays de Morlaix"]
    refused_add = client.post(url(ADD), step_data(brest, d + timedelta(days=2), "1"))
    assert refused_add.status_code == 200 and "territory" in form_errors(refused_add)

    # Nothing of Brest's, and not their started step
    statuses = {
        "inspect other": client.get(url(INSPECT, other)),
        "edit other": client.get(url(EDIT, other)),
        "post other": client.post(url(EDIT, other), step_data(brest, d + timedelta(days=1), "0")),
        "delete other": client.post(url(DELETE, other)),
        "edit own started": client.get(url(EDIT, own_started)),
        "delete own started": client.post(url(DELETE, own_started)),
    }
    assert {name: outcome(r) for name, r in statuses.items()} == dict.fromkeys(statuses, "refused")
    assert sorted(CommissionRate.objects.values_list("pk", "rate")) == [
        (own_started.pk, Decimal("4.00")), (own_future.pk, Decimal("3.00")), (other.pk, Decimal("7.00")),
    ]

    # But they schedule their own future: a new step, a change, a deletion
    assert client.post(url(ADD), step_data(morlaix, d + timedelta(days=28), "1")).status_code == 302
    assert client.post(url(EDIT, own_future), step_data(morlaix, d + timedelta(days=14), "2.50")).status_code == 302
    assert rate_in_force(morlaix.pk, d + timedelta(days=14)) == Decimal("2.50")
    assert rate_in_force(morlaix.pk, d + timedelta(days=28)) == Decimal("1.00")
    assert client.post(url(DELETE, own_future)).status_code == 302
    assert rate_in_force(morlaix.pk, d + timedelta(days=14)) == Decimal("4.00")
    assert rate_in_force(brest.pk, d + timedelta(days=14)) == Decimal("7.00")


def test_a_merchant_sees_nothing_of_the_schedule(morlaix):
    # Given a merchant of a Morlaix shop and a Morlaix step
    d = today()
    shop = f.make_shop(f.make_market(f.french_home(), morlaix))
    merchant = User.objects.create_user("merchant")
    make_merchant(merchant, shop)
    step = CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=1), rate=Decimal("4.00"))
    client = client_for(merchant)

    statuses = {
        "listing": client.get(url(INDEX)),
        "inspect": client.get(url(INSPECT, step)),
        "edit": client.get(url(EDIT, step)),
        "add": client.post(url(ADD), step_data(morlaix, d + timedelta(days=2), "0")),
        "delete": client.post(url(DELETE, step)),
    }

    assert {name: outcome(r) for name, r in statuses.items()} == dict.fromkeys(statuses, "refused")
    assert client.get(url(INDEX), HTTP_X_REQUESTED_WITH="XMLHttpRequest").status_code == 403
    assert url(INDEX) not in client.get(reverse("wagtailadmin_home")).content.decode()
    assert list(CommissionRate.objects.values_list("pk", "rate")) == [(step.pk, Decimal("4.00"))]


def test_model_permissions_make_a_platform_user_and_view_alone_is_read_only(morlaix, brest):
    # Given an accountant with the view permission only, and a staff member who may change steps
    d = today()
    accountant = User.objects.create_user("accountant")
    accountant.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_commissionrate")
    )
    staff = User.objects.create_user("staff")
    staff.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="change_commissionrate")
    )
    morlaix_step = CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=1), rate=Decimal("4.00"))
    brest_step = CommissionRate.objects.create(territory=brest, starts_on=d + timedelta(days=1), rate=Decimal("5.00"))

    # Then the accountant sees every territory and changes nothing
    accountant_client = client_for(accountant)
    assert [s.pk for s in accountant_client.get(url(INDEX)).context["object_list"]] == [brest_step.pk, morlaix_step.pk]
    assert outcome(accountant_client.get(url(EDIT, morlaix_step))) == "refused"
    assert outcome(accountant_client.get(url(ADD))) == "refused"
    # And the staff member edits a future step of any territory but adds none
    staff_client = client_for(staff)
    assert staff_client.post(url(EDIT, brest_step), step_data(brest, d + timedelta(days=1), "4.50")).status_code == 302
    assert outcome(staff_client.get(url(ADD))) == "refused"
    brest_step.refresh_from_db()
    assert brest_step.rate == Decimal("4.50")


def test_the_territory_form_sets_whether_delivery_fees_bear_commission(operator, morlaix):
    # Given a territory whose delivery fees bear commission (the default)
    assert morlaix.commission_on_delivery is True
    client = client_for(operator)
    edit_url = reverse("wagtailsnippets_markets_territory:edit", args=[morlaix.pk])

    # When the platform opens its form, then the setting and what it does are shown
    page = client.get(edit_url).content.decode()
    assert 'name="commission_on_delivery"' in page
    assert "Décoché : la commission ne porte que sur les articles." in page

    # When it unticks it and saves
    response = client.post(edit_url, {
        "name": morlaix.name, "slug": morlaix.slug, "registration_open": "on", "registration_postcodes": "",
    })

    # Then the territory takes commission on goods only, and no category ticked still means all of them
    assert response.status_code == 302
    morlaix.refresh_from_db()
    assert (morlaix.commission_on_delivery, morlaix.registration_categories) == (False, [])


def test_an_editors_listing_asks_the_same_queries_for_2_or_12_steps(morlaix):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    editor = User.objects.create_user("editor-morlaix")
    make_editor(editor, morlaix)
    client = client_for(editor)
    d = today()
    counts = []
    for first, last in ((0, 2), (2, 12)):
        for n in range(first, last):
            CommissionRate.objects.create(territory=morlaix, starts_on=d + timedelta(days=n), rate=Decimal("3.00"))
        client.get(url(INDEX))  # sessions and caches warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(INDEX)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
