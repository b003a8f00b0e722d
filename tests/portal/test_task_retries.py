"""A task that fails for a passing reason (the mail server away) runs again later, after a growing delay.

The order confirmation stands for every e-mail task decorated with
`portal.task_queue.retried`. The queue runs tasks in-line in the tests
(`Q_CLUSTER["sync"]`), so a schedule's run is django-q2's own scheduler
queuing and running the task.
"""

import ast
import datetime
import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone
from django_q.models import Failure, Schedule
from django_q.scheduler import scheduler
from django_q.tasks import async_task

from checkout import tasks
from portal import task_queue
from tests.checkout.conftest import market  # noqa: F401  (the fixture)
from tests.checkout.helpers import two_shop_order
from tests.checkout.invoice_fixtures import pay_at

FUNC = "checkout.tasks.send_order_confirmation"
send_messages = EmailBackend.send_messages


def failing(times: int, error: Exception):
    """An e-mail backend that raises `error` on its first `times` sends, then sends."""
    calls = {"n": 0}

    def send(self, messages):
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return send_messages(self, messages)

    return mock.patch.object(EmailBackend, "send_messages", send)


@pytest.fixture
def paid_order(market):
    order = two_shop_order(market)
    pay_at(order)
    mail.outbox.clear()
    return order


def retries():
    """The retries' schedules (the migrations' own schedules of other tasks left aside)."""
    return Schedule.objects.filter(func=FUNC)


def run_due_schedules():
    """Bring the retries' time forward, then let django-q2's scheduler queue (and, in-line, run) them."""
    retries().update(next_run=timezone.now() - datetime.timedelta(seconds=1))
    scheduler()


def test_smtp_error_schedules_the_same_task_in_a_minute_then_the_retry_sends_once(
    paid_order, django_capture_on_commit_callbacks
):
    # given a mail server that refuses the first send
    with failing(1, smtplib.SMTPServerDisconnected("gone")):
        before = timezone.now()
        # when the confirmation task runs (and its transaction commits)
        with django_capture_on_commit_callbacks(execute=True):
            result = tasks.send_order_confirmation(paid_order.pk)
        after = timezone.now()

        # then nothing was sent, and one ONCE schedule runs the same task with the same order in 60 s, attempt 2
        assert result is None
        assert mail.outbox == []
        retry = retries().get()
        assert (retry.schedule_type, retry.repeats) == (Schedule.ONCE, -1)
        assert ast.literal_eval(retry.args) == (paid_order.pk,)
        assert ast.literal_eval(retry.kwargs) == {"_attempt": 2}
        assert before + datetime.timedelta(seconds=60) <= retry.next_run <= after + datetime.timedelta(seconds=60)

        # when the scheduler runs it (the server is back)
        with django_capture_on_commit_callbacks(execute=True):
            run_due_schedules()

    # then the customer got the confirmation once, the schedule is gone, and nothing failed
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    assert retries().count() == 0
    assert Failure.objects.count() == 0


def test_delays_grow_and_after_the_last_one_the_error_reaches_the_queue(paid_order, django_capture_on_commit_callbacks):
    # given a mail server that stays down
    delays = []
    with failing(100, ConnectionRefusedError(111, "Connection refused")):
        # when the task and its first three retries run
        with django_capture_on_commit_callbacks(execute=True):
            async_task(FUNC, paid_order.pk)
        for attempt in range(2, 5):
            retry = retries().get()
            assert ast.literal_eval(retry.kwargs) == {"_attempt": attempt}
            delays.append(round((retry.next_run - timezone.now()).total_seconds() / 60))
            with django_capture_on_commit_callbacks(execute=True):
                run_due_schedules()
        last = retries().get()
        delays.append(round((last.next_run - timezone.now()).total_seconds() / 60))

        # then the waits grew (1 min, 5 min, 30 min, 2 h) and the fifth attempt's error reaches the queue
        # (which, out of the tests' in-line mode, records it among the failures the admin can run again)
        assert delays == [1, 5, 30, 120]
        assert ast.literal_eval(last.kwargs) == {"_attempt": 5}
        with pytest.raises(ConnectionRefusedError), django_capture_on_commit_callbacks(execute=True):
            async_task(last.func, *ast.literal_eval(last.args), **ast.literal_eval(last.kwargs))
    # and nothing was sent, no further retry was scheduled
    assert mail.outbox == []
    assert retries().count() == 1


def test_last_attempt_raises_the_passing_error(paid_order):
    # given the last attempt (every delay waited)
    # when it fails again, the error propagates and nothing is scheduled
    with failing(1, smtplib.SMTPException("4.3.0 try later")), pytest.raises(smtplib.SMTPException):
        tasks.send_order_confirmation(paid_order.pk, _attempt=len(task_queue.RETRY_DELAYS) + 1)
    assert retries().count() == 0
    assert mail.outbox == []


def test_other_errors_propagate_at_once_without_a_retry(paid_order, django_capture_on_commit_callbacks):
    # given a bug rather than an absent server
    # when the task runs, its error reaches the queue at once
    with (
        failing(1, ValueError("bad header")),
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValueError),
    ):
        tasks.send_order_confirmation(paid_order.pk)
    # and nothing is scheduled
    assert retries().count() == 0


def test_a_retry_inside_a_rolled_back_transaction_schedules_nothing(paid_order, django_capture_on_commit_callbacks):
    # given a task run inside a caller's transaction that then fails
    with (
        failing(1, smtplib.SMTPException("down")),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        tasks.send_order_confirmation(paid_order.pk)
        raise RuntimeError("the caller's transaction fails")
    assert callbacks == []
    assert retries().count() == 0
