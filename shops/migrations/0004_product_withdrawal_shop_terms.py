"""Each product says which withdrawal rule applies; a shop may write its own terms of sale.

Existing products (French pages and their translations alike) get the
default of their kind and shop category, as a new product does when its
merchant leaves the choice empty (`shops.models.default_withdrawal`).
"""

import wagtail.fields
from django.db import migrations, models

from shops.models import default_withdrawal

STEPLEN = 4  # treebeard's path step of Wagtail pages: a page's parent has its path minus the last 4 characters


def fill_withdrawal_defaults(apps, schema_editor):
    ProductPage = apps.get_model("shops", "ProductPage")
    ShopPage = apps.get_model("shops", "ShopPage")
    products = list(ProductPage.objects.filter(withdrawal="").only("pk", "path", "kind"))
    categories = dict(
        ShopPage.objects.filter(path__in={p.path[:-STEPLEN] for p in products}).values_list("path", "category")
    )
    for product in products:
        product.withdrawal = default_withdrawal(product.kind, categories.get(product.path[:-STEPLEN]))
    ProductPage.objects.bulk_update(products, ["withdrawal"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0003_last_delivery_order_date"),
    ]

    operations = [
        migrations.AddField(
            model_name="productpage",
            name="withdrawal",
            field=models.CharField(
                blank=True,
                choices=[
                    ("14_days", "14 jours"),
                    ("perishable", "denrée périssable"),
                    ("personalised", "bien personnalisé"),
                    ("dated_service", "prestation à date fixe"),
                ],
                default="",
                help_text=(
                    "Laissé vide, il est choisi selon le type : 14 jours pour un produit ou un bon cadeau, "
                    "denrée périssable dans une épicerie ou un restaurant, prestation à date fixe pour une prestation."
                ),
                max_length=20,
                verbose_name="droit de rétractation",
            ),
        ),
        migrations.AddField(
            model_name="shoppage",
            name="terms_of_sale",
            field=wagtail.fields.RichTextField(
                blank=True,
                help_text=(
                    "Facultatif : vos propres conditions de vente. Laissées vides, les conditions générales de "
                    "vente de la plateforme s'appliquent à vos ventes."
                ),
                verbose_name="conditions de vente de la boutique",
            ),
        ),
        migrations.RunPython(fill_withdrawal_defaults, migrations.RunPython.noop),
    ]
