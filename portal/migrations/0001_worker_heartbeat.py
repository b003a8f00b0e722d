"""The task workers' heartbeat row, and the django-q2 schedule that writes it every minute."""

from django.db import migrations, models

FUNC = "portal.task_queue.record_heartbeat"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=FUNC,
        defaults={"name": "Signe de vie des tâches", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerHeartbeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("beat_at", models.DateTimeField(verbose_name="dernier signe de vie")),
            ],
            options={
                "verbose_name": "signe de vie des tâches",
                "verbose_name_plural": "signes de vie des tâches",
                "permissions": [("manage_failed_tasks", "Voir et relancer les tâches échouées")],
                "default_permissions": (),
            },
        ),
        migrations.RunPython(add_schedule, remove_schedule),
    ]
