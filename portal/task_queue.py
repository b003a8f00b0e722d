"""The task queue seen from the platform: the workers' heartbeat, and the failed tasks run again.

- `record_heartbeat` is a django-q2 schedule (every minute, created by
  portal's first migration): the time it writes says a worker took a task
  from the queue and ran it lately. portal.health reads it for /healthz.
- The admin's "Tâches échouées" screen lists django-q2's failed tasks
  (`Failure`) to superusers and holders of `portal.manage_failed_tasks`,
  who can run one again: the same function with the same arguments is
  queued anew and the failure row is deleted, both once the transaction
  commits, with an entry in the admin's log.
- `retried` makes a task try again later, after a growing delay, when it
  fails for a passing reason (the mail server down), before it lands in
  the failures.
"""

import functools
import logging
import smtplib
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.log_actions import log

from portal.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# A worker writes every minute: three missed beats mean no worker is taking tasks.
HEARTBEAT_MAX_AGE = timedelta(minutes=3)
PERMISSION = "portal.manage_failed_tasks"
RETRY_ACTION = "portal.failed_task.retry"
PER_PAGE = 50

# Seconds before each new attempt: a mail server down for the night is waited for, not for ever.
RETRY_DELAYS = (60, 300, 1800, 7200)
# What an e-mail backend raises when the server cannot be reached or refuses for now
# (SMTPException and ConnectionError are OSErrors; named for the reader).
PASSING_EMAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)
ATTEMPT_KWARG = "_attempt"


def retried(*, delays: tuple[int, ...] = RETRY_DELAYS, on: tuple[type[BaseException], ...] = PASSING_EMAIL_ERRORS):
    """Decorate a task so that a passing failure runs it again later instead of failing it at once.

    Contract: when the task raises one of `on`, the same function (by its
    dotted path, `module.name`, which must be the path the queue names) is
    scheduled again with the same arguments through a django-q2 `Schedule`
    of type ONCE at now + `delays[n - 1]` seconds, where n is the attempt
    that failed (1 for the first run), and the failed attempt returns None.
    The attempt number travels in the reserved keyword argument `_attempt`
    (absent on the first run, 2 on the first retry...), which the task
    itself never sees. The schedule keeps django-q2's default `repeats=-1`:
    the scheduler deletes a ONCE schedule once it has queued its task. It
    is created when the current transaction commits (at once outside one),
    so a rolled-back caller schedules nothing. Once every delay was waited
    (attempt len(delays) + 1 fails too) the exception propagates and the
    task lands in django-q2's failures, which the admin can run again. Any
    other exception propagates at once, without a schedule.

    The task must be safe to run again (it is: each sends under a `*_sent_at`
    claim that a failed send rolls back) and its arguments plain literals
    (ints, strings, None), as a schedule stores them as text.
    """

    def decorate(task):
        dotted = f"{task.__module__}.{task.__name__}"

        @functools.wraps(task)
        def wrapper(*args, **kwargs):
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            try:
                return task(*args, **kwargs)
            except on as error:
                if attempt > len(delays):
                    raise
                delay = delays[attempt - 1]
                logger.warning("task %s failed (attempt %s: %r); runs again in %s s", dotted, attempt, error, delay)
                transaction.on_commit(
                    functools.partial(schedule_retry, dotted, args, kwargs, attempt=attempt + 1, delay=delay)
                )
                return None

        wrapper.retry_delays = delays
        return wrapper

    return decorate


def schedule_retry(func: str, args: tuple, kwargs: dict, *, attempt: int, delay: int):
    """A ONCE schedule that queues `func(*args, _attempt=attempt, **kwargs)` in `delay` seconds."""
    from django_q.models import Schedule

    return Schedule.objects.create(
        name=f"{func} #{attempt}"[:100],
        func=func,
        args=repr(tuple(args)) if args else None,
        kwargs=repr({**kwargs, ATTEMPT_KWARG: attempt}),
        schedule_type=Schedule.ONCE,
        repeats=-1,
        next_run=timezone.now() + timedelta(seconds=delay),
    )


def record_heartbeat() -> None:
    """The scheduled task: now is the workers' last sign of life (one row, rewritten)."""
    WorkerHeartbeat.objects.update_or_create(pk=WorkerHeartbeat.SINGLETON_PK, defaults={"beat_at": timezone.now()})


def last_heartbeat() -> datetime | None:
    """When a worker last ran `record_heartbeat`, or None when none ever did."""
    return WorkerHeartbeat.objects.filter(pk=WorkerHeartbeat.SINGLETON_PK).values_list("beat_at", flat=True).first()


def heartbeat_is_fresh(beat_at: datetime, now: datetime | None = None) -> bool:
    return (now or timezone.now()) - beat_at <= HEARTBEAT_MAX_AGE


def can_manage_failed_tasks(user) -> bool:
    return bool(user.is_active and (user.is_superuser or user.has_perm(PERMISSION)))


def retry_failed_task(task_id: str, user) -> bool:
    """Queue the failed task `task_id` again (same function, arguments, hook and group) and forget its failure.

    False when there is no such failure (already run again, or deleted): a
    second click queues nothing. The row is locked and deleted in the
    transaction; the task is queued once it commits.
    """
    from django_q.models import Failure
    from django_q.tasks import async_task

    with transaction.atomic():
        failure = Failure.objects.select_for_update().filter(pk=task_id).first()
        if failure is None:
            return False
        func, args, kwargs = failure.func, tuple(failure.args or ()), dict(failure.kwargs or {})
        options = {"task_name": failure.name, "hook": failure.hook, "group": failure.group}
        log(instance=failure, action=RETRY_ACTION, user=user, data={"func": func, "name": failure.name})
        failure.delete()
        logger.info("failed task %s (%s) queued again by user %s", task_id, func, user.pk)
        transaction.on_commit(
            lambda: async_task(func, *args, q_options={k: v for k, v in options.items() if v}, **kwargs)
        )
    return True


def failed_tasks(request):
    """The failed tasks, latest first, with a button to run each again."""
    from django_q.models import Failure

    if not can_manage_failed_tasks(request.user):
        raise PermissionDenied
    page = Paginator(Failure.objects.order_by("-stopped", "-pk"), PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "portal/failed_tasks.html",
        {
            "page": page,
            "page_title": _("Tâches échouées"),
            "header_title": _("Tâches échouées"),
            "header_icon": "warning",
        },
    )


@require_POST
def retry(request):
    if not can_manage_failed_tasks(request.user):
        raise PermissionDenied
    task_id = request.POST.get("task", "")[:32]
    if retry_failed_task(task_id, request.user):
        messages.success(request, _("La tâche a été relancée."))
    else:
        messages.warning(request, _("Cette tâche n'est plus en échec : elle a déjà été relancée ou supprimée."))
    return redirect("portal_failed_tasks")


def admin_urls():
    return [
        path("taches-echouees/", failed_tasks, name="portal_failed_tasks"),
        path("taches-echouees/relancer/", retry, name="portal_failed_task_retry"),
    ]


class FailedTasksMenuItem(MenuItem):
    def is_shown(self, request):
        return can_manage_failed_tasks(request.user)


def menu_item():
    return FailedTasksMenuItem(
        gettext_lazy("Tâches échouées"), reverse("portal_failed_tasks"), icon_name="warning", order=900
    )
