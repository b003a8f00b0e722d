"""The task queue seen from the platform: the workers' heartbeat in the database, failed tasks run again."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.utils.module_loading import import_string
from django_q.conf import Conf
from django_q.models import Failure, Schedule, Task
from wagtail.models import ModelLogEntry

from markets.merchants import make_merchant
from portal import health, task_queue
from portal.models import WorkerHeartbeat
from tests.fixtures import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "Sapin-de-Noel-2026"
FAILED = "/admin/taches-echouees/"
RETRY = "/admin/taches-echouees/relancer/"


@pytest.fixture
def operator():
    return User.objects.create_superuser("operatrice", "operatrice@example.org", PASSWORD)


@pytest.fixture
def merchant():
    market = f.make_market(f.french_home(), f.make_territory("Pays de Morlaix"))
    user = User.objects.create_user("atelier", "atelier@example.org", PASSWORD)
    make_merchant(user, f.make_shop(market, "Atelier"))
    return user


def failed_mail_task(**fields) -> Failure:
    """A task that failed: sending one e-mail, with its arguments as django-q2 stored them."""
    now = timezone.now()
    values = {
        "id": uuid.uuid4().hex,
        "name": "rappel-bon-noel",
        "func": "django.core.mail.send_mail",
        "args": ("Votre bon", "Il expire bientôt."),
        "kwargs": {"from_email": "noreply@example.org", "recipient_list": ["alice@example.org"]},
        "started": now - datetime.timedelta(seconds=2),
        "stopped": now,
        "success": False,
        "result": "SMTPServerDisconnected: Connection unexpectedly closed",
        "attempt_count": 1,
        **fields,
    }
    Task.objects.create(**values)
    return Failure.objects.get(pk=values["id"])


# Heartbeat -------------------------------------------------------------------


def test_the_heartbeat_is_scheduled_every_minute_on_a_function_that_exists():
    schedule = Schedule.objects.get(func="portal.task_queue.record_heartbeat")

    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 1, -1)
    assert import_string(schedule.func) is task_queue.record_heartbeat


def test_the_heartbeat_rewrites_one_row(monkeypatch):
    # given a first beat at 10:00 and a second at 10:01
    first = timezone.make_aware(datetime.datetime(2026, 12, 2, 10, 0))
    monkeypatch.setattr(timezone, "now", lambda: first)
    task_queue.record_heartbeat()
    monkeypatch.setattr(timezone, "now", lambda: first + datetime.timedelta(minutes=1))
    task_queue.record_heartbeat()

    # then one row holds the latest
    assert list(WorkerHeartbeat.objects.values_list("pk", "beat_at")) == [(1, first + datetime.timedelta(minutes=1))]
    assert task_queue.last_heartbeat() == first + datetime.timedelta(minutes=1)


def test_tasks_are_ok_with_a_recent_heartbeat_and_stale_with_an_old_one(monkeypatch):
    # given tasks run by workers (not inline) and a beat just written
    monkeypatch.setattr(Conf, "SYNC", False)
    task_queue.record_heartbeat()

    assert health.check_tasks() == health.OK

    # when the last beat is 2 min 59 s old: still fine; 3 min 1 s: stale
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - datetime.timedelta(minutes=2, seconds=59))
    assert health.check_tasks() == health.OK
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - datetime.timedelta(minutes=3, seconds=1))
    assert health.check_tasks() == health.STALE


def test_a_stale_heartbeat_wins_over_cluster_statistics_in_the_cache(monkeypatch):
    from django_q.status import Stat

    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(health, "_cluster_stats_visible", lambda: True)
    monkeypatch.setattr(Stat, "get_all", staticmethod(lambda broker=None: ["a cluster"]))
    WorkerHeartbeat.objects.create(pk=1, beat_at=timezone.now() - datetime.timedelta(minutes=10))

    assert health.check_tasks() == health.STALE


def test_healthz_stays_200_but_degraded_when_the_workers_are_stale(client, monkeypatch):
    # given workers whose last beat is ten minutes old (read in the probe's own thread)
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(health, "_last_heartbeat", lambda: timezone.now() - datetime.timedelta(minutes=10))

    response = client.get("/healthz")

    # then the host stays in rotation, the monitoring sees which part is wrong
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "ok", "tasks": "stale"}


# Failed tasks ----------------------------------------------------------------


def test_the_operator_sees_the_failed_tasks(client, operator):
    failure = failed_mail_task()
    Task.objects.create(id=uuid.uuid4().hex, name="reussie", func="checkout.tasks.expire_unpaid_orders",
                        started=timezone.now(), stopped=timezone.now(), success=True)
    client.force_login(operator)

    response = client.get(FAILED)

    assert response.status_code == 200
    body = response.content.decode()
    assert "rappel-bon-noel" in body
    assert "django.core.mail.send_mail" in body
    assert "SMTPServerDisconnected" in body
    assert f'value="{failure.pk}"' in body
    assert "reussie" not in body


def test_retrying_queues_the_same_call_once_and_forgets_the_failure(
    client, operator, django_capture_on_commit_callbacks
):
    # given a failed e-mail task
    failure = failed_mail_task()
    client.force_login(operator)

    # when the operator runs it again (tasks run inline in tests, once the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RETRY, {"task": failure.pk})

    # then the e-mail is sent with the stored arguments, the failure is gone, and the retry is in the log
    assert response.status_code == 302 and response["Location"] == FAILED
    assert [(m.subject, m.body, m.from_email, m.to) for m in mail.outbox] == [
        ("Votre bon", "Il expire bientôt.", "noreply@example.org", ["alice@example.org"])
    ]
    assert not Failure.objects.filter(pk=failure.pk).exists()
    assert Task.objects.filter(func="django.core.mail.send_mail", success=True, name="rappel-bon-noel").count() == 1
    entry = ModelLogEntry.objects.get(action=task_queue.RETRY_ACTION)
    assert (entry.user_id, entry.object_id) == (operator.pk, failure.pk)

    # and a second click (the same form again) queues nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RETRY, {"task": failure.pk})
    assert len(mail.outbox) == 1


def test_retry_is_a_post(client, operator):
    failure = failed_mail_task()
    client.force_login(operator)

    assert client.get(RETRY, {"task": failure.pk}).status_code == 405
    assert Failure.objects.filter(pk=failure.pk).exists()


def test_merchants_and_editors_may_neither_see_nor_retry_failed_tasks(merchant, django_capture_on_commit_callbacks):
    # given a failed task, a merchant and an editor of the admin without the permission
    failure = failed_mail_task()
    editor = User.objects.create_user("editrice", "editrice@example.org", PASSWORD, is_staff=True)
    group = Group.objects.create(name="Éditeurs test")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(group)
    for user in (merchant, editor):
        client = Client()
        client.force_login(user)

        # then Wagtail refuses them (its answer to PermissionDenied: back to the dashboard), nothing is sent
        listing = client.get(FAILED)
        assert (listing.status_code, listing["Location"]) == (302, "/admin/")
        assert "rappel-bon-noel" not in client.get("/admin/").content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            retried = client.post(RETRY, {"task": failure.pk})
        assert (retried.status_code, retried["Location"]) == (302, "/admin/")
        assert FAILED not in client.get("/admin/").content.decode()
    assert Failure.objects.filter(pk=failure.pk).exists()
    assert mail.outbox == []
    anonymous = Client().get(FAILED)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")


def test_a_holder_of_the_permission_may_retry_and_the_menu_shows_it(client):
    # given a staff member of an operations group holding portal.manage_failed_tasks
    group = Group.objects.create(name="Exploitation")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(content_type__app_label="portal", codename="manage_failed_tasks"),
    )
    user = User.objects.create_user("exploitation", "exploitation@example.org", PASSWORD)
    user.groups.add(group)
    client.force_login(user)

    assert client.get(FAILED).status_code == 200
    assert FAILED in client.get("/admin/").content.decode()
