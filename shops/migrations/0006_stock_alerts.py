import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shops", "0005_delivery_option_translatable")]

    operations = [
        migrations.AddField(
            model_name="productstock",
            name="alert_threshold",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="Le tableau de bord vous prévient quand il reste ce nombre d'unités ou moins.",
                validators=[django.core.validators.MaxValueValidator(9999)],
                verbose_name="seuil d'alerte",
            ),
        ),
    ]
