"""Make last week's statements, payouts file and reports every Monday at 06:00, Paris time.

A django-q2 schedule, run by `qcluster`. Six hours after midnight so that
no payment of Sunday night is still being written when the week is cut.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations

FUNC = "checkout.tasks.run_weekly_statements"


def next_monday_morning(now: datetime) -> datetime:
    paris = now.astimezone(ZoneInfo("Europe/Paris"))
    monday = paris.date() + timedelta(days=(7 - paris.weekday()) % 7 or 7)
    return datetime.combine(monday, time(6, 0), tzinfo=ZoneInfo("Europe/Paris"))


def add_schedule(apps, schema_editor):
    from django.utils import timezone

    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=FUNC,
        defaults={
            "name": "Relevés hebdomadaires, virements et e-mails de ventes",
            "schedule_type": "W",
            "repeats": -1,
            "next_run": next_monday_morning(timezone.now()),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0005_statements_payouts_invoices"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
