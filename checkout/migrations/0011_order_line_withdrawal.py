"""An order line keeps the withdrawal rule its product had on the day of the order.

Lines placed before the rule existed stay empty: what applied then is not known.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0010_fulfilment_by_mode"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="withdrawal",
            field=models.CharField(
                blank=True,
                choices=[
                    ("14_days", "14 jours"),
                    ("perishable", "denrée périssable"),
                    ("personalised", "bien personnalisé"),
                    ("dated_service", "prestation à date fixe"),
                ],
                max_length=20,
                verbose_name="droit de rétractation",
            ),
        ),
    ]
