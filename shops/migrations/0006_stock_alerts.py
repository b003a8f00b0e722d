from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shops", "0005_delivery_option_translatable")]

    operations = []
