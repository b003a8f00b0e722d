"""Delivery options become translatable rows (locale + translation_key).

Each existing row takes its shop page's locale. The rows of a translated
shop page are paired with its source page's rows by mode, in their order,
and take the same translation key, so the English "pick-up" row is the
translation of the French one; a row left without a partner gets a key of
its own.

The rows kept in page revisions and in wagtail-localize's translation
sources get the same key and locale (by row id): without them, loading a
revision would give each row a new random key, and the next publication
would no longer pair the English rows with the French ones.
"""

import json
import uuid

import django.db.models.deletion
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models


def pair_rows(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Locale = apps.get_model("wagtailcore", "Locale")
    DeliveryOption = apps.get_model("shops", "DeliveryOption")
    default = Locale.objects.filter(language_code=settings.LANGUAGE_CODE).first() or Locale.objects.order_by("pk").first()
    if default is None:
        return
    pages = {
        p["pk"]: p for p in Page.objects.filter(
            pk__in=DeliveryOption.objects.values("page_id")
        ).values("pk", "locale_id", "translation_key")
    }
    rows_by_page: dict[int, list] = {}
    for row in DeliveryOption.objects.order_by("page_id", "sort_order", "pk"):
        rows_by_page.setdefault(row.page_id, []).append(row)
    source_page_by_key = {p["translation_key"]: pk for pk, p in pages.items() if p["locale_id"] == default.pk}
    # Source pages first, so that their rows have keys when translations are paired with them.
    ordered = sorted(rows_by_page, key=lambda pk: pages[pk]["locale_id"] != default.pk)
    for page_id in ordered:
        page = pages[page_id]
        source_id = source_page_by_key.get(page["translation_key"])
        unpaired = {}
        if source_id is not None and source_id != page_id:
            for source_row in rows_by_page.get(source_id, []):
                unpaired.setdefault(source_row.kind, []).append(source_row.translation_key)
        for row in rows_by_page[page_id]:
            keys = unpaired.get(row.kind)
            row.translation_key = keys.pop(0) if keys else uuid.uuid4()
            row.locale_id = page["locale_id"]
            row.save(update_fields=["translation_key", "locale"])
    _key_stored_rows(apps, {row.pk: row for rows in rows_by_page.values() for row in rows})


def _keyed(content: dict, rows_by_pk: dict, locale_id) -> bool:
    """Give the delivery option rows of one stored page content their key and locale; whether any changed."""
    changed = False
    for stored in content.get("delivery_options") or []:
        if stored.get("translation_key"):
            continue
        row = rows_by_pk.get(stored.get("pk"))
        stored["translation_key"] = str(row.translation_key if row else uuid.uuid4())
        stored["locale"] = row.locale_id if row else locale_id
        changed = True
    return changed


def _key_stored_rows(apps, rows_by_pk):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Revision = apps.get_model("wagtailcore", "Revision")
    TranslationSource = apps.get_model("wagtail_localize", "TranslationSource")
    Page = apps.get_model("wagtailcore", "Page")
    shop_type = ContentType.objects.filter(app_label="shops", model="shoppage").first()
    if shop_type is None:
        return
    locale_of = dict(Page.objects.filter(content_type=shop_type).values_list("pk", "locale_id"))
    for revision in Revision.objects.filter(content_type=shop_type).iterator():
        if _keyed(revision.content, rows_by_pk, locale_of.get(int(revision.object_id))):
            revision.save(update_fields=["content"])
    for source in TranslationSource.objects.filter(specific_content_type=shop_type).iterator():
        content = json.loads(source.content_json)
        if _keyed(content, rows_by_pk, source.locale_id):
            source.content_json = json.dumps(content, cls=DjangoJSONEncoder)
            source.save(update_fields=["content_json"])


class Migration(migrations.Migration):

    dependencies = [
        ("shops", "0004_product_withdrawal_shop_terms"),
        ("wagtailcore", "0097_baselogentry_uuid_action_timestamp_indexes"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
    ]

    operations = [
        migrations.AddField(
            model_name="deliveryoption",
            name="locale",
            field=models.ForeignKey(
                null=True, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="wagtailcore.locale", verbose_name="locale",
            ),
        ),
        migrations.AddField(
            model_name="deliveryoption",
            name="translation_key",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(pair_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deliveryoption",
            name="locale",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="wagtailcore.locale", verbose_name="locale",
            ),
        ),
        migrations.AlterField(
            model_name="deliveryoption",
            name="translation_key",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AlterUniqueTogether(
            name="deliveryoption",
            unique_together={("translation_key", "locale")},
        ),
    ]
