"""Fulfilment by delivery mode: ready for pick-up, delivered, the merchant's note, tracking, customer notices.

The stored value "ready" keeps meaning "to prepare" (see FulfilmentStatus),
so no existing row changes status. Pick-up orders placed before this
migration recorded no shop address: they get the shop's address of today,
the best there is for an order still to be collected.
"""

from django.db import migrations, models


def copy_shop_address_to_pickups(apps, schema_editor):
    ShopOrder = apps.get_model("checkout", "ShopOrder")
    ShopPage = apps.get_model("shops", "ShopPage")
    without_address = ShopOrder.objects.filter(delivery_kind="pickup", shop_street="", shop__isnull=False)
    for shop in ShopPage.objects.filter(pk__in=without_address.values("shop_id")):
        without_address.filter(shop_id=shop.pk).update(
            shop_street=shop.street,
            shop_postcode=shop.postcode,
            shop_city=shop.city,
            shop_opening_hours=shop.opening_hours,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("checkout", "0009_refund_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="shoporder",
            name="fulfilment_note",
            field=models.TextField(blank=True, max_length=1000, verbose_name="message au client"),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="ready_notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="shipped_notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="shop_city",
            field=models.CharField(blank=True, max_length=120, verbose_name="commune de la boutique"),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="shop_opening_hours",
            field=models.TextField(blank=True, verbose_name="horaires d'ouverture"),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="shop_postcode",
            field=models.CharField(blank=True, max_length=10, verbose_name="code postal de la boutique"),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="shop_street",
            field=models.CharField(blank=True, max_length=255, verbose_name="adresse de la boutique"),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="tracking_number",
            field=models.CharField(blank=True, max_length=60, verbose_name="n° de suivi"),
        ),
        migrations.AddField(
            model_name="shoporder",
            name="tracking_url",
            field=models.URLField(blank=True, max_length=500, verbose_name="lien de suivi"),
        ),
        migrations.AlterField(
            model_name="shoporder",
            name="fulfilment_status",
            field=models.CharField(
                choices=[
                    ("ready", "À préparer"),
                    ("ready_for_pickup", "Prête à retirer"),
                    ("shipped", "Expédiée"),
                    ("collected", "Retirée"),
                    ("delivered", "Livrée"),
                ],
                default="ready",
                max_length=20,
                verbose_name="préparation",
            ),
        ),
        migrations.RunPython(copy_shop_address_to_pickups, migrations.RunPython.noop),
    ]
