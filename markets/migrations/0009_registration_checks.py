import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("markets", "0008_translation_permission"), ("shops", "0002_voucher_free_amount")]

    operations = [
        migrations.CreateModel(
            name='ChainStore',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text="Reconnue aussi dans le nom d'une inscription.", max_length=120, verbose_name='enseigne')),
                ('other_names', models.CharField(blank=True, help_text='Séparés par des virgules. Un nom est reconnu en mots entiers, sans tenir compte des majuscules ni des accents.', max_length=500, verbose_name='autres noms')),
                ('sirens', models.CharField(blank=True, help_text='Les SIREN (9 chiffres) des sociétés de la chaîne, séparés par des espaces ou des virgules.', max_length=500, verbose_name='SIREN')),
            ],
            options={
                'verbose_name': 'chaîne ou enseigne',
                'verbose_name_plural': 'chaînes et enseignes',
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='merchantregistration',
            name='chain_flag',
            field=models.CharField(blank=True, editable=False, help_text="Le marché est réservé aux commerces indépendants : vérifiez avant d'accepter.", max_length=255, verbose_name='chaîne ou enseigne repérée'),
        ),
        migrations.AddField(
            model_name='merchantregistration',
            name='editors_notified_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='merchantregistration',
            name='returning_shop',
            field=models.ForeignKey(blank=True, editable=False, help_text="Le même SIRET a déjà une boutique sur ce marché : l'accepter la rouvre.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='shops.shoppage', verbose_name="boutique d'une saison passée"),
        ),
        migrations.AddField(
            model_name='merchantregistration',
            name='waitlist_reason',
            field=models.CharField(blank=True, choices=[('closed', 'Inscriptions fermées'), ('category', 'Catégorie non retenue'), ('postcode', 'Adresse hors du territoire')], editable=False, max_length=12, verbose_name="motif de la liste d'attente"),
        ),
        migrations.AlterField(
            model_name='territory',
            name='registration_postcodes',
            field=models.CharField(blank=True, help_text='Séparés par des espaces ou des virgules ; vide : tous.', max_length=2000, verbose_name='codes postaux acceptés'),
        ),
        migrations.AddConstraint(
            model_name='merchantregistration',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['pending', 'waitlisted'])), fields=('siret',), name='registration_one_open_per_siret'),
        ),
    ]
