"""Order lines and shop orders keep their words in the site's other languages, as on the day of the order.

Orders placed before keep `{}`: they show their French words in every language.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checkout", "0011_order_line_withdrawal"),
    ]

    operations = [
        migrations.AddField(
            model_name="orderline",
            name="translations",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="traductions"),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="translations",
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name="traductions"),
        ),
    ]
