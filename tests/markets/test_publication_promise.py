"""The 4-day promise: each late step is reminded once to whoever holds the ball; a shop needs a product to be submitted."""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_q.models import Schedule
from wagtail.models import TaskState, WorkflowState
from wagtail.users.models import UserProfile

from markets import tasks
from markets.models import MerchantRegistration, PromiseReminder, Territory
from markets.publication_promise import promise_items, send_promise_reminders, step_due
from shops.models import ShopPage
from tests.fixtures import factories as f
from tests.markets.onboarding_helpers import editor_of, harvest_form, portal
from tests.markets.promise_helpers import DAY, HOUR, MINUTE, T0, approve, register, submit


def reminders():
    return sorted(PromiseReminder.objects.values_list("registration__trade_name", "step"))


@pytest.fixture
def market(db):
    territory, market_fr, _market_en = portal()
    editor = editor_of(territory)
    return territory, editor


# The rule -----------------------------------------------------------------


def test_a_step_is_due_after_its_share_but_never_after_the_four_days():
    deadline = T0 + 4 * DAY
    assert step_due("approval", T0, deadline) == T0 + DAY
    assert step_due("submission", T0 + 3 * HOUR, deadline) == T0 + 2 * DAY + 3 * HOUR
    assert step_due("moderation", T0 + 2 * DAY, deadline) == T0 + 3 * DAY
    # the merchant took their time: the office's day is cut short by the promise
    assert step_due("moderation", T0 + 3 * DAY + 12 * HOUR, deadline) == T0 + 4 * DAY


# Approval: the editors hold the ball ------------------------------------------


def test_a_registration_waiting_over_a_day_is_reminded_to_the_territorys_editors_once_in_their_language(market):
    # Given a pending registration, the territory's two editors (one reading English), and another territory's editor
    territory, editor = market
    english_editor = editor_of(territory, "editor-en")
    profile = UserProfile.get_for_user(english_editor)
    profile.preferred_language = "en"
    profile.save()
    other = f.make_territory("Pays de Brest")
    editor_of(other, "editeur-brest")
    register(territory, 1)

    # When a day has not passed yet
    [item] = promise_items(Territory.objects.all(), T0 + DAY - MINUTE)
    assert (item.step, item.holder, item.since, item.due, item.deadline, item.late) == (
        "approval", "editors", T0, T0 + DAY, T0 + 4 * DAY, False
    )
    assert send_promise_reminders(T0 + DAY - MINUTE) == 0
    # Then nothing is sent
    assert mail.outbox == []

    # When the day has passed
    assert send_promise_reminders(T0 + DAY + MINUTE) == 1

    # Then each editor of the territory gets one e-mail in their language, and nobody else
    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == ["editeur@example.org", "editor-en@example.org"]
    french, english = by_address["editeur@example.org"], by_address["editor-en@example.org"]
    assert french.extra_headers["Content-Language"] == "fr"
    assert french.subject == "Inscription en attente de votre décision : Les Délices de Morlaix 1"
    assert "attend votre décision depuis le 20 novembre 2026 à 09:00" in french.body
    assert "au plus tard le 24 novembre 2026 à 09:00" in french.body
    registration = MerchantRegistration.objects.get()
    assert f"http://testserver/admin/inscriptions/inspect/{registration.pk}/" in french.body
    assert english.extra_headers["Content-Language"] == "en"
    assert "Les Délices de Morlaix 1" in english.subject and "Inscription" not in english.subject
    assert reminders() == [("Les Délices de Morlaix 1", "approval")]

    # When the reminders run again, later
    assert send_promise_reminders(T0 + 2 * DAY) == 0
    # Then nothing more is sent
    assert len(mail.outbox) == 2


def test_a_territory_without_editors_records_nothing_until_someone_can_read_it(db):
    territory, _market_fr, _market_en = portal()
    register(territory, 1)

    assert send_promise_reminders(T0 + 2 * DAY) == 0
    assert mail.outbox == [] and reminders() == []

    editor_of(territory, "nouvelle")
    assert send_promise_reminders(T0 + 2 * DAY) == 1
    assert [m.to for m in mail.outbox] == [["nouvelle@example.org"]]


# Submission: the merchant holds the ball ---------------------------------------


def test_an_approved_shop_not_submitted_within_two_days_is_reminded_to_the_merchant_once(market):
    # Given a registration approved 2 hours after it was received
    territory, editor = market
    registration = approve(register(territory, 1), editor, T0 + 2 * HOUR)

    # When the merchant's two days are not over
    [item] = promise_items([territory], T0 + 2 * DAY + HOUR)
    assert (item.step, item.holder, item.since, item.due, item.late) == (
        "submission", "merchant", T0 + 2 * HOUR, T0 + 2 * DAY + 2 * HOUR, False
    )
    assert send_promise_reminders(T0 + 2 * DAY + HOUR) == 0
    assert mail.outbox == []

    # When they are
    assert send_promise_reminders(T0 + 2 * DAY + 3 * HOUR) == 1

    # Then the merchant's account gets it, in their language, and the editors nothing
    [message] = mail.outbox
    assert message.to == [registration.user.email] == ["maiwenn1@example.org"]
    assert message.extra_headers["Content-Language"] == "fr"
    assert message.subject == "Les Délices de Morlaix 1 : ajoutez vos produits et soumettez votre boutique"
    assert "ajoutez au moins un produit" in message.body
    assert f"http://testserver/admin/pages/{registration.shop_id}/edit/" in message.body
    assert send_promise_reminders(T0 + 3 * DAY) == 0
    assert len(mail.outbox) == 1
    assert reminders() == [("Les Délices de Morlaix 1", "submission")]


def test_the_merchant_is_written_to_in_the_language_of_their_account(market):
    territory, editor = market
    registration = approve(register(territory, 1, language="en"), editor, T0 + HOUR)

    send_promise_reminders(T0 + 3 * DAY)

    [message] = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert "Les Délices de Morlaix 1" in message.subject and "ajoutez" not in message.subject
    assert message.to == [registration.user.email]


# Moderation: the editors hold the ball again --------------------------------------


def test_a_submitted_shop_not_validated_within_a_day_is_reminded_to_the_editors_once(market):
    # Given a registration approved on time, then reminded at approval, and a shop submitted on day 2
    territory, editor = market
    registration = register(territory, 1)
    assert send_promise_reminders(T0 + DAY + MINUTE) == 1
    approve(registration, editor, T0 + DAY + HOUR)
    submit(registration, T0 + 2 * DAY)
    mail.outbox.clear()

    # When the office's day is not over
    [item] = promise_items([territory], T0 + 3 * DAY - MINUTE)
    assert (item.step, item.holder, item.since, item.due, item.late) == (
        "moderation", "editors", T0 + 2 * DAY, T0 + 3 * DAY, False
    )
    assert send_promise_reminders(T0 + 3 * DAY - MINUTE) == 0
    assert mail.outbox == []

    # When it is
    assert send_promise_reminders(T0 + 3 * DAY + MINUTE) == 1
    assert send_promise_reminders(T0 + 3 * DAY + 2 * MINUTE) == 0

    # Then the editors are reminded once, the merchant not at all
    [message] = mail.outbox
    assert message.to == ["editeur@example.org"]
    assert message.subject == "Boutique à valider pour sa mise en ligne : Les Délices de Morlaix 1"
    assert f"http://testserver/admin/pages/{registration.shop_id}/edit/" in message.body
    assert reminders() == [("Les Délices de Morlaix 1", "approval"), ("Les Délices de Morlaix 1", "moderation")]


def test_a_step_on_time_is_late_once_the_four_days_are_over(market):
    # Given a merchant who submitted 3 days and a half after registering
    territory, editor = market
    registration = approve(register(territory, 1), editor, T0 + HOUR)
    submit(registration, T0 + 3 * DAY + 12 * HOUR)

    # Then the office is late as soon as the 4 days are over, though it has had the shop for half a day only
    [item] = promise_items([territory], T0 + 4 * DAY + MINUTE)
    assert (item.step, item.due, item.late) == ("moderation", T0 + 4 * DAY, True)


def test_changes_asked_by_the_office_hand_the_ball_back_to_the_merchant(market):
    territory, editor = market
    registration = approve(register(territory, 1), editor, T0 + HOUR)
    state = submit(registration, T0 + DAY)
    task_state = state.current_task_state
    task_state.task.specific.on_action(task_state, editor, "reject")
    TaskState.objects.filter(pk=task_state.pk).update(finished_at=T0 + DAY + 2 * HOUR)

    [item] = promise_items([territory], T0 + 3 * DAY + HOUR)
    assert (item.step, item.holder, item.since, item.due, item.late) == (
        "submission", "merchant", T0 + DAY + 2 * HOUR, T0 + 3 * DAY + 2 * HOUR, False
    )


def test_a_shop_online_rejected_or_waitlisted_registration_is_under_no_promise(market):
    territory, editor = market
    online = approve(register(territory, 1), editor, T0 + HOUR)
    ShopPage.objects.filter(pk=online.shop_id).update(
        live=True, first_published_at=T0 + 2 * DAY, last_published_at=T0 + 2 * DAY
    )
    register(territory, 2, status=MerchantRegistration.Status.REJECTED)
    register(territory, 3, status=MerchantRegistration.Status.WAITLISTED)

    assert promise_items([territory], T0 + 10 * DAY) == []
    assert send_promise_reminders(T0 + 10 * DAY) == 0
    assert mail.outbox == []


def test_the_late_list_is_exact_late_first_then_by_due_time(market):
    # Given registrations at each step, on time and late, in two territories
    territory, editor = market
    other = f.make_territory("Pays de Brest")
    late_approval = register(territory, 1, at=T0 - 2 * DAY)
    register(territory, 2, at=T0)  # on time: due T0 + 1 day
    late_submission = approve(register(territory, 3, at=T0 - 3 * DAY), editor, T0 - 3 * DAY + HOUR)
    moderation = approve(register(territory, 4, at=T0 - DAY), editor, T0 - DAY + HOUR)
    submit(moderation, T0 - 2 * HOUR)  # on time: due T0 + 22 h
    register(other, 5, at=T0 - 3 * DAY)

    items = promise_items([territory], T0 + HOUR)

    assert [(i.registration.trade_name, i.step, i.holder, i.late) for i in items] == [
        ("Les Délices de Morlaix 1", "approval", "editors", True),  # due T0 - 1 day
        ("Les Délices de Morlaix 3", "submission", "merchant", True),  # due T0 - 1 day + 1 h
        ("Les Délices de Morlaix 4", "moderation", "editors", False),  # due T0 + 22 h
        ("Les Délices de Morlaix 2", "approval", "editors", False),  # due T0 + 1 day
    ]
    assert [i.registration.pk for i in items if i.late] == [late_approval.pk, late_submission.pk]


# The task, its schedule and the command -------------------------------------------


def test_the_scheduled_task_run_twice_sends_one_email(market, django_capture_on_commit_callbacks):
    from django.utils import timezone

    territory, _editor = market
    register(territory, 1, at=timezone.now() - 2 * DAY)

    assert tasks.send_promise_reminders() == 1
    assert tasks.send_promise_reminders() == 0
    assert [m.to for m in mail.outbox] == [["editeur@example.org"]]
    assert Schedule.objects.filter(func="markets.tasks.send_promise_reminders", schedule_type="H",
                                   repeats=-1).count() == 1


def test_the_command_sends_what_is_late(market, capsys):
    from django.utils import timezone

    territory, _editor = market
    register(territory, 1, at=timezone.now() - 2 * DAY)

    call_command("send_promise_reminders")
    call_command("send_promise_reminders")

    assert capsys.readouterr().out == "Étapes en retard rappelées : 1.\nÉtapes en retard rappelées : 0.\n"
    assert len(mail.outbox) == 1


# A shop needs a product to be submitted ---------------------------------------------


def _submit_from_the_editor(client, shop) -> object:
    edit_url = reverse("wagtailadmin_pages:edit", args=[shop.pk])
    data = harvest_form(client.get(edit_url).content.decode(), "page-edit-form")
    data.update({"opening_hours": "Du mardi au samedi", "action-submit": "Soumettre"})
    return client.post(edit_url, data)


def test_a_shop_without_product_cannot_be_submitted_with_one_it_can(market, client):
    # Given an approved shop, its merchant logged in
    territory, editor = market
    registration = approve(register(territory, 1), editor, T0)
    merchant = User.objects.get(pk=registration.user_id)
    client.force_login(merchant)
    shop = ShopPage.objects.get(pk=registration.shop_id)

    # When the merchant submits it without a product
    response = _submit_from_the_editor(client, shop)

    # Then it is refused with the reason, the edits stay on screen, and nothing is submitted or saved
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ajoutez au moins un produit avant de soumettre votre boutique" in page
    assert "Du mardi au samedi" in page
    shop.refresh_from_db()
    assert not shop.workflow_in_progress and shop.opening_hours == ""
    assert WorkflowState.objects.count() == 0

    # When they add a product (a draft) and submit again
    f.make_product(shop, "Kouign-amann", live=False)
    response = _submit_from_the_editor(client, shop)

    # Then the shop is submitted to the office
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.workflow_in_progress and shop.opening_hours == "Du mardi au samedi"
    [item] = promise_items([territory])
    assert (item.step, item.holder) == ("moderation", "editors")


def test_saving_a_draft_without_product_is_still_allowed(market, client):
    territory, editor = market
    registration = approve(register(territory, 1), editor, T0)
    client.force_login(User.objects.get(pk=registration.user_id))
    shop = ShopPage.objects.get(pk=registration.shop_id)
    edit_url = reverse("wagtailadmin_pages:edit", args=[shop.pk])
    data = harvest_form(client.get(edit_url).content.decode(), "page-edit-form")
    data["opening_hours"] = "Le samedi"

    response = client.post(edit_url, data)

    assert response.status_code == 302
    assert ShopPage.objects.get(pk=shop.pk).get_latest_revision_as_object().opening_hours == "Le samedi"
    assert WorkflowState.objects.count() == 0
