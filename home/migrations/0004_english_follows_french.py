"""English follows French: wagtail-localize's locale synchronisation from the default locale.

With it, a French page created in the admin gets an English alias page at
once (wagtail-localize's `after_create_page` hook), which shows the French
content until a translator converts it into a translation; pages created in
code call `create_aliases_for_new_page` themselves (markets.onboarding).
Pages made before this migration get theirs from `manage.py sync_locale_trees`
(run by `make setup`).
"""

from django.conf import settings
from django.db import migrations


def follow_default_locale(apps, schema_editor):
    Locale = apps.get_model("wagtailcore.Locale")
    LocaleSynchronization = apps.get_model("wagtail_localize.LocaleSynchronization")
    default, _ = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        if code == default.language_code:
            continue
        target, _ = Locale.objects.get_or_create(language_code=code)
        LocaleSynchronization.objects.get_or_create(locale=target, defaults={"sync_from": default})


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0003_legal_page"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [migrations.RunPython(follow_default_locale, migrations.RunPython.noop)]
