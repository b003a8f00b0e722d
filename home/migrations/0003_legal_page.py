import django.db.models.deletion
import wagtail.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_create_homepage"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="LegalPage",
            fields=[
                (
                    "page_ptr",
                    models.OneToOneField(
                        auto_created=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        parent_link=True,
                        primary_key=True,
                        serialize=False,
                        to="wagtailcore.page",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("legal_notice", "Mentions légales"),
                            ("terms", "Conditions générales de vente"),
                            ("withdrawal", "Droit de rétractation"),
                        ],
                        max_length=20,
                        verbose_name="type de page",
                    ),
                ),
                ("body", wagtail.fields.RichTextField(verbose_name="texte")),
            ],
            options={
                "verbose_name": "page légale",
                "verbose_name_plural": "pages légales",
            },
            bases=("wagtailcore.page",),
        ),
    ]
