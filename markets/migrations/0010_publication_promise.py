from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("markets", "0009_registration_checks")]

    operations = []
