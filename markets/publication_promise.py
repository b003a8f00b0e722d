"""The platform's promise: a shop is online within 4 days of its registration.

Three steps, each with whoever holds the ball and its share of the 4 days:

- approval (the territory's editors, 1 day): decide on the registration,
  from the moment it is received;
- submission (the merchant, 2 days): add at least one product and submit
  the shop for its first publication, from the approval (or from the moment
  the office asked for changes);
- moderation (the territory's editors, 1 day): validate the first
  publication, from the (re)submission (Wagtail's workflow state).

The rule: the promise's deadline is the registration's time + 4 days. A
step is due at its start + its share, but never after the deadline; it is
late once that moment has passed. So a step is late when it took more than
its share, or when the 4 days are over whoever lost the time before.

A registration is done once its shop has been published since it was
received: a new shop's first publication (`first_published_at`), or a
returning merchant's past-season shop published again
(`last_published_at`, which a first publication sets too); a rejected or waitlisted registration (outside the
territory's policy, waiting for it to open) is under no promise. Whoever is
late is reminded by e-mail once per registration and step (a
PromiseReminder row claimed before sending): the territory's editors, each
in their account's language, or the shop's merchant accounts, each in
theirs.

Times are aware datetimes; `now` is passed in (default: the clock) so the
rule can be checked at any moment.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, WorkflowState

from markets.emails import base_url, merchant_accounts, registrant_language
from markets.models import MerchantRegistration, PromiseReminder, Territory
from portal.emails import account_languages, send_templated_email

PROMISE = timedelta(days=4)
Step = PromiseReminder.Step
SHARES = {Step.APPROVAL: timedelta(days=1), Step.SUBMISSION: timedelta(days=2), Step.MODERATION: timedelta(days=1)}

EDITORS, MERCHANT = "editors", "merchant"
HOLDERS = {Step.APPROVAL: EDITORS, Step.SUBMISSION: MERCHANT, Step.MODERATION: EDITORS}
HOLDER_LABELS = {EDITORS: _("L'office de tourisme"), MERCHANT: _("Le commerçant")}


@dataclass(frozen=True)
class PromiseItem:
    """Where one registration stands in the promise at `now`."""

    registration: MerchantRegistration
    step: str
    since: datetime
    due: datetime
    deadline: datetime
    late: bool

    @property
    def holder(self) -> str:
        return HOLDERS[self.step]

    @property
    def holder_label(self) -> str:
        return HOLDER_LABELS[self.holder]

    @property
    def step_label(self) -> str:
        return Step(self.step).label

    @property
    def admin_url(self) -> str:
        """Where the holder acts: the registration to decide on, else the shop page to complete or validate."""
        if self.step == Step.APPROVAL:
            return reverse("registrations:inspect", args=[self.registration.pk])
        return reverse("wagtailadmin_pages:edit", args=[self.registration.shop_id])


def step_due(step: str, since: datetime, deadline: datetime) -> datetime:
    """The moment `step`, started at `since`, becomes late: its share of the promise, never after the deadline."""
    return min(since + SHARES[step], deadline)


def _item(registration, step, since, now) -> PromiseItem:
    deadline = registration.created_at + PROMISE
    due = step_due(step, since, deadline)
    return PromiseItem(registration=registration, step=step, since=since, due=due, deadline=deadline, late=now > due)


def _active_workflows(shop_ids) -> dict[int, dict]:
    """The in-progress or needs-changes workflow of each shop page, by page id (one query)."""
    if not shop_ids:
        return {}
    rows = WorkflowState.objects.active().filter(
        base_content_type=ContentType.objects.get_for_model(Page), object_id__in=[str(pk) for pk in shop_ids]
    ).values("object_id", "status", "created_at", "current_task_state__started_at",
             "current_task_state__finished_at")
    return {int(row["object_id"]): row for row in rows}


def promise_items(territories, now: datetime | None = None) -> list[PromiseItem]:
    """Every registration of `territories` still under the promise, late first, then by due time (two queries).

    `territories`: a queryset (or list) of Territory.
    """
    now = now or timezone.now()
    registrations = list(
        MerchantRegistration.objects.filter(territory__in=territories).filter(
            Q(status=MerchantRegistration.Status.PENDING)
            | Q(status=MerchantRegistration.Status.APPROVED, shop__isnull=False)
            & (Q(shop__last_published_at__isnull=True) | Q(shop__last_published_at__lt=F("created_at")))
        ).select_related("territory", "shop")
    )
    workflows = _active_workflows([r.shop_id for r in registrations if r.shop_id])
    items = []
    for registration in registrations:
        if registration.status == MerchantRegistration.Status.PENDING:
            items.append(_item(registration, Step.APPROVAL, registration.created_at, now))
            continue
        workflow = workflows.get(registration.shop_id)
        if workflow is None:
            # Not submitted yet, or the submission was cancelled: the merchant's since approval.
            items.append(_item(registration, Step.SUBMISSION, registration.decided_at or registration.created_at, now))
        elif workflow["status"] == WorkflowState.STATUS_NEEDS_CHANGES:
            since = workflow["current_task_state__finished_at"] or workflow["created_at"]
            items.append(_item(registration, Step.SUBMISSION, since, now))
        else:
            since = workflow["current_task_state__started_at"] or workflow["created_at"]
            items.append(_item(registration, Step.MODERATION, since, now))
    items.sort(key=lambda item: (not item.late, item.due, item.registration.pk))
    return items


# Reminders ---------------------------------------------------------------


def editor_recipients(territory_ids) -> dict[int, list[tuple[str, str]]]:
    """(e-mail, language) of each territory's active editors with an address, by territory id (two queries)."""
    rows = list(
        Territory.objects.filter(pk__in=list(territory_ids), editors_group__user__is_active=True)
        .exclude(editors_group__user__email="")
        .order_by("pk", "editors_group__user__pk")
        .values_list("pk", "editors_group__user__pk", "editors_group__user__email")
    )
    languages = account_languages(user_id for _pk, user_id, _email in rows)
    recipients = {}
    for territory_id, user_id, email in rows:
        recipients.setdefault(territory_id, []).append((email, languages[user_id]))
    return recipients


def merchant_recipients(registration: MerchantRegistration) -> list[tuple[str, str]]:
    """The shop's merchant accounts, each in its language; the registration's address if none has one."""
    accounts = merchant_accounts(registration.shop.translation_key) if registration.shop_id else []
    return accounts or [(registration.email, registrant_language(registration))]


def _send_reminder(item: PromiseItem, recipients: list[tuple[str, str]]) -> None:
    context = {
        "registration": item.registration,
        "territory": item.registration.territory,
        "shop": item.registration.shop,
        "since": item.since,
        "deadline": item.deadline,
        "action_url": base_url() + item.admin_url,
        "admin_url": base_url() + reverse("wagtailadmin_home"),
    }
    for email, language in recipients:
        send_templated_email(
            f"markets/emails/promise_{item.step}", context, email, language, about=item.registration
        )


def send_promise_reminders(now: datetime | None = None) -> int:
    """E-mail whoever holds the ball of each late step, once per registration and step; returns steps reminded.

    A step whose holder has no address (a territory without editors) is not
    recorded, so it is reminded once someone can read it.
    """
    now = now or timezone.now()
    late = [item for item in promise_items(Territory.objects.all(), now) if item.late]
    reminded = set(
        PromiseReminder.objects.filter(registration__in=[item.registration.pk for item in late])
        .values_list("registration_id", "step")
    )
    late = [item for item in late if (item.registration.pk, item.step) not in reminded]
    editors = editor_recipients({item.registration.territory_id for item in late if item.holder == EDITORS})
    sent = 0
    for item in late:
        if item.holder == EDITORS:
            recipients = editors.get(item.registration.territory_id, [])
        else:
            recipients = merchant_recipients(item.registration)
        if not recipients:
            continue
        with transaction.atomic():
            _reminder, claimed = PromiseReminder.objects.get_or_create(
                registration=item.registration, step=item.step, defaults={"sent_at": now}
            )
            if not claimed:
                continue
            # A failed send rolls the claim back: the next run tries again.
            _send_reminder(item, recipients)
        sent += 1
    return sent
