"""Dotted paths held outside the code (queued tasks, schedules, settings) still resolve after a move."""

import pytest
from django.utils.module_loading import import_string
from django_q.models import Schedule

from checkout.billing import payouts, reports


@pytest.mark.django_db
def test_every_stored_schedule_names_a_task_module_function():
    funcs = set(Schedule.objects.filter(func__startswith="checkout.").values_list("func", flat=True))

    assert funcs == {
        "checkout.tasks.expire_unpaid_orders",
        "checkout.tasks.send_voucher_expiry_reminders",
        "checkout.tasks.run_weekly_statements",
        "checkout.tasks.reconcile_refunds",
        "checkout.accounts.tasks.anonymise_expired_customers",
    }
    assert all(callable(import_string(func)) for func in funcs)


def test_a_report_task_queued_under_its_old_path_still_runs_the_report():
    assert import_string("checkout.reports.send_weekly_report") is reports.send_weekly_report
    assert import_string("checkout.tasks.send_weekly_report").__module__ == "checkout.tasks"


def test_the_old_payout_backend_path_of_an_environment_still_loads_the_sepa_backend(settings):
    settings.PAYOUT_BACKEND = "checkout.payouts.SepaCreditTransferBackend"

    assert type(payouts.get_backend()) is payouts.SepaCreditTransferBackend
