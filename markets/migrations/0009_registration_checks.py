from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("markets", "0008_translation_permission")]

    operations = []
