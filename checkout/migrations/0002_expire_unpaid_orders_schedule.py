"""Expire unpaid orders every few minutes: a django-q2 schedule, run by `qcluster`."""

from django.db import migrations


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func="checkout.tasks.expire_unpaid_orders",
        defaults={"name": "Libérer le stock des commandes non payées", "schedule_type": "I", "minutes": 5, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func="checkout.tasks.expire_unpaid_orders").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
