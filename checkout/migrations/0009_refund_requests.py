"""Refunds as requests: the PaymentIntent, the idempotency key, when Stripe was asked; the reconciliation schedule.

A refund is now committed as "requested" before Stripe is called, and a
call without an answer leaves it "unknown" until `reconcile_refunds` (every
five minutes) finds it at Stripe. Rows written before: "pending" becomes
"requested" and counts as sent at its creation (it may have reached Stripe,
so reconciliation looks for it rather than sending it again); each gets the
key it was sent with (`gateway.refund_key`) and the order's paid PaymentIntent.
"""

import django.db.models.deletion
from django.db import migrations, models

from portal.money import to_cents


def record_requests(apps, schema_editor):
    Refund = apps.get_model("checkout", "Refund")
    Payment = apps.get_model("checkout", "Payment")
    for refund in Refund.objects.select_related("shop_order").order_by("pk"):
        refund.payment = (
            Payment.objects.filter(order_id=refund.shop_order.order_id, state__in=["succeeded", "refunded"])
            .order_by("pk")
            .first()
        )
        # The key checkout.payments.gateway.refund_key gave it when it was sent.
        refund.idempotency_key = f"refund-{refund.pk}-create-{to_cents(refund.amount)}"
        if refund.state == "pending":
            refund.state = "requested"
            refund.provider_asked_at = refund.created_at
        refund.save(update_fields=["payment", "idempotency_key", "state", "provider_asked_at"])


def forget_requests(apps, schema_editor):
    # A refund still open was "pending" before; a payment's full refund (no shop order) has no
    # place in the old table, and the field going back to required will refuse it.
    apps.get_model("checkout", "Refund").objects.filter(state__in=["requested", "unknown"]).update(state="pending")


def add_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.get_or_create(
        func="checkout.tasks.reconcile_refunds",
        defaults={
            "name": "Vérifier auprès de Stripe les remboursements restés sans réponse",
            "schedule_type": "I",
            "minutes": 5,
            "repeats": -1,
        },
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(func="checkout.tasks.reconcile_refunds").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0008_order_attempts_and_holds"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="refund",
            name="idempotency_key",
            field=models.CharField(blank=True, editable=False, max_length=255, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="refund",
            name="payment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="checkout.payment",
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="provider_asked_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="refund",
            name="shop_order",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="refunds",
                to="checkout.shoporder",
            ),
        ),
        migrations.AlterField(
            model_name="refund",
            name="state",
            field=models.CharField(
                choices=[
                    ("requested", "Demandé"),
                    ("succeeded", "Effectué"),
                    ("failed", "Échoué"),
                    ("unknown", "En vérification"),
                ],
                default="requested",
                max_length=10,
                verbose_name="état",
            ),
        ),
        migrations.RunPython(record_requests, forget_requests),
        migrations.RunPython(add_schedule, remove_schedule),
    ]
