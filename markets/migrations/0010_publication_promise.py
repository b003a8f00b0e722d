"""The 4-day promise: reminders sent once per step, and the hourly schedule that sends them (run by `qcluster`)."""

import django.db.models.deletion
from django.db import migrations, models

FUNC = "markets.tasks.send_promise_reminders"


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func=FUNC,
        defaults={"name": "Rappels de la promesse de mise en ligne en 4 jours", "schedule_type": "H", "repeats": -1},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("markets", "0009_registration_checks"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="PromiseReminder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step", models.CharField(
                    choices=[
                        ("approval", "Décision sur l'inscription"),
                        ("submission", "Soumission de la boutique"),
                        ("moderation", "Validation de la boutique"),
                    ],
                    max_length=12, verbose_name="étape",
                )),
                ("sent_at", models.DateTimeField(verbose_name="envoyé le")),
                ("registration", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="promise_reminders",
                    to="markets.merchantregistration", verbose_name="inscription",
                )),
            ],
            options={
                "verbose_name": "rappel de mise en ligne",
                "verbose_name_plural": "rappels de mise en ligne",
                "constraints": [
                    models.UniqueConstraint(fields=("registration", "step"), name="promise_reminder_once_per_step")
                ],
            },
        ),
        migrations.RunPython(add_schedule, remove_schedule),
    ]
