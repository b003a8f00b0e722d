"""Registrations at each step of the 4-day promise, with their moments set by hand (the clock is never read)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from wagtail.models import TaskState, WorkflowState

from markets import onboarding
from markets.models import MerchantRegistration
from tests.markets.onboarding_helpers import photo, registration_data

PARIS = ZoneInfo("Europe/Paris")
# The moment most registrations of these tests are received; "now" is passed to the promise from it.
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=PARIS)
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)


def register(territory, n, at=T0, **fields) -> MerchantRegistration:
    """A registration received `at` (pending unless `status` is given)."""
    data = registration_data(n)
    for name in ("chain", "photo", "declared_independent"):
        data.pop(name)
    registration = MerchantRegistration.objects.create(
        territory=territory, photo=photo(), declared_independent=True, **data, **fields
    )
    MerchantRegistration.objects.filter(pk=registration.pk).update(created_at=at)
    registration.refresh_from_db()
    return registration


def approve(registration, editor, at) -> MerchantRegistration:
    """Approved `at`: the draft shop, the merchant's account and the first-publication workflow exist."""
    onboarding.approve_registration(registration.pk, editor)
    MerchantRegistration.objects.filter(pk=registration.pk).update(decided_at=at)
    registration.refresh_from_db()
    return registration


def submit(registration, at) -> WorkflowState:
    """The merchant submitted the shop for its first publication `at`."""
    shop = registration.shop.specific
    state = shop.get_workflow().start(shop, registration.user)
    WorkflowState.objects.filter(pk=state.pk).update(created_at=at)
    TaskState.objects.filter(workflow_state=state).update(started_at=at)
    return state
