"""When an order's personal data were erased; erase those of customers gone quiet, every night.

The schedule (django-q2, run by `qcluster`) calls
`checkout.accounts.tasks.anonymise_expired_customers` daily at 03:30 Paris
time, out of the hours when customers shop.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations, models

FUNC = "checkout.accounts.tasks.anonymise_expired_customers"


def next_night(now: datetime) -> datetime:
    paris = now.astimezone(ZoneInfo("Europe/Paris"))
    return datetime.combine(paris.date() + timedelta(days=1), time(3, 30), tzinfo=ZoneInfo("Europe/Paris"))


def add_schedule(apps, schema_editor):
    from django.utils import timezone

    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=FUNC,
        defaults={
            "name": "Effacement des données des clients sans commande récente",
            "schedule_type": "D",
            "repeats": -1,
            "next_run": next_night(timezone.now()),
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0014_invoice_pdf_private_storage"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="anonymised_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="données personnelles effacées le"
            ),
        ),
        migrations.RunPython(add_schedule, remove_schedule),
    ]
